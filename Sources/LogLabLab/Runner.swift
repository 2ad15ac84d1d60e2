import Foundation
import LogLabCodecs
import LogLabContainer
import LogLabCore
import LogLabTransforms

/// Everything a run produced: the basis of every report.
public struct ExperimentOutcome: Sendable, Codable {
    public var spec: ExperimentSpec
    public var datasets: [DatasetInfo]
    public var skipped: [SkippedDataset]
    /// Every cell of the grid, in grid order.
    public var cells: [LabCell]
    /// Finished, verified cells, in grid order.
    public var records: [CellRecord]
    public var failures: [CellFailure]
    /// Cells not measured because their dictionary or model could not be trained (for
    /// example too few training records); reported, but they do not fail the run.
    public var notApplicable: [CellFailure]
    public var artifacts: [ArtifactInfo]
    public var environment: EnvironmentInfo
    /// Bookkeeping of this invocation (printed, kept out of report text).
    public var measuredNow: Int
    public var resumed: Int
    public var artifactsTrained: Int
    public var artifactsReused: Int
    /// Dataset → where the bytes of its winner go (the winner's profile on the test records;
    /// the best cell by the objective alone when no cell meets the constraints).
    public var breakdowns: [String: ByteBreakdown] = [:]

    public var succeeded: Bool { failures.isEmpty }
}

/// A trained dictionary or model as the report lists it.
public struct ArtifactInfo: Sendable, Codable, Equatable {
    public var kind: String
    public var dataset: String
    public var label: String
    public var bytes: Int
    public var sha256: String
    public var seconds: Double
    public var info: [String: String]
}

public enum ProgressEvent: Sendable {
    case note(String)
    case training(String)
    case cellStarted(done: Int, total: Int, cell: LabCell, etaSeconds: Double?)
    case cellFinished(done: Int, total: Int, cell: LabCell, seconds: Double, ratio: Double)
    case cellFailed(cell: LabCell, message: String)
}

public struct RunOptions: Sendable {
    public var outDirectory: String
    /// nil: no cache (train everything).
    public var cacheDirectory: String?
    /// Ignore and replace the results journal.
    public var fresh: Bool
    public var progress: @Sendable (ProgressEvent) -> Void

    public init(outDirectory: String, cacheDirectory: String? = ".loglab-cache", fresh: Bool = false,
                progress: @escaping @Sendable (ProgressEvent) -> Void = { _ in }) {
        self.outDirectory = outDirectory
        self.cacheDirectory = cacheDirectory
        self.fresh = fresh
        self.progress = progress
    }

    public static let journalName = "journal.jsonl"
}

/// Runs an experiment: prepares the datasets, trains every distinct dictionary and transform
/// model once (cached by content), then measures each cell one after another (timed work
/// never overlaps other timed work), appending each finished cell to the journal so an
/// interrupted run resumes where it stopped. A cell whose restore does not verify is a
/// failure: it is reported and the run's outcome is unsuccessful.
public final class ExperimentRunner {
    public let spec: ExperimentSpec
    public let backend: LabBackend
    public let provider: RecordProvider
    public let options: RunOptions

    public init(spec: ExperimentSpec, backend: LabBackend, provider: RecordProvider, options: RunOptions) {
        self.spec = spec
        self.backend = backend
        self.provider = provider
        self.options = options
    }

    /// State shared by the phases of one run.
    struct RunState {
        var byName: [String: PreparedDataset] = [:]
        var cells: [LabCell] = []
        var finished: [String: CellRecord] = [:]
        var pending: [LabCell] = []
        var resumed = 0
        var environment: EnvironmentInfo
        var cache: ArtifactCache
        var artifactInfos: [String: ArtifactInfo] = [:]
        var models: [String: TrainedArtifact] = [:]
        var dictionaries: [String: TrainedArtifact] = [:]
        var trainingFailed: [String: String] = [:]
        var failures: [CellFailure] = []
        var notApplicable: [CellFailure] = []
        var measured = 0
    }

    public func run() throws -> ExperimentOutcome {
        let emit = options.progress
        emit(.note("preparing \(spec.datasets.count) dataset(s)"))
        let (prepared, skipped) = try DatasetPreparation.prepare(spec.datasets, baseDirectory: spec.baseDirectory, provider: provider)
        for s in skipped { emit(.note("skipping dataset \(s.name): \(s.reason)")) }
        let journal = ResultsJournal(path: options.outDirectory + "/" + RunOptions.journalName)
        var state = RunState(environment: EnvironmentInfo.capture(libraries: backend.libraryVersions),
                             cache: ArtifactCache(directory: options.cacheDirectory))
        state.byName = Dictionary(uniqueKeysWithValues: prepared.map { ($0.name, $0) })
        state.cells = GridExpansion.cells(spec: spec, datasets: prepared.map(\.name))
        try resume(&state, journal: journal)
        try recordEnvironment(&state)
        if spec.search == .auto {
            try searchCells(&state, journal: journal)
        } else {
            trainArtifacts(&state, for: state.pending)
            try measurePending(&state, journal: journal)
        }
        var outcome = ExperimentOutcome(
            spec: spec, datasets: prepared.map(\.info), skipped: skipped, cells: state.cells,
            records: state.cells.compactMap { state.finished[$0.key] }, failures: state.failures, notApplicable: state.notApplicable,
            artifacts: [], environment: state.environment, measuredNow: state.measured, resumed: state.resumed,
            artifactsTrained: 0, artifactsReused: 0)
        outcome.breakdowns = explainWinners(&state, outcome: outcome)
        outcome.artifacts = state.artifactInfos.values.sorted { ($0.kind, $0.dataset, $0.label) < ($1.kind, $1.dataset, $1.label) }
        outcome.artifactsTrained = state.cache.misses
        outcome.artifactsReused = state.cache.hits
        return outcome
    }

    // MARK: phases

    func counts(_ ds: PreparedDataset) -> Bool {
        switch spec.dictionaryCounted {
        case .always: return true
        case .never: return false
        case .auto:
            let largest = spec.dictionaries.compactMap { $0?.size }.max() ?? 0
            return largest * 100 > ds.test.totalBytes
        }
    }

    func context(_ cell: LabCell, _ ds: PreparedDataset) -> String {
        let libraries = backend.libraryVersions
        let parts = [LabVersion.current, cell.key, ds.info.trainHash, ds.info.testHash, "trials=\(spec.trials)",
                     "warmup=\(spec.warmup)", "counted=\(counts(ds))"]
            + libraries.keys.sorted().map { "\($0)=\(libraries[$0]!)" }
        return SHA256Hasher.hex(Array(parts.joined(separator: "\u{1F}").utf8))
    }

    func modelKey(_ cell: LabCell, _ ds: PreparedDataset) -> String {
        ArtifactCache.key(["model", cell.transforms, ds.info.trainHash])
    }

    func dictKey(_ cell: LabCell, _ ds: PreparedDataset, _ model: TrainedArtifact?) -> String? {
        guard let d = cell.dictionary, let level = cell.dictionaryTrainingLevel else { return nil }
        return ArtifactCache.key(["dictionary", d.key, "level=\(level)", model?.sha256 ?? "no-model", ds.info.trainHash,
                                  "records-per-sample=\(FramePipeline.recordsPerSample(cell.framing))"])
    }

    /// Phase 1: cells already in the journal (same measurement context) are kept.
    func resume(_ state: inout RunState, journal: ResultsJournal) throws {
        if options.fresh { try journal.reset() }
        let (done, unreadable) = journal.load()
        if unreadable > 0 { options.progress(.note("journal: ignored \(unreadable) unreadable line(s) (an interrupted write)")) }
        for cell in state.cells {
            guard let ds = state.byName[cell.dataset] else { continue }
            if let r = done[cell.key], r.context == context(cell, ds) {
                state.finished[cell.key] = r
            } else {
                state.pending.append(cell)
            }
        }
        state.resumed = state.finished.count
        if state.resumed > 0 { options.progress(.note("resuming: \(state.resumed) of \(state.cells.count) cells already in the journal")) }
    }

    /// Phase 2: the environment is that of the measurement: captured when cells are
    /// measured, read back when every cell comes from the journal (a re-render), so a report
    /// never claims the machine, build or commit that merely rendered it.
    func recordEnvironment(_ state: inout RunState) throws {
        let environmentPath = options.outDirectory + "/environment.json"
        if state.pending.isEmpty, let bytes = try? Files.read(environmentPath),
           let stored = try? JSONDecoder().decode(EnvironmentInfo.self, from: Data(bytes)) {
            state.environment = stored
        } else if !state.pending.isEmpty {
            let enc = JSONEncoder()
            enc.outputFormatting = [.prettyPrinted, .sortedKeys]
            try Files.writeAtomically(Array(try enc.encode(state.environment)), to: environmentPath)
        }
    }

    /// Phase 3 (untimed): every model and dictionary `cells` need, trained once (cached).
    func trainArtifacts(_ state: inout RunState, for cells: [LabCell]) {
        let emit = options.progress
        for cell in cells {
            guard let ds = state.byName[cell.dataset] else { continue }
            let mk = modelKey(cell, ds)
            if state.models[mk] == nil, state.trainingFailed[mk] == nil {
                emit(.training("transform model '\(cell.transforms)' on \(ds.group) (\(ds.train.count) records)"))
                do {
                    let m = try state.cache.artifact(key: mk) { try backend.learnTransforms(selection: cell.transforms, samples: ds.train) }
                    state.models[mk] = m
                    state.artifactInfos[mk] = ArtifactInfo(kind: "transform model", dataset: ds.group, label: cell.transforms,
                                                           bytes: m.bytes.count, sha256: String(m.sha256.prefix(16)), seconds: m.seconds, info: m.info)
                } catch {
                    state.trainingFailed[mk] = "transform model '\(cell.transforms)' could not be learned: \(error)"
                    emit(.note(state.trainingFailed[mk]!))
                }
            }
            guard let model = state.models[mk], let d = cell.dictionary, let level = cell.dictionaryTrainingLevel,
                  let dk = dictKey(cell, ds, model), state.dictionaries[dk] == nil, state.trainingFailed[dk] == nil else { continue }
            let samples = d.trainingRecords.map { ds.train.slice(0..<min($0, ds.train.count)) } ?? ds.train
            emit(.training("dictionary \(d.label) at level \(level) on \(ds.group) (\(samples.count) records)"))
            do {
                let art = try state.cache.artifact(key: dk) {
                    try backend.trainDictionary(d, level: level, model: model, samples: samples, framing: cell.framing)
                }
                state.dictionaries[dk] = art
                state.artifactInfos[dk] = ArtifactInfo(kind: "dictionary", dataset: ds.group, label: "\(d.label) (level \(level), transforms \(cell.transforms))",
                                                       bytes: art.bytes.count, sha256: String(art.sha256.prefix(16)), seconds: art.seconds, info: art.info)
            } catch {
                state.trainingFailed[dk] = "dictionary \(d.label) could not be trained on \(samples.count) records: \(error)"
                emit(.note(state.trainingFailed[dk]!))
            }
        }
    }

    /// Phase 4 (timed): strictly one cell at a time, each appended to the journal.
    func measurePending(_ state: inout RunState, journal: ResultsJournal) throws {
        let emit = options.progress
        var spent = 0.0
        for (i, cell) in state.pending.enumerated() {
            guard let ds = state.byName[cell.dataset] else { continue }
            let doneCount = state.resumed + i
            let eta = state.measured > 0 ? spent / Double(state.measured) * Double(state.pending.count - i) : nil
            emit(.cellStarted(done: doneCount, total: state.cells.count, cell: cell, etaSeconds: eta))
            let start = Clock.nanoseconds()
            if try measure(cell, ds, &state, journal: journal) != nil {
                let secs = Double(Clock.nanoseconds() - start) / 1e9
                spent += secs
                emit(.cellFinished(done: doneCount + 1, total: state.cells.count, cell: cell, seconds: secs,
                                   ratio: state.finished[cell.key]!.result.ratio))
            }
        }
    }

    /// One cell whose artifacts are trained: measured, checked, appended to the journal. nil
    /// when it is not applicable or failed (recorded in `state`).
    func measure(_ cell: LabCell, _ ds: PreparedDataset, _ state: inout RunState, journal: ResultsJournal) throws -> CellRecord? {
        let emit = options.progress
        let mk = modelKey(cell, ds)
        guard let model = state.models[mk] else {
            state.notApplicable.append(CellFailure(cell: cell, message: state.trainingFailed[mk] ?? "no transform model"))
            return nil
        }
        var dictionary: TrainedArtifact? = nil
        if cell.dictionary != nil {
            guard let dk = dictKey(cell, ds, model), let art = state.dictionaries[dk] else {
                let dk = dictKey(cell, ds, model) ?? ""
                state.notApplicable.append(CellFailure(cell: cell, message: state.trainingFailed[dk] ?? "no dictionary"))
                return nil
            }
            dictionary = art
        }
        let inputs = CellInputs(train: ds.train, test: ds.test, dictionary: dictionary, model: model,
                                countArtifacts: counts(ds), trials: spec.trials, warmup: spec.warmup)
        let result: CellResult
        do {
            result = try backend.measure(cell, inputs: inputs)
            guard result.verified else {
                throw LabError("restore was not verified byte for byte")
            }
        } catch {
            let f = CellFailure(cell: cell, message: "\(error)")
            state.failures.append(f)
            emit(.cellFailed(cell: cell, message: f.message))
            return nil
        }
        let record = CellRecord(cell: cell, context: context(cell, ds), result: result)
        try journal.append(record)
        state.finished[cell.key] = record
        state.measured += 1
        return record
    }

    /// Phase 4 with `search: auto`: per test set, the profile search over the grid's axes,
    /// each visited cell trained, measured and journaled as above (or taken from the
    /// journal); the outcome's cells are the visited ones.
    func searchCells(_ state: inout RunState, journal: ResultsJournal) throws {
        let emit = options.progress
        var transforms: [TransformSelection: String] = [:]
        for t in spec.transforms { if let sel = try? TransformSelection(parsing: t), transforms[sel] == nil { transforms[sel] = t } }
        var codecs: [CodecSpec: String] = [:]
        for c in spec.codecs { if let cs = try? CodecSpec(parsing: c), codecs[cs] == nil { codecs[cs] = c } }
        var dictionaries: [Int: DictionaryVariant] = [:]
        for case let d? in spec.dictionaries where dictionaries[d.size] == nil { dictionaries[d.size] = d }
        var sizes: [Int] = []
        for d in spec.dictionaries where !sizes.contains(d?.size ?? 0) { sizes.append(d?.size ?? 0) }
        let space = SearchSpace(transforms: spec.transforms.compactMap { try? TransformSelection(parsing: $0) },
                                framings: spec.framings, codecs: spec.codecs.compactMap { try? CodecSpec(parsing: $0) },
                                dictionarySizes: sizes,
                                // A section axis lets the last stage try one (learning timed in the cell, as the grid times it).
                                sharedSection: spec.sharedSections.contains(true) ? nil : false)
        var names: [String] = []
        for c in state.cells where !names.contains(c.dataset) { names.append(c.dataset) }
        var visited: [LabCell] = []
        for name in names {
            guard let ds = state.byName[name] else { continue }
            emit(.note("search on \(name): \(space.summary), floors \(spec.searchFloors)"))
            let outcome = ProfileSearch.run(space: space, floors: spec.searchFloors, measure: { c in
                let cell = LabCell(dataset: name, framing: c.framing, transforms: transforms[c.transforms]!, codec: codecs[c.codec]!,
                                   dictionary: c.codec.family == .zstd && c.dictionarySize > 0 ? dictionaries[c.dictionarySize] : nil,
                                   sharedSection: c.sharedSection)
                if !visited.contains(cell) { visited.append(cell) }
                var record = state.finished[cell.key]
                if record == nil {
                    emit(.cellStarted(done: visited.count - 1, total: visited.count, cell: cell, etaSeconds: nil))
                    let start = Clock.nanoseconds()
                    trainArtifacts(&state, for: [cell])
                    record = try measure(cell, ds, &state, journal: journal)
                    if let r = record {
                        emit(.cellFinished(done: visited.count, total: visited.count, cell: cell,
                                           seconds: Double(Clock.nanoseconds() - start) / 1e9, ratio: r.result.ratio))
                    }
                }
                guard let r = record?.result else { throw LabError("not measured (see the report's failures)") }
                return SearchMeasurement(candidate: c, inputBytes: r.inputBytes, containerBytes: r.containerBytes,
                                         modelBytes: r.modelBytes + r.dictionaryBytes,
                                         compressMBps: r.compressCPUMBps.median, restoreMBps: r.restoreCPUMBps.median)
            })
            for line in outcome.choice.reasons { emit(.note("search on \(name): " + line)) }
        }
        state.cells = visited
    }

    /// Phase 5 (untimed): where the bytes of each dataset's winner go, from the same side
    /// data frozen into a profile and the same test records. Skipped for backends that do
    /// not produce real containers.
    func explainWinners(_ state: inout RunState, outcome: ExperimentOutcome) -> [String: ByteBreakdown] {
        // The winner, or the best cell by the objective alone when none meets the constraints.
        let winners = ExperimentAnalysis(outcome: outcome).selections.compactMap { $0.winner ?? $0.bestUnconstrained }
            .filter { $0.result.containerBytes > 0 }
        guard !winners.isEmpty else { return [:] }
        trainArtifacts(&state, for: winners.map(\.cell))
        var out: [String: ByteBreakdown] = [:]
        for w in winners {
            guard let ds = state.byName[w.cell.dataset], let model = state.models[modelKey(w.cell, ds)] else { continue }
            // `explain` codes frames from the profile alone: a breakdown of a container without
            // the winner's shared section would describe other bytes than the cell's.
            guard !w.result.config.sharedSection else {
                options.progress(.note("not explaining \(w.cell.key): explain does not model a shared section"))
                continue
            }
            do {
                let dictionary = try dictKey(w.cell, ds, model).flatMap { state.dictionaries[$0] }.map { try ZstdDictionary(bytes: $0.bytes) }
                if w.cell.dictionary != nil && dictionary == nil { continue }
                let profile = try Profile.make(codec: try CodecSpec(parsing: w.cell.codec), framing: w.cell.framing,
                                               model: try TransformModel(serialized: model.bytes), dictionary: dictionary,
                                               timestampField: w.result.config.timestampField, training: nil, source: nil)
                let b = try ByteBreakdown.explain(profile: profile, records: ds.test)
                if b.containerBytes != w.result.containerBytes {
                    options.progress(.note("explain \(w.cell.key): \(b.containerBytes) container bytes, the cell measured \(w.result.containerBytes)"))
                }
                out[w.cell.dataset] = b
            } catch {
                options.progress(.note("cannot explain the winner \(w.cell.key): \(error)"))
            }
        }
        return out
    }
}

/// Prints progress: one rewritten status line on a terminal, plain lines otherwise.
public final class ConsoleProgress: @unchecked Sendable {
    private let isTTY: Bool
    private let lock = NSLock()
    private var lineOpen = false

    public init(isTTY: Bool = isatty(STDERR_FILENO) != 0) {
        self.isTTY = isTTY
    }

    public func handle(_ event: ProgressEvent) {
        lock.withLock {
            switch event {
            case .note(let s): line("· " + s)
            case .training(let s): line("· training " + s)
            case .cellStarted(let done, let total, let cell, let eta):
                if isTTY {
                    let pct = total > 0 ? done * 100 / total : 100
                    let etaText = eta.map { " ETA " + Self.duration($0) } ?? ""
                    var status = "[\(done)/\(total)] \(pct)%\(etaText)  \(cell.dataset) \(cell.framing) \(cell.label)"
                    if status.count > 110 { status = String(status.prefix(109)) + "…" }
                    Output.note("\r\u{1B}[K" + status, terminator: "")
                    lineOpen = true
                }
            case .cellFinished(let done, let total, let cell, let secs, let ratio):
                if !isTTY {
                    line("[\(done)/\(total)] \(cell.dataset) \(cell.framing) \(cell.label): ratio \(String(format: "%.3f", ratio)) (\(String(format: "%.1f", secs)) s)")
                }
            case .cellFailed(let cell, let message):
                line("FAILED \(cell.key): \(message)")
            }
        }
    }

    public func finish() {
        lock.withLock {
            if lineOpen { Output.note("\r\u{1B}[K", terminator: ""); lineOpen = false }
        }
    }

    private func line(_ s: String) {
        if lineOpen { Output.note("\r\u{1B}[K", terminator: ""); lineOpen = false }
        Output.note(s)
    }

    static func duration(_ s: Double) -> String {
        let t = Int(s.rounded())
        return t >= 3600 ? "\(t / 3600)h\(String(format: "%02d", t / 60 % 60))m" : t >= 60 ? "\(t / 60)m\(String(format: "%02d", t % 60))s" : "\(t)s"
    }
}
