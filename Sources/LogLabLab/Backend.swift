import Foundation
import LogLabCore

/// What the bench engine gets for one cell.
public struct CellInputs: Sendable {
    public var train: RecordBatch
    public var test: RecordBatch
    /// The cell's trained dictionary (nil: no dictionary).
    public var dictionary: TrainedArtifact?
    /// The learned transform model for the cell's selection.
    public var model: TrainedArtifact?
    /// Whether dictionary and model bytes count towards the stored size.
    public var countArtifacts: Bool
    public var trials: Int
    public var warmup: Int

    public init(train: RecordBatch, test: RecordBatch, dictionary: TrainedArtifact?, model: TrainedArtifact?,
                countArtifacts: Bool, trials: Int, warmup: Int) {
        self.train = train
        self.test = test
        self.dictionary = dictionary
        self.model = model
        self.countArtifacts = countArtifacts
        self.trials = trials
        self.warmup = warmup
    }
}

/// The machinery the runner drives: training (untimed) and measuring a cell (timed). The
/// production backend wraps the codecs, transforms and the bench engine; tests inject fakes
/// (for instance one whose restore does not match, to check the run fails loudly).
public protocol LabBackend: Sendable {
    /// Versions of the libraries measured ("zstd" → "1.5.5", …), for the report.
    var libraryVersions: [String: String] { get }
    /// Learns the transform model for `selection` from the training records.
    func learnTransforms(selection: String, samples: RecordBatch) throws -> TrainedArtifact
    /// Trains a dictionary at `level` on the training records (after the transform `model`).
    func trainDictionary(_ variant: DictionaryVariant, level: Int, model: TrainedArtifact?, samples: RecordBatch) throws -> TrainedArtifact
    /// Trains a dictionary on the training records framed as `framing` frames them (the
    /// samples the container's codec sees; `FramePipeline.dictionarySamples`).
    func trainDictionary(_ variant: DictionaryVariant, level: Int, model: TrainedArtifact?, samples: RecordBatch,
                         framing: Framing) throws -> TrainedArtifact
    /// Measures one cell. Must compare every restore with the original and throw on a mismatch.
    func measure(_ cell: LabCell, inputs: CellInputs) throws -> CellResult
}

extension LabBackend {
    public func trainDictionary(_ variant: DictionaryVariant, level: Int, model: TrainedArtifact?, samples: RecordBatch,
                                framing: Framing) throws -> TrainedArtifact {
        try trainDictionary(variant, level: level, model: model, samples: samples)
    }
}

/// A restore that did not give back the original bytes, or any other failure of a cell.
public struct CellFailure: Sendable, Codable, Equatable {
    public var cell: LabCell
    public var message: String
}
