import CZstd
import Foundation

// zstd through libzstd. Each engine owns one ZSTD_CCtx/ZSTD_DCtx for its whole life; the
// parameters are set once, and a dictionary is referenced as a digested ZSTD_CDict/DDict
// built once per dictionary and level (cached in `ZstdDictionary`). Compressing many small
// records therefore re-initialises nothing per record: ZSTD_compress2 attaches the CDict.

@inline(__always) func zstdIsError(_ code: Int) -> Bool { ZSTD_isError(code) != 0 }

func zstdErrorName(_ code: Int) -> String { String(cString: ZSTD_getErrorName(code)) }

/// Maps a libzstd error code to a CodecError.
func zstdError(_ code: Int, framesDone: Int = 0, dictionary: ZstdDictionary? = nil) -> CodecError {
    let name = zstdErrorName(code)
    switch ZSTD_getErrorCode(code) {
    case ZSTD_error_prefix_unknown:
        return framesDone > 0
            ? .corruptInput(.zstd, "trailing data after the last frame")
            : .corruptInput(.zstd, "not a zstd frame (unknown magic number)")
    case ZSTD_error_srcSize_wrong:
        return .truncatedInput(.zstd, "the input ends inside a frame")
    case ZSTD_error_dictionary_wrong, ZSTD_error_dictionary_corrupted:
        return .invalidDictionary("zstd: \(name)")
    case ZSTD_error_checksum_wrong:
        return .corruptInput(.zstd, "content checksum mismatch")
    case ZSTD_error_frameParameter_windowTooLarge:
        return .corruptInput(.zstd, "the frame's window is larger than allowed (use a spec with :longNN to allow up to 2^NN)")
    case ZSTD_error_memory_allocation:
        return .library(.zstd, "out of memory")
    case ZSTD_error_dstSize_tooSmall:
        return .outputBufferTooSmall(.zstd, capacity: -1)
    default:
        let hint = dictionary == nil ? " (if it was compressed with a raw-content dictionary, pass it)" : ""
        return .corruptInput(.zstd, name.prefix(1).lowercased() + name.dropFirst() + hint)
    }
}

/// Checks that a zstd frame's dictionary id matches the dictionary given.
func zstdCheckDictionary(_ input: InputWindow, _ dictionary: ZstdDictionary?) throws {
    guard let base = input.baseAddress, input.count >= 5 else { return }
    let frameID = ZSTD_getDictID_fromFrame(base, input.count)
    guard frameID != 0 else { return }
    guard let dictionary else { throw CodecError.missingDictionary(frameID) }
    if dictionary.id != frameID { throw CodecError.wrongDictionary(frame: frameID, given: dictionary.id) }
}

final class ZstdEncoder: EncoderEngine {
    let family = CodecFamily.zstd
    let cctx: OpaquePointer
    private let dictionary: ZstdDictionary?
    private let cdict: ZstdDictionary.DigestedCDict?

    /// `workers` > 0: libzstd compresses on that many threads of its own while the caller
    /// feeds input and drains output (what the zstd CLI's `-T` does); streaming only.
    init(spec: CodecSpec, dictionary: ZstdDictionary?, workers: Int = 0) throws {
        guard let c = ZSTD_createCCtx() else { throw CodecError.library(.zstd, "cannot create a compression context") }
        cctx = c
        self.dictionary = dictionary
        func set(_ p: ZSTD_cParameter, _ v: Int) throws {
            let r = ZSTD_CCtx_setParameter(c, p, Int32(v))
            if zstdIsError(r) { throw CodecError.invalidSpec("zstd rejects parameter \(p.rawValue)=\(v): \(zstdErrorName(r))") }
        }
        do {
            try set(ZSTD_c_compressionLevel, spec.level)
            try set(ZSTD_c_checksumFlag, spec.checksum ? 1 : 0)
            try set(ZSTD_c_contentSizeFlag, 1)
            if workers > 0 { try set(ZSTD_c_nbWorkers, workers) }
            if let w = spec.window {
                try set(ZSTD_c_enableLongDistanceMatching, 1)
                try set(ZSTD_c_windowLog, w)
            }
            if spec.magicless {
                try set(ZSTD_c_experimentalParam2, Int(ZSTD_f_zstd1_magicless.rawValue))   // ZSTD_c_format
                try set(ZSTD_c_dictIDFlag, 0)
            }
            if let dictionary {
                let cd = try dictionary.digestedCDict(level: spec.level)
                cdict = cd
                let r = ZSTD_CCtx_refCDict(c, cd.pointer)
                if zstdIsError(r) { throw CodecError.invalidDictionary("zstd: \(zstdErrorName(r))") }
            } else {
                cdict = nil
            }
        } catch {
            ZSTD_freeCCtx(c)
            throw error
        }
    }

    deinit { ZSTD_freeCCtx(cctx) }

    func reset() throws {
        let r = ZSTD_CCtx_reset(cctx, ZSTD_reset_session_only)
        if zstdIsError(r) { throw CodecError.library(.zstd, zstdErrorName(r)) }
    }

    func maxCompressedSize(_ n: Int) -> Int { ZSTD_compressBound(n) }

    @inline(__always)
    func compressOneShot(_ input: InputWindow, into output: OutputWindow) throws -> Int {
        let r = ZSTD_compress2(cctx, nonNullBase(output), output.count, nonNullBase(input), input.count)
        if zstdIsError(r) {
            if ZSTD_getErrorCode(r) == ZSTD_error_dstSize_tooSmall {
                throw CodecError.outputBufferTooSmall(.zstd, capacity: output.count)
            }
            throw CodecError.library(.zstd, zstdErrorName(r))
        }
        return r
    }

    func step(_ input: inout InputWindow, _ output: inout OutputWindow, finishing: Bool) throws -> Bool {
        var inBuf = ZSTD_inBuffer(src: nonNullBase(input), size: input.count, pos: 0)
        var outBuf = ZSTD_outBuffer(dst: nonNullBase(output), size: output.count, pos: 0)
        var remaining = 0
        repeat {
            remaining = ZSTD_compressStream2(cctx, &outBuf, &inBuf, finishing ? ZSTD_e_end : ZSTD_e_continue)
            if zstdIsError(remaining) { throw CodecError.library(.zstd, zstdErrorName(remaining)) }
        } while outBuf.pos < outBuf.size && (inBuf.pos < inBuf.size || (finishing && remaining != 0))
        input = input.dropping(inBuf.pos)
        output = output.dropping(outBuf.pos)
        return finishing && remaining == 0 && inBuf.pos == inBuf.size
    }
}

final class ZstdDecoder: DecoderEngine {
    let family = CodecFamily.zstd
    let dctx: OpaquePointer
    private let dictionary: ZstdDictionary?
    private let magicless: Bool
    private var lastHint = 1
    private var framesDone = 0
    private var atFrameStart = true

    init(spec: CodecSpec?, dictionary: ZstdDictionary?) throws {
        guard let d = ZSTD_createDCtx() else { throw CodecError.library(.zstd, "cannot create a decompression context") }
        dctx = d
        self.dictionary = dictionary
        magicless = spec?.magicless ?? false
        if magicless {
            ZSTD_DCtx_setParameter(d, ZSTD_d_experimentalParam1, Int32(ZSTD_f_zstd1_magicless.rawValue))   // ZSTD_d_format
        }
        if let w = spec?.window, w > 27 {
            ZSTD_DCtx_setParameter(d, ZSTD_d_windowLogMax, Int32(w))
        }
        if let dictionary {
            let r = ZSTD_DCtx_refDDict(d, dictionary.ddict)
            if zstdIsError(r) {
                ZSTD_freeDCtx(d)
                throw CodecError.invalidDictionary("zstd: \(zstdErrorName(r))")
            }
        }
    }

    deinit { ZSTD_freeDCtx(dctx) }

    func reset() throws {
        ZSTD_DCtx_reset(dctx, ZSTD_reset_session_only)
        lastHint = 1
        framesDone = 0
        atFrameStart = true
    }

    func declaredSize(_ input: InputWindow) throws -> Int? {
        guard let base = input.baseAddress else { return nil }
        if magicless {
            var header = ZSTD_frameHeader()
            let r = ZSTD_getFrameHeader_advanced(&header, base, input.count, ZSTD_f_zstd1_magicless)
            guard r == 0, header.frameContentSize != ZSTD_CONTENTSIZE_UNKNOWN,
                  header.frameType == ZSTD_frame else { return nil }
            // Only trust it for a single frame that covers the whole input.
            let frameSize = ZSTD_findFrameCompressedSize_magicless(input)
            guard frameSize == input.count else { return nil }
            return header.frameContentSize > UInt64(Int.max) ? nil : Int(header.frameContentSize)
        }
        let size = ZSTD_findDecompressedSize(base, input.count)
        if size == ZSTD_CONTENTSIZE_ERROR || size == ZSTD_CONTENTSIZE_UNKNOWN || size > UInt64(Int.max) { return nil }
        return Int(size)
    }

    /// Decodes whole frames straight into `output` (the size is known).
    func decompressOneShot(_ input: InputWindow, into output: OutputWindow) throws -> Int {
        if !magicless { try zstdCheckDictionary(input, dictionary) }
        if input.count == 0 { throw CodecError.truncatedInput(.zstd, "the input is empty") }
        let r = ZSTD_decompressDCtx(dctx, nonNullBase(output), output.count, nonNullBase(input), input.count)
        if zstdIsError(r) {
            if ZSTD_getErrorCode(r) == ZSTD_error_dstSize_tooSmall {
                throw CodecError.outputBufferTooSmall(.zstd, capacity: output.count)
            }
            // Re-run as a stream for a precise diagnosis (which frame, trailing data, ...).
            throw streamingDiagnosis(input) ?? zstdError(r, dictionary: dictionary)
        }
        return r
    }

    private func streamingDiagnosis(_ input: InputWindow) -> Error? {
        do {
            _ = try decompressGrowing(input, initialCapacity: 1 << 16, limit: 1 << 26)
            return nil
        } catch CodecError.outputLimitExceeded {
            return nil   // the diagnosis gave up before the damage; keep libzstd's own error
        } catch {
            return error
        }
    }

    func step(_ input: inout InputWindow, _ output: inout OutputWindow, finishing: Bool) throws -> Bool {
        if input.count == 0 && lastHint == 0 { return true }
        if atFrameStart && input.count >= 5 && !magicless {
            try zstdCheckDictionary(input, dictionary)
        }
        var inBuf = ZSTD_inBuffer(src: nonNullBase(input), size: input.count, pos: 0)
        var outBuf = ZSTD_outBuffer(dst: nonNullBase(output), size: output.count, pos: 0)
        while true {
            let r = ZSTD_decompressStream(dctx, &outBuf, &inBuf)
            if zstdIsError(r) { throw zstdError(r, framesDone: framesDone, dictionary: dictionary) }
            lastHint = r
            if r == 0 {
                framesDone += 1
                atFrameStart = true
                if inBuf.pos < inBuf.size && !magicless {
                    try zstdCheckDictionary(InputWindow(start: inBuf.src.map { $0 + inBuf.pos }, count: inBuf.size - inBuf.pos), dictionary)
                }
            } else {
                atFrameStart = false
            }
            if outBuf.pos == outBuf.size || inBuf.pos == inBuf.size { break }
        }
        input = input.dropping(inBuf.pos)
        output = output.dropping(outBuf.pos)
        return lastHint == 0 && input.count == 0
    }
}

/// The compressed size of the first magicless frame, or an error code.
private func ZSTD_findFrameCompressedSize_magicless(_ input: InputWindow) -> Int {
    // libzstd has no public magicless variant of ZSTD_findFrameCompressedSize; decode the
    // header and walk the block headers by hand.
    guard let base = input.baseAddress else { return -1 }
    var header = ZSTD_frameHeader()
    guard ZSTD_getFrameHeader_advanced(&header, base, input.count, ZSTD_f_zstd1_magicless) == 0 else { return -1 }
    var pos = Int(header.headerSize)
    let bytes = input
    while true {
        guard pos + 3 <= bytes.count else { return -1 }
        let bh = UInt32(bytes[pos]) | UInt32(bytes[pos + 1]) << 8 | UInt32(bytes[pos + 2]) << 16
        pos += 3
        let last = bh & 1
        let type = (bh >> 1) & 3
        let size = Int(bh >> 3)
        switch type {
        case 0, 2: pos += size
        case 1: pos += 1
        default: return -1
        }
        if last == 1 { break }
    }
    if header.checksumFlag != 0 { pos += 4 }
    return pos <= bytes.count ? pos : -1
}
