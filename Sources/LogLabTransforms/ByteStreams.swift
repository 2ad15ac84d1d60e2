/// A growable output byte stream without copy-on-write checks in the hot loop.
final class OutStream {
    private(set) var base: UnsafeMutablePointer<UInt8>
    private(set) var count = 0
    private var capacity: Int

    init(capacity: Int = 256) {
        self.capacity = max(capacity, 16)
        base = .allocate(capacity: self.capacity)
    }

    deinit { base.deallocate() }

    @inline(__always) func reset() { count = 0 }

    @inline(__always) func reserve(_ extra: Int) {
        if count + extra > capacity { grow(count + extra) }
    }

    private func grow(_ need: Int) {
        var c = capacity * 2
        while c < need { c *= 2 }
        let nb = UnsafeMutablePointer<UInt8>.allocate(capacity: c)
        nb.update(from: base, count: count)
        base.deallocate()
        base = nb
        capacity = c
    }

    @inline(__always) func put(_ b: UInt8) {
        if count == capacity { grow(count + 1) }
        base[count] = b
        count &+= 1
    }

    @inline(__always) func put(_ p: UnsafePointer<UInt8>, _ n: Int) {
        guard n > 0 else { return }
        reserve(n)
        (base + count).update(from: p, count: n)
        count &+= n
    }

    func put<C: Collection>(contentsOf c: C) where C.Element == UInt8 {
        reserve(c.count)
        for b in c { base[count] = b; count &+= 1 }
    }

    @inline(__always) func varint(_ v: UInt64) {
        reserve(10)
        var v = v
        while v >= 0x80 {
            base[count] = UInt8(truncatingIfNeeded: v) | 0x80
            count &+= 1
            v >>= 7
        }
        base[count] = UInt8(truncatingIfNeeded: v)
        count &+= 1
    }

    @inline(__always) func varint(_ v: Int) { varint(UInt64(truncatingIfNeeded: v)) }

    @inline(__always) func svarint(_ v: Int64) { varint(zigzag(v)) }

    func truncate(_ n: Int) { count = min(count, n) }

    var buffer: UnsafeBufferPointer<UInt8> { UnsafeBufferPointer(start: base, count: count) }
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
