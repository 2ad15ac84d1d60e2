/// Decimal digits written two at a time from a table: the renderers of numbers and
/// timestamps divide by the constant 100 (a multiply) once per pair instead of by 10 per digit.
enum DecimalDigits {
    /// "00" … "99".
    static let pairs: StaticString = "00010203040506070809101112131415161718192021222324252627282930313233343536373839404142434445464748495051525354555657585960616263646566676869707172737475767778798081828384858687888990919293949596979899"

    /// 10ᵏ for k in 0…19. A switch, which the compiler makes a constant table: a global
    /// array costs a lazy-initialisation check and an array access at every use on the hot paths.
    @inline(__always) static func power(_ k: Int) -> UInt64 {
        switch k {
        case 0: 1
        case 1: 10
        case 2: 100
        case 3: 1_000
        case 4: 10_000
        case 5: 100_000
        case 6: 1_000_000
        case 7: 10_000_000
        case 8: 100_000_000
        case 9: 1_000_000_000
        case 10: 10_000_000_000
        case 11: 100_000_000_000
        case 12: 1_000_000_000_000
        case 13: 10_000_000_000_000
        case 14: 100_000_000_000_000
        case 15: 1_000_000_000_000_000
        case 16: 10_000_000_000_000_000
        case 17: 100_000_000_000_000_000
        case 18: 1_000_000_000_000_000_000
        case 19: 10_000_000_000_000_000_000
        default: fatalError("no power of ten 10^k fits UInt64 for this k")
        }
    }

    /// Whether the eight bytes at `p` are all ASCII digits: each byte's high nibble is 3, and
    /// stays 3 with 6 added (a carry into the next byte needs a byte ≥ 0xFA, refused anyway).
    @inline(__always) static func eightDigits(_ p: UnsafePointer<UInt8>) -> Bool {
        let w = UInt64(littleEndian: UnsafeRawPointer(p).loadUnaligned(as: UInt64.self))
        return (w & 0xF0F0_F0F0_F0F0_F0F0) | (((w &+ 0x0606_0606_0606_0606) & 0xF0F0_F0F0_F0F0_F0F0) >> 4) == 0x3333_3333_3333_3333
    }

    /// `acc` followed by the `n` digits at `p` (all ASCII digits) as a number, wrapping as
    /// digit-by-digit accumulation does; eight digits at a time by multiply and shift.
    @inline(__always) static func value(_ p: UnsafePointer<UInt8>, _ n: Int, _ acc: UInt64) -> UInt64 {
        var v = acc, i = 0
        while i &+ 8 <= n {
            var w = UInt64(littleEndian: UnsafeRawPointer(p + i).loadUnaligned(as: UInt64.self)) &- 0x3030_3030_3030_3030
            w = (w &* 10) &+ (w >> 8)   // pairs
            w = (((w & 0x0000_00FF_0000_00FF) &* (100 &+ (1_000_000 << 32)))
                 &+ (((w >> 16) & 0x0000_00FF_0000_00FF) &* (1 &+ (10_000 << 32)))) >> 32
            v = v &* 100_000_000 &+ w
            i &+= 8
        }
        while i < n { v = v &* 10 &+ UInt64(p[i] &- 0x30); i &+= 1 }
        return v
    }

    /// Digits of `v` without leading zeros (1 for 0).
    @inline(__always) static func count(_ v: UInt64) -> Int {
        // ⌊log10(2^bits)⌋ by multiply and shift, then one comparison fixes it.
        let guess = ((64 &- v.leadingZeroBitCount) &* 1233) >> 12
        return Swift.max(1, guess &+ (v >= power(guess) ? 1 : 0))
    }

    /// Writes the last `count` digits of `v` (zero-padded) into `end - count ..< end` and
    /// returns what is left of `v` (`v / 10^count`).
    @inline(__always) @discardableResult
    static func write(_ v: UInt64, count: Int, endingAt end: UnsafeMutablePointer<UInt8>) -> UInt64 {
        let table = UnsafeRawPointer(pairs.utf8Start)
        var v = v, p = end, r = count
        while r >= 2 {
            p -= 2
            UnsafeMutableRawPointer(p).storeBytes(of: table.loadUnaligned(fromByteOffset: Int(truncatingIfNeeded: v % 100) &* 2, as: UInt16.self),
                                                  as: UInt16.self)
            v /= 100; r &-= 2
        }
        if r == 1 {
            p -= 1
            p.pointee = UInt8(truncatingIfNeeded: v % 10) &+ 0x30
            v /= 10
        }
        return v
    }

    /// Writes `v` (0…99) as two digits at `p`.
    @inline(__always) static func write2(_ v: Int, at p: UnsafeMutablePointer<UInt8>) {
        UnsafeMutableRawPointer(p).storeBytes(of: UnsafeRawPointer(pairs.utf8Start).loadUnaligned(fromByteOffset: v &* 2, as: UInt16.self),
                                              as: UInt16.self)
    }
}
