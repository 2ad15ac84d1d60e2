import Testing
import LogLabCore

@Suite struct ClockTests {
    /// The peak counts memory this process touched, in bytes, whatever its size (it used to
    /// read 0 once the figure in kilobytes reached eight digits).
    @Test func peakResidentBytesCoversTouchedMemory() {
        let before = Clock.peakResidentBytes()
        #expect(before > 1 << 20)
        let size = 64 << 20
        let p = UnsafeMutableRawPointer.allocate(byteCount: size, alignment: 4096)
        defer { p.deallocate() }
        for i in stride(from: 0, to: size, by: 4096) { p.storeBytes(of: UInt8(truncatingIfNeeded: i >> 12), toByteOffset: i, as: UInt8.self) }
        #expect(Clock.peakResidentBytes() >= size)
        #expect(Clock.peakResidentBytes() >= before)
    }
}
