import LogLabCore
import Dispatch
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Columnar decode: chosen field paths of JSON records → typed column buffers laid out as
/// Arrow arrays (validity bitmaps, int32 offsets), for the C ABI and the Python package.
///
/// A path-directed walk over each record's bytes finds each selected value (skipping
/// everything else without building objects) and keeps its raw text; `finish` infers one type
/// per column and converts. Field-transformed frames skip the record rebuild: the same walk
/// runs once per shape (`captures(inShape:)`) and `ColumnarFrameReader` hands over the
/// decoded values of the selected fields only, so both ways give the same columns.
///
/// Rules: a path is object keys joined by `.` (`_source.func_name`); with duplicate keys the
/// last one wins (as JSON parsers do); a record that is not strict JSON has every column
/// missing. Types per column, from the values seen: all booleans → bool; all integers that
/// fit → int64; numbers that all parse to doubles exactly enough (integers up to 2^53) →
/// float64; strings that are all ISO-8601 date-times in one zone → timestamp (ms or µs, with
/// the zone); strings with few distinct values → dictionary; other strings → string (bytes
/// that are not UTF-8 → binary); arrays → list of the inferred element type; objects or
/// mixed kinds → json (the value's exact JSON text). Missing and null are null.
public final class ColumnarDecoder {
    public let paths: [String]
    /// With no paths given, every leaf path met becomes a column (objects are flattened).
    public let discover: Bool

    struct Node {
        var keys: [[UInt8]] = []
        var children: [Int] = []
        var column: Int = -1
        /// Child by key once there are many (records with keys of their own): lookups stay
        /// constant-time instead of a scan per key.
        var index: [[UInt8]: Int]? = nil
    }
    static let indexFrom = 16
    private var nodes: [Node] = [Node()]
    private(set) var raw: [RawColumn]
    public private(set) var rows = 0
    private var pendingStart: [Int] = []
    private var pendingEnd: [Int] = []
    private var pendingKind: [UInt8] = []
    private var discovered: [String] = []
    /// Discovery: the row each column's values start at (the rows before are missing, and
    /// so are those after its last value): a column met in a few records costs those records.
    private var firstRow: [Int] = []
    /// Discovery: the columns the current record's walk gave a value.
    private var touched: [Int] = []

    public init(paths: [String]) {
        discover = paths.isEmpty
        self.paths = paths
        raw = []
        for (k, path) in paths.enumerated() {
            // Keys may contain dots themselves (`id.orig_h`): every way of reading the dots
            // as separators or as part of a key leads to the same column (up to 2^8 ways).
            let parts = path.split(separator: ".", omittingEmptySubsequences: false).map { Array($0.utf8) }
            let dots = min(parts.count - 1, 8)
            for mask in 0..<(1 << dots) {
                var node = 0
                var key = parts[0]
                for d in 1..<parts.count {
                    if d <= dots, mask & (1 << (d - 1)) != 0 {
                        key += [0x2E] + parts[d]
                    } else {
                        node = child(of: node, key: key, create: true)
                        key = parts[d]
                    }
                }
                node = child(of: node, key: key, create: true)
                if nodes[node].column < 0 { nodes[node].column = k }
            }
            raw.append(RawColumn())
        }
        // Duplicate paths share the first one's values (copied at finish).
        pendingStart = Array(repeating: 0, count: raw.count)
        pendingEnd = Array(repeating: 0, count: raw.count)
        pendingKind = Array(repeating: 0, count: raw.count)
    }

    /// Column names in output order (the given paths, or the discovered ones).
    public var names: [String] { discover ? discovered : paths }

    private func child(of node: Int, key: [UInt8], create: Bool) -> Int {
        if let index = nodes[node].index {
            if let c = index[key] { return c }
        } else if let i = nodes[node].keys.firstIndex(of: key) {
            return nodes[node].children[i]
        }
        guard create else { return -1 }
        nodes.append(Node())
        let id = nodes.count - 1
        nodes[node].keys.append(key)
        nodes[node].children.append(id)
        if nodes[node].index != nil {
            nodes[node].index![key] = id
        } else if nodes[node].keys.count >= Self.indexFrom {
            nodes[node].index = Dictionary(uniqueKeysWithValues: zip(nodes[node].keys, nodes[node].children))
        }
        return id
    }

    // MARK: appending records

    public func append(_ records: RecordBatch) {
        for i in 0..<records.count { records.withRecord(i) { append($0) } }
    }

    /// Scans one record (its exact bytes, no line end).
    public func append(_ record: UnsafeRawBufferPointer) {
        let ok = walk(record)
        take(record, ok: ok, into: &raw)
        rows += 1
    }

    /// Room for `n` more rows in every column (a hint: rows beyond it are appended all the same).
    public func reserve(rows n: Int) {
        guard n > 0 else { return }
        for k in raw.indices { raw[k].reserve(rows: raw[k].count + n) }
    }

    /// Appends rows through `body`, which has the columns for all of them (one access, not
    /// one per row) and returns how many rows it appended, each with exactly one value or
    /// missing in every column. Records are appended inside with `walk` + `take`.
    func appendRows(_ body: (inout [RawColumn]) throws -> Int) rethrows {
        precondition(!discover, "rows are appended in bulk only for given paths")
        let n = try body(&raw)
        rows += n
    }

    /// Walks one record (its exact bytes) for the selected values: whether it is strict JSON
    /// (an object or not). `take` then appends them.
    func walk(_ record: UnsafeRawBufferPointer) -> Bool {
        // Discovery resets only what the last record touched (`take`): the column count can
        // grow with the records.
        if !discover { for k in 0..<pendingKind.count { pendingKind[k] = RawKind.missing } }
        var ok = false
        if let base = record.baseAddress, record.count > 0 {
            var w = Walker(p: base.assumingMemoryBound(to: UInt8.self), n: record.count, owner: self)
            let s = w.ws(0)
            if s < record.count, w.p[s] == 0x7B, let end = w.value(s, node: 0, depth: 0), w.ws(end) == record.count {
                ok = true
            } else if let end = w.value(s, node: -1, depth: 0), w.ws(end) == record.count {
                ok = true   // valid JSON, not an object: every field is missing
                for k in touched { pendingKind[k] = RawKind.missing }
                touched.removeAll(keepingCapacity: true)
                if !discover { for k in 0..<pendingKind.count { pendingKind[k] = RawKind.missing } }
            }
        }
        return ok
    }

    /// Appends the values `walk` found in `record` (every column missing unless `ok`).
    func take(_ record: UnsafeRawBufferPointer, ok: Bool, into raw: inout [RawColumn]) {
        if discover {
            // Only the columns this record has: missing rows before a value are filled in
            // then, those after a column's last value at `finish`.
            for k in touched {
                if ok {
                    raw[k].appendMissing(rows - firstRow[k] - raw[k].count)
                    raw[k].append(kind: pendingKind[k], UnsafeRawBufferPointer(rebasing: record[pendingStart[k]..<pendingEnd[k]]))
                }
                pendingKind[k] = RawKind.missing
            }
            touched.removeAll(keepingCapacity: true)
            return
        }
        for k in 0..<raw.count {
            if ok, pendingKind[k] != RawKind.missing {
                raw[k].append(kind: pendingKind[k], UnsafeRawBufferPointer(rebasing: record[pendingStart[k]..<pendingEnd[k]]))
            } else {
                raw[k].appendMissing()
            }
        }
    }

    // MARK: shapes (field-transformed frames)

    /// Where a selected value sits in a shape: `start..<end` of the shape bytes, a single
    /// placeholder (`RawKind.slot`) or an object/array spanning the placeholders in it.
    struct ShapeCapture {
        var column: Int
        var kind: UInt8
        var start: Int
        var end: Int
    }

    /// Walks a shape (placeholders standing for scalar values) as `append` walks a record.
    /// Nil when no record of the shape is an object the walk accepts (every column missing);
    /// a record's own scalar values can still make the walk refuse it (see `validToken`).
    func captures(inShape p: UnsafePointer<UInt8>, count n: Int) -> [ShapeCapture]? {
        precondition(!discover, "shape captures need given paths")
        for k in 0..<pendingKind.count { pendingKind[k] = RawKind.missing }
        var w = Walker(p: p, n: n, owner: self, slots: true)
        let s = w.ws(0)
        guard s < n, p[s] == 0x7B, let end = w.value(s, node: 0, depth: 0), w.ws(end) == n else { return nil }
        var out: [ShapeCapture] = []
        for k in 0..<pendingKind.count where pendingKind[k] != RawKind.missing {
            out.append(ShapeCapture(column: k, kind: pendingKind[k], start: pendingStart[k], end: pendingEnd[k]))
        }
        return out
    }

    /// Whether the text walk accepts `token` (one scalar value as spelt in a record).
    @inline(__always)
    static func validToken(_ p: UnsafePointer<UInt8>, _ n: Int) -> Bool {
        guard n > 0, p[0] != 0x7B, p[0] != 0x5B else { return false }
        // Strings without escapes (most of them), eight bytes at a time.
        if n >= 2, p[0] == 0x22, p[n - 1] == 0x22, plainContents(p + 1, n - 2) { return true }
        var w = Walker(p: p, n: n, owner: nil)
        return w.value(0, node: -1, depth: 0) == n
    }

    /// True when `p[0..<n]` holds no quote, backslash or control byte (then it is valid
    /// string contents); false means look closer.
    @inline(__always)
    static func plainContents(_ p: UnsafePointer<UInt8>, _ n: Int) -> Bool {
        let raw = UnsafeRawPointer(p)
        var i = 0
        let ones: UInt64 = 0x0101_0101_0101_0101, highs: UInt64 = 0x8080_8080_8080_8080
        @inline(__always) func zeroByte(_ x: UInt64) -> Bool { (x &- ones) & ~x & highs != 0 }
        while i + 8 <= n {
            let w = raw.loadUnaligned(fromByteOffset: i, as: UInt64.self)
            // A byte below 0x20, or equal to '"' or '\\' (bytes ≥ 0x80 never match).
            let low = (w &- 0x2020_2020_2020_2020) & ~w & highs
            if low != 0 || zeroByte(w ^ 0x2222_2222_2222_2222) || zeroByte(w ^ 0x5C5C_5C5C_5C5C_5C5C) { return false }
            i += 8
        }
        while i < n {
            let b = p[i]
            if b < 0x20 || b == 0x22 || b == 0x5C { return false }
            i += 1
        }
        return true
    }

    fileprivate func capture(node: Int, kind: UInt8, start: Int, end: Int) {
        let c = nodes[node].column
        // Discovery flattens objects into their leaves instead of keeping their text.
        guard c >= 0, !(discover && kind == RawKind.object) else { return }
        if discover, pendingKind[c] == RawKind.missing { touched.append(c) }
        pendingStart[c] = start
        pendingEnd[c] = end
        pendingKind[c] = kind
    }

    fileprivate func childNode(_ node: Int, key: UnsafeBufferPointer<UInt8>, isObject: Bool) -> Int {
        var found = -1
        if let index = nodes[node].index {
            found = index[Array(key)] ?? -1
        } else {
          nodes.withUnsafeBufferPointer { all in
            let keys = all[node].keys
            for i in 0..<keys.count {
                let k = keys[i]
                guard k.count == key.count else { continue }
                let same = k.withUnsafeBufferPointer { kb in
                    kb.isEmpty || memcmp(kb.baseAddress!, key.baseAddress!, kb.count) == 0
                }
                if same { found = all[node].children[i]; return }
            }
          }
        }
        if found >= 0 {
            let c = found
            if discover && !isObject && nodes[c].column < 0 { addColumn(c, key: key, parent: node) }
            return c
        }
        guard discover else { return -1 }
        let c = child(of: node, key: Array(key), create: true)
        if !isObject { addColumn(c, key: key, parent: node) }
        return c
    }

    private var nodePath: [Int: String] = [0: ""]
    private func addColumn(_ c: Int, key: UnsafeBufferPointer<UInt8>, parent: Int) {
        let prefix = nodePath[parent] ?? ""
        let name = (prefix.isEmpty ? "" : prefix + ".") + String(decoding: key, as: UTF8.self)
        nodes[c].column = raw.count
        discovered.append(name)
        raw.append(RawColumn())
        firstRow.append(rows)
        pendingStart.append(0); pendingEnd.append(0); pendingKind.append(RawKind.missing)
    }

    fileprivate func registerPath(_ c: Int, key: UnsafeBufferPointer<UInt8>, parent: Int) {
        guard discover, nodePath[c] == nil else { return }
        let prefix = nodePath[parent] ?? ""
        nodePath[c] = (prefix.isEmpty ? "" : prefix + ".") + String(decoding: key, as: UTF8.self)
    }

    fileprivate func wantsChildren(_ node: Int) -> Bool { discover || !nodes[node].children.isEmpty }

    /// Appends another decoder's rows (same paths; used to merge frames decoded in parallel).
    public func append(contentsOf other: ColumnarDecoder) throws { try append(contentsOf: [other]) }

    /// Appends other decoders' rows in order, each buffer grown once for all of them.
    public func append(contentsOf others: [ColumnarDecoder]) throws {
        guard !discover, others.allSatisfy({ !$0.discover && $0.paths == paths }) else {
            throw ColumnarError("cannot merge decoders of different paths")
        }
        for k in 0..<raw.count {
            var rowCount = raw[k].count, textCount = raw[k].text.count
            for o in others { rowCount += o.raw[k].count; textCount += o.raw[k].text.count }
            // Grown as appending would (doubling), so merging one decoder at a time stays linear.
            func grow<T>(_ a: inout [T], to n: Int) { if a.capacity < n { a.reserveCapacity(max(n, 2 * a.capacity)) } }
            grow(&raw[k].kinds, to: rowCount)
            grow(&raw[k].offsets, to: rowCount + 1)
            grow(&raw[k].text, to: textCount)
            // Values held as words (and formats) too: once here, or at `beginWords` by `expected`.
            raw[k].expected = max(raw[k].expected, rowCount)
            if raw[k].typed { grow(&raw[k].words, to: rowCount) }
            if raw[k].timed { grow(&raw[k].formats, to: rowCount) }
            for o in others { raw[k].append(contentsOf: o.raw[k]) }
        }
        for o in others { rows += o.rows }
    }

    // MARK: finishing

    /// The typed columns (in `names` order), built on up to `threads` threads (columns are
    /// independent).
    public func finish(threads: Int = 1) throws -> [DecodedColumn] {
        let names = self.names
        let n = raw.count
        guard n > 0 else { return [] }
        // A repeated path reads the first occurrence's column.
        let sources = (0..<n).map { k in discover ? k : (paths.firstIndex(of: paths[k]) ?? k) }
        let out = FinishSlots(n)
        let raw = self.raw
        let firstRow = self.firstRow, rows = self.rows, discovering = discover
        // A discovered column: its rows from its first value on. One that spans at least half
        // the rows gets them all (as given paths do); a sparser one keeps only its span and
        // says where it starts (`DecodedColumn.firstRow`), so wide batches stay linear.
        @Sendable func column(_ k: Int) throws -> DecodedColumn {
            guard discovering else { return try raw[sources[k]].finish(name: names[k]) }
            let lead = firstRow[k], span = raw[k].count, trail = rows - lead - span
            if lead + trail > span {
                var c = try raw[k].finish(name: names[k])
                c.firstRow = lead
                return c
            }
            var full = RawColumn()
            full.appendMissing(lead)
            full.append(contentsOf: raw[k])
            full.appendMissing(trail)
            return try full.finish(name: names[k])
        }
        let workers = max(1, min(threads, n))
        if workers == 1 {
            for k in 0..<n { out.set(k, Result { try column(k) }) }
        } else {
            DispatchQueue.concurrentPerform(iterations: workers) { w in
                for k in stride(from: w, to: n, by: workers) { out.set(k, Result { try column(k) }) }
            }
        }
        return try out.items.map { try $0!.get() }
    }
}

/// Finished columns written by several threads, each slot by one (so no lock); read once
/// they are all done.
private final class FinishSlots: @unchecked Sendable {
    private let slots: UnsafeMutablePointer<Result<DecodedColumn, Error>?>
    private let count: Int
    init(_ n: Int) { count = n; slots = .allocate(capacity: n); slots.initialize(repeating: nil, count: n) }
    deinit { slots.deinitialize(count: count); slots.deallocate() }
    func set(_ k: Int, _ r: Result<DecodedColumn, Error>) { slots[k] = r }
    var items: [Result<DecodedColumn, Error>?] { Array(UnsafeBufferPointer(start: slots, count: count)) }
}

enum RawKind {
    static let missing: UInt8 = 0, null: UInt8 = 1, bool: UInt8 = 2, number: UInt8 = 3
    static let string: UInt8 = 4, array: UInt8 = 5, object: UInt8 = 6
    /// A shape's placeholder: the record's value decides (see `of`).
    static let slot: UInt8 = 7
    /// Values the columnar reader took from their coding without rendering them (see
    /// `RawColumn.append(int:)` / `append(micros:format:)`): a number and a string.
    static let int: UInt8 = 8, time: UInt8 = 9
    /// A vocabulary entry taken by its index (`RawColumn.append(code:vocabulary:)`).
    static let code: UInt8 = 10

    /// The kind of a scalar token, from its first byte (as the walk decides).
    @inline(__always) static func of(_ first: UInt8) -> UInt8 {
        switch first {
        case 0x22: string
        case 0x74, 0x66: bool
        case 0x6E: null
        default: number
        }
    }
}

/// One column's values as found: kind per row and the raw text (strings without quotes,
/// still escaped; everything else exactly as spelt). Rows of kind `int` / `time` / `code`
/// hold a value instead of its text (see `append(int:)`); `textual` spells them out.
struct RawColumn {
    var kinds: [UInt8] = []
    var offsets: [Int] = [0]
    var text: [UInt8] = []
    /// Some row is of kind `int`, `time` or `code`; then `words` has one entry per row (0 in
    /// the others): an `int` row's number, a `time` row's micros, a `code` row's entry. Plain
    /// arrays of words, not bytes in `text`: appending one is a store, not a copy.
    var typed = false
    var words: [Int64] = []
    /// Some row is of kind `time`; then `formats` has one entry per row: a `time` row's format.
    var timed = false
    var formats: [Int32] = []
    /// The vocabulary `code` rows index (one per column: rows of another one are spelt out).
    var vocabulary: RawTable? = nil
    /// Rows the column expects to hold (`reserve`): room for them from the start.
    var expected = 0

    /// Room for `n` rows (appending grows the buffers as it must, copying them each time).
    mutating func reserve(rows n: Int) {
        expected = max(expected, n)
        kinds.reserveCapacity(n)
        offsets.reserveCapacity(n + 1)
        if typed { words.reserveCapacity(n) }
        if timed { formats.reserveCapacity(n) }
    }

    mutating func appendMissing() {
        kinds.append(RawKind.missing)
        offsets.append(text.count)
        if typed { words.append(0) }
        if timed { formats.append(0) }
    }

    /// `n` missing rows (none when `n` ≤ 0).
    mutating func appendMissing(_ n: Int) {
        guard n > 0 else { return }
        kinds.append(contentsOf: repeatElement(RawKind.missing, count: n))
        offsets.append(contentsOf: repeatElement(text.count, count: n))
        if typed { words.append(contentsOf: repeatElement(0, count: n)) }
        if timed { formats.append(contentsOf: repeatElement(0, count: n)) }
    }

    mutating func append(kind: UInt8, _ bytes: UnsafeRawBufferPointer) {
        kinds.append(kind)
        if kind == RawKind.string, bytes.count >= 2 {
            text.append(contentsOf: UnsafeRawBufferPointer(rebasing: bytes[1..<(bytes.count - 1)]))
        } else {
            text.append(contentsOf: bytes)
        }
        offsets.append(text.count)
        if typed { words.append(0) }
        if timed { formats.append(0) }
    }

    /// `words` (and with `time`, `formats`) from now on, 0 for the rows so far.
    private mutating func beginWords(time: Bool) {
        if !typed {
            words = [Int64](repeating: 0, count: kinds.count)
            words.reserveCapacity(expected)
            typed = true
        }
        if time, !timed {
            formats = [Int32](repeating: 0, count: kinds.count)
            formats.reserveCapacity(expected)
            timed = true
        }
    }

    /// One row of a kind that keeps its value in `words` (and `formats`).
    @inline(__always) private mutating func append(word: Int64, format: Int32, kind: UInt8) {
        beginWords(time: kind == RawKind.time)
        kinds.append(kind)
        offsets.append(text.count)
        words.append(word)
        if timed { formats.append(format) }
    }

    /// `n` rows staged by `ColumnarFrameReader` (kinds `missing`, `int`, `time`, `code`; words
    /// and formats 0 where the kind has none), appended as `appendMissing` and the typed
    /// appends would have appended them one by one: four bulk copies instead of four appends
    /// a row. Code rows index `vocabulary` (the stager checked it).
    mutating func appendStaged(kinds k: UnsafePointer<UInt8>, words w: UnsafePointer<Int64>, formats f: UnsafePointer<Int32>,
                               count n: Int, typed anyTyped: Bool, timed anyTimed: Bool) {
        guard n > 0 else { return }
        if anyTyped { beginWords(time: anyTimed) }
        kinds.append(contentsOf: UnsafeBufferPointer(start: k, count: n))
        // From an array, not `repeatElement`: a block copy, not an element-by-element append.
        offsets.append(contentsOf: [Int](repeating: text.count, count: n))
        if typed { words.append(contentsOf: UnsafeBufferPointer(start: w, count: n)) }
        if timed { formats.append(contentsOf: UnsafeBufferPointer(start: f, count: n)) }
    }

    /// A number whose text is the plain decimal of `v` (`-?(0|[1-9][0-9]*)`), kept as itself.
    mutating func append(int v: Int64) { append(word: v, format: 0, kind: RawKind.int) }

    /// A string holding a timestamp that `ISOTime.parse` reads as `micros` (format `format`
    /// of `ISOTimestamp`: separator `T`, zone `Z` or `±HH:MM`, at most 6 fraction digits).
    mutating func append(micros: Int64, format: Int32) { append(word: micros, format: format, kind: RawKind.time) }

    /// Entry `code` of `vocabulary` (a whole token the walk accepts), kept as its index.
    mutating func append(code: Int32, vocabulary v: RawTable) {
        if vocabulary !== v {
            if let mine = vocabulary, !mine.sameEntries(v) {
                // Another vocabulary: this row as text (the rows before keep theirs).
                let (p, n) = v.key(Int(code))
                append(kind: RawKind.of(p[0]), UnsafeRawBufferPointer(start: p, count: n))
                return
            }
            vocabulary = v
        }
        append(word: Int64(code), format: 0, kind: RawKind.code)
    }

    @inline(__always) func code(_ i: Int) -> Int { Int(words[i]) }

    /// The token of a `code` row.
    @inline(__always) func entry(_ i: Int) -> UnsafeBufferPointer<UInt8> {
        let (p, n) = vocabulary!.key(code(i))
        return UnsafeBufferPointer(start: p, count: n)
    }

    @inline(__always) func int(_ i: Int) -> Int64 { words[i] }

    @inline(__always) func time(_ i: Int) -> (micros: Int64, format: Int32) { (words[i], formats[i]) }

    /// The same column with `int` and `time` rows spelt out as the text walk finds them.
    func textual() -> RawColumn {
        guard typed else { return self }
        var out = RawColumn()
        out.kinds.reserveCapacity(count)
        out.offsets.reserveCapacity(count + 1)
        out.text.reserveCapacity(text.count)
        let spell = OutStream(capacity: 64)
        var noHead: UInt8 = 0
        for i in 0..<count {
            let k = kinds[i]
            switch k {
            case RawKind.int:
                spell.reset()
                DecimalText.render(int(i), format: 0, head: &noHead, headCount: 0, into: spell)
                out.append(kind: RawKind.number, UnsafeRawBufferPointer(spell.buffer))
            case RawKind.time:
                let (micros, code) = time(i)
                let fmt = ISOTimestamp.Format(code: Int(code))!
                spell.reset()
                spell.put(0x22)
                ISOTimestamp.renderContent(micros / ISOTimestamp.pow10[6 - fmt.fraction], fmt, into: spell)
                spell.put(0x22)
                out.append(kind: RawKind.string, UnsafeRawBufferPointer(spell.buffer))
            case RawKind.code:
                let t = entry(i)
                out.append(kind: RawKind.of(t[0]), UnsafeRawBufferPointer(t))
            default:
                out.kinds.append(k)
                out.text.append(contentsOf: text[offsets[i]..<offsets[i + 1]])
                out.offsets.append(out.text.count)
            }
        }
        return out
    }

    mutating func append(contentsOf o: RawColumn) {
        var other = o
        // Threads decode with tables of their own: the same entries are the same vocabulary
        // (another one: its rows as text, so merging stays linear).
        if let a = vocabulary, let b = other.vocabulary, !a.sameEntries(b) { other = other.textual() }
        if vocabulary == nil { vocabulary = other.vocabulary }
        if other.typed || typed {
            beginWords(time: other.timed)
            if other.typed { words.append(contentsOf: other.words) } else { words.append(contentsOf: repeatElement(0, count: other.count)) }
        }
        if timed {
            if other.timed { formats.append(contentsOf: other.formats) } else { formats.append(contentsOf: repeatElement(0, count: other.count)) }
        }
        let base = text.count
        kinds.append(contentsOf: other.kinds)
        text.append(contentsOf: other.text)
        // Block copies where the offsets need no shift or are all `base` (rows held as values).
        if other.text.isEmpty {
            offsets.append(contentsOf: [Int](repeating: base, count: other.count))
        } else if base == 0 {
            offsets.append(contentsOf: other.offsets.dropFirst())
        } else {
            offsets.append(contentsOf: other.offsets.dropFirst().lazy.map { $0 + base })
        }
    }

    var count: Int { kinds.count }

    func finish(name: String) throws -> DecodedColumn {
        try ColumnBuilder.build(self, name: name)
    }
}

/// Path-directed, strict JSON walk over one record (no allocation for skipped values).
private struct Walker {
    let p: UnsafePointer<UInt8>
    let n: Int
    /// The decoder whose selected keys the walk looks for (nil: validate and skip only).
    let owner: ColumnarDecoder?
    /// Walking a shape: a placeholder byte is a scalar value.
    let slots: Bool
    static let maxDepth = 128

    init(p: UnsafePointer<UInt8>, n: Int, owner: ColumnarDecoder?, slots: Bool = false) {
        self.p = p
        self.n = n
        self.owner = owner
        self.slots = slots
    }

    @inline(__always) func ws(_ i: Int) -> Int {
        var i = i
        while i < n, p[i] == 0x20 || p[i] == 0x0A || p[i] == 0x0D || p[i] == 0x09 { i += 1 }
        return i
    }

    /// End of the value at `i` (which must not be whitespace); `node` ≥ 0 walks into an
    /// object looking for selected keys, -1 skips.
    mutating func value(_ i: Int, node: Int, depth: Int) -> Int? {
        guard i < n, depth < Self.maxDepth else { return nil }
        switch p[i] {
        case 0x22: return string(i)
        case 0x7B: return object(i, node: node, depth: depth)
        case 0x5B: return array(i, depth: depth)
        case 0x74: return literal(i, 0x74, 0x72, 0x75, 0x65, 4)
        case 0x66: return literal(i, 0x66, 0x61, 0x6C, 0x73, 5)
        case 0x6E: return literal(i, 0x6E, 0x75, 0x6C, 0x6C, 4)
        case JSONSplitter.placeholder where slots: return i + 1
        default: return number(i)
        }
    }

    func literal(_ i: Int, _ a: UInt8, _ b: UInt8, _ c: UInt8, _ d: UInt8, _ len: Int) -> Int? {
        guard i + len <= n, p[i] == a, p[i + 1] == b, p[i + 2] == c, p[i + 3] == d else { return nil }
        if len == 5 { guard p[i + 4] == 0x65 else { return nil } }
        return i + len
    }

    func number(_ start: Int) -> Int? {
        var i = start
        if i < n, p[i] == 0x2D { i += 1 }
        guard i < n else { return nil }
        if p[i] == 0x30 {
            i += 1
        } else if p[i] >= 0x31 && p[i] <= 0x39 {
            while i < n, p[i] >= 0x30 && p[i] <= 0x39 { i += 1 }
        } else {
            return nil
        }
        if i < n, p[i] == 0x2E {
            i += 1
            let d = i
            while i < n, p[i] >= 0x30 && p[i] <= 0x39 { i += 1 }
            if i == d { return nil }
        }
        if i < n, p[i] == 0x65 || p[i] == 0x45 {
            i += 1
            if i < n, p[i] == 0x2B || p[i] == 0x2D { i += 1 }
            let d = i
            while i < n, p[i] >= 0x30 && p[i] <= 0x39 { i += 1 }
            if i == d { return nil }
        }
        return i
    }

    /// Index past the closing quote; raw control bytes and bad escapes reject the record.
    func string(_ start: Int) -> Int? {
        var i = start + 1
        while i < n {
            let b = p[i]
            if b == 0x22 { return i + 1 }
            if b < 0x20 { return nil }
            if b == 0x5C {
                guard i + 1 < n else { return nil }
                switch p[i + 1] {
                case 0x22, 0x5C, 0x2F, 0x62, 0x66, 0x6E, 0x72, 0x74: i += 2
                case 0x75:
                    guard i + 6 <= n else { return nil }
                    for k in 2..<6 where hexValue(p[i + k]) < 0 { return nil }
                    i += 6
                default: return nil
                }
            } else {
                i += 1
            }
        }
        return nil
    }

    mutating func object(_ start: Int, node: Int, depth: Int) -> Int? {
        var i = ws(start + 1)
        guard i < n else { return nil }
        if p[i] == 0x7D { return i + 1 }
        while true {
            guard i < n, p[i] == 0x22, let keyEnd = string(i) else { return nil }
            let keyStart = i + 1
            i = ws(keyEnd)
            guard i < n, p[i] == 0x3A else { return nil }
            let vs = ws(i + 1)
            guard vs < n else { return nil }
            var c = -1
            if node >= 0, let owner {
                let isObject = p[vs] == 0x7B
                let key = UnsafeBufferPointer(start: p + keyStart, count: keyEnd - 1 - keyStart)
                if key.contains(0x5C) {
                    if let unescaped = JSONText.unescape(key) {
                        c = unescaped.withUnsafeBufferPointer { owner.childNode(node, key: $0, isObject: isObject) }
                        if c >= 0 { unescaped.withUnsafeBufferPointer { owner.registerPath(c, key: $0, parent: node) } }
                    }
                } else {
                    c = owner.childNode(node, key: key, isObject: isObject)
                    if c >= 0 { owner.registerPath(c, key: key, parent: node) }
                }
            }
            let inner = c >= 0 && p[vs] == 0x7B && owner!.wantsChildren(c) ? c : -1
            guard let end = value(vs, node: inner, depth: depth + 1) else { return nil }
            if c >= 0 { owner!.capture(node: c, kind: kind(vs), start: vs, end: end) }
            i = ws(end)
            guard i < n else { return nil }
            if p[i] == 0x2C { i = ws(i + 1); continue }
            if p[i] == 0x7D { return i + 1 }
            return nil
        }
    }

    mutating func array(_ start: Int, depth: Int) -> Int? {
        var i = ws(start + 1)
        guard i < n else { return nil }
        if p[i] == 0x5D { return i + 1 }
        while true {
            guard let end = value(i, node: -1, depth: depth + 1) else { return nil }
            i = ws(end)
            guard i < n else { return nil }
            if p[i] == 0x2C { i = ws(i + 1); continue }
            if p[i] == 0x5D { return i + 1 }
            return nil
        }
    }

    func kind(_ i: Int) -> UInt8 {
        switch p[i] {
        case 0x22: RawKind.string
        case 0x7B: RawKind.object
        case 0x5B: RawKind.array
        case 0x74, 0x66: RawKind.bool
        case 0x6E: RawKind.null
        case JSONSplitter.placeholder where slots: RawKind.slot
        default: RawKind.number
        }
    }
}

@inline(__always) func hexValue(_ h: UInt8) -> Int {
    switch h {
    case 0x30...0x39: Int(h - 0x30)
    case 0x41...0x46: Int(h - 0x41 + 10)
    case 0x61...0x66: Int(h - 0x61 + 10)
    default: -1
    }
}

/// JSON string escapes and array splitting for the column builder.
enum JSONText {
    /// Unescapes a JSON string body (no quotes). Nil when an escape is malformed or a
    /// `\u` escape is a lone surrogate (not representable in UTF-8).
    static func unescape(_ s: UnsafeBufferPointer<UInt8>) -> [UInt8]? {
        var out = [UInt8]()
        out.reserveCapacity(s.count)
        guard unescape(s, into: &out) else { return nil }
        return out
    }

    static func unescape(_ s: UnsafeBufferPointer<UInt8>, into out: inout [UInt8]) -> Bool {
        var i = 0
        let n = s.count
        while i < n {
            let b = s[i]
            if b != 0x5C { out.append(b); i += 1; continue }
            guard i + 1 < n else { return false }
            switch s[i + 1] {
            case 0x22: out.append(0x22)
            case 0x5C: out.append(0x5C)
            case 0x2F: out.append(0x2F)
            case 0x62: out.append(0x08)
            case 0x66: out.append(0x0C)
            case 0x6E: out.append(0x0A)
            case 0x72: out.append(0x0D)
            case 0x74: out.append(0x09)
            case 0x75:
                guard let u = hex4(s, i + 2) else { return false }
                var scalar = u
                i += 6
                if u >= 0xD800 && u < 0xDC00 {
                    guard i + 6 <= n, s[i] == 0x5C, s[i + 1] == 0x75, let lo = hex4(s, i + 2),
                          lo >= 0xDC00 && lo < 0xE000 else { return false }
                    scalar = 0x10000 + ((u - 0xD800) << 10) + (lo - 0xDC00)
                    i += 6
                } else if u >= 0xDC00 && u < 0xE000 {
                    return false
                }
                appendUTF8(scalar, to: &out)
                continue
            default: return false
            }
            i += 2
        }
        return true
    }

    static func hex4(_ s: UnsafeBufferPointer<UInt8>, _ at: Int) -> UInt32? {
        guard at + 4 <= s.count else { return nil }
        var v: UInt32 = 0
        for k in 0..<4 {
            let h = hexValue(s[at + k])
            guard h >= 0 else { return nil }
            v = v << 4 | UInt32(h)
        }
        return v
    }

    static func appendUTF8(_ c: UInt32, to out: inout [UInt8]) {
        switch c {
        case ..<0x80: out.append(UInt8(c))
        case ..<0x800:
            out.append(UInt8(0xC0 | (c >> 6))); out.append(UInt8(0x80 | (c & 0x3F)))
        case ..<0x10000:
            out.append(UInt8(0xE0 | (c >> 12))); out.append(UInt8(0x80 | ((c >> 6) & 0x3F)))
            out.append(UInt8(0x80 | (c & 0x3F)))
        default:
            out.append(UInt8(0xF0 | (c >> 18))); out.append(UInt8(0x80 | ((c >> 12) & 0x3F)))
            out.append(UInt8(0x80 | ((c >> 6) & 0x3F))); out.append(UInt8(0x80 | (c & 0x3F)))
        }
    }

    /// The elements of a (valid) JSON array's text, as a raw column.
    static func elements(of array: UnsafeBufferPointer<UInt8>, into col: inout RawColumn) -> Int {
        var count = 0
        let a = array
        guard let base = a.baseAddress else { return 0 }
        let raw = UnsafeRawBufferPointer(a)
        var w = Walker(p: base, n: a.count, owner: nil)
        var i = w.ws(1)
        guard i < a.count, a[i] != 0x5D else { return 0 }
        while true {
            guard let end = w.value(i, node: -1, depth: 1) else { return count }
            col.append(kind: w.kind(i), UnsafeRawBufferPointer(rebasing: raw[i..<end]))
            count += 1
            i = w.ws(end)
            guard i < a.count, a[i] == 0x2C else { return count }
            i = w.ws(i + 1)
        }
    }
}

/// One typed column, laid out like an Arrow array. Buffers are plain arrays; the C ABI
/// copies them out once.
public struct DecodedColumn: Sendable {
    public enum Kind: Int32, Sendable {
        case null = 0, bool = 1, int64 = 2, float64 = 3, string = 4, binary = 5
        case timestamp = 6, dictionary = 7, json = 8, list = 9
    }
    public var name: String
    public var kind: Kind
    public var length: Int
    public var nullCount: Int
    /// Validity bitmap (bit i set = row i present), empty when no row is null.
    public var validity: [UInt8]
    /// int64 / float64 / timestamp values, bool bitmap, or int32 dictionary codes.
    public var values: [UInt8]
    /// string/binary/json: byte offsets into `data`; list: element offsets into `child`.
    public var offsets: [Int32]
    public var data: [UInt8]
    /// Dictionary vocabulary (offsets into `dictionaryData`).
    public var dictionaryOffsets: [Int32]
    public var dictionaryData: [UInt8]
    /// Timestamps: 3 (milliseconds) or 6 (microseconds) since the epoch, UTC.
    public var timeUnitDigits: Int32
    /// Timestamps: `UTC` for `Z`, or the offset as written (`+09:00`).
    public var zone: String
    public var child: [DecodedColumn]
    /// The row of the batch this column's first row is (a discovered column met in a few
    /// rows holds only those: rows before `firstRow` and after `firstRow + length` are null).
    public var firstRow = 0

    init(name: String, kind: Kind, length: Int) {
        self.name = name; self.kind = kind; self.length = length
        nullCount = 0; validity = []; values = []; offsets = []; data = []
        dictionaryOffsets = []; dictionaryData = []; timeUnitDigits = 0; zone = ""; child = []
    }
}

public struct ColumnarError: Error, CustomStringConvertible {
    public let description: String
    init(_ d: String) { description = d }
}

enum ColumnBuilder {
    static let maxBytes = Int(Int32.max)

    static func build(_ typedCol: RawColumn, name: String) throws -> DecodedColumn {
        var col = typedCol
        let n = col.count
        var seen: UInt32 = 0   // bit k: kind k occurs
        for k in col.kinds { seen |= 1 << UInt32(k & 31) }
        // Vocabulary codes stay codes only where every entry they name is a string.
        if seen & (1 << UInt32(RawKind.code)) != 0,
           !(0..<n).allSatisfy({ col.kinds[$0] != RawKind.code || col.entry($0)[0] == 0x22 }) {
            col = col.textual()
            seen = 0
            for k in col.kinds { seen |= 1 << UInt32(k & 31) }
        }
        var kinds = Set<UInt8>()
        for k in UInt8(0)..<32 where seen & (1 << UInt32(k)) != 0 && k != RawKind.missing && k != RawKind.null {
            kinds.insert(k == RawKind.int ? RawKind.number : k == RawKind.time || k == RawKind.code ? RawKind.string : k)
        }
        var out: DecodedColumn
        if kinds.isEmpty {
            out = DecodedColumn(name: name, kind: .null, length: n)
            out.nullCount = n
            return out
        }
        if kinds.count > 1 || kinds.first == RawKind.object {
            out = try texts(col.textual(), name: name, kind: .json)
        } else {
            switch kinds.first! {
            case RawKind.bool: out = bools(col, name: name)
            case RawKind.number: out = try numbers(col, name: name)
            case RawKind.string: out = try strings(col, name: name)
            default: out = try list(col, name: name)
            }
        }
        setValidity(&out, col)
        return out
    }

    static func present(_ k: UInt8) -> Bool { k != RawKind.missing && k != RawKind.null }

    static func setValidity(_ out: inout DecodedColumn, _ col: RawColumn) {
        var nulls = 0
        for k in col.kinds where !present(k) { nulls += 1 }
        out.nullCount = nulls
        guard nulls > 0 else { return }
        var bits = [UInt8](repeating: 0, count: (col.count + 7) / 8)
        for (i, k) in col.kinds.enumerated() where present(k) { bits[i >> 3] |= 1 << UInt8(i & 7) }
        out.validity = bits
    }

    @inline(__always) static func withText<R>(_ col: RawColumn, _ i: Int, _ body: (UnsafeBufferPointer<UInt8>) -> R) -> R {
        col.text.withUnsafeBufferPointer { body(UnsafeBufferPointer(rebasing: $0[col.offsets[i]..<col.offsets[i + 1]])) }
    }

    /// A `code` row's entry (a string, see `build`) without its quotes, still escaped.
    @inline(__always) static func entryContents<R>(_ col: RawColumn, _ i: Int, _ body: (UnsafeBufferPointer<UInt8>) -> R) -> R {
        let t = col.entry(i)
        return body(UnsafeBufferPointer(rebasing: t[1..<(t.count - 1)]))
    }

    static func bools(_ col: RawColumn, name: String) -> DecodedColumn {
        var out = DecodedColumn(name: name, kind: .bool, length: col.count)
        var bits = [UInt8](repeating: 0, count: (col.count + 7) / 8)
        for i in 0..<col.count where col.kinds[i] == RawKind.bool {
            if col.text[col.offsets[i]] == 0x74 { bits[i >> 3] |= 1 << UInt8(i & 7) }
        }
        out.values = bits
        return out
    }

    static func numbers(_ col: RawColumn, name: String) throws -> DecodedColumn {
        let n = col.count
        // `int` rows hold their value in `words` already (missing and null rows: 0).
        var ints = col.typed ? col.words : [Int64](repeating: 0, count: n)
        var allInts = true
        for i in 0..<n {
            if col.kinds[i] == RawKind.number {
                if let v = withText(col, i, parseInt64) { ints[i] = v } else { allInts = false; break }
            }
        }
        if allInts {
            var out = DecodedColumn(name: name, kind: .int64, length: n)
            out.values = ints.withUnsafeBytes { Array($0) }
            return out
        }
        var doubles = [Double](repeating: 0, count: n)
        var exact = true
        for i in 0..<n where col.kinds[i] == RawKind.number || col.kinds[i] == RawKind.int {
            if col.kinds[i] == RawKind.int {
                // As the text path reads the decimal (below).
                let v = col.int(i)
                guard v.magnitude <= (1 << 53) else { exact = false; break }
                doubles[i] = Double(v)
                continue
            }
            let d: Double? = withText(col, i) { t in
                if let v = parseInt64(t) { return v.magnitude <= (1 << 53) ? Double(v) : nil }
                // An integer beyond int64 would only round: keep the column's exact text.
                if !t.contains(where: { $0 == 0x2E || $0 == 0x65 || $0 == 0x45 }) { return nil }
                guard let v = Double(String(decoding: t, as: UTF8.self)), v.isFinite else { return nil }
                return v
            }
            guard let d else { exact = false; break }
            doubles[i] = d
        }
        if exact {
            var out = DecodedColumn(name: name, kind: .float64, length: n)
            out.values = doubles.withUnsafeBytes { Array($0) }
            return out
        }
        return try texts(col.textual(), name: name, kind: .json)
    }

    static func parseInt64(_ t: UnsafeBufferPointer<UInt8>) -> Int64? {
        var i = 0
        var neg = false
        if i < t.count, t[i] == 0x2D { neg = true; i += 1 }
        guard i < t.count else { return nil }
        var v: Int64 = 0
        while i < t.count {
            let c = t[i]
            guard c >= 0x30, c <= 0x39 else { return nil }
            let (m, o1) = v.multipliedReportingOverflow(by: 10)
            let (a, o2) = neg ? m.subtractingReportingOverflow(Int64(c - 0x30)) : m.addingReportingOverflow(Int64(c - 0x30))
            guard !o1, !o2 else { return nil }
            v = a
            i += 1
        }
        return v
    }

    /// Strings: timestamps, a dictionary, plain UTF-8 or binary.
    static func strings(_ typedCol: RawColumn, name: String) throws -> DecodedColumn {
        var col = typedCol
        let n = col.count
        // Timestamps: every value an ISO-8601 date-time with seconds, in one zone.
        var zone: [UInt8]? = nil
        var digits = 0
        var isTime = true
        // `time` rows hold their micros in `words` already (other rows: 0, or set below).
        var micros = col.typed ? col.words : [Int64](repeating: 0, count: n)
        var lastFormat: Int32 = -1   // of the last `time` row, whose zone is `zone`
        for i in 0..<n {
            let k = col.kinds[i]
            if k == RawKind.time {
                let code = col.time(i).format   // its micros are in `micros` already
                if code != lastFormat {
                    let fmt = ISOTimestamp.Format(code: Int(code))!
                    let z = ISOTime.zoneText(fmt)
                    if zone == nil { zone = z } else if zone! != z { isTime = false; break }
                    digits = max(digits, fmt.fraction)
                    lastFormat = code
                }
                continue
            }
            guard k == RawKind.string || k == RawKind.code else { continue }
            let parsed = k == RawKind.code ? entryContents(col, i, ISOTime.parse) : withText(col, i, ISOTime.parse)
            guard let t = parsed else { isTime = false; break }
            if zone == nil { zone = t.zone } else if zone! != t.zone { isTime = false; break }
            lastFormat = -1
            digits = max(digits, t.fractionDigits)
            micros[i] = t.micros
        }
        if isTime, let zone, digits <= 6 {
            var out = DecodedColumn(name: name, kind: .timestamp, length: n)
            let ms = digits <= 3
            // Straight into the output bytes (one pass, no copy of `micros` first).
            out.values = [UInt8](unsafeUninitializedCapacity: n * 8) { bytes, written in
                guard n > 0 else { written = 0; return }
                let to = UnsafeMutableRawPointer(bytes.baseAddress!)
                micros.withUnsafeBufferPointer { m in
                    if ms {
                        for i in 0..<n { to.storeBytes(of: m[i] / 1000, toByteOffset: i * 8, as: Int64.self) }
                    } else {
                        to.copyMemory(from: m.baseAddress!, byteCount: n * 8)
                    }
                }
                written = n * 8
            }
            out.timeUnitDigits = ms ? 3 : 6
            out.zone = zone == [0x5A] ? "UTC" : String(decoding: zone, as: UTF8.self)
            return out
        }
        if let dict = codeDictionary(col, name: name) { return dict }
        // Timestamps taken as values are strings again (vocabulary codes stay codes).
        if col.kinds.contains(RawKind.time) { col = col.textual() }
        // Unescape once (each vocabulary entry once), then decide between a dictionary and plain strings.
        var data = [UInt8]()
        data.reserveCapacity(col.text.count)
        var offsets = [Int32](repeating: 0, count: n + 1)
        var utf8 = true
        var entryData = [UInt8]()
        var entryEnd = [Int](repeating: -1, count: col.vocabulary?.count ?? 0)   // per entry: its end in entryData, once unescaped
        var entryStart = entryEnd
        for i in 0..<n {
            let k = col.kinds[i]
            if k == RawKind.string {
                let ok: Bool = withText(col, i) { t in
                    t.contains(0x5C) ? JSONText.unescape(t, into: &data) : { data.append(contentsOf: t); return true }()
                }
                if !ok { return try texts(col.textual(), name: name, kind: .json) }
            } else if k == RawKind.code {
                let e = col.code(i)
                if entryEnd[e] < 0 {
                    entryStart[e] = entryData.count
                    let ok: Bool = entryContents(col, i) { t in
                        t.contains(0x5C) ? JSONText.unescape(t, into: &entryData) : { entryData.append(contentsOf: t); return true }()
                    }
                    if !ok { return try texts(col.textual(), name: name, kind: .json) }
                    entryEnd[e] = entryData.count
                }
                data.append(contentsOf: entryData[entryStart[e]..<entryEnd[e]])
            }
            guard data.count <= maxBytes else { throw ColumnarError("column \(name): more than 2 GiB of text in one batch") }
            offsets[i + 1] = Int32(data.count)
        }
        utf8 = validUTF8(data)
        var out: DecodedColumn
        if utf8, let dict = dictionary(data, offsets, col, name: name) {
            out = dict
        } else {
            out = DecodedColumn(name: name, kind: utf8 ? .string : .binary, length: n)
            out.offsets = offsets
            out.data = data
        }
        return out
    }

    /// What the path below gives a column whose present rows are all vocabulary codes, with
    /// each entry unescaped and looked up once instead of each row's text built: nil where
    /// that path decides otherwise or may (fewer than 16 values, too many distinct ones, an
    /// entry that does not unescape or is not UTF-8 on its own).
    static func codeDictionary(_ col: RawColumn, name: String) -> DecodedColumn? {
        guard let v = col.vocabulary else { return nil }
        let n = col.count
        var codeRows = 0
        for k in col.kinds {
            if k == RawKind.code { codeRows += 1 } else if present(k) { return nil }
        }
        guard codeRows >= 16 else { return nil }
        let limit = min(codeRows / 4, 1 << 16)
        var entryID = [Int32](repeating: -1, count: v.count)
        var codes = [Int32](repeating: 0, count: n)
        var vocab = ByteTable()
        var text = [UInt8]()
        for i in 0..<n where col.kinds[i] == RawKind.code {
            let e = col.code(i)
            if entryID[e] < 0 {
                text.removeAll(keepingCapacity: true)
                let ok: Bool = entryContents(col, i) { t in
                    t.contains(0x5C) ? JSONText.unescape(t, into: &text) : { text.append(contentsOf: t); return true }()
                }
                guard ok, validUTF8(text) else { return nil }
                let id = text.withUnsafeBufferPointer { vocab.insert($0.baseAddress ?? UnsafePointer(bitPattern: 1)!, $0.count) }
                guard vocab.count <= limit else { return nil }
                entryID[e] = Int32(id)
            }
            codes[i] = entryID[e]
        }
        var out = DecodedColumn(name: name, kind: .dictionary, length: n)
        out.values = codes.withUnsafeBytes { Array($0) }
        out.dictionaryData = vocab.arena
        out.dictionaryOffsets = vocab.offsets.map { Int32($0) }
        return out
    }

    static func dictionary(_ data: [UInt8], _ offsets: [Int32], _ col: RawColumn, name: String) -> DecodedColumn? {
        let n = col.count
        var present = 0
        for k in col.kinds where k == RawKind.string || k == RawKind.code { present += 1 }
        guard present >= 16 else { return nil }
        let limit = min(present / 4, 1 << 16)
        var codes = [Int32](repeating: 0, count: n)
        // Ids in order of first appearance: the vocabulary order.
        var vocab = ByteTable()
        // Rows of one vocabulary entry have one id: looked up once.
        var entryID = [Int32](repeating: -1, count: col.vocabulary?.count ?? 0)
        let ok: Bool = data.withUnsafeBufferPointer { d in
            let base = d.baseAddress ?? UnsafePointer(bitPattern: 1)!
            for i in 0..<n {
                let k = col.kinds[i]
                if k == RawKind.code, entryID[col.code(i)] >= 0 { codes[i] = entryID[col.code(i)]; continue }
                guard k == RawKind.string || k == RawKind.code else { continue }
                let lo = Int(offsets[i])
                let id = vocab.insert(base + lo, Int(offsets[i + 1]) - lo)
                guard vocab.count <= limit else { return false }
                codes[i] = Int32(id)
                if k == RawKind.code { entryID[col.code(i)] = Int32(id) }
            }
            return true
        }
        guard ok else { return nil }
        var out = DecodedColumn(name: name, kind: .dictionary, length: n)
        out.values = codes.withUnsafeBytes { Array($0) }
        out.dictionaryData = vocab.arena
        out.dictionaryOffsets = vocab.offsets.map { Int32($0) }
        return out
    }

    static func validUTF8(_ bytes: [UInt8]) -> Bool {
        // Fast path for ASCII (eight bytes at a time); the standard library validates the rest.
        let ascii: Bool = bytes.withUnsafeBytes { b in
            var i = 0
            var high: UInt64 = 0
            while i + 8 <= b.count { high |= b.loadUnaligned(fromByteOffset: i, as: UInt64.self); i += 8 }
            while i < b.count { high |= UInt64(b[i]); i += 1 }
            return high & 0x8080_8080_8080_8080 == 0
        }
        if ascii { return true }
        return String(validating: bytes, as: UTF8.self) != nil
    }

    /// Each value's exact JSON text (strings with their quotes and escapes).
    static func texts(_ col: RawColumn, name: String, kind: DecodedColumn.Kind) throws -> DecodedColumn {
        let n = col.count
        var out = DecodedColumn(name: name, kind: kind, length: n)
        var data = [UInt8]()
        var offsets = [Int32](repeating: 0, count: n + 1)
        for i in 0..<n {
            let k = col.kinds[i]
            if present(k) {
                if k == RawKind.string { data.append(0x22) }
                data.append(contentsOf: col.text[col.offsets[i]..<col.offsets[i + 1]])
                if k == RawKind.string { data.append(0x22) }
            }
            guard data.count <= maxBytes else { throw ColumnarError("column \(name): more than 2 GiB of text in one batch") }
            offsets[i + 1] = Int32(data.count)
        }
        out.offsets = offsets
        out.data = data
        if !validUTF8(data) { out.kind = .binary }
        return out
    }

    static func list(_ col: RawColumn, name: String) throws -> DecodedColumn {
        let n = col.count
        var child = RawColumn()
        var offsets = [Int32](repeating: 0, count: n + 1)
        var total = 0
        for i in 0..<n {
            if col.kinds[i] == RawKind.array {
                total += withText(col, i) { JSONText.elements(of: $0, into: &child) }
            }
            guard total <= maxBytes else { throw ColumnarError("column \(name): too many list elements in one batch") }
            offsets[i + 1] = Int32(total)
        }
        var out = DecodedColumn(name: name, kind: .list, length: n)
        out.offsets = offsets
        out.child = [try build(child, name: "item")]
        return out
    }
}

/// Strict ISO-8601 date-times as columns carry them: `YYYY-MM-DDTHH:MM:SS[.f{1,9}]` then `Z`
/// or `±HH:MM`. Anything else (no seconds, no zone, out-of-range fields) is not a timestamp.
enum ISOTime {
    struct Parsed {
        var micros: Int64
        var fractionDigits: Int
        var zone: [UInt8]
    }

    static func parse(_ t: UnsafeBufferPointer<UInt8>) -> Parsed? {
        guard t.count >= 20 else { return nil }
        func num(_ at: Int, _ len: Int) -> Int64? {
            var v: Int64 = 0
            for k in at..<(at + len) {
                let c = t[k]
                guard c >= 0x30, c <= 0x39 else { return nil }
                v = v * 10 + Int64(c - 0x30)
            }
            return v
        }
        guard let y = num(0, 4), t[4] == 0x2D, let mo = num(5, 2), t[7] == 0x2D, let d = num(8, 2),
              t[10] == 0x54, let h = num(11, 2), t[13] == 0x3A, let mi = num(14, 2), t[16] == 0x3A,
              let s = num(17, 2) else { return nil }
        guard y >= 1, (1...12).contains(mo), d >= 1, d <= daysIn(year: y, month: mo), h < 24, mi < 60, s < 60 else { return nil }
        var i = 19
        var frac: Int64 = 0
        var digits = 0
        if i < t.count, t[i] == 0x2E {
            i += 1
            while i < t.count, t[i] >= 0x30, t[i] <= 0x39 {
                if digits < 6 { frac = frac * 10 + Int64(t[i] - 0x30) }
                digits += 1
                i += 1
            }
            guard digits > 0 else { return nil }
            for _ in min(digits, 6)..<6 { frac *= 10 }
        }
        guard i < t.count else { return nil }
        var offset: Int64 = 0
        let zoneStart = i
        if t[i] == 0x5A {
            i += 1
        } else if t[i] == 0x2B || t[i] == 0x2D {
            guard i + 6 == t.count, let oh = num(i + 1, 2), t[i + 3] == 0x3A, let om = num(i + 4, 2),
                  oh < 24, om < 60 else { return nil }
            offset = (t[i] == 0x2B ? 1 : -1) * (oh * 60 + om) * 60
            i += 6
        } else {
            return nil
        }
        guard i == t.count else { return nil }
        let days = CivilDate.days(year: y, month: mo, day: d)
        let seconds = days * 86_400 + h * 3600 + mi * 60 + s - offset
        return Parsed(micros: seconds * 1_000_000 + frac, fractionDigits: digits,
                      zone: Array(t[zoneStart..<t.count]))
    }

    /// The zone as `parse` returns it for stamps rendered in `fmt` (`Z` or `±HH:MM`).
    static func zoneText(_ fmt: ISOTimestamp.Format) -> [UInt8] {
        guard fmt.zone == 3 else { return [0x5A] }
        let h = fmt.offsetMinutes / 60, m = fmt.offsetMinutes % 60
        return [fmt.negative == 1 ? 0x2D : 0x2B, UInt8(0x30 + h / 10), UInt8(0x30 + h % 10), 0x3A,
                UInt8(0x30 + m / 10), UInt8(0x30 + m % 10)]
    }

    /// Whether `parse` accepts every stamp rendered in `fmt`, with its fraction digits kept
    /// (then a stamp's micros are `value · 10^(6 − fraction)`).
    @inline(__always) static func readsExactly(_ fmt: ISOTimestamp.Format) -> Bool {
        fmt.separator == 0 && (fmt.zone == 1 || fmt.zone == 3) && fmt.fraction <= 6
    }

    static func daysIn(year: Int64, month: Int64) -> Int64 {
        switch month {
        case 2: (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 ? 29 : 28
        case 4, 6, 9, 11: 30
        default: 31
        }
    }
}
