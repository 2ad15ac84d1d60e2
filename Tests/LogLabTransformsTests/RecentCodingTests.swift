import Testing
import LogLabCore
@testable import LogLabTransforms

/// The recent coding (`RecentCoding`): values equal to one of the column's recent distinct
/// values travel as their rank, new ones as a body in the column's side stream (text, a
/// fixed-width integer or a packed spelling), and every value restores byte for byte.
@Suite struct RecentCodingTests {
    static let base62 = Array("0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz")

    /// Query/answer-like records: each `uid` (a "C" and 17 base-62 characters), its `port` and
    /// `tid` (random 16-bit numbers) appear once to three times, a few records apart,
    /// interleaved with other ids; `n` counts.
    static func queries(_ count: Int, seed: UInt64) -> RecordBatch {
        var g = SeededRandom(seed: seed)
        var lines: [String] = []
        var pending: [(uid: String, port: Int, tid: Int, left: Int)] = []
        for i in 0..<count {
            let q: (uid: String, port: Int, tid: Int, left: Int)
            if pending.isEmpty || (pending.count < 3 && Int.random(in: 0..<2, using: &g) == 0) {
                let uid = "C" + String((0..<17).map { _ in base62.randomElement(using: &g)! })
                q = (uid, Int.random(in: 1024...65535, using: &g), Int.random(in: 0...65535, using: &g), Int.random(in: 0...2, using: &g))
                if q.left > 0 { pending.append(q) }
            } else {
                let k = Int.random(in: 0..<pending.count, using: &g)
                q = pending[k]
                pending[k].left -= 1
                if pending[k].left == 0 { pending.remove(at: k) }
            }
            lines.append(#"{"n":\#(i),"uid":"\#(q.uid)","port":\#(q.port),"tid":\#(q.tid)}"#)
        }
        return RecordBatch(lines.map { Array($0.utf8) })
    }

    static func spec(_ model: TransformModel, _ path: String) -> ColumnSpec {
        model.field!.columns.first { ShapePaths.display($0.path) == path }!
    }

    /// `model` with column `path` recoded (other columns as they are).
    static func with(_ model: TransformModel, _ path: String, _ change: (inout ColumnSpec) -> Void) throws -> TransformModel {
        let f = model.field!
        var cols = f.columns
        let c = cols.firstIndex { ShapePaths.display($0.path) == path }!
        change(&cols[c])
        return TransformModel(selection: model.selection, field: try FieldModel(selection: f.selection, columns: cols, shapes: f.shapes.map(\.bytes)), legacy: nil)
    }

    @Test func learnerPicksRecurringIdsAndLeavesCounters() throws {
        let model = TransformModel.learn(from: Self.queries(8000, seed: 1), selection: .all)
        let uid = Self.spec(model, "uid"), port = Self.spec(model, "port"), tid = Self.spec(model, "tid")
        #expect(uid.kind == .recent)
        #expect(uid.layouts.count == 1 && uid.layouts.first?.positions.count == 18)
        #expect(uid.layouts.first?.positions.first == [UInt8(ascii: "C")])
        #expect(port.kind == .recent && port.initFormat == 2)
        #expect(tid.kind == .recent && tid.initFormat == 2)
        // A counter is cheaper as deltas: it keeps its coding.
        #expect(Self.spec(model, "n").kind == .number)
        #expect(Array(model.serialized()[4..<6]) == [4, 0])
        // Smaller than with the columns' plain codings, and each form pays on its own.
        let test = Self.queries(5000, seed: 2)
        let coded = try Fixtures.roundTrip(model: model, test: test, framing: .block(1024))
        let plain = TransformModel.learn(from: Self.queries(8000, seed: 1), selection: TransformSelection.all.without(.derived))
        #expect(Self.spec(plain, "uid").kind != .recent)
        #expect(coded < (try Fixtures.roundTrip(model: plain, test: test, framing: .block(1024))))
        let unpacked = try Self.with(model, "uid") { $0.layouts = [] }
        #expect(coded < (try Fixtures.roundTrip(model: unpacked, test: test, framing: .block(1024))))
    }

    @Test func learnerLeavesValuesThatNeverRecur() throws {
        // Sentences of a few to a dozen words: no rank ever hits, no length is common enough
        // for a packed spelling.
        var g = SeededRandom(seed: 3)
        let words = ["alpha", "be", "carrot", "delta", "echoes", "fox", "go", "hotel", "in", "juliet", "kilo", "lima", "mike", "no"]
        let lines = (0..<3000).map { i in
            #"{"msg":"\#((0..<Int.random(in: 3...12, using: &g)).map { _ in words.randomElement(using: &g)! }.joined(separator: " "))","k":"x\#(i % 3)"}"#
        }
        let model = TransformModel.learn(from: RecordBatch(lines.map { Array($0.utf8) }), selection: .all)
        #expect(Self.spec(model, "msg").kind != .recent)
        #expect(Array(model.serialized()[4..<6]) != [4, 0])
    }

    /// A column whose model says `recent` with integer bodies of `width` bytes.
    static func intModel(width: Int) throws -> TransformModel {
        let model = try CodingFixture.model(training: (0..<64).map { "\($0 * 7)" }, kind: .number)
        return try with(model, "v") { $0.kind = .recent; $0.initValue = 4; $0.initFormat = width; $0.delta = false; $0.initHead = []; $0.textInColumns = false }
    }

    @Test func integerBodiesRoundTripAtTheEdges() throws {
        let model = try Self.intModel(width: 2)
        let values = ["0", "65535", "65536", "-1", "0", "65535", "1.5", "\"12\"", "12", "007", "-0", "1e3", "null", "true",
                      "\"x\"", "[1,2]", "{\"a\":1}", "18446744073709551616", "99999999999999999", "65534", "65535", "12", "7", "8", "9", "10", "12"]
        for framing in [Framing.record, .block(5), .block(16), .file] {
            try Fixtures.roundTrip(model: model, test: CodingFixture.records(values), framing: framing)
        }
        // Values past the width or not spelt as an unsigned integer are escaped to text.
        #expect(RecentCoding.unsigned(Array("65535".utf8), 5, width: 2) == 65535)
        #expect(RecentCoding.unsigned(Array("65536".utf8), 5, width: 2) == nil)
        #expect(RecentCoding.unsigned(Array("0".utf8), 1, width: 1) == 0)
        #expect(RecentCoding.unsigned(Array("01".utf8), 2, width: 2) == nil)
        #expect(RecentCoding.unsigned(Array("-1".utf8), 2, width: 2) == nil)
        #expect(RecentCoding.unsigned(Array("".utf8), 0, width: 2) == nil)
    }

    @Test func packedBodiesRoundTripAtTheEdges() throws {
        let model = try CodingFixture.model(training: (0..<64).map { "\"id\($0)\"" }, kind: .text)
        // "C" then three base-62 characters, the last a digit below 5.
        let layout = PackedLayout(positions: [[UInt8(ascii: "C")], Array(String(Self.base62).utf8), Array(String(Self.base62).utf8), Array("01234".utf8)])
        #expect(layout.packedBytes == 2)   // 62 · 62 · 5 = 19,220 choices
        let coded = try Self.with(model, "v") { $0.kind = .recent; $0.initValue = 3; $0.initFormat = 0; $0.layouts = [layout] }
        let values = ["\"C000\"", "\"Czz4\"", "\"C000\"", "\"Czz5\"", "\"D000\"", "\"C00\"", "\"C0000\"", "\"\"", "\"C0\\u00410\"", "\"Czz4\"",
                      "\"Ca\\\"1\"", "7", "null", "\"C123\"", "\"Cab1\"", "\"Cab2\"", "\"Cab3\"", "\"C123\"", "\"Cab1\"",
                      "\"" + String(repeating: "x", count: 70) + "\"", "\"" + String(repeating: "x", count: 70) + "\""]
        for framing in [Framing.record, .block(4), .block(16), .file] {
            try Fixtures.roundTrip(model: coded, test: CodingFixture.records(values), framing: framing)
        }
        try ColumnarStreamsTests.compare(model: coded, CodingFixture.records(values + values), paths: ["v"], framing: .block(16))
    }

    @Test func mixedColumnFallsBackExactly() throws {
        // Numbers, strings, arrays and objects in one column, some recurring.
        var g = SeededRandom(seed: 5)
        let kinds = ["17", "\"17\"", "[1]", "{\"a\":\"b\"}", "null", "-3", "1.25", "\"C7Hq\"", "65535", "0", "\"\""]
        let values = (0..<600).map { i in i % 7 == 0 ? "\(Int.random(in: 0...70000, using: &g))" : kinds.randomElement(using: &g)! }
        for width in [0, 1, 2, 7] {
            let model = try Self.intModel(width: width)
            for framing in [Framing.record, .block(16), .block(256)] {
                try Fixtures.roundTrip(model: model, test: CodingFixture.records(values), framing: framing)
            }
            try ColumnarStreamsTests.compare(model: model, CodingFixture.records(values), paths: ["v"], framing: .block(64))
        }
    }

    @Test func columnarReaderReadsRecentColumns() throws {
        let model = TransformModel.learn(from: Self.queries(4000, seed: 7), selection: .all)
        let test = Self.queries(1500, seed: 8)
        for paths in [["uid"], ["port", "n"], ["n"], ["uid", "port", "tid", "n"]] {
            try ColumnarStreamsTests.compare(model: model, test, paths: paths, framing: .block(256))
        }
    }

    @Test func modelFormatIsVersionFourAndChecked() throws {
        let model = TransformModel.learn(from: Self.queries(4000, seed: 9), selection: .all)
        let bytes = model.serialized()
        #expect(Array(bytes[4..<6]) == [4, 0])
        let back = try TransformModel(serialized: bytes)
        #expect(back.serialized() == bytes)
        #expect(Self.spec(back, "uid").layouts == Self.spec(model, "uid").layouts)
        // The same payload labelled version 3 is refused: kind 5 is unknown there.
        var v3 = bytes
        v3[4] = 3
        let crcAt = v3.count - 4
        let crc = CRC32.checksum(Array(v3[0..<crcAt]))
        for k in 0..<4 { v3[crcAt + k] = UInt8(truncatingIfNeeded: crc >> (8 * UInt32(k))) }
        #expect(throws: TransformError.self) { try TransformModel(serialized: v3) }
        // Malformed spellings and settings are refused when the model loads.
        for change: (inout ColumnSpec) -> Void in [
            { $0.layouts = [PackedLayout(positions: [Array("ba".utf8)])] },        // not sorted
            { $0.layouts = [PackedLayout(positions: [Array("a\"".utf8)])] },       // a quote
            { $0.layouts = [PackedLayout(positions: [[]])] },                      // no choice
            { $0.initFormat = 2 },                                                 // integers and spellings
            { $0.initValue = 0 },                                                  // no slots
            { $0.initFormat = 8; $0.layouts = [] },                                // too wide
        ] {
            let bad = try Self.with(model, "uid", change)
            #expect(throws: TransformError.self) { try TransformModel(serialized: bad.serialized()) }
        }
    }

    @Test func corruptTagsAreRefused() throws {
        let model = try Self.intModel(width: 2)
        var enc = FrameEncoder(model: model)
        var dec = FrameDecoder(model: model)
        // One record in the rows layout: kind, header, then the value's tag and body.
        let frame = enc.encode(CodingFixture.records(["300"]))
        #expect(try dec.decode(frame, recordCount: 1) == CodingFixture.records(["300"]))
        let tagAt = frame.count - 3
        #expect(frame[tagAt] == 5)   // slots + 1: a new value, two bytes follow
        for tag: UInt8 in [1, 4, 6, 0x7F] {   // ranks not yet held, past the last tag
            var bad = frame
            bad[tagAt] = tag
            #expect(throws: TransformError.self) { try dec.decode(bad, recordCount: 1) }
        }
        #expect(throws: TransformError.self) { try dec.decode(Array(frame.dropLast()), recordCount: 1) }
    }
}
