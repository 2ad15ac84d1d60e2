import Foundation
import LogLabCore

/// Turns the world into traffic and renders records. Sessions arrive over each KST day
/// following a daily cycle; each session logs in, makes its start-up burst of calls, then plays.
/// Events are ingested a few seconds after they end and written roughly in ingestion order
/// (a small jitter reorders neighbours); `_id` increases in output order.
final class SdkLogEngine {
    static let maxRecordBytes = 64 * 1024
    static let kstMs: Int64 = 9 * 3_600_000

    let world: SdkLogWorld
    let o: SdkLogGenerator.Options
    let base: Int64                         // epoch ms that relative times count from
    var traffic: Xoshiro256
    var render: Xoshiro256

    // Day and minute cursor.
    var day = 0
    var needsSetUp = true
    var dayStartRel: Int64 = 0
    var minuteOrigin: Int64 = 0             // relative time of the day's minute 0
    var minute = 0
    var minuteCumulative: [UInt64] = []
    var sessionsOfDay = 0
    var sessionsStarted = 0
    var budgetOfDay = 0
    var lengths = Xoshiro256(seed: 0)

    // Active sessions: min-heap of (time << 24 | slot).
    var sessionHeap = MinHeap()
    var sessionUser: [Int32] = []
    var sessionLeft: [Int32] = []
    var sessionStep: [Int32] = []
    var freeSessions: [Int32] = []

    // Events waiting to be written: min-heap of (emit key << 24 | slot).
    var pendingHeap = MinHeap()
    var events: [Event] = []
    var freeEvents: [Int32] = []

    var emitted = 0
    var idHi: UInt64, idMid: UInt64, idLo: UInt64
    let templates: [[UrlPiece]]
    let hostBytes = Array(SdkVocabulary.host.utf8)
    let reasonBytes: [[[UInt8]]]
    let nameBytes: [[UInt8]]

    struct Event {
        var user: Int32 = 0
        var function: Int16 = 0
        var outcome: Int16 = 0
        var begin: Int64 = 0                // epoch ms (UTC)
        var elapsed: Int32 = 0
        var endDelta: Int8 = 0
        var ingest: Int64 = 0               // epoch ms (UTC)
    }

    enum UrlPiece {
        case literal([UInt8])
        case table, row, owner, chart, rank, limit, offset, gap, count, posttype, post, friend
        case guild, coupon, logtype, provider, platform, nick, select
    }

    init(world: SdkLogWorld) {
        self.world = world
        o = world.options
        base = (world.startDay - 1) * CivilTime.msPerDay
        traffic = Xoshiro256(seed: o.seed, stream: 0x7A_FF1C)
        render = Xoshiro256(seed: o.seed, stream: 0x7E_4DE2)
        var idRng = Xoshiro256(seed: o.seed, stream: 0x1D)
        idHi = 623_735_927_354_776_182 &+ UInt64(idRng.below(1_000_000_000_000))
        idMid = UInt64(idRng.below(1_000_000_000_000_000_000))
        idLo = UInt64(idRng.below(1_000_000_000_000_000_000))
        templates = world.functions.map { Self.parse(template: $0.template) }
        reasonBytes = world.functions.map { $0.outcomes.map { Array($0.reason.utf8) } }
        nameBytes = world.functions.map { Array($0.name.utf8) }
    }

    static func parse(template: String) -> [UrlPiece] {
        var pieces: [UrlPiece] = []
        var rest = Substring(template)
        while let open = rest.firstIndex(of: "{"), let close = rest[open...].firstIndex(of: "}") {
            if open > rest.startIndex { pieces.append(.literal(Array(rest[..<open].utf8))) }
            let name = rest[rest.index(after: open)..<close]
            let p: UrlPiece
            switch name {
            case "table": p = .table
            case "row": p = .row
            case "owner": p = .owner
            case "chart": p = .chart
            case "rank": p = .rank
            case "limit": p = .limit
            case "offset": p = .offset
            case "gap": p = .gap
            case "count": p = .count
            case "posttype": p = .posttype
            case "post": p = .post
            case "friend": p = .friend
            case "guild": p = .guild
            case "coupon": p = .coupon
            case "logtype": p = .logtype
            case "provider": p = .provider
            case "platform": p = .platform
            case "nick": p = .nick
            default: p = .select
            }
            pieces.append(p)
            rest = rest[rest.index(after: close)...]
        }
        if !rest.isEmpty { pieces.append(.literal(Array(rest.utf8))) }
        return pieces
    }

    // MARK: traffic

    // Slice mode (`Options.sliceRate`): each day is a contiguous slice of a busy service.
    var sliceStartRel: Int64 = 0
    var sliceEmitted = 0
    var arrivalsPerMinute = 0.0
    static let sliceWarmUpMinutes = 20
    static let meanSessionLength = 37.5     // E[sessionLength]: 1 + 5.5 + 16·e^(1.15²/2)

    /// Relative time of the first minute not yet opened (Int64.max when all days are done).
    var nextMinuteRel: Int64 {
        day >= o.days ? .max : minuteOrigin + Int64(minute) * 60_000
    }

    func setUpDay() {
        let absDay = UInt64(bitPattern: world.startDay + Int64(day))
        dayStartRel = Int64(day + 1) * CivilTime.msPerDay - Self.kstMs
        budgetOfDay = o.records / o.days + (day < o.records % o.days ? 1 : 0)
        lengths = Xoshiro256(seed: o.seed, stream: 0x1E_0000 &+ absDay)
        var probe = lengths
        var sum = 0, n = 0
        while sum < budgetOfDay {
            sum += Self.sessionLength(&probe)
            n += 1
        }
        sessionsOfDay = n
        sessionsStarted = 0
        minuteCumulative = Self.dailyCurve(seed: o.seed, absDay: absDay)
        minuteOrigin = dayStartRel
        minute = 0
    }

    /// The KST daily cycle, per minute, with a little day-to-day noise: cumulative weights
    /// (1441 entries, the first 0) of the minutes of day `absDay` (days since 1970).
    static func dailyCurve(seed: UInt64, absDay: UInt64) -> [UInt64] {
        let hourly: [UInt64] = [60, 42, 27, 17, 11, 10, 14, 24, 38, 48, 54, 61, 76, 73, 64, 62, 66, 73, 84, 94, 100, 100, 91, 77]
        var noise = Xoshiro256(seed: seed, stream: 0x2D_0000 &+ absDay)
        var cumulative: [UInt64] = [0]
        cumulative.reserveCapacity(1441)
        var acc: UInt64 = 0
        for m in 0..<1440 {
            let h = m / 60, f = UInt64(m % 60)
            let w = hourly[h] * (60 - f) + hourly[(h + 1) % 24] * f
            acc += w * UInt64(900 + noise.below(201))
            cumulative.append(acc)
        }
        return cumulative
    }

    /// Slice mode with `sliceCurve`: each minute's share of the day's mean rate (mean 1 over the day).
    var sliceMinuteFactor: [Double] = []

    /// A slice: sessions arrive at a steady rate from half an hour before the slice starts (so
    /// the slice opens on a full population of sessions in progress); records are those ingested
    /// from the slice's start on, until the day's share of records is written.
    func setUpSlice() {
        dayStartRel = Int64(day + 1) * CivilTime.msPerDay - Self.kstMs
        sliceStartRel = dayStartRel + Int64(o.sliceHour) * 3_600_000
        minuteOrigin = sliceStartRel - Int64(Self.sliceWarmUpMinutes) * 60_000
        budgetOfDay = o.records / o.days + (day < o.records % o.days ? 1 : 0)
        sliceEmitted = 0
        arrivalsPerMinute = Double(o.sliceRate ?? 1) * 60 / Self.meanSessionLength
        if o.sliceCurve {
            let c = Self.dailyCurve(seed: o.seed, absDay: UInt64(bitPattern: world.startDay + Int64(day)))
            let mean = Double(c[1440]) / 1440
            sliceMinuteFactor = (0..<1440).map { Double(c[$0 + 1] - c[$0]) / mean }
        }
        minute = 0
    }

    /// Ends a slice day: the next day starts from an empty population.
    func endSliceDay() {
        sessionHeap = MinHeap(); pendingHeap = MinHeap()
        sessionUser = []; sessionLeft = []; sessionStep = []; freeSessions = []
        events = []; freeEvents = []
        day += 1
        needsSetUp = true
    }

    static func sessionLength(_ r: inout Xoshiro256) -> Int {
        let play = Int(r.logNormal(median: 16, sigma: 1.15))
        return 1 + r.between(2, 9) + min(play, 3000)
    }

    /// Opens minutes until the earliest active session comes before the next unopened minute.
    func openMinutes() {
        while day < o.days {
            if needsSetUp {
                if o.sliceRate != nil { setUpSlice() } else { setUpDay() }
                needsSetUp = false
            }
            if let top = sessionHeap.top, Int64(top >> 24) < nextMinuteRel { return }
            if o.sliceRate != nil {
                let minuteStart = nextMinuteRel
                var rate = arrivalsPerMinute
                if o.sliceCurve {
                    // The minute of the KST day (the warm-up may begin on the day before).
                    let m = Int(CivilDate.floorDiv(minuteStart - dayStartRel, 60_000)) % 1440
                    rate *= sliceMinuteFactor[m < 0 ? m + 1440 : m]
                }
                let whole = Int(rate)
                let n = whole + (traffic.unit() < rate - Double(whole) ? 1 : 0)
                for _ in 0..<n {
                    startSession(at: minuteStart + Int64(traffic.below(60_000)), length: Self.sessionLength(&traffic))
                }
                minute += 1
                continue
            }
            let m = minute
            let total = minuteCumulative[1440]
            let target = Int(total.dividingFullWidth(UInt64(sessionsOfDay).multipliedFullWidth(by: minuteCumulative[m + 1])).quotient)
            let minuteStart = dayStartRel + Int64(m) * 60_000
            while sessionsStarted < min(target, sessionsOfDay) {
                sessionsStarted += 1
                let length = min(Self.sessionLength(&lengths), budgetOfDay)
                budgetOfDay -= length
                if length > 0 { startSession(at: minuteStart + Int64(traffic.below(60_000)), length: length) }
            }
            minute += 1
            if minute >= 1440 {
                day += 1
                needsSetUp = true
            }
        }
    }

    /// Index (from the first day) of the KST day a relative time falls in.
    func dayIndex(ofRelative t: Int64) -> Int {
        Int(CivilDate.floorDiv(t + Self.kstMs, CivilTime.msPerDay)) - 1
    }

    func startSession(at time: Int64, length: Int) {
        let slot: Int32
        if let s = freeSessions.popLast() {
            slot = s
        } else {
            slot = Int32(sessionUser.count)
            sessionUser.append(0); sessionLeft.append(0); sessionStep.append(0)
        }
        let i = Int(slot)
        sessionUser[i] = Int32(chooseUser())
        sessionLeft[i] = Int32(length)
        sessionStep[i] = 0
        sessionHeap.push(UInt64(time) << 24 | UInt64(slot))
    }

    func chooseUser() -> Int {
        let w = world
        if day > 0, traffic.below(100) < 20 {
            let lo = w.newUsersByDay[1].lowerBound, hi = w.newUsersByDay[day].upperBound
            if hi > lo {
                // Recent registrations are the most active.
                let x = traffic.unit()
                return hi - 1 - Int(Double(hi - lo) * x * x)
            }
        }
        let app = SdkLogWorld.pick(w.appCumulative, &traffic)
        let users = w.appUsers[app]
        let x = traffic.unit()
        return Int(users[min(users.count - 1, Int(Double(users.count) * x * x))])
    }

    /// The next event from the earliest session, queued for writing.
    func nextEvent() {
        guard let key = sessionHeap.pop() else { return }
        let slot = Int(key & 0xFF_FFFF)
        let begin = base + Int64(key >> 24)
        let user = Int(sessionUser[slot])
        let app = Int(world.userApp[user])
        let step = Int(sessionStep[slot])
        let burst = world.appBurst[app]
        if o.sliceRate != nil, begin - base < sliceStartRel - 300_000 {
            // Long before a slice (elapsed ≤ 60 s, ingestion ≤ 200 s later): only the timing matters.
            schedule(slot, step: step, burstCount: burst.count, after: begin - base + 30)
            return
        }
        let function: Int
        if step == 0 {
            function = world.appLogin[app]
        } else if step <= burst.count {
            function = burst[step - 1]
        } else if let late = world.lateFunction, dayIndex(ofRelative: begin - base) >= world.lateFunctionDay, traffic.below(100) < 6 {
            function = late
        } else {
            function = world.playFunctions[SdkLogWorld.pick(world.playCumulative, &traffic)]
        }
        let f = world.functions[function]
        let outcome = SdkLogWorld.pick(world.outcomeCumulative[function], &traffic)
        let ms = traffic.logNormal(median: f.medianMs * f.outcomes[outcome].latency, sigma: f.sigma)
        let elapsed = Int32(max(1, min(60_000, Int(ms))))
        let r = traffic.below(100)
        let endDelta: Int8 = r < 40 ? 0 : r < 85 ? 1 : -1
        var delay = 900 + Int64(traffic.logNormal(median: 2300, sigma: 0.45))
        if traffic.below(1000) < 3 { delay += Int64(traffic.between(30_000, 180_000)) }
        let ingest = begin + Int64(elapsed) + min(delay, 200_000)

        let emitKey = ingest - base + Int64(traffic.below(1200))
        if o.sliceRate == nil || ingest - base >= sliceStartRel {   // a slice's warm-up is never written
            var e = Event()
            e.user = Int32(user); e.function = Int16(function); e.outcome = Int16(outcome)
            e.begin = begin; e.elapsed = elapsed; e.endDelta = endDelta; e.ingest = ingest
            let eslot: Int32
            if let s = freeEvents.popLast() { eslot = s; events[Int(s)] = e } else { eslot = Int32(events.count); events.append(e) }
            pendingHeap.push(UInt64(emitKey) << 24 | UInt64(eslot))
        }

        schedule(slot, step: step, burstCount: burst.count, after: begin - base + Int64(elapsed))
    }

    /// Schedules a session's next call after its call `step` ended at relative time `end`.
    func schedule(_ slot: Int, step: Int, burstCount: Int, after end: Int64) {
        sessionLeft[slot] -= 1
        sessionStep[slot] += 1
        if sessionLeft[slot] > 0 {
            let gap: Int64
            if step < burstCount {
                gap = Int64(traffic.between(15, 350))
            } else {
                gap = 40 + min(900_000, Int64(traffic.logNormal(median: 8_000, sigma: 1.2)))
            }
            sessionHeap.push(UInt64(end + gap) << 24 | UInt64(slot))
        } else {
            freeSessions.append(Int32(slot))
        }
    }

    /// Writes the next record at `out` and returns its length, or -1 when all are written.
    func nextRecord(into out: UnsafeMutablePointer<UInt8>) -> Int {
        while emitted < o.records {
            openMinutes()
            let nextBegin = sessionHeap.top.map { Int64($0 >> 24) } ?? .max
            if let top = pendingHeap.top, Int64(top >> 24) <= nextBegin {
                _ = pendingHeap.pop()
                let slot = Int(top & 0xFF_FFFF)
                freeEvents.append(Int32(slot))
                let e = events[slot]
                if o.sliceRate != nil {
                    sliceEmitted += 1
                    if sliceEmitted >= budgetOfDay { endSliceDay() }
                }
                emitted += 1
                return write(e, to: out)
            }
            if sessionHeap.isEmpty { return -1 }
            nextEvent()
        }
        return -1
    }

    // MARK: rendering

    func write(_ e: Event, to out: UnsafeMutablePointer<UInt8>) -> Int {
        var w = RawWriter(out)
        let user = Int(e.user)
        let app = Int(world.userApp[user])
        var anomaly = -1
        if o.anomaliesPerMillion > 0, render.chance(perMillion: o.anomaliesPerMillion) { anomaly = render.below(5) }
        let labelSecond = CivilDate.floorDiv(e.ingest + Self.kstMs, 1000)   // KST wall clock, labelled Z
        let labelMs = labelSecond * 1000
        let end = e.begin + Int64(e.elapsed) + Int64(e.endDelta)

        w.lit("{\"_index\":\"sdk-log-")
        w.date(days: CivilDate.floorDiv(labelMs, CivilTime.msPerDay))
        w.lit("\",\"_type\":\"_doc\",\"_id\":\"49")
        advanceId()
        w.digits18(idHi); w.digits18(idMid); w.digits18(idLo)
        w.lit(".0\",\"_version\":1,\"_score\":null,")
        if anomaly == 4 { w.lit("\"_ignored\":[\"request_url.keyword\"],") }
        w.lit("\"_source\":{")
        if anomaly == 3 {
            w.lit("\"timestamp\":\""); w.dateTime(labelMs); w.lit("Z\",")
        }
        w.lit("\"client_app_id\":\""); w.bytes(world.appIds[app])
        w.lit("\",\"func_name\":\""); w.bytes(nameBytes[Int(e.function)])
        w.lit("\",")
        switch anomaly {
        case 0: break
        case 1: w.lit("\"nickName\":null,")
        default:
            w.lit("\"nickName\":")
            let lo = Int(world.nickJSONOffsets[user]), hi = Int(world.nickJSONOffsets[user + 1])
            world.nickJSON.withUnsafeBufferPointer { w.raw($0.baseAddress! + lo, hi - lo) }
            w.byte(0x2C)
        }
        w.lit("\"request_begin_timestamp\":\""); w.kst(e.begin)
        w.lit("\",\"request_end_timestamp\":\""); w.kst(end)
        w.lit("\",\"request_url\":\"")
        writeURL(e, app: app, user: user, into: &w, long: anomaly == 4)
        w.lit("\",\"response_elapsed_time\":"); w.int(Int64(e.elapsed))
        let outcome = world.functions[Int(e.function)].outcomes[Int(e.outcome)]
        w.lit(",\"response_reason\":\""); w.bytes(reasonBytes[Int(e.function)][Int(e.outcome)])
        w.lit("\",\"response_status_code\":"); w.int(Int64(outcome.code))
        w.lit(",\"sdk_version\":\""); w.bytes(world.sdkVersions[Int(world.userSdk[user])])
        if anomaly != 3 {
            w.lit("\",\"timestamp\":\""); w.dateTime(labelMs); w.byte(0x5A)
        }
        w.lit("\",\"user_inDate\":\""); w.utc(world.userInDate[user])
        w.byte(0x22)
        if anomaly == 2 {
            w.lit(",\"user_agent\":\"")
            w.lit(["UnityPlayer/2021.3.16f1 (UnityWebRequest/1.0, libcurl/7.84.0-DEV)",
                   "UnityPlayer/2020.3.33f1 (UnityWebRequest/1.0, libcurl/7.80.0-DEV)",
                   "BestHTTP/2 (Android 12; SM-G991N)", "okhttp/4.9.3"][render.below(4)])
            w.byte(0x22)
        }
        w.lit("},\"fields\":{\"request_begin_timestamp\":[\""); w.utc(e.begin)
        w.lit("\"],\"user_inDate\":[\""); w.utc(world.userInDate[user])
        w.lit("\"],\"request_end_timestamp\":[\""); w.utc(end)
        w.lit("\"],\"timestamp\":[\""); w.utc(labelMs)
        w.lit("\"]},\"sort\":["); w.int(labelMs)
        w.lit("]}")
        return w.count
    }

    func advanceId() {
        let quintillion: UInt64 = 1_000_000_000_000_000_000
        idLo += 1 + UInt64(render.below(1 << 20))
        if idLo >= quintillion {
            idLo -= quintillion
            idMid += 1
            if idMid >= quintillion { idMid -= quintillion; idHi += 1 }
        }
    }

    func writeURL(_ e: Event, app: Int, user: Int, into w: inout RawWriter, long: Bool) {
        let wd = world
        w.bytes(hostBytes)
        let tables = wd.appTables[app]
        let tableSlot = min(tables.count - 1, Int(Double(tables.count) * render.unit() * render.unit()))
        for piece in templates[Int(e.function)] {
            switch piece {
            case .literal(let b): w.bytes(b)
            case .table: w.string(SdkVocabulary.tables[tables[tableSlot]])
            case .row: w.utc(wd.userInDate[user] + 1_379 * Int64(tableSlot + 1) + 17)
            case .owner: w.utc(wd.userInDate[user])
            case .chart:
                let c = wd.appCharts[app]
                w.int(Int64(c[min(c.count - 1, Int(Double(c.count) * render.unit() * render.unit()))]))
            case .rank:
                let r = wd.appRanks[app]
                let k = render.below(r.count / 36) * 36
                r.withUnsafeBufferPointer { w.raw($0.baseAddress! + k, 36) }
            case .limit: w.int(Int64(SdkVocabulary.limits[render.below(SdkVocabulary.limits.count)]))
            case .offset: w.int(Int64(SdkVocabulary.offsets[render.below(SdkVocabulary.offsets.count)]))
            case .gap: w.int(Int64([0, 0, 0, 5, 10][render.below(5)]))
            case .count: w.int(Int64([1, 1, 1, 5, 10][render.below(5)]))
            case .posttype: w.string(SdkVocabulary.postTypes[render.below(SdkVocabulary.postTypes.count)])
            case .post: w.utc(e.begin - Int64(render.below(7 * 86_400_000)))
            case .friend: w.utc(wd.userInDate[otherUser(app: app, user: user)])
            case .guild:
                let g = wd.appGuilds[app]
                w.utc(g[min(g.count - 1, Int(Double(g.count) * render.unit() * render.unit()))])
            case .coupon:
                let alphabet = Array("ABCDEFGHJKLMNPQRSTUVWXYZ23456789".utf8)
                for _ in 0..<16 { w.byte(alphabet[render.below(alphabet.count)]) }
            case .logtype:
                let l = wd.appLogTypes[app]
                w.string(SdkVocabulary.logTypes[l[render.below(l.count)]])
            case .provider: w.string(["google", "apple", "facebook"][Int(wd.userFlags[user] >> 1) % 3])
            case .platform: w.string(wd.userFlags[user] & 1 == 1 ? "ios" : "android")
            case .nick:
                let other = otherUser(app: app, user: user)
                let lo = Int(wd.nickOffsets[other]), hi = Int(wd.nickOffsets[other + 1])
                for i in lo..<hi { w.percentEncoded(wd.nickPool[i]) }
            case .select: w.string(SdkVocabulary.selects[render.below(SdkVocabulary.selects.count)])
            }
        }
        if long {
            // A client that put its whole state into the query string.
            w.lit(templates[Int(e.function)].contains { if case .literal(let b) = $0 { return b.contains(0x3F) } else { return false } } ? "&" : "?")
            w.lit("where=%7B")                      // {"key":value,…} percent-encoded
            for i in 0..<render.between(20, 300) {
                if i > 0 { w.lit("%2C") }
                w.lit("%22")
                w.string(SdkVocabulary.tables[render.below(SdkVocabulary.tables.count)])
                w.lit("%22%3A")
                w.int(Int64(render.below(1_000_000)))
            }
            w.lit("%7D")
        }
    }

    func otherUser(app: Int, user: Int) -> Int {
        let list = app < world.appUsers.count ? world.appUsers[app] : []
        if list.isEmpty { return user }
        return Int(list[render.below(list.count)])
    }
}

/// A cursor over a caller-provided buffer with room for `SdkLogEngine.maxRecordBytes`.
struct RawWriter {
    let base: UnsafeMutablePointer<UInt8>
    var count = 0
    init(_ base: UnsafeMutablePointer<UInt8>) { self.base = base }

    @inline(__always) mutating func byte(_ b: UInt8) { base[count] = b; count += 1 }

    @inline(__always) mutating func raw(_ p: UnsafePointer<UInt8>, _ n: Int) {
        (base + count).update(from: p, count: n)
        count += n
    }

    @inline(__always) mutating func bytes(_ b: [UInt8]) {
        b.withUnsafeBufferPointer { raw($0.baseAddress!, $0.count) }
    }

    @inline(__always) mutating func lit(_ s: StaticString) {
        s.withUTF8Buffer { raw($0.baseAddress!, $0.count) }
    }

    @inline(__always) mutating func string(_ s: String) {
        var s = s
        s.withUTF8 { raw($0.baseAddress!, $0.count) }
    }

    mutating func int(_ v: Int64) {
        var v = v
        if v < 0 { byte(0x2D); v = 0 - v }
        var tmp: (UInt64, UInt64, UInt64) = (0, 0, 0)
        var n = 0
        withUnsafeMutableBytes(of: &tmp) { t in
            repeat {
                t[23 - n] = UInt8(0x30 + v % 10)
                v /= 10
                n += 1
            } while v > 0
            raw(t.baseAddress!.assumingMemoryBound(to: UInt8.self) + 24 - n, n)
        }
    }

    /// Exactly 18 digits, zero-padded.
    mutating func digits18(_ v: UInt64) {
        var v = v
        var i = 17
        while i >= 0 {
            base[count + i] = UInt8(0x30 + v % 10)
            v /= 10
            i -= 1
        }
        count += 18
    }

    mutating func date(days: Int64) {
        CivilTime.writeDate(days: days, to: base + count)
        count += 10
    }

    /// `YYYY-MM-DDTHH:MM:SS` of a wall-clock ms value.
    mutating func dateTime(_ wallMs: Int64) {
        CivilTime.writeDateTime(wallMs: wallMs, to: base + count)
        count += 19
    }

    /// `YYYY-MM-DDTHH:MM:SS.mmmZ` (UTC).
    mutating func utc(_ ms: Int64) {
        CivilTime.writeDateTimeMs(wallMs: ms, to: base + count)
        base[count + 23] = 0x5A
        count += 24
    }

    /// `YYYY-MM-DDTHH:MM:SS.mmm+09:00` (KST).
    mutating func kst(_ ms: Int64) {
        CivilTime.writeDateTimeMs(wallMs: ms + SdkLogEngine.kstMs, to: base + count)
        (base + count + 23).update(from: [0x2B, 0x30, 0x39, 0x3A, 0x30, 0x30], count: 6)
        count += 29
    }

    static let upperHex = Array("0123456789ABCDEF".utf8)

    mutating func percentEncoded(_ b: UInt8) {
        switch b {
        case 0x30...0x39, 0x41...0x5A, 0x61...0x7A, 0x2D, 0x2E, 0x5F, 0x7E: byte(b)
        default:
            byte(0x25)
            byte(Self.upperHex[Int(b >> 4)])
            byte(Self.upperHex[Int(b & 0xF)])
        }
    }
}

/// Binary min-heap of packed keys.
struct MinHeap {
    var a: [UInt64] = []
    var isEmpty: Bool { a.isEmpty }
    var top: UInt64? { a.first }

    mutating func push(_ v: UInt64) {
        a.append(v)
        var i = a.count - 1
        while i > 0 {
            let p = (i - 1) / 2
            if a[p] <= v { break }
            a[i] = a[p]
            i = p
        }
        a[i] = v
    }

    mutating func pop() -> UInt64? {
        guard let first = a.first else { return nil }
        let last = a.removeLast()
        if a.isEmpty { return first }
        var i = 0
        let n = a.count
        while true {
            let l = 2 * i + 1
            if l >= n { break }
            var c = l
            if l + 1 < n, a[l + 1] < a[l] { c = l + 1 }
            if a[c] >= last { break }
            a[i] = a[c]
            i = c
        }
        a[i] = last
        return first
    }
}
