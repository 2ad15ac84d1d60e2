import LogLabCore

/// Free-text strings (the `template` transform inside JSON, model version 7): a column of
/// messages (a container's `log` line, an application's `msg`) is coded as the plain-text
/// lines are (`TemplateEncoder`): each string's contents, its escapes as they are, split
/// into a template learned for the column (`ColumnSpec.templates`, from its training values)
/// or one sent literally in the frame, and typed variables stored per template in columns.
///
/// * Value, in the column's stream: `varint tag`: 0 = escape (the text coding follows: a
///   token that is not a string); 1 = a string whose contents are the column's next message.
/// * Side stream (`columns` layout): `varint count` (the column's messages in the frame),
///   then a template frame (`TemplateEncoder`, its kind byte included) of those contents, in
///   the order the values were coded. Absent when the frame has none. The writer sends no
///   literal template: a message without a learnt one goes verbatim in that frame (a literal
///   template costs a parse on every restore, and the text compresses about as well).
/// * The `rows` layout (small frames) codes the column as text (`FieldCoderState.beginFrame`).
///
/// Chosen by `FieldLearner.learnMessages` on the held-out records, not by a raw cost.
enum MessageCoding: ValueCoding {
    static let kind = ValueKind.message
    static let transform: TransformKind? = .template

    static func transformName(_ spec: ColumnSpec, alone: Bool) -> String? { "template(\(spec.templates?.infos.count ?? 0))" }

    static func choose(_ sample: CodingSample) -> CodingChoice? { nil }

    static func validate(_ spec: ColumnSpec) throws {
        guard spec.templates != nil, !spec.delta, !spec.scaled, spec.initValue == 0, spec.initFormat == 0, spec.initHead.isEmpty,
              !spec.textInColumns, spec.relation == nil, spec.layouts.isEmpty else {
            throw TransformError.corruptModel("bad message column settings")
        }
        try requireNoTextCodings(spec, lookup: true)
    }

    @_transparent
    static func encode(_ st: FieldCoderState, _ c: Int, _ col: UnsafeMutablePointer<ColumnRT>,
                       _ p: UnsafePointer<UInt8>, _ n: Int, into out: OutStream, gen: UInt32) -> Bool {
        guard n >= 2, p[0] == 0x22, p[n - 1] == 0x22, let m = st.messageRefs[c] else {
            out.put(0); TextCoding.write(p, n, into: out); return true
        }
        out.put(1)
        m._withUnsafeGuaranteedRef { $0.add(p + 1, n - 2) }
        return false
    }

    @_transparent
    static func decode(_ st: FieldCoderState, _ c: Int, _ col: UnsafeMutablePointer<ColumnRT>, _ inp: inout Cursor,
                       into target: OutStream, gen: UInt32, render: Bool, _ value: inout FieldCoderState.CodedValue) throws -> Bool {
        let tag = try inp.varint()
        if tag == 0 { try TextCoding.read(&inp, into: target); return false }
        guard tag == 1, let m = st.messageRefs[c] else { throw TransformError.corruptFrame("message tag \(tag)") }
        let (p, n) = try m._withUnsafeGuaranteedRef { try $0.next() }
        target.reserve(n + 2)
        target.put(0x22); target.put(p, n); target.put(0x22)
        return false
    }
}

/// A message-coded column's state in one frame: the contents gathered while encoding (coded
/// at the frame's end into its side stream), or those decoded from the side stream when the
/// first value is read (not before: a columnar read loads a stream only when it needs it).
final class MessageValues {
    let model: TemplateModel
    private var encoder: TemplateEncoder
    private var decoder: TemplateDecoder
    private var gathered = RecordBatch()
    /// Decoded: the messages back to back, message k ending at `ends[k]`; nil until loaded.
    private let store = OutStream(capacity: 256)
    private var ends: [Int]?
    private var taken = 0
    /// Decoding: the side stream's cursor (the frame's cursor array holds it).
    var input: UnsafeMutablePointer<Cursor>?

    init(model: TemplateModel) {
        self.model = model
        encoder = TemplateEncoder(model: model)
        encoder.literals = false
        decoder = TemplateDecoder(model: model)
    }

    func reset() {
        if !gathered.isEmpty { gathered = RecordBatch(reservingBytes: gathered.totalBytes, records: gathered.count) }
        ends = nil; taken = 0; input = nil
    }

    @inline(__always) func add(_ p: UnsafePointer<UInt8>, _ n: Int) { gathered.append(UnsafeBufferPointer(start: p, count: n)) }

    /// The frame's side stream of the gathered contents (nothing when there are none).
    func flush(into side: OutStream) {
        guard !gathered.isEmpty else { return }
        var frame: [UInt8] = []
        encoder.encode(gathered, into: &frame)
        side.varint(gathered.count)
        frame.withUnsafeBufferPointer { side.put($0.baseAddress!, $0.count) }
    }

    /// The next message's contents (valid until the frame ends).
    @inline(__always) func next() throws -> (UnsafePointer<UInt8>, Int) {
        if ends == nil { try load() }
        let e = ends!
        guard taken < e.count else { throw TransformError.corruptFrame("more messages than the frame holds") }
        let start = taken == 0 ? 0 : e[taken - 1]
        taken += 1
        return (UnsafePointer(store.base) + start, e[taken - 1] - start)
    }

    private func load() throws {
        guard let input else { throw TransformError.corruptFrame("message without its side stream") }
        let count = try input.pointee.count(limit: input.pointee.remaining)
        guard count > 0 else { throw TransformError.corruptFrame("empty message stream") }
        let rest = input.pointee.remaining
        let bytes = Array(UnsafeBufferPointer(start: try input.pointee.take(rest), count: rest))
        let batch = try decoder.decode(bytes, recordCount: count)
        store.reset()
        batch.bytes.withUnsafeBufferPointer { if let b = $0.baseAddress { store.put(b, $0.count) } }
        ends = Array(batch.offsets.dropFirst())
    }

    /// Every message the frame stated was read (checked at the frame's end).
    func finish() throws {
        if let ends, taken != ends.count { throw TransformError.corruptFrame("\(ends.count - taken) unread messages") }
    }
}
