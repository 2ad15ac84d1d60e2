import Foundation
import LogLabCodecs
import LogLabCore
import LogLabTransforms
@testable import LogLabLab

/// Builds a `CellResult` from the few numbers a test cares about.
func makeResult(_ cell: LabCell, input: Int, stored: Int, records: Int = 100, compress: Double = 100, restore: Double = 500,
                dictionaryBytes: Int = 0, counted: Bool = false, verified: Bool = true) -> CellResult {
    let s = { (v: Double) in Summary(median: v, min: v * 0.9, max: v * 1.1, count: 3) }
    let config = CellConfig(framing: cell.framing, codec: try! CodecSpec(parsing: cell.codec), dictionarySize: cell.dictionary?.size,
                            transforms: try! TransformSelection(parsing: cell.transforms), countSideData: counted)
    let compressed = stored - (counted ? dictionaryBytes : 0)
    var result = CellResult(formatVersion: CellResult.currentFormatVersion, config: config, label: config.description,
                      records: records, frames: records, inputBytes: input, codecInputBytes: input, compressedBytes: compressed,
                      dictionaryBytes: dictionaryBytes, modelBytes: 0, sideDataCounted: counted, storedBytes: stored,
                      ratio: Double(input) / Double(stored), bytesPerRecord: Double(stored) / Double(records),
                      compressMBps: s(compress), compressCPUMBps: s(compress), decompressMBps: s(restore * 1.2),
                      decompressCPUMBps: s(restore * 1.2), restoreMBps: s(restore), restoreCPUMBps: s(restore),
                      restoreLatencyP50Microseconds: cell.framing == .file ? nil : 3, restoreLatencyP99Microseconds: cell.framing == .file ? nil : 9,
                      latencySamples: cell.framing == .file ? 0 : 100, peakMemoryBytes: 1 << 20, trainingSeconds: 0,
                      dictionaryTrainingSeconds: nil, modelLearningSeconds: nil, dictionaryID: nil, dictionaryK: nil, dictionaryD: nil,
                      dictionarySource: nil, modelSource: nil, trials: 3, warmup: 1, verified: verified, notes: [])
    result.containerBytes = compressed
    return result
}

func makeRecord(_ cell: LabCell, input: Int = 1_000_000, stored: Int, compress: Double = 100, restore: Double = 500) -> CellRecord {
    CellRecord(cell: cell, context: "test", result: makeResult(cell, input: input, stored: stored, compress: compress, restore: restore))
}

/// Synthetic JSON lines over `days` days (deterministic), no generator needed.
struct FakeProvider: RecordProvider {
    func generate(_ options: [String: String]) throws -> RecordBatch {
        let n = Int(options["records"] ?? "100") ?? 100
        let days = Int(options["days"] ?? "1") ?? 1
        let seed = Int(options["seed"] ?? "1") ?? 1
        var b = RecordBatch()
        for i in 0..<n {
            let day = 26 + (i * days / max(n, 1))
            let line = "{\"timestamp\":\"2021-12-\(day)T10:00:\(String(format: "%02d", i % 60))Z\",\"user\":\"u\((i * 7 + seed) % 13)\",\"func\":\"f\(i % 5)\",\"n\":\(i)}"
            b.append(Array(line.utf8))
        }
        return b
    }

    func load(path: String) throws -> RecordBatch { RecordBatch(lines: try Files.read(path)) }

    func catalogPath(_ name: String) throws -> String { throw LabError("no catalogue in tests") }
}

/// A backend whose "compression" is arithmetic on the cell: deterministic sizes, counted calls,
/// and optional faults.
final class FakeBackend: LabBackend, @unchecked Sendable {
    private let lock = NSLock()
    private(set) var trainedModels = 0
    private(set) var trainedDictionaries = 0
    private(set) var measured: [String] = []
    /// Cells (by codec spelling) whose restore "does not match".
    var mismatchCodecs: Set<String> = []
    /// Throw (simulating an interrupt) after this many measurements.
    var stopAfter: Int? = nil

    var libraryVersions: [String: String] { ["fakezstd": "1.0"] }

    func learnTransforms(selection: String, samples: RecordBatch) throws -> TrainedArtifact {
        lock.withLock { trainedModels += 1 }
        return TrainedArtifact(bytes: Array("model:\(selection):\(samples.count)".utf8), seconds: 0.01)
    }

    func trainDictionary(_ variant: DictionaryVariant, level: Int, model: TrainedArtifact?, samples: RecordBatch) throws -> TrainedArtifact {
        lock.withLock { trainedDictionaries += 1 }
        return TrainedArtifact(bytes: [UInt8](repeating: 7, count: min(variant.size, 512)), seconds: 0.02, info: ["k": "50"])
    }

    struct Interrupted: Error {}
    struct Mismatch: Error, CustomStringConvertible { var description: String { "restored bytes differ from the original at offset 17" } }

    func measure(_ cell: LabCell, inputs: CellInputs) throws -> CellResult {
        try lock.withLock {
            if let s = stopAfter, measured.count >= s { throw Interrupted() }
            measured.append(cell.key)
        }
        if mismatchCodecs.contains(cell.codec) { throw Mismatch() }
        let level = Double(cell.codecLevel ?? 1)
        var divisor = 2 + level / 4
        if cell.dictionary != nil { divisor += Double(cell.dictionary!.size) / 4096 }
        if cell.transforms != "none" { divisor *= 1.25 }
        if cell.framing != .record { divisor *= 1.5 }
        let input = inputs.test.totalBytes
        let stored = max(1, Int(Double(input) / divisor))
        return makeResult(cell, input: input, stored: stored, records: inputs.test.count, compress: 400 / level, restore: 800,
                          dictionaryBytes: inputs.dictionary?.bytes.count ?? 0, counted: inputs.countArtifacts)
    }
}

/// A fresh temporary folder, removed when the test process exits (tests hand their folders
/// to runs and reports that outlive the test function's scope).
func temporaryDirectory(_ name: String = #function) throws -> String {
    let dir = NSTemporaryDirectory() + "loglab-lab-tests-\(getpid())-\(name.filter { $0.isLetter })-\(UInt32.random(in: 0...UInt32.max))"
    try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
    ScratchFolders.shared.add(dir)
    return dir
}

/// The folders `temporaryDirectory` made, removed at exit.
private final class ScratchFolders: @unchecked Sendable {
    static let shared: ScratchFolders = {
        let folders = ScratchFolders()
        atexit { ScratchFolders.shared.removeAll() }
        return folders
    }()
    private let lock = NSLock()
    private var paths: [String] = []

    func add(_ path: String) { lock.withLock { paths.append(path) } }

    func removeAll() {
        for path in lock.withLock({ paths }) { try? FileManager.default.removeItem(atPath: path) }
    }
}
