import Foundation
import LogLabCore
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A partitioned output folder read as one data set: its manifest and the parts it lists,
/// for `verify`, `restore` and `inspect` (given the folder or its `manifest.json`).
public struct PartitionSet: Sendable {
    public let directory: String
    public let manifest: PartitionManifest

    /// Whether `path` names a partition folder (holding a manifest) or a manifest file.
    public static func isPartitionSet(_ path: String) -> Bool {
        var st = stat()
        guard stat(path, &st) == 0 else { return false }
        if (st.st_mode & S_IFMT) == S_IFDIR { return true }
        return (path as NSString).lastPathComponent == PartitionManifest.fileName
    }

    public init(path: String) throws {
        var st = stat()
        let isDir = stat(path, &st) == 0 && (st.st_mode & S_IFMT) == S_IFDIR
        let dir = isDir ? path : (path as NSString).deletingLastPathComponent
        directory = dir.isEmpty ? "." : dir
        guard let m = try PartitionManifest.load(directory: directory) else {
            throw ContainerError(.invalidInput, "\(path): no \(PartitionManifest.fileName) (not a partitioned output folder)")
        }
        manifest = m
    }

    public func path(of part: PartitionManifest.Part) -> String { directory + "/" + part.path }

    /// Parts whose time range overlaps `from ..< to` (undated parts only for the full range).
    public func parts(from: Int64, to: Int64) -> [PartitionManifest.Part] {
        manifest.parts.filter { part in
            guard let f = part.from.flatMap(Timestamps.parseISO8601),
                  let t = part.to.flatMap(Timestamps.parseISO8601) else { return from == .min && to == .max }
            return t >= from && f < to
        }
    }

    /// What a folder holds besides the manifest: final-named parts and debris.
    enum Item: Equatable {
        case part(String)
        case spill(String, pid: Int32)
        case temporary(String)
    }

    /// Every part file (`…/part-NNNNN.llc`), spill folder and temporary file under `directory`.
    static func scan(_ directory: String) -> [Item] {
        var items: [Item] = []
        guard let e = FileManager.default.enumerator(atPath: directory) else { return [] }
        while let rel = e.nextObject() as? String {
            let name = (rel as NSString).lastPathComponent
            if name.hasPrefix(".spill-") {
                let pid = name.dropFirst(7).split(separator: "-").first.flatMap { Int32($0) } ?? 0
                items.append(.spill(rel, pid: pid))
                e.skipDescendants()
            } else if name.hasSuffix(".tmp") {
                items.append(.temporary(rel))
            } else if PartitionedWriter.partNumber(name) != nil {
                items.append(.part(rel))
            }
        }
        return items
    }

    public struct Report: Sendable {
        public var parts = 0
        public var records = 0
        public var restoredBytes: UInt64 = 0
        /// Files the manifest does not list (an interrupted run's; the next writer removes them).
        public var unlisted: [String] = []
    }

    /// Checks every listed part: present, the size and SHA-256 the manifest records, a valid
    /// container of the manifest's profile with the recorded record count and, with a codec,
    /// a full restore of the recorded size. Throws on the first part that does not match.
    public func verify(codec: (any FrameCodec)?, threads: Int? = nil, singleThread: Bool = false) throws -> Report {
        var report = Report()
        for part in manifest.parts {
            let path = path(of: part)
            let bytes: [UInt8]
            do { bytes = try Files.read(path) } catch {
                throw ContainerError(.invalidInput, "\(directory): part \(part.path) listed in the manifest: \(error)")
            }
            guard UInt64(bytes.count) == part.storedBytes, SHA256Hasher.hex(bytes) == part.sha256 else {
                throw ContainerError.corrupt("corrupt partition: \(path) does not match its manifest entry (size or sha256)")
            }
            let reader = try ContainerReader(path: path, codec: codec)
            guard reader.header.profileID.hex == manifest.profile else {
                throw ContainerError(.profileMismatch, "\(path) was written with profile \(reader.header.profileID.short), the manifest says \(manifest.profile.prefix(12))")
            }
            guard reader.recordCount == part.records else {
                throw ContainerError.corrupt("corrupt partition: \(path) holds \(reader.recordCount) records, the manifest says \(part.records)")
            }
            if codec != nil {
                var restored: UInt64 = 0
                try reader.restoreAll(threads: threads, singleThread: singleThread) { restored += UInt64($0.count) }
                guard restored == part.bytes else {
                    throw ContainerError.corrupt("corrupt partition: \(path) restores \(restored) bytes, the manifest says \(part.bytes)")
                }
            } else {
                try reader.verify(threads: threads, singleThread: singleThread)
            }
            report.parts += 1
            report.records += part.records
            report.restoredBytes += part.bytes
        }
        let listed = Set(manifest.parts.map(\.path))
        for item in Self.scan(directory) {
            switch item {
            case .part(let rel) where !listed.contains(rel): report.unlisted.append(rel)
            case .spill(let rel, _), .temporary(let rel): report.unlisted.append(rel)
            default: break
            }
        }
        return report
    }

    /// Restores the listed parts in manifest order (with a time range: only the records in
    /// `from ..< to`, reading only the parts whose range overlaps). Returns the record count.
    @discardableResult
    public func restore(codec: any FrameCodec, from: Int64 = .min, to: Int64 = .max, threads: Int? = nil,
                        singleThread: Bool = false, to sink: (UnsafeRawBufferPointer) throws -> Void) throws -> Int {
        var count = 0
        let ranged = from != .min || to != .max
        for part in ranged ? parts(from: from, to: to) : manifest.parts {
            let reader = try ContainerReader(path: path(of: part), codec: codec)
            if ranged {
                count += try reader.restoreRecords(from: from, to: to, threads: threads, singleThread: singleThread, to: sink)
            } else {
                // Parts always end with a newline, so concatenating them is exact.
                try reader.restoreAll(threads: threads, singleThread: singleThread, to: sink)
                count += reader.recordCount
            }
        }
        return count
    }
}
