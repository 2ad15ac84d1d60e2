import Testing
import LogLabCore
@testable import LogLabTransforms

/// The fast paths of the value codings against plain references: the same answers for
/// every input, so a shortcut never changes a byte.
@Suite struct FastPathTests {
    /// Random stamps in every layout, in runs within a minute and jumps between days (before
    /// 1970 too): rendering through a column's cache, quoted or not, gives the uncached text,
    /// and that text parses back to the same value and format, with or without a cache.
    @Test func cachedTimestampsRenderAsUncached() {
        var rng = SeededRandom(seed: 21)
        let cache = UnsafeMutablePointer<ISOTimestamp.DateCache>.allocate(capacity: 1)
        cache.initialize(to: ISOTimestamp.DateCache())
        let parseCache = UnsafeMutablePointer<ISOTimestamp.DateCache>.allocate(capacity: 1)
        parseCache.initialize(to: ISOTimestamp.DateCache())
        defer { cache.deallocate(); parseCache.deallocate() }
        var seconds: Int64 = 1_640_000_000
        for i in 0..<40_000 {
            let fraction = Int(rng.next() % 10)
            let zone = Int(rng.next() % 5)
            let fmt = ISOTimestamp.Format(fraction: fraction, separator: Int(rng.next() % 3), zone: zone,
                                          negative: zone >= 3 ? Int(rng.next() % 2) : 0,
                                          offsetMinutes: zone >= 3 ? Int(rng.next() % 1440) : 0)
            switch rng.next() % 8 {
            case 0: seconds = Int64(rng.next() % 10_000_000_000) - 8_000_000_000   // 1716 … 2286, clamped below
            case 1: seconds += 60 - seconds % 60   // onto a minute boundary
            default: seconds += Int64(rng.next() % 7)
            }
            seconds = min(max(seconds, ISOTimestamp.minSeconds + 86_400), ISOTimestamp.maxSeconds - 86_400)
            let unit = ISOTimestamp.pow10[fraction]
            let value = seconds * unit + Int64(rng.next() % UInt64(unit))
            let plain = OutStream(capacity: 8)
            ISOTimestamp.renderContent(value, fmt, into: plain)
            let quoted = i % 2 == 0
            let cached = OutStream(capacity: 8)
            cached.put(0x41)   // writes start at the current end
            ISOTimestamp.renderContent(value, fmt, into: cached, cache: cache, code: fmt.code, quoted: quoted)
            let want = quoted ? [0x22] + Array(plain.buffer) + [0x22] : Array(plain.buffer)
            guard Array(cached.buffer.dropFirst()) == want else {
                Issue.record("value \(value) format \(fmt.code): \(String(decoding: cached.buffer, as: UTF8.self)) vs \(String(decoding: want, as: UTF8.self))")
                return
            }
            var token = [0x22] + Array(plain.buffer) + [0x22]
            let back = token.withUnsafeBufferPointer { ISOTimestamp.parse($0.baseAddress!, $0.count) }
            guard let back, back.value == value, back.format == fmt else { Issue.record("value \(value) does not parse back"); return }
            // Parsing through the cache (which then holds this stamp's minute) agrees, also
            // for a stamp of the same minute spoilt after it (or before it: a new head).
            for k in 0..<2 {
                if k == 1 { token[1 + Int(rng.next() % UInt64(token.count - 2))] = Array("0123456789:-.+ZTz".utf8)[Int(rng.next() % 17)] }
                let plainParse = token.withUnsafeBufferPointer { ISOTimestamp.parse($0.baseAddress!, $0.count) }
                let cachedParse = token.withUnsafeBufferPointer { ISOTimestamp.parse($0.baseAddress!, $0.count, cache: parseCache) }
                guard plainParse?.value == cachedParse?.value, plainParse?.format == cachedParse?.format else {
                    Issue.record("\(String(decoding: token, as: UTF8.self)) parses differently through the cache"); return
                }
            }
        }
    }

    /// `DecimalText.parse` against the straightforward digit-by-digit reading it replaced.
    @Test func numberParsingMatchesTheReference() {
        var rng = SeededRandom(seed: 22)
        let alphabet = Array("0123456789".utf8)
        // Around the edges: 19 and 20 digits, a leading `0.`, the Int64 and UInt64 limits.
        let specials = ["0.0012521743774414063", "-0.1234567890123456789", "0.12345678901234567890", "9999999999999999999",
                        "-9223372036854775808", "-9223372036854775809", "9223372036854775807", "9223372036854775808",
                        "18446744073709551615", "18446744073709551616", "1234567890123456789.5", "-0", "0.0"]
        for i in 0..<60_000 {
            var s: [UInt8] = []
            if i < specials.count {
                s = Array(specials[i].utf8)
            } else {
                if rng.next() % 4 == 0 { s.append(0x2D) }
                let length = Int(rng.next() % (i % 3 == 0 ? 70 : 24))
                for _ in 0..<length { s.append(alphabet[Int(rng.next() % 10)]) }
                if !s.isEmpty && rng.next() % 3 == 0 { s.insert(0x2E, at: Int(rng.next() % UInt64(s.count + 1))) }
                if rng.next() % 5 == 0, !s.isEmpty { s[Int(rng.next() % UInt64(s.count))] = [0x2E, 0x65, 0x30, 0x20, 0x2F, 0x3A, 0xFA, 0xFF][Int(rng.next() % 8)] }
                if rng.next() % 4 == 0 { s = [0x22] + s + [0x22] }
            }
            let got = s.withUnsafeBufferPointer { DecimalText.parse($0.baseAddress ?? UnsafePointer(bitPattern: 1)!, $0.count) }
            let want = s.withUnsafeBufferPointer { Self.referenceParse($0.baseAddress ?? UnsafePointer(bitPattern: 1)!, $0.count) }
            guard got?.mantissa == want?.mantissa, got?.format == want?.format, got?.headStart == want?.headStart,
                  got?.headCount == want?.headCount else {
                Issue.record("\(String(decoding: s, as: UTF8.self)): \(String(describing: got)) vs \(String(describing: want))")
                return
            }
        }
    }

    /// The reading `DecimalText.parse` must agree with: digit by digit, overflow checked.
    static func referenceParse(_ p: UnsafePointer<UInt8>, _ n: Int) -> DecimalText.Parsed? {
        var i = 0, end = n, quoted = false
        if n >= 2 && p[0] == 0x22 {
            guard p[n - 1] == 0x22 else { return nil }
            quoted = true; i = 1; end = n - 1
        }
        guard i < end else { return nil }
        var neg = false
        if p[i] == 0x2D { neg = true; i += 1 }
        guard i < end else { return nil }
        let digitsStart = i
        guard p[i] >= 0x30 && p[i] <= 0x39 else { return nil }
        if p[i] == 0x30, i + 1 < end, p[i + 1] >= 0x30 && p[i + 1] <= 0x39 { return nil }
        var mag: UInt64 = 0, overflow = false, digits = 0, frac = 0, dotAt = -1
        while i < end {
            let c = p[i]
            if c >= 0x30 && c <= 0x39 {
                if !overflow {
                    let (m1, o1) = mag.multipliedReportingOverflow(by: 10)
                    let (m2, o2) = m1.addingReportingOverflow(UInt64(c - 0x30))
                    if o1 || o2 { overflow = true } else { mag = m2 }
                }
                digits += 1
                if dotAt >= 0 { frac += 1 }
            } else if c == 0x2E && dotAt < 0 {
                dotAt = i
                guard i + 1 < end else { return nil }
            } else {
                return nil
            }
            i += 1
        }
        guard frac <= 19 else { return nil }
        let q = quoted ? DecimalText.quotedFlag : 0
        if !overflow {
            if neg {
                if mag != 0 && mag <= UInt64(Int64.max) + 1 {
                    return .init(mantissa: Int64(truncatingIfNeeded: 0 &- mag), format: frac + q, headStart: 0, headCount: 0)
                }
                if mag == 0 { return nil }
            } else if mag <= UInt64(Int64.max) {
                return .init(mantissa: Int64(mag), format: frac + q, headStart: 0, headCount: 0)
            }
        }
        let headCount = digits - DecimalText.tailDigits
        guard headCount >= 1, headCount <= DecimalText.maxHead, dotAt < 0 || dotAt >= digitsStart + headCount else { return nil }
        var tail: Int64 = 0
        for j in (digitsStart + headCount)..<end where p[j] != 0x2E { tail = tail * 10 + Int64(p[j] - 0x30) }
        if p[digitsStart] == 0x30 { return nil }
        return .init(mantissa: tail, format: frac + q + DecimalText.longFlag + (neg ? DecimalText.negativeLongFlag : 0),
                     headStart: digitsStart, headCount: headCount)
    }

    /// The tokenizer's compare of the bytes between values: equal to itself, unequal with
    /// any one byte changed, at every length around its load widths.
    @Test func shapeByteCompareIsExact() {
        var rng = SeededRandom(seed: 24)
        let bytes = (0..<48).map { _ in UInt8(truncatingIfNeeded: rng.next()) }
        bytes.withUnsafeBufferPointer { a in
            for n in 0...40 {
                var other = Array(a[3..<(3 + n)])
                #expect(other.withUnsafeBufferPointer { JSONSplitter.same(a.baseAddress! + 3, $0.baseAddress ?? a.baseAddress!, n) })
                for k in 0..<n {
                    other[k] ^= 0x80
                    #expect(!other.withUnsafeBufferPointer { JSONSplitter.same(a.baseAddress! + 3, $0.baseAddress!, n) }, "length \(n) byte \(k)")
                    other[k] ^= 0x80
                }
            }
        }
    }

    /// The eight-byte probes of digit runs and embedded date-times: every byte value in every
    /// position, and random words, against a byte-by-byte reading.
    @Test func eightByteDigitProbesAreExact() {
        func check(_ bytes: [UInt8]) {
            let w = bytes.withUnsafeBytes { UInt64(littleEndian: $0.loadUnaligned(as: UInt64.self)) }
            let before = bytes.firstIndex { $0 >= 0x30 && $0 <= 0x39 } ?? 8
            #expect(EmbeddedTimestamps.bytesBeforeDigit(w) == before, "\(bytes)")
            let all = bytes.allSatisfy { $0 >= 0x30 && $0 <= 0x39 }
            #expect(bytes.withUnsafeBufferPointer { DecimalDigits.eightDigits($0.baseAddress!) } == all, "\(bytes)")
            if all {
                let want = bytes.reduce(UInt64(0)) { $0 * 10 + UInt64($1 - 0x30) }
                #expect(bytes.withUnsafeBufferPointer { DecimalDigits.value($0.baseAddress!, 8, 0) } == want)
            }
        }
        let digits = Array("73920184".utf8)
        for at in 0..<8 {
            for b in 0...255 {
                var bytes = digits
                bytes[at] = UInt8(b)
                check(bytes)
                check(bytes.map { $0 == UInt8(b) ? $0 : 0x41 })   // the byte among letters
            }
        }
        var rng = SeededRandom(seed: 23)
        let near: [UInt8] = [0x2F, 0x30, 0x35, 0x39, 0x3A, 0x3F, 0xFA, 0xFF, 0x00, 0x41]
        for _ in 0..<20_000 { check((0..<8).map { _ in near[Int(rng.next() % UInt64(near.count))] }) }
        // Wrapping like digit-by-digit accumulation, with an accumulator and a tail.
        let long = Array("1844674407370955161512345".utf8)
        let want = long.reduce(UInt64(7)) { $0 &* 10 &+ UInt64($1 - 0x30) }
        #expect(long.withUnsafeBufferPointer { DecimalDigits.value($0.baseAddress!, long.count, 7) } == want)
    }

    @Test func digitCountsAreExact() {
        var v: UInt64 = 1
        for d in 1...19 {
            #expect(DecimalDigits.count(v) == d && DecimalDigits.count(v - 1) == max(d - 1, 1) && DecimalDigits.count(v * 10 - 1) == d)
            v *= 10
        }
        #expect(DecimalDigits.count(v) == 20 && DecimalDigits.count(.max) == 20 && DecimalDigits.count(0) == 1)
    }

    /// Reference substitution (each position, texts in order) and marker search, byte by byte.
    @Test func substitutionMatchesTheByteByByteRule() {
        var rng = SeededRandom(seed: 23)
        let alphabet = Array("ab/-x".utf8)
        for _ in 0..<20_000 {
            let n = Int(rng.next() % 40)
            let p = (0..<n).map { _ in alphabet[Int(rng.next() % UInt64(alphabet.count))] }
            let texts: [[UInt8]] = (0..<Int(rng.next() % 4)).map { _ in (0..<(3 + Int(rng.next() % 3))).map { _ in alphabet[Int(rng.next() % 3)] } }
            var want: [UInt8] = []
            var i = 0
            outer: while i < n {
                for (k, t) in texts.enumerated() where n - i >= t.count && Array(p[i..<(i + t.count)]) == t {
                    want.append(UInt8(k + 1)); i += t.count
                    continue outer
                }
                want.append(p[i]); i += 1
            }
            let out = OutStream(capacity: 4)
            out.put(0x41)
            p.withUnsafeBufferPointer { pb in
                let copies = texts.map { t -> UnsafeMutablePointer<UInt8> in
                    let m = UnsafeMutablePointer<UInt8>.allocate(capacity: t.count); m.initialize(from: t, count: t.count); return m
                }
                defer { copies.forEach { $0.deallocate() } }
                let list = copies.enumerated().map { (UnsafePointer($0.element), texts[$0.offset].count, UInt8($0.offset + 1)) }
                list.withUnsafeBufferPointer { Substitution.replace(pb.baseAddress ?? UnsafePointer(bitPattern: 1)!, n, $0, into: out) }
            }
            guard Array(out.buffer.dropFirst()) == want else { Issue.record("\(p) \(texts)"); return }
            want.withUnsafeBufferPointer { w in
                for from in 0...w.count {
                    let expected = (from..<w.count).first { w[$0] < 0x20 } ?? w.count
                    if Substitution.nextMarker(w.baseAddress ?? UnsafePointer(bitPattern: 1)!, from: from, w.count) != expected {
                        Issue.record("marker search in \(Array(w)) from \(from)")
                    }
                }
            }
        }
    }
}
