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
/// by the timestamp field (undated records go to `dt=unknown`). Each part is written under
/// a temporary name and renamed when complete; the manifest is written last. At most
/// `maxOpenParts` parts are open at once; a late record for a closed partition starts a new
/// part there.
public final class PartitionedWriter {
    private final class OpenPart {
        let key: String
        let relativePath: String
        let tempPath: String
        let finalPath: String
        let fd: Int32
        let writer: ContainerWriter
        let hasher: Box
        var lastUse: Int
        init(key: String, relativePath: String, tempPath: String, finalPath: String, fd: Int32,
             writer: ContainerWriter, hasher: Box, lastUse: Int) {
            self.key = key
            self.relativePath = relativePath
            self.tempPath = tempPath
            self.finalPath = finalPath
            self.fd = fd
            self.writer = writer
            self.hasher = hasher
            self.lastUse = lastUse
        }
    }

    private final class Box {
        let sha = SHA256Hasher()
        var bytes: UInt64 = 0
    }

    public static let fileExtension = "llc"

    private let directory: String
    private let codec: any FrameCodec
    private let granularity: PartitionGranularity
    private let field: TimeField
    private let timestampField: String
    private let options: ContainerWriter.Options
    private let maxOpenParts: Int
    private var openParts: [String: OpenPart] = [:]
    private var finished: [PartitionManifest.Part] = []
    private var nextNumber: [String: Int] = [:]
    private var clock = 0
    private var failed = false

    public init(directory: String, codec: any FrameCodec, granularity: PartitionGranularity,
                timestampField: String? = nil, options: ContainerWriter.Options = .init(),
                maxOpenParts: Int = 4) throws {
        guard let field = timestampField ?? codec.timestampField, !field.isEmpty else {
            throw ContainerError(.usage, "partitioning needs a timestamp field (--timestamp-field or the profile's)")
        }
        self.directory = directory
        self.codec = codec
        self.granularity = granularity
        self.timestampField = field
        self.field = TimeField(field)
        self.options = options
        self.maxOpenParts = max(1, maxOpenParts)
        do {
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        } catch {
            throw ContainerError(.io, "cannot create \(directory): \(error.localizedDescription)")
        }
        if let existing = try PartitionManifest.load(directory: directory) {
            guard existing.profile == codec.profileID.hex else {
                throw ContainerError(.profileMismatch, "\(directory) holds parts of profile \(existing.profile.prefix(12)), not of the given profile \(codec.profileID.short)")
            }
            guard existing.partitionBy == granularity, existing.timestampField == field else {
                throw ContainerError(.usage, "\(directory) is partitioned by \(existing.partitionBy.rawValue) of '\(existing.timestampField)'; use the same options to add to it")
            }
        }
    }

    deinit { abandon() }

    /// Removes every temporary part (after a failure).
    public func abandon() {
        for part in openParts.values {
            close(part.fd)
            unlink(part.tempPath)
        }
        openParts.removeAll()
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
        guard !failed else { throw ContainerError(.usage, "the partitioned writer failed earlier") }
        do {
            let key = partition(of: field.time(in: record))
            clock += 1
            let part = try openParts[key] ?? openPart(key)
            part.lastUse = clock
            try part.writer.appendLine(record)
        } catch {
            failed = true
            abandon()
            throw error
        }
    }

    private func openPart(_ key: String) throws -> OpenPart {
        if openParts.count >= maxOpenParts, let oldest = openParts.values.min(by: { $0.lastUse < $1.lastUse }) {
            try closePart(oldest)
        }
        let dir = directory + "/" + key
        do {
            try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        } catch {
            throw ContainerError(.io, "cannot create \(dir): \(error.localizedDescription)")
        }
        var n = nextNumber[key] ?? 0
        func name(_ n: Int) -> String {
            let s = String(n)
            return "part-" + String(repeating: "0", count: max(0, 5 - s.count)) + s + "." + Self.fileExtension
        }
        while FileManager.default.fileExists(atPath: dir + "/" + name(n)) { n += 1 }
        nextNumber[key] = n + 1
        let finalPath = dir + "/" + name(n)
        let tempPath = dir + "/." + name(n) + ".\(getpid()).tmp"
        let fd = open(tempPath, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
        guard fd >= 0 else {
            throw ContainerError(.io, "cannot create \(tempPath): \(String(cString: strerror(errno)))")
        }
        let sink = FileDescriptorSink(fd: fd, name: finalPath)
        let box = Box()
        let writer: ContainerWriter
        do {
            writer = try ContainerWriter(codec: codec, options: options) { buffer in
                try sink.write(buffer)
                box.sha.update(buffer)
                box.bytes += UInt64(buffer.count)
            }
        } catch {
            close(fd)
            unlink(tempPath)
            throw error
        }
        let part = OpenPart(key: key, relativePath: key + "/" + name(n), tempPath: tempPath, finalPath: finalPath,
                            fd: fd, writer: writer, hasher: box, lastUse: clock)
        openParts[key] = part
        return part
    }

    private func closePart(_ part: OpenPart) throws {
        openParts[part.key] = nil
        do {
            let summary = try part.writer.finish(finalNewline: true)
            guard fsync(part.fd) == 0 || errno == EINVAL else {
                throw ContainerError(.io, "cannot write \(part.finalPath): \(String(cString: strerror(errno)))")
            }
            guard close(part.fd) == 0 else {
                throw ContainerError(.io, "cannot write \(part.finalPath): \(String(cString: strerror(errno)))")
            }
            guard rename(part.tempPath, part.finalPath) == 0 else {
                throw ContainerError(.io, "cannot rename into \(part.finalPath): \(String(cString: strerror(errno)))")
            }
            finished.append(PartitionManifest.Part(
                path: part.relativePath, records: summary.records, bytes: summary.originalBytes,
                storedBytes: part.hasher.bytes, sha256: part.hasher.sha.finalize().hexString,
                from: summary.minTime.map(Timestamps.format), to: summary.maxTime.map(Timestamps.format)))
        } catch {
            unlink(part.tempPath)
            throw error
        }
    }

    /// Closes every part and writes (or extends) the manifest.
    @discardableResult
    public func finish() throws -> PartitionManifest {
        guard !failed else { throw ContainerError(.usage, "the partitioned writer failed earlier") }
        do {
            for part in openParts.values.sorted(by: { $0.key < $1.key }) { try closePart(part) }
            var manifest = try PartitionManifest.load(directory: directory)
                ?? PartitionManifest(profile: codec.profileID.hex, timestampField: timestampField,
                                     partitionBy: granularity, parts: [])
            manifest.parts.append(contentsOf: finished.sorted { $0.path < $1.path })
            try Files.writeAtomically(try manifest.json(), to: directory + "/" + PartitionManifest.fileName)
            return manifest
        } catch {
            failed = true
            abandon()
            throw error
        }
    }
}
