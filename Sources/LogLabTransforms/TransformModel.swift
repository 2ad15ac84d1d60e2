import LogLabCore

/// What `learn` found in the training records: shapes, per-field codings, vocabularies and
/// relations. Immutable once learned, so one model serves every encoder/decoder thread.
///
/// Serialised form (versioned; later versions must keep loading version 1):
/// ```
/// "LLTM"  u16le version  string selection  varint payloadLength  payload  u32le crc32(all before)
/// ```
/// Version 1 payload: the field model (see `FieldModel.write`) or the legacy table, or empty.
/// Version 2 payload (written only when the model holds line templates or float columns,
/// which version-1 readers do not know): `u8 parts` (bit 0 field model, bit 1 template
/// model), then the parts present, in that order.
/// Version 3 payload (written only when a column has a repeat coding, which earlier readers
/// do not know): as version 2; the field model's column flags may have bit 6 (`Repeat`).
/// Version 4 payload (written only when a column has the recent coding): as version 3; a
/// column's kind may be 5 (`RecentCoding`).
/// Version 5 payload (written only when a number column has scaled bases): as version 4; the
/// field model's column flags may have bit 7 (`DecimalText.rescale`).
/// Version 6 payload (written for every template model learnt now): as version 5; templates
/// may hold the `word` placeholder 0x17, and template frames code address columns by their
/// distinct values (earlier template models keep 4 bytes per address).
/// Version 7 payload (written only when a column has the message coding): as version 6; a
/// column's kind may be 6 (`MessageCoding`), its templates after its other settings.
/// Version 8 payload (written only when a template holds a control byte 0x18…0x1F as static
/// text): as version 7; only 0x10…0x17 are placeholders, and frames may send such templates.
public final class TransformModel: Sendable {
    public static let currentVersion: UInt16 = 8
    static let magic: [UInt8] = Array("LLTM".utf8)

    public let selection: TransformSelection
    let field: FieldModel?
    let legacyTable: LegacyTable?
    let templates: TemplateModel?

    init(selection: TransformSelection, field: FieldModel?, legacy: LegacyTable?, templates: TemplateModel? = nil) {
        self.selection = selection
        self.field = field
        self.legacyTable = legacy
        self.templates = templates
    }

    /// Learns the selected transforms from `training` (any records; non-JSON ones are skipped,
    /// or, when most records are text lines and `template` is selected, learnt as templates).
    /// The field learner samples the first `fieldSampleLimit` records (nil: its default, 30,000)
    /// and, with `heldOut`, scores what it keeps on their second half (the model will meet
    /// other records); without, on all of them (it will code exactly those records).
    /// `recentCodings` false leaves the recent coding out (tests of the codings it competes with).
    public static func learn(from training: RecordBatch, selection: TransformSelection,
                             fieldSampleLimit: Int? = nil, heldOut: Bool = true, recentCodings: Bool = true) -> TransformModel {
        if selection.isNone { return TransformModel(selection: selection, field: nil, legacy: nil) }
        if selection.isLegacy {
            return TransformModel(selection: selection, field: nil, legacy: LegacyTable.learn(from: training))
        }
        if selection.contains(.template) && TemplateModel.isMostlyText(training) {
            return TransformModel(selection: selection, field: nil, legacy: nil, templates: TemplateModel.learn(from: training))
        }
        return TransformModel(selection: selection, field: FieldModel.learn(from: training, selection: selection,
                                                                                sampleLimit: fieldSampleLimit ?? FieldLearner.sampleLimit,
                                                                                heldOut: heldOut, recentCodings: recentCodings),
                              legacy: nil)
    }

    public func serialized() -> [UInt8] {
        var payload = ByteWriter()
        let v8 = (templates?.needsVersion8 ?? false) || (field?.needsVersion8 ?? false)
        let v7 = v8 || (field?.needsVersion7 ?? false)
        let v6 = v7 || (templates?.distinctColumns ?? false)
        let v5 = v6 || (field?.needsVersion5 ?? false)
        let v4 = v5 || (field?.needsVersion4 ?? false)
        let v3 = v4 || (field?.needsVersion3 ?? false)
        let v2 = v3 || templates != nil || (field?.columns.contains { $0.kind == .float } ?? false)
        if v2 { payload.u8((field != nil ? 1 : 0) | (templates != nil ? 2 : 0)) }
        if let field { field.write(to: &payload) }
        if let legacyTable { legacyTable.write(to: &payload) }
        if let templates { templates.write(to: &payload) }
        var w = ByteWriter(capacity: payload.count + 32)
        w.append(Self.magic)
        // Models without templates keep the version 1 form, byte for byte.
        w.u16le(v8 ? 8 : v7 ? 7 : v6 ? 6 : v5 ? 5 : v4 ? 4 : v3 ? 3 : v2 ? 2 : 1)
        w.string(selection.description)
        w.lengthPrefixed(payload.bytes)
        w.u32le(CRC32.checksum(w.bytes))
        return w.bytes
    }

    public convenience init(serialized bytes: [UInt8]) throws {
        var r = ByteReader(bytes)
        do {
            guard try r.bytes(4).elementsEqual(Self.magic) else { throw TransformError.corruptModel("bad magic (not a LogLab transform model)") }
            let version = try r.u16le()
            guard version >= 1 else { throw TransformError.corruptModel("version 0") }
            guard version <= Self.currentVersion else { throw TransformError.unsupportedModelVersion(Int(version)) }
            let selText = try r.string()
            let selection: TransformSelection
            do { selection = try TransformSelection(parsing: selText) } catch { throw TransformError.corruptModel("\(error)") }
            let payload = try r.lengthPrefixed()
            let crcEnd = r.position
            let crc = try r.u32le()
            guard r.isAtEnd else { throw TransformError.corruptModel("\(r.remaining) trailing bytes") }
            guard CRC32.checksum(Array(bytes[0..<crcEnd])) == crc else { throw TransformError.corruptModel("checksum mismatch") }
            var p = ByteReader(payload)
            var field: FieldModel? = nil
            var legacy: LegacyTable? = nil
            var templates: TemplateModel? = nil
            if version >= 2 {
                let parts = try p.u8()
                guard parts >= 1, parts <= 3, parts & 2 == 0 || selection.contains(.template), selection.isFieldAware else {
                    throw TransformError.corruptModel("bad model parts \(parts)")
                }
                if parts & 1 != 0 { field = try FieldModel.read(from: &p, selection: selection, version: Int(version)) }
                if parts & 2 != 0 { templates = try TemplateModel.read(from: &p, version: Int(version)) }
            } else if selection.isLegacy {
                legacy = try LegacyTable.read(from: &p)
            } else if !selection.isNone {
                field = try FieldModel.read(from: &p, selection: selection, version: Int(version))
            }
            guard p.isAtEnd else { throw TransformError.corruptModel("\(p.remaining) unread payload bytes") }
            self.init(selection: selection, field: field, legacy: legacy, templates: templates)
        } catch let e as TransformError {
            throw e
        } catch {
            throw TransformError.corruptModel("\(error)")
        }
    }
}
