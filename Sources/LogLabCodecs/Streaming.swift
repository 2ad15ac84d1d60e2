import Foundation

/// Streaming compression with bounded memory: feed chunks with `write`, end with `finish`.
/// Output goes to `sink` in chunks of at most `chunkSize` bytes as it is produced; the
/// sink's buffer is only valid during the call. After `finish`, the next `write` starts a
/// new stream (concatenated streams decode as one with every reference tool).
public final class StreamCompressor {
    public let spec: CodecSpec
    public let chunkSize: Int
    private let engine: EncoderEngine
    private let scratch: UnsafeMutableRawBufferPointer
    private var started = false

    /// `workers`: compression threads of the codec's own beside the caller's (zstd only; 0:
    /// compress on the calling thread). Output is a standard stream either way.
    public init(_ spec: CodecSpec, dictionary: ZstdDictionary? = nil, chunkSize: Int = 128 << 10, workers: Int = 0) throws {
        self.spec = spec
        self.chunkSize = max(chunkSize, 64)
        engine = try makeEncoder(spec, dictionary, workers: workers)
        scratch = .allocate(byteCount: self.chunkSize, alignment: 16)
    }

    deinit { scratch.deallocate() }

    private func startIfNeeded() throws {
        if !started {
            try engine.reset()
            started = true
        }
    }

    public func write(_ chunk: UnsafeRawBufferPointer, to sink: (UnsafeRawBufferPointer) throws -> Void) throws {
        try startIfNeeded()
        var input = chunk
        while input.count > 0 {
            var out = scratch
            _ = try engine.step(&input, &out, finishing: false)
            let produced = scratch.count - out.count
            if produced > 0 { try sink(UnsafeRawBufferPointer(rebasing: scratch[0..<produced])) }
        }
    }

    public func write(_ chunk: [UInt8], to sink: (UnsafeRawBufferPointer) throws -> Void) throws {
        try chunk.withUnsafeBytes { try write($0, to: sink) }
    }

    /// Ends the stream, flushing everything that is left.
    public func finish(to sink: (UnsafeRawBufferPointer) throws -> Void) throws {
        try startIfNeeded()
        var input = UnsafeRawBufferPointer(start: nil, count: 0)
        while true {
            var out = scratch
            let done = try engine.step(&input, &out, finishing: true)
            let produced = scratch.count - out.count
            if produced > 0 { try sink(UnsafeRawBufferPointer(rebasing: scratch[0..<produced])) }
            if done { break }
            if produced == 0 { throw CodecError.library(spec.family, "the encoder cannot finish the stream") }
        }
        started = false
    }
}

/// Streaming decompression with bounded memory. `finish` throws
/// `CodecError.truncatedInput` when the input ended inside a stream; corrupt data, data
/// after the end of the stream and dictionary problems throw from `write`.
public final class StreamDecompressor {
    public let family: CodecFamily
    public let chunkSize: Int
    /// Decompression bomb guard: `write`/`finish` throw `CodecError.outputLimitExceeded`
    /// once more than this many bytes came out of the current stream. Unlimited by default.
    public var maxOutputSize: Int = Int.max
    private var bytesOut = 0
    private let engine: DecoderEngine
    private let scratch: UnsafeMutableRawBufferPointer
    private var bytesIn = 0

    public init(_ family: CodecFamily, dictionary: ZstdDictionary? = nil, chunkSize: Int = 128 << 10) throws {
        self.family = family
        self.chunkSize = max(chunkSize, 64)
        engine = try makeDecoder(family, nil, dictionary)
        scratch = .allocate(byteCount: self.chunkSize, alignment: 16)
        try engine.reset()
    }

    /// For zstd `magicless` frames and long windows above 2^27, which need the spec.
    public init(_ spec: CodecSpec, dictionary: ZstdDictionary? = nil, chunkSize: Int = 128 << 10) throws {
        family = spec.family
        self.chunkSize = max(chunkSize, 64)
        engine = try makeDecoder(spec.family, spec, dictionary)
        scratch = .allocate(byteCount: self.chunkSize, alignment: 16)
        try engine.reset()
    }

    deinit { scratch.deallocate() }

    public func write(_ chunk: UnsafeRawBufferPointer, to sink: (UnsafeRawBufferPointer) throws -> Void) throws {
        var input = chunk
        bytesIn += chunk.count
        var stalls = 0
        while true {
            var out = scratch
            let before = input.count
            _ = try engine.step(&input, &out, finishing: false)
            let produced = scratch.count - out.count
            try emit(produced, sink)
            if input.count == 0 && out.count > 0 { return }
            if produced == 0 && input.count == before {
                stalls += 1
                if stalls > 2 { throw CodecError.corruptInput(family, "the decoder makes no progress") }
            } else {
                stalls = 0
            }
        }
    }

    public func write(_ chunk: [UInt8], to sink: (UnsafeRawBufferPointer) throws -> Void) throws {
        try chunk.withUnsafeBytes { try write($0, to: sink) }
    }

    /// Flushes what is left and checks that the input ended at the end of a stream.
    public func finish(to sink: (UnsafeRawBufferPointer) throws -> Void) throws {
        var input = UnsafeRawBufferPointer(start: nil, count: 0)
        while true {
            var out = scratch
            let ended = try engine.step(&input, &out, finishing: true)
            let produced = scratch.count - out.count
            try emit(produced, sink)
            if ended { break }
            if produced == 0 {
                throw CodecError.truncatedInput(family, bytesIn == 0 ? "the input is empty" : "the input ends inside a stream (after \(bytesIn) bytes)")
            }
        }
        try engine.reset()
        bytesIn = 0
        bytesOut = 0
    }

    private func emit(_ produced: Int, _ sink: (UnsafeRawBufferPointer) throws -> Void) throws {
        guard produced > 0 else { return }
        bytesOut += produced
        if bytesOut > maxOutputSize { throw CodecError.outputLimitExceeded(family, limit: maxOutputSize) }
        try sink(UnsafeRawBufferPointer(rebasing: scratch[0..<produced]))
    }
}
