import Foundation

/// A bound on a metric: `restore_mbps >= 300`.
public struct Constraint: Sendable, Codable, Equatable, CustomStringConvertible {
    public var metric: Metric
    public var atLeast: Bool
    public var value: Double

    public init(metric: Metric, atLeast: Bool, value: Double) {
        self.metric = metric
        self.atLeast = atLeast
        self.value = value
    }

    /// Parses "restore_mbps >= 300" (also ≥, ≤, <=).
    public init(parsing text: String) throws {
        let t = text.replacingOccurrences(of: "≥", with: ">=").replacingOccurrences(of: "≤", with: "<=")
        let op: String
        if t.contains(">=") { op = ">=" } else if t.contains("<=") { op = "<=" } else {
            throw SpecError("constraint '\(text)' needs >= or <=, like 'restore_mbps >= 300'", at: nil)
        }
        let parts = t.components(separatedBy: op).map { $0.trimmingCharacters(in: .whitespaces) }
        guard parts.count == 2, let m = Metric(rawValue: parts[0]) else {
            throw SpecError("constraint '\(text)': unknown metric '\(parts.first ?? "")'; known: \(Metric.allCases.map(\.rawValue).joined(separator: ", "))", at: nil)
        }
        guard let v = Double(parts[1]), v.isFinite else {
            throw SpecError("constraint '\(text)': '\(parts[1])' is not a number", at: nil)
        }
        self.init(metric: m, atLeast: op == ">=", value: v)
    }

    public func isSatisfied(by v: Double?) -> Bool {
        guard let v else { return false }
        return atLeast ? v >= value : v <= value
    }

    public var description: String { "\(metric.rawValue) \(atLeast ? "≥" : "≤") \(Self.number(value))" }

    static func number(_ v: Double) -> String {
        v == v.rounded() && abs(v) < 1e15 ? String(Int(v)) : String(format: "%g", v)
    }
}

/// What "best" means: the metric to minimise or maximise, subject to constraints.
public struct Objective: Sendable, Codable, Equatable, CustomStringConvertible {
    public var metric: Metric
    public var minimize: Bool
    public var constraints: [Constraint]

    public init(metric: Metric = .storedBytes, minimize: Bool = true, constraints: [Constraint] = []) {
        self.metric = metric
        self.minimize = minimize
        self.constraints = constraints
    }

    public var description: String {
        var s = "\(minimize ? "smallest" : "largest") \(metric.title)"
        if !constraints.isEmpty { s += " subject to " + constraints.map(\.description).joined(separator: " and ") }
        return s
    }
}

/// The outcome of applying an objective to the cells of one dataset.
public struct WinnerSelection: Sendable, Codable {
    public var dataset: String
    /// The best feasible cell, if any cell meets every constraint.
    public var winner: CellRecord?
    /// Feasible cells, best first.
    public var ranking: [CellRecord]
    /// The best cell by the objective alone, when it is not the winner (it broke a constraint).
    public var bestUnconstrained: CellRecord?
    /// Constraint failures of `bestUnconstrained`, spelt "restore_mbps 210 < 300".
    public var bestUnconstrainedViolations: [String]
    /// Cells that did not verify are never eligible.
    public var unverified: Int
}

public enum WinnerSelector {
    /// Picks, among verified cells meeting every constraint, the best by the objective; ties
    /// go to the cell whose key sorts first, so the choice never depends on input order.
    public static func select(_ records: [CellRecord], dataset: String, objective: Objective, cost: CostModel?) -> WinnerSelection {
        let verified = records.filter(\.verified)
        func score(_ r: CellRecord) -> Double {
            let v = r.value(objective.metric, cost: cost) ?? (objective.minimize ? .infinity : -.infinity)
            return objective.minimize ? v : -v
        }
        let ordered = verified.sorted { a, b in
            let sa = score(a), sb = score(b)
            return sa != sb ? sa < sb : a.cell.key < b.cell.key
        }
        func violations(_ r: CellRecord) -> [String] {
            objective.constraints.compactMap { c in
                let v = r.value(c.metric, cost: cost)
                if c.isSatisfied(by: v) { return nil }
                guard let v else { return "\(c.metric.rawValue) not measured (needs \(c))" }
                return "\(c.metric.rawValue) \(Constraint.number((v * 10).rounded() / 10)) \(c.atLeast ? "<" : ">") \(Constraint.number(c.value))"
            }
        }
        let feasible = ordered.filter { violations($0).isEmpty }
        let winner = feasible.first
        var best: CellRecord? = nil
        var bestViolations: [String] = []
        if let first = ordered.first, first.cell.key != winner?.cell.key {
            best = first
            bestViolations = violations(first)
        }
        return WinnerSelection(dataset: dataset, winner: winner, ranking: feasible, bestUnconstrained: best,
                               bestUnconstrainedViolations: bestViolations, unverified: records.count - verified.count)
    }

    /// Violations of one cell, for reports.
    public static func violations(_ r: CellRecord, objective: Objective, cost: CostModel?) -> [String] {
        objective.constraints.filter { !$0.isSatisfied(by: r.value($0.metric, cost: cost)) }.map(\.description)
    }
}

public enum Pareto {
    /// Indices of points not dominated by any other (both coordinates: larger is better).
    /// Returned in order of increasing x.
    public static func front(_ points: [(x: Double, y: Double)]) -> [Int] {
        var out: [Int] = []
        for (i, p) in points.enumerated() {
            let dominated = points.indices.contains { j in
                let q = points[j]
                return j != i && q.x >= p.x && q.y >= p.y && (q.x > p.x || q.y > p.y)
            }
            if !dominated { out.append(i) }
        }
        return out.sorted { points[$0].x != points[$1].x ? points[$0].x < points[$1].x : $0 < $1 }
    }
}
