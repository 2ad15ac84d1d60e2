import Foundation
import LogLabCodecs
import LogLabCore
import Testing
@testable import LogLabDatasets

@Suite struct RecordSourceTests {
    static func bytes(_ s: String) -> [UInt8] { Array(s.utf8) }

    static func records(_ d: LoadedDataset) -> [String] {
        (0..<d.records.count).map { String(decoding: d.records[$0], as: UTF8.self) }
    }

    /// Parses, checks the records, and checks that rebuilding gives the input back.
    static func check(_ input: [UInt8], format: RecordFormat? = nil, expect: RecordFormat, records: [String]) throws {
        let d = RecordSources.parse(input, format: format)
        #expect(d.format == expect)
        #expect(Self.records(d) == records)
        #expect(try d.rebuild() == input)
        // The framing survives its binary form.
        let again = try FileFraming(serialized: d.framing.serialized())
        #expect(again == d.framing)
        // Streaming with tiny batches gives the same records and framing.
        let path = NSTemporaryDirectory() + "loglab-src-\(UInt32.random(in: 0...UInt32.max)).bin"
        try Files.writeAtomically(input, to: path)
        defer { try? FileManager.default.removeItem(atPath: path) }
        let reader = try RecordReader(path: path, format: format, batchBytes: 1)
        var all = RecordBatch()
        var batches = 0
        while let b = try reader.next() { all.append(contentsOf: b); batches += 1 }
        #expect(all == d.records)
        #expect(reader.framing == d.framing)
        #expect(reader.sha256 == SHA256Hasher.hex(input))
    }

    @Test func jsonLinesLF() throws {
        try Self.check(Self.bytes("{\"a\":1}\n{\"b\":2}\n"), expect: .jsonLines, records: ["{\"a\":1}", "{\"b\":2}"])
    }

    @Test func jsonLinesCRLFWithoutFinalNewline() throws {
        // The \r stays in the record (RecordBatch's convention); the last line has no newline.
        try Self.check(Self.bytes("{\"a\":1}\r\n{\"b\":2}\r\n{\"c\":3}"), expect: .jsonLines,
                       records: ["{\"a\":1}\r", "{\"b\":2}\r", "{\"c\":3}"])
    }

    @Test func jsonLinesBOMBlankLinesAndJunk() throws {
        let input = [0xEF, 0xBB, 0xBF] + Self.bytes("\n{\"a\":\"x\"}\n\n  \n{\"b\":2}\nnot json at all\n\u{1}\n{\"c\":[1,2]}\n\n")
        try Self.check(input, expect: .jsonLines,
                       records: ["{\"a\":\"x\"}", "{\"b\":2}", "not json at all", "\u{1}", "{\"c\":[1,2]}"])
    }

    @Test func invalidUTF8IsARecordLikeAnyOther() throws {
        let input: [UInt8] = Self.bytes("{\"a\":1}\n") + [0xFF, 0xFE, 0x22, 0xC3] + Self.bytes("\n{\"b\":2}\n")
        let d = RecordSources.parse(input)
        #expect(d.records.count == 3)
        #expect(Array(d.records[1]) == [0xFF, 0xFE, 0x22, 0xC3])
        #expect(try d.rebuild() == input)
    }

    @Test func prettyJSONArrayWithNestingAndTrickyStrings() throws {
        let input = Self.bytes("""
        [
          {"a": [1, [2, 3]], "s": "brackets ] [ } { and \\"quotes\\" and \\\\"},
          {"b": {"c": [ ]}},
          "a string, with a comma ]",
          -1.25e+3 ,
          null,
          []
        ]

        """)
        try Self.check(input, expect: .jsonArray, records: [
            "{\"a\": [1, [2, 3]], \"s\": \"brackets ] [ } { and \\\"quotes\\\" and \\\\\"}",
            "{\"b\": {\"c\": [ ]}}", "\"a string, with a comma ]\"", "-1.25e+3", "null", "[]",
        ])
    }

    @Test func compactAndEmptyArrays() throws {
        try Self.check(Self.bytes("[{\"a\":1},{\"b\":2}]"), expect: .jsonArray, records: ["{\"a\":1}", "{\"b\":2}"])
        try Self.check(Self.bytes("[ ]\n"), expect: .jsonArray, records: [])
        try Self.check(Self.bytes("[1,2"), expect: .jsonArray, records: ["1", "2"])   // cut off: still exact
    }

    @Test func elasticsearchSearchResponse() throws {
        let input = Self.bytes("""
        {
          "took" : 3, "timed_out" : false,
          "_shards" : {"total" : 1, "hits" : [9]},
          "hits" : {
            "total" : {"value" : 2, "relation" : "eq"},
            "max_score" : null,
            "hits" : [
              {"_index" : "sdk-log-2021-12-26", "_source" : {"msg" : "] \\" hits"}, "sort" : [1640531464000]},
              {"_index" : "sdk-log-2021-12-26", "_source" : {"nested" : {"hits" : []}}}
            ]
          },
          "aggregations" : {"x" : [1]}
        }

        """)
        try Self.check(input, expect: .elasticsearch, records: [
            "{\"_index\" : \"sdk-log-2021-12-26\", \"_source\" : {\"msg\" : \"] \\\" hits\"}, \"sort\" : [1640531464000]}",
            "{\"_index\" : \"sdk-log-2021-12-26\", \"_source\" : {\"nested\" : {\"hits\" : []}}}",
        ])
    }

    @Test func prettyPrintedDocumentsOneAfterAnother() throws {
        let input = Self.bytes("{\n  \"a\": 1\n}\n{\n  \"b\": \"}\"\n}\n")
        try Self.check(input, expect: .jsonSequence, records: ["{\n  \"a\": 1\n}", "{\n  \"b\": \"}\"\n}"])
    }

    @Test func plainTextKeepsBlankLinesAsRecords() throws {
        try Self.check(Self.bytes("081109 INFO a\r\n\r\n081109 WARN b"), expect: .text,
                       records: ["081109 INFO a\r", "\r", "081109 WARN b"])
        try Self.check([], expect: .jsonLines, records: [])
    }

    @Test func compressedInputsAreReadThroughTheCodecs() throws {
        let plain = Self.bytes("{\"a\":1}\n{\"b\":\"ü\"}\n")
        for family in [CodecFamily.gzip, .zstd, .xz, .brotli] {
            let spec = try CodecSpec(parsing: family == .xz ? "xz:1" : "\(family.rawValue):3")
            let packed = try Compressor(spec).compress(plain)
            let path = NSTemporaryDirectory() + "loglab-src-\(UInt32.random(in: 0...UInt32.max)).jsonl.\(spec.fileExtension)"
            try Files.writeAtomically(packed, to: path)
            defer { try? FileManager.default.removeItem(atPath: path) }
            let d = try RecordSources.load(path: path)
            #expect(d.compression == family)
            #expect(d.records.count == 2)
            #expect(try d.rebuild() == plain)
            #expect(d.sha256 == SHA256Hasher.hex(plain))
        }
    }

    @Test func largeCompressedFilesStreamInBoundedBatches() throws {
        let gen = SdkLogGenerator(options: .init(records: 3_000, apps: 20, users: 500))
        var plain: [UInt8] = []
        try gen.write { plain.append(contentsOf: $0) }
        let path = NSTemporaryDirectory() + "loglab-big-\(UInt32.random(in: 0...UInt32.max)).jsonl.gz"
        try Files.writeAtomically(try Compressor(try CodecSpec(parsing: "gzip:1")).compress(plain), to: path)
        defer { try? FileManager.default.removeItem(atPath: path) }
        let reader = try RecordReader(path: path, batchBytes: 100_000)
        var batches = 0, records = 0, largest = 0
        while let b = try reader.next() {
            batches += 1
            records += b.count
            largest = max(largest, b.totalBytes)
        }
        #expect(records == 3_000)
        #expect(batches >= 3)
        #expect(largest < plain.count / 2, "a batch holds a bounded share of the file")
        #expect(reader.sha256 == SHA256Hasher.hex(plain) && reader.framing?.isPlainLines == true)
    }

    /// Whatever the bytes and whatever format is forced, splitting never loses or invents a byte.
    @Test func randomInputsRebuildExactlyInEveryFormat() throws {
        var rng = Xoshiro256(seed: 2024)
        let alphabet: [UInt8] = Array("{}[]\",: \n\r\t\\abc0-1.eE".utf8) + [0xEF, 0xBB, 0xBF, 0xFF, 0x00]
        for _ in 0..<300 {
            let input = (0..<rng.below(200)).map { _ in alphabet[rng.below(alphabet.count)] }
            for format in RecordFormat.allCases + [nil] {
                let d = RecordSources.parse(input, format: format)
                #expect(try d.rebuild() == input, "\(format.map(\.rawValue) ?? "detected"): \(input)")
                #expect(try FileFraming(serialized: d.framing.serialized()) == d.framing)
            }
            _ = input.withUnsafeBufferPointer { JSONScanner.scan($0) { _ in } }
            // Hostile framing bytes are rejected with an error, never a trap.
            var framing = FileFraming.lines(count: 3).serialized()
            if !framing.isEmpty { framing[rng.below(framing.count)] = UInt8(truncatingIfNeeded: rng.next()) }
            _ = try? FileFraming(serialized: Array(framing.prefix(rng.below(framing.count + 1))))
            _ = try? FileFraming(serialized: input)
        }
    }

    @Test func missingFileIsAClearError() {
        #expect(throws: DatasetError.self) { try RecordSources.load(path: "/nonexistent/loglab/x.jsonl") }
    }
}

@Suite struct ExportLayoutTests {
    /// The bytes outside strings that are not whitespace: a pretty record compacted.
    static func compact(_ r: ArraySlice<UInt8>) -> [UInt8] {
        var out: [UInt8] = [], inString = false, escape = false
        for b in r {
            if inString {
                out.append(b)
                if escape { escape = false } else if b == 0x5C { escape = true } else if b == 0x22 { inString = false }
            } else if b == 0x22 {
                inString = true
                out.append(b)
            } else if !RecordSplitter.isWhitespace(b) {
                out.append(b)
            }
        }
        return out
    }

    @Test(arguments: ExportLayout.allCases)
    func everyLayoutLoadsBackToTheSameDocuments(_ layout: ExportLayout) throws {
        let gen = SdkLogGenerator(options: .init(records: 150, apps: 10, users: 200, anomaliesPerMillion: 100_000))
        let compactRecords = gen.generate()
        var file: [UInt8] = []
        try gen.write(layout: layout) { file.append(contentsOf: $0) }
        let d = RecordSources.parse(file)
        #expect(d.format == layout.recordFormat)
        #expect(d.records.count == 150)
        #expect(try d.rebuild() == file)
        for i in 0..<d.records.count {
            #expect(Self.compact(d.records[i]) == Array(compactRecords[i]), "record \(i)")
            #expect(JSONScanner.isValid(d.records[i]))
        }
        if layout == .prettyArray {
            #expect(String(decoding: file.prefix(40), as: UTF8.self).hasPrefix("[\n  {\n    \"_index\": \"sdk-log-"))
        }
        if layout == .esSearch {
            #expect(String(decoding: file.prefix(20), as: UTF8.self).hasPrefix("{\n  \"took\" : "))
        }
        // An empty export is still a valid, loadable file.
        var empty: [UInt8] = []
        try SdkLogGenerator(options: .init(records: 0)).write(layout: layout) { empty.append(contentsOf: $0) }
        let e = RecordSources.parse(empty)
        #expect(try e.records.count == 0 && e.rebuild() == empty)
    }
}
