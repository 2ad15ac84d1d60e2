import LogLabCore
/// The persistent world behind sdk-log traffic: apps, users and their fixed attributes. It
/// depends only on the seed and the world-size options (not on `records` or `days`, except for
/// the users and app that `evolving` adds on later days), so days generated separately with the
/// same seed meet the same apps and users.
final class SdkLogWorld: Sendable {
    let options: SdkLogGenerator.Options
    let startDay: Int64                // days since 1970 of the first KST date
    let functions: [SdkFunction]       // the catalogue prefix in use (+ the late function when evolving)
    let lateFunction: Int?             // index into `functions`
    let burstFunctions: [Int]
    let loginFunctions: [Int]
    let playFunctions: [Int]
    let playCumulative: [UInt64]
    let outcomeCumulative: [[UInt64]]
    let sdkVersions: [[UInt8]]

    // apps
    let appIds: [[UInt8]]              // 36-char version-1 UUID + 4 digits
    let appSdk: [Int]
    let appLogin: [Int]                // index into `functions`
    let appBurst: [[Int]]
    let appTables: [[Int]]
    let appCharts: [[Int]]
    let appRanks: [[UInt8]]            // per app: concatenated 36-byte UUIDs
    let appGuilds: [[Int64]]
    let appLogTypes: [[Int]]
    let appCumulative: [UInt64]        // Zipf weights of the base apps
    let appUsers: [[Int32]]            // base users per app (earlier ones are chosen more often)
    let newApp: Int?                   // the app that `evolving` adds
    let newAppDay: Int
    let lateFunctionDay: Int

    // users
    let userApp: [Int32]
    let userInDate: [Int64]            // UTC epoch ms
    let userSdk: [UInt8]
    let userFlags: [UInt8]             // bit 0: iOS; bits 1-2: federation provider
    let nickPool: [UInt8]              // raw UTF-8 nicknames, back to back
    let nickOffsets: [Int32]
    let nickJSON: [UInt8]              // JSON string literals (quoted, escaped)
    let nickJSONOffsets: [Int32]
    let newUsersByDay: [Range<Int>]    // users first seen on day d (empty unless evolving)

    init(options o: SdkLogGenerator.Options) {
        options = o
        startDay = Timestamps.parseDate(o.start) ?? 18_987
        var rng = Xoshiro256(seed: o.seed, stream: 0x57_0A1D)

        // Functions.
        var fns = Array(SdkVocabulary.functions.prefix(o.functions))
        let late: Int?
        if o.evolving && o.days >= 2 {
            late = fns.count
            fns.append(SdkVocabulary.lateFunction)
        } else {
            late = nil
        }
        functions = fns
        lateFunction = late
        newAppDay = 1
        lateFunctionDay = o.days >= 3 ? 2 : 1
        loginFunctions = fns.indices.filter { fns[$0].phase == .login }
        burstFunctions = fns.indices.filter { fns[$0].phase == .burst }
        let play = fns.indices.filter { fns[$0].phase == .play && $0 != late }
        playFunctions = play.isEmpty ? burstFunctions : play
        playCumulative = Self.cumulative(playFunctions.map { max(1, fns[$0].weight) })
        outcomeCumulative = fns.map { f in Self.cumulative(f.outcomes.map(\.weight)) }
        sdkVersions = (SdkVocabulary.sdkVersions + [SdkVocabulary.lateSdkVersion]).map { Array($0.utf8) }

        // Apps.
        let baseApps = o.apps
        let totalApps = baseApps + (late != nil ? 1 : 0)
        let startMs = startDay * CivilTime.msPerDay - 9 * 3_600_000
        // The base world is anchored at 2021-12-26 (KST), or at the start when that is earlier,
        // so runs that start on different days meet the same apps and users.
        let anchorMs = min(startMs, Self.anchorDay * CivilTime.msPerDay - 9 * 3_600_000)
        let nodes = (0..<6).map { _ in rng.next() & 0xFFFF_FFFF_FFFF }
        let versionCum = Self.cumulative(SdkVocabulary.sdkVersionWeights)
        var ids: [[UInt8]] = [], sdk: [Int] = [], login: [Int] = [], burst: [[Int]] = []
        var tables: [[Int]] = [], charts: [[Int]] = [], ranks: [[UInt8]] = [], guilds: [[Int64]] = []
        var logTypes: [[Int]] = [], created: [Int64] = []
        var newRng = Xoshiro256(seed: o.seed, stream: 0x4E_E3A9)   // what `evolving` adds draws from its own stream
        for a in 0..<totalApps {
            let isNew = a >= baseApps
            if isNew { swap(&rng, &newRng) }
            defer { if isNew { swap(&rng, &newRng) } }
            // Created between 2019-01-01 and a month before the start (the new app: two days into the data).
            let lo: Int64 = 17_897 * CivilTime.msPerDay
            let hi = max(lo + CivilTime.msPerDay, anchorMs - 30 * CivilTime.msPerDay)
            let c = isNew ? startMs + Int64(newAppDay) * CivilTime.msPerDay - 2 * CivilTime.msPerDay + Int64(rng.below(80_000_000))
                          : lo + Int64(rng.below(Int(hi - lo)))
            created.append(c)
            var id = Self.uuidV1(ms: c, clockSeq: UInt16(truncatingIfNeeded: rng.next()), node: nodes[rng.below(nodes.count)])
            let suffix = rng.below(10_000)
            for k in [1000, 100, 10, 1] { id.append(UInt8(0x30 + (suffix / k) % 10)) }
            ids.append(id)
            sdk.append(isNew ? sdkVersions.count - 1 : Self.pick(versionCum, &rng))
            login.append(loginFunctions[min(loginFunctions.count - 1, [0, 0, 0, 1, 1, 2][rng.below(6)] % loginFunctions.count)])
            // Start-up sequence: user info and server time first, then a subset of the rest.
            var seq = Array(burstFunctions.prefix(2))
            for f in burstFunctions.dropFirst(2) where rng.below(100) < 55 { seq.append(f) }
            burst.append(seq)
            var t = Array(SdkVocabulary.tables.indices)
            for i in stride(from: t.count - 1, to: 0, by: -1) { t.swapAt(i, rng.below(i + 1)) }
            tables.append(Array(t.prefix(rng.between(2, 7))))
            charts.append((0..<rng.between(3, 12)).map { _ in rng.between(10_000, 99_999) })
            var r: [UInt8] = []
            for _ in 0..<rng.between(1, 4) { r += Self.uuidV4(&rng) }
            ranks.append(r)
            guilds.append((0..<rng.between(2, 30)).map { _ in c + Int64(rng.below(Int(max(1, anchorMs - c)))) })
            var lt = Array(SdkVocabulary.logTypes.indices)
            for i in stride(from: lt.count - 1, to: 0, by: -1) { lt.swapAt(i, rng.below(i + 1)) }
            logTypes.append(Array(lt.prefix(rng.between(1, 5))))
        }
        appIds = ids; appSdk = sdk; appLogin = login; appBurst = burst; appTables = tables
        appCharts = charts; appRanks = ranks; appGuilds = guilds; appLogTypes = logTypes
        newApp = late != nil ? baseApps : nil
        appCumulative = Self.cumulative((0..<baseApps).map { i in
            max(1, Int(DetMath.pow(Double(i + 1), -1.15) * 1_000_000_000))
        })

        // Users: one per app first (no app without players), the rest by the same Zipf law.
        let newPerDay = late != nil ? (o.newUsersPerDay ?? 0) : 0   // set by `Options.clamped()`
        let total = o.users + newPerDay * max(0, o.days - 1)
        var uApp = [Int32](), uIn = [Int64](), uSdk = [UInt8](), uFlags = [UInt8]()
        var pool = [UInt8](), poolOff: [Int32] = [0], json = [UInt8](), jsonOff: [Int32] = [0]
        uApp.reserveCapacity(total); uIn.reserveCapacity(total)
        var byApp = [[Int32]](repeating: [], count: baseApps)
        var byDay = [Range<Int>](repeating: 0..<0, count: o.days)
        var nickRng = Xoshiro256(seed: o.seed, stream: 0x4E1C)
        for u in 0..<total {
            // What `evolving` adds draws from its own stream: the base world stays the same.
            if u == o.users { swap(&rng, &newRng) }
            let day = u < o.users ? 0 : 1 + (u - o.users) / max(1, newPerDay)
            let app: Int
            if day == 0 {
                app = u < baseApps ? u : Self.pick(appCumulative, &rng)
                byApp[app].append(Int32(u))
            } else {
                app = (newApp != nil && day >= newAppDay && rng.below(100) < 40) ? newApp! : Self.pick(appCumulative, &rng)
                if byDay[day].isEmpty { byDay[day] = u..<u }
                byDay[day] = byDay[day].lowerBound..<(u + 1)
            }
            uApp.append(Int32(app))
            let inDate: Int64
            if day == 0 {
                // Registered between the app's creation and the start, more of them recently.
                let span = Double(max(1, anchorMs - 3_600_000 - created[app]))
                let x = rng.unit()
                inDate = anchorMs - 3_600_000 - Int64(span * x * x)
            } else {
                inDate = startMs + Int64(day - 1) * CivilTime.msPerDay + Int64(rng.below(Int(CivilTime.msPerDay)))
            }
            uIn.append(inDate)
            uSdk.append(UInt8(rng.below(100) < 94 ? sdk[app] : Self.pick(versionCum, &rng)))
            uFlags.append(UInt8(rng.below(100) < 31 ? 1 : 0) | UInt8([0, 0, 0, 1, 1, 2][rng.below(6)] << 1))
            let nick = Self.nickname(&nickRng)
            pool += nick
            poolOff.append(Int32(pool.count))
            JSONText.appendQuoted(nick, to: &json)
            jsonOff.append(Int32(json.count))
        }
        userApp = uApp; userInDate = uIn; userSdk = uSdk; userFlags = uFlags
        nickPool = pool; nickOffsets = poolOff; nickJSON = json; nickJSONOffsets = jsonOff
        appUsers = byApp
        newUsersByDay = byDay
    }

    // MARK: helpers

    static let anchorDay: Int64 = 18_987   // 2021-12-26

    static func cumulative(_ weights: [Int]) -> [UInt64] {
        var acc: UInt64 = 0
        return weights.map { acc += UInt64(max(0, $0)); return acc }
    }

    /// Index drawn with probability proportional to its weight.
    @inline(__always)
    static func pick(_ cumulative: [UInt64], _ rng: inout Xoshiro256) -> Int {
        guard let total = cumulative.last, total > 0 else { return 0 }
        let x = rng.next().multipliedFullWidth(by: total).high
        var lo = 0, hi = cumulative.count - 1
        while lo < hi {
            let mid = (lo + hi) / 2
            if cumulative[mid] > x { hi = mid } else { lo = mid + 1 }
        }
        return lo
    }

    static func appendHex(_ v: UInt64, digits: Int, to out: inout [UInt8]) {
        for i in stride(from: digits - 1, through: 0, by: -1) { out.append(JSONText.hex[Int((v >> UInt64(4 * i)) & 0xF)]) }
    }

    /// A version-1 UUID for a creation time (100 ns ticks since 1582-10-15).
    static func uuidV1(ms: Int64, clockSeq: UInt16, node: UInt64) -> [UInt8] {
        let ticks = UInt64(ms) &* 10_000 &+ 0x01B2_1DD2_1381_4000 &+ UInt64(ms & 0x1FFF)
        var out = [UInt8]()
        appendHex(ticks & 0xFFFF_FFFF, digits: 8, to: &out); out.append(0x2D)
        appendHex((ticks >> 32) & 0xFFFF, digits: 4, to: &out); out.append(0x2D)
        appendHex(0x1000 | ((ticks >> 48) & 0x0FFF), digits: 4, to: &out); out.append(0x2D)
        appendHex(UInt64(0x8000 | (clockSeq & 0x3FFF)), digits: 4, to: &out); out.append(0x2D)
        appendHex(node, digits: 12, to: &out)
        return out
    }

    static func uuidV4(_ rng: inout Xoshiro256) -> [UInt8] {
        let a = rng.next(), b = rng.next()
        var out = [UInt8]()
        appendHex(a >> 32, digits: 8, to: &out); out.append(0x2D)
        appendHex((a >> 16) & 0xFFFF, digits: 4, to: &out); out.append(0x2D)
        appendHex(0x4000 | (a & 0x0FFF), digits: 4, to: &out); out.append(0x2D)
        appendHex(0x8000 | ((b >> 48) & 0x3FFF), digits: 4, to: &out); out.append(0x2D)
        appendHex(b & 0xFFFF_FFFF_FFFF, digits: 12, to: &out)
        return out
    }

    static func nickname(_ rng: inout Xoshiro256) -> [UInt8] {
        typealias V = SdkVocabulary
        func any(_ a: [String]) -> String { a[rng.below(a.count)] }
        func number() -> String { String(rng.below(10) < 6 ? rng.between(1, 99) : rng.between(100, 9999)) }
        let p = rng.below(1000)
        var s: String
        switch p {
        case 0..<230: s = any(V.adjectives) + any(V.nouns)
        case 230..<370: s = any(V.nouns) + any(V.endings)
        case 370..<480: s = any(V.nouns) + any(V.nouns)
        case 480..<580: s = any(V.nouns) + number()
        case 580..<680:
            s = any(V.surnames)
            for _ in 0..<rng.between(1, 2) { s += any(V.givenSyllables) }
            if rng.below(3) == 0 { s += number() }
        case 680..<720: s = any(V.adjectives) + any(V.nouns) + any(V.endings)
        case 720..<870:
            s = any(V.latinWords) + (rng.below(2) == 0 ? any(V.latinWords) : "")
            switch rng.below(4) {
            case 0: s = s.lowercased()
            case 1: s += "_" + number()
            case 2: s += number()
            default: break
            }
            if rng.below(25) == 0 { s = "xX" + s + "Xx" }
        case 870..<930: s = any(V.latinWords) + any(V.nouns)
        case 930..<960: s = any(V.nouns) + any(V.latinWords) + (rng.below(2) == 0 ? number() : "")
        case 960..<985:
            let e = any(V.emoji)
            let base = rng.below(2) == 0 ? any(V.adjectives) + any(V.nouns) : any(V.nouns) + any(V.endings)
            s = rng.below(2) == 0 ? e + base : base + e
        default: s = any(V.oddNicknames)
        }
        return Array(s.utf8)
    }
}

/// Minimal JSON string writing shared by the generator and tools.
enum JSONText {
    static let hex = Array("0123456789abcdef".utf8)

    /// Appends `"…"` with `"` `\` and control characters escaped; other bytes (UTF-8) as is.
    static func appendQuoted<C: Collection>(_ raw: C, to out: inout [UInt8]) where C.Element == UInt8 {
        out.append(0x22)
        for b in raw {
            switch b {
            case 0x22: out += [0x5C, 0x22]
            case 0x5C: out += [0x5C, 0x5C]
            case 0x0A: out += [0x5C, 0x6E]
            case 0x0D: out += [0x5C, 0x72]
            case 0x09: out += [0x5C, 0x74]
            case 0..<0x20: out += [0x5C, 0x75, 0x30, 0x30, hex[Int(b >> 4)], hex[Int(b & 0xF)]]
            default: out.append(b)
            }
        }
        out.append(0x22)
    }
}
