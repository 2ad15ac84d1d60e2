import Foundation
import LogLabCore
import Testing
@testable import LogLabDatasets

@Suite struct JSONScannerTests {
    static func leaves(_ s: String) -> [(String, String, JSONKind)]? {
        let bytes = Array(s.utf8)
        var out: [(String, String, JSONKind)] = []
        let ok = bytes.withUnsafeBufferPointer { p in
            JSONScanner.scan(p) { out.append((String(decoding: $0.path, as: UTF8.self), String(decoding: p[$0.value], as: UTF8.self), $0.kind)) }
        }
        return ok ? out : nil
    }

    @Test func pathsAndRawValues() throws {
        let l = try #require(Self.leaves(#" {"a":{"b":[1, -0.0012521743774414063e-5, "x\"]"]}, "c":true, "d":null, "e":{}, "f":[], "n":-9223372036854775808} "#))
        #expect(l.map(\.0) == ["a.b[]", "a.b[]", "a.b[]", "c", "d", "e", "f", "n"])
        #expect(l.map(\.1) == ["1", "-0.0012521743774414063e-5", "x\\\"]", "true", "null", "{}", "[]", "-9223372036854775808"])
        #expect(l[2].2 == .string && l[1].2 == .number && l[3].2 == .bool)
    }

    @Test func rejectsInvalidJSON() {
        for bad in ["", "{", "{\"a\":}", "[1,]", "01", "1.", "\"\\x\"", "{\"a\":1}x", "tru", "\"a\tb\"", "{'a':1}", "[1 2]"] {
            #expect(Self.leaves(bad) == nil, "\(bad)")
        }
        for good in ["0", "[]", "\"\\u00e9\"", " {\"a\" : [ {} ] } ", "1e5"] {
            #expect(Self.leaves(good) != nil, "\(good)")
        }
    }

    @Test func deepNestingIsRejectedNotCrashing() {
        let deep = String(repeating: "[", count: 100_000) + String(repeating: "]", count: 100_000)
        #expect(Self.leaves(deep) == nil)
    }
}

@Suite struct StatsTests {
    @Test func countsDistinctTopAndKeyOrders() {
        let records = RecordBatch([
            "{\"a\":\"x\",\"b\":1}", "{\"a\":\"x\",\"b\":2}", "{\"b\":3,\"a\":\"y\"}", "not json", "{\"a\":\"x\",\"b\":1,\"c\":[1,2]}",
        ].map { Array($0.utf8) })
        let s = DatasetStats.compute(records, top: 2)
        #expect(s.records == 5 && s.nonJSON == 1 && s.nonJSONExamples == [3])
        #expect(s.distinctKeyOrders == 3)
        #expect(s.keyOrders.first?.paths == ["a", "b"] && s.keyOrders.first?.count == 2)
        let a = s.fields.first { $0.path == "a" }!
        #expect(a.count == 4 && a.distinct == 2 && a.top.first?.value == "x" && a.top.first?.count == 3)
        #expect(abs(a.meanLength - 1) < 1e-9)
        // Values x,x,y,x: H = -(3/4 log2 3/4 + 1/4 log2 1/4) ≈ 0.811 bits.
        #expect(abs(a.valueEntropyBits - 0.8113) < 0.001)
        let c = s.fields.first { $0.path == "c[]" }!
        #expect(c.count == 2 && c.kinds["number"] == 2)
        #expect(s.render().contains("not JSON: 1"))
    }

    @Test func readsFilesWithARecordLimit() throws {
        let path = NSTemporaryDirectory() + "loglab-stats-\(UInt32.random(in: 0...UInt32.max)).jsonl"
        try Files.writeAtomically(Array("{\"a\":1}\n{\"a\":2}\n{\"a\":3}\n".utf8), to: path)
        defer { try? FileManager.default.removeItem(atPath: path) }
        var acc = StatsAccumulator()
        #expect(try acc.add(RecordReader(path: path), maxRecords: 2) == 2)
        let s = acc.finish()
        #expect(s.records == 2 && s.fields.first?.distinct == 2)
    }

    @Test func generatedDataLooksLikeSdkLog() {
        let b = SdkLogGenerator(options: .init(records: 2_000, apps: 30, users: 1_000)).generate()
        let s = DatasetStats.compute(b)
        #expect(s.nonJSON == 0)
        let type = s.fields.first { $0.path == "_type" }!
        #expect(type.distinct == 1 && type.valueEntropyBits == 0)
        let fn = s.fields.first { $0.path == "_source.func_name" }!
        #expect(fn.distinct > 20 && fn.distinct <= SdkLogGenerator.catalogueSize)
        let url = s.fields.first { $0.path == "_source.request_url" }!
        #expect(url.distinct > fn.distinct * 5, "URLs are not a closed set")
    }
}

@Suite struct SplitTests {
    static let records = SdkLogGenerator(options: .init(records: 3_000, start: "2021-12-26", days: 3, seed: 5,
                                                        apps: 30, users: 1_000)).generate()

    static func assertNoLeak(_ s: DatasetSplit, total: Int) {
        #expect(Set(s.train).isDisjoint(with: Set(s.test)))
        #expect(s.train == s.train.sorted() && s.test == s.test.sorted())
        #expect(Set(s.train).count == s.train.count && Set(s.test).count == s.test.count)
        #expect(s.train.count + s.test.count + s.excluded == total)
    }

    @Test func byTimeTrainsOnOneDayTestsOnTheNext() throws {
        let s = try Splits.byTime(Self.records, field: "_source.timestamp", trainDay: "2021-12-26", testDays: 1)
        Self.assertNoLeak(s, total: Self.records.count)
        #expect(s.train.count > 500 && s.test.count > 500)
        let (train, test) = s.apply(to: Self.records)
        for i in 0..<train.count { #expect(String(decoding: train[i], as: UTF8.self).contains("\"timestamp\":\"2021-12-26")) }
        for i in 0..<test.count { #expect(String(decoding: test[i], as: UTF8.self).contains("\"timestamp\":\"2021-12-27")) }
        #expect(s.excluded > 500)   // the third day
    }

    @Test func recordsWithoutTimestampAreReported() throws {
        var b = RecordBatch()
        for r in ["{\"@timestamp\":\"2020-01-01T00:00:00Z\"}", "junk", "{\"@timestamp\":1577923200}", "{\"x\":1}",
                  "{\"@timestamp\":\"2020-01-02T23:59:59.999+09:00\"}"] { b.append(Array(r.utf8)) }
        let ex = try Splits.byTime(b, field: "@timestamp")
        #expect(ex.train == [0] && ex.test == [2, 4] && ex.excluded == 2)
        #expect(ex.notes.contains { $0.contains("2 records lack a timestamp") })
        let prev = try Splits.byTime(b, field: "@timestamp", missing: .previous)
        #expect(prev.train == [0, 1] && prev.test == [2, 3, 4] && prev.excluded == 0)
        #expect(prev.notes.contains { $0.contains("took the previous record's day") })
        #expect(throws: DatasetError.self) { try Splits.byTime(b, field: "@timestamp", trainDay: "2020-02-01") }
        #expect(throws: DatasetError.self) { try Splits.byTime(b, field: "missing") }
    }

    @Test func byFractionAndSamplingAreDeterministic() throws {
        let n = Self.records.count
        let contiguous = try Splits.byFraction(Self.records, train: 0.8)
        Self.assertNoLeak(contiguous, total: n)
        #expect(contiguous.train.count == 2_400 && contiguous.train.last == 2_399)
        let shuffled = try Splits.byFraction(Self.records, train: 0.8, seed: 42)
        Self.assertNoLeak(shuffled, total: n)
        #expect(shuffled == (try Splits.byFraction(Self.records, train: 0.8, seed: 42)))
        #expect(abs(shuffled.train.count - 2_400) < 150)
        let a = Splits.sample(count: 100, of: n, seed: 9)
        #expect(a == Splits.sample(count: 100, of: n, seed: 9))
        #expect(a != Splits.sample(count: 100, of: n, seed: 10))
        #expect(Set(a).isSubset(of: Set(Splits.sample(count: 200, of: n, seed: 9))))
        #expect(a.count == 100 && Set(a).count == 100)
        #expect(throws: DatasetError.self) { try Splits.byFraction(Self.records, train: 1.0) }
    }

    @Test func duplicatedContentIsReported() throws {
        let b = RecordBatch(["{\"a\":1}", "{\"a\":1}", "{\"a\":2}"].map { Array($0.utf8) })
        let s = try Splits.byFraction(b, train: 0.4)
        #expect(s.train == [0] && s.test == [1, 2])
        #expect(s.duplicateContent == 1 && s.notes.contains { $0.contains("same bytes") })
    }
}
