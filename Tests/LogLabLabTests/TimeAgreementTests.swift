import Foundation
import Testing
import LogLabCore
import LogLabCodecs
import LogLabContainer
import LogLabDatasets
import LogLabTransforms
@testable import LogLabLab

/// Splits, experiment specs, the container's time index and partitions read record times
/// through one module; the same record must get the same UTC day and hour from each.
@Suite struct TimeAgreementTests {
    /// (record, expected UTC day, expected UTC hour), times written the ways logs write them.
    static let cases: [(String, String, Int)] = [
        (#"{"event":{"time":"2021-12-26T23:30:00+09:00"},"n":0}"#, "2021-12-26", 14),
        (#"{"event":{"time":"2021-12-26T23:30:00-05:00"},"n":1}"#, "2021-12-27", 4),
        (#"{"event":{"time":"2021-12-27T00:10:59.884+09:00"},"n":2}"#, "2021-12-26", 15),
        (#"{"event":{"time":1640561400},"n":3}"#, "2021-12-26", 23),
        (#"{"event":{"time":1640561400123},"n":4}"#, "2021-12-26", 23),
        (#"{"event":{"time":1.6405614e9},"n":5}"#, "2021-12-26", 23),
        (#"{"event":{"time":1640561400123456},"n":6}"#, "2021-12-26", 23),
        (#"{"event":{"time":"2021-12-26 15:11:04"},"n":7}"#, "2021-12-26", 15),
        (#"{"event":{"time":["2021-12-31T23:59:59.999Z"]},"n":8}"#, "2021-12-31", 23),
        (#"{"event":{"time":"1640561400"},"n":9}"#, "2021-12-26", 23),
        (#"{"other":{"time":"2020-01-01"},"event":{"time":"2022-01-01T01:00:00Z"},"n":10}"#, "2022-01-01", 1),
    ]
    static let undated = #"{"event":{"time":"2021-02-30T00:00:00Z"},"n":11}"#
    static let field = "event.time"

    static var records: RecordBatch {
        var b = RecordBatch()
        for c in cases { b.append(Array(c.0.utf8)) }
        b.append(Array(undated.utf8))
        return b
    }

    @Test func everyReaderGivesTheSameDayAndHour() throws {
        let records = Self.records
        let expectedDays = Self.cases.map(\.1) + [nil]

        // Splits (dataset split --by time).
        let tf = TimeField(Self.field)
        let splitDays = (0..<records.count).map { i in records.withRecord(i) { Splits.day(of: $0, field: tf) }.map(Timestamps.dateString) }
        #expect(splitDays == expectedDays)

        // Experiment specs (split: days).
        #expect(DatasetPreparation.dayIndex(records, field: Self.field) == expectedDays)

        // The container's time index: one record per frame, each frame's time range.
        let profile = try ProfileTrainer.train(
            records: records, options: .init(transforms: .none, codec: try CodecSpec(parsing: "zstd:1"), framing: .block(1),
                                             dictionarySize: 0, timestampField: Self.field),
            training: nil, source: nil)
        let dir = NSTemporaryDirectory() + "loglab-time-agreement-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let codec = ProfileCodec(profile: profile)
        var container = [UInt8]()
        let writer = try ContainerWriter(codec: codec, options: .init(threads: 1, recordsPerFrame: 1)) { container.append(contentsOf: $0) }
        try writer.append(records)
        _ = try writer.finish(finalNewline: true)
        let path = dir + "/c.llc"
        try Files.writeAtomically(container, to: path)
        // Container 2.0 keeps time bounds per segment, so ask the reader for each record's hour:
        // exactly the records dated in that hour come back.
        let reader = try ContainerReader(path: path, codec: codec)
        #expect(reader.index.entries.count == records.count)
        for (i, c) in Self.cases.enumerated() {
            guard let day = Timestamps.parseDate(c.1) else { Issue.record("bad day \(c.1)"); continue }
            let start = day * 86_400_000 + Int64(c.2) * 3_600_000
            let found = try reader.records(from: start, to: start + 3_600_000)
            let wanted = Self.cases.indices.filter { Self.cases[$0].1 == c.1 && Self.cases[$0].2 == c.2 }
            #expect(found.count == wanted.count, "record \(i)")
            #expect((0..<found.count).contains { found[$0] == records[i] }, "record \(i)")
        }
        #expect(try reader.records(from: .min, to: .max).count == Self.cases.count, "the undated record has no time")

        // Partitions: every dated record lands in the dt=/hour= folder of its day and hour.
        let parts = dir + "/parts"
        let partitioned = try PartitionedWriter(directory: parts, codec: codec, granularity: .hour,
                                                timestampField: Self.field, options: .init(threads: 1))
        for i in 0..<Self.cases.count { try records.withRecord(i) { try partitioned.append($0) } }
        let manifest = try partitioned.finish()
        var placed = 0
        for part in manifest.parts {
            let r = try ContainerReader(path: parts + "/" + part.path, codec: codec)
            let batch = RecordBatch(lines: try r.restoreAll())
            for k in 0..<batch.count {
                let text = String(decoding: batch[k], as: UTF8.self)
                guard let c = Self.cases.first(where: { $0.0 == text }) else { Issue.record("unexpected record \(text)"); continue }
                let hour = c.2 < 10 ? "0\(c.2)" : "\(c.2)"
                #expect(part.path.hasPrefix("dt=\(c.1)/hour=\(hour)/"), "\(text) in \(part.path)")
                placed += 1
            }
        }
        #expect(placed == Self.cases.count)
    }
}
