import Testing
import LogLabCore
@testable import LogLabCodecs

@Suite struct StreamingTests {
    /// Compressible but not trivial: JSON lines with random fields, repeated with variations.
    static func bigBuffer(_ size: Int) -> [UInt8] {
        let block = TestData.jsonLines(approximateBytes: 1 << 20, seed: 11)
        var out = [UInt8]()
        out.reserveCapacity(size)
        var rng = TestData.Rng(seed: 5)
        while out.count < size {
            let n = min(block.count, size - out.count)
            let start = out.count
            out.append(contentsOf: block[0..<n])
            // Sprinkle changes so later copies are not byte-identical.
            for _ in 0..<64 { out[start + rng.below(n)] = UInt8(0x30 + rng.below(10)) }
        }
        return out
    }

    /// Over 64 MB through the streaming API, in uneven chunks, decoded in other chunks.
    @Test(arguments: ["zstd:1", "gzip:1"])
    func largeBufferStreams(spec: String) throws {
        let s = try CodecSpec(parsing: spec)
        let input = Self.bigBuffer(65 << 20)
        var compressed = [UInt8]()
        let c = try StreamCompressor(s)
        var pos = 0
        var step = 1
        try input.withUnsafeBytes { all in
            while pos < all.count {
                let n = min(all.count - pos, 700_001 * step % 3_000_000 + 1)
                try c.write(UnsafeRawBufferPointer(rebasing: all[pos..<(pos + n)])) { compressed.append(contentsOf: $0) }
                pos += n
                step += 1
            }
        }
        try c.finish { compressed.append(contentsOf: $0) }
        #expect(compressed.count < input.count / 4)

        let d = try StreamDecompressor(s.family)
        var restored = [UInt8]()
        restored.reserveCapacity(input.count)
        var maxChunk = 0
        try compressed.withUnsafeBytes { all in
            var p = 0
            while p < all.count {
                let n = min(all.count - p, 99_991)
                try d.write(UnsafeRawBufferPointer(rebasing: all[p..<(p + n)])) {
                    maxChunk = max(maxChunk, $0.count)
                    restored.append(contentsOf: $0)
                }
                p += n
            }
        }
        try d.finish { restored.append(contentsOf: $0) }
        #expect(restored.count == input.count)
        #expect(restored == input)
        #expect(maxChunk <= d.chunkSize, "output arrives in bounded chunks")
    }

    @Test(arguments: ["gzip:6", "xz:3", "brotli:5", "zstd:3", "zstd:3:check", "zstd:19:long27"])
    func streamsMatchOneShotAndReferenceFormat(spec: String) throws {
        let s = try CodecSpec(parsing: spec)
        let input = TestData.jsonLines(approximateBytes: 300_000)
        var compressed = [UInt8]()
        let c = try StreamCompressor(s, chunkSize: 4096)
        for chunk in stride(from: 0, to: input.count, by: 10_000) {
            try c.write(Array(input[chunk..<min(chunk + 10_000, input.count)])) { compressed.append(contentsOf: $0) }
        }
        try c.finish { compressed.append(contentsOf: $0) }
        // The one-shot decoder reads what the stream encoder wrote...
        #expect(try Decompressor(s).decompress(compressed) == input)
        // ...and the stream decoder reads what the one-shot encoder wrote, byte by byte.
        let oneShot = try Compressor(s).compress(input)
        let d = try StreamDecompressor(s.family, chunkSize: 1000)
        var restored = [UInt8]()
        for b in oneShot { try d.write([b]) { restored.append(contentsOf: $0) } }
        try d.finish { restored.append(contentsOf: $0) }
        #expect(restored == input)
    }

    @Test(arguments: CodecFamily.allCases)
    func streamFinishDetectsTruncation(family: CodecFamily) throws {
        let s = try CodecSpec(family: family)
        let input = TestData.jsonLines(approximateBytes: 50_000)
        let packed = try Compressor(s).compress(input)
        let d = try StreamDecompressor(family)
        var restored = [UInt8]()
        try d.write(Array(packed.prefix(packed.count / 2))) { restored.append(contentsOf: $0) }
        #expect(throws: CodecError.self) { try d.finish { restored.append(contentsOf: $0) } }
        // Empty input is not a stream either.
        let e = try StreamDecompressor(family)
        #expect(throws: CodecError.self) { try e.finish { _ in } }
    }

    @Test func concatenatedStreamsDecodeAsOne() throws {
        for spec in ["gzip:6", "xz:1", "zstd:3"] {
            let s = try CodecSpec(parsing: spec)
            let a = Array("first part\n".utf8), b = Array("second part\n".utf8)
            let c = try Compressor(s)
            let both = try c.compress(a) + c.compress(b)
            #expect(try Decompressor(s).decompress(both) == a + b, "\(spec)")
        }
    }
}
