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
                               threads: Int? = nil, to sink: Sink) throws -> ContainerTrailer {
        let head = try source.readFully(ContainerFormat.headerSize)
        let header = try ContainerHeader.parse(head[...])
        guard header.profileID == codec.profileID else {
            throw ContainerError(.profileMismatch,
                "\(source.name) was written with profile \(header.profileID.short), not with the given profile \(codec.profileID.short)")
        }
        let workers = defaultThreadCount(threads)
        let window = 2 * workers
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
}
