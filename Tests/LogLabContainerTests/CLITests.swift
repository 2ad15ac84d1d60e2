import Foundation
import Testing
import LogLabCore
import LogLabTransforms
@testable import LogLabContainer

/// Runs the built `loglab` binary (`.build/debug/loglab`); skipped when it is not built.
enum CLI {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()
    static let binary: String? = {
        for config in ["debug", "release"] {
            let p = root.appendingPathComponent(".build/\(config)/loglab").path
            if FileManager.default.isExecutableFile(atPath: p) { return p }
        }
        return nil
    }()

    struct Result {
        var status: Int32
        var stdout: [UInt8]
        var stderr: String
    }

    static func run(_ args: [String], stdin: [UInt8]? = nil, stdoutPath: String? = nil, stdoutHandle: FileHandle? = nil) throws -> Result {
        signal(SIGPIPE, SIG_IGN)   // a child that fails early closes its stdin
        let p = Process()
        p.executableURL = URL(fileURLWithPath: binary!)
        p.arguments = args
        let outPipe = Pipe(), errPipe = Pipe()
        let ownStdout = stdoutPath != nil || stdoutHandle != nil
        if let stdoutHandle {
            p.standardOutput = stdoutHandle
        } else if let stdoutPath {
            p.standardOutput = FileHandle(forWritingAtPath: stdoutPath)
        } else {
            p.standardOutput = outPipe
        }
        p.standardError = errPipe
        let inPipe = Pipe()
        p.standardInput = stdin == nil ? FileHandle.nullDevice : inPipe
        try p.run()
        if let stdin {
            let writer = Thread {
                try? inPipe.fileHandleForWriting.write(contentsOf: Data(stdin))
                try? inPipe.fileHandleForWriting.close()
            }
            writer.start()
        }
        final class Box: @unchecked Sendable { var data = Data() }
        let out = Box()
        let reader = Thread { out.data = outPipe.fileHandleForReading.readDataToEndOfFile() }
        if !ownStdout { reader.start() }
        let err = errPipe.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        if !ownStdout { while !reader.isFinished { usleep(1000) } }
        return Result(status: p.terminationStatus, stdout: [UInt8](out.data), stderr: String(decoding: err, as: UTF8.self))
    }
}

@Suite(.enabled(if: CLI.binary != nil, "build the loglab executable first (swift build)"))
struct CLITests {
    let dir = TempDir()
    let input = SdkSamples.test
    let profilePath: String
    let otherProfilePath: String

    init() throws {
        profilePath = dir.path + "/p.llp"
        otherProfilePath = dir.path + "/q.llp"
        // Plain zstd keeps the debug binary fast; transforms are covered by the library tests.
        try SdkSamples.profile(framing: .block(50), transforms: .none).write(to: profilePath)
        try SdkSamples.profile(framing: .block(51), transforms: .none).write(to: otherProfilePath)
    }

    func expectOneLineError(_ r: CLI.Result, containing: String, _ what: String) {
        #expect(r.status != 0, "\(what): exit status")
        let lines = r.stderr.split(separator: "\n")
        #expect(lines.count == 1 && r.stderr.hasPrefix("error: "), "\(what): stderr was \(r.stderr)")
        #expect(r.stderr.contains(containing), "\(what): \(r.stderr)")
    }

    @Test func anEmptyTrainingSetIsOneError() throws {
        let empty = dir.file("empty.jsonl", [])
        for extra in [[], ["--no-search"], ["--dry-run"]] {
            let args = ["profile", "train", "--train", empty] + (extra == ["--dry-run"] ? extra : extra + ["-o", dir.path + "/e.llp"])
            expectOneLineError(try CLI.run(args), containing: "the training set has no records", args.joined(separator: " "))
        }
    }

    @Test func roundTripThroughPipesAndFiles() throws {
        let c = try CLI.run(["compress", "--profile", profilePath], stdin: input)
        #expect(c.status == 0, "\(c.stderr)")
        #expect(c.stdout.count * 4 < input.count)
        let r = try CLI.run(["restore", "--profile", profilePath], stdin: c.stdout)
        #expect(r.status == 0 && r.stdout == input, "\(r.stderr)")

        let inPath = dir.file("in.jsonl", input)
        let out = dir.path + "/out.llc"
        #expect(try CLI.run(["compress", "--profile", profilePath, "-i", inPath, "-o", out, "--threads", "2"]).status == 0)
        let back = dir.path + "/back.jsonl"
        #expect(try CLI.run(["restore", "--profile", profilePath, "-i", out, "-o", back]).status == 0)
        #expect(try Files.read(back) == input)

        let v = try CLI.run(["verify", "-i", out, "--profile", profilePath])
        #expect(v.status == 0 && String(decoding: v.stdout, as: UTF8.self).hasPrefix("ok: "))
        let i = try CLI.run(["inspect", "-i", out])
        let text = String(decoding: i.stdout, as: UTF8.self)
        let hex = try Profile.load(path: profilePath).id.hex
        #expect(i.status == 0 && text.contains(hex) && text.contains("frames           10"))

        // The frame list's sizes are the container's: frames add up to their segments, segments
        // to the input, and no frame is listed as empty.
        let listing = try CLI.run(["inspect", "-i", out, "--frames", "--format", "json"])
        let o = try #require(try JSONSerialization.jsonObject(with: Data(listing.stdout)) as? [String: Any])
        let frameList = try #require(o["frameList"] as? [[String: Any]])
        let segmentList = try #require(o["segmentList"] as? [[String: Any]])
        let frameBytes = frameList.map { $0["storedBytes"] as? Int ?? 0 }
        #expect(frameList.count == 10 && frameBytes.allSatisfy { $0 > 0 })
        #expect(segmentList.reduce(0) { $0 + ($1["originalBytes"] as? Int ?? 0) } == input.count)
        let sealed = segmentList.reduce(0) { $0 + ($1["storedBytes"] as? Int ?? 0) }
        #expect(sealed == frameBytes.reduce(0, +) + segmentList.count * ContainerFormatV2.sealSize)
        let table = String(decoding: try CLI.run(["inspect", "-i", out, "--frames"]).stdout, as: UTF8.self)
        #expect(table.contains("segment  offset  frames  original  stored") && table.contains("frame  segment  offset  records  stored"))

        // Random access through the CLI equals the full restore.
        let batch = RecordBatch(lines: input)
        let one = try CLI.run(["restore", "--profile", profilePath, "-i", out, "--record", "123"])
        #expect(one.stdout == Array(batch[123]) + [0x0A])
        let range = try CLI.run(["restore", "--profile", profilePath, "-i", out,
                                 "--from", "2021-12-26T06:00:00Z", "--to", "2021-12-26T12:00:00Z"])
        var expected: [UInt8] = []
        let lo = Timestamps.parseISO8601("2021-12-26T06:00:00Z")!, hi = Timestamps.parseISO8601("2021-12-26T12:00:00Z")!
        for k in 0..<batch.count {
            if let t = TimeField("timestamp").time(in: batch[k]), t >= lo, t < hi { expected += Array(batch[k]) + [0x0A] }
        }
        #expect(!expected.isEmpty && range.stdout == expected)
    }

    @Test func sharedSectionThroughTheCLI() throws {
        let inPath = dir.file("in.jsonl", input)
        let out = dir.path + "/shared.llc"
        let c = try CLI.run(["compress", "--shared-section", "--profile", profilePath, "-i", inPath, "-o", out])
        #expect(c.status == 0, "\(c.stderr)")
        let container = try Files.read(out)
        #expect(container[ContainerFormat.headerSize] == SharedSection.code)
        let r = try CLI.run(["restore", "--profile", profilePath], stdin: container)
        #expect(r.status == 0 && r.stdout == input, "\(r.stderr)")
        let batch = RecordBatch(lines: input)
        let one = try CLI.run(["restore", "--profile", profilePath, "-i", out, "--record", "321"])
        #expect(one.stdout == Array(batch[321]) + [0x0A])
        let i = try CLI.run(["inspect", "-i", out])
        #expect(String(decoding: i.stdout, as: UTF8.self).contains("format version   2.1"))
        #expect(try CLI.run(["verify", "-i", out, "--profile", profilePath]).status == 0)
        var damaged = container
        damaged[ContainerFormat.headerSize + 12] ^= 0x04
        let bad = dir.file("bad.llc", damaged)
        expectOneLineError(try CLI.run(["restore", "--profile", profilePath, "-i", bad]), containing: "shared section checksum mismatch", "damaged section")
        expectOneLineError(try CLI.run(["verify", "-i", bad]), containing: "shared section checksum mismatch", "verify, damaged section")
        let m = try CLI.run(["compress", "--shared-section", "--messages", "--profile", profilePath], stdin: input)
        #expect(m.status != 0 && m.stderr.contains("--shared-section"), "\(m.stderr)")
    }

    /// A profile trained with `--shared-section` says so; `compress` then gives a section only
    /// to a container that fills the learning window (this one does not), unless asked.
    @Test func aProfileThatSharesLeavesSmallContainersWithout() throws {
        let inPath = dir.file("in.jsonl", input)
        let sharing = dir.path + "/sharing.llp"
        let t = try CLI.run(["profile", "train", "--train", inPath, "--no-search", "--shared-section", "-o", sharing])
        #expect(t.status == 0 && (t.stderr + String(decoding: t.stdout, as: UTF8.self)).contains(", shared section"), "\(t.stderr)")
        #expect(String(decoding: try CLI.run(["profile", "show", "-i", sharing]).stdout, as: UTF8.self).contains("\"sharedSection\" : true"))
        for (flags, section) in [([String](), false), (["--shared-section"], true), (["--no-shared-section"], false)] {
            let out = dir.path + "/s\(flags.count)\(section).llc"
            let c = try CLI.run(["compress", "--profile", sharing, "-i", inPath, "-o", out] + flags)
            #expect(c.status == 0, "\(c.stderr)")
            let container = try Files.read(out)
            #expect(try ContainerHeader.parse(container[0..<ContainerFormat.headerSize]).hasSharedSection == section, "\(flags)")
            #expect(try CLI.run(["restore", "--profile", sharing, "-i", out]).stdout == input)
        }
        let plain = try CLI.run(["profile", "train", "--train", inPath, "--no-search", "-o", dir.path + "/plain.llp"])
        let shown = try CLI.run(["profile", "show", "-i", dir.path + "/plain.llp"])
        #expect(plain.status == 0 && !String(decoding: shown.stdout, as: UTF8.self).contains("sharedSection"))
    }

    /// `restore -o FILE` (one worker: in order behind it; more: workers writing their frames
    /// at their offsets) and to standard output on one, two and four threads: the input's
    /// bytes, with and without a final newline, for one record and for an empty container;
    /// a damaged frame in the middle leaves no file behind.
    @Test func singleThreadAndThreadsDoNotCombine() throws {
        let inPath = dir.file("in.jsonl", input)
        for command in ["compress", "restore", "verify"] {
            let r = try CLI.run([command, "--profile", profilePath, "-i", inPath, "--single-thread", "--threads", "2"])
            #expect(r.status != 0 && r.stderr.contains("--single-thread and --threads do not combine"), "\(command): \(r.stderr)")
        }
    }

    @Test func verifyOnTheCallingThread() throws {
        let inPath = dir.file("verify-in.jsonl", Array([[UInt8]](repeating: input, count: 8).joined()))
        let packed = dir.path + "/verify.llc"
        let c = try CLI.run(["compress", "--profile", profilePath, "-i", inPath, "-o", packed])
        #expect(c.status == 0, "\(c.stderr)")
        let ok = try CLI.run(["verify", "--profile", profilePath, "-i", packed, "--single-thread"])
        #expect(ok.status == 0 && String(decoding: ok.stdout, as: UTF8.self).contains("full restore"), "\(ok.stderr)")
        // A byte flipped in the middle (a frame's stored bytes) fails on the calling thread too.
        var bytes = try Files.read(packed)
        bytes[bytes.count / 2] ^= 0x40
        let damaged = dir.file("verify-damaged.llc", bytes)
        let bad = try CLI.run(["verify", "--profile", profilePath, "-i", damaged, "--single-thread"])
        #expect(bad.status != 0 && bad.stderr.hasPrefix("error: ") && bad.stderr.split(separator: "\n").count == 1, "\(bad.stderr)")
    }

    @Test func restoreToAFileOnOneAndTwoThreads() throws {
        let big = Array([[UInt8]](repeating: input, count: 8).joined())   // many segments
        let inputs: [(String, [UInt8])] = [("newline", big), ("no-newline", Array(big.dropLast())), ("empty", []),
                                           ("one", Array(input.prefix(through: input.firstIndex(of: 0x0A)!))),
                                           ("one-no-newline", Array(input.prefix(upTo: input.firstIndex(of: 0x0A)!)))]
        for (name, bytes) in inputs {
            let inPath = dir.file("\(name).jsonl", bytes)
            let packed = dir.path + "/\(name).llc"
            let c = try CLI.run(["compress", "--profile", profilePath, "-i", inPath, "-o", packed])
            #expect(c.status == 0, "\(c.stderr)")
            let single = try CLI.run(["compress", "--profile", profilePath, "-i", inPath, "-o", packed + ".single", "--single-thread"])
            #expect(single.status == 0, "\(single.stderr)")
            #expect(try Files.read(packed + ".single") == Files.read(packed), "\(name): --single-thread compress")
            for threads in ["1", "2", "4", "single"] {
                let back = dir.path + "/\(name)-\(threads).jsonl"
                let spread = threads == "single" ? ["--single-thread"] : ["--threads", threads]
                let r = try CLI.run(["restore", "--profile", profilePath, "-i", packed, "-o", back] + spread)
                #expect(r.status == 0, "\(r.stderr)")
                #expect(try Files.read(back) == bytes, "\(name), \(threads) threads")
                let piped = try CLI.run(["restore", "--profile", profilePath, "-i", packed] + spread)
                #expect(piped.status == 0 && piped.stdout == bytes, "\(name) to standard output, \(threads) threads")
            }
        }
        var damaged = try Files.read(dir.path + "/newline.llc")
        let reader = try ContainerReader(path: dir.path + "/newline.llc", codec: nil)
        #expect(reader.segments.count > 2)
        let middle = reader.segments[reader.segments.count / 2]
        damaged[Int(middle.offset) + middle.length / 2] ^= 0x10
        let bad = dir.file("bad.llc", damaged)
        let outDir = dir.path + "/out"
        try FileManager.default.createDirectory(atPath: outDir, withIntermediateDirectories: true)
        for threads in ["1", "2", "4", "single"] {
            let spread = threads == "single" ? ["--single-thread"] : ["--threads", threads]
            let r = try CLI.run(["restore", "--profile", profilePath, "-i", bad, "-o", outDir + "/back.jsonl"] + spread)
            expectOneLineError(r, containing: "checksum", "damaged middle frame, \(threads) threads")
            #expect(r.status == 1)
            #expect(try FileManager.default.contentsOfDirectory(atPath: outDir).isEmpty, "nothing left behind")
            expectOneLineError(try CLI.run(["restore", "--profile", profilePath, "-i", bad] + spread),
                               containing: "checksum", "damaged middle frame to standard output, \(threads) threads")
        }
    }

    /// A write failing part-way through (a file-size limit: EFBIG, as a full disk gives
    /// ENOSPC) on one and two threads: one-line error, exit 1, nothing left in the folder.
    @Test func aWriteFailingPartWayLeavesNothing() throws {
        let big = Array([[UInt8]](repeating: input, count: 8).joined())
        let packed = dir.path + "/big.llc"
        #expect(try CLI.run(["compress", "--profile", profilePath, "-i", dir.file("big.jsonl", big), "-o", packed]).status == 0)
        let outDir = dir.path + "/limited"
        try FileManager.default.createDirectory(atPath: outDir, withIntermediateDirectories: true)
        for threads in ["1", "2"] {
            // The limit (in 512- or 1024-byte blocks) is far below the restored size; the
            // signal it raises is ignored so that the write fails with EFBIG instead.
            let p = Process()
            p.executableURL = URL(fileURLWithPath: "/bin/sh")
            p.arguments = ["-c", "ulimit -f 1000; trap '' XFSZ; exec \"$0\" \"$@\"", CLI.binary!,
                           "restore", "--profile", profilePath, "-i", packed, "-o", outDir + "/back.jsonl", "--threads", threads]
            let err = Pipe()
            p.standardError = err
            p.standardOutput = FileHandle.nullDevice
            try p.run()
            let text = String(decoding: err.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
            p.waitUntilExit()
            #expect(p.terminationStatus == 1, "\(threads) threads: \(text)")
            expectOneLineError(CLI.Result(status: p.terminationStatus, stdout: [], stderr: text), containing: "cannot write", "size limit, \(threads) threads")
            #expect(try FileManager.default.contentsOfDirectory(atPath: outDir).isEmpty, "nothing left behind")
        }
        #expect(big.count > 1000 * 1024)
    }

    @Test func faultsGiveOneLineErrorsAndNoOutputFile() throws {
        let c = try CLI.run(["compress", "--profile", profilePath], stdin: input)
        let container = c.stdout
        let back = dir.path + "/back.jsonl"

        var flipped = container
        flipped[container.count / 2] ^= 0x04
        let r1 = try CLI.run(["restore", "--profile", profilePath, "-i", dir.file("flip.llc", flipped), "-o", back])
        expectOneLineError(r1, containing: "checksum", "flipped byte")
        #expect(!FileManager.default.fileExists(atPath: back))
        let r1s = try CLI.run(["restore", "--profile", profilePath], stdin: flipped)
        expectOneLineError(r1s, containing: "checksum", "flipped byte via stdin")
        expectOneLineError(try CLI.run(["verify", "-i", dir.path + "/flip.llc", "--profile", profilePath]), containing: "checksum", "verify flipped")

        let cut = Array(container.dropLast(100))
        let r2 = try CLI.run(["restore", "--profile", profilePath, "-i", dir.file("cut.llc", cut), "-o", back])
        expectOneLineError(r2, containing: "truncated", "truncated file")
        #expect(!FileManager.default.fileExists(atPath: back))
        expectOneLineError(try CLI.run(["restore", "--profile", profilePath], stdin: cut), containing: "truncated", "truncated stdin")

        let other = try Profile.load(path: otherProfilePath).id.short
        let mine = try Profile.load(path: profilePath).id.short
        let r3 = try CLI.run(["restore", "--profile", otherProfilePath, "-i", dir.file("ok.llc", container)])
        expectOneLineError(r3, containing: other, "other profile")
        #expect(r3.stderr.contains(mine))

        var newer = container
        newer[8] = 9
        expectOneLineError(try CLI.run(["restore", "--profile", profilePath], stdin: newer), containing: "version 9.0", "unknown version")

        expectOneLineError(try CLI.run(["restore", "--profile", dir.file("bad.llp", [1, 2, 3])], stdin: container),
                           containing: "not a LogLab profile", "bad profile")

        // Disk write failure (a full device as standard output).
        if FileManager.default.isWritableFile(atPath: "/dev/full") {
            let r4 = try CLI.run(["restore", "--profile", profilePath, "-i", dir.path + "/ok.llc"], stdoutPath: "/dev/full")
            expectOneLineError(r4, containing: "No space left", "disk full")
            let r5 = try CLI.run(["compress", "--profile", profilePath], stdin: input, stdoutPath: "/dev/full")
            expectOneLineError(r5, containing: "No space left", "disk full on compress")
        }
        // Output directory that cannot be written.
        let r6 = try CLI.run(["compress", "--profile", profilePath, "-o", "/proc/loglab-no/out.llc"], stdin: input)
        #expect(r6.status != 0 && r6.stderr.hasPrefix("error: "))
    }

    @Test func exportFromAReportWinner() throws {
        let train = dir.file("train.jsonl", SdkSamples.train)
        let key = "sdk | block:32 | none | zstd:2 | no-dict"
        let report = dir.file("report.json", Array("""
            {"experiment": "sdk-batch", "winners": [{"dataset": "sdk", "winner": "\(key)"}],
             "cells": [{"key": "other", "cell": {"dataset": "sdk", "framing": "record", "transforms": "none", "codec": "gzip:6"}},
                       {"key": "\(key)", "cell": {"dataset": "sdk", "framing": "block:32", "transforms": "none", "codec": "zstd:2"}}]}
            """.utf8))
        let out = dir.path + "/exported.llp"
        let r = try CLI.run(["export", "--report", report, "--train", train, "-o", out])
        #expect(r.status == 0, "\(r.stderr)")
        let p = try Profile.load(path: out)
        #expect(p.codec.description == "zstd:2" && p.framing == .block(32) && p.model.selection == .none)
        #expect(p.metadata.source?["experiment"] == "sdk-batch" && p.metadata.source?["cell"] == key)
        #expect(!p.metadata.sharesSection)
        // A cell measured with a shared section exports a profile whose containers get one.
        let shared = dir.file("shared.json", Array("""
            {"experiment": "s", "winners": [{"dataset": "sdk", "winner": "k"}],
             "cells": [{"key": "k", "cell": {"dataset": "sdk", "framing": "block:32", "transforms": "all", "codec": "zstd:2", "sharedSection": true}}]}
            """.utf8))
        #expect(try CLI.run(["export", "--report", shared, "--train", train, "-o", out + "s"]).status == 0)
        #expect(try Profile.load(path: out + "s").metadata.sharesSection)
        let bad = try CLI.run(["export", "--report", report, "--cell-key", "nope", "--train", train, "-o", out + "2"])
        expectOneLineError(bad, containing: "no cell 'nope'", "unknown cell")
        #expect(!FileManager.default.fileExists(atPath: out + "2"))
    }

    @Test func messageStreamsRoundTripAndTruncationFails() throws {
        for text in [input, Array(input.dropLast()), []] {
            let m = try CLI.run(["compress", "--messages", "--profile", profilePath], stdin: text)
            #expect(m.status == 0, "\(m.stderr)")
            let r = try CLI.run(["restore", "--messages", "--profile", profilePath], stdin: m.stdout)
            #expect(r.status == 0 && r.stdout == text, "\(r.stderr)")
            if m.stdout.count > 2 {
                let cut = try CLI.run(["restore", "--messages", "--profile", profilePath], stdin: Array(m.stdout.dropLast()))
                expectOneLineError(cut, containing: "truncated message stream", "cut stream")
            }
        }
    }

    /// Undated records are kept (in `dt=unknown`) and counted in a warning; when none has a
    /// time the warning asks whether the field is the right one.
    @Test func partitionWarnsOfUndatedRecords() throws {
        let undated = Array("{\"a\":1}\n{\"a\":2}\n".utf8)
        let all = try CLI.run(["compress", "--profile", profilePath, "--partition-by", "hour", "-o", dir.path + "/none"], stdin: undated)
        #expect(all.status == 0, "\(all.stderr)")
        let allText = all.stderr
        #expect(allText.contains("warning: 2 of 2 records have no time in") && allText.contains("dt=unknown/hour=unknown")
                && allText.contains("--timestamp-field"), "\(allText)")
        let none = try #require(try PartitionManifest.load(directory: dir.path + "/none"))
        #expect(none.parts.map(\.path) == ["dt=unknown/hour=unknown/part-00000.llc"])

        let mixed = try CLI.run(["compress", "--profile", profilePath, "--partition-by", "day", "-o", dir.path + "/mixed"],
                                stdin: input + undated)
        #expect(mixed.status == 0, "\(mixed.stderr)")
        let mixedText = mixed.stderr
        let n = RecordBatch(lines: input).count + 2
        #expect(mixedText.contains("warning: 2 of \(n) records have no time in") && mixedText.contains("they are in dt=unknown\n")
                && !mixedText.contains("--timestamp-field"), "\(mixedText)")

        let dated = try CLI.run(["compress", "--profile", profilePath, "--partition-by", "day", "-o", dir.path + "/dated"], stdin: input)
        #expect(dated.status == 0 && !dated.stderr.contains("have no time"), "\(dated.stderr)")
    }

    @Test func partitionByHourWritesLayoutAndManifest() throws {
        let out = dir.path + "/parts"
        let r = try CLI.run(["compress", "--profile", profilePath, "--partition-by", "hour", "-o", out], stdin: input)
        #expect(r.status == 0, "\(r.stderr)")
        let manifest = try #require(try PartitionManifest.load(directory: out))
        #expect(manifest.parts.reduce(0) { $0 + $1.records } == RecordBatch(lines: input).count)
        #expect(manifest.parts.allSatisfy { FileManager.default.fileExists(atPath: out + "/" + $0.path) && $0.path.contains("/hour=") })
        // Every part restores through the CLI.
        var total = 0
        for part in manifest.parts {
            let x = try CLI.run(["restore", "--profile", profilePath, "-i", out + "/" + part.path])
            total += RecordBatch(lines: x.stdout).count
        }
        #expect(total == RecordBatch(lines: input).count)
    }
}
