import Foundation
import LogLabCore

/// What a finished container holds.
public struct ContainerSummary: Sendable, Equatable {
    public var frames: Int
    public var records: Int
    /// Bytes of the restored file.
    public var originalBytes: UInt64
    /// Bytes of the container file (header, frames, index, trailer).
    public var containerBytes: UInt64
    public var minTime: Int64?
    public var maxTime: Int64?

    public var ratio: Double { containerBytes == 0 ? 0 : Double(originalBytes) / Double(containerBytes) }
}

/// Writes a container from a stream of records in bounded memory: records are grouped into
/// frames, frames are encoded on worker threads (at most `window` in flight) and written in
/// order to `sink`. Use from one thread; call `finish` to write the index and trailer.
public final class ContainerWriter {
    public struct Options: Sendable {
        /// Worker threads (nil: one per core).
        public var threads: Int?
        /// Frames in flight at once (nil: 2 per worker).
        public var window: Int?
        /// Decode each transformed frame and compare before writing it; on a mismatch the
        /// frame is stored verbatim. Guards exactness against a transform bug.
        public var verifyTransforms: Bool
        /// A frame is closed early when its records reach this many bytes.
        public var maxFrameBytes: Int
        /// Overrides the codec's records per frame.
        public var recordsPerFrame: Int?

        public init(threads: Int? = nil, window: Int? = nil, verifyTransforms: Bool = true,
                    maxFrameBytes: Int = 64 << 20, recordsPerFrame: Int? = nil) {
            self.threads = threads
            self.window = window
            self.verifyTransforms = verifyTransforms
            self.maxFrameBytes = maxFrameBytes
            self.recordsPerFrame = recordsPerFrame
        }
    }

    public typealias Sink = (UnsafeRawBufferPointer) throws -> Void

    private let sink: Sink
    private let pipeline: OrderedPipeline<RecordBatch, EncodedFrame>
    private let window: Int
    private let perFrame: Int
    private let maxFrameBytes: Int
    private let timestampField: String
    private var current = RecordBatch()
    private var entries: [FrameIndexEntry] = []
    private var offset = UInt64(ContainerFormat.headerSize)
    private var records: UInt64 = 0
    private var originalBytes: UInt64 = 0
    private var state: State = .open

    private enum State { case open, finished, failed }

    public init(codec: any FrameCodec, options: Options = Options(), sink: @escaping Sink) throws {
        self.sink = sink
        let threads = defaultThreadCount(options.threads)
        window = max(1, options.window ?? 2 * threads)
        perFrame = max(1, min(options.recordsPerFrame ?? codec.recordsPerFrame, ContainerFormat.maxRecordsPerFrame))
        maxFrameBytes = max(1, min(options.maxFrameBytes, ContainerFormat.maxFrameOriginalBytes / 2))
        timestampField = codec.timestampField ?? ""
        let needle: TimeField? = timestampField.isEmpty ? nil : TimeField(timestampField)
        let verify = options.verifyTransforms
        pipeline = OrderedPipeline(workers: threads) {
            let coder = try codec.makeCoder()
            return { batch in
                try FrameCoding.encode(batch, coder: coder, verifyTransform: verify, timestampField: needle)
            }
        }
        let header = ContainerHeader(profileID: codec.profileID, recordsPerFrame: UInt32(perFrame))
        do {
            try header.serialized().withUnsafeBytes { try sink($0) }
        } catch {
            pipeline.shutdown()
            state = .failed
            throw error
        }
        current = RecordBatch(reservingBytes: 0, records: perFrame)
    }

    deinit {
        pipeline.shutdown()
    }

    /// Appends one record (without its line end; it must not contain `\n`).
    public func append<C: Collection>(record: C) throws where C.Element == UInt8 {
        guard !record.contains(0x0A) else {
            throw ContainerError(.invalidInput, "record \(records + UInt64(current.count)) contains a newline; containers store line records")
        }
        try appendLine(record)
    }

    /// Appends every record of `batch` (none may contain `\n`).
    public func append(_ batch: RecordBatch) throws {
        for i in 0..<batch.count { try append(record: batch[i]) }
    }

    /// Appends a record known to hold no `\n` (line splitters).
    func appendLine<C: Collection>(_ record: C) throws where C.Element == UInt8 {
        guard state == .open else { throw ContainerError(.usage, "the container writer is closed") }
        guard record.count < ContainerFormat.maxFrameOriginalBytes / 2 else {
            state = .failed
            throw ContainerError(.invalidInput, "record \(records + UInt64(current.count)) is larger than \(ContainerFormat.maxFrameOriginalBytes / 2) bytes")
        }
        if current.count > 0, current.totalBytes + current.count + record.count + 1 > maxFrameBytes {
            try closeFrame()
        }
        current.append(record)
        if current.count >= perFrame || current.totalBytes + current.count >= maxFrameBytes {
            try closeFrame()
        }
    }

    private func closeFrame() throws {
        guard current.count > 0 else { return }
        let batch = current
        current = RecordBatch(reservingBytes: batch.totalBytes, records: perFrame)
        do {
            while pipeline.inFlight >= window {
                if let r = pipeline.next() { try write(r.get()) }
            }
            pipeline.submit(batch)
            while let r = pipeline.tryNext() { try write(r.get()) }
        } catch {
            state = .failed
            throw error
        }
    }

    private func write(_ frame: EncodedFrame) throws {
        try frame.bytes.withUnsafeBytes { try sink($0) }
        let h = frame.header
        entries.append(FrameIndexEntry(offset: offset, firstRecord: records, recordCount: h.recordCount,
                                       originalSize: h.originalSize, storedSize: h.storedSize,
                                       originalCRC: h.originalCRC, minTime: frame.minTime, maxTime: frame.maxTime))
        offset += UInt64(frame.bytes.count)
        records += UInt64(h.recordCount)
        originalBytes += UInt64(h.originalSize)
    }

    /// Flushes the last frame and writes the index and the trailer. `finalNewline`: whether
    /// the restored file ends with `\n` after its last record (ignored with no records).
    @discardableResult
    public func finish(finalNewline: Bool = true) throws -> ContainerSummary {
        guard state == .open else { throw ContainerError(.usage, "the container writer is closed") }
        do {
            try closeFrame()
            while let r = pipeline.next() { try write(r.get()) }
            pipeline.shutdown()
            let index = FrameIndex(entries: entries, timestampField: timestampField)
            let indexBytes = index.serialized()
            let newline = finalNewline && records > 0
            let restored = originalBytes - (records > 0 && !newline ? 1 : 0)
            let trailer = ContainerTrailer(indexOffset: offset, frameCount: UInt64(entries.count),
                                           recordCount: records, restoredSize: restored, finalNewline: newline)
            try indexBytes.withUnsafeBytes { try sink($0) }
            try trailer.serialized().withUnsafeBytes { try sink($0) }
            state = .finished
            let timed = entries.filter(\.hasTime)
            return ContainerSummary(frames: entries.count, records: Int(records), originalBytes: restored,
                                    containerBytes: offset + UInt64(indexBytes.count + ContainerFormat.trailerSize),
                                    minTime: timed.map(\.minTime).min(), maxTime: timed.map(\.maxTime).max())
        } catch {
            state = .failed
            pipeline.shutdown()
            throw error
        }
    }

    /// Records appended so far.
    public var recordCount: Int { Int(records) + current.count }
}
