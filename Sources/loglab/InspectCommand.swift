import ArgumentParser
import Foundation
import LogLabCore
import LogLabContainer

struct InspectCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "inspect",
        abstract: "Describe a container (header, profile id, frames, sizes, ratio) or a profile.",
        discussion: "Example: loglab inspect -i day.llc --frames")

    @Option(name: .shortAndLong, help: "Container (.llc) or profile (.llp) file.") var input: String
    @Flag(help: "List every frame.") var frames = false
    @Option(help: "Output format: text or json.") var format: OutputFormat = .text
    @OptionGroup var global: GlobalOptions

    var file: String { input }
    var json: Bool { format == .json }

    func validate() throws {
        if format == .csv { throw ValidationError("inspect writes text or json, not csv") }
    }

    func run() throws {
        do {
            if PartitionSet.isPartitionSet(file) {
                let set = try PartitionSet(path: file)
                let m = set.manifest
                let records = m.parts.reduce(0) { $0 + $1.records }
                let bytes = m.parts.reduce(UInt64(0)) { $0 + $1.bytes }, stored = m.parts.reduce(UInt64(0)) { $0 + $1.storedBytes }
                let froms = m.parts.compactMap(\.from).sorted(), tos = m.parts.compactMap(\.to).sorted()
                if json {
                    var o: [String: Any] = ["directory": set.directory, "profile": m.profile, "partitionBy": m.partitionBy.rawValue,
                                            "timestampField": m.timestampField, "parts": m.parts.count, "records": records,
                                            "restoredBytes": bytes, "storedBytes": stored]
                    if let f = froms.first, let t = tos.last { o["from"] = f; o["to"] = t }
                    if frames { o["partList"] = m.parts.map { ["path": $0.path, "records": $0.records, "bytes": $0.bytes, "storedBytes": $0.storedBytes, "from": $0.from ?? NSNull(), "to": $0.to ?? NSNull()] as [String: Any] } }
                    print(String(decoding: try JSONSerialization.data(withJSONObject: o, options: [.prettyPrinted, .sortedKeys]), as: UTF8.self))
                } else {
                    print("partitions \(set.directory)")
                    print("  profile id       \(m.profile)")
                    print("  partitioned by   \(m.partitionBy.rawValue) of '\(m.timestampField)'")
                    print("  parts            \(m.parts.count)")
                    print("  records          \(records)")
                    print("  restored bytes   \(bytes)")
                    print("  stored bytes     \(stored) (ratio \(String(format: "%.3f", stored == 0 ? 0 : Double(bytes) / Double(stored))))")
                    if let f = froms.first, let t = tos.last { print("  time range       \(f) … \(t)") }
                    if frames { for p in m.parts { print("  \(p.path)  \(p.records)  \(p.bytes)  \(p.storedBytes)  \(p.from ?? "-") … \(p.to ?? "-")") } }
                }
                return
            }
            if let kind = Files.kind(of: file), kind != "regular file" {
                throw ContainerError(.usage, "\(file) is a \(kind): inspect needs a container or profile file")
            }
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
                    "overheadBytes": layout.overheadBytes, "sharedSectionBytes": layout.sharedSectionBytes,
                    "finalNewline": t.finalNewline, "timestampField": reader.index.timestampField,
                ]
                if let sh = reader.shared {
                    o["sharedSection"] = ["id": sh.idHex, "bytes": sh.bytes.count, "modelBytes": sh.model?.stored.count ?? 0,
                                          "modelRawBytes": sh.model?.rawLength ?? 0, "dictionaryBytes": sh.dictionary?.rawLength ?? 0] as [String: Any]
                }
                if let lo = timed.map(\.minTime).min(), let hi = timed.map(\.maxTime).max() {
                    o["from"] = Timestamps.format(lo)
                    o["to"] = Timestamps.format(hi)
                }
                if frames {
                    // 2.x keeps original sizes and times per segment, not per frame.
                    o["frameList"] = entries.map { e -> [String: Any] in
                        var f: [String: Any] = [
                            "offset": e.offset, "firstRecord": e.firstRecord, "records": e.recordCount,
                            "storedBytes": e.frameLength,
                            "from": e.hasTime ? Timestamps.format(e.minTime) : NSNull(),
                            "to": e.hasTime ? Timestamps.format(e.maxTime) : NSNull()]
                        if reader.segments.isEmpty { f["originalBytes"] = e.originalSize } else { f["segment"] = e.segment }
                        return f
                    }
                    if !reader.segments.isEmpty {
                        o["segmentList"] = reader.segments.map { s -> [String: Any] in
                            ["offset": s.offset, "frames": s.frameCount, "originalBytes": s.originalBytes, "storedBytes": s.length,
                             "from": s.hasTime ? Timestamps.format(s.minTime) : NSNull(),
                             "to": s.hasTime ? Timestamps.format(s.maxTime) : NSNull()]
                        }
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
            print("  container bytes  \(reader.file.size) (stored frames \(stored); overhead \(layout.overheadBytes): header \(layout.headerBytes), shared section \(layout.sharedSectionBytes), frame headers \(layout.frameHeaderBytes), seals \(layout.sealBytes), index \(layout.indexBytes), trailer \(layout.trailerBytes); \(String(format: "%.2f", Double(layout.overheadBytes) / Double(max(t.recordCount, 1)))) B/record)")
            print("  ratio            \(String(format: "%.3f", ratio)) (\(String(format: "%.1f", 100 * (1 - 1 / max(ratio, 1e-9))))% smaller)")
            if let sh = reader.shared { print("  shared section   \(sh.summary.dropFirst("shared section ".count))") }
            if let lo = timed.map(\.minTime).min(), let hi = timed.map(\.maxTime).max() {
                print("  time range       \(Timestamps.format(lo)) … \(Timestamps.format(hi)) (field '\(reader.index.timestampField)')")
            } else {
                print("  time range       none\(reader.index.timestampField.isEmpty ? "" : " (field '\(reader.index.timestampField)')")")
            }
            if frames {
                func span(_ has: Bool, _ lo: Int64, _ hi: Int64) -> String {
                    has ? "\(Timestamps.format(lo)) … \(Timestamps.format(hi))" : "-"
                }
                func ratio(_ original: UInt64, _ stored: Int) -> String { String(format: "%.2f", stored == 0 ? 0 : Double(original) / Double(stored)) }
                if reader.segments.isEmpty {
                    print("  frame  offset  records  original  stored  ratio  from … to")
                    for (i, e) in entries.enumerated() {
                        print("  \(i)  \(e.offset)  \(e.firstRecord)+\(e.recordCount)  \(e.originalSize)  \(e.storedSize)  \(ratio(UInt64(e.originalSize), Int(e.storedSize)))  \(span(e.hasTime, e.minTime, e.maxTime))")
                    }
                } else {
                    // 2.x keeps original sizes and times per segment (its seal checks them), not per frame.
                    print("  segment  offset  frames  original  stored  ratio  from … to")
                    for (k, s) in reader.segments.enumerated() {
                        print("  \(k)  \(s.offset)  \(s.firstFrame)+\(s.frameCount)  \(s.originalBytes)  \(s.length)  \(ratio(s.originalBytes, s.length))  \(span(s.hasTime, s.minTime, s.maxTime))")
                    }
                    print("  frame  segment  offset  records  stored")
                    for (i, e) in entries.enumerated() {
                        print("  \(i)  \(e.segment)  \(e.offset)  \(e.firstRecord)+\(e.recordCount)  \(e.frameLength)")
                    }
                }
            }
        }
    }
}
