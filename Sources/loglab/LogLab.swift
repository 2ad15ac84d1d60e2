import ArgumentParser
import Foundation

@main
struct LogLabCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "loglab",
        abstract: "Learn, measure and run compression for structured logs.",
        subcommands: [
            RunCommand.self, BenchCommand.self, DatasetCommand.self, TrainCommand.self, CodecCommand.self,
            ProfileCommand.self, ExportCommand.self, CompressCommand.self, RestoreCommand.self,
            VerifyCommand.self, InspectCommand.self, StudyCommand.self,
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
        do {
            try command.run()
        } catch let error as ExitCode {
            exit(withError: error)
        } catch let error as CleanExit {
            exit(withError: error)
        } catch let error as ValidationError {
            exit(withError: error)
        } catch {
            let line = String(describing: error).split(separator: "\n").joined(separator: " ")
            FileHandle.standardError.write(Data("error: \(line)\n".utf8))
            Foundation.exit(1)
        }
    }
}
