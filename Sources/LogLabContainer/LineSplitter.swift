import Foundation
import LogLabCore
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A block of input bytes, read once and shared without copying by the frames whose lines it
/// holds; its memory goes back to `pool` with the last of them.
final class InputBlock: @unchecked Sendable {
    let base: UnsafeMutableRawPointer
    let capacity: Int
    /// Bytes read into the block so far. Only the reading thread writes, and only past the
    /// lines it has handed out, so workers read bytes that no longer change.
    fileprivate(set) var count = 0
    private let pool: BlockPool?

    /// A block of the pool's size from `pool`, or of `capacity` bytes of its own.
    init(pool: BlockPool?, capacity: Int) {
        if let pool, capacity <= pool.blockSize {
            self.pool = pool
            self.capacity = pool.blockSize
            base = pool.take()
        } else {
            self.pool = nil
            self.capacity = max(1, capacity)
            base = .allocate(byteCount: self.capacity, alignment: 64)
        }
    }

    deinit {
        if let pool { pool.give(base) } else { base.deallocate() }
    }
}

/// Recycles input blocks: fresh memory costs a page fault per 4 KiB on first touch (a third
/// of the reading thread's time when every block was new), reused memory does not.
final class BlockPool: @unchecked Sendable {
    let blockSize: Int
    private let lock = NSLock()
    private var spare: [UnsafeMutableRawPointer] = []
    private static let keep = 8

    init(blockSize: Int) { self.blockSize = max(1, blockSize) }

    deinit { for p in spare { p.deallocate() } }

    func take() -> UnsafeMutableRawPointer {
        lock.lock()
        let p = spare.popLast()
        lock.unlock()
        return p ?? .allocate(byteCount: blockSize, alignment: 64)
    }

    func give(_ p: UnsafeMutableRawPointer) {
        lock.lock()
        if spare.count < Self.keep {
            spare.append(p)
            lock.unlock()
        } else {
            lock.unlock()
            p.deallocate()
        }
    }
}

/// Consecutive whole lines of a block, `block.base[start ..< end]`: every line followed by
/// its `\n`, except perhaps the input's last line.
struct LineRun: @unchecked Sendable {
    let block: InputBlock
    let start: Int
    var end: Int

    var bytes: UnsafeRawBufferPointer { UnsafeRawBufferPointer(start: block.base + start, count: end - start) }
}

/// Splits a byte stream into line records exactly like `RecordBatch(lines:)`: every `\n`
/// ends a record; a last line without `\n` is a record too; `finalNewline` tells whether
/// the input ended with `\n`. Memory: one block plus the longest line.
public enum LineSplitter {
    /// Reads `source` to its end, calling `body` with each record (valid only during the
    /// call). Returns whether the input ended with a newline.
    public static func forEachLine(from source: FileDescriptorSource,
                                   maxLine: Int = ContainerFormat.maxFrameOriginalBytes / 2,
                                   _ body: (UnsafeRawBufferPointer) throws -> Void) throws -> Bool {
        try forEachLine(in: source, maxLine: maxLine) { block, start, end, _ in
            try body(UnsafeRawBufferPointer(start: block.base + start, count: end - start))
        }
    }

    /// Reads `source` to its end in blocks of `blockSize` bytes (`read` calls of at most
    /// `readSize`), calling `body(block, start, end, newline)` for each line
    /// `block.base[start ..< end]`; `newline`: a `\n` follows it at `end` (false only for a
    /// last line without one). Those bytes stay valid and unchanged while `block` lives. A
    /// line still open when its block is full moves to the start of a new block (twice its
    /// length when it is long). Returns whether the input ended with a newline.
    static func forEachLine(in source: FileDescriptorSource, blockSize: Int = 8 << 20, readSize: Int = 1 << 20,
                            maxLine: Int = ContainerFormat.maxFrameOriginalBytes / 2,
                            _ body: (InputBlock, Int, Int, Bool) throws -> Void) throws -> Bool {
        let pool = BlockPool(blockSize: blockSize)
        var block = InputBlock(pool: pool, capacity: blockSize)
        var lineStart = 0
        var lineNumber = 0
        var last: UInt8? = nil
        while true {
            if block.count == block.capacity {
                let open = block.count - lineStart
                let next = InputBlock(pool: pool, capacity: max(blockSize, 2 * open))
                next.base.copyMemory(from: block.base + lineStart, byteCount: open)
                next.count = open
                block = next
                lineStart = 0
            }
            let from = block.count
            let n = try source.read(to: block.base + from, count: min(max(1, readSize), block.capacity - from))
            if n == 0 { break }
            block.count = from + n
            let base = block.base, end = block.count
            last = base.load(fromByteOffset: end - 1, as: UInt8.self)
            var at = from
            while at < end, let hit = memchr(base + at, 0x0A, end - at) {
                let nl = UnsafeRawPointer(base).distance(to: UnsafeRawPointer(hit))
                try body(block, lineStart, nl, true)
                lineNumber += 1
                lineStart = nl + 1
                at = lineStart
            }
            if end - lineStart > maxLine {
                throw ContainerError(.invalidInput, "line \(lineNumber + 1) is longer than \(maxLine) bytes")
            }
        }
        if block.count > lineStart { try body(block, lineStart, block.count, false) }
        return last == 0x0A
    }
}

extension ContainerWriter {
    /// Appends every line of `source` and finishes the container, keeping whether the input
    /// ended with a newline so the exact bytes come back. The reading thread only finds the
    /// line ends; the workers copy each frame's lines out of the shared input blocks.
    @discardableResult
    public func compressLines(from source: FileDescriptorSource) throws -> ContainerSummary {
        try compressLines(from: source, blockSize: 8 << 20, readSize: 1 << 20)
    }

    /// `compressLines` with the block and read sizes chosen (tests use small ones).
    func compressLines(from source: FileDescriptorSource, blockSize: Int, readSize: Int) throws -> ContainerSummary {
        let finalNewline = try LineSplitter.forEachLine(in: source, blockSize: blockSize, readSize: readSize) { block, start, end, newline in
            try appendLine(in: block, start: start, end: end, newline: newline)
        }
        return try finish(finalNewline: finalNewline)
    }

    /// Compresses `bytes` (a whole JSON Lines file) in memory.
    public static func compress(_ bytes: [UInt8], codec: any FrameCodec,
                                options: Options = Options()) throws -> [UInt8] {
        var out = [UInt8]()
        let writer = try ContainerWriter(codec: codec, options: options) { out.append(contentsOf: $0) }
        let batch = RecordBatch(lines: bytes)
        for i in 0..<batch.count { try batch.withRecord(i) { try writer.appendLine($0) } }
        try writer.finish(finalNewline: bytes.last == 0x0A)
        return out
    }
}
