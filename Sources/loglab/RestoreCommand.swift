import ArgumentParser
import Foundation
import LogLabCore
import LogLabContainer

struct RestoreCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "restore",
        abstract: "Restore the exact original bytes from a LogLab container.",
        discussion: """
            Whole file: streams from standard input (or -i) to standard output (or -o), frames \
            decoded on all cores (--threads; from a file to a file with two or more, frames are \
            written at their place as they finish, not in order). --record N (0-based) and --from/--to \
            (from ≤ t < to, ISO-8601 or epoch) read only the frames they need through the index \
            (need -i FILE).
            Example: loglab restore --profile sdk.llp -i day.llc --from 2021-12-26T15:00:00Z --to 2021-12-26T16:00:00Z
            """)

    @Option(help: "Profile file the container was written with.") var profile: String
    @OptionGroup var inputOptions: InputOptions
    @OptionGroup var outputOptions: OutputOptions
    @Option(help: "Restore only this record (0-based), as one line.") var record: Int?
    @Option(help: "Restore records with a timestamp at or after this time (ISO-8601 or epoch).", transform: Parse.time) var from: Int64?
    @Option(help: "Restore records with a timestamp before this time (ISO-8601 or epoch).", transform: Parse.time) var to: Int64?
    @OptionGroup var workers: WorkerOptions
    @Option(help: "With --record and --verbose: repeat the lookup this many times with one coder and print warm latencies (measurement).") var repeatLookups: Int = 0
    @Flag(help: "The input is a message stream written by `compress --messages`.") var messages = false
    @OptionGroup var global: GlobalOptions

    var input: String? { inputOptions.path }
    var output: String? { outputOptions.path }
    var verbose: Bool { global.verbose }

    func validate() throws {
        if record != nil && (from != nil || to != nil) { throw ValidationError("--record excludes --from and --to") }
        if let record, record < 0 { throw ValidationError("--record must be 0 or more") }
        if let from, let to, from >= to {
            throw ValidationError("--from (\(Timestamps.format(from))) must be earlier than --to (\(Timestamps.format(to)))")
        }
        if repeatLookups > 0 && record == nil { throw ValidationError("--repeat-lookups needs --record") }
        if (record != nil || from != nil || to != nil) && input == nil {
            throw ValidationError("--record, --from and --to need a container file (-i FILE)")
        }
        if messages && (record != nil || from != nil || to != nil) {
            throw ValidationError("--messages restores whole streams (no --record, --from, --to)")
        }
    }

    func run() throws {
        AllocatorTuning.forLargeFrames()
        do {
            let t0 = Clock.nanoseconds()
            let profile = try ContainerCLI.loadProfile(self.profile)
            let codec = ProfileCodec(profile: profile)
            let tLoaded = Clock.nanoseconds()
            let randomAccess = record != nil || from != nil || to != nil
            if let input, PartitionSet.isPartitionSet(input) {
                guard record == nil else { throw ContainerError(.usage, "--record needs a container file, not a partition folder") }
                let set = try PartitionSet(path: input)
                let lo = from ?? Int64.min
                let hi = to ?? Int64.max
                let n = try ContainerCLI.withOutput(output) { sink in
                    try set.restore(codec: codec, from: lo, to: hi, threads: workers.threads, singleThread: workers.singleThread) { try sink.write($0) }
                }
                if verbose { ContainerCLI.note("restored \(n) records from \(set.manifest.parts.count) parts") }
                return
            }
            if messages {
                guard !randomAccess else { throw ContainerError(.usage, "--messages restores whole streams (no --record, --from, --to)") }
                let n = try ContainerCLI.withInput(input) { source in
                    try ContainerCLI.withOutput(output) { sink in
                        try MessageStream.restore(from: source, codec: codec) { try sink.write($0) }
                    }
                }
                if verbose { ContainerCLI.note("restored \(n) records from messages") }
                return
            }
            if randomAccess || ContainerCLI.isRegularFile(input) {
                guard let input, ContainerCLI.isRegularFile(input) else {
                    throw ContainerError(.usage, "--record, --from and --to need a container file (-i FILE)")
                }
                let reader = try ContainerReader(path: input, codec: codec)
                let tOpened = Clock.nanoseconds()
                let cpuOpened = Clock.threadCPUNanoseconds()
                var tDone = tOpened, cpuDone = cpuOpened
                var workerStats = WorkerStats()
                defer {
                    if verbose {
                        ContainerCLI.note(String(format: "profile load %.3f ms, open (header, trailer, index) %.3f ms, restore %.3f ms (this thread's CPU %.3f ms)",
                                                 Double(tLoaded - t0) / 1e6, Double(tOpened - tLoaded) / 1e6, Double(tDone - tOpened) / 1e6,
                                                 Double(cpuDone - cpuOpened) / 1e6) + "; " + workerStats.summary)
                    }
                }
                try ContainerCLI.withOutput(output) { sink in
                    if let record {
                        guard record >= 0, record < reader.recordCount else {
                            throw ContainerError(.usage, "record \(record) does not exist: \(input) holds records 0 to \(reader.recordCount - 1) (\(reader.recordCount) records)")
                        }
                        if repeatLookups > 0 {
                            let coder = try reader.makeCoder()
                            var samples: [Double] = []
                            for k in 0..<repeatLookups {
                                let n = (record &+ k &* 7919) % max(reader.recordCount, 1)
                                let t = Clock.nanoseconds()
                                _ = try reader.record(at: n, coder: coder)
                                samples.append(Double(Clock.nanoseconds() - t) / 1e6)
                            }
                            let s = Summary(samples)
                            ContainerCLI.note(String(format: "warm one-record lookups (%d, one coder): median %.3f ms, min %.3f, p99 %.3f, max %.3f",
                                                     repeatLookups, s.median, s.min, Summary.percentile(samples.sorted(), 99), s.max))
                        }
                        var line = try reader.record(at: record)
                        line.append(0x0A)
                        try sink.write(line)
                    } else if from != nil || to != nil {
                        try reader.restoreRecords(from: from ?? Int64.min, to: to ?? Int64.max, threads: workers.threads, singleThread: workers.singleThread) { try sink.write($0) }
                    } else if !workers.singleThread, defaultThreadCount(workers.threads) > 1, let writer = sink.positionalWriter() {
                        // A regular file and several workers: no frame waits for the one before
                        // it; one thread writes each at its offset as it finishes. With one
                        // worker, this thread reads, decompresses and checks the segments around
                        // it and writes them in order, overlapping all that with undoing the
                        // transforms (measured faster than one thread doing both).
                        workerStats = try reader.restoreAll(threads: workers.threads, placing: { try writer.write($0, at: $1) })
                    } else {
                        workerStats = try reader.restoreAll(threads: workers.threads, singleThread: workers.singleThread) { try sink.write($0) }
                    }
                    tDone = Clock.nanoseconds()
                    cpuDone = Clock.threadCPUNanoseconds()
                }
                if verbose {
                    let ns = Clock.nanoseconds() - t0
                    ContainerCLI.note(String(format: "restored in %.3f ms", Double(ns) / 1e6) + (randomAccess ? "" : ", \(ContainerCLI.mbps(reader.trailer.restoredSize, ns))"))
                }
                return
            }
            let trailer = try ContainerCLI.withInput(input) { source in
                try ContainerCLI.withOutput(output) { sink in
                    try ContainerStreamReader.restore(from: source, codec: codec, threads: workers.threads, singleThread: workers.singleThread) { try sink.write($0) }
                }
            }
            if verbose {
                ContainerCLI.note("restored \(trailer.recordCount) records, \(ContainerCLI.mbps(trailer.restoredSize, Clock.nanoseconds() - t0))")
            }
        }
    }
}
