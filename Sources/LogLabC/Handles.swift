import Foundation
import LogLabCore
import LogLabContainer
import LogLabTransforms

/// The objects behind the C ABI's opaque pointers. Each handle is retained once when handed
/// out and released by its `_free` function.
final class ProfileHandle {
    let profile: Profile
    let codec: ProfileCodec
    let workers: ColumnWorkerPool
    init(_ profile: Profile) {
        self.profile = profile
        codec = ProfileCodec(profile: profile)
        workers = ColumnWorkerPool(profile: profile)
    }
}

/// One thread's state for columnar decode: a coder and a `ColumnarFrameReader`.
final class ColumnWorker {
    let coder: ProfileFrameCoder
    let fast: ColumnarFrameReader
    init(profile: Profile, shared: SharedSectionContents?) {
        coder = ProfileFrameCoder(profile: profile, shared: shared)
        fast = ColumnarFrameReader(model: shared?.model ?? profile.model)
    }
}

/// Column workers of one profile, kept between calls: making one builds the coder's tables
/// and checks every vocabulary entry, which costs more than decoding a small part's frame,
/// and readers of hourly parts call once per part. A worker made for a container's shared
/// section serves containers whose section has the same bytes (the same file opened again).
final class ColumnWorkerPool: @unchecked Sendable {
    private let profile: Profile
    private let lock = NSLock()
    /// Idle workers and the section bytes each was made for (nil: none); the newest last.
    private var idle: [(ColumnWorker, [UInt8]?)] = []
    init(profile: Profile) { self.profile = profile }

    func take(shared: SharedSectionContents?) -> ColumnWorker {
        let key = shared?.section.bytes
        let found: ColumnWorker? = lock.withLock {
            guard let i = idle.lastIndex(where: { $0.1 == key }) else { return nil }
            return idle.remove(at: i).0
        }
        return found ?? ColumnWorker(profile: profile, shared: shared)
    }

    func give(_ w: ColumnWorker, shared: SharedSectionContents?) {
        lock.withLock {
            idle.append((w, shared?.section.bytes))
            if idle.count > 8 { idle.removeFirst() }
        }
    }
}

/// A container reader plus one coder for calls on a single frame. The lock makes a handle
/// safe to share between threads (ctypes releases the GIL during calls).
final class ReaderHandle {
    let reader: ContainerReader
    let codec: ProfileCodec
    let workers: ColumnWorkerPool
    private var coder: ProfileFrameCoder?
    let lock = NSLock()

    init(reader: ContainerReader, profile: ProfileHandle) {
        self.reader = reader
        codec = profile.codec
        workers = profile.workers
    }

    func withCoder<R>(_ body: (ProfileFrameCoder) throws -> R) throws -> R {
        lock.lock()
        defer { lock.unlock() }
        if coder == nil { coder = ProfileFrameCoder(profile: codec.profile, shared: (reader.codec as? ProfileCodec)?.shared) }
        return try body(coder!)
    }
}

/// A copy of Swift arrays in memory that stays put until the owner is freed.
final class FixedBuffer {
    let pointer: UnsafeMutableRawPointer?
    let count: Int

    init<T>(_ array: [T]) {
        let bytes = array.count * MemoryLayout<T>.stride
        count = bytes
        guard bytes > 0 else { pointer = nil; return }
        let p = UnsafeMutableRawPointer.allocate(byteCount: bytes, alignment: 64)
        array.withUnsafeBytes { p.copyMemory(from: $0.baseAddress!, byteCount: bytes) }
        pointer = p
    }

    init(string: String) {
        let utf8 = Array(string.utf8) + [0]
        count = utf8.count - 1
        let p = UnsafeMutableRawPointer.allocate(byteCount: utf8.count, alignment: 8)
        utf8.withUnsafeBytes { p.copyMemory(from: $0.baseAddress!, byteCount: utf8.count) }
        pointer = p
    }

    deinit { pointer?.deallocate() }
}

/// Exact records: bytes back to back and `count + 1` int64 offsets.
final class BatchHandle {
    let data: FixedBuffer
    let offsets: FixedBuffer
    let count: Int

    init(_ batch: RecordBatch) {
        data = FixedBuffer(batch.bytes)
        offsets = FixedBuffer(batch.offsets.map { Int64($0) })
        count = batch.count
    }
}

/// Typed columns, flattened: top-level columns first, list children after them.
final class ColumnsHandle {
    struct Column {
        var kind: Int32
        var length: Int64
        var nullCount: Int64
        var timeUnit: Int64
        var child: Int64
        var dictionaryLength: Int64
        var firstRow: Int64
        var buffers: [FixedBuffer]   // ColumnBuffer order
    }
    let topLevel: Int
    let rows: Int
    var columns: [Column] = []
    let batch: BatchHandle?

    init(_ decoded: [DecodedColumn], rows: Int, batch: RecordBatch?) {
        topLevel = decoded.count
        self.rows = rows
        self.batch = batch.map(BatchHandle.init)
        var pending: [(DecodedColumn, Int)] = []   // (child, index of its parent)
        for c in decoded { columns.append(Self.column(c)); if let ch = c.child.first { pending.append((ch, columns.count - 1)) } }
        while !pending.isEmpty {
            let (c, parent) = pending.removeFirst()
            columns.append(Self.column(c))
            columns[parent].child = Int64(columns.count - 1)
            if let ch = c.child.first { pending.append((ch, columns.count - 1)) }
        }
    }

    static func column(_ c: DecodedColumn) -> Column {
        Column(kind: c.kind.rawValue, length: Int64(c.length), nullCount: Int64(c.nullCount),
               timeUnit: Int64(c.timeUnitDigits), child: -1,
               dictionaryLength: Int64(max(0, c.dictionaryOffsets.count - 1)), firstRow: Int64(c.firstRow),
               buffers: [FixedBuffer(c.validity), FixedBuffer(c.values), FixedBuffer(c.offsets), FixedBuffer(c.data),
                         FixedBuffer(c.dictionaryOffsets), FixedBuffer(c.dictionaryData),
                         FixedBuffer(string: c.name), FixedBuffer(string: c.zone)])
    }
}

/// Numeric error codes of the C ABI (`LOGLAB_E_*` in loglab.h).
enum ErrorCode {
    static func of(_ error: Error) -> Int32 {
        if let e = error as? ContainerError {
            switch e.kind {
            case .usage: return 1
            case .io: return 2
            case .notAContainer: return 3
            case .unsupportedVersion: return 4
            case .corrupt: return 5
            case .truncated: return 6
            case .profileMismatch: return 7
            case .badProfile: return 8
            case .dictionary: return 9
            case .invalidInput: return 10
            case .codec: return 11
            }
        }
        if error is ArgumentError { return 1 }
        if error is ColumnarError { return 12 }
        if error is FileError { return 2 }
        return 99
    }
}

/// A bad argument from the caller (null pointer, index out of range).
struct ArgumentError: Error, CustomStringConvertible {
    let description: String
    init(_ d: String) { description = d }
}
