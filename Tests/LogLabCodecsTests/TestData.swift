import Foundation
import LogLabCore

/// Deterministic test inputs.
enum TestData {
    /// xorshift64*: the same sequence on every machine.
    struct Rng {
        var state: UInt64
        init(seed: UInt64) { state = seed == 0 ? 0x9E37_79B9_7F4A_7C15 : seed }
        mutating func next() -> UInt64 {
            state ^= state >> 12
            state ^= state << 25
            state ^= state >> 27
            return state &* 0x2545_F491_4F6C_DD1D
        }
        mutating func below(_ n: Int) -> Int { Int(next() % UInt64(n)) }
    }

    static func random(_ count: Int, seed: UInt64 = 1) -> [UInt8] {
        var rng = Rng(seed: seed)
        var out = [UInt8]()
        out.reserveCapacity(count)
        while out.count < count {
            var v = rng.next()
            for _ in 0..<8 where out.count < count {
                out.append(UInt8(truncatingIfNeeded: v))
                v >>= 8
            }
        }
        return out
    }

    /// sdk-log-like JSON lines, about `approximateBytes` long.
    static func jsonLines(approximateBytes: Int, seed: UInt64 = 7) -> [UInt8] {
        var rng = Rng(seed: seed)
        let apps = ["com.example.shop", "com.example.news", "io.acme.weather", "org.sample.chat"]
        let functions = ["login", "fetchFeed", "renderHome", "syncCart", "uploadPhoto", "logout"]
        let levels = ["INFO", "DEBUG", "WARN", "ERROR"]
        var out = [UInt8]()
        out.reserveCapacity(approximateBytes + 1024)
        var t = 1_640_476_800_000
        var i = 0
        while out.count < approximateBytes {
            t += rng.below(5000)
            let line = "{\"timestamp\":\(t),\"level\":\"\(levels[rng.below(4)])\",\"app\":\"\(apps[rng.below(4)])\",\"user\":\"u\(rng.below(5000))\",\"session\":\"\(String(rng.next(), radix: 16))\",\"function\":\"\(functions[rng.below(6)])\",\"durationMs\":\(rng.below(3000)),\"seq\":\(i),\"message\":\"call \(functions[rng.below(6)]) finished with status \(rng.below(600))\"}\n"
            out.append(contentsOf: Array(line.utf8))
            i += 1
        }
        return out
    }

    static func records(_ count: Int, seed: UInt64 = 7) -> RecordBatch {
        let text = jsonLines(approximateBytes: count * 260, seed: seed)
        let all = RecordBatch(lines: text)
        return all.slice(0..<min(count, all.count))
    }

    /// The package root, found from this file's path.
    static var packageRoot: URL {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    }

    static func tool(_ name: String) -> String? {
        for dir in (ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin").split(separator: ":") {
            let path = "\(dir)/\(name)"
            if FileManager.default.isExecutableFile(atPath: path) { return path }
        }
        return nil
    }

    /// Runs a tool with `input` on stdin; returns (status, stdout, stderr). Goes through
    /// files, so large inputs and outputs cannot deadlock on pipes.
    static func run(_ tool: String, _ args: [String], input: [UInt8] = []) throws -> (Int32, [UInt8], String) {
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let inURL = dir.appendingPathComponent("in"), outURL = dir.appendingPathComponent("out"),
            errURL = dir.appendingPathComponent("err")
        try Data(input).write(to: inURL)
        _ = FileManager.default.createFile(atPath: outURL.path, contents: nil)
        _ = FileManager.default.createFile(atPath: errURL.path, contents: nil)
        let p = Process()
        p.executableURL = URL(fileURLWithPath: tool)
        p.arguments = args
        p.standardInput = try FileHandle(forReadingFrom: inURL)
        p.standardOutput = try FileHandle(forWritingTo: outURL)
        p.standardError = try FileHandle(forWritingTo: errURL)
        try p.run()
        p.waitUntilExit()
        let out = try [UInt8](Data(contentsOf: outURL))
        let err = String(decoding: try Data(contentsOf: errURL), as: UTF8.self)
        return (p.terminationStatus, out, err)
    }

    static func temporaryDirectory() throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("loglab-codecs-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }
}
