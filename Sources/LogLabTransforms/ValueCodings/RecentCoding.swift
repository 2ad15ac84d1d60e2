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
///   last one drops out when all slots are taken); slots + 2 + k = a new value of the
///   column's packed spelling k (`PackedLayout`), whose packed bytes follow in the side stream.
/// * Body (`initFormat`): 0 = the text coding; w in 1 … 7 = an unsigned integer spelt as
///   JSON spells it (digits, no leading zero, no quotes) in w bytes, big-endian: random ids
///   such as ports take their bits and no more. A token that is not one, or needs more
///   than w bytes, is escaped. Packed spellings go with bodies as text only.
/// * `initValue` = slots (1 … 64). Escaped values and values longer than
///   `RecentValues.maxLength` bytes are not remembered; frames start with none.
enum RecentCoding: ValueCoding {
    static let kind = ValueKind.recent
    static let transform: TransformKind? = .derived
    static let maxSlots = 64
    static let maxWidth = 7

    static func transformName(_ spec: ColumnSpec, alone: Bool) -> String? {
        spec.initFormat > 0 ? "recent(\(spec.initFormat) bytes)" : spec.layouts.isEmpty ? "recent" : "recent(packed)"
    }

    /// Chosen by `FieldLearner.learnRecent` on the held-out records, not by its raw cost.
    static func choose(_ sample: CodingSample) -> CodingChoice? { nil }

    static func validate(_ spec: ColumnSpec) throws {
        guard spec.initValue >= 1, spec.initValue <= Int64(maxSlots) else { throw TransformError.corruptModel("bad recent slot count") }
        guard spec.initFormat >= 0, spec.initFormat <= maxWidth else { throw TransformError.corruptModel("bad recent body width") }
        guard !spec.delta, spec.initHead.isEmpty, !spec.textInColumns, spec.relation == nil else {
            throw TransformError.corruptModel("bad recent column settings")
        }
        guard spec.layouts.isEmpty || spec.initFormat == 0, spec.layouts.count <= PackedLayout.maxLayouts,
              spec.layouts.allSatisfy({ $0.packedBytes != nil }) else {
            throw TransformError.corruptModel("bad packed spelling")
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
            } else if let k = r.layout(p, n) {
                out.varint(UInt64(r.slots + 2 + k))
                r.layouts[k].pack(p, into: side)
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
            // Ranks the column does not have yet, and tags past its spellings, are refused.
            guard tag > UInt64(r.slots), tag <= UInt64(r.slots + 1 + r.layouts.count) else {
                throw TransformError.corruptFrame("recent value \(tag) out of range")
            }
            let k = Int(tag) - r.slots - 2   // the packed spelling, -1 for a body
            let start = target.count
            let w = col.pointee.initFormat
            func body(_ s: inout Cursor) throws {
                if k >= 0 {
                    try r.layouts[k].unpack(&s, into: target)
                } else if w > 0 {
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
    let layouts: [PackedLayoutRT]
    private(set) var count = 0
    /// Encoding: the side stream of the frame's `columns` layout.
    var side: OutStream?
    /// Decoding: the side stream's cursor (the frame's cursor array holds it).
    var input: UnsafeMutablePointer<Cursor>?

    init(slots: Int, layouts: [PackedLayout] = []) {
        self.slots = max(1, slots)
        self.layouts = layouts.map(PackedLayoutRT.init)
        data = .allocate(capacity: self.slots * Self.maxLength)
        lengths = .allocate(capacity: self.slots)
        order = .allocate(capacity: self.slots)
    }

    deinit { data.deallocate(); lengths.deallocate(); order.deallocate() }

    @inline(__always) func reset() { count = 0 }

    /// The first packed spelling string token `p[0..<n]` has.
    @inline(__always) func layout(_ p: UnsafePointer<UInt8>, _ n: Int) -> Int? {
        for k in layouts.indices where layouts[k].fits(p, n) { return k }
        return nil
    }

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

// MARK: - packed spellings

/// A fixed-length spelling of a recent-coded column's strings: the bytes each position of
/// the contents takes (sorted, distinct). A string of that length whose every byte is one its
/// position takes is the mixed-radix number of its bytes' indexes (the first position most
/// significant), stored in the fewest bytes that hold every such number, big-endian: ids
/// over a small alphabet (base-62 connection ids, hex) lose the bits a byte per character
/// wastes, and positions with fewer choices (a version digit, a fixed prefix) cost less.
struct PackedLayout: Sendable, Equatable {
    static let maxLength = 64
    static let maxLayouts = 8
    static let maxBytes = 32

    var positions: [[UInt8]]

    /// A byte a position may take: no quote, backslash or control byte (contents are then the
    /// token's bytes as they are).
    static func allowed(_ b: UInt8) -> Bool { b >= 0x20 && b != 0x22 && b != 0x5C }

    /// Bytes of a packed value (the product of the positions' choices, less one, in bytes);
    /// nil when the layout is malformed or needs more than `maxBytes`.
    var packedBytes: Int? {
        guard !positions.isEmpty, positions.count <= Self.maxLength else { return nil }
        var product: [UInt8] = [1]   // little-endian
        for p in positions {
            guard !p.isEmpty, p.allSatisfy(Self.allowed), zip(p, p.dropFirst()).allSatisfy({ $0 < $1 }) else { return nil }
            var carry = 0
            for j in product.indices { let x = Int(product[j]) * p.count + carry; product[j] = UInt8(x & 255); carry = x >> 8 }
            while carry > 0 { product.append(UInt8(carry & 255)); carry >>= 8 }
            guard product.count <= Self.maxBytes + 1 else { return nil }
        }
        // product − 1, then its length.
        var j = 0
        while product[j] == 0 { product[j] = 255; j += 1 }
        product[j] -= 1
        while product.count > 1 && product.last == 0 { product.removeLast() }
        let n = product == [0] ? 0 : product.count
        return n <= Self.maxBytes ? n : nil
    }
}

/// A `PackedLayout` for the coder: per position, each byte's index (-1: not taken).
final class PackedLayoutRT {
    let length: Int
    let bytes: Int
    let radix: UnsafeMutablePointer<Int>
    let index: UnsafeMutablePointer<Int16>
    let chars: UnsafeMutablePointer<UInt8>   // position i's bytes at i * 256
    let scratch: UnsafeMutablePointer<UInt8>

    init(_ l: PackedLayout) {
        length = l.positions.count
        bytes = l.packedBytes ?? 0
        radix = .allocate(capacity: max(length, 1))
        index = .allocate(capacity: max(length, 1) * 256)
        index.initialize(repeating: -1, count: max(length, 1) * 256)
        chars = .allocate(capacity: max(length, 1) * 256)
        scratch = .allocate(capacity: max(bytes, 1))
        for (i, p) in l.positions.enumerated() {
            radix[i] = p.count
            for (k, b) in p.enumerated() { index[i * 256 + Int(b)] = Int16(k); chars[i * 256 + k] = b }
        }
    }

    deinit { radix.deallocate(); index.deallocate(); chars.deallocate(); scratch.deallocate() }

    /// Whether string token `p[0..<n]` (quotes included) has this spelling.
    @inline(__always) func fits(_ p: UnsafePointer<UInt8>, _ n: Int) -> Bool {
        guard n == length + 2, p[0] == 0x22, p[n - 1] == 0x22 else { return false }
        for i in 0..<length where index[i * 256 + Int(p[1 + i])] < 0 { return false }
        return true
    }

    /// The packed value of a token that `fits`.
    @inline(__always) func pack(_ p: UnsafePointer<UInt8>, into out: OutStream) {
        let b = scratch
        b.update(repeating: 0, count: bytes)
        for i in 0..<length {
            var carry = Int(index[i * 256 + Int(p[1 + i])])
            let r = radix[i]
            var j = bytes - 1
            while j >= 0 { let x = Int(b[j]) * r + carry; b[j] = UInt8(truncatingIfNeeded: x); carry = x >> 8; j -= 1 }
        }
        out.put(UnsafePointer(b), bytes)
    }

    /// The token of a packed value (quotes included).
    @inline(__always) func unpack(_ inp: inout Cursor, into out: OutStream) throws {
        let b = scratch
        b.update(from: try inp.take(bytes), count: bytes)
        out.reserve(length + 2)
        let t = out.base + out.count
        t[0] = 0x22; t[length + 1] = 0x22
        var i = length - 1
        while i >= 0 {
            let r = radix[i]
            var rem = 0
            for j in 0..<bytes { let x = rem << 8 | Int(b[j]); b[j] = UInt8(truncatingIfNeeded: x / r); rem = x % r }
            t[1 + i] = chars[i * 256 + rem]
            i -= 1
        }
        for j in 0..<bytes where b[j] != 0 { throw TransformError.corruptFrame("packed value out of range") }
        out.h.pointee.count += length + 2
    }
}
