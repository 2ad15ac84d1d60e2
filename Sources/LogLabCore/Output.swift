import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The one output module. Every command writes through it:
///
/// - a regular file (new or existing) is written under a temporary name in the same folder,
///   synced, and renamed over the final name only when complete; an existing file keeps its
///   permissions (and, for root, its owner);
/// - a symbolic link is followed: the file it points to is replaced, the link stays;
/// - standard output, pipes, FIFOs and devices are written in place;
/// - every write error is one line naming the destination and the cause (disk full,
///   broken pipe), never a trap;
/// - temporary files, and folders created for the output, are removed on failure and on
///   SIGINT/SIGTERM/SIGHUP (`TemporaryFiles`).
public final class OutputFile {
    /// For messages: the path as given, or "standard output".
    public let name: String
    public let fd: Int32
    /// Regular-file outputs: the temporary file and the final (link-resolved) path.
    public let temporaryPath: String?
    public let finalPath: String?
    private let ownsDescriptor: Bool
    private var createdDirectories: [String]
    private var buffer: [UInt8] = []
    private var state = State.open
    private enum State { case open, committed, discarded }
    /// Regular files: bytes written, and bytes already handed to the kernel's writeback.
    private var written: Int64 = 0
    private var writebackStarted: Int64 = 0
    /// Every this many bytes a regular file's pages are sent to disk early, so the final
    /// fsync waits for the last stretch only, not for the whole file. As small as one
    /// buffer: with 8 MiB, fsync at the end of a large restore still waited 5–11 ms for the
    /// last stretch, against under 1 ms for `PositionalWriter`, which starts each write's.
    static let writebackStride: Int64 = Int64(bufferSize)

    static let bufferSize = 1 << 20

    init(name: String, fd: Int32, temporaryPath: String?, finalPath: String?, ownsDescriptor: Bool,
         createdDirectories: [String]) {
        self.name = name
        self.fd = fd
        self.temporaryPath = temporaryPath
        self.finalPath = finalPath
        self.ownsDescriptor = ownsDescriptor
        self.createdDirectories = createdDirectories
        buffer.reserveCapacity(Self.bufferSize)
    }

    deinit { discard() }

    /// Appends bytes (buffered; large writes go straight through).
    public func write(_ bytes: UnsafeRawBufferPointer) throws {
        guard state == .open else { throw FileError("cannot write \(name): the output is already closed") }
        if bytes.count >= Self.bufferSize / 2 {
            try flush()
            try writeAll(bytes)
        } else {
            if buffer.count + bytes.count > Self.bufferSize { try flush() }
            buffer.append(contentsOf: bytes)
        }
    }

    public func write(_ bytes: [UInt8]) throws { try bytes.withUnsafeBytes { try write($0) } }
    public func write(_ text: String) throws { try write(Array(text.utf8)) }

    /// For a regular-file output with nothing buffered: a writer that places bytes at any
    /// offset, from any thread (nil for standard output, pipes and devices, which only
    /// append). The file is then made of what is placed; `commit` syncs and renames it as
    /// usual, so bytes must be placed at every offset up to the intended size.
    public func positionalWriter() -> PositionalWriter? {
        guard state == .open, buffer.isEmpty, written == 0, temporaryPath != nil else { return nil }
        return PositionalWriter(fd: fd, name: name)
    }

    /// Writes the buffered bytes.
    public func flush() throws {
        guard !buffer.isEmpty else { return }
        defer { buffer.removeAll(keepingCapacity: true) }
        try buffer.withUnsafeBytes { try writeAll($0) }
    }

    private func writeAll(_ bytes: UnsafeRawBufferPointer) throws {
        guard var p = bytes.baseAddress else { return }
        var left = bytes.count
        while left > 0 {
            let n = Foundation.write(fd, p, left)
            if n < 0 {
                if errno == EINTR || errno == EAGAIN { continue }
                throw FileError.errno("cannot write", name)
            }
            p += n
            left -= n
        }
        if temporaryPath != nil {
            written += Int64(bytes.count)
            if written - writebackStarted >= Self.writebackStride {
                Files.startWriteback(fd: fd, offset: writebackStarted, count: written - writebackStarted)
                writebackStarted = written
            }
        }
    }

    /// Completes the output: flushes; for a regular file also syncs, renames it into place
    /// and syncs the folder. After a failure nothing appears under the final name.
    public func commit() throws {
        guard state == .open else { return }
        do {
            try flush()
            if let temporaryPath, let finalPath {
                guard fsync(fd) == 0 else { throw FileError.errno("cannot write", name) }
                guard close(fd) == 0 else { throw FileError.errno("cannot write", name) }
                state = .committed
                guard rename(temporaryPath, finalPath) == 0 else {
                    let e = errno
                    unlink(temporaryPath)
                    TemporaryFiles.shared.forget(temporaryPath)
                    removeCreatedDirectories()
                    throw FileError.errno("cannot rename the temporary file into", finalPath, e)
                }
                TemporaryFiles.shared.forget(temporaryPath)
                for dir in createdDirectories { TemporaryFiles.shared.forget(dir) }
                Output.syncDirectory(of: finalPath)
            } else {
                state = .committed
                if ownsDescriptor {
                    guard close(fd) == 0 else { throw FileError.errno("cannot write", name) }
                }
            }
        } catch {
            discard()
            throw error
        }
    }

    /// Abandons the output: the temporary file and folders created for it are removed.
    public func discard() {
        if state == .open {
            buffer.removeAll()
            if ownsDescriptor { close(fd) }
        }
        guard state != .discarded else { return }
        let wasCommitted = state == .committed
        state = .discarded
        if !wasCommitted, let temporaryPath {
            unlink(temporaryPath)
            TemporaryFiles.shared.forget(temporaryPath)
            removeCreatedDirectories()
        }
    }

    private func removeCreatedDirectories() {
        for dir in createdDirectories.reversed() {
            rmdir(dir)
            TemporaryFiles.shared.forget(dir)
        }
        createdDirectories = []
    }
}

/// Positional writes into a regular-file output (`OutputFile.positionalWriter`): each call
/// writes its bytes at `offset` and starts their writeback, so the final `fsync` waits for
/// the last stretch only. Safe from many threads at once (writes to distinct ranges).
public struct PositionalWriter: Sendable {
    let fd: Int32
    let name: String

    public func write(_ bytes: UnsafeRawBufferPointer, at offset: UInt64) throws {
        guard var p = bytes.baseAddress else { return }
        var left = bytes.count, at = off_t(offset)
        while left > 0 {
            let n = pwrite(fd, p, left, at)
            if n < 0 && (errno == EINTR || errno == EAGAIN) { continue }
            if n < 0 { throw FileError.errno("cannot write", name) }
            if n == 0 { throw FileError("cannot write \(name): no bytes written") }
            p += n
            left -= n
            at += off_t(n)
        }
        Files.startWriteback(fd: fd, offset: Int64(offset), count: Int64(bytes.count))
    }
}

public enum Output {
    /// Opens the destination: `nil` or "-" is standard output.
    public static func open(_ path: String?) throws -> OutputFile {
        guard let path, path != "-" else {
            fflush(nil)   // what `print` buffered goes first
            return OutputFile(name: "standard output", fd: 1, temporaryPath: nil, finalPath: nil,
                              ownsDescriptor: false, createdDirectories: [])
        }
        guard !path.isEmpty else { throw FileError("empty output path") }
        let target = try resolveLinks(path)
        var st = stat()
        if stat(target, &st) == 0 {
            switch st.st_mode & S_IFMT {
            case S_IFDIR:
                throw FileError("cannot write \(path): is a directory")
            case S_IFREG:
                return try openTemporary(name: path, target: target, existing: st)
            default:
                // FIFO, device, socket: write in place (never replace the node).
                var fd: Int32
                repeat { fd = Foundation.open(target, O_WRONLY | O_CLOEXEC | O_NOCTTY) } while fd < 0 && errno == EINTR
                guard fd >= 0 else { throw FileError.errno("cannot open", path) }
                return OutputFile(name: path, fd: fd, temporaryPath: nil, finalPath: nil,
                                  ownsDescriptor: true, createdDirectories: [])
            }
        }
        return try openTemporary(name: path, target: target, existing: nil)
    }

    /// Opens `path`, runs `body`, commits on success and discards on failure.
    public static func with<R>(_ path: String?, _ body: (OutputFile) throws -> R) throws -> R {
        let out = try open(path)
        do {
            let r = try body(out)
            try out.commit()
            return r
        } catch {
            out.discard()
            throw error
        }
    }

    /// Writes `text` to standard output, reporting a failure (closed pipe, full disk).
    public static func print(_ text: String, terminator: String = "\n") throws {
        let out = try open(nil)
        try out.write(text + terminator)
        try out.commit()
    }

    /// Follows symbolic links (up to 40) to the path that is actually written.
    static func resolveLinks(_ path: String) throws -> String {
        var current = path
        for _ in 0..<40 {
            var st = stat()
            guard lstat(current, &st) == 0, (st.st_mode & S_IFMT) == S_IFLNK else { return current }
            var buf = [CChar](repeating: 0, count: Int(PATH_MAX) + 1)
            let n = readlink(current, &buf, buf.count - 1)
            guard n > 0 else { throw FileError.errno("cannot read the link", path) }
            let link = String(decoding: buf[0..<n].map { UInt8(bitPattern: $0) }, as: UTF8.self)
            current = link.hasPrefix("/") ? link : directory(of: current) + "/" + link
        }
        throw FileError("cannot write \(path): too many levels of symbolic links")
    }

    static func directory(of path: String) -> String {
        guard let slash = path.lastIndex(of: "/") else { return "." }
        return slash == path.startIndex ? "/" : String(path[..<slash])
    }

    private static func openTemporary(name: String, target: String, existing: stat?) throws -> OutputFile {
        let dir = directory(of: target)
        let created = try createDirectories(dir, for: name)
        let base = target.split(separator: "/").last.map(String.init) ?? "out"
        let tmp = (dir == "/" ? "" : dir) + "/." + base + ".\(getpid()).\(UInt32.random(in: 0...UInt32.max)).tmp"
        TemporaryFiles.shared.remember(tmp)
        var fd: Int32
        repeat { fd = Foundation.open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o666) } while fd < 0 && errno == EINTR
        guard fd >= 0 else {
            let e = errno
            TemporaryFiles.shared.forget(tmp)
            for d in created.reversed() { rmdir(d); TemporaryFiles.shared.forget(d) }
            throw FileError.errno("cannot create a file in \(dir) for", name, e)
        }
        if let existing {
            // Keep the original's permissions and, where allowed, its owner.
            _ = fchmod(fd, existing.st_mode & 0o7777)
            if getuid() == 0 { _ = fchown(fd, existing.st_uid, existing.st_gid) }
        }
        return OutputFile(name: name, fd: fd, temporaryPath: tmp, finalPath: target, ownsDescriptor: true,
                          createdDirectories: created)
    }

    /// Creates the missing folders of `dir` (outermost first) and returns them, so that a
    /// failed output can remove what it created.
    public static func createDirectories(_ dir: String, for name: String) throws -> [String] {
        var missing: [String] = []
        var d = dir
        while !d.isEmpty, d != "/", d != "." {
            var st = stat()
            if stat(d, &st) == 0 {
                guard (st.st_mode & S_IFMT) == S_IFDIR else { throw FileError("cannot write \(name): \(d) is not a directory") }
                break
            }
            missing.append(d)
            d = directory(of: d)
        }
        var created: [String] = []
        for m in missing.reversed() {
            TemporaryFiles.shared.remember(m, kind: .emptyDirectory)
            if mkdir(m, 0o777) != 0 && errno != EEXIST {
                let e = errno
                for c in created.reversed() { rmdir(c); TemporaryFiles.shared.forget(c) }
                TemporaryFiles.shared.forget(m)
                throw FileError.errno("cannot create the folder \(m) for", name, e)
            }
            created.append(m)
        }
        return created
    }

    /// Makes a rename durable (best effort: some file systems refuse to sync folders).
    static func syncDirectory(of path: String) {
        let fd = Foundation.open(directory(of: path), O_RDONLY | O_CLOEXEC)
        if fd >= 0 {
            _ = fsync(fd)
            close(fd)
        }
    }
}

/// The live temporary paths of this process, removed when it is interrupted (SIGINT,
/// SIGTERM, SIGHUP: then it exits with 128 + the signal number, as shells expect).
public final class TemporaryFiles: @unchecked Sendable {
    public enum Kind: Sendable { case file, tree, emptyDirectory }

    public static let shared = TemporaryFiles()

    private let lock = NSLock()
    private var entries: [String: Kind] = [:]
    private var order: [String] = []
    private var handlersInstalled = false

    /// Records `path` for removal if the process is interrupted before `forget(path)`.
    public func remember(_ path: String, kind: Kind = .file) {
        lock.lock()
        defer { lock.unlock() }
        if entries[path] == nil { order.append(path) }
        entries[path] = kind
        armLocked()
    }

    /// Installs the signal handling now (the CLI does this at start, so that an interrupt
    /// always exits 128 + signal after removing what is recorded).
    public func arm() {
        lock.lock()
        defer { lock.unlock() }
        armLocked()
    }

    private func armLocked() {
        guard !handlersInstalled else { return }
        handlersInstalled = true
        SignalCleanup.install { [weak self] sig in
            self?.removeAll()
            _exit(128 + sig)
        }
    }

    public func forget(_ path: String) {
        lock.lock()
        defer { lock.unlock() }
        entries[path] = nil
        if order.count > 64 && order.count > 2 * entries.count { order = order.filter { entries[$0] != nil } }
    }

    /// Paths still recorded (for tests).
    public var live: [String] {
        lock.lock()
        defer { lock.unlock() }
        return order.filter { entries[$0] != nil }
    }

    /// Removes every recorded path: files and trees first, then empty folders, innermost first.
    public func removeAll() {
        lock.lock()
        let items = order.reversed().compactMap { p in entries[p].map { (p, $0) } }
        entries.removeAll()
        order.removeAll()
        lock.unlock()
        for (path, kind) in items where kind != .emptyDirectory {
            if kind == .tree { try? FileManager.default.removeItem(atPath: path) } else { unlink(path) }
        }
        for (path, kind) in items where kind == .emptyDirectory { rmdir(path) }
    }
}

extension Output {
    /// One line on standard error (a failure to write it cannot be reported anywhere).
    public static func note(_ text: String, terminator: String = "\n") {
        let bytes = Array((text + terminator).utf8)
        bytes.withUnsafeBytes { raw in
            var p = raw.baseAddress!, left = raw.count
            while left > 0 {
                let n = Foundation.write(2, p, left)
                if n < 0 && errno == EINTR { continue }
                if n <= 0 { return }
                p += n
                left -= n
            }
        }
    }

    /// Flushes what `print` buffered for standard output and reports a failure (full disk,
    /// closed pipe): a command whose output was lost must not exit 0.
    public static func finishStandardOutput() throws {
        errno = 0
        let flushed = fflush(nil) == 0
        let e = errno
        // `stdout` is a C global that strict concurrency does not let us name; its error flag
        // (set by any failed flush earlier in the run) is read through the symbol.
        var failed = !flushed
        if let sym = dlsym(UnsafeMutableRawPointer(bitPattern: 0), "stdout") {
            let stream = sym.assumingMemoryBound(to: UnsafeMutablePointer<FILE>?.self).pointee
            if let stream, ferror(stream) != 0 {
                failed = true
                clearerr(stream)
            }
        }
        if failed {
            throw FileError("cannot write standard output: \(e == 0 ? "write error" : String(cString: strerror(e)))")
        }
    }
}

/// SIGINT/SIGTERM/SIGHUP handling that children do not inherit: a real handler (reset to
/// the default by exec, unlike SIG_IGN) writes the signal number to a pipe, and a thread
/// does the cleanup outside signal context. A signal ignored at start (nohup) stays ignored.
enum SignalCleanup {
    nonisolated(unsafe) static var writeEnd: Int32 = -1

    static func install(_ action: @escaping @Sendable (Int32) -> Void) {
        var fds: [Int32] = [0, 0]
        guard pipe(&fds) == 0 else { return }
        _ = fcntl(fds[0], F_SETFD, FD_CLOEXEC)
        _ = fcntl(fds[1], F_SETFD, FD_CLOEXEC)
        writeEnd = fds[1]
        let readEnd = fds[0]
        let thread = Thread {
            var sig: Int32 = 0
            while true {
                let n = withUnsafeMutableBytes(of: &sig) { Foundation.read(readEnd, $0.baseAddress!, 4) }
                if n == 4 { action(sig) }
                if n < 0 && errno != EINTR { return }
            }
        }
        // A parent may have started us with these blocked (threads of libdispatch block
        // signals, and a blocked mask survives exec): unblock them on this thread, whose
        // mask the threads created later inherit.
        var set = sigset_t()
        sigemptyset(&set)
        for sig in [SIGINT, SIGTERM, SIGHUP] { sigaddset(&set, sig) }
        pthread_sigmask(SIG_UNBLOCK, &set, nil)
        thread.start()
        for sig in [SIGINT, SIGTERM, SIGHUP] {
            var old = sigaction()
            guard sigaction(sig, nil, &old) == 0 else { continue }
            #if canImport(Glibc)
            if unsafeBitCast(old.__sigaction_handler.sa_handler, to: Int.self) == 1 { continue }   // SIG_IGN
            var sa = sigaction()
            sa.__sigaction_handler.sa_handler = { sig in
                var s = sig
                _ = withUnsafeBytes(of: &s) { Foundation.write(SignalCleanup.writeEnd, $0.baseAddress!, 4) }
            }
            #else
            var sa = sigaction()
            #endif
            sigemptyset(&sa.sa_mask)
            sa.sa_flags = SA_RESTART
            _ = sigaction(sig, &sa, nil)
        }
    }
}
