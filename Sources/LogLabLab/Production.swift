import Foundation
import LogLabCodecs
import LogLabContainer
import LogLabCore
import LogLabDatasets
import LogLabTransforms

/// The record provider `loglab run` uses: the sdk-log generator and record files (JSON
/// Lines, optionally .gz/.zst/.xz compressed).
public struct DefaultRecordProvider: RecordProvider {
    /// Generated record sets are kept here by content (generator options, window, generator
    /// version), so a large day's window is generated once; nil: generate every time.
    public let cache: ArtifactCache?

    public init(cacheDirectory: String? = nil) {
        cache = cacheDirectory.map { ArtifactCache(directory: $0) }
    }

    public func generate(_ options: [String: String]) throws -> RecordBatch {
        try generate(options, range: nil)
    }

    /// The window alone is held in memory: records before it are generated and dropped, and
    /// generation stops after it.
    public func generate(_ options: [String: String], range: Range<Int>?) throws -> RecordBatch {
        let g = try Self.generatorOptions(options)
        let window = range.map { min($0.lowerBound, g.records)..<min($0.upperBound, g.records) } ?? 0..<g.records
        let generator = SdkLogGenerator(options: g)
        guard let cache else { return generator.generate(range: window) }
        let enc = JSONEncoder()
        enc.outputFormatting = [.sortedKeys]
        let canonical = String(decoding: try enc.encode(g), as: UTF8.self)
        let key = ArtifactCache.key(["generated-records", SdkLogGenerator.outputVersion, canonical,
                                     "\(window.lowerBound)..<\(window.upperBound)"])
        let artifact = try cache.artifact(key: key) {
            let t0 = Clock.nanoseconds()
            let batch = generator.generate(range: window)
            // Generated records are compact JSON without raw newlines: JSON Lines keeps them apart.
            return TrainedArtifact(bytes: batch.joinedLines(finalNewline: true), seconds: Double(Clock.nanoseconds() - t0) / 1e9,
                                   info: ["records": String(batch.count)])
        }
        let batch = RecordBatch(lines: artifact.bytes)
        guard let expected = artifact.info["records"].flatMap(Int.init), batch.count == expected else {
            throw LabError("cache entry \(key): generated records do not split into the \(artifact.info["records"] ?? "?") records stored; delete the entry")
        }
        return batch
    }

    /// Maps spec keys (snake_case) to generator options and validates them.
    public static func generatorOptions(_ o: [String: String]) throws -> SdkLogGenerator.Options {
        var g = SdkLogGenerator.Options()
        func int(_ k: String) throws -> Int? {
            guard let v = o[k] else { return nil }
            guard let i = Int(v) else { throw LabError("generate.\(k): '\(v)' is not a whole number") }
            return i
        }
        if let v = try int("records") { g.records = v }
        if let v = o["start"] { g.start = v }
        if let v = try int("days") { g.days = v }
        if let v = try int("seed") { g.seed = UInt64(max(0, v)) }
        if let v = try int("apps") { g.apps = v }
        if let v = try int("users") { g.users = v }
        if let v = try int("functions") { g.functions = v }
        if let v = try int("anomalies_per_million") { g.anomaliesPerMillion = v }
        if let v = o["evolving"] { g.evolving = v == "true" }
        if let v = try int("new_users_per_day") { g.newUsersPerDay = v }
        if let v = try int("slice_rate") { g.sliceRate = v }
        if let v = try int("slice_hour") { g.sliceHour = v }
        if let v = o["slice_curve"] { g.sliceCurve = v == "true" }
        do { try g.validate() } catch { throw LabError("generate: \(error)") }
        return g
    }

    /// Any format `RecordSources` reads (JSON Lines, arrays, Elasticsearch exports, text),
    /// optionally compressed.
    public func load(path: String) throws -> RecordBatch {
        try RecordSources.load(path: path).records
    }

    /// The file of a catalogue entry (Datasets/catalog.yaml of the checkout, found upwards from
    /// the working folder); generated entries have no file and are an error here (use generate:).
    public func catalogPath(_ name: String) throws -> String {
        guard let catalogFile = DatasetCatalog.locate() else {
            throw LabError("catalogue entry '\(name)': no Datasets/catalog.yaml above the working folder")
        }
        let catalog = try DatasetCatalog.load(path: catalogFile)
        guard let entry = catalog.entry(named: name) else {
            throw LabError("catalogue entry '\(name)' does not exist (known: \(catalog.datasets.map(\.name).joined(separator: ", ")))")
        }
        guard let path = entry.path else {
            throw LabError("catalogue entry '\(name)' has no file; describe it with generate: in the spec")
        }
        return DatasetCatalog.resolve(path, root: DatasetCatalog.root(ofCatalog: catalogFile))
    }
}

/// The backend `loglab run` uses: transforms, dictionary training and the bench engine.
public struct DefaultLabBackend: LabBackend {
    public init() {}

    public var libraryVersions: [String: String] { CodecLibraries.versions }

    public func learnTransforms(selection: String, samples: RecordBatch) throws -> TrainedArtifact {
        let sel = try TransformSelection(parsing: selection)
        let t0 = Clock.nanoseconds()
        let model = TransformModel.learn(from: samples, selection: sel)
        let secs = Double(Clock.nanoseconds() - t0) / 1e9
        return TrainedArtifact(bytes: model.serialized(), seconds: secs)
    }

    /// The dictionary training options of a spec's variant (what `loglab export` reuses).
    public static func trainingOptions(_ variant: DictionaryVariant, level: Int) -> DictionaryTrainingOptions {
        var options = DictionaryTrainingOptions(algorithm: DictionaryTrainingOptions.Algorithm(rawValue: variant.trainer) ?? .fastcover,
                                                size: variant.size, level: level)
        let p = variant.params
        if let k = p["k"].flatMap(Int.init) { options.k = k == 0 ? nil : k }
        if let d = p["d"].flatMap(Int.init) { options.d = d == 0 ? nil : d }
        if let f = p["f"].flatMap(Int.init) { options.f = f }
        if let s = p["steps"].flatMap(Int.init) { options.steps = s }
        if let a = p["accel"].flatMap(Int.init) { options.accel = a }
        if let s = p["split"].flatMap(Double.init) { options.split = s }
        return options
    }

    public func trainDictionary(_ variant: DictionaryVariant, level: Int, model: TrainedArtifact?, samples: RecordBatch) throws -> TrainedArtifact {
        try trainDictionary(variant, level: level, model: model, samples: samples, framing: .record)
    }

    public func trainDictionary(_ variant: DictionaryVariant, level: Int, model: TrainedArtifact?, samples: RecordBatch,
                                framing: Framing) throws -> TrainedArtifact {
        let options = Self.trainingOptions(variant, level: level)
        let m = try model.map { try TransformModel(serialized: $0.bytes) } ?? FramePipeline.learnModel(from: RecordBatch(), selection: .none)
        let trained = try FramePipeline.trainDictionary(samples, model: m, framing: framing, options: options)
        var info = ["k": String(trained.k), "d": String(trained.d), "samples": String(trained.sampleCount)]
        if trained.actualSize != variant.size { info["requested"] = String(variant.size) }
        if !trained.notes.isEmpty { info["notes"] = trained.notes.joined(separator: "; ") }
        return TrainedArtifact(bytes: trained.dictionary.bytes, seconds: trained.seconds, info: info)
    }

    public func measure(_ cell: LabCell, inputs: CellInputs) throws -> CellResult {
        let codec = try CodecSpec(parsing: cell.codec)
        let transforms = try TransformSelection(parsing: cell.transforms)
        var config = CellConfig(framing: cell.framing, codec: codec, dictionarySize: cell.dictionary?.size,
                                transforms: transforms, countSideData: inputs.countArtifacts)
        config.sharedSection = cell.sharedSection
        if let d = cell.dictionary { config.dictionaryTraining = Self.trainingOptions(d, level: cell.dictionaryTrainingLevel ?? codec.level) }
        let dictionary = try inputs.dictionary.map { try ZstdDictionary(bytes: $0.bytes) }
        var result = try CellBenchmark.run(config: config, train: inputs.train, test: inputs.test, trials: inputs.trials,
                                           warmup: inputs.warmup, dictionary: dictionary)
        // Training happened before timing (cached); report what it cost when it ran.
        if let d = inputs.dictionary {
            result.dictionaryTrainingSeconds = d.seconds
            result.trainingSeconds = d.seconds + (result.modelLearningSeconds ?? 0)
            result.dictionaryK = d.info["k"].flatMap(Int.init)
            result.dictionaryD = d.info["d"].flatMap(Int.init)
        }
        return result
    }
}
