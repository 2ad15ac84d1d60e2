import LogLabCore

/// The container's on-disk structures, byte for byte (see docs/FORMATS.md). All integers
/// are little-endian. Every byte of a container is covered by a CRC-32 (header, each frame
/// header, each frame's stored bytes, the index, the trailer) and each frame's restored
/// bytes are checked against the CRC-32 of the original bytes.
public enum ContainerFormat {
    /// `\x89 L L C \r \n \x1A \n`: binary, catches text-mode and newline translation damage.
    public static let magic: [UInt8] = [0x89, 0x4C, 0x4C, 0x43, 0x0D, 0x0A, 0x1A, 0x0A]
    /// Last 8 bytes of every complete container.
    public static let endMagic: [UInt8] = Array("LLC-END1".utf8)
    /// Format 1.0 (read only; writers write `ContainerFormatV2`).
    public static let majorVersion: UInt16 = 1
    public static let minorVersion: UInt16 = 0

    public static let headerSize = 56
    public static let frameHeaderSize = 32
    public static let indexEntrySize = 48
    public static let trailerSize = 48
    public static let frameTag: UInt8 = 0x46   // 'F'
    public static let indexTag: UInt8 = 0x49   // 'I'

    /// Largest original (restored) size of one frame and of one record.
    public static let maxFrameOriginalBytes = 1 << 30
    public static let maxRecordsPerFrame = 1 << 24
    /// Largest payload (transform output) allowed for `originalSize` bytes of records: a
    /// transform that expands more falls back to verbatim; readers refuse larger claims
    /// before allocating.
    public static func maxPayloadSize(originalSize: Int) -> Int { originalSize + originalSize / 2 + 4096 }
    /// Largest index a streaming reader accepts (2^28 frames).
    public static let maxIndexBytes = 22 + 0xFFFF + (1 << 28) * 48
    /// Sentinel time for "no timestamp in this frame".
    public static let noTime = Int64.min
}

/// Flags of one frame.
public struct FrameFlags: OptionSet, Sendable, Hashable {
    public let rawValue: UInt8
    public init(rawValue: UInt8) { self.rawValue = rawValue }
    /// The payload is the profile's transform encoding (else: records each followed by `\n`).
    public static let transformed = FrameFlags(rawValue: 1)
    /// The stored bytes are the codec's output (else: the payload as is).
    public static let compressed = FrameFlags(rawValue: 2)
    /// The stored bytes are the payload in pieces, each compressed alone (`FramePieces`);
    /// only with `compressed`.
    public static let pieces = FrameFlags(rawValue: 4)
    /// The pieces' directory gives each piece a layout (`FramePieces.Layout`: as is, codec,
    /// varint planes); only with `pieces`. Set only when some piece is in planes.
    public static let pieceLayouts = FrameFlags(rawValue: 8)
    public static let known: FrameFlags = [.transformed, .compressed, .pieces, .pieceLayouts]
}

/// The fixed 56-byte file header.
public struct ContainerHeader: Sendable, Equatable {
    public var major: UInt16 = ContainerFormat.majorVersion
    public var minor: UInt16 = ContainerFormat.minorVersion
    public var profileID: ProfileID
    /// The profile's framing: at most this many records per frame (informational).
    public var recordsPerFrame: UInt32
    /// Format 2.1: bit 0 (`SharedSection.headerFlag`) says a shared section follows the header.
    public var flags: UInt32 = 0

    /// Whether a shared section follows the header.
    public var hasSharedSection: Bool { flags & SharedSection.headerFlag != 0 }

    public init(profileID: ProfileID, recordsPerFrame: UInt32) {
        self.profileID = profileID
        self.recordsPerFrame = recordsPerFrame
    }

    public func serialized() -> [UInt8] {
        var w = ByteWriter(capacity: ContainerFormat.headerSize)
        w.append(ContainerFormat.magic)
        w.u16le(major)
        w.u16le(minor)
        w.u32le(flags)                   // header flags: 0, or bit 0 from 2.1
        w.append(profileID.bytes)
        w.u32le(recordsPerFrame)
        w.u32le(CRC32.checksum(w.bytes))
        return w.bytes
    }

    public static func parse(_ bytes: ArraySlice<UInt8>) throws -> ContainerHeader {
        guard bytes.count >= 8, Array(bytes.prefix(8)) == ContainerFormat.magic else {
            if bytes.count < 8 && Array(bytes) == Array(ContainerFormat.magic.prefix(bytes.count)) {
                throw ContainerError.truncated("truncated container: \(bytes.count) bytes, shorter than the header")
            }
            throw ContainerError(.notAContainer, "not a LogLab container (bad magic)")
        }
        guard bytes.count >= 12 else {
            throw ContainerError.truncated("truncated container: header cut short")
        }
        var r = ByteReader(bytes)
        _ = try r.bytes(8)
        let major = try r.u16le(), minor = try r.u16le()
        guard major == ContainerFormat.majorVersion || major == ContainerFormatV2.majorVersion else {
            throw ContainerError(.unsupportedVersion,
                "unknown container format version \(major).\(minor) (this build reads 1.x and 2.x)")
        }
        guard bytes.count >= ContainerFormat.headerSize else {
            throw ContainerError.truncated("truncated container: header cut short")
        }
        let flags = try r.u32le()
        let id = Array(try r.bytes(32))
        let perFrame = try r.u32le()
        let crc = try r.u32le()
        let base = bytes.startIndex
        guard crc == CRC32.checksum(Array(bytes[base..<(base + 52)])) else {
            throw ContainerError.corrupt("corrupt container: header checksum mismatch")
        }
        // Bit 0 (a shared section) from format 2.1 on; 2.0 readers refuse it here.
        let known: UInt32 = major == ContainerFormatV2.majorVersion && minor >= 1 ? SharedSection.headerFlag : 0
        guard flags & ~known == 0 else {
            throw ContainerError(.unsupportedVersion, "container header uses unknown flags \(flags) (written by a newer version?)")
        }
        var h = ContainerHeader(profileID: ProfileID(bytes: id), recordsPerFrame: perFrame)
        h.major = major
        h.minor = minor
        h.flags = flags
        return h
    }
}

/// The fixed 32-byte header in front of each frame's stored bytes.
public struct FrameHeader: Sendable, Equatable {
    public var flags: FrameFlags
    public var recordCount: UInt32
    /// Restored bytes: the records, each followed by `\n`.
    public var originalSize: UInt32
    /// Bytes handed to / returned by the codec (after the transform).
    public var payloadSize: UInt32
    public var storedSize: UInt32
    public var originalCRC: UInt32
    public var storedCRC: UInt32

    public func serialized() -> [UInt8] {
        var w = ByteWriter(capacity: ContainerFormat.frameHeaderSize)
        append(to: &w)
        return w.bytes
    }

    public func append(to w: inout ByteWriter) {
        let start = w.count
        w.u8(ContainerFormat.frameTag)
        w.u8(flags.rawValue)
        w.u16le(0)
        w.u32le(recordCount)
        w.u32le(originalSize)
        w.u32le(payloadSize)
        w.u32le(storedSize)
        w.u32le(originalCRC)
        w.u32le(storedCRC)
        let crc = w.bytes.withUnsafeBytes { CRC32.checksum(UnsafeRawBufferPointer(rebasing: $0[start..<(start + 28)])) }
        w.u32le(crc)
    }

    /// Parses and checks a frame header; `frame` names it in errors.
    public static func parse(_ bytes: ArraySlice<UInt8>, frame: Int) throws -> FrameHeader {
        guard bytes.count >= ContainerFormat.frameHeaderSize else {
            throw ContainerError.truncated("truncated container: frame \(frame) header cut short")
        }
        var r = ByteReader(bytes)
        let tag = try r.u8()
        let flags = try r.u8()
        let reserved = try r.u16le()
        let h = FrameHeader(flags: FrameFlags(rawValue: flags),
                            recordCount: try r.u32le(), originalSize: try r.u32le(),
                            payloadSize: try r.u32le(), storedSize: try r.u32le(),
                            originalCRC: try r.u32le(), storedCRC: try r.u32le())
        let crc = try r.u32le()
        let base = bytes.startIndex
        guard tag == ContainerFormat.frameTag,
              crc == CRC32.checksum(Array(bytes[base..<(base + 28)])) else {
            throw ContainerError.corrupt("corrupt container: frame \(frame) header checksum mismatch")
        }
        guard reserved == 0, FrameFlags.known.isSuperset(of: h.flags) else {
            throw ContainerError(.unsupportedVersion, "frame \(frame) uses unknown flags \(flags) (written by a newer version?)")
        }
        guard !h.flags.contains(.pieces) || h.flags.contains(.compressed) else {
            throw ContainerError.corrupt("corrupt container: frame \(frame) is in pieces but not compressed")
        }
        guard !h.flags.contains(.pieceLayouts) || h.flags.contains(.pieces) else {
            throw ContainerError.corrupt("corrupt container: frame \(frame) has piece layouts but no pieces")
        }
        guard Int(h.originalSize) <= ContainerFormat.maxFrameOriginalBytes,
              Int(h.recordCount) <= ContainerFormat.maxRecordsPerFrame,
              Int(h.recordCount) <= Int(h.originalSize),
              Int(h.payloadSize) <= ContainerFormat.maxPayloadSize(originalSize: Int(h.originalSize)) else {
            throw ContainerError.corrupt("corrupt container: frame \(frame) header has impossible sizes")
        }
        return h
    }
}

/// One entry of the index at the end of the file (48 bytes).
public struct FrameIndexEntry: Sendable, Equatable {
    /// File offset of the frame header.
    public var offset: UInt64
    public var firstRecord: UInt64
    public var recordCount: UInt32
    public var originalSize: UInt32
    public var storedSize: UInt32
    public var originalCRC: UInt32
    /// Smallest and largest timestamp (ms since the epoch) of the frame's records, or
    /// `ContainerFormat.noTime` for both when no record has one.
    /// Format 2.0: the bounds of the frame's segment (still bounds of every record in it).
    public var minTime: Int64
    public var maxTime: Int64
    /// Format 2.0 only: bytes of the frame (header and stored bytes) and its segment. In 2.0,
    /// `originalSize`, `storedSize` and `originalCRC` are 0 (segments carry the checks).
    public var length: Int = 0
    public var segment: Int = 0

    public var records: Range<Int> { Int(firstRecord)..<(Int(firstRecord) + Int(recordCount)) }
    public var hasTime: Bool { minTime != ContainerFormat.noTime }
    public var frameLength: Int { length > 0 ? length : ContainerFormat.frameHeaderSize + Int(storedSize) }

    public func append(to w: inout ByteWriter) {
        w.u64le(offset)
        w.u64le(firstRecord)
        w.u32le(recordCount)
        w.u32le(originalSize)
        w.u32le(storedSize)
        w.u32le(originalCRC)
        w.u64le(UInt64(bitPattern: minTime))
        w.u64le(UInt64(bitPattern: maxTime))
    }

    static func read(_ r: inout ByteReader) throws -> FrameIndexEntry {
        FrameIndexEntry(offset: try r.u64le(), firstRecord: try r.u64le(), recordCount: try r.u32le(),
                        originalSize: try r.u32le(), storedSize: try r.u32le(), originalCRC: try r.u32le(),
                        minTime: Int64(bitPattern: try r.u64le()), maxTime: Int64(bitPattern: try r.u64le()))
    }
}

/// The frame index: where each frame is, which records and times it holds.
public struct FrameIndex: Sendable, Equatable {
    public var entries: [FrameIndexEntry]
    /// The field whose value gave the times ("" when times were not recorded).
    public var timestampField: String

    public init(entries: [FrameIndexEntry], timestampField: String) {
        self.entries = entries
        self.timestampField = timestampField
    }

    /// Layout: tag 'I', 3 reserved bytes, u32 entry size, u64 frame count, u16 field length,
    /// field (UTF-8), entries, u32 CRC-32 of all preceding index bytes.
    public func serialized() -> [UInt8] {
        let field = Array(timestampField.utf8.prefix(0xFFFF))
        var w = ByteWriter(capacity: 20 + field.count + entries.count * ContainerFormat.indexEntrySize)
        w.u8(ContainerFormat.indexTag)
        w.u8(0); w.u16le(0)
        w.u32le(UInt32(ContainerFormat.indexEntrySize))
        w.u64le(UInt64(entries.count))
        w.u16le(UInt16(field.count))
        w.append(field)
        for e in entries { e.append(to: &w) }
        w.u32le(CRC32.checksum(w.bytes))
        return w.bytes
    }

    /// Size of the serialized index, given its fixed prefix (the first 18 bytes).
    static func length(prefix: ArraySlice<UInt8>) throws -> Int {
        var r = ByteReader(prefix)
        guard try r.u8() == ContainerFormat.indexTag else {
            throw ContainerError.corrupt("corrupt container: expected a frame or the index")
        }
        _ = try r.bytes(3)
        let entrySize = try r.u32le()
        let count = try r.u64le()
        let fieldLength = try r.u16le()
        guard entrySize == UInt32(ContainerFormat.indexEntrySize), count < (1 << 32) else {
            throw ContainerError.corrupt("corrupt container: index header is invalid")
        }
        return 18 + Int(fieldLength) + Int(count) * ContainerFormat.indexEntrySize + 4
    }

    public static func parse(_ bytes: ArraySlice<UInt8>) throws -> FrameIndex {
        do {
            guard bytes.count >= 22 else { throw ContainerError.truncated("truncated container: index cut short") }
            let base = bytes.startIndex
            let stored = bytes.suffix(4)
            let crc = UInt32(stored[stored.startIndex]) | UInt32(stored[stored.startIndex + 1]) << 8
                | UInt32(stored[stored.startIndex + 2]) << 16 | UInt32(stored[stored.startIndex + 3]) << 24
            guard crc == CRC32.checksum(Array(bytes[base..<(bytes.endIndex - 4)])) else {
                throw ContainerError.corrupt("corrupt container: index checksum mismatch")
            }
            guard try length(prefix: bytes.prefix(18)) == bytes.count else {
                throw ContainerError.corrupt("corrupt container: index length does not match its header")
            }
            var r = ByteReader(bytes)
            _ = try r.bytes(8)
            let count = Int(try r.u64le())
            let fieldLength = Int(try r.u16le())
            guard let field = String(validating: try r.bytes(fieldLength), as: UTF8.self) else {
                throw ContainerError.corrupt("corrupt container: index timestamp field is not UTF-8")
            }
            var entries = [FrameIndexEntry]()
            entries.reserveCapacity(count)
            var nextRecord: UInt64 = 0
            var nextOffset = UInt64(ContainerFormat.headerSize)
            for i in 0..<count {
                let e = try FrameIndexEntry.read(&r)
                guard e.firstRecord == nextRecord, e.offset == nextOffset, e.recordCount > 0 else {
                    throw ContainerError.corrupt("corrupt container: index entry \(i) is inconsistent")
                }
                nextRecord += UInt64(e.recordCount)
                nextOffset += UInt64(e.frameLength)
                entries.append(e)
            }
            return FrameIndex(entries: entries, timestampField: field)
        } catch let e as ByteReaderError {
            throw ContainerError.corrupt("corrupt container: index: \(e.description)")
        }
    }
}

/// The fixed 48-byte trailer: the last bytes of every complete container.
public struct ContainerTrailer: Sendable, Equatable {
    public var indexOffset: UInt64
    public var frameCount: UInt64
    public var recordCount: UInt64
    /// Length of the restored file in bytes.
    public var restoredSize: UInt64
    /// The restored file ends with `\n` after its last record.
    public var finalNewline: Bool

    public func serialized() -> [UInt8] {
        var w = ByteWriter(capacity: ContainerFormat.trailerSize)
        w.u64le(indexOffset)
        w.u64le(frameCount)
        w.u64le(recordCount)
        w.u64le(restoredSize)
        w.u32le(finalNewline ? 1 : 0)
        w.u32le(CRC32.checksum(w.bytes))
        w.append(ContainerFormat.endMagic)
        return w.bytes
    }

    public static func parse(_ bytes: ArraySlice<UInt8>) throws -> ContainerTrailer {
        guard bytes.count == ContainerFormat.trailerSize,
              Array(bytes.suffix(8)) == ContainerFormat.endMagic else {
            throw ContainerError.truncated("truncated container: the trailer is missing (file cut short?)")
        }
        var r = ByteReader(bytes)
        let t = ContainerTrailer(indexOffset: try r.u64le(), frameCount: try r.u64le(),
                                 recordCount: try r.u64le(), restoredSize: try r.u64le(),
                                 finalNewline: false)
        let flags = try r.u32le()
        let crc = try r.u32le()
        let base = bytes.startIndex
        guard crc == CRC32.checksum(Array(bytes[base..<(base + 36)])) else {
            throw ContainerError.corrupt("corrupt container: trailer checksum mismatch")
        }
        guard flags <= 1 else {
            throw ContainerError(.unsupportedVersion, "container trailer uses unknown flags \(flags)")
        }
        var out = t
        out.finalNewline = flags == 1
        return out
    }
}
