import Testing
import LogLabCore
@testable import LogLabTransforms

/// Bytes the field transforms must keep exactly, whatever the model: invalid UTF-8, 0xFF/0xFE,
/// control bytes (raw or after a backslash: they are the shape's placeholder and the coder's
/// reference and embedded-timestamp markers), unterminated strings, duplicate and long keys.
@Suite struct OddBytesTests {
    static func bytes(_ parts: [UInt8]...) -> [UInt8] { parts.flatMap { $0 } }
    static func u(_ s: String) -> [UInt8] { Array(s.utf8) }

    /// The FuzzJSON mismatch minimised: `\` + 0x00 inside a key made a second placeholder in
    /// the shape, so restore spliced the value into the key.
    static let escapedNulInKey = bytes(u("{\"reque\\"), [0x00], u("st\":\"x\",\"b\":1}"))

    static var oddRecords: [[UInt8]] {
        var r: [[UInt8]] = [escapedNulInKey]
        for b in UInt8(0)..<0x20 {
            r.append(bytes(u("{\"k\\"), [b], u("\":1,\"v\":2}")))              // escaped control byte in a key
            r.append(bytes(u("{\"a\":\"x\\"), [b], u("y\",\"n\":3}")))          // … in a string value
            r.append(bytes(u("{\"a\":\"x"), [b], u("y\"}")))                     // raw control byte in a value
            r.append(bytes(u("{\"k"), [b], u("\":\"v\"}")))                       // raw control byte in a key
        }
        let ff = [UInt8](repeating: 0xFF, count: 57)
        r += [
            bytes(u("{\"id\":\"9140b184"), ff, u("-46ed-11e9-b8bb-79d34f2a9e6f8603\"}")),
            bytes(u("{\"k"), ff, u("\":\""), ff, u("\"}")),
            bytes(u("{\"a\":\"\\"), [0xFF], u("\",\"b\":\"\\"), [0xFE], u("\"}")),       // backslash + 0xFF / 0xFE
            bytes(u("{\"a\":\"202"), [0xF7, 0xFF, 0xFF, 0xFF], u("-26T00:42:18.914Z\"}")),
            bytes(u("{\"a\":\""), [0xFE, 0xFF, 0xC3], u("\",\"b\":\""), [0x80, 0xC0, 0xAF, 0xED, 0xA0, 0x80, 0xF5, 0x80], u("\"}")),
            bytes(u("{\"a\":\"x\\"), [0x00]),                                            // ends inside an escape
            u("{\"a\":\"x\\"), u("{\"a\":\"x"), u("{\"a\":\"x\\\"}"), u("{\"a\\\":1}"), u("\"unterminated"), u("{\"a\":\"\\\\\"}"),
            u("{\"a\":1,\"a\":\"x\",\"a\":{\"a\":[1,\"a\",{\"a\":null}]},\"a\":-0.5}"),
            u("{\"a\":\"2021-12-26T00:42:18.914Z\",\"a\":\"2021-12-26T00:42:18.914Z\"}"),
            u("{\"" + String(repeating: "k", count: 5000) + "\":1}"),
            u("{\"" + String(repeating: "\\\\", count: 10_000) + "\":\"" + String(repeating: "v", count: 20_000) + "\"}"),
        ]
        return r
    }

    @Test func tokenizerRefusesEscapedControlBytes() {
        let sp = JSONSplitter()
        func splits(_ r: [UInt8]) -> Bool { r.withUnsafeBytes { sp.split($0) } }
        #expect(!splits(Self.escapedNulInKey))
        for b in UInt8(0)..<0x20 {
            #expect(!splits(Self.bytes(Self.u("{\"k\\"), [b], Self.u("\":1}"))), "key, byte \(b)")
            #expect(!splits(Self.bytes(Self.u("[\"\\"), [b], Self.u("\"]"))), "value, byte \(b)")
        }
        #expect(!splits(Self.u("[\"x\\")))
        // Other odd bytes stay in the shape and values as they are.
        #expect(splits(Self.bytes(Self.u("{\"k\\"), [0xFF], Self.u("\":\""), [0xFE, 0xFF, 0xC3], Self.u("\\"), [0x7F], Self.u("\"}"))))
        #expect(splits(Self.u("{\"a\\\\\":\"\\\\\"}")))
    }

    /// Every selection and framing, with models learned on sdk-log (references, embedded
    /// timestamps, lookups), on awkward JSON and on the odd records themselves.
    @Test func oddRecordsRoundTrip() throws {
        let odd = RecordBatch(Self.oddRecords)
        let (sdkTrain, sdkTest) = RoundTripTests.sdkDays(seed: 3, perDay: 100)
        var g = AwkwardJSON(seed: 5)
        let awkward = g.batch(100)
        let trainings: [(RecordBatch, [TransformSelection])] = [(odd, Fixtures.selections), (sdkTrain, [.all, TransformSelection.all.without(.columns)]), (awkward, [.all])]
        for (train, selections) in trainings {
            for sel in selections {
                let model = TransformModel.learn(from: train, selection: sel)
                for framing in Fixtures.framings {
                    try Fixtures.roundTrip(model: model, test: odd, framing: framing)
                }
            }
        }
        // Odd records between ordinary ones (the coders' running state crosses them).
        var mixed = RecordBatch()
        for i in 0..<sdkTest.count {
            mixed.append(sdkTest[i])
            if i < odd.count { mixed.append(odd[i]) }
        }
        let model = TransformModel.learn(from: sdkTrain, selection: .all)
        try Fixtures.roundTrip(model: model, test: mixed, framing: .file)
        try Fixtures.roundTrip(model: model, test: mixed, framing: .block(5))
    }

    /// Escaped control bytes put into the string values of sdk-log records, where the learned
    /// columns use references (markers 0x01…) and embedded timestamps (marker 0x1D).
    @Test func escapedControlBytesInLearnedColumns() throws {
        let (train, test) = RoundTripTests.sdkDays(seed: 4, perDay: 100)
        var mutated = RecordBatch()
        for i in 0..<min(test.count, 96) {
            let r = Array(test[i])
            let b = UInt8(i % 0x20)
            var out: [UInt8] = []
            var k = 0
            for j in 0..<r.count {
                out.append(r[j])
                // After the opening quote of every third string value.
                if r[j] == 0x22, j > 0, r[j - 1] == 0x3A { if k % 3 == i % 3 { out += [0x5C, b] }; k += 1 }
            }
            mutated.append(out)
        }
        let model = TransformModel.learn(from: train, selection: .all)
        try Fixtures.roundTrip(model: model, test: mutated, framing: .file)
        try Fixtures.roundTrip(model: model, test: mutated, framing: .record)
    }

    /// Seeded byte mutations of sdk-log records (the fuzzer's moves, cheaply): overwrite,
    /// insert or delete a byte, favouring quotes, backslashes, digits and 0x00/0x1D/0xFF.
    @Test(arguments: [UInt64(21), 22])
    func mutatedRecordsRoundTrip(seed: UInt64) throws {
        let (train, test) = RoundTripTests.sdkDays(seed: seed, perDay: 100)
        var rng = SeededRandom(seed: seed)
        let alphabet: [UInt8] = [0x00, 0x01, 0x1D, 0x1F, 0x22, 0x5C, 0x30, 0x39, 0x2D, 0x2E, 0x3A, 0x54, 0x5A, 0x65, 0x7B, 0x7D, 0x5B, 0x5D, 0x2C, 0xFF, 0xFE, 0xC3]
        var mutated = RecordBatch()
        for round in 0..<4 {
            for i in 0..<test.count {
                var r = Array(test[i])
                for _ in 0...(round + Int(rng.next() % 3)) where !r.isEmpty {
                    let at = Int(rng.next() % UInt64(r.count))
                    let b = rng.next() % 4 == 0 ? UInt8(truncatingIfNeeded: rng.next()) : alphabet[Int(rng.next() % UInt64(alphabet.count))]
                    switch rng.next() % 3 {
                    case 0: r[at] = b
                    case 1: r.insert(b, at: at)
                    default: r.remove(at: at)
                    }
                }
                mutated.append(r.filter { $0 != 0x0A })
            }
        }
        for sel in [TransformSelection.all, TransformSelection.all.without(.columns)] {
            let model = TransformModel.learn(from: train, selection: sel)
            try Fixtures.roundTrip(model: model, test: mutated, framing: .file)
            try Fixtures.roundTrip(model: model, test: mutated, framing: .block(16))
        }
    }

    /// A hostile literal shape with a placeholder byte inside a key: refused, not restored
    /// with its value spliced into the key.
    @Test func decoderRefusesPlaceholderInLiteralKey() throws {
        var g = AwkwardJSON(seed: 6)
        let model = TransformModel.learn(from: g.batch(50), selection: .all)
        let shape = Self.bytes(Self.u("{\"zq\\"), [0x00], Self.u("\":"), [0x00], Self.u("}"))
        let frame = Self.bytes([FrameKind.rows.rawValue, 1, UInt8(shape.count)], shape, [3, 0x78])
        var dec = FrameDecoder(model: model)
        #expect(throws: TransformError.self) { try dec.decode(frame, recordCount: 1) }
        // The same frame with an ordinary key restores.
        let good = Self.bytes(Self.u("{\"zq\":"), [0x00], Self.u("}"))
        let back = try dec.decode(Self.bytes([FrameKind.rows.rawValue, 1, UInt8(good.count)], good, [3, 0x78]), recordCount: 1)
        #expect(Array(back[0]) == Self.u("{\"zq\":\"x\"}"))
    }
}
