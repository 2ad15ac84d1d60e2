#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A batch of records stored back to back in one buffer, each record addressed by its
/// offset. Records are the exact original bytes (for line-oriented inputs: the line
/// without its `\n`; a `\r` before it stays part of the record).
///
/// One allocation for the bytes and one for the offsets keeps hot loops cache-friendly and
/// avoids an `Array` per record.
public struct RecordBatch: Sendable, Equatable {
    /// All record bytes, concatenated.
    public private(set) var bytes: [UInt8]
    /// `offsets[i] ..< offsets[i + 1]` is record `i`; `offsets.count == count + 1`.
    public private(set) var offsets: [Int]

    public init() {
        bytes = []
        offsets = [0]
    }

    public init(reservingBytes byteCapacity: Int, records recordCapacity: Int) {
        bytes = []
        bytes.reserveCapacity(byteCapacity)
        offsets = [0]
        offsets.reserveCapacity(recordCapacity + 1)
    }

    public init<S: Sequence>(_ records: S) where S.Element: Collection, S.Element.Element == UInt8 {
        self.init()
        for record in records { append(record) }
    }

    /// Splits `text` at every `\n`. A final line without `\n` is a record too; a file that
    /// ends with `\n` does not produce an empty last record (see `LineFraming` for the flag
    /// that restores the difference).
    public init(lines text: [UInt8]) {
        self.init(reservingBytes: text.count, records: 0)
        text.withUnsafeBytes { appendLines($0) }
    }

    /// Appends the lines of `text`: every `\n` ends a record, and bytes after the last `\n`
    /// are one more record (the rule of `init(lines:)`).
    public mutating func appendLines(_ text: UnsafeRawBufferPointer) {
        guard let base = text.baseAddress else { return }
        let n = text.count
        var start = 0
        while start < n {
            guard let hit = memchr(base + start, 0x0A, n - start) else {
                append(UnsafeRawBufferPointer(start: base + start, count: n - start))
                return
            }
            let at = base.distance(to: UnsafeRawPointer(hit))
            append(UnsafeRawBufferPointer(start: base + start, count: at - start))
            start = at + 1
        }
    }

    /// Room for `byteCount` more record bytes and `recordCount` more records.
    public mutating func reserveCapacity(bytes byteCount: Int, records recordCount: Int) {
        bytes.reserveCapacity(bytes.count + byteCount)
        offsets.reserveCapacity(offsets.count + recordCount)
    }

    /// Byte for byte, by `memcmp` (the derived element-wise comparison cost a frame's
    /// verification on compress as much as some transforms do).
    public static func == (a: RecordBatch, b: RecordBatch) -> Bool {
        guard a.bytes.count == b.bytes.count, a.offsets.count == b.offsets.count else { return false }
        let sameBytes = a.bytes.withUnsafeBytes { x in b.bytes.withUnsafeBytes { y in
            x.isEmpty || memcmp(x.baseAddress!, y.baseAddress!, x.count) == 0 } }
        return sameBytes && a.offsets.withUnsafeBytes { x in b.offsets.withUnsafeBytes { y in
            memcmp(x.baseAddress!, y.baseAddress!, x.count) == 0 } }
    }

    public var count: Int { offsets.count - 1 }
    public var isEmpty: Bool { count == 0 }
    public var totalBytes: Int { bytes.count }

    public subscript(index: Int) -> ArraySlice<UInt8> {
        bytes[offsets[index]..<offsets[index + 1]]
    }

    public func range(of index: Int) -> Range<Int> { offsets[index]..<offsets[index + 1] }

    public mutating func append<C: Collection>(_ record: C) where C.Element == UInt8 {
        bytes.append(contentsOf: record)
        offsets.append(bytes.count)
    }

    /// `append` for raw bytes without going through the generic path across modules (which
    /// other modules reach unspecialised, at several hundred instructions a record).
    public mutating func append(_ record: UnsafeRawBufferPointer) {
        bytes.append(contentsOf: record)
        offsets.append(bytes.count)
    }

    public mutating func append(_ record: UnsafeBufferPointer<UInt8>) {
        append(UnsafeRawBufferPointer(record))
    }

    public mutating func append(_ record: ArraySlice<UInt8>) {
        record.withUnsafeBytes { append($0) }
    }

    public mutating func append(_ record: [UInt8]) {
        record.withUnsafeBytes { append($0) }
    }

    public mutating func append(contentsOf other: RecordBatch) {
        let base = bytes.count
        bytes.append(contentsOf: other.bytes)
        offsets.append(contentsOf: other.offsets.dropFirst().lazy.map { $0 + base })
    }

    /// Records `range` as a new batch.
    public func slice(_ range: Range<Int>) -> RecordBatch {
        var out = RecordBatch(reservingBytes: offsets[range.upperBound] - offsets[range.lowerBound],
                              records: range.count)
        out.bytes.append(contentsOf: bytes[offsets[range.lowerBound]..<offsets[range.upperBound]])
        let base = offsets[range.lowerBound]
        for i in range { out.offsets.append(offsets[i + 1] - base) }
        return out
    }

    /// The records joined by `\n`, with a final `\n` when `finalNewline` is set.
    public func joinedLines(finalNewline: Bool = true) -> [UInt8] {
        var out = [UInt8]()
        out.reserveCapacity(bytes.count + count)
        for i in 0..<count {
            out.append(contentsOf: self[i])
            if i + 1 < count || finalNewline { out.append(0x0A) }
        }
        return out
    }

    /// Calls `body` with an unsafe view of record `index`.
    @inlinable
    public func withRecord<R>(_ index: Int, _ body: (UnsafeRawBufferPointer) throws -> R) rethrows -> R {
        let lo = offsets[index], hi = offsets[index + 1]
        return try bytes.withUnsafeBytes { try body(UnsafeRawBufferPointer(rebasing: $0[lo..<hi])) }
    }
}
