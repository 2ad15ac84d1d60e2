import Foundation
import LogLabCore
import Testing
@testable import LogLabLab

@Test func costModelArithmeticMatchesAHandComputation() throws {
    // 200 GB/day at ratio 10 → 20 GB/day, 30 days kept → 600 GB × 0.023 = 13.80.
    // Compress 100 MB/s: 2000 s/day; restore all of it at 400 MB/s: 500 s/day → 2500 s/day
    // = 0.69444 h/day × 30 = 20.8333 core-hours × 0.04 = 0.83333.
    let cost = CostModel(dailyVolumeBytes: 200e9, retentionDays: 30, storagePricePerGBMonth: 0.023,
                         computePricePerCoreHour: 0.04, restoreFraction: 1, daysPerMonth: 30)
    let b = try #require(cost.monthly(ratio: 10, compressMBps: 100, restoreMBps: 400))
    #expect(abs(b.storedGBPerDay - 20) < 1e-9)
    #expect(abs(b.storedGB - 600) < 1e-9)
    #expect(abs(b.storage - 13.8) < 1e-9)
    #expect(abs(b.coreHoursPerMonth - 2500.0 / 3600 * 30) < 1e-9)
    #expect(abs(b.compute - 0.833333333) < 1e-6)
    #expect(abs(b.total - 14.633333333) < 1e-6)
    #expect(cost.monthly(ratio: 0, compressMBps: 1, restoreMBps: 1) == nil)

    var partial = cost
    partial.restoreFraction = 0
    #expect(abs(try #require(partial.monthly(ratio: 10, compressMBps: 100, restoreMBps: 400)).compute - 2000.0 / 3600 * 30 * 0.04) < 1e-9)
}

@Test func costUsesThePayloadRatioWhenTheDictionaryIsCounted() throws {
    let cell = LabCell(dataset: "d", framing: .record, transforms: "none", codec: "zstd:3",
                       dictionary: DictionaryVariant(trainer: "fastcover", size: 1000))
    // 1,000,000 input, 110,000 stored of which 10,000 is the dictionary: payload ratio 10.
    let r = CellRecord(cell: cell, context: "", result: makeResult(cell, input: 1_000_000, stored: 110_000, compress: 100, restore: 400,
                                                                   dictionaryBytes: 10_000, counted: true))
    #expect(r.payloadBytes == 100_000)
    #expect(abs(r.payloadRatio - 10) < 1e-12)
    let cost = CostModel(dailyVolumeBytes: 200e9, storagePricePerGBMonth: 0.023, computePricePerCoreHour: 0.04)
    #expect(abs(try #require(r.monthlyCost(cost)).storage - 13.8) < 1e-9)
}

@Test func winnerIsTheSmallestFeasibleCellByHand() throws {
    func cell(_ codec: String, _ framing: Framing = .record) -> LabCell {
        LabCell(dataset: "d", framing: framing, transforms: "none", codec: codec)
    }
    // stored sizes / compress / restore:
    //  xz:9     80,000   5 MB/s  120 → smallest but too slow on both
    //  zstd:19  90,000  40 MB/s  900 → compress < 50
    //  zstd:9  100,000  80 MB/s  900 → feasible, smallest feasible  ← winner
    //  zstd:3  120,000 300 MB/s 1000 → feasible
    //  gzip:6  100,000  60 MB/s  290 → restore < 300 (ties zstd:9 on size)
    let records = [
        makeRecord(cell("xz:9"), stored: 80_000, compress: 5, restore: 120),
        makeRecord(cell("zstd:19"), stored: 90_000, compress: 40, restore: 900),
        makeRecord(cell("zstd:3"), stored: 120_000, compress: 300, restore: 1000),
        makeRecord(cell("gzip:6"), stored: 100_000, compress: 60, restore: 290),
        makeRecord(cell("zstd:9"), stored: 100_000, compress: 80, restore: 900),
    ]
    let objective = Objective(metric: .storedBytes, minimize: true, constraints: [
        try Constraint(parsing: "restore_mbps >= 300"), try Constraint(parsing: "compress_mbps ≥ 50"),
    ])
    let sel = WinnerSelector.select(records, dataset: "d", objective: objective, cost: nil)
    #expect(sel.winner?.cell.codec == "zstd:9")
    #expect(sel.ranking.map(\.cell.codec) == ["zstd:9", "zstd:3"])
    #expect(sel.bestUnconstrained?.cell.codec == "xz:9")
    #expect(sel.bestUnconstrainedViolations == ["restore_mbps 120 < 300", "compress_mbps 5 < 50"])
    // Input order never matters.
    #expect(WinnerSelector.select(records.reversed(), dataset: "d", objective: objective, cost: nil).winner?.cell.codec == "zstd:9")

    // Maximising ratio without constraints picks xz; an impossible constraint leaves no winner.
    #expect(WinnerSelector.select(records, dataset: "d", objective: Objective(metric: .ratio, minimize: false), cost: nil).winner?.cell.codec == "xz:9")
    let none = WinnerSelector.select(records, dataset: "d", objective: Objective(constraints: [try Constraint(parsing: "restore_mbps >= 5000")]), cost: nil)
    #expect(none.winner == nil)
    #expect(none.bestUnconstrained?.cell.codec == "xz:9")
}

@Test func paretoFrontKeepsOnlyUndominatedPoints() {
    let pts: [(x: Double, y: Double)] = [(1, 10), (2, 9), (2, 8), (3, 5), (0.5, 9), (3, 5), (4, 1)]
    // (2,8) is dominated by (2,9); (0.5,9) by (1,10); equal points (3,5) both stay.
    #expect(Pareto.front(pts) == [0, 1, 3, 5, 6])
}
