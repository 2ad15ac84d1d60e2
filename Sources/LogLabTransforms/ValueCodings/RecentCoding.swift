import LogLabCore

/// Identifiers that recur a few records apart (the `derived` transform, model version 4):
/// connection ids, ports and transaction ids logged once per query and once per answer,
/// interleaved with others. A value equal to one of the column's recent distinct values in
/// the frame is coded as its rank; any other as a tag, its body in the column's side stream
/// (`columns` layout; inline in `rows`), so that the bodies sit together, apart from the
/// tags, and the codec meets runs of like bytes:
///
/// * `varint tag`: 0 = escape (the text coding follows, in the main stream); 1 … slots = the
///   tag-th most recent distinct value (1 = the latest; it moves to the front); slots + 1 =
///   a new value, whose body follows in the side stream and which goes to the front (the
///   last one drops out when all slots are taken).
/// * Body (`initFormat`): 0 = the text coding; w in 1 … 7 = an unsigned integer spelt as
///   JSON spells it (digits, no leading zero, no quotes) in w bytes, big-endian: random ids
///   such as ports take their bits and no more. A token that is not one, or needs more
///   than w bytes, is escaped.
/// * `initValue` = slots (1 … 64). Escaped values and values longer than
///   `RecentValues.maxLength` bytes are not remembered; frames start with none.
enum RecentCoding: ValueCoding {
    static let kind = ValueKind.recent
    static let transform: TransformKind? = .derived
    static let maxSlots = 64
    static let maxWidth = 7

    static func transformName(_ spec: ColumnSpec, alone: Bool) -> String? {
        spec.initFormat > 0 ? "recent(\(spec.initFormat) bytes)" : "recent"
    }

    /// Chosen by `FieldLearner.learnRecent` on the held-out records, not by its raw cost.
    static func choose(_ sample: CodingSample) -> CodingChoice? { nil }

    static func validate(_ spec: ColumnSpec) throws {
        guard spec.initValue >= 1, spec.initValue <= Int64(maxSlots) else { throw TransformError.corruptModel("bad recent slot count") }
        guard spec.initFormat >= 0, spec.initFormat <= maxWidth else { throw TransformError.corruptModel("bad recent body width") }
        guard !spec.delta, spec.initHead.isEmpty, !spec.textInColumns, spec.relation == nil else {
            throw TransformError.corruptModel("bad recent column settings")
        }
        try requireNoTextCodings(spec, lookup: true)
    }

    /// The value of a token spelt as an unsigned JSON integer that fits `width` bytes.
    @inline(__always) static func unsigned(_ p: UnsafePointer<UInt8>, _ n: Int, width: Int) -> UInt64? {
        guard n >= 1, n <= 17, p[0] != 0x30 || n == 1 else { return nil }
        var v: UInt64 = 0
        for i in 0..<n {
            let d = p[i] &- 0x30
            guard d < 10 else { return nil }
            v = v &* 10 &+ UInt64(d)
        }
        return v >> (8 * UInt64(width)) == 0 ? v : nil
    }

    @_transparent
    static func encode(_ st: FieldCoderState, _ c: Int, _ col: UnsafeMutablePointer<ColumnRT>,
                       _ p: UnsafePointer<UInt8>, _ n: Int, into out: OutStream, gen: UInt32) -> Bool {
        st.recentRefs[c]!._withUnsafeGuaranteedRef { r in
            let rank = r.find(p, n)
            if rank >= 0 { out.varint(UInt64(rank + 1)); r.touch(rank); return false }
            let side = r.side ?? out
            let w = col.pointee.initFormat
            if w > 0 {
                guard let v = unsigned(p, n, width: w) else { out.varint(0); TextCoding.write(p, n, into: out); return true }
                out.varint(UInt64(r.slots + 1))
                side.reserve(w)
                for k in 0..<w { side.put(UInt8(truncatingIfNeeded: v >> (8 * UInt64(w - 1 - k)))) }
            } else {
                out.varint(UInt64(r.slots + 1))
                TextCoding.write(p, n, into: side)
            }
            r.insert(p, n)
            return false
        }
    }

    @_transparent
    static func decode(_ st: FieldCoderState, _ c: Int, _ col: UnsafeMutablePointer<ColumnRT>, _ inp: inout Cursor,
                       into target: OutStream, gen: UInt32, render: Bool, _ value: inout FieldCoderState.CodedValue) throws -> Bool {
        try st.recentRefs[c]!._withUnsafeGuaranteedRef { r in
            let tag = try inp.varint()
            if tag == 0 { try TextCoding.read(&inp, into: target); return false }
            if tag <= UInt64(r.count) {
                let rank = Int(tag - 1)
                let (vp, vn) = r.value(rank)
                target.put(vp, vn)
                r.touch(rank)
                return false
            }
            guard tag == UInt64(r.slots + 1) else { throw TransformError.corruptFrame("recent value \(tag) out of range") }
            let start = target.count
            let w = col.pointee.initFormat
            func body(_ s: inout Cursor) throws {
                if w > 0 {
                    let b = try s.take(w)
                    var v: UInt64 = 0
                    for k in 0..<w { v = v << 8 | UInt64(b[k]) }
                    DecimalText.render(Int64(v), format: 0, head: b, headCount: 0, into: target)
                } else {
                    try TextCoding.read(&s, into: target)
                }
            }
            if let side = r.input { try body(&side.pointee) } else { try body(&inp) }
            r.insert(UnsafePointer(target.base) + start, target.count - start)
            return false
        }
    }
}

/// A recent-coded column's running state: its distinct values in recency order (a rank is
/// a position in `order`, which names the slot holding the value) and where its bodies go
/// or come from in the `columns` layout (nil: inline, the `rows` layout).
final class RecentValues {
    static let maxLength = 64

    let slots: Int
    let data: UnsafeMutablePointer<UInt8>
    let lengths: UnsafeMutablePointer<Int>
    let order: UnsafeMutablePointer<Int>
    private(set) var count = 0
    /// Encoding: the side stream of the frame's `columns` layout.
    var side: OutStream?
    /// Decoding: the side stream's cursor (the frame's cursor array holds it).
    var input: UnsafeMutablePointer<Cursor>?

    init(slots: Int) {
        self.slots = max(1, slots)
        data = .allocate(capacity: self.slots * Self.maxLength)
        lengths = .allocate(capacity: self.slots)
        order = .allocate(capacity: self.slots)
    }

    deinit { data.deallocate(); lengths.deallocate(); order.deallocate() }

    @inline(__always) func reset() { count = 0 }

    /// The rank of `p[0..<n]`, -1 when it is not a recent value.
    @inline(__always) func find(_ p: UnsafePointer<UInt8>, _ n: Int) -> Int {
        for r in 0..<count {
            let s = order[r]
            if lengths[s] == n && memcmpEqual(data + s * Self.maxLength, p, n) { return r }
        }
        return -1
    }

    @inline(__always) func value(_ rank: Int) -> (UnsafePointer<UInt8>, Int) {
        let s = order[rank]
        return (UnsafePointer(data + s * Self.maxLength), lengths[s])
    }

    /// Moves the value of `rank` to the front.
    @inline(__always) func touch(_ rank: Int) {
        let s = order[rank]
        var r = rank
        while r > 0 { order[r] = order[r - 1]; r -= 1 }
        order[0] = s
    }

    /// Puts a new value at the front (too long ones are not remembered).
    @inline(__always) func insert(_ p: UnsafePointer<UInt8>, _ n: Int) {
        guard n <= Self.maxLength else { return }
        let s: Int
        if count < slots { s = count; count += 1 } else { s = order[count - 1] }
        var r = count - 1
        while r > 0 { order[r] = order[r - 1]; r -= 1 }
        order[0] = s
        lengths[s] = n
        (data + s * Self.maxLength).update(from: p, count: n)
    }
}
