import Foundation
import LogLabCore
import Testing
@testable import LogLabLab

let fullSpec = """
name: demo
question: Which codec stores the demo logs smallest?
datasets:
  - name: gen
    generate: {records: 200, seed: 3, days: 2}
    split: {train: 0.25}
  - name: week
    generate: {records: 300, days: 3}
    split: {train_days: 1, test_days: "2-3", each_test_day: true}
framings: [record, "block:16", file]
transforms: [none, "uuid,shape"]
codecs:
  - zstd: [1, 19]
  - gzip:6
  - {family: xz, levels: ["9e"]}
dictionaries:
  - none
  - trainer: fastcover
    sizes: [1KiB, 4KiB]
    training_records: [50, all]
    params: {d: 8, steps: 4}
trials: 3
warmup: 1
objective:
  minimize: stored_bytes
  constraints: ["restore_mbps >= 300", "compress_mbps >= 50"]
cost:
  daily_volume: 200GB
  storage_per_gb_month: 0.02
  compute_per_core_hour: 0.05
quick:
  trials: 1
  codecs: [zstd:1]
"""

@Test func parsesEveryPartOfASpec() throws {
    let s = try SpecLoader.parse(fullSpec, file: "demo.yaml")
    #expect(s.name == "demo")
    #expect(s.datasets.count == 2)
    #expect(s.datasets[0].source == .generated(["records": "200", "seed": "3", "days": "2"]))
    #expect(s.datasets[0].split == .fraction(0.25))
    #expect(s.datasets[1].split == .days(field: "timestamp", train: [1], test: [2, 3], eachTestDay: true))
    #expect(s.framings == [.record, .block(16), .file])
    #expect(s.transforms == ["none", "shape,uuid"])
    #expect(s.codecs == ["zstd:1", "zstd:19", "gzip:6", "xz:9e"])
    #expect(s.dictionaries.count == 5)
    #expect(s.dictionaries[0] == nil)
    #expect(s.dictionaries[1] == DictionaryVariant(trainer: "fastcover", size: 1024, trainingRecords: 50, params: ["d": "8", "steps": "4"]))
    #expect(s.dictionaries[2]?.trainingRecords == nil)
    #expect(s.trials == 3 && s.warmup == 1)
    #expect(s.objective.metric == .storedBytes && s.objective.minimize)
    #expect(s.objective.constraints == [Constraint(metric: .restoreMBps, atLeast: true, value: 300), Constraint(metric: .compressMBps, atLeast: true, value: 50)])
    #expect(s.cost.dailyVolumeBytes == 200e9)
    #expect(s.cost.storagePricePerGBMonth == 0.02)
    #expect(!s.quick)
    let cells = GridExpansion.cells(spec: s, datasets: ["gen"])
    // per framing and transform: zstd ×2 × 5 dictionaries + gzip + xz = 12
    #expect(cells.count == 3 * 2 * 12)
    #expect(Set(cells.map(\.key)).count == cells.count)
    #expect(!cells.contains { $0.codec == "gzip:6" && $0.dictionary != nil })
}

@Test func quickBlockOverridesAndChangesTheHash() throws {
    let full = try SpecLoader.parse(fullSpec, file: "demo.yaml")
    let quick = try SpecLoader.parse(fullSpec, file: "demo.yaml", quick: true)
    #expect(quick.quick)
    #expect(quick.trials == 1)
    #expect(quick.codecs == ["zstd:1"])
    #expect(quick.framings == full.framings)
    #expect(quick.specHash != full.specHash)
    #expect(try SpecLoader.parse(fullSpec, file: "demo.yaml").specHash == full.specHash)
}

@Test func includeMergesAndTheIncludingFileWins() throws {
    let dir = try temporaryDirectory()
    try Files.writeAtomically(Array(fullSpec.utf8), to: dir + "/base.yaml")
    try Files.writeAtomically(Array("include: base.yaml\ntrials: 7\ncost: {retention_days: 90}\n".utf8), to: dir + "/variant.yaml")
    let s = try SpecLoader.load(path: dir + "/variant.yaml")
    #expect(s.name == "variant")        // never inherited
    #expect(s.trials == 7)
    #expect(s.codecs.count == 4)
    #expect(s.cost.retentionDays == 90)
    #expect(s.cost.storagePricePerGBMonth == 0.02)   // merged, not replaced
    try Files.writeAtomically(Array("include: variant.yaml\n".utf8), to: dir + "/base2.yaml")
    try Files.writeAtomically(Array("include: base2.yaml\n".utf8), to: dir + "/variant.yaml")
    #expect(throws: SpecError.self) { try SpecLoader.load(path: dir + "/variant.yaml") }
}

/// The error for `text`, which must fail.
func rejection(_ text: String) -> SpecError? {
    do {
        _ = try SpecLoader.parse(text, file: "bad.yaml")
        return nil
    } catch let e as SpecError {
        return e
    } catch {
        return nil
    }
}

let minimal = """
datasets:
  - name: d
    generate: {records: 10}
codecs: [zstd:3]
"""

@Test func rejectsUnknownKeysWithLineAndSuggestion() throws {
    let e = try #require(rejection(minimal + "\ntrails: 3\n"))
    #expect(e.location?.line == 5)
    #expect(e.location?.file == "bad.yaml")
    #expect(e.description.hasPrefix("bad.yaml:5:1: unknown key 'trails'"))
    #expect(e.description.contains("did you mean 'trials'"))

    let nested = try #require(rejection("""
    datasets:
      - name: d
        generate: {records: 10, sede: 4}
    codecs: [zstd:3]
    """))
    #expect(nested.location?.line == 3)
    #expect(nested.reason.contains("unknown key 'sede' in generate"))
}

@Test func rejectsImpossibleValuesWithLineAndReason() throws {
    let cases: [(String, Int, String)] = [
        (minimal + "\ntrials: 0\n", 5, "trials must be at least 1"),
        (minimal.replacingOccurrences(of: "zstd:3", with: "zstd:30"), 4, "level 30 out of range"),
        (minimal + "\ntransforms: [none, shape, colums]\n", 5, "unknown transform"),
        (minimal.replacingOccurrences(of: "zstd:3", with: "lz5:1"), 4, "unknown codec"),
        (minimal + "\nframings: [record, \"block:0\"]\n", 5, "unknown framing 'block:0'"),
        (minimal.replacingOccurrences(of: "{records: 10}", with: "{records: 10}\n    split: {train: 1.5}"), 4, "between 0 and 1"),
        (minimal.replacingOccurrences(of: "{records: 10}", with: "{records: 10}\n    split: {train_days: 1, test_days: [1, 2]}"), 4, "in both train_days and test_days"),
        (minimal + "\ndictionaries: [{trainer: fastcover, sizes: [100]}]\n", 5, "at least 256 bytes"),
        (minimal + "\ndictionaries: [{trainer: zdict, sizes: [4KiB]}]\n", 5, "unknown dictionary trainer"),
        (minimal + "\nobjective: {minimize: speed}\n", 5, "unknown metric 'speed'"),
        (minimal + "\nobjective: {constraints: [\"restore_mbps > 3\"]}\n", 5, "needs >= or <="),
        (minimal + "\ncost: {daily_volume: 0}\n", 5, "more than 0"),
        (minimal + "\ntrials: 2\ntrials: 3\n", 6, "duplicate key 'trials'"),
        ("datasets: [{name: d, path: x.jsonl, generate: {records: 1}}]\ncodecs: [zstd:1]\n", 1, "exactly one of generate, path or catalog"),
        ("datasets: []\ncodecs: [zstd:1]\n", 1, "non-empty list"),
        (minimal + "\ndictionaries: [{sizes: [4KiB]}]\n".replacingOccurrences(of: "", with: ""), 0, ""),
    ]
    for (text, line, reason) in cases where !reason.isEmpty {
        let e = rejection(text)
        #expect(e != nil, "accepted: \(reason)")
        guard let e else { continue }
        #expect(e.location?.line == line, "\(e.description) — expected line \(line)")
        #expect(e.reason.contains(reason), "\(e.description) — expected '\(reason)'")
    }
    let yamlError = try #require(rejection("datasets: [\ncodecs: x\n"))
    #expect(yamlError.reason.hasPrefix("invalid YAML"))
    #expect(yamlError.location != nil)
}

@Test func dictionariesWithoutADictionaryCodecAreRejected() {
    let e = rejection(minimal.replacingOccurrences(of: "zstd:3", with: "gzip:6") + "\ndictionaries: [{sizes: [4KiB]}]\n")
    #expect(e?.reason.contains("no codec takes one") == true)
}

@Test func sharedSectionAxisDoublesTheGridAndKeepsOldKeys() throws {
    let base = """
    name: s
    datasets:
      - name: gen
        generate: {records: 50, seed: 1}
    framings: ["block:64", file]
    transforms: [all]
    codecs: [zstd:6, gzip:6]

    """
    let plain = try SpecLoader.parse(base)
    #expect(plain.sharedSections == [false])
    let both = try SpecLoader.parse(base + "shared_section: [false, true]\n")
    #expect(both.sharedSections == [false, true])
    #expect(both.specHash != plain.specHash)
    let a = GridExpansion.cells(spec: plain, datasets: ["gen"])
    let b = GridExpansion.cells(spec: both, datasets: ["gen"])
    #expect(a.count == 4 && b.count == 8)
    #expect(Set(b.filter { !$0.sharedSection }.map(\.key)) == Set(a.map(\.key)))
    let shared = try #require(b.first { $0.sharedSection })
    #expect(shared.key.hasSuffix(" | shared") && shared.label.contains("shared section"))
    #expect(GridExpansion.describe(both).contains("shared section: no | yes"))
    #expect(!GridExpansion.describe(plain).contains("shared section"))

    // A cell written before the axis existed (no key) reads as without; with the key, with.
    let old = #"{"codec":"zstd:6","dataset":"gen","framing":"file","transforms":"all"}"#
    let cell = try JSONDecoder().decode(LabCell.self, from: Data(old.utf8))
    #expect(!cell.sharedSection)
    #expect(String(decoding: try JSONEncoder().encode(cell), as: UTF8.self).contains("sharedSection") == false)
    let round = try JSONDecoder().decode(LabCell.self, from: try JSONEncoder().encode(shared))
    #expect(round == shared)

    for bad in ["shared_section: []\n", "shared_section: [maybe]\n", "shared_section: [true]\nsearch: auto\n"] {
        #expect(throws: SpecError.self) { try SpecLoader.parse(base + bad) }
    }
}
