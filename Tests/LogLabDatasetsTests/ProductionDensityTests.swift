import Foundation
import LogLabCore
import Testing
@testable import LogLabDatasets
#if canImport(Glibc)
import Glibc
#endif

/// Generation at production density: windows of a long day, the daily curve in slice mode,
/// and streaming output in bounded memory.
@Suite struct ProductionDensityTests {
    static func ms(_ record: ArraySlice<UInt8>, field: String = "timestamp") -> Int64? {
        TimeField(field).time(in: record)
    }

    @Test(arguments: [
        SdkLogGenerator.Options(records: 3_000, seed: 2, users: 2_000),
        SdkLogGenerator.Options(records: 3_000, days: 2, seed: 5, users: 5_000, sliceRate: 30, sliceHour: 19, sliceCurve: true),
    ])
    func windowIsTheSameAsCuttingTheWholeOutput(options: SdkLogGenerator.Options) {
        let g = SdkLogGenerator(options: options)
        let all = g.generate()
        #expect(all.count == 3_000)
        for range in [0..<1, 1_400..<1_600, 2_900..<3_000, 2_990..<5_000, 0..<3_000] {
            let window = g.generate(range: range)
            #expect(window == all.slice(range.lowerBound..<min(range.upperBound, all.count)), "window \(range)")
        }
        #expect(g.generate(range: 3_000..<3_010).isEmpty)
        #expect(g.generate(range: 10..<10).isEmpty)
    }

    /// With the curve, a slice at the evening peak covers far less time than the same number of
    /// records at dawn; without it both cover about records / rate seconds.
    @Test func sliceCurveFollowsTheDailyCycle() throws {
        func span(hour: Int, curve: Bool) throws -> Double {
            let o = SdkLogGenerator.Options(records: 1_500, seed: 7, users: 5_000, sliceRate: 50, sliceHour: hour, sliceCurve: curve)
            let b = SdkLogGenerator(options: o).generate()
            let first = try #require(Self.ms(b[0])), last = try #require(Self.ms(b[b.count - 1]))
            return Double(last - first) / 1000
        }
        let peak = try span(hour: 20, curve: true), dawn = try span(hour: 4, curve: true)
        let steady = try span(hour: 4, curve: false)
        // Mean rate 50/s: about 1,500 / (50 × 1.76) = 17 s at 20:00, 1,500 / (50 × 0.19) = 160 s at 04:00.
        #expect(peak > 8 && peak < 30, "peak span \(peak) s")
        #expect(dawn > 90 && dawn < 320, "dawn span \(dawn) s")
        #expect(steady > 18 && steady < 45, "steady span \(steady) s")
    }

    @Test func sliceCurveNeedsARate() {
        #expect(throws: DatasetError.self) { try SdkLogGenerator.Options(records: 10, sliceCurve: true).validate() }
    }

    /// The CLI writes a large day as it generates it: peak memory stays far below the output.
    @Test(.enabled(if: CLIBinary.path != nil, "build the loglab executable first (swift build)"))
    func streamingGenerationRunsInBoundedMemory() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("loglab-stream-\(getpid())-\(UInt32.random(in: 0...UInt32.max))")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let out = dir.appendingPathComponent("day.jsonl").path
        // 200,000 records (about 180 MB) in one day.
        let (status, peakBytes) = try CLIBinary.runMeasuringPeakMemory([
            "dataset", "generate", "sdk-log", "--records", "200000", "--seed", "3", "-o", out,
        ])
        #expect(status == 0)
        #expect(peakBytes > 1 << 20, "no peak memory read")
        let size = try #require(try FileManager.default.attributesOfItem(atPath: out)[.size] as? Int)
        #expect(size > 150_000_000, "output \(size) bytes")
        // Holding the output in memory would need more than its size; the generator needs a world and 1 MiB.
        #expect(peakBytes < size / 3, "peak RSS \(peakBytes) bytes for \(size) bytes of output")
        #expect(peakBytes < 80 << 20, "peak RSS \(peakBytes) bytes")
    }
}

/// The built `loglab` binary, run as a child whose peak memory is read while it runs.
enum CLIBinary {
    static let path: String? = {
        #if os(Linux)
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        for config in ["debug", "release"] {
            let p = root.appendingPathComponent(".build/\(config)/loglab").path
            if FileManager.default.isExecutableFile(atPath: p) { return p }
        }
        #endif
        return nil
    }()

    /// Exit status and peak resident set size in bytes of `loglab args…` (stdout and stderr
    /// discarded). The peak is the child's own `VmHWM` (/proc/PID/status), polled until it
    /// exits: `wait4`'s `ru_maxrss` would report this test process's size, which Linux carries
    /// into a child across `exec`.
    static func runMeasuringPeakMemory(_ args: [String]) throws -> (status: Int32, peakBytes: Int) {
        let binary = try #require(path)
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 2, "/dev/null", O_WRONLY, 0)
        let argv: [UnsafeMutablePointer<CChar>?] = ([binary] + args).map { strdup($0) } + [nil]
        defer { for a in argv { free(a) } }
        var pid: pid_t = 0
        let rc = posix_spawn(&pid, binary, &actions, nil, argv, environ)
        guard rc == 0 else { throw DatasetError("posix_spawn failed: \(rc)") }
        var status: Int32 = 0
        var peakKiB = 0
        while true {
            if let text = try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8),
               let line = text.split(separator: "\n").first(where: { $0.hasPrefix("VmHWM:") }),
               let kib = Int(line.dropFirst(6).filter(\.isNumber)) {
                peakKiB = max(peakKiB, kib)
            }
            let r = waitpid(pid, &status, WNOHANG)
            if r == pid { break }
            if r < 0 && errno != EINTR { throw DatasetError("waitpid failed: \(errno)") }
            usleep(5_000)
        }
        let exited = (status & 0x7F) == 0
        return (exited ? (status >> 8) & 0xFF : -1, peakKiB * 1024)
    }
}
