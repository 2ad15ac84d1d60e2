import Foundation
import Testing
import LogLabCore
import LogLabCodecs
import LogLabTransforms
@testable import LogLabContainer

/// Containers with a shared section (format 2.1): every frame restores alone and exactly,
/// a damaged or wrong section is refused with an error that names it, and containers
/// without one stay 2.0.
@Suite struct SharedSectionTests {
    static let inputA = SdkSamples.jsonl(records: 1500, seed: 21)
    static let inputB = SdkSamples.jsonl(records: 1200, seed: 22)

    static func codec() throws -> ProfileCodec { ProfileCodec(profile: try SdkSamples.profile(framing: .block(64))) }

    static func write(_ input: [UInt8], shared: Bool = true, threads: Int = 2) throws -> [UInt8] {
        try ContainerWriter.compress(input, codec: try codec(), options: .init(threads: threads, sharedSection: shared))
    }

    static func sectionLength(_ container: [UInt8]) throws -> Int {
        try SharedSection.length(prefix: container[ContainerFormat.headerSize..<(ContainerFormat.headerSize + SharedSection.prefixBytes)])
    }

    @Test func everyFrameRestoresAloneThroughTheIndex() throws {
        let codec = try Self.codec()
        let container = try Self.write(Self.inputA)
        let tmp = TempDir()
        let path = tmp.file("a.llc", container)
        let reader = try ContainerReader(path: path, codec: codec)
        #expect(reader.header.major == 2 && reader.header.minor == 1 && reader.header.hasSharedSection)
        let shared = try #require(reader.shared)
        #expect(shared.model != nil && shared.dictionary != nil)
        let records = RecordBatch(lines: Self.inputA)
        #expect(reader.recordCount == records.count)
        for i in 0..<reader.frameCount {
            // A fresh coder per frame: nothing carried over from an earlier frame.
            let e = reader.index.entries[i]
            let lo = Int(e.firstRecord), hi = lo + Int(e.recordCount)
            #expect(try reader.decodeRecords(i, coder: try reader.makeCoder()) == records.slice(lo..<hi), "frame \(i)")
            for n in [lo, hi - 1] {
                #expect(try reader.record(at: n, coder: try reader.makeCoder()) == Array(records[n]), "record \(n)")
            }
        }
        #expect(try reader.restoreAll() == Self.inputA)
        #expect(try streamRestore(path: path, codec: codec) == Self.inputA)
        #expect(try reader.verify() == reader.frameCount)
        #expect(try ContainerReader(path: path, codec: nil).verify() == reader.frameCount)
        // Time ranges restore the same records as without a section.
        let plain = try ContainerReader(path: tmp.file("p.llc", try Self.write(Self.inputA, shared: false)), codec: codec)
        let from = try #require(Timestamps.parse("2021-12-26T10:00:00Z")), to = try #require(Timestamps.parse("2021-12-26T14:00:00Z"))
        let want = try plain.records(from: from, to: to)
        #expect(want.count > 0)
        #expect(try reader.records(from: from, to: to) == want)
        // The layout counts the section.
        let layout = try reader.layout()
        #expect(layout.sharedSectionBytes == shared.bytes.count && layout.totalBytes == container.count)
    }

    /// A codec decodes a section once for containers with the same section bytes, and each
    /// container still restores with its own section.
    @Test func sameSectionDecodedOnce() throws {
        let codec = try Self.codec()
        let tmp = TempDir()
        let a = tmp.file("a.llc", try Self.write(Self.inputA)), b = tmp.file("b.llc", try Self.write(Self.inputB))
        func contents(_ r: ContainerReader) throws -> SharedSectionContents { try #require((r.codec as? ProfileCodec)?.shared) }
        let first = try ContainerReader(path: a, codec: codec), again = try ContainerReader(path: a, codec: codec)
        #expect(try contents(first) === contents(again))
        let other = try ContainerReader(path: b, codec: codec)
        #expect(try contents(other) !== contents(first))
        #expect(try contents(other).section.bytes != contents(first).section.bytes)
        let third = try ContainerReader(path: a, codec: codec)
        #expect(try contents(third).section.bytes == contents(first).section.bytes)
        #expect(try other.restoreAll() == Self.inputB)
        #expect(try third.restoreAll() == Self.inputA && (try again.restoreAll()) == Self.inputA)
    }

    @Test func writerBytesDoNotDependOnThreadsAndNeedNoSectionForNothing() throws {
        #expect(try Self.write(Self.inputA, threads: 1) == Self.write(Self.inputA, threads: 3))
        // No records: nothing to learn from, a plain 2.0 container.
        let empty = try Self.write([])
        #expect(empty[10] == 0 && empty[12] == 0)
        let tmp = TempDir()
        #expect(try ContainerReader(path: tmp.file("e.llc", empty), codec: try Self.codec()).restoreAll() == [])
    }

    @Test func withoutTheOptionTheContainerStays20() throws {
        let container = try Self.write(Self.inputA, shared: false)
        let header = try ContainerHeader.parse(container[0..<ContainerFormat.headerSize])
        #expect(header.major == 2 && header.minor == 0 && header.flags == 0)
        let tmp = TempDir()
        let reader = try ContainerReader(path: tmp.file("p.llc", container), codec: try Self.codec())
        #expect(reader.shared == nil)
        #expect(try reader.restoreAll() == Self.inputA)
    }

    @Test func theFlagIsRefusedIn20() throws {
        // A 2.0 header with the shared-section flag: unknown there, refused (old readers do the same).
        var container = try Self.write(Self.inputA)
        container[10] = 0   // minor 1 → 0
        let crc = CRC32.checksum(Array(container[0..<52]))
        container[52] = UInt8(crc & 0xFF); container[53] = UInt8(crc >> 8 & 0xFF)
        container[54] = UInt8(crc >> 16 & 0xFF); container[55] = UInt8(crc >> 24)
        let tmp = TempDir()
        #expect { try ContainerReader(path: tmp.file("f.llc", container), codec: try Self.codec()) } throws: { e in
            (e as? ContainerError)?.description.contains("unknown flags 1") == true
        }
    }

    @Test func aDamagedSectionIsDetectedAndNamed() throws {
        let codec = try Self.codec()
        let container = try Self.write(Self.inputA)
        let length = try Self.sectionLength(container)
        let tmp = TempDir()
        let base = ContainerFormat.headerSize
        // Every byte of the section's start and end, and a spread of its middle.
        var positions = Array(base..<(base + 24)) + Array((base + length - 8)..<(base + length))
        positions += stride(from: base + 24, to: base + length - 8, by: 211).map { $0 }
        for p in positions {
            var damaged = container
            damaged[p] ^= 0x20
            let path = tmp.file("bad.llc", damaged)
            var message = ""
            do { _ = try ContainerReader(path: path, codec: codec) } catch let e as ContainerError { message = e.description }
            #expect(message.contains("shared section"), "byte \(p - base) of the section: '\(message)'")
            var refused = false
            do { _ = try streamRestore(path: path, codec: codec, threads: 1) } catch is ContainerError { refused = true }
            #expect(refused, "stream, byte \(p - base) of the section")
        }
        for cut in [base + 1, base + 5, base + length / 2, base + length - 1] {
            var refused = false
            do { _ = try streamRestore(path: tmp.file("cut.llc", Array(container[0..<cut])), codec: codec) } catch is ContainerError { refused = true }
            #expect(refused, "stream cut at \(cut)")
        }
    }

    @Test func aWrongSectionIsDetected() throws {
        let codec = try Self.codec()
        let a = try Self.write(Self.inputA), b = try Self.write(Self.inputB)
        let la = try Self.sectionLength(a), lb = try Self.sectionLength(b)
        let base = ContainerFormat.headerSize
        // B's frames, index and trailer behind A's (valid, checksummed) section, the trailer's
        // index offset moved to match (so only the section is wrong).
        var trailer = try ContainerTrailer.parse(b[(b.count - ContainerFormat.trailerSize)...])
        trailer.indexOffset = trailer.indexOffset + UInt64(la) - UInt64(lb)
        let spliced = Array(b[0..<base]) + Array(a[base..<(base + la)]) + Array(b[(base + lb)..<(b.count - ContainerFormat.trailerSize)])
            + trailer.serialized()
        let tmp = TempDir()
        let path = tmp.file("wrong.llc", spliced)
        #expect { try ContainerReader(path: path, codec: codec) } throws: { e in
            (e as? ContainerError)?.description.contains("wrong shared section") == true
        }
        var out: [UInt8] = []
        var refused = false
        do {
            let fd = open(path, O_RDONLY)
            defer { close(fd) }
            try ContainerStreamReader.restore(from: FileDescriptorSource(fd: fd, name: path), codec: codec, threads: 1) { out.append(contentsOf: $0) }
        } catch is ContainerError { refused = true }
        #expect(refused)
        // Nothing decoded with the wrong section is written: only whole checked segments go out.
        #expect(Self.inputB.starts(with: out))

        // A coder made for another container (or for the profile alone) is refused per frame.
        let readerA = try ContainerReader(path: tmp.file("a.llc", a), codec: codec)
        let readerB = try ContainerReader(path: tmp.file("b.llc", b), codec: codec)
        for coder in [try readerA.makeCoder(), try codec.makeCoder()] {
            #expect { try readerB.decodeRecords(0, coder: coder) } throws: { e in
                (e as? ContainerError)?.description.contains("wrong shared section") == true
            }
            #expect { try readerB.record(at: 5, coder: coder) } throws: { e in
                (e as? ContainerError)?.description.contains("wrong shared section") == true
            }
        }
        let plain = try ContainerReader(path: tmp.file("p.llc", try Self.write(Self.inputB, shared: false)), codec: codec)
        #expect(throws: ContainerError.self) { try plain.decodeRecords(0, coder: try readerB.makeCoder()) }
    }

    @Test func theModelPartIsStoredOverTheProfilesModel() throws {
        let codec = try Self.codec()
        let head = RecordBatch(lines: Self.inputA)
        let learned = try SharedSectionContents.learn(from: head, profile: codec.profile, recordsPerFrame: 64)
        let part = try #require(learned.section.model)
        let sizes = try SharedSectionContents.modelPartSizes(try #require(learned.model), profile: codec.profile)
        #expect(part.stored.count == min(sizes.alone, sizes.overProfile))
        #expect(sizes.overProfile < sizes.alone)
        #expect(part.method == SharedSection.ModelMethod.zstdOverProfile.rawValue)
        // Over another profile's model, the part does not load.
        let other = try ProfileTrainer.train(records: RecordBatch(lines: Self.inputB),
                                             options: .init(transforms: .all, codec: try CodecSpec(parsing: "zstd:3"), framing: .block(64)),
                                             training: nil, source: nil)
        #expect(throws: ContainerError.self) { _ = try SharedSectionContents.decode(learned.section, profile: other) }
    }

    @Test func eachPartIsKeptOnlyWhenItPays() throws {
        // Sdk records in small frames: the container's own model and dictionary both pay.
        let learned = try SharedSectionContents.learn(from: RecordBatch(lines: Self.inputA), profile: try Self.codec().profile,
                                                      recordsPerFrame: 64)
        let c = try #require(learned.choice)
        let model = try #require(c.modelFrameBytes), part = try #require(c.modelPartBytes)
        #expect(learned.section.model != nil && model + part < c.profileFrameBytes)
        let best = try #require(c.trials.min { $0.frameBytes + $0.partBytes < $1.frameBytes + $1.partBytes })
        #expect(learned.section.dictionary != nil && best.frameBytes + best.partBytes < c.scoredFrameBytes)
        #expect(learned.dictionary?.bytes.count == best.size || c.trials.count == 1)

        // Random hex values in one large frame: nothing a dictionary could add to what the
        // frame finds in itself, so none is stored, though sizes were tried; the frame still
        // restores alone through the index.
        var x: UInt64 = 0x9E37_79B9_7F4A_7C15
        func next() -> UInt64 { x ^= x << 13; x ^= x >> 7; x ^= x << 17; return x }
        var text: [UInt8] = []
        for i in 0..<600 {
            let hex = (0..<4).map { _ in String(next(), radix: 16) }.joined()
            text += Array("{\"n\":\(i),\"token\":\"\(hex)\"}\n".utf8)
        }
        let codec = ProfileCodec(profile: try SdkSamples.profile(framing: .block(1024)))
        let plain = try ContainerWriter.compress(text, codec: codec, options: .init(threads: 1))
        let container = try ContainerWriter.compress(text, codec: codec, options: .init(threads: 1, sharedSection: true))
        let tmp = TempDir()
        let reader = try ContainerReader(path: tmp.file("r.llc", container), codec: codec)
        let shared = try #require(reader.shared)
        let choice = try #require(SharedSectionContents.learn(from: RecordBatch(lines: text), profile: codec.profile,
                                                              recordsPerFrame: 1024).choice)
        #expect(shared.dictionary == nil && !choice.trials.isEmpty, "\(choice.summary)")
        #expect(choice.trials.allSatisfy { $0.frameBytes + $0.partBytes >= choice.scoredFrameBytes })
        // What the section holds pays: no larger than without it, but for the section and its id.
        #expect(container.count <= plain.count + shared.bytes.count + SharedSection.idSize)
        let records = RecordBatch(lines: text)
        for i in 0..<reader.frameCount {
            let e = reader.index.entries[i]
            let lo = Int(e.firstRecord), hi = lo + Int(e.recordCount)
            #expect(try reader.decodeRecords(i, coder: try reader.makeCoder()) == records.slice(lo..<hi), "frame \(i)")
        }
        #expect(try reader.restoreAll() == text)
    }

    @Test func theHeldBackRecordsAreTheFirst30000OrFirst64MiB() {
        var batch = RecordBatch()
        for _ in 0..<(SharedSection.learnRecords + 5) { batch.append([0x41]) }
        #expect(SharedSection.headCount(of: batch) == SharedSection.learnRecords)
        var big = RecordBatch()
        let record = [UInt8](repeating: 0x42, count: (1 << 20) - 1)
        for _ in 0..<70 { big.append(record) }
        #expect(SharedSection.headCount(of: big) == 64)
        let w = SharedSection.Window.standard
        #expect(w.isFull(count: 64, bytes: 64 << 20) && !w.isFull(count: 63, bytes: 63 << 20))
        #expect(w.isFull(count: SharedSection.learnRecords, bytes: 1) && !w.isFull(count: SharedSection.learnRecords - 1, bytes: 1))
    }

    // MARK: the profile's default (a writer given no choice)

    static func sharingProfile() throws -> Profile {
        let p = try SdkSamples.profile(framing: .block(64))
        return try Profile.make(codec: p.codec, framing: p.framing, model: p.model, dictionary: p.dictionary,
                                timestampField: p.metadata.timestampField, training: nil, source: nil, sharedSection: true)
    }

    @Test func aProfileThatSharesWritesItsFlagOnlyWhenSet() throws {
        let plain = try SdkSamples.profile(framing: .block(64))
        #expect(!String(decoding: try plain.metadata.json(), as: UTF8.self).contains("sharedSection"))
        #expect(!plain.metadata.sharesSection && !ProfileCodec(profile: plain).sharesSectionByDefault)
        let sharing = try Self.sharingProfile()
        let back = try Profile.parse(sharing.bytes, name: "p") { _ in [] }
        #expect(back.metadata.sharesSection && ProfileCodec(profile: back).sharesSectionByDefault)
        #expect(back.summary.hasSuffix(", shared section") && back.id != plain.id)
    }

    /// Whether `container` carries a shared section.
    static func hasSection(_ container: [UInt8]) throws -> Bool {
        try ContainerHeader.parse(container[0..<ContainerFormat.headerSize]).hasSharedSection
    }

    @Test func theProfilesDefaultLearnsOnlyWhenTheContainerFillsTheWindow() throws {
        let codec = ProfileCodec(profile: try Self.sharingProfile())
        let records = RecordBatch(lines: Self.inputA).count
        let tmp = TempDir()
        func write(_ shared: Bool?, window: SharedSection.Window) throws -> [UInt8] {
            let c = try ContainerWriter.compress(Self.inputA, codec: codec,
                                                 options: .init(threads: 2, sharedSection: shared, sharedSectionWindow: window))
            #expect(try ContainerReader(path: tmp.file("c.llc", c), codec: codec).restoreAll() == Self.inputA)
            return c
        }
        // Records to spare beyond the window: the default learns from the window's records.
        #expect(try Self.hasSection(try write(nil, window: .init(records: 512, bytes: 1 << 30))))
        #expect(try Self.hasSection(try write(nil, window: .init(records: 1 << 20, bytes: Self.inputA.count / 2))))
        // A container smaller than the window: none by default, one when asked for.
        let small = SharedSection.Window(records: records + 1, bytes: 1 << 30)
        let none = try write(nil, window: small)
        #expect(try !Self.hasSection(none))
        #expect(none == (try ContainerWriter.compress(Self.inputA, codec: codec, options: .init(threads: 2, sharedSection: false))))
        #expect(try Self.hasSection(try write(true, window: small)))
        // Told not to, a sharing profile writes none.
        #expect(try !Self.hasSection(try write(false, window: .init(records: 512, bytes: 1 << 30))))
        // A profile that does not share writes none by default, whatever the container's size.
        let plain = ProfileCodec(profile: try SdkSamples.profile(framing: .block(64)))
        let c = try ContainerWriter.compress(Self.inputA, codec: plain, options: .init(threads: 2, sharedSectionWindow: .init(records: 512, bytes: 1 << 30)))
        #expect(try !Self.hasSection(c))
    }
}
