import Foundation
import LogLabCore

/// A dataset ready for measurement: its training and test records, with content hashes.
public struct PreparedDataset: Sendable {
    /// Cell dataset name: the spec's name, or "name@dayN" for one test day of a per-day split.
    public var name: String
    /// The spec's dataset name.
    public var group: String
    /// Position within the group (the test day for per-day splits, else 0).
    public var order: Int
    public var train: RecordBatch
    public var test: RecordBatch
    public var info: DatasetInfo

    public init(name: String, group: String, order: Int, train: RecordBatch, test: RecordBatch, info: DatasetInfo) {
        self.name = name
        self.group = group
        self.order = order
        self.train = train
        self.test = test
        self.info = info
    }
}

/// What the report says about a dataset.
public struct DatasetInfo: Sendable, Codable, Equatable {
    public var name: String
    public var group: String
    public var order: Int
    public var source: String
    public var split: String
    public var trainRecords: Int
    public var trainBytes: Int
    public var testRecords: Int
    public var testBytes: Int
    public var trainHash: String
    public var testHash: String
    /// Train and test are the same records.
    public var inSample: Bool
}

public struct SkippedDataset: Sendable, Codable, Equatable {
    public var name: String
    public var reason: String
}

/// Where records come from. The default reads files and runs the sdk-log generator; tests
/// and tools can supply their own.
public protocol RecordProvider: Sendable {
    func generate(_ options: [String: String]) throws -> RecordBatch
    func load(path: String) throws -> RecordBatch
    /// The file path of a catalogue entry.
    func catalogPath(_ name: String) throws -> String
}

public struct LabError: Error, CustomStringConvertible {
    public let description: String
    public init(_ description: String) { self.description = description }
}

public enum DatasetPreparation {
    /// Loads, limits and splits every dataset of the spec. Optional files that are absent
    /// are reported as skipped; any other problem throws.
    public static func prepare(_ specs: [DatasetSpec], baseDirectory: String = ".", provider: RecordProvider) throws -> (prepared: [PreparedDataset], skipped: [SkippedDataset]) {
        var prepared: [PreparedDataset] = []
        var skipped: [SkippedDataset] = []
        for spec in specs {
            let records: RecordBatch
            let sourceText: String
            switch spec.source {
            case .generated(let options):
                records = try provider.generate(options)
                sourceText = "generated sdk-log (" + options.keys.sorted().map { "\($0)=\(options[$0]!)" }.joined(separator: ", ") + ")"
            case .file(let spelt, let optional):
                let path = spelt.hasPrefix("/") ? spelt : URL(fileURLWithPath: baseDirectory).appendingPathComponent(spelt).standardizedFileURL.path
                if !FileManager.default.fileExists(atPath: path) {
                    if optional {
                        skipped.append(SkippedDataset(name: spec.name, reason: "\(URL(fileURLWithPath: path).lastPathComponent) is absent"))
                        continue
                    }
                    throw LabError("dataset '\(spec.name)': \(spelt): no such file (relative paths start at the spec's folder)")
                }
                records = try provider.load(path: path)
                sourceText = "file \(URL(fileURLWithPath: path).lastPathComponent)"
            case .catalog(let name, let optional):
                let path: String
                do { path = try provider.catalogPath(name) } catch {
                    if optional { skipped.append(SkippedDataset(name: spec.name, reason: "\(error)")); continue }
                    throw error
                }
                if !FileManager.default.fileExists(atPath: path) {
                    if optional {
                        skipped.append(SkippedDataset(name: spec.name, reason: "catalogue entry \(name) (\(URL(fileURLWithPath: path).lastPathComponent)) is absent"))
                        continue
                    }
                    throw LabError("dataset '\(spec.name)': catalogue entry \(name): \(path): no such file")
                }
                records = try provider.load(path: path)
                sourceText = "catalogue \(name) (\(URL(fileURLWithPath: path).lastPathComponent))"
            }
            let limited = spec.limit.map { records.slice(0..<min($0, records.count)) } ?? records
            prepared += try split(limited, spec: spec, sourceText: sourceText)
        }
        return (prepared, skipped)
    }

    static func split(_ records: RecordBatch, spec: DatasetSpec, sourceText: String) throws -> [PreparedDataset] {
        func cap(_ b: RecordBatch, _ n: Int?) -> RecordBatch { n.map { b.slice(0..<min($0, b.count)) } ?? b }
        func make(_ name: String, _ order: Int, _ train: RecordBatch, _ test: RecordBatch, _ splitText: String, inSample: Bool) throws -> PreparedDataset {
            let train = cap(train, spec.trainRecords), test = cap(test, spec.testRecords)
            guard !test.isEmpty else { throw LabError("dataset '\(name)': the test set is empty (\(splitText))") }
            let info = DatasetInfo(name: name, group: spec.name, order: order, source: sourceText, split: splitText,
                                   trainRecords: train.count, trainBytes: train.totalBytes, testRecords: test.count,
                                   testBytes: test.totalBytes, trainHash: contentHash(train), testHash: contentHash(test), inSample: inSample)
            return PreparedDataset(name: name, group: spec.name, order: order, train: train, test: test, info: info)
        }
        switch spec.split {
        case .same:
            return [try make(spec.name, 0, records, records, "train = test (in-sample)", inSample: true)]
        case .fraction(let f):
            let n = Int((Double(records.count) * f).rounded())
            let cut = min(max(n, records.count > 1 ? 1 : 0), max(records.count - 1, 0))
            return [try make(spec.name, 0, records.slice(0..<cut), records.slice(cut..<records.count),
                             "first \(Int((f * 100).rounded()))% trains, the rest tests", inSample: false)]
        case .days(let field, let trainDays, let testDays, let each):
            let days = dayIndex(records, field: field)
            let distinct = Array(Set(days.compactMap { $0 })).sorted()
            func batch(_ wanted: Set<Int>) -> RecordBatch {
                var out = RecordBatch()
                for i in 0..<records.count {
                    if let d = days[i], let idx = distinct.firstIndex(of: d), wanted.contains(idx + 1) { out.append(records[i]) }
                }
                return out
            }
            guard let maxDay = (trainDays + testDays).max(), maxDay <= distinct.count else {
                throw LabError("dataset '\(spec.name)': the split needs day \((trainDays + testDays).max() ?? 0) but the '\(field)' field spans \(distinct.count) day(s)")
            }
            let train = batch(Set(trainDays))
            guard !train.isEmpty else { throw LabError("dataset '\(spec.name)': no records on training day(s) \(trainDays)") }
            func dayText(_ d: [Int]) -> String { d.count == 1 ? "day \(d[0])" : "days \(d.map(String.init).joined(separator: ","))" }
            if each {
                return try testDays.map { d in
                    try make("\(spec.name)@day\(d)", d, train, batch([d]),
                             "train \(dayText(trainDays)) (\(distinct[trainDays[0] - 1])), test day \(d) (\(distinct[d - 1]))", inSample: false)
                }
            }
            return [try make(spec.name, 0, train, batch(Set(testDays)), "train \(dayText(trainDays)), test \(dayText(testDays))", inSample: false)]
        }
    }

    /// The UTC day ("YYYY-MM-DD") of each record's time at `field`, read by the time
    /// module (the same reader as splits, the container index and partitions), or nil.
    static func dayIndex(_ records: RecordBatch, field: String) -> [String?] {
        let f = TimeField(field)
        return (0..<records.count).map { i in
            records.withRecord(i) { f.time(in: $0) }.map { Timestamps.dateString(days: Timestamps.day($0)) }
        }
    }

    /// SHA-256 over the record bytes and their boundaries.
    public static func contentHash(_ batch: RecordBatch) -> String {
        let h = SHA256Hasher()
        h.update(batch.bytes)
        var w = ByteWriter(capacity: batch.offsets.count * 3)
        for o in batch.offsets { w.varint(o) }
        h.update(w.bytes)
        return h.finalize().hexString
    }
}
