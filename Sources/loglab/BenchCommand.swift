import ArgumentParser
import Foundation
import LogLabCodecs
import LogLabCore
import LogLabLab
import LogLabTransforms

struct BenchCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench",
        abstract: "In-memory codec benchmark (lzbench-style) over JSON Lines files.",
        discussion: """
        Every codec × framing cell: warm-up, repeated trials, every restore compared with the \
        input; ratio and MB/s (MB = 10^6 bytes of input; median and min–max). Framing \
        'record' compresses each line alone, 'block:N' each run of N lines, 'file' the whole \
        file. Example: loglab bench --codecs zstd:3,zstd:19,xz:6 --framing record,file \
        --dictionary-size 112KiB --train train.jsonl test.jsonl
        """)

    @Option(help: "Comma-separated codec specs.") var codecs: String
    @Option(help: "Comma-separated framings: file, block:N, record.") var framing: String = "file"
    @Option(help: "A zstd dictionary file to use for zstd cells.") var dict: String?
    @Option(name: .customLong("dictionary-size"), help: "Train a zstd dictionary of this size per zstd cell (e.g. 112KiB).") var dictionarySize: String?
    @Option(help: "Dictionary training algorithm: fastcover, cover, legacy.") var algorithm: String = "fastcover"
    @Option(help: "Transforms: none, all, legacy or a comma list.") var transforms: String = "none"
    @Option(help: "Train records (JSON Lines) for dictionaries and transform models; repeat for several files.") var train: [String] = []
    @Option(name: .customLong("train-fraction"), help: "Without --train: use this leading fraction of each file as train records, the rest as test.") var trainFraction: Double?
    @Option(help: "Timed trials per cell.") var trials: Int = 5
    @Option(help: "Untimed warm-up passes per cell.") var warmup: Int = 1
    @Option(name: .customLong("latency-samples"), help: "Records timed for single-record restore latency.") var latencySamples: Int = 1000
    @Option(help: "Output format: text, csv, json.") var format: String = "text"
    @Option(name: .shortAndLong, help: "Write the output to a file instead of standard output.") var output: String?
    @Argument(help: "Input files (JSON Lines; may be .gz/.xz/.zst/.br).") var files: [String]

    func run() throws {
        try reportingErrors {
            guard let fmt = CellResultFormat(rawValue: format.lowercased()) else {
                throw BenchError("unknown format '\(format)': use text, csv or json")
            }
            guard !files.isEmpty else { throw BenchError("no input files") }
            let specs = try codecs.split(separator: ",").map { try CodecSpec(parsing: String($0)) }
            guard !specs.isEmpty else { throw BenchError("no codecs: pass --codecs zstd:3,...") }
            let framings = try framing.split(separator: ",").map { try Framing(parsing: String($0)) }
            let selection = try TransformSelection(parsing: transforms)
            let dictSize = try dictionarySize.map { try ByteSize.parse($0) }
            guard let algo = DictionaryTrainingOptions.Algorithm(rawValue: algorithm.lowercased()) else {
                throw BenchError("unknown algorithm '\(algorithm)': use fastcover, cover or legacy")
            }
            if let fr = trainFraction, !(fr > 0 && fr < 1) { throw BenchError("--train-fraction must be between 0 and 1") }
            if trainFraction != nil && !train.isEmpty { throw BenchError("use either --train or --train-fraction") }
            let dictionary = try dict.map { try ZstdDictionary(contentsOfFile: $0) }
            var trainRecords: RecordBatch? = nil
            if !train.isEmpty {
                var t = RecordBatch()
                for path in train { t.append(contentsOf: RecordBatch(lines: try CompressedFiles.read(path))) }
                trainRecords = t
            }
            var text = ""
            var all: [CellResult] = []
            for file in files {
                var test = RecordBatch(lines: try CompressedFiles.read(file))
                var fileTrain = trainRecords
                if let fr = trainFraction {
                    let cut = Int(Double(test.count) * fr)
                    fileTrain = test.slice(0..<cut)
                    test = test.slice(cut..<test.count)
                }
                var results: [CellResult] = []
                for spec in specs {
                    for fr in framings {
                        let config = CellConfig(framing: fr, codec: spec,
                                                dictionarySize: spec.family == .zstd && dictionary == nil ? dictSize : nil,
                                                dictionaryTraining: .init(algorithm: algo), transforms: selection,
                                                latencySamples: latencySamples)
                        let r = try CellBenchmark.run(config: config, train: fileTrain, test: test, trials: trials, warmup: warmup,
                                                      dictionary: spec.family == .zstd ? dictionary : nil)
                        results.append(r)
                        if fmt == .text && output == nil {
                            printErr("  \(r.label): ratio \(CellResultFormatText.f(r.ratio)) compress \(CellResultFormatText.f(r.compressMBps.median)) MB/s decompress \(CellResultFormatText.f(r.decompressMBps.median)) MB/s")
                        }
                    }
                }
                all.append(contentsOf: results)
                if fmt == .text { text += try fmt.render(results, title: "\(file): \(test.count) records, \(test.totalBytes + test.count) bytes") + "\n" }
            }
            if fmt != .text { text = try fmt.render(all) }
            if let output {
                try Files.writeAtomically(Array(text.utf8), to: output)
            } else {
                print(text, terminator: "")
            }
        }
    }
}

enum CellResultFormatText {
    static func f(_ x: Double) -> String { String(format: "%.2f", x) }
}
