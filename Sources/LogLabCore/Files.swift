import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// File errors that name the path and the cause.
public struct FileError: Error, CustomStringConvertible {
    public let description: String
    public init(_ description: String) { self.description = description }

    /// "`what` `path`: strerror(errno)".
    static func errno(_ what: String, _ path: String, _ code: Int32 = Foundation.errno) -> FileError {
        FileError("\(what) \(path): \(String(cString: strerror(code)))")
    }
}

/// The one input module: whole-file reads that refuse directories, bound what they hold in
/// memory, and notice a file that shrinks while it is read.
public enum Files {
    /// The most bytes a whole-file reader (and a whole-file decompression) holds in memory.
    /// Default 4 GiB; the environment variable `LOGLAB_MAX_INPUT` (e.g. `512MiB`) changes it.
    public static let maxWholeFileBytes: Int = {
        if let text = ProcessInfo.processInfo.environment["LOGLAB_MAX_INPUT"], let n = try? ByteSize.parse(text), n > 0 {
            return n
        }
        return 1 << 32
    }()

    /// Opens `path` for reading: a regular file, a FIFO, a pipe or a device; never a
    /// directory. (Like `cat`, opening a FIFO waits for its writer.)
    public static func openForReading(_ path: String) throws -> (fd: Int32, stat: stat) {
        var fd: Int32
        repeat { fd = open(path, O_RDONLY | O_CLOEXEC) } while fd < 0 && errno == EINTR
        guard fd >= 0 else {
            if errno == ENOENT { throw FileError("\(path): no such file") }
            throw FileError.errno("cannot open", path)
        }
        var st = stat()
        guard fstat(fd, &st) == 0 else {
            let e = errno
            close(fd)
            throw FileError.errno("cannot stat", path, e)
        }
        if (st.st_mode & S_IFMT) == S_IFDIR {
            close(fd)
            throw FileError("\(path): is a directory")
        }
        return (fd, st)
    }

    /// What kind of thing `path` is, without opening it (and so without blocking on a FIFO).
    public static func kind(of path: String) -> String? {
        var st = stat()
        guard stat(path, &st) == 0 else { return nil }
        switch st.st_mode & S_IFMT {
        case S_IFREG: return "regular file"
        case S_IFDIR: return "directory"
        case S_IFIFO: return "FIFO"
        case S_IFCHR: return "character device"
        case S_IFBLK: return "block device"
        case S_IFSOCK: return "socket"
        default: return "special file"
        }
    }

    /// Reads a whole file ("-" is standard input), at most `limit` bytes.
    public static func read(_ path: String, limit: Int = Files.maxWholeFileBytes) throws -> [UInt8] {
        if path == "-" { return try readToEnd(fd: 0, name: "standard input", expected: nil, limit: limit) }
        let (fd, st) = try openForReading(path)
        defer { close(fd) }
        let regular = (st.st_mode & S_IFMT) == S_IFREG
        if regular && Int(st.st_size) > limit {
            throw FileError("\(path): \(st.st_size) bytes, more than the limit of \(limitText(limit))")
        }
        return try readToEnd(fd: fd, name: path, expected: regular ? Int(st.st_size) : nil, limit: limit)
    }

    static func limitText(_ limit: Int) -> String {
        ByteSize.format(limit) + (limit == maxWholeFileBytes ? " for a whole-file read (LOGLAB_MAX_INPUT)" : "")
    }

    /// Reads `fd` to its end. With `expected` (a regular file's size), a shorter read means
    /// the file shrank while it was read: an error, not a silently short result.
    static func readToEnd(fd: Int32, name: String, expected: Int?, limit: Int) throws -> [UInt8] {
        var out = [UInt8]()
        if let expected { out.reserveCapacity(expected + 1) }
        var chunk = [UInt8](repeating: 0, count: 1 << 20)
        while true {
            let n = chunk.withUnsafeMutableBytes { Foundation.read(fd, $0.baseAddress!, $0.count) }
            if n < 0 {
                if errno == EINTR { continue }
                throw FileError.errno("cannot read", name)
            }
            if n == 0 { break }
            guard out.count + n <= limit else {
                throw FileError("\(name): more than the limit of \(limitText(limit))")
            }
            out.append(contentsOf: chunk[0..<n])
        }
        if let expected, out.count < expected {
            throw FileError("\(name): the file shrank while it was read (\(out.count) of \(expected) bytes)")
        }
        return out
    }

    /// Writes `bytes` to `path` through `Output` (atomically for a regular file).
    public static func writeAtomically(_ bytes: [UInt8], to path: String) throws {
        try Output.with(path) { try $0.write(bytes) }
    }
}

/// Sequential reads of a file, FIFO, pipe or standard input, in chunks, with errors that
/// name the path (a regular file that ends before its size at open shrank: an error).
public final class InputFile {
    public let name: String
    public let fd: Int32
    private let expected: Int?
    private let owns: Bool
    public private(set) var consumed = 0

    /// "-" is standard input.
    public init(_ path: String) throws {
        if path == "-" {
            name = "standard input"
            fd = 0
            expected = nil
            owns = false
        } else {
            let (fd, st) = try Files.openForReading(path)
            self.fd = fd
            name = path
            expected = (st.st_mode & S_IFMT) == S_IFREG ? Int(st.st_size) : nil
            owns = true
        }
    }

    deinit { if owns { close(fd) } }

    /// Fills `buffer` as far as the input allows; returns the bytes read, 0 at the end.
    public func read(into buffer: UnsafeMutableRawBufferPointer) throws -> Int {
        var filled = 0
        while filled < buffer.count {
            let r = Foundation.read(fd, buffer.baseAddress! + filled, buffer.count - filled)
            if r < 0 {
                if errno == EINTR { continue }
                throw FileError.errno("cannot read", name)
            }
            if r == 0 { break }
            filled += r
        }
        consumed += filled
        if filled == 0, let expected, consumed < expected {
            throw FileError("\(name): the file shrank while it was read (\(consumed) of \(expected) bytes)")
        }
        return filled
    }

    /// Up to `count` bytes; empty at the end of the input.
    public func read(upTo count: Int) throws -> [UInt8] {
        let out = try [UInt8](unsafeUninitializedCapacity: max(count, 1)) { buf, n in
            n = 0
            while true {
                let r = Foundation.read(fd, buf.baseAddress!, count)
                if r < 0 {
                    if errno == EINTR { continue }
                    throw FileError.errno("cannot read", name)
                }
                n = r
                return
            }
        }
        consumed += out.count
        if out.isEmpty, let expected, consumed < expected {
            throw FileError("\(name): the file shrank while it was read (\(consumed) of \(expected) bytes)")
        }
        return out
    }

}

extension Files {
    private typealias SyncFileRange = @convention(c) (Int32, Int64, Int64, UInt32) -> Int32
    private static let syncFileRange: SyncFileRange? = {
        #if os(Linux)
        guard let h = dlopen(nil, RTLD_NOW), let f = dlsym(h, "sync_file_range") else { return nil }
        return unsafeBitCast(f, to: SyncFileRange.self)
        #else
        return nil
        #endif
    }()

    /// Asks the kernel to start writing `fd`'s dirty pages in `offset ..< offset + count` to
    /// disk without waiting for them (Linux `sync_file_range(SYNC_FILE_RANGE_WRITE)`), so the
    /// `fsync` that makes an output durable at its end waits for the last stretch only,
    /// instead of for the whole file after all the work is done. A no-op elsewhere.
    public static func startWriteback(fd: Int32, offset: Int64, count: Int64) {
        _ = syncFileRange?(fd, offset, count, 2)   // SYNC_FILE_RANGE_WRITE
    }
}
