import ArgumentParser
import Foundation
import LogLabCore

@main
struct LogLabCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "loglab",
        abstract: "Learn, measure and run compression for structured logs.",
        subcommands: [
            RunCommand.self, BenchCommand.self, DatasetCommand.self, TrainCommand.self, CodecCommand.self,
            ProfileCommand.self, ExportCommand.self, CompressCommand.self, RestoreCommand.self,
            VerifyCommand.self, InspectCommand.self,
        ]
    )

    /// Usage errors keep ArgumentParser's messages and help; every other failure is one
    /// line, `error: <cause>`, on standard error and exit status 1.
    static func main() {
        var command: ParsableCommand
        do {
            command = try parseAsRoot()
        } catch {
            exit(withError: error)
        }
        TemporaryFiles.shared.arm()
        do {
            try command.run()
            try Output.finishStandardOutput()
        } catch let error as ExitCode {
            exit(withError: error)
        } catch let error as CleanExit {
            exit(withError: error)
        } catch let error as ValidationError {
            exit(withError: error)
        } catch {
            let line = String(describing: error).split(separator: "\n").joined(separator: " ")
            TemporaryFiles.shared.removeAll()
            Output.note("error: \(line)")
            Foundation.exit(1)
        }
    }
}
