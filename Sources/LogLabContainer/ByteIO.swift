import Foundation
import LogLabCore
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Writes bytes to a file descriptor, reporting failures (disk full, closed pipe) as one
/// line that names the destination.
public struct FileDescriptorSink: Sendable {
    public let fd: Int32
    public let name: String
    private let writeback: Writeback?

    /// With `writeback`, a file being written to be made durable: every 8 MiB the kernel is
    /// asked to start writing the pages out, so the final fsync has little left to wait for.
    public init(fd: Int32, name: String, writeback: Bool = false) {
        self.fd = fd
        self.name = name
        self.writeback = writeback ? Writeback() : nil
    }

    /// Bytes written and bytes handed to writeback (one writer thread at a time).
    private final class Writeback: @unchecked Sendable {
        static let stride: Int64 = 8 << 20
        var written: Int64 = 0
        var started: Int64 = 0
    }

    public func write(_ buffer: UnsafeRawBufferPointer) throws {
        guard var p = buffer.baseAddress else { return }
        var left = buffer.count
        while left > 0 {
            let n = Foundation.write(fd, p, left)
            if n < 0 {
                if errno == EINTR { continue }
                throw ContainerError(.io, "cannot write \(name): \(String(cString: strerror(errno)))")
            }
            p += n
            left -= n
        }
        if let w = writeback {
            w.written += Int64(buffer.count)
            if w.written - w.started >= Writeback.stride {
                Files.startWriteback(fd: fd, offset: w.started, count: w.written - w.started)
                w.started = w.written
            }
        }
    }

    public func write(_ bytes: [UInt8]) throws {
        try bytes.withUnsafeBytes { try write($0) }
    }
}

/// Reads a file descriptor sequentially in chunks (standard input, pipes, files).
public final class FileDescriptorSource {
    public let fd: Int32
    public let name: String
    public private(set) var consumed: UInt64 = 0

    public init(fd: Int32, name: String) {
        self.fd = fd
        self.name = name
    }

    /// Reads up to `count` bytes into `buffer` (appending); returns the number read, 0 at the end.
    public func read(into buffer: inout [UInt8], count: Int) throws -> Int {
        var failure: Error?
        let chunk = [UInt8](unsafeUninitializedCapacity: count) { raw, initialized in
            do { initialized = try read(to: UnsafeMutableRawPointer(raw.baseAddress!), count: count) } catch {
                initialized = 0
                failure = error
            }
        }
        if let failure { throw failure }
        if buffer.isEmpty { buffer = chunk } else { buffer.append(contentsOf: chunk) }
        return chunk.count
    }

    /// Reads up to `count` bytes to `pointer` (one `read`); returns the number read, 0 at the end.
    public func read(to pointer: UnsafeMutableRawPointer, count: Int) throws -> Int {
        while true {
            let n = Foundation.read(fd, pointer, count)
            if n < 0 {
                if errno == EINTR { continue }
                throw ContainerError(.io, "cannot read \(name): \(String(cString: strerror(errno)))")
            }
            consumed += UInt64(n)
            return n
        }
    }

    /// Reads exactly `count` bytes, or fewer only at the end of input.
    public func readFully(_ count: Int) throws -> [UInt8] {
        var out = [UInt8]()
        out.reserveCapacity(min(count, 1 << 24))   // grows with the data actually read
        while out.count < count {
            if try read(into: &out, count: min(count - out.count, 1 << 24)) == 0 { break }
        }
        return out
    }
}

/// Positional reads of a file, safe from many threads at once.
public final class RandomAccessFile: Sendable {
    public let path: String
    let fd: Int32
    public let size: UInt64

    public init(path: String) throws {
        // O_NONBLOCK: opening a FIFO must not wait for a writer (it is refused below).
        let fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK)
        guard fd >= 0 else {
            throw ContainerError(.io, "cannot open \(path): \(String(cString: strerror(errno)))")
        }
        var st = stat()
        guard fstat(fd, &st) == 0 else {
            close(fd)
            throw ContainerError(.io, "cannot stat \(path): \(String(cString: strerror(errno)))")
        }
        guard (st.st_mode & S_IFMT) == S_IFREG else {
            close(fd)
            let what = Files.kind(of: path) ?? "special file"
            throw ContainerError(.io, "\(path) is a \(what), not a regular file (random access needs a file; pipe it to standard input instead)")
        }
        self.fd = fd
        self.path = path
        self.size = UInt64(st.st_size)
    }

    deinit { close(fd) }

    /// Exactly `count` bytes at `offset`, or a truncation error.
    public func read(at offset: UInt64, count: Int) throws -> [UInt8] {
        guard count >= 0, offset <= size, UInt64(count) <= size - offset else {
            throw ContainerError.truncated("truncated container: \(path) ends before byte \(offset + UInt64(max(count, 0)))")
        }
        var out = [UInt8](repeating: 0, count: count)
        var done = 0
        while done < count {
            let n = out.withUnsafeMutableBytes { raw in
                pread(fd, raw.baseAddress! + done, count - done, off_t(offset) + off_t(done))
            }
            if n < 0 {
                if errno == EINTR { continue }
                throw ContainerError(.io, "cannot read \(path): \(String(cString: strerror(errno)))")
            }
            if n == 0 { throw ContainerError.truncated("truncated container: \(path) ended while reading") }
            done += n
        }
        return out
    }
}
