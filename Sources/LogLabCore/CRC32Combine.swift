import CZlib

extension CRC32 {
    /// The CRC-32 of `a ‖ b` from the CRC-32s of `a` and `b` and the length of `b` (zlib's
    /// crc32_combine), so a checksum over many frames needs no second pass over their bytes.
    public static func combine(_ a: UInt32, _ b: UInt32, length: Int) -> UInt32 {
        guard length > 0 else { return a }
        return UInt32(truncatingIfNeeded: crc32_combine(UInt(a), UInt(b), Int(length)))
    }
}
