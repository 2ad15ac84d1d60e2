#if os(Linux)
/// glibc's `int mallopt(int param, int value)` (malloc.h is not part of the Glibc module).
@_silgen_name("mallopt") private func glibcMallopt(_ param: Int32, _ value: Int32) -> Int32
private let M_TRIM_THRESHOLD: Int32 = -1
private let M_MMAP_THRESHOLD: Int32 = -3
#endif

/// Process-wide allocator settings for the compress/restore commands (not applied by the
/// library itself). Frames are ~1–64 MiB buffers allocated and freed per frame; with glibc's
/// defaults many are fresh mmaps whose pages fault in on first touch, which measured ~2×
/// slower restores. Keeping such buffers on the heap makes their pages reusable. Memory
/// stays bounded by the frames in flight.
public enum AllocatorTuning {
    public static func forLargeFrames() {
        #if os(Linux)
        _ = glibcMallopt(M_MMAP_THRESHOLD, 256 << 20)
        _ = glibcMallopt(M_TRIM_THRESHOLD, 512 << 20)
        #endif
    }
}
