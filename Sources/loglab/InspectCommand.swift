import ArgumentParser
import Foundation
import LogLabCore
import LogLabContainer

struct InspectCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "inspect",
        abstract: "Describe a container (header, profile id, frames, sizes, ratio) or a profile.",
        discussion: "Example: loglab inspect day.llc --frames")

    @Argument(help: "Container (.llc) or profile (.llp) file.") var file: String
    @Flag(help: "List every frame.") var frames = false
    @Flag(help: "Print JSON.") var json = false

    func run() throws {
        do {
            let head = try ContainerCLI.withInput(file) { try $0.readFully(8) }
            if head == ProfileFile.magic {
                let profile = try ContainerCLI.loadProfile(file)
                print("profile \(profile.id.hex)")
                print("  \(profile.summary)")
                print(String(decoding: try profile.metadata.json(), as: UTF8.self))
                return
            }
            let reader = try ContainerReader(path: file, codec: nil)
            let h = reader.header, t = reader.trailer
            let entries = reader.index.entries
            let layout = try reader.layout()
            let stored = UInt64(layout.storedBytes)
            let ratio = reader.file.size == 0 ? 0 : Double(t.restoredSize) / Double(reader.file.size)
            let timed = entries.filter(\.hasTime)
            if json {
                var o: [String: Any] = [
                    "file": file, "format": "\(h.major).\(h.minor)", "profile": h.profileID.hex,
                    "records": t.recordCount, "frames": entries.count, "restoredBytes": t.restoredSize,
                    "containerBytes": reader.file.size, "storedFrameBytes": stored, "ratio": ratio,
                    "frameHeaderBytes": layout.frameHeaderBytes, "sealBytes": layout.sealBytes, "indexBytes": layout.indexBytes,
                    "overheadBytes": layout.overheadBytes,
                    "finalNewline": t.finalNewline, "timestampField": reader.index.timestampField,
                ]
                if let lo = timed.map(\.minTime).min(), let hi = timed.map(\.maxTime).max() {
                    o["from"] = TimestampExtractor.format(lo)
                    o["to"] = TimestampExtractor.format(hi)
                }
                if frames {
                    o["frameList"] = entries.map { e -> [String: Any] in
                        ["offset": e.offset, "firstRecord": e.firstRecord, "records": e.recordCount,
                         "originalBytes": e.originalSize, "storedBytes": e.storedSize,
                         "from": e.hasTime ? TimestampExtractor.format(e.minTime) : NSNull(),
                         "to": e.hasTime ? TimestampExtractor.format(e.maxTime) : NSNull()]
                    }
                }
                let data = try JSONSerialization.data(withJSONObject: o, options: [.prettyPrinted, .sortedKeys])
                print(String(decoding: data, as: UTF8.self))
                return
            }
            print("container \(file)")
            print("  format version   \(h.major).\(h.minor)")
            print("  profile id       \(h.profileID.hex)")
            print("  records          \(t.recordCount) (≤ \(h.recordsPerFrame) per frame)")
            print("  frames           \(entries.count)")
            print("  restored bytes   \(t.restoredSize)\(t.finalNewline ? "" : " (no final newline)")")
            print("  container bytes  \(reader.file.size) (stored frames \(stored); overhead \(layout.overheadBytes): header \(layout.headerBytes), frame headers \(layout.frameHeaderBytes), seals \(layout.sealBytes), index \(layout.indexBytes), trailer \(layout.trailerBytes); \(String(format: "%.2f", Double(layout.overheadBytes) / Double(max(t.recordCount, 1)))) B/record)")
            print("  ratio            \(String(format: "%.3f", ratio)) (\(String(format: "%.1f", 100 * (1 - 1 / max(ratio, 1e-9))))% smaller)")
            if let lo = timed.map(\.minTime).min(), let hi = timed.map(\.maxTime).max() {
                print("  time range       \(TimestampExtractor.format(lo)) … \(TimestampExtractor.format(hi)) (field '\(reader.index.timestampField)')")
            } else {
                print("  time range       none\(reader.index.timestampField.isEmpty ? "" : " (field '\(reader.index.timestampField)')")")
            }
            if frames {
                print("  frame  offset  records  original  stored  ratio  from … to")
                for (i, e) in entries.enumerated() {
                    let r = e.storedSize == 0 ? 0 : Double(e.originalSize) / Double(e.storedSize)
                    let time = e.hasTime ? "\(TimestampExtractor.format(e.minTime)) … \(TimestampExtractor.format(e.maxTime))" : "-"
                    print("  \(i)  \(e.offset)  \(e.firstRecord)+\(e.recordCount)  \(e.originalSize)  \(e.storedSize)  \(String(format: "%.2f", r))  \(time)")
                }
            }
        }
    }
}
