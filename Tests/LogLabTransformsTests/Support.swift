import Foundation
import LogLabCore
import LogLabCodecs
@testable import LogLabTransforms

/// SplitMix64: a seeded generator, so every property test is reproducible.
struct SeededRandom: RandomNumberGenerator {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

enum Fixtures {
    /// The selections every round-trip test runs: none, legacy, each transform alone, all,
    /// and all minus each one.
    static var selections: [TransformSelection] {
        var s: [TransformSelection] = [.none, .legacy, .all]
        for k in TransformKind.fieldAware {
            s.append(TransformSelection([k]))
            s.append(TransformSelection.all.without(k))
        }
        return s
    }

    static let framings: [Framing] = [.record, .block(16), .file]

    /// Encodes `test` frame by frame and checks each frame restores byte for byte, also with
    /// a model that went through serialisation. Returns the total encoded size.
    @discardableResult
    static func roundTrip(train: RecordBatch, test: RecordBatch, selection: TransformSelection, framing: Framing) throws -> Int {
        try roundTrip(model: TransformModel.learn(from: train, selection: selection), test: test, framing: framing)
    }

    /// The same with a model already learned; returns the encoded size.
    @discardableResult
    static func roundTrip(model: TransformModel, test: RecordBatch, framing: Framing) throws -> Int {
        let selection = model.selection
        let reloaded = try TransformModel(serialized: model.serialized())
        var enc = FrameEncoder(model: model)
        var dec = FrameDecoder(model: reloaded)
        var total = 0
        for range in framing.frames(count: test.count) {
            let frame = test.slice(range)
            let bytes = enc.encode(frame)
            total += bytes.count
            let back = try dec.decode(bytes, recordCount: frame.count)
            if back != frame {
                for i in 0..<frame.count where i >= back.count || back[i] != frame[i] {
                    let want = String(decoding: frame[i], as: UTF8.self)
                    let got = i < back.count ? String(decoding: back[i], as: UTF8.self) : "(missing)"
                    throw RoundTripFailure(description: "selection \(selection) framing \(framing) record \(range.lowerBound + i):\nwant \(want)\ngot  \(got)")
                }
                throw RoundTripFailure(description: "selection \(selection) framing \(framing): record count differs")
            }
        }
        return total
    }

    struct RoundTripFailure: Error, CustomStringConvertible { let description: String }

    /// `../shared/datasets` next to the package root, if present.
    static func datasetsDirectory(filePath: String = #filePath) -> String? {
        var url = URL(fileURLWithPath: filePath)
        for _ in 0..<3 { url.deleteLastPathComponent() }   // Tests/LogLabTransformsTests/X.swift → root
        let dir = url.deletingLastPathComponent().appendingPathComponent("shared/datasets").path
        return FileManager.default.fileExists(atPath: dir) ? dir : nil
    }

    /// The first `limit` records of a dataset file (`.zst` decompressed with LogLabCodecs).
    static func loadRecords(_ path: String, limit: Int) throws -> RecordBatch {
        var bytes = try Files.read(path)
        if path.hasSuffix(".zst") {
            let d = try StreamDecompressor(.zstd)
            var out: [UInt8] = []
            try bytes.withUnsafeBytes { raw in
                try d.write(raw) { out.append(contentsOf: $0) }
            }
            try d.finish { out.append(contentsOf: $0) }
            bytes = out
        }
        let all = RecordBatch(lines: bytes)
        return all.slice(0..<min(limit, all.count))
    }
}

/// A generator of awkward JSON and not-quite-JSON lines.
struct AwkwardJSON {
    var rng: SeededRandom
    init(seed: UInt64) { rng = SeededRandom(seed: seed) }

    static let numbers = ["-0", "0", "1e400", "0.0012521743774414063", "-9223372036854775808", "9223372036854775807",
                          "18446744073709551616", "1.0", "1E+2", "2230.0", "-1.5e-7", "00", "-", "1.", "0.5",
                          "123456789012345678901234567890.000", "42", "-17", "3.14159265358979323846"]
    static let strings = ["\\u00e9", "\\\"", "\\\\", "\\/", "\\ud83d\\ude00", "é", "한글", "😀", "\\n\\t", "plain",
                          "2021-12-26T15:10:59.884+09:00", "2021-12-26T06:10:59.884Z", "2018-03-24T17:15:20.866586Z",
                          "2021-02-30T00:00:00Z", "2021-12-26 15:10:59", "2021-12-26T15:10:59+0900", "2021-12-26T24:00:00Z",
                          "e085f380-dd96-11eb-a904-599414fa8c5e2319", "E085F380-DD96-11EB-A904-599414FA8C5E",
                          "e085F380-dd96-11eb-a904-599414fa8c5e", "e085f380dd9611eba904599414fa8c5e", "",
                          "GET", "https://api.example.io/v1/x", "sdk-log-2021-12-26", "\\u0000", "a\\u0001b"]

    mutating func pick<T>(_ xs: [T]) -> T { xs[Int(rng.next() % UInt64(xs.count))] }
    mutating func chance(_ p: Double) -> Bool { Double(rng.next() % 10_000) / 10_000 < p }

    mutating func ws() -> String {
        guard chance(0.15) else { return "" }
        return pick([" ", "  ", "\t", "\n", "\r\n", " \n  "])
    }

    mutating func scalar() -> String {
        switch rng.next() % 7 {
        case 0: return pick(Self.numbers)
        case 1: return pick(["true", "false", "null"])
        case 2: return String(Int64(bitPattern: rng.next()) >> (rng.next() % 64))
        default:
            var s = ""
            for _ in 0..<(1 + rng.next() % 3) { s += pick(Self.strings) }
            return "\"" + s + "\""
        }
    }

    mutating func value(depth: Int) -> String {
        let r = rng.next() % 10
        if depth > 0 && r < 2 {
            var parts: [String] = []
            for _ in 0..<(rng.next() % 4) { parts.append(ws() + value(depth: depth - 1) + ws()) }
            return "[" + ws() + parts.joined(separator: ",") + "]"
        }
        if depth > 0 && r < 4 { return object(depth: depth - 1) }
        return scalar()
    }

    mutating func object(depth: Int) -> String {
        var parts: [String] = []
        let keys = ["a", "b", "_id", "ts", "id.orig_h", "k\\u00e9y", "a", "nested", "é", ""]
        for _ in 0..<(rng.next() % 6) {
            parts.append(ws() + "\"" + pick(keys) + "\"" + ws() + ":" + ws() + value(depth: depth) + ws())
        }
        return "{" + ws() + parts.joined(separator: chance(0.2) ? ", " : ",") + "}"
    }

    /// One line (record), sometimes not JSON at all.
    mutating func record() -> [UInt8] {
        switch rng.next() % 20 {
        case 0: return Array("plain text log line 12:00:01 GET /x".utf8)
        case 1: return Array("{\"a\":1} trailing".utf8)
        case 2: return Array("{\"a\":1}\r".utf8)
        case 3: return []
        case 4: return [0x7B, 0x22, 0x61, 0x22, 0x3A, 0x22, 0xFF, 0xFE, 0xC3, 0x22, 0x7D]   // invalid UTF-8 inside a string
        case 5: return Array(String(repeating: "[", count: 300).utf8) + Array(String(repeating: "]", count: 300).utf8)
        case 6:
            var s = "1"
            for _ in 0..<40 { s = "{\"d\":" + s + "}" }
            return Array(s.utf8)
        case 7: return Array("{\n  \"pretty\": [\n    1,\n    2\n  ],\n  \"x\": {}\n}".utf8)
        case 8: return Array("{\"a\":\"unterminated}".utf8)
        case 9: return Array("{\"a\":\"raw\tcontrol\"}".utf8)
        default: return Array((ws() + object(depth: 3) + ws()).utf8)
        }
    }

    mutating func batch(_ n: Int) -> RecordBatch {
        var b = RecordBatch()
        for _ in 0..<n { b.append(record()) }
        return b
    }
}
