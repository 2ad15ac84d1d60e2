import Testing
import LogLabCore
@testable import LogLabTransforms

@Suite struct NoneTransformTests {
    @Test func noneJoinsRecordsWithOneByteOverhead() throws {
        let batch = RecordBatch([Array("{\"a\":1}".utf8), Array("not json".utf8), [], Array("x\r".utf8)])
        let model = TransformModel.learn(from: batch, selection: .none)
        var enc = FrameEncoder(model: model)
        let bytes = enc.encode(batch)
        #expect(bytes.count == batch.totalBytes + batch.count)   // kind byte + 3 separators
        #expect(Array(bytes.dropFirst()) == batch.joinedLines(finalNewline: false))
        var dec = FrameDecoder(model: model)
        #expect(try dec.decode(bytes, recordCount: batch.count) == batch)
    }

    @Test func recordsContainingNewlinesRoundTrip() throws {
        let batch = RecordBatch([Array("{\n \"a\": 1\n}".utf8), Array("\n".utf8), []])
        let model = TransformModel.learn(from: batch, selection: .none)
        var enc = FrameEncoder(model: model)
        var dec = FrameDecoder(model: model)
        let bytes = enc.encode(batch)
        #expect(try dec.decode(bytes, recordCount: 3) == batch)
        #expect(throws: TransformError.self) { try dec.decode(bytes, recordCount: 4) }
    }

    @Test func emptyAndSingleEmptyRecordFramesDiffer() throws {
        let model = TransformModel.learn(from: RecordBatch(), selection: .none)
        var enc = FrameEncoder(model: model)
        var dec = FrameDecoder(model: model)
        let zero = enc.encode(RecordBatch())
        #expect(try dec.decode(zero, recordCount: 0).count == 0)
        let one = RecordBatch([[UInt8]()])
        #expect(try dec.decode(enc.encode(one), recordCount: 1) == one)
        #expect(throws: TransformError.self) { try dec.decode([], recordCount: 0) }
        #expect(throws: TransformError.self) { try dec.decode([0x00, 0x0A], recordCount: 1) }
    }

    /// Restore's path (`decodeLines`, one copy) gives what `decode` gives, joined, for both
    /// raw layouts and the edge counts, and refuses a wrong record count the same way.
    @Test func decodeLinesMatchesDecodeAndRefusesWrongCounts() throws {
        let model = TransformModel.learn(from: RecordBatch(), selection: .none)
        var enc = FrameEncoder(model: model)
        var dec = FrameDecoder(model: model)
        let batches = [
            RecordBatch(), RecordBatch([[UInt8]()]), RecordBatch([[UInt8](), []]),
            RecordBatch([Array("{\"a\":1}".utf8), [], Array("x\r".utf8), Array(" ".utf8)]),
            RecordBatch([Array("a\nb".utf8), [], Array("\n".utf8)]),
        ]
        for batch in batches {
            let bytes = enc.encode(batch)
            var out: [UInt8] = [7]   // decodeLines appends
            try dec.decodeLines(bytes, recordCount: batch.count, into: &out)
            #expect(out == [7] + batch.joinedLines())
            let decoded = try dec.decode(bytes, recordCount: batch.count)
            #expect(decoded == batch)
            // The kind byte alone is both 0 records and one empty one (the header's count
            // decides), so those two counts are not wrong for it.
            for wrong in [batch.count + 1, batch.count - 1] where wrong >= 0 && wrong <= bytes.count && bytes.count > 1 {
                var scratch = [UInt8]()
                #expect(throws: TransformError.self) { try dec.decodeLines(bytes, recordCount: wrong, into: &scratch) }
            }
        }
    }

    /// The writer's check of a raw frame compares in place: any other record set fails it,
    /// whether it differs in a byte, a length, a split point or the count.
    @Test func rawFrameCheckCatchesEveryDifference() throws {
        let model = TransformModel.learn(from: RecordBatch(), selection: .none)
        var enc = FrameEncoder(model: model)
        var dec = FrameDecoder(model: model)
        let batch = RecordBatch([Array("abc".utf8), [], Array("de".utf8)])
        let bytes = enc.encode(batch)
        let itself = dec.restores(bytes, exactly: batch)
        #expect(itself)
        let others = [
            RecordBatch([Array("abd".utf8), [], Array("de".utf8)]),
            RecordBatch([Array("ab".utf8), Array("c".utf8), Array("de".utf8)]),
            RecordBatch([Array("abc".utf8), Array("de".utf8)]),
            RecordBatch([Array("abc".utf8), [], Array("de".utf8), []]),
            RecordBatch([Array("abc".utf8), [], Array("def".utf8)]),
            RecordBatch(),
        ]
        for other in others {
            let same = dec.restores(bytes, exactly: other)
            #expect(!same)
        }
        let empty = enc.encode(RecordBatch())
        let emptyItself = dec.restores(empty, exactly: RecordBatch())
        let emptyAsTwoRecords = dec.restores(empty, exactly: RecordBatch([[UInt8](), []]))
        #expect(emptyItself && !emptyAsTwoRecords)
    }

    @Test func emptyTrainingStillRestoresEverything() throws {
        var g = AwkwardJSON(seed: 5)
        let test = g.batch(60)
        for sel in [TransformSelection.all, .legacy, TransformSelection([.shape])] {
            let model = TransformModel.learn(from: RecordBatch(), selection: sel)
            for framing in Fixtures.framings { try Fixtures.roundTrip(model: model, test: test, framing: framing) }
            var enc = FrameEncoder(model: model)
            var dec = FrameDecoder(model: model)
            #expect(try dec.decode(enc.encode(RecordBatch()), recordCount: 0).count == 0)
        }
    }

    @Test func selectionSpellingsParseBack() throws {
        for text in ["none", "all", "legacy", "shape,columns", "timestamp,shape", "all-derived"] {
            let s = try TransformSelection(parsing: text)
            #expect(try TransformSelection(parsing: s.description) == s)
        }
        #expect(try TransformSelection(parsing: "all") == .all)
        #expect(try TransformSelection(parsing: "all-derived") == TransformSelection.all.without(.derived))
        #expect(throws: TransformError.self) { try TransformSelection(parsing: "shape,bogus") }
        #expect(throws: TransformError.self) { try TransformSelection(parsing: "legacy,shape") }
    }

    @Test func modelSerialisationRoundTripsAndRejectsCorruption() throws {
        let model = TransformModel.learn(from: RecordBatch(), selection: .none)
        let bytes = model.serialized()
        #expect(try TransformModel(serialized: bytes).selection == .none)
        var bad = bytes; bad[bad.count - 1] ^= 1
        #expect(throws: TransformError.self) { try TransformModel(serialized: bad) }
        #expect(throws: TransformError.self) { try TransformModel(serialized: Array(bytes.prefix(5))) }
        #expect(throws: TransformError.self) { try TransformModel(serialized: []) }
    }
}
