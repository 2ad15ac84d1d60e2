import Foundation   // log2 for entropy estimates (learning only)
import LogLabCore

/// Text: `varint (len << 1 | isString)` + bytes, a string's contents without their quotes.
/// Every other coding escapes to it a token it cannot take, so every byte is kept.
enum TextCoding: ValueCoding {
    static let kind = ValueKind.text
    static let transform: TransformKind? = nil

    static func transformName(_ spec: ColumnSpec, alone: Bool) -> String? {
        spec.embedded != nil ? "timestamp(embedded)" : alone ? "text" : nil
    }

    // MARK: the text form (also every coding's escape)

    @inline(__always) static func write(_ p: UnsafePointer<UInt8>, _ n: Int, into out: OutStream) {
        if n >= 2 && p[0] == 0x22 && p[n - 1] == 0x22 {
            out.varint(UInt64(n - 2) << 1 | 1)
            out.put(p + 1, n - 2)
        } else {
            out.varint(UInt64(n) << 1)
            out.put(p, n)
        }
    }

    @inline(__always) static func read(_ inp: inout Cursor, into out: OutStream) throws {
        let x = try inp.varint()
        guard x >> 1 <= UInt64(inp.remaining) else { throw TransformError.corruptFrame("text runs past its stream") }
        let len = Int(x >> 1)
        let p = try inp.take(len)
        if x & 1 == 1 {
            out.reserve(len + 2)
            out.put(0x22); out.put(p, len); out.put(0x22)
        } else {
            out.put(p, len)
        }
    }

    /// What `write` makes of a token, in bytes.
    static func cost(_ p: UnsafePointer<UInt8>, _ n: Int) -> Int {
        let len = (n >= 2 && p[0] == 0x22 && p[n - 1] == 0x22) ? n - 2 : n
        return len + varintSize(UInt64(len) << 1)
    }

    /// A token as a frame holds it: a string's contents without its quotes.
    static func contents<C: Collection>(_ token: C) -> [UInt8] where C.Element == UInt8 {
        token.count >= 2 && token.first == 0x22 && token.dropFirst(token.count - 1).first == 0x22
            ? Array(token.dropFirst().dropLast()) : Array(token)
    }

    // MARK: learning

    static func choose(_ sample: CodingSample) -> CodingChoice? {
        CodingChoice(kind, costs: sample.textCosts)
    }

    /// Order-0 entropy, in bits, of the first `limit` values' bytes as text (lengths
    /// included): what an entropy coder would make of them.
    static func entropyBits(_ sample: CodingSample, limit: Int) -> Double {
        var counts = [Int](repeating: 0, count: 256)
        for i in 0..<min(sample.count, limit) {
            let (p, n) = sample.token(i)
            let s = (n >= 2 && p[0] == 0x22) ? 1 : 0
            counts[min(n, 127)] += 1
            for i in s..<(n - s) { counts[Int(p[i])] += 1 }
        }
        return entropyBits(counts)
    }

    /// Order-0 entropy of a byte histogram, in bits.
    static func entropyBits(_ counts: [Int]) -> Double {
        let n = Double(counts.reduce(0, +))
        guard n > 0 else { return 0 }
        var bits = 0.0
        for c in counts where c > 0 { bits += Double(c) * log2(n / Double(c)) }
        return bits
    }

    // MARK: model

    static func validate(_ spec: ColumnSpec) throws {
        if spec.embedded != nil {
            guard TimestampCoding.validReference(spec.initValue, format: spec.initFormat) else {
                throw TransformError.corruptModel("bad embedded timestamp settings")
            }
        }
    }

    // MARK: values

    @_transparent
    static func encode(_ st: FieldCoderState, _ c: Int, _ col: UnsafeMutablePointer<ColumnRT>,
                       _ p: UnsafePointer<UInt8>, _ n: Int, into out: OutStream, gen: UInt32) -> Bool {
        write(p, n, into: out)
        return false
    }

    @_transparent
    static func decode(_ st: FieldCoderState, _ c: Int, _ col: UnsafeMutablePointer<ColumnRT>, _ inp: inout Cursor,
                       into target: OutStream, gen: UInt32, render: Bool, _ value: inout FieldCoderState.CodedValue) throws -> Bool {
        try read(&inp, into: target)
        return false
    }
}
