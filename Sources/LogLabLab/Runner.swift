import Foundation
import LogLabContainer
import LogLabCore

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

    public func run() throws -> ExperimentOutcome {
        let emit = options.progress
        emit(.note("preparing \(spec.datasets.count) dataset(s)"))
        let (prepared, skipped) = try DatasetPreparation.prepare(spec.datasets, baseDirectory: spec.baseDirectory, provider: provider)
        for s in skipped { emit(.note("skipping dataset \(s.name): \(s.reason)")) }
        let byName = Dictionary(uniqueKeysWithValues: prepared.map { ($0.name, $0) })
        let cells = GridExpansion.cells(spec: spec, datasets: prepared.map(\.name))
        let libraries = backend.libraryVersions

        let journal = ResultsJournal(path: options.outDirectory + "/" + RunOptions.journalName)
        if options.fresh { try journal.reset() }
        let (done, unreadable) = journal.load()
        if unreadable > 0 { emit(.note("journal: ignored \(unreadable) unreadable line(s) (an interrupted write)")) }

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
            let parts = [LabVersion.current, cell.key, ds.info.trainHash, ds.info.testHash, "trials=\(spec.trials)",
                         "warmup=\(spec.warmup)", "counted=\(counts(ds))"]
                + libraries.keys.sorted().map { "\($0)=\(libraries[$0]!)" }
            return SHA256Hasher.hex(Array(parts.joined(separator: "\u{1F}").utf8))
        }

        var finished: [String: CellRecord] = [:]
        var pending: [LabCell] = []
        for cell in cells {
            guard let ds = byName[cell.dataset] else { continue }
            if let r = done[cell.key], r.context == context(cell, ds) {
                finished[cell.key] = r
            } else {
                pending.append(cell)
            }
        }
        let resumed = finished.count
        // The environment is that of the measurement: captured when cells are measured, and
        // read back when every cell comes from the journal (a re-render), so a report never
        // claims the machine, build or commit that merely rendered it.
        let environmentPath = options.outDirectory + "/environment.json"
        var environment = EnvironmentInfo.capture(libraries: libraries)
        if pending.isEmpty, let bytes = try? Files.read(environmentPath),
           let stored = try? JSONDecoder().decode(EnvironmentInfo.self, from: Data(bytes)) {
            environment = stored
        } else if !pending.isEmpty {
            let enc = JSONEncoder()
            enc.outputFormatting = [.prettyPrinted, .sortedKeys]
            try Files.writeAtomically(Array(try enc.encode(environment)), to: environmentPath)
        }
        if resumed > 0 { emit(.note("resuming: \(resumed) of \(cells.count) cells already in the journal")) }

        // Untimed phase: every model and dictionary the pending cells need, trained once.
        let cache = ArtifactCache(directory: options.cacheDirectory)
        var artifactInfos: [String: ArtifactInfo] = [:]
        var models: [String: TrainedArtifact] = [:]
        var dictionaries: [String: TrainedArtifact] = [:]
        func modelKey(_ cell: LabCell, _ ds: PreparedDataset) -> String {
            ArtifactCache.key(["model", cell.transforms, ds.info.trainHash])
        }
        func dictKey(_ cell: LabCell, _ ds: PreparedDataset, _ model: TrainedArtifact?) -> String? {
            guard let d = cell.dictionary, let level = cell.dictionaryTrainingLevel else { return nil }
            return ArtifactCache.key(["dictionary", d.key, "level=\(level)", model?.sha256 ?? "no-model", ds.info.trainHash,
                                      "records-per-sample=\(FramePipeline.recordsPerSample(cell.framing))"])
        }
        var failures: [CellFailure] = []
        var notApplicable: [CellFailure] = []
        var trainingFailed: [String: String] = [:]
        for cell in pending {
            guard let ds = byName[cell.dataset] else { continue }
            let mk = modelKey(cell, ds)
            if models[mk] == nil, trainingFailed[mk] == nil {
                emit(.training("transform model '\(cell.transforms)' on \(ds.group) (\(ds.train.count) records)"))
                do {
                    let m = try cache.artifact(key: mk) { try backend.learnTransforms(selection: cell.transforms, samples: ds.train) }
                    models[mk] = m
                    artifactInfos[mk] = ArtifactInfo(kind: "transform model", dataset: ds.group, label: cell.transforms,
                                                     bytes: m.bytes.count, sha256: String(m.sha256.prefix(16)), seconds: m.seconds, info: m.info)
                } catch {
                    trainingFailed[mk] = "transform model '\(cell.transforms)' could not be learned: \(error)"
                    emit(.note(trainingFailed[mk]!))
                }
            }
            guard let model = models[mk], let d = cell.dictionary, let level = cell.dictionaryTrainingLevel,
                  let dk = dictKey(cell, ds, model), dictionaries[dk] == nil, trainingFailed[dk] == nil else { continue }
            let samples = d.trainingRecords.map { ds.train.slice(0..<min($0, ds.train.count)) } ?? ds.train
            emit(.training("dictionary \(d.label) at level \(level) on \(ds.group) (\(samples.count) records)"))
            do {
                let art = try cache.artifact(key: dk) { try backend.trainDictionary(d, level: level, model: model, samples: samples, framing: cell.framing) }
                dictionaries[dk] = art
                artifactInfos[dk] = ArtifactInfo(kind: "dictionary", dataset: ds.group, label: "\(d.label) (level \(level), transforms \(cell.transforms))",
                                                 bytes: art.bytes.count, sha256: String(art.sha256.prefix(16)), seconds: art.seconds, info: art.info)
            } catch {
                trainingFailed[dk] = "dictionary \(d.label) could not be trained on \(samples.count) records: \(error)"
                emit(.note(trainingFailed[dk]!))
            }
        }

        // Timed phase: strictly one cell at a time.
        var measured = 0
        var spent = 0.0
        for (i, cell) in pending.enumerated() {
            guard let ds = byName[cell.dataset] else { continue }
            let doneCount = resumed + i
            let eta = measured > 0 ? spent / Double(measured) * Double(pending.count - i) : nil
            emit(.cellStarted(done: doneCount, total: cells.count, cell: cell, etaSeconds: eta))
            let mk = modelKey(cell, ds)
            guard let model = models[mk] else {
                notApplicable.append(CellFailure(cell: cell, message: trainingFailed[mk] ?? "no transform model"))
                continue
            }
            var dictionary: TrainedArtifact? = nil
            if cell.dictionary != nil {
                guard let dk = dictKey(cell, ds, model), let art = dictionaries[dk] else {
                    let dk = dictKey(cell, ds, model) ?? ""
                    notApplicable.append(CellFailure(cell: cell, message: trainingFailed[dk] ?? "no dictionary"))
                    continue
                }
                dictionary = art
            }
            let inputs = CellInputs(train: ds.train, test: ds.test, dictionary: dictionary, model: model,
                                    countArtifacts: counts(ds), trials: spec.trials, warmup: spec.warmup)
            let start = Clock.nanoseconds()
            do {
                let result = try backend.measure(cell, inputs: inputs)
                guard result.verified else {
                    throw LabError("restore was not verified byte for byte")
                }
                let record = CellRecord(cell: cell, context: context(cell, ds), result: result)
                try journal.append(record)
                finished[cell.key] = record
                let secs = Double(Clock.nanoseconds() - start) / 1e9
                measured += 1
                spent += secs
                emit(.cellFinished(done: doneCount + 1, total: cells.count, cell: cell, seconds: secs, ratio: result.ratio))
            } catch {
                let f = CellFailure(cell: cell, message: "\(error)")
                failures.append(f)
                emit(.cellFailed(cell: cell, message: f.message))
            }
        }

        let records = cells.compactMap { finished[$0.key] }
        return ExperimentOutcome(spec: spec, datasets: prepared.map(\.info), skipped: skipped, cells: cells,
                                 records: records, failures: failures, notApplicable: notApplicable,
                                 artifacts: artifactInfos.values.sorted { ($0.kind, $0.dataset, $0.label) < ($1.kind, $1.dataset, $1.label) },
                                 environment: environment, measuredNow: measured, resumed: resumed,
                                 artifactsTrained: cache.misses, artifactsReused: cache.hits)
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
                    FileHandle.standardError.write(Data(("\r\u{1B}[K" + status).utf8))
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
            if lineOpen { FileHandle.standardError.write(Data("\r\u{1B}[K".utf8)); lineOpen = false }
        }
    }

    private func line(_ s: String) {
        if lineOpen { FileHandle.standardError.write(Data("\r\u{1B}[K".utf8)); lineOpen = false }
        FileHandle.standardError.write(Data((s + "\n").utf8))
    }

    static func duration(_ s: Double) -> String {
        let t = Int(s.rounded())
        return t >= 3600 ? "\(t / 3600)h\(String(format: "%02d", t / 60 % 60))m" : t >= 60 ? "\(t / 60)m\(String(format: "%02d", t % 60))s" : "\(t)s"
    }
}
