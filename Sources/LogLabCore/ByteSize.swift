/// Sizes as people write them: `112KiB`, `112640`, `64K`, `1MiB`, `16kb`, `1.5MB`.
/// Binary units (KiB, MiB, GiB, and bare K/M/G) are powers of 1024; KB/MB/GB are powers of 1000.
public enum ByteSize {
    public struct ParseError: Error, CustomStringConvertible {
        public let description: String
    }

    public static func parse(_ text: String) throws -> Int {
        let t = text.trimmingCharacters(in: .whitespaces)
        let numberPart = t.prefix { $0.isNumber || $0 == "." }
        let unit = t.dropFirst(numberPart.count).trimmingCharacters(in: .whitespaces).lowercased()
        guard let value = Double(numberPart), value >= 0 else {
            throw ParseError(description: "invalid size '\(text)': expected a number with an optional unit such as 112KiB")
        }
        let scale: Double
        switch unit {
        case "", "b": scale = 1
        case "k", "kib": scale = 1024
        case "kb": scale = 1000
        case "m", "mib": scale = 1024 * 1024
        case "mb": scale = 1_000_000
        case "g", "gib": scale = 1024 * 1024 * 1024
        case "gb": scale = 1_000_000_000
        default:
            throw ParseError(description: "invalid size unit '\(unit)' in '\(text)': use B, KiB, MiB, GiB, KB, MB or GB")
        }
        let bytes = value * scale
        guard bytes <= Double(Int.max / 2), bytes == bytes.rounded(.down) else {
            throw ParseError(description: "invalid size '\(text)': not a whole number of bytes")
        }
        return Int(bytes)
    }

    /// A short human spelling: 112640 -> "110 KiB", 1048576 -> "1 MiB".
    public static func format(_ bytes: Int) -> String {
        let units = ["B", "KiB", "MiB", "GiB", "TiB"]
        var v = Double(bytes)
        var i = 0
        while v >= 1024 && i < units.count - 1 { v /= 1024; i += 1 }
        if i == 0 { return "\(bytes) B" }
        let rounded = (v * 10).rounded() / 10
        return rounded == rounded.rounded() ? "\(Int(rounded)) \(units[i])" : "\(rounded) \(units[i])"
    }
}

import Foundation
