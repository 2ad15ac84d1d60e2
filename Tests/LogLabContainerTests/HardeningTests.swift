import Foundation
import Testing
import LogLabCore
import LogLabCodecs
@testable import LogLabContainer

/// Runs the CLI with its standard output on a given descriptor and extra environment.
enum Child {
    struct Result {
        var status: Int32
        var signaled: Bool
        var stderr: String
    }

    static func start(_ args: [String], stdoutFD: Int32? = nil, stdin: FileHandle? = nil,
                      env: [String: String] = [:], cwd: String? = nil) throws -> (Process, Pipe) {
        signal(SIGPIPE, SIG_IGN)
        let p = Process()
        p.executableURL = URL(fileURLWithPath: CLI.binary!)
        p.arguments = args
        if let cwd { p.currentDirectoryURL = URL(fileURLWithPath: cwd) }
        var environment = ProcessInfo.processInfo.environment
        for (k, v) in env { environment[k] = v }
        p.environment = environment
        let errPipe = Pipe()
        p.standardError = errPipe
        p.standardOutput = stdoutFD.map { FileHandle(fileDescriptor: $0, closeOnDealloc: false) } ?? FileHandle.nullDevice
        p.standardInput = stdin ?? FileHandle.nullDevice
        try p.run()
        return (p, errPipe)
    }

    static func wait(_ started: (Process, Pipe)) -> Result {
        let err = started.1.fileHandleForReading.readDataToEndOfFile()
        started.0.waitUntilExit()
        return Result(status: started.0.terminationStatus, signaled: started.0.terminationReason == .uncaughtSignal,
                      stderr: String(decoding: err, as: UTF8.self))
    }

    static func run(_ args: [String], stdoutFD: Int32? = nil, env: [String: String] = [:], cwd: String? = nil) throws -> Result {
        wait(try start(args, stdoutFD: stdoutFD, env: env, cwd: cwd))
    }
}

/// A character device like /dev/full (1,7: every write fails with ENOSPC), made in a scratch
/// folder, never a system device. Nil when the test cannot make device nodes.
func makeFullDevice(in dir: String) -> String? {
    let path = dir + "/full"
    return mknod(path, S_IFCHR | 0o666, makedev(1, 7)) == 0 ? path : nil
}

func makedev(_ major: UInt32, _ minor: UInt32) -> dev_t {
    dev_t((UInt64(major & 0xfff) << 8) | UInt64(minor & 0xff) | (UInt64(minor & ~0xff) << 12) | (UInt64(major & ~0xfff) << 32))
}

func expectOneLine(_ r: Child.Result, _ containing: String, _ what: String, sourceLocation: SourceLocation = #_sourceLocation) {
    #expect(r.status != 0 && !r.signaled, "\(what): exit status \(r.status), stderr \(r.stderr)", sourceLocation: sourceLocation)
    #expect(r.stderr.hasPrefix("error: ") && r.stderr.split(separator: "\n").count == 1, "\(what): \(r.stderr)", sourceLocation: sourceLocation)
    #expect(r.stderr.contains(containing), "\(what): \(r.stderr)", sourceLocation: sourceLocation)
}

func fileMode(_ path: String) -> mode_t {
    var st = stat()
    return lstat(path, &st) == 0 ? st.st_mode : 0
}

@Suite(.enabled(if: CLI.binary != nil, "build the loglab executable first (swift build)"), .serialized)
struct HardeningCLITests {
    let dir = TempDir()
    let input: String
    let profilePath: String

    init() throws {
        input = dir.file("in.jsonl", SdkSamples.test)
        profilePath = dir.path + "/p.llp"
        try SdkSamples.profile(framing: .block(50), transforms: .none).write(to: profilePath)
    }

    // Issue case 1: a device output is written in place (ENOSPC reported), a symlink is
    // followed, an existing file keeps its permissions.
    @Test func outputsToDevicesLinksAndPermissions() throws {
        if let full = makeFullDevice(in: dir.path) {
            let r = try Child.run(["compress", "--profile", profilePath, "-i", input, "-o", full])
            expectOneLine(r, "\(full): No space left on device", "compress onto a full device")
            #expect(fileMode(full) & S_IFMT == S_IFCHR, "the device node was replaced")
            let c = try Child.run(["codec", "compress", "--codec", "zstd:3", "-i", input, "-o", full])
            expectOneLine(c, full, "codec compress onto a full device")
        }
        let target = dir.path + "/target.llc"
        _ = FileManager.default.createFile(atPath: target, contents: Data([1, 2, 3]))
        chmod(target, 0o600)
        let link = dir.path + "/link.llc"
        try FileManager.default.createSymbolicLink(atPath: link, withDestinationPath: "target.llc")
        let r = try Child.run(["compress", "--profile", profilePath, "-i", input, "-o", link])
        #expect(r.status == 0, "\(r.stderr)")
        #expect(fileMode(link) & S_IFMT == S_IFLNK, "the link was replaced")
        #expect(fileMode(target) & 0o7777 == 0o600, "permissions not kept: \(String(fileMode(target), radix: 8))")
        let reader = try ContainerReader(path: target, codec: nil)
        #expect(reader.recordCount == RecordBatch(lines: SdkSamples.test).count)
        // A FIFO output is written in place, not replaced.
        let fifo = dir.path + "/out.fifo"
        #expect(mkfifo(fifo, 0o644) == 0)
        let reading = Thread {
            let fd = open(fifo, O_RDONLY)
            var buf = [UInt8](repeating: 0, count: 1 << 16)
            while read(fd, &buf, buf.count) > 0 {}
            close(fd)
        }
        reading.start()
        let f = try Child.run(["codec", "compress", "--codec", "zstd:3", "-i", input, "-o", fifo])
        #expect(f.status == 0, "\(f.stderr)")
        #expect(fileMode(fifo) & S_IFMT == S_IFIFO)
        let leftovers = try FileManager.default.contentsOfDirectory(atPath: dir.path).filter { $0.hasSuffix(".tmp") }
        #expect(leftovers.isEmpty, "\(leftovers)")
    }

    // Issue case 2: standard output that cannot be written is one line and exit 1, never a
    // trap; inspect and profile show fail too.
    @Test func unwritableStandardOutput() throws {
        let container = dir.path + "/c.llc"
        #expect(try Child.run(["compress", "--profile", profilePath, "-i", input, "-o", container]).status == 0)
        if let full = makeFullDevice(in: dir.path) {
            let fd = open(full, O_WRONLY)
            defer { close(fd) }
            for args in [["codec", "compress", "--codec", "zstd:3", "-i", input],
                         ["codec", "decompress", "--codec", "zstd", "-i", dir.file("x.zst", try Compressor(try CodecSpec(parsing: "zstd:3")).compress(SdkSamples.test))],
                         ["dataset", "generate", "sdk-log", "--records", "200", "-o", "-"],
                         ["restore", "--profile", profilePath, "-i", container],
                         ["inspect", "-i", container], ["profile", "show", "-i", profilePath]] {
                let r = try Child.run(args, stdoutFD: fd)
                expectOneLine(r, "standard output", args.prefix(2).joined(separator: " "))
            }
        }
        // A closed pipe with SIGPIPE ignored (inherited): EPIPE, reported.
        var fds: [Int32] = [0, 0]
        #expect(pipe(&fds) == 0)
        close(fds[0])
        defer { close(fds[1]) }
        let r = try Child.run(["codec", "compress", "--codec", "zstd:3", "-i", input], stdoutFD: fds[1])
        expectOneLine(r, "standard output", "closed pipe")
    }

    // Issue case 3 (and the input module): directories, FIFOs, missing files.
    @Test func inputsThatAreNotFiles() throws {
        for args in [["dataset", "stats", "-i", dir.path], ["dataset", "split", "-i", dir.path, "--by", "fraction", "--train", dir.path + "/t.jsonl"],
                     ["codec", "compress", "--codec", "zstd:3", "-i", dir.path], ["compress", "--profile", profilePath, "-i", dir.path],
                     ["train", "--train", dir.path, "-o", dir.path + "/d.zdict"]] {
            expectOneLine(try Child.run(args), "is a directory", args.prefix(2).joined(separator: " "))
        }
        expectOneLine(try Child.run(["dataset", "stats", "-i", dir.path + "/missing.jsonl"]), "no such file", "missing file")
        let fifo = dir.path + "/in.fifo"
        #expect(mkfifo(fifo, 0o644) == 0)
        // Random access on a FIFO is refused at once (no waiting for a writer).
        expectOneLine(try Child.run(["verify", "-i", fifo]), "FIFO", "verify a FIFO")
        expectOneLine(try Child.run(["inspect", "-i", fifo]), "FIFO", "inspect a FIFO")
        // A spec whose dataset path is a directory.
        let spec = dir.file("s.yaml", Array("""
            name: s
            datasets: [{name: d, path: \(dir.path)}]
            framings: [file]
            codecs: [zstd:1]
            """.utf8))
        let s = try Child.run(["run", spec, "-o", dir.path + "/rep", "--no-cache"])
        #expect(s.status != 0 && !s.signaled, "\(s.stderr)")
    }

    // Issue case 5 (and issue 13): two writers into one folder, shuffled input.
    @Test func concurrentPartitionedWriters() throws {
        let lines = RecordBatch(lines: SdkSamples.jsonl(records: 3000, seed: 5))
        var order = Array(0..<lines.count)
        var rng = SystemRandomNumberGenerator()
        order.shuffle(using: &rng)
        var shuffled = [UInt8]()
        for i in order { shuffled += Array(lines[i]) + [0x0A] }
        let a = dir.file("a.jsonl", shuffled), b = dir.file("b.jsonl", lines.joinedLinesForTests())
        let out = dir.path + "/parts"
        let p1 = try Child.start(["compress", "--profile", profilePath, "-i", a, "-o", out, "--partition-by", "hour"])
        let p2 = try Child.start(["compress", "--profile", profilePath, "-i", b, "-o", out, "--partition-by", "hour"])
        let r1 = Child.wait(p1), r2 = Child.wait(p2)
        #expect(r1.status == 0 && r2.status == 0, "\(r1.stderr) \(r2.stderr)")
        let manifest = try #require(try PartitionManifest.load(directory: out))
        #expect(manifest.parts.reduce(0) { $0 + $1.records } == 2 * lines.count)
        let hours = Set(manifest.parts.map { $0.path.split(separator: "/").prefix(2).joined(separator: "/") })
        #expect(manifest.parts.count == 2 * hours.count, "one part per hour and writer, shuffled or not")
        #expect(Set(manifest.parts.map(\.path)).count == manifest.parts.count)
        let files = (FileManager.default.enumerator(atPath: out)?.allObjects as? [String] ?? []).filter { $0.hasSuffix(".llc") }
        #expect(files.count == manifest.parts.count)
        let v = try Child.run(["verify", "-i", out, "--profile", profilePath])
        #expect(v.status == 0, "\(v.stderr)")
        // Restore across the folder, whole and by time range.
        let whole = dir.path + "/whole.jsonl"
        #expect(try Child.run(["restore", "--profile", profilePath, "-i", out + "/manifest.json", "-o", whole]).status == 0)
        #expect(RecordBatch(lines: try Files.read(whole)).count == 2 * lines.count)
        let from = "2021-12-26T05:00:00Z", to = "2021-12-26T07:30:00Z"
        let lo = Timestamps.parseISO8601(from)!, hi = Timestamps.parseISO8601(to)!
        var expected = 0
        for i in 0..<lines.count {
            if let t = TimeField("timestamp").time(in: lines[i]), t >= lo, t < hi { expected += 2 }
        }
        let ranged = dir.path + "/ranged.jsonl"
        #expect(try Child.run(["restore", "--profile", profilePath, "-i", out, "--from", from, "--to", to, "-o", ranged]).status == 0)
        #expect(RecordBatch(lines: try Files.read(ranged)).count == expected)
        #expect(expected > 0)
    }

    // Issue case 6: profiles that cannot load are errors at train time.
    @Test func profileTrainChecksWhatItWrote() throws {
        let train = dir.file("train.jsonl", SdkSamples.train)
        let sub = try Child.run(["profile", "train", "--train", train, "--framing", "record", "--dictionary-size", "4KiB", "--no-search",
                                 "--dictionary-output", "sub/x.zdict", "-o", dir.path + "/p2.llp"])
        #expect(sub.status == 0, "\(sub.stderr)")
        _ = try Profile.load(path: dir.path + "/p2.llp")
        let same = try Child.run(["profile", "train", "--train", train, "--framing", "record", "--dictionary-size", "4KiB", "--no-search",
                                  "--dictionary-output", "p3.llp", "-o", dir.path + "/p3.llp", "-q"])
        expectOneLine(same, "same file", "dictionary over the profile")
        #expect(!FileManager.default.fileExists(atPath: dir.path + "/p3.llp"))
    }

    // Issue case 7: decompression bombs in whole-file readers stop at the limit.
    @Test func decompressionBombs() throws {
        let zeros = [UInt8](repeating: 0x61, count: 8 << 20) + [0x0A]
        let bomb = dir.file("bomb.zst", try Compressor(try CodecSpec(parsing: "zstd:3")).compress(zeros))
        let brotli = dir.file("bomb.br", try Compressor(try CodecSpec(parsing: "brotli:5")).compress(zeros))
        let env = ["LOGLAB_MAX_INPUT": "1MiB"]
        let s = try Child.run(["dataset", "split", "-i", bomb, "--by", "fraction", "--train", dir.path + "/t.jsonl"], env: env)
        expectOneLine(s, "LOGLAB_MAX_INPUT", "dataset split of a bomb")
        let t = try Child.run(["train", "--train", brotli, "-o", dir.path + "/d.zdict"], env: env)
        expectOneLine(t, "limit", "train on a bomb")
    }

    // Issue case 8 and the kill -9 cases: nothing partial under a final name, no debris.
    @Test func interruptedRuns() throws {
        // SIGTERM and SIGINT while compress waits for more input: temp removed, 128+signal.
        for (sig, code) in [(SIGTERM, Int32(143)), (SIGINT, Int32(130))] {
            let inPipe = Pipe()
            let out = dir.path + "/sig\(sig).llc"
            let started = try Child.start(["compress", "--profile", profilePath, "-o", out], stdin: inPipe.fileHandleForReading)
            try inPipe.fileHandleForWriting.write(contentsOf: Data(SdkSamples.test))
            try waitFor { (try? FileManager.default.contentsOfDirectory(atPath: dir.path))?.contains { $0.hasPrefix(".sig\(sig).llc") } == true }
            kill(started.0.processIdentifier, sig)
            let r = Child.wait(started)
            #expect(r.status == code, "signal \(sig): status \(r.status)")
            let names = try FileManager.default.contentsOfDirectory(atPath: dir.path)
            #expect(!names.contains { $0.contains("sig\(sig)") }, "\(names)")
            try? inPipe.fileHandleForWriting.close()
        }
        // kill -9: the temporary file may stay, the final name never holds a partial file.
        let inPipe = Pipe()
        let out = dir.path + "/k9.llc"
        let started = try Child.start(["compress", "--profile", profilePath, "-o", out], stdin: inPipe.fileHandleForReading)
        try inPipe.fileHandleForWriting.write(contentsOf: Data(SdkSamples.test))
        try waitFor { (try? FileManager.default.contentsOfDirectory(atPath: dir.path))?.contains { $0.hasPrefix(".k9.llc") } == true }
        kill(started.0.processIdentifier, SIGKILL)
        _ = Child.wait(started)
        #expect(!FileManager.default.fileExists(atPath: out))

        // Partitioned: a complete run, then runs killed mid-way (SIGKILL, SIGTERM).
        let parts = dir.path + "/parts"
        #expect(try Child.run(["compress", "--profile", profilePath, "-i", input, "-o", parts, "--partition-by", "hour"]).status == 0)
        let before = try #require(try PartitionManifest.load(directory: parts))
        for sig in [SIGKILL, SIGTERM] {
            let pipe = Pipe()
            let p = try Child.start(["compress", "--profile", profilePath, "-o", parts, "--partition-by", "hour"],
                                    stdin: pipe.fileHandleForReading, env: ["LOGLAB_TEST": "1"])
            try pipe.fileHandleForWriting.write(contentsOf: Data(SdkSamples.test))
            usleep(300_000)
            kill(p.0.processIdentifier, sig)
            _ = Child.wait(p)
            try? pipe.fileHandleForWriting.close()
            let after = try #require(try PartitionManifest.load(directory: parts))
            #expect(after == before, "an interrupted run changed the manifest")
            for part in after.parts {
                #expect(SHA256Hasher.hex(try Files.read(parts + "/" + part.path)) == part.sha256)
            }
            let finalNamed = (FileManager.default.enumerator(atPath: parts)?.allObjects as? [String] ?? []).filter { $0.hasSuffix(".llc") && !$0.contains(".spill-") }
            #expect(Set(finalNamed) == Set(after.parts.map(\.path)), "unlisted parts: \(finalNamed)")
        }
        // The next writer removes what the killed one left (its spill folder).
        #expect(try Child.run(["compress", "--profile", profilePath, "-i", input, "-o", parts, "--partition-by", "hour"]).status == 0)
        let all = FileManager.default.enumerator(atPath: parts)?.allObjects as? [String] ?? []
        #expect(!all.contains { $0.contains(".spill-") || $0.hasSuffix(".tmp") }, "\(all)")
        #expect(try Child.run(["verify", "-i", parts, "--profile", profilePath]).status == 0)
        // A failed run into a new folder leaves no folder behind.
        let fresh = dir.path + "/new/deeper"
        let r = try Child.run(["compress", "--profile", profilePath, "-i", dir.path, "-o", fresh, "--partition-by", "hour"])
        #expect(r.status != 0)
        #expect(!FileManager.default.fileExists(atPath: dir.path + "/new"))
    }

    // Issue case 9 (part) and 10: --record bounds; zstd streams carry their checksum.
    @Test func recordBoundsAndChecksums() throws {
        let container = dir.path + "/c.llc"
        #expect(try Child.run(["compress", "--profile", profilePath, "-i", input, "-o", container]).status == 0)
        expectOneLine(try Child.run(["restore", "--profile", profilePath, "-i", container, "--record=9223372036854775800"]),
                      "record 9223372036854775800 does not exist", "huge --record")
        // A usage error: ArgumentParser's message and usage hint, exit 64.
        let both = try Child.run(["restore", "--profile", profilePath, "-i", container, "--record", "3", "--from", "2021-12-26T00:00:00Z"])
        #expect(both.status == 64 && both.stderr.contains("--record excludes --from"), "--record with --from: \(both.stderr)")
        for (codec, flag) in [("zstd:3", true), ("zstd:3:nocheck", false), ("zstd:3:check", true)] {
            let out = dir.path + "/x.\(codec).zst"
            #expect(try Child.run(["codec", "compress", "--codec", codec, "-i", input, "-o", out]).status == 0)
            let bytes = try Files.read(out)
            #expect((bytes[4] & 0x04 != 0) == flag, "\(codec): frame header descriptor \(bytes[4])")
        }
    }

    func waitFor(_ condition: () throws -> Bool) throws {
        for _ in 0..<500 {
            if try condition() { return }
            usleep(10_000)
        }
        Issue.record("timed out waiting")
    }
}

extension RecordBatch {
    func joinedLinesForTests() -> [UInt8] {
        var out = [UInt8]()
        for i in 0..<count { out += Array(self[i]) + [0x0A] }
        return out
    }
}

@Suite struct HardeningLibraryTests {
    let dir = TempDir()

    @Test func fileThatShrinksWhileRead() throws {
        let path = dir.file("s.bin", [UInt8](repeating: 7, count: 1 << 20))
        let f = try InputFile(path)
        _ = try f.read(upTo: 1000)
        #expect(truncate(path, 4000) == 0)
        var failed: Error?
        do { while try !f.read(upTo: 1 << 16).isEmpty {} } catch { failed = error }
        #expect("\(failed.map { "\($0)" } ?? "")".contains("shrank"))
    }

    @Test func wholeFileLimitAndDirectories() throws {
        let path = dir.file("big.bin", [UInt8](repeating: 1, count: 5000))
        #expect(throws: FileError.self) { try Files.read(path, limit: 4999) }
        #expect(try Files.read(path, limit: 5000).count == 5000)
        #expect(throws: FileError.self) { try Files.read(dir.path) }
        #expect(throws: FileError.self) { try Files.read(dir.path + "/none") }
    }

    @Test func outputDiscardRemovesTemporaryAndCreatedFolders() throws {
        let path = dir.path + "/a/b/out.bin"
        let out = try Output.open(path)
        try out.write([1, 2, 3])
        let temporary = out.temporaryPath!
        #expect(TemporaryFiles.shared.live.contains(temporary))
        out.discard()
        #expect(!FileManager.default.fileExists(atPath: dir.path + "/a"))
        try Output.with(path) { try $0.write([4, 5]) }
        #expect(try Files.read(path) == [4, 5])
        // Only this test's paths: tests running in parallel register their own (spills, parts).
        #expect(TemporaryFiles.shared.live.allSatisfy { !$0.hasPrefix(self.dir.path + "/") }, "\(TemporaryFiles.shared.live)")
        #expect(!FileManager.default.fileExists(atPath: temporary))
        #expect(throws: FileError.self) { try Output.with(self.dir.path) { try $0.write([1]) } }
    }

    @Test func decodeBudgetBoundsFramesInFlight() {
        var b = DecodeBudget(limit: 100)
        #expect(b.admits(1000), "one frame always goes")
        b.add(60)
        #expect(b.admits(40) && !b.admits(41))
        b.add(40)
        b.removeOldest()
        #expect(b.admits(60) && !b.admits(61))
    }

    /// A valid container whose frames claim large sizes still restores with a small budget.
    @Test func readerRestoresWithinATinyBudget() throws {
        let codec = ProfileCodec(profile: try SdkSamples.profile(framing: .block(20), transforms: .none))
        let bytes = try ContainerWriter.compress(SdkSamples.test, codec: codec, options: .init(threads: 2))
        let path = dir.file("c.llc", bytes)
        let reader = try ContainerReader(path: path, codec: codec)
        var out = [UInt8]()
        try reader.restoreAll(threads: 4) { out.append(contentsOf: $0) }
        #expect(out == SdkSamples.test)
        // Inline (every frame decoded on the calling thread, as the bench times it): the same bytes.
        var inline = [UInt8]()
        try reader.restoreAll(threads: 1, singleThread: true) { inline.append(contentsOf: $0) }
        #expect(inline == SdkSamples.test)
    }

    @Test func partitionsFromShuffledInputStayOnePerHour() throws {
        let codec = ProfileCodec(profile: try SdkSamples.profile(framing: .block(64), transforms: .none))
        let lines = RecordBatch(lines: SdkSamples.jsonl(records: 2000, seed: 9))
        var order = Array(0..<lines.count)
        var rng = SystemRandomNumberGenerator()
        order.shuffle(using: &rng)
        let out = dir.path + "/p"
        // A tiny memory bound forces spilling.
        let writer = try PartitionedWriter(directory: out, codec: codec, granularity: .hour, options: .init(threads: 2),
                                           memoryLimit: 1 << 16)
        for i in order { try lines.withRecord(i) { try writer.append($0) } }
        let manifest = try writer.finish()
        var hours = Set<String>()
        for i in 0..<lines.count { hours.insert(writer.partition(of: TimeField("timestamp").time(in: lines[i]))) }
        #expect(manifest.parts.count == hours.count)
        let set = try PartitionSet(path: out)
        let report = try set.verify(codec: codec)
        #expect(report.records == lines.count && report.unlisted.isEmpty)
        var restored = [UInt8]()
        try set.restore(codec: codec) { restored.append(contentsOf: $0) }
        #expect(RecordBatch(lines: restored).count == lines.count)
        let names = FileManager.default.enumerator(atPath: out)?.allObjects as? [String] ?? []
        #expect(!names.contains { $0.contains(".spill-") })
        // A part changed on disk: verify names it.
        let first = out + "/" + manifest.parts[0].path
        var b = try Files.read(first)
        b[b.count / 2] ^= 0xFF
        try Files.writeAtomically(b, to: first)
        #expect(throws: ContainerError.self) { try set.verify(codec: nil) }
    }
}
