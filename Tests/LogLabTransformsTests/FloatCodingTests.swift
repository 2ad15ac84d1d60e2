import Testing
import LogLabCore
@testable import LogLabTransforms

@Suite struct FloatCodingTests {
    @Test func onlyShortestRenderingsParse() {
        for s in ["0.0007450580596923828", "38.0", "-2.5", "0.0", "1.5", "123456.75", "0.1"] {
            #expect(CodingFixture.bytes(s) { p, n in FloatText.parse(p, n).map { _ in s } } == s, "\(s)")
        }
        for s in ["0.10", "1.0000000000000001", "1e-05", "-0.0", "1", ".5", "5.", "1.5e3", "--1.0", "1.2.3"] {
            #expect(CodingFixture.bytes(s) { p, n in FloatText.parse(p, n).map { _ in s } } == nil, "\(s)")
        }
    }

    @Test func columnRoundTripsFloatsThatDoAndDoNotRoundTrip() throws {
        let training = (0..<64).map { String(Double($0) * 0.0078125 + 0.5) }
        try CodingFixture.roundTrip(training: training, kind: .float, values: [
            "0.5", "0.0007450580596923828", "38.0", "-2.5", "0.0", "-0.0", "0.10", "1.0000000000000001", "1e-05", "1E+2",
            "5e-324", "1.7976931348623157e308", "123", "\"0.5\"", "null",
        ])
    }
}
