import Testing
import LogLabCore
import LogLabCodecs
@testable import LogLabTransforms

/// The `template` transform: text lines to templates + typed variable columns.
@Suite struct TemplateTests {
    static let edgeLines: [String] = [
        "", " ", "\t", "\r", "x", "0", "-0", "-", "--5", "a-5", "x -5 y", "007 -007 +7 0x 0x0 0XFF 0xfF 0x1g",
        "9223372036854775807 -9223372036854775807 9223372036854775808 -9223372036854775808",
        "99999999999999999999999999 000000000000000000000000001 1234567890123456789",
        "blk_-6952295868487656571 blk_38865049064139660 blk_-1",
        "10.251.73.220:50010 256.1.1.1 1.2.3 1.2.3.4.5 01.2.3.4 1.2.3.4a 0.0.0.0 255.255.255.255",
        "fe80::1ff:fe23:4567:890a [2001:db8::8a2e:370:7334]:443 ::1",
        "38101a0b-2096-447d-96ea-a692162415ae 38101A0B-2096-447D-96EA-A692162415AE 38101a0b-2096-447D-96ea-a692162415ae",
        "113d3a99c3da401fbd62cc2caa5b96d2 deadbeef DEADBEEF01 a1b2c3d aaaaaaaa1 12345678",
        "[Sun Dec 04 04:47:44 2005] [Mon Dec 04 04:47:44 2005] [Sun Dec  4 04:47:44 2005] [Sun Dec 4 04:47:44 2005]",
        "Dec 10 06:55:46 LabSZ sshd[24200]: Jan  1 00:00:00 Feb 29 23:59:59 Feb 30 00:00:00 Dec 4 01:02:03",
        "2017-05-16 00:00:00.008 2017-05-16T00:00:00Z 2017-05-16_13:53:08 2017-05-16 2017-13-01 2017-05-16T25:00:00",
        "2021-12-26T15:10:59,123456789 2021-12-26T15:10:59.1234567891 2021/12/26 15:10:59 0000-01-01 9999-12-31T23:59:59",
        "081109 203615 148 INFO 991231 235959 000229 000000 081309 203615",
        "127.0.0.1 - - [10/Oct/2000:13:55:36 -0700] \"GET /apache_pb.gif HTTP/1.0\" 200 2326",
        "trailing spaces   ", "\ttabs\tinside\t", "crlf line 12\r", "unicode é 한글 😀 42ms", "ends with digit 5",
        "\u{1}control\u{10}bytes\u{1F} 12", "a\u{0}b 3", "1.5 -2.25 3.0e10 0.0012521743774414063",
        "ab12cd34ef 12ab 0x12AB 0xab12CD", "Sep 31 10:00:00", "Mon Jan 01 00:00:00 2001 Tue Jan 02 00:00:00 2001",
    ]

    static func batch(_ lines: [String]) -> RecordBatch {
        var b = RecordBatch()
        for l in lines { b.append(Array(l.utf8)) }
        return b
    }

    /// Random lines mixing every variable kind with odd separators and bytes.
    static func awkwardLines(seed: UInt64, count: Int) -> RecordBatch {
        var rng = SeededRandom(seed: seed)
        func pick<T>(_ xs: [T]) -> T { xs[Int(rng.next() % UInt64(xs.count))] }
        let pieces: [() -> String] = [
            { String(Int64(bitPattern: rng.next()) >> (rng.next() % 64)) },
            { String(repeating: "0", count: Int(rng.next() % 4)) + String(rng.next() % 1000) },
            { "0x" + String(rng.next(), radix: 16, uppercase: rng.next() % 2 == 0) },
            { String(rng.next(), radix: 16) },
            { "\(rng.next() % 300).\(rng.next() % 256).\(rng.next() % 256).\(rng.next() % 256)" },
            { pick(TemplateTests.edgeLines) },
            { pick(["user", "INFO", "é", "😀", "\t", " ", "  ", "\r", "-", ":", "[", "]", "=", ".", "_", "/", ","]) },
            { let d = 1 + rng.next() % 31, h = rng.next() % 25; return "Dec \(d < 10 && rng.next() % 2 == 0 ? " " : "")\(d) \(h):0\(rng.next() % 10):5\(rng.next() % 10)" },
            { "20\(rng.next() % 30)-0\(1 + rng.next() % 9)-\(10 + rng.next() % 21) 1\(rng.next() % 10):2\(rng.next() % 10):3\(rng.next() % 10).\(rng.next() % 100000)" },
            { String(bytes: (0..<Int(rng.next() % 6)).map { _ in UInt8(rng.next() % 256) }, encoding: .isoLatin1) ?? "" },
        ]
        var b = RecordBatch()
        for _ in 0..<count {
            var s = ""
            for _ in 0..<(rng.next() % 9) { s += pick(pieces)() + pick(["", " ", " ", "-", ":", "_", "=", "/"]) }
            b.append(Array(s.utf8))
        }
        return b
    }

    static let template = TransformSelection([.template])

    @Test func edgeLinesRoundTrip() throws {
        let lines = Self.batch(Self.edgeLines)
        let model = TransformModel.learn(from: lines, selection: .all)
        #expect(model.templates != nil)
        for framing in Fixtures.framings {
            try Fixtures.roundTrip(model: model, test: lines, framing: framing)
        }
        // Each line on its own also learns and restores.
        for l in Self.edgeLines {
            let one = Self.batch([l, l])
            try Fixtures.roundTrip(train: one, test: one, selection: Self.template, framing: .file)
        }
    }

    @Test func variablesAreRecognised() {
        let t = OutStream()
        var vars: [TextVariable] = []
        let line = Array("[Sun Dec 04 04:47:44 2005] pid -12 at 0x1F 10.0.0.1 38101a0b-2096-447d-96ea-a692162415ae 007 x99999999999999999999".utf8)
        let ok = line.withUnsafeBufferPointer { TextTemplate.tokenize($0.baseAddress!, $0.count, offset: 0, template: t, vars: &vars) }
        #expect(ok)
        #expect(vars.map(\.kind) == [.time, .integer, .hex, .ipv4, .uuid, .integer, .digits])
        #expect(vars[1].value == -12)
        #expect(vars[5].value == 7 && vars[5].aux == 3)
        let rejected = Array("a\u{11}b".utf8).withUnsafeBufferPointer { TextTemplate.tokenize($0.baseAddress!, $0.count, offset: 0, template: t, vars: &vars) }
        #expect(!rejected)
    }

    @Test(arguments: [UInt64(1), 2, 3, 4])
    func awkwardLinesSeeds(seed: UInt64) throws {
        let train = Self.awkwardLines(seed: seed, count: 300)
        let test = Self.awkwardLines(seed: seed &+ 100, count: 300)
        for sel in [Self.template, TransformSelection.all] {
            let model = TransformModel.learn(from: train, selection: sel)
            #expect(model.templates != nil)
            for framing in Fixtures.framings { try Fixtures.roundTrip(model: model, test: test, framing: framing) }
        }
    }

    @Test func templatesShrinkRepetitiveLines() throws {
        var lines: [String] = []
        for i in 0..<400 { lines.append("Dec 10 06:\(10 + i / 60):\(10 + i % 50) host sshd[\(24000 + i)]: Failed password for root from 10.0.\(i % 7).\(i % 200) port \(30000 + i * 7) ssh2") }
        let b = Self.batch(lines)
        let train = b.slice(0..<200), test = b.slice(200..<400)
        let with = try Fixtures.roundTrip(train: train, test: test, selection: .all, framing: .file)
        let without = try Fixtures.roundTrip(train: train, test: test, selection: TransformSelection.all.without(.template), framing: .file)
        #expect(with * 4 < without)
    }

    @Test func jsonTrainingLearnsNoTemplates() {
        var g = AwkwardJSON(seed: 3)
        var b = RecordBatch()
        for _ in 0..<200 { b.append(Array("{\"a\":\(g.rng.next() % 100),\"b\":\"x\"}".utf8)) }
        #expect(TransformModel.learn(from: b, selection: .all).templates == nil)
        // Version 1 form kept for models without templates (nor recent codings, version 4,
        // which the random `a` takes).
        let model = TransformModel.learn(from: b, selection: .all, recentCodings: false)
        #expect(model.serialized()[4] == 1)
    }

    @Test func corruptModelAndFramesAreDetected() throws {
        let train = Self.awkwardLines(seed: 9, count: 200)
        let model = TransformModel.learn(from: train, selection: .all)
        let bytes = model.serialized()
        #expect(bytes[4] == 6)
        for i in stride(from: 0, to: bytes.count, by: max(1, bytes.count / 200)) {
            var bad = bytes
            bad[i] ^= 0x5A
            #expect(throws: TransformError.self) { _ = try TransformModel(serialized: bad) }
        }
        #expect(throws: TransformError.self) { _ = try TransformModel(serialized: Array(bytes.dropLast(3))) }
        // Frames: flips and truncations either throw TransformError or restore other bytes;
        // never trap. Truncations always throw.
        var enc = FrameEncoder(model: model)
        var dec = FrameDecoder(model: model)
        let test = Self.awkwardLines(seed: 10, count: 60)
        let frame = enc.encode(test)
        #expect(frame[0] == 5)
        #expect(try dec.decode(frame, recordCount: test.count) == test)
        for cut in stride(from: 1, to: frame.count, by: max(1, frame.count / 300)) {
            #expect(throws: TransformError.self) { _ = try dec.decode(Array(frame[0..<cut]), recordCount: test.count) }
        }
        for i in 0..<min(frame.count, 4000) {
            var bad = frame
            bad[i] ^= 0xA5
            _ = try? dec.decode(bad, recordCount: test.count)
        }
        // A decoder without templates refuses the frame.
        var plain = FrameDecoder(model: TransformModel.learn(from: train, selection: TransformSelection.all.without(.template)))
        #expect(throws: TransformError.self) { _ = try plain.decode(frame, recordCount: test.count) }
    }

    /// Every record of every real dataset, with models from the other half and from other data.
    @Test func realDatasetsEveryRecord() throws {
        guard let dir = Fixtures.datasetsDirectory() else { return }   // folder absent: skip
        let files = ["text-logs/Apache_2k.log", "text-logs/HDFS_2k.log", "text-logs/OpenSSH_2k.log", "text-logs/OpenStack_2k.log",
                     "aws-cloudtrail.jsonl.zst", "kibana-web-logs.jsonl.zst", "zeek-dns.jsonl.zst"]
        var loaded: [RecordBatch] = []
        for f in files {
            guard let r = try? Fixtures.loadRecords(dir + "/" + f, limit: f.hasSuffix(".log") ? Int.max : 300) else { continue }
            loaded.append(r)
        }
        for (k, records) in loaded.enumerated() {
            let half = records.count / 2
            let a = records.slice(0..<half), b = records.slice(half..<records.count)
            try Fixtures.roundTrip(train: a, test: b, selection: .all, framing: .block(1024))
            try Fixtures.roundTrip(train: b, test: a, selection: .all, framing: .block(1024))
            try Fixtures.roundTrip(train: a, test: b.slice(0..<min(200, b.count)), selection: .all, framing: .record)
            let other = loaded[(k + 1) % loaded.count]
            try Fixtures.roundTrip(train: other.slice(0..<min(1000, other.count)), test: records, selection: .all, framing: .block(1024))
        }
    }
}

@Suite struct FloatTextTests {
    static func parses(_ s: String) -> Bool {
        let b = Array(s.utf8)
        return b.withUnsafeBufferPointer { FloatText.parse($0.baseAddress!, $0.count) } != nil
    }

    @Test func shortestPositionalOnly() {
        for s in ["0.0007450580596923828", "38.0", "-2.5", "0.0", "124.0", "1.5", "0.1", "123456789012345680000.0", "0.000001"] {
            #expect(Self.parses(s), "\(s)")
        }
        for s in ["0.10", "1.0000000000000001", "1e-05", "-0.0", "38", ".5", "5.", "00.5", "1.5.", "--1.0", "0.1000000000000000055511151231257827", "abc"] {
            #expect(!Self.parses(s), "\(s)")
        }
    }

    @Test func zeekLikeFloatsRoundTripSmall() throws {
        var rng = SeededRandom(seed: 5)
        var b = RecordBatch()
        for _ in 0..<300 {
            let rtt = Double(rng.next() % 5000 + 1) * 0x1p-22
            let ttl = Double(rng.next() % 300)
            let odd = ["0.10", "1e-05", "-0.0", "2.50", "7.0"][Int(rng.next() % 5)]
            b.append(Array("{\"rtt\":\(rtt),\"ttl\":[\(ttl)],\"odd\":\(odd)}".utf8))
        }
        let train = b.slice(0..<150), test = b.slice(150..<300)
        let model = TransformModel.learn(from: train, selection: .all)
        #expect(model.field!.columns.contains { $0.kind == .float })
        // Version 2 for float columns, 5 where a number column also has scaled bases (`odd`
        // mixes fraction digits).
        #expect(model.serialized()[4] == (model.field!.columns.contains { $0.scaled } ? 5 : 2))
        for framing in Fixtures.framings { try Fixtures.roundTrip(model: model, test: test, framing: framing) }
        let without = try Fixtures.roundTrip(train: train, test: test, selection: TransformSelection.all.without(.integer), framing: .file)
        let with = try Fixtures.roundTrip(model: model, test: test, framing: .file)
        #expect(with < without)
    }

    /// A template's slots: a time layout byte in the placeholder range (`.` and 6 fraction
    /// digits is 0x16) is no slot; runs between slots come back in order.
    @Test func templateInfoSlotsAndRuns() throws {
        let t = OutStream()
        var vars: [TextVariable] = []
        let line = Array("at 2017-05-16 00:00:00.123456 took 12 ms from 10.0.0.1 id 0x1F".utf8)
        #expect(line.withUnsafeBufferPointer { TextTemplate.tokenize($0.baseAddress!, $0.count, offset: 0, template: t, vars: &vars) })
        let bytes = Array(UnsafeBufferPointer(start: t.base, count: t.count))
        #expect(bytes.contains(0x16))                            // the layout byte, not a slot
        let info = try TemplateInfo(bytes)
        #expect(info.slots.map(\.kind) == [.time, .integer, .ipv4, .hex])
        #expect(info.slots.map(\.kind) == vars.map(\.kind))
        #expect(info.timeCount == 1 && info.timeSlot(0) == 0 && Array(info.columnSlots) == [1, 2, 3])
        let runs = info.slots.map { String(decoding: bytes[Int($0.runStart)..<Int($0.runEnd)], as: UTF8.self) }
        #expect(runs == ["at ", " took ", " ms from ", " id 0x"])
        #expect(info.tailStart == bytes.count)
        #expect(info.literalCount == runs.map(\.utf8.count).reduce(0, +))
        #expect(throws: TransformError.self) { try TemplateInfo([0x61, TextVariableKind.time.rawValue, 0x00]) }   // layout cut short
        #expect(throws: TransformError.self) { try TemplateInfo([0x61, 0x10]) }                                   // unknown placeholder
        // Control bytes above the reserved range are static text.
        let esc = try TemplateInfo([0x1B, 0x5B, 0x61, TextVariableKind.integer.rawValue, 0x1F])
        #expect(esc.slotCount == 1 && esc.literalCount == 4 && esc.lateStatic)
        #expect(!info.lateStatic)
    }

    /// Terminal colour codes (escape 0x1B) in every line: templated like the same log without
    /// them (before model version 8 every such line went verbatim); the model says version 8,
    /// and claimed as version 7 it is refused. Bytes 0x10…0x17 still send a line verbatim.
    @Test func controlBytesAboveTheReservedRangeAreStatic() throws {
        var rng = SeededRandom(seed: 21)
        let levels = ["\u{1B}[32mINFO\u{1B}[0m", "\u{1B}[33mWARN\u{1B}[0m", "\u{1B}[31mERROR\u{1B}[0m"]
        func lines(_ n: Int, colour: Bool) -> RecordBatch {
            var b = RecordBatch()
            for i in 0..<n {
                let k = Int(rng.next() % 3)
                let level = colour ? levels[k] : ["INFO", "WARN", "ERROR"][k]
                b.append(Array("2026-03-01 08:\(10 + i % 50):\(10 + i % 47),\(100 + i % 900) \(level) [worker-\(rng.next() % 8)] done batch \(rng.next() % 100_000) in \(rng.next() % 900) ms\(colour ? "\u{1F}" : "")".utf8))
            }
            return b
        }
        let template = OutStream(capacity: 256)
        var vars: [TextVariable] = []
        let line: [UInt8] = Array("\u{1B}[32mINFO\u{1B}[0m took 12 ms".utf8)
        #expect(line.withUnsafeBufferPointer { TextTemplate.tokenize($0.baseAddress!, $0.count, offset: 0, template: template, vars: &vars) })
        #expect(vars.count == 3 && template.buffer.contains(0x1B))
        for reserved in UInt8(0x10)...0x17 {
            let bad = line + [reserved]
            #expect(!bad.withUnsafeBufferPointer { TextTemplate.tokenize($0.baseAddress!, $0.count, offset: 0, template: template, vars: &vars) })
        }
        let train = lines(3000, colour: true), test = lines(1000, colour: true)
        let model = TransformModel.learn(from: train, selection: .all)
        var bytes = model.serialized()
        #expect(bytes[4] == 8)
        let coloured = try Fixtures.roundTrip(model: model, test: test, framing: .block(1024))
        try Fixtures.roundTrip(model: model, test: test, framing: .record)
        #expect(coloured * 4 < test.totalBytes, "\(coloured) of \(test.totalBytes)")
        // Without colours the same log learns a model of an earlier version.
        #expect(TransformModel.learn(from: lines(3000, colour: false), selection: .all).serialized()[4] < 8)
        bytes[4] = 7
        bytes.removeLast(4)
        let crc = CRC32.checksum(bytes)
        bytes += [UInt8(crc & 0xFF), UInt8(crc >> 8 & 0xFF), UInt8(crc >> 16 & 0xFF), UInt8(crc >> 24)]
        #expect(throws: TransformError.self) { try TransformModel(serialized: bytes) }
    }

    /// The eight-bytes-at-a-time placeholder scan finds what a byte-by-byte scan finds.
    @Test func nextReservedMatchesByteScan() {
        var rng = SeededRandom(seed: 9)
        for _ in 0..<2_000 {
            let n = Int(rng.next() % 40)
            let b = (0..<n).map { _ in rng.next() % 5 == 0 ? UInt8(0x10 + rng.next() % 16) : UInt8(rng.next() % 256) }
            let from = n == 0 ? 0 : Int(rng.next() % UInt64(n + 1))
            let expected = b.indices.first { $0 >= from && TextVariableKind.reserved.contains(b[$0]) }
            #expect(b.withUnsafeBufferPointer { nextReserved($0, from: from) } == expected)
        }
    }

    /// A one-value integer column is coded as the general path codes it (the format is
    /// unchanged), and decodes back, padded or not.
    @Test func oneValueIntegerColumns() throws {
        for (value, digits) in [(Int64(0), 1), (0, 3), (7, 1), (7, 4), (-12, 2), (-12, 5), (Int64.max, 19), (123456, 6)] {
            let v = TextVariable(kind: .integer, start: 0, length: digits, value: value, aux: digits)
            let fast = OutStream(), general = OutStream()
            IntegerVariable.encode([v][...], into: fast)
            IntegerVariable.encode([v, v][...], into: general)
            let one = Array(UnsafeBufferPointer(start: fast.base, count: fast.count))
            #expect(one[0] == Array(UnsafeBufferPointer(start: general.base, count: general.count))[0] & ~1)
            var col = RenderedColumn()
            try one.withUnsafeBufferPointer { b in
                var c = Cursor(b.baseAddress!, 0, b.count)
                try IntegerVariable.decode(count: 1, &c, into: &col)
                #expect(c.isAtEnd)
            }
            let text = String(decoding: UnsafeBufferPointer(start: col.bytes.base, count: col.bytes.count), as: UTF8.self)
            let magnitude = String(value.magnitude)
            #expect(text == (value < 0 ? "-" : "") + String(repeating: "0", count: max(0, digits - magnitude.count)) + magnitude)
        }
    }

    /// Compress's check of a template frame fails on any other batch.
    @Test func templateFrameCheckComparesRecords() throws {
        let lines = TemplateTests.batch(["a 1 b", "c 22 d", "a 3 b", "x"])
        let model = TransformModel.learn(from: lines, selection: TemplateTests.template)
        var enc = FrameEncoder(model: model)
        let frame = enc.encode(lines)
        #expect(frame.first == FrameKind.templates.rawValue)
        var dec = FrameDecoder(model: model)
        let same = dec.restores(frame, exactly: lines)
        let otherByte = dec.restores(frame, exactly: TemplateTests.batch(["a 1 b", "c 22 d", "a 3 b", "y"]))
        let otherEnds = dec.restores(frame, exactly: TemplateTests.batch(["a 1 bc", " 22 d", "a 3 b", "x"]))   // same bytes
        #expect(same && !otherByte && !otherEnds)
    }
}
