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
        let reader = try RecordReader(path: path, format: format, batchBytes: Int.max, maxBytes: Files.maxWholeFileBytes)
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
    private let maxBytes: Int
    private let hasher = SHA256Hasher()
    private var sha: String?
    private var pendingProbe: [UInt8]?
    private var finished = false

    /// `batchBytes`: a batch is handed out once it holds at least this many record bytes.
    /// `maxBytes`: more decompressed bytes than this is an error (whole-file readers).
    public init(path: String, format: RecordFormat? = nil, batchBytes: Int = 8 << 20, maxBytes: Int = .max) throws {
        self.path = path
        self.batchBytes = max(1, batchBytes)
        self.maxBytes = maxBytes
        let input: InputFile
        do { input = try InputFile(path) } catch { throw DatasetError("\(error)") }
        // Magic bytes only from a regular file: a pipe cannot be read twice.
        var magic: [UInt8] = []
        if Files.kind(of: path) == "regular file", let head = try? InputFile(path).read(upTo: 6) { magic = head }
        chunks = try ChunkSource(input: input, compression: CodecDetection.family(forPath: path) ?? CodecDetection.family(magic: magic[...]))
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
            if byteCount > maxBytes {
                throw DatasetError("\(path): more than \(ByteSize.format(maxBytes)) once decompressed, the limit for reading a whole file (LOGLAB_MAX_INPUT)")
            }
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
    private let handle: InputFile
    private let path: String
    private let decoder: StreamDecompressor?
    private var ended = false
    /// Bytes read ahead to tell a stream's codec, handed out first.
    private var pending: [UInt8]?
    let compression: CodecFamily?

    /// `compression` nil on a stream that is not a regular file (standard input, a pipe): its
    /// first bytes decide, since such a stream cannot be read twice.
    init(input: InputFile, compression: CodecFamily?) throws {
        handle = input
        path = input.name
        var family = compression
        if family == nil, input.fd == 0 || Files.kind(of: input.name) != "regular file" {
            let head = try Self.read(input, Self.chunkSize / 16)
            pending = head
            family = CodecDetection.family(magic: head.prefix(6))
        }
        self.compression = family
        do {
            decoder = try family.map { try StreamDecompressor($0) }
        } catch {
            throw DatasetError("\(path): \(error)")
        }
    }

    /// The next decompressed chunk, or nil at the end.
    func next() throws -> [UInt8]? {
        guard let decoder else {
            let d = try read(Self.chunkSize)
            return d.isEmpty ? nil : d
        }
        var out: [UInt8] = []
        while out.isEmpty && !ended {
            // Compressed input in small reads: its output can be many times larger.
            let input = try read(Self.chunkSize / 16)
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

    private func read(_ count: Int) throws -> [UInt8] {
        if let p = pending {
            pending = nil
            return p
        }
        return try Self.read(handle, count)
    }

    private static func read(_ input: InputFile, _ count: Int) throws -> [UInt8] {
        do { return try input.read(upTo: count) } catch { throw DatasetError("\(error)") }
    }
}
