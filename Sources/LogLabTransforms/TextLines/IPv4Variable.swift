/// Dotted IPv4 addresses inside text (`10.251.73.220`): four octets 0…255 without leading
/// zeros, not followed by a digit, a letter or `.digit`. Column coding: 4 bytes per value.
enum IPv4Variable {
    static func match(_ p: UnsafePointer<UInt8>, _ i: Int, _ n: Int) -> (value: Int64, length: Int)? {
        var j = i
        var addr: Int64 = 0
        for octet in 0..<4 {
            if octet > 0 {
                guard j < n, p[j] == 0x2E else { return nil }
                j += 1
            }
            let s = j
            var v = 0
            while j < n, isDigit(p[j]), j - s < 3 { v = v * 10 + Int(p[j] - 0x30); j += 1 }
            guard j > s, v <= 255, !(j - s > 1 && p[s] == 0x30) else { return nil }
            addr = addr << 8 | Int64(v)
        }
        if j < n && (isAlnum(p[j]) || (p[j] == 0x2E && j + 1 < n && isDigit(p[j + 1]))) { return nil }
        return (addr, j - i)
    }

    static func encode(_ vars: ArraySlice<TextVariable>, into out: OutStream) {
        for v in vars {
            out.put(UInt8(v.value >> 24 & 0xFF)); out.put(UInt8(v.value >> 16 & 0xFF))
            out.put(UInt8(v.value >> 8 & 0xFF)); out.put(UInt8(v.value & 0xFF))
        }
    }

    static func decode(count: Int, _ inp: inout Cursor, into col: inout RenderedColumn) throws {
        for _ in 0..<count {
            let p = try inp.take(4)
            for k in 0..<4 {
                if k > 0 { col.bytes.put(0x2E) }
                let v = p[k]
                if v >= 100 { col.bytes.put(0x30 + v / 100) }
                if v >= 10 { col.bytes.put(0x30 + v / 10 % 10) }
                col.bytes.put(0x30 + v % 10)
            }
            col.close()
        }
    }
}
