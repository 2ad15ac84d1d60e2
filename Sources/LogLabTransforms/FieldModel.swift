import LogLabCore

/// Placeholder field model (filled in by the field transforms).
final class FieldModel: Sendable {
    let selection: TransformSelection
    init(selection: TransformSelection) { self.selection = selection }
    static func learn(from training: RecordBatch, selection: TransformSelection) -> FieldModel {
        FieldModel(selection: selection)
    }
    func write(to w: inout ByteWriter) {}
    static func read(from r: inout ByteReader, selection: TransformSelection, version: Int) throws -> FieldModel {
        FieldModel(selection: selection)
    }
}

struct FieldEncoder {
    let model: FieldModel
    var collectStats = false
    var stats = TransformStats()
    init(model: FieldModel) { self.model = model }
    mutating func encode(_ records: RecordBatch, into out: inout [UInt8]) {
        RawFrame.encode(records, into: &out)
    }
}

struct FieldDecoder {
    let model: FieldModel
    init(model: FieldModel) { self.model = model }
    mutating func decode(_ bytes: [UInt8], recordCount: Int) throws -> RecordBatch {
        throw TransformError.corruptFrame("field frames not supported yet")
    }
}

final class LegacyTable: Sendable {
    static func learn(from training: RecordBatch) -> LegacyTable { LegacyTable() }
    func write(to w: inout ByteWriter) {}
    static func read(from r: inout ByteReader) throws -> LegacyTable { LegacyTable() }
    func encode(_ records: RecordBatch, into out: inout [UInt8]) { RawFrame.encode(records, into: &out) }
    func decode(_ bytes: [UInt8], recordCount: Int) throws -> RecordBatch {
        throw TransformError.corruptFrame("legacy frames not supported yet")
    }
}

/// Bytes before and after, per field path and per transform.
public struct TransformStats: Sendable, Equatable {
    public init() {}
}
