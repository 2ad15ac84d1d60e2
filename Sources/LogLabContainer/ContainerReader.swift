import Foundation
import LogLabCore

/// Reads a container file with random access: the header, trailer and index are read and
/// checked on open (so a truncated or damaged tail is reported before any output), then
/// frames are read and decoded on demand, in parallel for full restores. Sendable: many
/// threads may read one container at once.
public final class ContainerReader: Sendable {
    public let file: RandomAccessFile
    public let header: ContainerHeader
    public let trailer: ContainerTrailer
    public let index: FrameIndex
    /// Format 2.0: the segments (empty for 1.0 containers).
    public let segments: [SegmentEntry]
    /// Format 2.1: the shared section every frame references, checked (its CRC, and its id
    /// against the one the index records).
    public let shared: SharedSection?
    /// The given codec; for a container with a shared section, that codec sharing it.
    public let codec: (any FrameCodec)?

    public typealias Sink = (UnsafeRawBufferPointer) throws -> Void

    /// Opens `path`. With a `codec`, refuses a container written with another profile.
    public init(path: String, codec: (any FrameCodec)?) throws {
        let file = try RandomAccessFile(path: path)
        self.file = file
        let minimum = UInt64(ContainerFormat.headerSize + 8 + ContainerFormat.trailerSize)
        let head = try file.read(at: 0, count: Int(min(file.size, UInt64(ContainerFormat.headerSize))))
        header = try ContainerHeader.parse(head[...])
        guard file.size >= minimum else {
            throw ContainerError.truncated("truncated container: \(path) is \(file.size) bytes, too short to be complete")
        }
        if let codec, codec.profileID != header.profileID {
            throw ContainerError(.profileMismatch,
                "\(path) was written with profile \(header.profileID.short), not with the given profile \(codec.profileID.short)")
        }
        trailer = try ContainerTrailer.parse(try file.read(at: file.size - UInt64(ContainerFormat.trailerSize),
                                                          count: ContainerFormat.trailerSize)[...])
        let indexEnd = file.size - UInt64(ContainerFormat.trailerSize)
        guard trailer.indexOffset >= UInt64(ContainerFormat.headerSize), trailer.indexOffset < indexEnd,
              indexEnd - trailer.indexOffset < (1 << 40) else {
            throw ContainerError.corrupt("corrupt container: trailer points outside the file (truncated or damaged)")
        }
        let indexBytes = try file.read(at: trailer.indexOffset, count: Int(indexEnd - trailer.indexOffset))[...]
        if header.major == ContainerFormatV2.majorVersion {
            var dataStart = UInt64(ContainerFormat.headerSize)
            var shared: SharedSection? = nil
            if header.hasSharedSection {
                let at = UInt64(ContainerFormat.headerSize)
                let prefix = try file.read(at: at, count: Int(min(UInt64(SharedSection.prefixBytes), trailer.indexOffset - at)))
                let length = try SharedSection.length(prefix: prefix[...])
                guard UInt64(length) <= trailer.indexOffset - at else {
                    throw ContainerError.corrupt("corrupt container: shared section runs past the index")
                }
                shared = try SharedSection.parse(try file.read(at: at, count: length))
                dataStart += UInt64(length)
            }
            self.shared = shared
            let parsed = try IndexV2.parse(indexBytes, dataStart: dataStart,
                                           defaultRecords: Int(header.recordsPerFrame), shared: shared)
            // Decoded only once the index vouches for it.
            if let shared, let codec { self.codec = try codec.sharing(shared) } else { self.codec = codec }
            index = FrameIndex(entries: parsed.entries, timestampField: parsed.field)
            segments = parsed.segments
            let frameEnd = segments.last.map { $0.offset + UInt64($0.length) } ?? dataStart
            let records = index.entries.reduce(UInt64(0)) { $0 + UInt64($1.recordCount) }
            let original = segments.reduce(UInt64(0)) { $0 + $1.originalBytes }
            guard frameEnd == trailer.indexOffset, UInt64(index.entries.count) == trailer.frameCount,
                  records == trailer.recordCount, records <= original,
                  original - (records > 0 && !trailer.finalNewline ? 1 : 0) == trailer.restoredSize,
                  records > 0 || !trailer.finalNewline else {
                throw ContainerError.corrupt("corrupt container: index and trailer disagree")
            }
            return
        }
        segments = []
        shared = nil
        self.codec = codec
        index = try FrameIndex.parse(indexBytes)
        let frameEnd = index.entries.last.map { $0.offset + UInt64($0.frameLength) } ?? UInt64(ContainerFormat.headerSize)
        let records = index.entries.reduce(UInt64(0)) { $0 + UInt64($1.recordCount) }
        let original = index.entries.reduce(UInt64(0)) { $0 + UInt64($1.originalSize) }
        let expectedRestored = original - (records > 0 && !trailer.finalNewline ? 1 : 0)
        guard frameEnd == trailer.indexOffset, UInt64(index.entries.count) == trailer.frameCount,
              records == trailer.recordCount, expectedRestored == trailer.restoredSize,
              records > 0 || !trailer.finalNewline else {
            throw ContainerError.corrupt("corrupt container: index and trailer disagree")
        }
    }

    var isV2: Bool { header.major == ContainerFormatV2.majorVersion }

    /// A coder for the calling thread that reads this container (its shared section included).
    public func makeCoder() throws -> any FrameCoder { try requireCodec().makeCoder() }

    /// Refuses a coder that does not use this container's shared section: its frames would
    /// decode to wrong bytes that a multi-frame segment's random access could not catch.
    func checkShared(_ coder: any FrameCoder, frame: Int) throws {
        guard coder.sharedSectionID == shared?.id else {
            let want = shared.map { "shared section \($0.idHex.prefix(12))" } ?? "no shared section"
            let have = coder.sharedSectionID.map { "shared section \($0.hexString.prefix(12))" } ?? "no shared section"
            throw ContainerError(.usage, "frame \(frame): wrong shared section: the coder uses \(have), this container \(want) (make coders with the reader's codec)")
        }
    }

    /// Reads segment `k`, checks its stored bytes and splits it into frames (format 2.0).
    func readSegment(_ k: Int) throws -> (frames: [SegmentV2.Frame], originalCRC: UInt32) {
        let seg = segments[k]
        let bytes = try file.read(at: seg.offset, count: seg.length)
        guard bytes.count == seg.length else { throw ContainerError.truncated("truncated container: segment \(k) cut short") }
        let parsed = try SegmentV2.parse(bytes, segment: k, firstFrame: seg.firstFrame, expectedFrames: seg.frameCount,
                                         defaultRecords: Int(header.recordsPerFrame))
        for (j, f) in parsed.frames.enumerated() {
            let e = index.entries[seg.firstFrame + j]
            guard f.header.recordCount == Int(e.recordCount), f.header.length + f.header.storedSize == e.length else {
                throw ContainerError.corrupt("corrupt container: frame \(seg.firstFrame + j) header disagrees with the index")
            }
        }
        return parsed
    }

    /// Segment `k`'s original bytes, every frame decoded and the whole checked (format 2.0).
    func decodeSegment(_ k: Int, coder: any FrameCoder) throws -> [UInt8] {
        var out = [UInt8]()
        try decodeSegment(k, coder: coder, into: &out)
        return out
    }

    /// Segment `k`'s original bytes in `out` (replacing its contents, keeping its capacity so
    /// a worker reuses one buffer), checked as a whole.
    func decodeSegment(_ k: Int, coder: any FrameCoder, into out: inout [UInt8]) throws {
        let payloads = try decompressSegment(k, coder: coder)
        try untransform(payloads, coder: coder, into: &out)
        try checkOriginal(k, out, crc: payloads.originalCRC)
    }

    /// A 2.0 segment read, its stored bytes checked and each frame decompressed: what is
    /// left to decode is undoing the transforms (`untransform`) and checking the result
    /// (`checkOriginal`), so the three steps can run on different threads.
    struct SegmentPayloads {
        let segment: Int
        let frames: [(header: FrameHeaderV2, payload: [UInt8])]
        let originalCRC: UInt32
    }

    func decompressSegment(_ k: Int, coder: any FrameCoder) throws -> SegmentPayloads {
        try checkShared(coder, frame: segments[k].firstFrame)
        let (frames, crc) = try readSegment(k)
        let first = segments[k].firstFrame
        var payloads: [(header: FrameHeaderV2, payload: [UInt8])] = []
        payloads.reserveCapacity(frames.count)
        for (j, f) in frames.enumerated() {
            payloads.append((f.header, try FrameCoding.payloadV2(header: f.header, stored: f.stored, coder: coder, frame: first + j)))
        }
        return SegmentPayloads(segment: k, frames: payloads, originalCRC: crc)
    }

    /// The segment's original bytes in `out` (replacing its contents, keeping its capacity),
    /// not yet checked.
    func untransform(_ s: SegmentPayloads, coder: any FrameCoder, into out: inout [UInt8]) throws {
        let first = segments[s.segment].firstFrame
        try checkShared(coder, frame: first)
        out.removeAll(keepingCapacity: true)
        out.reserveCapacity(Int(min(segments[s.segment].originalBytes, 1 << 30)))
        for (j, f) in s.frames.enumerated() {
            try FrameCoding.untransformV2Lines(header: f.header, payload: f.payload, coder: coder, frame: first + j, into: &out)
        }
    }

    /// Checks segment `k`'s restored bytes against its size and original-bytes CRC.
    func checkOriginal(_ k: Int, _ out: [UInt8], crc: UInt32) throws {
        guard UInt64(out.count) == segments[k].originalBytes, CRC32.checksum(out) == crc else {
            throw ContainerError.corrupt("corrupt container: segment \(k) restored bytes fail their checksum (wrong dictionary or model?)")
        }
    }

    /// Frame `i` of a 2.0 container, decoded; checked against its segment's CRC when it is
    /// the segment's only frame (otherwise its stored bytes are checked, and full restores
    /// check every segment's original bytes).
    func decodeV2Frame(_ i: Int, coder: any FrameCoder) throws -> FrameCoding.Decoded {
        guard i >= 0, i < index.entries.count else {
            throw ContainerError(.usage, "frame \(i) does not exist (\(index.entries.count) frames)")
        }
        try checkShared(coder, frame: i)
        let k = index.entries[i].segment
        let (frames, crc) = try readSegment(k)
        let f = frames[i - segments[k].firstFrame]
        let decoded = try FrameCoding.decodeV2(header: f.header, stored: f.stored, coder: coder, frame: i)
        if frames.count == 1 {
            let check = decoded.check
            guard check.crc == crc, UInt64(check.size) == segments[k].originalBytes else {
                throw ContainerError.corrupt("corrupt container: frame \(i) restored bytes fail their checksum (wrong dictionary or model?)")
            }
        }
        return decoded
    }

    public var recordCount: Int { Int(trailer.recordCount) }
    public var frameCount: Int { index.entries.count }

    private func requireCodec() throws -> any FrameCodec {
        guard let codec else { throw ContainerError(.usage, "restoring needs the container's profile (\(header.profileID.short))") }
        return codec
    }

    /// Reads frame `i` and checks its header against the index (no decoding).
    public func readFrame(_ i: Int) throws -> (header: FrameHeader, stored: [UInt8]) {
        guard i >= 0, i < index.entries.count else {
            throw ContainerError(.usage, "frame \(i) does not exist (\(index.entries.count) frames)")
        }
        let e = index.entries[i]
        if isV2 {
            let f = try readSegment(e.segment).frames[i - segments[e.segment].firstFrame]
            let h = FrameHeader(flags: f.header.flags, recordCount: UInt32(f.header.recordCount), originalSize: 0,
                                payloadSize: UInt32(f.header.payloadSize ?? 0), storedSize: UInt32(f.header.storedSize),
                                originalCRC: 0, storedCRC: CRC32.checksum(f.stored))
            return (h, Array(f.stored))
        }
        let bytes = try file.read(at: e.offset, count: e.frameLength)
        let h = try FrameHeader.parse(bytes[0..<ContainerFormat.frameHeaderSize], frame: i)
        guard h.recordCount == e.recordCount, h.originalSize == e.originalSize, h.storedSize == e.storedSize,
              h.originalCRC == e.originalCRC else {
            throw ContainerError.corrupt("corrupt container: frame \(i) header disagrees with the index")
        }
        return (h, Array(bytes[ContainerFormat.frameHeaderSize...]))
    }

    /// Checks frame `i`'s stored bytes without decoding them.
    public func checkStored(_ i: Int) throws {
        if isV2 {
            _ = try readFrame(i)
            return
        }
        let (h, stored) = try readFrame(i)
        guard CRC32.checksum(stored) == h.storedCRC else {
            throw ContainerError.corrupt("corrupt container: frame \(i) stored-bytes checksum mismatch")
        }
    }

    /// Frame `i`'s original bytes (its records, each followed by `\n`), checked.
    public func decodeFrame(_ i: Int, coder: any FrameCoder) throws -> [UInt8] {
        if isV2 { return try decodeV2Frame(i, coder: coder).original }
        let (h, stored) = try readFrame(i)
        return try FrameCoding.decode(header: h, stored: stored[...], coder: coder, frame: i)
    }

    public func decodeFrame(_ i: Int) throws -> [UInt8] {
        try decodeFrame(i, coder: try requireCodec().makeCoder())
    }

    /// Frame `i`'s records, checked.
    public func decodeRecords(_ i: Int, coder: any FrameCoder) throws -> RecordBatch {
        if isV2 { return try decodeV2Frame(i, coder: coder).records }
        let (h, stored) = try readFrame(i)
        return try FrameCoding.decodeChecked(header: h, stored: stored[...], coder: coder, frame: i).records
    }

    /// The frame holding record `n`.
    public func frameIndex(ofRecord n: Int) -> Int? {
        guard n >= 0, n < recordCount else { return nil }
        var lo = 0, hi = index.entries.count - 1
        while lo < hi {
            let mid = (lo + hi + 1) / 2
            if Int(index.entries[mid].firstRecord) <= n { lo = mid } else { hi = mid - 1 }
        }
        return lo
    }

    /// Record `n` (0-based), without its line end, decoding only its frame.
    public func record(at n: Int) throws -> [UInt8] {
        try record(at: n, coder: try requireCodec().makeCoder())
    }

    /// Record `n` with the calling thread's coder (services keep one per thread).
    public func record(at n: Int, coder: any FrameCoder) throws -> [UInt8] {
        guard let f = frameIndex(ofRecord: n) else {
            throw ContainerError(.usage, "record \(n) does not exist (\(recordCount) records)")
        }
        let batch = try decodeRecords(f, coder: coder)
        let k = n - Int(index.entries[f].firstRecord)
        guard k < batch.count else { throw ContainerError.corrupt("corrupt container: frame \(f) is short of records") }
        return Array(batch[k])
    }

    /// Frames whose time range overlaps `from ..< to` (ms since the epoch).
    public func frames(from: Int64, to: Int64) -> [Int] {
        index.entries.indices.filter { i in
            let e = index.entries[i]
            return e.hasTime && e.maxTime >= from && e.minTime < to
        }
    }

    /// Writes every record whose timestamp is in `from ..< to`, each followed by `\n`, in
    /// file order, decoding only the frames whose range overlaps. Returns the record count.
    @discardableResult
    public func restoreRecords(from: Int64, to: Int64, threads: Int? = nil, singleThread: Bool = false, to sink: Sink) throws -> Int {
        guard !index.timestampField.isEmpty else {
            throw ContainerError(.usage, "this container has no time index (written without a timestamp field)")
        }
        guard index.entries.isEmpty || index.entries.contains(where: \.hasTime) else {
            throw ContainerError(.usage, "this container has no time index: no record has a time at '\(index.timestampField)'")
        }
        let field = TimeField(index.timestampField)
        var count = 0
        try forEachDecoded(frames: frames(from: from, to: to), threads: threads, singleThread: singleThread) { _, original in
            let batch = FrameCoding.records(of: original)
            var out = [UInt8]()
            for i in 0..<batch.count {
                let t = batch.withRecord(i) { field.time(in: $0) }
                if let t, t >= from, t < to {
                    out.append(contentsOf: batch[i])
                    out.append(0x0A)
                    count += 1
                }
            }
            try out.withUnsafeBytes { try sink($0) }
        }
        return count
    }

    /// Records whose timestamp is in `from ..< to`.
    public func records(from: Int64, to: Int64) throws -> RecordBatch {
        var text = [UInt8]()
        try restoreRecords(from: from, to: to) { text.append(contentsOf: $0) }
        return RecordBatch(lines: text)
    }

    /// Writes the exact original file to `sink`, decoding frames in parallel. `singleThread`: decode
    /// every frame on the calling thread instead (a benchmark timing this thread's CPU).
    /// Returns where the worker threads spent their time.
    @discardableResult
    public func restoreAll(threads: Int? = nil, singleThread: Bool = false, to sink: Sink) throws -> WorkerStats {
        let last = index.entries.count - 1
        let dropNewline = !trailer.finalNewline
        return try forEachDecoded(frames: Array(index.entries.indices), threads: threads, singleThread: singleThread) { i, original in
            try original.withUnsafeBytes { raw in
                if i == last && dropNewline {
                    try sink(UnsafeRawBufferPointer(rebasing: raw.dropLast()))
                } else {
                    try sink(raw)
                }
            }
        }
    }

    /// A sink that takes bytes at any offset of the restored file, from any thread (a
    /// regular file written with `pwrite`).
    public typealias PlacingSink = @Sendable (UnsafeRawBufferPointer, _ offset: UInt64) throws -> Void

    /// Writes the exact original file through `place`, decoding on `threads` workers that
    /// each take the next unit (a 2.0 segment, a 1.x frame) and check it: no unit waits for
    /// the one before it. One writer thread places the checked units at their offsets, in
    /// the order they finish, while the workers go on decoding: buffered writes to one file
    /// take its inode lock (ext4, XFS), so workers writing their own units waited for each
    /// other, and under load for one preempted while holding it (measured on two busy
    /// cores: 98 writes of 0.9 MB took 0.4–0.6 ms each from one thread, 4–16 ms each from
    /// two workers). On a failure
    /// the others stop and the first error is thrown (the caller discards the output).
    /// Every byte placed was checked against its unit's CRC. The units being decoded hold at
    /// most `DecodeBudget.bytes` together (one always runs), the units waiting for the
    /// writer half as much more (one always waits). `place` is called on one thread at a time.
    /// Returns where the workers and the writing thread spent their time.
    @discardableResult
    public func restoreAll(threads: Int?, placing place: @escaping PlacingSink) throws -> WorkerStats {
        let units = isV2 ? segments.count : index.entries.count
        guard units > 0 else { return WorkerStats() }
        let codec = try requireCodec()
        // Byte offset of each unit in the restored file.
        var offsets = [UInt64](repeating: 0, count: units + 1)
        for u in 0..<units {
            offsets[u + 1] = offsets[u] + (isV2 ? segments[u].originalBytes : UInt64(index.entries[u].originalSize))
        }
        let dropNewline = !trailer.finalNewline
        // What decoding a unit holds at its peak (sizes from the index; a forged claim is
        // capped, and costs one unit's memory, not one per worker).
        let costs: [Int] = (0..<units).map { u in
            let (stored, original) = isV2 ? (segments[u].length, min(segments[u].originalBytes, 1 << 40))
                                           : (Int(index.entries[u].storedSize), UInt64(index.entries[u].originalSize))
            return DecodeBudget.cost(stored: stored, payload: ContainerFormat.maxPayloadSize(originalSize: Int(original)),
                                     original: Int(original))
        }
        let workers = min(defaultThreadCount(threads), units)
        // Eight units a worker may wait: the writing thread at times blocks 1–16 ms starting
        // writeback (a full device queue), and with two a worker the workers stalled behind
        // it (measured on two busy cores: 6–205 ms waiting for room a restore of 89 MB, none
        // with eight, median wall 324 → 284 ms). The byte limit still bounds the memory.
        let writer = PlacingWriter(place: place, limit: 8 * workers, byteLimit: DecodeBudget.bytes / 2)
        let result = Result {
            try WorkerPool.forEach(count: units, workers: workers, cost: { costs[$0] }) { [self, offsets] in
                let coder = try codec.makeCoder()
                return { u in
                    // A new buffer per unit (the allocator hands back one the writer freed).
                    var buffer = [UInt8]()
                    if self.isV2 {
                        try self.decodeSegment(u, coder: coder, into: &buffer)
                    } else {
                        buffer = try self.decodeFrame(u, coder: coder)
                    }
                    let keep = u == units - 1 && dropNewline ? max(buffer.count - 1, 0) : buffer.count
                    try writer.put(buffer, count: keep, at: offsets[u])
                }
            }
        }
        let finished = Result { try writer.finish() }
        var stats = try result.get()
        try finished.get()
        writer.addStats(to: &stats)
        return stats
    }

    /// The one thread that places decoded units for `restoreAll(threads:placing:)`; workers
    /// hand it their buffers, waiting while `limit` units or `byteLimit` bytes wait.
    private final class PlacingWriter: @unchecked Sendable {
        /// Condition 0: the writing thread waits for units; 1: workers wait for room, the
        /// caller for the writing thread to stop.
        private let lock = TwoConditionLock()
        private var roomWaiters = 0
        /// Time workers waited for room, the writing thread's CPU and its wait for units.
        private var roomWait: UInt64 = 0, writerCPU: UInt64 = 0, writerWait: UInt64 = 0
        private var waiting: [(bytes: [UInt8], count: Int, offset: UInt64)] = []
        private var waitingBytes = 0
        private var closed = false, running = true
        private var failure: Error?
        private let limit: Int, byteLimit: Int

        init(place: @escaping PlacingSink, limit: Int, byteLimit: Int) {
            self.limit = max(1, limit)
            self.byteLimit = byteLimit
            WorkerPool.start { [self] in self.run(place) }
        }

        /// Queues `bytes.prefix(count)` for `offset`; throws the writer's failure.
        func put(_ bytes: [UInt8], count: Int, at offset: UInt64) throws {
            lock.lock(); defer { lock.unlock() }
            while failure == nil && !waiting.isEmpty && (waiting.count >= limit || waitingBytes + bytes.count > byteLimit) {
                roomWaiters += 1
                let t0 = Clock.nanoseconds()
                lock.wait(1)
                roomWait &+= Clock.nanoseconds() - t0
                roomWaiters -= 1
            }
            if let failure { throw failure }
            waiting.append((bytes, count, offset))
            waitingBytes += bytes.count
            lock.signal(0)
        }

        /// Writes what is queued, stops the thread and throws its failure, if any.
        func finish() throws {
            lock.lock(); defer { lock.unlock() }
            closed = true
            lock.signal(0)
            // The writing thread broadcasts as it stops; this wait is not a worker's.
            while running { lock.wait(1) }
            if let failure { throw failure }
        }

        /// The writing thread's time, and the workers' wait for room.
        func addStats(to stats: inout WorkerStats) {
            lock.lock(); defer { lock.unlock() }
            stats.writer = (writerCPU, writerWait)
            stats.waitNanoseconds &+= roomWait
        }

        private func run(_ place: PlacingSink) {
            let cpu0 = Clock.threadCPUNanoseconds()
            lock.lock()
            while failure == nil {
                if waiting.isEmpty && !closed {
                    let t0 = Clock.nanoseconds()
                    while waiting.isEmpty && !closed { lock.wait(0) }
                    writerWait &+= Clock.nanoseconds() - t0
                }
                if waiting.isEmpty { break }
                let item = waiting.removeFirst()
                lock.unlock()
                let r = Result { try item.bytes.withUnsafeBytes { try place(UnsafeRawBufferPointer(rebasing: $0.prefix(item.count)), item.offset) } }
                lock.lock()
                waitingBytes -= item.bytes.count
                if case .failure(let e) = r { failure = e }
                if roomWaiters > 0 { lock.broadcast(1) }
            }
            running = false
            writerCPU = Clock.threadCPUNanoseconds() - cpu0
            lock.broadcast(1)
            lock.unlock()
        }
    }

    /// The exact original file, in memory.
    public func restoreAll() throws -> [UInt8] {
        var out = [UInt8]()
        out.reserveCapacity(Int(min(trailer.restoredSize, 1 << 32)))
        try restoreAll { out.append(contentsOf: $0) }
        return out
    }

    /// Checks the whole file: every frame's stored checksum and, with a codec, a full decode
    /// against the original checksums. Returns the number of frames checked.
    @discardableResult
    public func verify(threads: Int? = nil, singleThread: Bool = false) throws -> Int {
        if codec == nil {
            if isV2 {
                for k in segments.indices { _ = try readSegment(k) }
                return index.entries.count
            }
            for i in index.entries.indices { try checkStored(i) }
        } else {
            try restoreAll(threads: threads, singleThread: singleThread) { _ in }
        }
        return index.entries.count
    }

    /// Segments `wanted` (2.0) decoded by one worker that only undoes the transforms: this
    /// thread reads, checks and decompresses the segments ahead of it, and checks each result
    /// before handing it to `body`, in order. Undoing the transforms is most of decoding, so
    /// the worker is the slower stage and this thread (which also runs `body`, e.g. writing
    /// the output) keeps up; with more workers it would not, and each does every step.
    /// Failures are reported in segment order, as the worker would meet them.
    private func forEachStaged(_ wanted: [Int], codec: any FrameCodec, _ body: (Int, [UInt8]) throws -> Void) throws -> WorkerStats {
        let reading = try codec.makeCoder()
        let pipeline = OrderedPipeline<Result<SegmentPayloads, Error>, (bytes: [UInt8], crc: UInt32)>(workers: 1) { [self] in
            let coder = try codec.makeCoder()
            return { job in
                let payloads = try job.get()
                var out = [UInt8]()
                try self.untransform(payloads, coder: coder, into: &out)
                return (out, payloads.originalCRC)
            }
        }
        defer { pipeline.shutdown() }
        var submitted = 0, delivered = 0
        while delivered < wanted.count {
            // Two ahead: the worker starts the next segment while this thread checks and
            // hands on the last one.
            while submitted < wanted.count && submitted - delivered < 2 {
                let k = wanted[submitted]
                pipeline.submit(Result { try decompressSegment(k, coder: reading) })
                submitted += 1
            }
            guard let r = pipeline.next() else { break }
            let k = wanted[delivered]
            let (bytes, crc) = try r.get()
            try checkOriginal(k, bytes, crc: crc)
            try body(segments[k].frames.upperBound - 1, bytes)
            delivered += 1
        }
        pipeline.shutdown()
        return pipeline.stats
    }

    /// Decodes `frames` on worker threads (one frame: on the calling thread), calling `body`
    /// in order on the calling thread. Returns where the worker threads spent their time.
    @discardableResult
    func forEachDecoded(frames: [Int], threads: Int?, singleThread: Bool = false, _ body: (Int, [UInt8]) throws -> Void) throws -> WorkerStats {
        guard !frames.isEmpty else { return WorkerStats() }
        let codec = try requireCodec()
        if isV2 {
            // Whole segments (each checked as a whole); `body` gets each segment's last frame.
            var wanted: [Int] = []
            for i in frames where wanted.last != index.entries[i].segment { wanted.append(index.entries[i].segment) }
            let workers = min(defaultThreadCount(threads), wanted.count)
            // One worker still decodes on its own thread when there is more than one
            // segment, so `body` (writing the output) overlaps the decoding.
            if wanted.count == 1 || singleThread {
                let coder = try codec.makeCoder()
                for k in wanted { try body(segments[k].frames.upperBound - 1, try decodeSegment(k, coder: coder)) }
                return WorkerStats()
            }
            if workers == 1 {
                return try forEachStaged(wanted, codec: codec, body)
            }
            let pipeline = OrderedPipeline<Int, [UInt8]>(workers: workers) { [self] in
                let coder = try codec.makeCoder()
                return { k in try self.decodeSegment(k, coder: coder) }
            }
            defer { pipeline.shutdown() }
            var submitted = 0, delivered = 0
            while delivered < wanted.count {
                while submitted < wanted.count && submitted - delivered < 2 * workers {
                    pipeline.submit(wanted[submitted])
                    submitted += 1
                }
                guard let r = pipeline.next() else { break }
                try body(segments[wanted[delivered]].frames.upperBound - 1, try r.get())
                delivered += 1
            }
            pipeline.shutdown()
            return pipeline.stats
        }
        let workers = min(defaultThreadCount(threads), frames.count)
        if frames.count == 1 || singleThread {
            let coder = try codec.makeCoder()
            for i in frames { try body(i, try decodeFrame(i, coder: coder)) }
            return WorkerStats()
        }
        let pipeline = OrderedPipeline<Int, [UInt8]>(workers: workers) { [self] in
            let coder = try codec.makeCoder()
            return { i in try self.decodeFrame(i, coder: coder) }
        }
        defer { pipeline.shutdown() }
        let window = 2 * workers
        var budget = DecodeBudget()
        func cost(_ i: Int) -> Int {
            let e = index.entries[i]
            return DecodeBudget.cost(stored: Int(e.storedSize), payload: ContainerFormat.maxPayloadSize(originalSize: Int(e.originalSize)),
                                     original: Int(e.originalSize))
        }
        var submitted = 0, delivered = 0
        while delivered < frames.count {
            while submitted < frames.count && submitted - delivered < window && budget.admits(cost(frames[submitted])) {
                budget.add(cost(frames[submitted]))
                pipeline.submit(frames[submitted])
                submitted += 1
            }
            guard let r = pipeline.next() else { break }
            budget.removeOldest()
            try body(frames[delivered], try r.get())
            delivered += 1
        }
        pipeline.shutdown()
        return pipeline.stats
    }
}
