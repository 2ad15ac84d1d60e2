import LogLabCore

/// How records sit in a file: what an input was, and everything that is not a record.
public enum RecordFormat: String, Sendable, Codable, CaseIterable, CustomStringConvertible {
    /// One record per line; blank (whitespace-only) lines are framing, not records.
    case jsonLines = "jsonl"
    /// A JSON array of documents; each element's exact text is a record.
    case jsonArray = "json-array"
    /// An Elasticsearch `_search` response; each element of `hits.hits` is a record.
    case elasticsearch = "es-search"
    /// JSON values one after another (for example pretty-printed documents), separated by whitespace.
    case jsonSequence = "json-seq"
    /// Plain text, one record per line (blank lines included).
    case text

    public var description: String { rawValue }

    public init(parsing text: String) throws {
        switch text.lowercased() {
        case "jsonl", "json-lines", "ndjson": self = .jsonLines
        case "json-array", "array", "json": self = .jsonArray
        case "es-search", "es", "elasticsearch": self = .elasticsearch
        case "json-seq", "sequence": self = .jsonSequence
        case "text", "txt", "lines": self = .text
        default:
            throw DatasetError("unknown record format '\(text)': use jsonl, json-array, es-search, json-seq or text")
        }
    }
}

/// Everything in a file that is not a record, so that the file can be rebuilt byte for byte:
/// `prefix r₀ sep₀ r₁ sep₁ … rₙ₋₁ suffix`. Most separators equal `separator` (for JSON Lines
/// `\n`; for a pretty-printed array perhaps `,\n  `); the others are kept as exceptions.
/// For line-oriented formats a `\r` before `\n` stays part of the record (see `RecordBatch`).
public struct FileFraming: Sendable, Equatable, Codable {
    public var format: RecordFormat
    public var recordCount: Int
    public var prefix: [UInt8]
    public var separator: [UInt8]
    /// Separators that differ from `separator`: after record `exceptionIndices[i]` comes `exceptionBytes[i]`.
    public var exceptionIndices: [Int]
    public var exceptionBytes: [[UInt8]]
    public var suffix: [UInt8]

    public init(format: RecordFormat, recordCount: Int = 0, prefix: [UInt8] = [], separator: [UInt8] = [0x0A],
                exceptionIndices: [Int] = [], exceptionBytes: [[UInt8]] = [], suffix: [UInt8] = []) {
        self.format = format
        self.recordCount = recordCount
        self.prefix = prefix
        self.separator = separator
        self.exceptionIndices = exceptionIndices
        self.exceptionBytes = exceptionBytes
        self.suffix = suffix
    }

    /// JSON Lines / text framing: records joined by `\n`, with or without a final newline.
    public static func lines(count: Int, finalNewline: Bool = true, format: RecordFormat = .jsonLines) -> FileFraming {
        FileFraming(format: format, recordCount: count, suffix: finalNewline && count > 0 ? [0x0A] : [])
    }

    /// True when the file is the records joined by `\n` with a final newline and nothing else.
    public var isPlainLines: Bool {
        prefix.isEmpty && separator == [0x0A] && exceptionIndices.isEmpty && (suffix == [0x0A] || recordCount == 0 && suffix.isEmpty)
    }

    /// Bytes that are not records.
    public var framingBytes: Int {
        let exceptions = exceptionBytes.reduce(0) { $0 + $1.count }
        let plain = max(0, recordCount - 1 - exceptionIndices.count) * separator.count
        return prefix.count + suffix.count + exceptions + plain
    }

    /// The original file: throws when `records` does not have `recordCount` records.
    public func rebuild(_ records: RecordBatch) throws -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(records.totalBytes + framingBytes)
        try write(records) { out.append(contentsOf: $0) }
        return out
    }

    /// Streams the original file to `sink`.
    public func write(_ records: RecordBatch, to sink: (UnsafeRawBufferPointer) throws -> Void) throws {
        guard records.count == recordCount else {
            throw DatasetError("framing expects \(recordCount) records, got \(records.count)")
        }
        try prefix.withUnsafeBytes(sink)
        var next = 0
        for i in 0..<records.count {
            try records.withRecord(i, sink)
            if i + 1 < records.count {
                if next < exceptionIndices.count, exceptionIndices[next] == i {
                    try exceptionBytes[next].withUnsafeBytes(sink)
                    next += 1
                } else {
                    try separator.withUnsafeBytes(sink)
                }
            }
        }
        try suffix.withUnsafeBytes(sink)
    }

    /// A compact binary form (for containers that store the framing beside the records).
    public func serialized() -> [UInt8] {
        var w = ByteWriter()
        w.u8(1)
        w.string(format.rawValue)
        w.varint(recordCount)
        w.lengthPrefixed(prefix)
        w.lengthPrefixed(separator)
        w.varint(exceptionIndices.count)
        var last = -1
        for (i, b) in zip(exceptionIndices, exceptionBytes) {
            w.varint(i - last)
            w.lengthPrefixed(b)
            last = i
        }
        w.lengthPrefixed(suffix)
        return w.bytes
    }

    public init(serialized bytes: [UInt8]) throws {
        var r = ByteReader(bytes)
        do {
            guard try r.u8() == 1 else { throw DatasetError("framing: unknown version") }
            guard let f = RecordFormat(rawValue: try r.string()) else { throw DatasetError("framing: unknown record format") }
            format = f
            recordCount = try r.count(limit: Int(Int32.max))
            prefix = Array(try r.lengthPrefixed())
            separator = Array(try r.lengthPrefixed())
            let n = try r.count(limit: max(0, recordCount - 1))
            exceptionIndices = []
            exceptionBytes = []
            var last = -1
            for _ in 0..<n {
                let delta = try r.count(limit: recordCount)
                guard delta >= 1, last + delta < recordCount - 1 else { throw DatasetError("framing: separator index out of range") }
                last += delta
                exceptionIndices.append(last)
                exceptionBytes.append(Array(try r.lengthPrefixed()))
            }
            suffix = Array(try r.lengthPrefixed())
            guard r.isAtEnd else { throw DatasetError("framing: trailing bytes") }
        } catch let e as ByteReaderError {
            throw DatasetError("framing: \(e.description)")
        }
    }
}

/// Collects framing while records are split off.
struct FramingBuilder {
    var framing: FileFraming
    var pending: [UInt8] = []          // bytes since the end of the last record
    var sawSeparator = false

    init(format: RecordFormat) { framing = FileFraming(format: format, separator: []) }

    /// A record begins: the pending bytes become the prefix or the separator before it.
    mutating func recordStarts() {
        if framing.recordCount == 0 {
            framing.prefix = pending
        } else if !sawSeparator {
            framing.separator = pending
            sawSeparator = true
        } else if pending != framing.separator {
            framing.exceptionIndices.append(framing.recordCount - 1)
            framing.exceptionBytes.append(pending)
        }
        pending.removeAll(keepingCapacity: true)
        framing.recordCount += 1
    }

    mutating func finish() -> FileFraming {
        var f = framing
        f.suffix = pending
        if !sawSeparator { f.separator = f.format == .jsonLines || f.format == .text ? [0x0A] : [0x2C] }
        return f
    }
}
