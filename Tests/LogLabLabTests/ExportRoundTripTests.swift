import Foundation
import Testing
import LogLabContainer
import LogLabCore
import LogLabLab
import LogLabReports

/// Runs the built `loglab` binary; the suite is skipped when it is not built.
enum LogLabBinary {
    static let path: String? = {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        for config in ["debug", "release"] {
            let p = root.appendingPathComponent(".build/\(config)/loglab").path
            if FileManager.default.isExecutableFile(atPath: p) { return p }
        }
        return nil
    }()

    static func run(_ args: [String]) throws -> (status: Int32, stderr: String) {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: path!)
        p.arguments = args
        let err = Pipe()
        p.standardError = err
        p.standardOutput = FileHandle.nullDevice
        try p.run()
        let e = err.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        return (p.terminationStatus, String(decoding: e, as: UTF8.self))
    }
}

/// `loglab export` of a report's winner, then `loglab compress` of the experiment's test
/// records: the container has exactly the cell's containerBytes, and its ratio is the report's.
@Suite(.enabled(if: LogLabBinary.path != nil, "build the loglab executable first (swift build)"))
struct ExportRoundTripTests {
    @Test func exportedWinnerCompressesToTheMeasuredBytes() throws {
        let dir = try temporaryDirectory()
        let spec = try SpecLoader.parse("""
        name: export-check
        datasets:
          - {name: a, generate: {records: 500, seed: 9}, split: {train: 0.5}}
          - {name: b, generate: {records: 300, seed: 4}, split: {train: 0.5}}
        framings: [record, "block:64"]
        transforms: [none, all]
        codecs: [zstd:3]
        dictionaries: [none, {sizes: [2KiB]}]
        dictionary_counted: always
        trials: 1
        warmup: 0
        objective: {minimize: stored_bytes}
        """, file: "export.yaml")
        let o = try ExperimentRunner(spec: spec, backend: DefaultLabBackend(), provider: DefaultRecordProvider(),
                                     options: RunOptions(outDirectory: dir, cacheDirectory: nil)).run()
        #expect(o.succeeded, "\(o.failures.map(\.message))")
        _ = try ReportWriter.write(o, to: dir)
        let (prepared, _) = try DatasetPreparation.prepare(spec.datasets, baseDirectory: spec.baseDirectory, provider: DefaultRecordProvider())
        let analysis = ExperimentAnalysis(outcome: o)

        // Two datasets: export refuses to guess.
        let refused = try LogLabBinary.run(["export", "--report", dir + "/report.json", "--train", dir + "/x.jsonl", "-o", dir + "/no.llp"])
        #expect(refused.status != 0 && refused.stderr.contains("--dataset"))

        // Each dataset's winner, and a cell with a dictionary named by its key.
        let withDictionary = try #require(o.records.first { $0.cell.dataset == "a" && $0.cell.dictionary != nil && $0.cell.framing == .record })
        var checks: [(PreparedDataset, CellRecord, Bool)] = prepared.compactMap { ds in
            analysis.selections.first { $0.dataset == ds.name }?.winner.map { (ds, $0, false) }
        }
        checks.append((prepared[0], withDictionary, true))
        #expect(checks.count == 3)
        for (ds, winner, byKey) in checks {
            let winnerKey = winner.cell.key
            let train = dir + "/\(ds.name)-train.jsonl", test = dir + "/\(ds.name)-test.jsonl"
            try Files.writeAtomically(ds.train.joinedLines(finalNewline: true), to: train)
            try Files.writeAtomically(ds.test.joinedLines(finalNewline: true), to: test)
            let profile = dir + "/\(ds.name).llp", container = dir + "/\(ds.name).llc"
            let pick = byKey ? ["--cell-key", winnerKey] : ["--dataset", ds.name]
            var r = try LogLabBinary.run(["export", "--report", dir + "/report.json"] + pick + ["--train", train, "-o", profile])
            #expect(r.status == 0, "\(r.stderr)")
            r = try LogLabBinary.run(["compress", "--profile", profile, "-i", test, "-o", container])
            #expect(r.status == 0, "\(r.stderr)")
            let size = Int(try Files.read(container).count)
            #expect(size == winner.result.containerBytes, "\(ds.name): \(winnerKey)")
            let p = try Profile.load(path: profile)
            #expect(p.dictionaryBytes == winner.result.dictionaryBytes)
            #expect(size + p.dictionaryBytes + (p.model.selection.isNone ? 0 : p.modelStoredBytes) == winner.result.storedBytes)
        }
    }
}
