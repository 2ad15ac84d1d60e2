import CBrotli
import Foundation

// brotli through libbrotlienc/libbrotlidec 1.0.9. One-shot compression uses
// BrotliEncoderCompress; streams use an encoder instance (1.0.9 has no reset, so a new
// instance per stream). The decoder rejects data after the end of the stream, like
// `brotli -d`.

final class BrotliEncoder: EncoderEngine {
    let family = CodecFamily.brotli
    private let quality: Int32
    private let window: Int32
    private var state: OpaquePointer?

    init(spec: CodecSpec) throws {
        quality = Int32(spec.level)
        window = Int32(spec.window ?? Int(BROTLI_DEFAULT_WINDOW))
    }

    deinit {
        if let s = state { BrotliEncoderDestroyInstance(s) }
    }

    func reset() throws {
        if let s = state { BrotliEncoderDestroyInstance(s) }
        guard let s = BrotliEncoderCreateInstance(nil, nil, nil) else {
            throw CodecError.library(.brotli, "cannot create an encoder")
        }
        state = s
        BrotliEncoderSetParameter(s, BROTLI_PARAM_QUALITY, UInt32(quality))
        BrotliEncoderSetParameter(s, BROTLI_PARAM_LGWIN, UInt32(window))
    }

    func maxCompressedSize(_ n: Int) -> Int {
        let bound = BrotliEncoderMaxCompressedSize(n)
        return bound == 0 ? n + (n >> 2) + 1024 : bound
    }

    func compressOneShot(_ input: InputWindow, into output: OutputWindow) throws -> Int {
        var size = output.count
        // As the brotli CLI does for small files: no larger window than the input needs
        // (same matches, smaller match-finder tables, much faster on small records).
        var lgwin: Int32 = 10
        while lgwin < window && (1 << lgwin) - 16 < input.count { lgwin += 1 }
        let ok = BrotliEncoderCompress(quality, lgwin, BROTLI_MODE_GENERIC, input.count,
                                       nonNullBase(input).assumingMemoryBound(to: UInt8.self), &size,
                                       nonNullBase(output).assumingMemoryBound(to: UInt8.self))
        guard ok == BROTLI_TRUE else { throw CodecError.outputBufferTooSmall(.brotli, capacity: output.count) }
        return size
    }

    func step(_ input: inout InputWindow, _ output: inout OutputWindow, finishing: Bool) throws -> Bool {
        if state == nil { try reset() }
        guard let s = state else { throw CodecError.library(.brotli, "no encoder") }
        var availIn = input.count
        var nextIn: UnsafePointer<UInt8>? = nonNullBase(input).assumingMemoryBound(to: UInt8.self)
        var availOut = output.count
        var nextOut: UnsafeMutablePointer<UInt8>? = nonNullBase(output).assumingMemoryBound(to: UInt8.self)
        while true {
            let ok = BrotliEncoderCompressStream(s, finishing ? BROTLI_OPERATION_FINISH : BROTLI_OPERATION_PROCESS,
                                                 &availIn, &nextIn, &availOut, &nextOut, nil)
            guard ok == BROTLI_TRUE else { throw CodecError.library(.brotli, "the encoder failed") }
            if availOut == 0 || BrotliEncoderIsFinished(s) == BROTLI_TRUE { break }
            if availIn == 0 && !finishing && BrotliEncoderHasMoreOutput(s) == BROTLI_FALSE { break }
        }
        input = input.dropping(input.count - availIn)
        output = output.dropping(output.count - availOut)
        return BrotliEncoderIsFinished(s) == BROTLI_TRUE && BrotliEncoderHasMoreOutput(s) == BROTLI_FALSE
    }
}

final class BrotliDecoder: DecoderEngine {
    let family = CodecFamily.brotli
    private var state: OpaquePointer?
    private var ended = false

    init() throws { try reset() }

    deinit {
        if let s = state { BrotliDecoderDestroyInstance(s) }
    }

    func reset() throws {
        if let s = state { BrotliDecoderDestroyInstance(s) }
        state = BrotliDecoderCreateInstance(nil, nil, nil)
        guard state != nil else { throw CodecError.library(.brotli, "cannot create a decoder") }
        ended = false
    }

    func step(_ input: inout InputWindow, _ output: inout OutputWindow, finishing: Bool) throws -> Bool {
        guard let s = state else { throw CodecError.library(.brotli, "no decoder") }
        if ended {
            if input.count > 0 { throw CodecError.corruptInput(.brotli, "trailing data after the end of the brotli stream") }
            return true
        }
        var availIn = input.count
        var nextIn: UnsafePointer<UInt8>? = nonNullBase(input).assumingMemoryBound(to: UInt8.self)
        var availOut = output.count
        var nextOut: UnsafeMutablePointer<UInt8>? = nonNullBase(output).assumingMemoryBound(to: UInt8.self)
        let result = BrotliDecoderDecompressStream(s, &availIn, &nextIn, &availOut, &nextOut, nil)
        input = input.dropping(input.count - availIn)
        output = output.dropping(output.count - availOut)
        switch result {
        case BROTLI_DECODER_RESULT_SUCCESS:
            ended = true
            if input.count > 0 { throw CodecError.corruptInput(.brotli, "trailing data after the end of the brotli stream") }
            return true
        case BROTLI_DECODER_RESULT_NEEDS_MORE_INPUT, BROTLI_DECODER_RESULT_NEEDS_MORE_OUTPUT:
            return false
        default:
            let code = BrotliDecoderGetErrorCode(s)
            let name = String(cString: BrotliDecoderErrorString(code))
            throw CodecError.corruptInput(.brotli, name.lowercased().replacingOccurrences(of: "_error_format_", with: "").replacingOccurrences(of: "_", with: " "))
        }
    }
}
