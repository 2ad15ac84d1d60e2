import LogLabCore
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Frame layout of the field-aware transforms (after the kind byte, see `FrameKind`):
///
/// * `rows` (kind 2): one stream, record after record:
///   `header` [`literal shape`] [`verbatim record`] `value…` in the shape's coding order.
/// * `columns` (kind 3): `varint originalBytes` (the records' total size, checked on
///   restore), `varint streamCount`, then `varint id, varint length` per stream, then the
///   streams back to back. Stream 0 = record headers, 1 = literal shapes,
///   2 = verbatim records, 3 + c = the values of column c, `sideStream(c)` = the bodies of
///   recent-coded model column c or the messages of message-coded model column c.
/// * `checkedColumns` (kind 6): the `columns` layout, every value checked when written
///   (see `FrameKind.checkedColumns`).
///
/// Record header: 0 = verbatim record (varint length + bytes), 1 = a new shape follows
/// (varint length + shape bytes; it gets the next frame-local id), n ≥ 2 = shape n − 2
/// (model shapes first, then this frame's literal shapes).
///
/// Value of a column (see `ColumnSpec`): with a vocabulary, `varint code` (0 = not in the
/// vocabulary, the base coding follows). Base codings (one `ValueCoding` each, in
/// `ValueCodings/`, called through `encodeBase` and `decodeBase`):
/// * text: `varint (len << 1 | isString)` + bytes (string contents without quotes);
/// * number / timestamp: `varint x`; x even: same format (and, for long numbers, same head)
///   as the column's previous value, residual = unzigzag(x >> 1); x odd: tag = x >> 1,
///   0 = escape (text follows), else format = tag − 1, `svarint residual` follows and, for
///   a long number, `varint headLength` + head digits. The residual is taken from the
///   learned relation's prediction when its sources are in the record, else from the
///   column's previous value (delta) or from the column's learned reference value;
/// * uuid: `varint layout` (0 = escape, text follows), 16 bytes, suffix bytes;
/// * float: `varint t` (0 = escape, text follows), see `FloatText`;
/// * recent: `varint tag` (0 = escape, text follows; a rank among the recent values; or a new
///   value, its body in the side stream), see `RecentCoding`;
/// * message: `varint tag` (0 = escape, text follows; 1 = the column's next message, from the
///   side stream's template frame), see `MessageCoding`.
///
/// A column with a repeat coding (`Repeat`) puts `u8 flag` before all of that (with a key:
/// only in records where the key's value was coded as a repeat): 0 = the value is the
/// column's previous value in the frame, token for token, and nothing follows; 1 = it is
/// coded as above.
final class FieldCoderState {
    static let maxLocalColumns = 1024

    let model: FieldModel
    let modelColumnCount: Int
    let capacity: Int
    let cols: UnsafeMutablePointer<ColumnRT>
    let heads: UnsafeMutablePointer<UInt8>
    let vocabs: [RawTable?]
    let lookups: [LookupRT?]
    let refs: [[SubRef]]
    /// `refs` flattened (column c's: `refFlat[refStart[c] ..< refStart[c + 1]]`), and the
    /// decoder's scratch streams unretained: the hot path retains no array or stream per value.
    let refFlat: UnsafeMutablePointer<SubRef>
    let refStart: UnsafeMutablePointer<Int>
    let lookupRefs: UnsafeMutablePointer<Unmanaged<LookupRT>?>
    let modelShapes: [ShapeRT]
    let shapeTable: RawTable
    let counters: UnsafeMutablePointer<Int>   // [0] columns in use, [1] generation

    var localPaths = ByteTable()
    var localShapeTable = ByteTable()
    var localShapes: [ShapeRT] = []

    let scratch = OutStream(capacity: 1024)
    let scratch2 = OutStream(capacity: 1024)
    let scratch3 = OutStream(capacity: 1024)
    let payload = OutStream(capacity: 256)
    let uuidBytes = UnsafeMutablePointer<UInt8>.allocate(capacity: 16)
    /// One per column (stamps of different columns fall on different days).
    let dateCache: UnsafeMutablePointer<ISOTimestamp.DateCache>
    /// `expand`'s per-reference lengths and offsets (no allocation per value).
    let refLens: UnsafeMutablePointer<Int>
    let refOffs: UnsafeMutablePointer<Int>
    /// `substitute`'s reference texts of the current value.
    let refTexts: UnsafeMutablePointer<(UnsafePointer<UInt8>, Int, UInt8)>
    /// Unretained views of `vocabs` (kept alive by it) for the decoder's hot path.
    let vocabRefs: UnsafeMutablePointer<Unmanaged<RawTable>?>
    /// Per repeat-coded column: its previous token in the frame (`ColumnRT.hasPrevious`).
    let previous: [OutStream?]
    let previousRefs: UnsafeMutablePointer<Unmanaged<OutStream>?>
    /// Per recent-coded column: its recent values and side stream (`RecentCoding`).
    let recent: [RecentValues?]
    let recentRefs: UnsafeMutablePointer<Unmanaged<RecentValues>?>
    /// Per message-coded column: its messages in the frame (`MessageCoding`).
    let messages: [MessageValues?]
    let messageRefs: UnsafeMutablePointer<Unmanaged<MessageValues>?>

    init(model: FieldModel) {
        self.model = model
        modelColumnCount = model.columns.count
        capacity = modelColumnCount + Self.maxLocalColumns
        cols = .allocate(capacity: capacity)
        for (i, s) in model.columns.enumerated() { (cols + i).initialize(to: ColumnRT(s)) }
        heads = .allocate(capacity: capacity * DecimalText.maxHead)
        vocabs = model.columns.map { $0.vocab.map(RawTable.init) }
        lookups = model.columns.map { $0.lookup.map(LookupRT.init) }
        vocabRefs = .allocate(capacity: max(vocabs.count, 1))
        for (i, v) in vocabs.enumerated() { (vocabRefs + i).initialize(to: v.map { Unmanaged.passUnretained($0) }) }
        previous = model.columns.map { $0.repeats == nil ? nil : OutStream(capacity: 64) }
        previousRefs = .allocate(capacity: max(previous.count, 1))
        for (i, v) in previous.enumerated() { (previousRefs + i).initialize(to: v.map { Unmanaged.passUnretained($0) }) }
        recent = model.columns.map { $0.kind == .recent ? RecentValues(slots: Int($0.initValue), layouts: $0.layouts) : nil }
        recentRefs = .allocate(capacity: max(recent.count, 1))
        for (i, v) in recent.enumerated() { (recentRefs + i).initialize(to: v.map { Unmanaged.passUnretained($0) }) }
        messages = model.columns.map { $0.kind == .message ? MessageValues(model: $0.templates ?? (try! TemplateModel(templates: []))) : nil }
        messageRefs = .allocate(capacity: max(messages.count, 1))
        for (i, v) in messages.enumerated() { (messageRefs + i).initialize(to: v.map { Unmanaged.passUnretained($0) }) }
        hasSideStreams = recent.contains { $0 != nil } || messages.contains { $0 != nil }
        dateCache = .allocate(capacity: capacity)
        dateCache.initialize(repeating: ISOTimestamp.DateCache(), count: capacity)
        refs = model.columns.map(\.refs)
        let allRefs = refs.flatMap { $0 }
        refFlat = .allocate(capacity: max(allRefs.count, 1))
        refFlat.initialize(from: allRefs, count: allRefs.count)
        refStart = .allocate(capacity: refs.count + 1)
        refStart[0] = 0
        for (i, r) in refs.enumerated() { refStart[i + 1] = refStart[i] + r.count }
        lookupRefs = .allocate(capacity: max(lookups.count, 1))
        for (i, l) in lookups.enumerated() { (lookupRefs + i).initialize(to: l.map { Unmanaged.passUnretained($0) }) }
        let maxRefs = max(1, refs.map(\.count).max() ?? 1)
        refLens = .allocate(capacity: maxRefs); refOffs = .allocate(capacity: maxRefs); refTexts = .allocate(capacity: maxRefs)
        modelShapes = model.shapes.map(ShapeRT.init)
        shapeTable = RawTable(model.shapeTable)
        counters = .allocate(capacity: 2)
        counters[0] = modelColumnCount
        counters[1] = 0
    }

    deinit {
        cols.deinitialize(count: counters[0])
        cols.deallocate(); heads.deallocate(); counters.deallocate(); uuidBytes.deallocate()
        dateCache.deallocate(); vocabRefs.deallocate(); previousRefs.deallocate(); recentRefs.deallocate(); messageRefs.deallocate(); refFlat.deallocate(); refStart.deallocate(); lookupRefs.deallocate()
         refLens.deallocate(); refOffs.deallocate(); refTexts.deallocate()
    }

    @inline(__always) var columnCount: Int { counters[0] }

    /// The `columns` layout's stream ids: 0 … 2, 3 + c the values of column c (model
    /// columns, then this frame's new fields), then `sideStream(c)` the bodies of recent-coded
    /// model column c (`RecentCoding`).
    @inline(__always) func sideStream(_ c: Int) -> Int { 3 + capacity + c }
    var maxStreamID: Int { 3 + capacity + modelColumnCount - 1 }
    /// Stored: a frame's set-up asks once per stream it adds (a scan per ask cost a model of
    /// many columns quadratic time).
    let hasSideStreams: Bool

    /// Whether model column `c` has a side stream (recent and message codings).
    @inline(__always) func hasSide(_ c: Int) -> Bool { recent[c] != nil || messages[c] != nil }

    /// Points each recent-coded column's body reads, and each message-coded column's
    /// messages, at its side stream in a `columns` frame's cursors (`count` ids; `empty` for a
    /// column without one).
    func attachSides(_ cursors: UnsafeMutablePointer<Cursor>, count: Int, empty: UnsafeMutablePointer<Cursor>) {
        for (c, r) in recent.enumerated() where r != nil { r!.input = sideStream(c) < count ? cursors + sideStream(c) : empty }
        for (c, m) in messages.enumerated() where m != nil { m!.input = sideStream(c) < count ? cursors + sideStream(c) : empty }
    }

    /// The end of a decoded frame: every message a message-coded column stated was read.
    func finishMessages() throws {
        for m in messages { try m?.finish() }
    }
    @inline(__always) var gen: UInt32 { UInt32(truncatingIfNeeded: counters[1]) }

    func path(_ c: Int) -> [UInt8] {
        c < modelColumnCount ? model.columns[c].path : Array(localPaths.key(c - modelColumnCount))
    }

    func beginFrame(columns layout: Bool) {
        for c in 0..<modelColumnCount {
            // Messages go through a side stream, which the `rows` layout has not: text there.
            cols[c].kind = (layout && cols[c].textInColumns) || (!layout && cols[c].modelKind == .message) ? .text : cols[c].modelKind
        }
        beginFrame()
    }

    private func beginFrame() {
        if counters[0] > modelColumnCount {
            (cols + modelColumnCount).deinitialize(count: counters[0] - modelColumnCount)
            counters[0] = modelColumnCount
        }
        if localPaths.count > 0 { localPaths = ByteTable() }
        if localShapeTable.count > 0 { localShapeTable = ByteTable(); localShapes.removeAll(keepingCapacity: true) }
        for r in recent { r?.reset(); r?.side = nil; r?.input = nil }
        for m in messages { m?.reset() }
        for c in 0..<modelColumnCount {
            cols[c].hasPrevious = false
            cols[c].prevValue = cols[c].initValue
            cols[c].prevFormat = cols[c].initFormat
            let head = model.columns[c].initHead
            cols[c].headCount = head.count
            if !head.isEmpty { (heads + c * DecimalText.maxHead).update(from: head, count: head.count) }
        }
    }

    @inline(__always) func nextRecord() {
        counters[1] = (counters[1] &+ 1) & 0xFFFF_FFFF
        if counters[1] == 0 {  // wrapped: forget every stale mark
            for i in 0..<counters[0] { cols[i].viewGen = 0; cols[i].tsGen = 0; cols[i].numGen = 0; cols[i].repeatGen = 0 }
            counters[1] = 1
        }
    }

    /// Column of `path`, adding a frame-local text column for a path the model never saw.
    func column(forPath path: [UInt8]) throws -> Int32 {
        if let c = model.pathTable.find(path) { return Int32(c) }
        let before = localPaths.count
        let id = localPaths.insert(path)
        if id == before {
            guard counters[0] < capacity else { throw TransformError.corruptFrame("too many new fields in one frame") }
            var spec = ColumnSpec(path: path)
            spec.level = 0
            (cols + counters[0]).initialize(to: ColumnRT(spec))
            counters[0] += 1
        }
        return Int32(modelColumnCount + id)
    }

    func addLocalShape(_ bytes: [UInt8]) throws -> Int {
        let paths = try ShapePaths.paths(of: bytes)
        // A placeholder byte inside a key would take a value's place on restore.
        guard bytes.lazy.filter({ $0 == JSONSplitter.placeholder }).count == paths.count else {
            throw TransformError.corruptFrame("placeholder byte inside a shape's key")
        }
        // Check capacity before adding any column, so a refused shape leaves no trace.
        var fresh = Set<[UInt8]>()
        for p in paths where model.pathTable.find(p) == nil && localPaths.find(p) == nil { fresh.insert(p) }
        guard counters[0] + fresh.count <= capacity else { throw TransformError.corruptFrame("too many new fields in one frame") }
        let slotCols = try paths.map { try column(forPath: $0) }
        let info = FieldModel.shapeInfo(bytes: bytes, slotColumns: slotCols, level: { self.cols[Int($0)].level })
        localShapeTable.insert(bytes)
        localShapes.append(ShapeRT(info))
        return localShapes.count - 1
    }

    /// The relation's prediction (ns for timestamps, mantissa for numbers) if its sources
    /// are in the current record.
    @inline(__always) func prediction(_ r: Relation, gen: UInt32) -> Int64? {
        let s = cols + Int(r.source)
        switch r.kind {
        case .tsFromTs:
            return s.pointee.tsGen == gen ? s.pointee.tsVal &+ r.offset : nil
        case .tsFromTsNum:
            let m = cols + Int(r.number)
            return s.pointee.tsGen == gen && m.pointee.numGen == gen ? s.pointee.tsVal &+ m.pointee.numVal &* r.unit &+ r.offset : nil
        case .numFromTs:
            return s.pointee.tsGen == gen ? CivilDate.floorDiv(s.pointee.tsVal &+ r.offset, r.unit) : nil
        case .numFromNum:
            return s.pointee.numGen == gen ? s.pointee.numVal &+ r.offset : nil
        }
    }

    // MARK: encoding one value

    /// Whether column `col`'s value carries a repeat flag in the current record.
    @inline(__always) func repeatFlagged(_ col: UnsafeMutablePointer<ColumnRT>, gen: UInt32) -> Bool {
        let key = Int(col.pointee.repeatKey)
        return key < 0 || cols[key].repeatGen == gen
    }

    /// Codes one value; returns true when it had to be escaped to text.
    @inline(__always)
    func encodeValue(_ c: Int, _ p: UnsafePointer<UInt8>, _ n: Int, recordBase: UnsafePointer<UInt8>, out: OutStream, gen: UInt32) -> Bool {
        let col = cols + c
        if col.pointee.viewGen != gen {
            col.pointee.viewGen = gen; col.pointee.viewStart = p - recordBase; col.pointee.viewLen = n
        }
        guard col.pointee.hasRepeat, let prev = previousRefs[c] else {
            return encodeCoded(c, col, p, n, recordBase: recordBase, out: out, gen: gen)
        }
        return prev._withUnsafeGuaranteedRef { prev in
            if repeatFlagged(col, gen: gen) {
                if col.pointee.hasPrevious && prev.count == n && memcmpEqual(prev.base, p, n) {
                    out.put(0)
                    col.pointee.repeatGen = gen
                    return false
                }
                out.put(1)
            }
            prev.reset(); prev.put(p, n)
            col.pointee.hasPrevious = true
            return encodeCoded(c, col, p, n, recordBase: recordBase, out: out, gen: gen)
        }
    }

    /// `encodeValue` past the repeat flag: the lookup, vocabulary and base codings.
    @inline(__always)
    func encodeCoded(_ c: Int, _ col: UnsafeMutablePointer<ColumnRT>, _ p: UnsafePointer<UInt8>, _ n: Int,
                     recordBase: UnsafePointer<UInt8>, out: OutStream, gen: UInt32) -> Bool {
        if col.pointee.hasLookup, let lk = lookups[c] {
            let key = cols + Int(col.pointee.lookupKey)
            if key.pointee.viewGen == gen, let (vp, vn) = lk.value(forKey: recordBase + key.pointee.viewStart, key.pointee.viewLen),
               vn == n, memcmpEqual(vp, p, n) {
                out.put(0)
                return false
            }
            out.put(1)
        }
        var tp = p, tn = n
        if col.pointee.hasRefs {
            substitute(c, p, n, recordBase: recordBase, into: scratch, gen: gen)
            tp = UnsafePointer(scratch.base); tn = scratch.count
        }
        let embedded = col.pointee.hasEmbedded
        if embedded {
            extractEmbedded(col, tp, tn, gen: gen)
            tp = UnsafePointer(scratch3.base); tn = scratch3.count
        }
        if col.pointee.hasVocab, let vocab = vocabRefs[c] {
            let id = vocab._withUnsafeGuaranteedRef { $0.find(tp, tn) }
            if id >= 0 {
                out.varint(id + 1)
                if embedded { out.put(payload.base, payload.count) }
                return false
            }
            out.put(0)
        }
        let escaped = encodeBase(c, col, tp, tn, into: out, gen: gen)
        if embedded { out.put(payload.base, payload.count) }
        return escaped
    }

    // MARK: decoding one value

    /// Decodes one value of column `c` and appends its original token to `tokens`.
    @inline(__always)
    func decodeValue(_ c: Int, _ inp: inout Cursor, tokens: OutStream, gen: UInt32) throws {
        let col = cols + c
        guard col.pointee.hasRepeat, let prev = previousRefs[c] else {
            try decodeCoded(c, col, &inp, tokens: tokens, gen: gen)
            return
        }
        try prev._withUnsafeGuaranteedRef { prev in
            if repeatFlagged(col, gen: gen) {
                let flag = try inp.u8()
                if flag == 0 {
                    guard col.pointee.hasPrevious else { throw TransformError.corruptFrame("repeat without a previous value") }
                    tokens.put(UnsafePointer(prev.base), prev.count)
                    col.pointee.repeatGen = gen
                    return
                }
                guard flag == 1 else { throw TransformError.corruptFrame("bad repeat flag") }
            }
            let start = tokens.count
            try decodeCoded(c, col, &inp, tokens: tokens, gen: gen)
            prev.reset(); prev.put(UnsafePointer(tokens.base) + start, tokens.count - start)
            col.pointee.hasPrevious = true
        }
    }

    /// `decodeValue` past the repeat flag.
    @inline(__always)
    func decodeCoded(_ c: Int, _ col: UnsafeMutablePointer<ColumnRT>, _ inp: inout Cursor, tokens: OutStream, gen: UInt32) throws {
        if col.pointee.hasLookup, let lk = lookupRefs[c] {
            let flag = try inp.varint()
            if flag == 0 {
                let key = cols + Int(col.pointee.lookupKey)
                guard key.pointee.viewGen == gen,
                      let (vp, vn) = lk._withUnsafeGuaranteedRef({ $0.value(forKey: UnsafePointer(tokens.base) + key.pointee.viewStart, key.pointee.viewLen) }) else {
                    throw TransformError.corruptFrame("lookup without its key")
                }
                tokens.put(vp, vn)
                return
            }
            guard flag == 1 else { throw TransformError.corruptFrame("bad lookup flag") }
        }
        if !col.pointee.hasRefs && !col.pointee.hasEmbedded {
            try decodeCore(c, col, &inp, into: tokens, gen: gen)
            return
        }
        let hasRefs = col.pointee.hasRefs
        let hasEmbedded = col.pointee.hasEmbedded
        try Unmanaged.passUnretained(scratch2)._withUnsafeGuaranteedRef { scratch2 in
            try Unmanaged.passUnretained(scratch3)._withUnsafeGuaranteedRef { scratch3 in
                let afterEmbedded = hasRefs ? scratch2 : tokens
                if hasRefs { scratch2.reset() }
                if hasEmbedded {
                    scratch3.reset()
                    try decodeCore(c, col, &inp, into: scratch3, gen: gen)
                    try expandEmbedded(col, scratch3, &inp, into: afterEmbedded, gen: gen)
                } else {
                    try decodeCore(c, col, &inp, into: afterEmbedded, gen: gen)
                }
                if hasRefs { try expand(c, scratch2, into: tokens, gen: gen) }
            }
        }
    }
}

// MARK: - Encoder

struct FieldEncoder {
    let model: FieldModel
    let st: FieldCoderState
    let splitter = JSONSplitter()
    var streams: [OutStream] = []
    var collectStats = false
    var stats = TransformStats()
    var colValues: [Int] = []
    var colIn: [Int] = []
    var colOut: [Int] = []
    var colEscapes: [Int] = []
    var times: FieldTimes?
    /// Checks each `columns` frame's values (see `FrameKind.checkedColumns`); made when first used.
    var checker: ColumnarFrameReader?

    /// Frames with fewer records use the `rows` layout even when `columns` is on.
    static let columnarMinimumRecords = 8

    init(model: FieldModel) {
        self.model = model
        st = FieldCoderState(model: model)
        for _ in 0..<3 { streams.append(OutStream()) }
    }

    mutating func encode(_ records: RecordBatch, into out: inout [UInt8]) {
        var unused = TimeSpan()
        encode(records, into: &out, timeField: nil, span: &unused)
    }

    /// `encode`, adding each record's time by `timeField` to `span` (see `FieldTimes`).
    mutating func encode(_ records: RecordBatch, into out: inout [UInt8], timeField: TimeField?, span: inout TimeSpan) {
        let rows = !model.useColumns || records.count < Self.columnarMinimumRecords
        st.beginFrame(columns: !rows)
        if let timeField {
            if times?.field != timeField { times = FieldTimes(field: timeField) }
            times!.beginFrame(modelShapes: st.modelShapes.count)
        }
        let timing = timeField != nil
        for s in streams { s.reset() }
        if !rows {
            let needed = st.hasSideStreams ? st.maxStreamID + 1 : 3 + st.capacity
            while streams.count < needed { streams.append(OutStream(capacity: 64)) }
            for (c, r) in st.recent.enumerated() where r != nil { r!.side = streams[st.sideStream(c)] }
        }
        if collectStats { growStats(st.capacity) }
        let main = streams[0]
        let shapeStream = rows ? main : streams[1]
        let verbatim = rows ? main : streams[2]
        var structureIn = 0
        var verbatimCount = 0, verbatimBytes = 0, literalShapes = 0
        let st = self.st
        let splitter = self.splitter
        let stats = collectStats
        let unretained = streams.map { Unmanaged.passUnretained($0) }
        let mainRef = Unmanaged.passUnretained(main)
        // Records mostly repeat the previous record's shape: tried first (`split(_:as:)`).
        var previous: ShapeRT? = nil
        var previousKey = 0
        records.bytes.withUnsafeBufferPointer { all in
            let base = all.baseAddress ?? UnsafePointer(bitPattern: 8)!
            records.offsets.withUnsafeBufferPointer { offsets in
                streams.withUnsafeBufferPointer { streams in
                    for i in 0..<records.count {
                        let lo = offsets[i], hi = offsets[i + 1]
                        let rec = base + lo
                        var shape: ShapeRT? = nil
                        var shapeKey = -1
                        let r = UnsafeRawBufferPointer(start: rec, count: hi - lo)
                        if hi > lo, let last = previous, splitter.split(r, as: last) {
                            // The previous record's shape (its key: model shapes, then this frame's).
                            main.varint(previousKey + 2)
                            shape = last
                            shapeKey = previousKey
                            structureIn += last.byteCount - last.slotCount
                        } else if hi > lo, splitter.split(r) {
                            let sp = splitter.shape, sn = splitter.shapeCount
                            let h = ByteTable.hash(sp, sn)
                            let id = st.shapeTable.find(sp, sn, hash: h)
                            if id >= 0 {
                                main.varint(id + 2)
                                shape = st.modelShapes[id]
                                shapeKey = id
                            } else if let lid = st.localShapeTable.find(sp, sn, hash: h) {
                                main.varint(st.modelShapes.count + lid + 2)
                                shape = st.localShapes[lid]
                                shapeKey = st.modelShapes.count + lid
                            } else if let lid = try? st.addLocalShape(Array(UnsafeBufferPointer(start: sp, count: sn))) {
                                main.varint(1)
                                shapeStream.varint(sn); shapeStream.put(sp, sn)
                                literalShapes += 1
                                shape = st.localShapes[lid]
                                shapeKey = st.modelShapes.count + lid
                            }
                            if shape != nil { structureIn += sn - splitter.valueCount }
                            if let shape { previous = shape; previousKey = shapeKey }
                        }
                        if timing {
                            span.add(shape.map { times!.time(of: r, shape: $0, key: shapeKey, valueStart: splitter.valueStart) }
                                     ?? times!.field.time(in: r))
                        }
                        guard let info = shape else {
                            main.varint(0)
                            verbatim.varint(hi - lo); verbatim.put(rec, hi - lo)
                            verbatimCount += 1; verbatimBytes += hi - lo
                            continue
                        }
                        st.nextRecord()
                        let gen = st.gen
                        let vs = splitter.valueStart, ve = splitter.valueEnd
                        let order = info.order, slotColumn = info.slotColumn
                        for k in 0..<info.slotCount {
                            let slot = Int(order[k])
                            let c = Int(slotColumn[slot])
                            let s = Int(vs[slot]), e = Int(ve[slot])
                            // Guaranteed by `streams`: loading the class reference from the
                            // array costs a retain and a release per value otherwise.
                            let ref = rows ? mainRef : unretained[3 + c]
                            ref._withUnsafeGuaranteedRef { o in
                                if stats {
                                    let before = o.count
                                    let esc = st.encodeValue(c, rec + s, e - s, recordBase: rec, out: o, gen: gen)
                                    colValues[c] += 1; colIn[c] += e - s; colOut[c] += o.count - before
                                    if esc { colEscapes[c] += 1 }
                                } else {
                                    _ = st.encodeValue(c, rec + s, e - s, recordBase: rec, out: o, gen: gen)
                                }
                            }
                        }
                    }
                }
            }
        }
        if !rows { for (c, m) in st.messages.enumerated() where m != nil { m!.flush(into: streams[st.sideStream(c)]) } }
        let start = out.count
        if rows {
            out.reserveCapacity(start + main.count + 1)
            out.append(FrameKind.rows.rawValue)
            out.append(contentsOf: main.buffer)
        } else {
            var dir = ByteWriter(capacity: 64)
            dir.varint(records.totalBytes)
            var present: [Int] = []
            for id in 0..<(3 + st.columnCount) where streams[id].count > 0 { present.append(id) }
            for c in 0..<st.modelColumnCount where st.hasSide(c) && streams[st.sideStream(c)].count > 0 { present.append(st.sideStream(c)) }
            dir.varint(present.count)
            for id in present { dir.varint(id); dir.varint(streams[id].count) }
            out.reserveCapacity(start + 1 + dir.count + present.reduce(0) { $0 + streams[$1].count })
            out.append(FrameKind.columns.rawValue)
            out.append(contentsOf: dir.bytes)
            for id in present { out.append(contentsOf: streams[id].buffer) }
            // Checked once here, so that columnar reads leave the columns they skip unread.
            if checker == nil { checker = ColumnarFrameReader(field: model) }
            let checker = checker!
            let ok = out.withUnsafeBufferPointer { checker.valuesChecked(UnsafeBufferPointer(rebasing: $0[start...]), recordCount: records.count) }
            if ok { out[start] = FrameKind.checkedColumns.rawValue }
        }
        if collectStats {
            self.stats.records += records.count
            self.stats.inputBytes += records.totalBytes
            self.stats.outputBytes += out.count - start
            self.stats.verbatimRecords += verbatimCount
            self.stats.verbatimBytes += verbatimBytes
            self.stats.literalShapes += literalShapes
            self.stats.structureBytesIn += structureIn
            // Bodies in side streams are the column's bytes too.
            if !rows { for c in 0..<st.modelColumnCount where st.hasSide(c) { colOut[c] += streams[st.sideStream(c)].count } }
            for c in 0..<st.columnCount where colValues[c] > 0 {
                let name = c < st.modelColumnCount ? model.columns[c].transformName : "text (unseen path)"
                self.stats.add(path: ShapePaths.display(st.path(c)), transform: name,
                               values: colValues[c], bytesIn: colIn[c], bytesOut: colOut[c], escaped: colEscapes[c])
                colValues[c] = 0; colIn[c] = 0; colOut[c] = 0; colEscapes[c] = 0
            }
        }
    }

    mutating func growStats(_ n: Int) {
        while colValues.count < n { colValues.append(0); colIn.append(0); colOut.append(0); colEscapes.append(0) }
    }
}

/// Record times read from the tokenizer's output: where the time field is found by shape
/// (`TimeField.isFoundByShape`), each shape is searched once, in its own bytes with every
/// value read as `0`, for the slot that holds the field, and each record's time is parsed
/// from that slot's value, exactly as `TimeField.time(in:)` would read it.
struct FieldTimes {
    let field: TimeField
    let byShape: Bool
    /// Per shape (model shapes, then this frame's literal ones): a slot, or one of these.
    private var slots: [Int32] = []
    private static let unknown: Int32 = -3, search: Int32 = -2, absent: Int32 = -1

    init(field: TimeField) {
        self.field = field
        byShape = field.isFoundByShape
    }

    /// Literal shapes are numbered per frame: forget theirs.
    mutating func beginFrame(modelShapes: Int) {
        if slots.count > modelShapes { slots.removeSubrange(modelShapes...) }
    }

    /// The time of `record`, tokenized into `shape` (`key`: its number) with value `k` at
    /// `record[valueStart[k] ..< ...]`.
    @inline(__always)
    mutating func time(of record: UnsafeRawBufferPointer, shape: ShapeRT, key: Int, valueStart: UnsafeMutablePointer<Int32>) -> Int64? {
        guard byShape, key >= 0 else { return field.time(in: record) }
        if key >= slots.count { slots.append(contentsOf: repeatElement(Self.unknown, count: key + 1 - slots.count)) }
        if slots[key] == Self.unknown { slots[key] = slot(in: shape) }
        switch slots[key] {
        case Self.absent: return nil
        case Self.search: return field.time(in: record)
        case let k: return field.time(in: record, valueAt: Int(valueStart[Int(k)]))
        }
    }

    /// Where the field is in records of `shape`: its slot, `absent`, or `search` (the value
    /// is an object or an array, not one slot).
    private func slot(in shape: ShapeRT) -> Int32 {
        var bytes = Array(UnsafeBufferPointer(start: shape.bytes, count: shape.byteCount))
        for k in 0..<shape.slotCount { bytes[Int(shape.holes[k])] = 0x30 }
        guard let at = bytes.withUnsafeBytes({ field.valueStart(in: $0) }) else { return Self.absent }
        for k in 0..<shape.slotCount where Int(shape.holes[k]) == at { return Int32(k) }
        return Self.search
    }
}

// MARK: - Decoder

struct FieldDecoder {
    let model: FieldModel
    let st: FieldCoderState
    let tokens = OutStream(capacity: 4096)
    let record = OutStream(capacity: 4096)

    init(model: FieldModel) {
        self.model = model
        st = FieldCoderState(model: model)
    }

    mutating func decode(_ bytes: [UInt8], recordCount: Int) throws -> RecordBatch {
        var out = RecordBatch()
        try decodeRecords(bytes, recordCount: recordCount, reserve: { out = RecordBatch(reservingBytes: $0, records: recordCount) }) {
            out.append($0)
        }
        return out
    }

    /// The records, each followed by `\n`, appended to `out`: the original bytes of the frame
    /// without building a `RecordBatch` first (restore's path: one copy per record less).
    mutating func decodeLines(_ bytes: [UInt8], recordCount: Int, into out: inout [UInt8]) throws {
        try decodeRecords(bytes, recordCount: recordCount, reserve: { out.reserveCapacity(out.count + $0 + recordCount) }) { r in
            out.append(contentsOf: r)
            out.append(0x0A)
        }
    }

    /// Whether the frame decodes to exactly `records` (the writer's check): each record is
    /// compared as it is decoded, with no copy, and decoding stops at the first difference.
    mutating func restores(_ bytes: [UInt8], exactly records: RecordBatch) -> Bool {
        let n = records.count
        var i = 0
        do {
            try records.bytes.withUnsafeBytes { all in
                try records.offsets.withUnsafeBufferPointer { off in
                    try decodeRecords(bytes, recordCount: n, reserve: { _ in }) { r in
                        guard i < n else { throw TransformError.corruptFrame("more records than expected") }
                        let lo = off[i], len = off[i + 1] - lo
                        guard r.count == len, len == 0 || memcmp(all.baseAddress! + lo, r.baseAddress!, len) == 0 else {
                            throw TransformError.corruptFrame("record \(i) differs")
                        }
                        i += 1
                    }
                }
            }
        } catch {
            return false
        }
        return i == n
    }

    /// Decodes the frame, handing each record's bytes to `emit` in order (the buffer is only
    /// valid during the call). `reserve` is told the frame's expected original size first.
    private mutating func decodeRecords(_ bytes: [UInt8], recordCount: Int, reserve: (Int) -> Void,
                                        emit: (UnsafeBufferPointer<UInt8>) throws -> Void) throws {
        guard let first = bytes.first, let kind = FrameKind(rawValue: first), kind == .rows || kind.isColumns else {
            throw TransformError.corruptFrame("not a field-transformed frame")
        }
        st.beginFrame(columns: kind.isColumns)
        let st = self.st, tokens = self.tokens, record = self.record
        // The columns layout states the original size; trust it only within reason.
        var declared = -1
        if kind.isColumns {
            try bytes.withUnsafeBufferPointer { buf in
                var c = Cursor(buf.baseAddress!, 1, buf.count)
                declared = try c.count(limit: Int(Int32.max) * 64)
            }
        }
        reserve(declared >= 0 ? Swift.min(declared, bytes.count * 64) : Swift.min(bytes.count * 8, 1 << 30))
        var emitted = 0
        try bytes.withUnsafeBufferPointer { buf in
            let base = buf.baseAddress!
            let rows = kind == .rows
            let streamCount: Int
            let cursors: UnsafeMutablePointer<Cursor>
            if rows {
                streamCount = 1
                cursors = .allocate(capacity: 1)
                cursors.initialize(to: Cursor(base, 1, buf.count))
            } else {
                (cursors, streamCount) = try ColumnStreams.open(buf, maxID: st.maxStreamID, spare: 1)
                st.attachSides(cursors, count: streamCount, empty: cursors + streamCount)
            }
            defer { cursors.deallocate() }
            var empty = Cursor(base, 0, 0)
            let main = cursors
            let shapeCursor = rows ? cursors : cursors + 1
            let verbatimCursor = rows ? cursors : (streamCount > 2 ? cursors + 2 : nil)
            var tokStart = [Int](repeating: 0, count: 64)
            var tokEnd = tokStart
            for _ in 0..<recordCount {
                let header = try main.pointee.varint()
                if header == 0 {
                    guard let v = verbatimCursor else { throw TransformError.corruptFrame("missing verbatim stream") }
                    let len = try v.pointee.count(limit: v.pointee.remaining)
                    let p = try v.pointee.take(len)
                    try emit(UnsafeBufferPointer(start: p, count: len))
                    emitted += len
                    continue
                }
                let info: ShapeRT
                if header == 1 {
                    let len = try shapeCursor.pointee.count(limit: shapeCursor.pointee.remaining)
                    let p = try shapeCursor.pointee.take(len)
                    let shape = Array(UnsafeBufferPointer(start: p, count: len))
                    guard st.localShapeTable.find(shape) == nil, st.shapeTable.find(p, len) < 0 else {
                        throw TransformError.corruptFrame("literal shape repeats a known one")
                    }
                    info = st.localShapes[try st.addLocalShape(shape)]
                } else {
                    // A hostile varint can exceed Int.max: an error, not a trap (found by fuzzing).
                    guard let id = Int(exactly: header - 2) else { throw TransformError.corruptFrame("unknown shape id \(header - 2)") }
                    if id < st.modelShapes.count { info = st.modelShapes[id] }
                    else if id - st.modelShapes.count < st.localShapes.count { info = st.localShapes[id - st.modelShapes.count] }
                    else { throw TransformError.corruptFrame("unknown shape id \(id)") }
                }
                st.nextRecord()
                let gen = st.gen
                tokens.reset()
                let slots = info.slotCount
                if tokStart.count < slots {
                    tokStart = Array(repeating: 0, count: slots); tokEnd = tokStart
                }
                try tokStart.withUnsafeMutableBufferPointer { ts in
                    try tokEnd.withUnsafeMutableBufferPointer { te in
                        for k in 0..<slots {
                            let slot = Int(info.order[k])
                            let c = Int(info.slotColumn[slot])
                            let start = tokens.count
                            if rows {
                                try st.decodeValue(c, &main.pointee, tokens: tokens, gen: gen)
                            } else if 3 + c < streamCount {
                                try st.decodeValue(c, &cursors[3 + c], tokens: tokens, gen: gen)
                            } else {
                                try st.decodeValue(c, &empty, tokens: tokens, gen: gen)
                            }
                            ts[slot] = start; te[slot] = tokens.count
                            let col = st.cols + c
                            if col.pointee.viewGen != gen {
                                col.pointee.viewGen = gen; col.pointee.viewStart = start; col.pointee.viewLen = tokens.count - start
                            }
                        }
                        // Splice the tokens into the shape: room for all of it reserved once
                        // (the shape's bytes, holes included, and every token), then plain copies.
                        record.reset()
                        record.reserve(info.byteCount + tokens.count)
                        let sb = UnsafePointer(info.bytes)
                        let tb = UnsafePointer(tokens.base)
                        var d = record.base
                        var from = 0
                        for slot in 0..<slots {
                            let h = Int(info.holes[slot])
                            copyBytes(d, sb + from, h - from)
                            d += h - from
                            let n = te[slot] - ts[slot]
                            copyBytes(d, tb + ts[slot], n)
                            d += n
                            from = h + 1
                        }
                        copyBytes(d, sb + from, info.byteCount - from)
                        d += info.byteCount - from
                        record.setCount(record.base.distance(to: d))
                    }
                }
                try emit(record.buffer)
                emitted += record.count
            }
            for i in 0..<streamCount where !cursors[i].isAtEnd {
                throw TransformError.corruptFrame("\(cursors[i].remaining) unread bytes in stream \(i)")
            }
            try st.finishMessages()
        }
        if declared >= 0 && declared != emitted {
            throw TransformError.corruptFrame("restored \(emitted) bytes, the frame states \(declared)")
        }
    }
}

/// The `columns` layout's stream directory (`varint originalSize, varint count, (varint id,
/// varint length) × count`, then the streams back to back), read and checked in one place for
/// the restore and the columnar reader.
enum ColumnStreams {
    /// The directory of a `columns` payload (kind byte included): where it ends and each
    /// listed stream's length, in order. Throws when `buf` ends inside it.
    static func directory(_ buf: UnsafeBufferPointer<UInt8>) throws -> (end: Int, lengths: [Int]) {
        guard let base = buf.baseAddress, buf.count > 0 else { throw TransformError.corruptFrame("empty frame") }
        var dir = Cursor(base, 1, buf.count)
        _ = try dir.varint()
        let n = try dir.count(limit: dir.remaining)
        var lengths: [Int] = []
        lengths.reserveCapacity(n)
        for _ in 0..<n {
            _ = try dir.varint()
            lengths.append(try dir.count(limit: Int(UInt32.max)))
        }
        return (dir.pos, lengths)
    }

    /// Loads the directory of a payload read through `loader`: a prefix, grown until the
    /// directory ends inside it (or the whole payload is loaded, where `open` judges it).
    static func loadDirectory(_ buf: UnsafeBufferPointer<UInt8>, _ loader: PayloadLoader) throws {
        var k = min(buf.count, 64)
        while true {
            try loader.load(0..<k)
            if k == buf.count || (try? directory(UnsafeBufferPointer(rebasing: buf[..<k]))) != nil { return }
            k = min(buf.count, k * 4)
        }
    }

    /// A cursor per stream id (ids without a stream: empty ones), `spare` more empty cursors
    /// after them; the caller deallocates. `count` is the number of ids (at least 3).
    static func open(_ buf: UnsafeBufferPointer<UInt8>, maxID: Int, spare: Int = 0) throws
        -> (cursors: UnsafeMutablePointer<Cursor>, count: Int) {
        let base = buf.baseAddress!
        var dir = Cursor(base, 1, buf.count)
        _ = try dir.varint()
        let n = try dir.count(limit: dir.remaining)
        var entries: [(Int, Int)] = []
        var maxId = 2
        for _ in 0..<n {
            let id = try dir.count(limit: maxID)
            let len = try dir.count(limit: buf.count)
            entries.append((id, len))
            maxId = Swift.max(maxId, id)
        }
        let count = maxId + 1
        let cursors = UnsafeMutablePointer<Cursor>.allocate(capacity: count + spare)
        cursors.initialize(repeating: Cursor(base, 0, 0), count: count + spare)
        do {
            var pos = dir.pos
            var seen = Set<Int>()
            for (id, len) in entries {
                guard seen.insert(id).inserted else { throw TransformError.corruptFrame("stream \(id) listed twice") }
                guard len <= buf.count - pos else { throw TransformError.corruptFrame("stream \(id) runs past the frame") }
                cursors[id] = Cursor(base, pos, pos + len)
                pos += len
            }
            guard pos == buf.count else { throw TransformError.corruptFrame("\(buf.count - pos) bytes after the last stream") }
        } catch {
            cursors.deallocate()
            throw error
        }
        return (cursors, count)
    }
}
