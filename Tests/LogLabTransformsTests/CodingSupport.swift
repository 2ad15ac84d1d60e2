import Testing
import LogLabCore
@testable import LogLabTransforms

/// Round trips of single values through one coding: a column learned from `training` values
/// (so that it takes the coding under test), then records holding the odd values, each
/// restored byte for byte (rows and columns layouts, with a reloaded model).
enum CodingFixture {
    static func records(_ values: [String], key: String = "v") -> RecordBatch {
        var b = RecordBatch()
        for v in values { b.append(Array("{\"\(key)\":\(v)}".utf8)) }
        return b
    }

    /// The model learned from `training`, whose column `v` must have taken `kind`.
    static func model(training: [String], kind: ValueKind, selection: TransformSelection = .all) throws -> TransformModel {
        let model = TransformModel.learn(from: records(training), selection: selection)
        guard let column = model.field?.columns.first(where: { ShapePaths.display($0.path) == "v" }) else {
            throw Fixtures.RoundTripFailure(description: "no column v")
        }
        guard column.kind == kind else { throw Fixtures.RoundTripFailure(description: "column v took \(column.kind), not \(kind)") }
        return model
    }

    /// Round trips `values` (each as the value of `v`) in frames of one record (rows), of
    /// 16 and of all of them (columns).
    static func roundTrip(training: [String], kind: ValueKind, values: [String]) throws {
        let model = try model(training: training, kind: kind)
        let test = records(values)
        for framing in [Framing.record, .block(16), .file] { try Fixtures.roundTrip(model: model, test: test, framing: framing) }
    }

    /// The token `s` parsed and rendered by a text form; `nil` when it does not parse.
    static func bytes(_ s: String, _ body: (UnsafePointer<UInt8>, Int) -> String?) -> String? {
        let b = Array(s.utf8)
        return b.withUnsafeBufferPointer { body($0.baseAddress!, $0.count) }
    }
}

@Suite struct ValueCodingTableTests {
    /// The one table from kind to coding agrees with each coding's own kind, and the learner
    /// weighs every coding once, text first.
    @Test func tableAndLearningOrderCoverEveryKind() {
        for k in ValueKind.allCases { #expect(k.coding.kind == k, "\(k)") }
        #expect(Set(ValueKind.learningOrder) == Set(ValueKind.allCases))
        #expect(ValueKind.learningOrder.count == ValueKind.allCases.count)
        #expect(ValueKind.learningOrder.first == .text)
    }
}
