import LogLabCore

/// The `template` transform's model: the line templates learned from text training records.
///
/// A template earns its place in the model only if it also occurs in the held-out second
/// half of the training lines: there it would otherwise travel literally (once per frame),
/// which costs at least what its entry in the model costs. Templates are stored by
/// decreasing frequency, so the common ones get one-byte ids.
///
/// Serialised form: `varint count`, then per template `varint length` + bytes; from model
/// version 6, then `varint words` and per vocabulary word `varint length` + bytes.
final class TemplateModel: Sendable {
    static let maxTemplates = 1 << 16
    static let sampleLimit = 200_000

    let infos: [TemplateInfo]
    let table: ByteTable
    /// Skeletons (`TemplateWords.skeleton`) of the templates with word variables, and per
    /// skeleton its templates, those fixing more words first.
    let skeletons: ByteTable
    let candidates: [[WordTemplate]]
    /// Whether address columns are coded by their distinct values (models of version 6 on;
    /// every model learnt now).
    let distinctColumns: Bool

    /// Words of word variables known to the model (version 6 on): a frame names them by index.
    let vocabulary: ByteTable

    init(templates: [[UInt8]], vocabulary: [[UInt8]] = [], distinctColumns: Bool = true) throws {
        self.distinctColumns = distinctColumns
        var v = ByteTable()
        for w in vocabulary {
            let before = v.count
            guard !w.isEmpty, !w.contains(where: { TextVariableKind.reserved.contains($0) }), v.insert(w) == before else {
                throw TransformError.corruptModel("bad vocabulary word")
            }
        }
        self.vocabulary = v
        var t = ByteTable()
        var infos: [TemplateInfo] = []
        var skeletons = ByteTable()
        var candidates: [[WordTemplate]] = []
        let skeleton = OutStream(capacity: 1024)
        var words: [WordSpan] = []
        for (id, bytes) in templates.enumerated() {
            let before = t.count
            guard t.insert(bytes) == before else { throw TransformError.corruptModel("duplicate template") }
            do { infos.append(try TemplateInfo(bytes)) } catch { throw TransformError.corruptModel("bad template") }
            guard let made = bytes.withUnsafeBufferPointer({ b in
                WordTemplate(id, b.baseAddress ?? UnsafePointer(bitPattern: 8)!, b.count, words: &words, skeleton: skeleton)
            }) else { continue }
            let s = skeletons.insert(UnsafePointer(skeleton.base), skeleton.count)
            if s == candidates.count { candidates.append([]) }
            candidates[s].append(made)
        }
        table = t
        self.infos = infos
        self.skeletons = skeletons
        self.candidates = candidates.map { $0.sorted { $0.fixed.count != $1.fixed.count ? $0.fixed.count > $1.fixed.count : $0.template < $1.template } }
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
        var seen = ByteTable()
        var templates: [[UInt8]] = []
        let learnt = TemplateLearner.learn(from: training, sampleLimit: sampleLimit)
        for t in learnt.templates where templates.count < maxTemplates {
            let before = seen.count
            if seen.insert(t) == before { templates.append(t) }
        }
        let vocabulary = templates.contains { $0.contains(TextVariableKind.word.rawValue) } ? learnt.vocabulary : []
        return (try? TemplateModel(templates: templates, vocabulary: vocabulary)) ?? (try! TemplateModel(templates: []))
    }

    /// Whether a template holds a word variable or a spelt word (model version 6 on).
    var hasWordVariables: Bool { !candidates.isEmpty }

    /// The model template of a line tokenized into template `t` and variables `vars` (the line
    /// at `lineOffset` in the frame's bytes `line`): its own template when the model has it
    /// (`byWords` nil), else the word template `match` finds (`words` then holds the line's
    /// words, for `WordTemplate.variables`); nil if neither.
    @inline(__always)
    func lookup(_ t: UnsafePointer<UInt8>, _ n: Int, vars: [TextVariable], lineOffset: Int, line: UnsafePointer<UInt8>,
                words: inout [WordSpan], skeleton: OutStream) -> (template: Int, byWords: WordTemplate?)? {
        if let m = table.find(t, n) { return (m, nil) }
        guard hasWordVariables else { return nil }
        TemplateWords.scan(t, n, vars: vars, lineOffset: lineOffset, into: &words)
        guard let w = match(t, n, words: words, line: line, skeleton: skeleton) else { return nil }
        return (w.template, w)
    }

    /// The model template for a line whose template `t` (its words `words`, the frame's bytes
    /// `line`) is not one of the model's: of the templates with word variables or spelt words
    /// sharing its skeleton, the one fixing the most words whose fixed words all equal the
    /// line's (ties: the lower id); nil if none.
    func match(_ t: UnsafePointer<UInt8>, _ n: Int, words: [WordSpan], line: UnsafePointer<UInt8>, skeleton: OutStream) -> WordTemplate? {
        TemplateWords.skeleton(t, n, words, into: skeleton)
        guard let s = skeletons.find(UnsafePointer(skeleton.base), skeleton.count) else { return nil }
        for c in candidates[s] {
            let ok = infos[c.template].bytes.withUnsafeBufferPointer { tb in
                c.matches(t, words, line: line, template: tb.baseAddress ?? UnsafePointer(bitPattern: 8)!)
            }
            if ok { return c }
        }
        return nil
    }

    /// A template holds a control byte above the reserved range as static text.
    var needsVersion8: Bool { infos.contains { $0.lateStatic } }

    func write(to w: inout ByteWriter) {
        w.varint(infos.count)
        for t in infos { w.lengthPrefixed(t.bytes) }
        guard distinctColumns else { return }
        w.varint(vocabulary.count)
        for k in 0..<vocabulary.count { w.lengthPrefixed(Array(vocabulary.key(k))) }
    }

    static func read(from r: inout ByteReader, version: Int) throws -> TemplateModel {
        let n = try r.count(limit: min(r.remaining, maxTemplates))
        var templates: [[UInt8]] = []
        for _ in 0..<n { templates.append(Array(try r.lengthPrefixed())) }
        var vocabulary: [[UInt8]] = []
        if version >= 6 {
            let words = try r.count(limit: min(r.remaining, TemplateLearner.maxVocabulary))
            for _ in 0..<words { vocabulary.append(Array(try r.lengthPrefixed())) }
        }
        let model = try TemplateModel(templates: templates, vocabulary: vocabulary, distinctColumns: version >= 6)
        guard version >= 6 || !model.hasWordVariables else { throw TransformError.corruptModel("word variables in a version \(version) model") }
        guard version >= 8 || !model.needsVersion8 else { throw TransformError.corruptModel("control bytes in a version \(version) model's templates") }
        return model
    }
}

/// A model template with word variables or words spelt out, as the encoder matches lines
/// against it: its id, the words it fixes (word index, bytes in the template, whether spelt)
/// and how each word is coded.
struct WordTemplate {
    struct Fixed { var slot: Int32; var start: Int32; var end: Int32; var spelt: Bool }
    enum Word { case shape, variable, spelt }
    let template: Int
    let fixed: [Fixed]
    let words: [Word]

    /// nil when template `t[0..<n]` has neither a word variable nor a word spelt where its
    /// line has variables (`HTTP/1.1`); otherwise also leaves its skeleton in `skeleton`.
    init?(_ id: Int, _ t: UnsafePointer<UInt8>, _ n: Int, words spans: inout [WordSpan], skeleton: OutStream) {
        TemplateWords.scan(t, n, vars: nil, into: &spans)
        var fixed: [Fixed] = [], words: [Word] = []
        let probe = OutStream(capacity: 64)
        var vars: [TextVariable] = []
        for (k, w) in spans.enumerated() {
            let s = Int(w.templateStart), len = Int(w.templateEnd - w.templateStart)
            if len == 1 && t[s] == TextVariableKind.word.rawValue { words.append(.variable); continue }
            // A word without placeholders that the tokenizer would give variables is spelt.
            var spelt = false
            if w.endVariable == w.firstVariable {
                spelt = TextTemplate.tokenize(t + s, len, offset: 0, template: probe, vars: &vars) && !vars.isEmpty
            }
            words.append(spelt ? .spelt : .shape)
            fixed.append(Fixed(slot: Int32(k), start: w.templateStart, end: w.templateEnd, spelt: spelt))
        }
        guard words.contains(where: { $0 != .shape }) else { return nil }
        TemplateWords.skeleton(t, n, spans, into: skeleton)
        template = id
        self.fixed = fixed
        self.words = words
    }

    /// Whether a line (template `t`, its words, the frame's bytes `line`) has every word this
    /// template fixes: spelt words compared with the line's bytes, the others with its shapes.
    @inline(__always) func matches(_ t: UnsafePointer<UInt8>, _ spans: [WordSpan], line: UnsafePointer<UInt8>, template tb: UnsafePointer<UInt8>) -> Bool {
        guard spans.count == words.count else { return false }   // equal skeletons have equal words
        for f in fixed {
            let w = spans[Int(f.slot)]
            let want = Int(f.end - f.start)
            if f.spelt {
                guard w.lineEnd - w.lineStart == want, memcmpEqual(line + w.lineStart, tb + Int(f.start), want) else { return false }
            } else {
                guard Int(w.templateEnd - w.templateStart) == want, memcmpEqual(t + Int(w.templateStart), tb + Int(f.start), want) else { return false }
            }
        }
        return true
    }

    /// The line's variables for this template: `vars` (in template order) with each variable
    /// word's placeholders replaced by one `word` variable holding the word, and a spelt
    /// word's dropped.
    func variables(_ vars: [TextVariable], words spans: [WordSpan], into out: inout [TextVariable]) {
        out.removeAll(keepingCapacity: true)
        var j = 0
        for (k, w) in spans.enumerated() where words[k] != .shape {
            while j < Int(w.firstVariable) { out.append(vars[j]); j += 1 }
            if words[k] == .variable { out.append(TextVariable(kind: .word, start: w.lineStart, length: w.lineEnd - w.lineStart)) }
            j = Int(w.endVariable)
        }
        while j < vars.count { out.append(vars[j]); j += 1 }
    }
}
