import Testing
import LogLabCore
@testable import LogLabTransforms

/// Logs whose keys change from record to record (an id used as a key): every key is a column,
/// so costs per column times per record, or per column squared, must not appear.
@Suite struct WideKeysTests {
    /// `count` records, each with `keys` keys of its own and one shared text field.
    static func records(count: Int, keys: Int) -> RecordBatch {
        var b = RecordBatch()
        for i in 0..<count {
            let own = (0..<keys).map { "\"k\(i)_\($0)\":\(i * keys + $0)" }.joined(separator: ",")
            b.append(Array("{\"msg\":\"event \(i % 7) of k\(i)_0\",\(own)}".utf8))
        }
        return b
    }

    /// The learner's per-record views of each column were dense (20,000 one-record columns
    /// over 20,000 records took 4.7 GB), and a frame's set-up scanned every model column once
    /// per stream it added (seconds of CPU before the first frame of such a model).
    @Test func keysThatChangePerRecordStayCheap() throws {
        let train = Self.records(count: 20_000, keys: 1)
        let before = LogLabCore.Clock.peakResidentBytes()
        let model = TransformModel.learn(from: train, selection: .all)
        let grown = LogLabCore.Clock.peakResidentBytes() - before
        #expect(grown < 512 << 20, "peak memory grew by \(grown >> 20) MiB")
        #expect((model.field?.columns.count ?? 0) > 19_000)
        var enc = FrameEncoder(model: model)
        let frame = Self.records(count: 64, keys: 1)
        let start = LogLabCore.Clock.threadCPUNanoseconds()
        _ = enc.encode(frame)
        let spent = Double(LogLabCore.Clock.threadCPUNanoseconds() - start) / 1e9
        #expect(spent < 0.5, "the first frame took \(spent) s of CPU")
        try Fixtures.roundTrip(model: model, test: frame, framing: .block(16))
    }

    @Test func perRecordViewsAgreeDenseAndSparse() {
        let records: [Int32] = [2, 5, 90]
        let items: [Int64] = [20, 50, 900]
        let sparse = PerRecord(count: 1000, absent: Int64.min, records: records, items: items)
        let dense = PerRecord(count: 10, absent: Int64.min, records: [2, 5], items: [20, 50])
        for r in 0..<1000 {
            let want: Int64 = r == 2 ? 20 : r == 5 ? 50 : r == 90 ? 900 : Int64.min
            #expect(sparse[r] == want)
            if r < 10 && r != 90 { #expect(dense[r] == want) }
        }
        #expect(sparse.present.map(\.0) == [2, 5, 90])
        #expect(sparse.map(absent: -1) { $0 / 10 }[90] == 90)
    }
}
