import Foundation
import LogLabCodecs
import LogLabCore
import LogLabTransforms

/// Where a container's bytes go, per field path: how many values, their bytes in the
/// original, after the transforms, and the share of the codec's output attributed to them
/// (the stored bytes split in proportion to each part's bytes after the transforms), plus
/// what the container format and the side data add. The parts add up to `totalBytes`.
public struct ByteBreakdown: Sendable, Codable, Equatable {
    public struct Row: Sendable, Codable, Equatable {
        /// A field path (`_source.timestamp`), or a part in parentheses: `(structure)` (keys,
        /// punctuation and frame headers the shapes replace), `(verbatim records)`.
        public var path: String
        public var transform: String
        public var values: Int
        public var originalBytes: Int
        public var transformedBytes: Int
        public var compressedBytes: Int
        /// compressedBytes / totalBytes.
        public var share: Double
        /// Values the transform could not represent, carried verbatim.
        public var verbatim: Int
    }

    public var records: Int
    /// The input as a JSON Lines file.
    public var inputBytes: Int
    /// Bytes handed to the codec, summed over frames.
    public var payloadBytes: Int
    /// The codec's output, summed over frames (split over `rows`).
    public var storedBytes: Int
    public var containerOverheadBytes: Int
    public var containerBytes: Int
    public var dictionaryBytes: Int
    public var modelBytes: Int
    public var totalBytes: Int
    public var rows: [Row]
    /// How `compressedBytes` were attributed.
    public var method: String

    public var ratio: Double { totalBytes > 0 ? Double(inputBytes) / Double(totalBytes) : 0 }

    /// Compresses `records` with `profile` exactly as `loglab compress` would and explains
    /// the result.
    public static func explain(profile: Profile, records: RecordBatch, timestampField: String? = nil) throws -> ByteBreakdown {
        let codec = ProfileCodec(profile: profile, timestampField: timestampField)
        let coder = ProfileFrameCoder(profile: profile)
        let frames = FrameGrouping.frames(of: records, perFrame: profile.recordsPerFrame)
        let built = try FramePipeline.build(records, frames: frames, codec: codec, coder: coder)
        var encoder = FrameEncoder(model: profile.model)
        encoder.collectStats = true
        for r in frames { _ = encoder.encode(records.slice(r)) }
        let stats = encoder.stats
        let inputBytes = records.totalBytes + records.count

        var parts: [Row] = []
        if stats.records > 0 {
            for f in stats.fields.values.sorted(by: { ($0.bytesOut, $1.path) > ($1.bytesOut, $0.path) }) {
                parts.append(Row(path: f.path, transform: f.transform, values: f.values, originalBytes: f.bytesIn,
                                 transformedBytes: f.bytesOut, compressedBytes: 0, share: 0, verbatim: f.escaped))
            }
            let fieldsIn = parts.reduce(0) { $0 + $1.originalBytes }, fieldsOut = parts.reduce(0) { $0 + $1.transformedBytes }
            if stats.verbatimRecords > 0 {
                parts.append(Row(path: "(verbatim records)", transform: "verbatim", values: stats.verbatimRecords,
                                 originalBytes: stats.verbatimBytes + stats.verbatimRecords, transformedBytes: stats.verbatimBytes,
                                 compressedBytes: 0, share: 0, verbatim: stats.verbatimRecords))
            }
            let verbatimIn = stats.verbatimRecords > 0 ? stats.verbatimBytes + stats.verbatimRecords : 0
            parts.append(Row(path: "(structure)", transform: "shapes", values: records.count,
                             originalBytes: max(0, inputBytes - fieldsIn - verbatimIn),
                             transformedBytes: max(0, built.payloadBytes - fieldsOut - (stats.verbatimRecords > 0 ? stats.verbatimBytes : 0)),
                             compressedBytes: 0, share: 0, verbatim: 0))
        } else {
            parts.append(Row(path: "(records)", transform: profile.model.selection.description, values: records.count,
                             originalBytes: inputBytes, transformedBytes: built.payloadBytes, compressedBytes: 0, share: 0, verbatim: 0))
        }
        // Weights: each field's stream compressed on its own (the records as one columnar
        // frame), else the bytes after the transforms. Stored bytes split by weight.
        var method = "stored bytes split in proportion to each part's bytes after the transforms"
        var weights = parts.map(\.transformedBytes)
        if let alone = try streamsCompressedAlone(profile: profile, records: records) {
            weights = parts.map { alone[$0.path] ?? 0 }
            method = "stored bytes split in proportion to each field's stream compressed on its own (\(profile.codec), no dictionary, the records as one columnar frame)"
        }
        let weight = max(1, weights.reduce(0, +))
        var given = 0
        var remainders: [(Int, Int)] = []
        for i in parts.indices {
            let exact = weights[i] * built.storedBytes
            parts[i].compressedBytes = exact / weight
            given += parts[i].compressedBytes
            remainders.append((exact % weight, i))
        }
        for (_, i) in remainders.sorted(by: { $0 > $1 }).prefix(built.storedBytes - given) { parts[i].compressedBytes += 1 }

        // Fields by compressed bytes, largest first; the parts in parentheses after them.
        parts.sort { a, b in
            let pa = a.path.hasPrefix("("), pb = b.path.hasPrefix("(")
            if pa != pb { return !pa }
            return pa ? false : (a.compressedBytes, b.path) > (b.compressedBytes, a.path)
        }
        let dictionaryBytes = profile.dictionaryBytes
        let modelBytes = profile.model.selection.isNone ? 0 : profile.modelStoredBytes
        let overhead = built.bytes.count - built.storedBytes
        let total = built.bytes.count + dictionaryBytes + modelBytes
        var rows = parts
        rows.append(Row(path: "(container format)", transform: "headers + seals + index + trailer", values: built.summary.frames,
                        originalBytes: 0, transformedBytes: 0, compressedBytes: overhead, share: 0, verbatim: 0))
        if dictionaryBytes > 0 {
            rows.append(Row(path: "(dictionary)", transform: "side data", values: 0, originalBytes: 0, transformedBytes: 0,
                            compressedBytes: dictionaryBytes, share: 0, verbatim: 0))
        }
        if modelBytes > 0 {
            rows.append(Row(path: "(transform model)", transform: "side data", values: 0, originalBytes: 0, transformedBytes: 0,
                            compressedBytes: modelBytes, share: 0, verbatim: 0))
        }
        for i in rows.indices { rows[i].share = total > 0 ? Double(rows[i].compressedBytes) / Double(total) : 0 }
        return ByteBreakdown(records: records.count, inputBytes: inputBytes, payloadBytes: built.payloadBytes,
                             storedBytes: built.storedBytes, containerOverheadBytes: overhead, containerBytes: built.bytes.count,
                             dictionaryBytes: dictionaryBytes, modelBytes: modelBytes, totalBytes: total, rows: rows,
                             method: method)
    }

    /// Path → bytes of its stream compressed alone, from the records encoded as one frame in
    /// the `columns` layout (kind 3: `varint originalBytes`, `varint count`, `count × (varint
    /// id, varint length)`, streams; see FieldCoder). nil when the model does not use columns.
    static func streamsCompressedAlone(profile: Profile, records: RecordBatch) throws -> [String: Int]? {
        guard records.count >= 8 else { return nil }
        var encoder = FrameEncoder(model: profile.model)
        let frame = encoder.encode(records)
        // `columns` and `checkedColumns` frames share the layout.
        guard frame.first == 3 || frame.first == 6 else { return nil }
        var r = ByteReader(frame)
        _ = try r.u8()
        _ = try r.varint()
        let count = try r.count(limit: frame.count)
        var directory: [(id: Int, length: Int)] = []
        for _ in 0..<count { directory.append((try r.count(limit: Int.max), try r.count(limit: frame.count))) }
        let compressor = try Compressor(profile.codec)
        var out: [String: Int] = [:]
        for (id, length) in directory {
            let stream = try r.bytes(length)
            let path: String
            switch id {
            case 0, 1: path = "(structure)"
            case 2: path = "(verbatim records)"
            default:
                guard let p = encoder.columnPath(id - 3) else { return nil }
                path = p
            }
            out[path, default: 0] += try compressor.compress(stream).count
        }
        return out
    }
}
