import Testing
import LogLabCore
@testable import LogLabCodecs

private let specs: [String] = [
    "gzip:1", "gzip:6", "gzip:9",
    "xz:0", "xz:6", "xz:1e", "xz:3:crc32", "xz:1:nocheck",
    "brotli:0", "brotli:5", "brotli:11:w18",
    "zstd:-7", "zstd:-1", "zstd:1", "zstd:3", "zstd:9", "zstd:19", "zstd:3:check", "zstd:3:magicless",
    "zstd:3:long27", "zstd:3:check:magicless",
]

private let smallInputs: [(String, [UInt8])] = [
    ("empty", []),
    ("one byte", [0x41]),
    ("random 100 KB", TestData.random(100_000)),
    ("json 64 KB", TestData.jsonLines(approximateBytes: 65_536)),
]

@Suite struct RoundTripTests {
    @Test(arguments: specs)
    func roundTripSmallInputs(spec: String) throws {
        let s = try CodecSpec(parsing: spec)
        let c = try Compressor(s)
        let d = try Decompressor(s)
        for (name, input) in smallInputs {
            let packed = try c.compress(input)
            #expect(packed.count <= c.maxCompressedSize(input.count), "\(spec) \(name)")
            let restored = try d.decompress(packed)
            #expect(restored == input, "\(spec) \(name)")
            let exact = try d.decompress(packed, originalSize: input.count)
            #expect(exact == input, "\(spec) \(name) with originalSize")
        }
    }

    /// ~1 MB of JSON lines through every family at a fast, a default and a strong level.
    @Test(arguments: ["gzip:1", "gzip:6", "xz:1", "xz:6", "brotli:1", "brotli:9", "zstd:-3", "zstd:3", "zstd:12"])
    func roundTripOneMegabyteOfJSON(spec: String) throws {
        let input = TestData.jsonLines(approximateBytes: 1_000_000)
        let s = try CodecSpec(parsing: spec)
        let packed = try Compressor(s).compress(input)
        #expect(packed.count < input.count / 3, "\(spec) should compress JSON lines at least 3×")
        #expect(try Decompressor(s).decompress(packed) == input)
        #expect(try Decompressor(s.family).decompress(packed) == input || s.magicless)
    }

    @Test func reusedContextsGiveIndependentFrames() throws {
        let records = TestData.records(500)
        let dict = try ZstdDictionary(bytes: Array(records.bytes.prefix(4096)))
        let s = try CodecSpec(parsing: "zstd:3")
        let c = try Compressor(s, dictionary: dict)
        let d = try Decompressor(s, dictionary: dict)
        var frames: [[UInt8]] = []
        for i in 0..<records.count { frames.append(try records.withRecord(i) { try c.compress($0) }) }
        // Decode in reverse order: each frame must stand alone.
        for i in (0..<records.count).reversed() {
            #expect(try d.decompress(frames[i], originalSize: records[i].count) == Array(records[i]))
        }
        // Same input, same context: same bytes.
        #expect(try records.withRecord(3) { try c.compress($0) } == frames[3])
    }

    @Test func appendingAndIntoVariants() throws {
        let input = TestData.jsonLines(approximateBytes: 10_000)
        for spec in ["gzip:6", "xz:1", "brotli:4", "zstd:3"] {
            let s = try CodecSpec(parsing: spec)
            let c = try Compressor(s)
            var out: [UInt8] = [9, 9]
            let n = try input.withUnsafeBytes { try c.compress($0, appendingTo: &out) }
            #expect(out.count == n + 2 && out[0] == 9)
            let d = try Decompressor(s)
            var restored = [UInt8](repeating: 0, count: input.count)
            let m = try out[2...].withUnsafeBytes { src in
                try restored.withUnsafeMutableBytes { try d.decompress(src, into: $0) }
            }
            #expect(m == input.count && restored == input, "\(spec)")
            // One byte short: a clear error, not a crash or silent truncation.
            var short = [UInt8](repeating: 0, count: input.count - 1)
            #expect(throws: CodecError.self) {
                try out[2...].withUnsafeBytes { src in try short.withUnsafeMutableBytes { try d.decompress(src, into: $0) } }
            }
        }
    }
}
