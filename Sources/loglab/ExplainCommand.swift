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
            Compresses FILE (JSON Lines) in memory exactly as `loglab compress` would, with --profile, or with a \
            configuration learned from --train (--transforms, --codec, --framing, --dict-size as in `profile train`).
            Examples: loglab explain --profile sdk.llp day2.jsonl
                      loglab explain --train day1.jsonl --transforms all --codec zstd:3 --framing record day2.jsonl --format csv
            """)

    @Argument(help: "Records to explain (JSON Lines, optionally compressed).") var file: String
    @Option(help: "Profile file (.llp).") var profile: String?
    @Option(help: "Without --profile: training file to learn the configuration from.") var train: String?
    @Option(help: "Without --profile: transforms (all, none, legacy or a list).") var transforms: String = "all"
    @Option(help: "Without --profile: codec (default zstd:6).") var codec: String?
    @Option(help: "Without --profile: framing (default block:1024).") var framing: String?
    @Option(help: "Without --profile: zstd dictionary size (0 for none; default by framing).") var dictSize: String?
    @Option(help: "Output: text, csv, json or markdown.") var format: String = "text"

    func run() throws {
        do {
            guard let out = BreakdownFormat(rawValue: format) else {
                throw ContainerError(.usage, "unknown --format '\(format)' (text, csv, json, markdown)")
            }
            let p: Profile
            if let profile {
                p = try ContainerCLI.loadProfile(profile)
            } else if let train {
                p = try ProfileBuilding.build(train: train, transforms: transforms, codec: codec, framing: framing, dictSize: dictSize,
                                              timestampField: "timestamp", dictFile: nil, maxRecords: 200_000, source: ["via": "explain"])
            } else {
                throw ContainerError(.usage, "give --profile PROFILE or --train FILE")
            }
            let records = try ProfileBuilding.readTraining(file)
            let breakdown = try ByteBreakdown.explain(profile: p, records: records)
            print(try out.render(breakdown), terminator: "")
        }
    }
}
