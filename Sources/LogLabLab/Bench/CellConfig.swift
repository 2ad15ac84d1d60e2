import LogLabCodecs
import LogLabCore
import LogLabTransforms

/// One measured configuration ("cell"): how records are framed, which transforms run,
/// which codec compresses, and whether a zstd dictionary is trained for it.
///
/// Codable with stable field names; every field but `framing` and `codec` may be omitted
/// in JSON/YAML and takes its default. Hashable, so it can key a results cache.
public struct CellConfig: Sendable, Hashable, Codable, CustomStringConvertible {
    public var framing: Framing
    public var codec: CodecSpec
    /// Train a zstd dictionary of this many bytes on the train records (zstd only).
    public var dictionarySize: Int?
    /// Algorithm and parameters for that training; `size` and `level` come from this cell.
    public var dictionaryTraining: DictionaryTrainingOptions
    public var transforms: TransformSelection
    /// Count the dictionary and the transform model in the stored size (they must ship
    /// with the data). Default true.
    public var countSideData: Bool
    /// How many records to time for single-record restore latency (0: skip).
    public var latencySamples: Int
    /// The field dating records for the container's time index, as the profile would name
    /// it (`loglab profile train`'s default); nil: no time index.
    public var timestampField: String?
    /// Give the container a shared section learned from its first records, as
    /// `loglab compress --shared-section` does (its bytes are in `containerBytes`). Default false.
    public var sharedSection: Bool

    public init(framing: Framing, codec: CodecSpec, dictionarySize: Int? = nil,
                dictionaryTraining: DictionaryTrainingOptions = .init(), transforms: TransformSelection = .none,
                countSideData: Bool = true, latencySamples: Int = 1000, timestampField: String? = "timestamp",
                sharedSection: Bool = false) {
        self.framing = framing
        self.codec = codec
        self.dictionarySize = dictionarySize
        self.dictionaryTraining = dictionaryTraining
        self.transforms = transforms
        self.countSideData = countSideData
        self.latencySamples = latencySamples
        self.timestampField = timestampField
        self.sharedSection = sharedSection
        normalize()
    }

    /// The training size and level always follow the cell (one spelling per cell).
    private mutating func normalize() {
        if let size = dictionarySize { dictionaryTraining.size = size }
        dictionaryTraining.level = codec.level
    }

    /// A short label: `zstd:3 record dict=112640 transforms=all`.
    public var description: String {
        var s = "\(codec) \(framing)"
        if let d = dictionarySize { s += " dict=\(d)" }
        if !transforms.isNone { s += " transforms=\(transforms)" }
        if sharedSection { s += " shared" }
        return s
    }

    /// Rejects combinations that cannot run; throws `BenchError`.
    public func validate() throws {
        if let size = dictionarySize {
            guard codec.family == .zstd else {
                throw BenchError("cell \(self): only zstd uses dictionaries")
            }
            guard (DictionaryTrainingOptions.minimumSize...DictionaryTrainingOptions.maximumSize).contains(size) else {
                throw BenchError("cell \(self): dictionary size \(size) is out of range (256 B ... 1 MiB)")
            }
        }
        if case .block(let n) = framing, n < 1 { throw BenchError("cell \(self): block size must be at least 1") }
        guard latencySamples >= 0 else { throw BenchError("cell \(self): latencySamples must not be negative") }
    }

    enum CodingKeys: String, CodingKey {
        case framing, codec, dictionarySize, dictionaryTraining, transforms, countSideData, latencySamples, timestampField, sharedSection
    }

    public func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(framing, forKey: .framing)
        try c.encode(codec, forKey: .codec)
        try c.encodeIfPresent(dictionarySize, forKey: .dictionarySize)
        try c.encode(dictionaryTraining, forKey: .dictionaryTraining)
        try c.encode(transforms, forKey: .transforms)
        try c.encode(countSideData, forKey: .countSideData)
        try c.encode(latencySamples, forKey: .latencySamples)
        try c.encodeIfPresent(timestampField, forKey: .timestampField)
        // Written only when set: results (and cache keys) of earlier cells stay as they were.
        if sharedSection { try c.encode(sharedSection, forKey: .sharedSection) }
    }

    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        framing = try c.decode(Framing.self, forKey: .framing)
        codec = try c.decode(CodecSpec.self, forKey: .codec)
        dictionarySize = try c.decodeIfPresent(Int.self, forKey: .dictionarySize)
        dictionaryTraining = try c.decodeIfPresent(DictionaryTrainingOptions.self, forKey: .dictionaryTraining) ?? .init()
        transforms = try c.decodeIfPresent(TransformSelection.self, forKey: .transforms) ?? .none
        countSideData = try c.decodeIfPresent(Bool.self, forKey: .countSideData) ?? true
        latencySamples = try c.decodeIfPresent(Int.self, forKey: .latencySamples) ?? 1000
        timestampField = c.contains(.timestampField) ? try c.decodeIfPresent(String.self, forKey: .timestampField) : "timestamp"
        sharedSection = try c.decodeIfPresent(Bool.self, forKey: .sharedSection) ?? false
        normalize()
    }
}

/// Bench failures (bad configuration, verification mismatch), one line each.
public struct BenchError: Error, CustomStringConvertible, Equatable {
    public let description: String
    public init(_ description: String) { self.description = description }
}
