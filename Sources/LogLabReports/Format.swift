import Foundation
import LogLabCore
import LogLabLab

/// Number spellings shared by every report, fixed so reruns produce the same text.
enum Fmt {
    static func ratio(_ v: Double) -> String { String(format: "%.3f", v) }

    static func speed(_ v: Double?) -> String {
        guard let v, v.isFinite else { return "–" }
        if v >= 100 { return String(format: "%.0f", v) }
        if v >= 10 { return String(format: "%.1f", v) }
        return String(format: "%.2f", v)
    }

    static func speed(_ s: Summary?) -> String {
        guard let s else { return "–" }
        return "\(speed(s.median)) (\(speed(s.min))–\(speed(s.max)))"
    }

    static func bytes(_ v: Int) -> String {
        let s = String(v)
        var out = ""
        for (i, c) in s.reversed().enumerated() {
            if i > 0 && i % 3 == 0 && c != "-" { out.append(",") }
            out.append(c)
        }
        return String(out.reversed())
    }

    static func fixed(_ v: Double?, _ digits: Int = 1) -> String {
        guard let v, v.isFinite else { return "–" }
        return String(format: "%.\(digits)f", v)
    }

    static func percent(_ v: Double?) -> String {
        guard let v, v.isFinite else { return "–" }
        return String(format: "%+.1f %%", v)
    }

    static func money(_ v: Double?, _ currency: String) -> String {
        guard let v, v.isFinite else { return "–" }
        return currency + " " + (v >= 100 ? String(format: "%.0f", v) : String(format: "%.2f", v))
    }

    static func size(_ v: Int) -> String { ByteSize.format(v) }

    /// Escapes a Markdown table cell.
    static func cell(_ s: String) -> String {
        s.replacingOccurrences(of: "|", with: "\\|").replacingOccurrences(of: "\n", with: " ")
    }
}
