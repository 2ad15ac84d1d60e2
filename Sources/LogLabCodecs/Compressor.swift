import LogLabCore

func makeEncoder(_ spec: CodecSpec, _ dictionary: ZstdDictionary?, workers: Int = 0) throws -> EncoderEngine {
    try spec.validate()
    if dictionary != nil && spec.family != .zstd {
        throw CodecError.invalidDictionary("\(spec.family.rawValue) does not use dictionaries (only zstd does)")
    }
    switch spec.family {
    case .gzip: return try GzipEncoder(level: spec.level)
    case .xz: return try XZEncoder(spec: spec)
    case .brotli: return try BrotliEncoder(spec: spec)
    case .zstd: return try ZstdEncoder(spec: spec, dictionary: dictionary, workers: workers)
    }
}

func makeDecoder(_ family: CodecFamily, _ spec: CodecSpec?, _ dictionary: ZstdDictionary?) throws -> DecoderEngine {
    try spec?.validate()
    if dictionary != nil && family != .zstd {
        throw CodecError.invalidDictionary("\(family.rawValue) does not use dictionaries (only zstd does)")
    }
    switch family {
    case .gzip: return try GzipDecoder()
    case .xz: return try XZDecoder()
    case .brotli: return try BrotliDecoder()
    case .zstd: return try ZstdDecoder(spec: spec, dictionary: dictionary)
    }
}

/// Buffer-to-buffer compression with contexts kept between calls. One per thread (not
/// Sendable); create it once and call `compress` for every record or file.
public final class Compressor {
    public let spec: CodecSpec
    public let dictionary: ZstdDictionary?
    let engine: EncoderEngine

    public init(_ spec: CodecSpec, dictionary: ZstdDictionary? = nil) throws {
        self.spec = spec
        self.dictionary = dictionary
        engine = try makeEncoder(spec, dictionary)
    }

    /// The largest output `compress` can produce for `inputSize` bytes.
    public func maxCompressedSize(_ inputSize: Int) -> Int { engine.maxCompressedSize(inputSize) }

    /// Compresses `input` as one complete stream (frame) into `output`, returning the number
    /// of bytes written. `output` must hold `maxCompressedSize(input.count)` bytes to be sure
    /// it fits; otherwise `CodecError.outputBufferTooSmall` may be thrown.
    @inline(__always)
    public func compress(_ input: UnsafeRawBufferPointer, into output: UnsafeMutableRawBufferPointer) throws -> Int {
        try engine.compressOneShot(input, into: output)
    }

    public func compress(_ input: UnsafeRawBufferPointer) throws -> [UInt8] {
        let bound = engine.maxCompressedSize(input.count)
        var result = try [UInt8](unsafeUninitializedCapacity: bound) { buf, n in
            n = try engine.compressOneShot(input, into: UnsafeMutableRawBufferPointer(buf))
        }
        // Do not keep a large, mostly empty allocation alive.
        if result.capacity - result.count > (1 << 20) && result.capacity > 2 * result.count {
            result = Array(result)
        }
        return result
    }

    public func compress(_ input: [UInt8]) throws -> [UInt8] {
        try input.withUnsafeBytes { try compress($0) }
    }

    public func compress(_ input: ArraySlice<UInt8>) throws -> [UInt8] {
        try input.withUnsafeBytes { try compress($0) }
    }

    /// Appends the compressed stream of `input` to `output`; returns the bytes appended.
    @discardableResult
    public func compress(_ input: UnsafeRawBufferPointer, appendingTo output: inout [UInt8]) throws -> Int {
        let bound = engine.maxCompressedSize(input.count)
        let start = output.count
        output.append(contentsOf: repeatElement(0, count: bound))
        let n = try output.withUnsafeMutableBytes { buf in
            try engine.compressOneShot(input, into: UnsafeMutableRawBufferPointer(rebasing: buf[start...]))
        }
        output.removeLast(bound - n)
        return n
    }
}

/// Buffer-to-buffer decompression with contexts kept between calls. One per thread.
///
/// Decompression bombs: output never grows past `maxOutputSize` (default 4 GiB), and when
/// the caller passes `originalSize` (the exact size it expects, e.g. from a container
/// index), exactly that much is allocated and any other size is an error.
public final class Decompressor {
    public let family: CodecFamily
    public let spec: CodecSpec?
    public let dictionary: ZstdDictionary?
    public var maxOutputSize: Int = 1 << 32
    let engine: DecoderEngine

    public init(_ spec: CodecSpec, dictionary: ZstdDictionary? = nil) throws {
        self.spec = spec
        family = spec.family
        self.dictionary = dictionary
        engine = try makeDecoder(spec.family, spec, dictionary)
    }

    /// Decoding needs only the family (levels do not matter); zstd `magicless` or long
    /// windows above 2^27 need the full spec.
    public init(_ family: CodecFamily, dictionary: ZstdDictionary? = nil) throws {
        spec = nil
        self.family = family
        self.dictionary = dictionary
        engine = try makeDecoder(family, nil, dictionary)
    }

    /// Decompresses the complete stream(s) in `input` into `output`, whose size must be at
    /// least the decompressed size; returns the bytes written.
    @inline(__always)
    public func decompress(_ input: UnsafeRawBufferPointer, into output: UnsafeMutableRawBufferPointer) throws -> Int {
        try engine.decompressOneShot(input, into: output)
    }

    public func decompress(_ input: UnsafeRawBufferPointer, originalSize: Int? = nil) throws -> [UInt8] {
        if let expected = originalSize {
            guard expected >= 0, expected <= maxOutputSize else {
                throw CodecError.outputLimitExceeded(family, limit: maxOutputSize)
            }
            // One spare byte tells "exactly as expected" from "larger than expected".
            var tooLarge = false
            let out = try [UInt8](unsafeUninitializedCapacity: expected + 1) { buf, n in
                do {
                    n = try engine.decompressOneShot(input, into: UnsafeMutableRawBufferPointer(buf))
                } catch CodecError.outputBufferTooSmall {
                    tooLarge = true
                    n = 0
                }
            }
            if tooLarge || out.count != expected {
                throw CodecError.sizeMismatch(family, expected: expected, actual: tooLarge ? nil : out.count)
            }
            return out
        }
        if let declared = try engine.declaredSize(input), declared <= maxOutputSize,
           declared <= input.count &* 32768 &+ (1 << 20) {
            return try [UInt8](unsafeUninitializedCapacity: declared) { buf, n in
                n = try engine.decompressOneShot(input, into: UnsafeMutableRawBufferPointer(buf))
            }
        }
        if family == .zstd && input.count == 0 { throw CodecError.truncatedInput(.zstd, "the input is empty") }
        let guess = min(max(input.count * 4, 1 << 16), 1 << 28)
        return try engine.decompressGrowing(input, initialCapacity: guess, limit: maxOutputSize)
    }

    /// The decompressed size `input` declares (a single zstd frame with its content size), if any.
    public func declaredSize(_ input: ArraySlice<UInt8>) -> Int? {
        input.withUnsafeBytes { (try? engine.declaredSize($0)) ?? nil }
    }

    public func decompress(_ input: [UInt8], originalSize: Int? = nil) throws -> [UInt8] {
        try input.withUnsafeBytes { try decompress($0, originalSize: originalSize) }
    }

    public func decompress(_ input: ArraySlice<UInt8>, originalSize: Int? = nil) throws -> [UInt8] {
        try input.withUnsafeBytes { try decompress($0, originalSize: originalSize) }
    }
}
