import ArgumentParser
import Foundation
import LogLabCodecs
import LogLabCore
import LogLabContainer

struct TrainCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "train",
        abstract: "Train a zstd dictionary; each line of the input files is one sample.",
        discussion: """
        The result is a standard zstd dictionary (usable with zstd -D). Inputs may be \
        compressed (.gz .xz .zst .br). zstd needs at least 5 samples and advises ~100x the \
        dictionary size in sample bytes. Example: \
        loglab train --algorithm fastcover --dictionary-size 112KiB --level 3 --train train.jsonl -o app.zdict
        """)

    @Option(help: "Dictionary training algorithm.") var algorithm: DictionaryTrainingOptions.Algorithm = .fastcover
    @Option(help: "Dictionary size (256B ... 1MiB), e.g. 112KiB.", transform: Parse.size) var dictionarySize: Int = 112_640
    @Option(help: "zstd level the dictionary is tuned for.") var level: Int = 3
    @Option(help: "Sample file (one sample per line; '-' for standard input, the default); repeat for several.") var train: [String] = []
    @Option(help: "Segment size k (default: searched).") var k: Int?
    @Option(help: "d-mer size d (6...16; default 8; 0 searches 6 and 8).") var d: Int?
    @Option(help: "fastCOVER log2 frequency table size.") var f: Int = 20
    @Option(help: "Search steps.") var steps: Int = 4
    @Option(help: "fastCOVER acceleration (1...10).") var accel: Int = 1
    @Option(help: "Fraction of samples used for training during the search.") var split: Double = 0.75
    @Option(help: "legacy: selectivity.") var selectivity: Int = 9
    @Option(name: .customLong("dictionary-id"), help: "Dictionary id (default: derived from the content, in 32768 ..< 2^31).") var dictID: UInt32?
    @Option(help: "Threads for the parameter search.") var threads: Int = 1
    @OptionGroup var outputOptions: BinaryOutputOptions
    @OptionGroup var global: GlobalOptions

    func validate() throws {
        if train.filter({ $0 == "-" }).count > 1 { throw ValidationError("standard input ('-') can be read once") }
        if !(split > 0 && split <= 1) { throw ValidationError("--split must be in (0, 1]") }
        if threads < 1 { throw ValidationError("--threads must be at least 1") }
    }

    func run() throws {
        try outputOptions.checkTerminal()
        do {
            let algo = algorithm
            let inputs = train.isEmpty ? ["-"] : train
            var samples = RecordBatch()
            for path in inputs { samples.append(contentsOf: RecordBatch(lines: try CompressedFiles.read(path))) }
            let options = DictionaryTrainingOptions(
                algorithm: algo, size: dictionarySize, level: level, k: k,
                d: d == 0 ? nil : (d ?? 8), f: f, steps: steps, accel: accel, split: split,
                selectivity: selectivity, dictID: dictID, threads: threads)
            let trained = try DictionaryTrainer.train(samples: samples, options: options)
            if let output = outputOptions.path {
                try Files.writeAtomically(trained.dictionary.bytes, to: output)
            } else {
                try FileDescriptorSink(fd: 1, name: "standard output").write(trained.dictionary.bytes)
            }
            for note in trained.notes { global.note("note: \(note)") }
            var line = "\(outputOptions.path ?? "dictionary"): \(trained.actualSize) bytes (requested \(trained.requestedSize)), id \(trained.dictionary.id), \(trained.algorithm)"
            if trained.algorithm != .legacy { line += " k=\(trained.k) d=\(trained.d)" }
            line += ", \(trained.sampleCount) samples (\(trained.sampleBytes) bytes), trained in \(String(format: "%.2f", trained.seconds)) s"
            // The summary goes to standard error when the dictionary itself is on standard output.
            if outputOptions.path == nil { global.note(line) } else { global.result(line) }
        }
    }
}
