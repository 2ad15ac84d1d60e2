import LogLabCodecs
import LogLabCore

/// Container format 2.0 (see docs/FORMATS.md): the 56-byte header of 1.0 (major 2), then
/// segments of frames with varint headers, each segment sealed by two CRC-32s (its bytes,
/// and the original bytes of its frames), then a compressed columnar index and the 48-byte
/// trailer of 1.0. Per-frame overhead is two or three bytes instead of 80.
public enum ContainerFormatV2 {
    public static let majorVersion: UInt16 = 2
    public static let minorVersion: UInt16 = 0
    /// Written by containers with a shared section (header flag bit 0); others stay 2.0.
    public static let sharedSectionMinor: UInt16 = 1
    /// A segment is sealed once its bytes reach this size (one frame at least). Small enough
    /// that checking a whole segment for one record stays cheap, large enough that the seal
    /// costs nothing per record.
    public static let segmentTargetBytes = 16 << 10
    /// A frame header's first varint below this value is a control code, not a frame.
    static let controlLimit: UInt64 = 2
    static let sealCode: UInt8 = 0
    static let indexCode: UInt8 = 1
    public static let sealSize = 9
    /// Largest raw index a reader accepts.
    public static let maxIndexBytes = 1 << 30
    static let indexCodec: CodecSpec = (try? CodecSpec(parsing: "zstd:9")) ?? CodecSpec("zstd")!
}

/// Flags of a v2 frame header (the byte after its first varint, when that varint's low bit is set).
struct FrameBitsV2: OptionSet {
    let rawValue: UInt8
    static let transformed = FrameBitsV2(rawValue: 1)
    static let compressed = FrameBitsV2(rawValue: 2)
    /// A record count follows (otherwise: the header's records per frame).
    static let recordCount = FrameBitsV2(rawValue: 4)
    /// A payload size follows (otherwise the codec's stored bytes declare it).
    static let payloadSize = FrameBitsV2(rawValue: 8)
    /// The stored bytes are the payload in pieces (`FrameFlags.pieces`), which declare its size.
    static let pieces = FrameBitsV2(rawValue: 16)
    /// The pieces' directory gives each piece a layout (`FrameFlags.pieceLayouts`).
    static let pieceLayouts = FrameBitsV2(rawValue: 32)
    static let known: FrameBitsV2 = [.transformed, .compressed, .recordCount, .payloadSize, .pieces, .pieceLayouts]
    static let kind: FrameBitsV2 = [.transformed, .compressed, .pieces, .pieceLayouts]
    /// What "the previous frame's kind" is at the start of a segment.
    static let segmentStart: FrameBitsV2 = [.transformed, .compressed]
}

/// A v2 frame header: `varint(storedSize << 1 | g)`. g = 0: the frame is of the same kind
/// (transformed, compressed bits) as the previous frame of its segment (a segment starts
/// from transformed + compressed), holds R records and its payload size is declared by the
/// stored bytes, so the header is one or two bytes. g = 1: a bits byte follows, then
/// `[varint recordCount]`, `[varint payloadSize]`.
public struct FrameHeaderV2: Sendable, Equatable {
    public var flags: FrameFlags
    public var recordCount: Int
    public var storedSize: Int
    /// nil: the codec declares it in the stored bytes.
    public var payloadSize: Int?
    /// Bytes of this header.
    public var length: Int

    static func append(_ frame: EncodedFrame, defaultRecords: Int, payloadImplicit: Bool, previous: inout FrameBitsV2,
                       to w: inout ByteWriter) {
        let h = frame.header
        var bits = FrameBitsV2()
        if h.flags.contains(.transformed) { bits.insert(.transformed) }
        if h.flags.contains(.compressed) { bits.insert(.compressed) }
        if h.flags.contains(.pieces) { bits.insert(.pieces) }
        if h.flags.contains(.pieceLayouts) { bits.insert(.pieceLayouts) }
        if Int(h.recordCount) != defaultRecords { bits.insert(.recordCount) }
        if h.flags.contains(.compressed) && !payloadImplicit { bits.insert(.payloadSize) }
        if bits == previous {
            w.varint(UInt64(h.storedSize) << 1)
            return
        }
        w.varint(UInt64(h.storedSize) << 1 | 1)
        w.u8(bits.rawValue)
        if bits.contains(.recordCount) { w.varint(UInt64(h.recordCount)) }
        if bits.contains(.payloadSize) { w.varint(UInt64(h.payloadSize)) }
        previous = bits.intersection(.kind)
    }

    /// Parses a frame header whose first varint `first` (at least `controlLimit`) was read;
    /// `previous` is the kind of the segment's previous frame (updated).
    static func parse(first: UInt64, firstLength: Int, _ r: inout ByteReader, defaultRecords: Int, previous: inout FrameBitsV2,
                      frame: Int) throws -> FrameHeaderV2 {
        let stored = first >> 1
        let start = r.position
        var records = defaultRecords
        var payload: Int? = nil
        func bad() -> ContainerError { ContainerError.corrupt("corrupt container: frame \(frame) header has impossible sizes") }
        guard stored >= 1, stored <= UInt64(ContainerFormat.maxPayloadSize(originalSize: ContainerFormat.maxFrameOriginalBytes)) else { throw bad() }
        var bits = previous
        if first & 1 == 1 {
            bits = FrameBitsV2(rawValue: try r.u8())
            guard FrameBitsV2.known.isSuperset(of: bits) else {
                throw ContainerError(.unsupportedVersion, "frame \(frame) uses unknown flags \(bits.rawValue) (written by a newer version?)")
            }
            guard bits != previous else { throw ContainerError.corrupt("corrupt container: frame \(frame) header is not canonical") }
            if bits.contains(.recordCount) {
                records = try r.count(limit: ContainerFormat.maxRecordsPerFrame)
                guard records != defaultRecords else { throw ContainerError.corrupt("corrupt container: frame \(frame) header is not canonical") }
            }
            guard !bits.contains(.pieces) || bits.contains(.compressed) else { throw bad() }
            guard !bits.contains(.pieceLayouts) || bits.contains(.pieces) else { throw bad() }
            if bits.contains(.payloadSize) {
                guard bits.contains(.compressed) else { throw bad() }
                payload = try r.count(limit: ContainerFormat.maxPayloadSize(originalSize: ContainerFormat.maxFrameOriginalBytes))
            }
            previous = bits.intersection(.kind)
        }
        guard records >= 1, records <= ContainerFormat.maxRecordsPerFrame else { throw bad() }
        var flags: FrameFlags = []
        if bits.contains(.transformed) { flags.insert(.transformed) }
        if bits.contains(.compressed) { flags.insert(.compressed) }
        if bits.contains(.pieces) { flags.insert(.pieces) }
        if bits.contains(.pieceLayouts) { flags.insert(.pieceLayouts) }
        if !flags.contains(.compressed) { payload = Int(stored) }
        return FrameHeaderV2(flags: flags, recordCount: records, storedSize: Int(stored), payloadSize: payload,
                             length: firstLength + r.position - start)
    }
}

/// One segment as the v2 index lists it.
public struct SegmentEntry: Sendable, Equatable {
    /// File offset of the segment's first frame.
    public var offset: UInt64
    /// Bytes from `offset` through the end of its seal.
    public var length: Int
    public var firstFrame: Int
    public var frameCount: Int
    public var originalBytes: UInt64
    public var minTime: Int64
    public var maxTime: Int64
    public var hasTime: Bool { minTime != ContainerFormat.noTime }
    public var frames: Range<Int> { firstFrame..<(firstFrame + frameCount) }
}

/// The v2 index: segments and frames, serialised as columns of varints and compressed.
///
/// Raw layout: `string timestampField`, `varint segmentCount`, per segment `varint frameCount`,
/// `varint length`, `varint originalBytes`, `u8 hasTime` [`svarint minTime − previous minTime`,
/// `varint maxTime − minTime`]; then per frame the column `varint recordCount`, then the column
/// `varint frameLength` (header and stored bytes).
/// Stored: `0x01`, `u8 method` (0 raw, 1 zstd), `varint rawLength`, `varint storedLength`,
/// stored bytes, `u32le CRC-32` of everything from the `0x01`.
enum IndexV2 {
    struct Frame { var recordCount: Int; var length: Int }

    /// `sharedID`: the shared section's id (format 2.1), appended after the frame columns.
    static func serialize(segments: [SegmentEntry], frames: [Frame], timestampField: String, sharedID: [UInt8]? = nil) -> [UInt8] {
        var raw = ByteWriter(capacity: 16 + segments.count * 12 + frames.count * 3)
        raw.string(String(decoding: Array(timestampField.utf8.prefix(0xFFFF)), as: UTF8.self))
        raw.varint(segments.count)
        var previousMin: Int64 = 0
        for s in segments {
            raw.varint(s.frameCount)
            raw.varint(s.length)
            raw.varint(s.originalBytes)
            raw.u8(s.hasTime ? 1 : 0)
            if s.hasTime {
                raw.svarint(s.minTime &- previousMin)
                raw.varint(UInt64(bitPattern: s.maxTime &- s.minTime))
                previousMin = s.minTime
            }
        }
        for f in frames { raw.varint(f.recordCount) }
        for f in frames { raw.varint(f.length) }
        if let sharedID { raw.append(sharedID) }
        var method: UInt8 = 0
        var stored = raw.bytes
        if let c = try? Compressor(ContainerFormatV2.indexCodec), let z = try? c.compress(raw.bytes), z.count < raw.count {
            method = 1
            stored = z
        }
        var w = ByteWriter(capacity: stored.count + 24)
        w.u8(ContainerFormatV2.indexCode)
        w.u8(method)
        w.varint(raw.count)
        w.varint(stored.count)
        w.append(stored)
        w.u32le(CRC32.checksum(w.bytes))
        return w.bytes
    }

    /// Length of a serialized index from its first bytes (at least 22, or all there are).
    static func length(prefix: ArraySlice<UInt8>) throws -> Int {
        var r = ByteReader(prefix)
        do {
            guard try r.u8() == ContainerFormatV2.indexCode else {
                throw ContainerError.corrupt("corrupt container: expected a frame or the index")
            }
            _ = try r.u8()
            let raw = try r.count(limit: ContainerFormatV2.maxIndexBytes)
            let stored = try r.count(limit: ContainerFormatV2.maxIndexBytes)
            _ = raw
            return r.position - prefix.startIndex + stored + 4
        } catch let e as ByteReaderError {
            throw ContainerError.truncated("truncated container: index header: \(e.description)")
        }
    }

    /// Parses and checks the index; `dataStart` is the offset of the first segment. With
    /// `shared`, the index ends with the id of the shared section, which must be its id.
    static func parse(_ bytes: ArraySlice<UInt8>, dataStart: UInt64, defaultRecords: Int, shared: SharedSection? = nil) throws
        -> (segments: [SegmentEntry], entries: [FrameIndexEntry], field: String) {
        func corrupt(_ what: String) -> ContainerError { ContainerError.corrupt("corrupt container: index \(what)") }
        guard bytes.count >= 8 else { throw ContainerError.truncated("truncated container: index cut short") }
        let s = bytes.suffix(4)
        let crc = UInt32(s[s.startIndex]) | UInt32(s[s.startIndex + 1]) << 8 | UInt32(s[s.startIndex + 2]) << 16 | UInt32(s[s.startIndex + 3]) << 24
        guard crc == CRC32.checksum(Array(bytes.dropLast(4))) else { throw corrupt("checksum mismatch") }
        guard try length(prefix: bytes.prefix(24)) == bytes.count else { throw corrupt("length does not match its header") }
        do {
            var h = ByteReader(bytes.dropLast(4))
            _ = try h.u8()
            let method = try h.u8()
            let rawLength = try h.count(limit: ContainerFormatV2.maxIndexBytes)
            let storedLength = try h.count(limit: h.remaining)
            let stored = try h.bytes(storedLength)
            let raw: [UInt8]
            switch method {
            case 0: raw = Array(stored)
            case 1:
                do {
                    let d = try Decompressor(ContainerFormatV2.indexCodec)
                    raw = try d.decompress(stored, originalSize: rawLength)
                } catch { throw corrupt("cannot be decompressed: \(error)") }
            default: throw ContainerError(.unsupportedVersion, "container index uses unknown method \(method)")
            }
            guard raw.count == rawLength else { throw corrupt("has the wrong size") }
            var r = ByteReader(raw)
            let field = try r.string()
            let segmentCount = try r.count(limit: r.remaining)
            var segments: [SegmentEntry] = []
            segments.reserveCapacity(segmentCount)
            var offset = dataStart
            var firstFrame = 0
            var previousMin: Int64 = 0
            for _ in 0..<segmentCount {
                let frames = try r.count(limit: ContainerFormat.maxIndexBytes)
                let length = try r.count(limit: 1 << 40)
                let original = try r.varint()
                let timed = try r.u8()
                guard timed <= 1, frames >= 1, length >= frames + ContainerFormatV2.sealSize else { throw corrupt("segment entry is invalid") }
                var lo = ContainerFormat.noTime, hi = ContainerFormat.noTime
                if timed == 1 {
                    lo = previousMin &+ (try r.svarint())
                    hi = lo &+ Int64(bitPattern: try r.varint())
                    guard lo != ContainerFormat.noTime, hi >= lo else { throw corrupt("segment times are invalid") }
                    previousMin = lo
                }
                segments.append(SegmentEntry(offset: offset, length: length, firstFrame: firstFrame, frameCount: frames,
                                             originalBytes: original, minTime: lo, maxTime: hi))
                offset += UInt64(length)
                firstFrame += frames
            }
            let frameCount = firstFrame
            guard frameCount <= r.remaining else { throw corrupt("frame columns are cut short") }
            var counts = [Int](repeating: 0, count: frameCount)
            for i in 0..<frameCount { counts[i] = try r.count(limit: ContainerFormat.maxRecordsPerFrame) }
            var entries: [FrameIndexEntry] = []
            entries.reserveCapacity(frameCount)
            var record: UInt64 = 0
            for (k, seg) in segments.enumerated() {
                var at = seg.offset
                for i in seg.frames {
                    let length = try r.count(limit: seg.length)
                    guard counts[i] >= 1, length >= 2 else { throw corrupt("frame entry \(i) is invalid") }
                    var e = FrameIndexEntry(offset: at, firstRecord: record, recordCount: UInt32(counts[i]), originalSize: 0,
                                            storedSize: 0, originalCRC: 0, minTime: seg.minTime, maxTime: seg.maxTime)
                    e.length = length
                    e.segment = k
                    entries.append(e)
                    at += UInt64(length)
                    record += UInt64(counts[i])
                }
                guard at + UInt64(ContainerFormatV2.sealSize) == seg.offset + UInt64(seg.length) else {
                    throw corrupt("segment \(k) frame lengths do not add up")
                }
            }
            if let shared {
                let recorded = Array(try r.bytes(SharedSection.idSize))
                guard recorded == shared.id else {
                    throw ContainerError.corrupt("wrong shared section: the container's section is \(shared.idHex.prefix(12)), its frames were written with \(recorded.hexString.prefix(12))")
                }
            }
            guard r.isAtEnd else { throw corrupt("has \(r.remaining) trailing bytes") }
            return (segments, entries, field)
        } catch let e as ByteReaderError {
            throw corrupt(e.description)
        }
    }
}

/// Reads and checks one segment's bytes and splits them into frames.
enum SegmentV2 {
    struct Frame {
        var header: FrameHeaderV2
        var stored: ArraySlice<UInt8>
    }

    /// `bytes`: the segment from its first frame through its seal. Checks the stored CRC.
    static func parse(_ bytes: [UInt8], segment: Int, firstFrame: Int, expectedFrames: Int?,
                      defaultRecords: Int) throws -> (frames: [Frame], originalCRC: UInt32) {
        guard bytes.count >= ContainerFormatV2.sealSize + 1 else {
            throw ContainerError.truncated("truncated container: segment \(segment) cut short")
        }
        let sealAt = bytes.count - ContainerFormatV2.sealSize
        guard bytes[sealAt] == ContainerFormatV2.sealCode else {
            throw ContainerError.corrupt("corrupt container: segment \(segment) has no seal")
        }
        var s = ByteReader(bytes[(sealAt + 1)...])
        let originalCRC = try s.u32le()
        let storedCRC = try s.u32le()
        guard storedCRC == bytes.withUnsafeBytes({ CRC32.checksum(UnsafeRawBufferPointer(rebasing: $0[0..<(sealAt + 5)])) }) else {
            throw ContainerError.corrupt("corrupt container: segment \(segment) checksum mismatch")
        }
        var frames: [Frame] = []
        var r = ByteReader(bytes[0..<sealAt])
        var previous = FrameBitsV2.segmentStart
        do {
            while !r.isAtEnd {
                let start = r.position
                let first = try r.varint()
                let n = firstFrame + frames.count
                guard first >= ContainerFormatV2.controlLimit else {
                    throw ContainerError.corrupt("corrupt container: segment \(segment) holds control code \(first) inside")
                }
                let h = try FrameHeaderV2.parse(first: first, firstLength: r.position - start, &r,
                                                defaultRecords: defaultRecords, previous: &previous, frame: n)
                let stored = try r.bytes(h.storedSize)
                frames.append(Frame(header: h, stored: stored))
            }
        } catch let e as ByteReaderError {
            throw ContainerError.corrupt("corrupt container: segment \(segment): \(e.description)")
        }
        if let expectedFrames, frames.count != expectedFrames {
            throw ContainerError.corrupt("corrupt container: segment \(segment) holds \(frames.count) frames, the index says \(expectedFrames)")
        }
        return (frames, originalCRC)
    }
}

/// Assembles a v2 container from encoded frames, in order: the one place that lays out
/// bytes (used by `ContainerWriter` and by the lab, which measures exactly these bytes).
public struct ContainerAssembler {
    public private(set) var offset: UInt64
    public private(set) var records: UInt64 = 0
    public private(set) var originalBytes: UInt64 = 0
    public private(set) var frames = 0
    public private(set) var minTime: Int64? = nil
    public private(set) var maxTime: Int64? = nil
    let defaultRecords: Int
    let timestampField: String
    var segments: [SegmentEntry] = []
    var indexFrames: [IndexV2.Frame] = []
    var segment = ByteWriter()
    var segmentOriginalCRC: UInt32 = 0
    var segmentOriginal: UInt64 = 0
    var segmentFirstFrame = 0
    var segmentMin = ContainerFormat.noTime, segmentMax = ContainerFormat.noTime
    var previous = FrameBitsV2.segmentStart
    let shared: SharedSection?

    /// Bytes before the first segment: the container header, then the shared section if any.
    public static func header(profileID: ProfileID, recordsPerFrame: Int, shared: SharedSection? = nil) -> [UInt8] {
        var h = ContainerHeader(profileID: profileID, recordsPerFrame: UInt32(recordsPerFrame))
        h.major = ContainerFormatV2.majorVersion
        h.minor = shared == nil ? ContainerFormatV2.minorVersion : ContainerFormatV2.sharedSectionMinor
        if shared != nil { h.flags = SharedSection.headerFlag }
        return h.serialized() + (shared?.bytes ?? [])
    }

    public init(recordsPerFrame: Int, timestampField: String, shared: SharedSection? = nil) {
        defaultRecords = recordsPerFrame
        self.timestampField = timestampField
        self.shared = shared
        offset = UInt64(ContainerFormat.headerSize + (shared?.bytes.count ?? 0))
    }

    /// Adds one frame; returns bytes ready to be written (a sealed segment), or none yet.
    public mutating func add(_ frame: EncodedFrame, payloadImplicit: Bool) -> [UInt8]? {
        let before = segment.count
        FrameHeaderV2.append(frame, defaultRecords: defaultRecords, payloadImplicit: payloadImplicit, previous: &previous, to: &segment)
        segment.append(frame.stored)
        let h = frame.header
        indexFrames.append(IndexV2.Frame(recordCount: Int(h.recordCount), length: segment.count - before))
        segmentOriginalCRC = CRC32.combine(segmentOriginalCRC, h.originalCRC, length: Int(h.originalSize))
        segmentOriginal += UInt64(h.originalSize)
        records += UInt64(h.recordCount)
        originalBytes += UInt64(h.originalSize)
        frames += 1
        if frame.minTime != ContainerFormat.noTime {
            if segmentMin == ContainerFormat.noTime || frame.minTime < segmentMin { segmentMin = frame.minTime }
            if segmentMax == ContainerFormat.noTime || frame.maxTime > segmentMax { segmentMax = frame.maxTime }
            minTime = Swift.min(minTime ?? frame.minTime, frame.minTime)
            maxTime = Swift.max(maxTime ?? frame.maxTime, frame.maxTime)
        }
        return segment.count >= ContainerFormatV2.segmentTargetBytes ? seal() : nil
    }

    mutating func seal() -> [UInt8]? {
        guard frames > segmentFirstFrame else { return nil }
        segment.u8(ContainerFormatV2.sealCode)
        segment.u32le(segmentOriginalCRC)
        segment.u32le(CRC32.checksum(segment.bytes))
        let out = segment.bytes
        segments.append(SegmentEntry(offset: offset, length: out.count, firstFrame: segmentFirstFrame,
                                     frameCount: frames - segmentFirstFrame, originalBytes: segmentOriginal,
                                     minTime: segmentMin, maxTime: segmentMax))
        offset += UInt64(out.count)
        segment = ByteWriter(capacity: ContainerFormatV2.segmentTargetBytes + 1024)
        segmentOriginalCRC = 0
        segmentOriginal = 0
        segmentFirstFrame = frames
        segmentMin = ContainerFormat.noTime
        segmentMax = ContainerFormat.noTime
        previous = FrameBitsV2.segmentStart
        return out
    }

    /// The last segment, the index and the trailer.
    public mutating func finish(finalNewline: Bool) -> (bytes: [UInt8], summary: ContainerSummary) {
        var out = seal() ?? []
        let indexOffset = offset
        let index = IndexV2.serialize(segments: segments, frames: indexFrames, timestampField: timestampField, sharedID: shared?.id)
        let newline = finalNewline && records > 0
        let restored = originalBytes - (records > 0 && !newline ? 1 : 0)
        let trailer = ContainerTrailer(indexOffset: indexOffset, frameCount: UInt64(frames), recordCount: records,
                                       restoredSize: restored, finalNewline: newline)
        out += index
        out += trailer.serialized()
        offset = indexOffset + UInt64(index.count + ContainerFormat.trailerSize)
        let summary = ContainerSummary(frames: frames, records: Int(records), originalBytes: restored,
                                       containerBytes: offset, minTime: minTime, maxTime: maxTime)
        return (out, summary)
    }
}
