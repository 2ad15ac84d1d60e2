import LogLabCore

/// The `template` transform's model: the line templates learned from text training records.
///
/// A template earns its place in the model only if it also occurs in the held-out second
/// half of the training lines: there it would otherwise travel literally (once per frame),
/// which costs at least what its entry in the model costs. Templates are stored by
/// decreasing frequency, so the common ones get one-byte ids.
///
/// Serialised form: `varint count`, then per template `varint length` + bytes.
final class TemplateModel: Sendable {
    static let maxTemplates = 1 << 16
    static let sampleLimit = 200_000

    let infos: [TemplateInfo]
    let table: ByteTable

    init(templates: [[UInt8]]) throws {
        var t = ByteTable()
        var infos: [TemplateInfo] = []
        for bytes in templates {
            let before = t.count
            guard t.insert(bytes) == before else { throw TransformError.corruptModel("duplicate template") }
            do { infos.append(try TemplateInfo(bytes)) } catch { throw TransformError.corruptModel("bad template") }
        }
        table = t
        self.infos = infos
    }

    /// True when most of a sample of `records` is not JSON: text lines are the templates' job.
    static func isMostlyText(_ records: RecordBatch) -> Bool {
        guard records.count > 0 else { return false }
        let splitter = JSONSplitter()
        let step = max(1, records.count / 256)
        var text = 0, seen = 0
        for i in stride(from: 0, to: records.count, by: step) {
            seen += 1
            let ok = records[i].withUnsafeBytes { splitter.split($0) }
            if !ok { text += 1 }
        }
        return text * 2 > seen
    }

    static func learn(from training: RecordBatch) -> TemplateModel {
        let n = min(training.count, sampleLimit)
        let half = n / 2
        var table = ByteTable()
        var early: [Int] = [], late: [Int] = []
        let template = OutStream(capacity: 1024)
        var vars: [TextVariable] = []
        training.bytes.withUnsafeBufferPointer { all in
            guard let base = all.baseAddress else { return }
            for r in 0..<n {
                let lo = training.offsets[r], hi = training.offsets[r + 1]
                guard TextTemplate.tokenize(base + lo, hi - lo, offset: lo, template: template, vars: &vars) else { continue }
                let before = table.count
                let id = table.insert(UnsafePointer(template.base), template.count)
                if id == before { early.append(0); late.append(0) }
                if r < half { early[id] += 1 } else { late[id] += 1 }
            }
        }
        let total: [Int] = zip(early, late).map { $0 + $1 }
        let candidates: [Int] = (0..<table.count).filter { (id: Int) -> Bool in n < 2 || (early[id] > 0 && late[id] > 0) }
        let kept = candidates.sorted { (a: Int, b: Int) -> Bool in total[a] != total[b] ? total[a] > total[b] : a < b }
            .prefix(maxTemplates)
        return (try? TemplateModel(templates: kept.map { Array(table.key($0)) })) ?? (try! TemplateModel(templates: []))
    }

    func write(to w: inout ByteWriter) {
        w.varint(infos.count)
        for t in infos { w.lengthPrefixed(t.bytes) }
    }

    static func read(from r: inout ByteReader) throws -> TemplateModel {
        let n = try r.count(limit: min(r.remaining, maxTemplates))
        var templates: [[UInt8]] = []
        for _ in 0..<n { templates.append(Array(try r.lengthPrefixed())) }
        return try TemplateModel(templates: templates)
    }
}
