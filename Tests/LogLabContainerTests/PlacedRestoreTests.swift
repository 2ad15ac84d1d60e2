import Foundation
import Testing
import LogLabCore
@testable import LogLabContainer

/// Whole-file restores that place each unit's checked bytes at its offset as it finishes
/// (`ContainerReader.restoreAll(threads:placing:)`, the path `loglab restore -o FILE` takes
/// on two or more threads).
@Suite struct PlacedRestoreTests {
    /// Every framing, with and without a shared section and a final newline, on 1 to 3
    /// workers: the bytes equal the input and the ordered restore's.
    @Test(arguments: [Framing.record, .block(7), .block(64), .file], [false, true])
    func everyFramingGivesTheInput(framing: Framing, shared: Bool) throws {
        let codec = ProfileCodec(profile: try SdkSamples.profile(framing: framing))
        let tmp = TempDir()
        let full = Array(SdkSamples.test.prefix(60_000))
        for finalNewline in [true, false] {
            let input = finalNewline ? full : Array(full.dropLast())
            let path = tmp.file("c.llc", try ContainerWriter.compress(input, codec: codec, options: .init(sharedSection: shared)))
            let reader = try ContainerReader(path: path, codec: codec)
            #expect(reader.frameCount > 1 || framing == .file)
            #expect(try reader.restoreAll() == input)
            for threads in [1, 2, 3] {
                #expect(try placedRestore(reader, threads: threads) == input, "\(framing) shared \(shared) newline \(finalNewline) threads \(threads)")
            }
        }
    }

    /// One record without its newline, and an empty input (nothing is placed).
    @Test func tinyAndEmptyInputs() throws {
        let codec = StubCodec()
        let tmp = TempDir()
        for input in [[], Array("x".utf8), Array("x\n".utf8), Array("\n\n".utf8)] as [[UInt8]] {
            let reader = try ContainerReader(path: tmp.file("c.llc", try ContainerWriter.compress(input, codec: codec)), codec: codec)
            #expect(try placedRestore(reader, threads: 2) == input)
        }
    }

    /// The stub codec's frames (transform fallbacks, run-length stored bytes) in a
    /// multi-segment 2.0 container, and the frozen 1.0 containers (one unit per frame).
    @Test func stubFramesAndFormatV1() throws {
        let codec = StubCodec()
        let tmp = TempDir()
        for newline in [true, false] {
            let input = sampleLines(200, finalNewline: newline)
            let reader = try ContainerReader(path: tmp.file("c.llc", try ContainerWriter.compress(input, codec: codec)), codec: codec)
            for threads in [1, 4] { #expect(try placedRestore(reader, threads: threads) == input) }
        }
        let dir = FormatV1FixtureTests.dir
        let input = try Files.read(dir + "/v1-input.jsonl")
        for name in ["v1-all", "v1-none-dict"] {
            let reader = try ContainerReader(path: dir + "/\(name).llc", codec: ProfileCodec(profile: try Profile.load(path: dir + "/\(name).llp")))
            #expect(try placedRestore(reader, threads: 2) == input)
        }
    }

    /// The memory bound: jobs that each claim more than half the limit run one at a time,
    /// small ones side by side; a failing job stops the rest and its error comes back.
    @Test func workerPoolKeepsToTheBudget() throws {
        final class Peak: @unchecked Sendable {
            let lock = NSLock()
            var now = 0, peak = 0, done = 0
            func enter() { lock.lock(); now += 1; peak = max(peak, now); lock.unlock() }
            func leave() { lock.lock(); now -= 1; done += 1; lock.unlock() }
        }
        for (cost, expectedPeak) in [(60, 1), (10, 4)] {
            let p = Peak()
            try WorkerPool.forEach(count: 24, workers: 4, cost: { _ in cost }, limit: 100) {
                return { _ in p.enter(); usleep(2000); p.leave() }
            }
            #expect(p.done == 24)
            if expectedPeak == 1 { #expect(p.peak == 1) } else { #expect(p.peak > 1) }
        }
        let p = Peak()
        #expect(throws: StubError.self) {
            try WorkerPool.forEach(count: 1000, workers: 3) {
                return { job in
                    p.enter(); defer { p.leave() }
                    if job == 5 { throw StubError.cannot }
                    usleep(500)
                }
            }
        }
        #expect(p.done < 1000)
    }

    /// Units are placed by one thread at a time, each once; a failing `place` stops the
    /// restore with its error and nothing is placed after it.
    @Test func oneWriterPlacesAndItsFailureStops() throws {
        final class Probe: @unchecked Sendable {
            let lock = NSLock()
            var inside = 0, calls = 0, overlapped = false
        }
        let codec = StubCodec()
        let tmp = TempDir()
        let reader = try ContainerReader(path: tmp.file("c.llc", try ContainerWriter.compress(sampleLines(3000), codec: codec)), codec: codec)
        #expect(reader.segments.count > 6)
        let p = Probe()
        try reader.restoreAll(threads: 4, placing: { _, _ in
            p.lock.lock(); p.inside += 1; if p.inside > 1 { p.overlapped = true }; p.lock.unlock()
            usleep(300)
            p.lock.lock(); p.inside -= 1; p.calls += 1; p.lock.unlock()
        })
        #expect(!p.overlapped && p.calls == reader.segments.count)
        let q = Probe()
        #expect(throws: StubError.self) {
            try reader.restoreAll(threads: 4, placing: { _, _ in
                q.lock.lock(); q.calls += 1; let n = q.calls; q.lock.unlock()
                if n == 3 { throw StubError.cannot }
            })
        }
        #expect(q.calls == 3)
    }

    /// A frame damaged in the middle: the restore throws the container error whichever
    /// worker meets it, and stops.
    @Test(arguments: [1, 2])
    func aDamagedFrameFails(threads: Int) throws {
        let codec = StubCodec()
        let tmp = TempDir()
        let container = try ContainerWriter.compress(sampleLines(3000), codec: codec)
        let probe = try ContainerReader(path: tmp.file("ok.llc", container), codec: codec)
        #expect(probe.segments.count > 2)
        let middle = probe.segments[probe.segments.count / 2]
        var damaged = container
        damaged[Int(middle.offset) + middle.length / 2] ^= 0x40
        let reader = try ContainerReader(path: tmp.file("bad.llc", damaged), codec: codec)
        #expect(throws: ContainerError.self) { try reader.restoreAll(threads: threads, placing: { _, _ in }) }
    }
}

/// The whole file restored through `restoreAll(threads:placing:)` (workers placing units at
/// their offsets, in any order) into memory; records an error if a byte is placed twice,
/// outside the file, or never.
func placedRestore(_ reader: ContainerReader, threads: Int) throws -> [UInt8] {
    final class Image: @unchecked Sendable {
        let lock = NSLock()
        var bytes: [UInt8]
        var placed: [Bool]
        var faults: [String] = []
        init(_ n: Int) { bytes = [UInt8](repeating: 0, count: n); placed = [Bool](repeating: false, count: n) }
    }
    let image = Image(Int(reader.trailer.restoredSize))
    try reader.restoreAll(threads: threads, placing: { chunk, offset in
        image.lock.lock()
        defer { image.lock.unlock() }
        let at = Int(offset)
        guard at + chunk.count <= image.bytes.count else {
            image.faults.append("\(chunk.count) bytes at \(at) run past \(image.bytes.count)")
            return
        }
        for (j, b) in chunk.enumerated() {
            if image.placed[at + j] { image.faults.append("byte \(at + j) placed twice") }
            image.placed[at + j] = true
            image.bytes[at + j] = b
        }
    })
    #expect(image.faults.isEmpty, "\(image.faults.prefix(3))")
    #expect(!image.placed.contains(false), "bytes never placed")
    return image.bytes
}
