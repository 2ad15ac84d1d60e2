import Foundation
import LogLabCore

/// Append-only JSON-lines log of finished cells in the output folder. A run appends each
/// cell as it finishes; a restarted run reads it back and skips cells already done under the
/// same measurement context. A torn last line (killed mid-write) is ignored.
public final class ResultsJournal {
    public let path: String
    private var handle: FileHandle?

    public init(path: String) {
        self.path = path
    }

    deinit { try? handle?.close() }

    /// Finished cells by key (the last entry of a key wins). Lines that do not decode are skipped.
    public func load() -> (records: [String: CellRecord], unreadable: Int) {
        guard let bytes = try? Files.read(path) else { return ([:], 0) }
        var out: [String: CellRecord] = [:]
        var bad = 0
        let decoder = JSONDecoder()
        for line in bytes.split(separator: 0x0A) where !line.isEmpty {
            if let r = try? decoder.decode(CellRecord.self, from: Data(line)) {
                out[r.cell.key] = r
            } else {
                bad += 1
            }
        }
        return (out, bad)
    }

    /// Removes the journal (a fresh run).
    public func reset() throws {
        try? handle?.close()
        handle = nil
        if FileManager.default.fileExists(atPath: path) { try FileManager.default.removeItem(atPath: path) }
    }

    /// Appends one record and flushes it to disk.
    public func append(_ record: CellRecord) throws {
        let enc = JSONEncoder()
        enc.outputFormatting = [.sortedKeys]
        var line = Array(try enc.encode(record))
        line.append(0x0A)
        let h = try openForAppend()
        // A torn previous line must not swallow this one: start on a fresh line.
        try h.write(contentsOf: Data(line))
        try h.synchronize()
    }

    private func openForAppend() throws -> FileHandle {
        if let handle { return handle }
        let dir = URL(fileURLWithPath: path).deletingLastPathComponent().path
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        if !FileManager.default.fileExists(atPath: path) {
            guard FileManager.default.createFile(atPath: path, contents: nil) else {
                throw FileError("\(path): cannot create the results journal")
            }
        }
        guard let h = FileHandle(forUpdatingAtPath: path) else { throw FileError("\(path): cannot open the results journal") }
        let end = try h.seekToEnd()
        if end > 0 {
            try h.seek(toOffset: end - 1)
            let last = try h.read(upToCount: 1)
            try h.seekToEnd()
            if last?.first != 0x0A { try h.write(contentsOf: Data([0x0A])) }
        }
        handle = h
        return h
    }
}
