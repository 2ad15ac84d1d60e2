import Foundation
import Testing
import LogLabCodecs
import LogLabContainer
import LogLabCore
import LogLabDatasets
import LogLabTransforms
@testable import LogLabReports

/// `loglab explain`: the parts add up to the total, which is the container plus side data.
@Suite struct BreakdownTests {
    static func sdk(_ n: Int, seed: UInt64) -> RecordBatch {
        SdkLogGenerator(options: .init(records: n, start: "2021-12-26", days: 1, seed: seed)).generate()
    }

    static func profile(train: RecordBatch, framing: Framing, dictionary: Int) throws -> Profile {
        try ProfileTrainer.train(records: train, options: .init(transforms: .all, codec: try CodecSpec(parsing: "zstd:3"),
                                                                framing: framing, dictionarySize: dictionary),
                                 training: nil, source: nil)
    }

    static func checkAddsUp(_ b: ByteBreakdown, records: RecordBatch, profile: Profile) throws {
        #expect(b.rows.reduce(0) { $0 + $1.compressedBytes } == b.totalBytes)
        #expect(b.totalBytes == b.containerBytes + b.dictionaryBytes + b.modelBytes)
        #expect(b.containerBytes == b.storedBytes + b.containerOverheadBytes)
        let data = b.rows.filter { !["(container format)", "(dictionary)", "(transform model)"].contains($0.path) }
        #expect(data.reduce(0) { $0 + $1.compressedBytes } == b.storedBytes)
        #expect(data.reduce(0) { $0 + $1.originalBytes } == b.inputBytes)
        #expect(abs(b.rows.reduce(0) { $0 + $1.share } - 1) < 1e-9)
        #expect(b.inputBytes == records.totalBytes + records.count)
        // The container is exactly what `loglab compress` writes.
        let written = try ContainerWriter.compress(records.joinedLines(finalNewline: true), codec: ProfileCodec(profile: profile))
        #expect(written.count == b.containerBytes)
        #expect(b.dictionaryBytes == profile.dictionaryBytes)
        #expect(b.modelBytes == (profile.model.selection.isNone ? 0 : profile.modelStoredBytes))
    }

    @Test(arguments: [(Framing.record, 4096), (Framing.block(64), 0)])
    func sdkLogPartsAddUp(framing: Framing, dictionary: Int) throws {
        let train = Self.sdk(800, seed: 21), test = Self.sdk(400, seed: 22)
        let p = try Self.profile(train: train, framing: framing, dictionary: dictionary)
        let b = try ByteBreakdown.explain(profile: p, records: test)
        try Self.checkAddsUp(b, records: test, profile: p)
        #expect(b.rows.contains { $0.path == "_source.timestamp" && $0.values == 400 })
        #expect(b.rows.contains { $0.path == "(container format)" && $0.compressedBytes > 0 })
    }

    @Test func realDatasetPartsAddUp() throws {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        let path = root.appendingPathComponent("../shared/datasets/kibana-web-logs.jsonl.zst").standardized.path
        guard FileManager.default.fileExists(atPath: path) else { return }   // skip: the dataset is not on this machine
        let all = try RecordSources.load(path: path).records
        let n = min(all.count / 2, 1500)
        #expect(n > 100)
        let p = try Self.profile(train: all.slice(0..<n), framing: .block(64), dictionary: 0)
        let test = all.slice(n..<(2 * n))
        let b = try ByteBreakdown.explain(profile: p, records: test)
        try Self.checkAddsUp(b, records: test, profile: p)
        #expect(b.rows.count > 5)
    }

    @Test func renderingsCarryEveryRow() throws {
        let train = Self.sdk(300, seed: 3), test = Self.sdk(200, seed: 4)
        let p = try ProfileTrainer.train(records: train, options: .init(transforms: .none, codec: try CodecSpec(parsing: "gzip:6"),
                                                                        framing: .block(16), dictionarySize: 0),
                                         training: nil, source: nil)
        let b = try ByteBreakdown.explain(profile: p, records: test)
        try Self.checkAddsUp(b, records: test, profile: p)
        #expect(b.rows.map(\.path) == ["(records)", "(container format)"])
        let csv = try BreakdownFormat.csv.render(b).split(separator: "\n")
        #expect(csv.count == b.rows.count + 2)
        #expect(csv.filter { !$0.contains("\"") }.allSatisfy { $0.split(separator: ",", omittingEmptySubsequences: false).count == BreakdownFormat.columns.count })
        let decoded = try JSONDecoder().decode(ByteBreakdown.self, from: Data(try BreakdownFormat.json.render(b).utf8))
        #expect(decoded == b)
        let text = try BreakdownFormat.text.render(b)
        #expect(text.contains("(container format)") && text.contains(String(b.totalBytes)))
        let md = try BreakdownFormat.markdown.render(b)
        #expect(md.split(separator: "\n").filter { $0.hasPrefix("| ") }.count == b.rows.count + 3)
    }
}
