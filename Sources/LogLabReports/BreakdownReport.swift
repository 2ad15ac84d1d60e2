import Foundation
import LogLabContainer
import LogLabCore

/// Renderings of a `ByteBreakdown` ("where the bytes go"): an aligned text table, CSV,
/// JSON and a Markdown table for experiment reports.
public enum BreakdownFormat: String, Sendable, CaseIterable {
    case text, csv, json, markdown

    static let columns = ["path", "transform", "values", "original_bytes", "transformed_bytes", "compressed_bytes", "share", "verbatim"]

    static func cells(_ r: ByteBreakdown.Row) -> [String] {
        [r.path, r.transform, String(r.values), String(r.originalBytes), String(r.transformedBytes), String(r.compressedBytes),
         String(format: "%.4f", r.share), String(r.verbatim)]
    }

    static func summary(_ b: ByteBreakdown) -> String {
        "\(b.records) records, \(b.inputBytes) bytes → container \(b.containerBytes) (codec output \(b.storedBytes) + format \(b.containerOverheadBytes)) + dictionary \(b.dictionaryBytes) + model \(b.modelBytes) = \(b.totalBytes) bytes, ratio \(String(format: "%.3f", b.ratio)); compressed bytes per field: \(b.method)"
    }

    public func render(_ b: ByteBreakdown) throws -> String {
        switch self {
        case .json:
            let e = JSONEncoder()
            e.outputFormatting = [.prettyPrinted, .sortedKeys]
            return String(decoding: try e.encode(b), as: UTF8.self) + "\n"
        case .csv:
            var out = Self.columns.joined(separator: ",") + "\n"
            for r in b.rows { out += Self.cells(r).map(CSVReport.quote).joined(separator: ",") + "\n" }
            out += ["(total)", "", String(b.records), String(b.inputBytes), String(b.payloadBytes), String(b.totalBytes), "1.0000", ""]
                .joined(separator: ",") + "\n"
            return out
        case .text:
            let header = ["path", "transform", "values", "original B", "after transforms B", "compressed B", "share", "verbatim"]
            var rows = [header] + b.rows.map { r in
                [r.path, r.transform, String(r.values), String(r.originalBytes), String(r.transformedBytes), String(r.compressedBytes),
                 String(format: "%.1f %%", 100 * r.share), String(r.verbatim)]
            }
            rows.append(["total", "", String(b.records), String(b.inputBytes), String(b.payloadBytes), String(b.totalBytes), "100.0 %", ""])
            var widths = [Int](repeating: 0, count: header.count)
            for row in rows { for (i, c) in row.enumerated() { widths[i] = max(widths[i], c.count) } }
            var out = ""
            for (n, row) in rows.enumerated() {
                out += row.enumerated().map { i, c in
                    i <= 1 ? c.padding(toLength: widths[i], withPad: " ", startingAt: 0)
                           : String(repeating: " ", count: widths[i] - c.count) + c
                }.joined(separator: "  ") + "\n"
                if n == 0 { out += widths.map { String(repeating: "-", count: $0) }.joined(separator: "  ") + "\n" }
            }
            return out + Self.summary(b) + "\n"
        case .markdown:
            var md = ["| field path | transform | values | original bytes | after transforms | compressed bytes | share | verbatim |",
                      "| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: |"]
            for r in b.rows {
                md.append("| `\(r.path)` | \(r.transform) | \(Fmt.bytes(r.values)) | \(Fmt.bytes(r.originalBytes)) | \(Fmt.bytes(r.transformedBytes)) | \(Fmt.bytes(r.compressedBytes)) | \(String(format: "%.1f %%", 100 * r.share)) | \(r.verbatim) |")
            }
            md.append("| **total** | | \(Fmt.bytes(b.records)) | \(Fmt.bytes(b.inputBytes)) | \(Fmt.bytes(b.payloadBytes)) | \(Fmt.bytes(b.totalBytes)) | 100.0 % | |")
            md.append("")
            md.append(Self.summary(b) + ".")
            return md.joined(separator: "\n") + "\n"
        }
    }
}
