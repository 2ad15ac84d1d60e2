import LogLabCore

/// Frame layout of the field-aware transforms (after the kind byte, see `FrameKind`):
///
/// * `rows` (kind 2): one stream, record after record:
///   `header` [`literal shape`] [`verbatim record`] `value…` in the shape's coding order.
/// * `columns` (kind 3): `varint streamCount`, then `varint id, varint length` per stream,
///   then the streams back to back. Stream 0 = record headers, 1 = literal shapes,
///   2 = verbatim records, 3 + c = the values of column c.
///
/// Record header: 0 = verbatim record (varint length + bytes), 1 = a new shape follows
/// (varint length + shape bytes; it gets the next frame-local id), n ≥ 2 = shape n − 2
/// (model shapes first, then this frame's literal shapes).
///
/// Value of a column (see `ColumnSpec`): with a vocabulary, `varint code` (0 = not in the
/// vocabulary, the base coding follows). Base codings:
/// * text: `varint (len << 1 | isString)` + bytes (string contents without quotes);
/// * number / timestamp: `varint x`; x even: same format as the column's previous value,
///   residual = unzigzag(x >> 1); x odd: tag = x >> 1, 0 = escape (text follows),
///   else format = tag − 1 and `svarint residual` follows. The residual is taken from the
///   learned relation's prediction when its sources are in the record, else from the
///   column's previous value (delta) or from the column's learned reference value;
/// * uuid: `varint layout` (0 = escape, text follows), 16 bytes, suffix bytes.
final class FieldCoderState {
    let model: FieldModel
    let modelColumnCount: Int
    var specs: [ColumnSpec]
    var localPaths = ByteTable()
    var localShapeTable = ByteTable()
    var localShapes: [ShapeInfo] = []

    var prevValue: [Int64] = []
    var prevFormat: [Int] = []
    var gen: UInt32 = 0
    var viewGen: [UInt32] = []
    var viewStart: [Int] = []
    var viewLen: [Int] = []
    var tsGen: [UInt32] = []
    var tsVal: [Int64] = []
    var numGen: [UInt32] = []
    var numVal: [Int64] = []

    let scratch = OutStream(capacity: 1024)
    let scratch2 = OutStream(capacity: 1024)
    var uuidBytes = [UInt8](repeating: 0, count: 16)

    init(model: FieldModel) {
        self.model = model
        modelColumnCount = model.columns.count
        specs = model.columns
        growState(specs.count)
    }

    func growState(_ n: Int) {
        while prevValue.count < n {
            prevValue.append(0); prevFormat.append(0)
            viewGen.append(0); viewStart.append(0); viewLen.append(0)
            tsGen.append(0); tsVal.append(0); numGen.append(0); numVal.append(0)
        }
    }

    func beginFrame() {
        if specs.count > modelColumnCount { specs.removeSubrange(modelColumnCount...) }
        if localPaths.count > 0 { localPaths = ByteTable() }
        if localShapeTable.count > 0 { localShapeTable = ByteTable(); localShapes.removeAll(keepingCapacity: true) }
        for c in 0..<modelColumnCount {
            prevValue[c] = model.columns[c].initValue
            prevFormat[c] = model.columns[c].initFormat
        }
    }

    @inline(__always) func nextRecord() {
        gen &+= 1
        if gen == 0 {  // wrapped: forget every stale mark
            for i in 0..<viewGen.count { viewGen[i] = 0; tsGen[i] = 0; numGen[i] = 0 }
            gen = 1
        }
    }

    /// Column of `path`, adding a frame-local text column for a path the model never saw.
    func column(forPath path: [UInt8]) -> Int32 {
        if let c = model.pathTable.find(path) { return Int32(c) }
        let before = localPaths.count
        let id = localPaths.insert(path)
        if id == before {
            specs.append(ColumnSpec(path: path))
            growState(specs.count)
        }
        return Int32(modelColumnCount + id)
    }

    func addLocalShape(_ bytes: [UInt8]) throws -> Int {
        let paths = try ShapePaths.paths(of: bytes)
        let cols = paths.map { column(forPath: $0) }
        let info = FieldModel.shapeInfo(bytes: bytes, slotColumns: cols, level: { self.specs[Int($0)].level })
        localShapeTable.insert(bytes)
        localShapes.append(info)
        return localShapes.count - 1
    }

    /// The relation's prediction (ns for timestamps, mantissa for numbers) if its sources
    /// are in the current record.
    @inline(__always) func prediction(_ r: Relation) -> Int64? {
        let s = Int(r.source)
        switch r.kind {
        case .tsFromTs:
            return tsGen[s] == gen ? tsVal[s] &+ r.offset : nil
        case .tsFromTsNum:
            let m = Int(r.number)
            return tsGen[s] == gen && numGen[m] == gen ? tsVal[s] &+ numVal[m] &* r.unit &+ r.offset : nil
        case .numFromTs:
            return tsGen[s] == gen ? ISOTimestamp.floorDiv(tsVal[s] &+ r.offset, r.unit) : nil
        case .numFromNum:
            return numGen[s] == gen ? numVal[s] &+ r.offset : nil
        }
    }

    /// Text a reference stands for, if available in the current record (≥ 3 bytes).
    @inline(__always) func refText(_ ref: SubRef, base: UnsafePointer<UInt8>) -> (UnsafePointer<UInt8>, Int)? {
        let c = Int(ref.column)
        guard viewGen[c] == gen else { return nil }
        var p = base + viewStart[c]
        var n = viewLen[c]
        if n >= 2 && p[0] == 0x22 && p[n - 1] == 0x22 { p += 1; n -= 2 }
        if ref.dateOnly {
            guard n >= 10 else { return nil }
            n = 10
        }
        return n >= 3 ? (p, n) : nil
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

    /// Frames with fewer records use the `rows` layout even when `columns` is on.
    static let columnarMinimumRecords = 8

    init(model: FieldModel) {
        self.model = model
        st = FieldCoderState(model: model)
    }

    @inline(__always) func stream(_ id: Int, rows: Bool) -> OutStream { rows ? streams[0] : streams[id] }

    mutating func encode(_ records: RecordBatch, into out: inout [UInt8]) {
        let rows = !model.useColumns || records.count < Self.columnarMinimumRecords
        st.beginFrame()
        if streams.isEmpty { for _ in 0..<3 { streams.append(OutStream()) } }
        for s in streams { s.reset() }
        if collectStats { growStats(st.specs.count) }
        var structureIn = 0
        var verbatimCount = 0, verbatimBytes = 0, literalShapes = 0
        let headerStart = rows ? 0 : streams[0].count
        records.bytes.withUnsafeBufferPointer { all in
            guard let base = all.baseAddress else {
                // Zero bytes: every record is empty, hence not JSON: verbatim.
                for _ in 0..<records.count { streams[0].varint(0); stream(2, rows: rows).varint(0) }
                verbatimCount = records.count
                return
            }
            for i in 0..<records.count {
                let lo = records.offsets[i], hi = records.offsets[i + 1]
                let rec = base + lo
                let headers = streams[0]
                if splitter.split(UnsafeRawBufferPointer(start: rec, count: hi - lo)) {
                    let sp = splitter.shape, sn = splitter.shapeCount
                    structureIn += sn - splitter.valueCount
                    let h = ByteTable.hash(sp, sn)
                    var info: ShapeInfo
                    if let id = model.shapeTable.find(sp, sn, hash: h) {
                        headers.varint(id + 2)
                        info = model.shapes[id]
                    } else if let lid = st.localShapeTable.find(sp, sn, hash: h) {
                        headers.varint(model.shapes.count + lid + 2)
                        info = st.localShapes[lid]
                    } else {
                        let bytes = Array(UnsafeBufferPointer(start: sp, count: sn))
                        guard let lid = try? st.addLocalShape(bytes) else {
                            headers.varint(0)
                            let v = stream(2, rows: rows)
                            v.varint(hi - lo); v.put(rec, hi - lo)
                            verbatimCount += 1; verbatimBytes += hi - lo
                            continue
                        }
                        headers.varint(1)
                        let s = stream(1, rows: rows)
                        s.varint(sn); s.put(sp, sn)
                        literalShapes += 1
                        info = st.localShapes[lid]
                        if !rows { while streams.count < 3 + st.specs.count { streams.append(OutStream()) } }
                        if collectStats { growStats(st.specs.count) }
                    }
                    st.nextRecord()
                    let vs = splitter.valueStart, ve = splitter.valueEnd
                    info.order.withUnsafeBufferPointer { order in
                        info.slotColumn.withUnsafeBufferPointer { cols in
                            for k in order {
                                let slot = Int(k)
                                let c = Int(cols[slot])
                                let s = Int(vs[slot]), e = Int(ve[slot])
                                let o = rows ? streams[0] : ensureStream(3 + c)
                                if collectStats {
                                    let before = o.count
                                    let esc = encodeValue(c, rec + s, e - s, recordBase: rec, out: o)
                                    colValues[c] += 1; colIn[c] += e - s; colOut[c] += o.count - before
                                    if esc { colEscapes[c] += 1 }
                                } else {
                                    _ = encodeValue(c, rec + s, e - s, recordBase: rec, out: o)
                                }
                            }
                        }
                    }
                } else {
                    headers.varint(0)
                    let v = stream(2, rows: rows)
                    v.varint(hi - lo); v.put(rec, hi - lo)
                    verbatimCount += 1; verbatimBytes += hi - lo
                }
            }
        }
        if rows {
            out.reserveCapacity(streams[0].count + 1)
            out.append(FrameKind.rows.rawValue)
            out.append(contentsOf: streams[0].buffer)
        } else {
            var dir = ByteWriter(capacity: 64)
            var present: [Int] = []
            for (id, s) in streams.enumerated() where s.count > 0 && id < 3 + st.specs.count { present.append(id) }
            dir.varint(present.count)
            for id in present { dir.varint(id); dir.varint(streams[id].count) }
            out.reserveCapacity(1 + dir.count + present.reduce(0) { $0 + streams[$1].count })
            out.append(FrameKind.columns.rawValue)
            out.append(contentsOf: dir.bytes)
            for id in present { out.append(contentsOf: streams[id].buffer) }
        }
        if collectStats {
            stats.records += records.count
            stats.inputBytes += records.totalBytes
            stats.outputBytes += out.count
            stats.verbatimRecords += verbatimCount
            stats.verbatimBytes += verbatimBytes
            stats.literalShapes += literalShapes
            stats.structureBytesIn += structureIn
            let _ = headerStart
            for c in 0..<st.specs.count where colValues[c] > 0 {
                let spec = st.specs[c]
                stats.add(path: ShapePaths.display(spec.path), transform: c < st.modelColumnCount ? spec.transformName : "text (unseen path)",
                          values: colValues[c], bytesIn: colIn[c], bytesOut: colOut[c], escaped: colEscapes[c])
                colValues[c] = 0; colIn[c] = 0; colOut[c] = 0; colEscapes[c] = 0
            }
        }
    }

    mutating func growStats(_ n: Int) {
        while colValues.count < n { colValues.append(0); colIn.append(0); colOut.append(0); colEscapes.append(0) }
    }

    @inline(__always) mutating func ensureStream(_ id: Int) -> OutStream {
        while streams.count <= id { streams.append(OutStream()) }
        return streams[id]
    }

    @inline(__always) func writeText(_ p: UnsafePointer<UInt8>, _ n: Int, _ out: OutStream) {
        if n >= 2 && p[0] == 0x22 && p[n - 1] == 0x22 {
            out.varint(UInt64(n - 2) << 1 | 1)
            out.put(p + 1, n - 2)
        } else {
            out.varint(UInt64(n) << 1)
            out.put(p, n)
        }
    }

    @inline(__always) func emitNumeric(_ d: Int64, format f: Int, column c: Int, _ out: OutStream) {
        let z = zigzag(d)
        if f == st.prevFormat[c] && z < (1 << 63) {
            out.varint(z << 1)
        } else {
            out.varint(UInt64(f + 1) << 1 | 1)
            out.varint(z)
        }
    }

    /// Codes one value; returns true when it had to be escaped to text.
    @inline(__always)
    func encodeValue(_ c: Int, _ p: UnsafePointer<UInt8>, _ n: Int, recordBase: UnsafePointer<UInt8>, out: OutStream) -> Bool {
        let st = self.st
        if st.viewGen[c] != st.gen {
            st.viewGen[c] = st.gen; st.viewStart[c] = p - recordBase; st.viewLen[c] = n
        }
        let spec = st.specs[c]
        var tp = p, tn = n
        if !spec.refs.isEmpty {
            substitute(spec.refs, p, n, recordBase: recordBase, into: st.scratch)
            tp = UnsafePointer(st.scratch.base); tn = st.scratch.count
        }
        if let vocab = spec.vocab {
            if let id = vocab.find(tp, tn) { out.varint(id + 1); return false }
            out.put(0)
        }
        switch spec.kind {
        case .text:
            writeText(tp, tn, out)
            return false
        case .number:
            guard let (m, f) = DecimalText.parse(tp, tn) else {
                out.varint(1); writeText(tp, tn, out); return true
            }
            var base: Int64 = spec.delta ? st.prevValue[c] : spec.initValue
            if let r = spec.relation, let pred = st.prediction(r) { base = pred }
            emitNumeric(m &- base, format: f, column: c, out)
            st.prevValue[c] = m; st.prevFormat[c] = f
            st.numGen[c] = st.gen; st.numVal[c] = m
            return false
        case .timestamp:
            guard let (v, fmt) = ISOTimestamp.parse(tp, tn) else {
                out.varint(1); writeText(tp, tn, out); return true
            }
            let unit = ISOTimestamp.pow10[9 - fmt.fraction]
            var baseNs: Int64 = spec.delta ? st.prevValue[c] : spec.initValue
            if let r = spec.relation, let pred = st.prediction(r) { baseNs = pred }
            let code = fmt.code
            emitNumeric(v &- ISOTimestamp.floorDiv(baseNs, unit), format: code, column: c, out)
            let ns = v &* unit
            st.prevValue[c] = ns; st.prevFormat[c] = code
            st.tsGen[c] = st.gen; st.tsVal[c] = ns
            return false
        case .uuid:
            return st.uuidBytes.withUnsafeMutableBufferPointer { ub in
                guard let (layout, sStart) = UUIDText.parse(tp, tn, bytes: ub.baseAddress!) else {
                    out.put(0); writeText(tp, tn, out); return true
                }
                out.varint(layout)
                out.put(UnsafePointer(ub.baseAddress!), 16)
                out.put(tp + sStart, tn - 1 - sStart)
                return false
            }
        }
    }

    /// Replaces every occurrence of each available reference text with its marker byte
    /// (0x01 + index). Tokens never hold bytes below 0x20, so markers are unambiguous.
    func substitute(_ refs: [SubRef], _ p: UnsafePointer<UInt8>, _ n: Int, recordBase: UnsafePointer<UInt8>, into out: OutStream) {
        out.reset()
        var texts: [(UnsafePointer<UInt8>, Int, UInt8)] = []
        texts.reserveCapacity(refs.count)
        for (i, r) in refs.enumerated() {
            if let (tp, tn) = st.refText(r, base: recordBase) { texts.append((tp, tn, UInt8(i + 1))) }
        }
        if texts.isEmpty { out.put(p, n); return }
        var i = 0
        outer: while i < n {
            let b = p[i]
            for (tp, tn, marker) in texts where tp[0] == b && tn <= n - i && memcmpEqual(p + i, tp, tn) {
                out.put(marker)
                i += tn
                continue outer
            }
            out.put(b)
            i += 1
        }
    }
}

// MARK: - Decoder

struct FieldDecoder {
    let model: FieldModel
    let st: FieldCoderState
    let tokens = OutStream(capacity: 4096)
    let record = OutStream(capacity: 4096)
    var tokStart: [Int] = []
    var tokEnd: [Int] = []

    init(model: FieldModel) {
        self.model = model
        st = FieldCoderState(model: model)
    }

    mutating func decode(_ bytes: [UInt8], recordCount: Int) throws -> RecordBatch {
        guard let first = bytes.first, let kind = FrameKind(rawValue: first), kind == .rows || kind == .columns else {
            throw TransformError.corruptFrame("not a field-transformed frame")
        }
        st.beginFrame()
        var out = RecordBatch(reservingBytes: bytes.count * 4, records: recordCount)
        try bytes.withUnsafeBufferPointer { buf in
            let base = buf.baseAddress!
            var cursors: [Cursor] = []
            let rows = kind == .rows
            if rows {
                cursors = [Cursor(base, 1, buf.count)]
            } else {
                var dir = Cursor(base, 1, buf.count)
                let n = try dir.count(limit: dir.remaining)
                var entries: [(Int, Int)] = []
                var maxId = 2
                let idLimit = 3 + st.modelColumnCount + buf.count
                for _ in 0..<n {
                    let id = try dir.count(limit: idLimit)
                    let len = try dir.count(limit: buf.count)
                    entries.append((id, len))
                    maxId = max(maxId, id)
                }
                cursors = Array(repeating: Cursor(base, 0, 0), count: maxId + 1)
                var pos = dir.pos
                var seen = Set<Int>()
                for (id, len) in entries {
                    guard seen.insert(id).inserted else { throw TransformError.corruptFrame("stream \(id) listed twice") }
                    guard len <= buf.count - pos else { throw TransformError.corruptFrame("stream \(id) runs past the frame") }
                    cursors[id] = Cursor(base, pos, pos + len)
                    pos += len
                }
                guard pos == buf.count else { throw TransformError.corruptFrame("\(buf.count - pos) bytes after the last stream") }
            }
            @inline(__always) func ci(_ id: Int) -> Int { rows ? 0 : (id < cursors.count ? id : -1) }
            var empty = Cursor(base, 0, 0)
            for _ in 0..<recordCount {
                let header = try cursors[0].varint()
                if header == 0 {
                    let v = ci(2)
                    guard v >= 0 else { throw TransformError.corruptFrame("missing verbatim stream") }
                    let len = try cursors[v].count(limit: cursors[v].remaining)
                    let p = try cursors[v].take(len)
                    out.append(UnsafeBufferPointer(start: p, count: len))
                    continue
                }
                let info: ShapeInfo
                if header == 1 {
                    let s = ci(1)
                    guard s >= 0 else { throw TransformError.corruptFrame("missing shape stream") }
                    let len = try cursors[s].count(limit: cursors[s].remaining)
                    let p = try cursors[s].take(len)
                    let shape = Array(UnsafeBufferPointer(start: p, count: len))
                    guard st.localShapeTable.find(shape) == nil, model.shapeTable.find(shape) == nil else {
                        throw TransformError.corruptFrame("literal shape repeats a known one")
                    }
                    let lid = try st.addLocalShape(shape)
                    info = st.localShapes[lid]
                } else {
                    let id = Int(header - 2)
                    if id < model.shapes.count { info = model.shapes[id] }
                    else if id - model.shapes.count < st.localShapes.count { info = st.localShapes[id - model.shapes.count] }
                    else { throw TransformError.corruptFrame("unknown shape id \(id)") }
                }
                st.nextRecord()
                tokens.reset()
                let slots = info.slotColumn.count
                if tokStart.count < slots {
                    tokStart = Array(repeating: 0, count: slots); tokEnd = tokStart
                }
                for k in info.order {
                    let slot = Int(k)
                    let c = Int(info.slotColumn[slot])
                    let idx = ci(3 + c)
                    let start = tokens.count
                    if idx >= 0 {
                        try decodeValue(c, &cursors[idx])
                    } else {
                        try decodeValue(c, &empty)
                    }
                    tokStart[slot] = start; tokEnd[slot] = tokens.count
                    if st.viewGen[c] != st.gen {
                        st.viewGen[c] = st.gen; st.viewStart[c] = start; st.viewLen[c] = tokens.count - start
                    }
                }
                // Splice the tokens into the shape.
                record.reset()
                info.bytes.withUnsafeBufferPointer { sb in
                    var from = 0
                    for (slot, hole) in info.holes.enumerated() {
                        let h = Int(hole)
                        record.put(sb.baseAddress! + from, h - from)
                        record.put(UnsafePointer(tokens.base) + tokStart[slot], tokEnd[slot] - tokStart[slot])
                        from = h + 1
                    }
                    record.put(sb.baseAddress! + from, sb.count - from)
                }
                out.append(record.buffer)
            }
            for (i, c) in cursors.enumerated() where !c.isAtEnd {
                throw TransformError.corruptFrame("\(c.remaining) unread bytes in stream \(i)")
            }
        }
        return out
    }

    @inline(__always) func readText(_ inp: inout Cursor, into out: OutStream) throws {
        let x = try inp.varint()
        let len = try inp.count(limit: inp.remaining, x >> 1)
        let p = try inp.take(len)
        if x & 1 == 1 {
            out.reserve(len + 2)
            out.put(0x22); out.put(p, len); out.put(0x22)
        } else {
            out.put(p, len)
        }
    }

    /// Decodes one value and appends its original token to `tokens`.
    @inline(__always)
    func decodeValue(_ c: Int, _ inp: inout Cursor) throws {
        let st = self.st
        let spec = st.specs[c]
        let hasRefs = !spec.refs.isEmpty
        let target = hasRefs ? st.scratch2 : tokens
        if hasRefs { st.scratch2.reset() }
        var done = false
        if let vocab = spec.vocab {
            let code = try inp.varint()
            if code > 0 {
                guard code <= UInt64(vocab.count) else { throw TransformError.corruptFrame("vocabulary code \(code) out of range") }
                let key = vocab.key(Int(code - 1))
                key.withUnsafeBufferPointer { k in target.put(k.baseAddress ?? UnsafePointer(bitPattern: 1)!, k.count) }
                done = true
            }
        }
        if !done {
            switch spec.kind {
            case .text:
                try readText(&inp, into: target)
            case .number:
                let x = try inp.varint()
                var f = st.prevFormat[c]
                let d: Int64
                if x & 1 == 0 {
                    d = unzigzag(x >> 1)
                } else {
                    let tag = x >> 1
                    if tag == 0 { try readText(&inp, into: target); break }
                    guard tag <= 64, DecimalText.isValidFormat(Int(tag - 1)) else { throw TransformError.corruptFrame("bad number format \(tag - 1)") }
                    f = Int(tag - 1)
                    d = try inp.svarint()
                }
                var base: Int64 = spec.delta ? st.prevValue[c] : spec.initValue
                if let r = spec.relation, let pred = st.prediction(r) { base = pred }
                let m = d &+ base
                DecimalText.render(m, format: f, into: target)
                st.prevValue[c] = m; st.prevFormat[c] = f
                st.numGen[c] = st.gen; st.numVal[c] = m
            case .timestamp:
                let x = try inp.varint()
                var code = st.prevFormat[c]
                let d: Int64
                if x & 1 == 0 {
                    d = unzigzag(x >> 1)
                } else {
                    let tag = x >> 1
                    if tag == 0 { try readText(&inp, into: target); break }
                    guard tag <= 1 << 20 else { throw TransformError.corruptFrame("bad timestamp format") }
                    code = Int(tag - 1)
                    d = try inp.svarint()
                }
                guard let fmt = ISOTimestamp.Format(code: code) else { throw TransformError.corruptFrame("bad timestamp format \(code)") }
                let unit = ISOTimestamp.pow10[9 - fmt.fraction]
                var baseNs: Int64 = spec.delta ? st.prevValue[c] : spec.initValue
                if let r = spec.relation, let pred = st.prediction(r) { baseNs = pred }
                let v = d &+ ISOTimestamp.floorDiv(baseNs, unit)
                guard ISOTimestamp.inRange(v, fmt) else { throw TransformError.corruptFrame("timestamp out of range") }
                ISOTimestamp.render(v, fmt, into: target)
                let ns = v &* unit
                st.prevValue[c] = ns; st.prevFormat[c] = code
                st.tsGen[c] = st.gen; st.tsVal[c] = ns
            case .uuid:
                let layout = try inp.varint()
                if layout == 0 { try readText(&inp, into: target); break }
                let bytes = try inp.take(16)
                let suffixLen = try inp.count(limit: inp.remaining, (layout - 1) >> 2)
                let suffix = try inp.take(suffixLen)
                UUIDText.render(layout: layout, bytes: bytes, suffix: suffix, suffixCount: suffixLen, into: target)
            }
        }
        if hasRefs { try expand(spec.refs, st.scratch2) }
    }

    /// Undoes `FieldEncoder.substitute`: markers back to the referenced texts.
    func expand(_ refs: [SubRef], _ src: OutStream) throws {
        var total = 0
        let sp = src.base, sn = src.count
        var hasMarker = false
        for i in 0..<sn where sp[i] < 0x20 { hasMarker = true; break }
        if !hasMarker { tokens.put(sp, sn); return }
        // Reference texts live in `tokens`: size the output first so it does not move.
        var lens = [Int](repeating: -1, count: refs.count)
        var offs = [Int](repeating: 0, count: refs.count)
        for i in 0..<sn {
            let b = sp[i]
            if b < 0x20 {
                let m = Int(b) - 1
                guard m >= 0, m < refs.count else { throw TransformError.corruptFrame("bad reference marker \(b)") }
                if lens[m] < 0 {
                    guard let (tp, tn) = st.refText(refs[m], base: UnsafePointer(tokens.base)) else {
                        throw TransformError.corruptFrame("reference to a field absent from the record")
                    }
                    lens[m] = tn; offs[m] = tp - UnsafePointer(tokens.base)
                }
                total += lens[m]
            } else {
                total += 1
            }
        }
        tokens.reserve(total)
        let tb = UnsafePointer(tokens.base)
        for i in 0..<sn {
            let b = sp[i]
            if b < 0x20 { let m = Int(b) - 1; tokens.put(tb + offs[m], lens[m]) } else { tokens.put(b) }
        }
    }
}

extension Cursor {
    @inline(__always) mutating func count(limit: Int, _ v: UInt64) throws -> Int {
        guard v <= UInt64(limit) else { throw TransformError.corruptFrame("length \(v) exceeds \(limit)") }
        return Int(v)
    }
}
