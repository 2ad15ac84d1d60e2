import Foundation
import Testing
import LogLabCore
@testable import LogLabCodecs

@Suite struct CodecSpecTests {
    @Test(arguments: [
        ("gzip:6", "gzip:6"), ("xz:6", "xz:6"), ("xz:9e", "xz:9e"), ("XZ:9E", "xz:9e"), ("brotli:11", "brotli:11"),
        ("brotli:11:w24", "brotli:11:w24"), ("zstd:3", "zstd:3"), ("zstd:19", "zstd:19"), ("zstd:-5", "zstd:-5"),
        ("zstd:22:long27", "zstd:22:long27"), ("zstd:3:long", "zstd:3:long27"), ("zstd", "zstd:3"), ("gzip", "gzip:6"),
        ("zstd:3:magicless:check", "zstd:3:check:magicless"), ("xz:3:crc32", "xz:3:crc32"), ("xz:3:crc64", "xz:3"),
        (" zstd:1 ", "zstd:1"),
    ])
    func canonicalSpelling(text: String, canonical: String) throws {
        let spec = try CodecSpec(parsing: text)
        #expect(spec.description == canonical)
        #expect(try CodecSpec(parsing: spec.description) == spec)
        let json = try JSONEncoder().encode([spec])
        #expect(String(decoding: json, as: UTF8.self) == "[\"\(canonical)\"]")
        #expect(try JSONDecoder().decode([CodecSpec].self, from: json) == [spec])
    }

    @Test func fieldsAndExtensions() throws {
        let s = try CodecSpec(parsing: "xz:9e:crc32")
        #expect(s.family == .xz && s.level == 9 && s.extreme && s.xzCheck == .crc32 && s.fileExtension == "xz")
        let z = try CodecSpec(parsing: "zstd:-7:long31:check")
        #expect(z.level == -7 && z.window == 31 && z.checksum && !z.magicless)
        #expect(try CodecSpec(parsing: "brotli:4:w10").window == 10)
        #expect(CodecFamily.allCases.map(\.fileExtension) == ["gz", "xz", "br", "zst"])
        #expect(CodecDetection.family(forPath: "a/b.jsonl.zst") == .zstd)
        #expect(CodecDetection.family(forPath: "x.gz") == .gzip)
        #expect(CodecDetection.family(forPath: "x.br") == .brotli)
        #expect(CodecDetection.family(forPath: "x.d/file") == nil)
        for spec in ["gzip:6", "xz:6", "zstd:3", "zstd:3:check"] {
            let s = try CodecSpec(parsing: spec)
            let packed = try Compressor(s).compress(Array("abc".utf8))
            #expect(CodecDetection.family(magic: packed[...]) == s.family)
        }
        #expect(CodecDetection.family(magic: [0x7B, 0x22][...]) == nil)
    }

    @Test(arguments: [
        "", "lz4:1", "gzip:0", "gzip:10", "xz:10", "xz:-1", "brotli:12", "zstd:23", "zstd:-8", "zstd:3:long9",
        "zstd:3:long32", "brotli:11:w25", "brotli:11:w9", "gzip:6:check", "zstd:3e", "gzip:6e", "zstd:3:fast",
        "zstd:abc", "zstd:3:check:check", "brotli:5:long27", "xz:6:w20", "zstd:3:", "zstd::3",
    ])
    func rejectsBadSpellings(text: String) {
        #expect(throws: CodecError.self) { try CodecSpec(parsing: text) }
        do {
            _ = try CodecSpec(parsing: text)
        } catch {
            #expect(!String(describing: error).isEmpty && !String(describing: error).contains("\n"))
        }
    }
}

@Suite struct TrainingTests {
    static let records = TestData.records(4000, seed: 23)

    @Test func fastcoverDefaultIsDeterministicAndHelps() throws {
        let train = Self.records.slice(0..<3000)
        let options = DictionaryTrainingOptions(size: 16 << 10)
        let a = try DictionaryTrainer.train(samples: train, options: options)
        let b = try DictionaryTrainer.train(samples: train, options: options)
        #expect(a.dictionary.bytes == b.dictionary.bytes)
        #expect(a.dictionary.id == b.dictionary.id)
        #expect(a.dictionary.id >= 32_768 && a.dictionary.id < 1 << 31, "derived id in the non-reserved range")
        #expect(a.k > 0 && a.d == 8)
        #expect(a.actualSize == a.dictionary.bytes.count && a.actualSize <= 16 << 10 && a.actualSize > 1000)
        #expect(a.sampleCount == 3000)
        // It helps on held-out records.
        let s = try CodecSpec(parsing: "zstd:3")
        let withDict = try Compressor(s, dictionary: a.dictionary)
        let without = try Compressor(s)
        var sizeWith = 0, sizeWithout = 0
        for i in 3000..<3200 {
            sizeWith += try Self.records.withRecord(i) { try withDict.compress($0).count }
            sizeWithout += try Self.records.withRecord(i) { try without.compress($0).count }
        }
        #expect(Double(sizeWithout) / Double(sizeWith) > 1.5)
    }

    @Test(arguments: DictionaryTrainingOptions.Algorithm.allCases)
    func everyAlgorithmWithFixedAndSearchedParameters(algorithm: DictionaryTrainingOptions.Algorithm) throws {
        let train = Self.records.slice(0..<1500)
        let fixed = try DictionaryTrainer.train(samples: train, options: .init(algorithm: algorithm, size: 8192, k: 256, d: 6, dictID: 123_456))
        #expect(fixed.dictionary.id == 123_456)
        #expect(fixed.algorithm == algorithm)
        if algorithm != .legacy {
            #expect(fixed.k == 256 && fixed.d == 6)
            let searched = try DictionaryTrainer.train(samples: train, options: .init(algorithm: algorithm, size: 8192, d: nil, steps: 2, accel: 4))
            #expect(searched.k > 0 && [6, 8].contains(searched.d))
        }
        let rec = Array(Self.records[3500])
        let s = try CodecSpec(parsing: "zstd:3")
        #expect(try Decompressor(s, dictionary: fixed.dictionary).decompress(Compressor(s, dictionary: fixed.dictionary).compress(rec)) == rec)
    }

    @Test func badTrainingSetsGiveClearErrors() throws {
        // Empty.
        #expect(throws: CodecError.self) { try DictionaryTrainer.train(samples: RecordBatch(), options: .init()) }
        // Too few samples.
        let four = Self.records.slice(0..<4)
        do {
            _ = try DictionaryTrainer.train(samples: four, options: .init(size: 256))
            Issue.record("trained on 4 samples")
        } catch let e as CodecError {
            #expect(e.description.contains("too few samples"))
        }
        // Tiny samples (below 8 bytes each).
        let tiny = RecordBatch((0..<1000).map { Array("x\($0 % 10)".utf8) })
        #expect(throws: CodecError.self) { try DictionaryTrainer.train(samples: tiny, options: .init(size: 256)) }
        // Requested size larger than the data.
        let small = Self.records.slice(0..<20)
        do {
            _ = try DictionaryTrainer.train(samples: small, options: .init(size: 64 << 10))
            Issue.record("trained a 64 KiB dictionary on \(small.totalBytes) bytes")
        } catch let e as CodecError {
            #expect(e.description.contains("less than the requested dictionary size"))
        }
        // Out-of-range parameters.
        for bad in [DictionaryTrainingOptions(size: 100), .init(size: 2 << 20), .init(k: 4), .init(d: 3), .init(accel: 11),
                    .init(split: 0), .init(dictID: 0)] {
            #expect(throws: CodecError.self) { try DictionaryTrainer.train(samples: Self.records, options: bad) }
        }
    }

    @Test func weakSetsTrainWithNotes() throws {
        // Few, small samples: trains (or fails cleanly) but never crashes; notes say why it is weak.
        let few = Self.records.slice(0..<12)
        let notes = try DictionaryTrainer.validate(samples: few, options: .init(size: 1024))
        #expect(notes.contains { $0.contains("100×") })
        #expect(notes.contains { $0.contains("samples; zstd advises") })
        do {
            let t = try DictionaryTrainer.train(samples: few, options: .init(size: 1024))
            #expect(t.actualSize <= 1024)
        } catch let e as CodecError {
            #expect(e.description.hasPrefix("dictionary training:"))
        }
        var big = RecordBatch()
        for i in 0..<6 { big.append(TestData.jsonLines(approximateBytes: 140 << 10, seed: UInt64(i + 1))) }
        let bigNotes = try DictionaryTrainer.validate(samples: big, options: .init(size: 4096))
        #expect(bigNotes.contains { $0.contains("128 KiB") })
    }
}
