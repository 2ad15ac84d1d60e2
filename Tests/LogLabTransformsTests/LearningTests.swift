import Testing
import LogLabCore
@testable import LogLabTransforms

/// Records whose fields depend on each other the way sdk-log's do, but with other names,
/// so the learner must find the relations itself.
func relatedRecords(count: Int, seed: UInt64, startMs: Int64 = 1_640_000_000_000) -> RecordBatch {
    var rng = SeededRandom(seed: seed)
    var b = RecordBatch()
    var t = startMs
    let names = ["alpha", "beta", "gamma", "delta"]
    for i in 0..<count {
        t += Int64(rng.next() % 5000)
        let elapsed = Int64(rng.next() % 300)
        let startText = isoMs(t + 9 * 3_600_000, offset: "+09:00")
        let endText = isoMs(t + elapsed + 9 * 3_600_000, offset: "+09:00")
        let utc = isoMs(t, offset: "Z")
        let name = names[Int(rng.next() % 4)]
        let id = 900_000_000_000 + Int64(i) * 7
        let user = rng.next() % 500
        let uid = String(user &* 0x9E37_79B9_7F4A_7C15, radix: 36)
        let nick = "player-\(String((user &+ 77) &* 0xD1B5_4A32_D192_ED03, radix: 36))"
        let line = "{\"uid\":\"\(uid)\",\"nick\":\"\(nick)\",\"start\":\"\(startText)\",\"finish\":\"\(endText)\",\"took\":\(elapsed),\"name\":\"\(name)\",\"copy\":[\"\(utc)\"],\"epoch\":\(t),\"seq\":\(id),\"msg\":\"\(name) took \(elapsed) ms\"}"
        b.append(Array(line.utf8))
    }
    return b
}

func isoMs(_ ms: Int64, offset: String) -> String {
    let days = ms / 86_400_000
    let (y, m, d) = CivilDate.civil(fromDays: days)
    let r = ms % 86_400_000
    func p(_ v: Int64, _ w: Int) -> String { let s = String(v); return String(repeating: "0", count: max(0, w - s.count)) + s }
    return "\(p(y, 4))-\(p(m, 2))-\(p(d, 2))T\(p(r / 3_600_000, 2)):\(p(r / 60_000 % 60, 2)):\(p(r / 1000 % 60, 2)).\(p(r % 1000, 3))\(offset)"
}

@Suite struct LearningTests {
    @Test func learnsRelationsVocabulariesAndReferences() throws {
        let train = relatedRecords(count: 600, seed: 1)
        let test = relatedRecords(count: 400, seed: 2, startMs: 1_640_100_000_000)
        let model = TransformModel.learn(from: train, selection: .all)
        let field = try #require(model.field)
        func spec(_ name: String) throws -> ColumnSpec {
            try #require(field.columns.first { ShapePaths.display($0.path) == name })
        }
        #expect(try spec("start").kind == .timestamp)
        #expect(try spec("finish").relation?.kind == .tsFromTsNum)     // finish = start + took ms
        // The same instant in another spelling: one of the two is coded from the other.
        #expect(try spec("copy[]").relation?.kind == .tsFromTs || spec("start").relation?.kind == .tsFromTs)
        #expect(try spec("epoch").relation?.kind == .numFromTs)         // epoch ms of a timestamp
        #expect(try spec("name").vocab != nil)
        #expect(try !spec("msg").refs.isEmpty)                           // "name took N ms"
        // A user's nickname follows from the user id (and here the other way round too). The
        // table pays for itself once users come back often enough: 4,000 records of 500 users
        // (in 600 most users appear once, and a row would cost more than it saves).
        let often = try #require(TransformModel.learn(from: relatedRecords(count: 4000, seed: 1), selection: .all).field)
        let uid = try #require(often.columns.firstIndex { ShapePaths.display($0.path) == "uid" })
        let nick = try #require(often.columns.firstIndex { ShapePaths.display($0.path) == "nick" })
        #expect(often.columns[nick].lookup?.key == Int32(uid) || often.columns[uid].lookup?.key == Int32(nick))
        try Fixtures.roundTrip(model: model, test: test, framing: .file)
        try Fixtures.roundTrip(model: model, test: test, framing: .record)

        // Each of these transforms must pay for itself on such data (before any codec).
        let full = try Fixtures.roundTrip(model: model, test: test, framing: .file)
        for k in [TransformKind.derived, .timestamp, .enum, .integer, .shape] {
            let without = try Fixtures.roundTrip(train: train, test: test, selection: TransformSelection.all.without(k), framing: .record)
            let with = try Fixtures.roundTrip(model: model, test: test, framing: .record)
            #expect(with < without, "\(k) does not help")
        }
        #expect(full * 4 < test.totalBytes)
    }

    @Test func learnerSamplesAsManyRecordsAsAsked() throws {
        // Values first seen past the sample limit are learned only when the caller asks for
        // more records (a container's shared section samples every record it holds back).
        let early = ["early-value-aaaaaaaa", "early-value-bbbbbbbb", "early-value-cccccccc"]
        let late = ["late-value-dddddddd", "late-value-eeeeeeee"]
        var train = RecordBatch()
        for i in 0..<100 {
            let v = i < 50 || i % 2 == 0 ? early[i % 3] : late[(i / 2) % 2]
            train.append(Array("{\"k\":\"\(v)\",\"n\":\(i)}".utf8))
        }
        var test = RecordBatch()
        for i in 0..<20 { test.append(Array("{\"k\":\"\(late[i % 2])\",\"n\":\(i)}".utf8)) }
        let sampled = TransformModel.learn(from: train, selection: .all, fieldSampleLimit: 50)
        let every = TransformModel.learn(from: train, selection: .all, fieldSampleLimit: 100)
        var a = FrameEncoder(model: sampled), b = FrameEncoder(model: every)
        let pa = a.encode(test), pb = b.encode(test)
        // The late values become references (a byte or two) instead of 19 bytes of text.
        #expect(pb.count + 20 * 10 < pa.count, "\(pb.count) vs \(pa.count)")
        var da = FrameDecoder(model: sampled), db = FrameDecoder(model: every)
        #expect(try da.decode(pa, recordCount: 20) == test)
        #expect(try db.decode(pb, recordCount: 20) == test)
        // The default is the profile learner's 30,000 records: the same model as asking for it.
        #expect(TransformModel.learn(from: train, selection: .all).serialized() == every.serialized())
    }

    @Test func statsReportBytesPerFieldAndVerbatimRecords() throws {
        let train = relatedRecords(count: 200, seed: 3)
        var test = relatedRecords(count: 50, seed: 4)
        test.append(Array("not json at all".utf8))
        test.append(Array("{\"unseen\":\"field\"}".utf8))
        let model = TransformModel.learn(from: train, selection: .all)
        var enc = FrameEncoder(model: model)
        enc.collectStats = true
        let bytes = enc.encode(test)
        let st = enc.stats
        #expect(st.records == 52)
        #expect(st.verbatimRecords == 1)
        #expect(st.verbatimBytes == 15)
        #expect(st.literalShapes == 1)
        #expect(st.outputBytes == bytes.count)
        #expect(st.fields["unseen"]?.transform == "text (unseen path)")
        let start = try #require(st.fields["start"])
        #expect(start.values == 50 && start.bytesOut < start.bytesIn / 4)
        #expect(st.byTransform.values.reduce(0) { $0 + $1.values } == st.fields.values.reduce(0) { $0 + $1.values })
    }
}

@Suite struct RobustnessTests {
    static let selections: [TransformSelection] = [.all, .none, .legacy, TransformSelection.all.without(.columns)]

    @Test func corruptFramesThrowAndNeverTrap() throws {
        let train = relatedRecords(count: 200, seed: 5)
        var g = AwkwardJSON(seed: 99)
        var test = relatedRecords(count: 30, seed: 6)
        test.append(contentsOf: g.batch(10))
        var rng = SeededRandom(seed: 7)
        for sel in Self.selections {
            let model = TransformModel.learn(from: train, selection: sel)
            var enc = FrameEncoder(model: model)
            var dec = FrameDecoder(model: model)
            for frame in [test, test.slice(0..<1), test.slice(0..<5)] {
                let good = enc.encode(frame)
                // Every truncation throws (or, never, returns the original).
                for cut in stride(from: 0, to: good.count, by: max(1, good.count / 60)) {
                    let r = try? dec.decode(Array(good.prefix(cut)), recordCount: frame.count)
                    #expect(r != frame)
                }
                if sel.isFieldAware {   // raw frames have no length of their own: an extra byte joins the last record
                    #expect(throws: TransformError.self) { try dec.decode(good + [0], recordCount: frame.count) }
                }
                // Random damage: must not trap; usually throws.
                for _ in 0..<150 {
                    var bad = good
                    for _ in 0..<(1 + rng.next() % 3) {
                        let i = Int(rng.next() % UInt64(bad.count))
                        bad[i] = UInt8(truncatingIfNeeded: rng.next())
                    }
                    _ = try? dec.decode(bad, recordCount: frame.count)
                }
                #expect(try dec.decode(good, recordCount: frame.count) == frame)
                #expect(throws: TransformError.self) { try dec.decode(good, recordCount: Int.max) }
                #expect(throws: TransformError.self) { try dec.decode(good, recordCount: frame.count + 1) }
            }
        }
    }

    @Test func corruptModelsThrowAndNeverTrap() throws {
        let model = TransformModel.learn(from: relatedRecords(count: 200, seed: 8), selection: .all)
        let bytes = model.serialized()
        let again = try TransformModel(serialized: bytes)
        #expect(again.serialized() == bytes)
        for cut in stride(from: 0, to: bytes.count, by: max(1, bytes.count / 80)) {
            #expect(throws: TransformError.self) { try TransformModel(serialized: Array(bytes.prefix(cut))) }
        }
        var rng = SeededRandom(seed: 9)
        for _ in 0..<200 {
            var bad = bytes
            let i = Int(rng.next() % UInt64(bad.count))
            bad[i] ^= UInt8(1 + rng.next() % 255)
            #expect(throws: TransformError.self) { try TransformModel(serialized: bad) }
        }
        // Damage behind a valid checksum (a hostile profile): throws or loads, never traps,
        // and a model that loads still encodes and decodes without trapping.
        let payloadStart = 4 + 2 + 1 + "all".utf8.count
        for _ in 0..<300 {
            var body = Array(bytes.dropLast(4))
            let i = payloadStart + Int(rng.next() % UInt64(body.count - payloadStart))
            body[i] = UInt8(truncatingIfNeeded: rng.next())
            var w = ByteWriter()
            w.append(body)
            w.u32le(CRC32.checksum(body))
            if let m = try? TransformModel(serialized: w.bytes) {
                let sample = relatedRecords(count: 20, seed: 10)
                var enc = FrameEncoder(model: m)
                var dec = FrameDecoder(model: m)
                let f = enc.encode(sample)
                #expect(try dec.decode(f, recordCount: sample.count) == sample)
            }
        }
        #expect(throws: TransformError.self) { try TransformModel(serialized: Array("LLTM".utf8) + [9, 0]) }
    }

    @Test func decodingWithTheWrongModelNeverTraps() throws {
        let a = TransformModel.learn(from: relatedRecords(count: 100, seed: 11), selection: .all)
        var g = AwkwardJSON(seed: 12)
        let b = TransformModel.learn(from: g.batch(100), selection: .all)
        let sample = relatedRecords(count: 40, seed: 13)
        var enc = FrameEncoder(model: a)
        var dec = FrameDecoder(model: b)
        let f = enc.encode(sample)
        let r = try? dec.decode(f, recordCount: sample.count)
        #expect(r != sample)
    }
}
