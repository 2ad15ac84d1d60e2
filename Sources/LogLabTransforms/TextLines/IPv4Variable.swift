/// Dotted IPv4 addresses inside text (`10.251.73.220`): four octets 0…255 without leading
/// zeros, not followed by a digit, a letter or `.digit`.
///
/// Column coding (models of version 6 on): ids into the column's distinct addresses as
/// `WordVariable` codes words (`DistinctIDs`), then each distinct address in 4 bytes, in
/// order of first use: a few clients make most lines. Earlier models: 4 bytes per value.
enum IPv4Variable {
    /// The first octet's dot within its first four bytes: most digit words are no address.
    @inline(__always) static func mayStart(_ p: UnsafePointer<UInt8>, _ i: Int, _ n: Int) -> Bool {
        (i + 1 < n && p[i + 1] == 0x2E) || (i + 2 < n && p[i + 2] == 0x2E) || (i + 3 < n && p[i + 3] == 0x2E)
    }

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

    static func encode(_ vars: ArraySlice<TextVariable>, distinct: Bool, into out: OutStream) {
        guard distinct else {
            for v in vars { put(v.value, into: out) }
            return
        }
        var ids: [Int64: Int] = [:]
        var firsts: [Int64] = []
        for v in vars {
            if let id = ids[v.value] { out.varint(id + 1) } else { ids[v.value] = ids.count; firsts.append(v.value); out.varint(0) }
        }
        for a in firsts { put(a, into: out) }
    }

    @inline(__always) private static func put(_ a: Int64, into out: OutStream) {
        out.put(UInt8(a >> 24 & 0xFF)); out.put(UInt8(a >> 16 & 0xFF))
        out.put(UInt8(a >> 8 & 0xFF)); out.put(UInt8(a & 0xFF))
    }

    static func decode(count: Int, distinct: Bool, _ inp: inout Cursor, into col: inout RenderedColumn) throws {
        guard distinct else {
            for _ in 0..<count { render(try inp.take(4), into: &col) }
            return
        }
        let ids = try DistinctIDs.read(count: count, &inp)
        let addresses = try inp.take(4 * ids.distinct)
        var next = 0
        for x in ids.ids {
            let k: Int
            if x == 0 { k = next; next += 1 } else { k = Int(x) - 1 }
            render(addresses + 4 * k, into: &col)
        }
    }

    @inline(__always) private static func render(_ p: UnsafePointer<UInt8>, into col: inout RenderedColumn) {
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
