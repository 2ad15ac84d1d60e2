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
        --dictionary-size 112KiB --train train.jsonl -i test.jsonl
        """)

    @Option(help: "Comma-separated codec specs (zstd:3,xz:6,...).", transform: Parse.codecs) var codecs: [CodecSpec]
    @Option(help: "Comma-separated framings: file, block:N, record.", transform: Parse.framings) var framing: [Framing] = [.file]
    @Option(help: "A zstd dictionary file to use for zstd cells.") var dictionary: String?
    @Option(help: "Train a zstd dictionary of this size per zstd cell (e.g. 112KiB).", transform: Parse.size) var dictionarySize: Int?
    @Option(help: "Dictionary training algorithm.") var algorithm: DictionaryTrainingOptions.Algorithm = .fastcover
    @Option(help: "Transforms: none, all, legacy or a comma list.", transform: Parse.transforms) var transforms: TransformSelection = .none
    @Option(help: "Train records (JSON Lines, '-' for standard input) for dictionaries and transform models; repeat for several files.") var train: [String] = []
    @Option(help: "Without --train: use this leading fraction of each file as train records, the rest as test.") var trainFraction: Double?
    @Flag(help: "Give each cell's container a shared section learned from its first records (as compress --shared-section).") var sharedSection = false
    @Option(help: "Timed trials per cell.") var trials: Int = 5
    @Option(help: "Untimed warm-up passes per cell.") var warmup: Int = 1
    @Option(help: "Records timed for single-record restore latency.") var latencySamples: Int = 1000
    @Option(help: "Output format.") var format: OutputFormat = .text
    @Option(name: .shortAndLong, parsing: .singleValue, help: "Input file (JSON Lines; may be .gz/.xz/.zst/.br; '-' for standard input); repeat for several.") var input: [String] = []
    @OptionGroup var outputOptions: OutputOptions
    @OptionGroup var global: GlobalOptions

    var output: String? { outputOptions.path }

    func validate() throws {
        if input.isEmpty { throw ValidationError("no input: pass -i FILE (repeat for several)") }
        if input.filter({ $0 == "-" }).count + train.filter({ $0 == "-" }).count > 1 { throw ValidationError("standard input ('-') can be read once") }
        if let fr = trainFraction, !(fr > 0 && fr < 1) { throw ValidationError("--train-fraction must be between 0 and 1") }
        if trainFraction != nil && !train.isEmpty { throw ValidationError("use either --train or --train-fraction") }
        if dictionary != nil && dictionarySize != nil { throw ValidationError("use either --dictionary or --dictionary-size") }
        if trials < 1 { throw ValidationError("--trials must be at least 1") }
        if warmup < 0 { throw ValidationError("--warmup must be 0 or more") }
    }

    func run() throws {
        do {
            let fmt = CellResultFormat(rawValue: format.rawValue)!
            let files = input
            let specs = codecs
            let framings = framing
            let selection = transforms
            let dictSize = dictionarySize
            let algo = algorithm
            let dictionary = try self.dictionary.map { try ZstdDictionary(contentsOfFile: $0) }
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
                                                latencySamples: latencySamples, sharedSection: sharedSection)
                        let r = try CellBenchmark.run(config: config, train: fileTrain, test: test, trials: trials, warmup: warmup,
                                                      dictionary: spec.family == .zstd ? dictionary : nil)
                        results.append(r)
                        if fmt == .text && output == nil && !global.quiet {
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
