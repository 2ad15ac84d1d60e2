import Foundation
import Testing
import LogLabCore
import LogLabTransforms
@testable import LogLabContainer

/// `compressLines` reads the input in shared blocks and lets the workers copy each frame's
/// lines out of them. Whatever the block and read sizes, the thread count and the kind of
/// input (file or pipe), it must write exactly the container the record-by-record path
/// writes, and restore the exact input.
@Suite struct LineInputTests {
    /// Inputs where block boundaries fall inside records, on `\n`, in `\r\n`, in empty lines.
    static let odd: [[UInt8]] = [
        [],
        Array("\n".utf8),
        Array("\n\n\n".utf8),
        Array("a".utf8),
        Array("a\nb".utf8),
        Array("{\"x\":1}\r\n{\"x\":2}\r\n\r\n{\"x\":3}".utf8),
        Array("\n\nx\n\n\ny\n".utf8),
        [UInt8](repeating: 0x61, count: 5000),                                    // one line, no newline
        [UInt8](repeating: 0x62, count: 3000) + [0x0A],                           // one line, newline
        sampleLines(30) + [UInt8](repeating: 0x63, count: 2500) + [0x0A] + sampleLines(12, finalNewline: false),
        sampleLines(40),
        sampleLines(41, finalNewline: false),
    ]

    /// Compresses `input` through `compressLines` from a file (or a pipe) with the given sizes.
    static func viaLines(_ input: [UInt8], codec: any FrameCodec, options: ContainerWriter.Options,
                         blockSize: Int, readSize: Int, pipe usePipe: Bool = false) throws -> [UInt8] {
        var out = [UInt8]()
        let writer = try ContainerWriter(codec: codec, options: options) { out.append(contentsOf: $0) }
        if usePipe {
            var fds: [Int32] = [0, 0]
            precondition(pipe(&fds) == 0)
            let writeEnd = fds[1]
            let feeder = Thread {
                input.withUnsafeBytes { raw in
                    var done = 0
                    while done < raw.count {
                        // Small, uneven writes: reads see partial lines.
                        let n = write(writeEnd, raw.baseAddress! + done, min(raw.count - done, 977))
                        if n <= 0 { break }
                        done += n
                    }
                }
                close(writeEnd)
            }
            feeder.start()
            defer { close(fds[0]) }
            try writer.compressLines(from: FileDescriptorSource(fd: fds[0], name: "pipe"), blockSize: blockSize, readSize: readSize)
        } else {
            let dir = TempDir()
            let path = dir.file("in.jsonl", input)
            let fd = open(path, O_RDONLY)
            precondition(fd >= 0)
            defer { close(fd) }
            try writer.compressLines(from: FileDescriptorSource(fd: fd, name: path), blockSize: blockSize, readSize: readSize)
        }
        return out
    }

    @Test(arguments: [(1, 1), (7, 3), (64, 64), (100, 1 << 20), (8 << 20, 1 << 20)])
    func blocksOfAnySizeWriteTheSameContainer(blockSize: Int, readSize: Int) throws {
        let codec = StubCodec()
        for (k, input) in Self.odd.enumerated() {
            let want = try ContainerWriter.compress(input, codec: codec, options: .init(threads: 1))
            for threads in [1, 2] {
                let got = try Self.viaLines(input, codec: codec, options: .init(threads: threads), blockSize: blockSize, readSize: readSize)
                #expect(got == want, "input \(k), block \(blockSize), read \(readSize), \(threads) threads")
            }
            let path = TempDir()
            let reader = try ContainerReader(path: path.file("c.llc", want), codec: codec)
            #expect(try reader.restoreAll() == input, "input \(k)")
        }
    }

    @Test func aPipeWritesWhatAFileWrites() throws {
        let codec = StubCodec()
        for (k, input) in Self.odd.enumerated() {
            let file = try Self.viaLines(input, codec: codec, options: .init(threads: 2), blockSize: 50, readSize: 13)
            let piped = try Self.viaLines(input, codec: codec, options: .init(threads: 2), blockSize: 50, readSize: 13, pipe: true)
            #expect(file == piped, "input \(k)")
        }
    }

    @Test func framesClosedByTheirByteLimitFallWhereTheyDid() throws {
        let codec = StubCodec(recordsPerFrame: 1000)
        let input = Self.odd[9]
        for limit in [1, 40, 200, 1000] {
            let options = ContainerWriter.Options(threads: 2, maxFrameBytes: limit)
            let want = try ContainerWriter.compress(input, codec: codec, options: options)
            #expect(try Self.viaLines(input, codec: codec, options: options, blockSize: 33, readSize: 7) == want, "limit \(limit)")
        }
    }

    @Test func linesTooLongAreRefusedWithOneLine() throws {
        let input = sampleLines(3) + [UInt8](repeating: 0x61, count: 300) + [0x0A]
        let dir = TempDir()
        let fd = open(dir.file("in", input), O_RDONLY)
        defer { close(fd) }
        #expect(throws: ContainerError.self) {
            _ = try LineSplitter.forEachLine(in: FileDescriptorSource(fd: fd, name: "in"), blockSize: 16, readSize: 5, maxLine: 200) { _, _, _, _ in }
        }
    }

    /// Lines from blocks and records appended one by one, interleaved, in one frame keep
    /// their order.
    @Test func blockLinesThenAppendedRecordsKeepTheirOrder() throws {
        let codec = StubCodec(recordsPerFrame: 5)
        let records = RecordBatch(lines: sampleLines(23))
        var want = [UInt8](), got = [UInt8]()
        let reference = try ContainerWriter(codec: codec, options: .init(threads: 2)) { want.append(contentsOf: $0) }
        let mixed = try ContainerWriter(codec: codec, options: .init(threads: 2)) { got.append(contentsOf: $0) }
        for i in 0..<records.count {
            try reference.append(record: records[i])
            if i % 3 == 0 {
                try mixed.append(record: records[i])
            } else {
                let block = InputBlock(pool: nil, capacity: records[i].count + 1)
                let text = Array(records[i]) + [0x0A]
                block.base.copyMemory(from: text, byteCount: text.count)
                try mixed.appendLine(in: block, start: 0, end: text.count - 1, newline: true)
            }
        }
        try reference.finish()
        try mixed.finish()
        #expect(got == want)
    }

    @Test func sdkLogWithARealProfileIsByteIdentical() throws {
        let input = SdkSamples.jsonl(records: 700, seed: 5)
        let codec = ProfileCodec(profile: try SdkSamples.profile(framing: .block(64)))
        let want = try ContainerWriter.compress(input, codec: codec, options: .init(threads: 1))
        for (threads, block) in [(1, 4096), (2, 1000), (2, 8 << 20)] {
            #expect(try Self.viaLines(input, codec: codec, options: .init(threads: threads), blockSize: block, readSize: 777) == want,
                    "\(threads) threads, block \(block)")
        }
        let dir = TempDir()
        #expect(try ContainerReader(path: dir.file("c.llc", want), codec: codec).restoreAll() == input)
    }
}
