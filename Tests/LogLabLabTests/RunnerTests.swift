import Foundation
import LogLabCore
import Testing
@testable import LogLabLab
@testable import LogLabReports

let runSpec = """
name: tiny
question: Which fake codec wins?
datasets:
  - name: gen
    generate: {records: 120, seed: 2}
    split: {train: 0.5}
  - name: week
    generate: {records: 90, days: 3}
    split: {train_days: 1, test_days: "2-3", each_test_day: true}
  - name: absent
    path: no-such-file.jsonl
    optional: true
framings: [record, file]
transforms: [none, all]
codecs: [zstd:1, zstd:9, gzip:6]
dictionaries:
  - none
  - {trainer: fastcover, sizes: [1KiB, 4KiB]}
trials: 2
warmup: 0
objective:
  minimize: stored_bytes
  constraints: ["compress_mbps >= 100"]
"""

func runTiny(out: String, cache: String?, backend: FakeBackend, spec text: String = runSpec, fresh: Bool = false) throws -> ExperimentOutcome {
    let spec = try SpecLoader.parse(text, file: "tiny.yaml", baseDirectory: out)
    return try ExperimentRunner(spec: spec, backend: backend, provider: FakeProvider(),
                                options: RunOptions(outDirectory: out, cacheDirectory: cache, fresh: fresh)).run()
}

@Test func endToEndRunWritesEveryReport() throws {
    let dir = try temporaryDirectory()
    let backend = FakeBackend()
    let outcome = try runTiny(out: dir + "/out", cache: dir + "/cache", backend: backend)
    // 3 prepared datasets (gen, week@day2, week@day3) × 2 framings × 2 transforms × (2 zstd × 3 dicts + gzip)
    #expect(outcome.datasets.map(\.name) == ["gen", "week@day2", "week@day3"])
    #expect(outcome.skipped.map(\.name) == ["absent"])
    #expect(outcome.cells.count == 3 * 2 * 2 * 7)
    #expect(outcome.records.count == outcome.cells.count)
    #expect(outcome.succeeded)
    // Models: 2 selections × 2 training sets (gen, week; both week days share day 1).
    #expect(backend.trainedModels == 4)
    // Dictionaries: 2 sizes × 2 levels × 2 selections × 2 training sets × 2 sample shapes
    // (record framing: one record a sample; file framing: 8).
    #expect(backend.trainedDictionaries == 32)

    let written = try ReportWriter.write(outcome, to: dir + "/out")
    for f in ["report.md", "results.csv", "report.json", "ratio-vs-compress-gen.svg", "ratio-vs-restore-gen.svg",
              "ratio-by-dictionary-size-gen.svg", "ratio-by-day-week.svg"] {
        #expect(written.files.contains(f), "missing \(f)")
        #expect(FileManager.default.fileExists(atPath: dir + "/out/" + f))
    }
    let md = String(decoding: try Files.read(dir + "/out/report.md"), as: UTF8.self)
    for section in ["## Answer", "## Summary", "## Results by framing", "## Pareto fronts", "## Ablation", "What the dictionary adds",
                    "What each transform chain adds", "Drift across test days", "## Method", "## Environment", "Skipped datasets: absent"] {
        #expect(md.contains(section), "report.md lacks \(section)")
    }
    // The fake makes zstd:9 + 4 KiB + all + file the smallest, but its compress speed (44) breaks the constraint.
    #expect(md.contains("**Winner: `file` · zstd:1 + fastcover 4 KiB, transforms all**"))

    let csv = String(decoding: try Files.read(dir + "/out/results.csv"), as: UTF8.self).split(separator: "\n")
    #expect(csv.count == outcome.records.count + 1)
    let header = csv[0].split(separator: ",")
    #expect(header.contains("compress_mbps_median") && header.contains("restore_mbps_max") && header.contains("cost_per_month"))
    #expect(csv.dropFirst().allSatisfy { line in
        // Every row has as many fields as the header (no field holds a comma here).
        line.split(separator: ",", omittingEmptySubsequences: false).count == header.count
    })
    let json = try JSONSerialization.jsonObject(with: Data(try Files.read(dir + "/out/report.json"))) as? [String: Any]
    #expect((json?["cells"] as? [Any])?.count == outcome.records.count)
    let svg = String(decoding: try Files.read(dir + "/out/ratio-vs-compress-gen.svg"), as: UTF8.self)
    #expect(svg.hasPrefix("<svg xmlns=\"http://www.w3.org/2000/svg\""))
    #expect(svg.contains("Pareto front") && svg.hasSuffix("</svg>\n"))
}

@Test func sameSpecTwiceGivesTheSameReportText() throws {
    let dir = try temporaryDirectory()
    let a = try runTiny(out: dir + "/a", cache: nil, backend: FakeBackend())
    let b = try runTiny(out: dir + "/b", cache: nil, backend: FakeBackend())
    try ReportWriter.write(a, to: dir + "/a")
    try ReportWriter.write(b, to: dir + "/b")
    // The load average is the one environment fact that may change between the two runs.
    func stable(_ f: String) throws -> [Substring] {
        String(decoding: try Files.read(f), as: UTF8.self).split(separator: "\n").filter { !$0.contains("load average") && !$0.contains("loadAverage") }
    }
    for f in ["report.md", "results.csv", "report.json", "ratio-vs-compress-gen.svg"] {
        #expect(try stable(dir + "/a/" + f) == (try stable(dir + "/b/" + f)), "\(f) differs")
    }
}

@Test func cacheIsReusedAndInvalidatedByChangedInput() throws {
    let dir = try temporaryDirectory()
    let first = FakeBackend()
    _ = try runTiny(out: dir + "/o1", cache: dir + "/cache", backend: first)
    #expect(first.trainedDictionaries == 32)
    // Another output folder (no journal), same inputs: nothing is trained again.
    let second = FakeBackend()
    let o2 = try runTiny(out: dir + "/o2", cache: dir + "/cache", backend: second)
    #expect(second.trainedModels == 0 && second.trainedDictionaries == 0)
    #expect(o2.artifactsReused == 36 && o2.artifactsTrained == 0)
    // A changed training set (another seed for gen) retrains gen's artifacts only.
    let third = FakeBackend()
    _ = try runTiny(out: dir + "/o3", cache: dir + "/cache", backend: third,
                    spec: runSpec.replacingOccurrences(of: "{records: 120, seed: 2}", with: "{records: 120, seed: 5}"))
    #expect(third.trainedModels == 2)
    #expect(third.trainedDictionaries == 16)
    // A corrupted entry is a miss, never a wrong artifact.
    let cache = ArtifactCache(directory: dir + "/cache")
    let key = ArtifactCache.key(["x"])
    try cache.store(TrainedArtifact(bytes: [1, 2, 3], seconds: 1), key: key)
    #expect(cache.lookup(key)?.bytes == [1, 2, 3])
    try Files.writeAtomically([9, 9], to: dir + "/cache/\(key).bin")
    #expect(cache.lookup(key) == nil)
}

@Test func interruptedRunResumesWithoutRemeasuringDoneCells() throws {
    let dir = try temporaryDirectory()
    let out = dir + "/out"
    let interrupted = FakeBackend()
    interrupted.stopAfter = 10
    // The fake throws on the 11th cell and every later one: the journal holds exactly 10.
    let partial = try runTiny(out: out, cache: nil, backend: interrupted)
    #expect(partial.records.count == 10)
    // Simulate a torn final write.
    let h = try #require(FileHandle(forWritingAtPath: out + "/" + RunOptions.journalName))
    try h.seekToEnd()
    try h.write(contentsOf: Data("{\"cell\":{\"dataset\":\"gen\",\"fra".utf8))
    try h.close()

    let resumed = FakeBackend()
    let outcome = try runTiny(out: out, cache: nil, backend: resumed)
    #expect(outcome.resumed == 10)
    #expect(resumed.measured.count == outcome.cells.count - 10)
    #expect(Set(resumed.measured).isDisjoint(with: partial.records.map(\.cell.key)))
    #expect(outcome.records.count == outcome.cells.count)
    #expect(outcome.succeeded)

    // Changing the measurement (trials) invalidates the journal entries.
    let again = FakeBackend()
    let o3 = try runTiny(out: out, cache: nil, backend: again, spec: runSpec.replacingOccurrences(of: "trials: 2", with: "trials: 3"))
    #expect(o3.resumed == 0 && again.measured.count == o3.cells.count)
    // --fresh measures everything again.
    let fresh = FakeBackend()
    _ = try runTiny(out: out, cache: nil, backend: fresh, spec: runSpec.replacingOccurrences(of: "trials: 2", with: "trials: 3"), fresh: true)
    #expect(fresh.measured.count == o3.cells.count)
}

@Test func restoreMismatchFailsTheRunLoudly() throws {
    let dir = try temporaryDirectory()
    let backend = FakeBackend()
    backend.mismatchCodecs = ["gzip:6"]
    let outcome = try runTiny(out: dir + "/out", cache: nil, backend: backend)
    #expect(!outcome.succeeded)
    #expect(outcome.failures.count == 3 * 2 * 2)
    #expect(outcome.failures.allSatisfy { $0.cell.codec == "gzip:6" && $0.message.contains("differ") })
    #expect(!outcome.records.contains { $0.cell.codec == "gzip:6" })
    try ReportWriter.write(outcome, to: dir + "/out")
    let md = String(decoding: try Files.read(dir + "/out/report.md"), as: UTF8.self)
    #expect(md.contains("## ⚠ Failures"))
    // Failed cells are not journalled: a rerun tries them again.
    backend.mismatchCodecs = []
    let rerun = FakeBackend()
    let second = try runTiny(out: dir + "/out", cache: nil, backend: rerun)
    #expect(rerun.measured.count == 12 && second.succeeded)

    // A result that claims no verification is a failure too.
    struct Unverified: LabBackend {
        var libraryVersions: [String: String] { [:] }
        func learnTransforms(selection: String, samples: RecordBatch) throws -> TrainedArtifact { TrainedArtifact(bytes: [], seconds: 0) }
        func trainDictionary(_ v: DictionaryVariant, level: Int, model: TrainedArtifact?, samples: RecordBatch) throws -> TrainedArtifact { TrainedArtifact(bytes: [1], seconds: 0) }
        func measure(_ cell: LabCell, inputs: CellInputs) throws -> CellResult { makeResult(cell, input: 100, stored: 10, verified: false) }
    }
    let spec = try SpecLoader.parse(minimalRun, file: "u.yaml")
    let o = try ExperimentRunner(spec: spec, backend: Unverified(), provider: FakeProvider(),
                                 options: RunOptions(outDirectory: dir + "/u", cacheDirectory: nil)).run()
    #expect(o.failures.count == 1 && o.records.isEmpty)
}

let minimalRun = """
datasets: [{name: d, generate: {records: 20}}]
codecs: [zstd:1]
"""

@Test func daySplitUsesTheTimestampField() throws {
    let records = try FakeProvider().generate(["records": "90", "days": "3"])
    let days = DatasetPreparation.dayIndex(records, field: "timestamp")
    #expect(Set(days.compactMap { $0 }) == ["2021-12-26", "2021-12-27", "2021-12-28"])
    let spec = DatasetSpec(name: "w", source: .generated([:]), split: .days(field: "timestamp", train: [1], test: [3], eachTestDay: false))
    let split = try DatasetPreparation.split(records, spec: spec, sourceText: "")
    #expect(split.count == 1 && split[0].train.count == 30 && split[0].test.count == 30)
    #expect(String(decoding: split[0].test[0], as: UTF8.self).contains("2021-12-28"))
    let tooMany = DatasetSpec(name: "w", source: .generated([:]), split: .days(field: "timestamp", train: [1], test: [9], eachTestDay: false))
    #expect(throws: LabError.self) { try DatasetPreparation.split(records, spec: tooMany, sourceText: "") }
}

@Test func untrainableDictionaryIsNotApplicableNotAFailure() throws {
    struct NoDictionaries: LabBackend {
        let inner = FakeBackend()
        var libraryVersions: [String: String] { [:] }
        func learnTransforms(selection: String, samples: RecordBatch) throws -> TrainedArtifact { try inner.learnTransforms(selection: selection, samples: samples) }
        func trainDictionary(_ v: DictionaryVariant, level: Int, model: TrainedArtifact?, samples: RecordBatch) throws -> TrainedArtifact {
            throw LabError("too few samples")
        }
        func measure(_ cell: LabCell, inputs: CellInputs) throws -> CellResult { try inner.measure(cell, inputs: inputs) }
    }
    let dir = try temporaryDirectory()
    let spec = try SpecLoader.parse(minimalRun + "\ndictionaries: [none, {sizes: [1KiB]}]\n", file: "n.yaml")
    let o = try ExperimentRunner(spec: spec, backend: NoDictionaries(), provider: FakeProvider(),
                                 options: RunOptions(outDirectory: dir, cacheDirectory: nil)).run()
    #expect(o.succeeded)
    #expect(o.records.count == 1 && o.notApplicable.count == 1)
    #expect(o.notApplicable[0].message.contains("too few samples"))
}

/// The production backend end to end on a few hundred generated records (debug build: about a second).
@Test func productionBackendRunsATinyGrid() throws {
    let dir = try temporaryDirectory()
    let spec = try SpecLoader.parse("""
    datasets: [{name: sdk, generate: {records: 400, seed: 9}, split: {train: 0.5}}]
    framings: [record, file]
    transforms: [none, all]
    codecs: [zstd:1, gzip:1]
    dictionaries: [none, {sizes: [2KiB], params: {k: 64, d: 8}}]
    trials: 1
    warmup: 0
    """, file: "real.yaml")
    let o = try ExperimentRunner(spec: spec, backend: DefaultLabBackend(), provider: DefaultRecordProvider(),
                                 options: RunOptions(outDirectory: dir, cacheDirectory: dir + "/cache")).run()
    #expect(o.succeeded, "\(o.failures.map(\.message))")
    #expect(o.records.count == 2 * 2 * 3)
    #expect(o.records.allSatisfy { $0.verified && $0.result.ratio > 1 })
    #expect(o.environment.libraries["zstd"]?.hasPrefix("1.") == true)
    // zstd with a dictionary beats zstd without, record by record.
    let byKey = Dictionary(uniqueKeysWithValues: o.records.map { ($0.cell.key, $0) })
    let plain = try #require(byKey["sdk | record | none | zstd:1 | no-dict"])
    let dict = try #require(o.records.first { $0.cell.framing == .record && $0.cell.transforms == "none" && $0.cell.dictionary != nil })
    #expect(dict.result.compressedBytes < plain.result.compressedBytes)
    let written = try ReportWriter.write(o, to: dir)
    #expect(written.files.contains("report.md") && written.files.contains("ratio-by-dictionary-size-sdk.svg") == false)
}

@Test func reRenderKeepsTheEnvironmentOfTheMeasurement() throws {
    let dir = try temporaryDirectory()
    let spec = try SpecLoader.parse(minimalRun, file: "e.yaml")
    func run() throws -> ExperimentOutcome {
        try ExperimentRunner(spec: spec, backend: FakeBackend(), provider: FakeProvider(),
                             options: RunOptions(outDirectory: dir, cacheDirectory: nil)).run()
    }
    let first = try run()
    #expect(first.measuredNow == 1)
    let path = dir + "/environment.json"
    var env = try JSONDecoder().decode(EnvironmentInfo.self, from: Data(try Files.read(path)))
    env.cpu = "the measuring machine"
    try Files.writeAtomically(Array(try JSONEncoder().encode(env)), to: path)
    let second = try run()
    #expect(second.measuredNow == 0 && second.resumed == 1)
    #expect(second.environment.cpu == "the measuring machine")
}

/// A winner with a shared section gets no byte breakdown: `explain` codes frames from the
/// profile alone, so its container would not be the cell's. Without a section it gets one.
@Test func noBreakdownForASharedSectionWinner() throws {
    for shared in [false, true] {
        let dir = try temporaryDirectory()
        let spec = try SpecLoader.parse("""
        datasets: [{name: sdk, generate: {records: 400, seed: 9}, split: {train: 0.5}}]
        framings: ["block:64"]
        transforms: [all]
        codecs: [zstd:1]
        dictionaries: [none]
        shared_section: [\(shared)]
        trials: 1
        warmup: 0
        """, file: "section.yaml")
        let o = try ExperimentRunner(spec: spec, backend: DefaultLabBackend(), provider: DefaultRecordProvider(),
                                     options: RunOptions(outDirectory: dir, cacheDirectory: dir + "/cache")).run()
        #expect(o.succeeded, "\(o.failures.map(\.message))")
        #expect(o.breakdowns.isEmpty == shared)
    }
}
