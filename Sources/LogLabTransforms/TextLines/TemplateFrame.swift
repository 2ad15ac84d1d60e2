#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
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
    let skeleton = OutStream(capacity: 1024)
    var vars: [TextVariable] = []
    var wordVars: [TextVariable] = []
    var words: [WordSpan] = []
    /// Whether a line whose template the model has not takes a literal one (else it goes
    /// verbatim: no template to parse on restore).
    var literals = true
    /// Scratch kept between frames: a model template's index among the frame's used
    /// templates, −1 when unused (reset after every frame).
    private var usedIndex: [Int32] = []

    init(model: TemplateModel) { self.model = model }

    mutating func encode(_ records: RecordBatch, into out: inout [UInt8]) {
        let head = OutStream(capacity: 256)
        let body = OutStream(capacity: 256)
        var local = ByteTable()
        var used: [TemplateInfo] = []            // in order of first use
        var usedModel: [Int] = []
        let modelCount = model.infos.count
        if usedIndex.count != modelCount { usedIndex = [Int32](repeating: -1, count: modelCount) }
        defer { for id in usedModel { usedIndex[id] = -1 } }
        // Per templated record, in order: its template (index into `used`) and where its
        // variables start in `all` (each record's variables in slot order).
        var recUse: [Int32] = [], recStart: [Int] = []
        var all: [TextVariable] = []
        var uses: [Int] = []                     // records per used template
        var localUse: [Int] = []                 // a local template's index in `used`
        records.bytes.withUnsafeBufferPointer { bytes in
            let base = bytes.baseAddress ?? UnsafePointer(bitPattern: 8)!
            for r in 0..<records.count {
                let lo = records.offsets[r], hi = records.offsets[r + 1]
                guard TextTemplate.tokenize(base + lo, hi - lo, offset: lo, template: template, vars: &vars) else {
                    head.varint(0); head.varint(hi - lo); head.put(base + lo, hi - lo)
                    continue
                }
                let tp = UnsafePointer(template.base), tn = template.count
                var u: Int
                var byWords = false              // the line's variables are `wordVars`
                let hit = model.lookup(tp, tn, vars: vars, lineOffset: lo, line: base, words: &words, skeleton: skeleton)
                let found = hit?.template
                if let w = hit?.byWords {
                    w.variables(vars, words: words, into: &wordVars)
                    byWords = true
                }
                if let m = found {
                    head.varint(m + 2)
                    u = Int(usedIndex[m])
                    if u < 0 {
                        u = used.count
                        usedIndex[m] = Int32(u)
                        usedModel.append(m)
                        used.append(model.infos[m])
                        uses.append(0)
                    }
                } else if let l = local.find(tp, tn) {
                    head.varint(modelCount + l + 2)
                    u = localUse[l]
                } else if !literals {
                    head.varint(0); head.varint(hi - lo); head.put(base + lo, hi - lo)
                    continue
                } else {
                    let bytes = Array(UnsafeBufferPointer(start: tp, count: tn))
                    guard let made = try? TemplateInfo(bytes) else {   // cannot happen: the tokenizer wrote it
                        head.varint(0); head.varint(hi - lo); head.put(base + lo, hi - lo)
                        continue
                    }
                    _ = local.insert(bytes)
                    head.varint(1); head.varint(tn); head.put(tp, tn)
                    u = used.count
                    localUse.append(u)
                    used.append(made)
                    uses.append(0)
                }
                uses[u] += 1
                recUse.append(Int32(u))
                recStart.append(all.count)
                all.append(contentsOf: byWords ? wordVars : vars)
            }
        }
        // Each template's records, in order: `order[first[u] ..< first[u] + uses[u]]`.
        var first = [Int](repeating: 0, count: used.count + 1)
        for u in used.indices { first[u + 1] = first[u] + uses[u] }
        var order = [Int](repeating: 0, count: recUse.count)
        var fill = first
        for (k, u) in recUse.enumerated() { order[fill[Int(u)]] = k; fill[Int(u)] += 1 }
        var column: [TextVariable] = []
        records.bytes.withUnsafeBufferPointer { bytes in
            let base = bytes.baseAddress ?? UnsafePointer(bitPattern: 8)!
            let ordinals = used.map { $0.timeCount }.max() ?? 0
            for t in 0..<ordinals {
                column.removeAll(keepingCapacity: true)
                for (k, u) in recUse.enumerated() {
                    let info = used[Int(u)]
                    if t < info.timeCount { column.append(all[recStart[k] + info.timeSlot(t)]) }
                }
                TimeVariable.encode(column, into: body)
            }
            for (u, info) in used.enumerated() {
                let records = order[first[u] ..< first[u + 1]]
                for s in info.columnSlots {
                    let slot = Int(s)
                    column.removeAll(keepingCapacity: true)
                    for k in records { column.append(all[recStart[k] + slot]) }
                    switch info.slots[slot].kind {
                    case .integer: IntegerVariable.encode(column[...], into: body)
                    case .hex: HexVariable.encode(column[...], base: base, into: body)
                    case .ipv4: IPv4Variable.encode(column[...], distinct: model.distinctColumns, into: body)
                    case .uuid: UUIDVariable.encode(column[...], base: base, into: body)
                    case .digits: DigitsVariable.encode(column[...], base: base, into: body)
                    case .word: WordVariable.encode(column[...], base: base, vocabulary: model.vocabulary, into: body)
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
    /// Scratch kept between frames (one decoder per coder, so per thread): a model template's
    /// index among the frame's used templates, −1 when unused; reset after every frame.
    private var usedIndex: [Int32] = []
    /// The frame's rendered lines (each followed by `\n` when asked), reused.
    private let lines = OutStream(capacity: 1 << 16)

    init(model: TemplateModel) { self.model = model }

    mutating func decode(_ bytes: [UInt8], recordCount: Int) throws -> RecordBatch {
        var ends: [Int] = []
        ends.reserveCapacity(recordCount)
        try render(bytes, recordCount: recordCount, newline: false, ends: &ends)
        var out = RecordBatch(reservingBytes: lines.count, records: recordCount)
        let all = lines.buffer
        var s = 0
        for e in ends {
            out.append(UnsafeBufferPointer(rebasing: all[s..<e]))
            s = e
        }
        return out
    }

    /// True when the frame decodes to exactly `records` (compress's check of each frame),
    /// compared where it is rendered: no batch is built for it.
    mutating func restores(_ bytes: [UInt8], exactly records: RecordBatch) -> Bool {
        var ends: [Int] = []
        guard (try? render(bytes, recordCount: records.count, newline: false, ends: &ends)) != nil,
              lines.count == records.totalBytes, ends.count == records.count else { return false }
        let sameEnds = ends.withUnsafeBytes { e in records.offsets.withUnsafeBytes { o in
            e.isEmpty || memcmp(e.baseAddress!, o.baseAddress! + MemoryLayout<Int>.size, e.count) == 0 } }
        return sameEnds && records.bytes.withUnsafeBytes { r in r.isEmpty || memcmp(r.baseAddress!, lines.base, r.count) == 0 }
    }

    /// The records, each followed by `\n`, appended to `out` (the restore path).
    mutating func decodeLines(_ bytes: [UInt8], recordCount: Int, into out: inout [UInt8]) throws {
        var ends: [Int] = []
        try render(bytes, recordCount: recordCount, newline: true, ends: &ends)
        out.append(contentsOf: lines.buffer)
    }

    /// Decodes a frame into `lines`: the headers first, then every column's values rendered
    /// as text into one buffer, then each line spliced from its template's static runs and
    /// its values (one copy per run and per value). With `newline`, each line gets a `\n`
    /// and `ends` stays empty; without, `ends` receives each record's end in `lines`.
    private mutating func render(_ bytes: [UInt8], recordCount: Int, newline: Bool, ends: inout [Int]) throws {
        guard bytes.first == FrameKind.templates.rawValue else { throw TransformError.corruptFrame("not a template frame") }
        let modelCount = model.infos.count
        if usedIndex.count != modelCount { usedIndex = [Int32](repeating: -1, count: modelCount) }
        lines.reset()
        // The frame's templates in order of first use; their model entries are reset on exit.
        var used: [TemplateInfo] = []
        var usedModel: [Int] = []
        defer { for id in usedModel { usedIndex[id] = -1 } }
        try bytes.withUnsafeBufferPointer { buf in
            let base = buf.baseAddress!
            var inp = Cursor(base, 1, buf.count)
            var local: [TemplateInfo] = []
            var localUsed: [Int32] = []
            var localTable = ByteTable()
            // Section 1: headers. A record is a used-template index ≥ 0, or verbatim: −1 − k.
            var recUse = [Int32](repeating: 0, count: recordCount)
            var uses: [Int] = []
            var verbatim: [(Int, Int)] = []
            for r in 0..<recordCount {
                let h = try inp.varint()
                var u: Int32
                switch h {
                case 0:
                    let len = try inp.count(limit: inp.remaining)
                    let p = try inp.take(len)
                    verbatim.append((p - base, len))
                    recUse[r] = Int32(-verbatim.count)
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
                    u = Int32(used.count)
                    used.append(local[local.count - 1])
                    uses.append(0)
                    localUsed.append(u)
                default:
                    guard h - 2 < UInt64(modelCount + local.count) else { throw TransformError.corruptFrame("unknown template id \(h - 2)") }
                    let id = Int(h - 2)
                    if id < modelCount {
                        u = usedIndex[id]
                        if u < 0 {
                            u = Int32(used.count)
                            usedIndex[id] = u
                            usedModel.append(id)
                            used.append(model.infos[id])
                            uses.append(0)
                        }
                    } else {
                        u = localUsed[id - modelCount]
                    }
                }
                recUse[r] = u
                uses[Int(u)] += 1
            }
            // Sections 2 and 3: every value rendered, back to back, in the order stored:
            // value v is `values.bytes[bounds[v] ..< bounds[v + 1]]`.
            var values = RenderedColumn()
            values.bounds.reserve(recordCount * 4)
            // Section 2: the time columns, each in record order; `timeNext[k]`: its next value.
            let ordinals = used.map { $0.timeCount }.max() ?? 0
            var timeNext: [Int] = []
            for k in 0..<ordinals {
                timeNext.append(values.count)
                var prevNs: Int64 = 0
                var day = TimeVariable.DayCache()
                for r in 0..<recordCount where recUse[r] >= 0 {
                    let t = used[Int(recUse[r])]
                    guard k < t.timeCount else { continue }
                    try TimeVariable.decode(t.slots[t.timeSlot(k)].layout, prevNs: &prevNs, day: &day, &inp, into: values.bytes)
                    values.close()
                }
            }
            // Section 3: per template, per non-time slot; `columnNext[firstColumn[u] + c]`.
            var columnNext: [Int] = []
            var firstColumn: [Int] = []
            for (u, t) in used.enumerated() {
                let count = uses[u]
                firstColumn.append(columnNext.count)
                for slot in t.columnSlots {
                    columnNext.append(values.count)
                    switch t.slots[Int(slot)].kind {
                    case .integer: try IntegerVariable.decode(count: count, &inp, into: &values)
                    case .hex: try HexVariable.decode(count: count, &inp, into: &values)
                    case .ipv4: try IPv4Variable.decode(count: count, distinct: model.distinctColumns, &inp, into: &values)
                    case .uuid: try UUIDVariable.decode(count: count, &inp, into: &values)
                    case .digits: try DigitsVariable.decode(count: count, &inp, into: &values)
                    case .word: try WordVariable.decode(count: count, vocabulary: model.vocabulary, &inp, into: &values)
                    case .time: break
                    }
                }
            }
            guard inp.isAtEnd else { throw TransformError.corruptFrame("\(inp.remaining) unread bytes in a template frame") }
            // Splice. Each column holds exactly as many values as its template has records (and
            // time column k one per record with a k-th stamp), so every index below is in range.
            var size = values.bytes.count + (newline ? recordCount : 0)
            for r in 0..<recordCount {
                let u = Int(recUse[r])
                size += u < 0 ? verbatim[-u - 1].1 : used[u].literalCount
            }
            lines.reserve(size)
            if !newline { ends.reserveCapacity(recordCount) }
            let vb = UnsafePointer(values.bytes.base)
            // The next value of each column, through pointers: this loop runs per slot of every line.
            let bounds = UnsafePointer(values.bounds.base)
            timeNext.withUnsafeMutableBufferPointer { timeNext in
            columnNext.withUnsafeMutableBufferPointer { columnNext in
            withExtendedLifetime(values) {       // `vb` and `bounds` point into it
                var dst = lines.base
                for r in 0..<recordCount {
                    let u = Int(recUse[r])
                    if u < 0 {
                        let (s, len) = verbatim[-u - 1]
                        copyBytes(dst, base + s, len)
                        dst += len
                    } else {
                        let t = used[u]
                        var column = firstColumn[u], ordinal = 0
                        t.bytes.withUnsafeBufferPointer { lit in
                            t.slots.withUnsafeBufferPointer { slots in
                                let l = lit.baseAddress ?? UnsafePointer(bitPattern: 8)!
                                for s in slots {
                                    let len = Int(s.runEnd - s.runStart)
                                    copyBytes(dst, l + Int(s.runStart), len)
                                    dst += len
                                    let v: Int
                                    if s.kind == .time {
                                        v = timeNext[ordinal]; timeNext[ordinal] = v + 1; ordinal += 1
                                    } else {
                                        v = columnNext[column]; columnNext[column] = v + 1; column += 1
                                    }
                                    let vs = bounds[v], n = bounds[v + 1] - vs
                                    copyBytes(dst, vb + vs, n)
                                    dst += n
                                }
                                copyBytes(dst, l + t.tailStart, lit.count - t.tailStart)
                                dst += lit.count - t.tailStart
                            }
                        }
                    }
                    if newline { dst.pointee = 0x0A; dst += 1 } else { ends.append(dst - lines.base) }
                }
                lines.setCount(dst - lines.base)
            }
            }
            }
        }
    }
}
