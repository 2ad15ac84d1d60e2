import LogLabCore
import LogLabContainer

/// Messages: one record as one self-contained blob (Kinesis, queues, Lambda).
///
/// INTERIM LAYOUT, kept in this one place so the library's own message format
/// (`ProfileCodec.encodeMessage` / `decodeMessage`) can replace both functions here:
///   "LM" (2 bytes) · version 1 (1 byte) · first 8 bytes of the profile id · one container
///   frame holding the record (32-byte frame header + stored bytes, as in containers).
/// Documented in docs/FORMATS.md ("Messages (interim)").
enum Messages {
    static let magic: [UInt8] = [0x4C, 0x4D]
    static let version: UInt8 = 1
    static let headerSize = 11

    static func encode(_ record: [UInt8], profile: Profile) throws -> [UInt8] {
        guard !record.contains(0x0A) else {
            throw ContainerError(.invalidInput, "a message record cannot contain a newline")
        }
        let coder = ProfileFrameCoder(profile: profile)
        let frame = try coder.encodeFrame(RecordBatch([record]))
        return magic + [version] + Array(profile.id.bytes.prefix(8)) + frame.bytes
    }

    static func decode(_ blob: [UInt8], profile: Profile) throws -> [UInt8] {
        guard blob.count >= headerSize + ContainerFormat.frameHeaderSize, blob[0] == magic[0], blob[1] == magic[1] else {
            throw ContainerError(.notAContainer, "not a LogLab message (\(blob.count) bytes, bad magic or too short)")
        }
        guard blob[2] == version else {
            throw ContainerError(.unsupportedVersion, "message format version \(blob[2]) is not supported (this library reads version \(version))")
        }
        let id = Array(blob[3..<11])
        guard id == Array(profile.id.bytes.prefix(8)) else {
            throw ContainerError(.profileMismatch, "the message was written with profile \(id.hexString), not with the given profile \(profile.id.short)")
        }
        let coder = ProfileFrameCoder(profile: profile)
        let batch = try coder.decodeFrame(Array(blob[headerSize...]))
        guard batch.count == 1 else {
            throw ContainerError(.corrupt, "corrupt message: it holds \(batch.count) records, expected 1")
        }
        return Array(batch[0])
    }
}
