import Foundation
import Testing
@testable import LogLabLab

/// Issue case 4: hostile specs are refused quickly, without a stack overflow or a memory blow-up.
@Suite struct SpecBoundsTests {
    func expectRefused(_ text: String, _ reason: String, sourceLocation: Testing.SourceLocation = #_sourceLocation) {
        do {
            _ = try SpecLoader.parse(text, file: "hostile.yaml")
            Issue.record("accepted a hostile spec", sourceLocation: sourceLocation)
        } catch {
            #expect("\(error)".contains(reason), "\(error)", sourceLocation: sourceLocation)
        }
    }

    @Test func deepFlowNesting() {
        expectRefused("name: x\ncodecs: " + String(repeating: "[", count: 5000) + String(repeating: "]", count: 5000), "nested too deeply")
    }

    @Test func deepBlockNesting() {
        expectRefused((0..<1000).map { String(repeating: " ", count: $0) + "k\($0):" }.joined(separator: "\n"), "nested too deeply")
        expectRefused("x:\n" + String(repeating: "- ", count: 3000) + "a", "nested")
    }

    @Test func aliasBomb() {
        var lines = ["a: &a [lol, lol, lol, lol, lol, lol, lol, lol, lol]"]
        for i in 1..<9 {
            let prev = String(UnicodeScalar(UInt8(96 + i))), name = String(UnicodeScalar(UInt8(97 + i)))
            lines.append("\(name): &\(name) [" + Array(repeating: "*" + prev, count: 9).joined(separator: ", ") + "]")
        }
        expectRefused(lines.joined(separator: "\n"), "expands to more than")
        expectRefused((0..<300).map { "k\($0): *a" }.joined(separator: "\n"), "aliases")
    }

    @Test func size() {
        expectRefused("name: x\nnotes: \"" + String(repeating: "a", count: 2 << 20) + "\"", "bytes")
    }

    @Test func realSpecsStillLoad() throws {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        for name in ["codec-shootout", "transform-ablation", "dictionary-sweep"] {
            _ = try SpecLoader.load(path: root.appendingPathComponent("Experiments/\(name).yaml").path)
        }
    }
}
