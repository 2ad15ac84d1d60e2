import Foundation
import LogLabCore

/// Where worker threads spent their time: the CPU they used and the wall time they waited
/// for work (a job to be submitted, or room in the memory budget). Printed by `compress -v`
/// and `restore -v`, so that a run shows whether its workers were busy or starved.
public struct WorkerStats: Sendable, Equatable {
    public var threads = 0
    public var jobs = 0
    public var cpuNanoseconds: UInt64 = 0
    public var waitNanoseconds: UInt64 = 0
    /// A thread that only writes what the workers decoded (`restore` to a file on two or
    /// more threads): its CPU and its wait for their output; nil without one.
    public var writer: (cpuNanoseconds: UInt64, waitNanoseconds: UInt64)?

    public init() {}

    public static func == (a: WorkerStats, b: WorkerStats) -> Bool {
        a.threads == b.threads && a.jobs == b.jobs && a.cpuNanoseconds == b.cpuNanoseconds
            && a.waitNanoseconds == b.waitNanoseconds && a.writer?.cpuNanoseconds == b.writer?.cpuNanoseconds
            && a.writer?.waitNanoseconds == b.writer?.waitNanoseconds
    }

    mutating func add(jobs: Int, cpu: UInt64, wait: UInt64) {
        threads += 1
        self.jobs += jobs
        cpuNanoseconds &+= cpu
        waitNanoseconds &+= wait
    }

    public var summary: String {
        var s = String(format: "%d worker threads, %d jobs: %.1f ms CPU, %.1f ms waiting for work or room", threads, jobs,
                       Double(cpuNanoseconds) / 1e6, Double(waitNanoseconds) / 1e6)
        if let writer {
            s += String(format: "; writing thread %.1f ms CPU, %.1f ms waiting for units",
                        Double(writer.cpuNanoseconds) / 1e6, Double(writer.waitNanoseconds) / 1e6)
        }
        return s
    }
}

/// A mutex with two conditions, so that a thread is woken only for what it waits for
/// (`NSCondition` has one condition per lock: every broadcast woke every waiter, and on two
/// cores each needless wake-up of a third thread preempts a busy one).
final class TwoConditionLock: @unchecked Sendable {
    private let mutex = UnsafeMutablePointer<pthread_mutex_t>.allocate(capacity: 1)
    private let conditions = UnsafeMutablePointer<pthread_cond_t>.allocate(capacity: 2)

    init() {
        pthread_mutex_init(mutex, nil)
        pthread_cond_init(conditions, nil)
        pthread_cond_init(conditions + 1, nil)
    }

    deinit {
        pthread_cond_destroy(conditions + 1)
        pthread_cond_destroy(conditions)
        pthread_mutex_destroy(mutex)
        conditions.deallocate()
        mutex.deallocate()
    }

    func lock() { pthread_mutex_lock(mutex) }
    func unlock() { pthread_mutex_unlock(mutex) }
    /// Waits on condition 0 or 1 (the lock held).
    func wait(_ c: Int) { pthread_cond_wait(conditions + c, mutex) }
    func signal(_ c: Int) { pthread_cond_signal(conditions + c) }
    func broadcast(_ c: Int) { pthread_cond_broadcast(conditions + c) }
}

/// A fixed set of worker threads, each with its own state (e.g. a `FrameCoder`), that
/// process jobs in parallel; results come back in submission order. The caller keeps the
/// number of jobs in flight bounded (`inFlight`), which bounds memory. Workers wait on one
/// condition (a submit wakes one), the caller on the other, woken only when the result it
/// waits for is in: a result that comes in early wakes no one. With no workers (`workers:
/// 0`) each job runs on the calling thread when it is submitted (`--single-thread`).
final class OrderedPipeline<Input, Output>: @unchecked Sendable {
    typealias Work = (Input) throws -> Output

    private let lock = TwoConditionLock()
    private static var jobsCondition: Int { 0 }
    private static var resultCondition: Int { 1 }
    /// Pending jobs from `jobHead` on; taken ones are cleared at once, so a finished job's
    /// input (a frame's records) is freed when its worker is done, not 64 jobs later.
    private var jobs: [(Int, Input)?] = []
    private var jobHead = 0
    private var results: [Int: Result<Output, Error>] = [:]
    private var submitted = 0
    private var delivered = 0
    /// The caller waits for result `delivered` (in `next`) or for the workers to stop.
    private var callerWaits = false
    private var closed = false
    private var running = 0
    private var collected = WorkerStats()
    let workers: Int
    /// No workers: the calling thread's job function, made on the first submit.
    private var inlineWork: Result<Work, Error>?
    private let makeWork: @Sendable () throws -> Work

    /// `makeWork` runs once on each worker thread and returns that thread's job function;
    /// `workers: 0` runs every job on the calling thread instead.
    init(workers: Int, makeWork: @escaping @Sendable () throws -> Work) {
        self.workers = max(0, workers)
        self.makeWork = makeWork
        running = self.workers
        for _ in 0..<self.workers { WorkerPool.start { [self] in self.run(makeWork) } }
    }

    var inFlight: Int {
        lock.lock(); defer { lock.unlock() }
        return submitted - delivered
    }

    func submit(_ input: Input) {
        if workers == 0 {
            if inlineWork == nil { inlineWork = Result { try makeWork() } }
            let result: Result<Output, Error>
            switch inlineWork! {
            case .success(let f): result = Result { try f(input) }
            case .failure(let e): result = .failure(e)
            }
            results[submitted] = result
            submitted += 1
            return
        }
        lock.lock()
        jobs.append((submitted, input))
        submitted += 1
        lock.signal(Self.jobsCondition)
        lock.unlock()
    }

    /// The next result in submission order, waiting for it; nil when nothing is in flight.
    func next() -> Result<Output, Error>? {
        lock.lock(); defer { lock.unlock() }
        guard delivered < submitted else { return nil }
        while results[delivered] == nil {
            callerWaits = true
            lock.wait(Self.resultCondition)
        }
        callerWaits = false
        let r = results.removeValue(forKey: delivered)
        delivered += 1
        return r
    }

    /// The next result in order if it is ready.
    func tryNext() -> Result<Output, Error>? {
        lock.lock(); defer { lock.unlock() }
        guard let r = results.removeValue(forKey: delivered) else { return nil }
        delivered += 1
        return r
    }

    /// Drops pending jobs and stops the workers, waiting for them to finish.
    func shutdown() {
        lock.lock()
        closed = true
        jobs.removeAll()
        jobHead = 0
        lock.broadcast(Self.jobsCondition)
        while running > 0 {
            callerWaits = true
            lock.wait(Self.resultCondition)
        }
        callerWaits = false
        lock.unlock()
    }

    /// The workers' time, once `shutdown` has stopped them (none with no workers).
    var stats: WorkerStats {
        lock.lock(); defer { lock.unlock() }
        return collected
    }

    private func run(_ makeWork: @Sendable () throws -> Work) {
        let cpu0 = Clock.threadCPUNanoseconds()
        var jobCount = 0
        var waited: UInt64 = 0
        let work: Result<Work, Error> = Result { try makeWork() }
        lock.lock()
        while true {
            if jobHead == jobs.count && !closed {
                let t0 = Clock.nanoseconds()
                while jobHead == jobs.count && !closed { lock.wait(Self.jobsCondition) }
                waited &+= Clock.nanoseconds() - t0
            }
            if closed { break }
            jobCount += 1
            let (ticket, input) = jobs[jobHead]!
            jobs[jobHead] = nil
            jobHead += 1
            if jobHead > 64 && jobHead * 2 > jobs.count {
                jobs.removeFirst(jobHead)
                jobHead = 0
            }
            lock.unlock()
            let result: Result<Output, Error>
            switch work {
            case .success(let f): result = Result { try f(input) }
            case .failure(let e): result = .failure(e)
            }
            lock.lock()
            results[ticket] = result
            if ticket == delivered && callerWaits { lock.signal(Self.resultCondition) }
        }
        running -= 1
        collected.add(jobs: jobCount, cpu: Clock.threadCPUNanoseconds() - cpu0, wait: waited)
        if callerWaits { lock.signal(Self.resultCondition) }
        lock.unlock()
    }
}

/// How many worker threads to use: `requested`, or one per active core.
public func defaultThreadCount(_ requested: Int? = nil) -> Int {
    if let r = requested, r > 0 { return r }
    return max(1, ProcessInfo.processInfo.activeProcessorCount)
}

/// Worker threads for `threads` (nil: one per core), or none with `singleThread` (every job
/// on the calling thread, as `--single-thread`).
func workerThreadCount(_ threads: Int?, singleThread: Bool) -> Int {
    singleThread ? 0 : defaultThreadCount(threads)
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
    /// when every thread has stopped (with their time), throwing the first error.
    @discardableResult
    static func forEach(count: Int, workers: Int, cost: @escaping @Sendable (Int) -> Int = { _ in 0 },
                        limit: Int = DecodeBudget.bytes,
                        makeWork: @escaping @Sendable () throws -> (Int) throws -> Void) throws -> WorkerStats {
        final class State: @unchecked Sendable {
            /// Condition 0: workers waiting for budget; 1: the caller waiting for them to stop.
            let lock = TwoConditionLock()
            var next = 0
            var budgetWaiters = 0
            var running = 0
            var held = 0
            var inFlight = 0
            var failure: Error?
            var stats = WorkerStats()
        }
        let state = State()
        let n = max(1, min(workers, count))
        state.running = n
        for _ in 0..<n {
            start {
                let cpu0 = Clock.threadCPUNanoseconds()
                var jobCount = 0
                var waited: UInt64 = 0
                var error: Error?
                do {
                    let work = try makeWork()
                    while true {
                        state.lock.lock()
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
                            state.budgetWaiters += 1
                            let t0 = Clock.nanoseconds()
                            state.lock.wait(0)
                            waited &+= Clock.nanoseconds() - t0
                            state.budgetWaiters -= 1
                        }
                        state.lock.unlock()
                        guard let job else { break }
                        jobCount += 1
                        let result = Result { try work(job) }
                        state.lock.lock()
                        state.held -= claimed
                        state.inFlight -= 1
                        if state.budgetWaiters > 0 { state.lock.broadcast(0) }
                        state.lock.unlock()
                        try result.get()
                    }
                } catch let e {
                    error = e
                }
                state.lock.lock()
                if let error, state.failure == nil { state.failure = error }
                state.running -= 1
                state.stats.add(jobs: jobCount, cpu: Clock.threadCPUNanoseconds() - cpu0, wait: waited)
                // A failure stops the workers waiting for budget too.
                if state.budgetWaiters > 0 { state.lock.broadcast(0) }
                if state.running == 0 { state.lock.signal(1) }
                state.lock.unlock()
            }
        }
        state.lock.lock()
        while state.running > 0 { state.lock.wait(1) }
        let failure = state.failure
        let stats = state.stats
        state.lock.unlock()
        if let failure { throw failure }
        return stats
    }
}
