import Foundation
import LogLabCodecs
import LogLabCore

/// Records as standalone messages (a Kafka message, a queue item, a database column), each
/// decodable alone with the profile (see docs/FORMATS.md, "Message"):
/// ```
/// u8   0x40 | bits     bit 0 transformed, bit 1 compressed, bit 2 checksum, bit 3 payload size follows
/// u16  profile tag     the first two bytes of the profile id (a message from another profile is refused)
/// [varint payloadSize] if bit 3 (codecs whose output does not declare it; never with zstd)
/// stored bytes
/// [u32le CRC-32]       if bit 2: CRC-32 of the original record, continued over every message byte before it
/// ```
/// Overhead beyond the codec's output: 3 bytes (7 with the checksum) with zstd.
public enum MessageFormat {
    public static let versionBits: UInt8 = 0x40
    static let transformed: UInt8 = 1, compressed: UInt8 = 2, checksum: UInt8 = 4, payloadSize: UInt8 = 8
    /// Largest record a message holds.
    public static let maxRecordBytes = 1 << 28

    static func tag(_ id: ProfileID) -> (UInt8, UInt8) { (id.bytes[0], id.bytes[1]) }

    static func encode(_ record: [UInt8], coder: ProfileFrameCoder, profileID: ProfileID, checksum: Bool) throws -> [UInt8] {
        guard record.count <= maxRecordBytes else {
            throw ContainerError(.invalidInput, "a message holds at most \(maxRecordBytes) bytes, the record has \(record.count)")
        }
        var bits: UInt8 = 0
        var batch = RecordBatch(reservingBytes: record.count, records: 1)
        batch.append(record)
        var payload = record
        if let p = try? coder.transform(batch), p.count <= ContainerFormat.maxPayloadSize(originalSize: record.count + 1),
           coder.restores(p, exactly: batch) {
            payload = p
            bits |= transformed
        }
        var stored = try coder.compress(payload)
        var explicitSize = false
        if stored.count < payload.count {
            bits |= compressed
            if coder.declaredPayloadSize(stored[...]) != payload.count {
                explicitSize = true
                bits |= payloadSize
            }
        } else {
            stored = payload
        }
        if checksum { bits |= Self.checksum }
        var w = ByteWriter(capacity: stored.count + 12)
        let (t0, t1) = tag(profileID)
        w.u8(versionBits | bits)
        w.u8(t0)
        w.u8(t1)
        if explicitSize { w.varint(payload.count) }
        w.append(stored)
        if checksum { w.u32le(CRC32.checksum(w.bytes, seed: CRC32.checksum(record))) }
        return w.bytes
    }

    static func decode(_ blob: [UInt8], coder: ProfileFrameCoder, profileID: ProfileID) throws -> [UInt8] {
        func corrupt(_ what: String) -> ContainerError { ContainerError.corrupt("corrupt message: \(what)") }
        guard blob.count >= 3 else { throw ContainerError.truncated("truncated message: \(blob.count) bytes") }
        let head = blob[0]
        guard head & 0xC0 == versionBits else {
            throw ContainerError(.unsupportedVersion, "unknown message format (first byte \(head))")
        }
        guard head & 0x30 == 0 else { throw ContainerError(.unsupportedVersion, "message uses unknown flags \(head)") }
        let (t0, t1) = tag(profileID)
        guard blob[1] == t0, blob[2] == t1 else {
            throw ContainerError(.profileMismatch, "the message was written with another profile (tag \(String(format: "%02x%02x", blob[1], blob[2])), not \(profileID.short.prefix(4)))")
        }
        var end = blob.count
        if head & checksum != 0 {
            guard blob.count >= 7 else { throw ContainerError.truncated("truncated message: \(blob.count) bytes") }
            end -= 4
        }
        var r = ByteReader(blob[0..<end])
        _ = try r.bytes(3)
        var size: Int? = nil
        do {
            if head & payloadSize != 0 {
                guard head & compressed != 0 else { throw corrupt("a payload size without compression") }
                size = try r.count(limit: ContainerFormat.maxPayloadSize(originalSize: maxRecordBytes))
            }
        } catch let e as ByteReaderError { throw corrupt(e.description) }
        let stored = blob[r.position..<end]
        guard !stored.isEmpty else { throw ContainerError.truncated("truncated message: no payload") }
        var payload: [UInt8]
        if head & compressed != 0 {
            let declaredLimit = stored.count &* 32768 &+ (1 << 20)
            guard let n = size ?? coder.declaredPayloadSize(stored).flatMap({ $0 <= declaredLimit ? $0 : nil }),
                  n <= ContainerFormat.maxPayloadSize(originalSize: maxRecordBytes) else {
                throw corrupt("the payload size is unknown")
            }
            do { payload = try coder.decompress(stored, payloadSize: n) } catch {
                throw ContainerError(.codec, "message: cannot decompress: \(error)")
            }
        } else {
            payload = Array(stored)
        }
        let record: [UInt8]
        if head & transformed != 0 {
            let batch: RecordBatch
            do { batch = try coder.untransform(payload, recordCount: 1) } catch {
                throw ContainerError(.codec, "message: cannot undo the transforms (wrong profile or model?): \(error)")
            }
            guard batch.count == 1 else { throw corrupt("it holds \(batch.count) records") }
            record = Array(batch[0])
        } else {
            record = payload
            payload = []
        }
        if head & checksum != 0 {
            var c = ByteReader(blob[end...])
            let expected = try c.u32le()
            let actual = blob.withUnsafeBytes { CRC32.checksum(UnsafeRawBufferPointer(rebasing: $0[0..<end]), seed: CRC32.checksum(record)) }
            guard actual == expected else { throw corrupt("checksum mismatch") }
        }
        return record
    }
}

/// Coders kept for reuse by a shared `ProfileCodec` (one thread uses a coder at a time).
final class CoderPool: @unchecked Sendable {
    private let lock = NSLock()
    private var free: [ProfileFrameCoder] = []

    func with<R>(_ profile: Profile, _ body: (ProfileFrameCoder) throws -> R) rethrows -> R {
        let coder = lock.withLock { free.popLast() } ?? ProfileFrameCoder(profile: profile)
        defer { lock.withLock { if free.count < 64 { free.append(coder) } } }
        return try body(coder)
    }
}

extension ProfileCodec {
    /// One record → a standalone message (see `MessageFormat`). Safe from many threads.
    public func encodeMessage(_ record: [UInt8]) throws -> [UInt8] {
        try coders.with(profile) { try MessageFormat.encode(record, coder: $0, profileID: profileID, checksum: messageChecksum) }
    }

    /// A message made by `encodeMessage` (with this profile) → the exact record.
    public func decodeMessage(_ blob: [UInt8]) throws -> [UInt8] {
        try coders.with(profile) { try MessageFormat.decode(blob, coder: $0, profileID: profileID) }
    }
}

/// A stream of messages: each `varint length` + message; then `0x00` and `u8 finalNewline`
/// (1 when the input's last record ended with `\n`). Used by `compress/restore --messages`.
public enum MessageStream {
    public static func write(_ message: [UInt8], to w: inout ByteWriter) {
        w.varint(message.count)
        w.append(message)
    }

    public static func end(finalNewline: Bool) -> [UInt8] { [0, finalNewline ? 1 : 0] }

    /// Encodes every line of `source` as a message stream to `sink`; returns (records, bytes written).
    @discardableResult
    public static func compress(from source: FileDescriptorSource, codec: ProfileCodec,
                                to sink: (UnsafeRawBufferPointer) throws -> Void) throws -> (records: Int, bytes: Int) {
        var records = 0, bytes = 0
        var w = ByteWriter(capacity: 1 << 20)
        let finalNewline = try LineSplitter.forEachLine(from: source) { line in
            write(try codec.encodeMessage(Array(line)), to: &w)
            records += 1
            if w.count >= 1 << 20 {
                try w.bytes.withUnsafeBytes { try sink($0) }
                bytes += w.count
                w = ByteWriter(capacity: 1 << 20)
            }
        }
        w.append(end(finalNewline: finalNewline && records > 0))
        try w.bytes.withUnsafeBytes { try sink($0) }
        return (records, bytes + w.count)
    }

    /// Restores the exact lines of a message stream; returns the record count.
    @discardableResult
    public static func restore(from source: FileDescriptorSource, codec: ProfileCodec,
                               to sink: (UnsafeRawBufferPointer) throws -> Void) throws -> Int {
        let input = BufferedSource(source)
        var records = 0
        let newline: [UInt8] = [0x0A]
        // A container read as messages would fail as one of another profile: say what it is.
        if Array(try input.peek(ContainerFormat.magic.count)) == ContainerFormat.magic {
            throw ContainerError(.usage, "\(source.name) is a container, not a message stream: restore it without --messages")
        }
        while true {
            let head = Array(try input.peek(10))
            var r = ByteReader(head)
            guard let length = try? r.count(limit: MessageFormat.maxRecordBytes * 2) else {
                throw ContainerError.truncated("truncated message stream: \(source.name) ends after \(records) messages (no end marker)")
            }
            _ = try input.take(r.position)
            if length == 0 {
                let flag = try input.take(1)
                guard flag.count == 1, flag[0] <= 1 else {
                    throw ContainerError.truncated("truncated message stream: \(source.name) ends inside its end marker")
                }
                guard try input.take(1).isEmpty else {
                    throw ContainerError.corrupt("corrupt message stream: \(source.name) has bytes after its end marker")
                }
                if flag[0] == 1 && records > 0 { try newline.withUnsafeBytes { try sink($0) } }
                guard records > 0 || flag[0] == 0 else { throw ContainerError.corrupt("corrupt message stream: end marker") }
                return records
            }
            let blob = try input.take(length)
            guard blob.count == length else {
                throw ContainerError.truncated("truncated message stream: \(source.name) ends inside message \(records)")
            }
            let record = try codec.decodeMessage(blob)
            if records > 0 { try newline.withUnsafeBytes { try sink($0) } }
            try record.withUnsafeBytes { try sink($0) }
            records += 1
        }
    }
}
