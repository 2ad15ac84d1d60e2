import ArgumentParser
import Foundation
import LogLabCodecs
import LogLabCore
import LogLabDatasets

struct DatasetCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "dataset",
        abstract: "Generate, list, verify, inspect and split datasets.",
        subcommands: [Generate.self, List.self, Verify.self, Stats.self, Split.self]
    )

    static func catalogPath(_ given: String?) throws -> String {
        if let given { return given }
        guard let found = DatasetCatalog.locate() else {
            throw DatasetError("no Datasets/catalog.yaml here or above; pass --catalog PATH")
        }
        return found
    }

    static func note(_ text: String) { Output.note(text) }

    /// Writes chunks to `path` atomically, compressed when its extension says so (.gz .zst .xz .br).
    static func writeOutput(_ path: String, level: Int?, _ produce: ((UnsafeRawBufferPointer) throws -> Void) throws -> Void) throws {
        try Output.with(path) { out in
            if path != "-", let family = CodecDetection.family(forPath: path) {
                let spec = try CodecSpec(parsing: "\(family.rawValue):\(level ?? (family == .zstd ? 19 : family == .xz ? 9 : 6))", standaloneStream: true)
                let compressor = try StreamCompressor(spec)
                let sink: (UnsafeRawBufferPointer) throws -> Void = { try out.write($0) }
                try produce { try compressor.write($0, to: sink) }
                try compressor.finish(to: sink)
            } else {
                try produce { try out.write($0) }
            }
        }
    }

    struct Generate: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "generate",
            abstract: "Generate synthetic sdk-log (JSON Lines; compressed when -o ends in .zst, .gz, .xz or .br).",
            discussion: "Example: loglab dataset generate sdk-log --records 100000 --start 2021-12-26 --days 1 --seed 1 -o sdk-log.jsonl")

        @Argument(help: "Generator (sdk-log).") var kind: String
        @Option(help: "Total records over all days.") var records: Int = 10_000
        @Option(help: "First day (KST date, YYYY-MM-DD).") var start: String = "2021-12-26"
        @Option(help: "Number of days.") var days: Int = 1
        @Option(help: "Seed: the same arguments give the same bytes.") var seed: UInt64 = 1
        @Option(help: "Apps in the world.") var apps: Int = 300
        @Option(help: "Users in the world.") var users: Int = 30_000
        @Option(help: "SDK functions in use (4…\(SdkLogGenerator.catalogueSize)).") var functions: Int = SdkLogGenerator.catalogueSize
        @Option(help: "Anomalous records per million.") var anomaliesPerMillion: Int = 2_000
        @Flag(help: "Evolving traffic: new users daily, a new app from day 2, a new function from day 3.") var evolving = false
        @Option(help: "New users per day with --evolving (default users/20).") var newUsersPerDay: Int?
        @Option(help: "Slice mode: each day is a contiguous slice of a service handling this many records per second.") var sliceRate: Int?
        @Option(help: "KST hour at which each day's slice starts (with --slice-rate).") var sliceHour: Int = 20
        @Flag(help: "With --slice-rate: the rate follows the KST daily curve, --slice-rate being its daily mean.") var sliceCurve = false
        @Option(help: "Compression level when the output is compressed.") var level: Int?
        @Option(help: "File layout: jsonl, json-array, pretty-array or es-search (a _search response).", transform: Parse.layout) var layout: ExportLayout = .jsonLines
        @Flag(help: "Print the sha256 of the generated (uncompressed) bytes.") var sha256 = false
        @OptionGroup var outputOptions: OutputOptions
        @OptionGroup var global: GlobalOptions

        var output: String { outputOptions.output ?? "-" }

        func run() throws {
            guard kind == "sdk-log" else { throw DatasetError("unknown generator '\(kind)': available: sdk-log") }
            let options = SdkLogGenerator.Options(
                records: records, start: start, days: days, seed: seed, apps: apps, users: users,
                functions: functions, anomaliesPerMillion: anomaliesPerMillion, evolving: evolving,
                newUsersPerDay: newUsersPerDay, sliceRate: sliceRate, sliceHour: sliceHour, sliceCurve: sliceCurve)
            try options.validate()
            let generator = SdkLogGenerator(options: options)
            let t0 = Clock.nanoseconds(), c0 = Clock.threadCPUNanoseconds()
            var bytes = 0
            let hasher = sha256 ? SHA256Hasher() : nil
            try DatasetCommand.writeOutput(output, level: level) { sink in
                try generator.write(layout: layout) { chunk in
                    bytes += chunk.count
                    hasher?.update(chunk)
                    try sink(chunk)
                }
            }
            let seconds = Double(Clock.nanoseconds() - t0) / 1e9
            let cpu = Double(Clock.threadCPUNanoseconds() - c0) / 1e9
            func rate(_ s: Double) -> String { String(format: "%.1f", s > 0 ? Double(bytes) / 1e6 / s : 0) }
            let hash = hasher.map { ", sha256 \($0.finalize().hexString)" } ?? ""
            global.note("generated \(records) records, \(bytes) bytes\(hash) in \(String(format: "%.2f", seconds)) s: \(rate(seconds)) MB/s wall, \(rate(cpu)) MB/s CPU (writing included)")
        }
    }

    struct List: ParsableCommand {
        static let configuration = CommandConfiguration(commandName: "list", abstract: "List the datasets of the catalogue.")
        @Option(help: "Catalogue file (default: Datasets/catalog.yaml here or above).") var catalog: String?
        @OptionGroup var global: GlobalOptions

        func run() throws {
            let path = try DatasetCommand.catalogPath(catalog)
            let c = try DatasetCatalog.load(path: path)
            let root = DatasetCatalog.root(ofCatalog: path)
            for e in c.datasets {
                let present = e.path.map { FileManager.default.fileExists(atPath: DatasetCatalog.resolve($0, root: root)) }
                let where_ = e.path.map { "\($0)\(present == true ? "" : " (absent)")" } ?? "generated on demand"
                let size = [e.records.map { "\($0) records" }, e.bytes.map { ByteSize.format($0) }].compactMap { $0 }.joined(separator: ", ")
                print("\(e.name)  [\(e.kind)]  \(size)  \(e.license)\n    \(where_)")
                if let g = e.generator {
                    let p = g.parameters
                    print("    generator \(g.name): records \(p.records), start \(p.start), days \(p.days), seed \(p.seed), apps \(p.apps), users \(p.users), functions \(p.functions)\(p.evolving ? ", evolving" : "")")
                }
                if let r = e.regenerate { print("    regenerate: \(r)") }
            }
        }
    }

    struct Verify: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "verify",
            abstract: "Check every dataset's hash, size and record count (a missing optional dataset is reported, not fatal).")
        @Option(help: "Catalogue file (default: Datasets/catalog.yaml here or above).") var catalog: String?
        @Flag(help: "Do not regenerate generated datasets that also have a file.") var noRegenerate = false
        @OptionGroup var global: GlobalOptions

        func run() throws {
            let path = try DatasetCommand.catalogPath(catalog)
            let c = try DatasetCatalog.load(path: path)
            let checks = c.verify(root: DatasetCatalog.root(ofCatalog: path), regenerate: !noRegenerate)
            for check in checks where !global.quiet || check.isFailure { print(check) }
            let failures = checks.filter(\.isFailure)
            if !failures.isEmpty {
                throw DatasetError("\(failures.count) of \(checks.count) datasets failed verification: \(failures.map(\.name).joined(separator: ", "))")
            }
        }
    }

    struct Stats: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "stats",
            abstract: "Per field path: count, distinct values, top values, mean length, order-0 entropy; key orders; non-JSON records.")
        @Option(name: .shortAndLong, help: "Dataset file (.jsonl, .json, ES export, text; optionally .gz/.zst/.xz; '-' for standard input).") var input: String = "-"
        @Option(help: "Record format; detected by default.") var recordFormat: RecordFormat?
        @Option(help: "Top values per field.") var top: Int = 5
        @Option(help: "Stop after this many records.") var maxRecords: Int?
        @Option(help: "Distinct values tracked per field before counting stops.") var distinctLimit: Int = 50_000
        @Option(help: "Output format: text or json.") var format: OutputFormat = .text
        @OptionGroup var global: GlobalOptions

        var file: String { input }
        var json: Bool { format == .json }

        func validate() throws {
            if format == .csv { throw ValidationError("dataset stats writes text or json, not csv") }
        }

        func run() throws {
            let reader = try RecordReader(path: file, format: recordFormat)
            var acc = StatsAccumulator(top: top, distinctLimit: distinctLimit)
            try acc.add(reader, maxRecords: maxRecords)
            let stats = acc.finish()
            if json {
                let enc = JSONEncoder()
                enc.outputFormatting = [.prettyPrinted, .sortedKeys]
                print(String(decoding: try enc.encode(stats), as: UTF8.self))
            } else {
                print("file: \(file)  format: \(reader.format)\(reader.compression.map { "  compression: \($0.rawValue)" } ?? "")")
                print(stats.render())
            }
        }
    }

    struct Split: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "split",
            abstract: "Split a dataset into train and test files (by time, by fraction, or a deterministic sample).",
            discussion: """
            Examples:
              loglab dataset split -i data.jsonl --by time --timestamp-field _source.timestamp --train-day 2021-12-26 --test-days 2 --train train.jsonl --test test.jsonl
              loglab dataset split -i data.jsonl --by fraction --fraction 0.8 --seed 1 --train train.jsonl --test test.jsonl
              loglab dataset split -i data.jsonl --by sample --count 1000 --seed 1 --train sample.jsonl
            Outputs are JSON Lines (records joined by newlines).
            """)
        enum By: String, ExpressibleByArgument { case time, fraction, sample }

        @Option(name: .shortAndLong, help: "Dataset file ('-' for standard input).") var input: String = "-"
        @Option(help: "How to split.") var by: By
        @Option(help: "Field that dates records for --by time, a dotted path (e.g. _source.timestamp, @timestamp, ts).") var timestampField: String = "_source.timestamp"
        @Option(help: "Train day (YYYY-MM-DD, UTC; default the earliest).", transform: Parse.date) var trainDay: String?
        @Option(help: "Test days after the train day.") var testDays: Int = 1
        @Option(help: "Records without a timestamp.") var missing: Splits.MissingTimestamp = .exclude
        @Option(help: "Train fraction for --by fraction.") var fraction: Double = 0.8
        @Option(help: "Seed (shuffled fraction split, sample).") var seed: UInt64?
        @Option(help: "Sample size for --by sample.") var count: Int = 1000
        @Option(help: "Train (or sample) output file.") var train: String
        @Option(help: "Test output file.") var test: String?
        @OptionGroup var global: GlobalOptions

        var file: String { input }
        var field: String { timestampField }

        func validate() throws {
            if testDays < 1 { throw ValidationError("--test-days must be at least 1") }
            if !(fraction > 0 && fraction < 1) { throw ValidationError("--fraction must lie strictly between 0 and 1") }
            if count < 1 { throw ValidationError("--count must be at least 1") }
        }

        func run() throws {
            let data = try RecordSources.load(path: file)
            let split: DatasetSplit
            switch by {
            case .time:
                split = try Splits.byTime(data.records, field: field, trainDay: trainDay, testDays: testDays, missing: missing)
            case .fraction:
                split = try Splits.byFraction(data.records, train: fraction, seed: seed)
            case .sample:
                split = Splits.bySample(count: count, of: data.records.count, seed: seed ?? 1)
            }
            let (trainBatch, testBatch) = split.apply(to: data.records)
            try DatasetCommand.writeOutput(train, level: nil) { sink in try trainBatch.joinedLines().withUnsafeBytes(sink) }
            if let test {
                try DatasetCommand.writeOutput(test, level: nil) { sink in try testBatch.joinedLines().withUnsafeBytes(sink) }
            }
            // The summary goes to standard error when a split itself is on standard output.
            let report = train == "-" || test == "-" ? global.note : global.result
            for n in split.notes { report(n) }
            report("train: \(split.train.count) records, test: \(split.test.count), excluded: \(split.excluded), duplicated content: \(split.duplicateContent)")
        }
    }
}
