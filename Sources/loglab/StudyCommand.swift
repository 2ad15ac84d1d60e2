import ArgumentParser
import Foundation
import LogLabCodecs
import LogLabCore
import LogLabLab
import LogLabTransforms

/// Research measurements that are not (yet) a cell of the lab grid.
struct StudyCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "study",
        abstract: "Research measurements outside the lab grid.",
        subcommands: [SharedSection.self])

    struct SharedSection: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "shared-section",
            abstract: "Small frames with a per-container shared section (trained dictionary, prefix, unseen-value vocabulary): ratio and one-record restore.",
            discussion: "Example: loglab study shared-section --train train.jsonl --codec zstd:6 --block 1024 -i test.jsonl")

        @Option(help: "Training records (JSON Lines) for the transform model.") var train: String
        @Option(help: "Frame codec (zstd).") var codec: String = "zstd:6"
        @Option(help: "Transforms: all, none or a comma list.") var transforms: String = "all"
        @Option(help: "Records per frame.") var block: Int = 1024
        @Option(name: .customLong("first-frames"), help: "Frames whose payloads make the container dictionary.") var firstFrames: Int = 8
        @Option(name: .customLong("dictionary-size"), help: "Container dictionary size (e.g. 112KiB).") var dictionarySize: String = "112KiB"
        @Option(name: .customLong("latency-samples"), help: "Records timed for one-record restore.") var latencySamples: Int = 400
        @Option(help: "Designs to measure, comma-separated (trained, prefix, vocabulary, vocabulary+prefix, container-model, container-model@first, container-model+prefix, container-model+trained, format; default all); file and frames always run.") var designs: String?
        @Option(help: "Output format: text (Markdown) or json.") var format: String = "text"
        @OptionGroup var inputOptions: InputOptions
        @OptionGroup var global: GlobalOptions

        /// Test records (JSON Lines; may be compressed; standard input by default).
        var file: String { inputOptions.input ?? "-" }

        func run() throws {
            guard block >= 1, firstFrames >= 1 else { throw BenchError("--block and --first-frames must be at least 1") }
            guard format == "text" || format == "json" else { throw BenchError("unknown format '\(format)': use text or json") }
            var options = SharedSectionStudy.Options(
                codec: try CodecSpec(parsing: codec), transforms: try TransformSelection(parsing: transforms),
                frameRecords: block, firstFrames: firstFrames, dictionarySize: try ByteSize.parse(dictionarySize),
                sectionCodec: try CodecSpec(parsing: "zstd:19"), latencySamples: latencySamples)
            if let designs {
                let known: Set<String> = ["trained", "prefix", "vocabulary", "vocabulary+prefix", "container-model", "container-model@first", "container-model+prefix", "container-model+trained", "format"]
                let chosen = Set(designs.split(separator: ",").map { String($0) })
                if let bad = chosen.subtracting(known).sorted().first { throw BenchError("unknown design '\(bad)': use \(known.sorted().joined(separator: ", "))") }
                options.designs = chosen
            }
            let trainRecords = RecordBatch(lines: try CompressedFiles.read(train))
            let test = RecordBatch(lines: try CompressedFiles.read(file))
            let rows = try SharedSectionStudy.run(train: trainRecords, test: test, options: options)
            if format == "json" {
                let enc = JSONEncoder()
                enc.outputFormatting = [.prettyPrinted, .sortedKeys]
                try Output.print(String(decoding: try enc.encode(rows), as: UTF8.self))
            } else {
                try Output.print(SharedSectionStudy.table(rows), terminator: "")
            }
        }
    }
}
