import ArgumentParser
import Foundation
import LogLabCodecs
import LogLabContainer
import LogLabCore
import LogLabReports
import LogLabTransforms

struct ExplainCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "explain",
        abstract: "Show where the bytes go: per field path, after transforms and compressed, plus container and side data.",
        discussion: """
            Compresses the input (-i, JSON Lines) in memory exactly as `loglab compress` would, with --profile, or with a \
            configuration learned from --train (--transforms, --codec, --framing, --dictionary-size as in `profile train`).
            Examples: loglab explain --profile sdk.llp -i day2.jsonl
                      loglab explain --train day1.jsonl --transforms all --codec zstd:3 --framing record -i day2.jsonl --format csv
            """)

    @OptionGroup var inputOptions: InputOptions
    @Option(help: "Profile file (.llp).") var profile: String?
    @Option(help: "Without --profile: training file to learn the configuration from.") var train: String?
    @Option(help: "Without --profile: transforms (all, none, legacy or a list).", transform: Parse.transforms) var transforms: TransformSelection = .all
    @Option(help: "Without --profile: codec (default zstd:6).", transform: Parse.codec) var codec: CodecSpec?
    @Option(help: "Without --profile: framing (default block:1024).", transform: Parse.framing) var framing: Framing?
    @Option(help: "Without --profile: zstd dictionary size (0 for none; default by framing).", transform: Parse.size) var dictionarySize: Int?
    @Option(help: "Output: text, csv, json or markdown.") var format: BreakdownFormat = .text
    @OptionGroup var global: GlobalOptions

    func validate() throws {
        if profile != nil && train != nil { throw ValidationError("give --profile or --train, not both") }
        if profile == nil && train == nil { throw ValidationError("give --profile PROFILE or --train FILE") }
    }

    func run() throws {
        do {
            let out = format
            let p: Profile
            if let profile {
                p = try ContainerCLI.loadProfile(profile)
            } else if let train {
                p = try ProfileBuilding.build(train: train, transforms: transforms, codec: codec, framing: framing, dictionarySize: dictionarySize,
                                              timestampField: "", dictionaryOutput: nil, maxRecords: 200_000,
                                              source: ["via": "explain"], global: global)
            } else {
                throw ContainerError(.usage, "give --profile PROFILE or --train FILE")
            }
            let file = inputOptions.input ?? "-"
            let records = try ProfileBuilding.readTraining(file)
            let breakdown = try ByteBreakdown.explain(profile: p, records: records)
            try Output.print(try out.render(breakdown), terminator: "")
        }
    }
}

extension BreakdownFormat: ExpressibleByArgument {}
