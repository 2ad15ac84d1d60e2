import Foundation
import Testing
import LogLabCore
@testable import LogLabContainer

@Suite struct MessageTests {
    @Test func messagesRoundTripWithinThreeBytesOfThePayload() throws {
        let profile = try SdkSamples.profile(framing: .record, dictionarySize: 4096)
        let codec = ProfileCodec(profile: profile)
        let coder = ProfileFrameCoder(profile: profile)
        let batch = RecordBatch(lines: SdkSamples.test)
        var odd: [[UInt8]] = [[], Array("not json".utf8), [0xFF, 0x0A, 0x00], Array("{\"a\":\n1}".utf8)]
        for i in stride(from: 0, to: batch.count, by: 7) { odd.append(Array(batch[i])) }
        for record in odd {
            let m = try codec.encodeMessage(record)
            #expect(try codec.decodeMessage(m) == record)
            // The frame the container would store for this record, without its header.
            var one = RecordBatch()
            one.append(record)
            if !record.contains(0x0A) {
                let frame = try FrameCoding.encode(one, coder: coder, verifyTransform: true, timestampField: nil)
                #expect(m.count <= frame.stored.count + 3, "\(m.count) vs \(frame.stored.count)")
            }
        }
    }

    @Test func aContainerGivenAsMessagesIsNamed() throws {
        let profile = try SdkSamples.profile(framing: .record, dictionarySize: 4096)
        let codec = ProfileCodec(profile: profile)
        var container: [UInt8] = []
        let writer = try ContainerWriter(codec: codec) { container.append(contentsOf: $0) }
        try writer.append(RecordBatch(lines: SdkSamples.test))
        try writer.finish()
        let path = NSTemporaryDirectory() + "messages-\(getpid()).llc"
        try Data(container).write(to: URL(fileURLWithPath: path))
        defer { try? FileManager.default.removeItem(atPath: path) }
        let fd = open(path, O_RDONLY)
        defer { close(fd) }
        do {
            _ = try MessageStream.restore(from: FileDescriptorSource(fd: fd, name: path), codec: codec) { _ in }
            Issue.record("a container restored as messages")
        } catch let e as ContainerError {
            #expect(e.description == "\(path) is a container, not a message stream: restore it without --messages")
        }
    }

    @Test func everyFlipOfACheckedMessageIsDetected() throws {
        let profile = try SdkSamples.profile(framing: .record, dictionarySize: 4096)
        let codec = ProfileCodec(profile: profile, messageChecksum: true)
        let record = Array(RecordBatch(lines: SdkSamples.test)[3])
        let m = try codec.encodeMessage(record)
        #expect(try codec.decodeMessage(m) == record)
        for i in m.indices {
            for mask: UInt8 in [0x01, 0x80] {
                var bad = m
                bad[i] ^= mask
                #expect(throws: (any Error).self, "flip of byte \(i)") { _ = try codec.decodeMessage(bad) }
            }
        }
        for n in 0..<m.count {
            let cut = Array(m.prefix(n))
            #expect((try? codec.decodeMessage(cut)) != record, "truncation to \(n)")
        }
        // Another profile's messages are refused by their tag.
        let other = ProfileCodec(profile: try SdkSamples.profile(framing: .record, dictionarySize: 1024))
        #expect(profile.id.bytes.prefix(2) != other.profileID.bytes.prefix(2))
        do { _ = try other.decodeMessage(m); Issue.record("expected a profile mismatch") } catch let e as ContainerError {
            #expect(e.kind == .profileMismatch)
        }
    }
}
