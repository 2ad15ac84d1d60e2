import LogLabCore

/// Frames of the `template` transform (kind 5), column-major so the codec sees similar
/// values together. After the kind byte, three sections back to back:
///
/// 1. per record, `varint header`: 0 = verbatim (`varint length` + bytes follow);
///    1 = a literal template follows (`varint length` + bytes; it takes the next frame-local
///    id and this record uses it); n ≥ 2 = template n − 2 (model templates first, then this
///    frame's literal ones);
/// 2. the time columns: column k holds the k-th timestamp of every templated record that has
///    one, in record order (a line's first stamp is near the previous line's first stamp,
///    not necessarily near its own second one), k = 0, 1, … up to the most any template has;
/// 3. for each template in order of first use in the frame, for each of its non-time slots
///    in order: the column of that slot's values over the frame's records of the template,
///    coded by the slot's kind (`IntegerVariable`, `HexVariable`, …).
struct TemplateEncoder {
    let model: TemplateModel
    let template = OutStream(capacity: 1024)
    var vars: [TextVariable] = []

    init(model: TemplateModel) { self.model = model }

    mutating func encode(_ records: RecordBatch, into out: inout [UInt8]) {
        let head = OutStream(capacity: 256)
        let body = OutStream(capacity: 256)
        var local = ByteTable()
        var localInfos: [TemplateInfo] = []
        var used: [Int] = []                     // template ids in order of first use
        var columns: [Int: [[TextVariable]]] = [:]
        var times: [[TextVariable]] = []
        let modelCount = model.infos.count
        records.bytes.withUnsafeBufferPointer { all in
            let base = all.baseAddress ?? UnsafePointer(bitPattern: 8)!
            for r in 0..<records.count {
                let lo = records.offsets[r], hi = records.offsets[r + 1]
                guard TextTemplate.tokenize(base + lo, hi - lo, offset: lo, template: template, vars: &vars) else {
                    head.varint(0); head.varint(hi - lo); head.put(base + lo, hi - lo)
                    continue
                }
                let tp = UnsafePointer(template.base), tn = template.count
                var id: Int
                let info: TemplateInfo
                if let m = model.table.find(tp, tn) {
                    id = m
                    info = model.infos[m]
                    head.varint(id + 2)
                } else if let l = local.find(tp, tn) {
                    id = modelCount + l
                    info = localInfos[l]
                    head.varint(id + 2)
                } else {
                    let bytes = Array(UnsafeBufferPointer(start: tp, count: tn))
                    guard let made = try? TemplateInfo(bytes) else {   // cannot happen: the tokenizer wrote it
                        head.varint(0); head.varint(hi - lo); head.put(base + lo, hi - lo)
                        continue
                    }
                    id = modelCount + local.insert(bytes)
                    localInfos.append(made)
                    info = made
                    head.varint(1); head.varint(tn); head.put(tp, tn)
                }
                if columns[id] == nil {
                    used.append(id)
                    columns[id] = Array(repeating: [], count: info.columnSlots.count)
                }
                var k = 0, t = 0
                for v in vars {
                    if v.kind == .time {
                        if t == times.count { times.append([]) }
                        times[t].append(v); t += 1
                    } else {
                        columns[id]![k].append(v); k += 1
                    }
                }
            }
            for column in times { TimeVariable.encode(column, into: body) }
            for id in used {
                for col in columns[id]! {
                    guard let kind = col.first?.kind else { continue }
                    switch kind {
                    case .integer: IntegerVariable.encode(col[...], into: body)
                    case .hex: HexVariable.encode(col[...], base: base, into: body)
                    case .ipv4: IPv4Variable.encode(col[...], into: body)
                    case .uuid: UUIDVariable.encode(col[...], base: base, into: body)
                    case .digits: DigitsVariable.encode(col[...], base: base, into: body)
                    case .time: break
                    }
                }
            }
        }
        out.reserveCapacity(out.count + 1 + head.count + body.count)
        out.append(FrameKind.templates.rawValue)
        out.append(contentsOf: head.buffer)
        out.append(contentsOf: body.buffer)
    }
}

struct TemplateDecoder {
    let model: TemplateModel

    init(model: TemplateModel) { self.model = model }

    func decode(_ bytes: [UInt8], recordCount: Int) throws -> RecordBatch {
        guard bytes.first == FrameKind.templates.rawValue else { throw TransformError.corruptFrame("not a template frame") }
        var out = RecordBatch(reservingBytes: min(bytes.count * 8, 1 << 30), records: recordCount)
        try bytes.withUnsafeBufferPointer { buf in
            var inp = Cursor(buf.baseAddress!, 1, buf.count)
            let modelCount = model.infos.count
            var local: [TemplateInfo] = []
            var localTable = ByteTable()
            // Section 1: headers. A record is (template id) or (-1 - start, length) verbatim.
            var recTemplate = [Int](repeating: 0, count: recordCount)
            var verbatim: [(Int, Int)] = []
            var uses: [Int: Int] = [:]
            var used: [Int] = []
            for r in 0..<recordCount {
                let h = try inp.varint()
                switch h {
                case 0:
                    let len = try inp.count(limit: inp.remaining)
                    let p = try inp.take(len)
                    verbatim.append((p - buf.baseAddress!, len))
                    recTemplate[r] = -verbatim.count
                    continue
                case 1:
                    let len = try inp.count(limit: inp.remaining)
                    let p = try inp.take(len)
                    let t = Array(UnsafeBufferPointer(start: p, count: len))
                    guard model.table.find(p, len) == nil, localTable.find(t) == nil else {
                        throw TransformError.corruptFrame("literal template repeats a known one")
                    }
                    _ = localTable.insert(t)
                    local.append(try TemplateInfo(t))
                    recTemplate[r] = modelCount + local.count - 1
                default:
                    let id = Int(h - 2)
                    guard h - 2 < UInt64(modelCount + local.count) else { throw TransformError.corruptFrame("unknown template id \(id)") }
                    recTemplate[r] = id
                }
                let id = recTemplate[r]
                if uses[id] == nil { used.append(id) }
                uses[id, default: 0] += 1
            }
            func info(_ id: Int) -> TemplateInfo { id < modelCount ? model.infos[id] : local[id - modelCount] }
            // Section 2: the time columns, each in record order.
            let ordinals = used.map { info($0).timeSlots.count }.max() ?? 0
            var times: [RenderedColumn] = []
            for k in 0..<ordinals {
                var column = RenderedColumn()
                var prevNs: Int64 = 0
                for r in 0..<recordCount where recTemplate[r] >= 0 {
                    let t = info(recTemplate[r])
                    guard k < t.timeSlots.count else { continue }
                    try TimeVariable.decode(t.layouts[t.timeSlots[k]]!, prevNs: &prevNs, &inp, into: column.bytes)
                    column.close()
                }
                times.append(column)
            }
            // Section 3: per template, per slot.
            var columns: [RenderedColumn] = []      // all templates' columns, back to back
            var firstColumn: [Int: Int] = [:]
            for id in used {
                let t = info(id)
                let count = uses[id]!
                firstColumn[id] = columns.count
                for slot in t.columnSlots {
                    var col = RenderedColumn()
                    switch t.kinds[slot] {
                    case .integer: try IntegerVariable.decode(count: count, &inp, into: &col)
                    case .hex: try HexVariable.decode(count: count, &inp, into: &col)
                    case .ipv4: try IPv4Variable.decode(count: count, &inp, into: &col)
                    case .uuid: try UUIDVariable.decode(count: count, &inp, into: &col)
                    case .digits: try DigitsVariable.decode(count: count, &inp, into: &col)
                    case .time: break
                    }
                    columns.append(col)
                }
            }
            guard inp.isAtEnd else { throw TransformError.corruptFrame("\(inp.remaining) unread bytes in a template frame") }
            // Splice.
            let line = OutStream(capacity: 1024)
            for r in 0..<recordCount {
                let id = recTemplate[r]
                if id < 0 {
                    let (s, len) = verbatim[-id - 1]
                    out.append(UnsafeBufferPointer(start: buf.baseAddress! + s, count: len))
                    continue
                }
                let t = info(id)
                line.reset()
                var slot = 0, column = firstColumn[id]!, ordinal = 0
                var i = 0
                let tb = t.bytes
                while i < tb.count {
                    let b = tb[i]
                    if TextVariableKind.reserved.contains(b) {
                        let (p, n): (UnsafePointer<UInt8>, Int)
                        if t.kinds[slot] == .time {
                            (p, n) = try times[ordinal].take()
                            ordinal += 1
                            i += 1 + TimeLayout.byteCount
                        } else {
                            (p, n) = try columns[column].take()
                            column += 1
                            i += 1
                        }
                        line.put(p, n)
                        slot += 1
                    } else {
                        line.put(b)
                        i += 1
                    }
                }
                out.append(line.buffer)
            }
        }
        return out
    }
}
