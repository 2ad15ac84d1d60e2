import Foundation
import Testing
import LogLabCore

/// `loglab profile train` tuning itself (the default), through the built binary: `--dry-run`
/// writes nothing, explicit options restrict the search, `--no-search` takes the fixed
/// defaults, and the chosen profile restores its data byte for byte. (The choice rule itself is tested on fixed measurements in the lab's tests.)
@Suite(.enabled(if: CLI.binary != nil, "build the loglab executable first (swift build)"))
struct ProfileSearchCLITests {
    let dir = TempDir()
    func text(_ r: CLI.Result) -> String { String(decoding: r.stdout, as: UTF8.self) }
    /// Table rows: the candidate column of each measured line.
    func rows(_ table: String) -> [String] {
        table.split(separator: "\n").map(String.init).filter { $0.contains(" transforms ") && !$0.hasPrefix("chose") && !$0.hasPrefix("skipped") }
    }

    @Test func dryRunPrintsTheSearchAndWritesNothing() throws {
        let train = dir.file("train.jsonl", SdkSamples.jsonl(records: 400, seed: 3))
        let before = try FileManager.default.contentsOfDirectory(atPath: dir.path).sorted()
        let r = try CLI.run(["profile", "train", "--train", train, "--dry-run", "--framing", "block:256", "--transforms", "all",
                             "--min-compress-speed", "1MB/s", "--min-restore-speed", "1MB/s"])
        #expect(r.status == 0, "\(r.stderr)")
        let t = text(r)
        #expect(t.contains("container B") && t.contains("model B") && t.contains("meets floors") && t.contains("chose "), "\(t)")
        #expect(rows(t).count >= 3 && rows(t).contains { $0.hasPrefix("→") }, "\(t)")
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir.path).sorted() == before)
        #expect(!FileManager.default.fileExists(atPath: NSTemporaryDirectory() + "p.llp"))
        // -o with --dry-run, and neither: usage errors (exit 64), nothing written.
        let both = try CLI.run(["profile", "train", "--train", train, "--dry-run", "-o", dir.path + "/x.llp"])
        #expect(both.status == 64 && both.stderr.contains("--dry-run writes nothing"), "\(both.stderr)")
        #expect(!FileManager.default.fileExists(atPath: dir.path + "/x.llp"))
        let neither = try CLI.run(["profile", "train", "--train", train])
        #expect(neither.status == 64 && neither.stderr.contains("missing -o"), "\(neither.stderr)")
        let bad = try CLI.run(["profile", "train", "--train", train, "--dry-run", "--min-restore-speed", "fast"])
        #expect(bad.status == 64 && bad.stderr.contains("invalid speed 'fast'"), "\(bad.stderr)")
    }

    @Test func explicitOptionsRestrictTheSearch() throws {
        let train = dir.file("train.jsonl", SdkSamples.jsonl(records: 400, seed: 4))
        let r = try CLI.run(["profile", "train", "--train", train, "--dry-run", "--codec", "zstd:3", "--framing", "block:256"])
        #expect(r.status == 0, "\(r.stderr)")
        let measured = rows(text(r))
        #expect(measured.count >= 2 && measured.allSatisfy { $0.contains("block:256, zstd:3, ") }, "\(text(r))")
        // Both transform choices and some dictionary sizes are still searched.
        #expect(measured.contains { $0.contains("transforms all,") } && measured.contains { $0.contains("transforms none,") })
        // Everything fixed: nothing to search.
        let fixed = try CLI.run(["profile", "train", "--train", train, "--dry-run", "--codec", "zstd:3", "--framing", "block:256",
                                 "--transforms", "none", "--dictionary-size", "0"])
        #expect(fixed.status == 0 && text(fixed).contains("nothing to search"), "\(text(fixed)) \(fixed.stderr)")
    }

    @Test func theChosenProfileRestoresByteForByte() throws {
        let train = dir.file("train.jsonl", SdkSamples.jsonl(records: 600, seed: 5))
        let input = SdkSamples.jsonl(records: 300, seed: 6)
        let test = dir.file("test.jsonl", input)
        let profile = dir.path + "/auto.llp"
        // No option needed: the profile tunes itself by default.
        let p = try CLI.run(["profile", "train", "--train", train, "-o", profile, "--codec", "zstd:3",
                             "--min-compress-speed", "0.5", "--min-restore-speed", "0.5"])
        #expect(p.status == 0, "\(p.stderr)")
        // The table goes to standard error, the written profile to standard output.
        let chosen = rows(p.stderr).first { $0.hasPrefix("→") }
        #expect(chosen != nil && p.stderr.contains("chose "), "\(p.stderr)")
        let summary = text(p)
        #expect(summary.contains("wrote \(profile)") && summary.contains("zstd:3"), "\(summary)")
        if let chosen, let framing = chosen.split(separator: ",").dropFirst().first?.trimmingCharacters(in: .whitespaces) {
            #expect(summary.contains(", \(framing), "), "chose \(framing): \(summary)")
        }
        let llc = dir.path + "/t.llc", back = dir.path + "/back.jsonl"
        let c = try CLI.run(["compress", "--profile", profile, "-i", test, "-o", llc])
        #expect(c.status == 0, "\(c.stderr)")
        let r = try CLI.run(["restore", "--profile", profile, "-i", llc, "-o", back])
        #expect(r.status == 0, "\(r.stderr)")
        #expect(try Files.read(back) == input)
        // --no-search: the fixed defaults, nothing measured; with --dry-run a usage error.
        let n = try CLI.run(["profile", "train", "--train", train, "-o", dir.path + "/fixed.llp", "--no-search"])
        #expect(n.status == 0 && !n.stderr.contains("container B") && text(n).contains("zstd:6, block:1024, transforms all"), "\(text(n)) \(n.stderr)")
        let both = try CLI.run(["profile", "train", "--train", train, "--dry-run", "--no-search"])
        #expect(both.status == 64 && both.stderr.contains("drop --no-search"), "\(both.stderr)")
    }

    @Test func textLinesSearchedByDefaultRestoreByteForByte() throws {
        // Text lines (the template transform's frames): the default search, then a restore.
        func lines(_ range: Range<Int>) -> [UInt8] {
            Array(range.map { i in
                "2021-12-26 10:\(String(format: "%02d:%02d", i / 60 % 60, i % 60)),\(String(format: "%03d", i * 7 % 1000)) INFO worker-\(i % 5) "
                    + "request \(i * 37) from 10.0.\(i % 7).\(i % 250) took \(i % 91) ms id=\(String(format: "%08x", i &* 2_654_435_761 & 0xFFFF_FFFF))\n"
            }.joined().utf8)
        }
        let train = dir.file("train.log", lines(0..<800))
        let input = lines(800..<1300)
        let test = dir.file("test.log", input)
        let profile = dir.path + "/text.llp"
        let p = try CLI.run(["profile", "train", "--train", train, "-o", profile, "--framing", "block:256", "--codec", "zstd:3",
                             "--min-compress-speed", "0.5", "--min-restore-speed", "0.5"])
        #expect(p.status == 0 && p.stderr.contains("container B") && p.stderr.contains("chose "), "\(p.stderr)")
        let llc = dir.path + "/t.llc", back = dir.path + "/back.log"
        #expect(try CLI.run(["compress", "--profile", profile, "-i", test, "-o", llc]).status == 0)
        let r = try CLI.run(["restore", "--profile", profile, "-i", llc, "-o", back])
        #expect(r.status == 0, "\(r.stderr)")
        #expect(try Files.read(back) == input)
    }
}
