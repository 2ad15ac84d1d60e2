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

@Suite struct ValueCodecTests {
    func numberRoundTrip(_ s: String) -> String? {
        let b = Array(s.utf8)
        return b.withUnsafeBufferPointer { p -> String? in
            guard let x = DecimalText.parse(p.baseAddress!, p.count) else { return nil }
            let out = OutStream()
            DecimalText.render(x.mantissa, format: x.format, head: p.baseAddress! + x.headStart, headCount: x.headCount, into: out)
            return String(decoding: out.buffer, as: UTF8.self)
        }
    }

    @Test func numbersKeepTheirTextOrStayText() {
        for s in ["0", "-1", "0.0012521743774414063", "-9223372036854775808", "9223372036854775807", "18446744073709551616",
                  "1.0", "2230.0", "0.50", "\"42\"", "49623735927354776182646864847313121695850829503304564770.0",
                  "-123456789012345678901234567890", "100000000000000000000"] {
            #expect(numberRoundTrip(s) == s, "\(s)")
        }
        for s in ["-0", "-0.0", "1e400", "1E+2", "01", "1.", ".5", "-", "\"\"", "1.2.3", "0.00000000000000000001"] {
            #expect(numberRoundTrip(s) == nil, "\(s)")
        }
    }

    func stampRoundTrip(_ s: String) -> String? {
        let b = Array(("\"" + s + "\"").utf8)
        return b.withUnsafeBufferPointer { p -> String? in
            guard let x = ISOTimestamp.parse(p.baseAddress!, p.count) else { return nil }
            let out = OutStream()
            ISOTimestamp.render(x.value, x.format, into: out)
            let r = String(decoding: out.buffer, as: UTF8.self)
            return String(r.dropFirst().dropLast())
        }
    }

    @Test func timestampsKeepTheirTextOrStayText() {
        for s in ["2021-12-26T15:10:59.884+09:00", "2021-12-26T06:10:59.884Z", "2018-03-24T17:15:20.866586Z", "2021-12-26T15:11:04Z",
                  "2021-12-26 15:11:04", "2020-02-29T00:00:00-05:30", "2021-12-26T15:11:04.000000001z", "1970-01-01T00:00:00+0000",
                  "1999-12-31t23:59:59.9-00:00"] {
            #expect(stampRoundTrip(s) == s, "\(s)")
        }
        for s in ["2021-02-29T00:00:00Z", "2021-12-26T24:00:00Z", "2021-12-26T15:11:60Z", "2021-12-26T15:11:04.Z",
                  "2021-12-26T15:11:04+09:60", "2021-13-01T00:00:00Z", "1600-01-01T00:00:00Z", "2021-12-26T15:11:04 ",
                  "2021-12-26T15:11:04.1234567890Z", "2021-12-26"] {
            #expect(stampRoundTrip(s) == nil, "\(s)")
        }
    }

    @Test func uuidsKeepCaseAndLayout() {
        for s in ["e085f380-dd96-11eb-a904-599414fa8c5e2319", "E085F380-DD96-11EB-A904-599414FA8C5E", "e085f380dd9611eba904599414fa8c5e",
                  "00000000-0000-0000-0000-000000000000", "e085f380-dd96-11eb-a904-599414fa8c5e\\\"x"] {
            let b = Array(("\"" + s + "\"").utf8)
            let back: String? = b.withUnsafeBufferPointer { p in
                let bytes = UnsafeMutablePointer<UInt8>.allocate(capacity: 16)
                defer { bytes.deallocate() }
                guard let (layout, start) = UUIDText.parse(p.baseAddress!, p.count, bytes: bytes) else { return nil }
                let out = OutStream()
                UUIDText.render(layout: layout, bytes: bytes, suffix: p.baseAddress! + start, suffixCount: p.count - 1 - start, into: out)
                return String(decoding: out.buffer, as: UTF8.self)
            }
            #expect(back == "\"" + s + "\"", "\(s)")
        }
        let mixed = Array("\"e085F380-dd96-11eb-a904-599414fa8c5e\"".utf8)
        mixed.withUnsafeBufferPointer { p in
            let bytes = UnsafeMutablePointer<UInt8>.allocate(capacity: 16)
            defer { bytes.deallocate() }
            #expect(UUIDText.parse(p.baseAddress!, p.count, bytes: bytes) == nil)
        }
    }
}
