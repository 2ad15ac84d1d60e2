import Foundation
import LogLabCore

/// The measured quantities a spec can name (objective, constraints) and reports show.
/// YAML spelling is the raw value.
public enum Metric: String, CaseIterable, Sendable, Codable {
    case ratio
    case storedBytes = "stored_bytes"
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

    /// Whether larger values are better (used to phrase constraints and deltas).
    public var higherIsBetter: Bool {
        switch self {
        case .ratio, .compressMBps, .compressCPUMBps, .decompressMBps, .decompressCPUMBps, .restoreMBps, .restoreCPUMBps: true
        default: false
        }
    }

    /// Depends on timing (varies between runs), as opposed to sizes, which are exact.
    public var isTiming: Bool {
        switch self {
        case .compressMBps, .compressCPUMBps, .decompressMBps, .decompressCPUMBps, .restoreMBps, .restoreCPUMBps,
             .recordP50Micros, .recordP99Micros, .trainingSeconds, .costPerMonth, .peakMemoryBytes: true
        default: false
        }
    }

    public var title: String {
        switch self {
        case .ratio: "ratio"
        case .storedBytes: "stored bytes"
        case .bytesPerRecord: "bytes/record"
        case .compressMBps: "compress MB/s"
        case .compressCPUMBps: "compress MB/s (CPU)"
        case .decompressMBps: "decompress MB/s"
        case .decompressCPUMBps: "decompress MB/s (CPU)"
        case .restoreMBps: "restore MB/s"
        case .restoreCPUMBps: "restore MB/s (CPU)"
        case .recordP50Micros: "record restore p50 µs"
        case .recordP99Micros: "record restore p99 µs"
        case .peakMemoryBytes: "peak memory"
        case .trainingSeconds: "training s"
        case .dictionaryBytes: "dictionary bytes"
        case .modelBytes: "model bytes"
        case .costPerMonth: "cost/month"
        }
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

// The one place that reads `CellResult` fields.
extension CellRecord {
    /// Stored bytes without a dictionary or model that was counted in: what a stream of
    /// production volume pays per byte (the dictionary amortises to nothing there).
    public var payloadBytes: Int { result.compressedBytes }

    public var payloadRatio: Double {
        payloadBytes > 0 ? Double(result.inputBytes) / Double(payloadBytes) : 0
    }

    public var verified: Bool { result.verified }
    public var inputBytes: Int { result.inputBytes }
    public var records: Int { result.records }
    public var dictionaryCounted: Bool { result.sideDataCounted }

    /// Median and spread for timed metrics; nil for exact ones.
    public func summary(_ m: Metric) -> Summary? {
        switch m {
        case .compressMBps: result.compressMBps
        case .compressCPUMBps: result.compressCPUMBps
        case .decompressMBps: result.decompressMBps
        case .decompressCPUMBps: result.decompressCPUMBps
        case .restoreMBps: result.restoreMBps
        case .restoreCPUMBps: result.restoreCPUMBps
        default: nil
        }
    }

    /// The value of a metric (medians for timed ones); nil when it does not apply
    /// (e.g. single-record latency for whole-file framing).
    public func value(_ m: Metric, cost: CostModel? = nil) -> Double? {
        switch m {
        case .ratio: return result.ratio
        case .storedBytes: return Double(result.storedBytes)
        case .bytesPerRecord: return result.bytesPerRecord
        case .compressMBps, .compressCPUMBps, .decompressMBps, .decompressCPUMBps, .restoreMBps, .restoreCPUMBps:
            return summary(m)?.median
        case .recordP50Micros: return result.restoreLatencyP50Microseconds
        case .recordP99Micros: return result.restoreLatencyP99Microseconds
        case .peakMemoryBytes: return Double(result.peakMemoryBytes)
        case .trainingSeconds: return result.trainingSeconds
        case .dictionaryBytes: return Double(result.dictionaryBytes)
        case .modelBytes: return Double(result.modelBytes)
        case .costPerMonth:
            guard let cost else { return nil }
            return monthlyCost(cost)?.total
        }
    }

    /// Money per month at the cost model's volume, from the payload ratio and CPU-time speeds.
    public func monthlyCost(_ cost: CostModel) -> CostModel.Breakdown? {
        let c = result.compressCPUMBps.median > 0 ? result.compressCPUMBps.median : result.compressMBps.median
        let r = result.restoreCPUMBps.median > 0 ? result.restoreCPUMBps.median : result.restoreMBps.median
        return cost.monthly(ratio: payloadRatio, compressMBps: c, restoreMBps: r)
    }
}
