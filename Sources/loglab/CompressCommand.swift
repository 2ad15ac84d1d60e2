import ArgumentParser
import Foundation
import LogLabCore
import LogLabContainer

struct CompressCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "compress",
        abstract: "Compress JSON Lines into a LogLab container with a profile.",
        discussion: """
            Streams from standard input (or -i) to standard output (or -o), in bounded memory, \
            frames encoded on all cores. With --partition-by, writes \
            DIR/dt=YYYY-MM-DD/hour=HH/part-NNNNN.llc plus DIR/manifest.json; records \
            without a time in the timestamp field go to dt=unknown, with a warning.
            Example: loglab compress --profile sdk.llp -i day.jsonl -o day.llc
            """)

    @Option(help: "Profile file (.llp).") var profile: String
    @OptionGroup var inputOptions: InputOptions
    @OptionGroup var outputOptions: BinaryOutputOptions
    @Option(help: "Partition the output by the timestamp field: hour or day (-o names a directory).") var partitionBy: PartitionGranularity?
    @Option(help: "Field that dates each record, a dotted path (default: the profile's).") var timestampField: String?
    @OptionGroup var workers: WorkerOptions
    @Flag(help: "Skip decoding each transformed frame before writing it (faster; exactness then rests on the transforms alone).") var noVerifyTransforms = false
    @Flag(inversion: .prefixedNo, help: "Give the container a shared section learned from its first 100,000 records or 64 MiB (a transform model and a zstd dictionary every frame references, each kept when it pays for itself): small frames near the whole file's ratio. Streams: those records are held back until learned. Default: the profile's setting, and then only for a container that fills those 100,000 records or 64 MiB.") var sharedSection: Bool?
    @Flag(help: "Write each record as a standalone message instead of a container (a length-prefixed stream; see docs/FORMATS.md).") var messages = false
    @OptionGroup var global: GlobalOptions

    var input: String? { inputOptions.path }
    var output: String? { outputOptions.path }
    var verbose: Bool { global.verbose }

    func validate() throws {
        if partitionBy != nil && outputOptions.path == nil { throw ValidationError("--partition-by needs -o DIRECTORY") }
        if messages && partitionBy != nil { throw ValidationError("--messages and --partition-by do not combine") }
        if messages && sharedSection == true { throw ValidationError("--messages and --shared-section do not combine (messages stand alone)") }
    }

    func run() throws {
        if partitionBy == nil { try outputOptions.checkTerminal() }
        AllocatorTuning.forLargeFrames()
        do {
            let profile = try ContainerCLI.loadProfile(self.profile)
            let codec = ProfileCodec(profile: profile, timestampField: timestampField)
            let options = ContainerWriter.Options(threads: workers.threads, verifyTransforms: !noVerifyTransforms, sharedSection: sharedSection,
                                                  singleThread: workers.singleThread)
            let t0 = Clock.nanoseconds()
            if messages {
                guard partitionBy == nil else { throw ContainerError(.usage, "--messages and --partition-by do not combine") }
                let (records, bytes) = try ContainerCLI.withInput(input) { source in
                    try ContainerCLI.withOutput(output) { sink in
                        try MessageStream.compress(from: source, codec: codec) { try sink.write($0) }
                    }
                }
                if verbose { ContainerCLI.note("\(records) records as messages, \(bytes) bytes; \(profile.summary)") }
                return
            }
            if let partitionBy {
                guard let output else { throw ContainerError(.usage, "--partition-by needs -o DIRECTORY") }
                let writer = try PartitionedWriter(directory: output, codec: codec, granularity: partitionBy,
                                                   timestampField: timestampField, options: options)
                _ = try ContainerCLI.withInput(input) { source in
                    try LineSplitter.forEachLine(from: source) { try writer.append($0) }
                }
                let manifest = try writer.finish()
                for w in writer.warnings { ContainerCLI.note("warning: \(w)") }
                if verbose {
                    let records = manifest.parts.reduce(0) { $0 + $1.records }
                    ContainerCLI.note("\(records) records into \(manifest.parts.count) parts under \(output) (\(profile.summary))")
                }
                return
            }
            let summary = try ContainerCLI.withInput(input) { source in
                try ContainerCLI.withOutput(output) { sink in
                    let writer = try ContainerWriter(codec: codec, options: options) { try sink.write($0) }
                    defer { if verbose, let c = writer.sharedChoice { ContainerCLI.note(c.summary) } }
                    let summary = try writer.compressLines(from: source)
                    if verbose {
                        ContainerCLI.note(writer.workerStats.summary + String(format: "; this thread's CPU %.1f ms",
                                                                             Double(Clock.threadCPUNanoseconds()) / 1e6))
                    }
                    return summary
                }
            }
            if verbose {
                let ns = Clock.nanoseconds() - t0
                ContainerCLI.note("\(summary.records) records, \(summary.originalBytes) → \(summary.containerBytes) bytes (ratio \(String(format: "%.2f", summary.ratio))), \(summary.frames) frames, \(ContainerCLI.mbps(summary.originalBytes, ns)), peak RSS \(ByteSize.format(Clock.peakResidentBytes())); \(profile.summary)")
            }
        }
    }
}
