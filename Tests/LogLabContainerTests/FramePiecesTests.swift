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
                #expect(try FramePieces(parsing: stored[...], limit: 1 << 30, frame: i).payloadSize == whole.bytes.count)
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
        let good = frame.stored
        let size = Int(frame.header.payloadSize)
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
                var e = (pieces.payload[k].count, pieces.stored[k].count, pieces.compressed[k])
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
            let inPieces = try FramePieces.compress(payload, cuts: cuts, coder: coder)
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
}
