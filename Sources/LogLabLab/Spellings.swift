import Foundation
import LogLabCodecs
import LogLabTransforms

/// Canonical spellings of codecs and transform selections, so that a spec, the journal and
/// the reports all name a configuration the same way. Parsing is the owning modules' own.
public enum Spellings {
    public static let codecFamilies = CodecFamily.allCases.map(\.rawValue)

    public struct Invalid: Error, CustomStringConvertible {
        public let description: String
    }

    /// "zstd:3", "gzip:6", "xz:9e", "brotli:11:w24", "zstd:22:long27" → `CodecSpec`'s canonical spelling.
    public static func codec(_ text: String) throws -> String {
        do {
            return try CodecSpec(parsing: text).description
        } catch {
            throw Invalid(description: "\(error)")
        }
    }

    /// "none", "legacy", "all", "all-shape", or a comma list of transform names → canonical
    /// spelling. All-but-one selections are spelt "all-NAME" (readable in tables).
    public static func transforms(_ text: String) throws -> String {
        let sel: TransformSelection
        do { sel = try TransformSelection(parsing: text) } catch { throw Invalid(description: "\(error)") }
        let all = Set(TransformKind.fieldAware)
        if sel.kinds.isSubset(of: all), all.subtracting(sel.kinds).count == 1, let missing = all.subtracting(sel.kinds).first {
            return "all-\(missing.rawValue)"
        }
        return sel.description
    }

    /// Spec shorthands for ablations: `each` (every field-aware transform alone) and
    /// `all-minus-each` (all but one, for each).
    public static func expandTransforms(_ text: String) -> [String]? {
        switch text.trimmingCharacters(in: .whitespaces).lowercased() {
        case "each": return TransformKind.fieldAware.map(\.rawValue)
        case "all-minus-each": return TransformKind.fieldAware.map { "all-\($0.rawValue)" }
        default: return nil
        }
    }
}
