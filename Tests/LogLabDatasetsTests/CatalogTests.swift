import Foundation
import LogLabCore
import Testing
@testable import LogLabDatasets

@Suite struct CatalogTests {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().path
    static let catalogPath = root + "/Datasets/catalog.yaml"

    @Test func shippedCatalogueParsesAndTheSampleVerifies() throws {
        let c = try DatasetCatalog.load(path: Self.catalogPath)
        #expect(c.datasets.count >= 4)
        #expect(Set(c.datasets.map(\.name)).count == c.datasets.count)
        let sample = try #require(c.datasets.first { $0.name == "sdk-log-sample" })
        #expect(sample.optional == false && sample.generator?.parameters.records == sample.records)
        // The sample file decompresses to the catalogued bytes, and the generator still makes them.
        let check = DatasetCatalog(datasets: [sample]).verify(root: Self.root, regenerate: true)[0]
        #expect(check.status == .ok, "\(check)")
        let compressed = try Files.read(Self.root + "/" + (sample.path ?? ""))
        #expect(compressed.count < 300_000)
        // Every real dataset is optional and carries a hash and a license.
        for e in c.datasets where e.path?.hasPrefix("../") == true {
            #expect(e.optional == true && e.sha256?.count == 64 && !e.license.isEmpty, "\(e.name)")
        }
    }

    @Test func missingOptionalIsReportedNotFatalAndMismatchesFail() throws {
        let yaml = """
        datasets:
          - name: gone
            kind: test
            path: does/not/exist.jsonl
            license: none
            optional: true
          - name: gone-required
            kind: test
            path: does/not/exist.jsonl
            license: none
          - name: generated
            kind: test
            generator: {name: sdk-log, parameters: {records: 10, apps: 3, users: 20}}
            records: 10
            sha256: "0000000000000000000000000000000000000000000000000000000000000000"
            license: CC0-1.0
        """
        let path = NSTemporaryDirectory() + "loglab-catalog-\(UInt32.random(in: 0...UInt32.max)).yaml"
        try Files.writeAtomically(Array(yaml.utf8), to: path)
        defer { try? FileManager.default.removeItem(atPath: path) }
        let c = try DatasetCatalog.load(path: path)
        #expect(c.datasets[2].generator?.parameters.users == 20 && c.datasets[2].generator?.parameters.days == 1)
        let checks = c.verify(root: "/nonexistent-root")
        #expect(checks[0].status == .missing && !checks[0].isFailure)
        #expect(checks[1].status == .missing && checks[1].isFailure)
        #expect(checks[2].status == .mismatch && checks[2].isFailure)
        #expect(c.verify(root: "/", regenerate: false)[2].status == .skipped)
        // Records by name: generated when there is no file; a missing file is an error.
        #expect(try c.records(named: "generated", root: "/").count == 10)
        #expect(throws: DatasetError.self) { try c.records(named: "gone", root: "/nonexistent-root") }
        #expect(throws: DatasetError.self) { try c.records(named: "nope", root: "/") }
    }

    @Test func invalidCatalogueIsAClearError() throws {
        let path = NSTemporaryDirectory() + "loglab-catalog-bad-\(UInt32.random(in: 0...UInt32.max)).yaml"
        try Files.writeAtomically(Array("datasets: [ {name: x} ]".utf8), to: path)
        defer { try? FileManager.default.removeItem(atPath: path) }
        #expect(throws: DatasetError.self) { try DatasetCatalog.load(path: path) }
    }
}
