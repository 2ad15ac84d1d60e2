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

    /// Peak resident set size of this process so far, in bytes (VmHWM on Linux).
    public static func peakResidentBytes() -> Int {
        #if os(Linux)
        if let status = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8) {
            for line in status.split(separator: "\n") where line.hasPrefix("VmHWM:") {
                let kb = line.split(separator: " ").compactMap { Int($0) }.first ?? 0
                return kb * 1024
            }
        }
        return 0
        #else
        var usage = rusage()
        getrusage(RUSAGE_SELF, &usage)
        return Int(usage.ru_maxrss)
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
