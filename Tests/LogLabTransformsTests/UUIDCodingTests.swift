import Testing
import LogLabCore
@testable import LogLabTransforms

@Suite struct UUIDCodingTests {
    func textForm(_ s: String) -> String? {
        CodingFixture.bytes("\"" + s + "\"") { p, n in
            let bytes = UnsafeMutablePointer<UInt8>.allocate(capacity: 16)
            defer { bytes.deallocate() }
            guard let (layout, start) = UUIDText.parse(p, n, bytes: bytes) else { return nil }
            let out = OutStream()
            UUIDText.render(layout: layout, bytes: bytes, suffix: p + start, suffixCount: n - 1 - start, into: out)
            return String(String(decoding: out.buffer, as: UTF8.self).dropFirst().dropLast())
        }
    }

    @Test func uuidsKeepCaseAndLayout() {
        for s in ["e085f380-dd96-11eb-a904-599414fa8c5e2319", "E085F380-DD96-11EB-A904-599414FA8C5E", "e085f380dd9611eba904599414fa8c5e",
                  "00000000-0000-0000-0000-000000000000", "e085f380-dd96-11eb-a904-599414fa8c5e\\\"x"] {
            #expect(textForm(s) == s, "\(s)")
        }
        for s in ["e085F380-dd96-11eb-a904-599414fa8c5e", "e085f380-dd96-11eb-a904-599414fa8c5", "g085f380-dd96-11eb-a904-599414fa8c5e", ""] {
            #expect(textForm(s) == nil, "\(s)")
        }
    }

    @Test func columnRoundTripsCasesAndEscapes() throws {
        let training = (0..<64).map { i in "\"e085f380-dd96-11eb-a904-5994\(String(format: "%08x", i * 7919))\"" }
        try CodingFixture.roundTrip(training: training, kind: .uuid, values: [
            "\"e085f380-dd96-11eb-a904-599414fa8c5e\"", "\"E085F380-DD96-11EB-A904-599414FA8C5E\"", "\"e085f380dd9611eba904599414fa8c5e\"",
            "\"e085F380-dd96-11eb-a904-599414fa8c5e\"", "\"e085f380-dd96-11eb-a904-599414fa8c5e-suffix\\u00e9\"", "\"\"", "\"short\"",
            "42", "null", "\"e085f380-dd96-11eb-a904-599414fa8c5\"",
        ])
    }
}
