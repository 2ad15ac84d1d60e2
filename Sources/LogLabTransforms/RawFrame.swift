import LogLabCore

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
        var hasNewline = false
        records.bytes.withUnsafeBufferPointer { b in
            for x in b where x == 0x0A { hasNewline = true; break }
        }
        if !hasNewline {
            out.reserveCapacity(out.count + records.totalBytes + records.count + 1)
            out.append(FrameKind.rawLines.rawValue)
            for i in 0..<records.count {
                if i > 0 { out.append(0x0A) }
                out.append(contentsOf: records[i])
            }
        } else {
            var w = ByteWriter(capacity: records.totalBytes + 5 * records.count + 1)
            w.u8(FrameKind.rawPrefixed.rawValue)
            for i in 0..<records.count { w.lengthPrefixed(records[i]) }
            out.append(contentsOf: w.bytes)
        }
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
