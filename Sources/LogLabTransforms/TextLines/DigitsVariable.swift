/// Digit runs too long (or too large) for `IntegerVariable`: kept as their digits.
/// Column coding per value: `varint length` + the digits.
enum DigitsVariable {
    static let maxLength = 1 << 16

    static func match(_ p: UnsafePointer<UInt8>, _ i: Int, _ n: Int) -> Int {
        var j = i
        while j < n, isDigit(p[j]), j - i < maxLength { j += 1 }
        return j - i
    }

    static func encode(_ vars: ArraySlice<TextVariable>, base: UnsafePointer<UInt8>, into out: OutStream) {
        for v in vars { out.varint(v.length); out.put(base + v.start, v.length) }
    }

    static func decode(count: Int, _ inp: inout Cursor, into col: inout RenderedColumn) throws {
        for _ in 0..<count {
            let len = try inp.count(limit: maxLength)
            let p = try inp.take(len)
            for k in 0..<len where !isDigit(p[k]) { throw TransformError.corruptFrame("non-digit in a digit run") }
            col.bytes.put(p, len)
            col.close()
        }
    }
}
