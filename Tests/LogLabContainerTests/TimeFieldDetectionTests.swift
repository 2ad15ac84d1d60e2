import Foundation
import Testing
import LogLabCore
import LogLabDatasets
@testable import LogLabContainer

/// `profile train` picks the field that dates real logs (the public datasets beside the
/// checkout; skipped when they are absent).
@Suite struct TimeFieldDetectionTests {
    static let folder: String? = {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        let dir = root.deletingLastPathComponent().appendingPathComponent("shared/datasets").path
        return FileManager.default.fileExists(atPath: dir) ? dir : nil
    }()

    @Test(.enabled(if: folder != nil, "../shared/datasets is absent"),
          arguments: [("zeek-dns.jsonl.zst", "ts"), ("kibana-web-logs.jsonl.zst", "timestamp"), ("aws-cloudtrail.jsonl.zst", "@timestamp")])
    func realLogsGetTheirTimeField(file: String, field: String) throws {
        let path = Self.folder! + "/" + file
        guard FileManager.default.fileExists(atPath: path) else { return }
        let records = try RecordSources.load(path: path).records
        let (found, candidates) = ProfileTrainer.detectTimeField(records)
        #expect(found == field, "\(file): \(candidates)")
        // Every record of the sample is dated by that field through the time module.
        let f = TimeField(field)
        let dated = (0..<min(records.count, 500)).filter { i in records.withRecord(i) { f.time(in: $0) } != nil }.count
        #expect(dated == min(records.count, 500))
    }

    @Test func sdkLogGetsItsTimestamp() {
        let records = RecordBatch(lines: SdkSamples.train)
        #expect(ProfileTrainer.detectTimeField(records).field == "_source.timestamp")
        var undated = RecordBatch()
        for i in 0..<50 { undated.append(Array("{\"n\":\(i),\"when\":\"soon\"}".utf8)) }
        let none = ProfileTrainer.detectTimeField(undated)
        #expect(none.field == nil && none.candidates.isEmpty)
    }
}
