import Foundation
import Testing
import LogLabCore
import LogLabTransforms
@testable import LogLabContainer

/// Inputs that once crashed a fuzz harness (Fuzz/), replayed the way the harness feeds them:
/// each must now be refused with an error.
@Suite struct FuzzRegressionTests {
    static let dir = FormatV1FixtureTests.dir + "/fuzz"

    static func profiles() throws -> [Profile] {
        try ["v1-all.llp", "v1-none-dict.llp"].map { name in
            try Profile.parse(try Files.read(FormatV1FixtureTests.dir + "/" + name), name: name) { _ in throw FileError("none") }
        }
    }

    @Test func transformDecoderInputs() throws {
        let files = try FileManager.default.contentsOfDirectory(atPath: Self.dir).filter { $0.hasPrefix("FuzzTransform-") }
        #expect(!files.isEmpty)
        let profiles = try Self.profiles()
        for name in files {
            let data = try Files.read(Self.dir + "/" + name)
            var decoder = FrameDecoder(model: profiles[Int(data[0] & 1)].model)
            #expect(throws: (any Error).self, "\(name)") { try decoder.decode(Array(data[1...]), recordCount: Int(data[0] >> 1)) }
        }
    }

    /// FuzzJSON: lines that the field transforms once did not give back exactly (an escaped
    /// control byte, `\` + 0x00, in a key put a placeholder into the shape). Each must now
    /// round-trip through the transforms alone, not only through the writer's check.
    @Test func jsonRoundTripInputs() throws {
        let files = try FileManager.default.contentsOfDirectory(atPath: Self.dir).filter { $0.hasPrefix("FuzzJSON-") }
        #expect(!files.isEmpty)
        let profiles = try Self.profiles()
        for name in files {
            let records = RecordBatch(lines: try Files.read(Self.dir + "/" + name))
            for profile in profiles {
                var encoder = FrameEncoder(model: profile.model)
                var decoder = FrameDecoder(model: profile.model)
                let back = try? decoder.decode(encoder.encode(records), recordCount: records.count)
                var bad: Int? = nil
                if let back, back.count == records.count {
                    bad = (0..<records.count).first { !back[$0].elementsEqual(records[$0]) }
                } else { bad = -1 }
                #expect(bad == nil, "field transforms do not round-trip \(name) (record \(bad ?? 0)) with \(profile.model.selection)")
                // The container writer's check keeps the bytes exact all the same.
                let codec = ProfileCodec(profile: profile)
                let raw = try Files.read(Self.dir + "/" + name)
                let c = try ContainerWriter.compress(raw, codec: codec, options: .init(threads: 1))
                let path = NSTemporaryDirectory() + "fuzzjson-\(getpid())-\(UInt32.random(in: 0...UInt32.max)).llc"
                try Files.writeAtomically(c, to: path)
                defer { unlink(path) }
                #expect(try ContainerReader(path: path, codec: codec).restoreAll() == raw)
            }
        }
    }
}
