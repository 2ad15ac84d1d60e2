import Foundation

/// Turns a cell's ratio and speeds into money per month for a stream of logs.
///
/// - storage: steady state of `retentionDays` of compressed data,
///   `dailyVolume / ratio × retentionDays` GB, at `storagePricePerGBMonth`;
/// - compute: CPU time to compress the daily volume, plus restoring `restoreFraction` of it
///   each day, `daysPerMonth` days a month, at `computePricePerCoreHour`.
/// GB = 10^9 bytes; MB/s = 10^6 bytes of original input per second.
public struct CostModel: Sendable, Codable, Equatable {
    public var dailyVolumeBytes: Double
    public var retentionDays: Double
    public var storagePricePerGBMonth: Double
    public var computePricePerCoreHour: Double
    public var restoreFraction: Double
    public var daysPerMonth: Double
    public var currency: String

    public init(dailyVolumeBytes: Double = 200e9, retentionDays: Double = 30, storagePricePerGBMonth: Double = 0.023,
                computePricePerCoreHour: Double = 0.04, restoreFraction: Double = 1, daysPerMonth: Double = 30,
                currency: String = "USD") {
        self.dailyVolumeBytes = dailyVolumeBytes
        self.retentionDays = retentionDays
        self.storagePricePerGBMonth = storagePricePerGBMonth
        self.computePricePerCoreHour = computePricePerCoreHour
        self.restoreFraction = restoreFraction
        self.daysPerMonth = daysPerMonth
        self.currency = currency
    }

    public struct Breakdown: Sendable, Codable, Equatable {
        /// Compressed GB written per day.
        public var storedGBPerDay: Double
        /// GB held at steady state (retention window).
        public var storedGB: Double
        public var storage: Double
        public var coreHoursPerMonth: Double
        public var compute: Double
        public var total: Double
    }

    /// nil when a speed or the ratio is not positive (nothing sensible to project).
    public func monthly(ratio: Double, compressMBps: Double, restoreMBps: Double) -> Breakdown? {
        guard ratio > 0, compressMBps > 0, restoreMBps > 0 else { return nil }
        let storedPerDay = dailyVolumeBytes / ratio / 1e9
        let storedGB = storedPerDay * retentionDays
        let storage = storedGB * storagePricePerGBMonth
        let secondsPerDay = dailyVolumeBytes / (compressMBps * 1e6) + restoreFraction * dailyVolumeBytes / (restoreMBps * 1e6)
        let coreHours = secondsPerDay / 3600 * daysPerMonth
        let compute = coreHours * computePricePerCoreHour
        return Breakdown(storedGBPerDay: storedPerDay, storedGB: storedGB, storage: storage,
                         coreHoursPerMonth: coreHours, compute: compute, total: storage + compute)
    }

    public var summary: String {
        "\(formatBytes(dailyVolumeBytes))/day, kept \(trim(retentionDays)) days, storage \(currency) \(trim(storagePricePerGBMonth))/GB-month, "
            + "compute \(currency) \(trim(computePricePerCoreHour))/core-hour, \(trim(restoreFraction * 100))% of the volume restored daily, "
            + "\(trim(daysPerMonth)) days/month"
    }

    private func trim(_ v: Double) -> String {
        v == v.rounded() ? String(Int(v)) : String(format: "%g", v)
    }

    private func formatBytes(_ v: Double) -> String {
        if v >= 1e12 { return "\(trim(v / 1e12)) TB" }
        if v >= 1e9 { return "\(trim(v / 1e9)) GB" }
        if v >= 1e6 { return "\(trim(v / 1e6)) MB" }
        return "\(trim(v)) B"
    }
}
