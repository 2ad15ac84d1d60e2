import Foundation
import Testing
import LogLabCore
import LogLabCodecs
import LogLabTransforms
import LogLabDatasets
@testable import LogLabContainer

/// Small sdk-log samples shared by the profile tests (generated once).
enum SdkSamples {
    static func jsonl(records: Int, seed: UInt64) -> [UInt8] {
        var out: [UInt8] = []
        try? SdkLogGenerator(options: .init(records: records, start: "2021-12-26", days: 1, seed: seed,
                                            apps: 30, users: 1_000, anomaliesPerMillion: 20_000)).write {
            out.append(contentsOf: $0)
        }
        return out
    }
    static let train = jsonl(records: 600, seed: 11)
    static let test = jsonl(records: 500, seed: 12)

    /// Profiles are trained once per configuration (training dominates debug test time).
    nonisolated(unsafe) static var cache: [String: Profile] = [:]
    static let lock = NSLock()

    static func profile(framing: Framing = .block(64), dictionarySize: Int = 0, codec: String = "zstd:3",
                        transforms: TransformSelection = .all, dictionaryFile: String? = nil,
                        fresh: Bool = false) throws -> Profile {
        let key = "\(framing) \(dictionarySize) \(codec) \(transforms) \(dictionaryFile ?? "-")"
        if !fresh {
            lock.lock()
            defer { lock.unlock() }
            if let p = cache[key] { return p }
        }
        let p = try ProfileTrainer.train(
            records: RecordBatch(lines: train),
            options: .init(transforms: transforms, codec: try CodecSpec(parsing: codec), framing: framing,
                           dictionarySize: dictionarySize, dictionaryFile: dictionaryFile),
            training: .init(file: "train.jsonl", records: 600, bytes: train.count, sha256: nil), source: nil)
        lock.lock()
        cache[key] = p
        lock.unlock()
        return p
    }
}

@Suite struct ProfileTests {
    @Test func writesLoadsAndKeepsItsID() throws {
        let profile = try SdkSamples.profile(framing: .record, dictionarySize: 4096)
        let dir = TempDir()
        try profile.write(to: dir.path + "/p.llp")
        let loaded = try Profile.load(path: dir.path + "/p.llp")
        #expect(loaded.id == profile.id)
        #expect(loaded.metadata == profile.metadata)
        #expect(loaded.dictionary?.bytes == profile.dictionary?.bytes)
        #expect(loaded.dictionary != nil && loaded.metadata.dictionary?.embedded == true)
        #expect(loaded.codec.description == "zstd:3" && loaded.framing == .record)
        #expect(loaded.id == ProfileID.of(try Files.read(dir.path + "/p.llp")))
        // The same training gives the same profile, byte for byte.
        #expect(try SdkSamples.profile(framing: .record, dictionarySize: 4096, fresh: true).bytes == profile.bytes)
    }

    @Test func everyFlipOrCutOfAProfileIsRefused() throws {
        let profile = try SdkSamples.profile(transforms: .none)
        let bytes = profile.bytes
        #expect(bytes.count < 4000)
        for i in 0..<bytes.count {
            var damaged = bytes
            damaged[i] ^= 0x20
            #expect(throws: ContainerError.self) { try Profile.parse(damaged, name: "p", readDictionary: { _ in [] }) }
        }
        for n in stride(from: 0, to: bytes.count, by: 7) {
            #expect(throws: ContainerError.self) { try Profile.parse(Array(bytes[0..<n]), name: "p", readDictionary: { _ in [] }) }
        }
    }

    @Test func unknownSectionsAndVersions() throws {
        let profile = try SdkSamples.profile(transforms: .none)
        var file = try ProfileFile.parse(profile.bytes, name: "p")
        file.sections.append(.init(tag: "note", bytes: Array("ancillary, skipped".utf8)))
        #expect(try Profile.parse(file.serialized(), name: "p", readDictionary: { _ in [] }).metadata == profile.metadata)
        file.sections.append(.init(tag: "XTRA", bytes: [1, 2, 3]))
        do {
            _ = try Profile.parse(file.serialized(), name: "p", readDictionary: { _ in [] })
            Issue.record("a critical unknown section must be refused")
        } catch let e as ContainerError {
            #expect(e.description.contains("XTRA"))
        }
        var newer = try ProfileFile.parse(profile.bytes, name: "p")
        newer.major = 2
        do {
            _ = try Profile.parse(newer.serialized(), name: "p", readDictionary: { _ in [] })
            Issue.record("a newer major version must be refused")
        } catch let e as ContainerError {
            #expect(e.description.contains("version 2.\(ProfileFile.minorVersion)"))
        }
    }

    @Test func externalDictionaryMissingOrWrong() throws {
        let dir = TempDir()
        let profile = try SdkSamples.profile(framing: .record, dictionarySize: 4096, dictionaryFile: "p.zdict")
        try profile.write(to: dir.path + "/p.llp")
        #expect(FileManager.default.fileExists(atPath: dir.path + "/p.zdict"))
        let loaded = try Profile.load(path: dir.path + "/p.llp")
        #expect(loaded.dictionary?.bytes == profile.dictionary?.bytes)
        #expect(loaded.metadata.dictionary?.embedded == false)

        // Wrong dictionary: another one under the same name.
        let other = try SdkSamples.profile(dictionarySize: 1024)
        try Files.writeAtomically(other.dictionary!.bytes, to: dir.path + "/p.zdict")
        do {
            _ = try Profile.load(path: dir.path + "/p.llp")
            Issue.record("a wrong dictionary must be refused")
        } catch let e as ContainerError {
            #expect(e.kind == .dictionary && e.description.contains("wrong dictionary"))
        }
        // Missing dictionary.
        try FileManager.default.removeItem(atPath: dir.path + "/p.zdict")
        do {
            _ = try Profile.load(path: dir.path + "/p.llp")
            Issue.record("a missing dictionary must be refused")
        } catch let e as ContainerError {
            #expect(e.kind == .dictionary && e.description.contains("missing dictionary"))
        }
    }

    @Test(arguments: [("block:64", 0, "zstd:3"), ("record", 4096, "zstd:3"), ("block:64", 1024, "zstd:3"), ("block:100", 0, "gzip:6")])
    func libraryRoundTripWithRealCodecs(framing: String, dict: Int, codec: String) throws {
        let profile = try SdkSamples.profile(framing: try Framing(parsing: framing), dictionarySize: dict, codec: codec)
        let pc = ProfileCodec(profile: profile)
        let input = SdkSamples.test
        let container = try ContainerWriter.compress(input, codec: pc, options: .init(threads: 2))
        #expect(container.count * 4 < input.count)
        let dir = TempDir()
        let path = dir.file("c.llc", container)
        let reader = try ContainerReader(path: path, codec: pc)
        #expect(try reader.restoreAll() == input)
        #expect(try streamRestore(path: path, codec: pc) == input)
        let batch = RecordBatch(lines: input)
        for i in stride(from: 0, to: batch.count, by: 97) {
            #expect(try reader.record(at: i) == Array(batch[i]))
        }
    }

    /// Format 2.0's budget: at most 4 bytes per record beyond the codec's output at record
    /// framing, at most 0.5 % of the container at block:1024.
    @Test func containerOverheadStaysWithinBudget() throws {
        let dir = TempDir()
        let record = ProfileCodec(profile: try SdkSamples.profile(framing: .record, dictionarySize: 4096))
        let small = SdkSamples.jsonl(records: 2000, seed: 14)
        let a = try ContainerReader(path: dir.file("r.llc", try ContainerWriter.compress(small, codec: record)), codec: record)
        let la = try a.layout()
        #expect(la.totalBytes == Int(a.file.size))
        #expect(la.overheadBytes <= 4 * a.recordCount, "record framing: \(la)")
        #expect(try a.restoreAll() == small)

        let block = ProfileCodec(profile: try SdkSamples.profile(framing: .block(1024)))
        let large = SdkSamples.jsonl(records: 4000, seed: 13)
        let b = try ContainerReader(path: dir.file("b.llc", try ContainerWriter.compress(large, codec: block)), codec: block)
        let lb = try b.layout()
        #expect(lb.totalBytes == Int(b.file.size))
        #expect(Double(lb.overheadBytes) <= 0.005 * Double(lb.totalBytes), "block:1024: \(lb)")
        #expect(try b.restoreAll() == large)
    }

    @Test func recordsTheProfileCannotTransformStayExact() throws {
        let profile = try SdkSamples.profile()
        let pc = ProfileCodec(profile: profile)
        var input = Array(SdkSamples.test.prefix(20_000))
        input += Array("not json at all\r\n{\"broken\": \n\u{0}\u{1}binary\n{\"_index\":1e999,\"x\":\"\\ud800\"}\n   \n".utf8)
        input += [0xFF, 0xFE, 0x0A, 0xC3, 0x28]
        let container = try ContainerWriter.compress(input, codec: pc)
        let dir = TempDir()
        #expect(try ContainerReader(path: dir.file("c.llc", container), codec: pc).restoreAll() == input)
    }

    @Test func anotherProfileIsRefused() throws {
        let a = ProfileCodec(profile: try SdkSamples.profile())
        let b = ProfileCodec(profile: try SdkSamples.profile(dictionarySize: 1024))
        #expect(a.profileID != b.profileID)
        let dir = TempDir()
        let path = dir.file("c.llc", try ContainerWriter.compress(Array(SdkSamples.test.prefix(5000)), codec: a))
        do {
            _ = try ContainerReader(path: path, codec: b)
            Issue.record("expected a profile mismatch")
        } catch let e as ContainerError {
            #expect(e.description.contains(a.profileID.short) && e.description.contains(b.profileID.short))
        }
    }

    @Test func embeddableFrameAPIFromManyThreads() async throws {
        let codec = ProfileCodec(profile: try SdkSamples.profile(framing: .record, dictionarySize: 4096))
        let batch = RecordBatch(lines: SdkSamples.test)
        try await withThrowingTaskGroup(of: Bool.self) { group in
            for t in 0..<4 {
                group.addTask {
                    let coder = ProfileFrameCoder(profile: codec.profile)
                    var ok = true
                    for i in stride(from: t, to: batch.count, by: 4) {
                        let one = batch.slice(i..<(i + 1))
                        let frame = try coder.encodeFrame(one)
                        let back = try coder.decodeFrame(frame.bytes)
                        ok = ok && back == one
                    }
                    return ok
                }
            }
            for try await ok in group { #expect(ok) }
        }
    }
}

@Suite struct PartitionTests {
    @Test func layoutAndManifest() throws {
        let codec = ProfileCodec(profile: try SdkSamples.profile())
        let dir = TempDir()
        let out = dir.path + "/out"
        let input = SdkSamples.jsonl(records: 600, seed: 3)
        let batch = RecordBatch(lines: input)
        let writer = try PartitionedWriter(directory: out, codec: codec, granularity: .hour,
                                           options: .init(threads: 2), maxOpenParts: 2)
        for i in 0..<batch.count { try batch.withRecord(i) { try writer.append($0) } }
        let manifest = try writer.finish()
        #expect(manifest.parts.reduce(0) { $0 + $1.records } == batch.count)
        #expect(manifest.partitionBy == .hour && manifest.profile == codec.profileID.hex)
        // Expected grouping: records by hour of their timestamp, in input order.
        var expected: [String: [UInt8]] = [:]
        for i in 0..<batch.count {
            let key = writer.partition(of: TimeField("timestamp").time(in: batch[i]))
            expected[key, default: []] += Array(batch[i]) + [0x0A]
        }
        #expect(expected.count > 3)
        var restored: [String: [UInt8]] = [:]
        for part in manifest.parts {
            #expect(part.path.range(of: #"^dt=\d{4}-\d{2}-\d{2}/hour=\d{2}/part-\d{5}\.llc$"#, options: .regularExpression) != nil, "\(part.path)")
            let path = out + "/" + part.path
            #expect(SHA256Hasher.hex(try Files.read(path)) == part.sha256)
            let reader = try ContainerReader(path: path, codec: codec)
            #expect(reader.recordCount == part.records)
            let bytes = try reader.restoreAll()
            #expect(UInt64(bytes.count) == part.bytes)
            let hourPrefix = String(part.path.prefix(21))   // dt=YYYY-MM-DD/hour=HH
            let key = hourPrefix
            restored[key, default: []] += bytes
            if let from = part.from, let to = part.to {
                #expect(from.hasPrefix(String(key.dropFirst(3).prefix(10))))
                #expect(from <= to)
            }
        }
        #expect(restored == expected)
        let onDisk = try PartitionManifest.load(directory: out)
        #expect(onDisk == manifest)
        // No temporary files left behind.
        let files = FileManager.default.enumerator(atPath: out)?.allObjects as? [String] ?? []
        #expect(!files.contains { $0.hasSuffix(".tmp") })
    }
}
