import ArgumentParser
import Foundation
import LogLabCore
import LogLabCodecs
import LogLabTransforms
import LogLabContainer
import LogLabLab

struct ProfileCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "profile",
        abstract: "Build and show codec profiles.",
        subcommands: [Train.self, Show.self]
    )

    struct Train: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "train",
            abstract: "Build a profile from a training file (JSON Lines or text lines, optionally .gz/.zst/.xz).",
            discussion: """
                The profile tunes itself: it holds out the last 20 % of the training records, learns on \
                the rest, measures candidates (transforms all/none; record, block:256, block:1024, \
                block:4096; zstd 3/6/9/12/19, brotli 5/9; dictionary none, 32, 64 or 110 KiB) with the \
                lab's bench engine and keeps the smallest stored size among those that compress and \
                restore at the speed floors per core: the container, scaled from the held-out records \
                to the whole training sample, plus the model and dictionary the profile stores. Leaving \
                the defaults must save more than 1 % of it, unless they are not 10 % faster. Speeds are per CPU-second, the fastest of \
                passes timing at least 4 MiB, on whole frames (a held-out split smaller than a frame \
                repeated to fill one), else less the fixed costs of a one-record pass. It \
                prints what it tried and why (standard error; --dry-run prints only that), then trains \
                the chosen profile on every record. A last stage measures the choice with a shared section \
                (containers that fill its learning window learn one; see compress --shared-section) and keeps it \
                when it stores no more and meets the floors, its learning counted once per container of \
                --container-size. --codec, --framing, --dictionary-size, --transforms and --shared-section fix their dimension; --no-search takes the fixed defaults (transforms all, \
                zstd:6, block:1024, a dictionary sized by the framing) for what is not given. No \
                candidate meeting the floors: the fastest is chosen, with a warning. Speeds depend on \
                the machine and its load, so the choice may differ between machines.
                Example: loglab profile train --train sample.jsonl -o sdk.llp
                """)

        @Option(help: "Training file (JSON Lines, optionally compressed; '-' for standard input).") var train: String
        @Option(help: "Transforms: all, none, legacy or a comma list (searched; with --no-search all).", transform: Parse.transforms) var transforms: TransformSelection?
        @Option(help: "Codec, e.g. zstd:6, zstd:19, brotli:9, xz:6 (searched; with --no-search zstd:6).", transform: Parse.codec) var codec: CodecSpec?
        @Option(help: "Framing: block:N, record or file (searched; with --no-search block:1024).", transform: Parse.framing) var framing: Framing?
        @Option(help: "zstd dictionary size (e.g. 112KiB, 0 for none; searched; with --no-search sized by the framing).", transform: Parse.size) var dictionarySize: Int?
        @Option(help: "Compression speed floor per core for the search (e.g. 50MB/s; a bare number is MB/s).", transform: Parse.speed) var minCompressSpeed: Double = SpeedFloors.standard.compressMBps
        @Option(help: "Restore speed floor per core for the search (e.g. 200MB/s).", transform: Parse.speed) var minRestoreSpeed: Double = SpeedFloors.standard.restoreMBps
        @Flag(inversion: .prefixedNo, help: "Containers get a shared section by default (compress --shared-section for those that fill its learning window); not given: the search's last stage decides, --no-search: no.") var sharedSection: Bool?
        @Option(help: "Container size over which the search counts learning a shared section once (e.g. 1GB, an hour of logs).", transform: Parse.size) var containerSize: Int = ProfileSearch.BenchMeasurer.defaultContainerBytes
        @Flag(inversion: .prefixedNo, help: "Search the dimensions not given, under the speed floors (see above); --no-search: the fixed defaults.") var search = true
        @Flag(help: "Print what the search tries and what it would choose; write nothing.") var dryRun = false
        @Option(help: "Field that dates records (a dotted path, for the container time index and partitions); default: detected; '' for none.") var timestampField: String?
        @Option(help: "Keep the dictionary in this file beside the profile instead of embedding it.") var dictionaryOutput: String?
        @Option(help: "Use at most this many training records.") var maxRecords: Int = 200_000
        @Option(name: .shortAndLong, help: "Profile file to write (.llp); not with --dry-run.") var output: String?
        @OptionGroup var global: GlobalOptions

        func validate() throws {
            if maxRecords < 1 { throw ValidationError("--max-records must be at least 1") }
            if output == "-" { throw ValidationError("-o must name a profile file") }
            if output == nil && !dryRun { throw ValidationError("missing -o FILE (the profile to write), or --dry-run") }
            if output != nil && dryRun { throw ValidationError("--dry-run writes nothing: drop -o") }
            if dryRun && !search { throw ValidationError("--dry-run prints the search: drop --no-search") }
            if containerSize < 1 { throw ValidationError("--container-size must be at least 1 byte") }
        }

        func run() throws {
            do {
                let training = try ProfileBuilding.load(train: train, timestampField: timestampField, global: global)
                var codec = codec, framing = framing, dictionarySize = dictionarySize, transforms = transforms
                var shares = sharedSection ?? false
                let space = SearchSpace.standard.fixing(transforms: transforms, framing: framing, codec: codec, dictionarySize: dictionarySize,
                                                        sharedSection: sharedSection)
                if search && !space.isFixed {
                    let floors = SpeedFloors(compressMBps: minCompressSpeed, restoreMBps: minRestoreSpeed)
                    let records = ProfileTrainer.sample(training.records, max: maxRecords)
                    let (learn, validate) = ProfileSearch.split(records)
                    global.note("searching \(space.summary) on \(validate.count) held-out of \(records.count) training records, floors \(floors)")
                    let measurer = ProfileSearch.BenchMeasurer(learn: learn, validate: validate, timestampField: training.timestampField)
                    measurer.containerBytes = containerSize
                    let outcome = ProfileSearch.run(space: space, floors: floors, margin: ProfileSearch.profileMargin,
                                                    measure: measurer.measure, progress: global.detail)
                    let table = ProfileSearch.render(outcome)
                    if dryRun {
                        if !global.quiet { print(table, terminator: "") }
                        return
                    }
                    global.note(table.hasSuffix("\n") ? String(table.dropLast()) : table)
                    guard let chosen = outcome.chosenCandidate else {
                        throw CLIError("the search measured no candidate: \(outcome.skipped.first?.reason ?? "nothing to try")")
                    }
                    (transforms, framing, codec, shares) = (chosen.transforms, chosen.framing, chosen.codec, chosen.sharedSection)
                    dictionarySize = chosen.dictionarySize
                } else if dryRun {
                    global.result("nothing to search: every dimension is fixed (\(space.summary))")
                    return
                }
                let profile = try ProfileBuilding.build(
                    records: training.records, file: train, timestampField: training.timestampField,
                    transforms: transforms ?? .all, codec: codec, framing: framing, dictionarySize: dictionarySize,
                    dictionaryOutput: dictionaryOutput, maxRecords: maxRecords, source: ["via": "profile train"], sharedSection: shares)
                try profile.write(to: output!)
                global.result("wrote \(output!): \(profile.summary)")
            }
        }
    }

    struct Show: ParsableCommand {
        static let configuration = CommandConfiguration(commandName: "show", abstract: "Show a profile's id and metadata.")
        @Option(name: .shortAndLong, help: "Profile file.") var input: String
        @OptionGroup var global: GlobalOptions
        var profile: String { input }

        func run() throws {
            do {
                let p = try ContainerCLI.loadProfile(profile)
                print("profile \(p.id.hex)")
                print("  \(p.summary)")
                print(String(decoding: try p.metadata.json(), as: UTF8.self))
            }
        }
    }
}

/// Shared by `profile train` and `export`.
enum ProfileBuilding {
    static func readTraining(_ path: String) throws -> RecordBatch {
        RecordBatch(lines: try CompressedFiles.read(path))
    }

    /// The training records and the field that dates them (`timestampField`: nil detects,
    /// '' is none), with a note on what was detected.
    static func load(train: String, timestampField: String?, global: GlobalOptions) throws -> (records: RecordBatch, timestampField: String?) {
        let records = try readTraining(train)
        // Said once here (as the trainer would), not once per candidate a search would skip.
        guard records.count > 0 else { throw CLIError("the training set has no records") }
        if let timestampField { return (records, timestampField.isEmpty ? nil : timestampField) }
        let (found, candidates) = ProfileTrainer.detectTimeField(records)
        let listed = candidates.prefix(5).map { "\($0.path) (\(Int(($0.coverage * 100).rounded())) %)" }.joined(separator: ", ")
        if let found {
            global.note("time field: \(found) (detected\(candidates.count > 1 ? "; candidates: " + listed : ""))")
        } else {
            global.note("no time field found\(candidates.isEmpty ? " (no field holds times)" : "; candidates: " + listed): the containers will have no time index (pass --timestamp-field to choose one)")
        }
        return (records, found)
    }

    static func build(train: String, transforms: TransformSelection, codec: CodecSpec?, framing: Framing?, dictionarySize: Int?,
                      timestampField: String?, dictionaryOutput: String?, maxRecords: Int,
                      source: [String: String], global: GlobalOptions,
                      dictionaryTraining: DictionaryTrainingOptions? = nil,
                      dictionaryTrainingRecords: Int? = nil, sharedSection: Bool = false) throws -> Profile {
        let training = try load(train: train, timestampField: timestampField, global: global)
        return try build(records: training.records, file: train, timestampField: training.timestampField, transforms: transforms,
                         codec: codec, framing: framing, dictionarySize: dictionarySize, dictionaryOutput: dictionaryOutput,
                         maxRecords: maxRecords, source: source, dictionaryTraining: dictionaryTraining,
                         dictionaryTrainingRecords: dictionaryTrainingRecords, sharedSection: sharedSection)
    }

    static func build(records: RecordBatch, file train: String, timestampField field: String?, transforms: TransformSelection,
                      codec: CodecSpec?, framing: Framing?, dictionarySize: Int?, dictionaryOutput: String?, maxRecords: Int,
                      source: [String: String], dictionaryTraining: DictionaryTrainingOptions? = nil,
                      dictionaryTrainingRecords: Int? = nil, sharedSection: Bool = false) throws -> Profile {
        let bytes = records.totalBytes + records.count
        var options = ProfileTrainer.Options(transforms: transforms, codec: codec, framing: framing, dictionarySize: dictionarySize,
                                             timestampField: field, maxTrainingRecords: maxRecords, dictionaryFile: dictionaryOutput)
        options.dictionaryTraining = dictionaryTraining
        options.dictionaryTrainingRecords = dictionaryTrainingRecords
        options.sharedSection = sharedSection
        return try ProfileTrainer.train(
            records: records, options: options,
            training: ProfileMetadata.Training(file: train == "-" ? "-" : (train as NSString).lastPathComponent, records: records.count,
                                               bytes: bytes, sha256: nil),
            source: source)
    }
}
