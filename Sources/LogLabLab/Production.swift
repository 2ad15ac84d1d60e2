import Foundation
import LogLabCore

/// The record provider `loglab run` uses.
public struct DefaultRecordProvider: RecordProvider {
    public init() {}

    public func generate(_ options: [String: String]) throws -> RecordBatch {
        throw DatasetError("the sdk-log generator is not available in this build")
    }

    public func load(path: String) throws -> RecordBatch {
        RecordBatch(lines: try Files.read(path))
    }

    public func catalogPath(_ name: String) throws -> String {
        throw DatasetError("the datasets catalogue is not available in this build")
    }
}

/// The backend `loglab run` uses: codecs, transforms and the bench engine.
public struct DefaultLabBackend: LabBackend {
    public init() {}

    public var libraryVersions: [String: String] { [:] }

    public func learnTransforms(selection: String, samples: RecordBatch) throws -> TrainedArtifact {
        TrainedArtifact(bytes: Array(selection.utf8), seconds: 0)
    }

    public func trainDictionary(_ variant: DictionaryVariant, level: Int, model: TrainedArtifact?, samples: RecordBatch) throws -> TrainedArtifact {
        throw DatasetError("dictionary training is not available in this build")
    }

    public func measure(_ cell: LabCell, inputs: CellInputs) throws -> CellResult {
        throw DatasetError("the bench engine is not available in this build")
    }
}
