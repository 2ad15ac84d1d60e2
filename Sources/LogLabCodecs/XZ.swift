import CLZMA
import Foundation

// xz format through liblzma: the easy (preset) encoder with a CRC64, CRC32 or no check,
// and the stream decoder with concatenated streams allowed (as `xz -d` does). The
// lzma_stream is kept and re-initialised per stream; liblzma reuses its allocations when
// the filter chain does not change.

private func xzMessage(_ ret: lzma_ret) -> String {
    switch ret {
    case LZMA_MEM_ERROR: "out of memory"
    case LZMA_MEMLIMIT_ERROR: "memory usage limit reached"
    case LZMA_FORMAT_ERROR: "not in the xz format"
    case LZMA_OPTIONS_ERROR: "unsupported options in the stream header"
    case LZMA_DATA_ERROR: "compressed data is corrupt (or an integrity check failed)"
    case LZMA_BUF_ERROR: "the input ends too early"
    case LZMA_UNSUPPORTED_CHECK: "unsupported integrity check"
    default: "liblzma error \(ret.rawValue)"
    }
}

final class XZEncoder: EncoderEngine {
    let family = CodecFamily.xz
    private let stream: UnsafeMutablePointer<lzma_stream>
    private let preset: UInt32
    private let check: lzma_check

    init(spec: CodecSpec) throws {
        preset = UInt32(spec.level) | (spec.extreme ? 0x8000_0000 : 0)   // LZMA_PRESET_EXTREME
        switch spec.xzCheck {
        case .crc64: check = LZMA_CHECK_CRC64
        case .crc32: check = LZMA_CHECK_CRC32
        case .none: check = LZMA_CHECK_NONE
        }
        stream = .allocate(capacity: 1)
        stream.initialize(to: loglab_lzma_stream_init())
    }

    deinit {
        lzma_end(stream)
        stream.deallocate()
    }

    func reset() throws {
        let ret = lzma_easy_encoder(stream, preset, check)
        guard ret == LZMA_OK else { throw CodecError.library(.xz, "cannot start the encoder: \(xzMessage(ret))") }
    }

    /// One-shot: the input size is known, so the LZMA2 dictionary is capped at the input
    /// size (rounded up to a power of two, at least 4 KiB) — the window can never reach
    /// further back anyway, so the output is as small as with the preset's dictionary,
    /// and small records do not pay for clearing an 8–64 MiB match finder each time.
    func compressOneShot(_ input: InputWindow, into output: OutputWindow) throws -> Int {
        var options = lzma_options_lzma()
        guard lzma_lzma_preset(&options, preset) == 0 else {   // returns false (0) on success
            throw CodecError.library(.xz, "unsupported preset \(preset)")
        }
        var cap: UInt32 = 4096
        while cap < options.dict_size && Int(cap) < input.count { cap <<= 1 }
        options.dict_size = min(options.dict_size, cap)
        let ret: lzma_ret = withUnsafeMutablePointer(to: &options) { opt in
            var filters = [
                lzma_filter(id: 0x21, options: UnsafeMutableRawPointer(opt)),   // LZMA_FILTER_LZMA2
                lzma_filter(id: UInt64.max, options: nil),                      // LZMA_VLI_UNKNOWN
            ]
            return lzma_stream_encoder(stream, &filters, check)
        }
        guard ret == LZMA_OK else { throw CodecError.library(.xz, "cannot start the encoder: \(xzMessage(ret))") }
        var inp = input
        var out = output
        while true {
            if try step(&inp, &out, finishing: true) { return output.count - out.count }
            if out.count == 0 { throw CodecError.outputBufferTooSmall(.xz, capacity: output.count) }
        }
    }

    func maxCompressedSize(_ n: Int) -> Int {
        Int(lzma_stream_buffer_bound(n)) + 64
    }

    func step(_ input: inout InputWindow, _ output: inout OutputWindow, finishing: Bool) throws -> Bool {
        let ret = lzmaCode(stream, &input, &output, finishing: finishing)
        switch ret {
        case LZMA_STREAM_END: return true
        case LZMA_OK, LZMA_BUF_ERROR: return false
        default: throw CodecError.library(.xz, xzMessage(ret))
        }
    }
}

final class XZDecoder: DecoderEngine {
    let family = CodecFamily.xz
    private let stream: UnsafeMutablePointer<lzma_stream>
    private var ended = false

    init() throws {
        stream = .allocate(capacity: 1)
        stream.initialize(to: loglab_lzma_stream_init())
        try reset()
    }

    deinit {
        lzma_end(stream)
        stream.deallocate()
    }

    func reset() throws {
        let ret = lzma_stream_decoder(stream, UInt64.max, 0x08)   // 0x08: LZMA_CONCATENATED (a macro Swift cannot import)
        guard ret == LZMA_OK else { throw CodecError.library(.xz, "cannot start the decoder: \(xzMessage(ret))") }
        ended = false
    }

    func step(_ input: inout InputWindow, _ output: inout OutputWindow, finishing: Bool) throws -> Bool {
        if ended {
            if input.count > 0 { throw CodecError.corruptInput(.xz, "trailing data after the end of the xz stream") }
            return true
        }
        let ret = lzmaCode(stream, &input, &output, finishing: finishing)
        switch ret {
        case LZMA_STREAM_END:
            ended = true
            return true
        case LZMA_OK: return false
        case LZMA_BUF_ERROR:
            if finishing && input.count == 0 { throw CodecError.truncatedInput(.xz, "the input ends inside the xz stream") }
            return false
        case LZMA_FORMAT_ERROR, LZMA_DATA_ERROR, LZMA_OPTIONS_ERROR:
            throw CodecError.corruptInput(.xz, xzMessage(ret))
        default:
            throw CodecError.library(.xz, xzMessage(ret))
        }
    }
}

/// One `lzma_code` call over the windows, which then start at what it did not consume/fill.
private func lzmaCode(_ stream: UnsafeMutablePointer<lzma_stream>, _ input: inout InputWindow,
                      _ output: inout OutputWindow, finishing: Bool) -> lzma_ret {
    stream.pointee.next_in = nonNullBase(input).assumingMemoryBound(to: UInt8.self)
    stream.pointee.avail_in = input.count
    stream.pointee.next_out = nonNullBase(output).assumingMemoryBound(to: UInt8.self)
    stream.pointee.avail_out = output.count
    let ret = lzma_code(stream, finishing ? LZMA_FINISH : LZMA_RUN)
    input = input.dropping(input.count - stream.pointee.avail_in)
    output = output.dropping(output.count - stream.pointee.avail_out)
    return ret
}
