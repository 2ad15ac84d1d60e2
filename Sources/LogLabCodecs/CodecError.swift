/// Every failure of the codec layer. `description` is one line that names the codec and the
/// cause, ready for `error: <description>` on a terminal.
public enum CodecError: Error, CustomStringConvertible, Equatable, Sendable {
    /// An unknown or out-of-range codec spelling.
    case invalidSpec(String)
    /// The input is not valid data for this codec (bad header, bad block, checksum mismatch,
    /// garbage after the last frame).
    case corruptInput(CodecFamily, String)
    /// The input ends before the compressed stream does.
    case truncatedInput(CodecFamily, String)
    /// A zstd frame needs a dictionary that was not given.
    case missingDictionary(UInt32)
    /// A zstd frame was written with another dictionary than the one given.
    case wrongDictionary(frame: UInt32, given: UInt32)
    /// Dictionary bytes that zstd cannot load, or a dictionary given to a codec without them.
    case invalidDictionary(String)
    /// Decompressed output would exceed the allowed size (decompression bomb guard).
    case outputLimitExceeded(CodecFamily, limit: Int)
    /// The caller said how large the output is, and it is not.
    case sizeMismatch(CodecFamily, expected: Int, actual: Int?)
    /// The caller's output buffer is too small.
    case outputBufferTooSmall(CodecFamily, capacity: Int)
    /// Dictionary training refused or failed.
    case training(String)
    /// The library failed for a reason that is not the input's fault (out of memory, ...).
    case library(CodecFamily, String)

    public var description: String {
        switch self {
        case .invalidSpec(let m): return m
        case .corruptInput(let f, let m): return "\(f.rawValue): corrupt input: \(m)"
        case .truncatedInput(let f, let m): return "\(f.rawValue): truncated input: \(m)"
        case .missingDictionary(let id):
            return "zstd: the data needs dictionary id \(id) and no dictionary was given (use --dictionary)"
        case .wrongDictionary(let frame, let given):
            return "zstd: wrong dictionary: the data needs dictionary id \(frame), the given dictionary has id \(given)"
        case .invalidDictionary(let m): return "invalid dictionary: \(m)"
        case .outputLimitExceeded(let f, let limit):
            return "\(f.rawValue): decompressed output exceeds the limit of \(limit) bytes (possible decompression bomb)"
        case .sizeMismatch(let f, let e, let a):
            if let a { return "\(f.rawValue): decompressed size \(a) bytes differs from the expected \(e) bytes" }
            return "\(f.rawValue): decompressed output is larger than the expected \(e) bytes"
        case .outputBufferTooSmall(let f, let c):
            return c < 0 ? "\(f.rawValue): output does not fit the buffer" : "\(f.rawValue): output does not fit the \(c)-byte buffer"
        case .training(let m): return "dictionary training: \(m)"
        case .library(let f, let m): return "\(f.rawValue): \(m)"
        }
    }
}
