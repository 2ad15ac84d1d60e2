import Foundation
import LogLabCore

/// A question written down as a grid: datasets × framings × transform chains × codecs ×
/// dictionaries, how to measure each cell, how to pick a winner and what it costs.
/// Built by `SpecLoader` from YAML (see `Experiments/*.yaml`); every field is validated.
public struct ExperimentSpec: Sendable, Codable, Equatable {
    public var name: String
    public var question: String
    public var notes: String?
    public var datasets: [DatasetSpec]
    public var framings: [Framing]
    /// Canonical transform-selection spellings: "none", "legacy", "all", "a,b".
    public var transforms: [String]
    /// Canonical codec spellings: "zstd:3", "gzip:6", "xz:9e".
    public var codecs: [String]
    /// `nil` is "no dictionary".
    public var dictionaries: [DictionaryVariant?]
    /// Whether a trained dictionary counts towards the stored size (`auto`: when the test set is
    /// smaller than 100× the dictionary, where leaving it out would flatter the ratio).
    public var dictionaryCounted: DictionaryAccounting
    /// Containers without and/or with a shared section (`shared_section: [false, true]`).
    public var sharedSections: [Bool] = [false]
    public var trials: Int
    public var warmup: Int
    public var objective: Objective
    public var cost: CostModel
    /// Whether the `quick:` block was applied.
    public var quick: Bool
    /// `auto`: instead of every cell of the grid, the cells the profile search visits (the
    /// search `loglab profile train` runs, over the grid's axes); nil: the whole grid.
    public var search: SearchMode?
    /// SHA-256 of the canonical resolved spec (after includes and quick), for the report.
    public var specHash: String
    /// Folder that relative dataset paths are resolved against (the spec's folder); not
    /// part of the serialised spec, so reports never carry machine paths.
    public var baseDirectory: String = "."

    enum CodingKeys: String, CodingKey {
        case name, question, notes, datasets, framings, transforms, codecs, dictionaries, dictionaryCounted, sharedSections
        case trials, warmup, objective, cost, quick, specHash, search
    }

    public init(name: String, question: String, notes: String? = nil, datasets: [DatasetSpec],
                framings: [Framing], transforms: [String], codecs: [String],
                dictionaries: [DictionaryVariant?], dictionaryCounted: DictionaryAccounting = .auto,
                trials: Int, warmup: Int, objective: Objective, cost: CostModel,
                quick: Bool = false, specHash: String = "", search: SearchMode? = nil) {
        self.name = name
        self.question = question
        self.notes = notes
        self.datasets = datasets
        self.framings = framings
        self.transforms = transforms
        self.codecs = codecs
        self.dictionaries = dictionaries
        self.dictionaryCounted = dictionaryCounted
        self.trials = trials
        self.warmup = warmup
        self.objective = objective
        self.cost = cost
        self.quick = quick
        self.specHash = specHash
        self.search = search
    }

    /// The search's speed floors: the objective's `compress_(cpu_)mbps >=` and
    /// `restore_(cpu_)mbps >=` constraints, else the defaults of `loglab profile train`.
    public var searchFloors: SpeedFloors {
        var f = SpeedFloors.standard
        for c in objective.constraints where c.atLeast {
            switch c.metric {
            case .compressMBps, .compressCPUMBps: f.compressMBps = c.value
            case .restoreMBps, .restoreCPUMBps: f.restoreMBps = c.value
            default: break
            }
        }
        return f
    }
}

/// How an experiment picks its cells: the whole grid, or the profile search over its axes.
public enum SearchMode: String, Sendable, Codable, Equatable {
    case grid, auto
}

public enum DictionaryAccounting: String, Sendable, Codable, Equatable {
    case auto, always, never
}

public struct DatasetSpec: Sendable, Codable, Equatable {
    public var name: String
    public var source: DatasetSource
    /// Drop the first N records of the source (before `limit`): a window further into a long
    /// day. Generated sources never hold the skipped records in memory.
    public var skip: Int?
    /// Use only the first N records of the source (after `skip`).
    public var limit: Int?
    public var split: SplitSpec
    /// Caps applied after the split (first N of each side).
    public var trainRecords: Int?
    public var testRecords: Int?

    public init(name: String, source: DatasetSource, skip: Int? = nil, limit: Int? = nil, split: SplitSpec,
                trainRecords: Int? = nil, testRecords: Int? = nil) {
        self.name = name
        self.source = source
        self.skip = skip
        self.limit = limit
        self.split = split
        self.trainRecords = trainRecords
        self.testRecords = testRecords
    }
}

public enum DatasetSource: Sendable, Codable, Equatable {
    /// The sdk-log generator with these options (canonical key → value spelling).
    case generated([String: String])
    /// A file, as spelt in the spec; relative paths are resolved against the spec's folder. `optional` files that
    /// are absent are skipped with a note instead of failing the run.
    case file(path: String, optional: Bool)
    /// A dataset named in the datasets catalogue.
    case catalog(String, optional: Bool)
}

public enum SplitSpec: Sendable, Codable, Equatable {
    /// The first `train` fraction of the records trains, the rest is the test set.
    case fraction(Double)
    /// Records grouped by the calendar day of a timestamp field (day 1 = the earliest day).
    /// With `eachTestDay`, every test day becomes its own test set (same training set).
    case days(field: String, train: [Int], test: [Int], eachTestDay: Bool)
    /// Train and test on the same records (in-sample; the report says so).
    case same
    /// Training records from another source (e.g. another seed's day, or an earlier window of
    /// the same day); every record of the dataset tests.
    case source(DatasetSource, skip: Int?, limit: Int?)
}

/// One trained dictionary configuration.
public struct DictionaryVariant: Sendable, Codable, Hashable, Comparable {
    /// fastcover, cover or legacy.
    public var trainer: String
    /// Requested dictionary size in bytes (the trainer may return fewer; the result records the actual size).
    public var size: Int
    /// Train on at most the first N training records (nil: all of them).
    public var trainingRecords: Int?
    /// Level baked into the dictionary (nil: the level of the cell's codec).
    public var level: Int?
    /// Trainer parameters (k, d, f, steps, accel, split), canonical spellings.
    public var params: [String: String]

    public init(trainer: String, size: Int, trainingRecords: Int? = nil, level: Int? = nil, params: [String: String] = [:]) {
        self.trainer = trainer
        self.size = size
        self.trainingRecords = trainingRecords
        self.level = level
        self.params = params
    }

    /// Short label for tables: "fastcover 16 KiB".
    public var label: String {
        var s = "\(trainer) \(Self.sizeLabel(size))"
        if let n = trainingRecords { s += " n=\(n)" }
        if let l = level { s += " L\(l)" }
        let p = params.keys.sorted().map { "\($0)=\(params[$0]!)" }
        if !p.isEmpty { s += " " + p.joined(separator: ",") }
        return s
    }

    /// Sizes as a spec would spell them: 16384 → "16 KiB", 16000 → "16 KB", 256000 → "256 KB", 1000000 → "1 MB".
    public static func sizeLabel(_ size: Int) -> String {
        if size >= 1_000_000 && size % 1_000_000 == 0 { return "\(size / 1_000_000) MB" }
        if size >= 1000 && size % 1000 == 0 { return "\(size / 1000) KB" }
        if size >= 1024 && size % 1024 == 0 { return ByteSize.format(size) }
        return "\(size) B"
    }

    /// Stable identity: every field, canonical order.
    public var key: String {
        var s = "\(trainer):\(size)"
        s += ":n\(trainingRecords.map(String.init) ?? "all")"
        s += ":L\(level.map(String.init) ?? "cell")"
        for k in params.keys.sorted() { s += ":\(k)=\(params[k]!)" }
        return s
    }

    public static func < (a: DictionaryVariant, b: DictionaryVariant) -> Bool {
        (a.trainer, a.size, a.trainingRecords ?? Int.max, a.level ?? -1000, a.key)
            < (b.trainer, b.size, b.trainingRecords ?? Int.max, b.level ?? -1000, b.key)
    }
}
