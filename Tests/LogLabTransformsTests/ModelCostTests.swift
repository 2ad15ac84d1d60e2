import Testing
import LogLabCore
@testable import LogLabTransforms

/// Model entries must pay for themselves: what they save on held-out records (as the codec
/// would see it) must exceed what they cost in the stored model.
@Suite struct ModelCostTests {
    static func hex(_ rng: inout SeededRandom, _ n: Int) -> String {
        String((0..<n).map { _ in "0123456789abcdef".randomElement(using: &rng)! })
    }

    static func vocab(_ model: TransformModel, _ name: String) throws -> [String] {
        let field = try #require(model.field)
        let spec = try #require(field.columns.first { ShapePaths.display($0.path) == name })
        guard let v = spec.vocab else { return [] }
        return (0..<v.count).map { String(decoding: v.key($0), as: UTF8.self) }
    }

    @Test func keepsWhatHeldOutDataUsesAndDropsWhatOnlyTrainingRepeats() throws {
        // "op" is mostly GET/PUT all along; in the first half it also carries job names that
        // repeat there (ten times each) and never again.
        var rng = SeededRandom(seed: 7)
        var train = RecordBatch()
        let jobs = (0..<40).map { _ in "job-" + Self.hex(&rng, 12) }
        for i in 0..<4000 {
            let op = i < 2000 && i % 5 == 0 ? jobs[(i / 5) % 40] : (rng.next() % 3 == 0 ? "PUT" : "GET")
            train.append(Array("{\"op\":\"\(op)\",\"n\":\(rng.next() % 1000)}".utf8))
        }
        let model = TransformModel.learn(from: train, selection: .all)
        let words = try Self.vocab(model, "op")
        #expect(words.contains("\"GET\"") && words.contains("\"PUT\""), "\(words)")
        #expect(!words.contains { $0.hasPrefix("\"job-") }, "\(words)")
        var test = RecordBatch()
        for i in 0..<500 { test.append(Array("{\"op\":\"\(i % 2 == 0 ? "GET" : jobs[i % 40])\",\"n\":\(i)}".utf8)) }
        try Fixtures.roundTrip(model: model, test: test, framing: .block(64))
    }

    @Test func dropsLongStringsThatRepeatOnlyForAWhile() throws {
        // Session ids: each repeats in a few neighbouring records and never again. The
        // training set repeats every one of them, yet a vocabulary of them would store long
        // entries that nothing after the training uses.
        var rng = SeededRandom(seed: 8)
        var train = RecordBatch()
        var id = ""
        for i in 0..<6000 {
            if i % 4 == 0 { id = "session-" + Self.hex(&rng, 40) }
            train.append(Array("{\"sid\":\"\(id)\",\"level\":\"\(i % 7 == 0 ? "warn" : "info")\"}".utf8))
        }
        let model = TransformModel.learn(from: train, selection: .all)
        #expect(try Self.vocab(model, "sid").isEmpty)
        #expect(try Self.vocab(model, "level").sorted() == ["\"info\"", "\"warn\""])
        try Fixtures.roundTrip(model: model, test: train.slice(3000..<3500), framing: .block(128))
    }

    @Test func lookupRowsPayOnlyWhenTheirKeysComeBack() throws {
        // 500 users: in 600 records most appear once, a row per user would not pay; in
        // 4,000 they come back about eight times each and the table does.
        func rows(_ n: Int) throws -> Int {
            let field = try #require(TransformModel.learn(from: relatedRecords(count: n, seed: 5), selection: .all).field)
            return field.columns.reduce(0) { $0 + ($1.lookup?.keys.count ?? 0) }
        }
        #expect(try rows(600) < 50)
        #expect(try rows(4000) > 400)
    }

    @Test func modelOfDataWithoutRepetitionIsSmall() throws {
        var rng = SeededRandom(seed: 9)
        var train = RecordBatch()
        for i in 0..<3000 {
            train.append(Array("{\"id\":\"\(Self.hex(&rng, 32))\",\"n\":\(rng.next() % 1_000_000_000),\"i\":\(i),\"tag\":\"t\(Self.hex(&rng, 6))\"}".utf8))
        }
        let model = TransformModel.learn(from: train, selection: .all)
        let bytes = model.serialized()
        // Paths, codings and one shape: nothing that grows with the records.
        #expect(bytes.count < 200, "\(bytes.count) bytes")
        for name in ["id", "n", "tag"] { #expect(try Self.vocab(model, name).isEmpty, "\(name)") }
        try Fixtures.roundTrip(model: model, test: train.slice(0..<300), framing: .block(100))
    }

    @Test func costsCountMatchesAndHeldOutUses() {
        let cost = ModelCost(bytesPerByte: 0.5, heldOutRecords: 500, sampleRecords: 1000)   // one frame each
        #expect(cost.periods == 1)
        #expect(ModelCost(bytesPerByte: 0.5, heldOutRecords: 2048, sampleRecords: 4096).periods == 2)
        // An LZ parse: a repeat is a match, a new value a literal; a new frame forgets.
        let a = Array("alpha-beta-gamma".utf8), b = Array("zzzz".utf8)
        let c = cost.lzCosts([a, a, b, a], window: [0, 0, 0, 1])
        #expect(c[0] == 1 + 16 * 0.5 && c[1] == 1 + ModelCost.matchBytes && c[2] == 1 + 4 * 0.5 && c[3] == c[0])
        // Shared prefixes are cheap in the model too.
        let urls = (0..<3).map { Array("https://example.org/a/very/long/path/\($0)".utf8) }
        let s = cost.lzCosts(urls)
        #expect(s[1] < s[0] / 2 && s[2] < s[0] / 2)
        #expect(ModelCost.codeBytes(uses: 0, of: 10) == 0)
        #expect(ModelCost.codeBytes(uses: 1, of: 256) == 1)
        #expect(abs(ModelCost.bytesPerByte(ModelCost.histogram([Array("abab".utf8)])) - 0.125) < 1e-9)

        // Entries by count class: id 0 is used steadily, id 1 repeats in the first half only
        // (its class, two uses there, brings none to the second), id 2 appears in the second
        // half only, as rarely as that class: the held-out data says neither will be used.
        let chosen = cost.chooseEntries(counts: [40, 2, 2], firstHalf: [20, 2, 0], stored: { _ in 5 }, perUse: { _ in 2 })
        #expect(chosen.kept == [0])
        #expect(chosen.net == 40 - 5 * ModelCost.modelShare)
        // Nothing held out: counts at face value.
        let tiny = cost.chooseEntries(counts: [3, 1], firstHalf: nil, stored: { _ in 5 }, perUse: { _ in 2 })
        #expect(tiny.kept == [0])
    }
}
