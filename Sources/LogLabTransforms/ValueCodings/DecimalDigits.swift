/// Decimal digits written two at a time from a table: the renderers of numbers and
/// timestamps divide by the constant 100 (a multiply) once per pair instead of by 10 per digit.
enum DecimalDigits {
    /// "00" … "99".
    static let pairs: StaticString = "00010203040506070809101112131415161718192021222324252627282930313233343536373839404142434445464748495051525354555657585960616263646566676869707172737475767778798081828384858687888990919293949596979899"

    /// 10⁰ … 10¹⁹.
    static let powers: [UInt64] = (0...19).map { (0..<$0).reduce(UInt64(1)) { p, _ in p * 10 } }

    /// Digits of `v` without leading zeros (1 for 0).
    @inline(__always) static func count(_ v: UInt64) -> Int {
        // ⌊log10(2^bits)⌋ by multiply and shift, then one comparison fixes it.
        let guess = ((64 &- v.leadingZeroBitCount) &* 1233) >> 12
        return Swift.max(1, guess &+ (v >= powers[guess] ? 1 : 0))
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
