import Foundation
import Testing
import LogLabCore
import LogLabTransforms
@testable import LogLabContainer

/// Help, version, option spellings and the time options, through the built binary.
@Suite(.enabled(if: CLI.binary != nil, "build the loglab executable first (swift build)"))
struct CLIConventionTests {
    let dir = TempDir()

    static let commands: [[String]] = [
        ["run"], ["bench"], ["dataset"], ["dataset", "generate"], ["dataset", "list"], ["dataset", "verify"],
        ["dataset", "stats"], ["dataset", "split"], ["train"], ["codec"], ["codec", "compress"], ["codec", "decompress"],
        ["profile"], ["profile", "train"], ["profile", "show"], ["export"], ["compress"], ["restore"], ["verify"], ["inspect"],
    ]
    /// Commands with subcommands of their own (no options but help).
    static let groups: Set<[String]> = [["dataset"], ["codec"], ["profile"]]

    func text(_ r: CLI.Result) -> String { String(decoding: r.stdout, as: UTF8.self) }

    @Test func helpAndVersionExitZero() throws {
        for args in [["--help"], ["-h"], ["help"]] {
            let r = try CLI.run(args)
            #expect(r.status == 0 && text(r).contains("USAGE: loglab") && text(r).contains("SUBCOMMANDS"), "\(args): \(r.stderr)")
        }
        let v = try CLI.run(["--version"])
        #expect(v.status == 0 && text(v).trimmingCharacters(in: .whitespacesAndNewlines) == LogLabVersion.current, "\(v.stderr)")
        for command in Self.commands {
            let usage = "USAGE: loglab " + command.joined(separator: " ")
            for args in [["help"] + command, command + ["--help"], command + ["-h"]] {
                let r = try CLI.run(args)
                #expect(r.status == 0, "\(args): exit \(r.status), \(r.stderr)")
                #expect(text(r).contains(usage), "\(args): \(text(r).prefix(200))")
                #expect(r.stderr.isEmpty, "\(args): \(r.stderr)")
                if !Self.groups.contains(command) {
                    #expect(text(r).contains("-q, --quiet") && text(r).contains("-v, --verbose"), "\(args) lacks -q/-v")
                }
            }
        }
    }

    @Test func usageErrorsAndFailuresExitNonZero() throws {
        let unknown = try CLI.run(["compress", "--profile", "p.llp", "--no-such-option"])
        #expect(unknown.status != 0 && unknown.stderr.contains("Unknown option"), "\(unknown.stderr)")
        let missing = try CLI.run(["restore"])
        #expect(missing.status != 0 && missing.stderr.contains("--profile"), "\(missing.stderr)")
        let both = try CLI.run(["inspect", "-i", "x", "-q", "-v"])
        #expect(both.status != 0 && both.stderr.contains("--quiet and --verbose"), "\(both.stderr)")
        let r = try CLI.run(["verify", "-i", dir.path + "/absent.llc"])
        #expect(r.status == 1 && r.stderr.hasPrefix("error: ") && r.stderr.split(separator: "\n").count == 1, "\(r.stderr)")
        #expect(try CLI.run(["nosuchcommand"]).status != 0)
        let topic = try CLI.run(["help", "codec", "nosuch"])
        #expect(topic.status == 64 && topic.stderr.contains("'nosuch' is not a command of 'loglab codec'"), "\(topic.stderr)")
    }

    @Test func oldSpellingsAreRejected() throws {
        let f = dir.file("a.jsonl", Array("{\"a\":1}\n".utf8))
        let old: [[String]] = [
            ["bench", "--codecs", "zstd:3", "--dict", "d.zdict", "-i", f],
            ["bench", "--codecs", "zstd:3", "-i", f, f],
            ["codec", "compress", "--codec", "zstd:3", "--dict", "d.zdict", "-i", f],
            ["codec", "decompress", "--dict", "d.zdict", "-i", f],
            ["train", "--size", "4KiB", "--train", f, "-o", dir.path + "/x"],
            ["train", "--samples-from", f, "-o", dir.path + "/x"],
            ["train", f, "-o", dir.path + "/x"],
            ["train", "--dict-id", "40000", "--train", f, "-o", dir.path + "/x"],
            ["profile", "train", "--train", f, "--dict-size", "4KiB", "-o", dir.path + "/x"],
            ["profile", "train", "--train", f, "--dict-file", "d", "-o", dir.path + "/x"],
            ["profile", "show", "-i", f, f],
            ["export", "--cell", "{}", "--train", f, "--dict-file", "d", "-o", dir.path + "/x"],
            ["inspect", "-i", f, f],
            ["inspect", "-i", f, "--json"],
            ["verify", "-i", f, f],
            ["dataset", "stats", "-i", f, f],
            ["dataset", "stats", "-i", f, "--json"],
            ["dataset", "split", "-i", f, "--by", "time", "--field", "ts", "--train", dir.path + "/x"],
            ["dataset", "split", "-i", f, f, "--by", "sample", "--train", dir.path + "/x"],
            ["run", "spec.yaml", "--out", dir.path],
        ]
        for args in old {
            let r = try CLI.run(args)
            #expect(r.status == 64, "\(args) was accepted: exit \(r.status), \(r.stderr)")
            #expect(r.stderr.contains("Unknown option") || r.stderr.contains("Unexpected argument"), "\(args): \(r.stderr)")
        }
    }

    @Test func unifiedSpellingsWorkEndToEnd() throws {
        let input = SdkSamples.test
        let path = dir.file("in.jsonl", input)
        // train: samples from standard input, --dictionary-size; codec: --dictionary.
        let dict = dir.path + "/d.zdict"
        let t = try CLI.run(["train", "--train", "-", "--dictionary-size", "4KiB", "--dictionary-id", "40000", "-o", dict, "-q"], stdin: input)
        #expect(t.status == 0 && t.stdout.isEmpty && t.stderr.isEmpty, "\(t.stderr)")
        let c = try CLI.run(["codec", "compress", "--codec", "zstd:3", "--dictionary", dict, "-i", path])
        #expect(c.status == 0 && c.stdout.count > 0, "\(c.stderr)")
        let d = try CLI.run(["codec", "decompress", "--dictionary", dict, "-i", "-"], stdin: c.stdout)
        #expect(d.status == 0 && d.stdout == input, "\(d.stderr)")
        // bench: -i, --format json, --dictionary-size, --train.
        let b = try CLI.run(["bench", "--codecs", "zstd:1", "--framing", "record", "--dictionary-size", "4KiB", "--train", path,
                             "-i", path, "--trials", "1", "--warmup", "0", "--latency-samples", "10", "--format", "json"])
        #expect(b.status == 0 && text(b).contains("\"ratio\""), "\(b.stderr)")
        // dataset stats / split.
        let s = try CLI.run(["dataset", "stats", "-i", path, "--record-format", "jsonl", "--format", "json"])
        #expect(s.status == 0 && text(s).hasPrefix("{"), "\(s.stderr)")
        // Standard input, compressed: the codec comes from the magic bytes.
        let zst = try CLI.run(["codec", "compress", "--codec", "zstd:1", "-i", path])
        let s2 = try CLI.run(["dataset", "stats", "--format", "json"], stdin: zst.stdout)
        // (Entropies may differ in the last digit between runs: compare the record counts.)
        func records(_ r: CLI.Result) -> Int? {
            (try? JSONSerialization.jsonObject(with: Data(r.stdout)) as? [String: Any])?["records"] as? Int
        }
        #expect(s2.status == 0 && records(s2) == 500 && records(s) == 500, "\(s2.stderr)")
        let sp = try CLI.run(["dataset", "split", "-i", path, "--by", "time", "--timestamp-field", "_source.timestamp",
                              "--train", dir.path + "/tr.jsonl", "--missing", "previous"])
        #expect(sp.status == 0 && text(sp).contains("by time at '_source.timestamp'"), "\(sp.stderr)")
        // profile train → compress → inspect --format json → verify -i.
        let profile = dir.path + "/p.llp"
        let p = try CLI.run(["profile", "train", "--train", path, "--transforms", "none", "--framing", "block:50",
                             "--dictionary-size", "0", "-o", profile])
        #expect(p.status == 0 && p.stderr.contains("time field: _source.timestamp"), "\(p.stderr)")
        let llc = dir.path + "/x.llc"
        #expect(try CLI.run(["compress", "--profile", profile, "-i", path, "-o", llc]).status == 0)
        let i = try CLI.run(["inspect", "-i", llc, "--format", "json"])
        #expect(i.status == 0 && text(i).contains("\"timestampField\" : \"_source.timestamp\""), "\(text(i))")
        #expect(try CLI.run(["verify", "-i", llc, "--profile", profile, "-q"]).stdout.isEmpty)
        #expect(try CLI.run(["profile", "show", "-i", profile]).status == 0)
    }

    @Test func codecDecompressReadsTheMagicBytesOnStandardInput() throws {
        let input = Array(String(repeating: "{\"a\":1,\"b\":\"xyz\"}\n", count: 500).utf8)
        for codec in ["zstd:3", "gzip:6", "xz:1"] {
            let c = try CLI.run(["codec", "compress", "--codec", codec], stdin: input)
            #expect(c.status == 0, "\(c.stderr)")
            let d = try CLI.run(["codec", "decompress"], stdin: c.stdout)
            #expect(d.status == 0 && d.stdout == input, "\(codec): \(d.stderr)")
            // Without an extension on a file, too.
            let f = dir.file("noext-\(codec.prefix(2))", c.stdout)
            #expect(try CLI.run(["codec", "decompress", "-i", f]).stdout == input)
        }
        // zstd's own compression threads (as zstd -T): any count gives a standard stream of the same data.
        let big = Array(String(repeating: "{\"a\":12345,\"b\":\"some text to compress\"}\n", count: 60_000).utf8)
        for threads in ["0", "1", "2"] {
            let c = try CLI.run(["codec", "compress", "--codec", "zstd:3", "--threads", threads], stdin: big)
            #expect(c.status == 0 && c.stdout.count < big.count / 10, "\(threads): \(c.stderr)")
            #expect(try CLI.run(["codec", "decompress"], stdin: c.stdout).stdout == big, "--threads \(threads)")
        }
        let negative = try CLI.run(["codec", "compress", "--codec", "zstd:3", "--threads", "-1"], stdin: big)
        #expect(negative.status == 64 && negative.stderr.contains("--threads"), "\(negative.stderr)")
        let junk = try CLI.run(["codec", "decompress"], stdin: Array("plain text".utf8))
        #expect(junk.status == 1 && junk.stderr.hasPrefix("error: ") && junk.stderr.contains("--codec"), "\(junk.stderr)")
        let empty = try CLI.run(["codec", "decompress"], stdin: [])
        #expect(empty.status == 1 && empty.stderr.contains("--codec"), "\(empty.stderr)")
    }

    @Test func binaryOutputRefusesATerminalUnlessForced() throws {
        guard let tty = Terminal.open() else { return }   // no pseudo-terminal here
        defer { tty.close() }
        let profile = dir.path + "/p.llp"
        try SdkSamples.profile(framing: .block(50), transforms: .none).write(to: profile)
        let input = SdkSamples.test
        for args in [["compress", "--profile", profile], ["codec", "compress", "--codec", "zstd:1"],
                     ["train", "--train", "-", "--dictionary-size", "4KiB"]] {
            let r = try CLI.run(args, stdin: input, stdoutHandle: tty.handle)
            #expect(r.status == 1 && r.stderr.contains("terminal"), "\(args): \(r.stderr)")
        }
        let forced = try CLI.run(["codec", "compress", "--codec", "zstd:1", "-f"], stdin: Array("x\n".utf8), stdoutHandle: tty.handle)
        #expect(forced.status == 0, "\(forced.stderr)")
        // Text output (restore, decompress) goes to a terminal as usual.
        let z = try CLI.run(["codec", "compress", "--codec", "zstd:1"], stdin: Array("x\n".utf8))
        #expect(try CLI.run(["codec", "decompress"], stdin: z.stdout, stdoutHandle: tty.handle).status == 0)
    }

    @Test func timeRangeChecks() throws {
        let profile = dir.path + "/p.llp"
        try SdkSamples.profile(framing: .block(50), transforms: .none).write(to: profile)
        // Records without the profile's time field: the container has no time index.
        let undated = Array((0..<200).map { "{\"n\":\($0),\"msg\":\"no time here\"}\n" }.joined().utf8)
        let llc = dir.path + "/undated.llc"
        #expect(try CLI.run(["compress", "--profile", profile, "-i", dir.file("u.jsonl", undated), "-o", llc]).status == 0)
        let r = try CLI.run(["restore", "--profile", profile, "-i", llc, "--from", "2021-12-26T00:00:00Z"])
        #expect(r.status == 1 && r.stderr.hasPrefix("error: ") && r.stderr.contains("no time index") && r.stdout.isEmpty, "\(r.stderr)")
        // The whole file still restores.
        #expect(try CLI.run(["restore", "--profile", profile, "-i", llc]).stdout == undated)

        let dated = dir.path + "/dated.llc"
        #expect(try CLI.run(["compress", "--profile", profile, "-o", dated], stdin: SdkSamples.test).status == 0)
        let inverted = try CLI.run(["restore", "--profile", profile, "-i", dated, "--from", "2021-12-27", "--to", "2021-12-26"])
        #expect(inverted.status == 64 && inverted.stderr.contains("earlier than --to"), "\(inverted.stderr)")
        let bad = try CLI.run(["restore", "--profile", profile, "-i", dated, "--from", "2021-02-30"])
        #expect(bad.status == 64 && bad.stderr.contains("not a time"), "\(bad.stderr)")
        let both = try CLI.run(["restore", "--profile", profile, "-i", dated, "--record", "1", "--to", "1640531464"])
        #expect(both.status == 64, "\(both.stderr)")
        // Epoch spellings select the same records as ISO-8601.
        let iso = try CLI.run(["restore", "--profile", profile, "-i", dated, "--from", "2021-12-26T06:00:00Z", "--to", "2021-12-26T12:00:00Z"])
        let epoch = try CLI.run(["restore", "--profile", profile, "-i", dated, "--from", "1640498400", "--to", "1.6405200e12"])
        #expect(iso.status == 0 && !iso.stdout.isEmpty && iso.stdout == epoch.stdout, "\(epoch.stderr)")
    }

    @Test func profileTrainSaysWhenNoFieldHoldsTimes() throws {
        let undated = dir.file("u.jsonl", Array((0..<300).map { "{\"n\":\($0),\"msg\":\"m\($0 % 7)\"}\n" }.joined().utf8))
        let out = dir.path + "/u.llp"
        let r = try CLI.run(["profile", "train", "--train", undated, "--transforms", "none", "--no-search", "-o", out])
        #expect(r.status == 0 && r.stderr.contains("no time field found"), "\(r.stderr)")
        #expect(try Profile.load(path: out).metadata.timestampField == nil)
        let explicit = try CLI.run(["profile", "train", "--train", undated, "--transforms", "none", "--no-search", "--timestamp-field", "n", "-o", out, "-q"])
        #expect(explicit.status == 0 && explicit.stderr.isEmpty && explicit.stdout.isEmpty)
        #expect(try Profile.load(path: out).metadata.timestampField == "n")
    }
}

/// A pseudo-terminal whose slave side a child process gets as standard output.
final class Terminal {
    let master: Int32
    let handle: FileHandle

    private init(master: Int32, slave: Int32) {
        self.master = master
        handle = FileHandle(fileDescriptor: slave, closeOnDealloc: true)
    }

    static func open() -> Terminal? {
        // posix_openpt and friends are not in Swift's Glibc module; they are in libc.
        typealias OpenPT = @convention(c) (Int32) -> Int32
        typealias PTName = @convention(c) (Int32) -> UnsafeMutablePointer<CChar>?
        guard let h = dlopen(nil, RTLD_NOW), let o = dlsym(h, "posix_openpt"), let g = dlsym(h, "grantpt"),
              let u = dlsym(h, "unlockpt"), let n = dlsym(h, "ptsname") else { return nil }
        let openpt = unsafeBitCast(o, to: OpenPT.self), grant = unsafeBitCast(g, to: OpenPT.self)
        let unlock = unsafeBitCast(u, to: OpenPT.self), ptsname = unsafeBitCast(n, to: PTName.self)
        let m = openpt(O_RDWR | O_NOCTTY)
        guard m >= 0, grant(m) == 0, unlock(m) == 0, let name = ptsname(m) else { return nil }
        let s = Glibc.open(name, O_RDWR | O_NOCTTY)
        guard s >= 0, isatty(s) != 0 else { Glibc.close(m); return nil }
        // Drain what the child writes so it never blocks on a full terminal buffer.
        let t = Terminal(master: m, slave: s)
        Thread.detachNewThread {
            var buf = [UInt8](repeating: 0, count: 4096)
            while Glibc.read(m, &buf, buf.count) > 0 {}
        }
        return t
    }

    func close() {
        try? handle.close()
    }
}
