import ArgumentParser
import Foundation
import LogLabCore
import LogLabContainer

@main
struct LogLabCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "loglab",
        abstract: "Learn, measure and run compression for structured logs.",
        discussion: """
            Conventions on every command: -i/--input and -o/--output name files ('-' or no \
            option: standard input/output); binary output refuses a terminal unless -f/--force; \
            -q/--quiet prints only errors, -v/--verbose adds details on standard error. \
            Failures print one line, 'error: <cause>', and exit with status 1; usage errors \
            exit with status 64. 'loglab help <command>' shows every option of a command.
            """,
        version: LogLabVersion.current,
        subcommands: [
            RunCommand.self, BenchCommand.self, DatasetCommand.self, TrainCommand.self, CodecCommand.self,
            ProfileCommand.self, ExportCommand.self, CompressCommand.self, RestoreCommand.self,
            VerifyCommand.self, InspectCommand.self, ExplainCommand.self, StudyCommand.self,
        ]
    )

    /// ArgumentParser's own outcomes (help, version, usage errors) keep its messages and exit
    /// codes, including the help command, which reports through an error thrown by `run()`;
    /// every other failure is one line, `error: <cause>`, on standard error and exit status 1.
    static func main() {
        do {
            try checkHelpTopic(Array(CommandLine.arguments.dropFirst()))
            var command = try parseAsRoot()
            TemporaryFiles.shared.arm()
            try command.run()
            try Output.finishStandardOutput()
        } catch let error as ExitCode {
            exit(withError: error)
        } catch let error as CleanExit {
            exit(withError: error)
        } catch let error as ValidationError {
            exit(withError: error)
        } catch {
            if String(reflecting: type(of: error)).hasPrefix("ArgumentParser.") { exit(withError: error) }
            let line = String(describing: error).split(separator: "\n").joined(separator: " ")
            TemporaryFiles.shared.removeAll()
            Output.note("error: \(line)")
            Foundation.exit(1)
        }
    }

    /// `loglab help NAME…` for a command that does not exist is a usage error (ArgumentParser
    /// would print the top-level help and exit 0).
    static func checkHelpTopic(_ args: [String]) throws {
        guard args.first == "help" else { return }
        var type: ParsableCommand.Type = LogLabCommand.self
        var path = "loglab"
        for name in args.dropFirst() where !name.hasPrefix("-") {
            guard let sub = type.configuration.subcommands.first(where: { $0._commandName == name }) else {
                throw ValidationError("'\(name)' is not a command of '\(path)'")
            }
            type = sub
            path += " " + name
        }
    }
}
