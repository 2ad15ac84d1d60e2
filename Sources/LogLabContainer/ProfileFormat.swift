import Foundation
import LogLabCore

/// The profile file, byte for byte (see docs/FORMATS.md):
/// ```
/// magic "\x89LLP\r\n\x1A\n"  u16le major  u16le minor  u32le sectionCount
/// sectionCount × ( 4-byte ASCII tag  u64le length  bytes  u32le crc32(bytes) )
/// u32le crc32(all preceding bytes)
/// ```
/// Sections: `META` (UTF-8 JSON, `ProfileMetadata`, first), `TMOZ` (serialised
/// `TransformModel`, compressed; profiles written before it carry `TMOD`, the model as is),
/// `ZDCT` (embedded zstd dictionary, optional). A tag starting with an
/// upper-case letter is critical: a reader that does not know it refuses the profile; a
/// lower-case first letter marks an ancillary section that readers may skip.
public struct ProfileFile: Sendable, Equatable {
    public static let magic: [UInt8] = [0x89, 0x4C, 0x4C, 0x50, 0x0D, 0x0A, 0x1A, 0x0A]
    public static let majorVersion: UInt16 = 1
    public static let minorVersion: UInt16 = 1
    public static let knownTags: Set<String> = ["META", "TMOD", "TMOZ", "ZDCT"]

    public struct Section: Sendable, Equatable {
        public var tag: String
        public var bytes: [UInt8]
        public init(tag: String, bytes: [UInt8]) {
            self.tag = tag
            self.bytes = bytes
        }
    }

    public var major: UInt16 = majorVersion
    public var minor: UInt16 = minorVersion
    public var sections: [Section]

    public init(sections: [Section]) { self.sections = sections }

    public func section(_ tag: String) -> [UInt8]? { sections.first { $0.tag == tag }?.bytes }

    public func serialized() -> [UInt8] {
        var w = ByteWriter(capacity: 64 + sections.reduce(0) { $0 + $1.bytes.count + 16 })
        w.append(Self.magic)
        w.u16le(major)
        w.u16le(minor)
        w.u32le(UInt32(sections.count))
        for s in sections {
            var tag = Array(s.tag.utf8.prefix(4))
            while tag.count < 4 { tag.append(0x20) }
            w.append(tag)
            w.u64le(UInt64(s.bytes.count))
            w.append(s.bytes)
            w.u32le(CRC32.checksum(s.bytes))
        }
        w.u32le(CRC32.checksum(w.bytes))
        return w.bytes
    }

    /// Parses and checks a profile file; `name` names it in errors.
    public static func parse(_ bytes: [UInt8], name: String) throws -> ProfileFile {
        func bad(_ what: String) -> ContainerError { ContainerError(.badProfile, "\(name): \(what)") }
        guard bytes.count >= 8, Array(bytes.prefix(8)) == magic else {
            throw bad("not a LogLab profile (bad magic)")
        }
        var r = ByteReader(bytes)
        do {
            _ = try r.bytes(8)
            let major = try r.u16le(), minor = try r.u16le()
            guard major == majorVersion else {
                throw bad("unknown profile format version \(major).\(minor) (this build reads \(majorVersion).x)")
            }
            guard bytes.count >= 20 else { throw bad("truncated profile") }
            let stored = bytes.suffix(4)
            let crc = stored.enumerated().reduce(UInt32(0)) { $0 | UInt32($1.element) << UInt32(8 * $1.offset) }
            guard crc == CRC32.checksum(Array(bytes.dropLast(4))) else {
                throw bad("profile checksum mismatch (damaged or truncated file)")
            }
            let count = Int(try r.u32le())
            guard count <= 1024 else { throw bad("impossible section count \(count)") }
            var sections = [Section]()
            for _ in 0..<count {
                let tagBytes = try r.bytes(4)
                guard let tag = String(validating: tagBytes, as: UTF8.self) else { throw bad("invalid section tag") }
                let length = try r.u64le()
                guard length <= UInt64(r.remaining) else { throw bad("section \(tag) runs past the end") }
                let body = Array(try r.bytes(Int(length)))
                guard try r.u32le() == CRC32.checksum(body) else { throw bad("section \(tag) checksum mismatch") }
                if knownTags.contains(tag) {
                    sections.append(Section(tag: tag, bytes: body))
                } else if let first = tag.unicodeScalars.first, ("A"..."Z").contains(first) {
                    throw bad("needs a newer LogLab: unknown critical section '\(tag)'")
                }
            }
            guard r.remaining == 4 else { throw bad("\(r.remaining - 4) unexpected bytes after the sections") }
            var file = ProfileFile(sections: sections)
            file.major = major
            file.minor = minor
            return file
        } catch let e as ByteReaderError {
            throw bad("truncated or damaged profile (\(e.description))")
        }
    }
}

/// The human-readable part of a profile (the `META` section, JSON with sorted keys).
public struct ProfileMetadata: Codable, Sendable, Equatable {
    public struct Dictionary: Codable, Sendable, Equatable {
        /// Embedded in the profile's `ZDCT` section, or in a file beside the profile.
        public var embedded: Bool
        /// File name beside the profile (when not embedded).
        public var file: String?
        public var bytes: Int
        public var sha256: String
        /// The zstd dictionary id (0 for a raw-content dictionary).
        public var zstdID: UInt32
        public init(embedded: Bool, file: String?, bytes: Int, sha256: String, zstdID: UInt32) {
            self.embedded = embedded
            self.file = file
            self.bytes = bytes
            self.sha256 = sha256
            self.zstdID = zstdID
        }
    }

    public struct Training: Codable, Sendable, Equatable {
        public var file: String?
        public var records: Int
        public var bytes: Int
        public var sha256: String?
        public init(file: String?, records: Int, bytes: Int, sha256: String?) {
            self.file = file
            self.records = records
            self.bytes = bytes
            self.sha256 = sha256
        }
    }

    public var format: String = "loglab-profile"
    public var createdBy: String
    /// Canonical codec spelling (`zstd:19`).
    public var codec: String
    /// `record`, `block:N` (a container frame holds at most N records).
    public var framing: String
    /// The transform selection the model was learned with (`all`, `none`, a list).
    public var transforms: String
    public var transformModelBytes: Int
    public var transformModelSHA256: String
    /// The field dating each record (container time index, partitions), if any.
    public var timestampField: String?
    public var dictionary: Dictionary?
    public var training: Training?
    /// Where the configuration came from (an experiment and cell, or `profile train`).
    public var source: [String: String]?
    /// Containers written with this profile get a shared section by default, learned once a
    /// container's first records fill the learning window (`ContainerWriter.Options`). Absent:
    /// false (the key is written only when true, so other profiles keep their bytes and ids).
    public var sharedSection: Bool?

    public init(createdBy: String, codec: String, framing: String, transforms: String,
                transformModelBytes: Int, transformModelSHA256: String, timestampField: String?,
                dictionary: Dictionary?, training: Training?, source: [String: String]?) {
        self.createdBy = createdBy
        self.codec = codec
        self.framing = framing
        self.transforms = transforms
        self.transformModelBytes = transformModelBytes
        self.transformModelSHA256 = transformModelSHA256
        self.timestampField = timestampField
        self.dictionary = dictionary
        self.training = training
        self.source = source
    }

    /// Whether containers get a shared section unless told otherwise.
    public var sharesSection: Bool { sharedSection ?? false }

    public func json() throws -> [UInt8] {
        let e = JSONEncoder()
        e.outputFormatting = [.sortedKeys, .prettyPrinted, .withoutEscapingSlashes]
        return Array(try e.encode(self))
    }

    public static func parse(_ bytes: [UInt8], name: String) throws -> ProfileMetadata {
        do {
            return try JSONDecoder().decode(ProfileMetadata.self, from: Data(bytes))
        } catch {
            throw ContainerError(.badProfile, "\(name): unreadable metadata (\(error))")
        }
    }
}

/// The version written into profiles' `createdBy`.
public enum LogLabVersion {
    public static let current = "0.1.0"
}
