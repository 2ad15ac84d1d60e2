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
