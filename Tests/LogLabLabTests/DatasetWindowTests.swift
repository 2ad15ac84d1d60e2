import Foundation
import LogLabCore
import Testing
@testable import LogLabLab

/// Windows of large generated days (skip/limit), a separate training source, and generated
/// records cached by content.
@Suite struct DatasetWindowTests {
    static let spec = """
    name: windows
    question: q
    datasets:
      - name: dense
        generate: {records: 3000, seed: 1, users: 2000, slice_rate: 200, slice_curve: true, slice_hour: 10}
        skip: 1000
        limit: 500
        train:
          generate: {records: 3000, seed: 2, users: 2000, slice_rate: 200, slice_curve: true, slice_hour: 10}
          skip: 200
          limit: 300
    framings: [file]
    transforms: [none]
    codecs: [zstd:1]
    dictionaries: [none]
    trials: 1
    warmup: 0
    objective: {minimize: stored_bytes}
    cost: {daily_volume: 1GB, storage_per_gb_month: 0.02, compute_per_core_hour: 0.04}
    """

    @Test func windowAndSeparateTrainingSource() throws {
        let s = try SpecLoader.parse(Self.spec, file: "w.yaml")
        let d = try #require(s.datasets.first)
        #expect(d.skip == 1000 && d.limit == 500)
        guard case .source(.generated(let t), 200, 300) = d.split else {
            Issue.record("split is \(d.split)")
            return
        }
        #expect(t["seed"] == "2" && t["slice_curve"] == "true")

        let provider = DefaultRecordProvider()
        let (prepared, skipped) = try DatasetPreparation.prepare(s.datasets, provider: provider)
        #expect(skipped.isEmpty)
        let p = try #require(prepared.first)
        guard case .generated(let testOptions) = d.source else {
            Issue.record("source is \(d.source)")
            return
        }
        let wholeTest = try provider.generate(testOptions)
        #expect(p.test == wholeTest.slice(1000..<1500))
        #expect(p.train == (try provider.generate(t)).slice(200..<500))
        #expect(p.info.source.contains("records 1000..<1500"))
        #expect(!p.info.inSample)
    }

    @Test func specRejectsSplitWithTrainAndBadWindows() {
        let both = Self.spec.replacingOccurrences(of: "    skip: 1000\n", with: "    skip: 1000\n    split: same\n")
        #expect(throws: SpecError.self) { try SpecLoader.parse(both, file: "w.yaml") }
        let negative = Self.spec.replacingOccurrences(of: "skip: 1000", with: "skip: -1")
        #expect(throws: SpecError.self) { try SpecLoader.parse(negative, file: "w.yaml") }
        let twoSources = Self.spec.replacingOccurrences(of: "      skip: 200\n", with: "      skip: 200\n      path: x.jsonl\n")
        #expect(throws: SpecError.self) { try SpecLoader.parse(twoSources, file: "w.yaml") }
        let unknown = Self.spec.replacingOccurrences(of: "slice_hour: 10}\n    skip", with: "slice_hour: 10, slice_curv: true}\n    skip")
        #expect(throws: SpecError.self) { try SpecLoader.parse(unknown, file: "w.yaml") }
    }

    @Test func emptyWindowIsAnError() throws {
        let s = try SpecLoader.parse(Self.spec.replacingOccurrences(of: "skip: 1000", with: "skip: 5000"), file: "w.yaml")
        #expect(throws: LabError.self) { try DatasetPreparation.prepare(s.datasets, provider: DefaultRecordProvider()) }
    }

    @Test func generatedWindowsAreCachedByContent() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("loglab-window-cache-\(getpid())-\(UInt32.random(in: 0...UInt32.max))").path
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let options = ["records": "2000", "seed": "3", "users": "1000"]
        let uncached = try DefaultRecordProvider().generate(options, range: 500..<900)
        let provider = DefaultRecordProvider(cacheDirectory: dir)
        let first = try provider.generate(options, range: 500..<900)
        #expect(first == uncached)
        #expect(provider.cache?.misses == 1)
        let second = try provider.generate(options, range: 500..<900)
        #expect(second == uncached && provider.cache?.hits == 1)
        // Another window, or other options, is another entry.
        _ = try provider.generate(options, range: 500..<901)
        _ = try provider.generate(options.merging(["seed": "4"]) { $1 }, range: 500..<900)
        #expect(provider.cache?.misses == 3)
        // A damaged entry is not used: it is generated again, and the same records come back.
        let entries = try FileManager.default.contentsOfDirectory(atPath: dir).filter { $0.hasSuffix(".bin") }
        #expect(entries.count == 3)
        for e in entries {
            var bytes = try Files.read(dir + "/" + e)
            bytes[bytes.count / 2] ^= 0x20
            try Files.writeAtomically(bytes, to: dir + "/" + e)
        }
        let again = try provider.generate(options, range: 500..<900)
        #expect(again == uncached && provider.cache?.misses == 4)
    }
}
