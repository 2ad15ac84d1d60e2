import Testing
import LogLabCore
@testable import LogLabTransforms

/// The message coding (`MessageCoding`): free-text string fields coded through the text
/// templates, learnt per column; everything else keeps its coding, and every byte of every
/// value (escapes included) restores.
@Suite struct MessageCodingTests {
    /// Container-log-like records: `log` holds an application's line (escaped JSON, an access
    /// log line, text with a Unicode escape), `level` a few words, `id` a random hex id.
    static func records(_ count: Int, seed: UInt64, odd: Bool = false) -> RecordBatch {
        var g = SeededRandom(seed: seed)
        func n(_ r: ClosedRange<Int>) -> Int { Int.random(in: r, using: &g) }
        let levels = ["info", "warn", "error", "debug"]
        var out = RecordBatch()
        for i in 0..<count {
            let log: String
            switch n(0...3) {
            case 0: log = #""{\"level\":\"info\",\"ts\":1773468\#(n(100...999)).\#(n(100000...999999)),\"msg\":\"request served\",\"status\":\#(n(200...204)),\"remote\":\"10.0.\#(n(0...255)).\#(n(1...254))\"}\n""#
            case 1: log = #""10.1.\#(n(0...255)).\#(n(1...254)) - - [14/Mar/2026:06:\#(n(10...59)):\#(n(10...59)) +0000] \"GET /api/items/\#(n(1...99999)) HTTP/1.1\" 200 \#(n(100...99999)) \"-\" \"kube-probe/1.28\"\n""#
            case 2: log = #""caf\u00e9 order \#(n(1...9999)) served to table \#(n(1...40)) in \#(n(1...900)) ms""#
            default: log = #""worker \#(n(1...16)) finished batch \#(n(1...100000)) after \#(n(1...5000)) ms""#
            }
            var value = log
            if odd {
                switch i % 9 {
                case 1: value = #""""#
                case 3: value = "\(n(0...1000))"
                case 5: value = "null"
                case 7: value = "\"" + String(repeating: #"long \"quoted\" text \u00e9 \#(i) "#, count: 400) + "\""
                case 8: value = "\"worker \u{1D} raw byte \(i)\""   // a byte no template takes
                default: break
                }
            }
            let id = String((0..<16).map { _ in Array("0123456789abcdef")[n(0...15)] })
            out.append(Array(#"{"log":\#(value),"level":"\#(levels[n(0...3)])","id":"\#(id)"}"#.utf8))
        }
        return out
    }

    static func spec(_ model: TransformModel, _ path: String) -> ColumnSpec {
        model.field!.columns.first { ShapePaths.display($0.path) == path }!
    }

    @Test func learnerPicksFreeTextOnly() throws {
        let model = TransformModel.learn(from: Self.records(12000, seed: 1), selection: .all)
        let log = Self.spec(model, "log")
        #expect(log.kind == .message)
        #expect((log.templates?.infos.count ?? 0) >= 4)
        #expect(Self.spec(model, "level").kind != .message)
        #expect(Self.spec(model, "id").kind != .message)
        #expect(Array(model.serialized()[4..<6]) == [7, 0])
        // Smaller than without templates, in every framing, and byte for byte.
        let test = Self.records(3000, seed: 2)
        let plain = TransformModel.learn(from: Self.records(12000, seed: 1), selection: TransformSelection.all.without(.template))
        #expect(Self.spec(plain, "log").kind != .message)
        let coded = try Fixtures.roundTrip(model: model, test: test, framing: .block(1024))
        #expect(coded < (try Fixtures.roundTrip(model: plain, test: test, framing: .block(1024))))
        // Without the columns layout there is no side stream: no message coding is learnt.
        let rows = TransformModel.learn(from: Self.records(12000, seed: 1), selection: TransformSelection.all.without(.columns))
        #expect(Self.spec(rows, "log").kind != .message)
    }

    /// Messages whose words vary where the rest does not: a user and a path of hundreds each,
    /// so nearly every held-out line's exact template is new and only word templates take them.
    static func wordRecords(_ count: Int, seed: UInt64) -> RecordBatch {
        var g = SeededRandom(seed: seed)
        func n(_ r: ClosedRange<Int>) -> Int { Int.random(in: r, using: &g) }
        let letters = Array("abcdefghiklmnoprstuvwyz")
        func word(_ k: Int) -> String {
            var x = k &* 2_654_435_761 & 0xFFFF_FFFF, w = ""
            for _ in 0..<(5 + k % 4) { w.append(letters[x % letters.count]); x /= letters.count; x += k }
            return w
        }
        var out = RecordBatch()
        for _ in 0..<count {
            let msg: String
            switch n(0...2) {
            case 0: msg = "user \(word(n(0...299))) opened /\(word(n(300...499)))/\(word(n(500...699))) in \(n(1...900)) ms"
            case 1: msg = "session of \(word(n(0...299))) closed after \(n(1...5000)) seconds"
            default: msg = "cache \(word(n(700...760))) evicted \(n(1...99)) entries"
            }
            out.append(Array(#"{"msg":"\#(msg)","n":\#(n(0...1000))}"#.utf8))
        }
        return out
    }

    @Test func messagesTakenByWordTemplatesAreCoded() throws {
        let training = Self.wordRecords(8000, seed: 11)
        let model = TransformModel.learn(from: training, selection: .all)
        let msg = Self.spec(model, "msg")
        #expect(msg.kind == .message)
        // Held-out lines: few have an exact template, nearly all a word template.
        let templates = try #require(msg.templates)
        #expect(templates.hasWordVariables)
        var contents = RecordBatch()
        let held = Self.wordRecords(600, seed: 12)
        for r in 0..<held.count {
            let line = Array(held[r])
            let start = 8, end = line.firstIndex(of: 0x2C)! - 1           // {"msg":" … ",
            contents.append(Array(line[start..<end]))
        }
        let template = OutStream(capacity: 256)
        var vars: [TextVariable] = []
        var exact = 0
        contents.bytes.withUnsafeBufferPointer { all in
            for r in 0..<contents.count {
                let lo = contents.offsets[r], hi = contents.offsets[r + 1]
                if TextTemplate.tokenize(all.baseAddress! + lo, hi - lo, offset: lo, template: template, vars: &vars),
                   templates.table.find(UnsafePointer(template.base), template.count) != nil { exact += 1 }
            }
        }
        let covered = FieldLearner.covered(contents, by: templates).covered
        #expect(exact * 2 < contents.count && covered * 10 >= contents.count * 9, "exact \(exact), covered \(covered) of \(contents.count)")
        // Smaller than without templates, byte for byte.
        let test = Self.wordRecords(2000, seed: 13)
        let plain = TransformModel.learn(from: training, selection: TransformSelection.all.without(.template))
        #expect(try Fixtures.roundTrip(model: model, test: test, framing: .block(1024))
                < Fixtures.roundTrip(model: plain, test: test, framing: .block(1024)))
    }

    @Test func oddValuesRestoreInEveryFraming() throws {
        let model = TransformModel.learn(from: Self.records(12000, seed: 3), selection: .all)
        #expect(Self.spec(model, "log").kind == .message)
        // Empty strings, numbers and nulls at the same path, very long strings with escapes,
        // strings without a learnt template (sent as text).
        let test = Self.records(900, seed: 4, odd: true)
        for framing in Fixtures.framings + [.block(256)] { try Fixtures.roundTrip(model: model, test: test, framing: framing) }
    }

    @Test func columnarReaderDecodesMessages() throws {
        let model = TransformModel.learn(from: Self.records(12000, seed: 5), selection: .all)
        #expect(Self.spec(model, "log").kind == .message)
        for odd in [false, true] {
            let test = Self.records(1200, seed: 6, odd: odd)
            let out = try ColumnarStreamsTests.compare(model: model, test, paths: ["log", "level"], framing: .block(400))
            #expect(out.fast == out.frames)
            // Messages are valid string contents: the writer vouches for every frame.
            #expect(out.checked == out.frames)
            let other = try ColumnarStreamsTests.compare(model: model, test, paths: ["level"], framing: .block(400))
            #expect(other.fast == other.frames)
        }
    }

    @Test func corruptFramesFailCleanly() throws {
        let model = TransformModel.learn(from: Self.records(12000, seed: 7), selection: .all)
        let test = Self.records(300, seed: 8, odd: true)
        var enc = FrameEncoder(model: model)
        let bytes = enc.encode(test)
        var dec = FrameDecoder(model: model)
        #expect(try dec.decode(bytes, recordCount: test.count) == test)
        var rng = SeededRandom(seed: 9)
        var failed = 0
        for k in 0..<400 {
            var b = bytes
            let at = Int(rng.next() % UInt64(b.count))
            b[at] = UInt8(truncatingIfNeeded: rng.next())
            if k % 4 == 0 { b.removeLast(Int(rng.next() % 8) + 1) }
            if let back = try? dec.decode(b, recordCount: test.count) {
                if back != test { failed += 1 }
            } else {
                failed += 1
            }
        }
        #expect(failed > 300)
    }

    @Test func versionSevenModelsAreNotReadAsOlder() throws {
        let model = TransformModel.learn(from: Self.records(12000, seed: 1), selection: .all)
        var bytes = model.serialized()
        #expect(Array(bytes[4..<6]) == [7, 0])
        #expect(try TransformModel(serialized: bytes).field?.columns.contains { $0.kind == .message } == true)
        // The same model stated as version 6: its kind 6 is refused.
        bytes[4] = 6
        bytes.removeLast(4)
        let crc = CRC32.checksum(bytes)
        bytes += [UInt8(crc & 0xFF), UInt8(crc >> 8 & 0xFF), UInt8(crc >> 16 & 0xFF), UInt8(crc >> 24)]
        #expect(throws: TransformError.self) { try TransformModel(serialized: bytes) }
    }
}
