// TEMPORARY: stands in for the bench engine's `CellConfig` / `CellResult` (owned by the
// codecs branch in `Sources/LogLabLab/Bench/`) until that branch lands. Deleted on merge;
// the lab only reads results through `CellResult+Metrics.swift`.
import LogLabCore

public struct CellConfig: Sendable, Hashable, Codable {
    public var framing: Framing
    public var codec: String
    public var dictionarySize: Int?
    public var transforms: String
    public init(framing: Framing, codec: String, dictionarySize: Int?, transforms: String) {
        self.framing = framing
        self.codec = codec
        self.dictionarySize = dictionarySize
        self.transforms = transforms
    }
}

public struct CellResult: Sendable, Codable {
    public var config: CellConfig
    public var inputBytes: Int
    public var records: Int
    public var frames: Int
    public var storedBytes: Int
    public var ratio: Double
    public var bytesPerRecord: Double
    public var compressMBps: Summary
    public var compressCPUMBps: Summary
    public var decompressMBps: Summary
    public var decompressCPUMBps: Summary
    public var restoreMBps: Summary
    public var restoreCPUMBps: Summary
    public var recordLatencyP50Micros: Double?
    public var recordLatencyP99Micros: Double?
    public var peakMemoryBytes: Int
    public var trainingSeconds: Double
    public var modelBytes: Int
    public var dictionaryBytes: Int
    public var dictionaryCounted: Bool
    public var verified: Bool
}
