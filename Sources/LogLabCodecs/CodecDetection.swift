/// Guessing the codec of a file from its name or its first bytes.
public enum CodecDetection {
    /// By extension: `.gz`, `.xz`, `.br`, `.zst` (also `.gzip`, `.zstd`).
    public static func family(forPath path: String) -> CodecFamily? {
        guard let dot = path.lastIndex(of: "."), !path[dot...].contains("/") else { return nil }
        switch path[path.index(after: dot)...].lowercased() {
        case "gz", "gzip": return .gzip
        case "xz": return .xz
        case "br": return .brotli
        case "zst", "zstd": return .zstd
        default: return nil
        }
    }

    /// By magic bytes: gzip `1f 8b`, xz `fd 37 7a 58 5a 00`, zstd `28 b5 2f fd` (or a
    /// skippable frame). Brotli has no magic number, so it is never detected here.
    public static func family(magic: ArraySlice<UInt8>) -> CodecFamily? {
        let b = Array(magic.prefix(6))
        if b.count >= 2, b[0] == 0x1F, b[1] == 0x8B { return .gzip }
        if b.count >= 6, b == [0xFD, 0x37, 0x7A, 0x58, 0x5A, 0x00] { return .xz }
        if b.count >= 4, b[1] == 0xB5, b[2] == 0x2F, b[3] == 0xFD, b[0] == 0x28 { return .zstd }
        if b.count >= 4, b[0] & 0xF0 == 0x50, b[1] == 0x2A, b[2] == 0x4D, b[3] == 0x18 { return .zstd }
        return nil
    }
}
