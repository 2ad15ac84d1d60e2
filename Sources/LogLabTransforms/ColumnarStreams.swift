import LogLabCore

/// Columnar decode straight from field-transformed frames (`rows` and `columns` layouts, see
/// `FieldDecoder`), without rebuilding the records.
///
/// Each shape is walked once, as `ColumnarDecoder` walks a record, to find where the selected
/// values sit (`ShapePlan`). Only the columns those values come from, plus the columns their
/// coding reads (relations, references, lookups: `ColumnSpec.sources`), are decoded, by the
/// restore's own value decoder, in the restore's order; the decoder receives each value's
/// token exactly as the text walk would have found it in the restored record, so the
/// columns come out identical. Numbers and timestamps coded as such skip the text where
/// nothing needs it (`Mode`): the column gets the value itself, which the builder reads
/// as it would have read the text (`RawColumn.append(int:)`). In the `columns` layout every other column's stream is only
/// stepped over (lengths and tags, no values rendered) to check that its values are tokens
/// the text walk accepts, since a record holding one it rejects has every column missing:
/// a frame where that cannot be told cheaply returns false and the caller walks the
/// restored records instead. A `checkedColumns` frame had that check when it was written
/// (`valuesChecked`), so its other columns are not read at all. The `rows` layout
/// interleaves every value, so all are decoded.
/// Verbatim records are walked as text. Not thread-safe: one per thread.
public final class ColumnarFrameReader {
    let model: FieldModel?
    let st: FieldCoderState?
    let tokens = OutStream(capacity: 4096)
    let splice = OutStream(capacity: 1024)
    /// Model columns whose every vocabulary entry / lookup value is a token the walk accepts.
    let vocabValid: [Bool]
    let lookupValid: [Bool]

    /// Frames decoded column by column (`valueColumns`) so far.
    private(set) var framesByColumn = 0

    /// Plans of the model's shapes for `planPaths` (computed when first used).
    private var planPaths: [String] = []
    private var modelPlans: [ShapePlan?] = []

    public convenience init(model: TransformModel) { self.init(field: model.field) }

    init(field: FieldModel?) {
        model = field
        st = field.map(FieldCoderState.init)
        var vv: [Bool] = [], lv: [Bool] = []
        for c in field?.columns ?? [] {
            let markers = !c.refs.isEmpty || c.embedded != nil
            vv.append(c.vocab.map { t in (0..<t.count).allSatisfy { Self.entryValid(Array(t.key($0)), markers: markers) } } ?? true)
            lv.append(c.lookup.map { l in (0..<l.values.count).allSatisfy { Self.entryValid(Array(l.values.key($0)), markers: false) } } ?? true)
        }
        vocabValid = vv
        lookupValid = lv
    }

    /// Appends the frame's records to `decoder` (which must have given paths). False when the
    /// frame is not one this reader decodes (not field-transformed, or a value of an
    /// unselected field it cannot vouch for): nothing was appended, walk the restored records.
    /// Corrupt frames throw `TransformError`.
    public func append(frame bytes: [UInt8], recordCount: Int, to decoder: ColumnarDecoder) throws -> Bool {
        try bytes.withUnsafeBufferPointer { try append(frame: $0, recordCount: recordCount, to: decoder, loader: nil) }
    }

    /// `append` for a payload in `buf` whose bytes `loader` (when given) makes valid on
    /// demand: only the directory, the record headers and the streams read are loaded.
    public func append(frame buf: UnsafeBufferPointer<UInt8>, recordCount: Int, to decoder: ColumnarDecoder,
                       loader: PayloadLoader?) throws -> Bool {
        guard buf.count > 0 else { return false }
        try loader?.load(0..<1)
        guard let model, let st, !decoder.discover, let kind = FrameKind(rawValue: buf[0]),
              kind == .rows || kind.isColumns else { return false }
        guard recordCount >= 0, recordCount <= buf.count else {
            throw TransformError.corruptFrame("\(recordCount) records cannot fit in \(buf.count) bytes")
        }
        if planPaths != decoder.paths {
            planPaths = decoder.paths
            modelPlans = Array(repeating: nil, count: model.shapes.count)
        }
        st.beginFrame(columns: kind.isColumns)
        if kind == .rows {
            try loader?.load(0..<buf.count)
            return try rows(buf, recordCount, decoder, st)
        }
        return try columns(buf, recordCount, decoder, st, model, checked: kind == .checkedColumns, loader: loader)
    }

    /// Whether every value in the column streams of a `columns` frame (kind byte included)
    /// is a token the text walk accepts, as `append` checks the columns it steps over; false
    /// too for frames this reader cannot read. The writer's check for `checkedColumns`.
    func valuesChecked(_ buf: UnsafeBufferPointer<UInt8>, recordCount: Int) -> Bool {
        guard let st, buf.count > 0, recordCount >= 0, recordCount <= buf.count,
              let kind = FrameKind(rawValue: buf[0]), kind.isColumns else { return false }
        st.beginFrame(columns: true)
        guard let (cursors, streamCount) = try? ColumnStreams.open(buf, maxID: st.maxStreamID, spare: 1) else { return false }
        defer { cursors.deallocate() }
        st.attachSides(cursors, count: streamCount, empty: cursors + streamCount)
        guard let (shapeOf, useCount) = try? headers(cursors, recordCount, st) else { return false }
        let counts = valueCounts(useCount, st)
        // A keyed column's flags follow its key's repeats, record by record: keys are stepped
        // over first (lower levels) and their repeats noted.
        func key(_ c: Int) -> Int { c < st.modelColumnCount && st.cols[c].hasRepeat ? Int(st.cols[c].repeatKey) : -1 }
        var isKey = [Bool](repeating: false, count: st.columnCount)
        for c in 0..<st.columnCount where key(c) >= 0 && key(c) < st.columnCount { isKey[key(c)] = true }
        let order = (0..<st.columnCount).sorted {
            let a = $0 < st.modelColumnCount ? model!.columns[$0].level : 0, b = $1 < st.modelColumnCount ? model!.columns[$1].level : 0
            return a != b ? a < b : $0 < $1
        }
        var repeatsOf: [Int: [Bool]] = [:]
        for c in order where counts[c] > 0 {
            let stream = 3 + c < streamCount ? cursors + 3 + c : cursors + streamCount
            let k = key(c)
            let flagged = k >= 0 ? keyedFlags(c, k, repeatsOf[k] ?? [], shapeOf, st) : nil
            var repeated = isKey[c] ? [Bool](repeating: false, count: counts[c]) : []
            guard (try? skip(c, counts[c], stream, st, flagged: flagged, repeated: &repeated)) == true else { return false }
            if isKey[c] { repeatsOf[c] = repeated }
        }
        return (try? st.finishMessages()) != nil
    }

    /// Per value of keyed column `c`, in frame order: whether it carries a repeat flag (a
    /// value of key column `k` in its record was coded as a repeat; `keyRepeats` per value of k).
    private func keyedFlags(_ c: Int, _ k: Int, _ keyRepeats: [Bool], _ shapeOf: [Int32], _ st: FieldCoderState) -> [Bool] {
        var slots: [Int32: (key: Int, col: Int)] = [:]   // per shape: values of k and of c
        var out: [Bool] = []
        var next = 0
        for id in shapeOf where id >= 0 {
            let n: (key: Int, col: Int)
            if let known = slots[id] { n = known } else {
                let info = Int(id) < st.modelShapes.count ? st.modelShapes[Int(id)] : st.localShapes[Int(id) - st.modelShapes.count]
                var nk = 0, nc = 0
                for s in 0..<info.slotCount { let col = Int(info.slotColumn[s]); if col == k { nk += 1 }; if col == c { nc += 1 } }
                n = (nk, nc); slots[id] = n
            }
            var repeated = false
            for i in min(next, keyRepeats.count)..<min(next + n.key, keyRepeats.count) where keyRepeats[i] { repeated = true }
            next += n.key
            for _ in 0..<n.col { out.append(repeated) }
        }
        return out
    }

    /// The record headers (stream 0; literal shapes from stream 1, added in order): each
    /// record's shape id (-1: verbatim), and the number of records of each shape id.
    private func headers(_ cursors: UnsafeMutablePointer<Cursor>, _ recordCount: Int, _ st: FieldCoderState) throws
        -> (shapeOf: [Int32], useCount: [Int]) {
        var shapeOf = [Int32](repeating: -1, count: recordCount)
        var known = st.modelShapes.count + st.localShapes.count
        var useCount = [Int](repeating: 0, count: known)
        for r in 0..<recordCount {
            let header = try cursors[0].varint()
            guard header != 0 else { continue }
            // A known shape's id without reading the state's tables per record.
            let id: Int
            if header >= 2, header - 2 < UInt64(known) {
                id = Int(header - 2)
            } else {
                id = try shapeID(header, &cursors[1], st)
                known = st.modelShapes.count + st.localShapes.count
            }
            shapeOf[r] = Int32(id)
            if id >= useCount.count { useCount.append(contentsOf: repeatElement(0, count: id + 1 - useCount.count)) }
            useCount[id] += 1
        }
        return (shapeOf, useCount)
    }

    /// Values per column for records of shapes counted in `useCount`.
    private func valueCounts(_ useCount: [Int], _ st: FieldCoderState) -> [Int] {
        var counts = [Int](repeating: 0, count: st.columnCount)
        for (id, n) in useCount.enumerated() where n > 0 {
            let info = id < st.modelShapes.count ? st.modelShapes[id] : st.localShapes[id - st.modelShapes.count]
            for s in 0..<info.slotCount { counts[Int(info.slotColumn[s])] += n }
        }
        return counts
    }

    // MARK: plans

    /// What one shape gives each selected column, and which slots that takes.
    final class ShapePlan {
        let info: ShapeRT
        /// Columns of the captured slots.
        let columns: [Int]
        /// Slots decoded for each record of this shape, in coding order, and how (set per
        /// frame, see `Mode`).
        var decode: [Int32] = []
        var modes: [UInt8] = []
        /// Per slot: the capture taking it as a scalar, or -1.
        let scalarCapture: [Int]
        /// Per slot: inside a captured object or array (its text is spliced in).
        let inCapture: [Bool]

        /// `decode` with each slot's column and mode, and the shape's captures with their
        /// placeholders `lo ..< hi` (one for a scalar), as plain buffers: the per-record loop
        /// reads them without reference counting.
        struct Step { var slot: Int32; var column: Int32; var mode: UInt8 }
        struct Take { var column: Int; var kind: UInt8; var start: Int; var end: Int; var lo: Int; var hi: Int }
        private(set) var steps = UnsafeMutableBufferPointer<Step>(start: nil, count: 0)
        let takes: UnsafeMutableBufferPointer<Take>
        /// The text walk refuses the shape: every column missing for records of this shape.
        let refused: Bool
        /// `info`'s fields (it lives as long as the plan).
        let slotCount: Int
        let slotColumn: UnsafeMutablePointer<Int32>, holes: UnsafeMutablePointer<Int32>, bytes: UnsafePointer<UInt8>

        deinit { steps.deallocate(); takes.deallocate() }

        /// Sets `steps` from `decode` and `modes`.
        func setSteps() {
            steps.deallocate()
            steps = .allocate(capacity: decode.count)
            for (k, s) in decode.enumerated() {
                steps[k] = Step(slot: s, column: info.slotColumn[Int(s)], mode: modes[k])
            }
        }

        init(info: ShapeRT, decoder: ColumnarDecoder) {
            self.info = info
            slotCount = info.slotCount
            slotColumn = info.slotColumn; holes = info.holes; bytes = UnsafePointer(info.bytes)
            let captures = decoder.captures(inShape: UnsafePointer(info.bytes), count: info.byteCount)
            refused = captures == nil
            var lo: [Int] = [], hi: [Int] = [], cols = Set<Int>()
            for c in captures ?? [] {
                var a = 0
                while a < info.slotCount, Int(info.holes[a]) < c.start { a += 1 }
                var b = a
                while b < info.slotCount, Int(info.holes[b]) < c.end { b += 1 }
                lo.append(a); hi.append(b)
                for s in a..<b { cols.insert(Int(info.slotColumn[s])) }
            }
            columns = cols.sorted()
            var scalar = [Int](repeating: -1, count: info.slotCount), inside = [Bool](repeating: false, count: info.slotCount)
            for (j, c) in (captures ?? []).enumerated() {
                if c.kind == RawKind.slot { if lo[j] < hi[j] { scalar[lo[j]] = j } } else { for s in lo[j]..<hi[j] { inside[s] = true } }
            }
            scalarCapture = scalar; inCapture = inside
            let all = captures ?? []
            takes = .allocate(capacity: all.count)
            for (j, c) in all.enumerated() {
                takes[j] = Take(column: c.column, kind: c.kind, start: c.start, end: c.end, lo: lo[j], hi: hi[j])
            }
        }
    }

    /// How a slot is decoded. Numbers and timestamps coded as such need no text when nothing
    /// reads it (a reference, a lookup key, a captured object): a captured one goes to its
    /// column as a value when its text is one the builder reads back exactly (`value`), one
    /// only other columns' coding needs is not rendered at all (`state`). Rendered numbers
    /// and timestamps are always tokens the walk accepts, so skipping the text loses no check.
    /// A captured vocabulary entry goes to its column as its index (`code`) when every entry
    /// is a token the walk accepts and nothing else reads the text (values outside the
    /// vocabulary are decoded as text).
    enum Mode { static let text: UInt8 = 0, value: UInt8 = 1, state: UInt8 = 2, code: UInt8 = 3 }

    /// Sets `p.modes` for `p.decode`; `textRead[c]`: some decoded column's coding reads
    /// column c's text.
    private func setModes(_ p: ShapePlan, _ st: FieldCoderState, textRead: [Bool]) {
        p.modes = p.decode.map { slot32 in
            let slot = Int(slot32)
            let c = Int(p.info.slotColumn[slot])
            let col = st.cols[c]
            // A repeat flag precedes the value: only the full value decoder reads it.
            guard !col.hasLookup, !col.hasRefs, !col.hasEmbedded, !col.hasRepeat, !(c < textRead.count && textRead[c]),
                  !p.inCapture[slot] else { return Mode.text }
            if col.hasVocab, c < st.modelColumnCount, vocabValid[c], p.scalarCapture[slot] >= 0 { return Mode.code }
            guard col.kind == .number || col.kind == .timestamp else { return Mode.text }
            return p.scalarCapture[slot] >= 0 ? Mode.value : Mode.state
        }
        p.setSteps()
    }

    /// Per column: whether a column marked in `decoded` reads its text (references, lookup keys).
    private func textReaders(_ decoded: [Bool], _ st: FieldCoderState, _ model: FieldModel) -> [Bool] {
        var read = [Bool](repeating: false, count: st.columnCount)
        for c in 0..<min(st.modelColumnCount, decoded.count) where decoded[c] {
            let spec = model.columns[c]
            if let l = spec.lookup, Int(l.key) < read.count { read[Int(l.key)] = true }
            for r in spec.refs where Int(r.column) < read.count { read[Int(r.column)] = true }
        }
        return read
    }

    private func plan(_ id: Int, _ st: FieldCoderState, _ decoder: ColumnarDecoder, local: inout [ShapePlan]) -> ShapePlan {
        if id < st.modelShapes.count {
            if let p = modelPlans[id] { return p }
            let p = ShapePlan(info: st.modelShapes[id], decoder: decoder)
            modelPlans[id] = p
            return p
        }
        let k = id - st.modelShapes.count
        while local.count <= k { local.append(ShapePlan(info: st.localShapes[local.count], decoder: decoder)) }
        return local[k]
    }

    /// The shape of a record header ≥ 1 (1: a literal shape read from `shapes` and added).
    private func shapeID(_ header: UInt64, _ shapes: inout Cursor, _ st: FieldCoderState) throws -> Int {
        if header == 1 {
            let len = try shapes.count(limit: shapes.remaining)
            let p = try shapes.take(len)
            let shape = Array(UnsafeBufferPointer(start: p, count: len))
            guard st.localShapeTable.find(shape) == nil, st.shapeTable.find(p, len) < 0 else {
                throw TransformError.corruptFrame("literal shape repeats a known one")
            }
            return st.modelShapes.count + (try st.addLocalShape(shape))
        }
        guard let id = Int(exactly: header - 2), id < st.modelShapes.count + st.localShapes.count else {
            throw TransformError.corruptFrame("unknown shape id \(header - 2)")
        }
        return id
    }

    // MARK: one record

    /// Token `s` of the current record is `tokens[start[s] ..< end[s]]`. A slot decoded as
    /// a value (`kind` `RawKind.int` / `.time` / `.code`, else 0) holds it in `start` (the
    /// number, a timestamp's micros or an entry's index) and `end` (the timestamp's format).
    struct TokenSlots {
        var start: UnsafeMutablePointer<Int>, end: UnsafeMutablePointer<Int>, kind: UnsafeMutablePointer<UInt8>
        var capacity: Int
        init(capacity n: Int) { start = .allocate(capacity: n); end = .allocate(capacity: n); kind = .allocate(capacity: n); capacity = n }
        func deallocate() { start.deallocate(); end.deallocate(); kind.deallocate() }
    }
    private var scratch = TokenSlots(capacity: 64)

    /// Rows of the typed kinds (and missing) held per column until the next row of another
    /// kind or the frame's end, then appended in bulk (`RawColumn.appendStaged`): a row is
    /// three stores instead of four array appends. Column k's rows at `k * capacity`.
    struct Stage {
        var kinds: UnsafeMutablePointer<UInt8>, words: UnsafeMutablePointer<Int64>, formats: UnsafeMutablePointer<Int32>
        /// Per column: rows staged, and whether one is typed / a time.
        var counts: UnsafeMutablePointer<Int>, typed: UnsafeMutablePointer<Bool>, timed: UnsafeMutablePointer<Bool>
        var columns: Int, capacity: Int
        init(columns: Int, capacity: Int) {
            self.columns = columns; self.capacity = capacity
            let n = max(1, columns * capacity)
            kinds = .allocate(capacity: n); words = .allocate(capacity: n); formats = .allocate(capacity: n)
            counts = .allocate(capacity: max(1, columns)); counts.initialize(repeating: 0, count: max(1, columns))
            typed = .allocate(capacity: max(1, columns)); typed.initialize(repeating: false, count: max(1, columns))
            timed = .allocate(capacity: max(1, columns)); timed.initialize(repeating: false, count: max(1, columns))
        }
        func deallocate() {
            kinds.deallocate(); words.deallocate(); formats.deallocate(); counts.deallocate(); typed.deallocate(); timed.deallocate()
        }
        @inline(__always) func push(_ k: Int, kind: UInt8, word: Int64, format: Int32) {
            let i = k &* capacity &+ counts[k]
            kinds[i] = kind; words[i] = word; formats[i] = format
            counts[k] &+= 1
            if kind != RawKind.missing { typed[k] = true; if kind == RawKind.time { timed[k] = true } }
        }
        /// Column k's staged rows into `col`.
        @inline(__always) func flush(_ k: Int, into col: inout RawColumn) {
            let n = counts[k]
            guard n > 0 else { return }
            let at = k &* capacity
            col.appendStaged(kinds: kinds + at, words: words + at, formats: formats + at, count: n, typed: typed[k], timed: timed[k])
            counts[k] = 0; typed[k] = false; timed[k] = false
        }
        func flushAll(into raw: inout [RawColumn]) { for k in raw.indices { flush(k, into: &raw[k]) } }
    }
    private var stage = Stage(columns: 0, capacity: 0)

    /// The stage, empty, with room for `rows` rows of each of `columns` columns.
    private func stage(columns: Int, rows: Int) -> Stage {
        if stage.columns != columns || stage.capacity < rows {
            stage.deallocate()
            stage = Stage(columns: columns, capacity: max(rows, stage.capacity))
        }
        // Nothing left from a frame that threw.
        stage.counts.update(repeating: 0, count: max(1, columns))
        stage.typed.update(repeating: false, count: max(1, columns))
        stage.timed.update(repeating: false, count: max(1, columns))
        return stage
    }

    deinit { scratch.deallocate(); stage.deallocate() }

    /// The token slots, with room for `n`.
    private func tokenSlots(room n: Int) -> TokenSlots {
        if scratch.capacity < n { scratch.deallocate(); scratch = TokenSlots(capacity: n) }
        return scratch
    }

    /// Decodes the plan's slots of one record (`cursor(c)` gives column c's stream) and
    /// appends the record's captured values to `raw` (one row). `slots` has room for the
    /// plan's slots.
    @inline(__always)
    private func record(_ plan: ShapePlan, _ st: FieldCoderState, _ raw: inout [RawColumn], _ slots: TokenSlots, _ stage: Stage,
                        _ cursor: (Int) -> UnsafeMutablePointer<Cursor>) throws {
        st.nextRecord()
        let gen = st.gen
        let tokens = self.tokens
        tokens.reset()
        let ts = slots.start, te = slots.end, sk = slots.kind
        var valid = true
        var coded = FieldCoderState.CodedValue()
        for step in plan.steps {
            let slot = Int(step.slot)
            let c = Int(step.column)
            let start = tokens.count
            sk[slot] = 0
            let mode = step.mode
            if mode == Mode.code {
                // An entry's index; anything else (code 0: outside the vocabulary) as text.
                let cur = cursor(c)
                var peek = cur.pointee
                let code = try peek.varint()
                if code > 0 {
                    guard code <= UInt64(st.vocabRefs[c]!._withUnsafeGuaranteedRef { $0.count }) else { throw TransformError.corruptFrame("vocabulary code \(code) out of range") }
                    cur.pointee.pos = peek.pos   // only the position (a whole-struct copy stalled on the fresh stores)
                    sk[slot] = RawKind.code; ts[slot] = Int(code - 1)
                    continue
                }
                try st.decodeValue(c, &cur.pointee, tokens: tokens, gen: gen)
            } else if mode != Mode.text {
                if try st.decodeCore(c, st.cols + c, &cursor(c).pointee, into: tokens, gen: gen, render: false, &coded) {
                    if mode == Mode.state { continue }
                    if !coded.isTime, coded.format == 0 {
                        sk[slot] = RawKind.int; ts[slot] = Int(coded.value)
                        continue
                    }
                    if coded.isTime, ISOTime.readsExactly(coded.time) {
                        sk[slot] = RawKind.time; ts[slot] = Int(coded.value &* ISOTimestamp.pow10[6 - coded.time.fraction])
                        te[slot] = coded.format
                        continue
                    }
                    st.renderCoded(c, coded, into: tokens)
                }
            } else {
                try st.decodeValue(c, &cursor(c).pointee, tokens: tokens, gen: gen)
            }
            ts[slot] = start; te[slot] = tokens.count
            let col = st.cols + c
            if col.pointee.viewGen != gen {
                col.pointee.viewGen = gen; col.pointee.viewStart = start; col.pointee.viewLen = tokens.count - start
            }
            if valid && !ColumnarDecoder.validToken(UnsafePointer(tokens.base) + start, tokens.count - start) { valid = false }
        }
        let tb = UnsafePointer(tokens.base)
        guard valid, !plan.refused else {
            for k in raw.indices { stage.push(k, kind: RawKind.missing, word: 0, format: 0) }
            return
        }
        let splice = self.splice
        let takes = plan.takes
        let slotColumn = plan.slotColumn, holes = plan.holes, sb = plan.bytes
        do {
            var next = 0
            for k in raw.indices {
                guard next < takes.count, takes[next].column == k else { stage.push(k, kind: RawKind.missing, word: 0, format: 0); continue }
                let cap = takes[next]
                let lo = cap.lo, hi = cap.hi
                next += 1
                if cap.kind == RawKind.slot {
                    switch sk[lo] {
                    case RawKind.int: stage.push(k, kind: RawKind.int, word: Int64(ts[lo]), format: 0); continue
                    case RawKind.time: stage.push(k, kind: RawKind.time, word: Int64(ts[lo]), format: Int32(te[lo])); continue
                    case RawKind.code:
                        let c = Int(slotColumn[lo])
                        st.vocabRefs[c]!._withUnsafeGuaranteedRef { v in
                            // Staged only under the column's own vocabulary (else as `append(code:)` decides).
                            if raw[k].vocabulary === v {
                                stage.push(k, kind: RawKind.code, word: Int64(ts[lo]), format: 0)
                            } else {
                                stage.flush(k, into: &raw[k])
                                raw[k].append(code: Int32(ts[lo]), vocabulary: v)
                            }
                        }
                        continue
                    default: break
                    }
                    stage.flush(k, into: &raw[k])
                    let n = te[lo] - ts[lo]
                    raw[k].append(kind: RawKind.of(tb[ts[lo]]), UnsafeRawBufferPointer(start: tb + ts[lo], count: n))
                    continue
                }
                // An object or array: its shape bytes with the values put back.
                stage.flush(k, into: &raw[k])
                splice.reset()
                var from = cap.start
                for s in lo..<hi {
                    let h = Int(holes[s])
                    splice.put(sb + from, h - from)
                    splice.put(tb + ts[s], te[s] - ts[s])
                    from = h + 1
                }
                splice.put(sb + from, cap.end - from)
                raw[k].append(kind: cap.kind, UnsafeRawBufferPointer(splice.buffer))
            }
        }
    }

    // MARK: layouts

    private func rows(_ buf: UnsafeBufferPointer<UInt8>, _ recordCount: Int, _ decoder: ColumnarDecoder,
                      _ st: FieldCoderState) throws -> Bool {
        let main = UnsafeMutablePointer<Cursor>.allocate(capacity: 1)
        defer { main.deallocate() }
        main.initialize(to: Cursor(buf.baseAddress!, 1, buf.count))
        var local: [ShapePlan] = []
        // Every model column may be decoded; frame-local ones read no other text.
        let textRead = textReaders([Bool](repeating: true, count: st.modelColumnCount), st, model!)
        for p in modelPlans { p?.decode = []; p?.modes = [] }   // the modes of another frame's layout
        let stage = stage(columns: decoder.paths.count, rows: recordCount)
        try decoder.appendRows { raw in
            for _ in 0..<recordCount {
                let header = try main.pointee.varint()
                if header == 0 {
                    let len = try main.pointee.count(limit: main.pointee.remaining)
                    let text = UnsafeRawBufferPointer(start: try main.pointee.take(len), count: len)
                    stage.flushAll(into: &raw)
                    decoder.take(text, ok: decoder.walk(text), into: &raw)
                    continue
                }
                let p = plan(try shapeID(header, &main.pointee, st), st, decoder, local: &local)
                // Every value is interleaved in one stream: all are decoded.
                if p.decode.count != p.info.slotCount || p.modes.count != p.decode.count {
                    p.decode = Array(UnsafeBufferPointer(start: p.info.order, count: p.info.slotCount))
                    setModes(p, st, textRead: textRead)
                }
                try record(p, st, &raw, tokenSlots(room: p.slotCount), stage) { _ in main }
            }
            stage.flushAll(into: &raw)
            return recordCount
        }
        guard main.pointee.isAtEnd else { throw TransformError.corruptFrame("\(main.pointee.remaining) unread bytes in stream 0") }
        return true
    }

    private func columns(_ buf: UnsafeBufferPointer<UInt8>, _ recordCount: Int, _ decoder: ColumnarDecoder,
                         _ st: FieldCoderState, _ model: FieldModel, checked: Bool, loader: PayloadLoader?) throws -> Bool {
        // The directory, checked as the restore checks it.
        if let loader { try ColumnStreams.loadDirectory(buf, loader) }
        let (cursors, streamCount) = try ColumnStreams.open(buf, maxID: st.maxStreamID, spare: 1)
        defer { cursors.deallocate() }
        let empty = cursors + streamCount   // columns without a stream read from an empty one
        st.attachSides(cursors, count: streamCount, empty: empty)
        func load(_ i: Int) throws { if let loader, i < streamCount, !cursors[i].isAtEnd { try loader.load(cursors[i].pos..<cursors[i].end) } }
        for i in 0..<3 { try load(i) }

        // Headers first (their own stream): which shapes occur.
        let (shapeOf, useCount) = try headers(cursors, recordCount, st)
        var uses: [Int: Int] = [:]
        for (id, n) in useCount.enumerated() where n > 0 { uses[id] = n }
        var local: [ShapePlan] = []
        var plans: [Int: ShapePlan] = [:]
        var planOf = [ShapePlan?](repeating: nil, count: st.modelShapes.count + st.localShapes.count)
        for id in uses.keys { let p = plan(id, st, decoder, local: &local); plans[id] = p; planOf[id] = p }

        // Columns to decode: the captured ones and, transitively, those their coding reads. A
        // column whose repeat flags depend on its key's values cannot be stepped over alone
        // (a checked frame's other columns are not stepped over: they stay unread).
        var needed = [Bool](repeating: false, count: st.columnCount)
        var stack: [Int] = []
        for p in plans.values { for c in p.columns where !needed[c] { needed[c] = true; stack.append(c) } }
        for p in plans.values where !checked {
            for s in 0..<p.info.slotCount {
                let c = Int(p.info.slotColumn[s])
                if c < st.modelColumnCount, st.cols[c].repeatKey >= 0, !needed[c] { needed[c] = true; stack.append(c) }
            }
        }
        while let c = stack.popLast() {
            guard c < st.modelColumnCount else { continue }   // frame-local columns read nothing else
            for s in model.columns[c].sources where !needed[Int(s)] { needed[Int(s)] = true; stack.append(Int(s)) }
        }
        for p in plans.values {
            p.decode = (0..<p.info.slotCount).map { p.info.order[$0] }.filter { needed[Int(p.info.slotColumn[Int($0)])] }
        }
        let textRead = textReaders(needed, st, model)
        for p in plans.values { setModes(p, st, textRead: textRead) }
        @inline(__always) func cursor(_ c: Int) -> UnsafeMutablePointer<Cursor> { 3 + c < streamCount ? cursors + 3 + c : empty }
        // Every other column: step over its values, or give up on the frame (unless the
        // writer checked them all).
        if let loader {
            // A needed column's side stream (recent-coded bodies) comes with it.
            if checked {
                for c in 0..<st.columnCount where needed[c] { try load(3 + c); try load(st.sideStream(c)) }
            } else {
                try loader.load(0..<buf.count)
            }
        }
        if !checked {
            let counts = valueCounts(useCount, st)
            for c in 0..<st.columnCount where !needed[c] && counts[c] > 0 {
                var unused: [Bool] = []
                guard try skip(c, counts[c], cursor(c), st, flagged: nil, repeated: &unused) else { return false }
            }
        }

        // Only numbers, timestamps and vocabulary codes to decode: column by column.
        if valueColumns(planOf, shapeOf, recordCount, needed, st, model, decoder, cursors, streamCount, empty) {
            framesByColumn += 1
        } else {
            try recordByRecord(planOf, shapeOf, recordCount, st, decoder, cursors, cursor)
        }
        // Unread columns of a checked frame are left as they are (the container's CRC covers them).
        // (A side stream belongs to its column.)
        func column(_ i: Int) -> Int { i >= st.sideStream(0) ? i - st.sideStream(0) : i - 3 }
        for i in 0..<streamCount where !cursors[i].isAtEnd && (!checked || i < 3 || column(i) >= needed.count || needed[column(i)]) {
            throw TransformError.corruptFrame("\(cursors[i].remaining) unread bytes in stream \(i)")
        }
        try st.finishMessages()   // the columns read (the others' messages were not loaded)
        return true
    }

    /// The frame's records one by one, each plan's slots in coding order (`record`).
    private func recordByRecord(_ planOf: [ShapePlan?], _ shapeOf: [Int32], _ recordCount: Int, _ st: FieldCoderState,
                                _ decoder: ColumnarDecoder, _ cursors: UnsafeMutablePointer<Cursor>,
                                _ cursor: (Int) -> UnsafeMutablePointer<Cursor>) throws {
        let verbatim = cursors + 2
        // Unretained (`planOf` keeps them): no retain and release per record.
        let planRefs = planOf.map { $0.map(Unmanaged.passUnretained) }
        let slots = tokenSlots(room: planOf.reduce(0) { max($0, $1?.slotCount ?? 0) })
        let stage = stage(columns: decoder.paths.count, rows: recordCount)
        try decoder.appendRows { raw in
            for r in 0..<recordCount {
                let id = Int(shapeOf[r])
                if id < 0 {
                    let len = try verbatim.pointee.count(limit: verbatim.pointee.remaining)
                    let text = UnsafeRawBufferPointer(start: try verbatim.pointee.take(len), count: len)
                    stage.flushAll(into: &raw)
                    decoder.take(text, ok: decoder.walk(text), into: &raw)
                    continue
                }
                try planRefs[id]!._withUnsafeGuaranteedRef { try record($0, st, &raw, slots, stage, cursor) }
            }
            stage.flushAll(into: &raw)
            return recordCount
        }
    }

    // MARK: column by column

    /// A tag the column-by-column loops refuse: they give up (the enclosing catch), and the
    /// record-by-record decode reports the error.
    private static func refused(_ tag: UInt64) -> TransformError { .corruptFrame("format tag \(tag)") }

    /// Decodes a `columns` frame column by column when every slot its plans decode is a
    /// number or timestamp taken as a value (modes `value` and `state`) or a vocabulary entry
    /// taken by index (`code`), and every record has a model shape with each such column at
    /// most once: then a column's values depend only on its own stream and, through its
    /// relation, on values of lower-level columns in the same record, so the columns are
    /// decoded in level order, each in one tight loop over the records, with the same
    /// arithmetic as `IntegerCoding.decode` / `TimestampCoding.decode` and the same rows as
    /// `record` would append. False (nothing read or appended) for any frame or value that
    /// needs more (escapes, long numbers, text to render, verbatim records, a corrupt
    /// stream): the caller decodes it record by record, which also reports the errors.
    func valueColumns(_ planOf: [ShapePlan?], _ shapeOf: [Int32], _ recordCount: Int, _ needed: [Bool],
                      _ st: FieldCoderState, _ model: FieldModel, _ decoder: ColumnarDecoder,
                      _ cursors: UnsafeMutablePointer<Cursor>, _ streamCount: Int, _ empty: UnsafeMutablePointer<Cursor>) -> Bool {
        let outputs = decoder.paths.count
        guard recordCount > 0, outputs > 0 else { return false }
        // The needed columns, in level order (sources first), and each one's index among them.
        let wanted = (0..<st.columnCount).filter { needed[$0] }
        guard !wanted.isEmpty, wanted.count <= 64, wanted.allSatisfy({ $0 < st.modelColumnCount }) else { return false }
        let columns = wanted.sorted {
            let a = model.columns[$0].level, b = model.columns[$1].level
            return a != b ? a < b : $0 < $1
        }
        let n = columns.count
        var index = [Int](repeating: -1, count: st.columnCount)
        for (i, c) in columns.enumerated() { index[c] = i }
        // Per column: decoded as a code (true) or as a value; each column one way in every plan.
        var asCode = [UInt8](repeating: 2, count: n)   // 2: not seen yet
        // Per plan id: which needed columns its records hold (bit i: columns[i]), and per output
        // the column its scalar capture takes (-1: missing).
        var holds = [UInt64](repeating: 0, count: planOf.count)
        var takes = [Int](repeating: -1, count: planOf.count * outputs)
        var outColumn = [Int](repeating: -1, count: outputs)   // the one model column of each output
        for (id, p) in planOf.enumerated() {
            guard let p else { continue }
            for step in UnsafeBufferPointer(p.steps) {
                let c = Int(step.column)
                guard c >= 0, c < st.columnCount, index[c] >= 0, step.mode != Mode.text else { return false }
                let bit = UInt64(1) << UInt64(index[c])
                guard holds[id] & bit == 0 else { return false }   // a column twice in one record
                holds[id] |= bit
                let code: UInt8 = step.mode == Mode.code ? 1 : 0
                guard asCode[index[c]] == 2 || asCode[index[c]] == code else { return false }
                asCode[index[c]] = code
            }
            guard !p.refused else { continue }
            for t in UnsafeBufferPointer(p.takes) {
                guard t.kind == RawKind.slot, t.lo + 1 == t.hi, t.column < outputs else { return false }
                let c = Int(p.slotColumn[t.lo])
                guard c < st.columnCount, index[c] >= 0, holds[id] & (UInt64(1) << UInt64(index[c])) != 0,
                      outColumn[t.column] < 0 || outColumn[t.column] == c else { return false }
                outColumn[t.column] = c
                takes[id * outputs + t.column] = c
            }
        }
        for (i, c) in columns.enumerated() {
            let col = st.cols[c]
            guard !col.hasLookup, !col.hasRefs, !col.hasEmbedded, !col.hasRepeat else { return false }
            if asCode[i] == 1 { guard col.hasVocab, st.vocabRefs[c] != nil else { return false }; continue }
            guard !col.hasVocab, col.kind == .number || col.kind == .timestamp else { return false }
            if col.hasRelation {
                let r = col.relation
                guard index[Int(r.source)] >= 0, r.kind != .tsFromTsNum || index[Int(r.number)] >= 0 else { return false }
            }
        }
        // Code outputs: the vocabulary their rows will index (as `RawColumn.append(code:vocabulary:)` decides).
        var vocabOf = [RawTable?](repeating: nil, count: outputs)
        for k in 0..<outputs where outColumn[k] >= 0 && asCode[index[outColumn[k]]] == 1 {
            let v = st.vocabRefs[outColumn[k]]!.takeUnretainedValue()
            if let mine = decoder.raw[k].vocabulary, mine !== v, !mine.sameEntries(v) { return false }
            vocabOf[k] = v
        }
        // Per record: its shape id and the needed columns that shape holds (bit i: columns[i]).
        let planned = planOf.map { $0 != nil }
        let rowHolds = UnsafeMutablePointer<UInt64>.allocate(capacity: recordCount)
        let rowShape = UnsafeMutablePointer<Int>.allocate(capacity: recordCount)
        defer { rowHolds.deallocate(); rowShape.deallocate() }
        for r in 0..<recordCount {
            let id = Int(shapeOf[r])
            guard id >= 0, id < planned.count, planned[id] else { return false }
            rowHolds[r] = holds[id]; rowShape[r] = id
        }

        // Per column and record: the value (ns, mantissa or entry index), whether the record has
        // one, and the timestamp format (0 and 0 where it has none); per record, a relation's prediction and whether it has one.
        let values = UnsafeMutablePointer<Int64>.allocate(capacity: n * recordCount)
        let has = UnsafeMutablePointer<Bool>.allocate(capacity: n * recordCount)
        let formats = UnsafeMutablePointer<Int32>.allocate(capacity: n * recordCount)
        let predicted = UnsafeMutablePointer<Int64>.allocate(capacity: recordCount)
        let predicts = UnsafeMutablePointer<Bool>.allocate(capacity: recordCount)
        defer { values.deallocate(); has.deallocate(); formats.deallocate(); predicted.deallocate(); predicts.deallocate() }
        var ends = [Int](repeating: 0, count: n)
        do {
            for (i, c) in columns.enumerated() {
                var inp = 3 + c < streamCount ? cursors[3 + c] : empty.pointee
                let col = st.cols[c]
                let rows = ColumnRows(count: recordCount, holds: rowHolds, bit: UInt64(1) << UInt64(i), v: values + i * recordCount,
                                      h: has + i * recordCount, f: formats + i * recordCount, predicted: predicted, predicts: predicts)
                let ok: Bool
                if asCode[i] == 1 {
                    ok = try Self.codes(rows, &inp, entries: UInt64(st.vocabRefs[c]!._withUnsafeGuaranteedRef { $0.count }))
                } else {
                    // The relation's predictions (`FieldCoderState.prediction`: a source counts when
                    // the record has it, decoded as a timestamp or a number as the kind asks).
                    if col.hasRelation {
                        predict(col.relation, recordCount, index: index, st, values, has, into: predicted, predicts)
                    } else {
                        predicts.update(repeating: false, count: recordCount)
                    }
                    ok = col.kind == .timestamp
                        ? try Self.timestamps(rows, &inp, delta: col.delta, initValue: col.initValue, initFormat: col.initFormat)
                        : try Self.numbers(rows, &inp, delta: col.delta, scaled: col.scaled, initValue: col.initValue, initFormat: col.initFormat)
                }
                guard ok else { return false }
                ends[i] = inp.pos
            }
        } catch {
            return false
        }
        // The rows `record` would append, staged per output: a captured value as itself, where
        // it reads back exactly (else the frame goes record by record). A record whose shape
        // takes column c for output k holds c (checked above), so it has a value.
        let stage = stage(columns: outputs, rows: recordCount)
        let takenBy = UnsafeMutablePointer<Bool>.allocate(capacity: planOf.count)
        defer { takenBy.deallocate() }
        for k in 0..<outputs {
            let kinds = stage.kinds + k * stage.capacity, words = stage.words + k * stage.capacity
            let fmts = stage.formats + k * stage.capacity
            let c = outColumn[k]
            stage.counts[k] = recordCount
            guard c >= 0 else {
                kinds.update(repeating: RawKind.missing, count: recordCount)
                words.update(repeating: 0, count: recordCount)
                fmts.update(repeating: 0, count: recordCount)
                continue
            }
            let i = index[c]
            let v = values + i * recordCount, f = formats + i * recordCount
            let kind = asCode[i] == 1 ? RawKind.code : st.cols[c].kind == .timestamp ? RawKind.time : RawKind.int
            for id in 0..<planOf.count { takenBy[id] = takes[id * outputs + k] == c }
            var any = false
            // Branch-free rows (missing: kind, word and format 0), then the formats checked.
            if kind == RawKind.time {
                // A time row holds micros: ns / 1000 exactly, as there are at most 6 fraction digits.
                for r in 0..<recordCount {
                    let t = takenBy[rowShape[r]]
                    kinds[r] = t ? kind : RawKind.missing; words[r] = t ? v[r] / 1000 : 0; fmts[r] = t ? f[r] : 0
                    any = any || t
                }
                var exact: Int32 = -1   // a format code known to read back exactly
                for r in 0..<recordCount where kinds[r] != RawKind.missing && fmts[r] != exact {
                    guard let fmt = ISOTimestamp.Format(code: Int(fmts[r])), ISOTime.readsExactly(fmt) else { return false }
                    exact = fmts[r]
                }
            } else {
                var formatted = false   // a number with a format: its text is not the plain decimal
                for r in 0..<recordCount {
                    let t = takenBy[rowShape[r]]
                    kinds[r] = t ? kind : RawKind.missing; words[r] = t ? v[r] : 0; fmts[r] = 0
                    any = any || t
                    formatted = formatted || (t && f[r] != 0)
                }
                guard !formatted else { return false }
            }
            stage.typed[k] = any
            stage.timed[k] = any && kind == RawKind.time
        }
        decoder.appendRows { raw in
            for k in 0..<outputs {
                if let v = vocabOf[k] { raw[k].vocabulary = v }
                stage.flush(k, into: &raw[k])
            }
            return recordCount
        }
        for (i, c) in columns.enumerated() where 3 + c < streamCount { cursors[3 + c].pos = ends[i] }
        return true
    }

    /// One column's rows for `valueColumns`: record r has a value where `holds[r] & bit`;
    /// the value, whether there is one and its format go to `v`, `h`, `f` (0, false, 0 where
    /// there is none); `predicted[r]` is the relation's prediction where `predicts[r]`.
    /// The column loops below are functions of their own so their state stays in registers.
    struct ColumnRows {
        let count: Int
        let holds: UnsafePointer<UInt64>, bit: UInt64
        let v: UnsafeMutablePointer<Int64>, h: UnsafeMutablePointer<Bool>, f: UnsafeMutablePointer<Int32>
        let predicted: UnsafePointer<Int64>, predicts: UnsafePointer<Bool>

        init(count: Int, holds: UnsafeMutablePointer<UInt64>, bit: UInt64, v: UnsafeMutablePointer<Int64>, h: UnsafeMutablePointer<Bool>,
             f: UnsafeMutablePointer<Int32>, predicted: UnsafeMutablePointer<Int64>, predicts: UnsafeMutablePointer<Bool>) {
            self.count = count; self.holds = UnsafePointer(holds); self.bit = bit; self.v = v; self.h = h; self.f = f
            self.predicted = UnsafePointer(predicted); self.predicts = UnsafePointer(predicts)
        }
    }

    /// Vocabulary entries by index (codes 1...entries). False: a value this path does not take.
    @inline(never)
    private static func codes(_ rows: ColumnRows, _ cursor: inout Cursor, entries: UInt64) throws -> Bool {
        // The position in a register, not stored through `cursor` per value.
        var inp = cursor
        defer { cursor = inp }
        let v = rows.v, h = rows.h, f = rows.f, holds = rows.holds, bit = rows.bit
        for r in 0..<rows.count {
            guard holds[r] & bit != 0 else { v[r] = 0; h[r] = false; f[r] = 0; continue }
            let code = try inp.varint()
            guard code > 0, code <= entries else { return false }
            v[r] = Int64(code &- 1); h[r] = true; f[r] = 0
        }
        return true
    }

    /// Timestamps as ns, with `TimestampCoding.decode`'s arithmetic.
    @inline(never)
    private static func timestamps(_ rows: ColumnRows, _ cursor: inout Cursor, delta: Bool, initValue: Int64, initFormat: Int) throws -> Bool {
        // The position in a register, not stored through `cursor` per value.
        var inp = cursor
        defer { cursor = inp }
        let v = rows.v, h = rows.h, f = rows.f, holds = rows.holds, bit = rows.bit
        let predicted = rows.predicted, predicts = rows.predicts
        var prevValue = initValue, prevFormat = initFormat
        // Per format (kept while it stays): the digits cut from ns, ns per unit, and the range
        // `ISOTimestamp.inRange` accepts.
        var lastCode = -1, cut = 0
        var unit: Int64 = 1, lowest: Int64 = 0, highest: Int64 = 0
        for r in 0..<rows.count {
            guard holds[r] & bit != 0 else { v[r] = 0; h[r] = false; f[r] = 0; continue }
            var code = prevFormat
            guard let (d, _) = try TaggedVarint.read(&inp, format: &code, maxTag: 1 << 20, accepts: { _ in true },
                                                      bad: Self.refused) else { return false }
            if code != lastCode {
                guard let g = ISOTimestamp.Format(code: code) else { return false }
                cut = 9 - g.fraction; unit = ISOTimestamp.pow10[cut]
                lowest = ISOTimestamp.minSeconds * ISOTimestamp.pow10[g.fraction]
                highest = ISOTimestamp.maxSeconds * ISOTimestamp.pow10[g.fraction]
                lastCode = code
            }
            let base = predicts[r] ? predicted[r] : delta ? prevValue : initValue
            let value = d &+ ISOTimestamp.floorDivPow10(base, cut)
            guard value >= lowest, value <= highest else { return false }
            let ns = value &* unit
            prevValue = ns; prevFormat = code
            v[r] = ns; h[r] = true; f[r] = Int32(truncatingIfNeeded: code)
        }
        return true
    }

    /// Plain decimals (format 0 or another short one) as mantissas, with `IntegerCoding.decode`'s arithmetic.
    @inline(never)
    private static func numbers(_ rows: ColumnRows, _ cursor: inout Cursor, delta: Bool, scaled: Bool, initValue: Int64, initFormat: Int) throws -> Bool {
        // The position in a register, not stored through `cursor` per value.
        var inp = cursor
        defer { cursor = inp }
        let v = rows.v, h = rows.h, f = rows.f, holds = rows.holds, bit = rows.bit
        let predicted = rows.predicted, predicts = rows.predicts
        var prevValue = initValue, prevFormat = initFormat
        for r in 0..<rows.count {
            guard holds[r] & bit != 0 else { v[r] = 0; h[r] = false; f[r] = 0; continue }
            var format = prevFormat
            guard let (d, _) = try TaggedVarint.read(&inp, format: &format, maxTag: 256, accepts: DecimalText.isValidFormat,
                                                      bad: Self.refused) else { return false }
            guard format < DecimalText.longFlag else { return false }
            var base = delta ? prevValue : initValue
            if scaled { base = DecimalText.rescale(base, from: delta ? prevFormat : initFormat, to: format) }
            if predicts[r] { base = predicted[r] }
            let m = d &+ base
            prevValue = m; prevFormat = format
            v[r] = m; h[r] = true; f[r] = Int32(truncatingIfNeeded: format)
        }
        return true
    }

    /// Relation `rel`'s prediction for each of `count` records (`FieldCoderState.prediction`)
    /// from the decoded columns in `values` / `has` (column c's rows at `index[c] * count`):
    /// `out[r]`, where `ok[r]`.
    private func predict(_ rel: Relation, _ count: Int, index: [Int], _ st: FieldCoderState,
                         _ values: UnsafeMutablePointer<Int64>, _ has: UnsafeMutablePointer<Bool>,
                         into out: UnsafeMutablePointer<Int64>, _ ok: UnsafeMutablePointer<Bool>) {
        let s = Int(rel.source)
        let sv = values + index[s] * count, sh = has + index[s] * count
        let sourceIsTime = st.cols[s].kind == .timestamp
        let offset = rel.offset, unit = rel.unit
        switch rel.kind {
        case .tsFromTs, .numFromNum:
            guard sourceIsTime == (rel.kind == .tsFromTs) else { ok.update(repeating: false, count: count); return }
            for r in 0..<count { out[r] = sv[r] &+ offset; ok[r] = sh[r] }
        case .tsFromTsNum:
            let m = Int(rel.number)
            let nv = values + index[m] * count, nh = has + index[m] * count
            guard sourceIsTime, st.cols[m].kind != .timestamp else { ok.update(repeating: false, count: count); return }
            for r in 0..<count { out[r] = sv[r] &+ nv[r] &* unit &+ offset; ok[r] = sh[r] && nh[r] }
        case .numFromTs:
            guard sourceIsTime else { ok.update(repeating: false, count: count); return }
            // Units that are powers of ten divide by a constant (a multiply, not an idiv).
            if let k = (0...9).first(where: { ISOTimestamp.pow10[$0] == unit }) {
                for r in 0..<count { out[r] = ISOTimestamp.floorDivPow10(sv[r] &+ offset, k); ok[r] = sh[r] }
            } else {
                for r in 0..<count { out[r] = CivilDate.floorDiv(sv[r] &+ offset, unit); ok[r] = sh[r] }
            }
        }
    }

    // MARK: stepping over a column

    /// Steps over `count` values of column `c` without rendering them. False when one of
    /// them may be a token the text walk refuses (the record's columns would all be missing).
    /// A repeat-coded column's values carry a flag each, or, keyed, where `flagged` says (see
    /// `keyedFlags`); `repeated`, when as long as `count`, notes the values coded as repeats.
    private func skip(_ c: Int, _ count: Int, _ stream: UnsafeMutablePointer<Cursor>, _ st: FieldCoderState,
                      flagged: [Bool]?, repeated: inout [Bool]) throws -> Bool {
        // Everything the loop reads, in locals (registers) rather than through pointers.
        let col = st.cols[c]
        let markers = col.hasRefs || col.hasEmbedded
        let embedded = col.hasEmbedded, hasLookup = col.hasLookup, kind = col.kind
        let hasRepeat = col.hasRepeat
        if hasRepeat && col.repeatKey >= 0 { guard let flagged, flagged.count == count else { return false } }
        let noting = repeated.count == count
        var hasPrevious = false
        // A recent-coded column: its values so far (ranks up to it are valid).
        let recent = kind == .recent && c < st.modelColumnCount ? st.recent[c] : nil
        let messages = kind == .message && c < st.modelColumnCount ? st.messages[c] : nil
        var held = 0
        let vocab = col.hasVocab && c < st.modelColumnCount ? st.vocabs[c] : nil
        let vocabCount = UInt64(vocab?.count ?? 0)
        let vocabOK = c < vocabValid.count ? vocabValid[c] : true, lookupOK = c < lookupValid.count ? lookupValid[c] : true
        var inp = stream.pointee
        defer { stream.pointee = inp }
        for i in 0..<count {
            if hasRepeat {
                if flagged?[i] ?? true {
                    let flag = try inp.u8()
                    if flag == 0 {
                        // The previous value was checked already.
                        guard hasPrevious else { throw TransformError.corruptFrame("repeat without a previous value") }
                        if noting { repeated[i] = true }
                        continue
                    }
                    guard flag == 1 else { throw TransformError.corruptFrame("bad repeat flag") }
                }
                hasPrevious = true
            }
            if hasLookup {
                let flag = try inp.varint()
                if flag == 0 { if !lookupOK { return false }; continue }
                guard flag == 1 else { throw TransformError.corruptFrame("bad lookup flag") }
            }
            if let vocab {
                let code = try inp.varint()
                if code > 0 {
                    guard code <= vocabCount else { throw TransformError.corruptFrame("vocabulary code \(code) out of range") }
                    if !vocabOK { return false }
                    if embedded {
                        let (kp, kn) = vocab.key(Int(code - 1))
                        for i in 0..<kn where kp[i] == ColumnSpec.embeddedMarker { try skipTimestamp(&inp) }
                    }
                    continue
                }
            }
            switch kind {
            case .text:
                guard try skipText(&inp, markers: markers, embedded: embedded) else { return false }
            case .number:
                let x = try inp.varint()
                guard x & 1 == 1 else { continue }
                let tag = x >> 1
                if tag == 0 { guard try skipText(&inp, markers: false, embedded: false) else { return false }; continue }
                guard tag <= 256, DecimalText.isValidFormat(Int(tag - 1)) else { throw TransformError.corruptFrame("bad number format \(tag - 1)") }
                try inp.skipVarint()
                if Int(tag - 1) & DecimalText.longFlag != 0 {
                    let hn = try inp.count(limit: DecimalText.maxHead)
                    _ = try inp.take(hn)
                }
            case .timestamp:
                let x = try inp.varint()
                guard x & 1 == 1 else { continue }
                let tag = x >> 1
                if tag == 0 { guard try skipText(&inp, markers: false, embedded: false) else { return false }; continue }
                guard tag <= 1 << 20 else { throw TransformError.corruptFrame("bad timestamp format") }
                try inp.skipVarint()
            case .uuid:
                let layout = try inp.varint()
                if layout == 0 { guard try skipText(&inp, markers: false, embedded: false) else { return false }; continue }
                _ = try inp.take(16)
                guard (layout - 1) >> 2 <= UInt64(inp.remaining) else { throw TransformError.corruptFrame("uuid suffix runs past its stream") }
                let n = Int((layout - 1) >> 2)
                let p = try inp.take(n)
                // The suffix is the rest of a string's contents.
                guard Self.contentsValid(p, n, markers: false) else { return false }
            case .float:
                let t = try inp.varint()
                if t == 0 { guard try skipText(&inp, markers: false, embedded: false) else { return false }; continue }
                try inp.skipVarint()
            case .recent:
                guard let r = recent, let side = r.input else { return false }
                let tag = try inp.varint()
                if tag == 0 { guard try skipText(&inp, markers: false, embedded: false) else { return false }; continue }
                if tag <= UInt64(held) { continue }   // an earlier value, checked already
                guard tag > UInt64(r.slots), tag <= UInt64(r.slots + 1 + r.layouts.count) else {
                    throw TransformError.corruptFrame("recent value \(tag) out of range")
                }
                // The body, and the length of the token the decoder would remember.
                let length: Int
                if tag > UInt64(r.slots + 1) {
                    let l = r.layouts[Int(tag) - r.slots - 2]
                    _ = try side.pointee.take(l.bytes)
                    length = l.length + 2   // packed bytes are plain string contents
                } else if col.initFormat > 0 {
                    _ = try side.pointee.take(col.initFormat)
                    length = 1
                } else {
                    var peek = side.pointee
                    let x = try peek.varint()
                    guard try skipText(&side.pointee, markers: false, embedded: false) else { return false }
                    length = Int(x >> 1) + Int(x & 1) * 2
                }
                if length <= RecentValues.maxLength { held = min(held + 1, r.slots) }
            case .message:
                guard let m = messages else { return false }
                let tag = try inp.varint()
                if tag == 0 { guard try skipText(&inp, markers: false, embedded: false) else { return false }; continue }
                guard tag == 1 else { throw TransformError.corruptFrame("message tag \(tag)") }
                let (p, n) = try m.next()
                guard Self.contentsValid(p, n, markers: false) else { return false }
            }
        }
        return true
    }

    /// One text value (`varint (len << 1 | isString)` + bytes) and, with embedded
    /// timestamps, the codes of its markers.
    @inline(__always)
    private func skipText(_ inp: inout Cursor, markers: Bool, embedded: Bool) throws -> Bool {
        let x = try inp.varint()
        guard x >> 1 <= UInt64(inp.remaining) else { throw TransformError.corruptFrame("text runs past its stream") }
        let n = Int(x >> 1)
        let p = try inp.take(n)
        if x & 1 == 1 {
            guard Self.contentsValid(p, n, markers: markers) else { return false }
        } else {
            if markers { for i in 0..<n where p[i] < 0x20 { return false } }
            guard ColumnarDecoder.validToken(p, n) else { return false }
        }
        if embedded { for i in 0..<n where p[i] == ColumnSpec.embeddedMarker { try skipTimestamp(&inp) } }
        return true
    }

    /// An embedded timestamp's code (see `FieldCoderState.expandEmbedded`).
    @inline(__always)
    private func skipTimestamp(_ inp: inout Cursor) throws {
        let x = try inp.varint()
        guard x & 1 == 1 else { return }
        let tag = x >> 1
        guard tag >= 1, tag <= 1 << 20 else { throw TransformError.corruptFrame("bad embedded timestamp format") }
        try inp.skipVarint()
    }

    /// Whether string contents (between the quotes) hold only escapes the walk accepts.
    /// With `markers`, bytes below 0x20 stand for other text put back on restore: fine on
    /// their own, unknowable right after a backslash.
    static func contentsValid(_ p: UnsafePointer<UInt8>, _ n: Int, markers: Bool) -> Bool {
        if ColumnarDecoder.plainContents(p, n) { return true }
        var i = 0
        while i < n {
            let b = p[i]
            if b == 0x5C {
                guard i + 1 < n else { return false }
                switch p[i + 1] {
                case 0x22, 0x5C, 0x2F, 0x62, 0x66, 0x6E, 0x72, 0x74: i += 2
                case 0x75:
                    guard i + 6 <= n else { return false }
                    for k in 2..<6 where hexValue(p[i + k]) < 0 { return false }
                    i += 6
                default: return false
                }
            } else if b == 0x22 || (b < 0x20 && !markers) {
                return false
            } else {
                i += 1
            }
        }
        return true
    }

    /// A vocabulary entry or lookup value (a whole token, maybe with markers).
    static func entryValid(_ t: [UInt8], markers: Bool) -> Bool {
        t.withUnsafeBufferPointer { b in
            guard let p = b.baseAddress, b.count > 0 else { return false }
            if b.count >= 2, p[0] == 0x22, p[b.count - 1] == 0x22 { return contentsValid(p + 1, b.count - 2, markers: markers) }
            if markers, b.contains(where: { $0 < 0x20 }) { return false }
            return ColumnarDecoder.validToken(p, b.count)
        }
    }
}
