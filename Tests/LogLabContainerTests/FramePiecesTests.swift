import Foundation
import Testing
import LogLabCore
import LogLabTransforms
@testable import LogLabContainer

/// Frames stored in pieces (`FrameFlags.pieces`): written for `columns` payloads, restored
/// exactly, read piece by piece by the columnar reader, and refused cleanly when corrupt.
/// Frames of `bigFrame` records hold streams large enough that pieces come out smaller than
/// the payload whole; small frames go whole when that is smaller.
@Suite struct FramePiecesTests {
    static let bigFrame = 250

    static func container(frame: Int = bigFrame) throws -> (codec: ProfileCodec, bytes: [UInt8]) {
        let codec = ProfileCodec(profile: try SdkSamples.profile(framing: .block(frame)))
        return (codec, try ContainerWriter.compress(SdkSamples.test, codec: codec, options: .init(threads: 1)))
    }

    @Test func columnsFramesGoInPiecesAndRestoreExactly() throws {
        let (codec, bytes) = try Self.container()
        let tmp = TempDir()
        let reader = try ContainerReader(path: tmp.file("p.llc", bytes), codec: codec)
        #expect(try reader.restoreAll() == SdkSamples.test)
        let coder = try codec.makeCoder()
        var inPieces = 0
        for i in 0..<reader.index.entries.count {
            let (h, stored) = try reader.readFrame(i)
            let whole = try reader.framePayload(i, coder: coder)
            if h.flags.contains(.pieces) {
                inPieces += 1
                #expect(h.flags.contains(.compressed) && h.flags.contains(.transformed))
                #expect(try FramePieces(parsing: stored[...], limit: 1 << 30, layouts: h.flags.contains(.pieceLayouts), frame: i).payloadSize == whole.bytes.count)
            }
            // Loaded piece by piece, the same payload.
            let lazy = try reader.lazyFramePayload(i, coder: coder)
            try lazy.load(0..<lazy.buffer.count)
            #expect(Array(lazy.buffer) == whole.bytes)
            #expect(lazy.recordCount == whole.recordCount && lazy.transformed == whole.transformed)
        }
        #expect(inPieces == reader.index.entries.count)
    }

    /// Big frames (in pieces) and small ones (mostly whole) read alike, column by column.
    @Test(arguments: [bigFrame, 16])
    func columnarReadFromPiecesMatchesTheRecords(frame: Int) throws {
        let (codec, bytes) = try Self.container(frame: frame)
        let tmp = TempDir()
        let reader = try ContainerReader(path: tmp.file("p.llc", bytes), codec: codec)
        try Self.expectColumnarReadMatchesRecords(reader, codec)
    }

    /// Columns read from the pieces a columnar read loads equal those of the decoded records.
    static func expectColumnarReadMatchesRecords(_ reader: ContainerReader, _ codec: ProfileCodec) throws {
        let coder = try codec.makeCoder()
        let paths = ["_source.func_name", "_source.response_elapsed_time", "_source.request_begin_timestamp", "_id"]
        let fast = ColumnarDecoder(paths: paths), text = ColumnarDecoder(paths: paths)
        let columnar = ColumnarFrameReader(model: codec.profile.model)
        for i in 0..<reader.index.entries.count {
            let lazy = try reader.lazyFramePayload(i, coder: coder)
            #expect(try columnar.append(frame: UnsafeBufferPointer(lazy.buffer), recordCount: lazy.recordCount, to: fast, loader: lazy))
            text.append(try reader.decodeRecords(i, coder: coder))
        }
        let a = try fast.finish(), b = try text.finish()
        #expect(a.count == b.count)
        for (x, y) in zip(a, b) {
            #expect(x.name == y.name && x.kind == y.kind && x.validity == y.validity && x.values == y.values
                    && x.offsets == y.offsets && x.data == y.data && x.dictionaryData == y.dictionaryData, "column \(x.name)")
        }
    }

    /// Standalone frames (the 32-byte header) carry the flag too and decode back.
    @Test func standaloneFramesInPieces() throws {
        let coder = ProfileFrameCoder(profile: try SdkSamples.profile(framing: .block(Self.bigFrame)))
        let records = RecordBatch(lines: SdkSamples.test).slice(0..<Self.bigFrame)
        let frame = try coder.encodeFrame(records)
        #expect(frame.header.flags.contains(.pieces))
        #expect(try coder.decodeFrame(frame.bytes) == records)
        #expect(try frame.payload { try coder.decompress($0, payloadSize: $1) }.count == Int(frame.header.payloadSize))
    }

    /// Stored bytes of a frame in pieces with one thing wrong: each is refused with an error,
    /// never a crash or a wrong payload.
    @Test func corruptPiecesAreRefused() throws {
        let records = Self.bigFrame
        let coder = ProfileFrameCoder(profile: try SdkSamples.profile(framing: .block(records)))
        let frame = try coder.encodeFrame(RecordBatch(lines: SdkSamples.test).slice(0..<records))
        // The directory without layouts (no piece in planes).
        let whole = try frame.payload { try coder.decompress($0, payloadSize: $1) }
        let good = try FramePieces.compress(whole, cuts: try #require(PayloadPieces.cuts(whole)), coder: coder, planes: false).stored
        let size = whole.count
        let pieces = try FramePieces(parsing: good[...], limit: 1 << 30, frame: 0)
        let n = pieces.payload.count
        #expect(n >= 2)
        func header(payloadSize: Int? = nil) -> FrameHeaderV2 {
            FrameHeaderV2(flags: [.transformed, .compressed, .pieces], recordCount: records, storedSize: good.count,
                          payloadSize: payloadSize, length: 1)
        }
        #expect(try FrameCoding.payloadV2(header: header(), stored: good[...], coder: coder, frame: 0).count == size)

        // The directory re-written with `edit` applied to (payloadLength, storedLength, compressed) per piece.
        func rewrite(count: Int? = nil, _ edit: (Int, inout (Int, Int, Bool)) -> Void) -> [UInt8] {
            var w = ByteWriter()
            w.varint(count ?? n)
            for k in 0..<n {
                var e = (pieces.payload[k].count, pieces.stored[k].count, pieces.layout[k] == .codec)
                edit(k, &e)
                w.varint(e.0)
                w.varint(UInt64(e.1) << 1 | (e.2 ? 1 : 0))
            }
            return w.bytes + good[pieces.stored[0].lowerBound...]
        }
        #expect(rewrite { _, _ in } == good)
        let bad: [(String, [UInt8])] = [
            ("one piece", rewrite(count: 1) { _, _ in }),
            ("a piece's payload one byte longer", rewrite { k, e in if k == 1 { e.0 += 1 } }),
            ("a piece's payload one byte shorter", rewrite { k, e in if k == 0 { e.0 -= 1 } }),
            ("stored lengths shifted", rewrite { k, e in if k == 0 { e.1 += 1 } else if k == 1 { e.1 -= 1 } }),
            ("a compressed piece said stored as is", rewrite { k, e in if k == 0 { e.2 = false } }),
            ("a byte too many", good + [0]),
            ("a byte too few", Array(good.dropLast())),
            ("directory cut short", Array(good.prefix(3))),
            ("empty piece", rewrite { k, e in if k == 0 { e.0 = 0 } }),
        ]
        for (what, stored) in bad {
            #expect(throws: ContainerError.self, "\(what)") {
                try FrameCoding.payloadV2(header: header(), stored: stored[...], coder: coder, frame: 0)
            }
        }
        // A header whose payload size disagrees with the pieces.
        #expect(throws: ContainerError.self) {
            try FrameCoding.payloadV2(header: header(payloadSize: size + 1), stored: good[...], coder: coder, frame: 0)
        }
        // The lazy reader refuses a piece that decompresses to the wrong size when it loads it.
        let shifted = rewrite { k, e in if k == 0 { e.0 -= 1 } else if k == 1 { e.0 += 1 } }
        let p = try FramePieces(parsing: shifted[...], limit: 1 << 30, frame: 0)
        let lazy = LazyPayload(pieces: p, stored: shifted[...], transformed: true, recordCount: records, coder: coder, frame: 0)
        #expect(throws: ContainerError.self) { try lazy.load(0..<1) }
    }

    /// A small payload is stored whichever way is smaller, whole or in pieces (each piece pays
    /// a codec header and its own tables); both restore.
    @Test func smallFramesKeepTheSmallerOfWholeAndPieces() throws {
        let coder = ProfileFrameCoder(profile: try SdkSamples.profile(framing: .block(16)))
        let all = RecordBatch(lines: SdkSamples.test)
        var whole = 0, pieces = 0
        for start in stride(from: 0, to: 256, by: 16) {
            let records = all.slice(start..<(start + 16))
            let frame = try coder.encodeFrame(records)
            #expect(try coder.decodeFrame(frame.bytes) == records)
            let payload = try frame.payload { try coder.decompress($0, payloadSize: $1) }
            #expect(payload.count <= FrameCoding.wholeTryBytes)
            let cuts = try #require(PayloadPieces.cuts(payload))
            let inPieces = try FramePieces.compress(payload, cuts: cuts, coder: coder).stored
            let alone = try coder.compress(payload)
            #expect(frame.stored.count == min(inPieces.count, alone.count))
            if frame.header.flags.contains(.pieces) { pieces += 1 } else { whole += 1 }
        }
        // At 16 records the pieces' fixed costs win: most such frames go whole.
        #expect(whole > pieces)
    }

    /// Frame bits: pieces only with compressed; an old reader's refusal is the unknown-flags one.
    @Test func piecesBitNeedsCompressed() throws {
        for (bits, ok) in [(UInt8(0x13), true), (0x11, false), (0x10, false)] {
            var r = ByteReader([bits, 5])
            var previous = FrameBitsV2.segmentStart
            let parse = { try FrameHeaderV2.parse(first: 10 << 1 | 1, firstLength: 1, &r, defaultRecords: 64, previous: &previous, frame: 0) }
            if ok { #expect(try parse().flags == [.transformed, .compressed, .pieces]) } else { #expect(throws: ContainerError.self) { _ = try parse() } }
        }
    }

    // MARK: varint planes

    static func varints(_ values: [UInt64]) -> [UInt8] {
        var w = ByteWriter()
        for v in values { w.varint(v) }
        return w.bytes
    }

    /// `bytes` split into planes and joined back (nil: `split` declined).
    static func roundTrip(_ bytes: [UInt8]) throws -> [UInt8]? {
        guard let (planes, n) = VarintPlanes.split(bytes[...]) else { return nil }
        #expect(planes.count == bytes.count)
        return try [UInt8](unsafeUninitializedCapacity: planes.count) { out, k in
            try planes.withUnsafeBufferPointer { try VarintPlanes.join($0, count: n, into: out) }
            k = planes.count
        }
    }

    @Test func varintPlanesRoundTripAtTheEdges() throws {
        // Declined: empty, one-byte values only (nothing to regroup), not whole varints.
        #expect(VarintPlanes.split([][...]) == nil)
        #expect(VarintPlanes.split(Self.varints([5])[...]) == nil)
        #expect(VarintPlanes.split(Array("plain ascii text".utf8)[...]) == nil)
        #expect(VarintPlanes.split([0x80][...]) == nil)                                   // cut short
        #expect(VarintPlanes.split((Array(repeating: 0xFF, count: 10) + [0x01])[...]) == nil)  // 11 bytes
        let zigzag = { (v: Int64) in UInt64(bitPattern: (v << 1) ^ (v >> 63)) }
        var cases: [[UInt64]] = [
            [300], [UInt64.max], [0, UInt64.max, 0],
            [zigzag(-1), zigzag(Int64.min), zigzag(Int64.max), zigzag(-300), zigzag(0)],
        ]
        // Every width 1…10 bytes, alone, ascending, descending and interleaved with small values.
        let widths: [UInt64] = (0..<10).map { $0 == 0 ? 1 : (UInt64(1) << (7 * $0)) | 3 }
        for w in widths { cases.append([w]); cases.append([1, w, 2]) }
        cases.append(widths); cases.append(widths.reversed()); cases.append(widths.flatMap { [$0, 0x7F, $0 &- 1] })
        // Runs of one-byte values (joined eight at a time) of every length 0…17 between long ones.
        var runs: [UInt64] = []
        for run in 0..<18 {
            runs.append(UInt64(300 + run))
            for v in 0..<run { runs.append(UInt64(v)) }
        }
        runs.append(1 << 40)
        cases.append(runs)
        var rng = SystemRandomNumberGenerator()
        cases.append((0..<5000).map { _ in UInt64.random(in: 0...UInt64.max, using: &rng) >> UInt64.random(in: 0...63, using: &rng) })
        for values in cases {
            let bytes = Self.varints(values)
            let back = try Self.roundTrip(bytes)
            if values.allSatisfy({ $0 < 128 }) { #expect(back == nil) } else { #expect(back == bytes, "\(values.prefix(8))") }
        }
        // Exactly one value of each width: plane k holds the values longer than k bytes.
        let (planes, n) = try #require(VarintPlanes.split(Self.varints(widths)[...]))
        #expect(n == 10 && planes.prefix(10).enumerated().allSatisfy { ($0.offset == 0) == ($0.element & 0x80 == 0) })
        // Non-canonical varints (padded with 0x80 … 0x00) and ASCII text between come back as they were.
        let odd: [UInt8] = [0x80, 0x00, 0x41, 0xFF, 0x80, 0x80, 0x00] + Array("text".utf8) + [0x81, 0x01]
        #expect(try Self.roundTrip(odd) == odd)
    }

    /// The planes' exact bytes (containers store them): plane k is byte k of every varint
    /// longer than k, in value order, checked against a plain per-value regrouping.
    @Test func varintPlanesLayoutMatchesAPlainRegrouping() throws {
        func reference(_ bytes: [UInt8]) -> (planes: [UInt8], count: Int) {
            var values: [[UInt8]] = [], i = 0
            while i < bytes.count {
                var j = i
                while bytes[j] & 0x80 != 0 { j += 1 }
                values.append(Array(bytes[i...j])); i = j + 1
            }
            var planes: [UInt8] = []
            for k in 0..<VarintPlanes.maxVarintBytes { for v in values where v.count > k { planes.append(v[k]) } }
            return (planes, values.count)
        }
        var rng = SystemRandomNumberGenerator()
        for size in [2, 7, 8, 9, 15, 16, 17, 100, 4096] {
            for _ in 0..<20 {
                // Mostly one-byte values, so runs of eight and the byte-by-byte tail both occur.
                let values = (0..<size).map { _ -> UInt64 in
                    Int.random(in: 0..<4, using: &rng) == 0 ? UInt64.random(in: 0...UInt64.max, using: &rng) >> UInt64.random(in: 0...63, using: &rng)
                        : UInt64.random(in: 0..<128, using: &rng)
                }
                let bytes = Self.varints(values)
                guard let (planes, n) = VarintPlanes.split(bytes[...]) else {
                    #expect(values.allSatisfy { $0 < 128 }); continue
                }
                let want = reference(bytes)
                #expect(planes == want.planes && n == want.count)
            }
        }
        // The long-share threshold: declined below it, taken at it.
        let half = Self.varints([300, 1, 2])   // 4 bytes, 1 later byte
        #expect(VarintPlanes.split(half[...], minLongShare: 0.25) != nil)
        #expect(VarintPlanes.split(half[...], minLongShare: 0.26) == nil)
    }

    /// Planes that do not hold the stated number of varints are refused, not misread.
    @Test func varintPlanesJoinRefusesWrongCounts() throws {
        let bytes = Self.varints([300, 70_000, 5, UInt64.max, 1])
        let (planes, n) = try #require(VarintPlanes.split(bytes[...]))
        func join(_ p: [UInt8], _ count: Int) throws {
            let out = UnsafeMutableBufferPointer<UInt8>.allocate(capacity: p.count)
            defer { out.deallocate() }
            try p.withUnsafeBufferPointer { try VarintPlanes.join($0, count: count, into: out) }
        }
        try join(planes, n)
        for count in [0, n - 1, n + 1, planes.count, planes.count + 1] {
            #expect(throws: VarintPlanes.PlanesError.self, "count \(count)") { try join(planes, count) }
        }
        #expect(throws: VarintPlanes.PlanesError.self) { try join(Array(repeating: 0xFF, count: 20), 1) }   // longer than 10 bytes
        #expect(throws: VarintPlanes.PlanesError.self) { try join(planes + [0], n) }                      // a byte left over
    }

    /// Frames of 250 records: some of their larger varint pieces are stored as planes; they
    /// restore byte for byte (whole, piece by piece) and read the same columns.
    @Test func framesWithPlanesRestoreAndReadColumns() throws {
        let (codec, bytes) = try Self.container()
        let tmp = TempDir()
        let reader = try ContainerReader(path: tmp.file("p.llc", bytes), codec: codec)
        #expect(try reader.restoreAll() == SdkSamples.test)
        let coder = try codec.makeCoder()
        var planes = 0
        for i in 0..<reader.index.entries.count {
            let (h, stored) = try reader.readFrame(i)
            guard h.flags.contains(.pieceLayouts) else { continue }
            let p = try FramePieces(parsing: stored[...], limit: 1 << 30, layouts: true, frame: i)
            planes += p.layout.filter { $0 == .planes }.count
            let lazy = try reader.lazyFramePayload(i, coder: coder)
            try lazy.load(0..<lazy.buffer.count)
            #expect(Array(lazy.buffer) == (try reader.framePayload(i, coder: coder)).bytes)
        }
        #expect(planes > 0)
        try Self.expectColumnarReadMatchesRecords(reader, codec)
    }

    /// A frame with piece layouts whose directory is damaged: an unknown layout, a wrong varint
    /// count, a planes piece said to be plain codec output. Each is refused with one error.
    @Test func damagedPieceLayoutsAreRefused() throws {
        let coder = ProfileFrameCoder(profile: try SdkSamples.profile(framing: .block(Self.bigFrame)))
        let records = RecordBatch(lines: SdkSamples.test).slice(Self.bigFrame..<(2 * Self.bigFrame))
        let frame = try coder.encodeFrame(records)
        #expect(frame.header.flags.contains(.pieceLayouts))
        let good = frame.stored
        let pieces = try FramePieces(parsing: good[...], limit: 1 << 30, layouts: true, frame: 0)
        let k = try #require(pieces.layout.firstIndex(of: .planes))
        func rewrite(_ edit: (inout UInt8, inout Int) -> Void) -> [UInt8] {
            var w = ByteWriter()
            w.varint(pieces.payload.count)
            for j in pieces.payload.indices {
                var layout = pieces.layout[j].rawValue, count = pieces.valueCount[j]
                if j == k { edit(&layout, &count) }
                w.varint(pieces.payload[j].count)
                w.varint(UInt64(pieces.stored[j].count) << 2 | UInt64(layout))
                if layout == 2 { w.varint(count) }
            }
            return w.bytes + good[pieces.stored[0].lowerBound...]
        }
        #expect(rewrite { _, _ in } == good)
        func decode(_ stored: [UInt8]) throws -> RecordBatch {
            var h = frame.header
            h.storedSize = UInt32(stored.count)
            h.storedCRC = CRC32.checksum(stored)
            var w = ByteWriter()
            h.append(to: &w)
            return try coder.decodeFrame(w.bytes + stored)
        }
        #expect(try decode(good) == records)
        let header = FrameHeaderV2(flags: frame.header.flags, recordCount: Self.bigFrame, storedSize: good.count, payloadSize: nil, length: 1)
        do {
            _ = try FrameCoding.payloadV2(header: header, stored: rewrite { l, _ in l = 3 }[...], coder: coder, frame: 7)
            Issue.record("layout 3 was read")
        } catch let e as ContainerError {
            #expect("\(e)".contains("frame 7 pieces: piece \(k) has unknown layout 3"), "\(e)")
        }
        let bad: [(String, [UInt8])] = [
            ("count + 1", rewrite { _, c in c += 1 }),
            ("count - 1", rewrite { _, c in c -= 1 }),
            ("count 0", rewrite { _, c in c = 0 }),
            ("count past the piece", rewrite { _, c in c = 1 << 40 }),
            ("planes said codec output", rewrite { l, _ in l = 1 }),
        ]
        for (what, stored) in bad {
            #expect(throws: ContainerError.self, "\(what)") { _ = try decode(stored) }
        }
        // Without the flag the same directory is not read as layouts (it does not parse as one).
        var plain = frame.header
        plain.flags.remove(.pieceLayouts)
        var w = ByteWriter()
        plain.append(to: &w)
        #expect(throws: ContainerError.self) { _ = try coder.decodeFrame(w.bytes + good) }
    }

    /// Frame bits: piece layouts only with pieces; a reader without them refuses the bit as unknown.
    @Test func pieceLayoutsBitNeedsPieces() throws {
        for (bits, ok) in [(UInt8(0x33), true), (0x23, false)] {
            var r = ByteReader([bits, 5])
            var previous = FrameBitsV2.segmentStart
            let parse = { try FrameHeaderV2.parse(first: 10 << 1 | 1, firstLength: 1, &r, defaultRecords: 64, previous: &previous, frame: 0) }
            if ok { #expect(try parse().flags == [.transformed, .compressed, .pieces, .pieceLayouts]) } else { #expect(throws: ContainerError.self) { _ = try parse() } }
        }
    }
}
