import Foundation
import LogLabCore

/// Bounds the memory of frames being decoded at once, whatever the number of threads: a
/// reader submits a frame to its workers only while the frames in flight claim, together,
/// at most `DecodeBudget.bytes` (stored + payload + original sizes, from the frame header
/// or the index). One frame always goes, so a single large frame still decodes (its size is
/// capped by `ContainerFormat.maxFrameOriginalBytes`). A forged container of a few KB that
/// claims 1 GiB frames therefore costs one frame's memory, not one per core.
public struct DecodeBudget {
    /// Default 512 MiB; the environment variable `LOGLAB_DECODE_MEMORY` (e.g. `2GiB`) changes it.
    public static let bytes: Int = {
        if let text = ProcessInfo.processInfo.environment["LOGLAB_DECODE_MEMORY"], let n = try? ByteSize.parse(text), n > 0 {
            return n
        }
        return 512 << 20
    }()

    public let limit: Int
    private var costs: [Int] = []
    private var head = 0
    private var total = 0

    public init(limit: Int = DecodeBudget.bytes) { self.limit = limit }

    /// What decoding a frame of these sizes holds at its peak.
    public static func cost(stored: Int, payload: Int, original: Int) -> Int { stored + payload + original }

    /// Whether a frame of `cost` may start now.
    public func admits(_ cost: Int) -> Bool { head == costs.count || total + cost <= limit }

    /// A frame was submitted.
    public mutating func add(_ cost: Int) {
        costs.append(cost)
        total += cost
    }

    /// The oldest frame in flight was delivered (results come back in submission order).
    public mutating func removeOldest() {
        guard head < costs.count else { return }
        total -= costs[head]
        head += 1
        if head > 1024 && head * 2 > costs.count {
            costs.removeFirst(head)
            head = 0
        }
    }
}
