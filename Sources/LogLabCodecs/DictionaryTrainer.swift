import CZstd
import Foundation
import LogLabCore

/// How to train a zstd dictionary. Defaults match `zstd --train` (fastCOVER, d=8, f=20,
/// accel=1, k searched in 4 steps with a 75 % train / 25 % test split, 112,640 bytes).
public struct DictionaryTrainingOptions: Sendable, Codable, Hashable {
    public enum Algorithm: String, Sendable, Codable, CaseIterable, CustomStringConvertible {
        case fastcover, cover, legacy
        public var description: String { rawValue }
    }

    public static let minimumSize = 256
    public static let maximumSize = 1 << 20
    /// zstd (COVER/fastCOVER) only looks at the first 128 KiB of each sample.
    public static let sampleSizeLimit = 128 << 10

    public var algorithm: Algorithm
    /// Requested dictionary size in bytes (256 B … 1 MiB). The trainer may return less.
    public var size: Int
    /// The zstd level the entropy tables are tuned for (use the level you compress with).
    public var level: Int
    /// Segment size; `nil` searches it (COVER/fastCOVER).
    public var k: Int?
    /// d-mer size (6…16, usually 6 or 8); `nil` searches 6 and 8.
    public var d: Int?
    /// fastCOVER: log2 of the frequency table size (memory 6·2^f bytes).
    public var f: Int
    /// Search steps when k or d is searched.
    public var steps: Int
    /// fastCOVER acceleration 1…10 (higher: faster, less accurate).
    public var accel: Int
    /// Fraction of samples used for training during the search (the rest scores it); 1.0
    /// trains and scores on all samples.
    public var split: Double
    /// legacy: selectivity level.
    public var selectivity: Int
    /// A chosen dictionary id; `nil` derives one from the dictionary content (zstd's
    /// XXH64-based id, always in the non-reserved range 32,768 ..< 2^31).
    public var dictID: UInt32?
    /// Threads for the parameter search (results do not depend on it).
    public var threads: Int

    public init(algorithm: Algorithm = .fastcover, size: Int = 112_640, level: Int = 3, k: Int? = nil,
                d: Int? = 8, f: Int = 20, steps: Int = 4, accel: Int = 1, split: Double = 0.75,
                selectivity: Int = 9, dictID: UInt32? = nil, threads: Int = 1) {
        self.algorithm = algorithm
        self.size = size
        self.level = level
        self.k = k
        self.d = d
        self.f = f
        self.steps = steps
        self.accel = accel
        self.split = split
        self.selectivity = selectivity
        self.dictID = dictID
        self.threads = threads
    }

    /// Checks the parameters (not the samples); throws `CodecError.training`.
    public func validate() throws {
        func fail(_ m: String) -> CodecError { .training(m) }
        guard (Self.minimumSize...Self.maximumSize).contains(size) else {
            throw fail("dictionary size \(size) bytes is out of range: use 256 B ... 1 MiB")
        }
        guard (-7...22).contains(level) else { throw fail("level \(level) is out of range for zstd (-7...22)") }
        if let k, k < 16 || k > 1 << 20 { throw fail("k=\(k) is out of range: use 16...1048576 (typically 50...2000)") }
        if let d, d < 6 || d > 16 { throw fail("d=\(d) is out of range: use 6...16 (typically 6 or 8)") }
        if let k, let d, d > k { throw fail("d=\(d) must not exceed k=\(k)") }
        if algorithm == .fastcover && !(1...31).contains(f) { throw fail("f=\(f) is out of range: use 1...31") }
        guard steps >= 1 else { throw fail("steps must be at least 1") }
        guard (1...10).contains(accel) else { throw fail("accel=\(accel) is out of range: use 1...10") }
        guard split > 0 && split <= 1 else { throw fail("split=\(split) is out of range: use a fraction in (0, 1]") }
        guard (0...32).contains(selectivity) else { throw fail("selectivity=\(selectivity) is out of range: use 0...32") }
        if let dictID, dictID == 0 { throw fail("dictionary id 0 means 'no dictionary id'; omit the id to derive one") }
        guard (1...64).contains(threads) else { throw fail("threads must be 1...64") }
    }
}

/// A trained dictionary and how it was made.
public struct TrainedDictionary: Sendable {
    public let dictionary: ZstdDictionary
    /// Segment and d-mer sizes used (searched or given); 0 for legacy.
    public let k: Int
    public let d: Int
    /// Training wall time.
    public let seconds: Double
    public let algorithm: DictionaryTrainingOptions.Algorithm
    public let requestedSize: Int
    /// The actual size (zstd may return less than requested).
    public var actualSize: Int { dictionary.bytes.count }
    public let sampleCount: Int
    public let sampleBytes: Int
    /// Advice about the sample set (too little data, samples over 128 KiB, ...).
    public let notes: [String]
}

public enum DictionaryTrainer {
    /// zstd refuses fewer samples than this.
    public static let minimumSamples = 5
    /// Samples shorter than this cannot contribute a d-mer.
    public static let minimumUsefulSampleSize = 8

    /// What is wrong or weak in a sample set, before any training: throws for sets zstd
    /// cannot train on, returns notes for sets that are merely weak.
    public static func validate(samples: RecordBatch, options: DictionaryTrainingOptions) throws -> [String] {
        try options.validate()
        var notes: [String] = []
        let total = samples.totalBytes
        guard samples.count > 0, total > 0 else {
            throw CodecError.training("no samples: the training set is empty")
        }
        var useful = 0
        var large = 0
        for i in 0..<samples.count {
            let n = samples.offsets[i + 1] - samples.offsets[i]
            if n >= minimumUsefulSampleSize { useful += 1 }
            if n > DictionaryTrainingOptions.sampleSizeLimit { large += 1 }
        }
        guard useful >= minimumSamples else {
            throw CodecError.training("too few samples: \(useful) of \(samples.count) samples have at least \(minimumUsefulSampleSize) bytes; zstd needs at least \(minimumSamples) (ideally hundreds)")
        }
        guard total >= options.size else {
            throw CodecError.training("the samples total \(total) bytes, less than the requested dictionary size of \(options.size) bytes: give more samples or ask for a smaller dictionary")
        }
        guard total < Int(UInt32.max) - 1, samples.count < Int(UInt32.max) else {
            throw CodecError.training("the samples total \(total) bytes in \(samples.count) samples; zstd trains on less than 4 GiB: sample the training set")
        }
        if total < options.size * 100 {
            notes.append("the samples total \(ByteSize.format(total)), less than the ~100× dictionary size zstd advises (\(ByteSize.format(options.size * 100))); the dictionary may be weak")
        }
        if samples.count < 100 {
            notes.append("only \(samples.count) samples; zstd advises more than 100")
        }
        if useful < samples.count {
            notes.append("\(samples.count - useful) samples shorter than \(minimumUsefulSampleSize) bytes contribute nothing")
        }
        if let id = options.dictID, id < 32_768 || id >= 1 << 31 {
            notes.append("dictionary id \(id) is in a range zstd reserves for registries (ids < 32768 or >= 2^31)")
        }
        if large > 0 && options.algorithm != .legacy {
            notes.append("\(large) samples are larger than 128 KiB; COVER/fastCOVER use only the first 128 KiB of each")
        }
        return notes
    }

    /// Trains a dictionary on `samples` (each record is one sample). Deterministic: the
    /// same samples and options give the same bytes.
    public static func train(samples: RecordBatch, options: DictionaryTrainingOptions = .init()) throws -> TrainedDictionary {
        var notes = try validate(samples: samples, options: options)
        var options = options
        let searching = options.k == nil || options.d == nil
        if searching && options.algorithm != .legacy && Double(samples.count) * options.split < Double(minimumSamples) {
            notes.append("split \(options.split) leaves fewer than \(minimumSamples) training samples; training and scoring on all samples instead")
            options.split = 1.0
        }
        var sizes = [Int](repeating: 0, count: samples.count)
        for i in 0..<samples.count { sizes[i] = samples.offsets[i + 1] - samples.offsets[i] }
        let zParams = ZDICT_params_t(compressionLevel: Int32(options.level), notificationLevel: 0,
                                     dictID: options.dictID ?? 0)
        var dict = [UInt8](repeating: 0, count: options.size)
        var chosenK = options.k ?? 0
        var chosenD = options.d ?? 0
        let start = Clock.nanoseconds()
        let result: Int = samples.bytes.withUnsafeBytes { src in
            sizes.withUnsafeBufferPointer { sizesBuf in
                dict.withUnsafeMutableBytes { out in
                    let n = UInt32(samples.count)
                    switch options.algorithm {
                    case .fastcover:
                        var p = ZDICT_fastCover_params_t()
                        p.k = UInt32(options.k ?? 0)
                        p.d = UInt32(options.d ?? 0)
                        p.f = UInt32(options.f)
                        p.steps = UInt32(options.steps)
                        p.nbThreads = UInt32(options.threads)
                        p.splitPoint = options.split
                        p.accel = UInt32(options.accel)
                        p.zParams = zParams
                        let r: Int
                        if searching {
                            r = ZDICT_optimizeTrainFromBuffer_fastCover(out.baseAddress, out.count, src.baseAddress,
                                                                         sizesBuf.baseAddress, n, &p)
                        } else {
                            r = ZDICT_trainFromBuffer_fastCover(out.baseAddress, out.count, src.baseAddress,
                                                                 sizesBuf.baseAddress, n, p)
                        }
                        chosenK = Int(p.k)
                        chosenD = Int(p.d)
                        return r
                    case .cover:
                        var p = ZDICT_cover_params_t()
                        p.k = UInt32(options.k ?? 0)
                        p.d = UInt32(options.d ?? 0)
                        p.steps = UInt32(options.steps)
                        p.nbThreads = UInt32(options.threads)
                        p.splitPoint = options.split
                        p.zParams = zParams
                        let r: Int
                        if searching {
                            r = ZDICT_optimizeTrainFromBuffer_cover(out.baseAddress, out.count, src.baseAddress,
                                                                     sizesBuf.baseAddress, n, &p)
                        } else {
                            r = ZDICT_trainFromBuffer_cover(out.baseAddress, out.count, src.baseAddress,
                                                             sizesBuf.baseAddress, n, p)
                        }
                        chosenK = Int(p.k)
                        chosenD = Int(p.d)
                        return r
                    case .legacy:
                        var p = ZDICT_legacy_params_t()
                        p.selectivityLevel = UInt32(options.selectivity)
                        p.zParams = zParams
                        chosenK = 0
                        chosenD = 0
                        return ZDICT_trainFromBuffer_legacy(out.baseAddress, out.count, src.baseAddress,
                                                            sizesBuf.baseAddress, n, p)
                    }
                }
            }
        }
        let seconds = Double(Clock.nanoseconds() - start) / 1e9
        if ZDICT_isError(result) != 0 {
            let name = String(cString: ZDICT_getErrorName(result))
            throw CodecError.training("zstd \(options.algorithm) training failed: \(name) (\(samples.count) samples, \(samples.totalBytes) bytes; try more or larger samples, or a smaller size)")
        }
        dict.removeSubrange(result...)
        if result < options.size {
            notes.append("zstd returned \(result) bytes, less than the \(options.size) requested")
        }
        let dictionary = try ZstdDictionary(bytes: dict)
        return TrainedDictionary(dictionary: dictionary, k: chosenK, d: chosenD, seconds: seconds,
                                 algorithm: options.algorithm, requestedSize: options.size,
                                 sampleCount: samples.count, sampleBytes: samples.totalBytes, notes: notes)
    }
}
