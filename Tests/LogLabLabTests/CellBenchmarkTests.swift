import Foundation
import Testing
import LogLabCodecs
import LogLabCore
import LogLabLab
import LogLabTransforms

@Suite struct CellBenchmarkTests {
    static let records: RecordBatch = {
        var batch = RecordBatch()
        var x: UInt64 = 42
        for i in 0..<1200 {
            x = x &* 6364136223846793005 &+ 1442695040888963407
            let line = "{\"ts\":\(1_640_000_000 + i * 7),\"app\":\"app\(x % 7)\",\"user\":\"u\((x >> 8) % 300)\",\"status\":\((x >> 20) % 3 == 0 ? 500 : 200),\"msg\":\"request \(x % 100_000) done\"}"
            batch.append(Array(line.utf8))
        }
        return batch
    }()

    @Test(arguments: ["record", "block:16", "file"])
    func measuresAndVerifiesEveryFraming(framing: String) throws {
        let config = CellConfig(framing: try Framing(parsing: framing), codec: try CodecSpec(parsing: "zstd:3"), latencySamples: 50)
        let test = Self.records.slice(200..<1200)
        let r = try CellBenchmark.run(config: config, train: nil, test: test, trials: 2, warmup: 1)
        #expect(r.verified)
        #expect(r.records == 1000)
        #expect(r.inputBytes == test.totalBytes + test.count)
        // No side data: what is stored is the container, the codec's output plus the format.
        #expect(r.storedBytes == r.containerBytes)
        #expect(r.containerBytes == r.compressedBytes + r.containerOverheadBytes)
        #expect(r.containerOverheadBytes > 0 && r.containerOverheadBytes <= 56 + 48 + 4 * r.records)
        #expect(abs(r.ratio - Double(r.inputBytes) / Double(r.storedBytes)) < 1e-9)
        #expect(r.compressMBps.count == 2 && r.compressMBps.median > 0 && r.decompressMBps.min <= r.decompressMBps.max)
        switch config.framing {
        case .record:
            #expect(r.frames == 1000)
            // Each payload: the record's bytes behind a frame-kind byte.
            #expect(r.codecInputBytes == test.totalBytes + 1000)
            #expect(r.restoreLatencyP50Microseconds != nil && r.latencySamples == 50)
            #expect(r.messageBytes.map { $0 > r.compressedBytes && $0 <= r.compressedBytes + 3 * 1000 } == true)
        case .block:
            #expect(r.frames == 63)
            #expect(r.codecInputBytes == test.totalBytes + 1000)
            #expect(r.messageBytes == nil)
        case .file:
            #expect(r.frames == 1)
            #expect(r.codecInputBytes == r.inputBytes)
            #expect(r.restoreLatencyP50Microseconds == nil)
        }
        // The compressed size is what the codec really produces for these frames.
        if config.framing == .file {
            let whole = try Compressor(config.codec).compress([0] + test.joinedLines(finalNewline: false))
            #expect(r.compressedBytes == whole.count)
        }
    }

    @Test func trainsTheDictionaryOnTrainRecordsAndCountsIt() throws {
        let config = CellConfig(framing: .record, codec: try CodecSpec(parsing: "zstd:3"), dictionarySize: 4096, latencySamples: 10)
        #expect(config.dictionaryTraining.size == 4096 && config.dictionaryTraining.level == 3)
        let r = try CellBenchmark.run(config: config, train: Self.records.slice(0..<800), test: Self.records.slice(800..<1200), trials: 1, warmup: 0)
        #expect(r.dictionaryBytes > 0 && r.dictionaryBytes <= 4096)
        #expect(r.storedBytes == r.containerBytes + r.dictionaryBytes)
        #expect(r.dictionarySource == "train")
        #expect(r.dictionaryID.map { $0 >= 32_768 } == true)
        #expect((r.dictionaryTrainingSeconds ?? 0) > 0 && r.trainingSeconds >= r.dictionaryTrainingSeconds!)
        let plain = try CellBenchmark.run(config: CellConfig(framing: .record, codec: config.codec, latencySamples: 0),
                                          train: nil, test: Self.records.slice(800..<1200), trials: 1, warmup: 0)
        #expect(r.compressedBytes < plain.compressedBytes)
        #expect(plain.restoreLatencyP50Microseconds == nil)
    }

    @Test func transformsSlotInBetweenFramingAndCodec() throws {
        let config = CellConfig(framing: .block(50), codec: try CodecSpec(parsing: "gzip:6"), transforms: .all, latencySamples: 20)
        let r = try CellBenchmark.run(config: config, train: Self.records.slice(0..<600), test: Self.records.slice(600..<1200), trials: 1, warmup: 0)
        #expect(r.verified)
        #expect(r.modelBytes > 0 && r.modelSource == "train")
        #expect(r.storedBytes == r.containerBytes + r.modelBytes)
        #expect(r.modelBytes < r.modelRawBytes)
        #expect(r.restoreMBps.count == 1)
    }

    @Test func configAndResultAreCodableWithStableKeys() throws {
        let json = #"{"framing":"block:8","codec":"xz:9e"}"#
        let config = try JSONDecoder().decode(CellConfig.self, from: Data(json.utf8))
        #expect(config.framing == .block(8) && config.codec.extreme && config.transforms == .none && config.countSideData)
        let r = try CellBenchmark.run(config: config, train: nil, test: Self.records.slice(0..<100), trials: 1, warmup: 0)
        let data = try JSONEncoder().encode(r)
        let back = try JSONDecoder().decode(CellResult.self, from: data)
        #expect(back == r)
        let keys = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any]).keys
        for key in ["config", "ratio", "storedBytes", "compressMBps", "decompressMBps", "restoreMBps", "verified", "peakMemoryBytes"] {
            #expect(keys.contains(key))
        }
        let csv = try CellResultFormat.csv.render([r])
        #expect(csv.split(separator: "\n").count == 2)
        #expect(try CellResultFormat.text.render([r]).contains("xz:9e"))
    }

    @Test func rejectsImpossibleCells() throws {
        let test = Self.records.slice(0..<10)
        #expect(throws: BenchError.self) {
            try CellBenchmark.run(config: CellConfig(framing: .file, codec: try CodecSpec(parsing: "gzip:6"), dictionarySize: 4096),
                                  train: nil, test: test, trials: 1, warmup: 0)
        }
        #expect(throws: BenchError.self) {
            try CellBenchmark.run(config: CellConfig(framing: .file, codec: try CodecSpec(parsing: "zstd:3")), train: nil, test: RecordBatch(), trials: 1, warmup: 0)
        }
        #expect(throws: BenchError.self) {
            try CellBenchmark.run(config: CellConfig(framing: .file, codec: try CodecSpec(parsing: "zstd:3")), train: nil, test: test, trials: 0, warmup: 0)
        }
    }
}
