import Foundation
import LogLabCore

/// A first look at what is compressible: per field path its count, distinct values, top
/// values, mean length and order-0 entropy; the key orders seen; records that are not JSON.
public struct DatasetStats: Sendable, Codable {
    public struct TopValue: Sendable, Codable {
        public var value: String
        public var count: Int
    }

    public struct Field: Sendable, Codable {
        public var path: String
        public var count: Int
        /// Distinct values (a lower bound when `distinctCapped`).
        public var distinct: Int
        public var distinctCapped: Bool
        public var top: [TopValue]
        /// Mean length of the value text in bytes (strings without quotes, still escaped).
        public var meanLength: Double
        /// Order-0 entropy of the values (bits per occurrence; an estimate when capped).
        public var valueEntropyBits: Double
        /// Order-0 entropy of the value bytes (bits per byte).
        public var byteEntropyBits: Double
        /// Occurrences per kind: string, number, bool, null, {} and [].
        public var kinds: [String: Int]
    }

    public struct KeyOrder: Sendable, Codable {
        /// Field paths in document order (repeats of array elements collapsed).
        public var paths: [String]
        public var count: Int
    }

    public var records: Int
    public var bytes: Int
    public var nonJSON: Int
    /// Indices of the first records that are not JSON.
    public var nonJSONExamples: [Int]
    public var distinctKeyOrders: Int
    public var keyOrders: [KeyOrder]
    public var fields: [Field]

    public static func compute(_ records: RecordBatch, top: Int = 5, distinctLimit: Int = 50_000) -> DatasetStats {
        var acc = StatsAccumulator(top: top, distinctLimit: distinctLimit)
        acc.add(records)
        return acc.finish()
    }

    /// A plain-text report.
    public func render(maxValueWidth: Int = 40) -> String {
        var out = ""
        let mean = records > 0 ? bytes / records : 0
        out += "records: \(records)  bytes: \(bytes)  mean record: \(mean) B  not JSON: \(nonJSON)"
        if !nonJSONExamples.isEmpty { out += " (e.g. records \(nonJSONExamples.map(String.init).joined(separator: ", ")))" }
        out += "\n\nkey orders: \(distinctKeyOrders) distinct\n"
        for k in keyOrders {
            var text = k.paths.joined(separator: ", ")
            if text.count > 160 { text = String(text.prefix(157)) + "..." }
            out += "  \(k.count)×  \(text)\n"
        }
        out += "\nfields: path | count | distinct | mean len | H(values) bits | H(bytes) bits/B | top values\n"
        func clip(_ s: String) -> String { s.count > maxValueWidth ? String(s.prefix(maxValueWidth - 1)) + "…" : s }
        for f in fields {
            let distinct = f.distinctCapped ? "≥\(f.distinct)" : "\(f.distinct)"
            let topText = f.top.map { "\(clip($0.value)) (\($0.count))" }.joined(separator: ", ")
            out += "  \(f.path) | \(f.count) | \(distinct) | \(String(format: "%.1f", f.meanLength)) | "
            out += "\(String(format: "%.2f", f.valueEntropyBits)) | \(String(format: "%.2f", f.byteEntropyBits)) | \(topText)\n"
        }
        return out
    }
}

/// Accumulates `DatasetStats` over batches (for files read in bounded memory).
public struct StatsAccumulator {
    final class FieldState {
        let path: String
        var count = 0
        var totalLength = 0
        var values: [[UInt8]: Int] = [:]
        var capped = false
        var bytes = [Int](repeating: 0, count: 256)
        var kinds = [Int](repeating: 0, count: 6)
        init(path: String) { self.path = path }
    }

    let top: Int
    let distinctLimit: Int
    var records = 0
    var bytes = 0
    var nonJSON = 0
    var nonJSONExamples: [Int] = []
    var fieldIndex: [[UInt8]: Int] = [:]
    var fields: [FieldState] = []
    var orders: [[Int]: Int] = [:]
    var ordersCapped = false

    public init(top: Int = 5, distinctLimit: Int = 50_000) {
        self.top = max(0, top)
        self.distinctLimit = max(1, distinctLimit)
    }

    public mutating func add(_ batch: RecordBatch) {
        for i in 0..<batch.count {
            batch.withRecord(i) { raw in add(record: raw.bindMemory(to: UInt8.self)) }
        }
    }

    /// Adds the records `reader` yields, at most `maxRecords` of them; returns how many were added.
    @discardableResult
    public mutating func add(_ reader: RecordReader, maxRecords: Int? = nil) throws -> Int {
        var added = 0
        while let batch = try reader.next() {
            for i in 0..<batch.count {
                if let m = maxRecords, added >= m { return added }
                batch.withRecord(i) { add(record: $0.bindMemory(to: UInt8.self)) }
                added += 1
            }
        }
        return added
    }

    public mutating func add(record p: UnsafeBufferPointer<UInt8>) {
        let index = records
        records += 1
        bytes += p.count
        var order: [Int] = []
        var leaves: [(Int, Range<Int>, JSONKind)] = []
        let ok = JSONScanner.scan(p) { leaf in
            let id: Int
            if let k = fieldIndex[Array(leaf.path)] {
                id = k
            } else {
                id = fields.count
                fieldIndex[Array(leaf.path)] = id
                fields.append(FieldState(path: String(decoding: leaf.path, as: UTF8.self)))
            }
            if order.last != id { order.append(id) }
            leaves.append((id, leaf.value, leaf.kind))
        }
        guard ok else {
            nonJSON += 1
            if nonJSONExamples.count < 5 { nonJSONExamples.append(index) }
            return
        }
        for (id, range, kind) in leaves {
            let f = fields[id]
            f.count += 1
            f.totalLength += range.count
            f.kinds[Int(kind.rawValue)] += 1
            let value = Array(UnsafeBufferPointer(rebasing: p[range]))
            for b in value { f.bytes[Int(b)] += 1 }
            if let c = f.values[value] {
                f.values[value] = c + 1
            } else if f.values.count < distinctLimit {
                f.values[value] = 1
            } else {
                f.capped = true
            }
        }
        if let c = orders[order] {
            orders[order] = c + 1
        } else if orders.count < 10_000 {
            orders[order] = 1
        } else {
            ordersCapped = true
        }
    }

    public func finish() -> DatasetStats {
        let kindNames = ["string", "number", "bool", "null", "{}", "[]"]
        let out: [DatasetStats.Field] = fields.map { f in
            let n = Double(f.count)
            var hv = 0.0
            if f.count > 0 {
                var tracked = 0
                for c in f.values.values {
                    let q = Double(c) / n
                    hv -= q * log2(q)
                    tracked += c
                }
                // Untracked occurrences (past the cap) counted as distinct values.
                let rest = f.count - tracked
                if rest > 0 { hv += Double(rest) / n * log2(n) }
            }
            let totalBytes = f.bytes.reduce(0, +)
            var hb = 0.0
            for c in f.bytes where c > 0 {
                let q = Double(c) / Double(totalBytes)
                hb -= q * log2(q)
            }
            let topValues = f.values.sorted { $0.value != $1.value ? $0.value > $1.value : $0.key.lexicographicallyPrecedes($1.key) }
                .prefix(top)
                .map { DatasetStats.TopValue(value: String(decoding: $0.key, as: UTF8.self), count: $0.value) }
            var kinds: [String: Int] = [:]
            for (k, c) in f.kinds.enumerated() where c > 0 { kinds[kindNames[k]] = c }
            return DatasetStats.Field(path: f.path, count: f.count, distinct: f.values.count, distinctCapped: f.capped,
                                      top: Array(topValues), meanLength: f.count > 0 ? Double(f.totalLength) / n : 0,
                                      valueEntropyBits: hv, byteEntropyBits: hb, kinds: kinds)
        }
        let sortedOrders = orders.sorted { $0.value != $1.value ? $0.value > $1.value : $0.key.lexicographicallyPrecedes($1.key) }
        let keyOrders = sortedOrders.prefix(5).map { DatasetStats.KeyOrder(paths: $0.key.map { fields[$0].path }, count: $0.value) }
        return DatasetStats(records: records, bytes: bytes, nonJSON: nonJSON, nonJSONExamples: nonJSONExamples,
                            distinctKeyOrders: orders.count, keyOrders: keyOrders, fields: out)
    }
}
