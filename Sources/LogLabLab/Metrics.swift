import Foundation
import LogLabCore

/// The measured quantities a spec can name (objective, constraints), reports show and CSV
/// files carry. YAML and CSV spelling is the raw value. Each metric describes itself in one
/// place (`definition`): title, unit, direction, whether it is timed, how to read it.
public enum Metric: String, CaseIterable, Sendable, Codable {
    case ratio
    case storedBytes = "stored_bytes"
    case containerBytes = "container_bytes"
    case containerOverheadBytes = "container_overhead_bytes"
    case payloadBytes = "payload_bytes"
    case payloadRatio = "payload_ratio"
    case messageBytes = "message_bytes"
    case bytesPerRecord = "bytes_per_record"
    case compressMBps = "compress_mbps"
    case compressCPUMBps = "compress_cpu_mbps"
    case decompressMBps = "decompress_mbps"
    case decompressCPUMBps = "decompress_cpu_mbps"
    case restoreMBps = "restore_mbps"
    case restoreCPUMBps = "restore_cpu_mbps"
    case recordP50Micros = "record_p50_us"
    case recordP99Micros = "record_p99_us"
    case peakMemoryBytes = "peak_memory_bytes"
    case trainingSeconds = "training_seconds"
    case dictionaryBytes = "dictionary_bytes"
    case modelBytes = "model_bytes"
    case costPerMonth = "cost_per_month"

    public enum Direction: Sendable { case higherIsBetter, lowerIsBetter }

    public struct Definition: Sendable {
        public let title: String
        /// "" for plain numbers (ratios).
        public let unit: String
        public let direction: Direction
        /// Depends on timing (varies between runs), as opposed to sizes, which are exact.
        public let isTiming: Bool
        /// Median and spread, for metrics measured over trials.
        let summary: (@Sendable (CellResult) -> Summary)?
        let value: @Sendable (CellResult, CostModel?) -> Double?
    }

    public var definition: Definition {
        typealias D = Definition
        func size(_ title: String, _ f: @escaping @Sendable (CellResult) -> Double?) -> D {
            D(title: title, unit: "B", direction: .lowerIsBetter, isTiming: false, summary: nil, value: { r, _ in f(r) })
        }
        func speed(_ title: String, _ f: @escaping @Sendable (CellResult) -> Summary) -> D {
            D(title: title, unit: "MB/s", direction: .higherIsBetter, isTiming: true, summary: f, value: { r, _ in f(r).median })
        }
        switch self {
        case .ratio:
            return D(title: "ratio", unit: "", direction: .higherIsBetter, isTiming: false, summary: nil, value: { r, _ in r.ratio })
        case .storedBytes: return size("stored bytes") { Double($0.storedBytes) }
        case .containerBytes: return size("container bytes") { Double(CellRecord.streamBytes($0)) }
        case .containerOverheadBytes: return size("container overhead") { Double($0.containerOverheadBytes) }
        case .payloadBytes: return size("payload bytes") { Double($0.compressedBytes) }
        case .payloadRatio:
            return D(title: "payload ratio", unit: "", direction: .higherIsBetter, isTiming: false, summary: nil,
                     value: { r, _ in r.compressedBytes > 0 ? Double(r.inputBytes) / Double(r.compressedBytes) : nil })
        case .messageBytes: return size("message bytes") { $0.messageBytes.map(Double.init) }
        case .bytesPerRecord: return size("bytes/record") { $0.bytesPerRecord }
        case .compressMBps: return speed("compress MB/s") { $0.compressMBps }
        case .compressCPUMBps: return speed("compress MB/s (CPU)") { $0.compressCPUMBps }
        case .decompressMBps: return speed("decompress MB/s") { $0.decompressMBps }
        case .decompressCPUMBps: return speed("decompress MB/s (CPU)") { $0.decompressCPUMBps }
        case .restoreMBps: return speed("restore MB/s") { $0.restoreMBps }
        case .restoreCPUMBps: return speed("restore MB/s (CPU)") { $0.restoreCPUMBps }
        case .recordP50Micros:
            return D(title: "record restore p50 µs", unit: "µs", direction: .lowerIsBetter, isTiming: true, summary: nil,
                     value: { r, _ in r.restoreLatencyP50Microseconds })
        case .recordP99Micros:
            return D(title: "record restore p99 µs", unit: "µs", direction: .lowerIsBetter, isTiming: true, summary: nil,
                     value: { r, _ in r.restoreLatencyP99Microseconds })
        case .peakMemoryBytes:
            return D(title: "peak memory", unit: "B", direction: .lowerIsBetter, isTiming: true, summary: nil,
                     value: { r, _ in Double(r.peakMemoryBytes) })
        case .trainingSeconds:
            return D(title: "training s", unit: "s", direction: .lowerIsBetter, isTiming: true, summary: nil,
                     value: { r, _ in r.trainingSeconds })
        case .dictionaryBytes: return size("dictionary bytes") { Double($0.dictionaryBytes) }
        case .modelBytes: return size("model bytes") { Double($0.modelBytes) }
        case .costPerMonth:
            return D(title: "cost/month", unit: "", direction: .lowerIsBetter, isTiming: true, summary: nil,
                     value: { r, cost in cost.flatMap { CellRecord.monthlyCost(r, $0)?.total } })
        }
    }

    public var title: String { definition.title }
    public var unit: String { definition.unit }
    /// Whether larger values are better (used to phrase constraints and deltas).
    public var higherIsBetter: Bool { definition.direction == .higherIsBetter }
    public var isTiming: Bool { definition.isTiming }
    /// Whether the metric has a median and spread over trials.
    public var hasSummary: Bool { definition.summary != nil }

    /// The metric's value for a result (medians for timed ones); nil when it does not apply.
    public func value(of result: CellResult, cost: CostModel? = nil) -> Double? { definition.value(result, cost) }

    /// CSV column names for this metric: `name`, or `name_median`, `name_min`, `name_max`.
    public var csvColumns: [String] {
        hasSummary ? ["\(rawValue)_median", "\(rawValue)_min", "\(rawValue)_max"] : [rawValue]
    }

    /// CSV cells for `csvColumns`.
    public func csvCells(_ result: CellResult, cost: CostModel?, format: (Double?) -> String) -> [String] {
        if let s = definition.summary?(result) { return [format(s.median), format(s.min), format(s.max)] }
        return [format(value(of: result, cost: cost))]
    }
}

/// One finished cell: what was measured, under which measurement context, and the bench
/// engine's `CellResult` (the one result type per cell). This is a journal line.
public struct CellRecord: Sendable, Codable {
    public var cell: LabCell
    /// Hash of everything that makes the measurement valid (data, trials, warm-up, version);
    /// a journal entry with another context is measured again.
    public var context: String
    public var result: CellResult

    public init(cell: LabCell, context: String, result: CellResult) {
        self.cell = cell
        self.context = context
        self.result = result
    }
}

// Reads of `CellResult` beyond the metric definitions.
extension CellRecord {
    /// What a stream of production volume pays per byte: the container without the
    /// dictionary or model (they amortise to nothing there). Results measured before
    /// containers were measured fall back to the codec's output.
    static func streamBytes(_ r: CellResult) -> Int { r.containerBytes > 0 ? r.containerBytes : r.compressedBytes }

    /// The codec's output alone (no container format, no side data).
    public var payloadBytes: Int { result.compressedBytes }

    public var payloadRatio: Double {
        payloadBytes > 0 ? Double(result.inputBytes) / Double(payloadBytes) : 0
    }

    /// The container alone (no side data).
    public var streamRatio: Double {
        let b = Self.streamBytes(result)
        return b > 0 ? Double(result.inputBytes) / Double(b) : 0
    }

    public var verified: Bool { result.verified }
    public var inputBytes: Int { result.inputBytes }
    public var records: Int { result.records }
    public var dictionaryCounted: Bool { result.sideDataCounted }

    /// Median and spread for timed metrics; nil for exact ones.
    public func summary(_ m: Metric) -> Summary? { m.definition.summary?(result) }

    /// The value of a metric (medians for timed ones); nil when it does not apply
    /// (e.g. single-record latency for whole-file framing).
    public func value(_ m: Metric, cost: CostModel? = nil) -> Double? { m.value(of: result, cost: cost) }

    /// Money per month at the cost model's volume, from the container ratio and CPU-time speeds.
    public func monthlyCost(_ cost: CostModel) -> CostModel.Breakdown? { Self.monthlyCost(result, cost) }

    static func monthlyCost(_ result: CellResult, _ cost: CostModel) -> CostModel.Breakdown? {
        let c = result.compressCPUMBps.median > 0 ? result.compressCPUMBps.median : result.compressMBps.median
        let r = result.restoreCPUMBps.median > 0 ? result.restoreCPUMBps.median : result.restoreMBps.median
        let bytes = streamBytes(result)
        guard bytes > 0 else { return nil }
        return cost.monthly(ratio: Double(result.inputBytes) / Double(bytes), compressMBps: c, restoreMBps: r)
    }
}
