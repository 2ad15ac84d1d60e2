import Testing
import LogLabCore
@testable import LogLabTransforms

@Suite struct TokenizerTests {
    func split(_ s: String) -> (shape: [UInt8], values: [String])? {
        let sp = JSONSplitter()
        let bytes = Array(s.utf8)
        return bytes.withUnsafeBytes { raw -> ([UInt8], [String])? in
            guard sp.split(raw) else { return nil }
            let values = (0..<sp.valueCount).map { String(decoding: bytes[Int(sp.valueStart[$0])..<Int(sp.valueEnd[$0])], as: UTF8.self) }
            return (Array(sp.shapeBuffer), values)
        }
    }

    @Test func keepsEverySpellingAndSplicesBack() throws {
        let text = "{ \"a\" : -0.50 ,\"b\\\"\":[1E+2, \"x\\u00e9\\/\" , true,null,{}],\r\n\"c\":{\"d\":false}}\r"
        let r = try #require(split(text))
        #expect(r.values == ["-0.50", "1E+2", "\"x\\u00e9\\/\"", "true", "null", "false"])
        var back: [UInt8] = []
        var k = 0
        for b in r.shape {
            if b == 0 { back.append(contentsOf: Array(r.values[k].utf8)); k += 1 } else { back.append(b) }
        }
        #expect(back == Array(text.utf8))
        let paths = try ShapePaths.paths(of: r.shape).map(ShapePaths.display)
        #expect(paths == ["a", "b\\\"[]", "b\\\"[]", "b\\\"[]", "b\\\"[]", "c.d"])
    }

    @Test func rejectsWhatItCannotRepresent() {
        for bad in ["", "{", "{\"a\":1", "{\"a\":1}}", "{\"a\" 1}", "[1,]x", "{\"a\":\"tab\there\"}", "tru", "{\"a\":nul}",
                    "plain text", "{\"a\":1} {\"b\":2}", String(repeating: "[", count: 200) + String(repeating: "]", count: 200)] {
            #expect(split(bad) == nil, "\(bad)")
        }
        #expect(split("123") != nil)
        #expect(split("\"s\"") != nil)
    }
}

/// The in-place renderers and the short copy against plain reference spellings: every
/// format, dot position, sign and length, so a slip in the pointer arithmetic shows.
@Suite struct RenderKernelTests {
    /// Reference: digits of |m| (at least `minDigits`, zero-padded), a dot before the last `frac`.
    func reference(sign: Bool, digits: String, frac: Int, quoted: Bool) -> String {
        var d = Array(digits)
        if frac > 0 { d.insert(".", at: d.count - frac) }
        let body = (sign ? "-" : "") + String(d)
        return quoted ? "\"" + body + "\"" : body
    }

    func render(_ m: Int64, _ format: Int, head: [UInt8] = []) -> String {
        let out = OutStream(capacity: 16)
        out.put(0x41)   // a byte already there: writes start at the current end
        head.withUnsafeBufferPointer { h in
            DecimalText.render(m, format: format, head: h.baseAddress ?? UnsafePointer(bitPattern: 1)!, headCount: h.count, into: out)
        }
        return String(decoding: out.buffer.dropFirst(), as: UTF8.self)
    }

    @Test func plainNumbersMatchTheReference() {
        var rng = SeededRandom(seed: 13)
        let specials: [Int64] = [0, 1, -1, 9, 10, -10, 99, 100, Int64.max, Int64.min, Int64.min + 1, 1_000_000_000_000_000_000]
        for i in 0..<20_000 {
            let m: Int64 = i < specials.count ? specials[i] : Int64(bitPattern: rng.next()) >> Int64(rng.next() % 64)
            let frac = Int(rng.next() % 20)
            let quoted = rng.next() % 2 == 0
            var digits = String(m.magnitude)
            if digits.count < frac + 1 { digits = String(repeating: "0", count: frac + 1 - digits.count) + digits }
            let want = reference(sign: m < 0, digits: digits, frac: frac, quoted: quoted)
            #expect(render(m, frac + (quoted ? DecimalText.quotedFlag : 0)) == want, "m \(m) frac \(frac)")
        }
    }

    @Test func longNumbersMatchTheReference() {
        var rng = SeededRandom(seed: 14)
        for _ in 0..<5_000 {
            let headCount = 1 + Int(rng.next() % 64)
            var head = (0..<headCount).map { _ in UInt8(0x30 + rng.next() % 10) }
            head[0] = UInt8(0x31 + rng.next() % 9)
            let m = Int64(rng.next() % 1_000_000_000_000_000_000)
            let frac = Int(rng.next() % 20)
            let quoted = rng.next() % 2 == 0, negative = rng.next() % 2 == 0
            var tail = String(m)
            tail = String(repeating: "0", count: 18 - tail.count) + tail
            let want = reference(sign: negative, digits: String(decoding: head, as: UTF8.self) + tail, frac: frac, quoted: quoted)
            let format = frac + DecimalText.longFlag + (quoted ? DecimalText.quotedFlag : 0) + (negative ? DecimalText.negativeLongFlag : 0)
            #expect(render(m, format, head: head) == want, "head \(headCount) frac \(frac)")
        }
    }

    @Test func timestampCacheIsPerColumnAndExact() {
        // Two columns whose stamps alternate between days: rendering through each column's
        // cache gives the same text as rendering without one.
        let texts = ["2021-12-26T00:00:05.881+09:00", "2021-12-25T15:00:05.881Z", "2021-12-26T23:59:59Z",
                     "2021-12-27T00:00:00.000000001Z", "2020-02-29 12:00:00", "1999-12-31t23:59:59.9-00:00"]
        let caches = UnsafeMutablePointer<ISOTimestamp.DateCache>.allocate(capacity: 2)
        caches.initialize(repeating: ISOTimestamp.DateCache(), count: 2)
        defer { caches.deallocate() }
        for round in 0..<3 {
            for (i, t) in texts.enumerated() {
                let b = Array(("\"" + t + "\"").utf8)
                let (v, f) = b.withUnsafeBufferPointer { ISOTimestamp.parse($0.baseAddress!, $0.count)! }
                let cache = caches + ((i + round) % 2)
                let fmt = cache.pointee.format(code: f.code)
                #expect(fmt == f)
                let out = OutStream(capacity: 16)
                ISOTimestamp.renderContent(v, fmt!, into: out, cache: cache, code: f.code)
                #expect(String(decoding: out.buffer, as: UTF8.self) == t)
            }
        }
        var c = ISOTimestamp.DateCache()
        #expect(c.format(code: 1440 * 2 * 5 * 3 * 10) == nil)
        #expect(c.format(code: 150) == nil)   // no zone, yet an offset sign: no format
        #expect(c.format(code: 31) == ISOTimestamp.Format(fraction: 1, separator: 0, zone: 1, negative: 0, offsetMinutes: 0))
    }

    @Test func shortCopiesCopyExactly() {
        let src = (0..<80).map { UInt8($0 + 1) }
        for n in 0...72 {
            var dst = [UInt8](repeating: 0xEE, count: 80)
            src.withUnsafeBufferPointer { s in dst.withUnsafeMutableBufferPointer { copyBytes($0.baseAddress! + 3, s.baseAddress!, n) } }
            #expect(Array(dst[3..<(3 + n)]) == Array(src[0..<n]), "n \(n)")
            #expect(dst[0..<3].allSatisfy { $0 == 0xEE } && dst[(3 + n)...].allSatisfy { $0 == 0xEE }, "n \(n) wrote outside")
        }
    }
}

