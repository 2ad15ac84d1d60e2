import CDeflate
import CSHA
import Foundation

/// SHA-256 (system libcrypto). Used for content ids: dataset files, dictionaries, profiles.
public final class SHA256Hasher {
    private let context: UnsafeMutablePointer<SHA256_CTX>

    public init() {
        context = .allocate(capacity: 1)
        guard SHA256_Init(context) == 1 else { fatalError("libcrypto cannot start a SHA-256") }
    }

    deinit { context.deallocate() }

    public func update(_ buffer: UnsafeRawBufferPointer) {
        guard let base = buffer.baseAddress, buffer.count > 0 else { return }
        SHA256_Update(context, base, buffer.count)
    }

    public func update<C: ContiguousBytes>(_ data: C) {
        data.withUnsafeBytes { update($0) }
    }

    /// The 32-byte digest of everything passed to `update`.
    public func finalize() -> [UInt8] {
        var digest = [UInt8](repeating: 0, count: 32)
        digest.withUnsafeMutableBufferPointer { _ = SHA256_Final($0.baseAddress, context) }
        return digest
    }

    /// Lowercase hex of the SHA-256 of `data`.
    public static func hex<C: ContiguousBytes>(_ data: C) -> String {
        let h = SHA256Hasher()
        h.update(data)
        return h.finalize().hexString
    }
}

/// CRC-32 (zlib's, the gzip/PNG polynomial): per-frame checksums of original bytes.
/// Computed by libdeflate (same values as zlib's `crc32`, much faster on modern CPUs).
public enum CRC32 {
    public static func checksum(_ buffer: UnsafeRawBufferPointer, seed: UInt32 = 0) -> UInt32 {
        guard let base = buffer.baseAddress, buffer.count > 0 else { return seed }
        return libdeflate_crc32(seed, base, buffer.count)
    }

    public static func checksum<C: ContiguousBytes>(_ data: C, seed: UInt32 = 0) -> UInt32 {
        data.withUnsafeBytes { checksum($0, seed: seed) }
    }
}

extension Sequence where Element == UInt8 {
    public var hexString: String {
        let digits = Array("0123456789abcdef".utf8)
        var out = [UInt8]()
        for b in self {
            out.append(digits[Int(b >> 4)])
            out.append(digits[Int(b & 0x0F)])
        }
        return String(decoding: out, as: UTF8.self)
    }
}
