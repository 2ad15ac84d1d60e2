import LogLabCore

/// How generated records are laid out in a file, as the exports of the real system come:
/// JSON Lines, a compact JSON array, a pretty-printed array (Kibana's "expanded document" style,
/// `"key": value`), or an Elasticsearch `_search` response as `?pretty` prints it (`"key" : value`).
public enum ExportLayout: String, Sendable, Codable, CaseIterable, CustomStringConvertible {
    case jsonLines = "jsonl"
    case jsonArray = "json-array"
    case prettyArray = "pretty-array"
    case esSearch = "es-search"

    public var description: String { rawValue }

    public init(parsing text: String) throws {
        guard let l = ExportLayout(rawValue: text.lowercased()) else {
            throw DatasetError("unknown layout '\(text)': use \(ExportLayout.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        self = l
    }

    /// The record format the loaders detect for this layout.
    public var recordFormat: RecordFormat {
        switch self {
        case .jsonLines: .jsonLines
        case .jsonArray, .prettyArray: .jsonArray
        case .esSearch: .elasticsearch
        }
    }
}

extension SdkLogGenerator {
    /// Writes the records in `layout`, streamed in chunks of about 1 MiB.
    public func write(layout: ExportLayout, to sink: (UnsafeRawBufferPointer) throws -> Void) throws {
        if layout == .jsonLines { return try write(to: sink) }
        var out: [UInt8] = []
        out.reserveCapacity(1 << 20 + 65_536)
        func flush(_ force: Bool) throws {
            if force || out.count >= 1 << 20 {
                try out.withUnsafeBytes(sink)
                out.removeAll(keepingCapacity: true)
            }
        }
        let n = options.records
        switch layout {
        case .esSearch:
            var rng = Xoshiro256(seed: options.seed, stream: 0xE5)
            let total = n > 10_000 ? "{\n      \"value\" : 10000,\n      \"relation\" : \"gte\"\n    }"
                                   : "{\n      \"value\" : \(n),\n      \"relation\" : \"eq\"\n    }"
            out += Array("""
            {
              "took" : \(rng.between(3, 900)),
              "timed_out" : false,
              "_shards" : {
                "total" : 1,
                "successful" : 1,
                "skipped" : 0,
                "failed" : 0
              },
              "hits" : {
                "total" : \(total),
                "max_score" : null,
                "hits" : [
            """.utf8)
            out += n > 0 ? Array("\n      ".utf8) : [0x20]
        default:
            out += layout == .prettyArray ? Array("[\n  ".utf8) : [0x5B]
        }
        var index = 0
        try forEachRecord { record in
            if index > 0 {
                switch layout {
                case .jsonArray: out += Array(",\n".utf8)
                case .prettyArray: out += Array(",\n  ".utf8)
                default: out += Array(",\n      ".utf8)
                }
            } else if layout == .jsonArray {
                out.append(0x0A)
            }
            switch layout {
            case .prettyArray: JSONPretty.append(record, indent: 1, colon: Array(": ".utf8), to: &out)
            case .esSearch: JSONPretty.append(record, indent: 3, colon: Array(" : ".utf8), to: &out)
            default: out.append(contentsOf: record)
            }
            index += 1
            try flush(false)
        }
        switch layout {
        case .esSearch: out += Array((n > 0 ? "\n    ]\n  }\n}\n" : "]\n  }\n}\n").utf8)
        case .prettyArray: out += Array((n > 0 ? "\n]\n" : "]\n").utf8)
        default: out += Array((n > 0 ? "\n]\n" : "]\n").utf8)
        }
        try flush(true)
    }
}

/// Re-indents one compact JSON document (two spaces a level), leaving every string and number
/// as it is: enough to lay generated records out the way pretty exports look.
enum JSONPretty {
    static func append(_ p: UnsafeBufferPointer<UInt8>, indent base: Int, colon: [UInt8], to out: inout [UInt8]) {
        var depth = base
        var inString = false, escape = false
        var i = 0
        func newline(_ d: Int) {
            out.append(0x0A)
            out.append(contentsOf: repeatElement(0x20, count: 2 * d))
        }
        while i < p.count {
            let b = p[i]
            if inString {
                out.append(b)
                if escape { escape = false } else if b == 0x5C { escape = true } else if b == 0x22 { inString = false }
                i += 1
                continue
            }
            switch b {
            case 0x22:
                inString = true
                out.append(b)
            case 0x7B, 0x5B:
                let close: UInt8 = b == 0x7B ? 0x7D : 0x5D
                if i + 1 < p.count, p[i + 1] == close {
                    out += [b, close]
                    i += 1
                } else {
                    out.append(b)
                    depth += 1
                    newline(depth)
                }
            case 0x7D, 0x5D:
                depth -= 1
                newline(depth)
                out.append(b)
            case 0x2C:
                out.append(b)
                newline(depth)
            case 0x3A:
                out += colon
            default:
                out.append(b)
            }
            i += 1
        }
    }
}
