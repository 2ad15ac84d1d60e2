import Testing
import LogLabCore
@testable import LogLabCodecs

@Suite struct ErrorTests {
    static let input = TestData.jsonLines(approximateBytes: 100_000, seed: 13)

    @Test(arguments: ["gzip:6", "xz:6", "brotli:9", "zstd:3", "zstd:3:check"])
    func truncatedInputIsReported(spec: String) throws {
        let s = try CodecSpec(parsing: spec)
        let packed = try Compressor(s).compress(Self.input)
        let d = try Decompressor(s)
        for cut in [1, packed.count / 3, packed.count - 1] {
            #expect(throws: CodecError.self, "\(spec) cut at \(cut)") { try d.decompress(Array(packed.prefix(cut))) }
            #expect(throws: CodecError.self) { try d.decompress(Array(packed.prefix(cut)), originalSize: Self.input.count) }
        }
        do {
            _ = try d.decompress(Array(packed.dropLast()))
            Issue.record("no error")
        } catch let e as CodecError {
            #expect(e.description.hasPrefix(s.family.rawValue + ":"), "\(e)")
            #expect(!e.description.contains("\n"))
        }
        #expect(throws: CodecError.self) { try d.decompress([]) }
    }

    /// gzip (CRC-32), xz (CRC-64) and zstd with `check` carry a checksum of the content, so
    /// every flipped byte is caught. Brotli has none: a flip is caught only when it breaks
    /// the bit stream, so for brotli the test asserts only "an error or a wrong output,
    /// never a crash".
    @Test(arguments: ["gzip:6", "xz:6", "brotli:9", "zstd:3:check"])
    func corruptInputIsReported(spec: String) throws {
        let s = try CodecSpec(parsing: spec)
        let packed = try Compressor(s).compress(Self.input)
        let d = try Decompressor(s)
        var rng = TestData.Rng(seed: 99)
        var detected = 0
        for _ in 0..<20 {
            var bad = packed
            let at = packed.count / 4 + rng.below(packed.count / 2)
            bad[at] ^= UInt8(1 + rng.below(255))
            do {
                let out = try d.decompress(bad)
                if out != Self.input && s.family != .brotli { Issue.record("\(spec): corruption at \(at) went unnoticed") }
            } catch is CodecError {
                detected += 1
            }
        }
        if s.family == .brotli {
            #expect(detected > 0)
        } else {
            #expect(detected == 20, "\(spec): every flipped byte is caught")
        }
        // Not this format at all.
        #expect(throws: CodecError.self) { try d.decompress(Array("hello, this is not compressed at all".utf8)) }
    }

    @Test(arguments: ["gzip:6", "xz:6", "brotli:9", "zstd:3"])
    func trailingGarbageIsReported(spec: String) throws {
        let s = try CodecSpec(parsing: spec)
        let packed = try Compressor(s).compress(Self.input)
        let d = try Decompressor(s)
        for garbage in [[UInt8](arrayLiteral: 0x00), Array("garbage after the end".utf8)] {
            #expect(throws: CodecError.self, "\(spec)") { try d.decompress(packed + garbage) }
            let sd = try StreamDecompressor(s.family)
            #expect(throws: CodecError.self) {
                try sd.write(packed + garbage) { _ in }
                try sd.finish { _ in }
            }
        }
    }

    @Test func dictionaryErrorsNameTheCause() throws {
        let records = TestData.records(1000, seed: 17)
        let d1 = try DictionaryTrainer.train(samples: records.slice(0..<500), options: .init(size: 4096, k: 100, d: 8, dictID: 40_001)).dictionary
        let d2 = try DictionaryTrainer.train(samples: records.slice(500..<1000), options: .init(size: 4096, k: 100, d: 8, dictID: 40_002)).dictionary
        #expect(d1.id == 40_001 && d2.id == 40_002)
        let s = try CodecSpec(parsing: "zstd:3")
        let frame = try Compressor(s, dictionary: d1).compress(Array(records[3]))
        #expect(throws: CodecError.missingDictionary(40_001)) { try Decompressor(s).decompress(frame) }
        #expect(throws: CodecError.wrongDictionary(frame: 40_001, given: 40_002)) {
            try Decompressor(s, dictionary: d2).decompress(frame)
        }
        let sd = try StreamDecompressor(.zstd)
        #expect(throws: CodecError.missingDictionary(40_001)) { try sd.write(frame) { _ in } }
        #expect(CodecError.missingDictionary(40_001).description.contains("40001"))
        // Dictionaries are zstd's alone.
        #expect(throws: CodecError.self) { try Compressor(CodecSpec(parsing: "gzip:6"), dictionary: d1) }
        // Damaged .zdict and empty dictionary.
        var damaged = d1.bytes
        for i in 8..<64 { damaged[i] = 0xFF }
        #expect(throws: CodecError.self) { try ZstdDictionary(bytes: damaged) }
        #expect(throws: CodecError.self) { try ZstdDictionary(bytes: []) }
        // A raw-content dictionary has id 0 and round-trips.
        let raw = try ZstdDictionary(bytes: Array(records.bytes.prefix(2000)))
        #expect(raw.id == 0 && !raw.isStructured)
        let rf = try Compressor(s, dictionary: raw).compress(Array(records[900]))
        #expect(try Decompressor(s, dictionary: raw).decompress(rf) == Array(records[900]))
    }

    @Test func bombGuardAndExactSize() throws {
        let zeros = [UInt8](repeating: 0, count: 8 << 20)
        for spec in ["gzip:9", "xz:1", "brotli:5", "zstd:3"] {
            let s = try CodecSpec(parsing: spec)
            let packed = try Compressor(s).compress(zeros)
            let d = try Decompressor(s)
            d.maxOutputSize = 1 << 20
            #expect(throws: CodecError.outputLimitExceeded(s.family, limit: 1 << 20), "\(spec)") { try d.decompress(packed) }
            d.maxOutputSize = 1 << 30
            #expect(throws: CodecError.sizeMismatch(s.family, expected: 1000, actual: nil)) { try d.decompress(packed, originalSize: 1000) }
            #expect(throws: CodecError.sizeMismatch(s.family, expected: zeros.count + 5, actual: zeros.count)) {
                try d.decompress(packed, originalSize: zeros.count + 5)
            }
            #expect(try d.decompress(packed, originalSize: zeros.count) == zeros)
        }
    }
}

@Suite struct ReuseTests {
    /// The digested dictionary is built once per level and shared by every compressor.
    @Test func digestedDictionaryIsBuiltOncePerLevel() throws {
        let dict = try ZstdDictionary(bytes: Array(TestData.jsonLines(approximateBytes: 8192).prefix(8192)))
        let a = try dict.digestedCDict(level: 3)
        _ = try Compressor(CodecSpec(parsing: "zstd:3"), dictionary: dict)
        #expect(try dict.digestedCDict(level: 3) === a)
        #expect(try dict.digestedCDict(level: 19) !== a)
    }

    @Test func streamDecompressorHasABombGuard() throws {
        let packed = try Compressor(CodecSpec(parsing: "zstd:3")).compress([UInt8](repeating: 7, count: 4 << 20))
        let d = try StreamDecompressor(.zstd)
        d.maxOutputSize = 1 << 20
        #expect(throws: CodecError.outputLimitExceeded(.zstd, limit: 1 << 20)) {
            try d.write(packed) { _ in }
            try d.finish { _ in }
        }
    }

    @Test func editedSpecsAreCheckedAgain() throws {
        var spec = try CodecSpec(parsing: "gzip:6")
        spec.level = 42
        #expect(throws: CodecError.self) { try Compressor(spec) }
    }
}
