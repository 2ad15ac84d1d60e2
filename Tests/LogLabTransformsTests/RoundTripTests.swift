import Testing
import LogLabCore
import LogLabDatasets
@testable import LogLabTransforms

@Suite struct RoundTripTests {
    static func sdkDays(seed: UInt64, perDay: Int) -> (RecordBatch, RecordBatch) {
        let all = SdkLogGenerator(options: .init(records: perDay * 2, start: "2021-12-26", days: 2, seed: seed,
                                                 apps: 40, users: 400, anomaliesPerMillion: 20_000)).generate()
        let marker = Array("sdk-log-2021-12-27".utf8)
        var split = all.count / 2
        for i in 0..<all.count where all[i].firstRange(of: marker) != nil { split = i; break }
        return (all.slice(0..<split), all.slice(split..<all.count))
    }

    @Test func sdkLogEverySelectionAndFraming() throws {
        let (train, test) = Self.sdkDays(seed: 11, perDay: 200)
        #expect(test.count > 150)
        var sizes: [TransformSelection: Int] = [:]
        for sel in Fixtures.selections {
            let model = TransformModel.learn(from: train, selection: sel)
            for framing in Fixtures.framings {
                let n = try Fixtures.roundTrip(model: model, test: test, framing: framing)
                if framing == .file { sizes[sel] = n }
            }
        }
        // The field transforms must actually shrink sdk-log before any codec.
        #expect(sizes[.all]! * 3 < sizes[.none]!)
    }

    @Test(arguments: [UInt64(1), 2, 3])
    func sdkLogSeedsWholeDay(seed: UInt64) throws {
        let (train, test) = Self.sdkDays(seed: seed, perDay: 500)
        let model = TransformModel.learn(from: train, selection: .all)
        try Fixtures.roundTrip(model: model, test: test, framing: .file)
        try Fixtures.roundTrip(model: model, test: test.slice(0..<100), framing: .record)
    }

    @Test func awkwardJSONEverySelection() throws {
        var g1 = AwkwardJSON(seed: 42), g2 = AwkwardJSON(seed: 43)
        let train = g1.batch(200), test = g2.batch(200)
        for sel in Fixtures.selections {
            let model = TransformModel.learn(from: train, selection: sel)
            for framing in Fixtures.framings {
                try Fixtures.roundTrip(model: model, test: test, framing: framing)
            }
        }
    }

    @Test(arguments: [UInt64(7), 8, 9, 10])
    func awkwardJSONSeeds(seed: UInt64) throws {
        var g = AwkwardJSON(seed: seed)
        let train = g.batch(200), test = g.batch(300)
        let model = TransformModel.learn(from: train, selection: .all)
        try Fixtures.roundTrip(model: model, test: test, framing: .file)
        try Fixtures.roundTrip(model: model, test: test, framing: .block(7))
        // A model learned on sdk-log decoding awkward JSON, and the other way round.
        let (sdkTrain, sdkTest) = Self.sdkDays(seed: seed, perDay: 100)
        try Fixtures.roundTrip(train: sdkTrain, test: test, selection: .all, framing: .file)
        try Fixtures.roundTrip(train: train, test: sdkTest, selection: .all, framing: .file)
    }

    @Test func realDatasets() throws {
        guard let dir = Fixtures.datasetsDirectory() else { return }   // folder absent: skip
        let files = ["kibana-web-logs.jsonl.zst", "zeek-dns.jsonl.zst", "aws-cloudtrail.jsonl.zst",
                     "text-logs/Apache_2k.log", "text-logs/HDFS_2k.log", "text-logs/OpenSSH_2k.log", "text-logs/OpenStack_2k.log"]
        let (sdkTrain, _) = Self.sdkDays(seed: 5, perDay: 100)
        let sdkModel = TransformModel.learn(from: sdkTrain, selection: .all)
        for f in files {
            let path = dir + "/" + f
            guard let records = try? Fixtures.loadRecords(path, limit: 1000) else { continue }
            #expect(records.count > 50)
            let half = records.slice(0..<records.count / 2)
            for sel in [TransformSelection.none, .legacy, TransformSelection.all.without(.columns)] {
                try Fixtures.roundTrip(train: half, test: records, selection: sel, framing: .file)
            }
            let model = TransformModel.learn(from: half, selection: .all)
            try Fixtures.roundTrip(model: model, test: records, framing: .file)
            try Fixtures.roundTrip(model: model, test: records.slice(0..<min(100, records.count)), framing: .record)
            // Trained on other data entirely.
            try Fixtures.roundTrip(model: sdkModel, test: records, framing: .block(64))
        }
    }
}
