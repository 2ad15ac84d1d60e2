import CZstd
import Foundation
import LogLabCore

/// A zstd dictionary: either a trained `.zdict` (magic `37 a4 30 ec`, an id, entropy tables
/// and content) or raw content (any other bytes, id 0), as `zstd -D` accepts both.
///
/// Immutable and shareable across threads. The digested forms are built once: the
/// decompression dictionary (ZSTD_DDict) at load, and one compression dictionary
/// (ZSTD_CDict) per compression level on first use, then reused by every `Compressor`.
public final class ZstdDictionary: @unchecked Sendable {
    public let bytes: [UInt8]
    /// The dictionary id (frames compressed with it carry this id); 0 for raw content.
    public let id: UInt32
    /// True for a trained/structured `.zdict`, false for raw content.
    public let isStructured: Bool

    let ddict: OpaquePointer
    private let lock = NSLock()
    private var cdicts: [Int: DigestedCDict] = [:]

    /// A digested compression dictionary; freed when the last user lets go.
    final class DigestedCDict: @unchecked Sendable {
        let pointer: OpaquePointer
        init(_ p: OpaquePointer) { pointer = p }
        deinit { ZSTD_freeCDict(pointer) }
    }

    public init(bytes: [UInt8]) throws {
        guard !bytes.isEmpty else { throw CodecError.invalidDictionary("the dictionary is empty") }
        self.bytes = bytes
        let structured = bytes.count >= 8 && bytes[0] == 0x37 && bytes[1] == 0xA4 && bytes[2] == 0x30 && bytes[3] == 0xEC
        isStructured = structured
        let made: OpaquePointer? = bytes.withUnsafeBytes { buf in
            ZSTD_createDDict_advanced(buf.baseAddress, buf.count, ZSTD_dlm_byCopy,
                                      structured ? ZSTD_dct_fullDict : ZSTD_dct_rawContent,
                                      ZSTD_customMem(customAlloc: nil, customFree: nil, opaque: nil))
        }
        guard let made else {
            throw CodecError.invalidDictionary(structured
                ? "zstd cannot load this .zdict (its header or entropy tables are damaged)"
                : "zstd cannot load this raw-content dictionary")
        }
        ddict = made
        id = structured ? bytes.withUnsafeBytes { UInt32(ZDICT_getDictID($0.baseAddress, $0.count)) } : 0
    }

    /// Reads a dictionary file.
    public convenience init(contentsOfFile path: String) throws {
        try self.init(bytes: Files.read(path))
    }

    deinit { ZSTD_freeDDict(ddict) }

    /// SHA-256 of the bytes, lowercase hex.
    public var sha256: String { SHA256Hasher.hex(bytes) }

    /// The CDict for `level`, built on first use and then shared.
    func digestedCDict(level: Int) throws -> DigestedCDict {
        lock.lock()
        defer { lock.unlock() }
        if let d = cdicts[level] { return d }
        let structured = isStructured
        let made: OpaquePointer? = bytes.withUnsafeBytes { buf in
            let params = ZSTD_getCParams(Int32(level), UInt64(ZSTD_CONTENTSIZE_UNKNOWN), buf.count)
            return ZSTD_createCDict_advanced(buf.baseAddress, buf.count, ZSTD_dlm_byCopy,
                                             structured ? ZSTD_dct_fullDict : ZSTD_dct_rawContent, params,
                                             ZSTD_customMem(customAlloc: nil, customFree: nil, opaque: nil))
        }
        guard let made else { throw CodecError.invalidDictionary("zstd cannot digest the dictionary for level \(level)") }
        let d = DigestedCDict(made)
        cdicts[level] = d
        return d
    }
}
