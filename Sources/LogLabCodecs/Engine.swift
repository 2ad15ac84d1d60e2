import LogLabCore

// The internal shape every codec family implements: a step function in the manner of
// zlib/zstd streaming (consume some input, produce some output), and drivers that turn it
// into one-shot (fixed or growing output) and streaming (sink) operations.

typealias InputWindow = UnsafeRawBufferPointer
typealias OutputWindow = UnsafeMutableRawBufferPointer

extension UnsafeRawBufferPointer {
    @inline(__always) func dropping(_ n: Int) -> UnsafeRawBufferPointer {
        n == 0 ? self : UnsafeRawBufferPointer(start: baseAddress.map { $0 + n }, count: count - n)
    }
}

extension UnsafeMutableRawBufferPointer {
    @inline(__always) func dropping(_ n: Int) -> UnsafeMutableRawBufferPointer {
        n == 0 ? self : UnsafeMutableRawBufferPointer(start: baseAddress.map { $0 + n }, count: count - n)
    }
}

/// A one-byte scratch that stands in for the address of an empty buffer (C libraries
/// reject NULL output pointers even with zero capacity).
nonisolated(unsafe) let emptyBufferScratch = UnsafeMutableRawPointer.allocate(byteCount: 16, alignment: 16)

@inline(__always) func nonNullBase(_ b: UnsafeRawBufferPointer) -> UnsafeRawPointer {
    b.baseAddress ?? UnsafeRawPointer(emptyBufferScratch)
}

@inline(__always) func nonNullBase(_ b: UnsafeMutableRawBufferPointer) -> UnsafeMutableRawPointer {
    b.baseAddress ?? emptyBufferScratch
}

protocol EncoderEngine: AnyObject {
    var family: CodecFamily { get }
    /// Starts a new stream (frame, member).
    func reset() throws
    /// Consumes input and writes output; with `finishing`, the input is the last and the
    /// engine ends the stream. Returns true once the stream is finished and fully flushed.
    func step(_ input: inout InputWindow, _ output: inout OutputWindow, finishing: Bool) throws -> Bool
    /// An upper bound of the compressed size of `n` bytes in one stream.
    func maxCompressedSize(_ n: Int) -> Int
    /// Compresses all of `input` as one stream into `output`; returns the bytes written.
    func compressOneShot(_ input: InputWindow, into output: OutputWindow) throws -> Int
}

extension EncoderEngine {
    func compressOneShot(_ input: InputWindow, into output: OutputWindow) throws -> Int {
        try reset()
        var inp = input
        var out = output
        while true {
            let done = try step(&inp, &out, finishing: true)
            if done { return output.count - out.count }
            if out.count == 0 { throw CodecError.outputBufferTooSmall(family, capacity: output.count) }
        }
    }
}

protocol DecoderEngine: AnyObject {
    var family: CodecFamily { get }
    /// Starts decoding a new input.
    func reset() throws
    /// Consumes input and writes output. Returns true when the input seen so far ends at a
    /// complete stream (frame, member) with all output flushed. `finishing` says no input
    /// follows the current window.
    func step(_ input: inout InputWindow, _ output: inout OutputWindow, finishing: Bool) throws -> Bool
    /// The decoded size when the format records it (zstd), else nil.
    func declaredSize(_ input: InputWindow) throws -> Int?
    /// Decodes `input` into exactly sized `output` (fast path where the library has one).
    func decompressOneShot(_ input: InputWindow, into output: OutputWindow) throws -> Int
}

extension DecoderEngine {
    func declaredSize(_ input: InputWindow) throws -> Int? { nil }

    func decompressOneShot(_ input: InputWindow, into output: OutputWindow) throws -> Int {
        try reset()
        var inp = input
        var out = output
        var stalls = 0
        while true {
            let (inBefore, outBefore) = (inp.count, out.count)
            let ended: Bool
            if out.count == 0 {
                // Output full: probe with a scratch byte to tell "done" from "more to come".
                var probe = UnsafeMutableRawBufferPointer(start: emptyBufferScratch, count: 1)
                ended = try step(&inp, &probe, finishing: true)
                if probe.count == 0 { throw CodecError.outputBufferTooSmall(family, capacity: output.count) }
            } else {
                ended = try step(&inp, &out, finishing: true)
            }
            if ended && inp.count == 0 { return output.count - out.count }
            if inp.count == 0 && (out.count > 0 || inBefore == 0) {
                throw CodecError.truncatedInput(family, truncationDetail(input))
            }
            if inp.count == inBefore && out.count == outBefore {
                stalls += 1
                if stalls > 2 { throw CodecError.corruptInput(family, "the decoder makes no progress") }
            } else {
                stalls = 0
            }
        }
    }
}

func truncationDetail(_ input: InputWindow) -> String {
    input.count == 0 ? "the input is empty" : "the input ends inside a stream (after \(input.count) bytes)"
}

/// Growing output with a hard limit, for outputs whose size is not known in advance.
final class GrowableBuffer {
    private(set) var base: UnsafeMutableRawPointer?
    private(set) var capacity = 0
    var count = 0
    let limit: Int
    let family: CodecFamily

    init(initialCapacity: Int, limit: Int, family: CodecFamily) {
        self.limit = limit
        self.family = family
        let cap = Swift.max(64, Swift.min(initialCapacity, limit))
        base = malloc(cap)
        capacity = base == nil ? 0 : cap
    }

    deinit { free(base) }

    /// Free space after `count`, growing (doubling, up to the limit) when it is smaller than `minimum`.
    func spare(minimum: Int = 64 << 10) throws -> OutputWindow {
        if capacity - count < minimum {
            if capacity >= limit {
                if capacity > count { return OutputWindow(start: base.map { $0 + count }, count: capacity - count) }
                throw CodecError.outputLimitExceeded(family, limit: limit)
            }
            let newCap = Swift.min(limit, Swift.max(capacity * 2, count + minimum))
            guard let p = realloc(base, newCap) else {
                throw CodecError.library(family, "out of memory growing the output to \(newCap) bytes")
            }
            base = p
            capacity = newCap
        }
        return OutputWindow(start: base.map { $0 + count }, count: capacity - count)
    }

    func toArray() -> [UInt8] {
        [UInt8](unsafeUninitializedCapacity: count) { buf, n in
            if count > 0, let b = base, let d = buf.baseAddress { memcpy(d, b, count) }
            n = count
        }
    }
}

extension DecoderEngine {
    /// Decodes the whole input into a growing buffer bounded by `limit`.
    func decompressGrowing(_ input: InputWindow, initialCapacity: Int, limit: Int) throws -> [UInt8] {
        try reset()
        let buffer = GrowableBuffer(initialCapacity: initialCapacity, limit: limit, family: family)
        var inp = input
        var stalls = 0
        while true {
            var out = try buffer.spare()
            let room = out.count
            let inBefore = inp.count
            let ended = try step(&inp, &out, finishing: true)
            buffer.count += room - out.count
            if ended && inp.count == 0 { return buffer.toArray() }
            if inp.count == 0 && out.count > 0 {
                throw CodecError.truncatedInput(family, truncationDetail(input))
            }
            if inp.count == inBefore && out.count == room {
                stalls += 1
                if stalls > 2 { throw CodecError.corruptInput(family, "the decoder makes no progress") }
            } else {
                stalls = 0
            }
        }
    }
}

import Foundation
