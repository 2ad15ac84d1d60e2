import Foundation   // log2 for entropy estimates (learning only, not a hot path)
import LogLabCore

/// Learns a `FieldModel` from training records: which fields are numbers, timestamps or
/// UUIDs (by the bytes each coding would take), which are predictable from others
/// (relations and substring references that hold for most records), which are
/// low-cardinality (vocabularies), and which shapes recur. Only the selected transforms are
/// considered. Nothing here is specific to one log: every decision is a measured cost.
final class FieldLearner {
    /// Records sampled by default (a profile's training set); a caller may ask for more.
    static let sampleLimit = 30_000
    static let relationSample = 4_000
    static let referenceSample = 2_000
    /// Columns tried as repeat keys (each costs one more coding of the held-out records).
    static let maxRepeatKeys = 6
    /// Recent values a recent-coded column remembers (`RecentCoding`).
    static let recentSlots = 8
    /// Mean contents length (bytes) of a column's strings for it to be tried as messages.
    static let minMessageLength = 16
    /// Percentage of a column's held-out strings its learnt templates must cover to be tried
    /// (the others go verbatim). Every string is tokenized when it is written: measured on a
    /// container log whose templates covered 22 % of its lines, compress ran 22 % more
    /// instructions for 1.6 % fewer bytes, and the profile search, held to its compress floor,
    /// then kept a weaker codec and stored 2.5 % more.
    static let minMessageCoverage = 50
    /// Fraction of a column's estimated stream cost its message coding must save. The held-out
    /// records are few, and a coding they cannot tell from the column's own within a few per cent
    /// may lose on the volume to come: a nickname looked up from a user id (its table pays as
    /// users return) and a message built from two other fields were estimated 8 % and 4 %
    /// cheaper as messages on 300 held-out records, and 4,000 test records so coded came out
    /// 5 % larger; a container's `log` line saves 30 %.
    static let minMessageSaving = 0.1
    /// Mean static bytes of a column's held-out strings' templates for it to be free text (an
    /// id alone, one variable, is not).
    static let minMessageWords = 8

    struct Value { var record: Int32; var start: Int; var end: Int }

    let training: RecordBatch
    let selection: TransformSelection
    let sampleLimit: Int
    /// Whether entries are scored on the sample's held-out second half (a profile's model,
    /// which serves records it never saw) or on every sampled record (a container's shared
    /// section, which serves exactly those records: a use there is a use).
    let heldOut: Bool
    /// Whether recent codings are learnt (`learnRecent`).
    let recentCodings: Bool
    var paths = ByteTable()
    var values: [[Value]] = []
    var first: [PerRecord<Int32>] = [] // first[c][r] = index into values[c], -1 if absent
    var recordShape: [Int32] = []      // per sampled record: its shape, -1 if it has no columns
    var shapeCols: [[Int32]] = []      // per shape: its columns, each once
    var shapeTable = ByteTable()
    var shapeCounts: [Int] = []
    var sampleCount = 0
    var specs: [ColumnSpec] = []
    var baseCost: [[Int]] = []         // per value, under the chosen base coding
    var tsNs: [PerRecord<Int64>] = []  // per record, first-occurrence instant (Int64.min = none)
    var valueTexts: [[UInt8]] = []     // scratch of learnLookups
    var numM: [PerRecord<Int64>] = []

    static let missing = Int64.min

    init(training: RecordBatch, selection: TransformSelection, sampleLimit: Int = FieldLearner.sampleLimit, heldOut: Bool = true,
         recentCodings: Bool = true) {
        self.training = training
        self.recentCodings = recentCodings
        self.selection = selection
        self.sampleLimit = max(1, sampleLimit)
        self.heldOut = heldOut
    }

    func run() -> FieldModel {
        collect()
        chooseKinds()
        if selection.contains(.derived) { learnRelations(); learnReferences() }
        if selection.contains(.timestamp) { learnEmbedded() }
        if selection.contains(.derived) { learnLookups() }
        if selection.contains(.enum) { learnVocabularies() }
        // Messages travel in side streams, which only the `columns` layout has.
        if selection.contains(.template) && selection.contains(.columns) { learnMessages() }
        if selection.contains(.derived) {
            if recentCodings { learnRecent() }
            learnRepeats()
        }
        var shapes: [[UInt8]] = []
        if selection.contains(.shape) {
            let order = (0..<shapeTable.count).sorted { shapeCounts[$0] != shapeCounts[$1] ? shapeCounts[$0] > shapeCounts[$1] : $0 < $1 }
            shapes = order.prefix(FieldModel.maxShapes).map { Array(shapeTable.key($0)) }
        }
        // Columns of shapes we keep must exist; every collected path is a column.
        if let m = try? FieldModel(selection: selection, columns: specs, shapes: shapes) { return m }
        // Should not happen (learned relations are acyclic by construction); stay safe.
        let plain = specs.map { s -> ColumnSpec in var t = s; t.relation = nil; t.refs = []; return t }
        return (try? FieldModel(selection: selection, columns: plain, shapes: shapes))
            ?? (try! FieldModel(selection: selection, columns: [], shapes: []))
    }

    // MARK: collection

    func collect() {
        let splitter = JSONSplitter()
        sampleCount = min(training.count, sampleLimit)
        var shapeCols: [[Int32]] = []
        recordShape = [Int32](repeating: -1, count: sampleCount)
        training.bytes.withUnsafeBufferPointer { all in
            guard let base = all.baseAddress else { return }
            for r in 0..<sampleCount {
                let lo = training.offsets[r], hi = training.offsets[r + 1]
                guard splitter.split(UnsafeRawBufferPointer(start: base + lo, count: hi - lo)) else { continue }
                let before = shapeTable.count
                let sid = shapeTable.insert(splitter.shape, splitter.shapeCount)
                if sid == before {
                    shapeCounts.append(0)
                    let bytes = Array(splitter.shapeBuffer)
                    let ps = (try? ShapePaths.paths(of: bytes)) ?? []
                    var cols: [Int32] = []
                    for p in ps {
                        let pb = paths.count
                        let c = paths.insert(p)
                        if c == pb {
                            specs.append(ColumnSpec(path: p))
                            values.append([])
                        }
                        cols.append(Int32(c))
                    }
                    shapeCols.append(cols)
                }
                shapeCounts[sid] += 1
                let cols = shapeCols[sid]
                guard cols.count == splitter.valueCount else { continue }
                if !cols.isEmpty { recordShape[r] = Int32(sid) }
                for slot in 0..<cols.count {
                    let c = Int(cols[slot])
                    values[c].append(Value(record: Int32(r), start: lo + Int(splitter.valueStart[slot]), end: lo + Int(splitter.valueEnd[slot])))
                }
            }
        }
        self.shapeCols = shapeCols.map { Array(Set($0)).sorted() }
        // Values are in record order: a column's first value in a record follows another record's.
        first = values.map { vals in
            var records: [Int32] = [], items: [Int32] = []
            for (i, v) in vals.enumerated() where records.last != v.record { records.append(v.record); items.append(Int32(i)) }
            return PerRecord(count: sampleCount, absent: -1, records: records, items: items)
        }
    }

    /// The columns with a value in sampled record `r`, ascending.
    func columns(inRecord r: Int) -> [Int32] {
        let sid = recordShape[r]
        return sid < 0 ? [] : shapeCols[Int(sid)]
    }

    func withToken<R>(_ v: Value, _ body: (UnsafePointer<UInt8>, Int) -> R) -> R {
        training.bytes.withUnsafeBufferPointer { body($0.baseAddress! + v.start, v.end - v.start) }
    }

    static func median(_ xs: [Int64]) -> Int64 {
        guard !xs.isEmpty else { return 0 }
        let s = xs.sorted()
        return s[s.count / 2]
    }

    // MARK: kinds

    /// Each column's coding: the cheapest of the selected codings on its sample (see
    /// `ValueCoding.choose`), with the costs of its values under it.
    func chooseKinds() {
        baseCost = Array(repeating: [], count: specs.count)
        tsNs = Array(repeating: PerRecord(count: sampleCount, absent: Self.missing, records: [], items: []), count: specs.count)
        numM = tsNs
        training.bytes.withUnsafeBufferPointer { all in
            guard let base = all.baseAddress else { return }
            for c in 0..<specs.count {
                let vals = values[c]
                let sample = CodingSample(base: base, values: vals, textCosts: vals.map { TextCoding.cost(base + $0.start, $0.end - $0.start) })
                var best = TextCoding.choose(sample)!
                for kind in ValueKind.learningOrder where kind != .text && kind.coding.transform.map(selection.contains) ?? true {
                    if let choice = kind.coding.choose(sample), choice.cost < best.cost { best = choice }
                }
                specs[c].kind = best.kind
                specs[c].delta = best.delta
                specs[c].scaled = best.scaled
                specs[c].initFormat = best.format
                specs[c].initValue = best.reference
                specs[c].initHead = best.head
                best.kind.coding.settle(&specs[c], sample)
                baseCost[c] = best.costs
                // First-occurrence numeric views per record, for relation learning.
                if best.kind == .timestamp || best.kind == .number {
                    let view = first[c].map(absent: Self.missing) { i in
                        let v = vals[Int(i)]
                        return best.kind.coding.residual(base + v.start, v.end - v.start).map { $0.v &* $0.unit } ?? Self.missing
                    }
                    if best.kind == .timestamp { tsNs[c] = view } else { numM[c] = view }
                }
            }
        }
    }

    static func mode(_ xs: [Int]) -> Int {
        var counts: [Int: Int] = [:]
        for x in xs { counts[x, default: 0] += 1 }
        return counts.max { $0.value != $1.value ? $0.value < $1.value : $0.key > $1.key }?.key ?? 0
    }

    // MARK: derived: numeric relations

    func dependsOn(_ a: Int, _ b: Int) -> Bool {  // does column a (transitively) use column b?
        var seen = Set<Int>()
        var stack = [a]
        while let x = stack.popLast() {
            if x == b { return true }
            guard seen.insert(x).inserted else { continue }
            stack.append(contentsOf: specs[x].sources.map { Int($0) })
        }
        return false
    }

    func learnRelations() {
        let tsCols = (0..<specs.count).filter { specs[$0].kind == .timestamp }
        let numCols = (0..<specs.count).filter { specs[$0].kind == .number }
        var proposals: [(gain: Int, target: Int, rels: [Relation])] = []
        for t in tsCols + numCols {
            let vals = values[t].prefix(Self.relationSample)
            guard vals.count >= 8 else { continue }
            let isTs = specs[t].kind == .timestamp
            let coding = specs[t].kind.coding
            // Target values in their own units (+ unit) or nil when not parseable.
            let residuals: [Residual?] = vals.map { v in withToken(v) { coding.residual($0, $1) } }
            let parsed: [(v: Int64, unit: Int64, ns: Int64)?] = residuals.map { $0.map { ($0.v, $0.unit, $0.v &* $0.unit) } }
            let baseline = baseCost[t].prefix(vals.count).reduce(0, +)
            // What the field costs with no context at all (a frame of one record).
            let isolated: Int = {
                let tc = vals.map { v in withToken(v) { TextCoding.cost($0, $1) } }
                return TaggedVarint.costs(residuals, textCosts: tc, delta: false, scaled: specs[t].scaled, initFormat: specs[t].initFormat,
                                          reference: specs[t].initValue).reduce(0, +)
            }()
            var candidates: [(cost: Int, rel: Relation)] = []
            func consider(_ rel: Relation, _ pred: (Int) -> Int64?) {
                // Offset: median residual where the prediction exists.
                var res: [Int64] = []
                for (i, p) in parsed.enumerated() {
                    guard let p, let q = pred(Int(vals[i].record)) else { continue }
                    res.append(isTs ? p.ns &- q : p.v &- q)
                }
                guard res.count * 2 >= vals.count else { return }
                var r = rel
                let off = Self.median(res)
                var cost = 0
                for (i, p) in parsed.enumerated() {
                    guard let p, let q = pred(Int(vals[i].record)) else { cost += baseCost[t][i]; continue }
                    let d: Int64
                    if isTs {
                        d = p.v &- CivilDate.floorDiv(q &+ off, p.unit)
                    } else if rel.kind == .numFromTs {
                        d = p.v &- q   // offset handled below (in ns before division)
                    } else {
                        d = p.v &- (q &+ off)
                    }
                    cost += varintSize(zigzag(d) << 1)
                }
                if rel.kind == .numFromTs {
                    // Re-evaluate with the offset applied in nanoseconds.
                    cost = 0
                    r.offset = 0
                    let s = Int(rel.source)
                    var resNs: [Int64] = []
                    for (i, p) in parsed.enumerated() {
                        guard let p else { continue }
                        let ns = tsNs[s][Int(vals[i].record)]
                        guard ns != Self.missing else { continue }
                        let (scaled, o) = p.v.multipliedReportingOverflow(by: rel.unit)
                        if o { return }
                        resNs.append(scaled &- ns)
                    }
                    r.offset = Self.median(resNs)
                    for (i, p) in parsed.enumerated() {
                        guard let p else { cost += baseCost[t][i]; continue }
                        let ns = tsNs[s][Int(vals[i].record)]
                        guard ns != Self.missing else { cost += baseCost[t][i]; continue }
                        cost += varintSize(zigzag(p.v &- CivilDate.floorDiv(ns &+ r.offset, rel.unit)) << 1)
                    }
                } else {
                    r.offset = off
                }
                candidates.append((cost, r))
            }
            if isTs {
                for s in tsCols where s != t {
                    let view = tsNs[s]
                    consider(Relation(kind: .tsFromTs, source: Int32(s), number: -1, unit: 1, offset: 0)) { r in
                        view[r] == Self.missing ? nil : view[r]
                    }
                    for m in numCols {
                        let nv = numM[m]
                        for unit: Int64 in [1_000_000, 1_000_000_000, 1_000] {
                            consider(Relation(kind: .tsFromTsNum, source: Int32(s), number: Int32(m), unit: unit, offset: 0)) { r in
                                view[r] == Self.missing || nv[r] == Self.missing ? nil : view[r] &+ nv[r] &* unit
                            }
                        }
                    }
                }
            } else {
                for s in tsCols {
                    let view = tsNs[s]
                    for unit: Int64 in [1_000_000, 1_000_000_000, 1_000, 1] {
                        consider(Relation(kind: .numFromTs, source: Int32(s), number: -1, unit: unit, offset: 0)) { r in
                            view[r] == Self.missing ? nil : view[r]
                        }
                    }
                }
                for s in numCols where s != t {
                    let view = numM[s]
                    consider(Relation(kind: .numFromNum, source: Int32(s), number: -1, unit: 1, offset: 0)) { r in
                        view[r] == Self.missing ? nil : view[r]
                    }
                }
            }
            let good = candidates.filter { $0.cost * 10 < baseline * 8 || ($0.cost * 10 <= baseline * 11 && $0.cost * 10 < isolated * 8) }
                .sorted { $0.cost < $1.cost }
            if let best = good.first {
                proposals.append((max(baseline, isolated) - best.cost, t, good.map(\.rel)))
            }
        }
        // Best gains first; a target whose best relation would close a cycle takes its next one.
        for p in proposals.sorted(by: { $0.gain != $1.gain ? $0.gain > $1.gain : $0.target < $1.target }) {
            for rel in p.rels {
                let srcs = [Int(rel.source)] + (rel.number >= 0 ? [Int(rel.number)] : [])
                if srcs.contains(where: { dependsOn($0, p.target) }) { continue }
                specs[p.target].relation = rel
                break
            }
        }
    }

    // MARK: derived: substring references

    /// The text a reference stands for in record `r` (first occurrence), as in the coder.
    func refText(_ ref: SubRef, record r: Int) -> Value? {
        let c = Int(ref.column)
        let i = first[c][r]
        guard i >= 0 else { return nil }
        let v = values[c][Int(i)]
        return training.bytes.withUnsafeBufferPointer { all -> Value? in
            let b = all.baseAddress!
            guard let (p, n) = Substitution.text(ref, token: b + v.start, v.end - v.start) else { return nil }
            return Value(record: v.record, start: p - b, end: p - b + n)
        }
    }

    /// `token` with the references replaced by markers, exactly as the encoder does.
    func substituted(_ v: Value, refs: [SubRef]) -> [UInt8] {
        let texts = refs.enumerated().compactMap { (i, ref) in refText(ref, record: Int(v.record)).map { ($0, UInt8(i + 1)) } }
        return training.bytes.withUnsafeBufferPointer { all -> [UInt8] in
            let b = all.baseAddress!
            let out = OutStream(capacity: v.end - v.start)
            texts.map { (b + $0.0.start, $0.0.end - $0.0.start, $0.1) }.withUnsafeBufferPointer {
                Substitution.replace(b + v.start, v.end - v.start, $0, into: out)
            }
            return Array(out.buffer)
        }
    }

    func learnReferences() {
        for t in 0..<specs.count where specs[t].kind == .text {
            var present = 0
            // Keyed by column * 2 + dateOnly: only columns that share a record with t count.
            var hits: [Int: Int] = [:]
            var lenSum: [Int: Int] = [:]
            training.bytes.withUnsafeBufferPointer { all in
                let b = all.baseAddress!
                for (r, i) in first[t].present.prefix(Self.referenceSample) {
                    let tv = values[t][Int(i)]
                    guard tv.end - tv.start >= 5 else { continue }
                    present += 1
                    for c32 in columns(inRecord: r) where Int(c32) != t {
                        let c = Int(c32)
                        for dateOnly in [false, true] {
                            if dateOnly && specs[c].kind != .timestamp { continue }
                            guard let v = refText(SubRef(column: Int32(c), dateOnly: dateOnly), record: r) else { continue }
                            let n = v.end - v.start
                            guard n < tv.end - tv.start else { continue }
                            var i = tv.start
                            let f = b[v.start]
                            while i + n <= tv.end {
                                if b[i] == f && memcmpEqual(b + i, b + v.start, n) {
                                    hits[c * 2 + (dateOnly ? 1 : 0), default: 0] += 1
                                    lenSum[c * 2 + (dateOnly ? 1 : 0), default: 0] += n
                                    break
                                }
                                i += 1
                            }
                        }
                    }
                }
            }
            guard present >= 4 else { continue }
            var cands: [(ref: SubRef, avg: Int)] = []
            for (k, h) in hits where h * 2 >= present {
                cands.append((SubRef(column: Int32(k / 2), dateOnly: k % 2 == 1), lenSum[k, default: 0] / max(h, 1)))
            }
            cands.sort { $0.avg != $1.avg ? $0.avg > $1.avg : ($0.ref.column, $0.ref.dateOnly ? 1 : 0) < ($1.ref.column, $1.ref.dateOnly ? 1 : 0) }
            var refs: [SubRef] = []
            for c in cands where refs.count < ColumnSpec.maxReferences {
                if dependsOn(Int(c.ref.column), t) { continue }
                refs.append(c.ref)
                specs[t].refs = refs   // keep dependsOn up to date
            }
            specs[t].refs = []
            guard !refs.isEmpty else { continue }
            // Keep the references only if they shorten the field.
            let sample = values[t].prefix(Self.referenceSample)
            let before = sample.reduce(0) { $0 + $1.end - $1.start }
            let after = sample.reduce(0) { $0 + substituted($1, refs: refs).count }
            if after * 10 < before * 9 {
                specs[t].refs = refs
                let all = values[t]
                baseCost[t] = all.map { v in
                    let s = substituted(v, refs: refs)
                    return s.withUnsafeBufferPointer { TextCoding.cost($0.baseAddress!, $0.count) }
                }
            }
        }
    }

    // MARK: timestamps embedded in text

    /// Embedded timestamps of a value: (instant ns, format code) in order.
    func embeddedStamps(_ v: Value) -> [(Int64, Int)] {
        withToken(v) { p, n in
            var out: [(Int64, Int)] = []
            var i = 0
            while i < n {
                if let (x, fmt, len) = EmbeddedTimestamps.match(p, at: i, n) { out.append((ISOTimestamp.nanos(x, fmt), fmt.code)); i += len } else { i += 1 }
            }
            return out
        }
    }

    func learnEmbedded() {
        let tsCols = (0..<specs.count).filter { specs[$0].kind == .timestamp }
        for t in 0..<specs.count where specs[t].kind == .text {
            let vals = values[t].prefix(Self.referenceSample)
            guard vals.count >= 4 else { continue }
            let stamps = vals.map { embeddedStamps($0) }
            let with = stamps.filter { !$0.isEmpty }.count
            guard with * 20 >= vals.count, with >= 2 else { continue }
            let all = stamps.flatMap { $0 }
            var e = EmbeddedTimestamps(source: -1, offset: 0)
            specs[t].initValue = Self.median(all.map(\.0))
            specs[t].initFormat = Self.mode(all.map(\.1))
            if selection.contains(.derived) {
                // Cost of the first embedded stamp of each value vs each candidate source.
                func cost(_ pred: (Int) -> Int64?) -> Int {
                    var c = 0
                    var prev = specs[t].initValue
                    for (i, st) in stamps.enumerated() {
                        for (k, x) in st.enumerated() {
                            let q = k == 0 ? pred(Int(vals[i].record)) : nil
                            c += varintSize(zigzag((x.0 &- (q ?? prev)) / 1_000_000) << 1)
                            prev = x.0
                        }
                    }
                    return c
                }
                var best = (cost(), e)
                func cost() -> Int { cost { _ in nil } }
                for s in tsCols where !dependsOn(s, t) {
                    let view = tsNs[s]
                    var res: [Int64] = []
                    for (i, st) in stamps.enumerated() {
                        if let f = st.first, view[Int(vals[i].record)] != Self.missing { res.append(f.0 &- view[Int(vals[i].record)]) }
                    }
                    guard res.count * 4 >= with else { continue }
                    let off = Self.median(res)
                    let c = cost { r in view[r] == Self.missing ? nil : view[r] &+ off }
                    if c < best.0 { best = (c, EmbeddedTimestamps(source: Int32(s), offset: off)) }
                }
                e = best.1
            }
            specs[t].embedded = e
        }
    }

    /// The template a text value is coded as: references substituted, embedded stamps marked.
    func template(_ v: Value, _ spec: ColumnSpec) -> [UInt8] {
        var bytes = spec.refs.isEmpty ? withToken(v) { Array(UnsafeBufferPointer(start: $0, count: $1)) } : substituted(v, refs: spec.refs)
        guard spec.embedded != nil else { return bytes }
        bytes = bytes.withUnsafeBufferPointer { b in
            var out: [UInt8] = []
            let p = b.baseAddress!, n = b.count
            var i = 0
            while i < n {
                if let (_, _, len) = EmbeddedTimestamps.match(p, at: i, n) { out.append(EmbeddedTimestamps.marker); i += len } else { out.append(p[i]); i += 1 }
            }
            return out
        }
        return bytes
    }

    // MARK: derived: functional dependencies

    func learnLookups() {
        let distinct: [Int] = (0..<specs.count).map { c in
            var t = ByteTable()
            for v in values[c] { withToken(v) { _ = t.insert($0, $1) } }
            return t.count
        }
        for t in 0..<specs.count where specs[t].kind == .text || specs[t].kind == .uuid {
            let n = values[t].count
            guard n >= 50 else { continue }
            let avg = Double(baseCost[t].reduce(0, +)) / Double(n)
            // Worth it only where values are many and long (few distinct ones are enum's job).
            guard avg >= 3, distinct[t] > 256 else { continue }
            var best: (gain: Double, key: Int)? = nil
            for k in 0..<specs.count where k != t && distinct[k] >= 16 && !dependsOn(k, t) {
                // Learn the map on the first half of the sample, score it on the second half
                // (as a model learned on one day meets the next).
                var map = ByteTable()
                var hits = 0, other = 0, scored = 0
                valueTexts.removeAll(keepingCapacity: true)
                let half = sampleCount / 2
                for r in 0..<sampleCount {
                    let ti = first[t][r], ki = first[k][r]
                    guard ti >= 0, ki >= 0 else { continue }
                    let tok = withToken(values[t][Int(ti)]) { Array(UnsafeBufferPointer(start: $0, count: $1)) }
                    if r < half {
                        let before = map.count
                        let id = withToken(values[k][Int(ki)]) { map.insert($0, $1) }
                        if id == before { valueTexts.append(tok) } else { valueTexts[id] = tok }
                    } else {
                        scored += 1
                        let id = withToken(values[k][Int(ki)]) { map.find($0, $1) }
                        if let id, valueTexts[id] == tok { hits += 1 } else { other += 1 }
                    }
                }
                guard scored > 0 else { continue }
                let gain = Double(hits) * (avg - 1) - Double(other)
                if hits * 5 >= scored, gain > Double(scored) * avg * 0.1, gain > (best?.gain ?? 0) { best = (gain, k) }
            }
            guard let best else { continue }
            // The table: each key's most recent value in training (capped).
            var keys = ByteTable()
            var vals = ByteTable()
            var valueOf: [Int32] = []
            for r in stride(from: sampleCount - 1, through: 0, by: -1) {
                let ti = first[t][r], ki = first[best.key][r]
                guard ti >= 0, ki >= 0, keys.count < FieldModel.maxLookup else { continue }
                let before = keys.count
                _ = withToken(values[best.key][Int(ki)]) { keys.insert($0, $1) }
                if keys.count > before {
                    valueOf.append(Int32(withToken(values[t][Int(ti)]) { vals.insert($0, $1) }))
                }
            }
            specs[t].lookup = paying(Lookup(key: Int32(best.key), keys: keys, values: vals, valueOf: valueOf), target: t)
        }
    }

    /// The rows of a lookup table that pay for themselves (`ModelCost`, as vocabulary
    /// entries): a row costs its key and value in the stored model and saves, per record it
    /// predicts, the target's bytes in the frame less the hit flag. Nil when no row pays.
    func paying(_ lookup: Lookup, target t: Int) -> Lookup? {
        let k = Int(lookup.key)
        let half = heldOut ? sampleCount / 2 : 0
        var counts = [Int](repeating: 0, count: lookup.keys.count), firstHalf = counts
        var targets: [[UInt8]] = [], frames: [Int] = [], rowOf: [Int] = []
        for r in 0..<sampleCount {
            let ti = first[t][r], ki = first[k][r]
            guard ti >= 0, ki >= 0 else { continue }
            let tok = withToken(values[t][Int(ti)]) { Array(UnsafeBufferPointer(start: $0, count: $1)) }
            var row = -1
            if let id = withToken(values[k][Int(ki)], { lookup.keys.find($0, $1) }),
               lookup.values.key(Int(lookup.valueOf[id])).elementsEqual(tok) {
                row = id
                counts[id] += 1
                if r < half { firstHalf[id] += 1 }
            }
            targets.append(TextCoding.contents(tok))
            frames.append(r / ModelCost.recordsPerFrame)
            rowOf.append(row)
        }
        let cost = ModelCost(bytesPerByte: ModelCost.bytesPerByte(ModelCost.histogram(targets)),
                             heldOutRecords: sampleCount - half, sampleRecords: sampleCount)
        let frameCost = cost.lzCosts(targets, window: frames)
        var without = [Double](repeating: 0, count: counts.count)
        for (i, row) in rowOf.enumerated() where row >= 0 { without[row] += frameCost[i] }
        let keyCost = cost.lzCosts((0..<lookup.keys.count).map { Array(lookup.keys.key($0)) })
        let valueCost = cost.lzCosts((0..<lookup.values.count).map { Array(lookup.values.key($0)) })
        var sharing = [Int](repeating: 0, count: lookup.values.count)
        for v in lookup.valueOf { sharing[Int(v)] += 1 }
        let stream = targets.count + Int(frameCost.reduce(0, +))
        let (kept, gain) = cost.chooseEntries(
            counts: counts, firstHalf: half > 0 ? firstHalf : nil,
            stored: { keyCost[$0] + 1 + valueCost[Int(lookup.valueOf[$0])] / Double(sharing[Int(lookup.valueOf[$0])]) },
            perUse: { without[$0] / Double(counts[$0]) - ModelCost.codeBytes(uses: counts[$0], of: stream) })
        // Records the table misses pay a flag.
        let misses = targets.count - kept.reduce(0) { $0 + counts[$1] }
        let net = gain - cost.periods * (half > 0 ? 0.5 : 1) * Double(misses) * ModelCost.codeBytes(uses: misses, of: stream)
        guard !kept.isEmpty, net > 0 else { return nil }
        var keys = ByteTable(), vals = ByteTable()
        var valueOf: [Int32] = []
        for id in kept.sorted() {
            _ = keys.insert(lookup.keys.key(id))
            valueOf.append(Int32(vals.insert(lookup.values.key(Int(lookup.valueOf[id])))))
        }
        return Lookup(key: lookup.key, keys: keys, values: vals, valueOf: valueOf)
    }

    // MARK: derived: repeats of the previous value

    /// Repeat codings (`Repeat`) that pay (`ModelCost`): the held-out second half of the
    /// sample is coded in frames as learned so far and with a flag on every column whose
    /// values often equal the previous one; each column's streams are costed as the codec
    /// meets them (`ModelCost.lzCosts` over the coded bytes: runs of codes are cheap, which
    /// value-by-value estimates miss), and a column keeps its flag when the saving exceeds
    /// the stored cost (its flag bit and key). Then keys: a column may carry its flag only
    /// where a flagged column repeated (`Repeat.key`), costed the same way against the coding
    /// it has so far (see `learnRepeatKeys`).
    func learnRepeats() {
        let half = sampleCount / 2
        guard sampleCount - half >= 64 else { return }
        // Numbers and timestamps others predict from always run their coder (see `Repeat`).
        var isSource = Set<Int>()
        for s in specs {
            if let r = s.relation { isSource.insert(Int(r.source)); if r.number >= 0 { isSource.insert(Int(r.number)) } }
            if let e = s.embedded, e.source >= 0 { isSource.insert(Int(e.source)) }
        }
        var cands: [Int] = []
        var repeated: [Int: Int] = [:]   // per candidate: values equal to the previous one
        training.bytes.withUnsafeBufferPointer { all in
            let b = all.baseAddress!
            for c in 0..<specs.count where !isSource.contains(c) {
                let vals = values[c]
                guard vals.count >= 32, Int(vals[vals.count - 16].record) >= half else { continue }
                var count = 0
                for i in 1..<vals.count {
                    let v = vals[i], u = vals[i - 1]
                    if Int(v.record) / ModelCost.recordsPerFrame == Int(u.record) / ModelCost.recordsPerFrame,
                       v.end - v.start == u.end - u.start, memcmpEqual(b + v.start, b + u.start, v.end - v.start) { count += 1 }
                }
                if count * 50 >= vals.count { cands.append(c); repeated[c] = count }
            }
        }
        guard !cands.isEmpty else { return }
        let heldOut = training.slice(half..<sampleCount)
        let none = streamCosts([:], heldOut)
        let own = streamCosts(Dictionary(uniqueKeysWithValues: cands.map { ($0, Repeat(key: -1)) }), heldOut)
        let periods = ModelCost(bytesPerByte: 1, heldOutRecords: sampleCount - half, sampleRecords: sampleCount).periods
        // The rule: a coding stays when its expected saving exceeds its stored cost.
        for c in cands where periods * (none[c] - own[c]) > ModelCost.modelShare {
            specs[c].repeats = Repeat(key: -1)
        }
        let keys = cands.filter { specs[$0].repeats != nil }.sorted { repeated[$0]! != repeated[$1]! ? repeated[$0]! > repeated[$1]! : $0 < $1 }
        learnRepeatKeys(cands, keys: Array(keys.prefix(Self.maxRepeatKeys)),
                        current: cands.map { specs[$0].repeats == nil ? none[$0] : own[$0] }, heldOut, periods: periods)
    }

    /// Keyed repeat codings: for each of `keys` (columns flagged on every value), the held-out records are coded once
    /// more with every other candidate flagged only where that key repeated; a column takes
    /// the key that saves it most over its coding so far (`current`, per candidate) when the
    /// saving exceeds the stored cost (a varint more in the model). A column used as a key
    /// keeps its own flags (keys are not chained); best savings are taken first.
    func learnRepeatKeys(_ cands: [Int], keys: [Int], current: [Double], _ heldOut: RecordBatch, periods: Double) {
        guard !keys.isEmpty else { return }
        let flagged = Dictionary(uniqueKeysWithValues: keys.map { ($0, Repeat(key: -1)) })
        var offers: [(saving: Double, column: Int, key: Int)] = []
        for k in keys {
            var trial = flagged
            let keyed = cands.filter { $0 != k && !dependsOn(k, $0) && once($0) }
            for c in keyed { trial[c] = Repeat(key: Int32(k)) }
            let cost = streamCosts(trial, heldOut)
            for c in keyed {
                let saving = periods * (current[cands.firstIndex(of: c)!] - cost[c])
                if saving > ModelCost.modelShare { offers.append((saving, c, k)) }
            }
        }
        var usedAsKey = Set<Int>(), taken = Set<Int>()
        for o in offers.sorted(by: { $0.saving != $1.saving ? $0.saving > $1.saving : ($0.column, $0.key) < ($1.column, $1.key) }) {
            // A column keyed already, a key that became keyed, or a key's own column: skip.
            guard !taken.contains(o.column), !taken.contains(o.key), !usedAsKey.contains(o.column),
                  !dependsOn(o.key, o.column) else { continue }
            specs[o.column].repeats = Repeat(key: Int32(o.key))
            taken.insert(o.column)
            usedAsKey.insert(o.key)
        }
    }

    /// Whether column `c` has at most one value per record: elements of an array repeat the
    /// element before them, which a key's repeat (one per record) does not foretell.
    func once(_ c: Int) -> Bool {
        var last: Int32 = -1
        for v in values[c] { if v.record == last { return false }; last = v.record }
        return true
    }

    /// Per model column, what the codec is expected to make of its streams when `records` are
    /// coded in frames (`ModelCost.recordsPerFrame` records, `columns` layout) with the
    /// columns learned so far and the repeat codings `repeats`.
    func streamCosts(_ repeats: [Int: Repeat], _ records: RecordBatch) -> [Double] {
        var cols = specs
        for c in cols.indices { cols[c].repeats = repeats[c] }
        return streamCosts(cols, records)
    }

    /// `streamCosts` with the columns `cols` (a recent-coded column's side stream included).
    func streamCosts(_ cols: [ColumnSpec], _ records: RecordBatch) -> [Double] {
        guard let model = try? FieldModel(selection: selection.with(.columns), columns: cols, shapes: []) else {
            return [Double](repeating: 0, count: specs.count)
        }
        var enc = FieldEncoder(model: model)
        var items = [[[UInt8]]](repeating: [], count: cols.count), sides = items
        var frame: [UInt8] = []
        for lo in stride(from: 0, to: records.count, by: ModelCost.recordsPerFrame) {
            let hi = min(lo + ModelCost.recordsPerFrame, records.count)
            guard hi - lo >= FieldEncoder.columnarMinimumRecords else { break }
            frame.removeAll(keepingCapacity: true)
            enc.encode(records.slice(lo..<hi), into: &frame)
            for c in cols.indices {
                items[c].append(Array(enc.streams[3 + c].buffer))
                if enc.st.hasSide(c) { sides[c].append(Array(enc.streams[enc.st.sideStream(c)].buffer)) }
            }
        }
        func cost(_ frames: [[UInt8]]) -> Double {
            // Literals as a Huffman coder stores them: a bit at least, however common the byte
            // (order-0 entropy says less: flags added to a stream of one code cost more).
            let h = ModelCost.histogram(frames), n = Double(h.reduce(0, +))
            guard n > 0 else { return 0 }
            let bits = h.reduce(0.0) { $1 > 0 ? $0 + Double($1) * max(1, log2(n / Double($1))) : $0 }
            let cost = ModelCost(bytesPerByte: bits / 8 / n, heldOutRecords: 1, sampleRecords: 1)
            return cost.lzCosts(frames, window: Array(frames.indices), prefix: 0).reduce(0, +)
        }
        return cols.indices.map { cost(items[$0]) + cost(sides[$0]) }
    }

    // MARK: derived: recent values

    /// Recent codings (`RecentCoding`) that pay. Candidates: text and number columns that no
    /// other column reads and that have no derived coding of their own (a vocabulary stays in
    /// front of the coding), whose
    /// values often recur among the last `recentSlots` distinct ones of their frame (bodies as
    /// text), whose strings mostly have a packed spelling (`packedLayouts`, learnt on the
    /// sample's first half), or which are unsigned integers of at most `RecentCoding.maxWidth`
    /// bytes (bodies of the width the sample's largest needs). The held-out records are coded
    /// with every candidate so coded, once per body form, and a column keeps the cheapest form
    /// when its streams' expected saving exceeds the stored cost, as repeats do (`learnRepeats`).
    func learnRecent() {
        let half = sampleCount / 2
        guard sampleCount - half >= 64 else { return }
        var isSource = Set<Int>()
        for s in specs { for x in s.sources { isSource.insert(Int(x)) } }
        var textCands = Set<Int>(), widths: [Int: Int] = [:], layouts: [Int: [PackedLayout]] = [:]
        training.bytes.withUnsafeBufferPointer { all in
            let b = all.baseAddress!
            let recent = RecentValues(slots: Self.recentSlots)
            for c in 0..<specs.count where !isSource.contains(c) {
                let s = specs[c]
                guard s.kind == .text || s.kind == .number, s.sources.isEmpty, s.embedded == nil,
                      values[c].count >= 32 else { continue }
                var hits = 0, frame = -1, ints = 0, top: UInt64 = 0
                for v in values[c] {
                    let f = Int(v.record) / ModelCost.recordsPerFrame
                    if f != frame { recent.reset(); frame = f }
                    let p = b + v.start, n = v.end - v.start
                    let r = recent.find(p, n)
                    if r >= 0 { hits += 1; recent.touch(r) } else { recent.insert(p, n) }
                    if let x = RecentCoding.unsigned(p, n, width: RecentCoding.maxWidth) { ints += 1; top = max(top, x) }
                }
                if hits * 20 >= values[c].count { textCands.insert(c) }
                if ints * 50 >= values[c].count * 49 { widths[c] = max(1, (64 - top.leadingZeroBitCount + 7) / 8) }
                let l = Self.packedLayouts(values[c].lazy.filter { Int($0.record) < half }, b)
                if !l.isEmpty { layouts[c] = l }
            }
        }
        let cands = textCands.union(widths.keys).union(layouts.keys).sorted()
        guard !cands.isEmpty else { return }
        func recentSpec(_ s: ColumnSpec, width: Int, layouts: [PackedLayout]) -> ColumnSpec {
            var t = s
            t.kind = .recent; t.delta = false; t.scaled = false; t.initValue = Int64(Self.recentSlots); t.initFormat = width
            t.initHead = []; t.textInColumns = false; t.layouts = layouts
            return t
        }
        let heldOut = training.slice(half..<sampleCount)
        func trial(_ form: (Int) -> (width: Int, layouts: [PackedLayout])?) -> [Double] {
            var cols = specs
            for c in cands { if let f = form(c) { cols[c] = recentSpec(specs[c], width: f.width, layouts: f.layouts) } }
            return streamCosts(cols, heldOut)
        }
        let none = streamCosts(specs, heldOut)
        let asText = textCands.isEmpty ? none : trial { textCands.contains($0) ? (0, []) : nil }
        let asInts = widths.isEmpty ? none : trial { c in widths[c].map { ($0, []) } }
        let asPacked = layouts.isEmpty ? none : trial { c in layouts[c].map { (0, $0) } }
        let periods = ModelCost(bytesPerByte: 1, heldOutRecords: sampleCount - half, sampleRecords: sampleCount).periods
        training.bytes.withUnsafeBufferPointer { all in
            for c in cands {
                var best = (cost: none[c], width: -1, packed: false)
                if textCands.contains(c) && asText[c] < best.cost { best = (asText[c], 0, false) }
                if let w = widths[c], asInts[c] < best.cost { best = (asInts[c], w, false) }
                if layouts[c] != nil, asPacked[c] < best.cost { best = (asPacked[c], 0, true) }
                // The rule: a coding stays when its expected saving exceeds its stored cost
                // (packed spellings: their position sets, as the stored model compresses them).
                let stored = 1 + (best.packed ? Self.storedCost(layouts[c]!) : 0)
                guard best.width >= 0, periods * (none[c] - best.cost) > ModelCost.modelShare * stored else { continue }
                // Spellings from every sampled value for the model (the held-out half's too).
                let spelt = best.packed ? Self.packedLayouts(values[c][...], all.baseAddress!) : []
                specs[c] = recentSpec(specs[c], width: best.width, layouts: spelt)
            }
        }
    }

    // MARK: template: free-text messages

    /// Message codings (`MessageCoding`) that pay. Candidates: text columns that no other
    /// column reads, whose values are nearly all strings with at least `minMessageLength`
    /// bytes of contents on average, and whose held-out strings mostly have a template learnt
    /// on the first half (`minMessageCoverage`) with some static text (`minMessageWords`);
    /// tried without their references and embedded timestamps
    /// (the templates take those apart themselves, and their markers are bytes a template
    /// refuses), and then without the vocabulary learnt for those (its entries hold the
    /// markers), so the saving is weighed against the coding with them; a vocabulary of
    /// plain values stays in front (values it takes never reach the templates). Each
    /// candidate's templates are learnt from its strings in the sample's first half
    /// (`TemplateModel.learn`: those that recur in both its halves), the held-out records are
    /// coded with every candidate so coded, and a column keeps the coding when its streams'
    /// expected saving exceeds the stored cost of its templates, as repeats do
    /// (`learnRepeats`), and at least `minMessageSaving` of their cost. The model's templates
    /// are then learnt from all its sampled strings.
    func learnMessages() {
        let half = sampleCount / 2
        guard sampleCount - half >= 64 else { return }
        var isSource = Set<Int>()
        for s in specs { for x in s.sources { isSource.insert(Int(x)) } }
        var trial: [Int: TemplateModel] = [:]
        training.bytes.withUnsafeBufferPointer { all in
            let b = all.baseAddress!
            for c in 0..<specs.count where !isSource.contains(c) {
                let s = specs[c]
                guard s.kind == .text, values[c].count >= 32 else { continue }
                var strings = 0, bytes = 0
                for v in values[c] where v.end - v.start >= 2 && b[v.start] == 0x22 && b[v.end - 1] == 0x22 {
                    strings += 1; bytes += v.end - v.start - 2
                }
                guard strings * 10 >= values[c].count * 9, bytes >= strings * Self.minMessageLength else { continue }
                let m = TemplateModel.learn(from: Self.messages(values[c].lazy.filter { Int($0.record) < half }, b))
                let late = Self.messages(values[c].lazy.filter { Int($0.record) >= half }, b)
                let (covered, words) = Self.covered(late, by: m)
                guard covered * 100 >= late.count * Self.minMessageCoverage, words >= late.count * Self.minMessageWords else { continue }
                trial[c] = m
            }
        }
        guard !trial.isEmpty else { return }
        func messageSpec(_ s: ColumnSpec, _ m: TemplateModel) -> ColumnSpec {
            var t = s
            t.kind = .message; t.delta = false; t.scaled = false; t.initValue = 0; t.initFormat = 0
            t.initHead = []; t.textInColumns = false; t.layouts = []; t.templates = m
            if !t.refs.isEmpty || t.embedded != nil { t.vocab = nil }
            t.refs = []; t.embedded = nil
            return t
        }
        let heldOut = training.slice(half..<sampleCount)
        var cols = specs
        for (c, m) in trial { cols[c] = messageSpec(specs[c], m) }
        let none = streamCosts(specs, heldOut), coded = streamCosts(cols, heldOut)
        let periods = ModelCost(bytesPerByte: 1, heldOutRecords: sampleCount - half, sampleRecords: sampleCount).periods
        training.bytes.withUnsafeBufferPointer { all in
            for c in trial.keys.sorted() {
                let stored = 1 + Self.storedCost(trial[c]!.infos.map(\.bytes))
                guard periods * (none[c] - coded[c]) > ModelCost.modelShare * stored,
                      none[c] - coded[c] >= Self.minMessageSaving * none[c] else { continue }
                specs[c] = messageSpec(specs[c], TemplateModel.learn(from: Self.messages(values[c][...], all.baseAddress!)))
            }
        }
    }

    /// How many of `messages` have a template of `model` (exactly, or one with word variables
    /// that the line's words match), and the static bytes of all their templates
    /// (placeholders left out). Lines a word template takes cost a scan and a match each: a
    /// container log whose lines mostly needed them compressed at 42 MB/s, below the profile
    /// search's 50 MB/s floor; the search then tries the transforms without `template`
    /// rather than none.
    static func covered(_ messages: RecordBatch, by model: TemplateModel) -> (covered: Int, staticBytes: Int) {
        let template = OutStream(capacity: 1024)
        let skeleton = OutStream(capacity: 1024)
        var vars: [TextVariable] = []
        var words: [WordSpan] = []
        var n = 0, fixed = 0
        messages.bytes.withUnsafeBufferPointer { all in
            guard let base = all.baseAddress else { return }
            for r in 0..<messages.count {
                let lo = messages.offsets[r], hi = messages.offsets[r + 1]
                guard TextTemplate.tokenize(base + lo, hi - lo, offset: lo, template: template, vars: &vars) else { continue }
                fixed += (0..<template.count).reduce(0) { $0 + (TextVariableKind.isReserved(template.base[$1]) ? 0 : 1) }
                if model.lookup(UnsafePointer(template.base), template.count, vars: vars, lineOffset: lo, line: base,
                                words: &words, skeleton: skeleton) != nil { n += 1 }
            }
        }
        return (n, fixed)
    }

    /// The contents of the string values among `vals` (what a message-coded column templates).
    static func messages<S: Sequence>(_ vals: S, _ base: UnsafePointer<UInt8>) -> RecordBatch where S.Element == Value {
        var out = RecordBatch()
        for v in vals where v.end - v.start >= 2 && base[v.start] == 0x22 && base[v.end - 1] == 0x22 {
            out.append(UnsafeBufferPointer(start: base + v.start + 1, count: v.end - v.start - 2))
        }
        return out
    }

    /// What items cost in the stored model (`ModelCost.lzCosts`: repeated runs are cheap).
    static func storedCost(_ items: [[UInt8]]) -> Double {
        ModelCost(bytesPerByte: ModelCost.bytesPerByte(ModelCost.histogram(items)), heldOutRecords: 1, sampleRecords: 1)
            .lzCosts(items).reduce(0, +)
    }

    /// What packed spellings cost in the stored model (`ModelCost.lzCosts` of their position
    /// sets: one alphabet repeated over positions is cheap).
    static func storedCost(_ layouts: [PackedLayout]) -> Double {
        storedCost(layouts.flatMap(\.positions))
    }

    /// The packed spellings (`PackedLayout`) of string values: one per content length that at
    /// least a tenth of them have (most common first, at most `PackedLayout.maxLayouts`), with
    /// the bytes each position took, kept when it packs into fewer bytes than the length.
    static func packedLayouts<S: Sequence>(_ vals: S, _ base: UnsafePointer<UInt8>) -> [PackedLayout] where S.Element == Value {
        var seen: [Int: [[Bool]]] = [:], counts: [Int: Int] = [:]
        var total = 0
        for v in vals {
            total += 1
            let p = base + v.start, n = v.end - v.start
            guard n >= 3, n - 2 <= PackedLayout.maxLength, p[0] == 0x22, p[n - 1] == 0x22,
                  (1..<(n - 1)).allSatisfy({ PackedLayout.allowed(p[$0]) }) else { continue }
            let len = n - 2
            counts[len, default: 0] += 1
            if seen[len] == nil { seen[len] = Array(repeating: Array(repeating: false, count: 256), count: len) }
            for i in 0..<len { seen[len]![i][Int(p[1 + i])] = true }
        }
        let lengths = counts.filter { $0.value * 10 >= total }.sorted { $0.value != $1.value ? $0.value > $1.value : $0.key < $1.key }
        var out: [PackedLayout] = []
        for (len, _) in lengths.prefix(PackedLayout.maxLayouts) {
            let l = PackedLayout(positions: seen[len]!.map { set in (0..<256).filter { set[$0] }.map(UInt8.init) })
            if let nb = l.packedBytes, nb < len { out.append(l) }
        }
        return out
    }

    // MARK: enum

    func learnVocabularies() {
        var isSource = Set<Int>()
        for s in specs { if let r = s.relation { isSource.insert(Int(r.source)); if r.number >= 0 { isSource.insert(Int(r.number)) } } }
        for c in 0..<specs.count {
            let spec = specs[c]
            if spec.kind == .timestamp || spec.relation != nil || isSource.contains(c) { continue }
            let vals = values[c]
            guard vals.count >= 4 else { continue }
            var table = ByteTable()
            var counts: [Int] = []
            var firstHalf: [Int] = []   // counts over the first half, to score on the second
            let half = vals.count >= 16 && heldOut ? vals.count / 2 : vals.count
            var ids = [Int](repeating: 0, count: vals.count)
            for (i, v) in vals.enumerated() {
                let before = table.count
                let id: Int
                if spec.refs.isEmpty && spec.embedded == nil {
                    id = withToken(v) { p, n in table.insert(p, n) }
                } else {
                    id = table.insert(template(v, spec))
                }
                if id == before { counts.append(0); firstHalf.append(0) }
                counts[id] += 1
                if i < half { firstHalf[id] += 1 }
                ids[i] = id
            }
            // Each entry must pay for itself (`ModelCost`), scored on the held-out second half.
            let hold = half == vals.count ? 0 : half
            let candidates = (0..<table.count).filter { counts[$0] >= 2 }
                .sorted { counts[$0] != counts[$1] ? counts[$0] > counts[$1] : $0 < $1 }
            let cost = ModelCost(bytesPerByte: ModelCost.bytesPerByte(ModelCost.histogram(candidates.lazy.map { table.key($0) })),
                                 heldOutRecords: sampleCount - (hold == 0 ? 0 : Int(vals[hold].record)), sampleRecords: sampleCount)
            // Stored: the entries in the model's order, compressed.
            var stored = [Double](repeating: 0, count: table.count)
            for (k, c) in zip(candidates, cost.lzCosts(candidates.map { Array(table.key($0)) })) { stored[k] = c }
            // Without the entry: each value as the codec meets it in its frame, a literal or a
            // match of what the frame held before. Its text stands for every coding: measured
            // on real logs, numbers a vocabulary misses cost about their text's compressed
            // bytes (format changes, digits that do not delta well).
            let frameCost = cost.lzCosts(ids.map { TextCoding.contents(table.key($0)) },
                                         window: vals.map { Int($0.record) / ModelCost.recordsPerFrame })
            var without = [Double](repeating: 0, count: table.count)
            for i in 0..<vals.count { without[ids[i]] += frameCost[i] }
            let streamBytes = frameCost.reduce(0, +)
            let stream = vals.count + Int(streamBytes)   // the column's bytes: values and codes
            let (kept, gain) = cost.chooseEntries(
                counts: counts, firstHalf: hold == 0 ? nil : firstHalf, stored: { stored[$0] },
                perUse: { without[$0] / Double(counts[$0]) - ModelCost.codeBytes(uses: counts[$0], of: stream) })
            // Values the vocabulary misses pay a code too.
            let misses = vals.count - kept.reduce(0) { $0 + counts[$1] }
            let net = gain - cost.periods * (hold == 0 ? 1 : 0.5) * Double(misses) * ModelCost.codeBytes(uses: misses, of: stream)
            guard !kept.isEmpty, net > 0 else { continue }
            let order = kept.sorted { counts[$0] != counts[$1] ? counts[$0] > counts[$1] : $0 < $1 }.prefix(FieldModel.maxVocabulary)
            specs[c].vocab = ByteTable(order.map { Array(table.key($0)) })
        }
    }
}

extension FieldModel {
    static func learn(from training: RecordBatch, selection: TransformSelection,
                      sampleLimit: Int = FieldLearner.sampleLimit, heldOut: Bool = true, recentCodings: Bool = true) -> FieldModel {
        let l = FieldLearner(training: training, selection: selection, sampleLimit: sampleLimit, heldOut: heldOut, recentCodings: recentCodings)
        return l.run()
    }
}

/// One entry per sampled record for one column of `FieldLearner`: a dense array where the
/// column is in many of the records, else only the records that have it (ascending), found
/// by binary search. Dense arrays for every column cost columns × records, gigabytes on logs
/// whose keys change from record to record.
struct PerRecord<T> {
    /// Dense when the column is in at least 1 record of this many.
    static var denseRatio: Int { 16 }
    private let count: Int
    private let absent: T
    private let dense: [T]?
    private let records: [Int32]
    private let items: [T]

    init(count: Int, absent: T, records: [Int32], items: [T]) {
        self.count = count
        self.absent = absent
        self.records = records
        self.items = items
        if records.count * Self.denseRatio >= count {
            var d = [T](repeating: absent, count: count)
            for (r, x) in zip(records, items) { d[Int(r)] = x }
            dense = d
        } else {
            dense = nil
        }
    }

    subscript(r: Int) -> T {
        if let dense { return dense[r] }
        var lo = 0, hi = records.count
        while lo < hi {
            let mid = (lo + hi) / 2
            if Int(records[mid]) < r { lo = mid + 1 } else { hi = mid }
        }
        return lo < records.count && Int(records[lo]) == r ? items[lo] : absent
    }

    /// The records that have an entry, with it, ascending.
    var present: some Sequence<(Int, T)> { zip(records.lazy.map { Int($0) }, items) }

    /// The same records with `transform` of each entry (`absent` where there is none).
    func map<U>(absent: U, _ transform: (T) -> U) -> PerRecord<U> {
        PerRecord<U>(count: count, absent: absent, records: records, items: items.map(transform))
    }
}
