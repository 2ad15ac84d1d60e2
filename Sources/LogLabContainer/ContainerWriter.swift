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
        /// Encode every frame on the calling thread, with no worker threads (`threads` is
        /// then ignored): everything in one thread, as `zstd --single-thread` does.
        public var singleThread: Bool
        /// Frames in flight at once (nil: 2 per worker).
        public var window: Int?
        /// Decode each transformed frame and compare before writing it; on a mismatch the
        /// frame is stored verbatim. Guards exactness against a transform bug.
        public var verifyTransforms: Bool
        /// A frame is closed early when its records reach this many bytes.
        public var maxFrameBytes: Int
        /// Overrides the codec's records per frame.
        public var recordsPerFrame: Int?
        /// Write a shared section (format 2.1) learned from the first records: the writer
        /// holds back the records of the learning window (`sharedSectionWindow`: the first
        /// 100,000 records, at most 64 MiB), learns the section, writes it after the header,
        /// then frames every record with it. true: always, however few records the container
        /// has; false: never; nil: as the codec's profile says (`sharesSectionByDefault`), and
        /// then only when the container's records fill the window: a smaller container gets
        /// none, so it pays no learning (5–15 MB/s in the searches measured) for parts that would rarely
        /// pay over so few frames.
        public var sharedSection: Bool?
        public var sharedSectionWindow: SharedSection.Window

        public init(threads: Int? = nil, window: Int? = nil, verifyTransforms: Bool = true,
                    maxFrameBytes: Int = FrameGrouping.defaultMaxFrameBytes, recordsPerFrame: Int? = nil,
                    sharedSection: Bool? = nil, sharedSectionWindow: SharedSection.Window = .standard,
                    singleThread: Bool = false) {
            self.threads = threads
            self.singleThread = singleThread
            self.window = window
            self.verifyTransforms = verifyTransforms
            self.maxFrameBytes = maxFrameBytes
            self.recordsPerFrame = recordsPerFrame
            self.sharedSection = sharedSection
            self.sharedSectionWindow = sharedSectionWindow
        }
    }

    public typealias Sink = (UnsafeRawBufferPointer) throws -> Void

    private let sink: Sink
    private let baseCodec: any FrameCodec
    private var pipeline: OrderedPipeline<FrameInput, EncodedFrame>?
    /// Worker threads; 0: frames are encoded on the calling thread.
    private let threads: Int
    private let window: Int
    private let perFrame: Int
    private let maxFrameBytes: Int
    private let verifyTransforms: Bool
    private let timestampField: String
    private var assembler: ContainerAssembler
    /// The frame being built: records appended one by one, then lines still in input blocks.
    private var current = RecordBatch()
    private var runs: [LineRun] = []
    /// The frame's last run while lines keep extending it, outside `runs` so that a line
    /// costs no array access (nor a retain of its block); `flushOpenRun` moves it in.
    private var openBlock: InputBlock?
    private var openStart = 0
    private var openEnd = 0
    private var frameCount = 0
    private var frameBytes = 0
    /// Records held back to learn the shared section from (nil: not learning).
    private var head: RecordBatch?
    private var headBytes = 0
    private let headWindow: SharedSection.Window
    /// Learn the section only when the held-back records fill `headWindow` (the profile's default).
    private let learnsOnlyWhenFull: Bool
    private var state: State = .open

    private enum State { case open, finished, failed }

    public init(codec: any FrameCodec, options: Options = Options(), sink: @escaping Sink) throws {
        self.sink = sink
        baseCodec = codec
        threads = workerThreadCount(options.threads, singleThread: options.singleThread)
        window = max(1, options.window ?? 2 * threads)
        perFrame = max(1, min(options.recordsPerFrame ?? codec.recordsPerFrame, ContainerFormat.maxRecordsPerFrame))
        maxFrameBytes = max(1, min(options.maxFrameBytes, ContainerFormat.maxFrameOriginalBytes / 2))
        verifyTransforms = options.verifyTransforms
        timestampField = codec.timestampField ?? ""
        assembler = ContainerAssembler(recordsPerFrame: perFrame, timestampField: timestampField)
        headWindow = options.sharedSectionWindow
        learnsOnlyWhenFull = options.sharedSection == nil
        if options.sharedSection ?? codec.sharesSectionByDefault {
            head = RecordBatch()
        } else {
            try start(codec: codec)
        }
    }

    deinit {
        pipeline?.shutdown()
    }

    /// Starts the frame workers with `codec` and writes the header (and its shared section).
    private func start(codec: any FrameCodec) throws {
        let verify = verifyTransforms
        let needle: TimeField? = timestampField.isEmpty ? nil : TimeField(timestampField)
        let pipeline = OrderedPipeline<FrameInput, EncodedFrame>(workers: threads) {
            let coder = try codec.makeCoder()
            return { input in
                try FrameCoding.encode(input.records(), coder: coder, verifyTransform: verify, timestampField: needle,
                                       originalCRC: input.linesCRC())
            }
        }
        self.pipeline = pipeline
        assembler = ContainerAssembler(recordsPerFrame: perFrame, timestampField: timestampField, shared: codec.sharedSection)
        let header = ContainerAssembler.header(profileID: codec.profileID, recordsPerFrame: perFrame, shared: codec.sharedSection)
        do {
            try header.withUnsafeBytes { try sink($0) }
        } catch {
            pipeline.shutdown()
            state = .failed
            throw error
        }
    }

    /// Where the worker threads spent their time (once finished).
    public private(set) var workerStats = WorkerStats()

    /// What the writer measured choosing its shared section's parts (once learned).
    public private(set) var sharedChoice: SharedSection.Choice?

    /// Learns the shared section from the held-back records, starts, and frames them.
    private func releaseHead() throws {
        guard let held = head else { return }
        head = nil
        do {
            let learns = held.count > 0 && (!learnsOnlyWhenFull || headWindow.isFull(count: held.count, bytes: headBytes))
            let codec = learns ? try baseCodec.learnSharedSection(from: held, recordsPerFrame: perFrame) : baseCodec
            sharedChoice = (codec as? ProfileCodec)?.shared?.choice
            try start(codec: codec)
            for i in 0..<held.count { try held.withRecord(i) { try frameAppend($0) } }
        } catch {
            state = .failed
            throw error
        }
    }

    private var recordsSoFar: UInt64 { assembler.records + UInt64(frameCount + (head?.count ?? 0)) }

    /// Appends one record (without its line end; it must not contain `\n`).
    public func append<C: Collection>(record: C) throws where C.Element == UInt8 {
        guard !record.contains(0x0A) else {
            throw ContainerError(.invalidInput, "record \(recordsSoFar) contains a newline; containers store line records")
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
            throw ContainerError(.invalidInput, "record \(recordsSoFar) is larger than \(ContainerFormat.maxFrameOriginalBytes / 2) bytes")
        }
        if head != nil {
            head!.append(record)
            headBytes += record.count + 1
            if headWindow.isFull(count: head!.count, bytes: headBytes) { try releaseHead() }
            return
        }
        try frameAppend(record)
    }

    /// Appends line `block.base[start ..< end]` (`newline`: a `\n` follows it) without
    /// copying it: the frame refers to the block, and its worker copies the lines.
    func appendLine(in block: InputBlock, start: Int, end: Int, newline: Bool) throws {
        let length = end - start
        guard head == nil, state == .open, length < ContainerFormat.maxFrameOriginalBytes / 2 else {
            // Held back for the shared section, or refused: the record-by-record path decides.
            return try appendLine(UnsafeRawBufferPointer(start: block.base + start, count: length))
        }
        if FrameGrouping.closesBefore(count: frameCount, bytes: frameBytes, adding: length, maxFrameBytes: maxFrameBytes) {
            try closeFrame()
        }
        let stop = newline ? end + 1 : end
        if openBlock === block && openEnd == start {
            openEnd = stop
        } else {
            flushOpenRun()
            openBlock = block
            openStart = start
            openEnd = stop
        }
        frameCount += 1
        frameBytes += length
        if FrameGrouping.closesAfter(count: frameCount, bytes: frameBytes, perFrame: perFrame, maxFrameBytes: maxFrameBytes) {
            try closeFrame()
        }
    }

    /// Moves the open run into `runs`.
    private func flushOpenRun() {
        guard let block = openBlock else { return }
        runs.append(LineRun(block: block, start: openStart, end: openEnd))
        openBlock = nil
    }

    private func frameAppend<C: Collection>(_ record: C) throws where C.Element == UInt8 {
        if FrameGrouping.closesBefore(count: frameCount, bytes: frameBytes, adding: record.count, maxFrameBytes: maxFrameBytes) {
            try closeFrame()
        }
        flushOpenRun()
        if !runs.isEmpty {   // keep the order: lines still in blocks come first
            current = FrameInput(batch: current, runs: runs, count: frameCount).records()
            runs.removeAll()
        }
        current.append(record)
        frameCount += 1
        frameBytes += record.count
        if FrameGrouping.closesAfter(count: frameCount, bytes: frameBytes, perFrame: perFrame, maxFrameBytes: maxFrameBytes) {
            try closeFrame()
        }
    }

    private func closeFrame() throws {
        guard frameCount > 0, let pipeline else { return }
        flushOpenRun()
        let input = FrameInput(batch: current, runs: runs, count: frameCount)
        if !current.isEmpty { current = RecordBatch(reservingBytes: current.totalBytes, records: perFrame) }
        runs.removeAll(keepingCapacity: true)
        frameCount = 0
        frameBytes = 0
        do {
            while pipeline.inFlight >= window {
                if let r = pipeline.next() { try write(r.get()) }
            }
            pipeline.submit(input)
            while let r = pipeline.tryNext() { try write(r.get()) }
        } catch {
            state = .failed
            throw error
        }
    }

    private func write(_ frame: EncodedFrame) throws {
        if let sealed = assembler.add(frame, payloadImplicit: frame.payloadImplicit) {
            try sealed.withUnsafeBytes { try sink($0) }
        }
    }

    /// Flushes the last frame and writes the index and the trailer. `finalNewline`: whether
    /// the restored file ends with `\n` after its last record (ignored with no records).
    @discardableResult
    public func finish(finalNewline: Bool = true) throws -> ContainerSummary {
        guard state == .open else { throw ContainerError(.usage, "the container writer is closed") }
        do {
            try releaseHead()
            try closeFrame()
            if let pipeline {
                while let r = pipeline.next() { try write(r.get()) }
                pipeline.shutdown()
                workerStats = pipeline.stats
            }
            let (tail, summary) = assembler.finish(finalNewline: finalNewline)
            try tail.withUnsafeBytes { try sink($0) }
            state = .finished
            return summary
        } catch {
            state = .failed
            pipeline?.shutdown()
            throw error
        }
    }

    /// Records appended so far.
    public var recordCount: Int { Int(recordsSoFar) }
}

/// How records are grouped into frames: at most `perFrame` records, and a frame is closed
/// early so its records (each with `\n`) stay within `maxFrameBytes`. The writer and the
/// lab both group through here.
public enum FrameGrouping {
    /// Default frame byte limit of `ContainerWriter.Options`.
    public static let defaultMaxFrameBytes = 64 << 20

    /// Whether a frame of `count` records of `bytes` bytes (without their `\n`) is closed
    /// before a record of `length` bytes joins it.
    @inline(__always)
    static func closesBefore(count: Int, bytes: Int, adding length: Int, maxFrameBytes: Int) -> Bool {
        count > 0 && bytes + count + length + 1 > maxFrameBytes
    }

    /// Whether a frame of `count` records of `bytes` bytes is closed after its last record.
    @inline(__always)
    static func closesAfter(count: Int, bytes: Int, perFrame: Int, maxFrameBytes: Int) -> Bool {
        count >= perFrame || bytes + count >= maxFrameBytes
    }

    /// The record ranges of the frames the writer makes of `records`.
    public static func frames(of records: RecordBatch, perFrame: Int, maxFrameBytes: Int = defaultMaxFrameBytes) -> [Range<Int>] {
        let per = max(1, min(perFrame, ContainerFormat.maxRecordsPerFrame))
        let limit = max(1, min(maxFrameBytes, ContainerFormat.maxFrameOriginalBytes / 2))
        var out: [Range<Int>] = []
        var start = 0, count = 0, bytes = 0
        for i in 0..<records.count {
            let length = records.range(of: i).count
            if closesBefore(count: count, bytes: bytes, adding: length, maxFrameBytes: limit) {
                out.append(start..<i); start = i; count = 0; bytes = 0
            }
            count += 1
            bytes += length
            if closesAfter(count: count, bytes: bytes, perFrame: per, maxFrameBytes: limit) {
                out.append(start..<(i + 1)); start = i + 1; count = 0; bytes = 0
            }
        }
        if count > 0 { out.append(start..<records.count) }
        return out
    }
}

/// One frame's records as the reading thread hands them to a worker: records appended one by
/// one (`batch`), then whole lines still in input blocks (`runs`), `count` in all. The worker
/// copies the lines out, so the reading thread only finds where they end.
struct FrameInput: @unchecked Sendable {
    var batch: RecordBatch
    var runs: [LineRun]
    var count: Int

    /// The frame's records in one batch.
    func records() -> RecordBatch {
        guard !runs.isEmpty else { return batch }
        var out = batch
        out.reserveCapacity(bytes: runs.reduce(0) { $0 + $1.end - $1.start }, records: count - batch.count)
        for run in runs { out.appendLines(run.bytes) }
        return out
    }

    /// CRC-32 of the frame's original bytes (records each followed by `\n`) straight from the
    /// blocks, where they lie with their line ends; nil when some records are in `batch`.
    func linesCRC() -> UInt32? {
        guard batch.isEmpty, let lastRun = runs.last else { return nil }
        var crc: UInt32 = 0
        for run in runs { crc = CRC32.checksum(run.bytes, seed: crc) }
        // Only the input's last line can lack its `\n`; the frame's bytes have one.
        if lastRun.block.base.load(fromByteOffset: lastRun.end - 1, as: UInt8.self) != 0x0A {
            var newline: UInt8 = 0x0A
            crc = withUnsafeBytes(of: &newline) { CRC32.checksum($0, seed: crc) }
        }
        return crc
    }
}
