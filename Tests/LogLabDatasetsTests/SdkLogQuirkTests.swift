import Foundation
import LogLabCore
import Testing
@testable import LogLabDatasets

/// The export's quirks hold on generated data.
@Suite struct SdkLogQuirkTests {
    static let options = SdkLogGenerator.Options(records: 4_000, start: "2021-12-31", days: 2, seed: 3,
                                                 apps: 50, users: 3_000, anomaliesPerMillion: 10_000)
    static let batch = SdkLogGenerator(options: options).generate()
    static let sliceOptions = SdkLogGenerator.Options(records: 3_000, start: "2021-12-31", days: 2, seed: 3, apps: 50,
                                                      users: 20_000, anomaliesPerMillion: 10_000, sliceRate: 100, sliceHour: 21)
    static let slice = SdkLogGenerator(options: sliceOptions).generate()

    /// Leaf texts of one record by path (first occurrence).
    static func fields(_ i: Int, in batch: RecordBatch = batch) -> [String: String] {
        var out: [String: String] = [:]
        let ok = batch.withRecord(i) { raw -> Bool in
            let p = raw.bindMemory(to: UInt8.self)
            return JSONScanner.scan(p) { leaf in
                let key = String(decoding: leaf.path, as: UTF8.self)
                if out[key] == nil { out[key] = String(decoding: UnsafeBufferPointer(rebasing: p[leaf.value]), as: UTF8.self) }
            }
        }
        #expect(ok, "record \(i) is not valid JSON")
        return out
    }

    static func ms(_ s: String?) -> Int64? { s.flatMap { Timestamps.parseISO8601($0) } }

    @Test func everyRecordIsCompactValidJSON() {
        for i in 0..<Self.batch.count {
            let r = Self.batch[i]
            #expect(JSONScanner.isValid(r))
            #expect(!r.contains(0x0A))
        }
    }

    @Test(arguments: [false, true])
    func timestampsAreConsistent(sliceMode: Bool) throws {
        let batch = sliceMode ? Self.slice : Self.batch
        var ids: [String] = []
        var lastSort: Int64 = 0
        var backwards: Int64 = 0
        for i in 0..<batch.count {
            let f = Self.fields(i, in: batch)
            guard let tsText = f["_source.timestamp"], let begin = Self.ms(f["_source.request_begin_timestamp"]),
                  let end = Self.ms(f["_source.request_end_timestamp"]), let ts = Self.ms(tsText),
                  let elapsed = Int64(f["_source.response_elapsed_time"] ?? "") else {
                Issue.record("record \(i) lacks a field")
                continue
            }
            // fields.* are the UTC renderings of _source (KST +09:00 → Z, ms kept).
            #expect(Self.ms(f["fields.request_begin_timestamp[]"]) == begin)
            #expect(f["fields.request_begin_timestamp[]"]?.hasSuffix("Z") == true)
            #expect(Self.ms(f["fields.request_end_timestamp[]"]) == end)
            #expect(f["fields.user_inDate[]"] == f["_source.user_inDate"])
            #expect(f["_source.request_begin_timestamp"]?.hasSuffix("+09:00") == true)
            // timestamp: KST wall clock labelled Z, second precision; fields.timestamp adds .000.
            #expect(tsText.count == 20 && tsText.hasSuffix("Z"))
            #expect(f["fields.timestamp[]"] == String(tsText.dropLast()) + ".000Z")
            let kstBegin = begin + 9 * 3_600_000
            #expect(ts >= kstBegin - 1000 && ts <= kstBegin + 240_000, "ingestion a few seconds after the request")
            // sort[0] is the epoch ms of timestamp as labelled.
            #expect(f["sort[]"] == String(ts))
            // _index from the date of timestamp.
            #expect(f["_index"] == "sdk-log-" + tsText.prefix(10))
            // end = begin + elapsed ± 1 ms.
            #expect(abs(end - begin - elapsed) <= 1)
            #expect(f["_type"] == "_doc" && f["_version"] == "1" && f["_score"] == "null")
            let id = f["_id"] ?? ""
            #expect(id.count == 58 && id.hasSuffix(".0"))
            ids.append(id)
            backwards = max(backwards, lastSort - ts)
            lastSort = max(lastSort, ts)
        }
        // _id increases through the file (same width: string order is numeric order).
        #expect(zip(ids, ids.dropFirst()).allSatisfy { $0 < $1 })
        // Roughly in ingestion order: never more than a few seconds back.
        #expect(backwards <= 3_000)
    }

    @Test func sliceModeIsAContiguousExcerptOfABusyService() {
        #expect(Self.slice.count == 3_000)
        var days: [String: (first: String, last: String, users: Set<String>)] = [:]
        for i in 0..<Self.slice.count {
            let f = Self.fields(i, in: Self.slice)
            let ts = f["_source.timestamp"] ?? ""
            let day = String(ts.prefix(10))
            var d = days[day] ?? (ts, ts, [])
            d.first = min(d.first, ts)
            d.last = max(d.last, ts)
            d.users.insert((f["_source.nickName"] ?? "") + "|" + (f["_source.client_app_id"] ?? ""))
            days[day] = d
        }
        #expect(days.keys.sorted() == ["2021-12-31", "2022-01-01"])
        for (_, d) in days {
            #expect(d.first.dropFirst(11).hasPrefix("21:00:0"), "the slice opens at 21:00 KST")
            #expect(d.last.dropFirst(11).hasPrefix("21:"), "1,500 records at 100/s last well under an hour")
            #expect(d.users.count > 300, "an excerpt of a busy service meets many users")
        }
    }

    @Test func theWorldIsSkewedAndPersistent() {
        var apps: [String: Int] = [:], users: [String: Set<String>] = [:], inDates: [String: Set<String>] = [:]
        var korean = 0, latinOnly = 0
        for i in 0..<Self.batch.count {
            let f = Self.fields(i)
            apps[f["_source.client_app_id"] ?? "", default: 0] += 1
            if let nick = f["_source.nickName"], nick != "null" {
                users[nick, default: []].insert(f["_source.client_app_id"] ?? "")
                inDates[nick + "|" + (f["_source.client_app_id"] ?? ""), default: []].insert(f["_source.user_inDate"] ?? "")
                if nick.unicodeScalars.contains(where: { (0xAC00...0xD7A3).contains($0.value) }) { korean += 1 }
                if nick.unicodeScalars.allSatisfy({ $0.isASCII }) { latinOnly += 1 }
            }
        }
        let counts = apps.values.sorted(by: >)
        #expect(apps.keys.allSatisfy { $0.count == 40 })
        #expect(counts.count > 10)
        #expect(counts[0] > 5 * counts[counts.count / 2], "Zipf-skewed app traffic")
        // A user (nickname within an app) keeps its registration time.
        #expect(inDates.values.filter { $0.count > 1 }.count <= inDates.count / 50)
        #expect(korean > Self.batch.count / 2 && latinOnly > Self.batch.count / 50)
    }

    @Test func daysGeneratedSeparatelyShareTheWorld() {
        func users(_ start: String) -> [String: String] {   // nickName|app → user_inDate
            let b = SdkLogGenerator(options: .init(records: 3_000, start: start, seed: 11, apps: 20, users: 200,
                                                   anomaliesPerMillion: 0)).generate()
            var out: [String: String] = [:]
            for i in 0..<b.count {
                b.withRecord(i) { raw in
                    let p = raw.bindMemory(to: UInt8.self)
                    func text(_ path: String) -> String {
                        JSONScanner.find(Array(path.utf8), in: p).map { String(decoding: UnsafeBufferPointer(rebasing: p[$0.0]), as: UTF8.self) } ?? ""
                    }
                    out[text("_source.nickName") + "|" + text("_source.client_app_id")] = text("_source.user_inDate")
                }
            }
            return out
        }
        let a = users("2021-12-26"), b = users("2021-12-27")
        let common = Set(a.keys).intersection(b.keys)
        #expect(common.count > 20, "the same players come back the next day")
        #expect(common.allSatisfy { a[$0] == b[$0] }, "with the same registration time")
    }

    @Test func anomaliesAppear() {
        var missing = 0, null = 0, extra = 0, ignored = 0, reordered = 0
        for i in 0..<Self.batch.count {
            let r = String(decoding: Self.batch[i], as: UTF8.self)
            if !r.contains("\"nickName\"") { missing += 1 }
            if r.contains("\"nickName\":null") { null += 1 }
            if r.contains("\"user_agent\"") { extra += 1 }
            if r.contains("\"_ignored\":[\"request_url.keyword\"]") { ignored += 1 }
            if r.contains("\"_source\":{\"timestamp\"") { reordered += 1 }
        }
        // 1 % of 4,000 records in five kinds: each kind appears, none dominates.
        for n in [missing, null, extra, ignored, reordered] { #expect(n >= 1 && n < 30) }
    }

    @Test func evolvingTrafficAddsAnAppAFunctionAndUsers() {
        var o = Self.options
        o.evolving = true
        o.days = 3
        o.records = 6_000
        o.anomaliesPerMillion = 0
        let b = SdkLogGenerator(options: o).generate()
        var byDay: [String: (fn: Int, app: Int)] = [:]
        for i in 0..<b.count {
            let r = String(decoding: b[i], as: UTF8.self)
            let day = String(r.dropFirst(19).prefix(10))   // {"_index":"sdk-log-YYYY-MM-DD
            var e = byDay[day] ?? (0, 0)
            if r.contains("Backend.PlayerData.GetMyData") { e.fn += 1 }
            if r.contains("\"sdk_version\":\"5.6.0\"") { e.app += 1 }
            byDay[day] = e
        }
        #expect(byDay["2021-12-31"]?.fn == 0 && byDay["2021-12-31"]?.app == 0)
        #expect((byDay["2022-01-01"]?.app ?? 0) > 0)
        #expect((byDay["2022-01-02"]?.fn ?? 0) > 0)
    }
}
