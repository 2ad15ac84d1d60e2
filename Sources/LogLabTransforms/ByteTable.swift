/// An insert-only hash set of byte strings, each given the id of its insertion order:
/// shape tables, enum vocabularies and path lookups. Keys live in one arena; lookups take
/// raw pointers so hot loops never build an `Array` to ask.
struct ByteTable: Sendable {
    private(set) var arena: [UInt8] = []
    private(set) var offsets: [Int] = [0]
    private var slots: [Int32] = Array(repeating: -1, count: 16)
    private var hashes: [UInt64] = []

    init() {}

    init(_ keys: [[UInt8]]) {
        for k in keys { _ = insert(k) }
    }

    var count: Int { offsets.count - 1 }

    func key(_ id: Int) -> ArraySlice<UInt8> { arena[offsets[id]..<offsets[id + 1]] }
    var keys: [[UInt8]] { (0..<count).map { Array(key($0)) } }

    @inline(__always)
    static func hash(_ p: UnsafePointer<UInt8>, _ n: Int) -> UInt64 {
        var h: UInt64 = 0x9E37_79B9_7F4A_7C15 &+ UInt64(truncatingIfNeeded: n)
        var i = 0
        let raw = UnsafeRawPointer(p)
        while i + 8 <= n {
            let w = raw.loadUnaligned(fromByteOffset: i, as: UInt64.self)
            h = (h ^ w) &* 0x5BD1_E995_7E3C_4F59
            h ^= h >> 29
            i += 8
        }
        var tail: UInt64 = 0
        var shift: UInt64 = 0
        while i < n { tail |= UInt64(p[i]) << shift; shift += 8; i += 1 }
        h = (h ^ tail) &* 0x5BD1_E995_7E3C_4F59
        h ^= h >> 32
        h = h &* 0x94D0_49BB_1331_11EB
        h ^= h >> 29
        return h
    }

    @inline(__always)
    func find(_ p: UnsafePointer<UInt8>, _ n: Int) -> Int? {
        find(p, n, hash: Self.hash(p, n))
    }

    func find(_ p: UnsafePointer<UInt8>, _ n: Int, hash h: UInt64) -> Int? {
        let mask = slots.count - 1
        var i = Int(truncatingIfNeeded: h) & mask
        return slots.withUnsafeBufferPointer { sl in
            arena.withUnsafeBufferPointer { ar in
                offsets.withUnsafeBufferPointer { off in
                    while true {
                        let id = Int(sl[i])
                        if id < 0 { return nil }
                        if hashes[id] == h {
                            let lo = off[id], hi = off[id + 1]
                            if hi - lo == n && (n == 0 || memcmpEqual(ar.baseAddress! + lo, p, n)) { return id }
                        }
                        i = (i + 1) & mask
                    }
                }
            }
        }
    }

    func find<C: Collection>(_ key: C) -> Int? where C.Element == UInt8 {
        let a = Array(key)
        return a.withUnsafeBufferPointer { b in
            find(b.baseAddress ?? UnsafePointer(bitPattern: 1)!, b.count)
        }
    }

    /// Returns the id of `key`, inserting it if new.
    @discardableResult
    mutating func insert<C: Collection>(_ key: C) -> Int where C.Element == UInt8 {
        let a = Array(key)
        return a.withUnsafeBufferPointer { b in
            insert(b.baseAddress ?? UnsafePointer(bitPattern: 1)!, b.count)
        }
    }

    @discardableResult
    mutating func insert(_ p: UnsafePointer<UInt8>, _ n: Int) -> Int {
        let h = Self.hash(p, n)
        if let id = find(p, n, hash: h) { return id }
        let id = count
        arena.append(contentsOf: UnsafeBufferPointer(start: p, count: n))
        offsets.append(arena.count)
        hashes.append(h)
        if (count + 1) * 2 > slots.count { rehash(slots.count * 2) } else { place(id, h) }
        return id
    }

    private mutating func place(_ id: Int, _ h: UInt64) {
        let mask = slots.count - 1
        var i = Int(truncatingIfNeeded: h) & mask
        while slots[i] >= 0 { i = (i + 1) & mask }
        slots[i] = Int32(id)
    }

    private mutating func rehash(_ size: Int) {
        slots = Array(repeating: -1, count: size)
        for id in 0..<count { place(id, hashes[id]) }
    }
}

@inline(__always)
func memcmpEqual(_ a: UnsafePointer<UInt8>, _ b: UnsafePointer<UInt8>, _ n: Int) -> Bool {
    var i = 0
    let ra = UnsafeRawPointer(a), rb = UnsafeRawPointer(b)
    while i + 8 <= n {
        if ra.loadUnaligned(fromByteOffset: i, as: UInt64.self) != rb.loadUnaligned(fromByteOffset: i, as: UInt64.self) { return false }
        i += 8
    }
    while i < n { if a[i] != b[i] { return false }; i += 1 }
    return true
}
