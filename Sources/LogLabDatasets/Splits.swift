import LogLabCore

/// Train/test record indices of a dataset. Index sets never overlap; records whose exact bytes
/// occur in both sets (duplicated content, different indices) are counted in `duplicateContent`
/// so a split never mixes train and test silently.
public struct DatasetSplit: Sendable, Equatable {
    /// Record indices, ascending.
    public var train: [Int]
    public var test: [Int]
    /// Records in neither set (outside the chosen days, or without a usable timestamp).
    public var excluded: Int
    /// Test records whose bytes equal some train record's bytes.
    public var duplicateContent: Int
    /// What the split did that a reader must know (fallbacks, exclusions), one line each.
    public var notes: [String]

    public func apply(to records: RecordBatch) -> (train: RecordBatch, test: RecordBatch) {
        func pick(_ idx: [Int]) -> RecordBatch {
            var b = RecordBatch()
            for i in idx { b.append(records[i]) }
            return b
        }
        return (pick(train), pick(test))
    }
}

public enum Splits {
    /// What to do with records that have no parsable timestamp at the chosen field.
    public enum MissingTimestamp: String, Sendable, Codable, CaseIterable {
        /// Leave them out of both sets (counted in `excluded`, stated in the notes).
        case exclude
        /// Give them the day of the nearest earlier record that has one (file order).
        case previous
    }

    /// Days since 1970-01-01 (UTC) of the time at `field`, read by the time module
    /// (`Timestamps`), nil when the field is absent or not a time.
    public static func day(of record: UnsafeRawBufferPointer, field: TimeField) -> Int64? {
        field.time(in: record).map(Timestamps.day)
    }

    /// Train on one day, test on the `testDays` days after it, by the timestamp at `field`
    /// (a dotted path such as `_source.timestamp` or `@timestamp`). `trainDay` defaults to the
    /// earliest day present.
    public static func byTime(_ records: RecordBatch, field: String, trainDay: String? = nil, testDays: Int = 1,
                              missing: MissingTimestamp = .exclude) throws -> DatasetSplit {
        guard testDays >= 1 else { throw DatasetError("test days must be ≥ 1 (got \(testDays))") }
        let path = TimeField(field)
        var days = [Int64?](repeating: nil, count: records.count)
        var lacking = 0, inherited = 0
        var last: Int64?
        for i in 0..<records.count {
            var d = records.withRecord(i) { day(of: $0, field: path) }
            if d == nil {
                lacking += 1
                if missing == .previous, let l = last { d = l; inherited += 1 }
            }
            days[i] = d
            if let d { last = d }
        }
        let present = Set(days.compactMap { $0 }).sorted()
        guard let first = present.first else {
            throw DatasetError("no record has a timestamp at '\(field)' (\(records.count) records)")
        }
        let train: Int64
        if let t = trainDay {
            guard let d = Timestamps.parseDate(t) else { throw DatasetError("train day '\(t)' is not a date YYYY-MM-DD") }
            train = d
        } else {
            train = first
        }
        let listed = present.prefix(10).map { Timestamps.dateString(days: $0) }.joined(separator: ", ") + (present.count > 10 ? ", …" : "")
        guard present.contains(train) else {
            throw DatasetError("no records on train day \(Timestamps.dateString(days: train)) at '\(field)'; days present: \(listed)")
        }
        var split = DatasetSplit(train: [], test: [], excluded: 0, duplicateContent: 0, notes: [])
        for (i, d) in days.enumerated() {
            guard let d else { split.excluded += 1; continue }
            if d == train { split.train.append(i) } else if d > train && d <= train + Int64(testDays) { split.test.append(i) } else { split.excluded += 1 }
        }
        let testRange = Timestamps.dateString(days: train + 1) + (testDays > 1 ? "…" + Timestamps.dateString(days: train + Int64(testDays)) : "")
        split.notes.append("by time at '\(field)': train \(Timestamps.dateString(days: train)) (\(split.train.count) records), test \(testRange) (\(split.test.count) records)")
        if lacking > 0 {
            split.notes.append(missing == .previous
                ? "\(lacking) records lack a timestamp at '\(field)': \(inherited) took the previous record's day, \(lacking - inherited) excluded"
                : "\(lacking) records lack a timestamp at '\(field)': excluded")
        }
        let outside = split.excluded - (lacking - inherited)
        if outside > 0 { split.notes.append("\(outside) records lie outside the train and test days: excluded") }
        if split.test.isEmpty { split.notes.append("the test days hold no records") }
        markDuplicates(&split, records)
        return split
    }

    /// The first `fraction` of the records (file order) for training and the rest for testing,
    /// or with a seed a deterministic pseudo-random assignment of that expected size.
    public static func byFraction(_ records: RecordBatch, train fraction: Double, seed: UInt64? = nil) throws -> DatasetSplit {
        guard fraction > 0, fraction < 1 else { throw DatasetError("train fraction must lie strictly between 0 and 1 (got \(fraction))") }
        var split = DatasetSplit(train: [], test: [], excluded: 0, duplicateContent: 0, notes: [])
        if let seed {
            let threshold = UInt64(fraction * 18_446_744_073_709_549_568.0)
            for i in 0..<records.count {
                if rank(i, seed) < threshold { split.train.append(i) } else { split.test.append(i) }
            }
            split.notes.append("by fraction \(fraction), shuffled with seed \(seed)")
        } else {
            let cut = Int((Double(records.count) * fraction).rounded(.down))
            split.train = Array(0..<cut)
            split.test = Array(cut..<records.count)
            split.notes.append("by fraction \(fraction) in file order: records 0..<\(cut) train, \(cut)..<\(records.count) test")
        }
        markDuplicates(&split, records)
        return split
    }

    /// `count` record indices chosen by `seed` (ascending); the same seed gives the same sample,
    /// and a larger count extends a smaller one.
    public static func sample(count: Int, of total: Int, seed: UInt64) -> [Int] {
        guard count < total else { return Array(0..<max(0, total)) }
        guard count > 0 else { return [] }
        var keyed = (0..<total).map { (rank($0, seed), $0) }
        keyed.sort { $0.0 != $1.0 ? $0.0 < $1.0 : $0.1 < $1.1 }
        return keyed.prefix(count).map(\.1).sorted()
    }

    /// A deterministic sample as a split: the sample is `train`, nothing is `test`.
    public static func bySample(count: Int, of total: Int, seed: UInt64) -> DatasetSplit {
        let idx = sample(count: count, of: total, seed: seed)
        return DatasetSplit(train: idx, test: [], excluded: total - idx.count, duplicateContent: 0,
                            notes: ["sample of \(idx.count) of \(total) records with seed \(seed)"])
    }

    /// A fixed pseudo-random rank of record `i` under `seed`.
    static func rank(_ i: Int, _ seed: UInt64) -> UInt64 {
        var s = SplitMix64(seed ^ (UInt64(i) &* 0x9E37_79B9_7F4A_7C15))
        return s.next()
    }

    /// Counts test records whose bytes also occur in train.
    static func markDuplicates(_ split: inout DatasetSplit, _ records: RecordBatch) {
        func fnv(_ r: ArraySlice<UInt8>) -> UInt64 {
            var h: UInt64 = 0xCBF2_9CE4_8422_2325
            for b in r { h = (h ^ UInt64(b)) &* 0x100_0000_01B3 }
            return h
        }
        var seen: [UInt64: [Int]] = [:]
        for i in split.train { seen[fnv(records[i]), default: []].append(i) }
        var dup = 0
        for i in split.test {
            if let candidates = seen[fnv(records[i])], candidates.contains(where: { records[$0] == records[i] }) { dup += 1 }
        }
        split.duplicateContent = dup
        if dup > 0 { split.notes.append("\(dup) test records have the same bytes as a train record (duplicated content, distinct records)") }
    }
}
