import Foundation
import LogLabCodecs
import LogLabContainer
import LogLabCore
import LogLabDatasets
import LogLabTransforms

/// Research prototype (not a format): what a per-container *shared section* would buy small
/// frames. Today every frame starts from the profile's model alone, so values the model does
/// not know (this hour's users, nicknames) are spelled out again in every frame. Each design
/// below adds one section per container that every frame may reference, and is measured as
/// stored bytes (frames + the section, zstd-compressed as it would be stored) and one-record
/// restore latency through it. Nothing here is read back from disk: the container format owns
/// that; this is what the measurements behind its design come from.
///
/// Designs:
/// - `frames`: frames alone (today's block framing), the reference.
/// - `file`: the whole test set as one frame, the ratio small frames try to approach.
/// - `trained`: a zstd dictionary trained (fastCOVER) on the transformed payloads of the
///   container's first frames, used by every frame.
/// - `prefix`: the last bytes of those first frames' payloads as a raw-content dictionary
///   (no training: the writer keeps what it already wrote).
/// - `vocabulary`: the string values the profile never saw (not among the training records'
///   values) that recur in two or more frames of the container, most frequent last, as a
///   raw-content dictionary the frames' codec references.
/// - `vocabulary+prefix`: both, the vocabulary first.
/// - `container-model`: the per-container vocabulary as the transforms see it: a model learned
///   on the container's own records first (then the training records; the learner samples the
///   first 30,000), so values the profile never
///   saw but the container repeats (this hour's users, their nicknames and registration dates,
///   apps the profile missed) become references instead of text in every frame. The section is
///   that model (zstd-compressed); a format would store only what it adds to the profile's
///   model, estimated as the growth of its compressed size (`growth` columns).
/// - `container-model@first`: the same, learned from the container's first frames only (what a
///   writer that cannot hold the whole container could do).
/// - `container-model+prefix`, `container-model+trained`: the container model and a prefix
///   or trained dictionary of its payloads.
/// - `format`: what became container format 2.1: the container `loglab compress
///   --shared-section` writes (every byte: header, section, frame headers, seals, index,
///   trailer; no time index), one record restored through `ContainerReader`.
public enum SharedSectionStudy {
    public struct Options: Sendable {
        public var codec: CodecSpec
        public var transforms: TransformSelection
        public var frameRecords: Int
        /// Frames whose payloads train (or make) the container dictionary.
        public var firstFrames: Int
        public var dictionarySize: Int
        /// How the section is stored in the container.
        public var sectionCodec: CodecSpec
        public var latencySamples: Int
        /// Designs to measure (nil: all); `file` and `frames` always run.
        public var designs: Set<String>?

        public init(codec: CodecSpec, transforms: TransformSelection, frameRecords: Int = 1024, firstFrames: Int = 8,
                    dictionarySize: Int = 112 << 10, sectionCodec: CodecSpec, latencySamples: Int = 400) {
            self.codec = codec
            self.transforms = transforms
            self.frameRecords = frameRecords
            self.firstFrames = firstFrames
            self.dictionarySize = dictionarySize
            self.sectionCodec = sectionCodec
            self.latencySamples = latencySamples
        }

        func wants(_ design: String) -> Bool { designs?.contains(design) ?? true }
    }

    public struct Row: Sendable, Codable {
        public var design: String
        public var frames: Int
        public var inputBytes: Int
        public var frameBytes: Int
        /// The shared section as stored (compressed); 0 without one.
        public var sectionBytes: Int
        public var sectionRawBytes: Int
        public var ratio: Double { Double(inputBytes) / Double(max(1, frameBytes + sectionBytes)) }
        /// For container models: the compressed model's growth over the profile's compressed model.
        public var sectionGrowthBytes: Int?
        public var ratioGrowthOnly: Double? {
            sectionGrowthBytes.map { Double(inputBytes) / Double(max(1, frameBytes + $0)) }
        }
        /// One record restored through the index (frame decompressed and decoded), the section
        /// already loaded: median and 99th percentile in microseconds.
        public var recordP50Micros: Double?
        public var recordP99Micros: Double?
        /// The same, in this thread's CPU time (steadier than wall time on a busy machine).
        public var recordCPUP50Micros: Double?
        /// Loading the section once per container open (decompress + digest), microseconds.
        public var sectionOpenMicros: Double?
        /// Time to build the section (training, vocabulary), seconds.
        public var buildSeconds: Double
        public var notes: String
    }

    public static func run(train: RecordBatch, test: RecordBatch, options o: Options) throws -> [Row] {
        guard !test.isEmpty else { throw BenchError("the test set has no records") }
        guard o.codec.family == .zstd else { throw BenchError("shared sections are zstd dictionaries: use a zstd codec") }
        let model = TransformModel.learn(from: train.isEmpty ? test : train, selection: o.transforms)
        let ranges = Framing.block(o.frameRecords).frames(count: test.count)
        let batches = ranges.map { test.slice($0) }
        var encoder = FrameEncoder(model: model)
        let basePayloads = batches.map { encoder.encode($0) }
        let inputBytes = test.totalBytes + test.count
        var rows: [Row] = []

        // File framing: the ratio to approach.
        let whole = encoder.encode(test)
        let wholeCompressed = try Compressor(o.codec).compress(whole)
        rows.append(Row(design: "file", frames: 1, inputBytes: inputBytes, frameBytes: wholeCompressed.count, sectionBytes: 0,
                        sectionRawBytes: 0, recordP50Micros: nil, recordP99Micros: nil, sectionOpenMicros: nil, buildSeconds: 0,
                        notes: "whole test set as one frame"))

        let profileModelStored = try Compressor(o.sectionCodec).compress(model.serialized()).count

        func measure(_ design: String, section raw: [UInt8]?, buildSeconds: Double, notes: String,
                     containerModel: TransformModel? = nil, payloads: [[UInt8]]? = nil) throws {
            let payloads = payloads ?? basePayloads
            let model = containerModel ?? model
            let dictionary = try raw.map { try ZstdDictionary(bytes: $0) }
            let compressor = try Compressor(o.codec, dictionary: dictionary)
            let decompressor = try Decompressor(o.codec, dictionary: dictionary)
            let frames = try payloads.map { try compressor.compress($0) }
            // Every frame restores alone and exactly.
            var decoder = FrameDecoder(model: model)
            for (i, f) in frames.enumerated() {
                let bytes = try decompressor.decompress(f, originalSize: payloads[i].count)
                guard try decoder.decode(bytes, recordCount: batches[i].count) == batches[i] else {
                    throw BenchError("\(design): frame \(i) does not restore exactly")
                }
            }
            var stored: [UInt8] = []
            var storedModel: [UInt8] = []
            let modelBytes = containerModel?.serialized() ?? []
            var openMicros: Double? = nil
            if raw != nil || containerModel != nil {
                if let raw { stored = try Compressor(o.sectionCodec).compress(raw) }
                if containerModel != nil { storedModel = try Compressor(o.sectionCodec).compress(modelBytes) }
                var opens: [Double] = []
                for _ in 0..<7 {
                    let t0 = Clock.nanoseconds()
                    if let raw {
                        let back = try Decompressor(o.sectionCodec).decompress(stored, originalSize: raw.count)
                        let d = try ZstdDictionary(bytes: back)
                        _ = try Decompressor(o.codec, dictionary: d)
                        guard back == raw else { throw BenchError("\(design): the section does not restore exactly") }
                    }
                    if containerModel != nil {
                        let back = try Decompressor(o.sectionCodec).decompress(storedModel, originalSize: modelBytes.count)
                        _ = try TransformModel(serialized: back)
                    }
                    opens.append(Double(Clock.nanoseconds() - t0) / 1000)
                }
                opens.sort()
                openMicros = opens[opens.count / 2]
            }
            // One record through the index: decompress and decode the frame that holds it.
            let k = min(o.latencySamples, test.count)
            var samples: [Double] = [], cpu: [Double] = []
            for s in 0..<(k + 16) {
                let r = (s % k) * test.count / k
                let f = r / o.frameRecords
                let c0 = Clock.threadCPUNanoseconds()
                let t0 = Clock.nanoseconds()
                let bytes = try decompressor.decompress(frames[f], originalSize: payloads[f].count)
                let batch = try decoder.decode(bytes, recordCount: batches[f].count)
                let record = batch[r - ranges[f].lowerBound]
                let t1 = Clock.nanoseconds()
                let c1 = Clock.threadCPUNanoseconds()
                guard record.elementsEqual(test[r]) else { throw BenchError("\(design): record \(r) does not restore exactly") }
                if s >= 16 {
                    samples.append(Double(t1 - t0) / 1000)
                    cpu.append(Double(c1 - c0) / 1000)
                }
            }
            samples.sort()
            cpu.sort()
            var row = Row(design: design, frames: frames.count, inputBytes: inputBytes, frameBytes: frames.reduce(0) { $0 + $1.count },
                          sectionBytes: stored.count + storedModel.count, sectionRawBytes: (raw?.count ?? 0) + modelBytes.count,
                          recordP50Micros: Summary.percentile(samples, 50), recordP99Micros: Summary.percentile(samples, 99),
                          sectionOpenMicros: openMicros, buildSeconds: buildSeconds, notes: notes)
            row.recordCPUP50Micros = Summary.percentile(cpu, 50)
            if containerModel != nil { row.sectionGrowthBytes = stored.count + max(0, storedModel.count - profileModelStored) }
            rows.append(row)
        }

        try measure("frames", section: nil, buildSeconds: 0, notes: "block:\(o.frameRecords), no shared section")

        let first = min(o.firstFrames, basePayloads.count)
        var head: [UInt8] = []
        for p in basePayloads.prefix(first) { head += p }

        // (a) A dictionary trained on the first frames' payloads, cut into 2 KiB samples.
        if o.wants("trained") {
            do {
                let t0 = Clock.nanoseconds()
                var samples = RecordBatch()
                var at = 0
                while at < head.count {
                    samples.append(head[at..<min(head.count, at + 2048)])
                    at += 2048
                }
                let topts = DictionaryTrainingOptions(algorithm: .fastcover, size: o.dictionarySize, level: o.codec.level)
                let trained = try DictionaryTrainer.train(samples: samples, options: topts)
                try measure("trained", section: trained.dictionary.bytes, buildSeconds: Double(Clock.nanoseconds() - t0) / 1e9,
                            notes: "fastcover \(ByteSize.format(trained.actualSize)) on the first \(first) frames' payloads")
            } catch let e as CodecError {
                rows.append(Row(design: "trained", frames: 0, inputBytes: inputBytes, frameBytes: 0, sectionBytes: 0, sectionRawBytes: 0,
                                recordP50Micros: nil, recordP99Micros: nil, sectionOpenMicros: nil, buildSeconds: 0, notes: "not trained: \(e)"))
            }
        }

        // (a') The tail of the first frames' payloads, as they are.
        let prefix = Array(head.suffix(o.dictionarySize))
        if o.wants("prefix") {
            try measure("prefix", section: prefix, buildSeconds: 0,
                        notes: "last \(ByteSize.format(prefix.count)) of the first \(first) frames' payloads, raw content")
        }

        // (b) Values unseen by the profile that recur across frames (raw JSON spelling).
        if o.wants("vocabulary") || o.wants("vocabulary+prefix") {
            let t0 = Clock.nanoseconds()
            let vocabulary = unseenVocabulary(train: train, batches: batches)
            let vocabSeconds = Double(Clock.nanoseconds() - t0) / 1e9
            if vocabulary.values > 0 && o.wants("vocabulary") {
                try measure("vocabulary", section: vocabulary.bytes, buildSeconds: vocabSeconds,
                            notes: "\(vocabulary.values) unseen values in ≥ 2 frames (of \(vocabulary.unseen) unseen)")
            }
            if vocabulary.values > 0 && o.wants("vocabulary+prefix") {
                var both = vocabulary.bytes + prefix
                if both.count > 1 << 20 { both = Array(both.suffix(1 << 20)) }
                try measure("vocabulary+prefix", section: both, buildSeconds: vocabSeconds,
                            notes: "vocabulary, then the prefix (at most 1 MiB in all)")
            }
        }

        // (b, as the transforms see it) Models learned on the training records and the container's.
        for (design, records) in [("container-model", test), ("container-model@first", test.slice(0..<min(test.count, first * o.frameRecords)))]
            where o.wants(design) || (design == "container-model" && (o.wants("container-model+prefix") || o.wants("container-model+trained"))) {
            let t1 = Clock.nanoseconds()
            // The learner samples its first 30,000 records: the container's come first.
            var learnFrom = records
            learnFrom.append(contentsOf: train)
            let containerModel = TransformModel.learn(from: learnFrom, selection: o.transforms)
            let seconds = Double(Clock.nanoseconds() - t1) / 1e9
            var enc = FrameEncoder(model: containerModel)
            let p = batches.map { enc.encode($0) }
            if o.wants(design) {
                try measure(design, section: nil, buildSeconds: seconds,
                            notes: "model learned on \(records.count) container records, then the training records", containerModel: containerModel, payloads: p)
            }
            if design == "container-model" && o.wants("container-model+trained") {
                var samples = RecordBatch()
                for x in p.prefix(first) {
                    var at = 0
                    while at < x.count { samples.append(x[at..<min(x.count, at + 2048)]); at += 2048 }
                }
                let t2 = Clock.nanoseconds()
                let trained = try DictionaryTrainer.train(samples: samples, options: DictionaryTrainingOptions(
                    algorithm: .fastcover, size: o.dictionarySize, level: o.codec.level))
                try measure("container-model+trained", section: trained.dictionary.bytes,
                            buildSeconds: seconds + Double(Clock.nanoseconds() - t2) / 1e9,
                            notes: "container model, and fastcover \(ByteSize.format(trained.actualSize)) on its first \(first) frames' payloads",
                            containerModel: containerModel, payloads: p)
            }
            if design == "container-model" && o.wants("container-model+prefix") {
                var h: [UInt8] = []
                for x in p.prefix(first) { h += x }
                try measure("container-model+prefix", section: Array(h.suffix(o.dictionarySize)), buildSeconds: seconds,
                            notes: "container model, and the last \(ByteSize.format(min(h.count, o.dictionarySize))) of its first \(first) frames' payloads",
                            containerModel: containerModel, payloads: p)
            }
        }
        if o.wants("format") { rows.append(try formatRow(model: model, test: test, options: o)) }
        return rows
    }

    /// The `format` design, through the container code itself.
    static func formatRow(model: TransformModel, test: RecordBatch, options o: Options) throws -> Row {
        let t0 = Clock.nanoseconds()
        let profile = try Profile.make(codec: o.codec, framing: .block(o.frameRecords), model: model, dictionary: nil,
                                       timestampField: nil, training: nil, source: nil)
        let base = ProfileCodec(profile: profile)
        let codec = try FramePipeline.sharedCodec(base, records: test, perFrame: profile.recordsPerFrame)
        let built = try FramePipeline.build(test, frames: FrameGrouping.frames(of: test, perFrame: profile.recordsPerFrame),
                                            codec: codec, coder: try codec.makeCoder())
        let buildSeconds = Double(Clock.nanoseconds() - t0) / 1e9
        let path = NSTemporaryDirectory() + "loglab-study-\(getpid())-\(UInt64.random(in: 0...UInt64.max)).llc"
        try Files.writeAtomically(built.bytes, to: path)
        defer { unlink(path) }
        let reader = try ContainerReader(path: path, codec: base)
        guard try reader.restoreAll() == test.joinedLines(finalNewline: true) else {
            throw BenchError("format: the container does not restore exactly")
        }
        let coder = try reader.makeCoder()
        let k = min(o.latencySamples, test.count)
        var samples: [Double] = [], cpu: [Double] = []
        for s in 0..<(k + 16) {
            let r = (s % k) * test.count / k
            let c0 = Clock.threadCPUNanoseconds(), w0 = Clock.nanoseconds()
            let record = try reader.record(at: r, coder: coder)
            let w1 = Clock.nanoseconds(), c1 = Clock.threadCPUNanoseconds()
            guard record.elementsEqual(test[r]) else { throw BenchError("format: record \(r) does not restore exactly") }
            if s >= 16 { samples.append(Double(w1 - w0) / 1000); cpu.append(Double(c1 - c0) / 1000) }
        }
        samples.sort()
        cpu.sort()
        let section = reader.shared
        var notes = "the container loglab compress --shared-section writes (frame bytes: all but the section)"
        if let m = (codec as? ProfileCodec)?.shared?.model {
            let sizes = try SharedSectionContents.modelPartSizes(m, profile: profile)
            notes += "; model part \(sizes.overProfile) B over the profile's model, \(sizes.alone) B alone"
        }
        var row = Row(design: "format", frames: built.summary.frames, inputBytes: test.totalBytes + test.count,
                      frameBytes: built.bytes.count - (section?.bytes.count ?? 0), sectionBytes: section?.bytes.count ?? 0,
                      sectionRawBytes: (section?.model?.rawLength ?? 0) + (section?.dictionary?.rawLength ?? 0),
                      recordP50Micros: Summary.percentile(samples, 50), recordP99Micros: Summary.percentile(samples, 99),
                      sectionOpenMicros: nil, buildSeconds: buildSeconds, notes: notes)
        row.recordCPUP50Micros = Summary.percentile(cpu, 50)
        return row
    }

    /// String leaf values of the container that no training record holds, kept when they appear
    /// in at least two frames, ordered so the most frequent come last (cheapest to reference).
    static func unseenVocabulary(train: RecordBatch, batches: [RecordBatch]) -> (bytes: [UInt8], values: Int, unseen: Int) {
        func strings(_ batch: RecordBatch, _ body: (ArraySlice<UInt8>) -> Void) {
            for i in 0..<batch.count {
                batch.withRecord(i) { raw in
                    let p = raw.bindMemory(to: UInt8.self)
                    _ = JSONScanner.scan(p) { leaf in
                        guard leaf.kind == .string, leaf.value.count >= 6 else { return }
                        body(Array(UnsafeBufferPointer(rebasing: p[leaf.value]))[...])
                    }
                }
            }
        }
        var known = Set<ArraySlice<UInt8>>()
        strings(train) { known.insert($0) }
        var framesOf: [ArraySlice<UInt8>: (frames: Int, last: Int, count: Int)] = [:]
        for (f, b) in batches.enumerated() {
            strings(b) { v in
                guard !known.contains(v) else { return }
                var e = framesOf[v] ?? (0, -1, 0)
                if e.last != f { e.frames += 1; e.last = f }
                e.count += 1
                framesOf[v] = e
            }
        }
        let kept = framesOf.filter { $0.value.frames >= 2 }
            .sorted { a, b in a.value.count != b.value.count ? a.value.count < b.value.count : a.key.lexicographicallyPrecedes(b.key) }
        var out: [UInt8] = []
        for (v, _) in kept { out += v }
        if out.count > 1 << 20 { out = Array(out.suffix(1 << 20)) }   // zstd references at most the window
        return (out, kept.count, framesOf.count)
    }

    /// A Markdown table of the rows.
    public static func table(_ rows: [Row]) -> String {
        var s = "| design | frames | frame bytes | section bytes (raw) | ratio | ratio, growth only | record p50 µs | record p99 µs | record p50 µs CPU | section open µs | build s | notes |\n"
        s += "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- |\n"
        func f(_ v: Double?, _ d: Int = 1) -> String { v.map { String(format: "%.\(d)f", $0) } ?? "—" }
        for r in rows {
            s += "| \(r.design) | \(r.frames) | \(r.frameBytes) | \(r.sectionBytes) (\(r.sectionRawBytes)) | \(f(r.ratio, 2)) | \(f(r.ratioGrowthOnly, 2)) | "
            s += "\(f(r.recordP50Micros, 0)) | \(f(r.recordP99Micros, 0)) | \(f(r.recordCPUP50Micros, 0)) | \(f(r.sectionOpenMicros, 0)) | \(f(r.buildSeconds, 2)) | \(r.notes) |\n"
        }
        return s
    }
}
