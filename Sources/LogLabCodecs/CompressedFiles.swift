import Foundation
import LogLabCore

/// Reading files that may be compressed: `.gz`, `.xz`, `.br`, `.zst` by extension, and
/// gzip/xz/zstd also by magic bytes. Anything else is returned as is.
public enum CompressedFiles {
    /// The whole file, decompressed when its name or first bytes say so ("-" is stdin), at
    /// most `maxOutputSize` bytes once decompressed (a decompression bomb is an error).
    public static func read(_ path: String, maxOutputSize: Int = Files.maxWholeFileBytes) throws -> [UInt8] {
        let raw = try Files.read(path)
        guard let family = CodecDetection.family(forPath: path) ?? CodecDetection.family(magic: raw.prefix(6)) else {
            return raw
        }
        let d = try Decompressor(family)
        d.maxOutputSize = maxOutputSize
        do {
            return try d.decompress(raw)
        } catch let e as CodecError {
            throw FileError("\(path): \(e)")
        }
    }
}
