/// The four codec families LogLab measures.
public enum CodecFamily: String, Sendable, Codable, CaseIterable, CustomStringConvertible {
    case gzip, xz, brotli, zstd

    public var description: String { rawValue }

    /// File extension without the dot.
    public var fileExtension: String {
        switch self {
        case .gzip: "gz"
        case .xz: "xz"
        case .brotli: "br"
        case .zstd: "zst"
        }
    }

    /// The level used when a spec names only the family (`zstd` means `zstd:3`).
    public var defaultLevel: Int {
        switch self {
        case .gzip: 6
        case .xz: 6
        case .brotli: 11
        case .zstd: 3
        }
    }

    public var levelRange: ClosedRange<Int> {
        switch self {
        case .gzip: 1...9
        case .xz: 0...9
        case .brotli: 0...11
        case .zstd: -7...22
        }
    }
}

/// The integrity check an xz stream carries.
public enum XZCheck: String, Sendable, Codable, Hashable, CaseIterable {
    case crc64, crc32, none
}

/// One codec with its parameters, spelt the same way everywhere (specs, CLI, reports).
///
/// Grammar: `FAMILY[:LEVEL][:OPTION]...`
/// - `gzip:1`…`gzip:9` (gzip format, deflate with a 32 KiB window)
/// - `xz:0`…`xz:9`, with `e` for the extreme preset (`xz:9e`); options `crc32`, `crc64`
///   (default), `nocheck`
/// - `brotli:0`…`brotli:11`; option `wNN` sets the window to 2^NN bytes (10…24, default 22)
/// - `zstd:-7`…`zstd:22`; options `longNN` (long-distance matching with a 2^NN window,
///   10…31; `long` alone means 27), `check` / `nocheck` (content checksum in every
///   frame; off by default, like libzstd, except for standalone streams — `codec compress`,
///   compressed dataset files — where it is on unless `nocheck`), `magicless` (frames without the 4-byte magic number and
///   without the dictionary id: smaller per-record frames that only LogLab can decode —
///   the `zstd` CLI cannot, and a wrong dictionary is not detected unless `check` is on)
///
/// `description` is the canonical spelling: options in the order above, defaults omitted;
/// it parses back to an equal value.
public struct CodecSpec: Hashable, Sendable, Codable, CustomStringConvertible, LosslessStringConvertible {
    public var family: CodecFamily
    public var level: Int
    /// xz: the extreme preset (`9e`).
    public var extreme: Bool
    /// xz: the stream's integrity check.
    public var xzCheck: XZCheck
    /// brotli: window log (`w24`); zstd: long-distance-matching window log (`long27`).
    /// `nil` means the library default (and, for zstd, long mode off).
    public var window: Int?
    /// zstd: a content checksum in every frame.
    public var checksum: Bool
    /// zstd: frames without magic number and dictionary id.
    public var magicless: Bool

    public init(family: CodecFamily, level: Int? = nil, extreme: Bool = false, xzCheck: XZCheck = .crc64,
                window: Int? = nil, checksum: Bool = false, magicless: Bool = false) throws {
        self.family = family
        self.level = level ?? family.defaultLevel
        self.extreme = extreme
        self.xzCheck = xzCheck
        self.window = window
        self.checksum = checksum
        self.magicless = magicless
        try validate()
    }

    /// Parses `gzip:6`, `xz:9e`, `brotli:11:w24`, `zstd:-5`, `zstd:22:long27`, `zstd:3:check:magicless`…
    /// With `standaloneStream`, zstd carries its content checksum unless `:nocheck` says
    /// otherwise: a file on its own has no other protection (container frames have CRCs).
    public init(parsing text: String, standaloneStream: Bool) throws {
        try self.init(parsing: text, defaultChecksum: standaloneStream)
    }

    public init(parsing text: String) throws {
        try self.init(parsing: text, defaultChecksum: false)
    }

    private init(parsing text: String, defaultChecksum: Bool) throws {
        let trimmed = text.trimmingCharacters(in: .whitespaces).lowercased()
        let parts = trimmed.split(separator: ":", omittingEmptySubsequences: false).map(String.init)
        guard let first = parts.first, let family = CodecFamily(rawValue: first) else {
            throw CodecError.invalidSpec("unknown codec '\(text)': use gzip:1-9, xz:0-9[e], brotli:0-11[:wNN] or zstd:-7..22[:longNN][:check|:nocheck][:magicless]")
        }
        self.family = family
        level = family.defaultLevel
        extreme = false
        xzCheck = .crc64
        window = nil
        checksum = defaultChecksum && family == .zstd
        magicless = false
        var rest = parts.dropFirst()
        if let levelText = rest.first, levelText.first.map({ $0.isNumber || $0 == "-" }) == true {
            rest = rest.dropFirst()
            var digits = Substring(levelText)
            if family == .xz, digits.hasSuffix("e") {
                extreme = true
                digits = digits.dropLast()
            }
            guard let n = Int(digits) else {
                throw CodecError.invalidSpec("invalid level '\(levelText)' in codec '\(text)'")
            }
            level = n
        }
        var seen = Set<String>()
        for option in rest {
            let key = String(option.prefix { $0.isLetter })
            let slot = key == "crc" || key == "nocheck" || (family == .zstd && key == "check") ? "integrity" : key
            guard seen.insert(slot).inserted else {
                throw CodecError.invalidSpec("option '\(option)' repeated in codec '\(text)'")
            }
            switch (family, option) {
            case (.xz, "crc32"): xzCheck = .crc32
            case (.xz, "crc64"): xzCheck = .crc64
            case (.xz, "nocheck"): xzCheck = .none
            case (.zstd, "check"): checksum = true
            case (.zstd, "nocheck"): checksum = false
            case (.zstd, "magicless"): magicless = true
            case (.zstd, "long"): window = 27
            case (.zstd, _) where option.hasPrefix("long"):
                guard let w = Int(option.dropFirst(4)) else {
                    throw CodecError.invalidSpec("invalid long-mode window '\(option)' in codec '\(text)': use longNN with NN in 10...31")
                }
                window = w
            case (.brotli, _) where option.hasPrefix("w"):
                guard let w = Int(option.dropFirst(1)) else {
                    throw CodecError.invalidSpec("invalid brotli window '\(option)' in codec '\(text)': use wNN with NN in 10...24")
                }
                window = w
            default:
                throw CodecError.invalidSpec("unknown option '\(option)' for \(family.rawValue) in codec '\(text)'")
            }
        }
        try validate(text: text)
    }

    public init?(_ description: String) { try? self.init(parsing: description) }

    /// Checks the fields (they are public vars, so a spec can be edited after parsing).
    public func validate(text: String? = nil) throws {
        let name = text ?? description
        guard family.levelRange.contains(level) else {
            throw CodecError.invalidSpec("level \(level) out of range for \(family.rawValue) in codec '\(name)': use \(family.levelRange.lowerBound)...\(family.levelRange.upperBound)")
        }
        if extreme && family != .xz {
            throw CodecError.invalidSpec("the extreme preset exists only for xz (codec '\(name)')")
        }
        if xzCheck != .crc64 && family != .xz {
            throw CodecError.invalidSpec("crc32/nocheck exist only for xz (codec '\(name)')")
        }
        if (checksum || magicless) && family != .zstd {
            throw CodecError.invalidSpec("check/magicless exist only for zstd (codec '\(name)')")
        }
        if let w = window {
            switch family {
            case .brotli:
                guard (10...24).contains(w) else {
                    throw CodecError.invalidSpec("brotli window w\(w) out of range in codec '\(name)': use w10...w24")
                }
            case .zstd:
                guard (10...31).contains(w) else {
                    throw CodecError.invalidSpec("zstd long-mode window long\(w) out of range in codec '\(name)': use long10...long31")
                }
            default:
                throw CodecError.invalidSpec("a window option exists only for brotli (wNN) and zstd (longNN) (codec '\(name)')")
            }
        }
    }

    public var description: String {
        var s = "\(family.rawValue):\(level)"
        switch family {
        case .gzip: break
        case .xz:
            if extreme { s += "e" }
            switch xzCheck {
            case .crc64: break
            case .crc32: s += ":crc32"
            case .none: s += ":nocheck"
            }
        case .brotli:
            if let w = window { s += ":w\(w)" }
        case .zstd:
            if let w = window { s += ":long\(w)" }
            if checksum { s += ":check" }
            if magicless { s += ":magicless" }
        }
        return s
    }

    public var fileExtension: String { family.fileExtension }

    public init(from decoder: Decoder) throws {
        let text = try decoder.singleValueContainer().decode(String.self)
        try self.init(parsing: text)
    }

    public func encode(to encoder: Encoder) throws {
        var c = encoder.singleValueContainer()
        try c.encode(description)
    }
}

import Foundation
