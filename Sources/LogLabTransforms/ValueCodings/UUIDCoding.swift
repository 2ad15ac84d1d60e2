import LogLabCore

/// UUIDs (the `uuid` transform): `varint layout` (0 = escape, text follows), 16 bytes, the
/// suffix bytes (see `UUIDText`).
enum UUIDCoding: ValueCoding {
    static let kind = ValueKind.uuid
    static let transform: TransformKind? = .uuid

    static func transformName(_ spec: ColumnSpec, alone: Bool) -> String? { "uuid" }

    static func choose(_ sample: CodingSample) -> CodingChoice? {
        var costs = [Int](repeating: 0, count: sample.count)
        let bytes = UnsafeMutablePointer<UInt8>.allocate(capacity: 16)
        defer { bytes.deallocate() }
        for i in 0..<sample.count {
            let (p, n) = sample.token(i)
            if let (layout, s) = UUIDText.parse(p, n, bytes: bytes) { costs[i] = varintSize(layout) + 16 + (n - 1 - s) } else { costs[i] = 1 + sample.textCosts[i] }
        }
        return CodingChoice(kind, costs: costs)
    }

    static func validate(_ spec: ColumnSpec) throws {
        try requireNoTextCodings(spec, lookup: true)
    }

    @_transparent
    static func encode(_ st: FieldCoderState, _ c: Int, _ col: UnsafeMutablePointer<ColumnRT>,
                       _ p: UnsafePointer<UInt8>, _ n: Int, into out: OutStream, gen: UInt32) -> Bool {
        guard let (layout, sStart) = UUIDText.parse(p, n, bytes: st.uuidBytes) else {
            out.put(0); TextCoding.write(p, n, into: out); return true
        }
        out.varint(layout)
        out.put(UnsafePointer(st.uuidBytes), 16)
        out.put(p + sStart, n - 1 - sStart)
        return false
    }

    @_transparent
    static func decode(_ st: FieldCoderState, _ c: Int, _ col: UnsafeMutablePointer<ColumnRT>, _ inp: inout Cursor,
                       into target: OutStream, gen: UInt32, render: Bool, _ value: inout FieldCoderState.CodedValue) throws -> Bool {
        let layout = try inp.varint()
        if layout == 0 { try TextCoding.read(&inp, into: target); return false }
        let bytes = try inp.take(16)
        guard (layout - 1) >> 2 <= UInt64(inp.remaining) else { throw TransformError.corruptFrame("uuid suffix runs past its stream") }
        let suffixLen = Int((layout - 1) >> 2)
        let suffix = try inp.take(suffixLen)
        UUIDText.render(layout: layout, bytes: bytes, suffix: suffix, suffixCount: suffixLen, into: target)
        return false
    }
}

// MARK: - the text form

/// A string token holding a UUID (`8-4-4-4-12` hex, or 32 hex digits) followed by any
/// suffix, as 16 bytes, the suffix, and a layout: `1 + upper + 2·undashed + 4·suffixLength`
/// (0 is the caller's escape). Mixed-case UUIDs stay text.
enum UUIDText {
    @inline(__always) static func hexValue(_ c: UInt8) -> (UInt8, Int)? {  // value, case (0 digit, 1 lower, 2 upper)
        switch c {
        case 0x30...0x39: return (c - 0x30, 0)
        case 0x61...0x66: return (c - 0x61 + 10, 1)
        case 0x41...0x46: return (c - 0x41 + 10, 2)
        default: return nil
        }
    }

    /// Returns the layout and writes the 16 bytes to `bytes`; suffix is `token[suffixStart ..< n-1]`.
    @inline(__always)
    static func parse(_ p: UnsafePointer<UInt8>, _ n: Int, bytes: UnsafeMutablePointer<UInt8>) -> (layout: UInt64, suffixStart: Int)? {
        guard n >= 34, p[0] == 0x22, p[n - 1] == 0x22 else { return nil }
        let len = n - 2
        let c = p + 1
        let dashed = len >= 36 && c[8] == 0x2D && c[13] == 0x2D && c[18] == 0x2D && c[23] == 0x2D
        var seen = 0
        var i = 0
        var k = 0
        while k < 32 {
            if dashed && (i == 8 || i == 13 || i == 18 || i == 23) { i += 1 }
            guard i + 1 < len, let (a, ca) = hexValue(c[i]), let (b, cb) = hexValue(c[i + 1]) else { return nil }
            seen |= (1 << ca) | (1 << cb)
            bytes[k / 2] = a << 4 | b
            i += 2; k += 2
        }
        if seen & 6 == 6 { return nil }
        let upper: UInt64 = seen & 4 != 0 ? 1 : 0
        let suffixLen = len - i
        return (1 + upper + (dashed ? 0 : 2) + 4 * UInt64(suffixLen), i + 1)
    }

    /// "00" … "ff" and "00" … "FF".
    static let hexPairsLower: StaticString = "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f202122232425262728292a2b2c2d2e2f303132333435363738393a3b3c3d3e3f404142434445464748494a4b4c4d4e4f505152535455565758595a5b5c5d5e5f606162636465666768696a6b6c6d6e6f707172737475767778797a7b7c7d7e7f808182838485868788898a8b8c8d8e8f909192939495969798999a9b9c9d9e9fa0a1a2a3a4a5a6a7a8a9aaabacadaeafb0b1b2b3b4b5b6b7b8b9babbbcbdbebfc0c1c2c3c4c5c6c7c8c9cacbcccdcecfd0d1d2d3d4d5d6d7d8d9dadbdcdddedfe0e1e2e3e4e5e6e7e8e9eaebecedeeeff0f1f2f3f4f5f6f7f8f9fafbfcfdfeff"
    static let hexPairsUpper: StaticString = "000102030405060708090A0B0C0D0E0F101112131415161718191A1B1C1D1E1F202122232425262728292A2B2C2D2E2F303132333435363738393A3B3C3D3E3F404142434445464748494A4B4C4D4E4F505152535455565758595A5B5C5D5E5F606162636465666768696A6B6C6D6E6F707172737475767778797A7B7C7D7E7F808182838485868788898A8B8C8D8E8F909192939495969798999A9B9C9D9E9FA0A1A2A3A4A5A6A7A8A9AAABACADAEAFB0B1B2B3B4B5B6B7B8B9BABBBCBDBEBFC0C1C2C3C4C5C6C7C8C9CACBCCCDCECFD0D1D2D3D4D5D6D7D8D9DADBDCDDDEDFE0E1E2E3E4E5E6E7E8E9EAEBECEDEEEFF0F1F2F3F4F5F6F7F8F9FAFBFCFDFEFF"

    static func render(layout: UInt64, bytes: UnsafePointer<UInt8>, suffix: UnsafePointer<UInt8>, suffixCount: Int, into out: OutStream) {
        let l = layout - 1
        let upper = l & 1 != 0
        let dashed = l & 2 == 0
        // Written in place: quote, 32 digits (a byte's two from a table at once), 4 dashes,
        // the suffix, quote.
        let pairs = UnsafeRawPointer((upper ? hexPairsUpper : hexPairsLower).utf8Start)
        out.reserve(40 + suffixCount)
        let b = out.base + out.count
        b[0] = 0x22
        var k = 1
        for j in 0..<16 {
            if dashed && (j == 4 || j == 6 || j == 8 || j == 10) { b[k] = 0x2D; k += 1 }
            UnsafeMutableRawPointer(b + k).storeBytes(of: pairs.loadUnaligned(fromByteOffset: Int(bytes[j]) &* 2, as: UInt16.self), as: UInt16.self)
            k += 2
        }
        copyBytes(b + k, suffix, suffixCount)
        k += suffixCount
        b[k] = 0x22
        out.h.pointee.count += k + 1
    }
}
