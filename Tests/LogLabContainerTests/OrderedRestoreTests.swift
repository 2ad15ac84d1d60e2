import Foundation
import Testing
import LogLabCore
@testable import LogLabContainer

/// Whole-file restores handed to a sink in order (`ContainerReader.restoreAll(threads:to:)`,
/// the path of `loglab restore` to standard output, and to a file on one thread). One worker
/// takes the staged path: this thread reads, checks and decompresses the segments, the worker
/// undoes the transforms, this thread checks the result before the sink sees it.
@Suite struct OrderedRestoreTests {
    /// Every framing, with and without a shared section and a final newline, on 1, 2 and 4
    /// workers: the sink gets the input, in order, and the staged path meets every segment.
    @Test(arguments: [Framing.record, .block(7), .file], [false, true])
    func everyThreadCountGivesTheInput(framing: Framing, shared: Bool) throws {
        let codec = ProfileCodec(profile: try SdkSamples.profile(framing: framing))
        let tmp = TempDir()
        let full = SdkSamples.test
        for finalNewline in [true, false] {
            let input = finalNewline ? full : Array(full.dropLast())
            let path = tmp.file("c.llc", try ContainerWriter.compress(input, codec: codec, options: .init(sharedSection: shared)))
            let reader = try ContainerReader(path: path, codec: codec)
            #expect(reader.segments.count > 1 || framing == .file)
            for threads in [1, 2, 4] {
                var out = [UInt8]()
                try reader.restoreAll(threads: threads) { out.append(contentsOf: $0) }
                #expect(out == input, "\(framing) shared \(shared) newline \(finalNewline) threads \(threads)")
            }
        }
    }

    /// Empty input, one record with and without its newline, empty lines, and the stub
    /// codec's many small segments.
    @Test func oddInputs() throws {
        let codec = StubCodec()
        let tmp = TempDir()
        let inputs: [[UInt8]] = [[], Array("x".utf8), Array("x\n".utf8), Array("\n\n".utf8),
                                 sampleLines(500, finalNewline: true), sampleLines(500, finalNewline: false)]
        for input in inputs {
            let reader = try ContainerReader(path: tmp.file("c.llc", try ContainerWriter.compress(input, codec: codec)), codec: codec)
            for threads in [1, 2, 4] {
                var out = [UInt8]()
                try reader.restoreAll(threads: threads) { out.append(contentsOf: $0) }
                #expect(out == input, "\(input.count) bytes, \(threads) threads")
            }
        }
    }

    /// Two damaged segments: the restore fails naming the first, after handing on exactly the
    /// segments before it (each checked), whatever the thread count.
    @Test(arguments: [1, 2, 4])
    func theFirstDamagedSegmentFailsInOrder(threads: Int) throws {
        let codec = StubCodec()
        let tmp = TempDir()
        let input = sampleLines(3000)
        let container = try ContainerWriter.compress(input, codec: codec)
        let probe = try ContainerReader(path: tmp.file("ok.llc", container), codec: codec)
        #expect(probe.segments.count > 6)
        let first = probe.segments.count / 2, second = first + 2
        var damaged = container
        for k in [first, second] { damaged[Int(probe.segments[k].offset) + probe.segments[k].length / 2] ^= 0x40 }
        let reader = try ContainerReader(path: tmp.file("bad.llc", damaged), codec: codec)
        var out = [UInt8]()
        do {
            try reader.restoreAll(threads: threads) { out.append(contentsOf: $0) }
            Issue.record("a damaged container restored")
        } catch let e as ContainerError {
            #expect(e.description.contains("segment \(first) "), "\(e)")
        }
        let before = reader.segments[..<first].reduce(0) { $0 + Int($1.originalBytes) }
        #expect(out == Array(input.prefix(before)))
    }

    /// Time ranges take the same ordered path: one worker gives what two give.
    @Test func timeRangesOnOneWorker() throws {
        let codec = ProfileCodec(profile: try SdkSamples.profile(framing: .block(7)))
        let tmp = TempDir()
        let reader = try ContainerReader(path: tmp.file("c.llc", try ContainerWriter.compress(SdkSamples.test, codec: codec)), codec: codec)
        #expect(reader.segments.count > 2)
        var one = [UInt8](), two = [UInt8]()
        let n1 = try reader.restoreRecords(from: Int64.min, to: Int64.max, threads: 1) { one.append(contentsOf: $0) }
        let n2 = try reader.restoreRecords(from: Int64.min, to: Int64.max, threads: 2) { two.append(contentsOf: $0) }
        #expect(n1 == n2 && one == two && n1 > 0)
    }
}
