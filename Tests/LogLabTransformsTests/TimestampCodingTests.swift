import Testing
import LogLabCore
@testable import LogLabTransforms

@Suite struct TimestampCodingTests {
    func textForm(_ s: String) -> String? {
        CodingFixture.bytes("\"" + s + "\"") { p, n in
            guard let x = ISOTimestamp.parse(p, n) else { return nil }
            let out = OutStream()
            ISOTimestamp.render(x.value, x.format, into: out)
            return String(String(decoding: out.buffer, as: UTF8.self).dropFirst().dropLast())
        }
    }

    /// The constant-divisor floor division agrees with a quotient corrected by its remainder
    /// everywhere, negative values and the extremes included.
    @Test func floorDivisionByPowersOfTen() {
        var values: [Int64] = [0, 1, -1, 9, -9, 10, -10, 11, -11, .max, .min, .max - 1, .min + 1]
        var p: Int64 = 1
        for _ in 0...18 {
            values += [p, -p, p - 1, 1 - p, p + 1, -p - 1]
            p = p &* 10
        }
        var rng = SystemRandomNumberGenerator()
        values += (0..<2000).map { _ in Int64.random(in: .min ... .max, using: &rng) >> Int64.random(in: 0...62, using: &rng) }
        for k in 0...9 {
            for a in values {
                let b = ISOTimestamp.pow10[k], q = a / b
                #expect(ISOTimestamp.floorDivPow10(a, k) == (a % b != 0 && a < 0 ? q - 1 : q), "\(a) / 10^\(k)")
            }
        }
    }

    @Test func timestampsKeepTheirTextOrStayText() {
        for s in ["2021-12-26T15:10:59.884+09:00", "2021-12-26T06:10:59.884Z", "2018-03-24T17:15:20.866586Z", "2021-12-26T15:11:04Z",
                  "2021-12-26 15:11:04", "2020-02-29T00:00:00-05:30", "2021-12-26T15:11:04.000000001z", "1970-01-01T00:00:00+0000",
                  "1999-12-31t23:59:59.9-00:00"] {
            #expect(textForm(s) == s, "\(s)")
        }
        for s in ["2021-02-29T00:00:00Z", "2021-12-26T24:00:00Z", "2021-12-26T15:11:60Z", "2021-12-26T15:11:04.Z",
                  "2021-12-26T15:11:04+09:60", "2021-13-01T00:00:00Z", "1600-01-01T00:00:00Z", "2021-12-26T15:11:04 ",
                  "2021-12-26T15:11:04.1234567890Z", "2021-12-26"] {
            #expect(textForm(s) == nil, "\(s)")
        }
    }

    /// Several layouts in one column (each value states its format when it changes), far
    /// from the reference, and the escapes.
    @Test func columnRoundTripsLayoutsAndEscapes() throws {
        let training = (0..<64).map { "\"2021-12-26T15:\(10 + $0 % 40):0\($0 % 10).\(100 + $0)Z\"" }
        try CodingFixture.roundTrip(training: training, kind: .timestamp, values: [
            "\"2021-12-26T15:10:59.884Z\"", "\"2021-12-26T15:10:59.884+09:00\"", "\"2021-12-26 15:11:04\"", "\"2021-12-26t15:11:04.5z\"",
            "\"2021-12-26T15:11:04.000000001Z\"", "\"1970-01-01T00:00:00+0000\"", "\"2199-12-31T23:59:59.999999999-14:00\"",
            "\"1700-01-01T00:00:00Z\"", "\"2021-02-29T00:00:00Z\"", "\"2021-12-26\"", "\"\"", "1640531459", "null",
            "\"2021-12-26T15:10:59.884Z\"", "\"2021-12-26T15:10:59.885Z\"",
        ])
    }

    /// Timestamps inside text (`EmbeddedTimestamps`): several per value, in several layouts.
    @Test func embeddedTimestampsRoundTrip() throws {
        let training = (0..<64).map { "\"/table/skill/2021-11-06T21:21:\(10 + $0 % 40).906Z/x\($0)\"" }
        let model = try CodingFixture.model(training: training, kind: .text)
        #expect(model.field?.columns.first?.embedded != nil)
        let test = CodingFixture.records([
            "\"/table/skill/2021-11-06T21:21:24.906Z/x\"", "\"2021-11-06T21:21:24Z and 2021-11-06 21:21:25.5+01:00\"", "\"no stamp\"",
            "\"2021-11-06T21:21:24.906Z\"", "\"2021-13-06T21:21:24.906Z\"", "\"\"", "\"2021-11-06T21:21:2\"", "12",
        ])
        for framing in [Framing.record, .block(16), .file] { try Fixtures.roundTrip(model: model, test: test, framing: framing) }
    }
}
