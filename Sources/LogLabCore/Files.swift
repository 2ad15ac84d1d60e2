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
            return result
        } catch {
            try? handle.close()
            try? FileManager.default.removeItem(atPath: tmp)
            throw error
        }
    }
}
