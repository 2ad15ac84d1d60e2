import LogLabCore

/// How a field's values are coded (after any `derived` substitution and `enum` lookup): the
/// kind byte a model stores per column. Each kind is one `ValueCoding` type, in its own file.
enum ValueKind: UInt8, Sendable, CaseIterable {
    case text = 0       // `TextCoding`: length + bytes (string contents without their quotes)
    case number = 1     // `IntegerCoding`: mantissa + format, delta or relation residual
    case timestamp = 2  // `TimestampCoding`: instant in format units + format, delta or residual
    case uuid = 3       // `UUIDCoding`: layout + 16 bytes + suffix
    case float = 4      // `FloatCoding`: binary significand + exponent
    case recent = 5     // `RecentCoding`: rank among recent values, or a new value's body (model version 4)
    case message = 6    // `MessageCoding`: free text through the column's templates (model version 7)

    /// The coding of this kind, for the paths that are not per value (learning, the model's
    /// checks, reports). The per-value paths go through `FieldCoderState.encodeBase` and
    /// `decodeBase`, which call the codings directly.
    var coding: any ValueCoding.Type {
        switch self {
        case .text: TextCoding.self
        case .number: IntegerCoding.self
        case .timestamp: TimestampCoding.self
        case .uuid: UUIDCoding.self
        case .float: FloatCoding.self
        case .recent: RecentCoding.self
        case .message: MessageCoding.self
        }
    }

    /// The order in which the learner weighs the codings: on equal cost the earlier one wins.
    /// (`recent` and `message` take no column here: they are weighed apart, on held-out
    /// records, by `FieldLearner.learnRecent` and `learnMessages`.)
    static let learningOrder: [ValueKind] = [.text, .number, .float, .timestamp, .uuid, .recent, .message]
}

/// One value coding: everything about one `ValueKind` — whether a token fits it, what it
/// costs (for the learner), its bytes in a column's stream and back, and the model settings
/// it reads (checked when a model is loaded). Its text form accepts only spellings it renders
/// back byte for byte; any other token is escaped to text. Each coding is a caseless enum;
/// the coders call them statically (no existential, no allocation per value).
///
/// Shared by several codings and written once: the text escape (`TextCoding.write`), the
/// tagged varints of numbers and timestamps (`TaggedVarint`), embedded timestamps
/// (`EmbeddedTimestamps`), references (`Substitution`); the vocabulary, lookup and repeat
/// layers around every coding are in `FieldCoderState`.
protocol ValueCoding {
    static var kind: ValueKind { get }

    /// The transform that enables the coding (`nil`: always available).
    static var transform: TransformKind? { get }

    /// The coding's part of a column's transform name in reports (`nil`: none); `alone`:
    /// no other part (`derived`, `enum`) names the column.
    static func transformName(_ spec: ColumnSpec, alone: Bool) -> String?

    /// Learning: the cheapest way this coding codes a column's sample, `nil` when it does
    /// not fit the column.
    static func choose(_ sample: CodingSample) -> CodingChoice?

    /// Learning: settings decided once the coding is chosen.
    static func settle(_ spec: inout ColumnSpec, _ sample: CodingSample)

    /// The token as a number the learner relates to other columns' (the instant in ns, the
    /// mantissa), in its own units (`unit`: ns per unit) and format; `nil`: not one.
    static func residual(_ p: UnsafePointer<UInt8>, _ n: Int) -> Residual?

    /// Model payload: checks the settings of a column of this kind (reference value and
    /// format, which derived codings may sit on it).
    static func validate(_ spec: ColumnSpec) throws

    /// Codes one value (`p[0..<n]`, the derived codings already applied) of column `c` into
    /// `out`; true when it had to be escaped to text.
    static func encode(_ st: FieldCoderState, _ c: Int, _ col: UnsafeMutablePointer<ColumnRT>,
                       _ p: UnsafePointer<UInt8>, _ n: Int, into out: OutStream, gen: UInt32) -> Bool

    /// Decodes one value of column `c` and appends its token to `target`; where the coding
    /// holds a number or timestamp and `render` is false, leaves it in `value` unrendered
    /// and returns true (the column's state is updated all the same).
    static func decode(_ st: FieldCoderState, _ c: Int, _ col: UnsafeMutablePointer<ColumnRT>, _ inp: inout Cursor,
                       into target: OutStream, gen: UInt32, render: Bool, _ value: inout FieldCoderState.CodedValue) throws -> Bool
}

extension ValueCoding {
    static func settle(_ spec: inout ColumnSpec, _ sample: CodingSample) {}
    static func residual(_ p: UnsafePointer<UInt8>, _ n: Int) -> Residual? { nil }

    /// The checks of a kind that takes no text-only derived coding (references, embedded
    /// timestamps) and, unless `lookup`, no lookup.
    static func requireNoTextCodings(_ spec: ColumnSpec, lookup: Bool) throws {
        if !spec.refs.isEmpty { throw TransformError.corruptModel("references on a non-text column") }
        if spec.embedded != nil { throw TransformError.corruptModel("bad embedded timestamp settings") }
        if spec.lookup != nil && !lookup { throw TransformError.corruptModel("lookup on a numeric column") }
    }
}

extension FieldCoderState {
    /// A number or timestamp as its coding holds it, before rendering (the columnar reader
    /// takes it as it is).
    struct CodedValue {
        var isTime = false
        /// Numbers: the mantissa; timestamps: the instant in the format's units.
        var value: Int64 = 0
        /// Numbers: the `DecimalText` format; timestamps: the format's code.
        var format = 0
        var time = ISOTimestamp.Format(fraction: 0, separator: 0, zone: 0, negative: 0, offsetMinutes: 0)
    }
}

/// A token read as a number: `v` in units of `unit` (ns for timestamps, 1 for numbers), `fmt`
/// the format its coding stores.
struct Residual {
    var v: Int64
    var fmt: Int
    var unit: Int64
}

/// A column's training values as the codings' `choose` sees them.
struct CodingSample {
    let base: UnsafePointer<UInt8>
    let values: [FieldLearner.Value]
    /// What each value costs as text.
    let textCosts: [Int]

    var count: Int { values.count }

    @inline(__always) func token(_ i: Int) -> (UnsafePointer<UInt8>, Int) {
        (base + values[i].start, values[i].end - values[i].start)
    }
}

/// A coding's settings for a column and what its values cost under them.
struct CodingChoice {
    var kind: ValueKind
    var cost: Int
    var costs: [Int]
    var delta = false
    /// Numbers: bases rescaled to each value's fraction digits (`DecimalText.rescale`).
    var scaled = false
    var format = 0
    var reference: Int64 = 0
    var head: [UInt8] = []

    init(_ kind: ValueKind, costs: [Int], delta: Bool = false, format: Int = 0, reference: Int64 = 0) {
        self.kind = kind; self.costs = costs; cost = costs.reduce(0, +)
        self.delta = delta; self.format = format; self.reference = reference
    }
}

// MARK: - the one dispatch of the per-value paths

// The codings' `encode` and `decode`, and this dispatch, are `@_transparent`: as
// `@inline(__always)` the optimizer's size limits left them outlined in the large coder
// functions, a call per value (measured: restore +5 % instructions).

extension FieldCoderState {
    /// Codes one value with its column's coding; true when it had to be escaped to text.
    @_transparent
    func encodeBase(_ c: Int, _ col: UnsafeMutablePointer<ColumnRT>, _ p: UnsafePointer<UInt8>, _ n: Int,
                    into out: OutStream, gen: UInt32) -> Bool {
        switch col.pointee.kind {
        case .text: TextCoding.encode(self, c, col, p, n, into: out, gen: gen)
        case .number: IntegerCoding.encode(self, c, col, p, n, into: out, gen: gen)
        case .timestamp: TimestampCoding.encode(self, c, col, p, n, into: out, gen: gen)
        case .uuid: UUIDCoding.encode(self, c, col, p, n, into: out, gen: gen)
        case .float: FloatCoding.encode(self, c, col, p, n, into: out, gen: gen)
        case .recent: RecentCoding.encode(self, c, col, p, n, into: out, gen: gen)
        case .message: MessageCoding.encode(self, c, col, p, n, into: out, gen: gen)
        }
    }

    /// The vocabulary and base codings of one value, appended to `target`.
    @_transparent
    func decodeCore(_ c: Int, _ col: UnsafeMutablePointer<ColumnRT>, _ inp: inout Cursor, into target: OutStream, gen: UInt32) throws {
        var v = CodedValue()
        _ = try decodeCore(c, col, &inp, into: target, gen: gen, render: true, &v)
    }

    /// `decodeCore`, where without `render` a number or timestamp coded as one is not
    /// rendered but returned in `value` (true; the column's state is updated all the same):
    /// the columnar reader takes it as it is. Text (vocabulary entries, escapes, uuids,
    /// floats) always goes to `target` (false).
    @_transparent
    func decodeCore(_ c: Int, _ col: UnsafeMutablePointer<ColumnRT>, _ inp: inout Cursor, into target: OutStream, gen: UInt32,
                    render: Bool, _ value: inout CodedValue) throws -> Bool {
        decode: do {
            if col.pointee.hasVocab {
                let code = try inp.varint()
                if code > 0 {
                    // Guaranteed (kept alive by `vocabs`): no retain and release per value.
                    let entry: (UnsafePointer<UInt8>, Int)? = vocabRefs[c]!._withUnsafeGuaranteedRef { vocab in
                        code <= UInt64(vocab.count) ? vocab.key(Int(code - 1)) : nil
                    }
                    guard let (kp, kn) = entry else { throw TransformError.corruptFrame("vocabulary code \(code) out of range") }
                    target.put(kp, kn)
                    break decode
                }
            }
            return try decodeBase(c, col, &inp, into: target, gen: gen, render: render, &value)
        }
        return false
    }

    /// Decodes one value with its column's coding (see `ValueCoding.decode`).
    @_transparent
    func decodeBase(_ c: Int, _ col: UnsafeMutablePointer<ColumnRT>, _ inp: inout Cursor, into target: OutStream,
                    gen: UInt32, render: Bool, _ value: inout FieldCoderState.CodedValue) throws -> Bool {
        switch col.pointee.kind {
        case .text: try TextCoding.decode(self, c, col, &inp, into: target, gen: gen, render: render, &value)
        case .number: try IntegerCoding.decode(self, c, col, &inp, into: target, gen: gen, render: render, &value)
        case .timestamp: try TimestampCoding.decode(self, c, col, &inp, into: target, gen: gen, render: render, &value)
        case .uuid: try UUIDCoding.decode(self, c, col, &inp, into: target, gen: gen, render: render, &value)
        case .float: try FloatCoding.decode(self, c, col, &inp, into: target, gen: gen, render: render, &value)
        case .recent: try RecentCoding.decode(self, c, col, &inp, into: target, gen: gen, render: render, &value)
        case .message: try MessageCoding.decode(self, c, col, &inp, into: target, gen: gen, render: render, &value)
        }
    }

    /// The token of column `c`'s number or timestamp `v` (just decoded: a long number's
    /// head digits are the column's current ones).
    @inline(__always) func renderCoded(_ c: Int, _ v: FieldCoderState.CodedValue, into target: OutStream) {
        if v.isTime { TimestampCoding.render(self, c, v, into: target) } else { IntegerCoding.render(self, c, v, into: target) }
    }
}

// MARK: - tagged varints (numbers, timestamps, embedded timestamps)

/// A residual and its format: `varint x`; x even: the format of the column's previous value,
/// residual = unzigzag(x >> 1); x odd: tag = x >> 1, 0 = escape (text follows), else
/// format = tag − 1 and `svarint residual` follows.
enum TaggedVarint {
    /// The escape: the text coding of the token follows.
    static let escape: UInt64 = 1

    /// Whether residual `z` (zigzagged) can go in the short form (`sameFormat`: the value's
    /// format is the one the decoder will assume).
    @inline(__always) static func isShort(_ z: UInt64, sameFormat: Bool) -> Bool { sameFormat && z < (1 << 63) }

    @inline(__always) static func write(_ z: UInt64, format: Int, sameFormat: Bool, into out: OutStream) {
        if isShort(z, sameFormat: sameFormat) {
            out.varint(z << 1)
        } else {
            out.varint(UInt64(format + 1) << 1 | 1)
            out.varint(z)
        }
    }

    @inline(__always) static func size(_ z: UInt64, format: Int, sameFormat: Bool) -> Int {
        isShort(z, sameFormat: sameFormat) ? varintSize(z << 1) : varintSize(UInt64(format + 1) << 1 | 1) + varintSize(z)
    }

    /// Reads one: the residual and whether the value states its format (then set in
    /// `format`), `nil` for the escape. A tag above `maxTag` or whose format `accepts`
    /// refuses is `bad`.
    @inline(__always)
    static func read(_ inp: inout Cursor, format: inout Int, maxTag: UInt64, accepts: (Int) -> Bool,
                     bad: (UInt64) -> TransformError) throws -> (residual: Int64, stated: Bool)? {
        let x = try inp.varint()
        if x & 1 == 0 { return (unzigzag(x >> 1), false) }
        let tag = x >> 1
        if tag == 0 { return nil }
        guard tag <= maxTag, accepts(Int(tag - 1)) else { throw bad(tag) }
        format = Int(tag - 1)
        return (unzigzag(try inp.varint()), true)
    }

    /// What a column of residuals costs, value by value (`nil`: escaped to text), starting
    /// from format `initFormat` and, with `delta`, from each previous value, else from
    /// `reference` (ns for timestamps).
    static func costs(_ parsed: [Residual?], textCosts: [Int], delta: Bool, scaled: Bool = false, initFormat: Int, reference: Int64) -> [Int] {
        var out = [Int](repeating: 0, count: parsed.count)
        var prevFmt = initFormat
        var prev = reference
        for (i, p) in parsed.enumerated() {
            guard let p else { out[i] = 1 + textCosts[i]; continue }
            var base = delta ? CivilDate.floorDiv(prev, p.unit) : CivilDate.floorDiv(reference, p.unit)
            if scaled { base = DecimalText.rescale(base, from: delta ? prevFmt : initFormat, to: p.fmt) }
            out[i] = size(zigzag(p.v &- base), format: p.fmt, sameFormat: p.fmt == prevFmt)
            prevFmt = p.fmt
            prev = p.v &* p.unit
        }
        return out
    }

    /// The cheaper of coding `parsed` from a reference (the median) or as deltas, with the
    /// most common format first; `nil` when fewer than half the values parse.
    static func choose(_ kind: ValueKind, _ parsed: [Residual?], textCosts: [Int]) -> CodingChoice? {
        let ok = parsed.compactMap { $0 }
        guard ok.count * 2 >= parsed.count && !ok.isEmpty else { return nil }
        let fmt = FieldLearner.mode(ok.map(\.fmt))
        let ref = FieldLearner.median(ok.map { $0.v &* $0.unit })
        var best: CodingChoice? = nil
        for delta in [false, true] {
            let c = CodingChoice(kind, costs: costs(parsed, textCosts: textCosts, delta: delta, initFormat: fmt, reference: ref),
                                 delta: delta, format: fmt, reference: ref)
            if best == nil || c.cost < best!.cost { best = c }
        }
        // Numbers spelt with varying fraction digits: bases rescaled to each value's, from a
        // reference taken at the common format's scale; kept only when cheaper.
        if kind == .number && DecimalText.mixesScales(parsed) {
            let scaledRef = FieldLearner.median(ok.map { DecimalText.rescale($0.v, from: $0.fmt, to: fmt) })
            for delta in [false, true] {
                var c = CodingChoice(kind, costs: costs(parsed, textCosts: textCosts, delta: delta, scaled: true, initFormat: fmt,
                                                        reference: scaledRef),
                                     delta: delta, format: fmt, reference: scaledRef)
                c.scaled = true
                if c.cost < best!.cost { best = c }
            }
        }
        return best
    }
}
