import Testing
import LogLabCore
@testable import LogLabCodecs

/// Hostile inputs: every decoder must throw or return, never crash or hang.
@Suite struct FuzzTests {
    @Test(arguments: CodecFamily.allCases)
    func randomAndMutatedInputsNeverCrash(family: CodecFamily) throws {
        let spec = try CodecSpec(family: family, level: family == .brotli ? 5 : nil)
        let valid = try Compressor(spec).compress(TestData.jsonLines(approximateBytes: 4000, seed: 31))
        var rng = TestData.Rng(seed: UInt64(family.rawValue.count) * 77)
        let d = try Decompressor(spec)
        d.maxOutputSize = 1 << 24
        var rejected = 0
        for i in 0..<300 {
            var input: [UInt8]
            switch i % 3 {
            case 0: input = TestData.random(rng.below(200), seed: rng.next())
            case 1:
                input = valid
                for _ in 0..<(1 + rng.below(4)) { input[rng.below(input.count)] = UInt8(rng.below(256)) }
            default:
                // Valid header, random tail; or a prefix of the valid stream.
                input = Array(valid.prefix(rng.below(valid.count)))
                if rng.below(2) == 0 { input += TestData.random(rng.below(64), seed: rng.next()) }
            }
            do { _ = try d.decompress(input) } catch is CodecError { rejected += 1 }
            let s = try StreamDecompressor(family)
            s.maxOutputSize = 1 << 24
            do {
                try s.write(input) { _ in }
                try s.finish { _ in }
            } catch is CodecError {}
        }
        #expect(rejected > 150)
    }

    /// Every strict prefix of a valid stream is reported as an error (truncation).
    @Test(arguments: ["gzip:6", "xz:6", "brotli:5", "zstd:3"])
    func everyPrefixIsRejected(spec: String) throws {
        let s = try CodecSpec(parsing: spec)
        let packed = try Compressor(s).compress(TestData.jsonLines(approximateBytes: 3000, seed: 2))
        let d = try Decompressor(s)
        for cut in 0..<packed.count {
            #expect(throws: CodecError.self, "\(spec) prefix \(cut)/\(packed.count)") { try d.decompress(Array(packed.prefix(cut))) }
        }
    }
}
