import LogLabCore

/// A profile's identity: the SHA-256 of the profile file's bytes. Containers carry it in
/// their header so a reader refuses data written with another profile.
public struct ProfileID: Hashable, Sendable, CustomStringConvertible, Codable {
    public let bytes: [UInt8]   // 32 bytes

    public init(bytes: [UInt8]) {
        precondition(bytes.count == 32, "a profile id is 32 bytes")
        self.bytes = bytes
    }

    /// Parses 64 hex digits.
    public init?(hex: String) {
        let digits = Array(hex.utf8)
        guard digits.count == 64 else { return nil }
        var out = [UInt8]()
        out.reserveCapacity(32)
        var i = 0
        while i < 64 {
            guard let hi = Self.nibble(digits[i]), let lo = Self.nibble(digits[i + 1]) else { return nil }
            out.append(hi << 4 | lo)
            i += 2
        }
        bytes = out
    }

    /// The id of `content` (a profile file's bytes).
    public static func of(_ content: [UInt8]) -> ProfileID {
        let h = SHA256Hasher()
        h.update(content)
        return ProfileID(bytes: h.finalize())
    }

    public var hex: String { bytes.hexString }
    /// The 12-digit prefix shown in messages.
    public var short: String { String(hex.prefix(12)) }
    public var description: String { short }

    public init(from decoder: Decoder) throws {
        let text = try decoder.singleValueContainer().decode(String.self)
        guard let id = ProfileID(hex: text) else {
            throw ContainerError(.badProfile, "invalid profile id '\(text)': expected 64 hex digits")
        }
        self = id
    }

    public func encode(to encoder: Encoder) throws {
        var c = encoder.singleValueContainer()
        try c.encode(hex)
    }

    private static func nibble(_ c: UInt8) -> UInt8? {
        switch c {
        case 0x30...0x39: c - 0x30
        case 0x61...0x66: c - 0x61 + 10
        case 0x41...0x46: c - 0x41 + 10
        default: nil
        }
    }
}
