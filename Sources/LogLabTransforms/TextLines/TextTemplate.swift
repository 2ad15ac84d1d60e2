/// Splits a text line into its template (the static bytes, with one placeholder byte per
/// variable, see `TextVariableKind`) and its variables, in the manner of CLP: every digit
/// run, hex id, address and timestamp is a variable, the rest is the template. Rendering
/// the variables into the template's placeholders gives the line byte for byte.
///
/// Recognition order at the start of a word (after a byte that is not a letter or digit):
/// timestamp, UUID, IPv4 address, `0x` + hex, hex word, integer (a `-` sign allowed here),
/// long digit run. Inside a word only digit runs are variables (`workers2` → `workers`, 2).
enum TextTemplate {
    /// Longest line given a template; longer ones travel verbatim.
    static let maxLineBytes = 1 << 20

    /// Tokenises `line[0..<n]` (at `offset` in the frame's bytes); false when the line holds a
    /// reserved byte (or is too long) and must travel verbatim.
    static func tokenize(_ p: UnsafePointer<UInt8>, _ n: Int, offset: Int, template: OutStream, vars: inout [TextVariable]) -> Bool {
        template.reset()
        vars.removeAll(keepingCapacity: true)
        guard n <= maxLineBytes else { return false }
        // A placeholder (with its layout bytes) is never longer than the text it stands for,
        // so the template fits in n bytes: written through a pointer, counted at the end.
        template.reserve(n)
        var q = template.base
        var i = 0
        var prevAlnum = false                    // p[i − 1] is a letter or digit
        while i < n {
            let b = p[i]
            // Most bytes are static: letters inside a word, punctuation other than a `-` at a
            // word start. Reserved bytes are punctuation, and no variable holds one, so the
            // check that sends a line verbatim is made here, once per byte.
            let letter = (b | 0x20) &- 0x61 < 26
            if letter && prevAlnum {
                q.pointee = b; q += 1; i += 1
                continue
            }
            if !letter && !isDigit(b) && (b != 0x2D || prevAlnum) {
                if TextVariableKind.isReserved(b) { return false }
                q.pointee = b; q += 1; i += 1
                prevAlnum = false
                continue
            }
            let wordStart = !prevAlnum
            prevAlnum = true                     // every variable ends in a letter or digit
            if wordStart && isAlnum(b) {
                if isDigit(b) || b &- 0x41 < 26, TimeVariable.mayStart(p, i, n), let t = TimeVariable.match(p, i, n) {
                    q[0] = TextVariableKind.time.rawValue
                    q[1] = t.layout.base; q[2] = t.layout.variant; q[3] = t.layout.fraction
                    q += 4
                    vars.append(TextVariable(kind: .time, start: offset + i, length: t.length, value: t.value, aux: t.layout.fractionDigits))
                    i += t.length
                    continue
                }
                if hexNibble(b) != nil {
                    if let upper = UUIDVariable.match(p, i, n) {
                        q.pointee = TextVariableKind.uuid.rawValue; q += 1
                        vars.append(TextVariable(kind: .uuid, start: offset + i, length: UUIDVariable.length, aux: upper ? 1 : 0))
                        i += UUIDVariable.length
                        continue
                    }
                    if isDigit(b), IPv4Variable.mayStart(p, i, n), let ip = IPv4Variable.match(p, i, n) {
                        q.pointee = TextVariableKind.ipv4.rawValue; q += 1
                        vars.append(TextVariable(kind: .ipv4, start: offset + i, length: ip.length, value: ip.value))
                        i += ip.length
                        continue
                    }
                    if b == 0x30, i + 2 < n, p[i + 1] | 0x20 == 0x78, let h = HexVariable.match(p, i + 2, n, prefixed: true) {
                        q[0] = p[i]; q[1] = p[i + 1]; q[2] = TextVariableKind.hex.rawValue
                        q += 3
                        vars.append(TextVariable(kind: .hex, start: offset + i + 2, length: h.length, aux: h.upper ? 1 : 0))
                        i += 2 + h.length
                        continue
                    }
                    if let h = HexVariable.match(p, i, n, prefixed: false) {
                        q.pointee = TextVariableKind.hex.rawValue; q += 1
                        vars.append(TextVariable(kind: .hex, start: offset + i, length: h.length, aux: h.upper ? 1 : 0))
                        i += h.length
                        continue
                    }
                }
            }
            if isDigit(b) || (b == 0x2D && wordStart) {
                if let x = IntegerVariable.match(p, i, n, signAllowed: wordStart) {
                    q.pointee = TextVariableKind.integer.rawValue; q += 1
                    vars.append(TextVariable(kind: .integer, start: offset + i, length: x.length, value: x.value, aux: x.digits))
                    i += x.length
                    continue
                }
                if isDigit(b) {
                    let len = DigitsVariable.match(p, i, n)
                    q.pointee = TextVariableKind.digits.rawValue; q += 1
                    vars.append(TextVariable(kind: .digits, start: offset + i, length: len))
                    i += len
                    continue
                }
            }
            q.pointee = b; q += 1
            i += 1
            prevAlnum = isAlnum(b)
        }
        template.setCount(q - template.base)
        return true
    }
}

/// One slot of a template: its kind, its time layout (time slots only), and the static run
/// of template bytes before it (`bytes[runStart ..< runEnd]`).
struct TemplateSlot {
    var runStart: Int32
    var runEnd: Int32
    var kind: TextVariableKind
    var layout: TimeLayout
}

/// A template checked and taken apart: per slot its kind, layout and the static run before it.
///
/// Made once per model template, and once per frame for each literal template: a log of
/// varied words sends most lines' templates literally, so this is on the hot path of both
/// compress and restore. Three allocations (the object, the slots, the slot order), each
/// array filled in place; the static runs are not copied: the decoder copies them from
/// `bytes`, and `literalCount` sums them.
final class TemplateInfo: Sendable {
    let bytes: [UInt8]
    let slots: [TemplateSlot]
    /// The time slots in order, then the other slots (they get a column per template) in order.
    let order: [Int32]
    let timeCount: Int
    /// Where the static bytes after the last slot start in `bytes`.
    let tailStart: Int
    /// Static bytes in all (placeholders and layout bytes left out).
    let literalCount: Int
    /// Whether a static byte is a control byte above the reserved range (model version 8 on).
    /// Computed when asked (writing or reading a model), not for every literal template.
    var lateStatic: Bool {
        let late = TextVariableKind.lateStatic
        return bytes[tailStart...].contains(where: late.contains)
            || slots.contains { s in bytes[Int(s.runStart)..<Int(s.runEnd)].contains(where: late.contains) }
    }

    var slotCount: Int { slots.count }
    /// Slot index of the k-th timestamp.
    @inline(__always) func timeSlot(_ k: Int) -> Int { Int(order[k]) }
    /// Slots that are not timestamps, in order.
    var columnSlots: ArraySlice<Int32> { order[timeCount...] }

    init(_ bytes: [UInt8]) throws {
        guard bytes.count < Int(Int32.max) else { throw TransformError.corruptFrame("template too long") }
        self.bytes = bytes
        let (slotCount, stamps) = bytes.withUnsafeBufferPointer { b -> (Int, Int) in
            // A time placeholder's layout bytes may lie in the reserved range: skipped.
            var slots = 0, stamps = 0, i = 0
            while let at = nextReserved(b, from: i) {
                slots += 1
                i = at + 1
                if b[at] == TextVariableKind.time.rawValue { stamps += 1; i += TimeLayout.byteCount }
            }
            return (slots, stamps)
        }
        var tail = 0
        let slots = try bytes.withUnsafeBufferPointer { b in
            try [TemplateSlot](unsafeUninitializedCapacity: slotCount) { out, made in
                let n = b.count
                var i = 0, runStart = 0
                while made < slotCount {
                    i = nextReserved(b, from: i)!       // a placeholder lies ahead: counted above
                    guard let k = TextVariableKind(rawValue: b[i]) else { throw TransformError.corruptFrame("unknown placeholder \(b[i]) in a template") }
                    var layout = TimeLayout(base: 0, variant: 0, fraction: 0)
                    let at = i
                    i += 1
                    if k == .time {
                        guard i + 3 <= n, let l = TimeLayout(b[i], b[i + 1], b[i + 2]) else {
                            throw TransformError.corruptFrame("bad timestamp layout in a template")
                        }
                        layout = l
                        i += 3
                    }
                    (out.baseAddress! + made).initialize(to: TemplateSlot(runStart: Int32(runStart), runEnd: Int32(at), kind: k, layout: layout))
                    made += 1
                    runStart = i
                }
                tail = runStart
            }
        }
        var literal = bytes.count - tail
        for s in slots { literal += Int(s.runEnd - s.runStart) }
        self.order = [Int32](unsafeUninitializedCapacity: slotCount) { out, made in
            var t = 0, c = stamps
            for (k, s) in slots.enumerated() {
                if s.kind == .time { out[t] = Int32(k); t += 1 } else { out[c] = Int32(k); c += 1 }
            }
            made = slotCount
        }
        self.slots = slots
        self.timeCount = stamps
        self.tailStart = tail
        self.literalCount = literal
    }
}

/// Index of the first byte of the reserved range (a placeholder) in `b[from...]`, eight
/// bytes at a time: a template's static runs are most of its bytes.
@inline(__always) func nextReserved(_ b: UnsafeBufferPointer<UInt8>, from: Int) -> Int? {
    let n = b.count
    guard from < n, let base = b.baseAddress else { return nil }
    var i = from
    while i + 8 <= n {
        // Bytes 0x10…0x17 become zero; the lowest flagged byte is exact.
        let v = (UnsafeRawPointer(base + i).loadUnaligned(as: UInt64.self).littleEndian & 0xF8F8_F8F8_F8F8_F8F8) ^ 0x1010_1010_1010_1010
        let hit = (v &- 0x0101_0101_0101_0101) & ~v & 0x8080_8080_8080_8080
        if hit != 0 { return i + hit.trailingZeroBitCount >> 3 }
        i += 8
    }
    while i < n {
        if TextVariableKind.isReserved(b[i]) { return i }
        i += 1
    }
    return nil
}
