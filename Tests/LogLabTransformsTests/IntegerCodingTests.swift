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

    /// µs since the epoch as seconds spelt the shortest way (Python's floats, Go's
    /// `strconv` 'f' -1): trailing fraction zeros dropped, `.0` kept for whole seconds.
    static func shortestSeconds(_ us: Int64) -> String {
        var frac = String(us % 1_000_000)
        frac = String(repeating: "0", count: 6 - frac.count) + frac
        while frac.count > 1 && frac.hasSuffix("0") { frac.removeLast() }
        return "\(us / 1_000_000).\(frac)"
    }

    /// Such numbers learn scaled bases (each base rescaled to the value's fraction digits):
    /// the model says so (version 5), every value comes back (rows, columns, the columnar
    /// reader), values of any other spelling included, and the column codes smaller than with
    /// plain bases, where each change of digits costs a jump of a power of ten.
    @Test func mixedFractionDigitsLearnScaledBases() throws {
        var us: Int64 = 1_700_000_000_000_000
        var values: [String] = []
        for i in 0..<3000 {
            us += Int64(1 + (i &* 7919) % 9000)
            if i % 97 == 0 { us = (us / 1_000_000 + 1) * 1_000_000 }   // a whole second now and then
            values.append(Self.shortestSeconds(us))
        }
        #expect(values.contains { $0.hasSuffix(".0") } && Set(values.map { $0.count }).count > 2)
        let model = try CodingFixture.model(training: Array(values.prefix(1500)), kind: .number)
        let field = try #require(model.field)
        let column = try #require(field.columns.first { ShapePaths.display($0.path) == "v" })
        #expect(column.scaled && column.delta)
        #expect(model.serialized()[4] == 5)

        let odd = ["-0.5", "-1.25", "3", "\"3.10\"", "0.0000000000000000001", "9223372036854775807", "-9223372036854775808",
                   "123456789012345678901234567890.5", "1e5", "-0", "0.10", "1700000000.1234567890123456789", "null"]
        let test = CodingFixture.records(Array(values.suffix(1500)) + odd + Array(values.suffix(20)))
        for framing in [Framing.record, .block(16), .file] { try Fixtures.roundTrip(model: model, test: test, framing: framing) }
        try ColumnarStreamsTests.compare(model: model, test, paths: ["v"], framing: .block(64))

        // The same model with plain bases, for the size.
        var plainColumns = field.columns
        for i in plainColumns.indices { plainColumns[i].scaled = false }
        let plain = TransformModel(selection: model.selection, field: try FieldModel(selection: field.selection, columns: plainColumns,
                                                                                      shapes: field.shapes.map(\.bytes)), legacy: nil)
        let clean = CodingFixture.records(Array(values.suffix(1500)))
        // The columnar reader decodes frames of whole numbers column by column: in a column
        // with scaled bases, their bases are rescaled from the learned format too.
        let pairs = values.indices.map { "{\"v\":\(values[$0]),\"n\":\($0)}" }
        let pairModel = TransformModel.learn(from: RecordBatch(pairs.prefix(1500).map { Array($0.utf8) }), selection: .all)
        #expect(pairModel.field?.columns.first { ShapePaths.display($0.path) == "v" }?.scaled == true)
        let whole = RecordBatch((0..<640).map { Array("{\"v\":\(1_700_000_500 + $0 * 3),\"n\":\($0)}".utf8) })
        let byColumn = try ColumnarStreamsTests.compare(model: pairModel, whole, paths: ["v", "n"], framing: .block(64))
        #expect(byColumn.byColumn == byColumn.frames, "\(byColumn.byColumn) of \(byColumn.frames) frames column by column")
        let scaledBytes = try Fixtures.roundTrip(model: model, test: clean, framing: .file)
        let plainBytes = try Fixtures.roundTrip(model: plain, test: clean, framing: .file)
        #expect(scaledBytes * 10 < plainBytes * 9, "scaled \(scaledBytes) B, plain \(plainBytes) B")
    }

    /// Numbers spelt with one count of fraction digits keep plain bases, so their models stay
    /// in the earlier versions' bytes; a reader of version 4 refuses the scaled flag.
    @Test func scaledBasesOnlyWhereDigitsVaryAndOnlyInVersion5() throws {
        let fixed = (0..<400).map { String(format: "%d.%03d", 1000 + $0 * 3, ($0 * 37) % 1000) }
        let plain = try CodingFixture.model(training: fixed, kind: .number)
        #expect(plain.field?.columns.contains { $0.scaled } == false)
        #expect(plain.serialized()[4] < 5)

        var us: Int64 = 1_600_000_000_000_000
        let varied = (0..<400).map { i -> String in us += Int64(10 + i % 7 * 10); return Self.shortestSeconds(us) }
        var bytes = try CodingFixture.model(training: varied, kind: .number).serialized()
        #expect(bytes[4] == 5)
        bytes[4] = 4
        let crc = CRC32.checksum(Array(bytes.dropLast(4)))
        for k in 0..<4 { bytes[bytes.count - 4 + k] = UInt8(truncatingIfNeeded: crc >> (8 * UInt32(k))) }
        #expect(throws: TransformError.self) { try TransformModel(serialized: bytes) }
    }

    @Test func rescaleIsTheSameArithmeticBothWays() {
        #expect(DecimalText.rescale(1_700_000_299_988_048, from: 6, to: 5) == 170_000_029_998_804)
        #expect(DecimalText.rescale(170_000_029_998_804, from: 5, to: 6) == 1_700_000_299_988_040)
        #expect(DecimalText.rescale(-125, from: 2, to: 1) == -12)
        #expect(DecimalText.rescale(7, from: 0, to: 19) == 7 &* Int64(truncatingIfNeeded: DecimalDigits.powers[19]))
        #expect(DecimalText.rescale(Int64.max, from: 19, to: 0) == 0)
        #expect(DecimalText.rescale(42, from: 3 + DecimalText.quotedFlag, to: 3) == 42)
        #expect(DecimalText.rescale(42, from: 2 + DecimalText.longFlag, to: 3) == 42)
    }
}
