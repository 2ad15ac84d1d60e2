import ArgumentParser
import Foundation
import LogLabCore
import LogLabContainer

/// Shared wiring of the container commands: one-line errors, inputs and atomic outputs.
enum ContainerCLI {
    static func note(_ text: String) {
        Output.note(text)
    }

    /// Standard input, or `path` opened for reading.
    static func withInput<R>(_ path: String?, _ body: (FileDescriptorSource) throws -> R) throws -> R {
        guard let path, path != "-" else { return try body(FileDescriptorSource(fd: 0, name: "standard input")) }
        let file: InputFile
        do { file = try InputFile(path) } catch { throw ContainerError(.io, "\(error)") }
        return try body(FileDescriptorSource(fd: file.fd, name: path))
    }

    /// Standard output, or `path` written under a temporary name and renamed when `body`
    /// succeeds (nothing appears under `path` on failure).
    static func withOutput<R>(_ path: String?, _ body: (OutputFile) throws -> R) throws -> R {
        do {
            return try Output.with(path, body)
        } catch let e as FileError {
            throw ContainerError(.io, e.description)
        }
    }

    static func loadProfile(_ path: String) throws -> Profile { try Profile.load(path: path) }

    static func isRegularFile(_ path: String?) -> Bool {
        guard let path, path != "-" else { return false }
        var st = stat()
        return stat(path, &st) == 0 && (st.st_mode & S_IFMT) == S_IFREG
    }

    static func mbps(_ bytes: UInt64, _ ns: UInt64) -> String {
        String(format: "%.1f MB/s", Double(bytes) / 1e6 / max(Double(ns) / 1e9, 1e-9))
    }
}
