import Foundation
import LogLabCore
import LogLabContainer
import LogLabTransforms

// The C ABI (include/loglab.h documents every function). Conventions: functions that can
// fail return 0 or a LOGLAB_E_* code and, on failure, store a malloc'd one-line message in
// `*error` (when `error` is not NULL; free it with loglab_free). Nothing here traps on the
// caller's input: pointers, indices and lengths are checked first.

public typealias ErrorOut = UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?
public typealias Handle = UnsafeMutableRawPointer

private func guarded(_ errorOut: ErrorOut, _ body: () throws -> Void) -> Int32 {
    do {
        try body()
        return 0
    } catch {
        let line = String(describing: error).split(separator: "\n").joined(separator: " ")
        error_out(errorOut, line)
        return ErrorCode.of(error)
    }
}

private func error_out(_ out: ErrorOut, _ message: String) {
    guard let out else { return }
    out.pointee = strdup(message)
}

/// Frames are large buffers allocated and freed per frame; glibc's defaults map and unmap
/// each one (page faults on every frame). The CLI tunes the allocator the same way; done
/// once, the first time a reader or writer is made.
private let tuneAllocator: Void = AllocatorTuning.forLargeFrames()

private func retain(_ object: AnyObject) -> Handle {
    _ = tuneAllocator
    return Unmanaged.passRetained(object).toOpaque()
}

private func object<T: AnyObject>(_ handle: Handle?, as: T.Type, _ what: String) throws -> T {
    guard let handle else { throw ArgumentError("\(what) is NULL") }
    return Unmanaged<T>.fromOpaque(handle).takeUnretainedValue()
}

private func release(_ handle: Handle?) {
    guard let handle else { return }
    Unmanaged<AnyObject>.fromOpaque(handle).release()
}

private func string(_ p: UnsafePointer<CChar>?, _ what: String) throws -> String {
    guard let p else { throw ArgumentError("\(what) is NULL") }
    return String(cString: p)
}

private func bytes(_ p: UnsafeRawPointer?, _ count: Int, _ what: String) throws -> [UInt8] {
    guard count >= 0 else { throw ArgumentError("\(what): negative length") }
    guard count > 0 else { return [] }
    guard let p else { throw ArgumentError("\(what) is NULL") }
    return Array(UnsafeRawBufferPointer(start: p, count: count))
}

/// Hands `bytes` to the caller as a malloc'd buffer.
private func give(_ bytes: [UInt8], _ out: UnsafeMutablePointer<UnsafeMutablePointer<UInt8>?>?,
                  _ length: UnsafeMutablePointer<Int64>?) throws {
    guard let out, let length else { throw ArgumentError("output pointer is NULL") }
    let p = malloc(max(bytes.count, 1))!.assumingMemoryBound(to: UInt8.self)
    bytes.withUnsafeBufferPointer { if let b = $0.baseAddress { p.update(from: b, count: bytes.count) } }
    out.pointee = p
    length.pointee = Int64(bytes.count)
}

private func giveString(_ s: String) -> UnsafeMutablePointer<CChar>? { strdup(s) }

private func threadCount(_ requested: Int32, work: Int) -> Int {
    let cores = max(1, sysconf(Int32(_SC_NPROCESSORS_ONLN)))
    let n = requested > 0 ? Int(requested) : cores
    return max(1, min(n, work))
}

// MARK: library

nonisolated(unsafe) private let versionString = strdup("loglab \(LogLabVersion.current) (C ABI 1)")

@_cdecl("loglab_version")
public func loglab_version() -> UnsafePointer<CChar>? { UnsafePointer(versionString) }

@_cdecl("loglab_free")
public func loglab_free(_ p: UnsafeMutableRawPointer?) { free(p) }

// MARK: profiles

@_cdecl("loglab_profile_load")
public func loglab_profile_load(_ path: UnsafePointer<CChar>?, _ out: UnsafeMutablePointer<Handle?>?,
                                _ error: ErrorOut) -> Int32 {
    guarded(error) {
        guard let out else { throw ArgumentError("output pointer is NULL") }
        let profile = try Profile.load(path: try string(path, "profile path"))
        out.pointee = retain(ProfileHandle(profile))
    }
}

@_cdecl("loglab_profile_free")
public func loglab_profile_free(_ p: Handle?) { release(p) }

/// What: 0 id (hex), 1 timestamp field ("" if none), 2 one-line summary. Malloc'd.
@_cdecl("loglab_profile_info")
public func loglab_profile_info(_ p: Handle?, _ what: Int32) -> UnsafeMutablePointer<CChar>? {
    guard let h = try? object(p, as: ProfileHandle.self, "profile") else { return nil }
    switch what {
    case 0: return giveString(h.profile.id.hex)
    case 1: return giveString(h.codec.timestampField ?? "")
    case 2: return giveString(h.profile.summary)
    default: return nil
    }
}

// MARK: compressing

/// Records given as `data` plus `count + 1` int64 offsets.
@_cdecl("loglab_compress_records")
public func loglab_compress_records(_ p: Handle?, _ data: UnsafeRawPointer?, _ offsets: UnsafePointer<Int64>?,
                                    _ count: Int64, _ finalNewline: Int32, _ threads: Int32,
                                    _ out: UnsafeMutablePointer<UnsafeMutablePointer<UInt8>?>?,
                                    _ outLength: UnsafeMutablePointer<Int64>?, _ error: ErrorOut) -> Int32 {
    guarded(error) {
        let h = try object(p, as: ProfileHandle.self, "profile")
        guard count >= 0 else { throw ArgumentError("negative record count") }
        guard count == 0 || offsets != nil else { throw ArgumentError("offsets are NULL") }
        var result = [UInt8]()
        let options = ContainerWriter.Options(threads: threads > 0 ? Int(threads) : nil)
        let writer = try ContainerWriter(codec: h.codec, options: options) { result.append(contentsOf: $0) }
        if count > 0 {
            let off = UnsafeBufferPointer(start: offsets!, count: Int(count) + 1)
            guard off[0] >= 0 else { throw ArgumentError("offsets must start at 0 or more") }
            for i in 0..<Int(count) {
                let lo = off[i], hi = off[i + 1]
                guard hi >= lo else { throw ArgumentError("offsets must not decrease (record \(i))") }
                if hi > lo {
                    guard let data else { throw ArgumentError("data is NULL") }
                    try writer.append(record: UnsafeRawBufferPointer(start: data + Int(lo), count: Int(hi - lo)))
                } else {
                    try writer.append(record: EmptyCollection<UInt8>())
                }
            }
        }
        try writer.finish(finalNewline: finalNewline != 0)
        try give(result, out, outLength)
    }
}

/// A whole JSON Lines text (its final newline, or not, comes back on restore).
@_cdecl("loglab_compress_text")
public func loglab_compress_text(_ p: Handle?, _ data: UnsafeRawPointer?, _ length: Int64, _ threads: Int32,
                                 _ out: UnsafeMutablePointer<UnsafeMutablePointer<UInt8>?>?,
                                 _ outLength: UnsafeMutablePointer<Int64>?, _ error: ErrorOut) -> Int32 {
    guarded(error) {
        let h = try object(p, as: ProfileHandle.self, "profile")
        let text = try bytes(data, Int(length), "data")
        let options = ContainerWriter.Options(threads: threads > 0 ? Int(threads) : nil)
        try give(try ContainerWriter.compress(text, codec: h.codec, options: options), out, outLength)
    }
}

/// File to file, streaming; `dst` appears only when complete.
@_cdecl("loglab_compress_file")
public func loglab_compress_file(_ p: Handle?, _ src: UnsafePointer<CChar>?, _ dst: UnsafePointer<CChar>?,
                                 _ threads: Int32, _ error: ErrorOut) -> Int32 {
    guarded(error) {
        let h = try object(p, as: ProfileHandle.self, "profile")
        let srcPath = try string(src, "source path"), dstPath = try string(dst, "destination path")
        let options = ContainerWriter.Options(threads: threads > 0 ? Int(threads) : nil)
        do {
            let input = try InputFile(srcPath)
            try Output.with(dstPath) { out in
                let writer = try ContainerWriter(codec: h.codec, options: options) { try out.write($0) }
                try writer.compressLines(from: FileDescriptorSource(fd: input.fd, name: srcPath))
            }
        } catch let e as FileError {
            throw ContainerError(.io, e.description)
        }
    }
}

// MARK: messages

@_cdecl("loglab_encode_message")
public func loglab_encode_message(_ p: Handle?, _ data: UnsafeRawPointer?, _ length: Int64,
                                  _ out: UnsafeMutablePointer<UnsafeMutablePointer<UInt8>?>?,
                                  _ outLength: UnsafeMutablePointer<Int64>?, _ error: ErrorOut) -> Int32 {
    guarded(error) {
        let h = try object(p, as: ProfileHandle.self, "profile")
        try give(try h.codec.encodeMessage(try bytes(data, Int(length), "record")), out, outLength)
    }
}

@_cdecl("loglab_decode_message")
public func loglab_decode_message(_ p: Handle?, _ data: UnsafeRawPointer?, _ length: Int64,
                                  _ out: UnsafeMutablePointer<UnsafeMutablePointer<UInt8>?>?,
                                  _ outLength: UnsafeMutablePointer<Int64>?, _ error: ErrorOut) -> Int32 {
    guarded(error) {
        let h = try object(p, as: ProfileHandle.self, "profile")
        try give(try h.codec.decodeMessage(try bytes(data, Int(length), "message")), out, outLength)
    }
}

// MARK: readers

@_cdecl("loglab_reader_open")
public func loglab_reader_open(_ p: Handle?, _ path: UnsafePointer<CChar>?, _ out: UnsafeMutablePointer<Handle?>?,
                               _ error: ErrorOut) -> Int32 {
    guarded(error) {
        let h = try object(p, as: ProfileHandle.self, "profile")
        guard let out else { throw ArgumentError("output pointer is NULL") }
        let reader = try ContainerReader(path: try string(path, "container path"), codec: h.codec)
        out.pointee = retain(ReaderHandle(reader: reader, profile: h))
    }
}

/// A container in memory: the reader reads through a file descriptor, so the bytes go to
/// an unlinked temporary file (page cache; nothing stays on disk).
@_cdecl("loglab_reader_open_bytes")
public func loglab_reader_open_bytes(_ p: Handle?, _ data: UnsafeRawPointer?, _ length: Int64,
                                     _ out: UnsafeMutablePointer<Handle?>?, _ error: ErrorOut) -> Int32 {
    guarded(error) {
        let h = try object(p, as: ProfileHandle.self, "profile")
        guard let out else { throw ArgumentError("output pointer is NULL") }
        guard length >= 0, length == 0 || data != nil else { throw ArgumentError("container bytes are NULL") }
        let dir = ProcessInfo.processInfo.environment["TMPDIR"].flatMap { $0.isEmpty ? nil : $0 } ?? "/tmp"
        var template = Array((dir + "/loglab-container-XXXXXX").utf8CString)
        let fd = template.withUnsafeMutableBufferPointer { mkstemp($0.baseAddress!) }
        guard fd >= 0 else { throw ContainerError(.io, "cannot create a temporary file in \(dir): \(String(cString: strerror(errno)))") }
        let path = template.withUnsafeBufferPointer { String(cString: $0.baseAddress!) }
        defer { unlink(path) }
        do {
            defer { close(fd) }
            if length > 0 {
                try FileDescriptorSink(fd: fd, name: path).write(UnsafeRawBufferPointer(start: data!, count: Int(length)))
            }
        }
        let reader = try ContainerReader(path: path, codec: h.codec)
        out.pointee = retain(ReaderHandle(reader: reader, profile: h))
    }
}

@_cdecl("loglab_reader_free")
public func loglab_reader_free(_ r: Handle?) { release(r) }

/// What: 0 records, 1 frames, 2 restored bytes, 3 whether the restored file ends with "\n".
@_cdecl("loglab_reader_count")
public func loglab_reader_count(_ r: Handle?, _ what: Int32) -> Int64 {
    guard let h = try? object(r, as: ReaderHandle.self, "reader") else { return -1 }
    switch what {
    case 0: return Int64(h.reader.recordCount)
    case 1: return Int64(h.reader.frameCount)
    case 2: return Int64(h.reader.trailer.restoredSize)
    case 3: return h.reader.trailer.finalNewline ? 1 : 0
    default: return -1
    }
}

/// What: 0 the container's profile id (hex), 1 its time index field ("" if none). Malloc'd.
@_cdecl("loglab_reader_info")
public func loglab_reader_info(_ r: Handle?, _ what: Int32) -> UnsafeMutablePointer<CChar>? {
    guard let h = try? object(r, as: ReaderHandle.self, "reader") else { return nil }
    switch what {
    case 0: return giveString(h.reader.header.profileID.hex)
    case 1: return giveString(h.reader.index.timestampField)
    default: return nil
    }
}

/// Frame `i`'s first record, record count and time range (INT64_MIN when undated).
@_cdecl("loglab_reader_frame_info")
public func loglab_reader_frame_info(_ r: Handle?, _ i: Int64, _ first: UnsafeMutablePointer<Int64>?,
                                     _ count: UnsafeMutablePointer<Int64>?, _ minTime: UnsafeMutablePointer<Int64>?,
                                     _ maxTime: UnsafeMutablePointer<Int64>?, _ error: ErrorOut) -> Int32 {
    guarded(error) {
        let h = try object(r, as: ReaderHandle.self, "reader")
        guard i >= 0, i < Int64(h.reader.frameCount) else {
            throw ContainerError(.usage, "frame \(i) does not exist (\(h.reader.frameCount) frames)")
        }
        let e = h.reader.index.entries[Int(i)]
        first?.pointee = Int64(e.firstRecord)
        count?.pointee = Int64(e.recordCount)
        minTime?.pointee = e.minTime
        maxTime?.pointee = e.maxTime
    }
}

@_cdecl("loglab_reader_record")
public func loglab_reader_record(_ r: Handle?, _ n: Int64, _ out: UnsafeMutablePointer<UnsafeMutablePointer<UInt8>?>?,
                                 _ outLength: UnsafeMutablePointer<Int64>?, _ error: ErrorOut) -> Int32 {
    guarded(error) {
        let h = try object(r, as: ReaderHandle.self, "reader")
        guard n >= 0, n < Int64(h.reader.recordCount) else {
            throw ContainerError(.usage, "record \(n) does not exist (\(h.reader.recordCount) records)")
        }
        let frame = h.reader.frameIndex(ofRecord: Int(n))!
        let batch = try h.withCoder { try h.reader.decodeRecords(frame, coder: $0) }
        let k = Int(n) - Int(h.reader.index.entries[frame].firstRecord)
        guard k >= 0, k < batch.count else { throw ContainerError(.corrupt, "corrupt container: frame \(frame) is short of records") }
        try give(Array(batch[k]), out, outLength)
    }
}

/// The frames to read, checked, and the time filter.
private struct Selection {
    var frames: [Int]
    var from: Int64
    var to: Int64
    var filter: Bool
}

private func selection(_ h: ReaderHandle, _ frames: UnsafePointer<Int64>?, _ count: Int64,
                       _ from: Int64, _ to: Int64, _ filter: Int32) throws -> Selection {
    guard count >= 0 else { throw ArgumentError("negative frame count") }
    var list: [Int] = []
    if count > 0 {
        guard let frames else { throw ArgumentError("frames are NULL") }
        for f in UnsafeBufferPointer(start: frames, count: Int(count)) {
            guard f >= 0, f < Int64(h.reader.frameCount) else {
                throw ContainerError(.usage, "frame \(f) does not exist (\(h.reader.frameCount) frames)")
            }
            list.append(Int(f))
        }
    }
    if filter != 0, h.reader.index.timestampField.isEmpty {
        throw ContainerError(.usage, "this container has no time index (written without a timestamp field)")
    }
    return Selection(frames: list, from: from, to: to, filter: filter != 0)
}

/// Runs `work(w, k)` for k in 0..<n on worker threads, each with its own state `w` from
/// `make` (its coders), handed to `release` when the thread is done; stops at the first
/// error and rethrows it.
private func onWorkers<W>(_ n: Int, threads: Int32, make: @escaping @Sendable () -> W,
                          release: @escaping @Sendable (W) -> Void = { _ in },
                          _ work: @escaping @Sendable (W, Int) throws -> Void) throws {
    guard n > 0 else { return }
    let failures = FailureBox()
    let next = Counter()
    DispatchQueue.concurrentPerform(iterations: threadCount(threads, work: n)) { _ in
        let w = make()
        defer { release(w) }
        while failures.first == nil {
            let k = next.take()
            guard k < n else { return }
            do { try work(w, k) } catch { failures.set(error) }
        }
    }
    if let e = failures.first { throw e }
}

/// Decodes the selected frames on worker threads; `body(k, records)` runs on a worker for
/// the k-th selected frame (records already time-filtered).
private func decodeFrames(_ h: ReaderHandle, _ s: Selection, threads: Int32,
                          _ body: @escaping @Sendable (Int, RecordBatch) throws -> Void) throws {
    let needle = TimeField(h.reader.index.timestampField)
    let reader = h.reader, profile = h.codec.profile
    let shared = (reader.codec as? ProfileCodec)?.shared   // the container's shared section, if any
    let frames = s.frames, from = s.from, to = s.to, filter = s.filter
    try onWorkers(frames.count, threads: threads, make: { ProfileFrameCoder(profile: profile, shared: shared) }) { coder, k in
        var batch = try reader.decodeRecords(frames[k], coder: coder)
        if filter {
            var kept = RecordBatch(reservingBytes: batch.totalBytes, records: batch.count)
            for i in 0..<batch.count {
                let t = batch.withRecord(i) { needle.time(in: $0) }
                if let t, t >= from, t < to { kept.append(batch[i]) }
            }
            batch = kept
        }
        try body(k, batch)
    }
}

/// Columns of the selected frames (no time filter), decoded straight from the transformed
/// streams where `ColumnarFrameReader` can, else from the restored records. Each task takes a
/// run of consecutive frames into one decoder, so rows are appended once and only the runs
/// are joined (one thread: one run, nothing joined). A few runs per thread let a thread that
/// finishes early take another.
private func decodeColumns(_ h: ReaderHandle, _ s: Selection, paths: [String], threads: Int32) throws -> ColumnarDecoder {
    let reader = h.reader, pool = h.workers
    let shared = (reader.codec as? ProfileCodec)?.shared   // frames reference its model when present
    let frames = s.frames
    let workers = threadCount(threads, work: frames.count)
    let runs = workers == 1 ? 1 : min(frames.count, 4 * workers)
    let slots = Slots<ColumnarDecoder>(runs)
    try onWorkers(runs, threads: Int32(workers), make: { pool.take(shared: shared) },
                  release: { pool.give($0, shared: shared) }) { w, run in
        let coder = w.coder, fast = w.fast
        let d = ColumnarDecoder(paths: paths)
        let mine = frames[(run * frames.count / runs)..<((run + 1) * frames.count / runs)]
        // The index's record counts size the columns once (a hint, bounded: the frames decide).
        d.reserve(rows: min(mine.reduce(0) { $0 + Int(reader.index.entries[$1].recordCount) }, 1 << 24))
        for i in mine {
            // Pieces are decompressed as the reader asks for them: those of the streams it reads.
            let payload = try reader.lazyFramePayload(i, coder: coder)
            let before = d.rows
            var done = false
            if payload.transformed {
                do {
                    // False: nothing was appended.
                    done = try fast.append(frame: UnsafeBufferPointer(payload.buffer), recordCount: payload.recordCount, to: d,
                                           loader: payload)
                } catch {
                    throw ContainerError(.codec, "frame \(i): cannot undo the transforms (wrong profile or model?): \(error)")
                }
            }
            if !done { d.append(try reader.decodeRecords(i, coder: coder)) }
            guard d.rows - before == payload.recordCount else {
                throw ContainerError(.corrupt, "corrupt container: frame \(i) restored \(d.rows - before) records, expected \(payload.recordCount)")
            }
        }
        slots.set(run, d)
    }
    let parts = slots.all.compactMap { $0 }
    guard let first = parts.first else { return ColumnarDecoder(paths: paths) }
    try first.append(contentsOf: Array(parts.dropFirst()))
    return first
}

private final class FailureBox: @unchecked Sendable {
    private let lock = NSLock()
    private var error: Error?
    var first: Error? { lock.lock(); defer { lock.unlock() }; return error }
    func set(_ e: Error) { lock.lock(); if error == nil { error = e }; lock.unlock() }
}

private final class Counter: @unchecked Sendable {
    private let lock = NSLock()
    private var value = 0
    func take() -> Int { lock.lock(); defer { lock.unlock() }; value += 1; return value - 1 }
}

private final class Slots<T>: @unchecked Sendable {
    private let lock = NSLock()
    private var items: [T?]
    init(_ n: Int) { items = Array(repeating: nil, count: n) }
    func set(_ k: Int, _ v: T) { lock.lock(); items[k] = v; lock.unlock() }
    var all: [T?] { lock.lock(); defer { lock.unlock() }; return items }
}

/// Exact records of the given frames, in order, optionally only those in `from ..< to`.
@_cdecl("loglab_reader_read_frames")
public func loglab_reader_read_frames(_ r: Handle?, _ frames: UnsafePointer<Int64>?, _ count: Int64,
                                      _ from: Int64, _ to: Int64, _ filter: Int32, _ threads: Int32,
                                      _ out: UnsafeMutablePointer<Handle?>?, _ error: ErrorOut) -> Int32 {
    guarded(error) {
        let h = try object(r, as: ReaderHandle.self, "reader")
        guard let out else { throw ArgumentError("output pointer is NULL") }
        let s = try selection(h, frames, count, from, to, filter)
        let slots = Slots<RecordBatch>(s.frames.count)
        try decodeFrames(h, s, threads: threads) { k, batch in slots.set(k, batch) }
        var all = RecordBatch()
        for b in slots.all { if let b { all.append(contentsOf: b) } }
        out.pointee = retain(BatchHandle(all))
    }
}

@_cdecl("loglab_batch_free")
public func loglab_batch_free(_ b: Handle?) { release(b) }

@_cdecl("loglab_batch_count")
public func loglab_batch_count(_ b: Handle?) -> Int64 {
    (try? object(b, as: BatchHandle.self, "batch")).map { Int64($0.count) } ?? -1
}

/// Buffer 0: the record bytes; 1: the count + 1 int64 offsets. Valid until the batch is freed.
@_cdecl("loglab_batch_buffer")
public func loglab_batch_buffer(_ b: Handle?, _ which: Int32, _ length: UnsafeMutablePointer<Int64>?) -> UnsafeRawPointer? {
    guard let h = try? object(b, as: BatchHandle.self, "batch") else { return nil }
    let buf = which == 0 ? h.data : h.offsets
    length?.pointee = Int64(buf.count)
    return UnsafeRawPointer(buf.pointer)
}

/// Typed columns of the selected frames. `paths`: `npaths` NUL-terminated dotted field paths
/// (none: every leaf path met). `withRecords`: also keep the exact records (loglab_columns_batch).
@_cdecl("loglab_reader_columns")
public func loglab_reader_columns(_ r: Handle?, _ frames: UnsafePointer<Int64>?, _ count: Int64,
                                  _ paths: UnsafePointer<UnsafePointer<CChar>?>?, _ npaths: Int64,
                                  _ from: Int64, _ to: Int64, _ filter: Int32, _ withRecords: Int32, _ threads: Int32,
                                  _ out: UnsafeMutablePointer<Handle?>?, _ error: ErrorOut) -> Int32 {
    guarded(error) {
        let h = try object(r, as: ReaderHandle.self, "reader")
        guard let out else { throw ArgumentError("output pointer is NULL") }
        guard npaths >= 0, npaths == 0 || paths != nil else { throw ArgumentError("paths are NULL") }
        var given: [String] = []
        for i in 0..<Int(npaths) { given.append(try string(paths![i], "path \(i)")) }
        let names = given
        let s = try selection(h, frames, count, from, to, filter)
        let keep = withRecords & 1 != 0
        // Bit 1: from the restored records even where the streams would do (reference path).
        let fromRecords = withRecords & 2 != 0
        let decoder: ColumnarDecoder
        var records: RecordBatch? = nil
        if names.isEmpty {
            // Discovery grows the column set as it goes: one decoder, frames in order.
            let slots = Slots<RecordBatch>(s.frames.count)
            try decodeFrames(h, s, threads: threads) { k, batch in slots.set(k, batch) }
            decoder = ColumnarDecoder(paths: [])
            var all = RecordBatch()
            for b in slots.all { if let b { decoder.append(b); if keep { all.append(contentsOf: b) } } }
            if keep { records = all }
        } else {
            if keep || fromRecords || s.filter {
                // Records are wanted, or the time filter reads each record's time from its text.
                let slots = Slots<(ColumnarDecoder, RecordBatch?)>(s.frames.count)
                try decodeFrames(h, s, threads: threads) { k, batch in
                    let d = ColumnarDecoder(paths: names)
                    d.append(batch)
                    slots.set(k, (d, keep ? batch : nil))
                }
                decoder = ColumnarDecoder(paths: names)
                var all = RecordBatch()
                var parts: [ColumnarDecoder] = []
                for item in slots.all {
                    guard let (d, b) = item else { continue }
                    parts.append(d)
                    if let b { all.append(contentsOf: b) }
                }
                try decoder.append(contentsOf: parts)
                if keep { records = all }
            } else {
                decoder = try decodeColumns(h, s, paths: names, threads: threads)
            }
        }
        let columns = try decoder.finish(threads: threadCount(threads, work: decoder.names.count))
        out.pointee = retain(ColumnsHandle(columns, rows: decoder.rows, batch: records))
    }
}

@_cdecl("loglab_columns_free")
public func loglab_columns_free(_ c: Handle?) { release(c) }

/// What: 0 top-level columns, 1 rows, 2 all columns (top-level + list children).
@_cdecl("loglab_columns_count")
public func loglab_columns_count(_ c: Handle?, _ what: Int32) -> Int64 {
    guard let h = try? object(c, as: ColumnsHandle.self, "columns") else { return -1 }
    switch what {
    case 0: return Int64(h.topLevel)
    case 1: return Int64(h.rows)
    case 2: return Int64(h.columns.count)
    default: return -1
    }
}

/// The exact records kept by loglab_reader_columns (NULL unless asked); owned by the columns.
@_cdecl("loglab_columns_batch")
public func loglab_columns_batch(_ c: Handle?) -> UnsafeMutableRawPointer? {
    guard let h = try? object(c, as: ColumnsHandle.self, "columns"), let b = h.batch else { return nil }
    return Unmanaged.passUnretained(b).toOpaque()
}

/// Property: 0 kind, 1 length, 2 null count, 3 time unit digits, 4 child column, 5 dictionary length,
/// 6 first row (of a sparse discovered column).
@_cdecl("loglab_column_property")
public func loglab_column_property(_ c: Handle?, _ column: Int64, _ property: Int32) -> Int64 {
    guard let h = try? object(c, as: ColumnsHandle.self, "columns"), column >= 0, column < Int64(h.columns.count) else { return -1 }
    let col = h.columns[Int(column)]
    switch property {
    case 0: return Int64(col.kind)
    case 1: return col.length
    case 2: return col.nullCount
    case 3: return col.timeUnit
    case 4: return col.child
    case 5: return col.dictionaryLength
    case 6: return col.firstRow
    default: return -1
    }
}

/// Buffer: 0 validity, 1 values, 2 offsets, 3 data, 4 dictionary offsets, 5 dictionary data,
/// 6 name, 7 zone (both NUL-terminated). NULL when empty; valid until the columns are freed.
@_cdecl("loglab_column_buffer")
public func loglab_column_buffer(_ c: Handle?, _ column: Int64, _ which: Int32,
                                 _ length: UnsafeMutablePointer<Int64>?) -> UnsafeRawPointer? {
    length?.pointee = 0
    guard let h = try? object(c, as: ColumnsHandle.self, "columns"), column >= 0, column < Int64(h.columns.count),
          which >= 0, which < 8 else { return nil }
    let buf = h.columns[Int(column)].buffers[Int(which)]
    length?.pointee = Int64(buf.count)
    return UnsafeRawPointer(buf.pointer)
}

// MARK: record times

/// Each record's time (ms since the epoch; INT64_MIN when undated) by the field `field`
/// (NULL: the profile's), as the container index and `--partition-by` date records.
@_cdecl("loglab_record_times")
public func loglab_record_times(_ p: Handle?, _ field: UnsafePointer<CChar>?, _ data: UnsafeRawPointer?,
                                _ offsets: UnsafePointer<Int64>?, _ count: Int64,
                                _ times: UnsafeMutablePointer<Int64>?, _ error: ErrorOut) -> Int32 {
    guarded(error) {
        let h = try object(p, as: ProfileHandle.self, "profile")
        guard count >= 0 else { throw ArgumentError("negative record count") }
        guard count == 0 || (offsets != nil && times != nil) else { throw ArgumentError("offsets or times are NULL") }
        let name = field.map { String(cString: $0) } ?? h.codec.timestampField ?? ""
        guard !name.isEmpty else { throw ContainerError(.usage, "no timestamp field (the profile names none)") }
        let needle = TimeField(name)
        let off = UnsafeBufferPointer(start: offsets, count: count > 0 ? Int(count) + 1 : 0)
        for i in 0..<Int(count) {
            let lo = off[i], hi = off[i + 1]
            guard lo >= 0, hi >= lo else { throw ArgumentError("offsets must not decrease (record \(i))") }
            guard hi > lo, let data else { times![i] = Int64.min; continue }
            times![i] = needle.time(in: UnsafeRawBufferPointer(start: data + Int(lo), count: Int(hi - lo))) ?? Int64.min
        }
    }
}
