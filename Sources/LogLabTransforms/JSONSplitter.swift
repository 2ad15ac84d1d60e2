#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The byte-level JSON tokenizer: splits one record into its *shape* (every byte that is not
/// a scalar value, i.e. punctuation, whitespace and keys, exactly as spelt, with one `0x00`
/// placeholder per scalar) and the exact byte ranges of its scalar values (strings with
/// their quotes and escapes, numbers as text, `true`/`false`/`null`). Splicing the values back
/// into the placeholders gives the record byte for byte.
///
/// Strict where exactness depends on it: control bytes inside strings, raw or escaped (which would
/// collide with placeholders and markers), unbalanced brackets, trailing bytes, and nesting
/// deeper than `maxDepth` reject the record, which then travels verbatim. Invalid UTF-8 inside
/// strings is kept as bytes. No allocation per record: scratch buffers grow and are reused.
final class JSONSplitter {
    static let placeholder: UInt8 = 0
    static let maxDepth = 128

    private(set) var shape: UnsafeMutablePointer<UInt8>
    private(set) var shapeCount = 0
    /// Value `k` is `record[valueStart[k] ..< valueEnd[k]]`.
    private(set) var valueStart: UnsafeMutablePointer<Int32>
    private(set) var valueEnd: UnsafeMutablePointer<Int32>
    private(set) var valueCount = 0
    private var capacity = 0
    private let stack: UnsafeMutablePointer<UInt8>

    init() {
        capacity = 4096
        shape = .allocate(capacity: capacity + 1)
        valueStart = .allocate(capacity: capacity + 1)
        valueEnd = .allocate(capacity: capacity + 1)
        stack = .allocate(capacity: Self.maxDepth + 1)
    }

    deinit {
        shape.deallocate(); valueStart.deallocate(); valueEnd.deallocate(); stack.deallocate()
    }

    private func reserve(_ n: Int) {
        guard n > capacity else { return }
        var c = capacity
        while c < n { c *= 2 }
        shape.deallocate(); valueStart.deallocate(); valueEnd.deallocate()
        capacity = c
        shape = .allocate(capacity: c + 1)
        valueStart = .allocate(capacity: c + 1)
        valueEnd = .allocate(capacity: c + 1)
    }

    var shapeBuffer: UnsafeBufferPointer<UInt8> { UnsafeBufferPointer(start: shape, count: shapeCount) }

    /// Splits `record` when its shape is `known` (the previous record's, usually: log records
    /// repeat their shape), comparing the shape's bytes between values instead of rebuilding
    /// them; fills the value ranges only (not `shape`). False when the record does not have
    /// exactly that shape; `split` then decides. A match is what `split` gives: the bytes
    /// between values are the shape's own, and each value is scanned by `split`'s rules.
    func split(_ record: UnsafeRawBufferPointer, as known: ShapeRT) -> Bool {
        let n = record.count
        guard n > 0, n < Int(Int32.max), let base = record.baseAddress else { return false }
        reserve(n)
        let p = base.assumingMemoryBound(to: UInt8.self)
        let sb = UnsafePointer(known.bytes), holes = known.holes
        let vs = valueStart, ve = valueEnd
        var i = 0, from = 0
        for k in 0..<known.slotCount {
            let h = Int(holes[k])
            let len = h - from
            guard len <= n - i, Self.same(p + i, sb + from, len), i + len < n else { return false }
            i += len
            let start = i
            switch p[i] {
            case 0x22:
                guard let end = Self.stringEnd(p, n, i) else { return false }
                i = end
            case 0x2D, 0x30...0x39:
                i &+= 1
                while i < n {
                    let d = p[i]
                    if (d >= 0x30 && d <= 0x39) || d == 0x2E || d == 0x65 || d == 0x45 || d == 0x2B || d == 0x2D { i &+= 1 } else { break }
                }
            case 0x74:
                guard i + 4 <= n, p[i+1] == 0x72, p[i+2] == 0x75, p[i+3] == 0x65 else { return false }
                i += 4
            case 0x66:
                guard i + 5 <= n, p[i+1] == 0x61, p[i+2] == 0x6C, p[i+3] == 0x73, p[i+4] == 0x65 else { return false }
                i += 5
            case 0x6E:
                guard i + 4 <= n, p[i+1] == 0x75, p[i+2] == 0x6C, p[i+3] == 0x6C else { return false }
                i += 4
            default:
                return false
            }
            vs[k] = Int32(truncatingIfNeeded: start); ve[k] = Int32(truncatingIfNeeded: i)
            from = h + 1
        }
        let tail = known.byteCount - from
        guard n - i == tail, Self.same(p + i, sb + from, tail) else { return false }
        valueCount = known.slotCount
        shapeCount = 0
        return true
    }

    /// Whether `n` bytes at `a` and `b` are equal. The bytes between values are mostly a key
    /// and its punctuation, up to 16 bytes: two overlapping loads each, not a `memcmp` call.
    @inline(__always) static func same(_ a: UnsafePointer<UInt8>, _ b: UnsafePointer<UInt8>, _ n: Int) -> Bool {
        let x = UnsafeRawPointer(a), y = UnsafeRawPointer(b)
        if n >= 8 {
            if n > 16 { return memcmp(a, b, n) == 0 }
            return x.loadUnaligned(as: UInt64.self) == y.loadUnaligned(as: UInt64.self)
                && x.loadUnaligned(fromByteOffset: n &- 8, as: UInt64.self) == y.loadUnaligned(fromByteOffset: n &- 8, as: UInt64.self)
        }
        if n >= 4 {
            return x.loadUnaligned(as: UInt32.self) == y.loadUnaligned(as: UInt32.self)
                && x.loadUnaligned(fromByteOffset: n &- 4, as: UInt32.self) == y.loadUnaligned(fromByteOffset: n &- 4, as: UInt32.self)
        }
        var i = 0
        while i < n { if a[i] != b[i] { return false }; i &+= 1 }
        return true
    }

    /// The index just past the closing quote of the string opening at `q`, or nil if the
    /// string is unterminated or holds a raw control byte, escaped or not (such records
    /// travel verbatim).
    @inline(__always) static func stringEnd(_ p: UnsafePointer<UInt8>, _ n: Int, _ q: Int) -> Int? {
        var i = q &+ 1
        let ones: UInt64 = 0x0101_0101_0101_0101, highs: UInt64 = 0x8080_8080_8080_8080
        while i < n {
            // Eight bytes at a time while none is a quote, a backslash or a control byte
            // (the SWAR "has a zero byte" / "has a byte below 0x20" tests, whose lowest
            // flag is exact: a borrow only runs upward), then straight to the first
            // such byte, not one byte at a time.
            if i &+ 8 <= n {
                let w = UInt64(littleEndian: UnsafeRawPointer(p + i).loadUnaligned(as: UInt64.self))
                let xq = w ^ (ones &* 0x22), xb = w ^ (ones &* 0x5C)
                let special = (((xq &- ones) & ~xq) | ((xb &- ones) & ~xb) | ((w &- ones &* 0x20) & ~w)) & highs
                if special == 0 { i &+= 8; continue }
                i &+= special.trailingZeroBitCount &>> 3
            }
            let d = p[i]
            if d == 0x22 { return i &+ 1 }
            if d == 0x5C {
                // The escaped byte is checked too: `\` + 0x00 would put a placeholder in a key.
                guard i &+ 1 < n, p[i &+ 1] >= 0x20 else { return nil }
                i &+= 2; continue
            }
            if d < 0x20 { return nil }
            i &+= 1
        }
        return nil
    }

    /// Splits `record`; false when it is not JSON this tokenizer represents exactly.
    func split(_ record: UnsafeRawBufferPointer) -> Bool {
        let n = record.count
        guard n > 0, n < Int(Int32.max), let base = record.baseAddress else { return false }
        reserve(n)
        let p = base.assumingMemoryBound(to: UInt8.self)
        let sh = shape
        let vs = valueStart, ve = valueEnd
        let st = stack
        var i = 0, s = 0, v = 0, depth = 0
        // 0: expecting a value, 1: after a value, 2: expecting a key
        var state = 0
        @inline(__always) func isWS(_ c: UInt8) -> Bool { c == 0x20 || c == 0x0A || c == 0x0D || c == 0x09 }
        while true {
            while i < n, isWS(p[i]) { sh[s] = p[i]; s &+= 1; i &+= 1 }
            if state == 1 {
                if depth == 0 {
                    guard i == n else { return false }
                    shapeCount = s; valueCount = v
                    return true
                }
                guard i < n else { return false }
                let c = p[i]
                let inObject = st[depth - 1] == 1
                if c == 0x2C {                       // ,
                    sh[s] = c; s &+= 1; i &+= 1
                    state = inObject ? 2 : 0
                } else if (c == 0x7D && inObject) || (c == 0x5D && !inObject) {
                    sh[s] = c; s &+= 1; i &+= 1
                    depth -= 1
                } else {
                    return false
                }
                continue
            }
            guard i < n else { return false }
            let c = p[i]
            if state == 2 {
                guard c == 0x22 else { return false }
                let start = i
                guard let end = Self.stringEnd(p, n, start) else { return false }
                i = end
                copyBytes(sh + s, p + start, i - start)
                s &+= i - start
                while i < n, isWS(p[i]) { sh[s] = p[i]; s &+= 1; i &+= 1 }
                guard i < n, p[i] == 0x3A else { return false }
                sh[s] = 0x3A; s &+= 1; i &+= 1
                state = 0
                continue
            }
            // state 0: a value
            switch c {
            case 0x7B, 0x5B:                          // { [
                guard depth < Self.maxDepth else { return false }
                st[depth] = c == 0x7B ? 1 : 0
                depth += 1
                sh[s] = c; s &+= 1; i &+= 1
                while i < n, isWS(p[i]) { sh[s] = p[i]; s &+= 1; i &+= 1 }
                let close: UInt8 = c == 0x7B ? 0x7D : 0x5D
                if i < n, p[i] == close {
                    sh[s] = close; s &+= 1; i &+= 1
                    depth -= 1
                    state = 1
                } else {
                    state = c == 0x7B ? 2 : 0
                }
            case 0x22:
                let start = i
                guard let end = Self.stringEnd(p, n, start) else { return false }
                i = end
                vs[v] = Int32(truncatingIfNeeded: start); ve[v] = Int32(truncatingIfNeeded: i); v &+= 1
                sh[s] = 0; s &+= 1
                state = 1
            case 0x2D, 0x30...0x39:
                let start = i
                i &+= 1
                while i < n {
                    let d = p[i]
                    if (d >= 0x30 && d <= 0x39) || d == 0x2E || d == 0x65 || d == 0x45 || d == 0x2B || d == 0x2D { i &+= 1 } else { break }
                }
                vs[v] = Int32(truncatingIfNeeded: start); ve[v] = Int32(truncatingIfNeeded: i); v &+= 1
                sh[s] = 0; s &+= 1
                state = 1
            case 0x74, 0x66, 0x6E:                    // t f n
                let len = c == 0x66 ? 5 : 4
                guard i + len <= n else { return false }
                let ok: Bool
                switch c {
                case 0x74: ok = p[i+1] == 0x72 && p[i+2] == 0x75 && p[i+3] == 0x65
                case 0x66: ok = p[i+1] == 0x61 && p[i+2] == 0x6C && p[i+3] == 0x73 && p[i+4] == 0x65
                default: ok = p[i+1] == 0x75 && p[i+2] == 0x6C && p[i+3] == 0x6C
                }
                guard ok else { return false }
                vs[v] = Int32(truncatingIfNeeded: i); ve[v] = Int32(truncatingIfNeeded: i + len); v &+= 1
                i += len
                sh[s] = 0; s &+= 1
                state = 1
            default:
                return false
            }
        }
    }
}

/// Field paths of a shape's value slots: keys joined with `0x1F` before each key and `0x1E`
/// for "an element of an array" (so all elements of `answers` share one column). Both
/// encoder and decoder derive slot paths from shape bytes with this one function, so a
/// literal shape in a frame needs nothing else. Throws on shapes the tokenizer cannot make.
enum ShapePaths {
    static let keyMark: UInt8 = 0x1F
    static let elementMark: UInt8 = 0x1E

    static func paths(of shape: [UInt8]) throws -> [[UInt8]] {
        var out: [[UInt8]] = []
        var path: [UInt8] = []
        var stack: [(base: Int, object: Bool)] = []
        var i = 0
        let n = shape.count
        var expectKey = false
        while i < n {
            let c = shape[i]
            switch c {
            case 0x20, 0x0A, 0x0D, 0x09, 0x2C, 0x3A:
                if c == 0x2C, let top = stack.last, top.object { expectKey = true }
                i += 1
            case 0x7B:
                guard stack.count < JSONSplitter.maxDepth else { throw TransformError.corruptFrame("shape nests too deep") }
                stack.append((path.count, true)); expectKey = true; i += 1
            case 0x5B:
                guard stack.count < JSONSplitter.maxDepth else { throw TransformError.corruptFrame("shape nests too deep") }
                stack.append((path.count, false)); path.append(elementMark); expectKey = false; i += 1
            case 0x7D, 0x5D:
                guard let top = stack.popLast(), top.object == (c == 0x7D) else { throw TransformError.corruptFrame("unbalanced shape") }
                path.removeSubrange(top.base...)
                expectKey = false
                i += 1
            case 0x22:
                guard expectKey, let top = stack.last, top.object else { throw TransformError.corruptFrame("string in shape outside a key") }
                var j = i + 1
                while true {
                    guard j < n else { throw TransformError.corruptFrame("unterminated key in shape") }
                    if shape[j] == 0x22 { break }
                    if shape[j] == 0x5C { j += 1 }
                    j += 1
                }
                guard j < n else { throw TransformError.corruptFrame("unterminated key in shape") }
                path.removeSubrange(top.base...)
                path.append(keyMark)
                path.append(contentsOf: shape[(i + 1)..<j])
                expectKey = false
                i = j + 1
            case JSONSplitter.placeholder:
                out.append(path)
                i += 1
            default:
                throw TransformError.corruptFrame("byte \(c) in a shape")
            }
        }
        guard stack.isEmpty else { throw TransformError.corruptFrame("unbalanced shape") }
        return out
    }

    /// `_source.func_name`, `answers[]`: for stats and reports.
    static func display(_ path: [UInt8]) -> String {
        var s = [UInt8]()
        for b in path {
            if b == keyMark { if !s.isEmpty { s.append(0x2E) } }
            else if b == elementMark { s.append(contentsOf: Array("[]".utf8)) }
            else { s.append(b) }
        }
        return s.isEmpty ? "(top)" : String(decoding: s, as: UTF8.self)
    }
}
