import Foundation
import Testing
import LogLabCodecs
import LogLabContainer
import LogLabCore
import LogLabLab
import LogLabTransforms

/// The lab measures what production stores: a cell's `containerBytes` is the size of the
/// container `loglab compress` writes with the profile `loglab export` makes of that cell.
@Suite struct ContainerBytesTests {
    static let records: RecordBatch = {
        var batch = RecordBatch()
        var x: UInt64 = 7
        for i in 0..<1500 {
            x = x &* 6364136223846793005 &+ 1442695040888963407
            let s = 10 + i * 37
            let ts = String(format: "2021-12-26T%02d:%02d:%02d.%03dZ", s / 3600 % 24, s / 60 % 60, s % 60, Int(x % 1000))
            let line = "{\"timestamp\":\"\(ts)\",\"app\":\"app\(x % 7)\",\"user\":\"u\((x >> 8) % 300)\",\"status\":\((x >> 20) % 3 == 0 ? 500 : 200),\"msg\":\"request \(x % 100_000) done\"}"
            batch.append(Array(line.utf8))
        }
        return batch
    }()

    @Test(arguments: ["record", "block:64", "file"], [nil, 4096] as [Int?])
    func containerBytesEqualWhatCompressWrites(framing: String, dictionary: Int?) throws {
        try check(framing: framing, dictionary: dictionary, shared: false)
    }

    /// With a shared section (`loglab compress --shared-section`): the section is learned
    /// from the same records, written the same way, and counted in the container's bytes.
    @Test(arguments: [("block:64", nil), ("block:16", 4096), ("record", nil)] as [(String, Int?)])
    func sharedSectionContainerBytesEqualWhatCompressWrites(framing: String, dictionary: Int?) throws {
        try check(framing: framing, dictionary: dictionary, shared: true)
    }

    func check(framing: String, dictionary: Int?, shared: Bool) throws {
        let train = Self.records.slice(0..<900), test = Self.records.slice(900..<1500)
        let config = CellConfig(framing: try Framing(parsing: framing), codec: try CodecSpec(parsing: "zstd:3"),
                                dictionarySize: dictionary, transforms: .all, latencySamples: 5, sharedSection: shared)
        let r = try CellBenchmark.run(config: config, train: train, test: test, trials: 1, warmup: 0)

        // What `loglab export` builds for this cell, then what `loglab compress` writes with it.
        let profile = try ProfileTrainer.train(
            records: train,
            options: .init(transforms: .all, codec: config.codec, framing: config.framing, dictionarySize: dictionary ?? 0,
                           timestampField: "timestamp"),
            training: nil, source: nil)
        #expect(profile.dictionaryBytes == r.dictionaryBytes)
        #expect(profile.modelStoredBytes == r.modelBytes)
        let input = test.joinedLines(finalNewline: true)
        let container = try ContainerWriter.compress(input, codec: ProfileCodec(profile: profile),
                                                     options: .init(threads: 2, sharedSection: shared))
        #expect(container.count == r.containerBytes, "\(framing) dict \(dictionary ?? 0) shared \(shared)")
        #expect((container[ContainerFormat.headerSize] == SharedSection.code) == shared)
        if shared { #expect(r.notes.contains { $0.hasPrefix("shared section") }) }
        #expect(r.storedBytes == r.containerBytes + r.dictionaryBytes + r.modelBytes)
        #expect(abs(r.ratio - Double(input.count) / Double(r.storedBytes)) < 1e-9)
    }
}
