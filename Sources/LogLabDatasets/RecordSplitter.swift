import LogLabCore

/// Splits a byte stream into records and framing, chunk by chunk, never re-serialising:
/// each record is a run of the original bytes, and everything between records is kept in
/// `FramingBuilder`, so prefix + records + separators + suffix is the input exactly.
/// Bytes that do not fit the expected structure (invalid UTF-8, broken JSON) still end up in
/// a record or in the framing; nothing is dropped and nothing throws.
final class RecordSplitter {
    let format: RecordFormat
    var builder: FramingBuilder
    var batch = RecordBatch()

    // Line formats.
    var line: [UInt8] = []

    // JSON formats.
    var record: [UInt8] = []
    var inRecord = false
    var inString = false
    var escape = false
    var depth = 0
    var target: Int?                     // depth at which records live, once found
    var done = false                     // the records' container has closed: the rest is suffix
    var containers: [UInt8] = []         // while searching for the target
    var keys: [[UInt8]] = [[], [], []]   // last key seen in the object at depth 1…3
    var expectKey = false
    var capturing = false
    var keyBuffer: [UInt8] = []

    init(format: RecordFormat) {
        self.format = format
        builder = FramingBuilder(format: format)
        if format == .jsonSequence { target = 0 }
    }

    /// Bytes that precede everything (a byte-order mark).
    func feedPrefix(_ bytes: [UInt8]) { builder.pending.append(contentsOf: bytes) }

    func feed(_ chunk: UnsafeRawBufferPointer) {
        let p = chunk.bindMemory(to: UInt8.self)
        switch format {
        case .jsonLines, .text: feedLines(p)
        case .jsonArray, .elasticsearch, .jsonSequence: feedJSON(p)
        }
    }

    /// Ends the input: a last line without newline, or a record cut off, is still kept.
    func finish() -> FileFraming {
        switch format {
        case .jsonLines, .text:
            if !line.isEmpty { completeLine(newline: false) }
        default:
            if inRecord { endRecord() }
        }
        return builder.finish()
    }

    func takeBatch() -> RecordBatch {
        defer { batch = RecordBatch() }
        return batch
    }

    // MARK: lines

    private func feedLines(_ p: UnsafeBufferPointer<UInt8>) {
        var start = 0
        let n = p.count
        while start < n {
            var i = start
            while i < n && p[i] != 0x0A { i += 1 }
            line.append(contentsOf: UnsafeBufferPointer(rebasing: p[start..<i]))
            if i == n { break }
            completeLine(newline: true)
            start = i + 1
        }
    }

    private func completeLine(newline: Bool) {
        if format == .jsonLines && line.allSatisfy(Self.isWhitespace) {
            builder.pending.append(contentsOf: line)
        } else {
            builder.recordStarts()
            batch.append(line)
        }
        if newline { builder.pending.append(0x0A) }
        line.removeAll(keepingCapacity: true)
    }

    @inline(__always)
    static func isWhitespace(_ b: UInt8) -> Bool { b == 0x20 || b == 0x0A || b == 0x0D || b == 0x09 }

    // MARK: JSON structure

    private func endRecord() {
        batch.append(record)
        record.removeAll(keepingCapacity: true)
        inRecord = false
    }

    /// Runs of bytes that cannot change the structural state are copied in bulk; the rest goes
    /// through `step` one byte at a time.
    private func feedJSON(_ p: UnsafeBufferPointer<UInt8>) {
        let n = p.count
        var i = 0
        while i < n {
            if done {
                builder.pending.append(contentsOf: UnsafeBufferPointer(rebasing: p[i..<n]))
                return
            }
            if inRecord && !escape {
                var j = i
                if inString {
                    while j < n, p[j] != 0x22, p[j] != 0x5C { j += 1 }
                } else {
                    while j < n, !Self.structural[Int(p[j])] { j += 1 }
                }
                if j > i {
                    record.append(contentsOf: UnsafeBufferPointer(rebasing: p[i..<j]))
                    i = j
                    if i == n { return }
                }
            }
            step(p[i])
            i += 1
        }
    }

    /// Bytes that matter outside strings: quotes, brackets, braces, comma, whitespace.
    static let structural: [Bool] = (0..<256).map { b in
        [0x22, 0x7B, 0x7D, 0x5B, 0x5D, 0x2C, 0x20, 0x0A, 0x0D, 0x09].contains(b)
    }

    private func step(_ b: UInt8) {
        if done { builder.pending.append(b); return }
        if inRecord { stepInRecord(b); return }
        guard let t = target else { search(b); return }
        // Between records, at the records' depth.
        switch b {
        case 0x20, 0x0A, 0x0D, 0x09, 0x2C:
            builder.pending.append(b)
        case 0x5D, 0x7D:
            if t > 0 {                          // the records' container closes
                builder.pending.append(b)
                depth -= 1
                done = true
            } else {                            // a stray closer in a sequence: a record of its own
                builder.recordStarts()
                batch.append(CollectionOfOne(b))
            }
        default:
            builder.recordStarts()
            inRecord = true
            stepInRecord(b)
        }
    }

    private func stepInRecord(_ b: UInt8) {
        let t = target ?? 0
        if inString {
            record.append(b)
            if escape { escape = false } else if b == 0x5C { escape = true } else if b == 0x22 {
                inString = false
                if depth == t { endRecord() }
            }
            return
        }
        switch b {
        case 0x22:
            record.append(b)
            inString = true
        case 0x7B, 0x5B:
            record.append(b)
            depth += 1
        case 0x7D, 0x5D:
            if depth > t {
                record.append(b)
                depth -= 1
                if depth == t { endRecord() }
            } else {
                endRecord()                      // a scalar ended by the container's close
                step(b)
            }
        case 0x20, 0x0A, 0x0D, 0x09, 0x2C:
            if depth == t {
                endRecord()
                step(b)
            } else {
                record.append(b)
            }
        default:
            record.append(b)
        }
    }

    /// Before the records' container: follow the structure (and object keys) to find it.
    private func search(_ b: UInt8) {
        builder.pending.append(b)
        if inString {
            if escape { escape = false } else if b == 0x5C { escape = true } else if b == 0x22 {
                inString = false
                if capturing, depth >= 1, depth <= keys.count { keys[depth - 1] = keyBuffer }
                capturing = false
            } else if capturing, keyBuffer.count < 32 {
                keyBuffer.append(b)
            }
            return
        }
        switch b {
        case 0x22:
            inString = true
            capturing = expectKey && containers.last == 0x7B
            keyBuffer.removeAll(keepingCapacity: true)
        case 0x7B:
            containers.append(b)
            depth += 1
            expectKey = true
        case 0x5B:
            let found: Bool
            switch format {
            case .jsonArray: found = depth == 0
            case .elasticsearch:
                found = depth == 2 && containers == [0x7B, 0x7B] && keys[0] == Self.hits && keys[1] == Self.hits
            default: found = false
            }
            containers.append(b)
            depth += 1
            expectKey = false
            if found { target = depth }
        case 0x7D, 0x5D:
            if !containers.isEmpty { containers.removeLast(); depth -= 1 }
            expectKey = false
        case 0x2C:
            expectKey = containers.last == 0x7B
        case 0x3A:
            expectKey = false
        default:
            break
        }
    }

    static let hits = Array("hits".utf8)
}

/// Guesses a file's record format from its first bytes.
enum FormatDetection {
    static let bom: [UInt8] = [0xEF, 0xBB, 0xBF]

    static func detect(_ probe: ArraySlice<UInt8>) -> RecordFormat {
        var i = probe.startIndex
        if probe.starts(with: bom) { i += 3 }
        while i < probe.endIndex, RecordSplitter.isWhitespace(probe[i]) { i += 1 }
        guard i < probe.endIndex else { return .jsonLines }
        let first = probe[i]
        // The first value: a valid JSON object or array?
        let firstEnd = probe.withUnsafeBufferPointer { p -> Int? in
            guard first == 0x7B || first == 0x5B else { return nil }
            return JSONScanner.valueEnd(p, from: i - probe.startIndex).map { $0 + probe.startIndex }
        }
        let cutOff = firstEnd == nil && (first == 0x7B || first == 0x5B) && valueEnd(probe, from: i) == nil
        if firstEnd != nil || cutOff {
            // A value that does not end within the probe is a large (multi-line) one.
            let multiLine = firstEnd.map { probe[i..<$0].contains(0x0A) } ?? true
            let more = firstEnd.map { e in probe[e...].contains { !RecordSplitter.isWhitespace($0) } } ?? false
            if !multiLine && more { return .jsonLines }
            if first == 0x5B { return .jsonArray }
            let es = RecordSplitter(format: .elasticsearch)
            probe.withUnsafeBytes { es.feed($0) }
            if es.target != nil { return .elasticsearch }
            return multiLine ? .jsonSequence : .jsonLines
        }
        // Lines: mostly JSON values → JSON Lines (with some junk); else plain text.
        var lines = 0, json = 0
        var lineStart = i
        var k = i
        while k <= probe.endIndex && lines < 200 {
            if k == probe.endIndex || probe[k] == 0x0A {
                let l = probe[lineStart..<k]
                if !l.allSatisfy(RecordSplitter.isWhitespace) && (k < probe.endIndex || lineStart == i) {
                    lines += 1
                    if JSONScanner.isValid(l) { json += 1 }
                }
                lineStart = k + 1
            }
            k += 1
        }
        return json * 2 >= lines && lines > 0 ? .jsonLines : .text
    }

    /// Index just past the JSON value starting at `start`, or nil when it does not end in `bytes`.
    static func valueEnd(_ bytes: ArraySlice<UInt8>, from start: Int) -> Int? {
        var depth = 0, inString = false, escape = false
        var i = start
        while i < bytes.endIndex {
            let b = bytes[i]
            if inString {
                if escape { escape = false } else if b == 0x5C { escape = true } else if b == 0x22 { inString = false }
            } else if b == 0x22 {
                inString = true
            } else if b == 0x7B || b == 0x5B {
                depth += 1
            } else if b == 0x7D || b == 0x5D {
                depth -= 1
                if depth <= 0 { return i + 1 }
            }
            i += 1
        }
        return nil
    }
}
