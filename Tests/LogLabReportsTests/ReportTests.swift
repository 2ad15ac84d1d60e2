import Foundation
import Testing
import LogLabCore
import LogLabLab
@testable import LogLabReports

/// Reports rendered from a real (tiny) run: CSV columns come from the metric list, every
/// row has every column, JSON carries the container figures, Markdown explains the winner.
@Suite struct ReportTests {
    static let outcome: ExperimentOutcome = {
        let dir = NSTemporaryDirectory() + "loglab-reports-tests-\(getpid())"
        try? FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        let spec = try! SpecLoader.parse("""
        name: tiny
        question: does the report render?
        datasets: [{name: sdk, generate: {records: 400, seed: 9}, split: {train: 0.5}}]
        framings: [record, "block:32"]
        transforms: [none, all]
        codecs: [zstd:1]
        dictionaries: [none]
        trials: 1
        warmup: 0
        """, file: "tiny.yaml")
        // The tests read the outcome in memory; the reports the run writes are not kept.
        defer { try? FileManager.default.removeItem(atPath: dir) }
        return try! ExperimentRunner(spec: spec, backend: DefaultLabBackend(), provider: DefaultRecordProvider(),
                                     options: RunOptions(outDirectory: dir, cacheDirectory: nil, fresh: true)).run()
    }()

    @Test func metricsDescribeThemselves() {
        var columns = Set<String>()
        for m in Metric.allCases {
            #expect(!m.title.isEmpty)
            for c in m.csvColumns { #expect(columns.insert(c).inserted, "duplicate column \(c)") }
        }
        #expect(Metric.ratio.higherIsBetter && !Metric.storedBytes.higherIsBetter && Metric.compressMBps.isTiming)
        #expect(Metric.compressMBps.csvColumns == ["compress_mbps_median", "compress_mbps_min", "compress_mbps_max"])
    }

    @Test func csvHasEveryMetricForEveryCell() throws {
        let o = Self.outcome
        #expect(o.succeeded && o.records.count == 4)
        let csv = CSVReport.render(o, ExperimentAnalysis(outcome: o)).split(separator: "\n")
        let header = csv[0].split(separator: ",").map(String.init)
        #expect(csv.count == o.records.count + 1)
        for column in Metric.allCases.flatMap(\.csvColumns) { #expect(header.contains(column), "missing \(column)") }
        for line in csv.dropFirst() {
            #expect(line.split(separator: ",", omittingEmptySubsequences: false).count == header.count)
        }
        // container_bytes is exactly each cell's container, and the ratio is production's.
        let col = try #require(header.firstIndex(of: "container_bytes"))
        let values = csv.dropFirst().map { Int($0.split(separator: ",", omittingEmptySubsequences: false)[col])! }
        #expect(Set(values) == Set(o.records.map(\.result.containerBytes)))
        for r in o.records {
            #expect(r.result.storedBytes >= r.result.containerBytes && r.result.containerBytes > r.result.compressedBytes)
            #expect(abs(r.result.ratio - Double(r.result.inputBytes) / Double(r.result.storedBytes)) < 1e-9)
        }
        let recordCells = o.records.filter { $0.cell.framing == .record }
        #expect(recordCells.allSatisfy { $0.result.messageBytes != nil })
    }

    @Test func jsonAndMarkdownShowTheContainerAndTheWinnersBytes() throws {
        let o = Self.outcome
        let analysis = ExperimentAnalysis(outcome: o)
        let json = try JSONSerialization.jsonObject(with: Data(try JSONReport.render(o, analysis).utf8)) as! [String: Any]
        let cells = try #require(json["cells"] as? [[String: Any]])
        #expect(cells.count == 4)
        #expect(cells.allSatisfy { (($0["result"] as? [String: Any])?["containerBytes"] as? Int ?? 0) > 0 })
        let breakdowns = try #require(json["breakdowns"] as? [String: Any])
        #expect(breakdowns["sdk"] != nil)
        let winner = try #require(analysis.selections.first?.winner)
        let b = try #require(o.breakdowns["sdk"])
        #expect(b.containerBytes == winner.result.containerBytes)
        let md = MarkdownReport(outcome: o, analysis: analysis, charts: Charts.make(o, analysis)).render()
        #expect(md.contains("Where the winner's bytes go"))
        #expect(md.contains("| `(container format)` |"))
        #expect(md.contains("Stored: the container `loglab compress` writes, \(Fmt.bytes(winner.result.containerBytes)) bytes"))
    }
}
