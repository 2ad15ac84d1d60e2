import Foundation
import Testing
import LogLabCore
@testable import LogLabCodecs

/// Interop with the reference command-line tools, both ways. Skipped when a tool is absent.
@Suite struct InteropTests {
    static let input = TestData.jsonLines(approximateBytes: 200_000, seed: 3)

    static let cases: [(spec: String, tool: String, decode: [String], encode: [String])] = [
        ("gzip:6", "gzip", ["-d", "-c"], ["-c", "-6"]),
        ("gzip:1", "gzip", ["-d", "-c"], ["-c", "-9"]),
        ("xz:6", "xz", ["-d", "-c"], ["-c", "-6"]),
        ("xz:2e:crc32", "xz", ["-d", "-c"], ["-c", "-2e", "--check=crc32"]),
        ("brotli:11:w20", "brotli", ["-d", "-c"], ["-c", "-q", "5"]),
        ("zstd:3", "zstd", ["-d", "-c", "-q"], ["-c", "-q", "-3"]),
        ("zstd:19:check", "zstd", ["-d", "-c", "-q"], ["-c", "-q", "-19", "--no-check"]),
        ("zstd:-5", "zstd", ["-d", "-c", "-q"], ["-c", "-q", "--fast=5"]),
        ("zstd:3:long27", "zstd", ["-d", "-c", "-q", "--long=27"], ["-c", "-q", "--long=27"]),
    ]

    @Test(arguments: 0..<cases.count)
    func referenceToolsReadLogLabAndBack(index: Int) throws {
        let c = Self.cases[index]
        guard let tool = TestData.tool(c.tool) else { return }
        let s = try CodecSpec(parsing: c.spec)
        // LogLab → tool
        let packed = try Compressor(s).compress(Self.input)
        let (status, out, err) = try TestData.run(tool, c.decode, input: packed)
        #expect(status == 0, "\(c.tool) \(c.decode) failed: \(err)")
        #expect(out == Self.input, "\(c.tool) decodes LogLab's \(c.spec)")
        // tool → LogLab (one-shot and streaming)
        let (status2, theirs, err2) = try TestData.run(tool, c.encode, input: Self.input)
        #expect(status2 == 0, "\(c.tool) \(c.encode) failed: \(err2)")
        #expect(try Decompressor(s).decompress(theirs) == Self.input)
        let d = try StreamDecompressor(s.family)
        var restored = [UInt8]()
        try d.write(theirs) { restored.append(contentsOf: $0) }
        try d.finish { restored.append(contentsOf: $0) }
        #expect(restored == Self.input)
    }

    @Test func dictionaryFramesWorkWithZstdCLI() throws {
        guard let zstd = TestData.tool("zstd") else { return }
        let records = TestData.records(3000, seed: 21)
        let trained = try DictionaryTrainer.train(samples: records.slice(0..<2500),
                                                  options: .init(size: 16 << 10, k: 200, d: 8))
        let dir = try TestData.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let dictPath = dir.appendingPathComponent("d.zdict").path
        try Files.writeAtomically(trained.dictionary.bytes, to: dictPath)
        let s = try CodecSpec(parsing: "zstd:3")
        let c = try Compressor(s, dictionary: trained.dictionary)
        let d = try Decompressor(s, dictionary: trained.dictionary)
        for i in [2500, 2600, 2999] {
            let record = Array(records[i])
            // LogLab frame with dictionary → zstd -D
            let frame = try c.compress(record)
            let (status, out, err) = try TestData.run(zstd, ["-d", "-c", "-q", "-D", dictPath], input: frame)
            #expect(status == 0, "zstd -D: \(err)")
            #expect(out == record)
            // zstd -D frame → LogLab
            let (status2, theirs, _) = try TestData.run(zstd, ["-c", "-q", "-3", "-D", dictPath], input: record)
            #expect(status2 == 0)
            #expect(try d.decompress(theirs) == record)
            // The dictionary helps small records.
            #expect(frame.count < (try Compressor(s).compress(record)).count)
        }
        // Without the dictionary, the zstd CLI refuses LogLab's frame.
        let frame = try c.compress(Array(records[2500]))
        let (status, _, _) = try TestData.run(zstd, ["-d", "-c", "-q"], input: frame)
        #expect(status != 0)
    }

    /// The zstd CLI's own trainer output loads as a LogLab dictionary with the same id.
    @Test func zstdTrainedDictionaryLoads() throws {
        guard let zstd = TestData.tool("zstd") else { return }
        let records = TestData.records(2000, seed: 5)
        let dir = try TestData.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        var paths: [String] = []
        for i in 0..<200 {
            let p = dir.appendingPathComponent("s\(i)").path
            try Files.writeAtomically(Array(records[i * 10]), to: p)
            paths.append(p)
        }
        let dictPath = dir.appendingPathComponent("cli.zdict").path
        let (status, _, err) = try TestData.run(zstd, ["--train", "-q", "--maxdict=4096", "--dictID=424242", "-o", dictPath] + paths)
        #expect(status == 0, "zstd --train: \(err)")
        let dict = try ZstdDictionary(contentsOfFile: dictPath)
        #expect(dict.id == 424242)
        #expect(dict.isStructured)
        let s = try CodecSpec(parsing: "zstd:3")
        let rec = Array(records[7])
        #expect(try Decompressor(s, dictionary: dict).decompress(try Compressor(s, dictionary: dict).compress(rec)) == rec)
    }

    @Test func magiclessFramesAreSmallerAndNotForTheCLI() throws {
        let records = TestData.records(400, seed: 9)
        let dict = try DictionaryTrainer.train(samples: records, options: .init(size: 4096, k: 100, d: 8)).dictionary
        let plain = try CodecSpec(parsing: "zstd:3")
        let magicless = try CodecSpec(parsing: "zstd:3:magicless")
        let record = Array(records[5])
        let a = try Compressor(plain, dictionary: dict).compress(record)
        let b = try Compressor(magicless, dictionary: dict).compress(record)
        #expect(b.count <= a.count - 6, "no magic number (4 bytes) and no dictionary id (4 bytes)")
        #expect(try Decompressor(magicless, dictionary: dict).decompress(b) == record)
        if let zstd = TestData.tool("zstd") {
            let (status, _, _) = try TestData.run(zstd, ["-d", "-c", "-q"], input: b)
            #expect(status != 0)
        }
    }
}
