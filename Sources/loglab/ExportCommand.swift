import ArgumentParser
import Foundation
import LogLabCodecs
import LogLabCore
import LogLabContainer
import LogLabLab

struct ExportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "export",
        abstract: "Freeze an experiment cell into a profile.",
        discussion: """
            From an experiment's report (Reports/<exp>/report.json): its winner (--dataset names \
            the dataset when the report has several), or --cell-key. The profile reproduces the \
            measured cell: same codec, framing, dictionary (or none) trained the same way on the \
            same records, same model, so `compress` of the experiment's test records writes the \
            cell's containerBytes. Or a cell given as JSON: {"codec": "zstd:6", "framing": "block:1024", \
            "transforms": "all", "dictionarySize": 0}, inline or as a file. The transforms and \
            dictionary are learned from --train (the experiment's training records, all of them).
            Examples: loglab export --report Reports/sdk-batch/report.json --train train.jsonl -o sdk.llp
                      loglab export --cell '{"codec":"zstd:6","framing":"block:1024","transforms":"all"}' --train train.jsonl -o sdk.llp
            """)

    struct Cell: Decodable {
        var codec: String?
        var framing: String?
        var transforms: String?
        var dictionarySize: Int?
        var timestampField: String?
        var name: String?
    }

    /// The parts of an experiment's `report.json` (written by `loglab run`) that name a cell.
    struct Report: Decodable {
        struct Winner: Decodable { var dataset: String; var winner: String? }
        struct Dictionary: Decodable {
            var trainer: String?; var size: Int; var trainingRecords: Int?; var level: Int?; var params: [String: String]?
        }
        struct LabCell: Decodable {
            var dataset: String; var framing: String; var transforms: String; var codec: String; var dictionary: Dictionary?
            /// Absent: false (as the lab writes it).
            var sharedSection: Bool?
        }
        struct Entry: Decodable { var key: String; var cell: LabCell }
        var experiment: String
        var winners: [Winner]
        var cells: [Entry]
    }

    @Option(help: "An experiment's report.json: export its winner (or --cell-key).") var report: String?
    @Option(help: "With --report: the dataset whose winner to export (required when the report has several).") var dataset: String?
    @Option(help: "With --report: export this cell key instead of the winner.") var cellKey: String?
    @Option(help: "Cell config: JSON text or a file holding it (instead of --report).") var cell: String?
    @Option(help: "Experiment name, recorded in the profile.") var experiment: String?
    @Option(help: "Training file (JSON Lines, optionally compressed; '-' for standard input).") var train: String
    @Option(help: "Keep the dictionary in this file beside the profile instead of embedding it.") var dictionaryOutput: String?
    @Option(help: "Field that dates records (a dotted path); default: the cell's, else detected; '' for none.") var timestampField: String?
    @Option(name: .shortAndLong, help: "Profile file to write (.llp).") var output: String
    @OptionGroup var global: GlobalOptions

    func run() throws {
        do {
            var source = ["via": "export"]
            let config: Cell
            if let report {
                let doc: Report
                do { doc = try JSONDecoder().decode(Report.self, from: Data(try Files.read(report))) } catch {
                    throw ContainerError(.usage, "cannot read the experiment report \(report): \(error)")
                }
                let datasets = Array(Set(doc.cells.map(\.cell.dataset))).sorted()
                if cellKey == nil && dataset == nil && datasets.count > 1 {
                    throw ContainerError(.usage, "\(report) has \(datasets.count) datasets (\(datasets.joined(separator: ", "))); name one with --dataset")
                }
                let key: String
                if let cellKey {
                    key = cellKey
                } else if let w = doc.winners.first(where: { ($0.dataset == dataset || dataset == nil) && $0.winner != nil }), let k = w.winner {
                    key = k
                } else {
                    throw ContainerError(.usage, "\(report) has no winner\(dataset.map { " for dataset \($0)" } ?? ""); name a cell with --cell-key")
                }
                guard let entry = doc.cells.first(where: { $0.key == key }) else {
                    throw ContainerError(.usage, "\(report) has no cell '\(key)'")
                }
                source["experiment"] = experiment ?? doc.experiment
                source["dataset"] = entry.cell.dataset
                source["cell"] = key
                // Exactly the cell's side data: a dictionary only if it had one, trained as it was.
                let codec = try CodecSpec(parsing: entry.cell.codec)
                var training: DictionaryTrainingOptions? = nil
                if let d = entry.cell.dictionary {
                    let variant = DictionaryVariant(trainer: d.trainer ?? "fastcover", size: d.size, trainingRecords: d.trainingRecords,
                                                    level: d.level, params: d.params ?? [:])
                    training = DefaultLabBackend.trainingOptions(variant, level: d.level ?? codec.level)
                }
                // The lab dates records by "timestamp"; --timestamp-field overrides it (the
                // time index does not change the frames' bytes).
                let profile = try ProfileBuilding.build(
                    train: train, transforms: try Parse.transforms(entry.cell.transforms), codec: codec,
                    framing: try Parse.framing(entry.cell.framing), dictionarySize: entry.cell.dictionary?.size ?? 0,
                    timestampField: timestampField ?? "timestamp", dictionaryOutput: dictionaryOutput,
                    maxRecords: Int.max, source: source, global: global, dictionaryTraining: training,
                    dictionaryTrainingRecords: entry.cell.dictionary?.trainingRecords,
                    // The cell measured containers with a section: so are the profile's by default.
                    sharedSection: entry.cell.sharedSection ?? false)
                try profile.write(to: output)
                global.result("wrote \(output): \(profile.summary)")
                return
            } else if let cell {
                let text = cell.trimmingCharacters(in: .whitespaces).hasPrefix("{") ? Array(cell.utf8) : try Files.read(cell)
                do { config = try JSONDecoder().decode(Cell.self, from: Data(text)) } catch {
                    throw ContainerError(.usage, "cannot read the cell config: \(error)")
                }
                if let experiment { source["experiment"] = experiment }
            } else {
                throw ContainerError(.usage, "give --report REPORT.json or --cell CONFIG")
            }
            if let name = config.name { source["cell"] = name }
            let profile = try ProfileBuilding.build(
                train: train, transforms: try Parse.transforms(config.transforms ?? "all"), codec: try config.codec.map(Parse.codec),
                framing: try config.framing.map(Parse.framing), dictionarySize: config.dictionarySize,
                timestampField: timestampField ?? config.timestampField, dictionaryOutput: dictionaryOutput,
                maxRecords: 200_000, source: source, global: global)
            try profile.write(to: output)
            global.result("wrote \(output): \(profile.summary)")
        }
    }
}
