import Foundation
import LogLabCodecs
import LogLabCore

/// A whole file's records and how to rebuild the file from them.
public struct LoadedDataset: Sendable {
    public var records: RecordBatch
    public var framing: FileFraming
    /// Compression of the file on disk (records and framing describe the decompressed bytes).
    public var compression: CodecFamily?
    /// Size and SHA-256 of the decompressed bytes.
    public var byteCount: Int
    public var sha256: String

    public var format: RecordFormat { framing.format }

    /// The decompressed file, byte for byte.
    public func rebuild() throws -> [UInt8] { try framing.rebuild(records) }
}

public enum RecordSources {
    /// Loads a whole file: JSON Lines, a JSON array, an Elasticsearch `_search` response, JSON
    /// values one after another, or plain text, optionally compressed (.gz, .zst, .xz, by extension
    /// or magic bytes). `format` overrides detection.
    public static func load(path: String, format: RecordFormat? = nil) throws -> LoadedDataset {
        let reader = try RecordReader(path: path, format: format, batchBytes: Int.max)
        var records = RecordBatch()
        while let batch = try reader.next() {
            if records.isEmpty { records = batch } else { records.append(contentsOf: batch) }
        }
        return try reader.result(records: records)
    }

    /// Splits bytes already in memory (decompressed).
    public static func parse(_ bytes: [UInt8], format: RecordFormat? = nil) -> LoadedDataset {
        let f = format ?? FormatDetection.detect(bytes[...])
        let splitter = RecordSplitter(format: f)
        var body = bytes[...]
        if body.starts(with: FormatDetection.bom) {
            splitter.feedPrefix(FormatDetection.bom)
            body = body.dropFirst(3)
        }
        body.withUnsafeBytes { splitter.feed($0) }
        let framing = splitter.finish()
        return LoadedDataset(records: splitter.takeBatch(), framing: framing, compression: nil,
                             byteCount: bytes.count, sha256: SHA256Hasher.hex(bytes))
    }
}

/// Reads a (possibly compressed) file in bounded memory and yields its records in batches.
/// The framing, size and hash of the decompressed bytes are known after the last batch.
public final class RecordReader {
    public let path: String
    public let compression: CodecFamily?
    public private(set) var format: RecordFormat
    /// Decompressed bytes consumed so far.
    public private(set) var byteCount = 0
    /// The framing, once `next()` has returned nil.
    public private(set) var framing: FileFraming?

    private let chunks: ChunkSource
    private let splitter: RecordSplitter
    private let batchBytes: Int
    private let hasher = SHA256Hasher()
    private var sha: String?
    private var pendingProbe: [UInt8]?
    private var finished = false

    /// `batchBytes`: a batch is handed out once it holds at least this many record bytes.
    public init(path: String, format: RecordFormat? = nil, batchBytes: Int = 8 << 20) throws {
        self.path = path
        self.batchBytes = max(1, batchBytes)
        var magic: [UInt8] = []
        if let h = FileHandle(forReadingAtPath: path) {
            magic = [UInt8](h.readData(ofLength: 6))
            try? h.close()
        }
        chunks = try ChunkSource(path: path, compression: CodecDetection.family(forPath: path) ?? CodecDetection.family(magic: magic[...]))
        compression = chunks.compression
        // Read enough to detect the format.
        var probe: [UInt8] = []
        while probe.count < 256 << 10, let c = try chunks.next() { probe += c }
        let f = format ?? FormatDetection.detect(probe[...])
        self.format = f
        splitter = RecordSplitter(format: f)
        pendingProbe = probe
    }

    /// The next batch of records, or nil at the end of the file.
    public func next() throws -> RecordBatch? {
        if finished { return nil }
        while true {
            var chunk: [UInt8]
            if var probe = pendingProbe {
                pendingProbe = nil
                if probe.starts(with: FormatDetection.bom) {
                    splitter.feedPrefix(FormatDetection.bom)
                    hasher.update(FormatDetection.bom)
                    byteCount += 3
                    probe.removeFirst(3)
                }
                chunk = probe
            } else if let c = try chunks.next() {
                chunk = c
            } else {
                finished = true
                framing = splitter.finish()
                sha = hasher.finalize().hexString
                let last = splitter.takeBatch()
                return last.isEmpty ? nil : last
            }
            hasher.update(chunk)
            byteCount += chunk.count
            chunk.withUnsafeBytes { splitter.feed($0) }
            if splitter.batch.totalBytes >= batchBytes { return splitter.takeBatch() }
        }
    }

    /// SHA-256 of the decompressed bytes, once `next()` has returned nil.
    public var sha256: String? { sha }

    func result(records: RecordBatch) throws -> LoadedDataset {
        guard let framing, let sha else { throw DatasetError("\(path): read not finished") }
        return LoadedDataset(records: records, framing: framing, compression: compression, byteCount: byteCount, sha256: sha)
    }
}

/// The decompressed bytes of a file ("-": standard input, its codec told by its magic
/// bytes), a chunk at a time, in bounded memory.
final class ChunkSource {
    static let chunkSize = 1 << 20
    private let handle: FileHandle
    private let path: String
    private let decoder: StreamDecompressor?
    private var ended = false
    private var pending: Data?
    let compression: CodecFamily?

    init(path: String, compression: CodecFamily?) throws {
        if path == "-" {
            handle = FileHandle.standardInput
            self.path = "standard input"
            let head = handle.readData(ofLength: Self.chunkSize / 16)
            pending = head
            self.compression = CodecDetection.family(magic: [UInt8](head.prefix(6))[...])
            do {
                decoder = try self.compression.map { try StreamDecompressor($0) }
            } catch {
                throw DatasetError("standard input: \(error)")
            }
            return
        }
        self.compression = compression
        var isDir: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDir) else { throw DatasetError("\(path): no such file") }
        guard !isDir.boolValue else { throw DatasetError("\(path): is a directory") }
        guard let h = FileHandle(forReadingAtPath: path) else { throw DatasetError("\(path): cannot be read") }
        handle = h
        self.path = path
        do {
            decoder = try compression.map { try StreamDecompressor($0) }
        } catch {
            throw DatasetError("\(path): \(error)")
        }
    }

    deinit { if path != "standard input" { try? handle.close() } }

    /// The next decompressed chunk, or nil at the end.
    func next() throws -> [UInt8]? {
        func read(_ n: Int) -> Data {
            if let p = pending { pending = nil; return p }
            return handle.readData(ofLength: n)
        }
        guard let decoder else {
            let d = read(Self.chunkSize)
            return d.isEmpty ? nil : [UInt8](d)
        }
        var out: [UInt8] = []
        while out.isEmpty && !ended {
            // Compressed input in small reads: its output can be many times larger.
            let input = read(Self.chunkSize / 16)
            do {
                if input.isEmpty {
                    ended = true
                    try decoder.finish { out.append(contentsOf: $0) }
                } else {
                    try input.withUnsafeBytes { raw in try decoder.write(raw) { out.append(contentsOf: $0) } }
                }
            } catch {
                throw DatasetError("\(path): cannot decompress (\(decoder.family.rawValue)): \(error)")
            }
        }
        return out.isEmpty ? nil : out
    }
}
