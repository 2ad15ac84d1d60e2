import Foundation
import Testing
import LogLabCore
@testable import LogLabContainer

/// Files written by container/profile format 1.0 (loglab 0.1.0). Never regenerate them:
/// every later version must load these profiles and restore these containers exactly.
@Suite struct FormatV1FixtureTests {
    static let dir = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures").path

    @Test(arguments: [
        ("v1-all", "534c0144074ac05c1161cd6853316d06cb637cb2843bc2b4433e6b9e2e0ded42", 3),
        ("v1-none-dict", "5eb7c76f704953e64f15d43b01fcebd6597c52b90f5f032c531489d46db8f444", 10),
    ])
    func oldProfileRestoresOldContainerExactly(name: String, profileID: String, frames: Int) throws {
        let input = try Files.read(Self.dir + "/v1-input.jsonl")
        #expect(SHA256Hasher.hex(input) == "644d5c339be5c9740d111fd23784d1e5c3340de5eb358699638127bd0c9db6c6")
        let profile = try Profile.load(path: Self.dir + "/\(name).llp")
        #expect(profile.id.hex == profileID)
        #expect(profile.dictionary != nil)
        let codec = ProfileCodec(profile: profile)
        let path = Self.dir + "/\(name).llc"
        let reader = try ContainerReader(path: path, codec: codec)
        #expect(reader.header.major == 1 && reader.header.minor == 0)
        #expect(reader.frameCount == frames)
        #expect(try reader.restoreAll() == input)
        #expect(try streamRestore(path: path, codec: codec) == input)
        #expect(!reader.trailer.finalNewline)
        let batch = RecordBatch(lines: input)
        #expect(try reader.record(at: batch.count - 1) == Array(batch[batch.count - 1]))
    }
}

/// Files written by container format 2.0 (with the 1.0 profiles above). Never regenerate
/// them: every later version must restore these containers exactly.
@Suite struct FormatV2FixtureTests {
    @Test(arguments: [
        ("v2-all", "v1-all", "a8d029b64f7a3d4b163061315cd92fc0109a414e3beb7a9906bbde3a50d81ac8", 3),
        ("v2-none-dict", "v1-none-dict", "a172baf14d45ef7f96d8ab2acb9afedb67670561e263fc28fc3f20af0c2ea01c", 10),
    ])
    func frozenV2ContainersRestoreExactly(name: String, profileName: String, sha: String, frames: Int) throws {
        let dir = FormatV1FixtureTests.dir
        let input = try Files.read(dir + "/v1-input.jsonl")
        let path = dir + "/\(name).llc"
        #expect(SHA256Hasher.hex(try Files.read(path)) == sha)
        let codec = ProfileCodec(profile: try Profile.load(path: dir + "/\(profileName).llp"))
        let reader = try ContainerReader(path: path, codec: codec)
        #expect(reader.header.major == 2 && reader.header.minor == 0)
        #expect(reader.frameCount == frames)
        #expect(try reader.restoreAll() == input)
        #expect(try placedRestore(reader, threads: 2) == input)
        #expect(try streamRestore(path: path, codec: codec) == input)
        let batch = RecordBatch(lines: input)
        for n in [0, batch.count / 2, batch.count - 1] {
            #expect(try reader.record(at: n) == Array(batch[n]))
        }
        #expect(try reader.verify() == frames)
    }
}

/// Files written by container format 2.1 (a shared section after the header; with the 1.0
/// profiles above) from the fixture input repeated 8 times, joined by "\n". Never
/// regenerate them. `v21-all` holds a model part (stored over the profile's model),
/// `v21-none-dict` a dictionary part.
@Suite struct FormatV21FixtureTests {
    @Test(arguments: [
        ("v21-all", "v1-all", "e0c0ffd74edcf2b9f5a1977e53813cea24d0dfe9fc15c4b20169eb6ea85e2b3d", 20, true, false),
        ("v21-none-dict", "v1-none-dict", "fa8c39ed63b6aa49bfe5e1a025de31f6abb2e041c9a8fa5949e3aa2bd0791296", 77, false, true),
    ])
    func frozenSharedSectionContainersRestoreExactly(name: String, profileName: String, sha: String, frames: Int,
                                                      model: Bool, dictionary: Bool) throws {
        let dir = FormatV1FixtureTests.dir
        let one = try Files.read(dir + "/v1-input.jsonl")
        var input: [UInt8] = []
        for k in 0..<8 { if k > 0 { input.append(0x0A) }; input += one }
        #expect(SHA256Hasher.hex(input) == "d192215985c7690b119b85f71e139460c3f071c1b93ec5a3a9f70c4286cbb03d")
        let path = dir + "/\(name).llc"
        #expect(SHA256Hasher.hex(try Files.read(path)) == sha)
        let codec = ProfileCodec(profile: try Profile.load(path: dir + "/\(profileName).llp"))
        let reader = try ContainerReader(path: path, codec: codec)
        #expect(reader.header.major == 2 && reader.header.minor == 1 && reader.header.hasSharedSection)
        #expect((reader.shared?.model != nil) == model && (reader.shared?.dictionary != nil) == dictionary)
        #expect(reader.frameCount == frames)
        #expect(try reader.restoreAll() == input)
        #expect(try placedRestore(reader, threads: 2) == input)
        #expect(try streamRestore(path: path, codec: codec) == input)
        let batch = RecordBatch(lines: input)
        for n in [0, batch.count / 2, batch.count - 1] {
            #expect(try reader.record(at: n) == Array(batch[n]))
        }
        #expect(try reader.verify() == frames)
    }
}

/// The exhaustive damage tests on a 2.0 container written with a real profile (zstd frames
/// whose headers leave the payload size out, transformed records): every single-byte flip
/// and every truncation is refused by both readers.
@Suite struct FormatV2DamageTests {
    /// `shared`: a 2.1 container, its shared section included.
    @Test(arguments: [false, true])
    func everyFlipAndCutOfARealContainerIsDetected(shared: Bool) throws {
        let dir = FormatV1FixtureTests.dir
        let codec = ProfileCodec(profile: try Profile.load(path: dir + "/v1-all.llp"))
        let input = Array(try Files.read(dir + "/v1-input.jsonl").prefix(20_000))
        let container = try ContainerWriter.compress(input, codec: codec, options: .init(sharedSection: shared))
        #expect(shared == (container[ContainerFormat.headerSize] == SharedSection.code))
        let tmp = TempDir()
        #expect(try ContainerReader(path: tmp.file("ok.llc", container), codec: codec).restoreAll() == input)
        // The file reader refuses it in order (one thread) and placing frames in any order.
        func refused(_ bytes: [UInt8]) -> (file: Bool, stream: Bool) {
            let path = tmp.file("bad.llc", bytes)
            var file = false, placed = false, stream = false
            do { try ContainerReader(path: path, codec: codec).restoreAll(threads: 1) { _ in } } catch is ContainerError { file = true } catch {}
            do { try ContainerReader(path: path, codec: codec).restoreAll(threads: 2, placing: { _, _ in }) } catch is ContainerError { placed = true } catch {}
            do { _ = try streamRestore(path: path, codec: codec, threads: 1) } catch is ContainerError { stream = true } catch {}
            return (file && placed, stream)
        }
        for position in container.indices {
            var damaged = container
            damaged[position] ^= [0x01, 0x80, 0xFF, 0x10][position % 4]
            let r = refused(damaged)
            #expect(r.file && r.stream, "flip of byte \(position) of \(container.count): file \(r.file), stream \(r.stream)")
        }
        for length in 0..<container.count {
            let r = refused(Array(container[0..<length]))
            #expect(r.file && r.stream, "truncation to \(length) bytes")
        }
    }
}
