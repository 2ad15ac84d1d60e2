import Foundation
import LogLabCodecs
import LogLabCore
import LogLabTransforms

/// Measures one cell in memory, in the manner of lzbench: the side data (dictionary,
/// transform model) is learned first and timed apart; then `warmup` untimed and `trials`
/// timed passes of compression, decompression and restore over every frame of the test
/// records; every restore of every pass is compared byte for byte with the original and a
/// mismatch throws. Contexts (and the digested dictionary) are created once per cell and
/// reused for every frame, as production code would.
///
/// Framing: `record` compresses each record alone; `block:N` each run of N records joined
/// by `\n`; `file` the whole test set as a JSON Lines file (each record plus `\n`).
/// Transforms: with `TransformSelection.none` the codec sees exactly those bytes (plain
/// codec measurement); otherwise a `TransformModel` learned on the train records encodes
/// each frame (`FrameEncoder`) between framing and codec, and restore runs `FrameDecoder`.
public struct CellBenchmark {
    public static func run(config: CellConfig, train: RecordBatch?, test: RecordBatch, trials: Int, warmup: Int) throws -> CellResult {
        try run(config: config, train: train, test: test, trials: trials, warmup: warmup, dictionary: nil)
    }

    /// As above, with a ready dictionary (e.g. `loglab bench --dictionary FILE`) instead of training one.
    public static func run(config: CellConfig, train: RecordBatch?, test: RecordBatch, trials: Int, warmup: Int,
                           dictionary givenDictionary: ZstdDictionary?) throws -> CellResult {
        try config.validate()
        guard trials >= 1 else { throw BenchError("trials must be at least 1") }
        guard warmup >= 0 else { throw BenchError("warm-up passes must not be negative") }
        guard test.count > 0 else { throw BenchError("cell \(config): the test set has no records") }
        if givenDictionary != nil && config.codec.family != .zstd {
            throw BenchError("cell \(config): only zstd uses dictionaries")
        }
        resetPeakMemory()
        var notes: [String] = []
        let learnFrom = (train?.isEmpty == false) ? train! : test
        let learnSource = (train?.isEmpty == false) ? "train" : "test"

        // 1. Side data: transform model, then dictionary (trained on what the codec will see).
        var model: TransformModel? = nil
        var modelBytes = 0
        var modelSeconds: Double? = nil
        if !config.transforms.isNone {
            let t0 = Clock.nanoseconds()
            let m = TransformModel.learn(from: learnFrom, selection: config.transforms)
            modelSeconds = seconds(since: t0)
            modelBytes = m.serialized().count
            model = m
            if learnSource == "test" { notes.append("transform model learned on the test records (no train set): optimistic") }
        }
        var dictionary = givenDictionary
        var dictionarySeconds: Double? = nil
        var dictK: Int? = nil, dictD: Int? = nil
        if dictionary == nil, let size = config.dictionarySize {
            var options = config.dictionaryTraining
            options.size = size
            options.level = config.codec.level
            var samples = learnFrom
            if let model {
                var encoder = FrameEncoder(model: model)
                var encoded = RecordBatch(reservingBytes: learnFrom.totalBytes + learnFrom.count, records: learnFrom.count)
                for i in 0..<learnFrom.count { encoded.append(encoder.encode(learnFrom.slice(i..<(i + 1)))) }
                samples = encoded
            }
            let trained = try DictionaryTrainer.train(samples: samples, options: options)
            dictionary = trained.dictionary
            dictionarySeconds = trained.seconds
            dictK = trained.k
            dictD = trained.d
            notes.append(contentsOf: trained.notes.map { "dictionary: \($0)" })
            if learnSource == "test" { notes.append("dictionary trained on the test records (no train set): optimistic") }
        }
        let dictionaryBytes = dictionary?.bytes.count ?? 0

        // 2. Frames and the bytes the codec sees.
        let ranges = config.framing.frames(count: test.count)
        let inputBytes = test.totalBytes + test.count
        var frameBatches: [RecordBatch] = []
        var source: [UInt8]
        var frameOffsets: [Int]
        if let model {
            frameBatches = ranges.map { test.slice($0) }
            var encoder = FrameEncoder(model: model)
            source = []
            source.reserveCapacity(inputBytes + ranges.count * 8)
            frameOffsets = [0]
            frameOffsets.reserveCapacity(ranges.count + 1)
            for batch in frameBatches {
                source.append(contentsOf: encoder.encode(batch))
                frameOffsets.append(source.count)
            }
        } else {
            switch config.framing {
            case .record:
                source = test.bytes
                frameOffsets = test.offsets
            case .file:
                source = test.joinedLines(finalNewline: true)
                frameOffsets = [0, source.count]
            case .block:
                source = []
                source.reserveCapacity(inputBytes)
                frameOffsets = [0]
                frameOffsets.reserveCapacity(ranges.count + 1)
                for r in ranges {
                    for i in r {
                        if i > r.lowerBound { source.append(0x0A) }
                        source.append(contentsOf: test[i])
                    }
                    frameOffsets.append(source.count)
                }
            }
        }
        let frameCount = frameOffsets.count - 1
        let codecInputBytes = source.count

        // 3. Contexts, created once.
        let compressor = try Compressor(config.codec, dictionary: dictionary)
        let decompressor = try Decompressor(config.codec, dictionary: dictionary)
        var bound = 0
        for i in 0..<frameCount { bound += compressor.maxCompressedSize(frameOffsets[i + 1] - frameOffsets[i]) }
        let packed = UnsafeMutableRawBufferPointer.allocate(byteCount: max(bound, 1), alignment: 64)
        defer { packed.deallocate() }
        let restored = UnsafeMutableRawBufferPointer.allocate(byteCount: max(codecInputBytes, 1), alignment: 64)
        defer { restored.deallocate() }
        var packedOffsets = [Int](repeating: 0, count: frameCount + 1)

        // 4. Compression passes.
        var compressWall: [Double] = [], compressCPU: [Double] = []
        var encoder = model.map { FrameEncoder(model: $0) }
        try source.withUnsafeBytes { src in
            for pass in 0..<(warmup + trials) {
                let w0 = Clock.nanoseconds(), c0 = Clock.threadCPUNanoseconds()
                var pos = 0
                if encoder != nil {
                    for i in 0..<frameCount {
                        let bytes = encoder!.encode(frameBatches[i])
                        pos += try bytes.withUnsafeBytes {
                            try compressor.compress($0, into: UnsafeMutableRawBufferPointer(rebasing: packed[pos...]))
                        }
                        packedOffsets[i + 1] = pos
                    }
                } else {
                    for i in 0..<frameCount {
                        let input = UnsafeRawBufferPointer(rebasing: src[frameOffsets[i]..<frameOffsets[i + 1]])
                        pos += try compressor.compress(input, into: UnsafeMutableRawBufferPointer(rebasing: packed[pos...]))
                        packedOffsets[i + 1] = pos
                    }
                }
                let w1 = Clock.nanoseconds(), c1 = Clock.threadCPUNanoseconds()
                if pass >= warmup {
                    compressWall.append(mbps(inputBytes, w1 - w0))
                    compressCPU.append(mbps(inputBytes, c1 - c0))
                }
            }
        }
        let compressedBytes = packedOffsets[frameCount]

        // 5. Decompression passes (codec only), each verified.
        var decompressWall: [Double] = [], decompressCPU: [Double] = []
        try source.withUnsafeBytes { src in
            for pass in 0..<(warmup + trials) {
                memset(restored.baseAddress!, 0xA5, min(restored.count, 4096))
                let w0 = Clock.nanoseconds(), c0 = Clock.threadCPUNanoseconds()
                for i in 0..<frameCount {
                    let frame = UnsafeRawBufferPointer(rebasing: packed[packedOffsets[i]..<packedOffsets[i + 1]])
                    let target = UnsafeMutableRawBufferPointer(rebasing: restored[frameOffsets[i]..<frameOffsets[i + 1]])
                    let n = try decompressor.decompress(frame, into: target)
                    if n != target.count {
                        throw BenchError("cell \(config): frame \(i) restored \(n) bytes, expected \(target.count)")
                    }
                }
                let w1 = Clock.nanoseconds(), c1 = Clock.threadCPUNanoseconds()
                if codecInputBytes > 0 && memcmp(restored.baseAddress!, src.baseAddress!, codecInputBytes) != 0 {
                    throw BenchError("cell \(config): restored bytes differ from the original (pass \(pass))")
                }
                if pass >= warmup {
                    decompressWall.append(mbps(inputBytes, w1 - w0))
                    decompressCPU.append(mbps(inputBytes, c1 - c0))
                }
            }
        }

        // 6. Restore passes (codec + inverse transforms), each verified record by record.
        var restoreWall = decompressWall, restoreCPU = decompressCPU
        if let model {
            restoreWall = []
            restoreCPU = []
            var decoder = FrameDecoder(model: model)
            var batches = [RecordBatch]()
            batches.reserveCapacity(frameCount)
            for pass in 0..<(warmup + trials) {
                batches.removeAll(keepingCapacity: true)
                let w0 = Clock.nanoseconds(), c0 = Clock.threadCPUNanoseconds()
                for i in 0..<frameCount {
                    let frame = UnsafeRawBufferPointer(rebasing: packed[packedOffsets[i]..<packedOffsets[i + 1]])
                    let bytes = try decompressor.decompress(frame, originalSize: frameOffsets[i + 1] - frameOffsets[i])
                    batches.append(try decoder.decode(bytes, recordCount: frameBatches[i].count))
                }
                let w1 = Clock.nanoseconds(), c1 = Clock.threadCPUNanoseconds()
                for i in 0..<frameCount where batches[i] != frameBatches[i] {
                    throw BenchError("cell \(config): frame \(i) restores different records (pass \(pass))")
                }
                if pass >= warmup {
                    restoreWall.append(mbps(inputBytes, w1 - w0))
                    restoreCPU.append(mbps(inputBytes, c1 - c0))
                }
            }
        }

        // 7. Single-record restore latency: decompress (and decode) the frame holding the record.
        var p50: Double? = nil, p99: Double? = nil
        var latencyCount = 0
        if config.latencySamples > 0 && config.framing != .file {
            let perFrame: Int
            switch config.framing {
            case .record: perFrame = 1
            case .block(let n): perFrame = n
            case .file: perFrame = test.count
            }
            let k = min(config.latencySamples, test.count)
            var decoder = model.map { FrameDecoder(model: $0) }
            var samples: [Double] = []
            samples.reserveCapacity(k)
            let warm = min(k, 16)
            for s in 0..<(k + warm) {
                let r = (s % k) * test.count / k
                let f = r / perFrame
                let t0 = Clock.nanoseconds()
                let frame = UnsafeRawBufferPointer(rebasing: packed[packedOffsets[f]..<packedOffsets[f + 1]])
                let bytes = try decompressor.decompress(frame, originalSize: frameOffsets[f + 1] - frameOffsets[f])
                let record: ArraySlice<UInt8>
                if decoder != nil {
                    let batch = try decoder!.decode(bytes, recordCount: ranges[f].count)
                    record = batch[r - ranges[f].lowerBound]
                } else {
                    record = nthLine(bytes, r - ranges[f].lowerBound)
                }
                let t1 = Clock.nanoseconds()
                guard record.elementsEqual(test[r]) else {
                    throw BenchError("cell \(config): single-record restore of record \(r) differs from the original")
                }
                if s >= warm { samples.append(Double(t1 - t0) / 1000) }
            }
            samples.sort()
            p50 = Summary.percentile(samples, 50)
            p99 = Summary.percentile(samples, 99)
            latencyCount = samples.count
        }

        let sideData = config.countSideData ? dictionaryBytes + modelBytes : 0
        let stored = compressedBytes + sideData
        let training = (dictionarySeconds ?? 0) + (modelSeconds ?? 0)
        return CellResult(
            formatVersion: CellResult.currentFormatVersion, config: config, label: config.description,
            records: test.count, frames: frameCount, inputBytes: inputBytes, codecInputBytes: codecInputBytes,
            compressedBytes: compressedBytes, dictionaryBytes: dictionaryBytes, modelBytes: modelBytes,
            sideDataCounted: config.countSideData, storedBytes: stored,
            ratio: stored > 0 ? Double(inputBytes) / Double(stored) : 0,
            bytesPerRecord: Double(stored) / Double(test.count),
            compressMBps: Summary(compressWall), compressCPUMBps: Summary(compressCPU),
            decompressMBps: Summary(decompressWall), decompressCPUMBps: Summary(decompressCPU),
            restoreMBps: Summary(restoreWall), restoreCPUMBps: Summary(restoreCPU),
            restoreLatencyP50Microseconds: p50, restoreLatencyP99Microseconds: p99, latencySamples: latencyCount,
            peakMemoryBytes: Clock.peakResidentBytes(),
            trainingSeconds: training, dictionaryTrainingSeconds: dictionarySeconds, modelLearningSeconds: modelSeconds,
            dictionaryID: dictionary?.id, dictionaryK: dictK, dictionaryD: dictD,
            dictionarySource: dictionary == nil ? nil : (givenDictionary != nil ? "given" : learnSource),
            modelSource: model == nil ? nil : learnSource,
            trials: trials, warmup: warmup, verified: true, notes: notes)
    }

    private static func seconds(since t0: UInt64) -> Double { Double(Clock.nanoseconds() - t0) / 1e9 }

    private static func mbps(_ bytes: Int, _ ns: UInt64) -> Double {
        Double(bytes) / 1e6 / (Double(max(ns, 1)) / 1e9)
    }

    /// Line `n` (0-based) of `\n`-joined bytes.
    private static func nthLine(_ bytes: [UInt8], _ n: Int) -> ArraySlice<UInt8> {
        var start = 0
        var line = 0
        var i = 0
        while i < bytes.count {
            if bytes[i] == 0x0A {
                if line == n { return bytes[start..<i] }
                line += 1
                start = i + 1
            }
            i += 1
        }
        return line == n ? bytes[start..<bytes.count] : []
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
