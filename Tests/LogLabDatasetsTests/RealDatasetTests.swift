import Foundation
import LogLabCore
import Testing
@testable import LogLabDatasets

/// The real datasets beside the checkout (`../shared/datasets`), as listed in its SOURCES.md.
/// Skipped when the folder is absent.
@Suite struct RealDatasetTests {
    static let folder: String? = {
        // Tests/LogLabDatasetsTests/RealDatasetTests.swift → package root → ../shared/datasets
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        let dir = root.deletingLastPathComponent().appendingPathComponent("shared/datasets").path
        return FileManager.default.fileExists(atPath: dir + "/SOURCES.md") ? dir : nil
    }()

    static let expected: [(String, Int, Int, String, RecordFormat)] = [
        ("kibana-web-logs.jsonl.zst", 14_074, 13_871_806, "366152896e58a49b829000d73ac67e450b468ba8032ff4f57765bd51709f2d98", .jsonLines),
        ("zeek-dns.jsonl.zst", 53_615, 26_666_868, "ac9117e5d9d758e0634bb77ed5c213e4b631b1d2023ecf8c62103b774e3d5333", .jsonLines),
        ("aws-cloudtrail.jsonl.zst", 103, 106_600, "9cfc6675f59b666cee6e6f0bcb72b1034ea4bbcdaf19c0f02b3092317128289b", .jsonLines),
        ("text-logs/Apache_2k.log", 2_000, 171_239, "c7efa3eb686e3a96bd2f8f4457b2a7887e9cf2f3649327f1b4e87af841363ce8", .text),
        ("text-logs/HDFS_2k.log", 2_000, 287_848, "7c967000980c086ed55fa6544ba4f05fe66d44622795e890c68caf8bbb635035", .text),
        ("text-logs/OpenSSH_2k.log", 2_000, 225_216, "1e4912727fa88245113d41b16a0cd25ceadba7f931e1c406542885b91254264f", .text),
        ("text-logs/OpenStack_2k.log", 2_000, 595_119, "025a1bc64ff5b2ef4a4bda6c4ad5c5c5f18478b71cd1ad2b0676e01625629f2f", .text),
    ]

    @Test(.enabled(if: folder != nil, "../shared/datasets is absent"), arguments: expected.indices)
    func loadsWithCountsAndHashes(_ i: Int) throws {
        let (name, records, bytes, sha, format) = Self.expected[i]
        let d = try RecordSources.load(path: Self.folder! + "/" + name)
        #expect(d.records.count == records, "\(name)")
        #expect(d.byteCount == bytes, "\(name)")
        #expect(d.sha256 == sha, "\(name)")
        #expect(d.format == format, "\(name)")
        let rebuilt = try d.rebuild()
        #expect(rebuilt.count == bytes && SHA256Hasher.hex(rebuilt) == sha, "\(name): rebuild is not identity")
    }

    @Test(.enabled(if: folder != nil, "../shared/datasets is absent"))
    func realLogsSplitByTimeWithoutLeaking() throws {
        let d = try RecordSources.load(path: Self.folder! + "/kibana-web-logs.jsonl.zst")
        let s = try Splits.byTime(d.records, field: "timestamp", trainDay: "2018-07-22", testDays: 2)
        #expect(s.train.count == 249 && s.test.count == 461)
        #expect(Set(s.train).isDisjoint(with: Set(s.test)))
        #expect(s.train.count + s.test.count + s.excluded == d.records.count)
    }
}
