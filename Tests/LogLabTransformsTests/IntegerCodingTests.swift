import Testing
import LogLabCore
@testable import LogLabTransforms

@Suite struct IntegerCodingTests {
    func textForm(_ s: String) -> String? {
        CodingFixture.bytes(s) { p, n in
            guard let x = DecimalText.parse(p, n) else { return nil }
            let out = OutStream()
            DecimalText.render(x.mantissa, format: x.format, head: p + x.headStart, headCount: x.headCount, into: out)
            return String(decoding: out.buffer, as: UTF8.self)
        }
    }

    @Test func numbersKeepTheirTextOrStayText() {
        for s in ["0", "-1", "0.0012521743774414063", "-9223372036854775808", "9223372036854775807", "18446744073709551616",
                  "1.0", "2230.0", "0.50", "\"42\"", "49623735927354776182646864847313121695850829503304564770.0",
                  "-123456789012345678901234567890", "100000000000000000000"] {
            #expect(textForm(s) == s, "\(s)")
        }
        for s in ["-0", "-0.0", "1e400", "1E+2", "01", "1.", ".5", "-", "\"\"", "1.2.3", "0.00000000000000000001", "+1", "1e5", "\"007\""] {
            #expect(textForm(s) == nil, "\(s)")
        }
    }

    /// Values at the edges in a column learned as numbers: those the coding takes and those
    /// it escapes to text (leading zeros, `-0`, exponents, signs, strings) come back alike.
    @Test func columnRoundTripsEveryEdge() throws {
        let training = (0..<64).map { String(1_000 + $0 * 7) }
        try CodingFixture.roundTrip(training: training, kind: .number, values: [
            "1000", "1007", "0", "-0", "-1", "007", "1e5", "1E+2", "-2.5e-3", "1.50", "-9223372036854775808", "9223372036854775807",
            "18446744073709551616", "123456789012345678901234567890123456789012345678901234567890", "-123456789012345678901234567890",
            "99999999999999999999", "100000000000000000000", "\"42\"", "\"\"", "\"-0\"", "null", "true", "\"text\\\"x\"", "1000", "0.0",
        ])
    }

    @Test func longNumbersKeepTheirHeadAcrossValues() throws {
        let training = (0..<64).map { "4962373592735477618264686484731312169585082950330456477\($0 % 10)" }
        try CodingFixture.roundTrip(training: training, kind: .number, values: [
            "49623735927354776182646864847313121695850829503304564770", "49623735927354776182646864847313121695850829503304564779",
            "59623735927354776182646864847313121695850829503304564779", "1", "-49623735927354776182646864847313121695850829503304564770",
            "49623735927354776182646864847313121695850829503304564770.5",
        ])
    }
}
