import CSHA
import CZlib
import Foundation

/// SHA-256 (system libcrypto). Used for content ids: dataset files, dictionaries, profiles.
public struct SHA256Hasher {
    private var context = SHA256_CTX()

    public init() { SHA256_Init(&context) }

    public mutating func update(_ buffer: UnsafeRawBufferPointer) {
        guard let base = buffer.baseAddress, buffer.count > 0 else { return }
        SHA256_Update(&context, base, buffer.count)
    }

    public mutating func update<C: ContiguousBytes>(_ data: C) {
        data.withUnsafeBytes { update($0) }
    }

    public mutating func finalize() -> [UInt8] {
        var digest = [UInt8](repeating: 0, count: Int(SHA256_DIGEST_LENGTH))
        digest.withUnsafeMutableBufferPointer { _ = SHA256_Final($0.baseAddress, &context) }
        return digest
    }

    /// Lowercase hex of the SHA-256 of `data`.
    public static func hex<C: ContiguousBytes>(_ data: C) -> String {
        var h = SHA256Hasher()
        h.update(data)
        return h.finalize().hexString
    }
}

/// CRC-32 (zlib's, the gzip/PNG polynomial): per-frame checksums of original bytes.
public enum CRC32 {
    public static func checksum(_ buffer: UnsafeRawBufferPointer, seed: UInt32 = 0) -> UInt32 {
        guard let base = buffer.baseAddress, buffer.count > 0 else { return seed }
        var crc = UInt(seed)
        var p = base.assumingMemoryBound(to: UInt8.self)
        var left = buffer.count
        while left > 0 {   // zlib takes a 32-bit length
            let n = min(left, 1 << 30)
            crc = crc32(crc, p, UInt32(n))
            p += n
            left -= n
        }
        return UInt32(truncatingIfNeeded: crc)
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
