/// One named, separately switchable field transform. The raw value is the spelling used by
/// experiment specs, the CLI (`--transforms shape,columns`) and profiles; never rename one.
public enum TransformKind: String, Sendable, Codable, CaseIterable, Comparable {
    /// Record structure (key paths, key order, punctuation, whitespace) split from the values;
    /// shapes seen in training are coded as small ids, unseen shapes travel literally.
    case shape
    /// Within a frame of several records, values grouped per field path into their own
    /// streams (columnar), concatenated behind a small directory.
    case columns
    /// UUID-like strings to 16 bytes plus any suffix; case and layout kept.
    case uuid
    /// ISO-8601 strings to integers plus a format id (offset, precision, `Z` spelling),
    /// delta-coded within a column.
    case timestamp
    /// Fields predictable from others (same instant re-rendered, epoch of a timestamp,
    /// end ≈ begin + elapsed, values repeated inside other strings) coded as residuals of
    /// learned relations; a field's value equal to its previous one in the frame as a flag.
    case derived
    /// Low-cardinality values to codes from a learned vocabulary, escape for unseen ones.
    case `enum`
    /// Numeric text to zigzag varints (delta where it pays) when the text round-trips exactly.
    case integer
    /// Plain-text lines (training records mostly not JSON) split into learned templates and
    /// typed variables (integers, hex, addresses, UUIDs, timestamps, and words that vary where
    /// the rest of the line does not), stored per template in columns.
    case template
    /// The earlier approach, kept for comparison: UUID to base64 form, URLs to small integers
    /// from a table, dates to digits. Text-level, not field-aware; cannot be combined.
    case legacy

    /// One line for help texts and reports.
    public var summary: String {
        switch self {
        case .shape: "record structure split from values; learned shapes coded as small ids"
        case .columns: "values grouped per field path into their own streams within a frame"
        case .uuid: "UUID-like strings to 16 bytes plus suffix, case and layout kept"
        case .timestamp: "ISO-8601 strings (also inside text) to integers plus format id, delta-coded"
        case .derived: "fields predicted from others (relations, substrings, lookups, the previous value, ids seen a few records before): residuals only"
        case .enum: "low-cardinality values to codes from a learned vocabulary"
        case .integer: "numeric text to zigzag varints when the text round-trips exactly"
        case .template: "text lines to learned templates plus typed variable columns"
        case .legacy: "earlier approach: UUID to base64, URLs/methods to table indexes, dates to digits"
        }
    }

    public static func < (a: TransformKind, b: TransformKind) -> Bool {
        allCases.firstIndex(of: a)! < allCases.firstIndex(of: b)!
    }

    /// The field-aware transforms, i.e. what `all` means.
    public static let fieldAware: [TransformKind] = [.shape, .columns, .uuid, .timestamp, .derived, .enum, .integer, .template]
}

/// Which transforms are switched on. Spelt `none`, `all`, `legacy`, or a comma list of
/// transform names (`shape,columns,timestamp`); `all-shape` style lists subtract from all.
public struct TransformSelection: Hashable, Sendable, Codable, CustomStringConvertible {
    public private(set) var kinds: Set<TransformKind>

    public init(_ kinds: Set<TransformKind>) { self.kinds = kinds }

    public static let all = TransformSelection(Set(TransformKind.fieldAware))
    public static let none = TransformSelection([])
    public static let legacy = TransformSelection([.legacy])

    public init(parsing text: String) throws {
        let t = text.lowercased().filter { !$0.isWhitespace }
        if t == "none" || t.isEmpty { self = .none; return }
        var kinds = Set<TransformKind>()
        var first = true
        for rawPart in t.split(separator: ",", omittingEmptySubsequences: false) {
            var part = Substring(rawPart)
            // "all-shape-columns": all minus the named ones.
            if part.hasPrefix("all") {
                guard first else { throw TransformError.invalidSelection(text, "'all' must come first") }
                kinds.formUnion(TransformKind.fieldAware)
                part = part.dropFirst(3)
                for minus in part.split(separator: "-") {
                    guard let k = TransformKind(rawValue: String(minus)) else {
                        throw TransformError.invalidSelection(text, "unknown transform '\(minus)'")
                    }
                    kinds.remove(k)
                }
                first = false
                continue
            }
            guard let k = TransformKind(rawValue: String(part)) else {
                throw TransformError.invalidSelection(text, "unknown transform '\(part)' (known: none, all, \(TransformKind.allCases.map(\.rawValue).joined(separator: ", ")))")
            }
            kinds.insert(k)
            first = false
        }
        if kinds.contains(.legacy) && kinds.count > 1 {
            throw TransformError.invalidSelection(text, "'legacy' cannot be combined with other transforms")
        }
        self.kinds = kinds
    }

    public func contains(_ k: TransformKind) -> Bool { kinds.contains(k) }
    public var isNone: Bool { kinds.isEmpty }
    public var isLegacy: Bool { kinds.contains(.legacy) }
    /// True when records go through the JSON structure/value split.
    public var isFieldAware: Bool { !kinds.isEmpty && !isLegacy }

    public func with(_ k: TransformKind) -> TransformSelection { var s = self; s.kinds.insert(k); return s }
    public func without(_ k: TransformKind) -> TransformSelection { var s = self; s.kinds.remove(k); return s }

    /// Canonical spelling; parses back to an equal value.
    public var description: String {
        if kinds.isEmpty { return "none" }
        if self == .all { return "all" }
        return kinds.sorted().map(\.rawValue).joined(separator: ",")
    }

    public init(from decoder: Decoder) throws {
        try self.init(parsing: try decoder.singleValueContainer().decode(String.self))
    }

    public func encode(to encoder: Encoder) throws {
        var c = encoder.singleValueContainer()
        try c.encode(description)
    }
}
