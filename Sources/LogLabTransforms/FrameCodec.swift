import LogLabCore

/// Turns one frame of records (one record, a block, or a whole file) into the bytes handed to
/// the codec. One per thread: it keeps scratch buffers between calls.
public struct FrameEncoder {
    public let model: TransformModel
    var field: FieldEncoder?
    var templates: TemplateEncoder?

    public init(model: TransformModel) {
        self.model = model
        if let f = model.field { field = FieldEncoder(model: f) }
        if let t = model.templates { templates = TemplateEncoder(model: t) }
    }

    /// Per-field-path and per-transform byte counts accumulated over every `encode` call
    /// (collected only while `collectStats` is set, since it costs a little time).
    public var collectStats: Bool {
        get { field?.collectStats ?? false }
        set { field?.collectStats = newValue }
    }

    public var stats: TransformStats { field?.stats ?? TransformStats() }

    public mutating func resetStats() { field?.stats = TransformStats() }

    /// One frame → bytes for the codec. Never fails: what a transform cannot represent is
    /// carried verbatim.
    public mutating func encode(_ records: RecordBatch) -> [UInt8] {
        var span: TimeSpan? = nil
        return encode(records, timeField: nil, span: &span)
    }

    /// `encode`, and the span of the records' times by `timeField`, each exactly what
    /// `TimeField.time(in:)` reads: the field transforms read it from their own tokenizing
    /// where the field is found by shape, other records are searched.
    public mutating func encode(_ records: RecordBatch, timeField: TimeField) -> (payload: [UInt8], times: TimeSpan) {
        var span: TimeSpan? = TimeSpan()
        let payload = encode(records, timeField: timeField, span: &span)
        return (payload, span ?? TimeSpan.of(records, timeField))
    }

    /// `span` left nil: the caller searches the records.
    private mutating func encode(_ records: RecordBatch, timeField: TimeField?, span: inout TimeSpan?) -> [UInt8] {
        var out = [UInt8]()
        let wanted = span != nil
        span = nil
        if model.selection.isNone {
            RawFrame.encode(records, into: &out)
        } else if let legacy = model.legacyTable {
            legacy.encode(records, into: &out)
        } else if templates != nil {
            templates!.encode(records, into: &out)
        } else if field != nil {
            if wanted, let timeField {
                var found = TimeSpan()
                field!.encode(records, into: &out, timeField: timeField, span: &found)
                span = found
            } else {
                field!.encode(records, into: &out)
            }
        } else {
            RawFrame.encode(records, into: &out)
        }
        return out
    }
}

/// Restores the exact original records of a frame made by `FrameEncoder` with the same model.
/// Corrupt or hostile bytes throw `TransformError`; nothing traps.
public struct FrameDecoder {
    public let model: TransformModel
    var field: FieldDecoder?
    var templates: TemplateDecoder?

    public init(model: TransformModel) {
        self.model = model
        if let f = model.field { field = FieldDecoder(model: f) }
        if let t = model.templates { templates = TemplateDecoder(model: t) }
    }

    public mutating func decode(_ bytes: [UInt8], recordCount: Int) throws -> RecordBatch {
        try check(bytes, recordCount: recordCount)
        switch FrameKind(rawValue: bytes[0])! {
        case .rawLines, .rawPrefixed:
            return try RawFrame.decode(kind: FrameKind(rawValue: bytes[0])!, bytes, recordCount: recordCount)
        case .legacy:
            guard let legacy = model.legacyTable else { throw TransformError.corruptFrame("legacy frame but the model has no legacy table") }
            return try legacy.decode(bytes, recordCount: recordCount)
        case .templates:
            guard templates != nil else { throw TransformError.corruptFrame("template frame but the model has no templates") }
            return try templates!.decode(bytes, recordCount: recordCount)
        case .rows, .columns, .checkedColumns:
            guard field != nil else { throw TransformError.corruptFrame("field-transformed frame but the model has no field transforms") }
            return try field!.decode(bytes, recordCount: recordCount)
        }
    }

    /// The records, each followed by `\n` (the frame's original bytes), appended to `out`.
    /// Field-transformed frames (the common case) decode straight into `out`.
    public mutating func decodeLines(_ bytes: [UInt8], recordCount: Int, into out: inout [UInt8]) throws {
        try check(bytes, recordCount: recordCount)
        let kind = FrameKind(rawValue: bytes[0])!
        if kind == .rows || kind.isColumns, field != nil {
            try field!.decodeLines(bytes, recordCount: recordCount, into: &out)
            return
        }
        if kind == .templates, templates != nil {
            try templates!.decodeLines(bytes, recordCount: recordCount, into: &out)
            return
        }
        if kind == .rawLines || kind == .rawPrefixed {
            try RawFrame.decodeLines(kind: kind, bytes, recordCount: recordCount, into: &out)
            return
        }
        let records = try decode(bytes, recordCount: recordCount)
        guard records.count == recordCount else {
            throw TransformError.corruptFrame("restored \(records.count) records, expected \(recordCount)")
        }
        out.reserveCapacity(out.count + records.totalBytes + records.count)
        for i in 0..<records.count {
            out.append(contentsOf: records[i])
            out.append(0x0A)
        }
    }

    /// Whether the frame restores exactly `records` (the writer's check before it uses a
    /// frame). Field-transformed frames compare each record as it is decoded.
    public mutating func restores(_ bytes: [UInt8], exactly records: RecordBatch) -> Bool {
        guard (try? check(bytes, recordCount: records.count)) != nil else { return false }
        let kind = FrameKind(rawValue: bytes[0])!
        if kind == .rows || kind.isColumns, field != nil {
            return field!.restores(bytes, exactly: records)
        }
        if kind == .templates, templates != nil {
            return templates!.restores(bytes, exactly: records)
        }
        if let same = RawFrame.restores(bytes, exactly: records) { return same }
        return (try? decode(bytes, recordCount: records.count)) == records
    }

    private func check(_ bytes: [UInt8], recordCount: Int) throws {
        guard recordCount >= 0 else { throw TransformError.corruptFrame("negative record count") }
        // Every record costs at least one byte of frame (a separator or a header), so a
        // larger count is corrupt; checking first keeps hostile counts from sizing buffers.
        guard recordCount <= bytes.count else {
            throw TransformError.corruptFrame("\(recordCount) records cannot fit in \(bytes.count) bytes")
        }
        guard let first = bytes.first, FrameKind(rawValue: first) != nil else {
            throw TransformError.corruptFrame(bytes.isEmpty ? "empty frame" : "unknown frame kind \(bytes[0])")
        }
    }
}
