import LogLabCore

/// Fixed-format timestamp rendering into byte buffers for the generator's hot path (no
/// Foundation date formatting, so output is identical everywhere). Reading times is the
/// time module's job (`Timestamps`, `TimeField` in LogLabCore).
public enum CivilTime {
    public static let msPerDay: Int64 = 86_400_000

    // MARK: rendering (raw pointers: the caller guarantees room)

    @inline(__always)
    static func write2(_ v: Int, to p: UnsafeMutablePointer<UInt8>) {
        p[0] = UInt8(truncatingIfNeeded: 0x30 + v / 10)
        p[1] = UInt8(truncatingIfNeeded: 0x30 + v % 10)
    }

    @inline(__always)
    static func write3(_ v: Int, to p: UnsafeMutablePointer<UInt8>) {
        p[0] = UInt8(truncatingIfNeeded: 0x30 + v / 100)
        p[1] = UInt8(truncatingIfNeeded: 0x30 + (v / 10) % 10)
        p[2] = UInt8(truncatingIfNeeded: 0x30 + v % 10)
    }

    /// Writes `YYYY-MM-DD` (10 bytes; years 0…9999).
    @inline(__always)
    static func writeDate(days: Int64, to p: UnsafeMutablePointer<UInt8>) {
        let c = CivilDate.civil(fromDays: days)
        let y = Int(max(0, min(9999, c.year)))
        write2(y / 100, to: p)
        write2(y % 100, to: p + 2)
        p[4] = 0x2D
        write2(Int(c.month), to: p + 5)
        p[7] = 0x2D
        write2(Int(c.day), to: p + 8)
    }

    /// Writes `YYYY-MM-DDTHH:MM:SS` (19 bytes) for a wall-clock millisecond count.
    @inline(__always)
    static func writeDateTime(wallMs: Int64, to p: UnsafeMutablePointer<UInt8>) {
        let day = CivilDate.floorDiv(wallMs, msPerDay)
        let inDay = Int(wallMs - day * msPerDay)
        writeDate(days: day, to: p)
        p[10] = 0x54
        let s = inDay / 1000
        write2(s / 3600, to: p + 11)
        p[13] = 0x3A
        write2((s / 60) % 60, to: p + 14)
        p[16] = 0x3A
        write2(s % 60, to: p + 17)
    }

    /// `YYYY-MM-DDTHH:MM:SS.mmm` (23 bytes).
    @inline(__always)
    static func writeDateTimeMs(wallMs: Int64, to p: UnsafeMutablePointer<UInt8>) {
        writeDateTime(wallMs: wallMs, to: p)
        p[19] = 0x2E
        write3(Int(wallMs - CivilDate.floorDiv(wallMs, 1000) * 1000), to: p + 20)
    }
}
