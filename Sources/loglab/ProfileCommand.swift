import ArgumentParser
import Foundation
import LogLabCore
import LogLabCodecs
import LogLabTransforms
import LogLabContainer

struct ProfileCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "profile",
        abstract: "Build and show codec profiles.",
        subcommands: [Train.self, Show.self]
    )

    struct Train: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Build a profile from a training file (JSON Lines, optionally .gz/.zst/.xz).",
            discussion: """
                With no options: transforms all, zstd:6, block:1024 (no dictionary: a 1024-record \
                frame carries its own history); record framing trains a 112 KiB dictionary.
                Example: loglab profile train --train sample.jsonl -o sdk.llp
                """)

        @Option(help: "Training file (JSON Lines, optionally compressed; '-' for standard input).") var train: String
        @Option(help: "Transforms: all, none, legacy or a comma list.", transform: Parse.transforms) var transforms: TransformSelection = .all
        @Option(help: "Codec (default zstd:6; zstd:3, gzip:6, xz:6, brotli:9, ...).", transform: Parse.codec) var codec: CodecSpec?
        @Option(help: "Framing: block:N or record (default block:1024).", transform: Parse.framing) var framing: Framing?
        @Option(help: "zstd dictionary size (e.g. 112KiB, 0 for none; default by framing).", transform: Parse.size) var dictionarySize: Int?
        @Option(help: "Field that dates records (a dotted path, for the container time index and partitions); default: detected; '' for none.") var timestampField: String?
        @Option(help: "Keep the dictionary in this file beside the profile instead of embedding it.") var dictionaryOutput: String?
        @Option(help: "Use at most this many training records.") var maxRecords: Int = 200_000
        @Option(name: .shortAndLong, help: "Profile file to write (.llp).") var output: String
        @OptionGroup var global: GlobalOptions

        func validate() throws {
            if maxRecords < 1 { throw ValidationError("--max-records must be at least 1") }
            if output == "-" { throw ValidationError("-o must name a profile file") }
        }

        func run() throws {
            do {
                let profile = try ProfileBuilding.build(
                    train: train, transforms: transforms, codec: codec, framing: framing, dictionarySize: dictionarySize,
                    timestampField: timestampField, dictionaryOutput: dictionaryOutput, maxRecords: maxRecords,
                    source: ["via": "profile train"], global: global)
                try profile.write(to: output)
                global.result("wrote \(output): \(profile.summary)")
            }
        }
    }

    struct Show: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Show a profile's id and metadata.")
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

    static func build(train: String, transforms: TransformSelection, codec: CodecSpec?, framing: Framing?, dictionarySize: Int?,
                      timestampField: String?, dictionaryOutput: String?, maxRecords: Int,
                      source: [String: String], global: GlobalOptions,
                      dictionaryTraining: DictionaryTrainingOptions? = nil,
                      dictionaryTrainingRecords: Int? = nil) throws -> Profile {
        let records = try readTraining(train)
        let bytes = records.totalBytes + records.count
        let field: String?
        if let timestampField {
            field = timestampField.isEmpty ? nil : timestampField
        } else {
            let (found, candidates) = ProfileTrainer.detectTimeField(records)
            let listed = candidates.prefix(5).map { "\($0.path) (\(Int(($0.coverage * 100).rounded())) %)" }.joined(separator: ", ")
            if let found {
                global.note("time field: \(found) (detected\(candidates.count > 1 ? "; candidates: " + listed : ""))")
            } else {
                global.note("no time field found\(candidates.isEmpty ? " (no field holds times)" : "; candidates: " + listed): the containers will have no time index (pass --timestamp-field to choose one)")
            }
            field = found
        }
        var options = ProfileTrainer.Options(transforms: transforms, codec: codec, framing: framing, dictionarySize: dictionarySize,
                                             timestampField: field, maxTrainingRecords: maxRecords, dictionaryFile: dictionaryOutput)
        options.dictionaryTraining = dictionaryTraining
        options.dictionaryTrainingRecords = dictionaryTrainingRecords
        return try ProfileTrainer.train(
            records: records, options: options,
            training: ProfileMetadata.Training(file: train == "-" ? "-" : (train as NSString).lastPathComponent, records: records.count,
                                               bytes: bytes, sha256: nil),
            source: source)
    }
}
