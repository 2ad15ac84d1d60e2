/// How records are grouped before compression: each record alone (real-time stream),
/// runs of N records (micro-batches), or the whole input at once (scheduled batch).
/// Spelt `record`, `block:N`, `file` everywhere: specs, CLI flags, reports, profiles.
public enum Framing: Hashable, Sendable, Codable, CustomStringConvertible, LosslessStringConvertible {
    case record
    case block(Int)
    case file

    public struct ParseError: Error, CustomStringConvertible {
        public let description: String
    }

    public init(parsing text: String) throws {
        let t = text.trimmingCharacters(in: .whitespaces).lowercased()
        switch t {
        case "record", "records": self = .record
        case "file", "whole", "whole-file": self = .file
        default:
            if t.hasPrefix("block:"), let n = Int(t.dropFirst(6)), n >= 1 {
                self = .block(n)
            } else {
                throw ParseError(description: "unknown framing '\(text)': use record, block:N (N ≥ 1) or file")
            }
        }
    }

    public init?(_ description: String) { try? self.init(parsing: description) }

    public var description: String {
        switch self {
        case .record: "record"
        case .block(let n): "block:\(n)"
        case .file: "file"
        }
    }

    /// Record ranges of the frames that cover `count` records.
    public func frames(count: Int) -> [Range<Int>] {
        let size: Int
        switch self {
        case .record: size = 1
        case .block(let n): size = n
        case .file: size = max(count, 1)
        }
        return stride(from: 0, to: count, by: size).map { $0..<min($0 + size, count) }
    }

    public init(from decoder: Decoder) throws {
        try self.init(parsing: try decoder.singleValueContainer().decode(String.self))
    }

    public func encode(to encoder: Encoder) throws {
        var c = encoder.singleValueContainer()
        try c.encode(description)
    }
}

import Foundation
