import Foundation
import Testing
import LogLabCore
@testable import LogLabContainer

/// What the worker threads report (`compress -v`, `restore -v`): one entry per thread, every
/// job counted once, and none with `--single-thread`, whose jobs run on the calling thread.
@Suite struct WorkerStatsTests {
    static let input = Array(SdkSamples.test.prefix(60_000))

    @Test func writerCountsItsWorkersAndFrames() throws {
        let codec = ProfileCodec(profile: try SdkSamples.profile(framing: .block(7)))
        var frames = 0
        for (threads, single) in [(1, false), (2, false), (3, false), (2, true)] {
            var out = [UInt8]()
            let writer = try ContainerWriter(codec: codec, options: .init(threads: threads, singleThread: single)) { out.append(contentsOf: $0) }
            let batch = RecordBatch(lines: Self.input)
            for i in 0..<batch.count { try writer.append(record: batch[i]) }
            frames = try writer.finish().frames
            #expect(frames > 3)
            let stats = writer.workerStats
            #expect(stats.threads == (single ? 0 : threads), "\(threads) threads, single \(single)")
            #expect(stats.jobs == (single ? 0 : frames), "\(threads) threads, single \(single)")
            #expect(single ? stats.cpuNanoseconds == 0 : stats.cpuNanoseconds > 0)
            #expect(stats.writer == nil)
        }
    }

    @Test func readerCountsItsWorkersUnitsAndWritingThread() throws {
        let codec = ProfileCodec(profile: try SdkSamples.profile(framing: .block(7)))
        let tmp = TempDir()
        let input = Array([[UInt8]](repeating: SdkSamples.test, count: 8).joined())   // many segments
        let reader = try ContainerReader(path: tmp.file("c.llc", try ContainerWriter.compress(input, codec: codec)), codec: codec)
        let units = reader.segments.count
        #expect(units > 3)
        for threads in [1, 2, 3] {
            var out = [UInt8]()
            let ordered = try reader.restoreAll(threads: threads) { out.append(contentsOf: $0) }
            #expect(out == input)
            #expect(ordered.threads == threads && ordered.jobs == units && ordered.writer == nil, "ordered, \(threads) threads")
        }
        var inline = [UInt8]()
        let none = try reader.restoreAll(threads: 2, singleThread: true) { inline.append(contentsOf: $0) }
        #expect(inline == input && none == WorkerStats())
        final class Placed: @unchecked Sendable { var bytes = [UInt8](); let lock = NSLock() }
        let placed = Placed()
        placed.bytes = [UInt8](repeating: 0, count: input.count)
        let stats = try reader.restoreAll(threads: 2, placing: { raw, offset in
            placed.lock.lock(); defer { placed.lock.unlock() }
            placed.bytes.withUnsafeMutableBytes { $0.baseAddress!.advanced(by: Int(offset)).copyMemory(from: raw.baseAddress!, byteCount: raw.count) }
        })
        #expect(placed.bytes == input)
        #expect(stats.threads == 2 && stats.jobs == units && stats.writer != nil)
    }

    /// With no workers, a pipeline runs each job on the calling thread as it is submitted.
    @Test func pipelineWithoutWorkersRunsOnTheCallingThread() throws {
        let caller = pthread_self()
        let pipeline = OrderedPipeline<Int, Bool>(workers: 0) { { _ in pthread_equal(pthread_self(), caller) != 0 } }
        for i in 0..<5 { pipeline.submit(i) }
        #expect(pipeline.inFlight == 5)
        var got: [Bool] = []
        while let r = pipeline.next() { got.append(try r.get()) }
        #expect(got == [true, true, true, true, true])
        pipeline.shutdown()
        #expect(pipeline.stats == WorkerStats())
    }
}
