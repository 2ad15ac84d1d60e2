import Testing
import LogLabCore
@testable import LogLabTransforms

@Suite struct TextCodingTests {
    /// Text is every coding's escape: strings (quotes dropped and put back), bare tokens,
    /// escapes and empty strings.
    @Test func writeAndReadAreInverse() throws {
        for s in ["\"\"", "\"a\"", "\"x\\\"y\\\\\"", "\"\\u00e9\\n\"", "true", "null", "-0", "1e5", "\"", "\"\"\"", "{}", "[]"] {
            let out = OutStream()
            let b = Array(s.utf8)
            b.withUnsafeBufferPointer { TextCoding.write($0.baseAddress!, $0.count, into: out) }
            #expect(out.count == b.withUnsafeBufferPointer { TextCoding.cost($0.baseAddress!, $0.count) }, "\(s)")
            let bytes = Array(out.buffer)
            let back = OutStream()
            try bytes.withUnsafeBufferPointer { buf in
                var c = Cursor(buf.baseAddress!, 0, buf.count)
                try TextCoding.read(&c, into: back)
                #expect(c.isAtEnd)
            }
            #expect(Array(back.buffer) == b, "\(s)")
        }
    }

    @Test func truncatedTextIsAnError() {
        let bytes: [UInt8] = [UInt8(10 << 1 | 1), 0x61, 0x62]
        bytes.withUnsafeBufferPointer { buf in
            var c = Cursor(buf.baseAddress!, 0, buf.count)
            #expect(throws: TransformError.self) { try TextCoding.read(&c, into: OutStream()) }
        }
    }

    @Test func columnRoundTripsOddStrings() throws {
        let training = (0..<64).map { "\"user \($0 * 37) said \\\"hi\\\"\"" }
        try CodingFixture.roundTrip(training: training, kind: .text, values: [
            "\"\"", "\"a\"", "\"x\\\"y\\\\\"", "\"\\u00e9\\n\\t\"", "\"héllo wörld\"", "\"\\u0000\"", "true", "null", "-0", "1e5", "{}",
            "[]", "\"" + String(repeating: "x", count: 5000) + "\"",
        ])
    }
}
