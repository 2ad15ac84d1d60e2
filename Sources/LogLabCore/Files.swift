import Foundation

/// File errors that name the path and the cause.
public struct FileError: Error, CustomStringConvertible {
    public let description: String
    public init(_ description: String) { self.description = description }
}

public enum Files {
    /// Reads a whole file ("-" is standard input).
    public static func read(_ path: String) throws -> [UInt8] {
        if path == "-" {
            return [UInt8](FileHandle.standardInput.readDataToEndOfFile())
        }
        guard let data = FileManager.default.contents(atPath: path) else {
            var isDir: ObjCBool = false
            if FileManager.default.fileExists(atPath: path, isDirectory: &isDir) {
                throw FileError(isDir.boolValue ? "\(path): is a directory" : "\(path): cannot be read")
            }
            throw FileError("\(path): no such file")
        }
        return [UInt8](data)
    }

    /// Writes `bytes` to a temporary name beside `path` and renames it into place, so a
    /// failure never leaves a partial file under the final name.
    public static func writeAtomically(_ bytes: [UInt8], to path: String) throws {
        try withAtomicOutput(path) { handle in
            try handle.write(contentsOf: Data(bytes))
        }
    }

    /// Opens a temporary file beside `path`, runs `body`, then renames it to `path`. If
    /// `body` throws, the temporary file is removed and nothing appears under `path`.
    public static func withAtomicOutput<R>(_ path: String, _ body: (FileHandle) throws -> R) throws -> R {
        let url = URL(fileURLWithPath: path)
        let dir = url.deletingLastPathComponent().path
        if !dir.isEmpty && !FileManager.default.fileExists(atPath: dir) {
            try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        }
        let tmp = dir + "/." + url.lastPathComponent + ".\(getpid()).\(UInt32.random(in: 0...UInt32.max)).tmp"
        guard FileManager.default.createFile(atPath: tmp, contents: nil) else {
            throw FileError("\(path): cannot create a file in \(dir.isEmpty ? "." : dir)")
        }
        guard let handle = FileHandle(forWritingAtPath: tmp) else {
            try? FileManager.default.removeItem(atPath: tmp)
            throw FileError("\(path): cannot open for writing")
        }
        do {
            let result = try body(handle)
            try handle.synchronize()
            try handle.close()
            if rename(tmp, path) != 0 {
                throw FileError("\(path): cannot rename temporary file into place: \(String(cString: strerror(errno)))")
            }
            syncDirectory(dir.isEmpty ? "." : dir)
            return result
        } catch {
            try? handle.close()
            try? FileManager.default.removeItem(atPath: tmp)
            throw error
        }
    }

    /// Makes a rename in `dir` durable (best effort: some file systems refuse directory fsync).
    public static func syncDirectory(_ dir: String) {
        let fd = open(dir, O_RDONLY | O_CLOEXEC)
        if fd >= 0 {
            _ = fsync(fd)
            close(fd)
        }
    }

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
