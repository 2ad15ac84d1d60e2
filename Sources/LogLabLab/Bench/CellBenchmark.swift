import Foundation
import LogLabCodecs
import LogLabContainer
import LogLabCore
import LogLabTransforms

/// Measures one cell in memory, in the manner of lzbench, on exactly the code path
/// `loglab compress` and `loglab restore` run: the side data (transform model, dictionary)
/// is learned first through `FramePipeline` and timed apart, frozen into an in-memory
/// `Profile`, then `warmup` untimed and `trials` timed passes build the whole container
/// (frame grouping, transforms with their verification, codec, segments, index, trailer:
/// `FramePipeline.build`, one thread), decompress every frame (codec only) and restore the
/// container through `ContainerReader`; every pass is compared byte for byte with the
/// original and a mismatch throws. Contexts are created once per cell and reused.
///
/// Framing: `record` one record a frame; `block:N` N records; `file` the whole test set
/// (frames of at most 64 MiB, as the writer closes them). The container's bytes are the
/// cell's `containerBytes`; `storedBytes` adds the dictionary and the model at the size the
/// profile stores them.
public struct CellBenchmark {
    public static func run(config: CellConfig, train: RecordBatch?, test: RecordBatch, trials: Int, warmup: Int) throws -> CellResult {
        try run(config: config, train: train, test: test, trials: trials, warmup: warmup, dictionary: nil)
    }

    /// As above, with a ready dictionary (e.g. `loglab bench --dictionary FILE`) instead of training one.
    /// With `model`, that transform model (learned on `train` for `config.transforms`) is used
    /// instead of learning it again (the profile search measures many cells of one model).
    public static func run(config: CellConfig, train: RecordBatch?, test: RecordBatch, trials: Int, warmup: Int,
                           dictionary givenDictionary: ZstdDictionary?, model givenModel: TransformModel? = nil) throws -> CellResult {
        try validate(config, test: test, trials: trials, warmup: warmup, dictionary: givenDictionary)
        resetPeakMemory()
        let side = try learnSideData(config, train: train, test: test, given: givenDictionary, model: givenModel)
        let setup = try makeProfile(config, side)
        let frames = FrameGrouping.frames(of: test, perFrame: setup.profile.recordsPerFrame)
        let compression = try timeCompression(config, setup, test: test, frames: frames, trials: trials, warmup: warmup)
        let decompression = try timeDecompression(config, setup, compression, trials: trials, warmup: warmup)
        let restore = try timeRestore(config, setup, compression.built, test: test, trials: trials, warmup: warmup)
        let messages = config.framing == .record ? try messageBytes(setup, test: test) : nil
        return result(config, side: side, setup: setup, test: test, compression: compression,
                      decompression: decompression, restore: restore, messages: messages, trials: trials, warmup: warmup)
    }

    // MARK: phases

    static func validate(_ config: CellConfig, test: RecordBatch, trials: Int, warmup: Int, dictionary: ZstdDictionary?) throws {
        try config.validate()
        guard trials >= 1 else { throw BenchError("trials must be at least 1") }
        guard warmup >= 0 else { throw BenchError("warm-up passes must not be negative") }
        guard test.count > 0 else { throw BenchError("cell \(config): the test set has no records") }
        if dictionary != nil && config.codec.family != .zstd {
            throw BenchError("cell \(config): only zstd uses dictionaries")
        }
    }

    /// What the profile ships besides the data.
    struct SideData {
        var model: TransformModel
        var modelSeconds: Double?
        var dictionary: ZstdDictionary?
        var dictionarySeconds: Double?
        var dictK: Int?, dictD: Int?
        var given: Bool
        var source: String
        var notes: [String]
    }

    /// Phase 1: the transform model, then the dictionary trained on what the codec will see.
    static func learnSideData(_ config: CellConfig, train: RecordBatch?, test: RecordBatch, given: ZstdDictionary?,
                              model givenModel: TransformModel? = nil) throws -> SideData {
        let learnFrom = (train?.isEmpty == false) ? train! : test
        let source = (train?.isEmpty == false) ? "train" : "test"
        var side = SideData(model: FramePipeline.learnModel(from: RecordBatch(), selection: .none), dictionary: given,
                            given: given != nil, source: source, notes: [])
        if let givenModel, !config.transforms.isNone {
            side.model = givenModel
        } else if !config.transforms.isNone {
            let t0 = Clock.nanoseconds()
            side.model = FramePipeline.learnModel(from: learnFrom, selection: config.transforms)
            side.modelSeconds = seconds(since: t0)
            if source == "test" { side.notes.append("transform model learned on the test records (no train set): optimistic") }
        }
        if given == nil, let size = config.dictionarySize {
            var options = config.dictionaryTraining
            options.size = size
            options.level = config.codec.level
            let trained = try FramePipeline.trainDictionary(learnFrom, model: side.model, framing: config.framing, options: options)
            side.dictionary = trained.dictionary
            side.dictionarySeconds = trained.seconds
            side.dictK = trained.k
            side.dictD = trained.d
            side.notes.append(contentsOf: trained.notes.map { "dictionary: \($0)" })
            if source == "test" { side.notes.append("dictionary trained on the test records (no train set): optimistic") }
        }
        return side
    }

    struct Setup {
        var profile: Profile
        var codec: ProfileCodec
        var coder: ProfileFrameCoder
    }

    /// Phase 2: the side data frozen into a profile, as `loglab export` would write it.
    static func makeProfile(_ config: CellConfig, _ side: SideData) throws -> Setup {
        let profile: Profile
        do {
            profile = try Profile.make(codec: config.codec, framing: config.framing, model: side.model, dictionary: side.dictionary,
                                       timestampField: config.timestampField, training: nil, source: nil)
        } catch { throw BenchError("cell \(config): \(error)") }
        let codec = ProfileCodec(profile: profile)
        return Setup(profile: profile, codec: codec, coder: ProfileFrameCoder(profile: profile))
    }

    struct Compression {
        var built: FramePipeline.Built
        var wall: [Double], cpu: [Double]
        /// The codec the container was written with (the profile's, or it sharing the
        /// container's shared section).
        var codec: any FrameCodec
        /// CPU seconds each timed pass spent learning the shared section (empty without one).
        var learnCPU: [Double] = []
    }

    /// Phase 3: the whole container, built `warmup + trials` times; every pass gives the same bytes.
    static func timeCompression(_ config: CellConfig, _ setup: Setup, test: RecordBatch, frames: [Range<Int>],
                                trials: Int, warmup: Int) throws -> Compression {
        let inputBytes = test.totalBytes + test.count
        var wall: [Double] = [], cpu: [Double] = []
        var first: FramePipeline.Built? = nil
        var used: any FrameCodec = setup.codec
        var learnCPU: [Double] = []
        for pass in 0..<(warmup + trials) {
            let w0 = Clock.nanoseconds(), c0 = Clock.threadCPUNanoseconds()
            // A shared section is learned as the writer learns it, inside the timed pass.
            var codec: any FrameCodec = setup.codec
            var coder: any FrameCoder = setup.coder
            if config.sharedSection {
                codec = try FramePipeline.sharedCodec(setup.codec, records: test, perFrame: setup.profile.recordsPerFrame)
                coder = try codec.makeCoder()
                if pass >= warmup { learnCPU.append(Double(Clock.threadCPUNanoseconds() - c0) / 1e9) }
            }
            let built = try FramePipeline.build(test, frames: frames, codec: codec, coder: coder,
                                                verifyTransforms: true, keepFrames: pass == 0)
            let w1 = Clock.nanoseconds(), c1 = Clock.threadCPUNanoseconds()
            if let first {
                guard built.bytes == first.bytes else { throw BenchError("cell \(config): pass \(pass) wrote different bytes") }
            } else {
                first = built
                used = codec
            }
            if pass >= warmup {
                wall.append(mbps(inputBytes, w1 - w0))
                cpu.append(mbps(inputBytes, c1 - c0))
            }
        }
        return Compression(built: first!, wall: wall, cpu: cpu, codec: used, learnCPU: learnCPU)
    }

    /// Phase 4: the codec alone, every frame's stored bytes back to its payload, checked.
    static func timeDecompression(_ config: CellConfig, _ setup: Setup, _ compression: Compression,
                                  trials: Int, warmup: Int) throws -> (wall: [Double], cpu: [Double]) {
        let built = compression.built
        let inputBytes = Int(built.summary.originalBytes) + (built.summary.records > 0 ? 1 : 0)
        let compressed = built.frames.filter { $0.header.flags.contains(.compressed) }
        let dictionary = (compression.codec as? ProfileCodec)?.shared?.dictionary ?? setup.profile.dictionary
        let decompressor = try Decompressor(config.codec, dictionary: dictionary)
        var wall: [Double] = [], cpu: [Double] = []
        var sizes = [Int](repeating: 0, count: compressed.count)
        for pass in 0..<(warmup + trials) {
            let w0 = Clock.nanoseconds(), c0 = Clock.threadCPUNanoseconds()
            for (i, f) in compressed.enumerated() {
                sizes[i] = try f.payload { try decompressor.decompress($0, originalSize: $1) }.count
            }
            let w1 = Clock.nanoseconds(), c1 = Clock.threadCPUNanoseconds()
            for (i, f) in compressed.enumerated() where sizes[i] != Int(f.header.payloadSize) {
                throw BenchError("cell \(config): frame \(i) decompressed to \(sizes[i]) bytes, expected \(f.header.payloadSize) (pass \(pass))")
            }
            if pass >= warmup {
                wall.append(mbps(inputBytes, w1 - w0))
                cpu.append(mbps(inputBytes, c1 - c0))
            }
        }
        return (wall, cpu)
    }

    struct Restore {
        var wall: [Double], cpu: [Double]
        var p50: Double?, p99: Double?
        var latencyCount: Int
    }

    /// Phase 5: the container written to a file and restored through `ContainerReader` (one
    /// thread), compared with the original; then single-record lookups through the index.
    static func timeRestore(_ config: CellConfig, _ setup: Setup, _ built: FramePipeline.Built, test: RecordBatch,
                            trials: Int, warmup: Int) throws -> Restore {
        let path = NSTemporaryDirectory() + "loglab-cell-\(getpid())-\(UInt64.random(in: 0...UInt64.max)).llc"
        try Files.writeAtomically(built.bytes, to: path)
        defer { unlink(path) }
        let reader = try ContainerReader(path: path, codec: setup.codec)
        let expected = test.joinedLines(finalNewline: true)
        let inputBytes = expected.count
        var out = [UInt8]()
        out.reserveCapacity(inputBytes)
        var wall: [Double] = [], cpu: [Double] = []
        for pass in 0..<(warmup + trials) {
            out.removeAll(keepingCapacity: true)
            let w0 = Clock.nanoseconds(), c0 = Clock.threadCPUNanoseconds()
            // Inline: with more than one segment the reader would decode on a worker thread,
            // and this thread's CPU clock would time only the copying of its output.
            try reader.restoreAll(threads: 1, singleThread: true) { out.append(contentsOf: $0) }
            let w1 = Clock.nanoseconds(), c1 = Clock.threadCPUNanoseconds()
            guard out == expected else { throw BenchError("cell \(config): restored bytes differ from the original (pass \(pass))") }
            if pass >= warmup {
                wall.append(mbps(inputBytes, w1 - w0))
                cpu.append(mbps(inputBytes, c1 - c0))
            }
        }
        var r = Restore(wall: wall, cpu: cpu, p50: nil, p99: nil, latencyCount: 0)
        guard config.latencySamples > 0 && config.framing != .file else { return r }
        let k = min(config.latencySamples, test.count)
        let coder = try reader.makeCoder()
        var samples: [Double] = []
        samples.reserveCapacity(k)
        let warm = min(k, 16)
        for s in 0..<(k + warm) {
            let n = (s % k) * test.count / k
            let t0 = Clock.nanoseconds()
            let record = try reader.record(at: n, coder: coder)
            let t1 = Clock.nanoseconds()
            guard record.elementsEqual(test[n]) else {
                throw BenchError("cell \(config): single-record restore of record \(n) differs from the original")
            }
            if s >= warm { samples.append(Double(t1 - t0) / 1000) }
        }
        samples.sort()
        r.p50 = Summary.percentile(samples, 50)
        r.p99 = Summary.percentile(samples, 99)
        r.latencyCount = samples.count
        return r
    }

    /// Phase 6 (`record` framing): the test records as standalone messages, each checked.
    static func messageBytes(_ setup: Setup, test: RecordBatch) throws -> Int {
        var total = 0
        for i in 0..<test.count {
            let record = Array(test[i])
            let m = try setup.codec.encodeMessage(record)
            guard try setup.codec.decodeMessage(m) == record else { throw BenchError("message of record \(i) does not restore it") }
            total += m.count
        }
        return total
    }

    static func result(_ config: CellConfig, side: SideData, setup: Setup, test: RecordBatch, compression: Compression,
                       decompression: (wall: [Double], cpu: [Double]), restore: Restore, messages: Int?,
                       trials: Int, warmup: Int) -> CellResult {
        let built = compression.built
        let inputBytes = test.totalBytes + test.count
        let dictionaryBytes = setup.profile.dictionaryBytes
        let modelBytes = config.transforms.isNone ? 0 : setup.profile.modelStoredBytes
        let containerBytes = built.bytes.count
        let stored = containerBytes + (config.countSideData ? dictionaryBytes + modelBytes : 0)
        var result = CellResult(
            formatVersion: CellResult.currentFormatVersion, config: config, label: config.description,
            records: test.count, frames: built.summary.frames, inputBytes: inputBytes, codecInputBytes: built.payloadBytes,
            compressedBytes: built.storedBytes, dictionaryBytes: dictionaryBytes, modelBytes: modelBytes,
            sideDataCounted: config.countSideData, storedBytes: stored,
            ratio: stored > 0 ? Double(inputBytes) / Double(stored) : 0,
            bytesPerRecord: Double(stored) / Double(test.count),
            compressMBps: Summary(compression.wall), compressCPUMBps: Summary(compression.cpu),
            decompressMBps: Summary(decompression.wall), decompressCPUMBps: Summary(decompression.cpu),
            restoreMBps: Summary(restore.wall), restoreCPUMBps: Summary(restore.cpu),
            restoreLatencyP50Microseconds: restore.p50, restoreLatencyP99Microseconds: restore.p99, latencySamples: restore.latencyCount,
            peakMemoryBytes: Clock.peakResidentBytes(),
            trainingSeconds: (side.dictionarySeconds ?? 0) + (side.modelSeconds ?? 0),
            dictionaryTrainingSeconds: side.dictionarySeconds, modelLearningSeconds: side.modelSeconds,
            dictionaryID: side.dictionary?.id, dictionaryK: side.dictK, dictionaryD: side.dictD,
            dictionarySource: side.dictionary == nil ? nil : (side.given ? "given" : side.source),
            modelSource: config.transforms.isNone ? nil : side.source,
            trials: trials, warmup: warmup, verified: true, notes: side.notes)
        result.containerBytes = containerBytes
        result.containerOverheadBytes = containerBytes - built.storedBytes
        result.messageBytes = messages
        result.modelRawBytes = config.transforms.isNone ? 0 : side.model.serialized().count
        result.profileID = setup.profile.id.hex
        if !compression.learnCPU.isEmpty { result.sharedSectionLearningCPUSeconds = Summary(compression.learnCPU) }
        if let sh = compression.codec.sharedSection {
            result.sharedSectionBytes = sh.bytes.count
            result.notes.append(sh.summary + " (in the container bytes)")
            if let c = (compression.codec as? ProfileCodec)?.shared?.choice { result.notes.append(c.summary) }
        }
        return result
    }

    private static func seconds(since t0: UInt64) -> Double { Double(Clock.nanoseconds() - t0) / 1e9 }

    private static func mbps(_ bytes: Int, _ ns: UInt64) -> Double {
        Double(bytes) / 1e6 / (Double(max(ns, 1)) / 1e9)
    }

    /// Resets the kernel's peak-RSS counter (VmHWM) so a cell reports its own peak.
    private static func resetPeakMemory() {
        #if os(Linux)
        if let f = fopen("/proc/self/clear_refs", "w") {
            fputs("5", f)
            fclose(f)
        }
        #endif
    }
}
