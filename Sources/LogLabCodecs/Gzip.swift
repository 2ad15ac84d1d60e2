import CZlib
import Foundation

// gzip format (RFC 1952) through zlib: deflateInit2/inflateInit2 with windowBits 31
// (15-bit window + gzip wrapper). One z_stream per engine, reset between streams.

private let zlibChunkLimit = 1 << 30   // avail_in/avail_out are 32-bit

final class GzipEncoder: EncoderEngine {
    let family = CodecFamily.gzip
    private let stream: UnsafeMutablePointer<z_stream>

    init(level: Int) throws {
        stream = .allocate(capacity: 1)
        stream.initialize(to: z_stream())
        let rc = loglab_deflateInit2(stream, Int32(level), Z_DEFLATED, 31, 8, Z_DEFAULT_STRATEGY)
        guard rc == Z_OK else {
            stream.deallocate()
            throw CodecError.library(.gzip, "deflateInit2 failed (\(rc))")
        }
    }

    deinit {
        deflateEnd(stream)
        stream.deallocate()
    }

    func reset() throws {
        guard deflateReset(stream) == Z_OK else { throw CodecError.library(.gzip, "deflateReset failed") }
    }

    func maxCompressedSize(_ n: Int) -> Int {
        // zlib's conservative deflateBound (valid for any level and memLevel) plus the
        // 18-byte gzip header and trailer. deflateBound itself is not used: it reads the
        // stream state, which differs between streams.
        n + ((n + 7) >> 3) + ((n + 63) >> 6) + 5 + 18
    }

    func step(_ input: inout InputWindow, _ output: inout OutputWindow, finishing: Bool) throws -> Bool {
        while true {
            let inN = min(input.count, zlibChunkLimit)
            let outN = min(output.count, zlibChunkLimit)
            let lastInput = inN == input.count
            stream.pointee.next_in = UnsafeMutablePointer(mutating: nonNullBase(input).assumingMemoryBound(to: Bytef.self))
            stream.pointee.avail_in = UInt32(inN)
            stream.pointee.next_out = nonNullBase(output).assumingMemoryBound(to: Bytef.self)
            stream.pointee.avail_out = UInt32(outN)
            let rc = deflate(stream, finishing && lastInput ? Z_FINISH : Z_NO_FLUSH)
            let consumed = inN - Int(stream.pointee.avail_in)
            let produced = outN - Int(stream.pointee.avail_out)
            input = input.dropping(consumed)
            output = output.dropping(produced)
            switch rc {
            case Z_STREAM_END: return true
            case Z_OK, Z_BUF_ERROR: break
            default: throw CodecError.library(.gzip, "deflate failed (\(rc))")
            }
            if output.count == 0 { return false }
            if input.count == 0 && !finishing { return false }
            if consumed == 0 && produced == 0 && rc == Z_BUF_ERROR { return false }
        }
    }
}

final class GzipDecoder: DecoderEngine {
    let family = CodecFamily.gzip
    private let stream: UnsafeMutablePointer<z_stream>
    /// A member ended; the next byte must start another member (gzip allows concatenation).
    private var memberEnded = false
    private var membersDone = 0

    init() throws {
        stream = .allocate(capacity: 1)
        stream.initialize(to: z_stream())
        let rc = loglab_inflateInit2(stream, 31)
        guard rc == Z_OK else {
            stream.deallocate()
            throw CodecError.library(.gzip, "inflateInit2 failed (\(rc))")
        }
    }

    deinit {
        inflateEnd(stream)
        stream.deallocate()
    }

    func reset() throws {
        guard inflateReset(stream) == Z_OK else { throw CodecError.library(.gzip, "inflateReset failed") }
        memberEnded = false
        membersDone = 0
    }

    func step(_ input: inout InputWindow, _ output: inout OutputWindow, finishing: Bool) throws -> Bool {
        while true {
            if memberEnded {
                if input.count == 0 { return true }
                if input.load(as: UInt8.self) != 0x1F {
                    throw CodecError.corruptInput(.gzip, "trailing data after the last gzip member")
                }
                guard inflateReset(stream) == Z_OK else { throw CodecError.library(.gzip, "inflateReset failed") }
                memberEnded = false
            }
            let inN = min(input.count, zlibChunkLimit)
            let outN = min(output.count, zlibChunkLimit)
            stream.pointee.next_in = UnsafeMutablePointer(mutating: nonNullBase(input).assumingMemoryBound(to: Bytef.self))
            stream.pointee.avail_in = UInt32(inN)
            stream.pointee.next_out = nonNullBase(output).assumingMemoryBound(to: Bytef.self)
            stream.pointee.avail_out = UInt32(outN)
            let rc = inflate(stream, Z_NO_FLUSH)
            let consumed = inN - Int(stream.pointee.avail_in)
            let produced = outN - Int(stream.pointee.avail_out)
            input = input.dropping(consumed)
            output = output.dropping(produced)
            switch rc {
            case Z_STREAM_END:
                memberEnded = true
                membersDone += 1
                continue
            case Z_OK, Z_BUF_ERROR:
                break
            case Z_DATA_ERROR:
                let msg = stream.pointee.msg.map { String(cString: $0) } ?? "invalid data"
                if membersDone > 0 && stream.pointee.total_out == 0 {
                    throw CodecError.corruptInput(.gzip, "trailing data after the last gzip member (\(msg))")
                }
                throw CodecError.corruptInput(.gzip, msg)
            case Z_NEED_DICT:
                throw CodecError.corruptInput(.gzip, "the stream asks for a preset dictionary")
            case Z_MEM_ERROR:
                throw CodecError.library(.gzip, "out of memory")
            default:
                throw CodecError.library(.gzip, "inflate failed (\(rc))")
            }
            if output.count == 0 || input.count == 0 { return false }
            if consumed == 0 && produced == 0 { return false }
        }
    }
}
