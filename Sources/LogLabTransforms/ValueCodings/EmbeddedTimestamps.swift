import LogLabCore
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Timestamps embedded in a text field (`…/table/skill/2021-11-06T21:21:24.906Z`): each is
/// replaced by the marker `0x1D` and coded like a timestamp value after the text, as the
/// residual from `source` (+ `offset`) when that timestamp field is in the record, else from
/// the previous embedded timestamp of the column (`TaggedVarint`, no escape).
struct EmbeddedTimestamps: Sendable, Equatable {
    static let marker: UInt8 = 0x1D

    var source: Int32    // -1: none
    var offset: Int64

    /// The date-time starting at `p[i]`, if one does (`p[0..<n]`): the probe every reader and
    /// writer of embedded timestamps uses. Most bytes fail the first test; so written, the
    /// compiler keeps it first.
    /// Bytes of `w` (eight bytes, the first lowest) before its first ASCII digit, 8 for none.
    /// A byte is a digit when its high nibble is 3 and its low one below 10: `z` has a zero
    /// byte exactly there, and the lowest flag of the zero-byte test is exact.
    @inline(__always)
    static func bytesBeforeDigit(_ w: UInt64) -> Int {
        let z = ((w & 0xF0F0_F0F0_F0F0_F0F0) ^ 0x3030_3030_3030_3030) | (((w & 0x0F0F_0F0F_0F0F_0F0F) &+ 0x0606_0606_0606_0606) & 0x1010_1010_1010_1010)
        let zero = (z &- 0x0101_0101_0101_0101) & ~z & 0x8080_8080_8080_8080
        return zero.trailingZeroBitCount &>> 3
    }

    @_transparent
    static func match(_ p: UnsafePointer<UInt8>, at i: Int, _ n: Int) -> (value: Int64, format: ISOTimestamp.Format, length: Int)? {
        guard p[i] &- 0x30 < 10, i + 19 <= n, p[i + 4] == 0x2D, p[i + 13] == 0x3A else { return nil }
        return ISOTimestamp.parseContent(p + i, n - i, exact: false)
    }
}

extension FieldCoderState {
    /// Embedded timestamps of `p[0..<n]` → `scratch3` (with markers) and `payload`.
    @inline(__always)
    func extractEmbedded(_ col: UnsafeMutablePointer<ColumnRT>, _ p: UnsafePointer<UInt8>, _ n: Int, gen: UInt32) {
        scratch3.reset(); payload.reset()
        scratch3.reserve(n)   // never more: a marker stands for 19 bytes or more
        let d = scratch3.base
        var k = 0
        var i = 0
        while i < n {
            // Bytes up to the next digit (where a date-time can start) go over eight at a time.
            if i &+ 8 <= n {
                let w = UnsafeRawPointer(p + i).loadUnaligned(as: UInt64.self)
                UnsafeMutableRawPointer(d + k).storeBytes(of: w, as: UInt64.self)   // k ≤ i: within the n reserved
                let skip = EmbeddedTimestamps.bytesBeforeDigit(UInt64(littleEndian: w))
                if skip > 0 { k &+= skip; i &+= skip; continue }
            }
            guard let (v, fmt, len) = EmbeddedTimestamps.match(p, at: i, n) else {
                d[k] = p[i]; k += 1
                i += 1
                continue
            }
            d[k] = EmbeddedTimestamps.marker; k += 1
            let unit = ISOTimestamp.pow10[9 - fmt.fraction]
            var baseNs = col.pointee.prevValue
            let src = Int(col.pointee.embeddedSource)
            if src >= 0, cols[src].tsGen == gen { baseNs = cols[src].tsVal &+ col.pointee.embeddedOffset }
            let code = fmt.code
            TaggedVarint.write(zigzag(v &- CivilDate.floorDiv(baseNs, unit)), format: code, sameFormat: code == col.pointee.prevFormat, into: payload)
            col.pointee.prevValue = v &* unit; col.pointee.prevFormat = code
            i += len
        }
        scratch3.setCount(k)
    }

    /// Undoes `extractEmbedded`: markers in `src` → rendered timestamps read from `inp`.
    func expandEmbedded(_ col: UnsafeMutablePointer<ColumnRT>, _ src: OutStream, _ inp: inout Cursor, into out: OutStream, gen: UInt32) throws {
        let sp = src.base, sn = src.count
        out.reserve(sn)
        var i = 0
        while i < sn {
            // The text up to the next marker in one copy, not byte by byte.
            let hit = memchr(sp + i, Int32(EmbeddedTimestamps.marker), sn - i)
            let stop = hit.map { UnsafeMutableRawPointer(sp).distance(to: $0) } ?? sn
            out.put(sp + i, stop - i)
            guard stop < sn else { break }
            i = stop + 1
            var code = col.pointee.prevFormat
            guard let (d, _) = try TaggedVarint.read(&inp, format: &code, maxTag: 1 << 20, accepts: { _ in true },
                                                     bad: { _ in TransformError.corruptFrame("bad embedded timestamp format") }) else {
                throw TransformError.corruptFrame("bad embedded timestamp format")
            }
            let cache = dateCache + (col - cols)
            guard let fmt = cache.pointee.format(code: code) else { throw TransformError.corruptFrame("bad timestamp format \(code)") }
            let unit = ISOTimestamp.pow10[9 - fmt.fraction]
            var baseNs = col.pointee.prevValue
            let s = Int(col.pointee.embeddedSource)
            if s >= 0, cols[s].tsGen == gen { baseNs = cols[s].tsVal &+ col.pointee.embeddedOffset }
            let v = d &+ ISOTimestamp.floorDivPow10(baseNs, 9 - fmt.fraction)
            guard ISOTimestamp.inRange(v, fmt) else { throw TransformError.corruptFrame("timestamp out of range") }
            ISOTimestamp.renderContent(v, fmt, into: out, cache: cache, code: code)
            col.pointee.prevValue = v &* unit; col.pointee.prevFormat = code
        }
    }
}
