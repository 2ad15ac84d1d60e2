import LogLabCore

/// A frame's payload before the transforms are undone.
public struct FramePayload: Sendable {
    /// The transformed bytes (`transformed`), else the verbatim lines, each ending in `\n`.
    public var bytes: [UInt8]
    public var transformed: Bool
    public var recordCount: Int
}

extension ContainerReader {
    /// Frame `i`'s payload, decompressed, for readers that decode chosen fields straight from
    /// the transformed streams. Checks the stored bytes' checksum; the restored bytes' checksum
    /// needs every record rebuilt, so callers that skip the rebuild do not get that check.
    public func framePayload(_ i: Int, coder: any FrameCoder) throws -> FramePayload {
        try checkFrame(i)
        if isV2 {
            let f = try segmentFrame(i, coder: coder)
            let payload = try FrameCoding.payloadV2(header: f.header, stored: f.stored, coder: coder, frame: i)
            return FramePayload(bytes: payload, transformed: f.header.flags.contains(.transformed), recordCount: f.header.recordCount)
        }
        let (h, stored) = try readFrame(i)
        let payload = try FrameCoding.payload(header: h, stored: stored[...], coder: coder, frame: i)
        return FramePayload(bytes: payload, transformed: h.flags.contains(.transformed), recordCount: Int(h.recordCount))
    }

    /// Frame `i` of a 2.x container as its segment holds it, after checking that `coder`
    /// uses the container's shared section (if any).
    private func segmentFrame(_ i: Int, coder: any FrameCoder) throws -> SegmentV2.Frame {
        try checkShared(coder, frame: i)
        let k = index.entries[i].segment
        return try readSegment(k).frames[i - segments[k].firstFrame]
    }

    /// `framePayload`, with a frame in pieces (`FrameFlags.pieces`) decompressed only as far
    /// as its reader loads it (checks as `framePayload`; each piece's size when loaded).
    public func lazyFramePayload(_ i: Int, coder: any FrameCoder) throws -> LazyPayload {
        try checkFrame(i)
        if isV2 {
            let f = try segmentFrame(i, coder: coder)
            let transformed = f.header.flags.contains(.transformed)
            if f.header.flags.contains(.pieces) {
                return LazyPayload(pieces: try FrameCoding.piecesV2(header: f.header, stored: f.stored, frame: i), stored: f.stored,
                                   transformed: transformed, recordCount: f.header.recordCount, coder: coder, frame: i)
            }
            let payload = try FrameCoding.payloadV2(header: f.header, stored: f.stored, coder: coder, frame: i)
            return LazyPayload(payload: payload, transformed: transformed, recordCount: f.header.recordCount, coder: coder, frame: i)
        }
        let p = try framePayload(i, coder: coder)
        return LazyPayload(payload: p.bytes, transformed: p.transformed, recordCount: p.recordCount, coder: coder, frame: i)
    }

    private func checkFrame(_ i: Int) throws {
        guard i >= 0, i < index.entries.count else {
            throw ContainerError(.usage, "frame \(i) does not exist (\(index.entries.count) frames)")
        }
    }
}
