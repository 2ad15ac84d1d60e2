import Foundation
import LogLabCodecs
import LogLabCore
import LogLabTransforms

/// Speeds a tuned profile must reach, per core: MB (10^6 bytes) of original input per
/// CPU-second of the measuring thread, compressing (framing, transforms, codec, container)
/// and restoring (the whole container back to its records).
public struct SpeedFloors: Sendable, Equatable, Codable, CustomStringConvertible {
    public var compressMBps: Double
    public var restoreMBps: Double

    public init(compressMBps: Double = 50, restoreMBps: Double = 200) {
        self.compressMBps = compressMBps
        self.restoreMBps = restoreMBps
    }

    public static let standard = SpeedFloors()

    public var description: String {
        "compress ≥ \(Speed.format(compressMBps)) and restore ≥ \(Speed.format(restoreMBps)) per core"
    }
}

/// Speeds as people write them: `50MB/s`, `200 MiB/s`, `1GB/s`, `500KB/s`, or a bare number
/// of MB/s. The units are those of `ByteSize` (KB/MB/GB powers of 1000, KiB/MiB/GiB of 1024).
public enum Speed {
    public struct ParseError: Error, CustomStringConvertible {
        public let description: String
    }

    /// MB/s (10^6 bytes a second).
    public static func parse(_ text: String) throws -> Double {
        var t = text.trimmingCharacters(in: .whitespaces)
        let perSecond = t.lowercased().hasSuffix("/s")
        if perSecond { t = String(t.dropLast(2)).trimmingCharacters(in: .whitespaces) }
        if let v = Double(t), !perSecond || t.allSatisfy({ $0.isNumber || $0 == "." }) {
            guard v.isFinite, v >= 0 else { throw ParseError(description: "invalid speed '\(text)': must not be negative") }
            return v
        }
        guard perSecond else {
            throw ParseError(description: "invalid speed '\(text)': write it like 50MB/s, 200MiB/s or 50 (MB/s)")
        }
        do {
            return Double(try ByteSize.parse(t)) / 1e6
        } catch {
            throw ParseError(description: "invalid speed '\(text)': write it like 50MB/s, 200MiB/s or 50 (MB/s)")
        }
    }

    public static func format(_ mbps: Double) -> String {
        mbps == mbps.rounded() && abs(mbps) < 1e12 ? "\(Int(mbps)) MB/s" : String(format: "%.1f MB/s", mbps)
    }
}

/// One point of the profile search: everything the profile fixes besides its learned data.
public struct SearchCandidate: Sendable, Hashable, Codable, CustomStringConvertible {
    public var transforms: TransformSelection
    public var framing: Framing
    public var codec: CodecSpec
    /// Trained zstd dictionary size in bytes; 0: none.
    public var dictionarySize: Int
    /// Containers get a shared section (the profile's default; see `ProfileSearch`).
    public var sharedSection: Bool

    public init(transforms: TransformSelection, framing: Framing, codec: CodecSpec, dictionarySize: Int, sharedSection: Bool = false) {
        self.transforms = transforms
        self.framing = framing
        self.codec = codec
        self.dictionarySize = dictionarySize
        self.sharedSection = sharedSection
    }

    /// `transforms all, block:1024, zstd:6, dict 64 KiB` (`, shared section`).
    public var description: String {
        "transforms \(transforms), \(framing), \(codec), " + (dictionarySize > 0 ? "dict \(ByteSize.format(dictionarySize))" : "no dict")
            + (sharedSection ? ", shared section" : "")
    }

    enum CodingKeys: String, CodingKey { case transforms, framing, codec, dictionarySize, sharedSection }

    // `sharedSection` is written only when set and absent reads as false, as in lab cells.
    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        self.init(transforms: try c.decode(TransformSelection.self, forKey: .transforms), framing: try c.decode(Framing.self, forKey: .framing),
                  codec: try c.decode(CodecSpec.self, forKey: .codec), dictionarySize: try c.decode(Int.self, forKey: .dictionarySize),
                  sharedSection: try c.decodeIfPresent(Bool.self, forKey: .sharedSection) ?? false)
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(transforms, forKey: .transforms)
        try c.encode(framing, forKey: .framing)
        try c.encode(codec, forKey: .codec)
        try c.encode(dictionarySize, forKey: .dictionarySize)
        if sharedSection { try c.encode(true, forKey: .sharedSection) }
    }
}

/// What the search knows of a measured candidate (from a `CellResult`, or fixed in tests).
public struct SearchMeasurement: Sendable, Codable, Equatable {
    public var candidate: SearchCandidate
    /// The validation records as JSON Lines.
    public var inputBytes: Int
    /// What `loglab compress` writes for them.
    public var containerBytes: Int
    /// The transform model and dictionary at the size the profile stores them.
    public var modelBytes: Int
    /// Medians, MB of input per CPU-second.
    public var compressMBps: Double
    public var restoreMBps: Double
    /// How much input the profile's model and dictionary are paid over (≥ `inputBytes`): the
    /// container is scaled to this volume before the model is added. `profile train` uses the
    /// whole training sample (a profile compresses at least what it was trained on); the lab
    /// its test set as measured.
    public var volumeBytes: Int
    /// With a shared section: MB of held-back records its learning took per CPU-second
    /// (counted in `compressMBps` once per container).
    public var sectionLearningMBps: Double? = nil
    /// With a shared section: the container size its learning is counted over.
    public var sectionContainerBytes: Int? = nil

    public init(candidate: SearchCandidate, inputBytes: Int, containerBytes: Int, modelBytes: Int,
                compressMBps: Double, restoreMBps: Double, volumeBytes: Int? = nil) {
        self.candidate = candidate
        self.inputBytes = inputBytes
        self.containerBytes = containerBytes
        self.modelBytes = modelBytes
        self.compressMBps = compressMBps
        self.restoreMBps = restoreMBps
        self.volumeBytes = max(volumeBytes ?? inputBytes, inputBytes)
    }

    /// Misses a floor, but none by more than `within` (a fraction of the floor).
    func nearlyMeets(_ f: SpeedFloors, within: Double) -> Bool {
        !meets(f) && compressMBps >= f.compressMBps * (1 - within) && restoreMBps >= f.restoreMBps * (1 - within)
    }

    /// What the objective minimises: the container, scaled from the measured input to
    /// `volumeBytes`, plus the profile's model and dictionary (paid once over that volume).
    public var storedBytes: Int {
        let scale = inputBytes > 0 ? Double(volumeBytes) / Double(inputBytes) : 1
        return Int((Double(containerBytes) * scale).rounded()) + modelBytes
    }
    /// The container scaled to `volumeBytes` (equal to `containerBytes` when nothing is scaled).
    public var scaledContainerBytes: Int { storedBytes - modelBytes }
    /// Input / container alone.
    public var ratio: Double { containerBytes > 0 ? Double(inputBytes) / Double(containerBytes) : 0 }
    /// Volume / (scaled container + model): input / (container + model) when nothing is scaled.
    public var storedRatio: Double { storedBytes > 0 ? Double(volumeBytes) / Double(storedBytes) : 0 }

    public func meets(_ floors: SpeedFloors) -> Bool {
        compressMBps >= floors.compressMBps && restoreMBps >= floors.restoreMBps
    }

    /// The floors it misses, spelt "restore 150 < 200 MB/s".
    public func shortfalls(_ floors: SpeedFloors) -> [String] {
        var out: [String] = []
        if compressMBps < floors.compressMBps { out.append("compress \(Self.mbps(compressMBps)) < \(Speed.format(floors.compressMBps))") }
        if restoreMBps < floors.restoreMBps { out.append("restore \(Self.mbps(restoreMBps)) < \(Speed.format(floors.restoreMBps))") }
        return out
    }

    /// How near the slower of the two speeds is to its floor (1: exactly on it).
    func headroom(_ floors: SpeedFloors) -> Double {
        min(compressMBps / max(floors.compressMBps, 1e-9), restoreMBps / max(floors.restoreMBps, 1e-9))
    }

    static func mbps(_ v: Double) -> String { String(format: "%.0f", v) }
}

/// The outcome of the choice: which candidate, whether it meets the floors, and why.
public struct SearchChoice: Sendable, Equatable {
    /// Index into the measurements given; nil only when none was given.
    public var index: Int?
    public var meetsFloors: Bool
    public var reasons: [String]
}

/// The choice rule, a pure function of the measurements, the floors and a size margin:
/// - among the candidates meeting both floors, those whose stored size (container scaled to
///   the volume the model is paid over, + model + dictionary) is within `margin` of the
///   smallest count as equally small, and the first measured of them that is faster than the
///   smallest (`fasterBeyondNoise`) wins, else the smallest. The descent measures the
///   defaults first and each stage's incumbent before its alternatives, so a change must
///   save more than the margin unless the incumbent is no faster: sizes on a validation split
///   are an estimate of the data to come (a framing larger than the split ties exactly,
///   whatever it would do on more records), so the margin trades a little size for speed,
///   but only for a speed difference larger than repeated measurements spread;
/// - when none meets them, the fastest: the largest headroom (the slower speed over its
///   floor), equal headroom to the smaller stored size. The profile is still written, with
///   a warning saying so: a busy machine measures everything slow, and refusing would leave
///   the user with nothing; the floors are options to lower.
public enum SearchChooser {
    /// Speeds measured on a shared machine spread by about this much between runs: a
    /// candidate within the margin is kept over the smallest only when it compresses or
    /// restores this much faster, and is not this much slower at the other.
    public static let speedNoise = 0.10

    /// Whether `a` is faster than `b` by more than `speedNoise` in one direction and not
    /// slower by more than it in the other.
    static func fasterBeyondNoise(_ a: SearchMeasurement, _ b: SearchMeasurement) -> Bool {
        let c = a.compressMBps / max(b.compressMBps, 1e-9), r = a.restoreMBps / max(b.restoreMBps, 1e-9)
        return max(c, r) >= 1 + speedNoise && min(c, r) >= 1 / (1 + speedNoise)
    }

    public static func choose(_ ms: [SearchMeasurement], floors: SpeedFloors, margin: Double = 0) -> SearchChoice {
        guard !ms.isEmpty else { return SearchChoice(index: nil, meetsFloors: false, reasons: ["no candidate was measured"]) }
        let feasible = ms.indices.filter { ms[$0].meets(floors) }
        func smaller(_ a: Int, _ b: Int) -> Bool {
            ms[a].storedBytes != ms[b].storedBytes ? ms[a].storedBytes < ms[b].storedBytes : a < b
        }
        func faster(_ a: Int, _ b: Int) -> Bool {
            let hx = ms[a].headroom(floors), hy = ms[b].headroom(floors)
            if hx != hy { return hx > hy }
            return ms[a].storedBytes != ms[b].storedBytes ? ms[a].storedBytes < ms[b].storedBytes : a < b
        }
        let smallestOverall = ms.indices.min(by: smaller)!
        if let smallest = feasible.min(by: smaller) {
            let limit = Double(ms[smallest].storedBytes) * (1 + max(0, margin))
            let within = feasible.filter { Double(ms[$0].storedBytes) <= limit }
            let best = within.first { $0 == smallest || Self.fasterBeyondNoise(ms[$0], ms[smallest]) }!
            let m = ms[best]
            let container = m.volumeBytes == m.inputBytes ? "container \(m.containerBytes)"
                : "container \(m.containerBytes) scaled to \(m.scaledContainerBytes) for \(m.volumeBytes) bytes of input"
            var reasons = ["\(m.candidate): the smallest stored size, \(m.storedBytes) bytes (\(container) + model \(m.modelBytes)), "
                           + "of the \(feasible.count) of \(ms.count) candidates meeting \(floors)"]
            if best != smallest {
                reasons[0] = reasons[0].replacingOccurrences(of: "the smallest stored size", with: "the first measured within "
                    + String(format: "%g %%", margin * 100) + " of the smallest stored size")
                let saving = String(format: "%.1f %%", (1 - Double(ms[smallest].storedBytes) / Double(max(m.storedBytes, 1))) * 100)
                reasons.append("\(ms[smallest].candidate) is \(saving) smaller, within the margin: kept the one measured first, "
                               + "faster (compress \(SearchMeasurement.mbps(m.compressMBps)), restore \(SearchMeasurement.mbps(m.restoreMBps)) MB/s "
                               + "against \(SearchMeasurement.mbps(ms[smallest].compressMBps)), \(SearchMeasurement.mbps(ms[smallest].restoreMBps)))")
            } else if let first = within.first, first != best {
                reasons.append("\(ms[first].candidate) is within the margin but not \(Int(speedNoise * 100)) % faster: took the smallest")
            }
            let ties = feasible.filter { $0 > best && ms[$0].storedBytes == m.storedBytes }
            if !ties.isEmpty {
                reasons.append("tied on size with \(ties.map { ms[$0].candidate.description }.joined(separator: "; ")): chose the one measured first")
            }
            if let next = feasible.filter({ $0 != best && $0 != smallest && ms[$0].storedBytes != m.storedBytes }).min(by: smaller) {
                reasons.append("runner-up: \(ms[next].candidate), \(percent(ms[next].storedBytes, m.storedBytes)) larger")
            }
            if smallestOverall != smallest, ms[smallestOverall].storedBytes < ms[smallest].storedBytes {
                let s = ms[smallestOverall]
                let saving = String(format: "%.1f %%", (1 - Double(s.storedBytes) / Double(max(m.storedBytes, 1))) * 100)
                reasons.append("\(s.candidate) is \(saving) smaller but too slow: \(s.shortfalls(floors).joined(separator: ", "))")
            }
            return SearchChoice(index: best, meetsFloors: true, reasons: reasons)
        }
        let fastest = ms.indices.min(by: faster)!
        let m = ms[fastest]
        return SearchChoice(index: fastest, meetsFloors: false, reasons: [
            "no candidate meets \(floors); chose the fastest, \(m.candidate) (compress \(SearchMeasurement.mbps(m.compressMBps)), "
                + "restore \(SearchMeasurement.mbps(m.restoreMBps)) MB/s; \(m.shortfalls(floors).joined(separator: ", "))): "
                + "lower --min-compress-speed / --min-restore-speed, or measure on a quieter machine",
        ])
    }

    /// "12.5 %": how much larger `a` is than `b`.
    static func percent(_ a: Int, _ b: Int) -> String {
        String(format: "%.1f %%", b > 0 ? (Double(a) / Double(b) - 1) * 100 : 0)
    }
}
