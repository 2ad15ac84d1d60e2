import Foundation   // log (learning only)
import LogLabCore

/// Learns line templates from training lines, in the manner of Drain: lines whose templates
/// differ only in whole words (`TemplateWords`) share a skeleton; within a skeleton's lines,
/// a word position with one value is template text, and the others are `word` variables,
/// unless splitting the lines by that position's value makes other positions constant (as a
/// service name decides the rest of its message): then each frequent value gets templates of
/// its own, learnt the same way, and the rare values share one where the position is a
/// variable. Numbers, addresses, ids and timestamps are variables of their own kinds first
/// (`TextTemplate.tokenize`), so a word's value is its shape (`/items/⟨int⟩`), not its digits.
///
/// A template is kept only if lines of both halves of the sample use it: otherwise it would
/// travel literally (once per frame) at no more than its entry in the model costs.
struct TemplateLearner {
    /// Most values a word position may be split by.
    static let maxSplit = 64
    /// Lines of a node that score a split (the counts that decide it use all of them).
    static let scoreSample = 4096
    /// Most shapes a position may be split by for its numbers' sake (`typedSplit`).
    static let maxTypedSplit = 8
    /// Most open positions `bestSplit` scores.
    static let maxScoredPositions = 128
    /// Most words the vocabulary keeps.
    static let maxVocabulary = 1 << 16
    /// A word whose values repeat this often on average is coded as a word, not its numbers.
    /// Numbers a word must hold to be coded as a word rather than its numbers when few spellings repeat.
    static let minWordVariables: Int32 = 2
    static let wordRepeats = 16

    private var skeletons = ByteTable()
    private var shapes = ByteTable()
    /// Per sampled line: its skeleton, where its word shapes start in `lineShapes`, its half.
    private var lineSkeleton: [Int32] = []
    private var shapeStart: [Int32] = []
    private var late: [Bool] = []
    private var lineShapes: [Int32] = []
    /// Per word of each line (as `lineShapes`): its bytes in the line, as an id.
    private var lineValues: [Int32] = []
    private var values = ByteTable()
    private var shapeVariables: [Int32] = []
    private var slotCounts: [Int] = []            // per skeleton
    private let minLeaf: Int

    /// A learnt template: per word position, a fixed shape id or −1 (a variable), and its lines.
    private struct Leaf {
        var skeleton: Int
        var state: [Int32]
        /// Positions fixed as spelt in the lines (value ids), not as their shape.
        var spelt: [Int: Int32]
        var lines: [Int32]
        var early = 0, late = 0
    }

    private init(lines n: Int) {
        minLeaf = max(2, n / 2000)
    }

    /// Templates by decreasing use, and the words of their word variables that lines of both
    /// halves hold, by decreasing use: the model's vocabulary (`WordVariable`).
    static func learn(from training: RecordBatch, sampleLimit: Int) -> (templates: [[UInt8]], vocabulary: [[UInt8]]) {
        let n = min(training.count, sampleLimit)
        var l = TemplateLearner(lines: n)
        l.read(training, n)
        var leaves: [Leaf] = []
        var bySkeleton = [[Int32]](repeating: [], count: l.skeletons.count)
        for (r, s) in l.lineSkeleton.enumerated() { bySkeleton[Int(s)].append(Int32(r)) }
        for (s, lines) in bySkeleton.enumerated() where !lines.isEmpty {
            l.specialize(lines, state: [Int32](repeating: -1, count: l.slotCounts[s]), skeleton: s, into: &leaves)
        }
        let kept = leaves.filter { n < 2 || ($0.early > 0 && $0.late > 0) }
            .sorted { ($0.early + $0.late) > ($1.early + $1.late) }
        // A word in the vocabulary is an index where a frame would spell it out on first use.
        var early: [Int32: Int] = [:], late: [Int32: Int] = [:]
        for leaf in kept {
            for (slot, v) in leaf.state.enumerated() where v < 0 && leaf.spelt[slot] == nil {
                for r in leaf.lines {
                    let w = l.lineValues[Int(l.shapeStart[Int(r)]) + slot]
                    if l.late[Int(r)] { late[w, default: 0] += 1 } else { early[w, default: 0] += 1 }
                }
            }
        }
        let words = early.keys.filter { late[$0] != nil }
            .sorted { (a, b) in let x = early[a]! + late[a]!, y = early[b]! + late[b]!; return x != y ? x > y : a < b }
            .prefix(Self.maxVocabulary)
        return (kept.map { l.bytes(of: $0) }, words.map { Array(l.values.key(Int($0))) })
    }

    private mutating func read(_ training: RecordBatch, _ n: Int) {
        let template = OutStream(capacity: 1024)
        let skeleton = OutStream(capacity: 1024)
        var vars: [TextVariable] = []
        var words: [WordSpan] = []
        training.bytes.withUnsafeBufferPointer { all in
            guard let base = all.baseAddress else { return }
            for r in 0..<n {
                let lo = training.offsets[r], hi = training.offsets[r + 1]
                guard TextTemplate.tokenize(base + lo, hi - lo, offset: lo, template: template, vars: &vars) else { continue }
                let t = UnsafePointer(template.base), tn = template.count
                vars.withUnsafeBufferPointer { v in
                    TemplateWords.scan(t, tn, vars: v.baseAddress, lineOffset: lo, into: &words)
                }
                TemplateWords.skeleton(t, tn, words, into: skeleton)
                let before = skeletons.count
                let s = skeletons.insert(UnsafePointer(skeleton.base), skeleton.count)
                if s == before { slotCounts.append(words.count) }
                lineSkeleton.append(Int32(s))
                shapeStart.append(Int32(lineShapes.count))
                late.append(r >= n / 2)
                for w in words {
                    let ws = Int(w.templateStart)
                    let before = shapes.count
                    lineShapes.append(Int32(shapes.insert(t + ws, Int(w.templateEnd) - ws)))
                    if shapes.count > before { shapeVariables.append(w.endVariable - w.firstVariable) }
                    lineValues.append(Int32(values.insert(base + w.lineStart, w.lineEnd - w.lineStart)))
                }
            }
        }
    }

    @inline(__always) private func shape(_ line: Int32, _ slot: Int) -> Int32 {
        lineShapes[Int(shapeStart[Int(line)]) + slot]
    }

    /// Splits `lines` (one skeleton, positions fixed or variable per `state`: ≥ 0 a shape,
    /// −1 open, −2 a variable) into leaves.
    private func specialize(_ lines: [Int32], state: [Int32], skeleton: Int, into leaves: inout [Leaf]) {
        var state = state
        // Positions with one value are template text.
        var open: [Int] = []
        var counts: [Int: [Int32: Int]] = [:]
        for s in state.indices where state[s] == -1 {
            var c: [Int32: Int] = [:]
            for r in lines { c[shape(r, s), default: 0] += 1 }
            if c.count == 1 { state[s] = c.first!.key } else { open.append(s); counts[s] = c }
        }
        if lines.count >= 2 * minLeaf, let (slot, values) = bestSplit(lines, open: open, counts: counts) ?? typedSplit(lines, open: open, counts: counts) {
            var children = [[Int32]](repeating: [], count: values.count)
            var rare: [Int32] = []
            var index: [Int32: Int] = [:]
            for (k, v) in values.enumerated() { index[v] = k }
            for r in lines {
                if let k = index[shape(r, slot)] { children[k].append(r) } else { rare.append(r) }
            }
            for (k, v) in values.enumerated() {
                var s = state; s[slot] = v
                specialize(children[k], state: s, skeleton: skeleton, into: &leaves)
            }
            if !rare.isEmpty {
                var s = state; s[slot] = -2
                specialize(rare, state: s, skeleton: skeleton, into: &leaves)
            }
            return
        }
        // A fixed shape with variables inside: with one spelling (`HTTP/1.1`) it is template
        // text as spelt; with few (an agent's version, a status code) it is cheaper as a word
        // variable, one id where its numbers would each take a column.
        var spelt: [Int: Int32] = [:]
        for s in state.indices where state[s] >= 0 && shapeVariables[Int(state[s])] > 0 {
            let several = shapeVariables[Int(state[s])] >= Self.minWordVariables
            let few = lines.count / Self.wordRepeats          // most spellings of a word variable
            var seen = Set<Int32>()
            for r in lines {
                seen.insert(lineValues[Int(shapeStart[Int(r)]) + s])
                if seen.count > max(1, few) { break }        // a second spelling is always looked for
            }
            if seen.count == 1 { spelt[s] = seen.first! } else if several && seen.count <= few { state[s] = -1 }
        }
        var leaf = Leaf(skeleton: skeleton, state: state.map { $0 >= 0 ? $0 : -1 }, spelt: spelt, lines: lines)
        for r in lines { if late[Int(r)] { leaf.late += 1 } else { leaf.early += 1 } }
        leaves.append(leaf)
    }

    /// The open position whose frequent values (≥ `minLeaf` lines each, at most `maxSplit`)
    /// make the most other open positions constant, weighted by lines; nil if none does.
    private func bestSplit(_ lines: [Int32], open: [Int], counts: [Int: [Int32: Int]]) -> (Int, [Int32])? {
        // Scoring is quadratic in the open positions: lines with more varying words than
        // this are prose, not a format to split by.
        guard open.count >= 2, open.count <= Self.maxScoredPositions else { return nil }
        var share: [Int: Double] = [:]
        for t in open { share[t] = Double(counts[t]!.values.max()!) / Double(lines.count) }
        let sample = lines.count > Self.scoreSample ? Array(lines[0..<Self.scoreSample]) : lines
        var best: (score: Int, slot: Int, values: [Int32])? = nil
        for s in open {
            let frequent = counts[s]!.filter { $0.value >= minLeaf }.sorted { $0.value != $1.value ? $0.value > $1.value : $0.key < $1.key }
            guard !frequent.isEmpty, frequent.count <= Self.maxSplit else { continue }
            var index: [Int32: Int] = [:]
            for (k, v) in frequent.enumerated() { index[v.key] = k }
            // Per child and other open position: its first value, and whether all agree.
            let others = open.filter { $0 != s }
            var first = [Int32](repeating: -1, count: frequent.count * others.count)
            var mixed = [Bool](repeating: false, count: frequent.count * others.count)
            var size = [Int](repeating: 0, count: frequent.count)
            for r in sample {
                guard let k = index[shape(r, s)] else { continue }
                size[k] += 1
                for (j, t) in others.enumerated() {
                    let x = k * others.count + j, v = shape(r, t)
                    if first[x] < 0 { first[x] = v } else if first[x] != v { mixed[x] = true }
                }
            }
            // A position counts as made constant in a child only where chance would rarely
            // do it: a value taking share q of the lines fills all k lines of a child with
            // probability q^k, kept under 1 %.
            var score = 0
            for k in 0..<frequent.count where size[k] > 0 {
                var constant = 0
                for (j, t) in others.enumerated() where !mixed[k * others.count + j] && Double(size[k]) * -log(share[t]!) > 4.6 { constant += 1 }
                score += constant * size[k]
            }
            if score > 0 && (best == nil || score > best!.score) { best = (score, s, frequent.map(\.key)) }
        }
        return best.map { ($0.slot, $0.values) }
    }

    /// An open position with a handful of frequent shapes holding numbers that rarely repeat
    /// (a path with a block id in it): as a word variable its numbers would be text, so each
    /// of those shapes gets templates of its own, its numbers typed columns. nil if none.
    /// (Many shapes, as request paths have, would scatter the lines over many templates.)
    private func typedSplit(_ lines: [Int32], open: [Int], counts: [Int: [Int32: Int]]) -> (Int, [Int32])? {
        var best: (covered: Int, slot: Int, values: [Int32])? = nil
        for s in open {
            let frequent = counts[s]!.filter { $0.value >= minLeaf && shapeVariables[Int($0.key)] > 0 }
                .sorted { $0.value != $1.value ? $0.value > $1.value : $0.key < $1.key }
            guard !frequent.isEmpty, frequent.count <= Self.maxTypedSplit else { continue }
            var seen = Set<Int32>()
            for r in lines.prefix(Self.scoreSample) { seen.insert(lineValues[Int(shapeStart[Int(r)]) + s]) }
            guard seen.count > min(lines.count, Self.scoreSample) / Self.wordRepeats else { continue }
            let covered = frequent.reduce(0) { $0 + $1.value }
            if best == nil || covered > best!.covered { best = (covered, s, frequent.map(\.key)) }
        }
        return best.map { ($0.slot, $0.values) }
    }

    /// A leaf's template: its skeleton with each fixed position's shape written in.
    private func bytes(of leaf: Leaf) -> [UInt8] {
        let sk = skeletons.key(leaf.skeleton)
        var out: [UInt8] = []
        out.reserveCapacity(sk.count + 16)
        var slot = 0
        var i = sk.startIndex
        while i < sk.endIndex {
            let b = sk[i]
            if b == TextVariableKind.time.rawValue {
                out.append(contentsOf: sk[i ..< min(i + 1 + TimeLayout.byteCount, sk.endIndex)])
                i += 1 + TimeLayout.byteCount
                continue
            }
            if b == TextVariableKind.word.rawValue {
                let v = leaf.state[slot]
                if let w = leaf.spelt[slot] { out.append(contentsOf: values.key(Int(w))) }
                else if v >= 0 { out.append(contentsOf: shapes.key(Int(v))) } else { out.append(b) }
                slot += 1
            } else {
                out.append(b)
            }
            i += 1
        }
        return out
    }
}
