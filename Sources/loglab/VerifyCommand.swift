import ArgumentParser
import Foundation
import LogLabCore
import LogLabContainer

struct VerifyCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "verify",
        abstract: "Check a container: structure, every checksum and, with its profile, a full restore.",
        discussion: "Exits non-zero with one line naming the problem. Example: loglab verify -i day.llc --profile sdk.llp")

    @Option(name: .shortAndLong, help: "Container file.") var input: String
    @Option(help: "Profile file: also restores every frame and checks the original bytes.") var profile: String?
    @OptionGroup var workers: WorkerOptions
    @OptionGroup var global: GlobalOptions

    var file: String { input }

    func run() throws {
        AllocatorTuning.forLargeFrames()
        do {
            let codec = try profile.map { ProfileCodec(profile: try ContainerCLI.loadProfile($0)) }
            if PartitionSet.isPartitionSet(file) {
                let set = try PartitionSet(path: file)
                let r = try set.verify(codec: codec, threads: workers.threads, singleThread: workers.singleThread)
                for u in r.unlisted { ContainerCLI.note("warning: \(set.directory)/\(u) is not in the manifest (left by an interrupted run; the next compress into this folder removes it)") }
                print("ok: \(set.directory): \(r.parts) parts, \(r.records) records, \(r.restoredBytes) bytes, every part matches the manifest\(codec == nil ? " (give --profile for a full restore)" : " and restores fully")")
                return
            }
            let reader = try ContainerReader(path: file, codec: codec)
            let frames = try reader.verify(threads: workers.threads, singleThread: workers.singleThread)
            let what = codec == nil
                ? "structure and stored checksums (give --profile for a full restore)"
                : "full restore of \(reader.trailer.restoredSize) bytes matches every checksum"
            global.result("ok: \(file): \(reader.recordCount) records in \(frames) frames, profile \(reader.header.profileID.short): \(what)")
        }
    }
}
