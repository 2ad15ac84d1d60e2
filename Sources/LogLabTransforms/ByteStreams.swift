/// A growable output byte stream. Its fields live behind a pointer (`h`), so the hot loops
/// pay no dynamic exclusivity checks and no copy-on-write checks.
final class OutStream {
    struct Header { var base: UnsafeMutablePointer<UInt8>; var count: Int; var capacity: Int }
    let h: UnsafeMutablePointer<Header>

    init(capacity: Int = 256) {
        let c = max(capacity, 16)
        h = .allocate(capacity: 1)
        h.initialize(to: Header(base: .allocate(capacity: c), count: 0, capacity: c))
    }

    deinit { h.pointee.base.deallocate(); h.deallocate() }

    @inline(__always) var base: UnsafeMutablePointer<UInt8> { h.pointee.base }
    @inline(__always) var count: Int { h.pointee.count }

    @inline(__always) func reset() { h.pointee.count = 0 }

    /// After writing through `base` into reserved capacity: the new count (≤ capacity).
    @inline(__always) func setCount(_ n: Int) {
        precondition(n >= 0 && n <= h.pointee.capacity)
        h.pointee.count = n
    }

    @inline(__always) func reserve(_ extra: Int) {
        if h.pointee.count + extra > h.pointee.capacity { grow(h.pointee.count + extra) }
    }

    @inline(never) private func grow(_ need: Int) {
        var c = h.pointee.capacity * 2
        while c < need { c *= 2 }
        let nb = UnsafeMutablePointer<UInt8>.allocate(capacity: c)
        nb.update(from: h.pointee.base, count: h.pointee.count)
        h.pointee.base.deallocate()
        h.pointee.base = nb
        h.pointee.capacity = c
    }

    @inline(__always) func put(_ b: UInt8) {
        if h.pointee.count == h.pointee.capacity { grow(h.pointee.count + 1) }
        h.pointee.base[h.pointee.count] = b
        h.pointee.count &+= 1
    }

    @inline(__always) func put(_ p: UnsafePointer<UInt8>, _ n: Int) {
        guard n > 0 else { return }
        reserve(n)
        copyBytes(h.pointee.base + h.pointee.count, p, n)
        h.pointee.count &+= n
    }

    @inline(__always) func varint(_ v: UInt64) {
        reserve(10)
        var v = v
        let b = h.pointee.base
        var c = h.pointee.count
        while v >= 0x80 {
            b[c] = UInt8(truncatingIfNeeded: v) | 0x80
            c &+= 1
            v >>= 7
        }
        b[c] = UInt8(truncatingIfNeeded: v)
        h.pointee.count = c &+ 1
    }

    @inline(__always) func varint(_ v: Int) { varint(UInt64(truncatingIfNeeded: v)) }

    @inline(__always) func svarint(_ v: Int64) { varint(zigzag(v)) }

    var buffer: UnsafeBufferPointer<UInt8> { UnsafeBufferPointer(start: base, count: count) }
}

/// Copies `n` bytes. The decoders copy many short runs (tokens, the literal bytes between
/// them): up to 32 bytes are moved with two overlapping loads and stores, not a `memmove`
/// call. Every load happens before the stores, so overlapping ranges are fine too.
@inline(__always) func copyBytes(_ d: UnsafeMutablePointer<UInt8>, _ s: UnsafePointer<UInt8>, _ n: Int) {
    let src = UnsafeRawPointer(s), dst = UnsafeMutableRawPointer(d)
    if n >= 16 {
        if n > 32 { dst.copyMemory(from: src, byteCount: n); return }
        let a = src.loadUnaligned(as: SIMD16<UInt8>.self)
        let b = src.loadUnaligned(fromByteOffset: n - 16, as: SIMD16<UInt8>.self)
        dst.storeBytes(of: a, as: SIMD16<UInt8>.self)
        dst.storeBytes(of: b, toByteOffset: n - 16, as: SIMD16<UInt8>.self)
    } else if n >= 8 {
        let a = src.loadUnaligned(as: UInt64.self)
        let b = src.loadUnaligned(fromByteOffset: n - 8, as: UInt64.self)
        dst.storeBytes(of: a, as: UInt64.self)
        dst.storeBytes(of: b, toByteOffset: n - 8, as: UInt64.self)
    } else if n >= 4 {
        let a = src.loadUnaligned(as: UInt32.self)
        let b = src.loadUnaligned(fromByteOffset: n - 4, as: UInt32.self)
        dst.storeBytes(of: a, as: UInt32.self)
        dst.storeBytes(of: b, toByteOffset: n - 4, as: UInt32.self)
    } else if n > 0 {
        let a = s[0], b = s[n >> 1], c = s[n - 1]
        d[0] = a; d[n >> 1] = b; d[n - 1] = c
    }
}

@inline(__always) func zigzag(_ v: Int64) -> UInt64 { UInt64(bitPattern: (v << 1) ^ (v >> 63)) }
@inline(__always) func unzigzag(_ u: UInt64) -> Int64 { Int64(bitPattern: (u >> 1) ^ (0 &- (u & 1))) }

@inline(__always) func varintSize(_ v: UInt64) -> Int {
    var n = 1
    var v = v
    while v >= 0x80 { v >>= 7; n += 1 }
    return n
}

/// A bounds-checked reader over frame bytes; every read throws `TransformError` at the end.
struct Cursor {
    let base: UnsafePointer<UInt8>
    var pos: Int
    let end: Int

    init(_ base: UnsafePointer<UInt8>, _ start: Int, _ end: Int) {
        self.base = base; pos = start; self.end = end
    }

    var isAtEnd: Bool { pos >= end }
    var remaining: Int { end - pos }

    @inline(__always) mutating func u8() throws -> UInt8 {
        guard pos < end else { throw TransformError.corruptFrame("stream ends early") }
        defer { pos &+= 1 }
        return base[pos]
    }

    @inline(__always) mutating func varint() throws -> UInt64 {
        if pos < end, base[pos] < 0x80 { pos &+= 1; return UInt64(base[pos &- 1]) }
        if pos &+ 1 < end, base[pos &+ 1] < 0x80 {   // two bytes: most residuals
            pos &+= 2
            return UInt64(base[pos &- 2] & 0x7F) | UInt64(base[pos &- 1]) << 7
        }
        return try varintSlow()
    }

    @inline(never) mutating func varintSlow() throws -> UInt64 {
        var result: UInt64 = 0
        var shift: UInt64 = 0
        while true {
            guard pos < end else { throw TransformError.corruptFrame("stream ends inside a varint") }
            let b = base[pos]
            pos &+= 1
            if shift == 63 && b > 1 { throw TransformError.corruptFrame("varint overflows 64 bits") }
            result |= UInt64(b & 0x7F) << shift
            if b < 0x80 { return result }
            shift += 7
            if shift > 63 { throw TransformError.corruptFrame("varint too long") }
        }
    }

    /// Steps over a varint (checked as `varint` checks it).
    @inline(__always) mutating func skipVarint() throws {
        if pos < end, base[pos] < 0x80 { pos &+= 1; return }
        if pos &+ 1 < end, base[pos &+ 1] < 0x80 { pos &+= 2; return }
        _ = try varintSlow()
    }

    @inline(__always) mutating func count(limit: Int) throws -> Int {
        let v = try varint()
        guard v <= UInt64(limit) else { throw TransformError.corruptFrame("length \(v) exceeds \(limit)") }
        return Int(v)
    }

    @inline(__always) mutating func svarint() throws -> Int64 { unzigzag(try varint()) }

    /// `n` bytes; returns their start.
    @inline(__always) mutating func take(_ n: Int) throws -> UnsafePointer<UInt8> {
        guard n >= 0, n <= end - pos else { throw TransformError.corruptFrame("stream ends early (needed \(n) bytes)") }
        defer { pos &+= n }
        return base + pos
    }
}
