import LogLabCore

/// Synthetic sdk-log: the request log of a game Backend-as-a-Service as exported from
/// Elasticsearch (see `../shared/sdk-log.md`), one compact JSON document per record in the
/// export's key order, with the export's quirks and a persistent world of apps and users.
///
/// Deterministic: the same options give the same bytes on every machine (own PRNG, integer
/// calendar arithmetic, numbers formatted by hand, no libm).
public struct SdkLogGenerator: Sendable {
    public struct Options: Sendable, Hashable, Codable {
        /// Total records over all days (split evenly, the first days take the remainder).
        public var records: Int
        /// First day (KST calendar date) `YYYY-MM-DD`.
        public var start: String
        public var days: Int
        public var seed: UInt64
        /// Apps in the world (Zipf-skewed traffic).
        public var apps: Int
        /// Registered users at the start (each bound to one app).
        public var users: Int
        /// SDK functions in use: a prefix of the built-in catalogue (logins and start-up calls first).
        public var functions: Int
        /// Anomalous records per million (missing/null nickName, extra field, other key order, over-long URL).
        public var anomaliesPerMillion: Int
        /// Evolving traffic for dictionary-drift experiments: new users every day after the first,
        /// a new app from the second day, a new SDK function from the third day (second when `days == 2`).
        public var evolving: Bool
        /// New users per day with `evolving` (default: users / 20).
        public var newUsersPerDay: Int?
        /// Slice mode: when set, each day's records are a contiguous slice of a busy service
        /// handling this many records per second, starting at `sliceHour` (KST), instead of a small
        /// service's whole day. Many more users appear per record, as in an excerpt of a large export.
        public var sliceRate: Int?
        /// KST hour at which each day's slice starts (with `sliceRate`).
        public var sliceHour: Int
        /// With `sliceRate`: the rate follows the KST daily curve (quiet at dawn, busiest in the
        /// evening) and `sliceRate` is its mean over the day, as a real service's daily average
        /// (2,600 records/s for 230 M records a day); without it the rate is steady.
        public var sliceCurve: Bool

        public init(records: Int = 10_000, start: String = "2021-12-26", days: Int = 1, seed: UInt64 = 1,
                    apps: Int = 300, users: Int = 30_000, functions: Int = SdkLogGenerator.catalogueSize,
                    anomaliesPerMillion: Int = 2_000, evolving: Bool = false, newUsersPerDay: Int? = nil,
                    sliceRate: Int? = nil, sliceHour: Int = 20, sliceCurve: Bool = false) {
            self.records = records
            self.start = start
            self.days = days
            self.seed = seed
            self.apps = apps
            self.users = users
            self.functions = functions
            self.anomaliesPerMillion = anomaliesPerMillion
            self.evolving = evolving
            self.newUsersPerDay = newUsersPerDay
            self.sliceRate = sliceRate
            self.sliceHour = sliceHour
            self.sliceCurve = sliceCurve
        }

        /// Throws a `DatasetError` naming the first invalid option.
        public func validate() throws {
            guard records >= 0 else { throw DatasetError("records must be ≥ 0 (got \(records))") }
            guard records / max(1, days) <= Self.maxRecordsPerDay else {
                throw DatasetError("at most \(Self.maxRecordsPerDay) records per day (got \(records) over \(days) days)")
            }
            guard Timestamps.parseDate(start) != nil else {
                throw DatasetError("start '\(start)' is not a date of the form YYYY-MM-DD")
            }
            guard let d = Timestamps.parseDate(start), d >= 0, d + Int64(days) < 2_932_896 else {
                throw DatasetError("start '\(start)' must lie between 1970 and 9999")
            }
            guard (1...3660).contains(days) else { throw DatasetError("days must be 1…3660 (got \(days))") }
            guard (1...100_000).contains(apps) else { throw DatasetError("apps must be 1…100000 (got \(apps))") }
            guard (1...50_000_000).contains(users) else { throw DatasetError("users must be 1…50000000 (got \(users))") }
            guard (4...SdkLogGenerator.catalogueSize).contains(functions) else {
                throw DatasetError("functions must be 4…\(SdkLogGenerator.catalogueSize) (got \(functions))")
            }
            guard (0...1_000_000).contains(anomaliesPerMillion) else {
                throw DatasetError("anomalies per million must be 0…1000000 (got \(anomaliesPerMillion))")
            }
            if let n = newUsersPerDay, !(0...10_000_000).contains(n) {
                throw DatasetError("new users per day must be 0…10000000 (got \(n))")
            }
            if let r = sliceRate, !(1...10_000_000).contains(r) {
                throw DatasetError("slice rate must be 1…10000000 records per second (got \(r))")
            }
            guard (0...23).contains(sliceHour) else { throw DatasetError("slice hour must be 0…23 (got \(sliceHour))") }
            if sliceCurve && sliceRate == nil { throw DatasetError("the slice curve needs a slice rate") }
            if evolving, users + (newUsersPerDay ?? max(1, users / 20)) * (days - 1) > Self.maxUsers {
                throw DatasetError("users plus new users over all days must stay ≤ \(Self.maxUsers)")
            }
        }

        static let maxRecordsPerDay = 2_000_000_000
        static let maxUsers = 50_000_000

        /// Options with every value forced into its valid range (an unparsable start becomes the default).
        func clamped() -> Options {
            var o = self
            o.days = min(max(1, days), 3660)
            o.records = min(max(0, records), Self.maxRecordsPerDay * o.days)
            if Timestamps.parseDate(start).map({ $0 < 0 || $0 > 2_900_000 }) ?? true { o.start = "2021-12-26" }
            o.users = min(max(1, users), Self.maxUsers)
            o.apps = min(max(1, apps), 100_000, o.users)
            o.functions = min(max(4, functions), SdkLogGenerator.catalogueSize)
            o.anomaliesPerMillion = min(max(0, anomaliesPerMillion), 1_000_000)
            o.sliceRate = sliceRate.map { min(max(1, $0), 10_000_000) }
            o.sliceHour = min(max(0, sliceHour), 23)
            let perDayRoom = o.days > 1 ? (Self.maxUsers - o.users) / (o.days - 1) : 0
            o.newUsersPerDay = min(max(0, newUsersPerDay ?? max(1, o.users / 20)), 10_000_000, max(0, perDayRoom))
            return o
        }
    }

    /// Number of SDK functions in the built-in catalogue (the maximum for `Options.functions`).
    public static let catalogueSize = SdkVocabulary.functions.count

    public let options: Options
    let world: SdkLogWorld

    /// Builds the world for `options`. Out-of-range values are clamped; call
    /// `options.validate()` first to report them instead.
    public init(options: Options) {
        let o = options.clamped()
        self.options = o
        world = SdkLogWorld(options: o)
    }

    /// All records in memory, one compact JSON document each (no newline).
    public func generate() -> RecordBatch {
        var batch = RecordBatch(reservingBytes: min(options.records, 1 << 20) * 900, records: min(options.records, 1 << 20))
        forEachRecord { batch.append($0) }
        return batch
    }

    /// Only the records at positions `range` of the full output, in memory: the ones before
    /// are generated and dropped, generation stops after the last, so memory holds the slice
    /// alone (a 100,000-record window of a 3 M-record day costs 90 MB, not 2.7 GB).
    public func generate(range: Range<Int>) -> RecordBatch {
        let lo = max(0, range.lowerBound), hi = min(range.upperBound, options.records)
        guard lo < hi else { return RecordBatch() }
        var batch = RecordBatch(reservingBytes: min(hi - lo, 1 << 20) * 900, records: min(hi - lo, 1 << 20))
        let scratch = UnsafeMutablePointer<UInt8>.allocate(capacity: SdkLogEngine.maxRecordBytes)
        defer { scratch.deallocate() }
        let engine = SdkLogEngine(world: world)
        var position = 0
        while position < hi {
            let n = engine.nextRecord(into: scratch)
            if n < 0 { break }
            if position >= lo { batch.append(UnsafeBufferPointer(start: scratch, count: n)) }
            position += 1
        }
        return batch
    }

    /// Bumped whenever the generator's output for the same options changes; part of the key of
    /// anything cached from its output.
    public static let outputVersion = "sdk-log-1"

    /// JSON Lines (every record followed by `\n`), streamed in chunks of about 1 MiB.
    public func write(to sink: (UnsafeRawBufferPointer) throws -> Void) throws {
        let capacity = 1 << 20
        let chunk = UnsafeMutableRawPointer.allocate(byteCount: capacity + SdkLogEngine.maxRecordBytes + 1, alignment: 16)
        defer { chunk.deallocate() }
        var filled = 0
        let engine = SdkLogEngine(world: world)
        while true {
            let n = engine.nextRecord(into: chunk.advanced(by: filled).assumingMemoryBound(to: UInt8.self))
            if n < 0 { break }
            filled += n
            chunk.storeBytes(of: 0x0A as UInt8, toByteOffset: filled, as: UInt8.self)
            filled += 1
            if filled >= capacity {
                try sink(UnsafeRawBufferPointer(start: chunk, count: filled))
                filled = 0
            }
        }
        if filled > 0 { try sink(UnsafeRawBufferPointer(start: chunk, count: filled)) }
    }

    /// Calls `body` with each record's bytes in order (the view is valid only during the call).
    public func forEachRecord(_ body: (UnsafeBufferPointer<UInt8>) throws -> Void) rethrows {
        let scratch = UnsafeMutablePointer<UInt8>.allocate(capacity: SdkLogEngine.maxRecordBytes)
        defer { scratch.deallocate() }
        let engine = SdkLogEngine(world: world)
        while true {
            let n = engine.nextRecord(into: scratch)
            if n < 0 { break }
            try body(UnsafeBufferPointer(start: scratch, count: n))
        }
    }
}

/// Errors of the datasets module: one line that names the cause.
public struct DatasetError: Error, CustomStringConvertible, Equatable {
    public let description: String
    public init(_ description: String) { self.description = description }
}
