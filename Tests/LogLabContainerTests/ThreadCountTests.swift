import Foundation
import Testing
import LogLabCore
@testable import LogLabContainer

/// The thread count changes how the work is spread, never the bytes: the container written
/// on 2 or 3 threads equals the one written on 1, and every restore path (in order on one
/// worker, in order on several, placed at offsets) gives back the input with all its
/// records, for record counts at the edges: none, one, fewer than the threads, a frame
/// boundary exactly at the end, one record past it. `--single-thread` (no workers, every
/// frame on the calling thread) writes and restores the same bytes.
@Suite struct ThreadCountTests {
    static let perFrame = 7

    /// The first `n` records of the sdk-log sample, with or without the final newline.
    static func input(records n: Int, finalNewline: Bool) -> [UInt8] {
        let batch = RecordBatch(lines: SdkSamples.test)
        var out = [UInt8]()
        for i in 0..<min(n, batch.count) {
            out.append(contentsOf: batch[i])
            out.append(0x0A)
        }
        if !finalNewline, out.last == 0x0A { out.removeLast() }
        return out
    }

    /// `input` compressed through the file reader (`compressLines`) on `threads` threads.
    static func compress(_ input: [UInt8], codec: any FrameCodec, threads: Int, singleThread: Bool = false) throws -> [UInt8] {
        try LineInputTests.viaLines(input, codec: codec, options: .init(threads: threads, singleThread: singleThread),
                                    blockSize: 8 << 20, readSize: 1 << 20)
    }

    @Test(arguments: [0, 1, 2, 6, 7, 8, 14, 15, 22])
    func containersAndRestoresDoNotDependOnTheThreadCount(records: Int) throws {
        let codec = ProfileCodec(profile: try SdkSamples.profile(framing: .block(Self.perFrame)))
        let tmp = TempDir()
        for finalNewline in [true, false] {
            let input = Self.input(records: records, finalNewline: finalNewline)
            let want = try Self.compress(input, codec: codec, threads: 1)
            for threads in [2, 3] {
                let got = try Self.compress(input, codec: codec, threads: threads)
                #expect(got == want, "\(records) records, newline \(finalNewline): \(threads) threads wrote another container")
            }
            #expect(try Self.compress(input, codec: codec, threads: 2, singleThread: true) == want,
                    "\(records) records, newline \(finalNewline): --single-thread wrote another container")
            let path = tmp.file("c.llc", want)
            let reader = try ContainerReader(path: path, codec: codec)
            var inline = [UInt8]()
            try reader.restoreAll(threads: 2, singleThread: true) { inline.append(contentsOf: $0) }
            #expect(inline == input, "\(records) records, newline \(finalNewline): restore on the calling thread")
            #expect(try streamRestore(path: path, codec: codec, singleThread: true) == input,
                    "\(records) records, newline \(finalNewline): stream restore on the calling thread")
            #expect(reader.recordCount == records)
            #expect(reader.frameCount == (records + Self.perFrame - 1) / Self.perFrame)
            for threads in [1, 2, 3] {
                var ordered = [UInt8]()
                try reader.restoreAll(threads: threads) { ordered.append(contentsOf: $0) }
                #expect(ordered == input, "\(records) records, newline \(finalNewline): ordered restore on \(threads) threads")
                #expect(RecordBatch(lines: ordered).count == records)
                #expect(try placedRestore(reader, threads: threads) == input,
                        "\(records) records, newline \(finalNewline): placed restore on \(threads) threads")
            }
        }
    }
}
