/// UUIDs inside text (`38101a0b-2096-447d-96ea-a692162415ae`), all letters of one case, not
/// followed by an alphanumeric byte. Column coding: `u8 upper` + 16 bytes per value.
enum UUIDVariable {
    static let length = 36

    static func match(_ p: UnsafePointer<UInt8>, _ i: Int, _ n: Int) -> Bool? {
        // Most words are no UUID: the dashes reject them before the digits are read.
        guard n - i >= length, p[i + 8] == 0x2D, p[i + 13] == 0x2D, p[i + 18] == 0x2D, p[i + 23] == 0x2D else { return nil }
        var lower = false, upper = false
        for k in 0..<length {
            let b = p[i + k]
            if k == 8 || k == 13 || k == 18 || k == 23 {
                guard b == 0x2D else { return nil }
                continue
            }
            guard let (_, c) = hexNibble(b) else { return nil }
            if c == 1 { lower = true } else if c == 2 { upper = true }
        }
        guard !(lower && upper) else { return nil }
        if i + length < n && isAlnum(p[i + length]) { return nil }
        return upper
    }

    static func encode(_ vars: ArraySlice<TextVariable>, base: UnsafePointer<UInt8>, into out: OutStream) {
        for v in vars {
            out.put(UInt8(v.aux))
            let p = base + v.start
            var hi: UInt8 = 0, half = false
            for k in 0..<length where p[k] != 0x2D {
                let x = hexNibble(p[k])!.value
                if half { out.put(hi << 4 | x) } else { hi = x }
                half.toggle()
            }
        }
    }

    static func decode(count: Int, _ inp: inout Cursor, into col: inout RenderedColumn) throws {
        for _ in 0..<count {
            let upper = try inp.u8()
            guard upper <= 1 else { throw TransformError.corruptFrame("bad uuid case") }
            let alpha: UInt8 = upper == 1 ? 0x41 : 0x61
            let p = try inp.take(16)
            for k in 0..<16 {
                if k == 4 || k == 6 || k == 8 || k == 10 { col.bytes.put(0x2D) }
                let hi = p[k] >> 4, lo = p[k] & 0x0F
                col.bytes.put(hi < 10 ? 0x30 + hi : alpha + hi - 10)
                col.bytes.put(lo < 10 ? 0x30 + lo : alpha + lo - 10)
            }
            col.close()
        }
    }
}
