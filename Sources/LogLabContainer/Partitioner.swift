import Foundation
import LogLabCore
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

public enum PartitionGranularity: String, Sendable, Codable, CaseIterable {
    case hour, day
}

/// `manifest.json` of a partitioned output directory.
public struct PartitionManifest: Codable, Sendable, Equatable {
    public struct Part: Codable, Sendable, Equatable {
        /// Path relative to the manifest's directory.
        public var path: String
        public var records: Int
        /// Bytes of the restored part (its records, each followed by `\n`).
        public var bytes: UInt64
        public var storedBytes: UInt64
        /// SHA-256 of the part file.
        public var sha256: String
        /// Earliest and latest record time (ISO-8601 UTC), absent for undated records.
        public var from: String?
        public var to: String?
    }

    public var format: String = "loglab-manifest"
    public var version: Int = 1
    public var profile: String
    public var timestampField: String
    public var partitionBy: PartitionGranularity
    public var parts: [Part]

    public static let fileName = "manifest.json"

    public func json() throws -> [UInt8] {
        let e = JSONEncoder()
        e.outputFormatting = [.sortedKeys, .prettyPrinted, .withoutEscapingSlashes]
        return Array(try e.encode(self)) + [0x0A]
    }

    public static func load(directory: String) throws -> PartitionManifest? {
        let path = directory + "/" + fileName
        guard FileManager.default.fileExists(atPath: path) else { return nil }
        do {
            return try JSONDecoder().decode(PartitionManifest.self, from: Data(try Files.read(path)))
        } catch {
            throw ContainerError(.invalidInput, "\(path): unreadable manifest (\(error))")
        }
    }
}

/// Writes records into one container per time partition,
/// `dt=YYYY-MM-DD/hour=HH/part-NNNNN.llc` (or `dt=YYYY-MM-DD/part-NNNNN.llc` by day), dated
/// by the timestamp field (undated records go to `dt=unknown`).
///
/// Input in any order gives one part per partition and run: records are grouped per
/// partition in memory up to `memoryLimit` bytes; beyond that the largest groups are
/// appended to raw spill files in a private folder (`DIR/.spill-PID-N/`), and `finish`
/// compresses each partition into one part. Parts are written under temporary names;
/// `finish` then takes the folder's lock (`DIR/.lock`, flock), numbers the parts after
/// those already there, renames them into place and rewrites the manifest atomically, so
/// several writers may share a folder and the manifest always lists exactly the complete
/// parts. Under the lock it also removes what an interrupted run left (final-named parts no
/// manifest lists, spill folders of dead processes). Interrupted runs (SIGINT/SIGTERM) remove
/// their spill folder and any part not yet in the manifest.
public final class PartitionedWriter {
    public static let fileExtension = "llc"
    public static let lockName = ".lock"
    /// Parts smaller than this (stored bytes) compress poorly; many of them earn a warning.
    public static let smallPartBytes: UInt64 = 64 << 10

    private final class Group {
        var buffer: [UInt8] = []
        var spillPath: String?
        var records = 0
    }

    private let directory: String
    private let codec: any FrameCodec
    private let granularity: PartitionGranularity
    private let field: TimeField
    private let timestampField: String
    private let options: ContainerWriter.Options
    private let memoryLimit: Int
    private var groups: [String: Group] = [:]
    private var buffered = 0
    /// Records appended, and those without a readable time in the field (`dt=unknown`).
    private var records = 0, undated = 0
    private var spillDirectory: String?
    private var createdDirectories: [String] = []
    private var failed = false
    private var done = false
    /// Warnings of the last `finish` (undated records, small parts).
    public private(set) var warnings: [String] = []

    /// `maxOpenParts` is accepted for source compatibility; grouping makes it unnecessary.
    public init(directory: String, codec: any FrameCodec, granularity: PartitionGranularity,
                timestampField: String? = nil, options: ContainerWriter.Options = .init(),
                maxOpenParts: Int = 4, memoryLimit: Int = 256 << 20) throws {
        guard let field = timestampField ?? codec.timestampField, !field.isEmpty else {
            throw ContainerError(.usage, "partitioning needs a timestamp field (--timestamp-field or the profile's)")
        }
        self.directory = directory
        self.codec = codec
        self.granularity = granularity
        self.timestampField = field
        self.field = TimeField(field)
        self.options = options
        self.memoryLimit = max(1 << 16, memoryLimit)
        var st = stat()
        if stat(directory, &st) != 0 {
            do {
                createdDirectories = try Output.createDirectories(directory, for: directory)
            } catch {
                throw ContainerError(.io, "cannot create \(directory): \(error)")
            }
        } else if (st.st_mode & S_IFMT) != S_IFDIR {
            throw ContainerError(.usage, "\(directory) is not a directory")
        }
        try checkCompatible(try PartitionManifest.load(directory: directory))
    }

    deinit { abandon() }

    private func checkCompatible(_ existing: PartitionManifest?) throws {
        guard let existing else { return }
        guard existing.profile == codec.profileID.hex else {
            throw ContainerError(.profileMismatch, "\(directory) holds parts of profile \(existing.profile.prefix(12)), not of the given profile \(codec.profileID.short)")
        }
        guard existing.partitionBy == granularity, existing.timestampField == timestampField else {
            throw ContainerError(.usage, "\(directory) is partitioned by \(existing.partitionBy.rawValue) of '\(existing.timestampField)'; use the same options to add to it")
        }
    }

    /// Removes everything this writer created that no manifest lists (after a failure).
    public func abandon() {
        groups.removeAll()
        buffered = 0
        if let spillDirectory {
            try? FileManager.default.removeItem(atPath: spillDirectory)
            TemporaryFiles.shared.forget(spillDirectory)
            self.spillDirectory = nil
        }
        if !createdDirectories.isEmpty && !done {
            unlink(directory + "/" + Self.lockName)
            for d in createdDirectories.reversed() { rmdir(d) }
        }
        for d in createdDirectories { TemporaryFiles.shared.forget(d) }
        createdDirectories = []
    }

    /// The partition directory of a time (or of undated records).
    public func partition(of time: Int64?) -> String {
        guard let time else { return granularity == .hour ? "dt=unknown/hour=unknown" : "dt=unknown" }
        let c = Timestamps.civil(time)
        func pad(_ v: Int, _ w: Int) -> String {
            let s = String(v)
            return String(repeating: "0", count: max(0, w - s.count)) + s
        }
        let day = "dt=\(pad(c.year, 4))-\(pad(c.month, 2))-\(pad(c.day, 2))"
        return granularity == .hour ? "\(day)/hour=\(pad(c.hour, 2))" : day
    }

    /// Appends one line record (no `\n` inside).
    public func append(_ record: UnsafeRawBufferPointer) throws {
        guard !failed, !done else { throw ContainerError(.usage, "the partitioned writer failed or finished earlier") }
        do {
            guard record.count < ContainerFormat.maxFrameOriginalBytes / 2 else {
                throw ContainerError(.invalidInput, "a record is larger than \(ContainerFormat.maxFrameOriginalBytes / 2) bytes")
            }
            let time = field.time(in: record)
            records += 1
            if time == nil { undated += 1 }
            let key = partition(of: time)
            let group: Group
            if let g = groups[key] { group = g } else { group = Group(); groups[key] = group }
            group.buffer.append(contentsOf: record)
            group.buffer.append(0x0A)
            group.records += 1
            buffered += record.count + 1
            if buffered > memoryLimit { try spill() }
        } catch {
            failed = true
            abandon()
            throw error
        }
    }

    /// Appends the largest groups to their spill files until half the memory is free.
    private func spill() throws {
        let dir = try makeSpillDirectory()
        for (key, group) in groups.sorted(by: { $0.value.buffer.count > $1.value.buffer.count }) {
            guard buffered > memoryLimit / 2 else { break }
            guard !group.buffer.isEmpty else { continue }
            let path = group.spillPath ?? dir + "/" + key.replacingOccurrences(of: "/", with: "_") + ".jsonl"
            group.spillPath = path
            let fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0o600)
            guard fd >= 0 else { throw ContainerError(.io, "cannot write the spill file \(path): \(String(cString: strerror(errno)))") }
            defer { close(fd) }
            try FileDescriptorSink(fd: fd, name: path).write(group.buffer)
            buffered -= group.buffer.count
            group.buffer = []
        }
    }

    private func makeSpillDirectory() throws -> String {
        if let spillDirectory { return spillDirectory }
        let dir = directory + "/.spill-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
        TemporaryFiles.shared.remember(dir, kind: .tree)
        guard mkdir(dir, 0o700) == 0 else {
            TemporaryFiles.shared.forget(dir)
            throw ContainerError(.io, "cannot create \(dir): \(String(cString: strerror(errno)))")
        }
        spillDirectory = dir
        return dir
    }

    private struct Pending {
        var key: String
        var temporaryPath: String
        var part: PartitionManifest.Part
    }

    /// Compresses one partition's records into a temporary part in the spill folder.
    private func compress(_ key: String, _ group: Group, index: Int) throws -> Pending {
        let dir = try makeSpillDirectory()
        let tmp = dir + "/part-\(index).\(Self.fileExtension)"
        let fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw ContainerError(.io, "cannot create \(tmp): \(String(cString: strerror(errno)))") }
        var closed = false
        defer { if !closed { close(fd) } }
        let sink = FileDescriptorSink(fd: fd, name: tmp)
        let sha = SHA256Hasher()
        var stored: UInt64 = 0
        let writer = try ContainerWriter(codec: codec, options: options) { buffer in
            try sink.write(buffer)
            sha.update(buffer)
            stored += UInt64(buffer.count)
        }
        if let spillPath = group.spillPath {
            let input = try InputFile(spillPath)
            _ = try LineSplitter.forEachLine(from: FileDescriptorSource(fd: input.fd, name: spillPath)) { try writer.appendLine($0) }
            unlink(spillPath)
        }
        let tail = RecordBatch(lines: group.buffer)
        group.buffer = []
        for i in 0..<tail.count { try tail.withRecord(i) { try writer.appendLine($0) } }
        let summary = try writer.finish(finalNewline: true)
        guard fsync(fd) == 0 || errno == EINVAL else {
            throw ContainerError(.io, "cannot write \(tmp): \(String(cString: strerror(errno)))")
        }
        closed = true
        guard close(fd) == 0 else { throw ContainerError(.io, "cannot write \(tmp): \(String(cString: strerror(errno)))") }
        return Pending(key: key, temporaryPath: tmp, part: PartitionManifest.Part(
            path: "", records: summary.records, bytes: summary.originalBytes, storedBytes: stored,
            sha256: sha.finalize().hexString,
            from: summary.minTime.map(Timestamps.format), to: summary.maxTime.map(Timestamps.format)))
    }

    /// Compresses every partition, then adds the parts to the folder and its manifest under
    /// the folder's lock. Returns the manifest as written.
    @discardableResult
    public func finish() throws -> PartitionManifest {
        guard !failed, !done else { throw ContainerError(.usage, "the partitioned writer failed or finished earlier") }
        var placed: [String] = []
        var createdDirs: [String] = []
        do {
            var pending: [Pending] = []
            for (i, (key, group)) in groups.sorted(by: { $0.key < $1.key }).enumerated() where group.records > 0 {
                pending.append(try compress(key, group, index: i))
            }
            groups.removeAll()
            if !createdDirectories.isEmpty { TemporaryFiles.shared.remember(directory + "/" + Self.lockName) }
            let lock = try FolderLock(directory + "/" + Self.lockName)
            defer { lock.release() }
            var manifest = try PartitionManifest.load(directory: directory)
                ?? PartitionManifest(profile: codec.profileID.hex, timestampField: timestampField,
                                     partitionBy: granularity, parts: [])
            try checkCompatible(manifest)
            removeDebris(listed: Set(manifest.parts.map(\.path)))
            var added: [PartitionManifest.Part] = []
            for p in pending {
                let dir = directory + "/" + p.key
                for d in try Output.createDirectories(dir, for: dir) {
                    createdDirs.append(d)
                }
                var n = 0
                let existing = (try? FileManager.default.contentsOfDirectory(atPath: dir)) ?? []
                for name in existing { if let k = Self.partNumber(name) { n = max(n, k + 1) } }
                let name = Self.partName(n)
                let final = dir + "/" + name
                TemporaryFiles.shared.remember(final)
                guard rename(p.temporaryPath, final) == 0 else {
                    TemporaryFiles.shared.forget(final)
                    throw ContainerError(.io, "cannot rename into \(final): \(String(cString: strerror(errno)))")
                }
                placed.append(final)
                var part = p.part
                part.path = p.key + "/" + name
                added.append(part)
            }
            manifest.parts.append(contentsOf: added)
            try Output.with(directory + "/" + PartitionManifest.fileName) { try $0.write(try manifest.json()) }
            for path in placed { TemporaryFiles.shared.forget(path) }
            for d in createdDirs { TemporaryFiles.shared.forget(d) }
            TemporaryFiles.shared.forget(directory + "/" + Self.lockName)
            done = true
            abandon()
            warnings = Self.undatedWarnings(undated: undated, of: records, field: timestampField, granularity: granularity)
                + Self.smallPartWarnings(added, granularity: granularity)
            return manifest
        } catch {
            for path in placed { unlink(path); TemporaryFiles.shared.forget(path) }
            for d in createdDirs.reversed() { rmdir(d); TemporaryFiles.shared.forget(d) }
            failed = true
            abandon()
            throw error
        }
    }

    /// Records without a time are kept (in `dt=unknown`), but a user partitioning by time
    /// should hear of them: all of them undated usually means the wrong field.
    static func undatedWarnings(undated: Int, of records: Int, field: String, granularity: PartitionGranularity) -> [String] {
        guard undated > 0 else { return [] }
        let folder = granularity == .hour ? "dt=unknown/hour=unknown" : "dt=unknown"
        let hint = undated == records ? "; is '\(field)' the records' time field? (--timestamp-field chooses another)" : ""
        return ["\(undated) of \(records) records have no time in '\(field)': they are in \(folder)\(hint)"]
    }

    static func smallPartWarnings(_ parts: [PartitionManifest.Part], granularity: PartitionGranularity) -> [String] {
        let small = parts.filter { $0.storedBytes < smallPartBytes }
        guard parts.count >= 4, small.count * 2 > parts.count else { return [] }
        let sizes = parts.map(\.storedBytes).sorted()
        let hint = granularity == .hour ? "; --partition-by day makes fewer, larger parts" : ""
        return ["\(small.count) of \(parts.count) parts are smaller than \(ByteSize.format(Int(smallPartBytes))) (median \(ByteSize.format(Int(sizes[sizes.count / 2])))): small parts compress poorly\(hint)"]
    }

    static func partName(_ n: Int) -> String {
        let s = String(n)
        return "part-" + String(repeating: "0", count: max(0, 5 - s.count)) + s + "." + fileExtension
    }

    /// `part-00012.llc` → 12.
    static func partNumber(_ name: String) -> Int? {
        guard name.hasPrefix("part-"), name.hasSuffix("." + fileExtension) else { return nil }
        return Int(name.dropFirst(5).dropLast(fileExtension.count + 1))
    }

    /// Under the lock: final-named parts that no manifest lists were left by a run killed
    /// between its renames and its manifest; spill folders and old `.tmp` parts of dead
    /// processes are debris too.
    private func removeDebris(listed: Set<String>) {
        for item in PartitionSet.scan(directory) {
            switch item {
            case .part(let rel) where !listed.contains(rel):
                unlink(directory + "/" + rel)
            case .spill(let rel, let pid) where !Self.isAlive(pid):
                try? FileManager.default.removeItem(atPath: directory + "/" + rel)
            default: break
            }
        }
    }

    static func isAlive(_ pid: Int32) -> Bool { kill(pid, 0) == 0 || errno == EPERM }
}

/// An exclusive `flock` on a file, held until `release` (or the process ends).
final class FolderLock {
    private var fd: Int32

    init(_ path: String) throws {
        fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw ContainerError(.io, "cannot open the lock \(path): \(String(cString: strerror(errno)))") }
        while flock(fd, LOCK_EX) != 0 {
            if errno == EINTR { continue }
            let e = errno
            close(fd)
            throw ContainerError(.io, "cannot lock \(path): \(String(cString: strerror(e)))")
        }
    }

    func release() {
        guard fd >= 0 else { return }
        close(fd)
        fd = -1
    }

    deinit { release() }
}
