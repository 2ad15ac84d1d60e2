import CBrotli
import CDeflate
import CLZMA
import CZlib
import CZstd

/// Versions of the system libraries this build links, as each library reports it at run
/// time (reports name them next to every figure).
public enum CodecLibraries {
    public static var versions: [String: String] {
        let b = BrotliEncoderVersion()
        return [
            "zstd": String(cString: ZSTD_versionString()),
            "zlib": String(cString: zlibVersion()),
            "liblzma": String(cString: lzma_version_string()),
            "brotli": "\(b >> 24).\((b >> 12) & 0xFFF).\(b & 0xFFF)",
            "libdeflate": LIBDEFLATE_VERSION_STRING,  // CRC-32 only
        ]
    }
}
