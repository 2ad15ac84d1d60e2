import Foundation

/// Canonical spellings of codecs and transform selections, so that a spec, the journal and
/// the reports all name a configuration the same way.
public enum Spellings {
    public static let codecFamilies = ["gzip", "xz", "brotli", "zstd"]

    public struct Invalid: Error, CustomStringConvertible {
        public let description: String
    }

    /// "zstd:3", "gzip:6", "xz:9e", "brotli:11:w24", "zstd:22:long27".
    public static func codec(_ text: String) throws -> String {
        let t = text.trimmingCharacters(in: .whitespaces).lowercased()
        let parts = t.split(separator: ":", omittingEmptySubsequences: false).map(String.init)
        guard let fam = parts.first, codecFamilies.contains(fam) else {
            throw Invalid(description: "unknown codec '\(text)'; families: \(codecFamilies.joined(separator: ", ")) (spelt like zstd:3)")
        }
        guard parts.count >= 2 else { throw Invalid(description: "codec '\(text)' needs a level, like \(fam):\(fam == "zstd" ? 3 : 6)") }
        let digits = parts[1].hasPrefix("-") ? String(parts[1].dropFirst()) : parts[1]
        let numeric = digits.prefix { $0.isNumber }
        guard let level = Int(parts[1].hasPrefix("-") ? "-" + numeric : String(numeric)) else {
            throw Invalid(description: "codec '\(text)': level '\(parts[1])' is not a number")
        }
        let suffix = digits.dropFirst(numeric.count)
        let range: ClosedRange<Int>
        switch fam {
        case "gzip": range = 1...9
        case "xz": range = 0...9
        case "brotli": range = 0...11
        default: range = -131072...22
        }
        guard range.contains(level) else {
            throw Invalid(description: "codec '\(text)': \(fam) levels are \(range.lowerBound)…\(range.upperBound), got \(level)")
        }
        guard suffix.isEmpty || (fam == "xz" && suffix == "e") else {
            throw Invalid(description: "codec '\(text)': unexpected '\(suffix)' after the level")
        }
        return t
    }

    /// "none", "legacy", "all", or a comma list of transform names (sorted, deduplicated).
    public static func transforms(_ text: String) throws -> String {
        let t = text.trimmingCharacters(in: .whitespaces).lowercased()
        if ["none", "legacy", "all"].contains(t) { return t }
        let names = t.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }
        guard !names.isEmpty, names.allSatisfy({ !$0.isEmpty && $0.allSatisfy { $0.isLetter || $0.isNumber || $0 == "-" || $0 == "_" } }) else {
            throw Invalid(description: "transforms '\(text)': use none, legacy, all, or a comma list of transform names")
        }
        return Array(Set(names)).sorted().joined(separator: ",")
    }
}
