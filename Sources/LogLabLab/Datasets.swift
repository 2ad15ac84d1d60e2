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
    /// Only the records at positions `range` of what `generate(options)` gives (nil: all).
    func generate(_ options: [String: String], range: Range<Int>?) throws -> RecordBatch
    func load(path: String) throws -> RecordBatch
    /// The file path of a catalogue entry.
    func catalogPath(_ name: String) throws -> String
}

extension RecordProvider {
    /// Generates everything, then cuts: right for small test providers; the default provider
    /// generates the window alone.
    public func generate(_ options: [String: String], range: Range<Int>?) throws -> RecordBatch {
        let all = try generate(options)
        guard let range else { return all }
        return all.slice(min(range.lowerBound, all.count)..<min(range.upperBound, all.count))
    }
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
            let loaded = try loadSource( spec.source, skip: spec.skip, limit: spec.limit, dataset: spec.name,
                                     baseDirectory: baseDirectory, provider: provider)
            guard case .loaded(let records, let sourceText) = loaded else {
                if case .skipped(let reason) = loaded { skipped.append(SkippedDataset(name: spec.name, reason: reason)) }
                continue
            }
            var separateTrain: (RecordBatch, String)? = nil
            if case .source(let trainSource, let trainSkip, let trainLimit) = spec.split {
                let t = try loadSource( trainSource, skip: trainSkip, limit: trainLimit, dataset: spec.name,
                                    baseDirectory: baseDirectory, provider: provider)
                guard case .loaded(let train, let trainText) = t else {
                    if case .skipped(let reason) = t { skipped.append(SkippedDataset(name: spec.name, reason: "training source: " + reason)) }
                    continue
                }
                separateTrain = (train, trainText)
            }
            prepared += try split(records, spec: spec, sourceText: sourceText, separateTrain: separateTrain)
        }
        return (prepared, skipped)
    }

    enum Loaded {
        case loaded(RecordBatch, String)
        case skipped(String)
    }

    /// The records `skip..<skip+limit` of one source, and how the report names them. Generated
    /// sources produce only that window (the provider may cache it); files are read, then cut.
    static func loadSource(_ source: DatasetSource, skip: Int?, limit: Int?, dataset: String, baseDirectory: String,
                        provider: RecordProvider) throws -> Loaded {
        let from = skip ?? 0
        let window = limit.map { from..<(from + $0) } ?? (from..<Int.max)
        func windowText(_ count: Int) -> String {
            skip == nil ? "" : ", records \(from)..<\(from + count)"   // limit alone reads as before
        }
        func cut(_ all: RecordBatch) -> RecordBatch {
            skip == nil && limit == nil ? all : all.slice(min(from, all.count)..<min(window.upperBound, all.count))
        }
        switch source {
        case .generated(let options):
            let records = try provider.generate(options, range: skip == nil && limit == nil ? nil : window)
            return .loaded(records, "generated sdk-log (" + options.keys.sorted().map { "\($0)=\(options[$0]!)" }.joined(separator: ", ") + ")" + windowText(records.count))
        case .file(let spelt, let optional):
            let path = spelt.hasPrefix("/") ? spelt : URL(fileURLWithPath: baseDirectory).appendingPathComponent(spelt).standardizedFileURL.path
            if !FileManager.default.fileExists(atPath: path) {
                if optional { return .skipped("\(URL(fileURLWithPath: path).lastPathComponent) is absent") }
                throw LabError("dataset '\(dataset)': \(spelt): no such file (relative paths start at the spec's folder)")
            }
            let records = cut(try provider.load(path: path))
            return .loaded(records, "file \(URL(fileURLWithPath: path).lastPathComponent)" + windowText(records.count))
        case .catalog(let name, let optional):
            let path: String
            do { path = try provider.catalogPath(name) } catch {
                if optional { return .skipped("\(error)") }
                throw error
            }
            if !FileManager.default.fileExists(atPath: path) {
                if optional { return .skipped("catalogue entry \(name) (\(URL(fileURLWithPath: path).lastPathComponent)) is absent") }
                throw LabError("dataset '\(dataset)': catalogue entry \(name): \(path): no such file")
            }
            let records = cut(try provider.load(path: path))
            return .loaded(records, "catalogue \(name) (\(URL(fileURLWithPath: path).lastPathComponent))" + windowText(records.count))
        }
    }

    static func split(_ records: RecordBatch, spec: DatasetSpec, sourceText: String,
                      separateTrain: (RecordBatch, String)? = nil) throws -> [PreparedDataset] {
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
        case .source:
            guard let (train, trainText) = separateTrain, !train.isEmpty else {
                throw LabError("dataset '\(spec.name)': the training source has no records")
            }
            return [try make(spec.name, 0, train, records, "train: \(trainText); test: every record", inSample: false)]
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
