import Foundation
import LogLabCore
import Yams

/// Where a YAML node came from: the file and its 1-based line and column.
public struct SourceLocation: Sendable, Hashable, CustomStringConvertible {
    public var file: String
    public var line: Int
    public var column: Int

    public init(file: String, line: Int, column: Int) {
        self.file = file
        self.line = line
        self.column = column
    }

    public var description: String { "\(file):\(line):\(column)" }
}

/// A spec error: the file, line and column, and the reason, on one line.
public struct SpecError: Error, CustomStringConvertible, Sendable {
    public var location: SourceLocation?
    public var reason: String

    public init(_ reason: String, at location: SourceLocation?) {
        self.reason = reason
        self.location = location
    }

    public var description: String {
        if let location { return "\(location): \(reason)" }
        return reason
    }
}

/// A YAML tree that remembers, for every node, the file and position it came from, so
/// that after `include:` merging an error still names the right file and line.
public indirect enum YNode: Sendable {
    case scalar(String, plain: Bool, SourceLocation)
    case sequence([YNode], SourceLocation)
    case mapping([(key: String, keyLocation: SourceLocation, value: YNode)], SourceLocation)

    public var location: SourceLocation {
        switch self {
        case .scalar(_, _, let l), .sequence(_, let l), .mapping(_, let l): l
        }
    }

    /// Bounds of a spec (specs are small): checked on the bytes before the YAML parser
    /// builds anything, so hostile input can neither overflow the stack nor fill memory.
    public static let maxBytes = 1 << 20
    public static let maxDepth = 64
    public static let maxAliases = 256
    public static let maxNodes = 100_000

    /// Parses YAML text. Duplicate keys, non-scalar keys and aliases to nowhere are rejected.
    public static func parse(_ text: String, file: String) throws -> YNode {
        try checkBounds(text, file: file)
        let node: Node?
        do {
            node = try Yams.compose(yaml: text)
        } catch let error as YamlError {
            throw SpecError(Self.describe(error), at: Self.location(of: error, file: file))
        }
        guard let node else {
            throw SpecError("the file is empty", at: SourceLocation(file: file, line: 1, column: 1))
        }
        var budget = maxNodes
        return try convert(node, file: file, depth: 0, budget: &budget)
    }

    /// A cheap scan of the bytes: size, an upper bound of the nesting depth (flow brackets,
    /// plus per line its indentation and leading `- ` entries; quotes are not told apart, so
    /// the bound errs on the safe side), and the number of aliases (`*name`).
    static func checkBounds(_ text: String, file: String) throws {
        let bytes = Array(text.utf8)
        guard bytes.count <= maxBytes else {
            throw SpecError("the spec is \(bytes.count) bytes, more than the \(maxBytes) a spec may have", at: SourceLocation(file: file, line: 1, column: 1))
        }
        var line = 1, column = 0, indent = 0, atLineStart = true, flow = 0, dashes = 0, aliases = 0
        var previous: UInt8 = 0x0A
        for b in bytes {
            column += 1
            defer { previous = b }
            if b == 0x0A {
                line += 1; column = 0; indent = 0; atLineStart = true; dashes = 0
                continue
            }
            if atLineStart {
                if b == 0x20 { indent += 1; continue }
                if b == 0x2D { dashes += 1; continue }   // "- - - x" nests without indentation
                atLineStart = false
            }
            switch b {
            case 0x5B, 0x7B: flow += 1
            case 0x5D, 0x7D: flow = max(0, flow - 1)
            case 0x2A where previous == 0x20 || previous == 0x0A || previous == 0x5B || previous == 0x2C || previous == 0x3A || previous == 0x09:
                aliases += 1
                guard aliases <= maxAliases else {
                    throw SpecError("more than \(maxAliases) aliases (*name): a spec does not need them", at: SourceLocation(file: file, line: line, column: column))
                }
            default: break
            }
            guard flow <= maxDepth, flow + dashes + indent / 2 <= 2 * maxDepth else {
                throw SpecError("nested too deeply (more than \(maxDepth) levels)", at: SourceLocation(file: file, line: line, column: column))
            }
        }
    }

    public static func load(path: String) throws -> YNode {
        let bytes: [UInt8]
        do { bytes = try Files.read(path, limit: maxBytes) } catch {
            throw SpecError("cannot read spec: \(error)", at: nil)
        }
        guard let text = String(validating: bytes, as: UTF8.self) else {
            throw SpecError("the spec is not valid UTF-8", at: SourceLocation(file: path, line: 1, column: 1))
        }
        return try parse(text, file: path)
    }

    private static func convert(_ node: Node, file: String, depth: Int, budget: inout Int) throws -> YNode {
        func loc(_ mark: Mark?) -> SourceLocation {
            SourceLocation(file: file, line: mark?.line ?? 1, column: mark?.column ?? 1)
        }
        // Aliases make a tree larger than its text: count every node the conversion builds.
        budget -= 1
        guard budget >= 0 else {
            throw SpecError("the spec expands to more than \(maxNodes) values (aliases?)", at: loc(node.mark))
        }
        guard depth <= maxDepth else {
            throw SpecError("nested too deeply (more than \(maxDepth) levels)", at: loc(node.mark))
        }
        switch node {
        case .scalar(let s):
            let isNullish = s.style == .plain && ["", "~", "null", "Null", "NULL"].contains(s.string)
            return .scalar(isNullish ? "" : s.string, plain: s.style == .plain, loc(s.mark))
        case .sequence(let seq):
            var items: [YNode] = []
            for item in seq { items.append(try convert(item, file: file, depth: depth + 1, budget: &budget)) }
            return .sequence(items, loc(seq.mark))
        case .mapping(let map):
            var pairs: [(key: String, keyLocation: SourceLocation, value: YNode)] = []
            var seen = Set<String>()
            for (k, v) in map {
                guard case .scalar(let ks) = k else {
                    throw SpecError("mapping keys must be plain words", at: loc(k.mark))
                }
                guard seen.insert(ks.string).inserted else {
                    throw SpecError("duplicate key '\(ks.string)'", at: loc(k.mark))
                }
                pairs.append((ks.string, loc(ks.mark), try convert(v, file: file, depth: depth + 1, budget: &budget)))
            }
            return .mapping(pairs, loc(map.mark))
        }
    }

    private static func location(of error: YamlError, file: String) -> SourceLocation? {
        switch error {
        case .scanner(_, _, let m, _), .parser(_, _, let m, _), .composer(_, _, let m, _):
            return SourceLocation(file: file, line: m.line, column: m.column)
        default:
            return SourceLocation(file: file, line: 1, column: 1)
        }
    }

    private static func describe(_ error: YamlError) -> String {
        switch error {
        case .scanner(let c, let p, _, _), .parser(let c, let p, _, _), .composer(let c, let p, _, _):
            if let c { return "invalid YAML: \(p) \(c.text)".trimmingCharacters(in: .whitespaces) }
            return "invalid YAML: \(p)"
        default:
            return "invalid YAML: \(error)"
        }
    }

    /// Deep merge: mappings merge key by key (`overlay` wins), anything else is replaced.
    public static func merge(_ base: YNode, _ overlay: YNode) -> YNode {
        guard case .mapping(var pairs, let l) = base, case .mapping(let over, _) = overlay else {
            return overlay
        }
        for o in over {
            if let i = pairs.firstIndex(where: { $0.key == o.key }) {
                pairs[i] = (o.key, o.keyLocation, merge(pairs[i].value, o.value))
            } else {
                pairs.append(o)
            }
        }
        return .mapping(pairs, l)
    }

    /// A canonical, order-independent rendering (mapping keys sorted) used for hashing.
    public var canonical: String {
        switch self {
        case .scalar(let s, _, _):
            return "\"" + s.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"") + "\""
        case .sequence(let items, _):
            return "[" + items.map(\.canonical).joined(separator: ",") + "]"
        case .mapping(let pairs, _):
            return "{" + pairs.sorted { $0.key < $1.key }.map { "\"\($0.key)\":\($0.value.canonical)" }.joined(separator: ",") + "}"
        }
    }
}

/// Reads a mapping node field by field and rejects keys nobody asked for.
struct MappingReader {
    let pairs: [(key: String, keyLocation: SourceLocation, value: YNode)]
    let location: SourceLocation
    let context: String
    private(set) var allowed: [String]

    init(_ node: YNode, context: String, allowed: [String]) throws {
        guard case .mapping(let p, let l) = node else {
            throw SpecError("\(context) must be a mapping (key: value lines)", at: node.location)
        }
        pairs = p
        location = l
        self.context = context
        self.allowed = allowed
        for pair in p where !allowed.contains(pair.key) {
            let hint = Self.closest(pair.key, in: allowed).map { " (did you mean '\($0)'?)" } ?? ""
            throw SpecError("unknown key '\(pair.key)' in \(context)\(hint); allowed: \(allowed.joined(separator: ", "))",
                            at: pair.keyLocation)
        }
    }

    subscript(key: String) -> YNode? { pairs.first { $0.key == key }?.value }

    func required(_ key: String) throws -> YNode {
        guard let v = self[key] else {
            throw SpecError("\(context) needs '\(key)'", at: location)
        }
        return v
    }

    static func closest(_ word: String, in candidates: [String]) -> String? {
        func distance(_ a: [Character], _ b: [Character]) -> Int {
            var prev = Array(0...b.count)
            for i in 1...max(a.count, 1) where !a.isEmpty {
                var cur = [i] + Array(repeating: 0, count: b.count)
                for j in 1...max(b.count, 1) where !b.isEmpty {
                    cur[j] = min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1))
                }
                prev = cur
            }
            return prev[b.count]
        }
        let w = Array(word)
        let best = candidates.map { ($0, distance(w, Array($0))) }.min { $0.1 < $1.1 }
        guard let best, best.1 <= max(2, word.count / 3) else { return nil }
        return best.0
    }
}

extension YNode {
    func string(_ what: String) throws -> String {
        guard case .scalar(let s, _, _) = self else {
            throw SpecError("\(what) must be a single value, not a list or mapping", at: location)
        }
        return s
    }

    func int(_ what: String, min lo: Int? = nil, max hi: Int? = nil) throws -> Int {
        let s = try string(what)
        guard let v = Int(s.replacingOccurrences(of: "_", with: "")) else {
            throw SpecError("\(what) must be a whole number, got '\(s)'", at: location)
        }
        if let lo, v < lo { throw SpecError("\(what) must be at least \(lo), got \(v)", at: location) }
        if let hi, v > hi { throw SpecError("\(what) must be at most \(hi), got \(v)", at: location) }
        return v
    }

    func double(_ what: String, min lo: Double? = nil, positive: Bool = false) throws -> Double {
        let s = try string(what)
        guard let v = Double(s.replacingOccurrences(of: "_", with: "")), v.isFinite else {
            throw SpecError("\(what) must be a number, got '\(s)'", at: location)
        }
        if positive && v <= 0 { throw SpecError("\(what) must be greater than 0, got \(s)", at: location) }
        if let lo, v < lo { throw SpecError("\(what) must be at least \(lo), got \(s)", at: location) }
        return v
    }

    func bool(_ what: String) throws -> Bool {
        switch try string(what).lowercased() {
        case "true", "yes", "on": return true
        case "false", "no", "off": return false
        default: throw SpecError("\(what) must be true or false", at: location)
        }
    }

    /// A byte size: a number of bytes or a spelling such as `16KiB`, `1MB`, `200GB`.
    func size(_ what: String, min lo: Int = 0) throws -> Int {
        let s = try string(what)
        let v: Int
        do { v = try ByteSize.parse(s) } catch {
            throw SpecError("\(what): \(error)", at: location)
        }
        if v < lo { throw SpecError("\(what) must be at least \(lo) bytes, got '\(s)'", at: location) }
        return v
    }

    /// A list, or a single value standing for a one-element list.
    var items: [YNode] {
        if case .sequence(let items, _) = self { return items }
        return [self]
    }

    var isNull: Bool {
        if case .scalar("", true, _) = self { return true }
        return false
    }
}
