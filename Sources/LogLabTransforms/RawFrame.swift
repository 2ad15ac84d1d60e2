import LogLabCore
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Frame kinds: the first byte of every encoded frame.
enum FrameKind: UInt8 {
    /// Records joined by `\n` (no final newline): the `none` transform, one byte of overhead.
    case rawLines = 0
    /// Each record as varint length + bytes: `none` when some record contains `\n`.
    case rawPrefixed = 1
    /// Field-aware, all streams interleaved in record order (compact per-record form).
    case rows = 2
    /// Field-aware, one stream per column behind a directory.
    case columns = 3
    /// The earlier text-level approach (`legacy`).
    case legacy = 4
    /// Text lines as templates + typed variable columns (`template`, see `TemplateEncoder`).
    case templates = 5
    /// `columns`, written when the writer checked that every value in the column streams is
    /// a token strict JSON accepts (`ColumnarFrameReader.valuesChecked`): a columnar read
    /// need not step over the columns it does not decode.
    case checkedColumns = 6

    /// One of the two field-aware layouts with a stream per column.
    var isColumns: Bool { self == .columns || self == .checkedColumns }
}

/// The `none` path: the records with at most one byte of overhead.
enum RawFrame {
    static func encode(_ records: RecordBatch, into out: inout [UInt8]) {
        let hasNewline = records.bytes.withUnsafeBytes { $0.baseAddress.map { memchr($0, 0x0A, records.totalBytes) != nil } ?? false }
        if !hasNewline {
            // The kind byte, then the records (contiguous in the batch) with a `\n` between
            // each two: one copy per record, straight into the output.
            let n = records.count
            let size = 1 + records.totalBytes + max(0, n - 1)
            let start = out.count
            out.append(contentsOf: repeatElement(0, count: size))
            out.withUnsafeMutableBytes { dst in
                records.bytes.withUnsafeBytes { src in
                    records.offsets.withUnsafeBufferPointer { off in
                        var at = start
                        dst[at] = FrameKind.rawLines.rawValue
                        at += 1
                        for i in 0..<n {
                            if i > 0 { dst[at] = 0x0A; at += 1 }
                            let lo = off[i], len = off[i + 1] - lo
                            if len > 0 { memcpy(dst.baseAddress! + at, src.baseAddress! + lo, len) }
                            at += len
                        }
                    }
                }
            }
        } else {
            var w = ByteWriter(capacity: records.totalBytes + 5 * records.count + 1)
            w.u8(FrameKind.rawPrefixed.rawValue)
            for i in 0..<records.count { w.lengthPrefixed(records[i]) }
            out.append(contentsOf: w.bytes)
        }
    }

    /// The frame's original bytes (each record followed by `\n`) appended to `out`, checked
    /// against `recordCount` like `decode`: restore's path, one copy and no per-record
    /// bookkeeping (a `rawLines` frame is the records already joined by `\n`).
    static func decodeLines(kind: FrameKind, _ bytes: [UInt8], recordCount: Int, into out: inout [UInt8]) throws {
        switch kind {
        case .rawLines:
            if recordCount == 0 {
                guard bytes.count == 1 else { throw TransformError.corruptFrame("raw frame of 0 records has \(bytes.count - 1) payload bytes") }
                return
            }
            let separators = bytes.withUnsafeBytes { b in newlineCount(UnsafeRawBufferPointer(rebasing: b[1...])) }
            guard separators == recordCount - 1 else {
                throw TransformError.corruptFrame("raw frame holds \(separators + 1) records, expected \(recordCount)")
            }
            out.reserveCapacity(out.count + bytes.count)
            bytes.withUnsafeBufferPointer { out.append(contentsOf: UnsafeBufferPointer(rebasing: $0[1...])) }
            out.append(0x0A)
        case .rawPrefixed:
            var r = ByteReader(bytes[1...])
            out.reserveCapacity(out.count + bytes.count)
            do {
                for _ in 0..<recordCount {
                    out.append(contentsOf: try r.lengthPrefixed())
                    out.append(0x0A)
                }
            } catch { throw TransformError.frame(error) }
            guard r.isAtEnd else { throw TransformError.corruptFrame("\(r.remaining) trailing bytes after \(recordCount) records") }
        default:
            throw TransformError.corruptFrame("not a raw frame")
        }
    }

    /// Whether a `rawLines` frame holds exactly `records` (the writer's check), compared in
    /// place; other kinds answer nil (the caller decodes and compares).
    static func restores(_ bytes: [UInt8], exactly records: RecordBatch) -> Bool? {
        guard bytes.first == FrameKind.rawLines.rawValue else { return nil }
        let n = records.count
        if n == 0 { return bytes.count == 1 }
        // Joined by `\n`: the records' bytes plus n − 1 separators, in place.
        guard bytes.count - 1 == records.totalBytes + n - 1 else { return false }
        return bytes.withUnsafeBytes { frame in
            records.bytes.withUnsafeBytes { all in
                records.offsets.withUnsafeBufferPointer { off in
                    var at = 1
                    for i in 0..<n {
                        let lo = off[i], len = off[i + 1] - lo
                        if len > 0, memcmp(frame.baseAddress! + at, all.baseAddress! + lo, len) != 0 { return false }
                        at += len
                        if i + 1 < n {
                            guard frame[at] == 0x0A else { return false }
                            at += 1
                        }
                    }
                    return at == frame.count
                }
            }
        }
    }

    /// `\n` bytes in `text`.
    private static func newlineCount(_ text: UnsafeRawBufferPointer) -> Int {
        guard var p = text.baseAddress else { return 0 }
        let end = p + text.count
        var n = 0
        while p < end, let hit = memchr(p, 0x0A, end - p) {
            n += 1
            p = UnsafeRawPointer(hit) + 1
        }
        return n
    }

    /// Decodes `bytes[1...]` (after the kind byte) of a raw frame.
    static func decode(kind: FrameKind, _ bytes: [UInt8], recordCount: Int) throws -> RecordBatch {
        var out = RecordBatch(reservingBytes: bytes.count, records: recordCount)
        switch kind {
        case .rawLines:
            if recordCount == 0 {
                guard bytes.count == 1 else { throw TransformError.corruptFrame("raw frame of 0 records has \(bytes.count - 1) payload bytes") }
                return out
            }
            var start = 1
            var produced = 0
            try bytes.withUnsafeBufferPointer { b in
                var i = 1
                while i < b.count {
                    if b[i] == 0x0A {
                        guard produced + 1 < recordCount else {
                            throw TransformError.corruptFrame("raw frame holds more than \(recordCount) records")
                        }
                        out.append(UnsafeBufferPointer(rebasing: b[start..<i]))
                        produced += 1
                        start = i + 1
                    }
                    i += 1
                }
                out.append(UnsafeBufferPointer(rebasing: b[start..<b.count]))
                produced += 1
            }
            guard produced == recordCount else {
                throw TransformError.corruptFrame("raw frame holds \(produced) records, expected \(recordCount)")
            }
        case .rawPrefixed:
            var r = ByteReader(bytes[1...])
            do {
                for _ in 0..<recordCount { out.append(try r.lengthPrefixed()) }
            } catch { throw TransformError.frame(error) }
            guard r.isAtEnd else { throw TransformError.corruptFrame("\(r.remaining) trailing bytes after \(recordCount) records") }
        default:
            throw TransformError.corruptFrame("not a raw frame")
        }
        return out
    }
}
