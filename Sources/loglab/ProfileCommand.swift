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

        @Option(help: "Training file.") var train: String
        @Option(help: "Transforms: all, none, legacy or a comma list.") var transforms: String = "all"
        @Option(help: "Codec (default zstd:6; zstd:3, gzip:6, xz:6, brotli:9, ...).") var codec: String?
        @Option(help: "Framing: block:N or record (default block:1024).") var framing: String?
        @Option(help: "zstd dictionary size (e.g. 112KiB, 0 for none; default by framing).") var dictSize: String?
        @Option(help: "Field that dates records (container time index, partitions); '' for none.") var timestampField: String = "timestamp"
        @Option(help: "Keep the dictionary in this file beside the profile instead of embedding it.") var dictFile: String?
        @Option(help: "Use at most this many training records.") var maxRecords: Int = 200_000
        @Option(name: .shortAndLong, help: "Profile file to write (.llp).") var output: String

        func run() throws {
            do {
                let profile = try ProfileBuilding.build(
                    train: train, transforms: transforms, codec: codec, framing: framing, dictSize: dictSize,
                    timestampField: timestampField, dictFile: dictFile, maxRecords: maxRecords,
                    source: ["via": "profile train"])
                try profile.write(to: output)
                print("wrote \(output): \(profile.summary)")
            }
        }
    }

    struct Show: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Show a profile's id and metadata.")
        @Argument(help: "Profile file.") var profile: String

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
        var bytes = try Files.read(path)
        let family = CodecDetection.family(forPath: path) ?? CodecDetection.family(magic: bytes.prefix(8))
        if let family {
            bytes = try Decompressor(family).decompress(bytes)
        }
        return RecordBatch(lines: bytes)
    }

    static func build(train: String, transforms: String, codec: String?, framing: String?, dictSize: String?,
                      timestampField: String, dictFile: String?, maxRecords: Int,
                      source: [String: String], dictionaryTraining: DictionaryTrainingOptions? = nil,
                      dictionaryTrainingRecords: Int? = nil) throws -> Profile {
        let selection = try TransformSelection(parsing: transforms)
        let spec = try codec.map { try CodecSpec(parsing: $0) }
        let frames = try framing.map { try Framing(parsing: $0) }
        let size = try dictSize.map { try ByteSize.parse($0) }
        let field = timestampField.isEmpty ? nil : timestampField
        let records = try readTraining(train)
        let bytes = records.totalBytes + records.count
        var options = ProfileTrainer.Options(transforms: selection, codec: spec, framing: frames, dictionarySize: size,
                                             timestampField: field, maxTrainingRecords: maxRecords, dictionaryFile: dictFile)
        options.dictionaryTraining = dictionaryTraining
        options.dictionaryTrainingRecords = dictionaryTrainingRecords
        return try ProfileTrainer.train(
            records: records, options: options,
            training: ProfileMetadata.Training(file: (train as NSString).lastPathComponent, records: records.count,
                                               bytes: bytes, sha256: nil),
            source: source)
    }
}
