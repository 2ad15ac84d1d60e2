import ArgumentParser

@main
struct LogLabCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "loglab",
        abstract: "Learn, measure and run compression for structured logs.",
        subcommands: [DatasetCommand.self, TrainCommand.self, CodecCommand.self, BenchCommand.self,
                      ProfileCommand.self, ExportCommand.self, CompressCommand.self,
                      RestoreCommand.self, VerifyCommand.self, InspectCommand.self, RunCommand.self]
    )
}
