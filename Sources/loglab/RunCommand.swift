import ArgumentParser
import Foundation
import LogLabLab
import LogLabReports

struct RunCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run",
        abstract: "Run an experiment spec and write its reports.",
        discussion: """
        Measures every cell of the spec's grid (verified restores, timed one at a time) and \
        writes report.md, results.csv, report.json and SVG charts to the output folder \
        (default Reports/<name>/). Finished cells are journalled there: an interrupted run \
        resumes where it stopped. Trained dictionaries and models are cached by content.
        """
    )

    @Argument(help: "The experiment spec (YAML), e.g. Experiments/codec-shootout.yaml.")
    var spec: String

    @Flag(help: "Apply the spec's quick: block (a small grid that finishes in minutes).")
    var quick = false

    @Option(name: .shortAndLong, help: "Output folder (default: Reports/<name>/, or Reports/<name>-quick/ with --quick).")
    var output: String?

    @Option(help: "Cache folder for trained dictionaries and models.")
    var cache = ".loglab-cache"

    @Flag(help: "Do not use the cache.")
    var noCache = false

    @Flag(help: "Ignore the results journal and measure every cell again.")
    var fresh = false

    @Flag(help: "Check the spec and print the grid without running it.")
    var dryRun = false

    @OptionGroup var global: GlobalOptions

    var out: String? { output }

    func run() throws {
        let loaded = try SpecLoader.load(path: spec, quick: quick)
        if dryRun {
            print(GridExpansion.describe(loaded))
            return
        }
        let outDir = out ?? "Reports/\(loaded.name)\(quick ? "-quick" : "")"
        let console = ConsoleProgress()
        let runner = ExperimentRunner(spec: loaded, backend: DefaultLabBackend(), provider: DefaultRecordProvider(cacheDirectory: noCache ? nil : cache),
                                      options: RunOptions(outDirectory: outDir, cacheDirectory: noCache ? nil : cache, fresh: fresh,
                                                          progress: { if !global.quiet { console.handle($0) } }))
        let start = Date()
        let outcome = try runner.run()
        console.finish()
        let written = try ReportWriter.write(outcome, to: outDir)
        let secs = Date().timeIntervalSince(start)
        global.result("\(loaded.name): \(outcome.records.count)/\(outcome.cells.count) cells (\(outcome.measuredNow) measured now, \(outcome.resumed) from the journal), "
              + "artifacts trained \(outcome.artifactsTrained), reused \(outcome.artifactsReused), \(String(format: "%.1f", secs)) s")
        global.result("reports: \(written.files.map { outDir + "/" + $0 }.prefix(4).joined(separator: ", "))\(written.files.count > 4 ? ", …" : "")")
        if !outcome.failures.isEmpty {
            throw RunFailed(description: "\(outcome.failures.count) cell(s) failed (first: \(outcome.failures[0].cell.key): \(outcome.failures[0].message)); see \(outDir)/report.md")
        }
    }
}

struct RunFailed: Error, CustomStringConvertible {
    let description: String
}
