import ArgumentParser
import Foundation
import LogLabCodecs
import LogLabCore
import LogLabContainer
import LogLabDatasets
import LogLabLab
import LogLabTransforms

// The CLI's conventions, in one place: every command takes `-q/--quiet` and `-v/--verbose`;
// data comes from `-i/--input` and goes to `-o/--output`, where `-` or no option means
// standard input/output; binary output refuses a terminal unless `-f/--force`; one spelling
// per concept (`--dictionary`, `--dictionary-size`, `--train`, `--format text|csv|json`,
// `--timestamp-field`, `--threads`).

/// `-q` and `-v`, on every command.
struct GlobalOptions: ParsableArguments {
    @Flag(name: .shortAndLong, help: "Print nothing but errors.") var quiet = false
    @Flag(name: .shortAndLong, help: "Print details (summaries, timings) to standard error.") var verbose = false

    func validate() throws {
        if quiet && verbose { throw ValidationError("--quiet and --verbose exclude each other") }
    }

    /// A status line (standard error), unless --quiet.
    func note(_ text: String) { if !quiet { printErr(text) } }
    /// A detail line (standard error), only with --verbose.
    func detail(_ text: String) { if verbose { printErr(text) } }
    /// A result line (standard output), unless --quiet.
    func result(_ text: String) { if !quiet { print(text) } }
}

/// `--threads` and `--single-thread`, on the commands that decode or encode frames.
struct WorkerOptions: ParsableArguments {
    @Option(help: "Worker threads (default: one per core).") var threads: Int?
    @Flag(help: "Do all the work on the calling thread: no worker threads, as zstd's --single-thread (--threads 1 still reads, decompresses and writes beside its one worker).") var singleThread = false

    func validate() throws {
        if let threads, threads < 1 { throw ValidationError("--threads must be at least 1") }
        if singleThread && threads != nil { throw ValidationError("--single-thread and --threads do not combine") }
    }
}

/// `-i/--input`: a file, or standard input for `-` or when absent.
struct InputOptions: ParsableArguments {
    @Option(name: .shortAndLong, help: "Input file ('-' or absent: standard input).") var input: String?

    /// The path, nil for standard input.
    var path: String? { input == "-" ? nil : input }
}

/// `-o/--output` for text: a file, or standard output for `-` or when absent.
struct OutputOptions: ParsableArguments {
    @Option(name: .shortAndLong, help: "Output file ('-' or absent: standard output).") var output: String?

    var path: String? { output == "-" ? nil : output }
}

/// `-o/--output` and `-f/--force` for binary output, which is not written to a terminal
/// unless forced (as zstd does).
struct BinaryOutputOptions: ParsableArguments {
    @Option(name: .shortAndLong, help: "Output file ('-' or absent: standard output).") var output: String?
    @Flag(name: .shortAndLong, help: "Write binary output to a terminal anyway.") var force = false

    var path: String? { output == "-" ? nil : output }

    /// Throws when the output is a terminal and not forced.
    func checkTerminal() throws {
        if path == nil, !force, isatty(1) != 0 {
            throw CLIError("standard output is a terminal: refusing to write binary data (use -o FILE, a pipe, or -f)")
        }
    }
}

/// `--format text|csv|json` (report output).
enum OutputFormat: String, ExpressibleByArgument, CaseIterable {
    case text, csv, json
}

struct CLIError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

// Typed option values. Enumerations list their values in the help; the other types parse
// with their library's parser so a bad value is reported with its reason.
extension PartitionGranularity: ExpressibleByArgument {}
extension DictionaryTrainingOptions.Algorithm: ExpressibleByArgument {}
extension RecordFormat: ExpressibleByArgument {}
extension Splits.MissingTimestamp: ExpressibleByArgument {}

enum Parse {
    static func codec(_ s: String) throws -> CodecSpec { try CodecSpec(parsing: s) }
    /// A standalone stream's codec: zstd carries its content checksum unless `:nocheck`.
    static func streamCodec(_ s: String) throws -> CodecSpec { try CodecSpec(parsing: s, standaloneStream: true) }
    static func codecs(_ s: String) throws -> [CodecSpec] {
        let list = try s.split(separator: ",").map { try CodecSpec(parsing: String($0)) }
        guard !list.isEmpty else { throw CLIError("no codec given") }
        return list
    }
    static func framing(_ s: String) throws -> Framing { try Framing(parsing: s) }
    static func framings(_ s: String) throws -> [Framing] {
        let list = try s.split(separator: ",").map { try Framing(parsing: String($0)) }
        guard !list.isEmpty else { throw CLIError("no framing given") }
        return list
    }
    static func transforms(_ s: String) throws -> TransformSelection { try TransformSelection(parsing: s) }
    static func size(_ s: String) throws -> Int { try ByteSize.parse(s) }
    /// MB/s: `50MB/s`, `200MiB/s`, or a bare number of MB/s.
    static func speed(_ s: String) throws -> Double { try Speed.parse(s) }
    static func layout(_ s: String) throws -> ExportLayout { try ExportLayout(parsing: s) }
    /// ISO-8601 or an epoch number (s, ms, µs or ns), as the time module reads them.
    static func time(_ s: String) throws -> Int64 {
        guard let t = Timestamps.parse(s) else {
            throw CLIError("not a time: use ISO-8601 (2021-12-26T15:00:00Z) or an epoch number (seconds, ms, µs or ns)")
        }
        return t
    }
    static func date(_ s: String) throws -> String {
        guard Timestamps.parseDate(s) != nil else { throw CLIError("not a date YYYY-MM-DD") }
        return s
    }
}
