import Testing
import LogLabCore
@testable import LogLabTransforms

/// The repeat coding (`Repeat`): a value equal to its column's previous value in the frame
/// travels as a flag, and restores byte for byte, also through the columnar reader.
@Suite struct RepeatCodingTests {
    /// Session-like records: `sid` runs over a few consecutive records, `host` and `port`
    /// change with it, `n` counts, `q` alternates within a session.
    static func sessions(_ count: Int, seed: UInt64) -> RecordBatch {
        var g = SeededRandom(seed: seed)
        var lines: [String] = []
        var sid = "", host = "", port = 0, left = 0
        for i in 0..<count {
            if left == 0 {
                sid = String((0..<16).map { _ in "abcdefghijklmnopqrstuvwxyzABCDEF0123456789".randomElement(using: &g)! })
                host = "10.0.\(Int.random(in: 0..<40, using: &g)).\(Int.random(in: 1..<255, using: &g))"
                port = Int.random(in: 1024..<65535, using: &g)
                left = Int.random(in: 1...5, using: &g)
            }
            left -= 1
            let q = i % 2 == 0 ? "a.example.com" : "b.example.org"
            lines.append(#"{"n":\#(i),"sid":"\#(sid)","host":"\#(host)","port":\#(port),"q":"\#(q)"}"#)
        }
        return RecordBatch(lines.map { Array($0.utf8) })
    }

    /// `model` with the given repeat codings (by path) put in.
    static func with(_ model: TransformModel, _ repeats: [String: String?]) throws -> TransformModel {
        let f = model.field!
        var cols = f.columns
        func index(_ p: String) -> Int { cols.firstIndex { ShapePaths.display($0.path) == p }! }
        for c in cols.indices { cols[c].repeats = nil }
        for (p, key) in repeats { cols[index(p)].repeats = Repeat(key: key.map { Int32(index($0)) } ?? -1) }
        let field = try FieldModel(selection: f.selection, columns: cols, shapes: f.shapes.map(\.bytes))
        return TransformModel(selection: model.selection, field: field, legacy: nil)
    }

    @Test func learnerPicksRepeatingColumns() throws {
        let train = Self.sessions(6000, seed: 1)
        let model = TransformModel.learn(from: train, selection: .all, recentCodings: false)
        let cols = model.field!.columns
        func spec(_ p: String) -> ColumnSpec { cols.first { ShapePaths.display($0.path) == p }! }
        // The random id and the host repeat together within sessions: one carries a flag
        // of its own, the other one too or only where the first repeated.
        let sid = Int32(cols.firstIndex { ShapePaths.display($0.path) == "sid" }!)
        let host = Int32(cols.firstIndex { ShapePaths.display($0.path) == "host" }!)
        let rs = try #require(spec("sid").repeats), rh = try #require(spec("host").repeats)
        #expect(rs.key == -1 || (rs.key == host && rh.key == -1))
        #expect(rh.key == -1 || (rh.key == sid && rs.key == -1))
        // A counter never repeats; an alternating value never equals the previous one.
        #expect(spec("n").repeats == nil)
        #expect(spec("q").repeats == nil)
        // Smaller than without the coding, and the model format says so.
        let plain = try Self.with(model, [:])
        let test = Self.sessions(4000, seed: 2)
        let a = try Fixtures.roundTrip(model: model, test: test, framing: .block(1024))
        let b = try Fixtures.roundTrip(model: plain, test: test, framing: .block(1024))
        #expect(a < b)
        #expect(Array(model.serialized()[4..<6]) == [3, 0])
        #expect(Array(plain.serialized()[4..<6]) != [3, 0])
    }

    /// Connection-like records: `cid` random, `host`, `port` and the array `via` change with
    /// it and repeat with it; `n` counts.
    static func connections(_ count: Int, seed: UInt64) -> RecordBatch {
        var g = SeededRandom(seed: seed)
        var lines: [String] = []
        var cid = "", host = "", port = 0, via = "", left = 0
        for i in 0..<count {
            if left == 0 {
                cid = String((0..<16).map { _ in "abcdefghijklmnopqrstuvwxyzABCDEF0123456789".randomElement(using: &g)! })
                host = "10.\(Int.random(in: 0..<200, using: &g)).\(Int.random(in: 0..<255, using: &g)).\(Int.random(in: 1..<255, using: &g))"
                port = Int.random(in: 1024..<65535, using: &g)
                via = (0..<Int.random(in: 1...3, using: &g)).map { _ in "\"r\(Int.random(in: 0..<500, using: &g))\"" }.joined(separator: ",")
                left = Int.random(in: 1...4, using: &g)
            }
            left -= 1
            lines.append(#"{"n":\#(i),"cid":"\#(cid)","host":"\#(host)","port":\#(port),"via":[\#(via)]}"#)
        }
        return RecordBatch(lines.map { Array($0.utf8) })
    }

    @Test func learnerKeysColumnsThatRepeatTogether() throws {
        let model = TransformModel.learn(from: Self.connections(8000, seed: 11), selection: .all, recentCodings: false)
        let cols = model.field!.columns
        func path(_ c: Int) -> String { ShapePaths.display(cols[c].path) }
        var keyed: [String: String?] = [:], unkeyed: [String: String?] = [:]
        for (c, spec) in cols.enumerated() {
            guard let r = spec.repeats else { continue }
            unkeyed[path(c)] = .some(nil)
            keyed[path(c)] = r.key < 0 ? .some(nil) : path(Int(r.key))
            guard r.key >= 0 else { continue }
            // A key is flagged on every value (keys are not chained) ...
            #expect(cols[Int(r.key)].repeats == Repeat(key: -1))
            // ... and array elements (several values in a record) are never keyed.
            #expect(path(c) != "via[]")
        }
        // The host changes only with the connection id: flagged only where it repeated.
        #expect(keyed["host"] != nil && keyed["host"]! != nil)
        // Keyed flags restore through the reloaded model, in fewer bytes than flags on every value.
        let test = Self.connections(3000, seed: 12)
        let a = try Fixtures.roundTrip(model: model, test: test, framing: .block(1024))
        let b = try Fixtures.roundTrip(model: try Self.with(model, unkeyed), test: test, framing: .block(1024))
        #expect(a < b)
        for framing in [Framing.record, .block(7), .file] { try Fixtures.roundTrip(model: model, test: test, framing: framing) }
        // Frames stay checked (keyed flags are stepped over record by record), so a columnar
        // read leaves unread columns unread.
        for paths in [["host"], ["n"], ["n", "port", "via"]] {
            let o = try ColumnarStreamsTests.compare(model: model, test, paths: paths, framing: .block(256))
            #expect(o.checked == o.frames)
            #expect(o.fast == o.frames)
        }
    }

    @Test func noRepeatsWithoutDerived() throws {
        let model = TransformModel.learn(from: Self.sessions(3000, seed: 3), selection: .all.without(.derived))
        #expect(model.field!.columns.allSatisfy { $0.repeats == nil })
    }

    /// Frames starting on a repeat, alternating values, repeats of escaped or odd tokens,
    /// verbatim records and unseen shapes in between, keyed and unkeyed columns.
    static func awkward() -> RecordBatch {
        var lines: [String] = []
        for i in 0..<300 {
            let sid = "s\(i / 3)-" + String(repeating: "x", count: 12)
            let odd = i % 7 < 3 ? #""we\"ird\u00e9""# : i % 7 < 5 ? "01" : "\(i / 7)"
            let alt = i % 2 == 0 ? "1" : "2.5"
            let id = i % 11 < 4 ? #""0f8fa0e6-4d0b-4d5a-9c55-8d3b1a2a6f10""# : #""not-a-uuid""#
            if i % 13 == 6 { lines.append("plain text line \(i / 26)"); continue }   // verbatim
            if i % 17 == 9 { lines.append(#"{"sid":"\#(sid)","extra":[1,2,\#(i / 34)]}"#); continue }   // another shape
            lines.append(#"{"sid":"\#(sid)","odd":\#(odd),"alt":\#(alt),"id":\#(id),"t":"2024-01-0\#(1 + i / 100)T10:00:00Z"}"#)
        }
        return RecordBatch(lines.map { Array($0.utf8) })
    }

    @Test func awkwardRoundTripsAndColumns() throws {
        let records = Self.awkward()
        for sel in [TransformSelection.all, TransformSelection.all.without(.columns)] {
            let learned = TransformModel.learn(from: records.slice(0..<150), selection: sel)
            let variants: [[String: String?]] = [
                ["sid": nil, "odd": nil, "alt": nil, "id": nil, "t": nil],
                ["sid": nil, "odd": "sid", "alt": "sid", "id": "sid", "t": "sid"],
                ["odd": nil, "id": "odd", "sid": "odd"],
            ]
            for v in variants {
                let model = try Self.with(learned, v)
                for framing in [Framing.file, .block(3), .block(16), .block(8), .record] {
                    try Fixtures.roundTrip(model: model, test: records, framing: framing)
                    let paths = ["sid", "odd", "alt", "id", "t", "extra"]
                    for p in paths { try ColumnarStreamsTests.compare(model: model, records, paths: [p], framing: framing) }
                    try ColumnarStreamsTests.compare(model: model, records, paths: paths, framing: framing)
                }
            }
        }
    }

    @Test func columnarReaderTakesTheFastPath() throws {
        let train = Self.sessions(3000, seed: 4), test = Self.sessions(2000, seed: 5)
        let model = try Self.with(TransformModel.learn(from: train, selection: .all, recentCodings: false), ["sid": nil, "host": "sid", "port": "sid"])
        for paths in [["sid"], ["host"], ["n"], ["q", "port"], ["n", "sid", "host", "port", "q"]] {
            let o = try ColumnarStreamsTests.compare(model: model, test, paths: paths, framing: .block(256))
            #expect(o.fast == o.frames)
        }
    }

    @Test func corruptRepeatsThrow() throws {
        let model = try Self.with(TransformModel.learn(from: Self.sessions(500, seed: 6), selection: .all.without(.columns)),
                                  ["sid": nil])
        var enc = FrameEncoder(model: model)
        let frame = Self.sessions(20, seed: 7)
        let bytes = enc.encode(frame)
        var dec = FrameDecoder(model: model)
        #expect(try dec.decode(bytes, recordCount: frame.count) == frame)
        // Any single byte changed: an error or other records, never a trap.
        for i in 1..<bytes.count {
            var b = bytes
            b[i] ^= 0x01
            _ = try? dec.decode(b, recordCount: frame.count)
        }
    }

    @Test func corruptKeyedColumnsThrowOrFallBack() throws {
        let model = try Self.with(TransformModel.learn(from: Self.sessions(500, seed: 9), selection: .all, recentCodings: false),
                                  ["sid": nil, "host": "sid", "port": "sid"])
        var enc = FrameEncoder(model: model)
        let frame = Self.sessions(40, seed: 10)
        let bytes = enc.encode(frame)
        let reader = ColumnarFrameReader(model: model)
        func check(_ b: [UInt8]) -> Bool { b.withUnsafeBufferPointer { reader.valuesChecked($0, recordCount: frame.count) } }
        #expect(bytes.first == FrameKind.checkedColumns.rawValue && check(bytes))
        var dec = FrameDecoder(model: model)
        #expect(try dec.decode(bytes, recordCount: frame.count) == frame)
        // Any single byte changed: an error, other records or an unchecked frame, never a trap.
        for i in 1..<bytes.count {
            var b = bytes
            b[i] ^= 0x01
            _ = try? dec.decode(b, recordCount: frame.count)
            _ = check(b)
        }
    }

    @Test func olderModelsStillLoad() throws {
        // A model without repeats keeps its earlier version, byte for byte.
        let model = TransformModel.learn(from: Self.sessions(500, seed: 8), selection: .all.without(.derived))
        let bytes = model.serialized()
        #expect(bytes[4] < 3)
        let back = try TransformModel(serialized: bytes)
        #expect(back.serialized() == bytes)
    }
}
