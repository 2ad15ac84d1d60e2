import Foundation
import Testing
import LogLabCore
@testable import LogLabContainer

@Suite struct ContainerRoundTripTests {
    let codec = StubCodec()

    @Test(arguments: [0, 1, 2, 3, 4, 7, 40])
    func roundTripsExactly(records: Int) throws {
        for finalNewline in [true, false] {
            let input = sampleLines(records, finalNewline: finalNewline)
            let container = try ContainerWriter.compress(input, codec: codec, options: .init(threads: 2))
            let dir = TempDir()
            let path = dir.file("c.llc", container)
            let reader = try ContainerReader(path: path, codec: codec)
            #expect(reader.recordCount == RecordBatch(lines: input).count)
            #expect(try reader.restoreAll() == input)
            #expect(try streamRestore(path: path, codec: codec) == input)
            #expect(try streamRestore(path: path, codec: codec, threads: 1) == input)
        }
    }

    @Test func oddInputsRoundTrip() throws {
        let inputs: [[UInt8]] = [
            [], Array("\n".utf8), Array("\n\n\n".utf8), Array("a".utf8), Array("a\r\n".utf8),
            Array("a\r\nb\r\n\r\nc".utf8), Array("x\n\ny\n".utf8), [0, 0xFF, 0x0A, 0xC3],
            Array(repeating: 0x41, count: 5000),
        ]
        let dir = TempDir()
        for (k, input) in inputs.enumerated() {
            let container = try ContainerWriter.compress(input, codec: codec)
            let path = dir.file("c\(k).llc", container)
            #expect(try ContainerReader(path: path, codec: codec).restoreAll() == input, "input \(k)")
            #expect(try streamRestore(path: path, codec: codec) == input, "input \(k)")
        }
    }

    @Test func randomAccessEqualsFullRestore() throws {
        let input = sampleLines(50)
        let dir = TempDir()
        let path = dir.file("c.llc", try ContainerWriter.compress(input, codec: codec))
        let reader = try ContainerReader(path: path, codec: codec)
        let batch = RecordBatch(lines: try reader.restoreAll())
        #expect(reader.frameCount == 17)
        for i in 0..<batch.count {
            #expect(try reader.record(at: i) == Array(batch[i]))
        }
        #expect(throws: ContainerError.self) { try reader.record(at: 50) }
        #expect(throws: ContainerError.self) { try reader.record(at: -1) }
    }

    @Test func timeRangeReturnsExactlyTheRecordsInRange() throws {
        let input = sampleLines(1440)
        let dir = TempDir()
        let path = dir.file("c.llc", try ContainerWriter.compress(input, codec: codec))
        let reader = try ContainerReader(path: path, codec: codec)
        let from = Timestamps.parseISO8601("2021-12-26T00:20:00Z")!
        let to = Timestamps.parseISO8601("2021-12-26T01:05:00Z")!
        let all = RecordBatch(lines: input)
        var expected = RecordBatch()
        for i in 0..<all.count {
            if let t = TimeField("timestamp").time(in: all[i]), t >= from, t < to { expected.append(all[i]) }
        }
        #expect(expected.count > 10)
        #expect(try reader.records(from: from, to: to) == expected)
        // Only frames of overlapping segments are decoded.
        #expect(reader.segments.count > 4)
        #expect(reader.frames(from: from, to: to).count < reader.frameCount / 2)
    }

    @Test func framesThatCannotBeTransformedFallBackVerbatim() throws {
        let pad = String(repeating: " ", count: 300)
        let text = Array(("{\"a\":\"\(pad)\"}\n{}\n{}\n" + "x\ny UNTRANSFORMABLE\nz\n" + "{\"b\":\"\(pad)\"}\nc\nd\n" + "a BUG here\nplain\n").utf8)
        let dir = TempDir()
        let path = dir.file("c.llc", try ContainerWriter.compress(text, codec: codec))
        let reader = try ContainerReader(path: path, codec: codec)
        #expect(try reader.restoreAll() == text)
        var flags: [FrameFlags] = []
        for i in 0..<reader.frameCount { flags.append(try reader.readFrame(i).header.flags) }
        // Frame 1 cannot be transformed; frame 3's transform is lossy (caught by verification).
        #expect(flags == [[.transformed, .compressed], [], [.transformed, .compressed], []])
    }

    @Test func recordsWithNewlinesAreRefused() throws {
        let writer = try ContainerWriter(codec: codec) { _ in }
        #expect(throws: ContainerError.self) { try writer.append(record: Array("a\nb".utf8)) }
    }

    @Test func aFailingSinkIsReportedNotCrashed() throws {
        struct Full: Error {}
        var written = 0
        let writer = try ContainerWriter(codec: codec, options: .init(threads: 2)) { buf in
            written += buf.count
            if written > 200 { throw ContainerError(.io, "cannot write out: No space left on device") }
        }
        let batch = RecordBatch(lines: sampleLines(100))
        #expect(throws: ContainerError.self) {
            try writer.append(batch)
            try writer.finish()
        }
    }

    @Test func anotherProfileIsRefusedNamingBothIDs() throws {
        let dir = TempDir()
        let path = dir.file("c.llc", try ContainerWriter.compress(sampleLines(5), codec: codec))
        var other = StubCodec()
        other.profileID = ProfileID.of(Array("other".utf8))
        do {
            _ = try ContainerReader(path: path, codec: other)
            Issue.record("expected a profile mismatch")
        } catch let e as ContainerError {
            #expect(e.kind == .profileMismatch)
            #expect(e.description.contains(codec.profileID.short) && e.description.contains(other.profileID.short))
        }
        #expect(throws: ContainerError.self) { try streamRestore(path: path, codec: other) }
    }

    @Test func unknownVersionIsNamed() throws {
        var bytes = try ContainerWriter.compress(sampleLines(5), codec: codec)
        bytes[8] = 3
        let dir = TempDir()
        let path = dir.file("c.llc", bytes)
        do {
            _ = try ContainerReader(path: path, codec: codec)
            Issue.record("expected a version error")
        } catch let e as ContainerError {
            #expect(e.kind == .unsupportedVersion)
            #expect(e.description.contains("version 3.0"))
        }
    }

    @Test func everySingleByteFlipIsDetected() throws {
        let input = sampleLines(7)
        let container = try ContainerWriter.compress(input, codec: codec)
        let dir = TempDir()
        #expect(container.count < 2000)
        let masks: [UInt8] = [0x01, 0x80, 0xFF, 0x10]
        for position in 0..<container.count {
            do {
                let mask = masks[position % masks.count]
                var damaged = container
                damaged[position] ^= mask
                let path = dir.file("flip.llc", damaged)
                var detected = false
                do {
                    let reader = try ContainerReader(path: path, codec: codec)
                    try reader.restoreAll(threads: 1) { _ in }
                } catch is ContainerError { detected = true }
                #expect(detected, "flip of byte \(position) with \(mask) not detected by the file reader")
                var streamDetected = false
                do { _ = try streamRestore(path: path, codec: codec, threads: 1) } catch is ContainerError { streamDetected = true }
                #expect(streamDetected, "flip of byte \(position) with \(mask) not detected by the stream reader")
            }
        }
    }

    @Test func everyTruncationIsDetected() throws {
        let container = try ContainerWriter.compress(sampleLines(7), codec: codec)
        let dir = TempDir()
        for length in 0..<container.count {
            let path = dir.file("cut.llc", Array(container[0..<length]))
            var detected = false
            do { try ContainerReader(path: path, codec: codec).restoreAll(threads: 1) { _ in } } catch is ContainerError { detected = true }
            #expect(detected, "truncation to \(length) bytes not detected")
            var streamDetected = false
            do { _ = try streamRestore(path: path, codec: codec, threads: 1) } catch is ContainerError { streamDetected = true }
            #expect(streamDetected, "truncation to \(length) bytes not detected by the stream reader")
        }
        // Appended garbage is refused too.
        let path = dir.file("long.llc", container + [0])
        #expect(throws: ContainerError.self) { try ContainerReader(path: path, codec: codec) }
        #expect(throws: ContainerError.self) { try streamRestore(path: path, codec: codec) }
    }

    @Test func verifyWithoutCodecChecksStoredBytes() throws {
        var container = try ContainerWriter.compress(sampleLines(20), codec: codec)
        let dir = TempDir()
        #expect(try ContainerReader(path: dir.file("ok.llc", container), codec: nil).verify() == 7)
        container[ContainerFormat.headerSize + 3] ^= 4
        #expect(throws: ContainerError.self) { try ContainerReader(path: dir.file("bad.llc", container), codec: nil).verify() }
    }
}

@Suite struct TimestampTests {
    @Test func parsesISO8601Forms() {
        #expect(Timestamps.parseISO8601("1970-01-01T00:00:00Z") == 0)
        #expect(Timestamps.parseISO8601("2021-12-26T15:11:04Z") == 1_640_531_464_000)
        #expect(Timestamps.parseISO8601("2021-12-26T15:11:04.000Z") == 1_640_531_464_000)
        #expect(Timestamps.parseISO8601("2021-12-26T15:10:59.884+09:00") == 1_640_499_059_884)
        #expect(Timestamps.parseISO8601("2021-12-26") == 1_640_476_800_000)
        #expect(Timestamps.parseISO8601("2021-12-26 15:11") == 1_640_531_460_000)
        #expect(Timestamps.parseISO8601("2021-13-26") == nil)
        #expect(Timestamps.parseISO8601("yesterday") == nil)
        #expect(Timestamps.format(1_640_531_464_123) == "2021-12-26T15:11:04.123Z")
        #expect(Timestamps.format(-1) == "1969-12-31T23:59:59.999Z")
    }

    @Test func findsTheKeyNotLookalikes() {
        let r = #"{"request_begin_timestamp":"2020-01-01T00:00:00Z","m":"\"timestamp\":1","timestamp" : "2021-12-26T15:11:04Z","fields":{"timestamp":["x"]}}"#
        #expect(TimeField("timestamp").time(in: Array(r.utf8)) == 1_640_531_464_000)
        #expect(TimeField("sort").time(in: Array(#"{"sort":1640531464000}"#.utf8)) == 1_640_531_464_000)
        #expect(TimeField("ts").time(in: Array(#"{"ts":1640531464.5}"#.utf8)) == 1_640_531_464_500)
        #expect(TimeField("timestamp").time(in: Array(#"{"timestamp":null}"#.utf8)) == nil)
        #expect(TimeField("timestamp").time(in: Array("not json".utf8)) == nil)
    }
}
