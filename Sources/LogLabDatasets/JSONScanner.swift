/// A small, strict byte-level JSON scanner for dataset tools (stats, splits, format detection).
/// It never builds objects: it reports each leaf with its field path and the exact byte range of
/// its text (numbers stay text, strings stay escaped). Invalid input is reported, never trapped on.
public enum JSONKind: UInt8, Sendable {
    case string, number, bool, null, emptyObject, emptyArray
}

public struct JSONScanner {
    public struct Leaf {
        /// Dotted path: object keys joined by `.`, `[]` for array elements (`fields.timestamp[]`).
        public var path: ArraySlice<UInt8>
        /// The value's text: for strings without the quotes (still escaped).
        public var value: Range<Int>
        public var kind: JSONKind
    }

    static let maxDepth = 256

    /// Index just past the JSON value that starts at `start` (leading whitespace skipped), or nil
    /// when the bytes there are not one valid JSON value.
    public static func valueEnd(_ p: UnsafeBufferPointer<UInt8>, from start: Int) -> Int? {
        var s = Walker(p: p, visit: nil)
        return s.value(at: s.skipWS(start), depth: 0)
    }

    /// True when `p` holds exactly one JSON value (surrounding whitespace allowed).
    public static func isValid(_ p: UnsafeBufferPointer<UInt8>) -> Bool {
        var s = Walker(p: p, visit: nil)
        guard let end = s.value(at: s.skipWS(0), depth: 0) else { return false }
        return s.skipWS(end) == p.count
    }

    public static func isValid(_ bytes: ArraySlice<UInt8>) -> Bool {
        bytes.withUnsafeBufferPointer { isValid($0) }
    }

    /// Calls `visit` for every leaf of the single JSON value in `p` (in document order, object keys
    /// included through the paths) and returns false when `p` is not exactly one JSON value (leaves
    /// reported before the error are not retracted).
    public static func scan(_ p: UnsafeBufferPointer<UInt8>, _ visit: (Leaf) -> Void) -> Bool {
        withoutActuallyEscaping(visit) { v in
            var s = Walker(p: p, visit: v)
            guard let end = s.value(at: s.skipWS(0), depth: 0) else { return false }
            return s.skipWS(end) == p.count
        }
    }

    /// The text of the leaf at `path` (first occurrence), for example `_source.timestamp`.
    public static func find(_ path: [UInt8], in p: UnsafeBufferPointer<UInt8>) -> (Range<Int>, JSONKind)? {
        var found: (Range<Int>, JSONKind)?
        _ = scan(p) { leaf in
            if found == nil, leaf.path.elementsEqual(path) { found = (leaf.value, leaf.kind) }
        }
        return found
    }

    struct Walker {
        let p: UnsafeBufferPointer<UInt8>
        let visit: ((Leaf) -> Void)?
        var path: [UInt8] = []

        init(p: UnsafeBufferPointer<UInt8>, visit: ((Leaf) -> Void)?) {
            self.p = p
            self.visit = visit
        }

        @inline(__always) func skipWS(_ i: Int) -> Int {
            var i = i
            while i < p.count, p[i] == 0x20 || p[i] == 0x0A || p[i] == 0x0D || p[i] == 0x09 { i += 1 }
            return i
        }

        mutating func value(at i: Int, depth: Int) -> Int? {
            guard i < p.count, depth < JSONScanner.maxDepth else { return nil }
            switch p[i] {
            case 0x22:
                guard let end = string(at: i) else { return nil }
                visit?(Leaf(path: path[...], value: (i + 1)..<(end - 1), kind: .string))
                return end
            case 0x7B: return object(at: i, depth: depth)
            case 0x5B: return array(at: i, depth: depth)
            case 0x74: return literal(at: i, "true", .bool)
            case 0x66: return literal(at: i, "false", .bool)
            case 0x6E: return literal(at: i, "null", .null)
            default:
                guard let end = number(at: i) else { return nil }
                visit?(Leaf(path: path[...], value: i..<end, kind: .number))
                return end
            }
        }

        mutating func literal(at i: Int, _ word: StaticString, _ kind: JSONKind) -> Int? {
            let n = word.utf8CodeUnitCount
            guard i + n <= p.count else { return nil }
            for k in 0..<n where p[i + k] != word.utf8Start[k] { return nil }
            visit?(Leaf(path: path[...], value: i..<(i + n), kind: kind))
            return i + n
        }

        func number(at start: Int) -> Int? {
            var i = start
            if i < p.count, p[i] == 0x2D { i += 1 }
            guard i < p.count else { return nil }
            if p[i] == 0x30 {
                i += 1
            } else if p[i] >= 0x31 && p[i] <= 0x39 {
                while i < p.count, p[i] >= 0x30 && p[i] <= 0x39 { i += 1 }
            } else {
                return nil
            }
            if i < p.count, p[i] == 0x2E {
                i += 1
                let d = i
                while i < p.count, p[i] >= 0x30 && p[i] <= 0x39 { i += 1 }
                if i == d { return nil }
            }
            if i < p.count, p[i] == 0x65 || p[i] == 0x45 {
                i += 1
                if i < p.count, p[i] == 0x2B || p[i] == 0x2D { i += 1 }
                let d = i
                while i < p.count, p[i] >= 0x30 && p[i] <= 0x39 { i += 1 }
                if i == d { return nil }
            }
            return i
        }

        /// Index past the closing quote of the string opening at `start`.
        func string(at start: Int) -> Int? {
            var i = start + 1
            while i < p.count {
                let b = p[i]
                if b == 0x22 { return i + 1 }
                if b < 0x20 { return nil }
                if b == 0x5C {
                    guard i + 1 < p.count else { return nil }
                    switch p[i + 1] {
                    case 0x22, 0x5C, 0x2F, 0x62, 0x66, 0x6E, 0x72, 0x74: i += 2
                    case 0x75:
                        guard i + 6 <= p.count else { return nil }
                        for k in 2..<6 {
                            let h = p[i + k]
                            guard (h >= 0x30 && h <= 0x39) || (h | 0x20 >= 0x61 && h | 0x20 <= 0x66) else { return nil }
                        }
                        i += 6
                    default: return nil
                    }
                } else {
                    i += 1
                }
            }
            return nil
        }

        mutating func object(at start: Int, depth: Int) -> Int? {
            var i = skipWS(start + 1)
            guard i < p.count else { return nil }
            if p[i] == 0x7D {
                visit?(Leaf(path: path[...], value: start..<(i + 1), kind: .emptyObject))
                return i + 1
            }
            let saved = path.count
            while true {
                guard i < p.count, p[i] == 0x22, let keyEnd = string(at: i) else { return nil }
                if visit != nil {
                    if saved > 0 { path.append(0x2E) }
                    path.append(contentsOf: UnsafeBufferPointer(rebasing: p[(i + 1)..<(keyEnd - 1)]))
                }
                i = skipWS(keyEnd)
                guard i < p.count, p[i] == 0x3A else { return nil }
                guard let end = value(at: skipWS(i + 1), depth: depth + 1) else { return nil }
                path.removeSubrange(saved...)
                i = skipWS(end)
                guard i < p.count else { return nil }
                if p[i] == 0x2C { i = skipWS(i + 1); continue }
                if p[i] == 0x7D { return i + 1 }
                return nil
            }
        }

        mutating func array(at start: Int, depth: Int) -> Int? {
            var i = skipWS(start + 1)
            guard i < p.count else { return nil }
            if p[i] == 0x5D {
                visit?(Leaf(path: path[...], value: start..<(i + 1), kind: .emptyArray))
                return i + 1
            }
            let saved = path.count
            if visit != nil { path.append(contentsOf: [0x5B, 0x5D]) }
            defer { path.removeSubrange(saved...) }
            while true {
                guard let end = value(at: i, depth: depth + 1) else { return nil }
                i = skipWS(end)
                guard i < p.count else { return nil }
                if p[i] == 0x2C { i = skipWS(i + 1); continue }
                if p[i] == 0x5D { return i + 1 }
                return nil
            }
        }
    }
}
