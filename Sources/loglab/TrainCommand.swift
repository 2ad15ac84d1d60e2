import ArgumentParser
import Foundation
import LogLabCodecs
import LogLabCore

struct TrainCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "train",
        abstract: "Train a zstd dictionary; each line of the input files is one sample.",
        discussion: """
        The result is a standard zstd dictionary (usable with zstd -D). Inputs may be \
        compressed (.gz .xz .zst .br). zstd needs at least 5 samples and advises ~100x the \
        dictionary size in sample bytes. Example: \
        loglab train --algorithm fastcover --size 112KiB --level 3 --samples-from train.jsonl -o app.zdict
        """)

    @Option(help: "fastcover, cover or legacy.") var algorithm: String = "fastcover"
    @Option(help: "Dictionary size (256B ... 1MiB), e.g. 112KiB.") var size: String = "112640"
    @Option(help: "zstd level the dictionary is tuned for.") var level: Int = 3
    @Option(name: .customLong("samples-from"), parsing: .upToNextOption, help: "Sample files (one sample per line).") var samplesFrom: [String] = []
    @Argument(help: "More sample files.") var files: [String] = []
    @Option(help: "Segment size k (default: searched).") var k: Int?
    @Option(help: "d-mer size d (6...16; default 8; 0 searches 6 and 8).") var d: Int?
    @Option(help: "fastCOVER log2 frequency table size.") var f: Int = 20
    @Option(help: "Search steps.") var steps: Int = 4
    @Option(help: "fastCOVER acceleration (1...10).") var accel: Int = 1
    @Option(help: "Fraction of samples used for training during the search.") var split: Double = 0.75
    @Option(help: "legacy: selectivity.") var selectivity: Int = 9
    @Option(name: .customLong("dict-id"), help: "Dictionary id (default: derived from the content, in 32768 ..< 2^31).") var dictID: UInt32?
    @Option(help: "Threads for the parameter search.") var threads: Int = 1
    @Option(name: .shortAndLong, help: "Output dictionary file.") var output: String

    func run() throws {
        try reportingErrors {
            guard let algo = DictionaryTrainingOptions.Algorithm(rawValue: algorithm.lowercased()) else {
                throw CodecError.training("unknown algorithm '\(algorithm)': use fastcover, cover or legacy")
            }
            let inputs = samplesFrom + files
            guard !inputs.isEmpty else { throw CodecError.training("no sample files: pass --samples-from FILE") }
            var samples = RecordBatch()
            for path in inputs { samples.append(contentsOf: RecordBatch(lines: try CompressedFiles.read(path))) }
            let options = DictionaryTrainingOptions(
                algorithm: algo, size: try ByteSize.parse(size), level: level, k: k,
                d: d == 0 ? nil : (d ?? 8), f: f, steps: steps, accel: accel, split: split,
                selectivity: selectivity, dictID: dictID, threads: threads)
            let trained = try DictionaryTrainer.train(samples: samples, options: options)
            try Files.writeAtomically(trained.dictionary.bytes, to: output)
            for note in trained.notes { printErr("note: \(note)") }
            var line = "\(output): \(trained.actualSize) bytes (requested \(trained.requestedSize)), id \(trained.dictionary.id), \(trained.algorithm)"
            if trained.algorithm != .legacy { line += " k=\(trained.k) d=\(trained.d)" }
            line += ", \(trained.sampleCount) samples (\(trained.sampleBytes) bytes), trained in \(String(format: "%.2f", trained.seconds)) s"
            print(line)
        }
    }
}
