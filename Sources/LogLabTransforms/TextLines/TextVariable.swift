/// A variable found inside a text line: its kind (the placeholder byte that stands for it in
/// the line's template), where it lies in the line and what the kind parsed from it.
///
/// The kinds, each in its own file with its recogniser, column coder and renderer:
/// `IntegerVariable`, `HexVariable`, `IPv4Variable`, `UUIDVariable`, `DigitsVariable`
/// (digit runs too long for 64 bits), `TimeVariable` (timestamps in common layouts) and
/// `WordVariable` (whole words that vary where the rest of a template does not).
/// A line holding a byte of `TextVariableKind.reserved` never gets a template (it travels
/// verbatim), so placeholders in a template are unambiguous. The other control bytes are
/// static text (from model version 8): the escape of a terminal colour code (0x1B) in
/// every line of a log kept each such line verbatim before.
enum TextVariableKind: UInt8, CaseIterable {
    case integer = 0x11
    case hex = 0x12
    case ipv4 = 0x13
    case time = 0x14
    case uuid = 0x15
    case digits = 0x16
    case word = 0x17

    static let reserved: ClosedRange<UInt8> = 0x10...0x17
    /// Control bytes above the reserved range: static in a template only from model version 8.
    static let lateStatic: ClosedRange<UInt8> = 0x18...0x1F

    @inline(__always) static func isReserved(_ b: UInt8) -> Bool { b &- reserved.lowerBound <= reserved.upperBound &- reserved.lowerBound }

    /// Template bytes that follow the placeholder (the time layout).
    var descriptorBytes: Int { self == .time ? TimeLayout.byteCount : 0 }
}

struct TextVariable {
    var kind: TextVariableKind
    /// Offset of the variable's text in the frame's record bytes, and its length.
    var start: Int
    var length: Int
    /// integer: the value; ipv4: the address; time: the instant in layout units.
    var value: Int64 = 0
    /// integer: digit count (leading zeros included); hex, uuid: 1 when upper case; time: layout index.
    var aux: Int = 0
}

/// Rendered values, back to back, for the template decoder to splice into lines: value v
/// is `bytes[bounds[v] ..< bounds[v + 1]]`.
struct RenderedColumn {
    let bytes = OutStream(capacity: 4096)
    /// Behind a pointer as `bytes` is: a value is closed once per slot of every line, and an
    /// array's append paid a uniqueness check each time.
    let bounds = BoundsStream()

    /// Ends the value being written.
    @inline(__always) func close() { bounds.append(bytes.count) }
    /// Values closed so far.
    var count: Int { bounds.count - 1 }
}

/// The growable list of value bounds of a `RenderedColumn`, starting with 0.
final class BoundsStream {
    private(set) var base: UnsafeMutablePointer<Int>
    private(set) var count = 1
    private var capacity = 256

    init() {
        base = .allocate(capacity: capacity)
        base.initialize(to: 0)
    }

    deinit { base.deallocate() }

    @inline(__always) func append(_ v: Int) {
        if count == capacity { grow(count + 1) }
        (base + count).initialize(to: v)
        count += 1
    }

    func reserve(_ extra: Int) { if count + extra > capacity { grow(count + extra) } }

    @inline(never) private func grow(_ need: Int) {
        var c = capacity * 2
        while c < need { c *= 2 }
        let nb = UnsafeMutablePointer<Int>.allocate(capacity: c)
        nb.initialize(from: base, count: count)
        base.deallocate()
        base = nb
        capacity = c
    }
}

@inline(__always) func isDigit(_ b: UInt8) -> Bool { b &- 0x30 < 10 }
@inline(__always) func isAlnum(_ b: UInt8) -> Bool { b &- 0x30 < 10 || (b | 0x20) &- 0x61 < 26 }
@inline(__always) func hexNibble(_ b: UInt8) -> (value: UInt8, upper: Int)? {  // upper: 0 digit, 1 lower, 2 upper
    if b &- 0x30 < 10 { return (b &- 0x30, 0) }
    if b &- 0x61 < 6 { return (b &- 0x61 &+ 10, 1) }
    if b &- 0x41 < 6 { return (b &- 0x41 &+ 10, 2) }
    return nil
}
