import Testing
import LogLabCore
@testable import LogLabTransforms
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

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

    static var peakKB: Int {
        var u = rusage()
        getrusage(RUSAGE_SELF, &u)
        return Int(u.ru_maxrss)
    }

    static var threadCPUSeconds: Double {
        var t = timespec()
        clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t)
        return Double(t.tv_sec) + Double(t.tv_nsec) / 1e9
    }

    /// The learner's per-record views of each column were dense: 20,000 one-record columns
    /// over 20,000 records took 4.7 GB.
    @Test func learningKeysThatChangePerRecordStaysSmall() throws {
        let train = Self.records(count: 20_000, keys: 1)
        let before = Self.peakKB
        let model = TransformModel.learn(from: train, selection: .all)
        let grown = Self.peakKB - before
        #expect(grown < 512 * 1024, "peak memory grew by \(grown / 1024) MiB")
        try Fixtures.roundTrip(model: model, test: Self.records(count: 300, keys: 1), framing: .block(64))
    }

    /// A frame's set-up scanned every model column once per stream it added: a model of
    /// 90,000 columns took seconds of CPU before its first frame.
    @Test func firstFrameOfAWideModelIsQuick() throws {
        let train = Self.records(count: 30_000, keys: 3)
        let model = TransformModel.learn(from: train, selection: .all)
        #expect((model.field?.columns.count ?? 0) > 60_000)
        var enc = FrameEncoder(model: model)
        let frame = Self.records(count: 64, keys: 3)
        let start = Self.threadCPUSeconds
        _ = enc.encode(frame)
        let spent = Self.threadCPUSeconds - start
        #expect(spent < 1.0, "first frame took \(spent) s of CPU")
        try Fixtures.roundTrip(model: model, test: frame, framing: .file)
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
