import ArgumentParser
import Foundation
import LogLabCore
import LogLabDatasets

struct DatasetCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "dataset",
        abstract: "Generate, list, verify and inspect datasets.",
        subcommands: [Generate.self]
    )

    struct Generate: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Generate a synthetic dataset (JSON Lines).",
            discussion: "Example: loglab dataset generate sdk-log --records 100000 --start 2021-12-26 --days 1 --seed 1 -o sdk-log.jsonl")

        @Argument(help: "Dataset kind (sdk-log).") var kind: String
        @Option(help: "Total records over all days.") var records: Int = 10_000
        @Option(help: "First day (KST date, YYYY-MM-DD).") var start: String = "2021-12-26"
        @Option(help: "Number of days.") var days: Int = 1
        @Option(help: "Seed (same seed, same bytes).") var seed: UInt64 = 1
        @Option(help: "Apps in the world.") var apps: Int = 300
        @Option(help: "Users in the world.") var users: Int = 30_000
        @Option(help: "SDK functions in use (4…\(SdkLogGenerator.catalogueSize)).") var functions: Int = SdkLogGenerator.catalogueSize
        @Option(help: "Anomalous records per million.") var anomaliesPerMillion: Int = 2_000
        @Flag(help: "Evolving traffic: new users daily, a new app from day 2, a new function from day 3.") var evolving = false
        @Option(help: "New users per day with --evolving (default users/20).") var newUsersPerDay: Int?
        @Option(name: .shortAndLong, help: "Output file ('-' for standard output).") var output: String

        func run() throws {
            guard kind == "sdk-log" else { throw DatasetError("unknown generator '\(kind)': available: sdk-log") }
            let options = SdkLogGenerator.Options(
                records: records, start: start, days: days, seed: seed, apps: apps, users: users,
                functions: functions, anomaliesPerMillion: anomaliesPerMillion, evolving: evolving,
                newUsersPerDay: newUsersPerDay)
            try options.validate()
            let generator = SdkLogGenerator(options: options)
            let t0 = Clock.nanoseconds()
            var bytes = 0
            if output == "-" {
                try generator.write { chunk in
                    bytes += chunk.count
                    FileHandle.standardOutput.write(Data(chunk))
                }
            } else {
                try Files.withAtomicOutput(output) { handle in
                    try generator.write { chunk in
                        bytes += chunk.count
                        try handle.write(contentsOf: Data(chunk))
                    }
                }
            }
            let seconds = Double(Clock.nanoseconds() - t0) / 1e9
            let rate = seconds > 0 ? Double(bytes) / 1e6 / seconds : 0
            FileHandle.standardError.write(Data("generated \(records) records, \(bytes) bytes in \(String(format: "%.2f", seconds)) s (\(String(format: "%.1f", rate)) MB/s)\n".utf8))
        }
    }
}
