/// Raw-pointer forms of the model's tables for the hot loops (no retain/release, no
/// exclusivity or copy-on-write checks per value). Built once per encoder/decoder.

/// An immutable hash table of byte strings (vocabularies, the shape dictionary).
final class RawTable: @unchecked Sendable {   // immutable once built: shared by threads finishing columns
    let count: Int
    let arena: UnsafeMutablePointer<UInt8>
    let offsets: UnsafeMutablePointer<Int>
    let hashes: UnsafeMutablePointer<UInt64>
    let slots: UnsafeMutablePointer<Int32>
    let mask: Int

    init(_ t: ByteTable) {
        count = t.count
        let arenaBytes = t.arena
        arena = .allocate(capacity: max(arenaBytes.count, 1))
        arena.initialize(from: arenaBytes, count: arenaBytes.count)
        offsets = .allocate(capacity: count + 1)
        hashes = .allocate(capacity: max(count, 1))
        var size = 16
        while size < count * 2 + 2 { size *= 2 }
        slots = .allocate(capacity: size)
        slots.initialize(repeating: -1, count: size)
        mask = size - 1
        for i in 0...count { offsets[i] = t.offsets[i] }
        for i in 0..<count {
            let h = ByteTable.hash(arena + offsets[i], offsets[i + 1] - offsets[i])
            hashes[i] = h
            var s = Int(truncatingIfNeeded: h) & mask
            while slots[s] >= 0 { s = (s + 1) & mask }
            slots[s] = Int32(i)
        }
    }

    deinit {
        arena.deallocate(); offsets.deallocate(); hashes.deallocate(); slots.deallocate()
    }

    @inline(__always) func find(_ p: UnsafePointer<UInt8>, _ n: Int, hash h: UInt64) -> Int {
        var s = Int(truncatingIfNeeded: h) & mask
        while true {
            let id = Int(slots[s])
            if id < 0 { return -1 }
            if hashes[id] == h && offsets[id + 1] - offsets[id] == n && memcmpEqual(arena + offsets[id], p, n) { return id }
            s = (s + 1) & mask
        }
    }

    @inline(__always) func find(_ p: UnsafePointer<UInt8>, _ n: Int) -> Int {
        find(p, n, hash: ByteTable.hash(p, n))
    }

    @inline(__always) func key(_ i: Int) -> (UnsafePointer<UInt8>, Int) {
        (UnsafePointer(arena + offsets[i]), offsets[i + 1] - offsets[i])
    }

    /// The same entries in the same order (as the tables one model column gives each coder).
    func sameEntries(_ o: RawTable) -> Bool {
        if self === o { return true }
        guard count == o.count else { return false }
        for i in 0...count where offsets[i] != o.offsets[i] { return false }
        return memcmpEqual(arena, o.arena, offsets[count])
    }
}

/// One shape in pointer form.
final class ShapeRT {
    let bytes: UnsafeMutablePointer<UInt8>
    let byteCount: Int
    let slotCount: Int
    let slotColumn: UnsafeMutablePointer<Int32>
    let order: UnsafeMutablePointer<Int32>
    let holes: UnsafeMutablePointer<Int32>

    init(_ s: ShapeInfo) {
        byteCount = s.bytes.count
        bytes = .allocate(capacity: max(byteCount, 1))
        bytes.initialize(from: s.bytes, count: byteCount)
        slotCount = s.slotColumn.count
        slotColumn = .allocate(capacity: max(slotCount, 1))
        slotColumn.initialize(from: s.slotColumn, count: slotCount)
        order = .allocate(capacity: max(slotCount, 1))
        order.initialize(from: s.order, count: slotCount)
        holes = .allocate(capacity: max(slotCount, 1))
        holes.initialize(from: s.holes, count: slotCount)
    }

    deinit { bytes.deallocate(); slotColumn.deallocate(); order.deallocate(); holes.deallocate() }
}

/// Per column: the model's coding plus the coder's running state (previous value and
/// format, and this record's first-occurrence views used by relations and references).
struct ColumnRT {
    /// The coding in force for the current frame (see `ColumnSpec.textInColumns`).
    var kind: ValueKind
    var modelKind: ValueKind
    var textInColumns: Bool
    var delta: Bool
    var scaled: Bool
    var hasVocab: Bool
    var hasRefs: Bool
    var hasRelation: Bool
    var relation: Relation
    var hasLookup: Bool
    var lookupKey: Int32
    var hasEmbedded: Bool
    var embeddedSource: Int32
    var embeddedOffset: Int64
    var hasRepeat: Bool
    var repeatKey: Int32
    var initValue: Int64
    var initFormat: Int
    var level: Int

    var prevValue: Int64 = 0
    var prevFormat: Int = 0
    var headCount: Int = 0
    var viewGen: UInt32 = 0
    var viewStart: Int = 0
    var viewLen: Int = 0
    var tsGen: UInt32 = 0
    var tsVal: Int64 = 0
    var numGen: UInt32 = 0
    var numVal: Int64 = 0
    /// This frame has a previous value (`FieldCoderState.previous`); the record in which the
    /// value was last coded as a repeat.
    var hasPrevious = false
    var repeatGen: UInt32 = 0

    init(_ s: ColumnSpec) {
        kind = s.kind
        modelKind = s.kind
        textInColumns = s.textInColumns
        delta = s.delta
        scaled = s.scaled
        hasVocab = s.vocab != nil
        hasRefs = !s.refs.isEmpty
        hasRelation = s.relation != nil
        relation = s.relation ?? Relation(kind: .tsFromTs, source: 0, number: -1, unit: 1, offset: 0)
        hasLookup = s.lookup != nil
        lookupKey = s.lookup?.key ?? 0
        hasEmbedded = s.embedded != nil
        embeddedSource = s.embedded?.source ?? -1
        embeddedOffset = s.embedded?.offset ?? 0
        hasRepeat = s.repeats != nil
        repeatKey = s.repeats?.key ?? -1
        initValue = s.initValue
        initFormat = s.initFormat
        level = s.level
    }
}

/// A `Lookup` in pointer form.
final class LookupRT {
    let keys: RawTable
    let values: RawTable
    let valueOf: UnsafeMutablePointer<Int32>

    init(_ l: Lookup) {
        keys = RawTable(l.keys)
        values = RawTable(l.values)
        valueOf = .allocate(capacity: max(l.valueOf.count, 1))
        valueOf.initialize(from: l.valueOf, count: l.valueOf.count)
    }

    deinit { valueOf.deallocate() }

    /// The value learned next to key `p[0..<n]`.
    @inline(__always) func value(forKey p: UnsafePointer<UInt8>, _ n: Int) -> (UnsafePointer<UInt8>, Int)? {
        let id = keys.find(p, n)
        return id >= 0 ? values.key(Int(valueOf[id])) : nil
    }
}
