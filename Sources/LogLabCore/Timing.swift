import Foundation

/// Clocks for measurement. Wall time is monotonic; CPU time is this process's user+system
/// time, so a cell's CPU cost is honest even when the machine is shared.
public enum Clock {
    /// Monotonic nanoseconds.
    @inline(__always)
    public static func nanoseconds() -> UInt64 {
        var ts = timespec()
        clock_gettime(CLOCK_MONOTONIC, &ts)
        return UInt64(ts.tv_sec) * 1_000_000_000 + UInt64(ts.tv_nsec)
    }

    /// CPU time of the calling thread, in nanoseconds.
    @inline(__always)
    public static func threadCPUNanoseconds() -> UInt64 {
        var ts = timespec()
        clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts)
        return UInt64(ts.tv_sec) * 1_000_000_000 + UInt64(ts.tv_nsec)
    }

    /// Peak resident set size of this process so far, in bytes. getrusage rather than parsing
    /// /proc/self/status: VmHWM's line has no space before an eight-digit figure (from about
    /// 9.5 GiB), which a split on spaces read as no number at all.
    public static func peakResidentBytes() -> Int {
        var usage = rusage()
        #if os(Linux)
        getrusage(RUSAGE_SELF.rawValue, &usage)
        return Int(usage.ru_maxrss) * 1024  // kilobytes on Linux
        #else
        getrusage(RUSAGE_SELF, &usage)
        return Int(usage.ru_maxrss)  // bytes on Darwin
        #endif
    }
}

/// Median and spread of repeated measurements.
public struct Summary: Sendable, Codable, Equatable {
    public var median: Double
    public var min: Double
    public var max: Double
    public var count: Int

    public init(median: Double, min: Double, max: Double, count: Int) {
        self.median = median
        self.min = min
        self.max = max
        self.count = count
    }

    public init(_ samples: [Double]) {
        precondition(!samples.isEmpty, "a summary needs at least one sample")
        let s = samples.sorted()
        let mid = s.count / 2
        median = s.count % 2 == 1 ? s[mid] : (s[mid - 1] + s[mid]) / 2
        min = s.first!
        max = s.last!
        count = s.count
    }

    /// Percentile by nearest rank (p in 0...100).
    public static func percentile(_ sorted: [Double], _ p: Double) -> Double {
        guard !sorted.isEmpty else { return 0 }
        let rank = Int((p / 100 * Double(sorted.count)).rounded(.up))
        return sorted[Swift.max(0, Swift.min(sorted.count - 1, rank - 1))]
    }
}
