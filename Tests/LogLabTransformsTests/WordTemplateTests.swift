import Testing
import LogLabCore
import LogLabCodecs
@testable import LogLabTransforms

/// Word variables in text templates: words that vary where the rest of a template does not.
@Suite struct WordTemplateTests {
    /// Access-log-like lines: a few methods and agents, many paths and users, numbers.
    static func accessLines(seed: UInt64, count: Int) -> RecordBatch {
        var rng = SeededRandom(seed: seed)
        let words = ["alpha", "beta", "cart", "items", "api", "v1", "static", "img", "é", "ü-x"]
        var b = RecordBatch()
        for i in 0..<count {
            let path = (0..<(1 + Int(rng.next() % 3))).map { _ in words[Int(rng.next() % UInt64(words.count))] }.joined(separator: "/")
            let agent = ["curl/7.\(60 + rng.next() % 3).0", "Mozilla/5.0 (X11; Linux) Chrome/120.0.\(rng.next() % 4).1"][Int(rng.next() % 2)]
            let method = ["GET", "GET", "POST", "HEAD"][Int(rng.next() % 4)]
            let user = "u" + words[Int(rng.next() % UInt64(words.count))] + String(rng.next() % 50)
            b.append(Array("10.0.\(rng.next() % 4).\(rng.next() % 9) [\(i)] \"\(method) /\(path) HTTP/1.1\" \(rng.next() % 3 == 0 ? 404 : 200) \(rng.next() % 90000) user=\(user) \"\(agent)\"".utf8))
        }
        return b
    }

    @Test func wordVariablesShareTemplates() throws {
        let train = Self.accessLines(seed: 1, count: 3000), test = Self.accessLines(seed: 2, count: 1500)
        let model = TransformModel.learn(from: train, selection: .all)
        let templates = try #require(model.templates)
        #expect(templates.hasWordVariables && templates.distinctColumns)
        // Paths and users vary: far fewer templates than distinct lines, each with word slots.
        #expect(templates.infos.count < 100)
        #expect(templates.infos.contains { $0.slots.contains { $0.kind == TextVariableKind.word } })
        // A word with one spelling stays template text as spelt, not its numbers.
        #expect(templates.infos.contains { String(decoding: $0.bytes, as: UTF8.self).contains("HTTP/1.1") })
        for framing in Fixtures.framings { try Fixtures.roundTrip(model: model, test: test, framing: framing) }
        // Lines of other shapes, odd bytes included, still restore.
        try Fixtures.roundTrip(model: model, test: TemplateTests.awkwardLines(seed: 5, count: 300), framing: .block(64))
        try Fixtures.roundTrip(model: model, test: TemplateTests.batch(TemplateTests.edgeLines), framing: .file)
        // Smaller than the same lines with every word as template text (the learner before words).
        var enc = FrameEncoder(model: model)
        let plain = try TemplateModel(templates: [])
        var plainEnc = TemplateEncoder(model: plain)
        var plainFrame: [UInt8] = []
        plainEnc.encode(test, into: &plainFrame)
        let frame = enc.encode(test)
        let zstd = try Compressor(try CodecSpec(parsing: "zstd:6"))
        #expect(try zstd.compress(frame).count * 10 < (try zstd.compress(plainFrame).count) * 8)
    }

    @Test func wordsAreWholeDelimitedRuns() {
        let t = OutStream()
        var vars: [TextVariable] = []
        let line = Array("GET /a/b?x=1 \"ua/2.0 (k; v)\" [2024-01-02 03:04:05] end\r".utf8)
        #expect(line.withUnsafeBufferPointer { TextTemplate.tokenize($0.baseAddress!, $0.count, offset: 7, template: t, vars: &vars) })
        var words: [WordSpan] = []
        vars.withUnsafeBufferPointer { v in TemplateWords.scan(t.base, t.count, vars: v.baseAddress, lineOffset: 7, into: &words) }
        let spelt = words.map { String(decoding: line[($0.lineStart - 7)..<($0.lineEnd - 7)], as: UTF8.self) }
        // The timestamp is no word; `=`, quotes, brackets, `;`, parentheses and CR delimit.
        #expect(spelt == ["GET", "/a/b?x", "1", "ua/2.0", "k", "v", "end"])
    }

    @Test func wordColumnsRefuseCorruptStreams() throws {
        let vocabulary = ByteTable([Array("known".utf8)])
        func decode(_ bytes: [UInt8], count: Int) throws -> [String] {
            var col = RenderedColumn()
            try bytes.withUnsafeBufferPointer { b in
                var inp = Cursor(b.baseAddress!, 0, b.count)
                try WordVariable.decode(count: count, vocabulary: vocabulary, &inp, into: &col)
                guard inp.isAtEnd else { throw TransformError.corruptFrame("unread") }
            }
            return (0..<col.count).map { String(decoding: col.bytes.buffer[col.bounds.base[$0] ..< col.bounds.base[$0 + 1]], as: UTF8.self) }
        }
        // ids 0 1 0 2 1: words "a", then "known" from the vocabulary.
        #expect(try decode([0, 1, 0, 2, 1, 0, 0x61, 0x10, 1], count: 5) == ["a", "a", "known", "known", "a"])
        #expect(throws: TransformError.self) { _ = try decode([1, 0, 0x61, 0x10], count: 1) }       // id before its word
        #expect(throws: TransformError.self) { _ = try decode([0, 0, 0x61], count: 1) }             // no terminator
        #expect(throws: TransformError.self) { _ = try decode([0, 0, 0x10], count: 1) }             // empty word
        #expect(throws: TransformError.self) { _ = try decode([0, 0, 0, 0x61, 0x10], count: 2) }    // a word missing
        #expect(throws: TransformError.self) { _ = try decode([0, 2], count: 1) }                   // not in the vocabulary
    }

    @Test func vocabularyNamesKnownWords() throws {
        let train = Self.accessLines(seed: 11, count: 4000), test = Self.accessLines(seed: 12, count: 1000)
        let model = TransformModel.learn(from: train, selection: .all)
        let templates = try #require(model.templates)
        #expect(templates.vocabulary.count > 0)
        // Kept through serialisation, and the frames decode with it.
        let back = try TransformModel(serialized: model.serialized())
        #expect(back.templates?.vocabulary.count == templates.vocabulary.count)
        try Fixtures.roundTrip(model: back, test: test, framing: .block(256))
        // The same templates without a vocabulary spell every word out: larger frames.
        let bare = try TemplateModel(templates: templates.infos.map(\.bytes))
        var with = TemplateEncoder(model: templates), without = TemplateEncoder(model: bare)
        var a: [UInt8] = [], b: [UInt8] = []
        with.encode(test, into: &a)
        without.encode(test, into: &b)
        #expect(a.count < b.count)
        // A vocabulary word holding a reserved byte is refused.
        #expect(throws: TransformError.self) { _ = try TemplateModel(templates: [], vocabulary: [[0x61, 0x12]]) }
    }

    @Test func versionRulesForWordTemplates() throws {
        let model = TransformModel.learn(from: Self.accessLines(seed: 3, count: 1000), selection: .all)
        let bytes = model.serialized()
        #expect(bytes[4] == 6)
        _ = try TransformModel(serialized: bytes)
        // The same payload claimed as version 5 is refused: word placeholders are version 6.
        var old = bytes
        old[4] = 5
        let body = Array(old[0..<(old.count - 4)])
        let crc = CRC32.checksum(body)
        var w = ByteWriter()
        w.append(body)
        w.u32le(crc)
        old = w.bytes
        #expect(throws: TransformError.self) { _ = try TransformModel(serialized: old) }
    }

    /// Models before version 6 code addresses in 4 bytes each; their frames still decode so.
    @Test func addressColumnsByModelVersion() throws {
        let lines = TemplateTests.batch((0..<300).map { "from 10.1.\($0 % 3).\($0 % 5) port \($0)" })
        for distinct in [false, true] {
            let model = try TemplateModel(templates: [], distinctColumns: distinct)
            var enc = TemplateEncoder(model: model)
            var dec = TemplateDecoder(model: model)
            var frame: [UInt8] = []
            enc.encode(lines, into: &frame)
            #expect(try dec.decode(frame, recordCount: lines.count) == lines)
            // Fifteen distinct addresses: 300 one-byte ids + 15 × 4 bytes, or 300 × 4 bytes.
            #expect(distinct ? frame.count < 1500 : frame.count > 1500)
        }
    }

    /// A fixed word is spelt out only when every line of its template spells it alike, however
    /// few the lines: a port that varies stays a number, `HTTP/1.1` is spelt.
    @Test func wordsAreSpeltOnlyWhenAlike() throws {
        let lines = TemplateTests.batch((0..<12).map { "accepted port \(1000 + $0 * 37) via HTTP/1.1" })
        let model = TransformModel.learn(from: lines, selection: .all)
        let templates = try #require(model.templates).infos.map { String(decoding: $0.bytes, as: UTF8.self) }
        #expect(templates == ["accepted port \u{11} via HTTP/1.1"])
        try Fixtures.roundTrip(model: model, test: lines, framing: .file)
    }
}
