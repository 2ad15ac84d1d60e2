import Foundation

/// A fixed set of worker threads, each with its own state (e.g. a `FrameCoder`), that
/// process jobs in parallel; results come back in submission order. The caller keeps the
/// number of jobs in flight bounded (`inFlight`), which bounds memory.
final class OrderedPipeline<Input, Output>: @unchecked Sendable {
    typealias Work = (Input) throws -> Output

    private let condition = NSCondition()
    /// Pending jobs from `jobHead` on; taken ones are cleared at once, so a finished job's
    /// input (a frame's records) is freed when its worker is done, not 64 jobs later.
    private var jobs: [(Int, Input)?] = []
    private var jobHead = 0
    private var results: [Int: Result<Output, Error>] = [:]
    private var submitted = 0
    private var delivered = 0
    private var closed = false
    private var running = 0
    let workers: Int

    /// `makeWork` runs once on each worker thread and returns that thread's job function.
    init(workers: Int, makeWork: @escaping @Sendable () throws -> Work) {
        self.workers = max(1, workers)
        running = self.workers
        for _ in 0..<self.workers { WorkerPool.start { [self] in self.run(makeWork) } }
    }

    var inFlight: Int {
        condition.lock(); defer { condition.unlock() }
        return submitted - delivered
    }

    func submit(_ input: Input) {
        condition.lock()
        jobs.append((submitted, input))
        submitted += 1
        condition.signal()
        condition.unlock()
    }

    /// The next result in submission order, waiting for it; nil when nothing is in flight.
    func next() -> Result<Output, Error>? {
        condition.lock(); defer { condition.unlock() }
        guard delivered < submitted else { return nil }
        while results[delivered] == nil { condition.wait() }
        let r = results.removeValue(forKey: delivered)
        delivered += 1
        return r
    }

    /// The next result in order if it is ready.
    func tryNext() -> Result<Output, Error>? {
        condition.lock(); defer { condition.unlock() }
        guard let r = results.removeValue(forKey: delivered) else { return nil }
        delivered += 1
        return r
    }

    /// Drops pending jobs and stops the workers, waiting for them to finish.
    func shutdown() {
        condition.lock()
        closed = true
        jobs.removeAll()
        jobHead = 0
        condition.broadcast()
        while running > 0 { condition.wait() }
        condition.unlock()
    }

    private func run(_ makeWork: @Sendable () throws -> Work) {
        let work: Result<Work, Error> = Result { try makeWork() }
        condition.lock()
        while true {
            while jobHead == jobs.count && !closed { condition.wait() }
            if closed { break }
            let (ticket, input) = jobs[jobHead]!
            jobs[jobHead] = nil
            jobHead += 1
            if jobHead > 64 && jobHead * 2 > jobs.count {
                jobs.removeFirst(jobHead)
                jobHead = 0
            }
            condition.unlock()
            let result: Result<Output, Error>
            switch work {
            case .success(let f): result = Result { try f(input) }
            case .failure(let e): result = .failure(e)
            }
            condition.lock()
            results[ticket] = result
            condition.broadcast()
        }
        running -= 1
        condition.broadcast()
        condition.unlock()
    }
}

/// How many worker threads to use: `requested`, or one per active core.
public func defaultThreadCount(_ requested: Int? = nil) -> Int {
    if let r = requested, r > 0 { return r }
    return max(1, ProcessInfo.processInfo.activeProcessorCount)
}

/// Worker threads that take jobs in any order (`OrderedPipeline` when the order matters).
enum WorkerPool {
    /// Starts a worker thread; deep stacks for the decoders' nesting.
    static func start(_ body: @escaping @Sendable () -> Void) {
        let thread = Thread(block: body)
        thread.stackSize = 16 << 20
        thread.start()
    }

    /// Runs jobs `0 ..< count` on `workers` threads, each taking the next job; `makeWork`
    /// runs once on each thread and returns its job function. A job starts only while the
    /// jobs running claim, with it, at most `limit` bytes (`cost`; one job always runs), as
    /// `DecodeBudget` bounds the ordered readers. After a failure no new job starts; returns
    /// when every thread has stopped, throwing the first error.
    static func forEach(count: Int, workers: Int, cost: @escaping @Sendable (Int) -> Int = { _ in 0 },
                        limit: Int = DecodeBudget.bytes,
                        makeWork: @escaping @Sendable () throws -> (Int) throws -> Void) throws {
        final class State: @unchecked Sendable {
            let condition = NSCondition()
            var next = 0
            var running = 0
            var held = 0
            var inFlight = 0
            var failure: Error?
        }
        let state = State()
        let n = max(1, min(workers, count))
        state.running = n
        for _ in 0..<n {
            start {
                var error: Error?
                do {
                    let work = try makeWork()
                    while true {
                        state.condition.lock()
                        var job: Int?, claimed = 0
                        while state.failure == nil && state.next < count {
                            claimed = cost(state.next)
                            if state.inFlight == 0 || state.held + claimed <= limit {
                                job = state.next
                                state.next += 1
                                state.held += claimed
                                state.inFlight += 1
                                break
                            }
                            state.condition.wait()
                        }
                        state.condition.unlock()
                        guard let job else { break }
                        let result = Result { try work(job) }
                        state.condition.lock()
                        state.held -= claimed
                        state.inFlight -= 1
                        state.condition.broadcast()
                        state.condition.unlock()
                        try result.get()
                    }
                } catch let e {
                    error = e
                }
                state.condition.lock()
                if let error, state.failure == nil { state.failure = error }
                state.running -= 1
                state.condition.broadcast()
                state.condition.unlock()
            }
        }
        state.condition.lock()
        while state.running > 0 { state.condition.wait() }
        let failure = state.failure
        state.condition.unlock()
        if let failure { throw failure }
    }
}
