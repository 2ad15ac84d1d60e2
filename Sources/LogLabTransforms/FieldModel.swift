import LogLabCore

/// A learned numeric relation (`derived`): the field is predicted from earlier-decoded
/// fields of the same record and only the residual is stored.
struct Relation: Sendable, Equatable {
    enum Kind: UInt8, Sendable {
        case tsFromTs = 1      // instant = src instant + offset
        case tsFromTsNum = 2   // instant = src instant + num · unit + offset   (end ≈ begin + elapsed)
        case numFromTs = 3     // number = ⌊(src instant + offset) / unit⌋       (epoch ms of a timestamp)
        case numFromNum = 4    // number = src number + offset
    }
    var kind: Kind
    var source: Int32
    var number: Int32      // the `num` column of tsFromTsNum, else -1
    var unit: Int64        // nanoseconds per unit (1 for tsFromTs/numFromNum)
    var offset: Int64
}

/// A learned functional dependency (`derived`): the field's value is, most of the time, the
/// one it had in training next to the same value of `key` (a user's nickname given their
/// registration time). A hit costs one flag; a miss is coded as usual.
struct Lookup: Sendable {
    var key: Int32
    var keys: ByteTable
    var values: ByteTable
    var valueOf: [Int32]
}

/// A learned "same as before" coding (`derived`): a value equal to the column's previous
/// value in the frame (the first value of a frame has none) is coded as one flag instead of
/// its coding. With a `key`, the flag is only there in records where the key column's value
/// was coded as such a repeat (fields that repeat together: a connection's ids), and every
/// other value keeps its usual coding with no flag at all.
struct Repeat: Sendable, Equatable {
    var key: Int32   // -1: a flag with every value
}

struct ColumnSpec: Sendable {
    static let maxReferences = 27
    static let embeddedMarker = EmbeddedTimestamps.marker

    var path: [UInt8]
    var kind: ValueKind = .text
    var delta = false
    /// Numbers: each value's base rescaled to its fraction digits (`DecimalText.rescale`).
    var scaled = false
    /// Reference value (numbers: mantissa; timestamps and embedded timestamps: ns) and format
    /// a frame starts from.
    var initValue: Int64 = 0
    var initFormat = 0
    /// Head digits a frame starts from (long numbers).
    var initHead: [UInt8] = []
    var vocab: ByteTable? = nil
    var relation: Relation? = nil
    var refs: [SubRef] = []
    var embedded: EmbeddedTimestamps? = nil
    var lookup: Lookup? = nil
    var repeats: Repeat? = nil
    /// A number field whose text compresses better than its varints (random digits): in the
    /// `columns` layout it is coded as text; the compact `rows` layout still uses numbers.
    var textInColumns = false
    /// A recent-coded column's packed spellings (`RecentCoding`).
    var layouts: [PackedLayout] = []
    /// A message-coded column's templates (`MessageCoding`).
    var templates: TemplateModel? = nil
    var level = 0

    init(path: [UInt8]) { self.path = path }

    var transformName: String {
        var parts: [String] = []
        if relation != nil || !refs.isEmpty || lookup != nil || repeats != nil || (embedded.map { $0.source >= 0 } ?? false) { parts.append("derived") }
        if vocab != nil { parts.append("enum") }
        if let part = kind.coding.transformName(self, alone: parts.isEmpty) { parts.append(part) }
        return parts.joined(separator: "+")
    }

    var sources: [Int32] {
        var s = refs.map(\.column)
        if let r = relation { s.append(r.source); if r.number >= 0 { s.append(r.number) } }
        if let e = embedded, e.source >= 0 { s.append(e.source) }
        if let l = lookup { s.append(l.key) }
        if let r = repeats, r.key >= 0 { s.append(r.key) }
        return s
    }
}

/// One record structure: the shape bytes, the column of each value slot, the order in which
/// slots are coded (fields others derive from come first) and where the placeholders are.
struct ShapeInfo: Sendable {
    var bytes: [UInt8]
    var slotColumn: [Int32]
    var order: [Int32]
    var holes: [Int32]
}

/// The learned field model: columns (one per field path) with their codings, and the
/// shape dictionary. Immutable.
final class FieldModel: Sendable {
    static let maxShapes = 4096
    static let maxVocabulary = 4096
    static let maxLookup = 1 << 16

    let selection: TransformSelection
    let columns: [ColumnSpec]
    let pathTable: ByteTable
    let shapes: [ShapeInfo]
    let shapeTable: ByteTable

    var useColumns: Bool { selection.contains(.columns) }

    init(selection: TransformSelection, columns: [ColumnSpec], shapes: [[UInt8]]) throws {
        self.selection = selection
        var cols = columns
        try Self.assignLevels(&cols)
        self.columns = cols
        var pt = ByteTable()
        for c in cols {
            let before = pt.count
            guard pt.insert(c.path) == before else { throw TransformError.corruptModel("duplicate column path") }
        }
        pathTable = pt
        var infos: [ShapeInfo] = []
        var st = ByteTable()
        for s in shapes {
            let before = st.count
            guard st.insert(s) == before else { throw TransformError.corruptModel("duplicate shape") }
            let paths: [[UInt8]]
            do { paths = try ShapePaths.paths(of: s) } catch { throw TransformError.corruptModel("bad shape: \(error)") }
            var slotCols: [Int32] = []
            for p in paths {
                guard let c = pt.find(p) else { throw TransformError.corruptModel("shape uses an unknown field path") }
                slotCols.append(Int32(c))
            }
            infos.append(Self.shapeInfo(bytes: s, slotColumns: slotCols, level: { cols[Int($0)].level }))
        }
        self.shapes = infos
        shapeTable = st
    }

    static func shapeInfo(bytes: [UInt8], slotColumns: [Int32], level: (Int32) -> Int) -> ShapeInfo {
        let order = (0..<slotColumns.count).map { Int32($0) }.sorted {
            let a = level(slotColumns[Int($0)]), b = level(slotColumns[Int($1)])
            return a != b ? a < b : $0 < $1
        }
        var holes: [Int32] = []
        for (i, b) in bytes.enumerated() where b == JSONSplitter.placeholder { holes.append(Int32(i)) }
        return ShapeInfo(bytes: bytes, slotColumn: slotColumns, order: order, holes: holes)
    }

    /// Levels: a column's sources must be decoded first. Rejects cycles and bad indices.
    static func assignLevels(_ cols: inout [ColumnSpec]) throws {
        let n = cols.count
        var state = [UInt8](repeating: 0, count: n)  // 0 new, 1 visiting, 2 done
        var level = [Int](repeating: 0, count: n)
        for start in 0..<n where state[start] == 0 {
            var stack: [(Int, Int)] = [(start, 0)]
            state[start] = 1
            while let (c, k) = stack.last {
                let srcs = cols[c].sources
                if k < srcs.count {
                    stack[stack.count - 1].1 += 1
                    let s = Int(srcs[k])
                    guard s >= 0, s < n, s != c else { throw TransformError.corruptModel("relation names a bad column") }
                    if state[s] == 1 { throw TransformError.corruptModel("relations form a cycle") }
                    if state[s] == 0 { state[s] = 1; stack.append((s, 0)) }
                } else {
                    level[c] = (srcs.map { level[Int($0)] }.max() ?? -1) + 1
                    state[c] = 2
                    stack.removeLast()
                }
            }
        }
        for i in 0..<n { cols[i].level = level[i] }
    }

    /// Whether a model version 3 is needed (see `TransformModel`): repeat codings.
    var needsVersion3: Bool { columns.contains { $0.repeats != nil } }
    /// Whether a model version 4 is needed: recent codings (kind 5).
    var needsVersion4: Bool { columns.contains { $0.kind == .recent } }
    /// Whether a model version 5 is needed: numbers with scaled bases (flag 128).
    var needsVersion5: Bool { columns.contains { $0.scaled } }
    /// Whether a model version 7 is needed: message codings (kind 6).
    var needsVersion7: Bool { columns.contains { $0.kind == .message } }
    /// Whether a model version 8 is needed: a message column's templates hold a control byte
    /// 0x18…0x1F as static text.
    var needsVersion8: Bool { columns.contains { $0.templates?.needsVersion8 ?? false } }

    // MARK: serialisation (payload of model version 1; flag 64 and its key from version 3, kind 5 from version 4,
    // kind 6 from version 7)

    func write(to w: inout ByteWriter) {
        w.varint(columns.count)
        for c in columns {
            w.lengthPrefixed(c.path)
            w.u8(c.kind.rawValue)
            var flags: UInt8 = 0
            if c.delta { flags |= 1 }
            if c.vocab != nil { flags |= 2 }
            if c.relation != nil { flags |= 4 }
            if c.embedded != nil { flags |= 8 }
            if c.lookup != nil { flags |= 16 }
            if c.textInColumns { flags |= 32 }
            if c.repeats != nil { flags |= 64 }
            if c.scaled { flags |= 128 }
            w.u8(flags)
            w.svarint(c.initValue)
            w.varint(c.initFormat)
            w.lengthPrefixed(c.initHead)
            if let v = c.vocab {
                w.varint(v.count)
                for i in 0..<v.count { w.lengthPrefixed(v.key(i)) }
            }
            if let r = c.relation {
                w.u8(r.kind.rawValue)
                w.varint(Int(r.source))
                w.varint(Int(r.number + 1))
                w.svarint(r.unit)
                w.svarint(r.offset)
            }
            w.varint(c.refs.count)
            for r in c.refs { w.varint(Int(r.column)); w.u8(r.dateOnly ? 1 : 0) }
            if let e = c.embedded { w.varint(Int(e.source + 1)); w.svarint(e.offset) }
            if let l = c.lookup {
                w.varint(Int(l.key))
                w.varint(l.keys.count)
                for i in 0..<l.keys.count { w.lengthPrefixed(l.keys.key(i)) }
                w.varint(l.values.count)
                for i in 0..<l.values.count { w.lengthPrefixed(l.values.key(i)) }
                for v in l.valueOf { w.varint(Int(v)) }
            }
            if let rep = c.repeats { w.varint(Int(rep.key + 1)) }
            if c.kind == .recent {
                w.varint(c.layouts.count)
                for l in c.layouts { w.varint(l.positions.count); for p in l.positions { w.lengthPrefixed(p) } }
            }
            if c.kind == .message { (c.templates ?? (try! TemplateModel(templates: []))).write(to: &w) }
        }
        w.varint(shapes.count)
        for s in shapes { w.lengthPrefixed(s.bytes) }
    }

    static func read(from r: inout ByteReader, selection: TransformSelection, version: Int) throws -> FieldModel {
        let n = try r.count(limit: r.remaining)
        var cols: [ColumnSpec] = []
        for _ in 0..<n {
            var c = ColumnSpec(path: Array(try r.lengthPrefixed()))
            guard let kind = ValueKind(rawValue: try r.u8()), kind != .recent || version >= 4,
                  kind != .message || version >= 7 else { throw TransformError.corruptModel("unknown value kind") }
            c.kind = kind
            let flags = try r.u8()
            guard flags & ~(version >= 5 ? 255 : version >= 3 ? 127 : 63) == 0 else { throw TransformError.corruptModel("unknown column flags") }
            c.scaled = flags & 128 != 0
            guard !c.scaled || kind == .number else { throw TransformError.corruptModel("scaled bases on a column that is not a number") }
            c.textInColumns = flags & 32 != 0
            c.delta = flags & 1 != 0
            c.initValue = try r.svarint()
            c.initFormat = try r.count(limit: 1 << 20)
            c.initHead = Array(try r.lengthPrefixed())
            guard c.initHead.count <= DecimalText.maxHead, c.initHead.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }) else {
                throw TransformError.corruptModel("bad head digits")
            }
            if flags & 2 != 0 {
                let k = try r.count(limit: r.remaining)
                var t = ByteTable()
                for _ in 0..<k {
                    let before = t.count
                    guard t.insert(try r.lengthPrefixed()) == before else { throw TransformError.corruptModel("duplicate vocabulary entry") }
                }
                c.vocab = t
            }
            if flags & 4 != 0 {
                guard let k = Relation.Kind(rawValue: try r.u8()) else { throw TransformError.corruptModel("unknown relation") }
                let src = try r.count(limit: n - 1)
                let num = try r.count(limit: n) - 1
                let unit = try r.svarint()
                let off = try r.svarint()
                guard unit >= 1 else { throw TransformError.corruptModel("relation unit \(unit)") }
                c.relation = Relation(kind: k, source: Int32(src), number: Int32(num), unit: unit, offset: off)
            }
            let refCount = try r.count(limit: ColumnSpec.maxReferences)
            for _ in 0..<refCount {
                let col = try r.count(limit: n - 1)
                let d = try r.u8()
                guard d <= 1 else { throw TransformError.corruptModel("bad reference flag") }
                c.refs.append(SubRef(column: Int32(col), dateOnly: d == 1))
            }
            if flags & 8 != 0 {
                let src = try r.count(limit: n) - 1
                let off = try r.svarint()
                c.embedded = EmbeddedTimestamps(source: Int32(src), offset: off)
            }
            if flags & 16 != 0 {
                let key = try r.count(limit: n - 1)
                func table() throws -> ByteTable {
                    let k = try r.count(limit: r.remaining)
                    var t = ByteTable()
                    for _ in 0..<k {
                        let before = t.count
                        guard t.insert(try r.lengthPrefixed()) == before else { throw TransformError.corruptModel("duplicate lookup entry") }
                    }
                    return t
                }
                let keys = try table()
                let values = try table()
                var valueOf: [Int32] = []
                for _ in 0..<keys.count { valueOf.append(Int32(try r.count(limit: max(values.count - 1, 0)))) }
                guard values.count > 0 || keys.count == 0 else { throw TransformError.corruptModel("lookup without values") }
                c.lookup = Lookup(key: Int32(key), keys: keys, values: values, valueOf: valueOf)
            }
            if flags & 64 != 0 { c.repeats = Repeat(key: Int32(try r.count(limit: n) - 1)) }
            if c.kind == .recent {
                for _ in 0..<(try r.count(limit: PackedLayout.maxLayouts)) {
                    let length = try r.count(limit: PackedLayout.maxLength)
                    c.layouts.append(PackedLayout(positions: try (0..<length).map { _ in Array(try r.lengthPrefixed()) }))
                }
            }
            if c.kind == .message { c.templates = try TemplateModel.read(from: &r, version: version) }
            cols.append(c)
        }
        let sCount = try r.count(limit: r.remaining)
        var shapes: [[UInt8]] = []
        for _ in 0..<sCount { shapes.append(Array(try r.lengthPrefixed())) }
        // Each coding checks its settings; relations must link columns of matching kinds
        // (the coders rely on it).
        for c in cols {
            try c.kind.coding.validate(c)
            if let rel = c.relation {
                let src = cols[Int(rel.source)].kind
                switch rel.kind {
                case .tsFromTs: guard c.kind == .timestamp, src == .timestamp else { throw TransformError.corruptModel("relation kinds") }
                case .tsFromTsNum:
                    guard c.kind == .timestamp, src == .timestamp, rel.number >= 0, cols[Int(rel.number)].kind == .number else { throw TransformError.corruptModel("relation kinds") }
                case .numFromTs: guard c.kind == .number, src == .timestamp else { throw TransformError.corruptModel("relation kinds") }
                case .numFromNum: guard c.kind == .number, src == .number else { throw TransformError.corruptModel("relation kinds") }
                }
                if rel.kind != .tsFromTsNum && rel.number != -1 { throw TransformError.corruptModel("relation number column") }
            }
            if let e = c.embedded, e.source >= 0, cols[Int(e.source)].kind != .timestamp { throw TransformError.corruptModel("embedded source kind") }
            // A repeat's key carries its own flag; a repeat skips the coder, so no number or
            // timestamp others read from it may repeat (their state would be stale).
            if let rep = c.repeats, rep.key >= 0, cols[Int(rep.key)].repeats?.key != -1 { throw TransformError.corruptModel("repeat key without its own repeat") }
            if let rel = c.relation, cols[Int(rel.source)].repeats != nil || (rel.number >= 0 && cols[Int(rel.number)].repeats != nil) {
                throw TransformError.corruptModel("relation source with a repeat coding")
            }
            if let e = c.embedded, e.source >= 0, cols[Int(e.source)].repeats != nil { throw TransformError.corruptModel("embedded source with a repeat coding") }
        }
        return try FieldModel(selection: selection, columns: cols, shapes: shapes)
    }
}
