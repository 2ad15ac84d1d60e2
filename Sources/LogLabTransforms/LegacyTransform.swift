import LogLabCore

/// `legacy`: the string transforms of the earlier attempts, kept to compare against.
/// Text-level, not field-aware: inside every JSON string of a record,
/// * a leading lowercase UUID becomes `0x01` + its 16 bytes in 22 base64url characters;
/// * a whole string found in a learned table of URLs and HTTP methods becomes `0x02` + a
///   two-character index;
/// * a leading `YYYY-MM-DDTHH:MM:SS` becomes `0x05` + its 14 digits.
/// A record that already holds a byte 0x01…0x06 is prefixed by `0x06` and left as is. The
/// transformed records are then framed like `none` (inside a kind-4 frame).
final class LegacyTable: Sendable {
    static let maxEntries = 64 * 64
    let table: ByteTable

    init(table: ByteTable) { self.table = table }

    static func learn(from training: RecordBatch) -> LegacyTable {
        var counts: [[UInt8]: Int] = [:]
        let n = min(training.count, 30_000)
        for r in 0..<n {
            let rec = Array(training[r])
            forEachString(rec) { s, e in
                let len = e - s
                guard len >= 3 else { return }
                let isURL = len >= 8 && rec[s] == 0x68 && rec[s + 1] == 0x74 && rec[s + 2] == 0x74 && rec[s + 3] == 0x70
                let isMethod = len <= 7 && rec[s..<e].allSatisfy { $0 >= 0x41 && $0 <= 0x5A }
                if isURL || isMethod { counts[Array(rec[s..<e]), default: 0] += 1 }
            }
        }
        let keep = counts.filter { $0.value >= 2 }.sorted { $0.value != $1.value ? $0.value > $1.value : $0.key.lexicographicallyPrecedes($1.key) }
        return LegacyTable(table: ByteTable(keep.prefix(maxEntries).map(\.key)))
    }

    /// Calls `body(start, end)` with the content range of every string in `rec`.
    static func forEachString(_ rec: [UInt8], _ body: (Int, Int) -> Void) {
        var i = 0
        while i < rec.count {
            if rec[i] == 0x22 {
                var j = i + 1
                while j < rec.count && rec[j] != 0x22 { j += rec[j] == 0x5C ? 2 : 1 }
                if j >= rec.count { return }
                body(i + 1, j)
                i = j + 1
            } else {
                i += 1
            }
        }
    }

    func write(to w: inout ByteWriter) {
        w.varint(table.count)
        for i in 0..<table.count { w.lengthPrefixed(table.key(i)) }
    }

    static func read(from r: inout ByteReader) throws -> LegacyTable {
        let n = try r.count(limit: maxEntries)
        var t = ByteTable()
        for _ in 0..<n {
            let before = t.count
            guard t.insert(try r.lengthPrefixed()) == before else { throw TransformError.corruptModel("duplicate legacy entry") }
        }
        return LegacyTable(table: t)
    }

    static let b64: [UInt8] = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_".utf8)
    static let b64Index: [Int8] = {
        var t = [Int8](repeating: -1, count: 256)
        for (i, c) in b64.enumerated() { t[Int(c)] = Int8(i) }
        return t
    }()

    func transform(_ rec: [UInt8]) -> [UInt8] {
        if rec.contains(where: { $0 >= 1 && $0 <= 6 }) { return [6] + rec }
        var out: [UInt8] = []
        out.reserveCapacity(rec.count)
        var last = 0
        Self.forEachString(rec) { s, e in
            out.append(contentsOf: rec[last..<s])
            last = s
            let len = e - s
            if let id = table.find(rec[s..<e]) {
                out.append(2); out.append(Self.b64[id / 64]); out.append(Self.b64[id % 64])
                last = e
                return
            }
            var bytes = [UInt8](repeating: 0, count: 16)
            let isUUID: Bool = len >= 36 && bytes.withUnsafeMutableBufferPointer { ub in
                rec.withUnsafeBufferPointer { rb -> Bool in
                    // Reuse the uuid parser on a synthetic token: `"` + 36 chars + `"`.
                    var tok = [UInt8](repeating: 0x22, count: 38)
                    for k in 0..<36 { tok[k + 1] = rb[s + k] }
                    return tok.withUnsafeBufferPointer { t in
                        guard let (layout, _) = UUIDText.parse(t.baseAddress!, 38, bytes: ub.baseAddress!) else { return false }
                        return layout == 1   // lowercase, dashed, no suffix inside the 36
                    }
                }
            }
            if isUUID {
                out.append(1)
                var acc: UInt32 = 0, bits = 0
                for b in bytes {
                    acc = acc << 8 | UInt32(b); bits += 8
                    while bits >= 6 { bits -= 6; out.append(Self.b64[Int(acc >> UInt32(bits)) & 63]) }
                }
                if bits > 0 { out.append(Self.b64[Int(acc << UInt32(6 - bits)) & 63]) }
                last = s + 36
                return
            }
            if len >= 19 {
                let d = rec[s..<(s + 19)]
                let digitsAt = [0, 1, 2, 3, 5, 6, 8, 9, 11, 12, 14, 15, 17, 18]
                let punct: [(Int, UInt8)] = [(4, 0x2D), (7, 0x2D), (10, 0x54), (13, 0x3A), (16, 0x3A)]
                if digitsAt.allSatisfy({ d[s + $0] >= 0x30 && d[s + $0] <= 0x39 }) && punct.allSatisfy({ d[s + $0.0] == $0.1 }) {
                    out.append(5)
                    for k in digitsAt { out.append(d[s + k]) }
                    last = s + 19
                }
            }
        }
        out.append(contentsOf: rec[last...])
        return out
    }

    func restore(_ t: ArraySlice<UInt8>) throws -> [UInt8] {
        if t.first == 6 { return Array(t.dropFirst()) }
        var out: [UInt8] = []
        out.reserveCapacity(t.count * 2)
        var i = t.startIndex
        func need(_ n: Int) throws { guard t.endIndex - i >= n else { throw TransformError.corruptFrame("legacy marker truncated") } }
        while i < t.endIndex {
            let b = t[i]
            switch b {
            case 1:
                try need(23)
                var acc: UInt32 = 0, bits = 0
                var bytes: [UInt8] = []
                for k in 1...22 {
                    let v = Self.b64Index[Int(t[i + k])]
                    guard v >= 0 else { throw TransformError.corruptFrame("bad base64 in legacy uuid") }
                    acc = acc << 6 | UInt32(v); bits += 6
                    if bits >= 8 { bits -= 8; bytes.append(UInt8(truncatingIfNeeded: acc >> UInt32(bits))) }
                }
                let hex = Array("0123456789abcdef".utf8)
                for (j, x) in bytes.prefix(16).enumerated() {
                    if j == 4 || j == 6 || j == 8 || j == 10 { out.append(0x2D) }
                    out.append(hex[Int(x >> 4)]); out.append(hex[Int(x & 15)])
                }
                i += 23
            case 2:
                try need(3)
                let hi = Self.b64Index[Int(t[i + 1])], lo = Self.b64Index[Int(t[i + 2])]
                guard hi >= 0, lo >= 0, Int(hi) * 64 + Int(lo) < table.count else { throw TransformError.corruptFrame("bad legacy table index") }
                out.append(contentsOf: table.key(Int(hi) * 64 + Int(lo)))
                i += 3
            case 5:
                try need(15)
                let dg = Array(t[(i + 1)...(i + 14)])
                out.append(contentsOf: dg[0..<4]); out.append(0x2D); out.append(contentsOf: dg[4..<6]); out.append(0x2D)
                out.append(contentsOf: dg[6..<8]); out.append(0x54); out.append(contentsOf: dg[8..<10]); out.append(0x3A)
                out.append(contentsOf: dg[10..<12]); out.append(0x3A); out.append(contentsOf: dg[12..<14])
                i += 15
            case 3, 4, 6:
                throw TransformError.corruptFrame("unexpected legacy marker \(b)")
            default:
                out.append(b); i += 1
            }
        }
        return out
    }

    func encode(_ records: RecordBatch, into out: inout [UInt8]) {
        var t = RecordBatch(reservingBytes: records.totalBytes, records: records.count)
        for i in 0..<records.count { t.append(transform(Array(records[i]))) }
        out.append(FrameKind.legacy.rawValue)
        RawFrame.encode(t, into: &out)
    }

    func decode(_ bytes: [UInt8], recordCount: Int) throws -> RecordBatch {
        let inner = Array(bytes.dropFirst())
        guard let k = inner.first, let kind = FrameKind(rawValue: k), kind == .rawLines || kind == .rawPrefixed else {
            throw TransformError.corruptFrame("bad legacy frame")
        }
        let t = try RawFrame.decode(kind: kind, inner, recordCount: recordCount)
        var out = RecordBatch(reservingBytes: t.totalBytes * 2, records: recordCount)
        for i in 0..<t.count { out.append(try restore(t[i])) }
        return out
    }
}
