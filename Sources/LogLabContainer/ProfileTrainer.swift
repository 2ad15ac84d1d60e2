import Foundation
import LogLabCore
import LogLabCodecs
import LogLabTransforms

/// Builds a profile from training records: learns the transform model, then (for zstd)
/// trains a dictionary on what the codec will see (transformed frames).
public enum ProfileTrainer {
    public struct Options: Sendable {
        public var transforms: TransformSelection
        public var codec: CodecSpec
        public var framing: Framing
        /// Dictionary size in bytes; nil picks by framing (see `defaultDictionarySize`), 0: none.
        public var dictionarySize: Int?
        public var timestampField: String?
        /// Training uses at most this many records (evenly spaced) for the model and dictionary.
        public var maxTrainingRecords: Int
        /// Store the dictionary in a file of this name beside the profile instead of embedding it.
        public var dictionaryFile: String?
        /// Dictionary training algorithm and parameters (`size`, `level` and `threads` are
        /// set here); nil: the trainer's defaults. `loglab export` passes the measured cell's.
        public var dictionaryTraining: DictionaryTrainingOptions?
        /// Train the dictionary on the first this many (sampled) records only (an experiment's
        /// `training_records`); nil: all of them.
        public var dictionaryTrainingRecords: Int?
        /// Containers written with the profile get a shared section by default (`ProfileMetadata.sharedSection`).
        public var sharedSection = false

        public init(transforms: TransformSelection = .all, codec: CodecSpec? = nil, framing: Framing? = nil,
                    dictionarySize: Int? = nil, timestampField: String? = "timestamp",
                    maxTrainingRecords: Int = 200_000, dictionaryFile: String? = nil) {
            self.transforms = transforms
            self.codec = codec ?? ProfileTrainer.defaultCodec
            self.framing = framing ?? ProfileTrainer.defaultFraming
            self.dictionarySize = dictionarySize
            self.timestampField = timestampField
            self.maxTrainingRecords = maxTrainingRecords
            self.dictionaryFile = dictionaryFile
        }
    }

    /// Defaults for batch logs, measured on generated sdk-log (train 50k records, test 200k
    /// records / 178 MB), transforms `all`, one thread, MB per CPU-second on a shared machine:
    ///   block:256  zstd:3  ratio 31.3, compress 149, restore 362, warm one-record lookup 0.5 ms
    ///   block:1024 zstd:3  ratio 37.2, compress 149, restore 323, lookup 2.1 ms
    ///   block:1024 zstd:6  ratio 38.6, compress 142, restore 355, lookup 2.2 ms   ← default
    ///   block:1024 zstd:9  ratio 38.8, compress 133, restore 335, lookup 2.0 ms
    ///   block:4096 zstd:6  ratio 43.5, compress 131, restore 312, lookup 12 ms (over 5 ms)
    /// block:1024 is the largest frame whose one-record lookup stays well under 5 ms; zstd:6
    /// takes most of the ratio zstd:9 gives at less cost.
    public static let defaultFraming = Framing.block(1024)
    public static let defaultCodec = (try? CodecSpec(parsing: "zstd:6")) ?? CodecSpec("zstd")!

    /// A dictionary pays for small frames only: 112 KiB for one record a frame, 64 KiB up
    /// to 64 records, none beyond (a 1000-record frame carries its own history).
    public static func defaultDictionarySize(framing: Framing, codec: CodecSpec) -> Int {
        guard codec.family == .zstd else { return 0 }
        switch framing {
        case .record: return 112_640
        case .block(let n) where n <= 64: return 65_536
        default: return 0
        }
    }

    public static func train(records all: RecordBatch, options: Options,
                             training: ProfileMetadata.Training?, source: [String: String]?) throws -> Profile {
        guard all.count > 0 else { throw ContainerError(.invalidInput, "the training set has no records") }
        let records = sample(all, max: options.maxTrainingRecords)
        let model = FramePipeline.learnModel(from: records, selection: options.transforms)
        let wanted = options.dictionarySize ?? defaultDictionarySize(framing: options.framing, codec: options.codec)
        var dictionary: ZstdDictionary? = nil
        if wanted > 0 {
            guard options.codec.family == .zstd else {
                throw ContainerError(.usage, "--dictionary-size needs a zstd codec, not \(options.codec)")
            }
            var size = wanted
            if options.dictionarySize == nil {
                // Automatic size: at most a tenth of the sample bytes (zstd advises ~100×), else none.
                let sampleBytes = FramePipeline.dictionarySamples(records, model: model, framing: options.framing).totalBytes
                size = min(wanted, sampleBytes / 10 / 256 * 256)
                if size < 1024 { size = 0 }
            }
            if size > 0 {
                var opts = options.dictionaryTraining ?? DictionaryTrainingOptions()
                opts.size = size
                opts.level = options.dictionaryTraining?.level ?? options.codec.level
                opts.threads = min(4, defaultThreadCount())
                do {
                    let dictRecords = options.dictionaryTrainingRecords.map { records.slice(0..<min($0, records.count)) } ?? records
                    dictionary = try FramePipeline.trainDictionary(dictRecords, model: model, framing: options.framing, options: opts).dictionary
                } catch {
                    throw ContainerError(.dictionary, "cannot train a \(ByteSize.format(size)) dictionary on \(records.count) records: \(error)")
                }
            }
        }
        return try Profile.make(codec: options.codec, framing: options.framing, model: model,
                                dictionary: dictionary, dictionaryFile: options.dictionaryFile,
                                timestampField: options.timestampField, training: training, source: source,
                                sharedSection: options.sharedSection)
    }

    /// The field that dates `records` (a dotted path), from up to 1,000 evenly spaced records:
    /// the time module's best candidate when it holds a time in at least half of them, else
    /// nil. The candidates are returned too, for messages.
    public static func detectTimeField(_ records: RecordBatch) -> (field: String?, candidates: [Timestamps.Candidate]) {
        let probe = sample(records, max: 1000)
        let candidates = probe.bytes.withUnsafeBytes { all in
            Timestamps.candidates(in: (0..<probe.count).map { UnsafeRawBufferPointer(rebasing: all[probe.range(of: $0)]) })
        }
        guard let best = candidates.first, best.coverage >= 0.5 else { return (nil, candidates) }
        return (best.path, candidates)
    }

    /// At most `max` records, evenly spaced, in order.
    public static func sample(_ batch: RecordBatch, max: Int) -> RecordBatch {
        guard batch.count > max, max > 0 else { return batch }
        var out = RecordBatch()
        for k in 0..<max { out.append(batch[k * batch.count / max]) }
        return out
    }
}
