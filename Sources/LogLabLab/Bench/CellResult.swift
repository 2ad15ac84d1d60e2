import LogLabCodecs
import LogLabCore

/// The one result type of a measured cell, used by `loglab bench`, the experiment runner,
/// the reports and the tests. Field names are stable (they are the JSON keys).
///
/// Sizes: `inputBytes` is the test records as a JSON Lines file (each record plus `\n`);
/// ratio, bytes/record and every MB/s figure are relative to it (MB = 10^6 bytes).
/// Speeds are median and min–max over the trials (after warm-up), wall clock and CPU time
/// of the measuring thread.
public struct CellResult: Sendable, Codable, Equatable {
    public static let currentFormatVersion = 2
    public var formatVersion: Int

    public var config: CellConfig
    /// `config.description`, for tables.
    public var label: String

    public var records: Int
    public var frames: Int
    public var inputBytes: Int
    /// Bytes handed to the codec (after framing and transforms), summed over frames.
    public var codecInputBytes: Int
    /// The codec's output, summed over frames (the payload alone: no frame headers, index
    /// or trailer).
    public var compressedBytes: Int
    public var dictionaryBytes: Int
    /// The transform model at the size the profile stores it (compressed).
    public var modelBytes: Int
    /// Whether `dictionaryBytes` and `modelBytes` are included in `storedBytes`.
    public var sideDataCounted: Bool
    /// `containerBytes`, plus the dictionary and the model when `sideDataCounted`.
    public var storedBytes: Int
    /// inputBytes / storedBytes: what production gets.
    public var ratio: Double
    public var bytesPerRecord: Double

    /// Framing + transforms + codec, input MB per second.
    public var compressMBps: Summary
    public var compressCPUMBps: Summary
    /// Codec only (frames back to codec input).
    public var decompressMBps: Summary
    public var decompressCPUMBps: Summary
    /// Codec + inverse transforms (frames back to records). Equal to decompress without transforms.
    public var restoreMBps: Summary
    public var restoreCPUMBps: Summary

    /// Restoring one record: decompress (and decode) the frame that holds it. Microseconds;
    /// nil for `file` framing or when latency sampling is off.
    public var restoreLatencyP50Microseconds: Double?
    public var restoreLatencyP99Microseconds: Double?
    public var latencySamples: Int

    /// Peak resident memory of the process during the cell (Linux: VmHWM, reset at the cell
    /// start when the kernel allows).
    public var peakMemoryBytes: Int

    /// Dictionary training plus transform learning, seconds (0 when neither ran).
    public var trainingSeconds: Double
    public var dictionaryTrainingSeconds: Double?
    public var modelLearningSeconds: Double?
    public var dictionaryID: UInt32?
    public var dictionaryK: Int?
    public var dictionaryD: Int?
    /// Where the side data was learned: "train", "test" (no train set given) or "given".
    public var dictionarySource: String?
    public var modelSource: String?

    public var trials: Int
    public var warmup: Int
    /// True when every restore of every trial was compared byte for byte with the original
    /// (a mismatch throws instead, so a result always says true; kept for readers).
    public var verified: Bool
    public var notes: [String]

    /// Exactly the bytes `loglab compress` writes for this configuration on the test
    /// records: frames, headers, index and trailer.
    public var containerBytes: Int = 0
    /// `containerBytes` minus `compressedBytes`: what the container format adds.
    public var containerOverheadBytes: Int = 0
    /// The shared section's bytes, in `containerOverheadBytes` (nil without one).
    public var sharedSectionBytes: Int? = nil
    /// CPU seconds of learning the shared section in each timed compression pass (inside
    /// `compressMBps`; nil without one): what a container pays once, over its first records.
    public var sharedSectionLearningCPUSeconds: Summary? = nil
    /// `record` framing: the test records as standalone messages (`ProfileCodec.encodeMessage`,
    /// no checksum), summed; nil for other framings.
    public var messageBytes: Int? = nil
    /// The serialised transform model before the profile compresses it.
    public var modelRawBytes: Int = 0
    /// The profile's id (the configuration `loglab export` must reproduce).
    public var profileID: String? = nil
}
