/// Random numbers and the few transcendental functions the generator needs, computed with
/// integer arithmetic and the IEEE basic operations only (+ − × ÷, exact conversions), so the
/// same seed gives the same bytes on every machine and every libm.

/// SplitMix64: seeds the main generator and derives independent streams from one seed.
public struct SplitMix64: Sendable {
    public var state: UInt64
    public init(_ seed: UInt64) { state = seed }
    @inline(__always)
    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

/// xoshiro256**: the generator behind every draw.
public struct Xoshiro256: Sendable {
    var s0: UInt64, s1: UInt64, s2: UInt64, s3: UInt64

    /// A generator for `seed`; different `stream` values give independent sequences.
    public init(seed: UInt64, stream: UInt64 = 0) {
        var sm = SplitMix64(seed ^ (stream &* 0xD1B5_4A32_D192_ED03))
        s0 = sm.next(); s1 = sm.next(); s2 = sm.next(); s3 = sm.next()
        if s0 | s1 | s2 | s3 == 0 { s0 = 1 }
    }

    @inline(__always)
    public mutating func next() -> UInt64 {
        let result = ((s1 &* 5) << 7 | (s1 &* 5) >> 57) &* 9
        let t = s1 << 17
        s2 ^= s0; s3 ^= s1; s1 ^= s2; s0 ^= s3
        s2 ^= t
        s3 = s3 << 45 | s3 >> 19
        return result
    }

    /// Uniform in `0..<n` (n ≥ 1), by the high word of a 64×64 multiply.
    @inline(__always)
    public mutating func below(_ n: Int) -> Int {
        Int(truncatingIfNeeded: next().multipliedFullWidth(by: UInt64(n)).high)
    }

    /// Uniform in `lo...hi`.
    @inline(__always)
    public mutating func between(_ lo: Int, _ hi: Int) -> Int { lo + below(hi - lo + 1) }

    /// Uniform in [0, 1) with 53 random bits (exact).
    @inline(__always)
    public mutating func unit() -> Double { Double(next() >> 11) * 0x1p-53 }

    /// True with probability `perMillion` / 1,000,000.
    @inline(__always)
    public mutating func chance(perMillion: Int) -> Bool { below(1_000_000) < perMillion }

    /// Approximately standard normal (Irwin–Hall of 12 uniforms, tails bounded at ±6).
    @inline(__always)
    public mutating func normal() -> Double {
        var s = 0.0
        for _ in 0..<12 { s += unit() }
        return s - 6
    }

    /// Log-normal with the given median and shape.
    @inline(__always)
    public mutating func logNormal(median: Double, sigma: Double) -> Double {
        median * DetMath.exp(sigma * normal())
    }
}

/// exp, log and pow from basic operations only: identical results on every platform.
public enum DetMath {
    static let ln2 = 0.693_147_180_559_945_3

    public static func exp(_ x: Double) -> Double {
        if x.isNaN { return x }
        if x > 709 { return .infinity }
        if x < -708 { return 0 }
        let k = (x * 1.442_695_040_888_963_4).rounded()
        let r = x - k * ln2
        var term = 1.0, sum = 1.0
        var i = 1.0
        while i <= 16 {
            term = term * r / i
            sum += term
            i += 1
        }
        return sum * Double(sign: .plus, exponent: Int(k), significand: 1.0)
    }

    public static func log(_ x: Double) -> Double {
        guard x > 0, x.isFinite else { return x == 0 ? -.infinity : .nan }
        let e = Double(Int(x.exponent))
        let m = x.significand            // [1, 2)
        let y = (m - 1) / (m + 1)        // [0, 1/3)
        let y2 = y * y
        var term = y, sum = 0.0
        var n = 1.0
        while n < 40 {
            sum += term / n
            term *= y2
            n += 2
        }
        return e * ln2 + 2 * sum
    }

    public static func pow(_ x: Double, _ y: Double) -> Double { exp(y * log(x)) }
}
