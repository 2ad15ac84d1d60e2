import Foundation
import LogLabCore

/// Restores a container read sequentially (standard input, a pipe), in bounded memory,
/// decoding frames on worker threads. The index and trailer come last, so a truncated
/// stream is reported when it ends (after the output of the complete frames before it,
/// which is why the CLI writes files under a temporary name and renames them at the end).
public enum ContainerStreamReader {
    public typealias Sink = (UnsafeRawBufferPointer) throws -> Void

    private struct Job {
        var header: FrameHeader
        var stored: [UInt8]
        var frame: Int
    }

    /// Restores the exact original bytes from `source` to `sink`; returns the trailer.
    @discardableResult
    public static func restore(from source: FileDescriptorSource, codec: any FrameCodec,
                               threads: Int? = nil, singleThread: Bool = false, to sink: Sink) throws -> ContainerTrailer {
        let head = try source.readFully(ContainerFormat.headerSize)
        let header = try ContainerHeader.parse(head[...])
        guard header.profileID == codec.profileID else {
            throw ContainerError(.profileMismatch,
                "\(source.name) was written with profile \(header.profileID.short), not with the given profile \(codec.profileID.short)")
        }
        if header.major == ContainerFormatV2.majorVersion {
            return try restoreV2(from: source, header: header, codec: codec, threads: threads, singleThread: singleThread, to: sink)
        }
        let workers = workerThreadCount(threads, singleThread: singleThread)
        let window = max(1, 2 * workers)
        let pipeline = OrderedPipeline<Job, [UInt8]>(workers: workers) {
            let coder = try codec.makeCoder()
            return { job in try FrameCoding.decode(header: job.header, stored: job.stored[...], coder: coder, frame: job.frame) }
        }
        defer { pipeline.shutdown() }

        var pendingNewline = false
        func emit(_ original: [UInt8]) throws {
            guard !original.isEmpty else { return }
            if pendingNewline { try [UInt8(0x0A)].withUnsafeBytes { try sink($0) } }
            try original.withUnsafeBytes { try sink(UnsafeRawBufferPointer(rebasing: $0.dropLast())) }
            pendingNewline = true
        }

        var budget = DecodeBudget()
        var seen: [FrameHeader] = []
        var offsets: [UInt64] = []
        var offset = UInt64(ContainerFormat.headerSize)
        var tail: [UInt8]
        while true {
            let block = try source.readFully(ContainerFormat.frameHeaderSize)
            guard block.count == ContainerFormat.frameHeaderSize else {
                throw ContainerError.truncated("truncated container: \(source.name) ends after frame \(seen.count) (no index)")
            }
            if block[0] == ContainerFormat.indexTag {
                tail = block
                break
            }
            let h = try FrameHeader.parse(block[...], frame: seen.count)
            let stored = try source.readFully(Int(h.storedSize))
            guard stored.count == Int(h.storedSize) else {
                throw ContainerError.truncated("truncated container: \(source.name) ends inside frame \(seen.count)")
            }
            let cost = DecodeBudget.cost(stored: stored.count, payload: Int(h.payloadSize), original: Int(h.originalSize))
            while pipeline.inFlight >= window || !budget.admits(cost) {
                guard let r = pipeline.next() else { break }
                budget.removeOldest()
                try emit(try r.get())
            }
            budget.add(cost)
            pipeline.submit(Job(header: h, stored: stored, frame: seen.count))
            seen.append(h)
            offsets.append(offset)
            offset += UInt64(ContainerFormat.frameHeaderSize) + UInt64(h.storedSize)
            while let r = pipeline.tryNext() { budget.removeOldest(); try emit(try r.get()) }
        }
        while let r = pipeline.next() { budget.removeOldest(); try emit(try r.get()) }

        // Index, trailer, and nothing after them.
        let indexLength = try FrameIndex.length(prefix: tail.prefix(18))
        guard indexLength <= ContainerFormat.maxIndexBytes else {
            throw ContainerError.corrupt("corrupt container: index of \(indexLength) bytes is impossible")
        }
        let rest = indexLength + ContainerFormat.trailerSize - tail.count
        if rest > 0 {
            let more = try source.readFully(rest)
            guard more.count == rest else {
                throw ContainerError.truncated("truncated container: \(source.name) ends inside the index or trailer")
            }
            tail += more
        }
        let index = try FrameIndex.parse(tail[0..<indexLength])
        let trailer = try ContainerTrailer.parse(tail[indexLength...])
        guard try source.readFully(1).isEmpty else {
            throw ContainerError.corrupt("corrupt container: \(source.name) has bytes after the trailer")
        }
        guard index.entries.count == seen.count, trailer.frameCount == UInt64(seen.count),
              trailer.indexOffset == offset else {
            throw ContainerError.corrupt("corrupt container: index and frames disagree")
        }
        var records: UInt64 = 0, original: UInt64 = 0
        for (i, e) in index.entries.enumerated() {
            let h = seen[i]
            guard e.offset == offsets[i], e.recordCount == h.recordCount, e.originalSize == h.originalSize,
                  e.storedSize == h.storedSize, e.originalCRC == h.originalCRC else {
                throw ContainerError.corrupt("corrupt container: index entry \(i) disagrees with its frame")
            }
            records += UInt64(h.recordCount)
            original += UInt64(h.originalSize)
        }
        guard records == trailer.recordCount,
              trailer.restoredSize == original - (records > 0 && !trailer.finalNewline ? 1 : 0),
              records > 0 || !trailer.finalNewline else {
            throw ContainerError.corrupt("corrupt container: trailer disagrees with the frames")
        }
        if pendingNewline && trailer.finalNewline { try [UInt8(0x0A)].withUnsafeBytes { try sink($0) } }
        return trailer
    }

    /// Format 2.0: segments are read whole, checked, decoded on workers and written in order.
    static func restoreV2(from source: FileDescriptorSource, header: ContainerHeader, codec given: any FrameCodec,
                          threads: Int?, singleThread: Bool, to sink: Sink) throws -> ContainerTrailer {
        let input = BufferedSource(source)
        // Format 2.1: the shared section, checked, then every frame decodes with it; the
        // index's record of its id is checked at the end (a wrong section fails the
        // segments' original-bytes CRCs before any of their bytes are written).
        var codec = given
        var shared: SharedSection? = nil
        var dataStart = UInt64(ContainerFormat.headerSize)
        if header.hasSharedSection {
            let length = try SharedSection.length(prefix: try input.peek(SharedSection.prefixBytes))
            let bytes = try input.take(length)
            guard bytes.count == length else {
                throw ContainerError.truncated("truncated container: \(source.name) ends inside the shared section")
            }
            let section = try SharedSection.parse(bytes)
            codec = try given.sharing(section)
            shared = section
            dataStart += UInt64(length)
        }
        let defaultRecords = Int(header.recordsPerFrame)
        let workers = workerThreadCount(threads, singleThread: singleThread)
        let window = max(1, 2 * workers)
        struct SegmentJob { var bytes: [UInt8]; var segment: Int; var firstFrame: Int }
        let pipeline = OrderedPipeline<SegmentJob, [UInt8]>(workers: workers) { [codec] in
            let coder = try codec.makeCoder()
            return { job in
                let (frames, crc) = try SegmentV2.parse(job.bytes, segment: job.segment, firstFrame: job.firstFrame,
                                                        expectedFrames: nil, defaultRecords: defaultRecords)
                var out = [UInt8]()
                for (j, f) in frames.enumerated() {
                    try FrameCoding.decodeV2Lines(header: f.header, stored: f.stored, coder: coder, frame: job.firstFrame + j, into: &out)
                }
                guard CRC32.checksum(out) == crc else {
                    throw ContainerError.corrupt("corrupt container: segment \(job.segment) restored bytes fail their checksum (wrong dictionary or model?)")
                }
                return out
            }
        }
        defer { pipeline.shutdown() }

        var pendingNewline = false
        var original: UInt64 = 0
        func emit(_ bytes: [UInt8]) throws {
            guard !bytes.isEmpty else { return }
            original += UInt64(bytes.count)
            if pendingNewline { try [UInt8(0x0A)].withUnsafeBytes { try sink($0) } }
            try bytes.withUnsafeBytes { try sink(UnsafeRawBufferPointer(rebasing: $0.dropLast())) }
            pendingNewline = true
        }

        struct Seen { var length: Int; var frames: [IndexV2.Frame] }
        var seen: [Seen] = []
        var frameCount = 0
        var segment = [UInt8]()
        var segmentFrames: [IndexV2.Frame] = []
        var previous = FrameBitsV2.segmentStart
        var offset = dataStart
        let ends = "truncated container: \(source.name) ends inside a segment (no index)"
        while true {
            let head = Array(try input.peek(32))
            guard !head.isEmpty else { throw ContainerError.truncated(ends) }
            var r = ByteReader(head)
            let first: UInt64
            do { first = try r.varint() } catch { throw ContainerError.truncated(ends) }
            if first == UInt64(ContainerFormatV2.sealCode) {
                let seal = try input.take(ContainerFormatV2.sealSize)
                guard seal.count == ContainerFormatV2.sealSize else { throw ContainerError.truncated(ends) }
                guard !segmentFrames.isEmpty else {
                    throw ContainerError.corrupt("corrupt container: empty segment \(seen.count)")
                }
                segment += seal
                while pipeline.inFlight >= window {
                    if let r = pipeline.next() { try emit(try r.get()) }
                }
                pipeline.submit(SegmentJob(bytes: segment, segment: seen.count, firstFrame: frameCount))
                frameCount += segmentFrames.count
                seen.append(Seen(length: segment.count, frames: segmentFrames))
                offset += UInt64(segment.count)
                segment = []
                segmentFrames = []
                previous = FrameBitsV2.segmentStart
                while let r = pipeline.tryNext() { try emit(try r.get()) }
                continue
            }
            if first == UInt64(ContainerFormatV2.indexCode) {
                guard segmentFrames.isEmpty else {
                    throw ContainerError.corrupt("corrupt container: the index follows an unsealed segment")
                }
                break
            }
            guard first >= ContainerFormatV2.controlLimit else {
                throw ContainerError.corrupt("corrupt container: unknown control code \(first) after segment \(seen.count)")
            }
            let h: FrameHeaderV2
            do {
                h = try FrameHeaderV2.parse(first: first, firstLength: r.position, &r, defaultRecords: defaultRecords,
                                            previous: &previous, frame: frameCount + segmentFrames.count)
            } catch is ByteReaderError {
                throw ContainerError.truncated(ends)
            }
            let frame = try input.take(h.length + h.storedSize)
            guard frame.count == h.length + h.storedSize else { throw ContainerError.truncated(ends) }
            segment += frame
            segmentFrames.append(IndexV2.Frame(recordCount: h.recordCount, length: frame.count))
            guard segment.count <= ContainerFormat.maxFrameOriginalBytes * 2 else {
                throw ContainerError.corrupt("corrupt container: segment \(seen.count) has no seal")
            }
        }
        while let r = pipeline.next() { try emit(try r.get()) }

        // Index, trailer, and nothing after them.
        let prefix = try input.peek(24)
        let indexLength = try IndexV2.length(prefix: prefix[...])
        guard indexLength <= ContainerFormatV2.maxIndexBytes else {
            throw ContainerError.corrupt("corrupt container: index of \(indexLength) bytes is impossible")
        }
        let tail = try input.take(indexLength + ContainerFormat.trailerSize)
        guard tail.count == indexLength + ContainerFormat.trailerSize else {
            throw ContainerError.truncated("truncated container: \(source.name) ends inside the index or trailer")
        }
        let parsed = try IndexV2.parse(tail[0..<indexLength], dataStart: dataStart,
                                       defaultRecords: defaultRecords, shared: shared)
        let trailer = try ContainerTrailer.parse(tail[indexLength...])
        guard try input.take(1).isEmpty else {
            throw ContainerError.corrupt("corrupt container: \(source.name) has bytes after the trailer")
        }
        guard parsed.segments.count == seen.count, parsed.entries.count == frameCount,
              trailer.frameCount == UInt64(frameCount), trailer.indexOffset == offset else {
            throw ContainerError.corrupt("corrupt container: index and segments disagree")
        }
        var records: UInt64 = 0
        var indexed: UInt64 = 0
        for (k, s) in parsed.segments.enumerated() {
            guard s.length == seen[k].length, s.frameCount == seen[k].frames.count else {
                throw ContainerError.corrupt("corrupt container: index entry of segment \(k) disagrees with it")
            }
            indexed += s.originalBytes
            for (j, f) in seen[k].frames.enumerated() {
                let e = parsed.entries[s.firstFrame + j]
                guard Int(e.recordCount) == f.recordCount, e.length == f.length else {
                    throw ContainerError.corrupt("corrupt container: index entry \(s.firstFrame + j) disagrees with its frame")
                }
                records += UInt64(f.recordCount)
            }
        }
        guard records == trailer.recordCount, indexed == original,
              trailer.restoredSize == original - (records > 0 && !trailer.finalNewline ? 1 : 0),
              records > 0 || !trailer.finalNewline else {
            throw ContainerError.corrupt("corrupt container: trailer disagrees with the frames")
        }
        if pendingNewline && trailer.finalNewline { try [UInt8(0x0A)].withUnsafeBytes { try sink($0) } }
        return trailer
    }
}

/// Sequential reads with look-ahead over an unbuffered source.
final class BufferedSource {
    let source: FileDescriptorSource
    private var buffer: [UInt8] = []
    private var position = 0
    private var ended = false

    init(_ source: FileDescriptorSource) { self.source = source }

    private func fill(_ n: Int) throws {
        if position > 0 && position >= buffer.count / 2 {
            buffer.removeFirst(position)
            position = 0
        }
        while buffer.count - position < n && !ended {
            if try source.read(into: &buffer, count: max(1 << 20, n - (buffer.count - position))) == 0 { ended = true }
        }
    }

    /// Up to `n` next bytes without consuming them (fewer only at the end).
    func peek(_ n: Int) throws -> ArraySlice<UInt8> {
        try fill(n)
        return buffer[position..<min(buffer.count, position + n)]
    }

    /// The next `n` bytes (fewer only at the end).
    func take(_ n: Int) throws -> [UInt8] {
        try fill(n)
        let end = min(buffer.count, position + n)
        let out = Array(buffer[position..<end])
        position = end
        return out
    }
}

