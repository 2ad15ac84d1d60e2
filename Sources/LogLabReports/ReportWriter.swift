import Foundation
import LogLabContainer
import LogLabCore
import LogLabLab

/// Writes every report of an outcome into a folder: `report.md`, `results.csv`,
/// `report.json` and SVG charts. Every file is written atomically.
public enum ReportWriter {
    public struct Written: Sendable {
        public var files: [String]
    }

    @discardableResult
    public static func write(_ outcome: ExperimentOutcome, to directory: String) throws -> Written {
        let analysis = ExperimentAnalysis(outcome: outcome)
        let charts = Charts.make(outcome, analysis)
        var files: [String] = []
        func put(_ name: String, _ text: String) throws {
            try Files.writeAtomically(Array(text.utf8), to: directory + "/" + name)
            files.append(name)
        }
        try put("report.md", MarkdownReport(outcome: outcome, analysis: analysis, charts: charts).render())
        try put("results.csv", CSVReport.render(outcome, analysis))
        try put("report.json", try JSONReport.render(outcome, analysis))
        for c in charts.all { try put(c.file, c.svg) }
        return Written(files: files)
    }
}

enum Slug {
    static func make(_ s: String) -> String {
        let mapped = s.lowercased().map { $0.isLetter || $0.isNumber ? $0 : "-" }
        var out = ""
        for c in mapped where !(c == "-" && out.hasSuffix("-")) { out.append(c) }
        return out.trimmingCharacters(in: CharacterSet(charactersIn: "-"))
    }
}

/// Derived per-cell facts shared by every renderer.
struct CellView {
    let record: CellRecord
    let cost: CostModel.Breakdown?
    let feasible: Bool
    let violations: [String]
    let winner: Bool
    let paretoCompress: Bool
    let paretoRestore: Bool

    static func make(_ outcome: ExperimentOutcome, _ analysis: ExperimentAnalysis) -> [CellView] {
        let winners = Set(analysis.selections.compactMap { $0.winner?.cell.key })
        let pc = Set(analysis.paretoCompress.values.flatMap { $0 })
        let pr = Set(analysis.paretoRestore.values.flatMap { $0 })
        return outcome.records.map { r in
            let v = WinnerSelector.violations(r, objective: outcome.spec.objective, cost: outcome.spec.cost)
            return CellView(record: r, cost: r.monthlyCost(outcome.spec.cost), feasible: v.isEmpty, violations: v,
                            winner: winners.contains(r.cell.key), paretoCompress: pc.contains(r.cell.key), paretoRestore: pr.contains(r.cell.key))
        }
    }
}

// MARK: - CSV

enum CSVReport {
    /// One column (or median/min/max) per metric, in `Metric.allCases` order.
    static let metricColumns: [String] = Metric.allCases.flatMap(\.csvColumns)

    static func render(_ outcome: ExperimentOutcome, _ analysis: ExperimentAnalysis) -> String {
        var header = ["experiment", "dataset", "dataset_group", "framing", "transforms", "codec", "codec_family", "codec_level",
                      "dictionary", "dictionary_trainer", "dictionary_size_requested", "dictionary_training_records",
                      "artifacts_counted", "records", "input_bytes"]
        header += metricColumns
        header += ["trials", "warmup", "storage_cost_per_month", "compute_cost_per_month", "currency",
                   "meets_constraints", "winner", "pareto_compress", "pareto_restore", "verified"]
        let groups = Dictionary(uniqueKeysWithValues: outcome.datasets.map { ($0.name, $0.group) })
        var lines = [header.joined(separator: ",")]
        for v in CellView.make(outcome, analysis) {
            let r = v.record, c = r.cell
            var row: [String] = [outcome.spec.name, c.dataset, groups[c.dataset] ?? c.dataset, c.framing.description, c.transforms, c.codec,
                                 c.codecFamily, c.codecLevel.map(String.init) ?? "",
                                 c.dictionary?.label ?? "", c.dictionary?.trainer ?? "", c.dictionary.map { String($0.size) } ?? "",
                                 c.dictionary?.trainingRecords.map(String.init) ?? "",
                                 String(r.dictionaryCounted), String(r.records), String(r.inputBytes)]
            for m in Metric.allCases { row += m.csvCells(r.result, cost: outcome.spec.cost, format: num) }
            row += [String(outcome.spec.trials), String(outcome.spec.warmup),
                    num(v.cost?.storage), num(v.cost?.compute), outcome.spec.cost.currency,
                    String(v.feasible), String(v.winner), String(v.paretoCompress), String(v.paretoRestore), String(r.verified)]
            lines.append(row.map(quote).joined(separator: ","))
        }
        return lines.joined(separator: "\n") + "\n"
    }

    static func num(_ v: Double?) -> String {
        guard let v, v.isFinite else { return "" }
        if v == v.rounded() && abs(v) < 1e15 { return String(Int(v)) }
        return String(format: "%.4f", v)
    }

    static func quote(_ s: String) -> String {
        s.contains(",") || s.contains("\"") || s.contains("\n") ? "\"" + s.replacingOccurrences(of: "\"", with: "\"\"") + "\"" : s
    }
}

// MARK: - JSON

enum JSONReport {
    struct Document: Encodable {
        var experiment: String
        var question: String
        var quick: Bool
        var specHash: String
        var spec: ExperimentSpec
        var environment: EnvironmentInfo
        var datasets: [DatasetInfo]
        var skipped: [SkippedDataset]
        var cells: [Cell]
        var winners: [Winner]
        var paretoCompress: [String: [String]]
        var paretoRestore: [String: [String]]
        var transformDeltas: [AblationDelta]
        var dictionaryDeltas: [AblationDelta]
        var dictionaryKnees: [DictionaryKnee]
        var drift: [DriftSeries]
        var artifacts: [ArtifactInfo]
        var failures: [CellFailure]
        var notApplicable: [CellFailure]
        /// Dataset → where the bytes of its winner go.
        var breakdowns: [String: ByteBreakdown]
    }

    struct Cell: Encodable {
        var key: String
        var cell: LabCell
        var result: CellResult
        var payloadRatio: Double
        var cost: CostModel.Breakdown?
        var meetsConstraints: Bool
        var violations: [String]
    }

    struct Winner: Encodable {
        var dataset: String
        var winner: String?
        var feasibleCells: Int
        var bestUnconstrained: String?
        var bestUnconstrainedViolations: [String]
    }

    static func render(_ outcome: ExperimentOutcome, _ analysis: ExperimentAnalysis) throws -> String {
        let views = CellView.make(outcome, analysis)
        let doc = Document(
            experiment: outcome.spec.name, question: outcome.spec.question, quick: outcome.spec.quick,
            specHash: outcome.spec.specHash, spec: outcome.spec, environment: outcome.environment,
            datasets: outcome.datasets, skipped: outcome.skipped,
            cells: views.map { Cell(key: $0.record.cell.key, cell: $0.record.cell, result: $0.record.result, payloadRatio: $0.record.payloadRatio,
                                    cost: $0.cost, meetsConstraints: $0.feasible, violations: $0.violations) },
            winners: analysis.selections.map { Winner(dataset: $0.dataset, winner: $0.winner?.cell.key, feasibleCells: $0.ranking.count,
                                                      bestUnconstrained: $0.bestUnconstrained?.cell.key,
                                                      bestUnconstrainedViolations: $0.bestUnconstrainedViolations) },
            paretoCompress: analysis.paretoCompress, paretoRestore: analysis.paretoRestore,
            transformDeltas: analysis.transformDeltas, dictionaryDeltas: analysis.dictionaryDeltas,
            dictionaryKnees: analysis.dictionaryKnees, drift: analysis.drift, artifacts: outcome.artifacts, failures: outcome.failures,
            notApplicable: outcome.notApplicable, breakdowns: outcome.breakdowns)
        let enc = JSONEncoder()
        enc.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        enc.nonConformingFloatEncodingStrategy = .convertToString(positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
        return String(decoding: try enc.encode(doc), as: UTF8.self) + "\n"
    }
}

// MARK: - Charts

struct Charts {
    struct Chart {
        var file: String
        var title: String
        var svg: String
    }

    var scatter: [String: [Chart]] = [:]   // dataset → [compress, restore]
    var dictionary: [String: Chart] = [:]  // dataset → ratio by dictionary size
    var drift: [String: Chart] = [:]       // group → ratio by day
    var all: [Chart] = []

    static let familyColor = ["zstd": "#d62728", "gzip": "#1f77b4", "xz": "#ff7f0e", "brotli": "#2ca02c"]

    static func marker(_ f: Framing) -> SVGChart.Marker {
        switch f {
        case .record: .circle
        case .block: .square
        case .file: .triangle
        }
    }

    /// Datasets that get scatter charts: each standalone dataset, and the first test day of a per-day group.
    static func chartedDatasets(_ outcome: ExperimentOutcome) -> [String] {
        var seen = Set<String>()
        return outcome.datasets.filter { seen.insert($0.group).inserted }.map(\.name)
    }

    static func make(_ outcome: ExperimentOutcome, _ analysis: ExperimentAnalysis) -> Charts {
        var c = Charts()
        let byDataset = Dictionary(grouping: outcome.records, by: \.cell.dataset)
        for ds in chartedDatasets(outcome) {
            guard let recs = byDataset[ds], !recs.isEmpty else { continue }
            let sorted = recs.sorted { $0.cell.key < $1.cell.key }
            var charts: [Chart] = []
            for (metric, front, word) in [(Metric.compressMBps, analysis.paretoCompress[ds] ?? [], "compress"),
                                          (Metric.restoreMBps, analysis.paretoRestore[ds] ?? [], "restore")] {
                var series: [SVGChart.Series] = []
                let combos = Array(Set(sorted.map { "\($0.cell.codecFamily)|\($0.cell.framing)" })).sorted()
                for combo in combos {
                    let parts = combo.split(separator: "|").map(String.init)
                    let pts = sorted.filter { "\($0.cell.codecFamily)|\($0.cell.framing)" == combo }
                    let framing = pts[0].cell.framing
                    series.append(SVGChart.Series(
                        name: "\(parts[0]) · \(parts[1])", color: familyColor[parts[0]] ?? "#7f7f7f", marker: marker(framing),
                        points: pts.map { SVGChart.Point(x: $0.value(metric) ?? 0, y: $0.result.ratio,
                                                         tooltip: "\($0.cell.framing) \($0.cell.label): ratio \(Fmt.ratio($0.result.ratio)), \(word) \(Fmt.speed($0.value(metric))) MB/s") }))
                }
                let index = Dictionary(uniqueKeysWithValues: sorted.map { ($0.cell.key, $0) })
                let frontPts = front.compactMap { index[$0] }.map {
                    SVGChart.Point(x: $0.value(metric) ?? 0, y: $0.result.ratio, tooltip: "Pareto: \($0.cell.framing) \($0.cell.label)",
                                   label: front.count <= 12 ? "\($0.cell.codec)\($0.cell.dictionary != nil ? "+dict" : "")" : nil)
                }
                series.append(SVGChart.Series(name: "Pareto front", color: "#333333", points: frontPts, connect: true, dashed: true, showMarkers: false))
                let limits = outcome.spec.objective.constraints.filter { $0.metric == metric && $0.atLeast }
                    .map { (x: $0.value, label: "\($0)") }
                let svg = SVGChart(title: "\(ds): ratio vs \(word) speed", xLabel: "\(word) speed, MB/s of original bytes (log scale)",
                                   yLabel: "compression ratio", xLog: true, series: series, verticalLines: limits).render()
                charts.append(Chart(file: "ratio-vs-\(word)-\(Slug.make(ds)).svg", title: "ratio vs \(word) speed", svg: svg))
            }
            c.scatter[ds] = charts
            c.all += charts
        }
        // Ratio by dictionary size.
        let knees = Dictionary(grouping: analysis.dictionaryKnees, by: \.dataset)
        for ds in chartedDatasets(outcome) {
            guard let ks = knees[ds], !ks.isEmpty else { continue }
            let series = ks.prefix(10).enumerated().map { i, k in
                SVGChart.Series(name: String(k.series.prefix(28)), color: SVGChart.palette[i % SVGChart.palette.count],
                                marker: .circle,
                                points: k.points.map { SVGChart.Point(x: Double($0.size) / 1024, y: $0.ratio,
                                                                      tooltip: "\(k.series): \(DictionaryVariant.sizeLabel($0.size)) → \(Fmt.ratio($0.ratio))") },
                                connect: true)
            }
            let chart = Chart(file: "ratio-by-dictionary-size-\(Slug.make(ds)).svg", title: "ratio by dictionary size",
                              svg: SVGChart(title: "\(ds): ratio by dictionary size", xLabel: "dictionary size, KiB (log scale)",
                                            yLabel: "compression ratio", xLog: true, series: Array(series)).render())
            c.dictionary[ds] = chart
            c.all.append(chart)
        }
        // Drift.
        let drift = Dictionary(grouping: analysis.drift, by: \.group)
        for group in drift.keys.sorted() {
            let series = drift[group]!.prefix(10).enumerated().map { i, d in
                SVGChart.Series(name: String(d.configuration.prefix(28)), color: SVGChart.palette[i % SVGChart.palette.count],
                                marker: .circle,
                                points: d.points.map { SVGChart.Point(x: Double($0.day), y: $0.ratio, tooltip: "\(d.configuration): day \($0.day) → \(Fmt.ratio($0.ratio))") },
                                connect: true)
            }
            let chart = Chart(file: "ratio-by-day-\(Slug.make(group)).svg", title: "ratio by test day",
                              svg: SVGChart(title: "\(group): ratio by test day", xLabel: "test day", yLabel: "compression ratio",
                                            series: Array(series)).render())
            c.drift[group] = chart
            c.all.append(chart)
        }
        return c
    }
}
