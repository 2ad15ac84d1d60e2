import Foundation

/// What a report says beyond the raw table: winners, Pareto fronts, ablation deltas, the
/// dictionary-size knee and drift across test days. Computed from finished records only;
/// orders are fixed by exact quantities (sizes) and keys, never by timings, except where the
/// question is about timing (Pareto fronts, speed constraints).
public struct ExperimentAnalysis: Sendable, Codable {
    public var selections: [WinnerSelection]
    /// The same objective within each framing (a stream, micro-batches and batch files are
    /// different deployments): dataset → framing → selection.
    public var framingSelections: [String: [String: WinnerSelection]]
    /// Dataset → keys of the cells on the ratio/compress-speed front (increasing speed).
    public var paretoCompress: [String: [String]]
    public var paretoRestore: [String: [String]]
    public var transformDeltas: [AblationDelta]
    public var dictionaryDeltas: [AblationDelta]
    public var dictionaryKnees: [DictionaryKnee]
    public var drift: [DriftSeries]

    public init(outcome: ExperimentOutcome) {
        let spec = outcome.spec
        let byDataset = Dictionary(grouping: outcome.records, by: \.cell.dataset)
        let datasetOrder = outcome.datasets.map(\.name)
        selections = datasetOrder.compactMap { name in
            guard let recs = byDataset[name] else { return nil }
            return WinnerSelector.select(recs, dataset: name, objective: spec.objective, cost: spec.cost)
        }
        var fs: [String: [String: WinnerSelection]] = [:]
        for (name, recs) in byDataset {
            for f in spec.framings {
                let sub = recs.filter { $0.cell.framing == f }
                if !sub.isEmpty { fs[name, default: [:]][f.description] = WinnerSelector.select(sub, dataset: name, objective: spec.objective, cost: spec.cost) }
            }
        }
        framingSelections = fs
        var pc: [String: [String]] = [:], pr: [String: [String]] = [:]
        for (name, recs) in byDataset {
            let sorted = recs.sorted { $0.cell.key < $1.cell.key }
            pc[name] = Pareto.front(sorted.map { (x: $0.value(.compressMBps) ?? 0, y: $0.result.ratio) }).map { sorted[$0].cell.key }
            pr[name] = Pareto.front(sorted.map { (x: $0.value(.restoreMBps) ?? 0, y: $0.result.ratio) }).map { sorted[$0].cell.key }
        }
        paretoCompress = pc
        paretoRestore = pr

        let index = Dictionary(outcome.records.map { ($0.cell.key, $0) }, uniquingKeysWith: { a, _ in a })
        var td: [AblationDelta] = []
        var dd: [AblationDelta] = []
        for r in outcome.records {
            if r.cell.transforms != "none" {
                let noneBase = index[r.cell.with(transforms: "none").key]
                let allBase = r.cell.transforms != "all" ? index[r.cell.with(transforms: "all").key] : nil
                if noneBase != nil || allBase != nil {
                    td.append(AblationDelta(record: r, variant: r.cell.transforms, versusNone: noneBase, versusAll: allBase))
                }
            }
            if let d = r.cell.dictionary, let base = index[r.cell.with(dictionary: .some(nil)).key] {
                dd.append(AblationDelta(record: r, variant: d.label, versusNone: base, versusAll: nil))
            }
        }
        transformDeltas = td
        dictionaryDeltas = dd
        dictionaryKnees = DictionaryKnee.find(outcome.records)
        drift = DriftSeries.find(outcome)
    }
}

/// What one variant adds over a baseline cell that differs only in that respect.
public struct AblationDelta: Sendable, Codable {
    public var dataset: String
    public var framing: String
    public var codec: String
    /// The rest of the configuration (dictionary for transform deltas, transforms for dictionary deltas).
    public var context: String
    public var variant: String
    public var ratio: Double
    /// Ratio of the baseline without the variant (transforms "none" / no dictionary).
    public var baselineRatio: Double?
    /// Stored size change against that baseline, in percent (negative: smaller).
    public var storedChangePercent: Double?
    /// Ratio of the "all" transforms cell, and the stored change of this variant against it.
    public var allRatio: Double?
    public var storedChangeVersusAllPercent: Double?

    init(record r: CellRecord, variant: String, versusNone: CellRecord?, versusAll: CellRecord?) {
        dataset = r.cell.dataset
        framing = r.cell.framing.description
        codec = r.cell.codec
        if variant == r.cell.transforms { context = r.cell.dictionary.map { $0.label } ?? "no dictionary" } else { context = "transforms " + r.cell.transforms }
        self.variant = variant
        ratio = r.result.ratio
        baselineRatio = versusNone?.result.ratio
        storedChangePercent = versusNone.map { Self.change(Double(r.result.storedBytes), Double($0.result.storedBytes)) }
        allRatio = versusAll?.result.ratio
        storedChangeVersusAllPercent = versusAll.map { Self.change(Double(r.result.storedBytes), Double($0.result.storedBytes)) }
    }

    static func change(_ v: Double, _ base: Double) -> Double { base > 0 ? (v - base) / base * 100 : 0 }
}

/// Ratio against dictionary size for one otherwise fixed configuration, and its knee: the
/// smallest size reaching 98 % of the best ratio in the series.
public struct DictionaryKnee: Sendable, Codable {
    public var dataset: String
    public var series: String
    /// (requested size, actual dictionary bytes, ratio), by increasing size; size 0 = no dictionary.
    public var points: [Point]
    public var kneeSize: Int?
    public var bestRatio: Double

    public struct Point: Sendable, Codable {
        public var size: Int
        public var dictionaryBytes: Int
        public var ratio: Double
    }

    public static let threshold = 0.98

    static func find(_ records: [CellRecord]) -> [DictionaryKnee] {
        var groups: [String: [CellRecord]] = [:]
        var order: [String] = []
        for r in records {
            guard let d = r.cell.dictionary else { continue }
            var generic = d
            generic.size = 0
            let g = "\(r.cell.dataset)|\(r.cell.framing) \(r.cell.codec) \(generic.label.replacingOccurrences(of: " 0 B", with: ""))\(r.cell.transforms == "none" ? "" : ", transforms " + r.cell.transforms)"
            if groups[g] == nil { order.append(g) }
            groups[g, default: []].append(r)
        }
        var out: [DictionaryKnee] = []
        for g in order {
            let recs = groups[g]!.sorted { $0.cell.dictionary!.size < $1.cell.dictionary!.size }
            guard recs.count >= 2 else { continue }
            let points = recs.map { Point(size: $0.cell.dictionary!.size, dictionaryBytes: Int($0.value(.dictionaryBytes) ?? 0), ratio: $0.result.ratio) }
            let best = points.map(\.ratio).max() ?? 0
            let knee = points.first { $0.ratio >= best * threshold }?.size
            let parts = g.split(separator: "|", maxSplits: 1)
            out.append(DictionaryKnee(dataset: String(parts[0]), series: String(parts[1]), points: points, kneeSize: knee, bestRatio: best))
        }
        return out
    }
}

/// Ratio of one configuration across the per-day test sets of a dataset (train day fixed).
public struct DriftSeries: Sendable, Codable {
    public var group: String
    public var configuration: String
    /// (test day, ratio), by day.
    public var points: [Point]
    /// First day whose ratio is below 95 % of the first test day's, if any.
    public var retrainDay: Int?

    public struct Point: Sendable, Codable {
        public var day: Int
        public var ratio: Double
    }

    public static let threshold = 0.95

    static func find(_ outcome: ExperimentOutcome) -> [DriftSeries] {
        let groups = Dictionary(grouping: outcome.datasets, by: \.group).filter { $0.value.count > 1 }
        var out: [DriftSeries] = []
        for group in groups.keys.sorted() {
            let days = Dictionary(uniqueKeysWithValues: groups[group]!.map { ($0.name, $0.order) })
            var series: [String: [Point]] = [:]
            var order: [String] = []
            for r in outcome.records {
                guard let day = days[r.cell.dataset] else { continue }
                let config = "\(r.cell.framing) \(r.cell.label)"
                if series[config] == nil { order.append(config) }
                series[config, default: []].append(Point(day: day, ratio: r.result.ratio))
            }
            for c in order {
                let pts = series[c]!.sorted { $0.day < $1.day }
                guard let first = pts.first else { continue }
                let retrain = pts.first { $0.ratio < first.ratio * threshold }?.day
                out.append(DriftSeries(group: group, configuration: c, points: pts, retrainDay: retrain))
            }
        }
        return out
    }
}
