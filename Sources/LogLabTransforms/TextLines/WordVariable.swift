#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import LogLabCore

/// A word of a line that varies where its template is otherwise fixed: a request path, a
/// user name, a referrer, a method. Such words kept as template text would give nearly every
/// line a template of its own; as a `word` variable, the template is shared and the word
/// joins a column of its slot's values, where the codec meets its repeats.
///
/// A word is a maximal run of bytes that are not delimiters (`delimiter(_:)`), placeholders
/// counting as word bytes; a word holding a timestamp is never a variable (a timestamp may
/// span delimiters). Which words become variables is learnt (`TemplateLearner`); at encode
/// time a line's words are matched against the model's templates (`TemplateModel.match`).
///
/// Column coding: the ids of `DistinctIDs`, then each distinct word in order of first use:
/// `varint k`, k ≥ 1 for the model vocabulary's word k − 1, or 0 followed by the word's
/// bytes and 0x10 (a word never holds a reserved byte: a line with one travels verbatim).
enum WordVariable {
    static let terminator: UInt8 = 0x10

    /// Space, tab, CR, LF and ``"'()[]{}<>,;:=|\``: what separates the words of a log line.
    @inline(__always) static func delimiter(_ b: UInt8) -> Bool {
        // Bit k of `low` is byte k (0…63); of `high`, byte 64 + k.
        let low: UInt64 = 1 << 0x09 | 1 << 0x0A | 1 << 0x0D | 1 << 0x20 | 1 << 0x22 | 1 << 0x27 | 1 << 0x28 | 1 << 0x29
            | 1 << 0x2C | 1 << 0x3A | 1 << 0x3B | 1 << 0x3C | 1 << 0x3D | 1 << 0x3E
        let high: UInt64 = 1 << (0x5B - 64) | 1 << (0x5C - 64) | 1 << (0x5D - 64) | 1 << (0x7B - 64) | 1 << (0x7C - 64) | 1 << (0x7D - 64)
        return b < 64 ? (low >> UInt64(b)) & 1 != 0 : b < 128 && (high >> UInt64(b &- 64)) & 1 != 0
    }

    static func encode(_ vars: ArraySlice<TextVariable>, base: UnsafePointer<UInt8>, vocabulary: ByteTable, into out: OutStream) {
        // A slot's words repeat (a few paths, agents, users make most lines): each value is
        // an id into the column's distinct words, and each distinct word is written once, after
        // the ids, so the codec sees small ids and the words apart from them.
        var distinct = ByteTable()
        for v in vars {
            let before = distinct.count
            let id = distinct.insert(base + v.start, v.length)
            out.varint(id == before ? 0 : id + 1)
        }
        distinct.arena.withUnsafeBufferPointer { a in
            for id in 0..<distinct.count {
                let p = a.baseAddress! + distinct.offsets[id], len = distinct.offsets[id + 1] - distinct.offsets[id]
                if let k = vocabulary.find(p, len) {
                    out.varint(k + 1)
                } else {
                    out.reserve(len + 2)
                    out.put(0)
                    out.put(p, len)
                    out.put(terminator)
                }
            }
        }
    }

    static func decode(count: Int, vocabulary: ByteTable, _ inp: inout Cursor, into col: inout RenderedColumn) throws {
        let (ids, news) = try DistinctIDs.read(count: count, &inp)
        // Each distinct word: in the vocabulary's arena (`known`) or the frame's, at `start`.
        var words: [(known: Bool, start: Int, length: Int)] = []
        words.reserveCapacity(news)
        for _ in 0..<news {
            let k = try inp.varint()
            if k > 0 {
                guard k <= UInt64(vocabulary.count) else { throw TransformError.corruptFrame("word \(k - 1) not in the vocabulary") }
                let id = Int(k - 1)
                words.append((true, vocabulary.offsets[id], vocabulary.offsets[id + 1] - vocabulary.offsets[id]))
                continue
            }
            let p = inp.base + inp.pos
            guard let q = memchr(p, Int32(terminator), inp.remaining) else {
                throw TransformError.corruptFrame("word column runs past its stream")
            }
            let len = UnsafeRawPointer(q) - UnsafeRawPointer(p)
            guard len > 0 else { throw TransformError.corruptFrame("empty word in a word column") }
            words.append((false, inp.pos, len))
            _ = try inp.take(len + 1)
        }
        let frame = inp.base
        vocabulary.arena.withUnsafeBufferPointer { v in
            let known = v.baseAddress ?? UnsafePointer(bitPattern: 8)!
            var next = 0
            for x in ids {
                let w: (known: Bool, start: Int, length: Int)
                if x == 0 { w = words[next]; next += 1 } else { w = words[Int(x) - 1] }
                col.bytes.put((w.known ? known : frame) + w.start, w.length)
                col.close()
            }
        }
    }
}

/// The id stream of a column coded by its distinct values (`WordVariable`, `IPv4Variable`):
/// per value `varint id`, 0 for a value not yet in the column, k ≥ 1 for its k-th distinct
/// value (in order of first use); the distinct values follow it.
enum DistinctIDs {
    /// The ids of `count` values and how many distinct values follow them.
    static func read(count: Int, _ inp: inout Cursor) throws -> (ids: [Int32], distinct: Int) {
        var ids = [Int32](repeating: 0, count: count)
        var news = 0
        for k in 0..<count {
            let x = try inp.varint()
            guard x <= UInt64(news) else { throw TransformError.corruptFrame("column id \(x) before its value") }
            if x == 0 { news += 1 }
            ids[k] = Int32(x)
        }
        return (ids, news)
    }
}

/// One word of a template (`TemplateWords.scan`): its bytes in the template, the placeholders
/// (variables) it holds, and, for a line's template, its bytes in the frame.
struct WordSpan {
    var templateStart: Int32
    var templateEnd: Int32
    var firstVariable: Int32
    var endVariable: Int32
    var lineStart: Int
    var lineEnd: Int
}

enum TemplateWords {
    /// The words of template `t[0..<n]` that may be variables (those holding no timestamp),
    /// in order. With `vars` (the line's variables, as `TextTemplate.tokenize` found them, in
    /// template order, the line at `lineOffset` in the frame), each word also gets its place
    /// in the frame's bytes.
    static func scan(_ t: UnsafePointer<UInt8>, _ n: Int, vars: UnsafePointer<TextVariable>?, lineOffset: Int = 0,
                     into words: inout [WordSpan]) {
        words.removeAll(keepingCapacity: true)
        let cls = byteClass
        var i = 0, v = 0
        // The frame offset of template byte i is i + shift (valid between placeholders).
        var shift = lineOffset
        var inWord = false, hasTime = false
        var start = 0, startLine = 0, startVar = 0
        while i < n {
            let c = cls[Int(t[i])]
            if c == 0 {                          // word bytes, most of a template: one run at a time
                if !inWord { inWord = true; hasTime = false; start = i; startLine = i + shift; startVar = v }
                i += 1
                while i < n && cls[Int(t[i])] == 0 { i += 1 }
                continue
            }
            if c == 1 {
                if inWord {
                    inWord = false
                    if !hasTime {
                        words.append(WordSpan(templateStart: Int32(start), templateEnd: Int32(i), firstVariable: Int32(startVar),
                                              endVariable: Int32(v), lineStart: startLine, lineEnd: i + shift))
                    }
                }
                i += 1
                continue
            }
            if !inWord { inWord = true; hasTime = false; start = i; startLine = i + shift; startVar = v }
            var e = i + 1
            if t[i] == TextVariableKind.time.rawValue { e += TimeLayout.byteCount; hasTime = true }
            if let vars { shift = vars[v].start + vars[v].length - e }
            v += 1
            i = e
        }
        if inWord && !hasTime {
            words.append(WordSpan(templateStart: Int32(start), templateEnd: Int32(n), firstVariable: Int32(startVar),
                                  endVariable: Int32(v), lineStart: startLine, lineEnd: n + shift))
        }
    }

    /// Per byte: 0 a word byte, 1 a delimiter, 2 a placeholder (the reserved range).
    nonisolated(unsafe) private static let byteClass: UnsafePointer<UInt8> = {   // written once, then only read
        let t = UnsafeMutablePointer<UInt8>.allocate(capacity: 256)
        for b in 0..<256 {
            t[b] = TextVariableKind.reserved.contains(UInt8(b)) ? 2 : WordVariable.delimiter(UInt8(b)) ? 1 : 0
        }
        return UnsafePointer(t)
    }()

    /// `t[0..<n]` with each of `words` replaced by one `word` placeholder: the skeleton that
    /// the templates differing only in those words share.
    static func skeleton(_ t: UnsafePointer<UInt8>, _ n: Int, _ words: [WordSpan], into out: OutStream) {
        out.reset()
        out.reserve(n)
        var at = 0
        for w in words {
            let s = Int(w.templateStart)
            out.put(t + at, s - at)
            out.put(TextVariableKind.word.rawValue)
            at = Int(w.templateEnd)
        }
        out.put(t + at, n - at)
    }
}
