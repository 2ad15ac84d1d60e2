import Foundation
import LogLabCore
import Testing
@testable import LogLabDatasets

@Suite struct SdkLogGeneratorTests {
    static let small = SdkLogGenerator.Options(records: 3_000, start: "2021-12-26", days: 2, seed: 7,
                                               apps: 40, users: 2_000, anomaliesPerMillion: 5_000)

    static func jsonl(_ options: SdkLogGenerator.Options) throws -> [UInt8] {
        var out: [UInt8] = []
        try SdkLogGenerator(options: options).write { out.append(contentsOf: $0) }
        return out
    }

    @Test func sameOptionsGiveTheSameBytes() throws {
        let a = try Self.jsonl(Self.small)
        let b = try Self.jsonl(Self.small)
        #expect(a == b)
        var other = Self.small
        other.seed = 8
        #expect(try Self.jsonl(other) != a)
    }

    /// Pins the output on every machine: a change here means the generator's bytes changed.
    @Test func pinnedHash() throws {
        let bytes = try Self.jsonl(Self.small)
        #expect(bytes.count > 2_000_000)
        #expect(SHA256Hasher.hex(bytes) == "669d3e0e61d68dccd8493fc10b8242f195a4639bc6e8fceefe2fd3c159439bc2")
    }

    @Test func generateMatchesWrite() throws {
        var o = Self.small
        o.records = 500
        let batch = SdkLogGenerator(options: o).generate()
        #expect(batch.count == 500)
        #expect(batch.joinedLines(finalNewline: true) == (try Self.jsonl(o)))
    }

    @Test func exactRecordCountsAcrossDays() throws {
        for (records, days) in [(0, 1), (1, 1), (7, 3), (1_001, 4)] {
            var o = Self.small
            o.records = records
            o.days = days
            #expect(SdkLogGenerator(options: o).generate().count == records)
        }
    }

    @Test func invalidOptionsAreReported() {
        var o = Self.small
        o.start = "2021-13-01"
        #expect(throws: DatasetError.self) { try o.validate() }
        o = Self.small
        o.functions = 1
        #expect(throws: DatasetError.self) { try o.validate() }
        // The non-throwing initializer clamps instead of trapping.
        #expect(SdkLogGenerator(options: o).options.functions == 4)
    }
}
