import Testing
import LogLabCore

@Suite struct ByteIOTests {
    @Test func varintsRoundTripAtTheEdges() throws {
        let values: [UInt64] = [0, 1, 127, 128, 255, 300, 16_383, 16_384, UInt64(UInt32.max), UInt64.max]
        var w = ByteWriter()
        for v in values { w.varint(v) }
        let signed: [Int64] = [0, -1, 1, -64, 64, Int64.min, Int64.max]
        for v in signed { w.svarint(v) }
        var r = ByteReader(w.bytes)
        for v in values { #expect(try r.varint() == v) }
        for v in signed { #expect(try r.svarint() == v) }
        #expect(r.isAtEnd)
    }

    @Test func truncatedInputThrowsInsteadOfTrapping() {
        var w = ByteWriter()
        w.varint(UInt64.max)
        w.u32le(7)
        for cut in 0..<w.bytes.count {
            var r = ByteReader(Array(w.bytes.prefix(cut)))
            #expect(throws: ByteReaderError.self) {
                _ = try r.varint()
                _ = try r.u32le()
            }
        }
    }

    @Test func overlongVarintIsRejected() {
        var r = ByteReader([UInt8](repeating: 0xFF, count: 11) + [0x01])
        #expect(throws: ByteReaderError.self) { _ = try r.varint() }
    }

    @Test func recordBatchSplitsLinesAndKeepsCarriageReturns() {
        let batch = RecordBatch(lines: Array("a\r\n\nbc".utf8))
        #expect(batch.count == 3)
        #expect(Array(batch[0]) == Array("a\r".utf8))
        #expect(batch[1].isEmpty)
        #expect(Array(batch[2]) == Array("bc".utf8))
        #expect(batch.joinedLines(finalNewline: false) == Array("a\r\n\nbc".utf8))
        #expect(batch.slice(1..<3).joinedLines() == Array("\nbc\n".utf8))
    }

    /// Batches are equal when their records are: same bytes and same boundaries.
    @Test func recordBatchEquality() {
        let a = RecordBatch(lines: Array("ab\ncd".utf8))
        #expect(a == RecordBatch([Array("ab".utf8), Array("cd".utf8)]))
        #expect(a != RecordBatch(lines: Array("ab\nce".utf8)))
        #expect(a != RecordBatch(lines: Array("abc\nd".utf8)))          // same bytes, other boundary
        #expect(a != RecordBatch(lines: Array("ab\ncd\n\n".utf8)))     // one more (empty) record
        #expect(RecordBatch() == RecordBatch(lines: []))
        #expect(RecordBatch() != RecordBatch([[UInt8]()]))
        #expect(a.slice(1..<2) == RecordBatch(lines: Array("cd".utf8)))
    }

    @Test func sizesParseInBothUnitSystems() throws {
        #expect(try ByteSize.parse("112KiB") == 112 * 1024)
        #expect(try ByteSize.parse("64K") == 65536)
        #expect(try ByteSize.parse("1MB") == 1_000_000)
        #expect(try ByteSize.parse("256") == 256)
        #expect(throws: ByteSize.ParseError.self) { try ByteSize.parse("12 parsecs") }
        #expect(throws: ByteSize.ParseError.self) { try ByteSize.parse("1.5B") }
    }

    @Test func sha256AndCrcMatchKnownVectors() {
        #expect(SHA256Hasher.hex(Array("abc".utf8)) == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
        #expect(CRC32.checksum(Array("123456789".utf8)) == 0xCBF4_3926)
    }
}
