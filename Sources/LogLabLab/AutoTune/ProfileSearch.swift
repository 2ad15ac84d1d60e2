import Foundation
import LogLabCodecs
import LogLabContainer
import LogLabCore
import LogLabTransforms

/// The values each dimension of the search may take. A dimension with one value is fixed
/// (an explicit option): the search never varies it.
public struct SearchSpace: Sendable, Equatable {
    public var transforms: [TransformSelection]
    public var framings: [Framing]
    /// In the order they are tried: within a family, by rising level (the pruning relies on it).
    public var codecs: [CodecSpec]
    /// zstd dictionary sizes in bytes; 0: none.
    public var dictionarySizes: [Int]
    /// Shared sections: nil, the search tries one on the chosen candidate (its last stage);
    /// true or false, fixed (not measured).
    public var sharedSection: Bool?

    public init(transforms: [TransformSelection], framings: [Framing], codecs: [CodecSpec], dictionarySizes: [Int],
                sharedSection: Bool? = false) {
        self.transforms = transforms
        self.framings = framings
        self.codecs = codecs
        self.dictionarySizes = dictionarySizes
        self.sharedSection = sharedSection
    }

    /// `loglab profile train` with no options. Whole-file framing is left out (one frame
    /// loses random access and parallel restore); xz is left out (it never restores at
    /// 200 MB/s); pass them explicitly to measure them.
    public static let standard = SearchSpace(
        transforms: [.all, .none],
        framings: [.record, .block(256), .block(1024), .block(4096)],
        codecs: ["zstd:3", "zstd:6", "zstd:9", "zstd:12", "zstd:19", "brotli:5", "brotli:9"].compactMap { try? CodecSpec(parsing: $0) },
        dictionarySizes: [0, 32 * 1024, 64 * 1024, 112_640],
        sharedSection: nil)

    /// This space with the given dimensions fixed to one value each.
    public func fixing(transforms t: TransformSelection? = nil, framing f: Framing? = nil, codec c: CodecSpec? = nil,
                       dictionarySize d: Int? = nil, sharedSection sh: Bool? = nil) -> SearchSpace {
        var s = self
        if let sh { s.sharedSection = sh }
        if let t { s.transforms = [t] }
        if let f { s.framings = [f] }
        if let c {
            s.codecs = [c]
            if c.family != .zstd && d == nil { s.dictionarySizes = [0] }
        }
        if let d { s.dictionarySizes = [d] }
        return s
    }

    public var isFixed: Bool { transforms.count == 1 && framings.count == 1 && codecs.count == 1 && dictionarySizes.count == 1 }

    public var summary: String {
        func list<T>(_ xs: [T], _ f: (T) -> String) -> String { xs.map(f).joined(separator: ", ") }
        return "transforms [\(list(transforms) { "\($0)" })], framings [\(list(framings) { "\($0)" })], "
            + "codecs [\(list(codecs) { "\($0)" })], dictionaries [\(list(dictionarySizes) { $0 > 0 ? ByteSize.format($0) : "none" })], "
            + "shared section \(sharedSection.map { $0 ? "yes" : "no" } ?? "tried last")"
    }
}

/// What the search did: every measurement in the order taken, what it skipped and why,
/// the choice among all measurements, and how long it took.
public struct SearchOutcome: Sendable {
    public var space: SearchSpace
    public var floors: SpeedFloors
    public var measurements: [SearchMeasurement]
    /// The stage each measurement was taken in ("transforms", "framing", …), parallel to `measurements`.
    public var stages: [String]
    /// Candidates not measured, or whose measurement failed, with the reason.
    public var skipped: [(candidate: SearchCandidate, reason: String)]
    public var choice: SearchChoice
    /// Whether the profile's containers get a shared section, and why (nil: not considered).
    public var section: SectionDecision?
    public var seconds: Double

    public var chosen: SearchMeasurement? { choice.index.map { measurements[$0] } }

    /// What the profile fixes: the chosen candidate, with the section decision.
    public var chosenCandidate: SearchCandidate? {
        if let i = section?.index { return measurements[i].candidate }
        guard var c = chosen?.candidate else { return nil }
        c.sharedSection = space.sharedSection ?? false
        return c
    }
}

/// The search's last stage: whether the chosen candidate's containers get a shared section.
///
/// A section's parts pay over a container's many frames (its first records teach it the
/// values that recur in the rest), so the validation split, a few frames, cannot show what
/// they save on the containers they are for; and the writer keeps each part only when it pays
/// on the container's own first records, so a section never costs more than its few framing
/// bytes. What the split can show is what it costs: its stored size, and the time learning it
/// takes. The stage takes the section when the candidate with it meets the floors (its
/// compress speed counting the learning once per container, `BenchMeasurer.containerBytes`)
/// and stores no more than the margin above the candidate without it.
public struct SectionDecision: Sendable, Equatable {
    /// The measurement with a section, when taken.
    public var index: Int?
    public var reason: String
    public var take: Bool { index != nil }

    public static func decide(plain: SearchMeasurement, shared: SearchMeasurement, floors: SpeedFloors, margin: Double) -> (take: Bool, reason: String) {
        let limit = Double(plain.storedBytes) * (1 + max(0, margin))
        let change = SearchChooser.percent(shared.storedBytes, plain.storedBytes)
        if !shared.meets(floors) {
            return (false, "no shared section: with one, \(shared.shortfalls(floors).joined(separator: ", "))")
        }
        if Double(shared.storedBytes) > limit {
            return (false, "no shared section: it stores \(change) more on the validation split")
        }
        return (true, "shared section: meets \(floors) with it, stored size \(shared.storedBytes) against \(plain.storedBytes) without "
                    + "(\(change)); containers that fill its learning window learn one, keeping each part that pays on their first records")
    }
}

/// Coordinate descent over the search space, one dimension at a time from the current
/// defaults (transforms all, block:1024, zstd:6): transforms (a selection that only
/// compresses too slowly also with the fastest level, and one still too slow without
/// `template`), then framing (each framing
/// with its default dictionary), then dictionary size, then codec and level. Each stage
/// keeps the candidate `SearchChooser` picks among what the stage measured. The codec
/// stage climbs each family's levels and stops climbing once compression misses its floor
/// (higher levels are slower still). A candidate is measured once (memoised); a failing
/// measurement (e.g. too few records to train a dictionary) is skipped with its reason.
/// The final choice is `SearchChooser` over every measurement.
public enum ProfileSearch {
    /// The size margin of `profile train` (see `SearchChooser`): leaving the defaults, or a
    /// stage's incumbent, must save more than 1 % of the stored size on the validation split,
    /// unless the incumbent is no faster beyond noise (`SearchChooser.fasterBeyondNoise`).
    public static let profileMargin = 0.01
    /// A candidate missing a floor by less than this fraction is measured again …
    static let remeasureBand = 0.25
    /// … at most this many times.
    static let remeasures = 2

    public static func run(space: SearchSpace, floors: SpeedFloors, margin: Double = 0,
                           measure: (SearchCandidate) throws -> SearchMeasurement,
                           progress: (String) -> Void = { _ in }) -> SearchOutcome {
        let t0 = Clock.nanoseconds()
        var measurements: [SearchMeasurement] = []
        var stages: [String] = []
        var skipped: [(candidate: SearchCandidate, reason: String)] = []
        var done: [SearchCandidate: Int] = [:]
        var failed = Set<SearchCandidate>()

        /// Index of the candidate's measurement, measuring it if new; nil when it failed.
        func visit(_ c: SearchCandidate, stage: String) -> Int? {
            if let i = done[c] { return i }
            if failed.contains(c) { return nil }
            progress("measuring \(c)")
            do {
                var m = try measure(c)
                // Just under a floor: measured again (up to twice), keeping the fastest speeds,
                // as the passes within a measurement are (other work only ever slows a pass).
                // One text-template candidate measured 47 and then 69 MB/s against a 50 floor.
                var again = 0
                while again < remeasures, m.nearlyMeets(floors, within: remeasureBand) {
                    let n = try measure(c)
                    m.compressMBps = max(m.compressMBps, n.compressMBps)
                    m.restoreMBps = max(m.restoreMBps, n.restoreMBps)
                    again += 1
                }
                measurements.append(m)
                stages.append(stage)
                done[c] = measurements.count - 1
                return measurements.count - 1
            } catch {
                failed.insert(c)
                skipped.append((c, "not measurable: \(error)"))
                return nil
            }
        }
        /// Of the stage's measured indices, the chosen one (by the global rule), in the order
        /// measured: the incumbent, measured in an earlier stage, comes first.
        func pick(_ stage: [Int]) -> Int? {
            let idx = Set(stage).sorted()
            let sub = idx.map { measurements[$0] }
            return SearchChooser.choose(sub, floors: floors, margin: margin).index.map { idx[$0] }
        }

        var current = start(space)
        // Stage 1: transforms. A selection that restores fast enough but compresses too slowly
        // with the default codec is tried again with the fastest one: its transforms may still
        // store far less (text templates: 43 % less than none at 47 MB/s against a 50 floor).
        // One that still misses a floor, and templates free text among other transforms, is
        // tried without `template` (the slowest to compress) before the search settles for less.
        func transformsStage(_ t: TransformSelection) -> [Int] {
            let c = withDefaults(current, transforms: t)
            guard let i = visit(c, stage: "transforms") else { return [] }
            var tried = [i]
            let m = measurements[i]
            if m.compressMBps < floors.compressMBps, m.restoreMBps >= floors.restoreMBps,
               let fast = fastestCodec(space, family: c.codec.family), fast != c.codec {
                var f = c
                f.codec = fast
                if let j = visit(f, stage: "transforms") { tried.append(j) }
            }
            let lighter = t.without(.template)
            if space.transforms.count > 1,           // a fixed selection is never varied
               !tried.contains(where: { measurements[$0].meets(floors) }), t.contains(.template), lighter.isFieldAware,
               !space.transforms.contains(lighter), let j = visit(withDefaults(current, transforms: lighter), stage: "transforms") {
                tried.append(j)
            }
            return tried
        }
        if let i = pick(space.transforms.flatMap(transformsStage)) {
            current = measurements[i].candidate
        }
        // Stage 2: framing, each with the dictionary its frames want.
        if let i = pick(space.framings.compactMap { f in
            var c = current
            c.framing = f
            c.dictionarySize = dictionary(for: f, codec: c.codec, space: space, current: current.dictionarySize)
            return visit(c, stage: "framing")
        }) { current = measurements[i].candidate }
        // Stage 3: dictionary size (zstd only).
        if current.codec.family == .zstd,
           let i = pick(space.dictionarySizes.compactMap { d in
               var c = current
               c.dictionarySize = d
               return visit(c, stage: "dictionary")
           }) { current = measurements[i].candidate }
        // Stage 4: codec and level; each family's levels climb until compression misses its floor.
        var tooSlow = Set<CodecFamily>()
        for codec in space.codecs {
            var c = current
            c.codec = codec
            if codec.family != .zstd { c.dictionarySize = 0 } else if current.codec.family != .zstd {
                c.dictionarySize = dictionary(for: c.framing, codec: codec, space: space, current: 0)
            }
            if tooSlow.contains(codec.family) && done[c] == nil {
                skipped.append((c, "not measured: a lower \(codec.family) level already compressed below \(Speed.format(floors.compressMBps))"))
                continue
            }
            guard let i = visit(c, stage: "codec") else { continue }
            if measurements[i].compressMBps < floors.compressMBps { tooSlow.insert(codec.family) }
        }
        let choice = SearchChooser.choose(measurements, floors: floors, margin: margin)
        // Stage 5: a shared section for the chosen candidate (see `SectionDecision`). Only the
        // choice: taking another candidate for its section would give up size measured on the
        // split for a gain it cannot measure (and containers smaller than the window never get).
        var section: SectionDecision? = nil
        if space.sharedSection == nil, let best = choice.index, choice.meetsFloors {
            var c = measurements[best].candidate
            c.sharedSection = true
            if let i = visit(c, stage: "section") {
                let d = SectionDecision.decide(plain: measurements[best], shared: measurements[i], floors: floors, margin: margin)
                section = SectionDecision(index: d.take ? i : nil, reason: d.reason)
            } else {
                section = SectionDecision(index: nil, reason: "no shared section: \(skipped.last?.reason ?? "not measurable")")
            }
        }
        return SearchOutcome(space: space, floors: floors, measurements: measurements, stages: stages, skipped: skipped,
                             choice: choice, section: section, seconds: Double(Clock.nanoseconds() - t0) / 1e9)
    }

    /// Where the descent starts: the fixed defaults of `loglab profile train` where the space allows them.
    static func start(_ space: SearchSpace) -> SearchCandidate {
        let t = space.transforms.contains(.all) ? TransformSelection.all : space.transforms[0]
        let f = space.framings.contains(ProfileTrainer.defaultFraming) ? ProfileTrainer.defaultFraming : space.framings[0]
        let c = space.codecs.contains(ProfileTrainer.defaultCodec) ? ProfileTrainer.defaultCodec : space.codecs[0]
        return SearchCandidate(transforms: t, framing: f, codec: c,
                               dictionarySize: dictionary(for: f, codec: c, space: space, current: space.dictionarySizes[0]))
    }

    /// The space's first (lowest, so fastest) level of the family.
    static func fastestCodec(_ space: SearchSpace, family: CodecFamily) -> CodecSpec? {
        space.codecs.first { $0.family == family }
    }

    static func withDefaults(_ c: SearchCandidate, transforms: TransformSelection) -> SearchCandidate {
        var c = c
        c.transforms = transforms
        return c
    }

    /// The trainer's default dictionary for this framing when the space holds it, else the
    /// current size when it does, else the space's first.
    static func dictionary(for framing: Framing, codec: CodecSpec, space: SearchSpace, current: Int) -> Int {
        guard codec.family == .zstd else { return 0 }
        let preferred = ProfileTrainer.defaultDictionarySize(framing: framing, codec: codec)
        if space.dictionarySizes.contains(preferred) { return preferred }
        return space.dictionarySizes.contains(current) ? current : space.dictionarySizes[0]
    }

    // MARK: split and measurement

    /// The validation split of training records: the last `fraction` (at most
    /// `maxValidation` records) validates, the records before it learn. Fewer than 2 records:
    /// both are everything (in-sample).
    public static func split(_ records: RecordBatch, fraction: Double = 0.2, maxValidation: Int = 20_000)
        -> (learn: RecordBatch, validate: RecordBatch) {
        guard records.count >= 2 else { return (records, records) }
        let n = max(1, min(maxValidation, Int((Double(records.count) * fraction).rounded())))
        let cut = records.count - min(n, records.count - 1)
        return (records.slice(0..<cut), records.slice(cut..<records.count))
    }

    /// Measures candidates with the lab's engine (`CellBenchmark`, the path `loglab bench` and
    /// `loglab run` time): transform models learned once per selection and reused, the
    /// dictionary trained per candidate; speeds are the fastest of `trials` or more passes
    /// (`passes(forBytes:)`) after `warmup` in CPU time (as lzbench: other work on the
    /// machine only ever slows a pass, so the fastest is the steadiest estimate; medians
    /// flipped choices under load).
    ///
    /// Speeds are those of whole frames: a validation split smaller than one of the
    /// candidate's frames is timed repeated to fill one (`frameFilling`). A larger split is
    /// timed as it is, less a pass on its first record alone (coder set-up, container header
    /// and index: a profile pays those once per file or process). The container is scaled to the
    /// whole training sample before the model is added (`SearchMeasurement.volumeBytes`).
    public final class BenchMeasurer {
        public let learn: RecordBatch
        public let validate: RecordBatch
        public let trials: Int
        public let warmup: Int
        public let timestampField: String?
        private var models: [TransformSelection: TransformModel] = [:]

        /// Timed passes stop growing here (see `passes(forBytes:)`).
        public let maxTrials: Int
        /// On a small validation split the passes repeat until they have timed this much input.
        /// (4 MB was about four passes of a 1 MB split: the fastest of them swung from 42 to
        /// 72 MB/s between runs of one text-template candidate, deciding the choice.)
        public static let timedBytes = 12 << 20
        /// The container a shared section's learning is paid over (MB of input): a writer
        /// learns it once per container, from the container's first records.
        public var containerBytes = BenchMeasurer.defaultContainerBytes
        public static let defaultContainerBytes = 1_000_000_000

        public init(learn: RecordBatch, validate: RecordBatch, trials: Int = 3, maxTrials: Int = 40, warmup: Int = 1, timestampField: String?) {
            self.learn = learn
            self.validate = validate
            self.trials = trials
            self.maxTrials = max(trials, maxTrials)
            self.warmup = warmup
            self.timestampField = timestampField
        }

        public func measure(_ c: SearchCandidate) throws -> SearchMeasurement {
            let config = CellConfig(framing: c.framing, codec: c.codec, dictionarySize: c.dictionarySize > 0 ? c.dictionarySize : nil,
                                    transforms: c.transforms, countSideData: true, latencySamples: 0, timestampField: timestampField,
                                    sharedSection: c.sharedSection)
            let model = models[c.transforms] ?? FramePipeline.learnModel(from: learn, selection: c.transforms)
            models[c.transforms] = model
            // One dictionary for both passes below (trained as the cell would train it).
            let dictionary = try CellBenchmark.learnSideData(config, train: learn, test: validate, given: nil, model: model).dictionary
            if c.sharedSection { return try measureShared(c, config: config, model: model, dictionary: dictionary) }
            let timed = Self.frameFilling(validate, framing: c.framing)
            let filled = timed.count > validate.count
            // The split's own pass gives the sizes; its speeds count only when no filled frame
            // is timed below (one untimed pass then).
            let r = try CellBenchmark.run(config: config, train: learn, test: validate,
                                          trials: filled ? 1 : passes(forBytes: validate.totalBytes), warmup: filled ? 0 : warmup,
                                          dictionary: dictionary, model: model)
            var compress = r.compressCPUMBps.max, restore = r.restoreCPUMBps.max
            if filled {
                // Speeds on whole frames: the ratio stays the split's own (r above).
                let full = try CellBenchmark.run(config: config, train: learn, test: timed, trials: passes(forBytes: timed.totalBytes),
                                                 warmup: warmup, dictionary: dictionary, model: model)
                compress = full.compressCPUMBps.max
                restore = full.restoreCPUMBps.max
            } else if validate.count > 1 {
                let first = validate.slice(0..<1)
                let one = try CellBenchmark.run(config: config, train: learn, test: first, trials: passes(forBytes: first.totalBytes),
                                                warmup: warmup, dictionary: dictionary, model: model)
                compress = Self.marginal(r.inputBytes, compress, minus: one.inputBytes, one.compressCPUMBps.max)
                restore = Self.marginal(r.inputBytes, restore, minus: one.inputBytes, one.restoreCPUMBps.max)
            }
            return SearchMeasurement(candidate: c, inputBytes: r.inputBytes, containerBytes: r.containerBytes,
                                     modelBytes: r.modelBytes + r.dictionaryBytes, compressMBps: compress, restoreMBps: restore,
                                     volumeBytes: learn.totalBytes + learn.count + r.inputBytes)
        }

        /// A candidate with a shared section, on the split as it is (a container of its records,
        /// the section learned from them in every pass). Compress speed: the frames' time per
        /// byte over `containerBytes`, plus learning once, over the bytes the window takes
        /// of such a container (the split's learning time scaled by bytes: the learner's cost
        /// grows with the records it reads). Restore: the fastest pass.
        func measureShared(_ c: SearchCandidate, config: CellConfig, model: TransformModel, dictionary: ZstdDictionary?) throws -> SearchMeasurement {
            let r = try CellBenchmark.run(config: config, train: learn, test: validate, trials: trials, warmup: warmup,
                                          dictionary: dictionary, model: model)
            guard let learnSeconds = r.sharedSectionLearningCPUSeconds?.min, r.compressCPUMBps.max > 0 else {
                throw BenchError("no shared section was learned")
            }
            let head = SharedSection.headCount(of: validate)
            let learned = validate.slice(0..<head).totalBytes + head
            let mean = Double(r.inputBytes) / Double(max(validate.count, 1))
            let window = min(Double(containerBytes), Double(SharedSection.learnBytes), Double(SharedSection.learnRecords) * mean)
            let compress = Self.amortised(bytes: r.inputBytes, mbps: r.compressCPUMBps.max, learnSeconds: learnSeconds,
                                          learnedBytes: learned, window: window, container: Double(containerBytes))
            var m = SearchMeasurement(candidate: c, inputBytes: r.inputBytes, containerBytes: r.containerBytes,
                                      modelBytes: r.modelBytes + r.dictionaryBytes, compressMBps: compress,
                                      restoreMBps: r.restoreCPUMBps.max, volumeBytes: learn.totalBytes + learn.count + r.inputBytes)
            m.sectionLearningMBps = Double(learned) / 1e6 / max(learnSeconds, 1e-9)
            m.sectionContainerBytes = containerBytes
            return m
        }

        /// MB/s of a `container`-byte container: a pass over `bytes` took `bytes / mbps`, of
        /// which `learnSeconds` learned the section from `learnedBytes`; the container learns
        /// from `window` bytes once and frames every byte at the pass's frame rate.
        static func amortised(bytes: Int, mbps: Double, learnSeconds: Double, learnedBytes: Int, window: Double, container: Double) -> Double {
            let pass = Double(bytes) / 1e6 / mbps
            let frames = max(pass - learnSeconds, pass * 0.01) / Double(max(bytes, 1))
            let seconds = frames * container + learnSeconds * window / Double(max(learnedBytes, 1))
            return container / 1e6 / seconds
        }

        /// The split repeated until it fills one of the candidate's frames (at most
        /// `timedBytes`), or the split itself when it already does. A split smaller than a
        /// frame pays each frame's costs (header, codec set-up, the lines whose template or
        /// shape the model lacks, spelt out once per frame) over a fraction of the records a
        /// production frame spreads them over: 200 held-out lines of a text log restored at
        /// about a quarter of the speed a 1,000-line frame of the same log reaches.
        static func frameFilling(_ split: RecordBatch, framing: Framing) -> RecordBatch {
            let frame: Int
            switch framing {
            // A whole file's frame would repeat the split within one codec window, which
            // the codec matches faster than new data: such speeds would flatter it.
            case .record, .file: return split
            case .block(let n): frame = n
            }
            guard split.count > 0, split.count < frame, split.totalBytes < timedBytes else { return split }
            var out = split
            while out.count < frame && out.totalBytes < timedBytes {
                out.append(contentsOf: split.slice(0..<min(split.count, frame - out.count)))
            }
            return out
        }

        /// Timed passes for a test set of `bytes`: at least `trials`, and as many as cover
        /// `timedBytes` up to `maxTrials`. A 17 KB split restores in about 0.1 ms: the fastest
        /// of 3 such passes swung by half between runs on a loaded machine, the fastest of 40
        /// is near the machine's real speed (other work only ever slows a pass).
        func passes(forBytes bytes: Int) -> Int {
            max(trials, min(maxTrials, Self.timedBytes / max(bytes, 1)))
        }

        /// MB/s of the bytes beyond the small pass: (B − b) / (T − t), T = B / speed. When the
        /// small pass took (nearly) as long, noise dominates and the plain speed is kept.
        static func marginal(_ bytes: Int, _ mbps: Double, minus small: Int, _ smallMBps: Double) -> Double {
            guard mbps > 0, smallMBps > 0, bytes > small else { return mbps }
            let t = Double(bytes) / mbps, ts = Double(small) / smallMBps
            guard t - ts > 0.1 * t else { return mbps }
            return Double(bytes - small) / (t - ts)
        }
    }

    // MARK: report

    /// What it tried (a table, in the order measured) and why it chose.
    public static func render(_ o: SearchOutcome) -> String {
        let header = ["", "stage", "candidate", "container B", "ratio", "model B", "ratio w/ model", "compress MB/s", "restore MB/s", "meets floors"]
        var rows = [header]
        var learning: [String] = []
        var perContainer = ""
        for (i, m) in o.measurements.enumerated() {
            let final = o.section?.index ?? o.choice.index
            rows.append([i == final ? "→" : "", o.stages[i], m.candidate.description, "\(m.containerBytes)",
                         String(format: "%.2f", m.ratio), "\(m.modelBytes)", String(format: "%.2f", m.storedRatio),
                         String(format: "%.0f", m.compressMBps), String(format: "%.0f", m.restoreMBps),
                         m.meets(o.floors) ? "yes" : "no (" + m.shortfalls(o.floors).joined(separator: ", ") + ")"])
            if let l = m.sectionLearningMBps {
                learning.append(String(format: "%.1f MB/s with ", l) + "\(m.candidate.codec), \(m.candidate.framing)")
                if let v = m.sectionContainerBytes { perContainer = String(format: ", counted once per container of %g MB", Double(v) / 1e6) }
            }
        }
        var widths = [Int](repeating: 0, count: header.count)
        for row in rows { for (i, c) in row.enumerated() { widths[i] = max(widths[i], c.count) } }
        var out = ""
        for (n, row) in rows.enumerated() {
            out += row.enumerated().map { i, c in
                (3...8).contains(i) ? String(repeating: " ", count: widths[i] - c.count) + c : c.padding(toLength: widths[i], withPad: " ", startingAt: 0)
            }.joined(separator: "  ").replacingOccurrences(of: "\\s+$", with: "", options: .regularExpression) + "\n"
            if n == 0 { out += widths.map { String(repeating: "-", count: $0) }.joined(separator: "  ") + "\n" }
        }
        for s in o.skipped { out += "skipped: \(s.candidate): \(s.reason)\n" }
        if let m = o.measurements.first {
            let volume = m.volumeBytes == m.inputBytes ? "input / (container + model + dictionary)"
                : "\(m.volumeBytes) bytes (the training sample) / (container scaled to them + model + dictionary)"
            out += "validation: \(m.inputBytes) bytes; ratio = input / container, ratio w/ model = \(volume); "
                + "speeds: MB/s per CPU-second, one thread (the fastest pass over whole frames, a split smaller than a frame repeated to fill one, else less a one-record pass's fixed costs, for profile train; medians for experiments)\n"
        }
        if !learning.isEmpty {
            out += "shared section: learned from a container's first \(ByteSize.format(SharedSection.learnBytes)) or "
                + "\(SharedSection.learnRecords) records; learning it ran at " + learning.joined(separator: "; ") + perContainer + "\n"
        }
        for (i, r) in o.choice.reasons.enumerated() { out += (i > 0 ? "  " : o.choice.meetsFloors ? "chose " : "warning: ") + r + "\n" }
        if let d = o.section { out += "  " + d.reason + "\n" }
        out += String(format: "searched %d candidates in %.1f s\n", o.measurements.count, o.seconds)
        return out
    }
}
