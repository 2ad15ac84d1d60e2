import ArgumentParser
import Foundation
import LogLabCore
import LogLabContainer

struct ExportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "export",
        abstract: "Freeze an experiment cell into a profile.",
        discussion: """
            The cell is a JSON object with the experiment's cell fields: {"codec": "zstd:9", \
            "framing": "block:1024", "transforms": "all", "dictionarySize": 0}, given inline or \
            as a file; the transforms and dictionary are learned from --train.
            Example: loglab export --cell '{"codec":"zstd:9","framing":"block:1024","transforms":"all"}' --train train.jsonl -o sdk.llp
            """)

    struct Cell: Decodable {
        var codec: String?
        var framing: String?
        var transforms: String?
        var dictionarySize: Int?
        var timestampField: String?
        var name: String?
    }

    @Option(help: "Cell config: JSON text or a file holding it.") var cell: String
    @Option(help: "Experiment name, recorded in the profile.") var experiment: String?
    @Option(help: "Training file (JSON Lines, optionally compressed).") var train: String
    @Option(help: "Keep the dictionary in this file beside the profile instead of embedding it.") var dictFile: String?
    @Option(name: .shortAndLong, help: "Profile file to write (.llp).") var output: String

    func run() throws {
        try ContainerCLI.run {
            let text = cell.trimmingCharacters(in: .whitespaces).hasPrefix("{") ? Array(cell.utf8) : try Files.read(cell)
            let config: Cell
            do { config = try JSONDecoder().decode(Cell.self, from: Data(text)) } catch {
                throw ContainerError(.usage, "cannot read the cell config: \(error)")
            }
            var source = ["via": "export"]
            if let experiment { source["experiment"] = experiment }
            if let name = config.name { source["cell"] = name }
            let profile = try ProfileBuilding.build(
                train: train, transforms: config.transforms ?? "all", codec: config.codec, framing: config.framing,
                dictSize: config.dictionarySize.map(String.init), timestampField: config.timestampField ?? "timestamp",
                dictFile: dictFile, maxRecords: 200_000, source: source)
            try profile.write(to: output)
            print("wrote \(output): \(profile.summary)")
        }
    }
}
