/// Hexadecimal runs inside text: after `0x`/`0X` (any length), or a word of 8 or more hex
/// digits mixing digits and letters, all letters of one case (`3a99c3da`, `DEADBEEF01`).
///
/// Column coding per value: `varint (digitCount << 1 | upper)` then the digits packed two
/// per byte (high nibble first; an odd count pads the last low nibble with 0).
enum HexVariable {
    static let minimumWordLength = 8
    static let maxLength = 1 << 16

    /// A hex run at `p[i]` ending at a non-alphanumeric byte; `prefixed` after `0x`.
    static func match(_ p: UnsafePointer<UInt8>, _ i: Int, _ n: Int, prefixed: Bool) -> (length: Int, upper: Bool)? {
        var j = i
        var letters = 0, digits = 0, lower = false, upper = false
        while j < n, let (_, c) = hexNibble(p[j]) {
            if c == 0 { digits += 1 } else { letters += 1; if c == 1 { lower = true } else { upper = true } }
            j += 1
            if j - i > maxLength { return nil }
        }
        let len = j - i
        guard len > 0, !(lower && upper) else { return nil }
        if j < n && isAlnum(p[j]) { return nil }
        if !prefixed && (len < minimumWordLength || letters == 0 || digits == 0) { return nil }
        return (len, upper)
    }

    static func encode(_ vars: ArraySlice<TextVariable>, base: UnsafePointer<UInt8>, into out: OutStream) {
        for v in vars {
            out.varint(v.length << 1 | v.aux)
            let p = base + v.start
            var k = 0
            while k < v.length {
                let hi = hexNibble(p[k])!.value
                let lo = k + 1 < v.length ? hexNibble(p[k + 1])!.value : 0
                out.put(hi << 4 | lo)
                k += 2
            }
        }
    }

    static func decode(count: Int, _ inp: inout Cursor, into col: inout RenderedColumn) throws {
        for _ in 0..<count {
            let x = try inp.varint()
            let len = Int(x >> 1)
            guard len > 0, len <= maxLength else { throw TransformError.corruptFrame("bad hex length") }
            let alpha: UInt8 = x & 1 == 1 ? 0x41 : 0x61
            let p = try inp.take((len + 1) / 2)
            col.bytes.reserve(len)
            for k in 0..<len {
                let nib = k & 1 == 0 ? p[k >> 1] >> 4 : p[k >> 1] & 0x0F
                col.bytes.put(nib < 10 ? 0x30 + nib : alpha + nib - 10)
            }
            if len & 1 == 1 && p[len >> 1] & 0x0F != 0 { throw TransformError.corruptFrame("bad hex padding") }
            col.close()
        }
    }
}
