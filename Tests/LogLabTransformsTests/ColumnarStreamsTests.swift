import Testing
import LogLabCore
@testable import LogLabTransforms

/// Columns decoded straight from the transformed streams equal those the text walk finds in
/// the restored records, buffer for buffer.
@Suite struct ColumnarStreamsTests {
    struct Outcome { var frames = 0; var fast = 0; var checked = 0; var piecesLoaded = 0; var pieces = 0; var byColumn = 0 }

    /// A payload cut where `PayloadPieces.cuts` says, in a buffer whose unloaded bytes are
    /// 0xFF (a reader that reads them before loading goes wrong), noting the pieces loaded.
    final class PieceLoader: PayloadLoader {
        let payload: [UInt8]
        let ends: [Int]
        let buffer: UnsafeMutableBufferPointer<UInt8>
        var loaded: [Bool]
        init(_ payload: [UInt8]) {
            self.payload = payload
            ends = PayloadPieces.cuts(payload) ?? [payload.count]
            buffer = .allocate(capacity: payload.count)
            buffer.initialize(repeating: 0xFF)
            loaded = [Bool](repeating: false, count: ends.count)
        }
        deinit { buffer.deallocate() }
        func load(_ range: Range<Int>) throws {
            #expect(range.lowerBound >= 0 && range.upperBound <= payload.count)
            for (k, end) in ends.enumerated() {
                let start = k == 0 ? 0 : ends[k - 1]
                if start < range.upperBound, end > range.lowerBound, !loaded[k] {
                    for i in start..<end { buffer[i] = payload[i] }
                    loaded[k] = true
                }
            }
        }
    }

    /// Decodes `records` framed by `framing` both ways and compares every column.
    @discardableResult
    static func compare(model: TransformModel, _ records: RecordBatch, paths: [String], framing: Framing,
                        sourceLocation: SourceLocation = #_sourceLocation) throws -> Outcome {
        var enc = FrameEncoder(model: model)
        var dec = FrameDecoder(model: model)
        let reader = ColumnarFrameReader(model: model)
        let fast = ColumnarDecoder(paths: paths), text = ColumnarDecoder(paths: paths)
        // Checked frames also read as the `columns` frames earlier writers made of them.
        let unchecked = ColumnarDecoder(paths: paths), piecewise = ColumnarDecoder(paths: paths)
        // Every frame into one decoder, as a thread takes a run of frames (nothing to merge).
        let run = ColumnarDecoder(paths: paths), runReader = ColumnarFrameReader(model: model)
        var out = Outcome()
        for range in framing.frames(count: records.count) {
            let bytes = enc.encode(records.slice(range))
            let restored = try dec.decode(bytes, recordCount: range.count)
            text.append(restored)
            let d = ColumnarDecoder(paths: paths)
            out.frames += 1
            let checked = bytes.first == FrameKind.checkedColumns.rawValue
            if checked { out.checked += 1 }
            if try reader.append(frame: bytes, recordCount: range.count, to: d) {
                out.fast += 1
                #expect(d.rows == range.count, sourceLocation: sourceLocation)
                try fast.append(contentsOf: d)
            } else {
                #expect(!checked, "a checked frame must not need the records", sourceLocation: sourceLocation)
                fast.append(restored)
            }
            let before = run.rows
            if try !runReader.append(frame: bytes, recordCount: range.count, to: run) {
                #expect(run.rows == before, "a frame the reader leaves appends nothing", sourceLocation: sourceLocation)
                run.append(restored)
            }
            #expect(run.rows == before + range.count, sourceLocation: sourceLocation)
            // In pieces, loaded as the reader asks: the same columns.
            let pieces = PieceLoader(bytes), p = ColumnarDecoder(paths: paths)
            if try reader.append(frame: UnsafeBufferPointer(pieces.buffer), recordCount: range.count, to: p, loader: pieces) {
                try piecewise.append(contentsOf: p)
            } else {
                piecewise.append(restored)
            }
            out.pieces += pieces.loaded.count
            out.piecesLoaded += pieces.loaded.filter { $0 }.count
            var old = bytes
            if checked { old[0] = FrameKind.columns.rawValue }
            #expect(try dec.decode(old, recordCount: range.count) == restored, sourceLocation: sourceLocation)
            let u = ColumnarDecoder(paths: paths)
            if try reader.append(frame: old, recordCount: range.count, to: u) { try unchecked.append(contentsOf: u) } else { unchecked.append(restored) }
        }
        out.byColumn = runReader.framesByColumn
        let a = try fast.finish(), b = try text.finish(), c = try unchecked.finish(), r = try run.finish(threads: 2)
        let pw = try piecewise.finish()
        #expect(a.count == b.count && c.count == b.count && r.count == b.count && pw.count == b.count, sourceLocation: sourceLocation)
        for (x, y) in zip(pw, b) {
            if let why = differ(x, y) {
                Issue.record("column \(x.name) from a payload in pieces (\(framing), \(model.selection)): \(why)", sourceLocation: sourceLocation)
            }
        }
        for (x, y) in zip(r, b) {
            if let why = differ(x, y) {
                Issue.record("column \(x.name) from one decoder for all frames (\(framing), \(model.selection)): \(why)", sourceLocation: sourceLocation)
            }
        }
        for (x, y) in zip(a, b) {
            if let why = differ(x, y) {
                Issue.record("column \(x.name) (\(framing), \(model.selection)): \(why)", sourceLocation: sourceLocation)
            }
        }
        for (x, y) in zip(c, b) {
            if let why = differ(x, y) {
                Issue.record("column \(x.name) read as unchecked (\(framing), \(model.selection)): \(why)", sourceLocation: sourceLocation)
            }
        }
        return out
    }

    static func differ(_ x: DecodedColumn, _ y: DecodedColumn) -> String? {
        if x.name != y.name { return "name \(x.name) vs \(y.name)" }
        if x.kind != y.kind { return "kind \(x.kind) vs \(y.kind)" }
        if x.length != y.length || x.nullCount != y.nullCount { return "length/nulls \(x.length)/\(x.nullCount) vs \(y.length)/\(y.nullCount)" }
        if x.validity != y.validity { return "validity" }
        if x.values != y.values { return "values" }
        if x.offsets != y.offsets || x.data != y.data { return "offsets or data" }
        if x.dictionaryOffsets != y.dictionaryOffsets || x.dictionaryData != y.dictionaryData { return "dictionary" }
        if x.timeUnitDigits != y.timeUnitDigits || x.zone != y.zone { return "time unit or zone" }
        if x.child.count != y.child.count { return "children" }
        for (a, b) in zip(x.child, y.child) { if let w = differ(a, b) { return "item: " + w } }
        return nil
    }

    /// Every leaf path of the records, their parents (objects), and paths that match nothing.
    static func paths(of records: RecordBatch) throws -> [String] {
        let d = ColumnarDecoder(paths: [])
        d.append(records)
        _ = try d.finish()
        var all = d.names
        for n in d.names {
            var p = n
            while let dot = p.lastIndex(of: ".") { p = String(p[..<dot]); if !all.contains(p) { all.append(p) } }
        }
        return all + ["no.such.field", "_source.no_such_field"]
    }

    static let benchFields = ["_source.func_name", "_source.response_elapsed_time", "_source.request_begin_timestamp"]

    @Test func sdkLogSelectedFieldsEveryFraming() throws {
        let (train, test) = RoundTripTests.sdkDays(seed: 21, perDay: 400)
        let model = TransformModel.learn(from: train, selection: .all)
        let all = try Self.paths(of: test)
        #expect(all.count > 20)
        for framing in [Framing.file, .block(64), .block(5), .record] {
            let o = try Self.compare(model: model, test, paths: Self.benchFields, framing: framing)
            // The fast path must be what ran (not the fallback), in both layouts.
            #expect(o.fast == o.frames)
            // Clean records: every columns frame (8 records or more) is written checked.
            if framing == .file || framing == .block(64) { #expect(o.checked == o.frames) }
        }
        // Each path alone (most columns stepped over), then all of them at once.
        for p in all { try Self.compare(model: model, test, paths: [p], framing: .block(100)) }
        try Self.compare(model: model, test, paths: all, framing: .block(100))
        try Self.compare(model: model, test, paths: all + all.prefix(3), framing: .file)   // repeated paths
    }

    /// A payload in pieces: the bench's three fields load only some pieces of a checked frame
    /// (the streams they and their codings read), and the columns still match.
    @Test func piecesLoadOnlyWhatTheFieldsRead() throws {
        let (train, test) = RoundTripTests.sdkDays(seed: 23, perDay: 1024)
        let model = TransformModel.learn(from: train, selection: .all)
        let o = try Self.compare(model: model, test, paths: Self.benchFields, framing: .block(1024))
        #expect(o.checked == o.frames && o.pieces > 3 * o.frames)
        #expect(o.piecesLoaded < o.pieces, "loaded \(o.piecesLoaded) of \(o.pieces) pieces")
        // One field loads fewer still (the first piece, its stream and what its coding reads).
        let one = try Self.compare(model: model, test, paths: [Self.benchFields[0]], framing: .block(1024))
        #expect(one.piecesLoaded < o.piecesLoaded && one.piecesLoaded >= one.frames)
        // Every piece for a frame the reader must step over (kind 3).
        var enc = FrameEncoder(model: model)
        var bytes = enc.encode(test.slice(0..<1024))
        #expect(bytes.first == FrameKind.checkedColumns.rawValue)
        bytes[0] = FrameKind.columns.rawValue
        let pieces = PieceLoader(bytes), d = ColumnarDecoder(paths: Self.benchFields)
        #expect(try ColumnarFrameReader(model: model).append(frame: UnsafeBufferPointer(pieces.buffer), recordCount: 1024, to: d, loader: pieces))
        #expect(pieces.loaded.allSatisfy { $0 })
    }

    /// Cuts fall on stream boundaries, each piece but the last holds `minPieceBytes` or more.
    @Test func piecesCutAtStreamBoundaries() throws {
        let (train, test) = RoundTripTests.sdkDays(seed: 24, perDay: 300)
        let model = TransformModel.learn(from: train, selection: .all)
        var enc = FrameEncoder(model: model)
        let bytes = enc.encode(test.slice(0..<300))
        let cuts = try #require(PayloadPieces.cuts(bytes))
        let (dirEnd, lengths) = try bytes.withUnsafeBufferPointer { try ColumnStreams.directory($0) }
        var boundaries = Set<Int>(), pos = dirEnd
        for n in lengths { pos += n; boundaries.insert(pos) }
        #expect(cuts.last == bytes.count && cuts == cuts.sorted())
        for (k, c) in cuts.enumerated() {
            #expect(boundaries.contains(c))
            if k < cuts.count - 1 { #expect(c - (k == 0 ? 0 : cuts[k - 1]) >= PayloadPieces.minPieceBytes) }
        }
        // Payloads without streams stay whole.
        #expect(PayloadPieces.cuts([FrameKind.rows.rawValue, 1, 2, 3]) == nil)
        #expect(PayloadPieces.cuts([]) == nil)
        var truncated = bytes; truncated.removeLast()
        #expect(PayloadPieces.cuts(truncated) == nil)
    }

    @Test func sdkLogEverySelection() throws {
        let (train, test) = RoundTripTests.sdkDays(seed: 22, perDay: 200)
        let paths = Self.benchFields + ["_source", "sort", "fields.timestamp", "_source.nickName", "_id"]
        for sel in Fixtures.selections {
            let model = TransformModel.learn(from: train, selection: sel)
            for framing in [Framing.file, .block(16)] {
                let o = try Self.compare(model: model, test, paths: paths, framing: framing)
                if sel == .all { #expect(o.fast == o.frames) }
            }
        }
    }

    @Test(arguments: [UInt64(31), 32, 33])
    func awkwardJSON(seed: UInt64) throws {
        var g = AwkwardJSON(seed: seed)
        let train = g.batch(300), test = g.batch(400)
        let paths = ["a", "b", "_id", "ts", "id.orig_h", "id", "kéy", "nested", "nested.a", "nested.nested.b",
                     "é", "", "a.a", "d"]
        for sel in [TransformSelection.all, TransformSelection.all.without(.columns)] {
            let model = TransformModel.learn(from: train, selection: sel)
            for framing in [Framing.file, .block(16), .record] {
                for p in paths { try Self.compare(model: model, test, paths: [p], framing: framing) }
                try Self.compare(model: model, test, paths: paths, framing: framing)
            }
        }
    }

    @Test func oddValuesInUnselectedFields() throws {
        // Records the splitter takes but the walk refuses (bad escape, bad number) must
        // come out all-missing whether or not their field is selected.
        var lines: [String] = []
        for i in 0..<200 {
            let bad = i % 17 == 3 ? #""bad \q escape""# : i % 23 == 5 ? "01" : i % 29 == 7 ? "1.2.3" : "\(i)"
            lines.append(#"{"id":\#(i),"msg":"m\#(i % 5)","odd":\#(bad),"t":"2021-12-26T15:10:\#(String(format: "%02d", i % 60)).884+09:00"}"#)
        }
        let records = RecordBatch(lines.map { Array($0.utf8) })
        let model = TransformModel.learn(from: records.slice(0..<100), selection: .all)
        for framing in [Framing.file, .block(32), .record] {
            for paths in [["id"], ["msg", "t"], ["odd"], ["id", "odd", "msg", "t"]] {
                try Self.compare(model: model, records, paths: paths, framing: framing)
            }
        }
        let d = ColumnarDecoder(paths: ["id"])
        d.append(records)
        let nulls = try d.finish()[0].nullCount
        #expect(nulls > 10 && nulls < 100)   // the walk does refuse those records
    }

    /// A columns frame is written checked exactly when every value in it is a token the walk
    /// accepts: one odd value anywhere (selected or not) leaves it unchecked.
    @Test func framesAreCheckedOnlyWhenEveryValueIsValid() throws {
        func record(_ i: Int, odd: String?) -> [UInt8] {
            let v = odd ?? "\(i)"
            return Array(#"{"id":\#(i),"msg":"m\#(i % 5) \"q\" \u00e9","odd":\#(v),"n":null,"t":"2021-12-26T15:10:\#(String(format: "%02d", i % 60)).884+09:00"}"#.utf8)
        }
        let model = TransformModel.learn(from: RecordBatch((0..<100).map { record($0, odd: nil) }), selection: .all)
        var enc = FrameEncoder(model: model)
        var dec = FrameDecoder(model: model)
        let clean = RecordBatch((100..<164).map { record($0, odd: nil) })
        let cleanFrame = enc.encode(clean)
        #expect(cleanFrame.first == FrameKind.checkedColumns.rawValue)
        #expect(try dec.decode(cleanFrame, recordCount: clean.count) == clean)
        for odd in [#""bad \q escape""#, "01", "1.2.3", "-", #""\u12g4""#, "1e", "1.", #""tail\\""#, #""x\u00""#] {
            var lines = (100..<164).map { record($0, odd: nil) }
            lines[37] = record(137, odd: odd)
            let batch = RecordBatch(lines)
            let frame = enc.encode(batch)
            #expect(try dec.decode(frame, recordCount: batch.count) == batch)
            // Valid JSON numbers and strings do not count as odd.
            let walkAccepts = ColumnarDecoder.validToken(odd, odd.utf8.count)
            #expect(frame.first == (walkAccepts ? FrameKind.checkedColumns : FrameKind.columns).rawValue, "\(odd)")
            for paths in [["id"], ["odd"], ["msg", "n", "t"], ["id", "odd"]] {
                try Self.compare(model: model, batch, paths: paths, framing: .file)
            }
        }
    }

    /// Vocabulary entries taken by their index give the same columns as their text: escapes,
    /// non-ASCII, entries that are numbers or timestamps, values outside the vocabulary,
    /// nulls, missing fields, records the walk refuses, too many distinct values for a dictionary.
    @Test func vocabularyCodesMatchTheWalk() throws {
        let words = [#""plain""#, #""a \"quoted\" word""#, #""\u00e9t\u00e9""#, #""été""#, #""x\/y""#, #""tab\there""#]
        let stamps = [#""2021-12-26T15:10:00.123+09:00""#, #""2021-12-26T15:11:00.456+09:00""#]
        func line(_ i: Int, extra: Bool) -> String {
            let w = extra && i % 7 == 3 ? #""new \#(i)""# : extra && i % 11 == 5 ? "null" : words[i % words.count]
            let v = ["1", "20", "300"][i % 3]
            let s = extra && i % 13 == 6 ? #""2021-12-26T15:12:00+09:00""# : stamps[i % 2]
            let many = #""u\#(i % (extra ? 60 : 6))""#
            if extra && i % 17 == 9 { return #"{"n":\#(i),"v":\#(v)}"# }
            if extra && i % 19 == 10 { return #"{"w":\#(w),"v":01,"s":\#(s),"many":\#(many)}"# }   // refused by the walk
            return #"{"w":\#(w),"v":\#(v),"s":\#(s),"many":\#(many),"n":\#(i)}"#
        }
        let model = TransformModel.learn(from: RecordBatch((0..<300).map { Array(line($0, extra: false).utf8) }), selection: .all)
        let records = RecordBatch((0..<400).map { Array(line($0, extra: true).utf8) })
        for framing in [Framing.file, .block(64), .block(9), .record] {
            for paths in [["w"], ["v"], ["s"], ["many"], ["w", "v", "s", "many", "n"]] {
                try Self.compare(model: model, records, paths: paths, framing: framing)
            }
        }
        // The entries did go by index (else the above compared the text walk with itself).
        var enc = FrameEncoder(model: model)
        let d = ColumnarDecoder(paths: ["w", "many"])
        let clean = RecordBatch((0..<64).map { Array(line($0, extra: false).utf8) })
        #expect(try ColumnarFrameReader(model: model).append(frame: enc.encode(clean), recordCount: clean.count, to: d))
        #expect(d.raw[0].kinds.allSatisfy { $0 == RawKind.code })
        // Frames read by another reader (as threads do) merge as codes too.
        let other = ColumnarDecoder(paths: ["w", "many"])
        #expect(try ColumnarFrameReader(model: model).append(frame: enc.encode(clean), recordCount: clean.count, to: other))
        try d.append(contentsOf: other)
        #expect(d.raw[0].kinds.allSatisfy { $0 == RawKind.code })
        // Frames of another model (its own vocabulary, other entries in another order) merge as text.
        let model2 = TransformModel.learn(from: RecordBatch((0..<300).reversed().map { Array(line($0 * 5 + 1, extra: false).utf8) }), selection: .all)
        var enc2 = FrameEncoder(model: model2)
        let third = ColumnarDecoder(paths: ["w", "many"])
        #expect(try ColumnarFrameReader(model: model2).append(frame: enc2.encode(clean), recordCount: clean.count, to: third))
        #expect(third.raw[0].kinds.contains(RawKind.code))
        try d.append(contentsOf: third)
        try d.append(contentsOf: other)
        let text = ColumnarDecoder(paths: ["w", "many"])
        for _ in 0..<4 { text.append(clean) }
        let cols = try d.finish(), expected = try text.finish()
        #expect(cols[0].kind == .dictionary)
        for (x, y) in zip(cols, expected) { #expect(Self.differ(x, y) == nil) }
    }

    /// Numbers and timestamps the reader takes as values (no text) give the same columns
    /// as their text, whatever else the column holds: odd numbers next to plain ones,
    /// timestamps in other zones, spellings or precisions, text in a timestamp column.
    @Test func valuesTakenWithoutTextMatchTheWalk() throws {
        func sec(_ i: Int) -> String { String(format: "%02d", i % 60) }
        var train: [String] = []
        for i in 0..<300 {
            train.append(#"{"n":\#(i * 7),"m":\#(1000 + i),"t":"2021-12-26T15:10:\#(sec(i)).884+09:00","u":"2021-12-26T06:10:\#(sec(i)).123456Z","s":"x\#(i % 4)"}"#)
        }
        let model = TransformModel.learn(from: RecordBatch(train.map { Array($0.utf8) }), selection: .all)
        // Per case: what the odd rows hold for n and t (the others are plain).
        let cases: [(n: [String], t: [String])] = [
            (["-5", "0", "9223372036854775807", "-9223372036854775808", "-1"], [#""2021-12-26T15:10:00.001+09:00""#]),
            (["1.5", "-0.25", "9007199254740993"], [#""2021-12-26T06:10:00.884Z""#]),          // floats; another zone
            (["9007199254740992", "2.5"], [#""2021-12-26T15:10:00.884123+09:00""#]),          // µs among ms
            (["123456789012345678901234567890", "-0", "1e5", "1E-3"], [#""2021-12-26T15:10:00.8841234+09:00""#]),
            ([#""17""#, "007"], [#""2021-12-26 15:10:00.884+09:00""#, #""2021-12-26T15:10:00.884+0900""#]),
            (["true", "null"], [#""2021-12-26t15:10:00.884z""#, #""not a time""#, "null", "1640500000", #""2021-12-26T15:10:00.884z""#]),
            (["00", "-", "12"], [#""2021-12-26T15:10:00+09:00""#, #""2021-12-26T15:10:00.884-00:00""#]),
        ]
        let uOdd = [#""2021-12-26T06:11:00.000001z""#, #""2021-12-26T06:11:00Z""#, #""2021-12-26T06:11:00.0000012Z""#,
                    #""2021-12-26T06:11:00.000001+00:00""#, #""2021-12-26T06:11:00.000001""#, #""2021-12-26T06:11:00.5Z""#, "7"]
        for (k, c) in cases.enumerated() {
            var lines: [String] = []
            for i in 0..<240 {
                let odd = i % 9 == 4
                let n = odd ? c.n[i / 9 % c.n.count] : "\(i * 7 + k)"
                let t = odd && i % 2 == 0 ? c.t[i / 18 % c.t.count] : #""2021-12-26T15:11:\#(sec(i)).\#(String(format: "%03d", i))+09:00""#
                let missing = i % 31 == 30
                // u: stamps in Z, and one other spelling of them per case.
                let u = odd && i % 2 == 1 ? uOdd[k % uOdd.count] : #""2021-12-26T06:11:\#(sec(i)).000001Z""#
                lines.append(missing ? #"{"m":\#(i),"s":"x"}"# : #"{"n":\#(n),"m":\#(2000 + i),"t":\#(t),"u":\#(u),"s":"x\#(i % 3)"}"#)
            }
            let records = RecordBatch(lines.map { Array($0.utf8) })
            for framing in [Framing.file, .block(16), .block(7), .record] {
                for paths in [["n"], ["t"], ["n", "t", "u"], ["m", "u", "s"], ["t", "m"]] {
                    try Self.compare(model: model, records, paths: paths, framing: framing)
                }
            }
        }
        // The plain ones did go as values (else the above compared the text walk with itself).
        var enc = FrameEncoder(model: model)
        let d = ColumnarDecoder(paths: ["n", "t", "s"])
        #expect(try ColumnarFrameReader(model: model).append(frame: enc.encode(RecordBatch(train.map { Array($0.utf8) })), recordCount: train.count, to: d))
        #expect(d.raw[0].kinds.allSatisfy { $0 == RawKind.int })
        #expect(d.raw[1].kinds.allSatisfy { $0 == RawKind.time })
        #expect(d.raw[2].kinds.allSatisfy { $0 == RawKind.code })   // vocabulary entries by index
    }

    /// A field coded as a relation to others, read alone: its sources are decoded too (column
    /// by column where every value allows it) and the column equals the text walk's, also
    /// where a record lacks a source, holds text in a timestamp field or an odd number.
    @Test func relationsReadWithoutTheirSources() throws {
        func ms(_ i: Int) -> String { String(format: "%03d", i % 1000) }
        func line(_ i: Int, odd: Int) -> String {
            let a = "2021-12-26T15:\(String(format: "%02d", i / 60 % 60)):\(String(format: "%02d", i % 60)).\(ms(i * 7))+09:00"
            let e = 20 + i % 13
            // b = a + e ms (a relation to two fields), c = b + 1 s (to b), n: a number.
            let bms = (i * 7) % 1000 + e, carry = bms / 1000
            let b = "2021-12-26T15:\(String(format: "%02d", (i + carry) / 60 % 60)):\(String(format: "%02d", (i + carry) % 60)).\(ms(bms))+09:00"
            let c = "2021-12-26T15:\(String(format: "%02d", (i + carry + 1) / 60 % 60)):\(String(format: "%02d", (i + carry + 1) % 60)).\(ms(bms))+09:00"
            switch odd {
            case 1: return #"{"b":"\#(b)","e":\#(e),"c":"\#(c)","n":\#(i)}"#          // no a
            case 2: return #"{"a":"\#(a)","e":\#(e),"b":"soon","c":"\#(c)","n":\#(i)}"#  // b as text
            case 3: return #"{"a":"\#(a)","e":1.5,"b":"\#(b)","c":"\#(c)","n":-0}"#        // odd numbers
            default: return #"{"a":"\#(a)","e":\#(e),"b":"\#(b)","c":"\#(c)","n":\#(i)}"#
            }
        }
        let train = RecordBatch((0..<600).map { Array(line($0, odd: 0).utf8) })
        let model = TransformModel.learn(from: train, selection: .all)
        // The learner codes a from b and b from c (and n from a).
        for name in ["a", "b"] {
            let spec = try #require(model.field?.columns.first { $0.path.last == name.utf8.first! })
            #expect(spec.relation != nil, "\(name) is coded from another field")
        }
        for odd in 0...3 {
            let records = RecordBatch((0..<500).map { Array(line($0 + 7, odd: $0 % 50 == 17 ? odd : 0).utf8) })
            for framing in [Framing.file, .block(64), .block(9)] {
                for paths in [["a"], ["n"], ["a", "e"], ["b", "n"], ["n", "e", "c", "a"]] {
                    try Self.compare(model: model, records, paths: paths, framing: framing)
                }
            }
        }
        // Clean records go column by column, and the odd ones record by record.
        for (odd, byColumn) in [(0, true), (2, false)] {
            let records = RecordBatch((0..<500).map { Array(line($0 + 7, odd: $0 % 50 == 17 ? odd : 0).utf8) })
            var enc = FrameEncoder(model: model)
            let reader = ColumnarFrameReader(model: model), d = ColumnarDecoder(paths: ["a", "n"])
            #expect(try reader.append(frame: enc.encode(records), recordCount: records.count, to: d))
            #expect((reader.framesByColumn == 1) == byColumn, "odd \(odd)")
        }
    }

    @Test func corruptFramesThrowOrFallBack() throws {
        let (train, test) = RoundTripTests.sdkDays(seed: 23, perDay: 100)
        let model = TransformModel.learn(from: train, selection: .all)
        var enc = FrameEncoder(model: model)
        let bytes = enc.encode(test)
        var rng = SeededRandom(seed: 5)
        let reader = ColumnarFrameReader(model: model)
        for _ in 0..<300 {
            var b = bytes
            let at = Int(rng.next() % UInt64(b.count))
            b[at] = UInt8(truncatingIfNeeded: rng.next())
            if rng.next() % 4 == 0 { b.removeLast(Int(rng.next() % 8)) }
            let d = ColumnarDecoder(paths: Self.benchFields + ["_source"])
            _ = try? reader.append(frame: b, recordCount: test.count, to: d)   // must not trap
        }
        // Not a field-transformed frame: declined, nothing appended.
        let d = ColumnarDecoder(paths: ["a"])
        #expect(try reader.append(frame: [0x00] + Array("{\"a\":1}".utf8), recordCount: 1, to: d) == false)
        #expect(d.rows == 0)
    }

    @Test func realDatasets() throws {
        guard let dir = Fixtures.datasetsDirectory() else { return }   // folder absent: skip
        for f in ["kibana-web-logs.jsonl.zst", "zeek-dns.jsonl.zst", "aws-cloudtrail.jsonl.zst"] {
            guard let records = try? Fixtures.loadRecords(dir + "/" + f, limit: 1000) else { continue }
            #expect(records.count > 50)
            let model = TransformModel.learn(from: records.slice(0..<records.count / 2), selection: .all)
            let all = try Self.paths(of: records)
            for p in all { try Self.compare(model: model, records, paths: [p], framing: .block(128)) }
            for framing in [Framing.file, .block(64)] {
                let o = try Self.compare(model: model, records, paths: all, framing: framing)
                #expect(o.fast > 0)
            }
        }
    }

    /// A column of vocabulary codes gets the dictionary (or the strings) its text would: entries
    /// that unescape alike share one value, unused entries are left out, missing and null rows
    /// stay null, and what only the text can tell (too few or too many distinct values, an
    /// entry that is not UTF-8) goes the text's way.
    @Test func codeColumnsMatchTheirText() throws {
        var t = ByteTable()
        // Entry 5 holds a byte that is not UTF-8 on its own (raw bytes go in as they are).
        let entries: [[UInt8]] = [#""A""#, #""\u0041""#, #""b\"q""#, #""unused""#, #""é""#].map { Array($0.utf8) }
            + [[0x22, 0xFF, 0x78, 0x22], Array(#""c""#.utf8), Array(#""d""#.utf8)]
        for e in entries { _ = t.insert(e) }
        let vocab = RawTable(t)
        func column(_ codes: [Int32?], vocab: RawTable) -> RawColumn {
            var c = RawColumn()
            for (i, code) in codes.enumerated() {
                if let code { c.append(code: code, vocabulary: vocab) } else if i % 2 == 0 { c.appendMissing() } else {
                    c.append(kind: RawKind.null, UnsafeRawBufferPointer(start: nil, count: 0))
                }
            }
            return c
        }
        let cases: [[Int32?]] = [
            (0..<64).map { [0, 1, 2, nil, 4][$0 % 5] },          // dictionary; entries 0 and 1 are one value
            (0..<10).map { Int32($0 % 3) },                      // too few values for a dictionary
            (0..<64).map { $0 % 7 == 0 ? nil : 2 },              // one value and nulls
            (0..<64).map { [0, 5][$0 % 2] },                     // not UTF-8: the text decides
            (0..<16).map { [0, 2, 3, 4, 6, 7][$0 % 6] },          // too many distinct values: strings
            [Int32?](repeating: nil, count: 20),                  // no value at all
        ]
        for codes in cases {
            let c = column(codes, vocab: vocab)
            let a = try c.finish(name: "x"), b = try c.textual().finish(name: "x")
            #expect(Self.differ(a, b) == nil, "\(codes): \(Self.differ(a, b) ?? "")")
        }
        #expect(try column(cases[0], vocab: vocab).finish(name: "x").kind == .dictionary)
        #expect(ColumnBuilder.codeDictionary(column(cases[0], vocab: vocab), name: "x")?.dictionaryOffsets.count == 4)
        #expect(ColumnBuilder.codeDictionary(column(cases[3], vocab: vocab), name: "x") == nil)
    }
}
