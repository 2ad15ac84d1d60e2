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
}
