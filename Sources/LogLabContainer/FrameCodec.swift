import LogLabCore
import LogLabTransforms
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// What a container needs from a profile: a Sendable factory of per-thread coders.
/// `ProfileCodec` is the production implementation; tests may plug in small stubs.
public protocol FrameCodec: Sendable {
    /// Written into every container header; a reader refuses containers with another id.
    var profileID: ProfileID { get }
    /// At most this many records per frame (the profile's framing).
    var recordsPerFrame: Int { get }
    /// The field whose value dates a record (for the index and partitions), if any.
    var timestampField: String? { get }
    /// A coder for the calling thread: coders hold scratch state and are not shared.
    func makeCoder() throws -> any FrameCoder
    /// The shared section this codec's frames reference (nil: none).
    var sharedSection: SharedSection? { get }
    /// This codec with its frames referencing `section` (a container's, checked): readers.
    func sharing(_ section: SharedSection) throws -> any FrameCodec
    /// This codec with a shared section learned from `head`, a container's first records
    /// (`SharedSection.headCount`): writers and the lab.
    func learnSharedSection(from head: RecordBatch, recordsPerFrame: Int) throws -> any FrameCodec
    /// Whether a writer given no choice learns a shared section (the profile's setting).
    var sharesSectionByDefault: Bool { get }
}

extension FrameCodec {
    public var sharedSection: SharedSection? { nil }
    public var sharesSectionByDefault: Bool { false }
    public func sharing(_ section: SharedSection) throws -> any FrameCodec {
        throw ContainerError(.usage, "this codec cannot read a container with a shared section")
    }
    public func learnSharedSection(from head: RecordBatch, recordsPerFrame: Int) throws -> any FrameCodec {
        throw ContainerError(.usage, "this codec cannot learn a shared section")
    }
}

/// One thread's transform and codec contexts.
public protocol FrameCoder: AnyObject {
    /// Records → payload for the codec (the profile's transforms).
    func transform(_ records: RecordBatch) throws -> [UInt8]
    /// `transform`, and the span of the records' times by `timeField`, each exactly
    /// `TimeField.time(in:)` of the record (the default searches every record).
    func transform(_ records: RecordBatch, timeField: TimeField) throws -> (payload: [UInt8], times: TimeSpan)
    /// Payload → the exact records.
    func untransform(_ payload: [UInt8], recordCount: Int) throws -> RecordBatch
    /// Payload → the exact records, each followed by `\n`, appended to `out` (restore's path;
    /// the default goes through `untransform`).
    func untransformLines(_ payload: [UInt8], recordCount: Int, into out: inout [UInt8]) throws
    /// Whether the payload undoes to exactly `records` (the writer's transform check).
    func restores(_ payload: [UInt8], exactly records: RecordBatch) -> Bool
    /// Payload → stored bytes.
    func compress(_ payload: [UInt8]) throws -> [UInt8]
    /// Stored bytes → payload of exactly `payloadSize` bytes.
    func decompress(_ stored: ArraySlice<UInt8>, payloadSize: Int) throws -> [UInt8]
    /// The payload size the stored bytes declare themselves (zstd frames carry it), if any;
    /// container v2 then leaves it out of the frame header.
    func declaredPayloadSize(_ stored: ArraySlice<UInt8>) -> Int?
    /// The id of the shared section this coder's frames reference (nil: none).
    var sharedSectionID: [UInt8]? { get }
}

extension FrameCoder {
    public func declaredPayloadSize(_ stored: ArraySlice<UInt8>) -> Int? { nil }

    public func transform(_ records: RecordBatch, timeField: TimeField) throws -> (payload: [UInt8], times: TimeSpan) {
        (try transform(records), TimeSpan.of(records, timeField))
    }

    public func restores(_ payload: [UInt8], exactly records: RecordBatch) -> Bool {
        (try? untransform(payload, recordCount: records.count)) == records
    }

    public func untransformLines(_ payload: [UInt8], recordCount: Int, into out: inout [UInt8]) throws {
        let records = try untransform(payload, recordCount: recordCount)
        guard records.count == recordCount else {
            throw ContainerError.corrupt("corrupt container: a frame restored \(records.count) records, expected \(recordCount)")
        }
        out += FrameCoding.joinedLines(records)
    }
    public var sharedSectionID: [UInt8]? { nil }
}

/// One encoded frame: its stored bytes, what they are (`header`), and what the index needs.
public struct EncodedFrame: Sendable {
    public var stored: [UInt8]
    public var header: FrameHeader
    public var minTime: Int64
    public var maxTime: Int64
    /// The payload size is declared by the stored bytes (v2 headers leave it out).
    public var payloadImplicit: Bool

    /// The frame in the standalone 1.0 layout: 32-byte header, then the stored bytes.
    public var bytes: [UInt8] {
        var w = ByteWriter(capacity: ContainerFormat.frameHeaderSize + stored.count)
        header.append(to: &w)
        w.append(stored)
        return w.bytes
    }
}

/// Frame-level encoding and decoding shared by writers and readers.
public enum FrameCoding {
    /// A transformed payload up to this size is compressed whole too, and stored whole when
    /// that is smaller than its pieces. Not higher: at 1,024 sdk-log records a payload is
    /// about 60 KiB, whole almost never wins there, and the second compression cost a
    /// quarter more compress time.
    static let wholeTryBytes = 32 << 10

    /// Encodes `records` into one frame. If the transform throws or does not give the exact
    /// records back (checked when `verifyTransform`), the frame falls back to the verbatim
    /// lines; if the codec does not shrink the payload, the payload is stored as is.
    /// `originalCRC`: the CRC-32 of the records each followed by `\n`, when the caller has it.
    public static func encode(_ records: RecordBatch, coder: any FrameCoder, verifyTransform: Bool,
                              timestampField: TimeField?, originalCRC: UInt32? = nil) throws -> EncodedFrame {
        guard records.count > 0, records.count <= ContainerFormat.maxRecordsPerFrame else {
            throw ContainerError(.invalidInput, "a frame holds 1 to \(ContainerFormat.maxRecordsPerFrame) records, got \(records.count)")
        }
        let originalSize = records.totalBytes + records.count
        guard originalSize <= ContainerFormat.maxFrameOriginalBytes else {
            throw ContainerError(.invalidInput, "a frame's records exceed \(ContainerFormat.maxFrameOriginalBytes) bytes")
        }
        let crc = originalCRC ?? linesCRC(records)
        // The index's time span comes with the transform when it reads the time field itself.
        var times: TimeSpan? = nil
        let transformed: [UInt8]?
        if let field = timestampField {
            if let (p, t) = try? coder.transform(records, timeField: field) {
                transformed = p
                times = t
            } else {
                transformed = nil
                times = TimeSpan.of(records, field)
            }
        } else {
            transformed = try? coder.transform(records)
        }
        let minTime = times?.min ?? ContainerFormat.noTime, maxTime = times?.max ?? ContainerFormat.noTime
        var flags: FrameFlags = []
        var payload: [UInt8]
        if let p = transformed,
           p.count <= ContainerFormat.maxPayloadSize(originalSize: originalSize),
           !verifyTransform || coder.restores(p, exactly: records) {
            payload = p
            flags.insert(.transformed)
        } else {
            payload = joinedLines(records)
        }
        // A payload with streams goes in pieces (`FramePieces`), which declare its size.
        var cuts = flags.contains(.transformed) ? PayloadPieces.cuts(payload) : nil
        var layouts = false
        var stored: [UInt8]
        if let c = cuts { (stored, layouts) = try FramePieces.compress(payload, cuts: c, coder: coder) } else { stored = try coder.compress(payload) }
        // A small payload also goes whole when that is smaller: each piece pays a codec
        // header and its own entropy tables and loses matches across streams, which there
        // outweighs what separate statistics gain; a second compression of a small payload
        // is cheap, and so is a columnar read of it whole.
        if cuts != nil && payload.count <= Self.wholeTryBytes {
            let whole = try coder.compress(payload)
            if whole.count < stored.count { stored = whole; cuts = nil }
        }
        if stored.count < payload.count {
            flags.insert(.compressed)
            if cuts != nil { flags.insert(.pieces); if layouts { flags.insert(.pieceLayouts) } }
        } else {
            stored = payload
        }
        let header = FrameHeader(flags: flags, recordCount: UInt32(records.count),
                                 originalSize: UInt32(originalSize), payloadSize: UInt32(payload.count),
                                 storedSize: UInt32(stored.count), originalCRC: crc,
                                 storedCRC: CRC32.checksum(stored))
        let implicit = flags.contains(.compressed)
            && (flags.contains(.pieces) || coder.declaredPayloadSize(stored[...]) == payload.count)
        return EncodedFrame(stored: stored, header: header, minTime: minTime, maxTime: maxTime, payloadImplicit: implicit)
    }

    /// A decoded, checked frame: records from the transform, or verbatim original bytes.
    public enum Decoded {
        case records(RecordBatch)
        case original([UInt8])

        /// The original bytes (each record followed by `\n`).
        public var original: [UInt8] {
            switch self {
            case .records(let r): FrameCoding.joinedLines(r)
            case .original(let o): o
            }
        }

        public var records: RecordBatch {
            switch self {
            case .records(let r): r
            case .original(let o): RecordBatch(lines: o)
            }
        }

        /// CRC-32 and size of the original bytes.
        var check: (crc: UInt32, size: Int) {
            switch self {
            case .records(let r): (FrameCoding.linesCRC(r), r.totalBytes + r.count)
            case .original(let o): (CRC32.checksum(o), o.count)
            }
        }
    }

    /// Decodes one v2 frame (its segment's checksum already checked): the caller checks the
    /// original bytes against the segment's CRC.
    static func decodeV2(header h: FrameHeaderV2, stored: ArraySlice<UInt8>, coder: any FrameCoder,
                         frame: Int) throws -> Decoded {
        let payload = try payloadV2(header: h, stored: stored, coder: coder, frame: frame)
        if h.flags.contains(.transformed) {
            let records: RecordBatch
            do {
                records = try coder.untransform(payload, recordCount: h.recordCount)
            } catch {
                throw ContainerError(.codec, "frame \(frame): cannot undo the transforms (wrong profile or model?): \(error)")
            }
            guard records.count == h.recordCount else {
                throw ContainerError.corrupt("corrupt container: frame \(frame) restored \(records.count) records, expected \(h.recordCount)")
            }
            return .records(records)
        }
        try checkVerbatim(payload, header: h, frame: frame)
        return .original(payload)
    }

    /// Decodes one v2 frame as `decodeV2` does, appending its original bytes (each record
    /// followed by `\n`) to `out` without an intermediate `RecordBatch`.
    static func decodeV2Lines(header h: FrameHeaderV2, stored: ArraySlice<UInt8>, coder: any FrameCoder,
                              frame: Int, into out: inout [UInt8]) throws {
        try untransformV2Lines(header: h, payload: try payloadV2(header: h, stored: stored, coder: coder, frame: frame),
                               coder: coder, frame: frame, into: &out)
    }

    /// The second half of `decodeV2Lines`: a decompressed payload (`payloadV2`) undone, its
    /// original bytes appended to `out`.
    static func untransformV2Lines(header h: FrameHeaderV2, payload: [UInt8], coder: any FrameCoder,
                                   frame: Int, into out: inout [UInt8]) throws {
        if h.flags.contains(.transformed) {
            do {
                try coder.untransformLines(payload, recordCount: h.recordCount, into: &out)
            } catch let e as ContainerError {
                throw e
            } catch {
                throw ContainerError(.codec, "frame \(frame): cannot undo the transforms (wrong profile or model?): \(error)")
            }
            return
        }
        try checkVerbatim(payload, header: h, frame: frame)
        out += payload
    }

    private static func checkVerbatim(_ payload: [UInt8], header h: FrameHeaderV2, frame: Int) throws {
        var lines = 0
        payload.withUnsafeBytes { raw in
            for b in raw where b == 0x0A { lines += 1 }
        }
        guard lines == h.recordCount, payload.last == 0x0A else {
            throw ContainerError.corrupt("corrupt container: frame \(frame) holds \(lines) lines, expected \(h.recordCount)")
        }
    }

    /// One v2 frame's payload (transformed bytes or verbatim lines), decompressed; the
    /// columnar reader decodes it without restoring records.
    static func payloadV2(header h: FrameHeaderV2, stored: ArraySlice<UInt8>, coder: any FrameCoder,
                          frame: Int) throws -> [UInt8] {
        let payload: [UInt8]
        if h.flags.contains(.pieces) {
            let pieces = try piecesV2(header: h, stored: stored, frame: frame)
            payload = try pieces.payload(stored, decompress: { try coder.decompress($0, payloadSize: $1) }, frame: frame)
        } else if h.flags.contains(.compressed) {
            let limit = ContainerFormat.maxPayloadSize(originalSize: ContainerFormat.maxFrameOriginalBytes)
            // A size the stored bytes declare is believed up to zstd's largest expansion.
            let declaredLimit = min(limit, stored.count &* 32768 &+ (1 << 20))
            guard let size = h.payloadSize ?? coder.declaredPayloadSize(stored).flatMap({ $0 <= declaredLimit ? $0 : nil }),
                  size <= limit else {
                throw ContainerError.corrupt("corrupt container: frame \(frame) does not say its payload size")
            }
            payload = try decompressing(frame: frame) { try coder.decompress(stored, payloadSize: size) }
            guard payload.count == size else {
                throw ContainerError.corrupt("corrupt container: frame \(frame) payload is \(payload.count) bytes, expected \(size)")
            }
        } else {
            payload = Array(stored)
        }
        return payload
    }

    /// The pieces of a v2 frame with the `pieces` flag, checked against its header.
    static func piecesV2(header h: FrameHeaderV2, stored: ArraySlice<UInt8>, frame: Int) throws -> FramePieces {
        let limit = ContainerFormat.maxPayloadSize(originalSize: ContainerFormat.maxFrameOriginalBytes)
        let pieces = try FramePieces(parsing: stored, limit: limit, layouts: h.flags.contains(.pieceLayouts), frame: frame)
        guard h.payloadSize == nil || h.payloadSize == pieces.payloadSize else {
            throw ContainerError.corrupt("corrupt container: frame \(frame) pieces hold \(pieces.payloadSize) bytes, its header says \(h.payloadSize!)")
        }
        return pieces
    }

    /// CRC-32 of the records, each followed by `\n`, without joining them.
    public static func linesCRC(_ records: RecordBatch) -> UInt32 {
        var crc: UInt32 = 0
        let newline: [UInt8] = [0x0A]
        records.bytes.withUnsafeBytes { all in
            newline.withUnsafeBytes { nl in
                for i in 0..<records.count {
                    crc = CRC32.checksum(UnsafeRawBufferPointer(rebasing: all[records.range(of: i)]), seed: crc)
                    crc = CRC32.checksum(nl, seed: crc)
                }
            }
        }
        return crc
    }

    /// Decodes one frame's stored bytes into its original bytes (each record followed by
    /// `\n`), checking both checksums, the sizes and the record count. `frame` names it.
    public static func decode(header: FrameHeader, stored: ArraySlice<UInt8>, coder: any FrameCoder,
                              frame: Int) throws -> [UInt8] {
        try decodeChecked(header: header, stored: stored, coder: coder, frame: frame).original
    }

    /// Decodes and checks one frame, without joining transformed records.
    public static func decodeChecked(header: FrameHeader, stored: ArraySlice<UInt8>, coder: any FrameCoder,
                                     frame: Int) throws -> Decoded {
        let payload = try payload(header: header, stored: stored, coder: coder, frame: frame)
        let failed = ContainerError.corrupt("corrupt container: frame \(frame) restored bytes fail their checksum (wrong dictionary or model?)")
        if header.flags.contains(.transformed) {
            let records: RecordBatch
            do {
                records = try coder.untransform(payload, recordCount: Int(header.recordCount))
            } catch {
                throw ContainerError(.codec, "frame \(frame): cannot undo the transforms (wrong profile or model?): \(error)")
            }
            guard records.count == Int(header.recordCount) else {
                throw ContainerError.corrupt("corrupt container: frame \(frame) restored \(records.count) records, expected \(header.recordCount)")
            }
            guard records.totalBytes + records.count == Int(header.originalSize),
                  linesCRC(records) == header.originalCRC else { throw failed }
            return .records(records)
        }
        guard payload.count == Int(header.originalSize),
              payload.withUnsafeBytes({ CRC32.checksum($0) }) == header.originalCRC else { throw failed }
        // Verbatim lines: the record count must match the newlines.
        var lines = 0
        payload.withUnsafeBytes { raw in
            for b in raw where b == 0x0A { lines += 1 }
        }
        guard lines == Int(header.recordCount) else {
            throw ContainerError.corrupt("corrupt container: frame \(frame) holds \(lines) lines, expected \(header.recordCount)")
        }
        return .original(payload)
    }

    /// `decompress()`, a codec failure given as one line naming the frame (and piece); a
    /// container error passes through as it is.
    static func decompressing(frame: Int, piece: Int? = nil, _ decompress: () throws -> [UInt8]) throws -> [UInt8] {
        do {
            return try decompress()
        } catch let e as ContainerError {
            throw e
        } catch {
            throw ContainerError(.codec, "frame \(frame): cannot decompress\(piece.map { " piece \($0)" } ?? ""): \(error)")
        }
    }

    /// One 1.x frame's payload, its stored bytes checked and decompressed.
    static func payload(header: FrameHeader, stored: ArraySlice<UInt8>, coder: any FrameCoder,
                        frame: Int) throws -> [UInt8] {
        guard stored.count == Int(header.storedSize) else {
            throw ContainerError.truncated("truncated container: frame \(frame) cut short")
        }
        guard stored.withUnsafeBytes({ CRC32.checksum($0) }) == header.storedCRC else {
            throw ContainerError.corrupt("corrupt container: frame \(frame) stored-bytes checksum mismatch")
        }
        let payloadSize = Int(header.payloadSize)
        let payload: [UInt8]
        if header.flags.contains(.pieces) {
            payload = try FramePieces(parsing: stored, limit: payloadSize, layouts: header.flags.contains(.pieceLayouts), frame: frame)
                .payload(stored, decompress: { try coder.decompress($0, payloadSize: $1) }, frame: frame)
        } else if header.flags.contains(.compressed) {
            payload = try decompressing(frame: frame) { try coder.decompress(stored, payloadSize: payloadSize) }
        } else {
            payload = Array(stored)
        }
        guard payload.count == payloadSize else {
            throw ContainerError.corrupt("corrupt container: frame \(frame) payload is \(payload.count) bytes, expected \(payloadSize)")
        }
        return payload
    }

    /// The records, each followed by `\n` (one allocation, one copy per record).
    public static func joinedLines(_ records: RecordBatch) -> [UInt8] {
        let n = records.count
        let total = records.totalBytes + n
        return records.bytes.withUnsafeBytes { src in
            records.offsets.withUnsafeBufferPointer { off in
                [UInt8](unsafeUninitializedCapacity: total) { out, initialized in
                    guard let dst = out.baseAddress else { initialized = 0; return }
                    var w = 0
                    for i in 0..<n {
                        let lo = off[i], len = off[i + 1] - lo
                        if len > 0, let base = src.baseAddress {
                            (dst + w).update(from: base.advanced(by: lo).assumingMemoryBound(to: UInt8.self), count: len)
                        }
                        w += len
                        dst[w] = 0x0A
                        w += 1
                    }
                    initialized = w
                }
            }
        }
    }

    /// Splits original frame bytes (records each followed by `\n`) into records.
    public static func records(of original: [UInt8]) -> RecordBatch {
        RecordBatch(lines: original)
    }
}
