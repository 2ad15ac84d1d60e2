import Foundation
import LogLabCore

/// Plain renderings of bench results: an aligned text table (lzbench-like), CSV and JSON.
public enum CellResultFormat: String, Sendable, CaseIterable {
    case text, csv, json

    public func render(_ results: [CellResult], title: String? = nil) throws -> String {
        switch self {
        case .text: return Self.table(results, title: title)
        case .csv: return Self.csv(results)
        case .json:
            let enc = JSONEncoder()
            enc.outputFormatting = [.prettyPrinted, .sortedKeys]
            enc.nonConformingFloatEncodingStrategy = .convertToString(positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
            return String(decoding: try enc.encode(results), as: UTF8.self) + "\n"
        }
    }

    static func f(_ x: Double, _ digits: Int = 1) -> String { String(format: "%.\(digits)f", x) }

    static func speed(_ s: Summary) -> String {
        "\(f(s.median)) (\(f(s.min))–\(f(s.max)))"
    }

    static func table(_ results: [CellResult], title: String?) -> String {
        let header = ["codec", "framing", "dict", "transforms", "ratio", "container", "stored", "payload ratio", "B/record",
                      "compress MB/s", "decompress MB/s", "restore MB/s", "p50 µs", "p99 µs", "train s"]
        var rows: [[String]] = [header]
        for r in results {
            rows.append([
                r.config.codec.description, r.config.framing.description,
                r.dictionaryBytes > 0 ? ByteSize.format(r.dictionaryBytes) : "-",
                r.config.transforms.description,
                f(r.ratio, 3), "\(r.containerBytes)", "\(r.storedBytes)", f(Metric.payloadRatio.value(of: r) ?? 0, 3), f(r.bytesPerRecord, 1),
                speed(r.compressMBps), speed(r.decompressMBps), speed(r.restoreMBps),
                r.restoreLatencyP50Microseconds.map { f($0, 1) } ?? "-",
                r.restoreLatencyP99Microseconds.map { f($0, 1) } ?? "-",
                r.trainingSeconds > 0 ? f(r.trainingSeconds, 2) : "-",
            ])
        }
        var widths = [Int](repeating: 0, count: header.count)
        for row in rows { for (i, c) in row.enumerated() { widths[i] = max(widths[i], c.count) } }
        var out = ""
        if let title { out += title + "\n" }
        for (n, row) in rows.enumerated() {
            let cells = row.enumerated().map { i, c in
                i <= 3 ? c.padding(toLength: widths[i], withPad: " ", startingAt: 0)
                       : String(repeating: " ", count: widths[i] - c.count) + c
            }
            out += cells.joined(separator: "  ") + "\n"
            if n == 0 { out += widths.map { String(repeating: "-", count: $0) }.joined(separator: "  ") + "\n" }
        }
        if let r = results.first {
            out += "MB = 10^6 bytes of input (\(r.inputBytes) bytes, \(r.records) records); median (min–max) of \(r.trials) trials after \(r.warmup) warm-up; every restore verified byte for byte\n"
            out += "ratio = input / stored; container = the bytes `loglab compress` writes (frames, headers, index, trailer); stored = container + dictionary and model when counted; payload ratio = input / the codec's output alone\n"
        }
        let notes = Set(results.flatMap(\.notes)).sorted()
        for n in notes { out += "note: \(n)\n" }
        return out
    }

    /// Identity columns, then one per metric (`Metric.allCases`), then bookkeeping.
    public static let csvColumns = ["codec", "framing", "dictionary_size", "transforms", "records", "frames", "input_bytes",
                                    "codec_input_bytes", "side_data_counted"]
        + Metric.allCases.flatMap(\.csvColumns) + ["dictionary_id", "profile_id", "trials", "warmup", "verified"]

    static func csv(_ results: [CellResult]) -> String {
        var out = csvColumns.joined(separator: ",") + "\n"
        let num: (Double?) -> String = { v in
            guard let v, v.isFinite else { return "" }
            return v == v.rounded() && abs(v) < 1e15 ? String(Int(v)) : f(v, 4)
        }
        for r in results {
            var cells: [String] = [
                r.config.codec.description, r.config.framing.description, r.config.dictionarySize.map(String.init) ?? "",
                "\"\(r.config.transforms.description)\"", "\(r.records)", "\(r.frames)", "\(r.inputBytes)", "\(r.codecInputBytes)",
                "\(r.sideDataCounted)",
            ]
            for m in Metric.allCases { cells += m.csvCells(r, cost: nil, format: num) }
            cells += [r.dictionaryID.map(String.init) ?? "", r.profileID ?? "", "\(r.trials)", "\(r.warmup)", "\(r.verified)"]
            out += cells.joined(separator: ",") + "\n"
        }
        return out
    }
}
