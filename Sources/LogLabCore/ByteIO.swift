/// Appends integers and byte strings to a growing buffer: the one place that spells the
/// little-endian and varint layouts used by transforms, containers and profiles.
public struct ByteWriter: Sendable {
    public var bytes: [UInt8]

    public init(capacity: Int = 0) {
        bytes = []
        bytes.reserveCapacity(capacity)
    }

    public var count: Int { bytes.count }

    @inlinable public mutating func u8(_ v: UInt8) { bytes.append(v) }

    @inlinable public mutating func u16le(_ v: UInt16) {
        bytes.append(UInt8(truncatingIfNeeded: v))
        bytes.append(UInt8(truncatingIfNeeded: v >> 8))
    }

    @inlinable public mutating func u32le(_ v: UInt32) {
        for s in stride(from: 0, to: 32, by: 8) { bytes.append(UInt8(truncatingIfNeeded: v >> UInt32(s))) }
    }

    @inlinable public mutating func u64le(_ v: UInt64) {
        for s in stride(from: 0, to: 64, by: 8) { bytes.append(UInt8(truncatingIfNeeded: v >> UInt64(s))) }
    }

    /// LEB128 unsigned varint.
    @inlinable public mutating func varint(_ v: UInt64) {
        var v = v
        while v >= 0x80 {
            bytes.append(UInt8(truncatingIfNeeded: v) | 0x80)
            v >>= 7
        }
        bytes.append(UInt8(v))
    }

    @inlinable public mutating func varint(_ v: Int) { varint(UInt64(v)) }

    /// Zigzag-mapped signed varint (small magnitudes, either sign, stay short).
    @inlinable public mutating func svarint(_ v: Int64) {
        varint(UInt64(bitPattern: (v << 1) ^ (v >> 63)))
    }

    @inlinable public mutating func append<C: Collection>(_ data: C) where C.Element == UInt8 {
        bytes.append(contentsOf: data)
    }

    /// A varint length followed by the bytes.
    @inlinable public mutating func lengthPrefixed<C: Collection>(_ data: C) where C.Element == UInt8 {
        varint(data.count)
        bytes.append(contentsOf: data)
    }

    public mutating func string(_ s: String) { lengthPrefixed(Array(s.utf8)) }
}

/// The failure every `ByteReader` reports: the input ended early or held an impossible
/// value. Callers wrap it into their own error that names the file or frame.
public struct ByteReaderError: Error, CustomStringConvertible, Equatable {
    public let description: String
    public init(_ description: String) { self.description = description }
}

/// Reads what `ByteWriter` wrote, never trapping on short or hostile input.
public struct ByteReader {
    public let bytes: ArraySlice<UInt8>
    public private(set) var position: Int

    public init(_ bytes: [UInt8]) { self.init(bytes[...]) }

    public init(_ bytes: ArraySlice<UInt8>) {
        self.bytes = bytes
        position = bytes.startIndex
    }

    public var remaining: Int { bytes.endIndex - position }
    public var isAtEnd: Bool { position >= bytes.endIndex }

    @inlinable mutating func need(_ n: Int) throws {
        guard n >= 0, remaining >= n else {
            throw ByteReaderError("truncated: needed \(n) bytes, \(remaining) left")
        }
    }

    public mutating func u8() throws -> UInt8 {
        try need(1)
        defer { position += 1 }
        return bytes[position]
    }

    public mutating func u16le() throws -> UInt16 {
        try need(2)
        defer { position += 2 }
        return UInt16(bytes[position]) | UInt16(bytes[position + 1]) << 8
    }

    public mutating func u32le() throws -> UInt32 {
        try need(4)
        var v: UInt32 = 0
        for i in 0..<4 { v |= UInt32(bytes[position + i]) << UInt32(8 * i) }
        position += 4
        return v
    }

    public mutating func u64le() throws -> UInt64 {
        try need(8)
        var v: UInt64 = 0
        for i in 0..<8 { v |= UInt64(bytes[position + i]) << UInt64(8 * i) }
        position += 8
        return v
    }

    public mutating func varint() throws -> UInt64 {
        var result: UInt64 = 0
        var shift: UInt64 = 0
        while true {
            let b = try u8()
            if shift == 63 && b > 1 { throw ByteReaderError("varint overflows 64 bits") }
            result |= UInt64(b & 0x7F) << shift
            if b < 0x80 { return result }
            shift += 7
            if shift > 63 { throw ByteReaderError("varint longer than 10 bytes") }
        }
    }

    /// A varint that must fit a non-negative `Int` no larger than `limit`.
    public mutating func count(limit: Int = Int.max) throws -> Int {
        let v = try varint()
        guard v <= UInt64(limit) else { throw ByteReaderError("count \(v) exceeds limit \(limit)") }
        return Int(v)
    }

    public mutating func svarint() throws -> Int64 {
        let u = try varint()
        return Int64(bitPattern: (u >> 1) ^ (0 &- (u & 1)))
    }

    public mutating func bytes(_ n: Int) throws -> ArraySlice<UInt8> {
        try need(n)
        defer { position += n }
        return bytes[position..<(position + n)]
    }

    public mutating func lengthPrefixed() throws -> ArraySlice<UInt8> {
        let n = try count(limit: remaining)
        return try bytes(n)
    }

    public mutating func string() throws -> String {
        let raw = try lengthPrefixed()
        guard let s = String(validating: raw, as: UTF8.self) else {
            throw ByteReaderError("string is not valid UTF-8")
        }
        return s
    }
}
