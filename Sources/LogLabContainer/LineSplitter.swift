import Foundation
import LogLabCore
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Splits a byte stream into line records exactly like `RecordBatch(lines:)`: every `\n`
/// ends a record; a last line without `\n` is a record too; `finalNewline` tells whether
/// the input ended with `\n`. Memory: one chunk plus the longest line.
public enum LineSplitter {
    /// Reads `source` to its end, calling `body` with each record (valid only during the
    /// call). Returns whether the input ended with a newline.
    public static func forEachLine(from source: FileDescriptorSource, chunkSize: Int = 4 << 20,
                                   maxLine: Int = ContainerFormat.maxFrameOriginalBytes / 2,
                                   _ body: (UnsafeRawBufferPointer) throws -> Void) throws -> Bool {
        var buffer = [UInt8]()
        buffer.reserveCapacity(chunkSize * 2)
        var lastByte: UInt8? = nil
        var lineNumber = 0
        while true {
            let n = try source.read(into: &buffer, count: chunkSize)
            if n == 0 { break }
            lastByte = buffer.last
            var consumed = 0
            try buffer.withUnsafeBytes { raw in
                let base = raw.baseAddress!
                var start = 0
                let end = raw.count
                while start < end, let hit = memchr(base + start, 0x0A, end - start) {
                    let at = base.distance(to: UnsafeRawPointer(hit))
                    try body(UnsafeRawBufferPointer(start: base + start, count: at - start))
                    lineNumber += 1
                    start = at + 1
                }
                consumed = start
            }
            if consumed > 0 { buffer.removeFirst(consumed) }
            if buffer.count > maxLine {
                throw ContainerError(.invalidInput, "line \(lineNumber + 1) is longer than \(maxLine) bytes")
            }
        }
        if !buffer.isEmpty {
            try buffer.withUnsafeBytes { try body($0) }
        }
        return lastByte == 0x0A
    }
}

extension ContainerWriter {
    /// Appends every line of `source` and finishes the container, keeping whether the input
    /// ended with a newline so the exact bytes come back.
    @discardableResult
    public func compressLines(from source: FileDescriptorSource) throws -> ContainerSummary {
        let finalNewline = try LineSplitter.forEachLine(from: source) { try appendLine($0) }
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
