import Foundation
import LogLabCore
@testable import LogLabContainer

/// A small stand-in for a profile: a reversible byte transform (xor + a marker byte) and a
/// run-length "codec", so the container layer is tested on its own. Records containing
/// `UNTRANSFORMABLE` make the transform throw; records containing `BUG` make it lossy.
struct StubCodec: FrameCodec {
    var profileID: ProfileID = ProfileID.of(Array("stub profile".utf8))
    var recordsPerFrame: Int = 3
    var timestampField: String? = "timestamp"

    func makeCoder() throws -> any FrameCoder { StubCoder() }
}

enum StubError: Error { case cannot }

final class StubCoder: FrameCoder {
    func transform(_ records: RecordBatch) throws -> [UInt8] {
        let text = records.joinedLines(finalNewline: true)
        if text.contains(subsequence: Array("UNTRANSFORMABLE".utf8)) { throw StubError.cannot }
        var out: [UInt8] = [0xA5]
        for b in text { out.append(b ^ 0x5A) }
        if text.contains(subsequence: Array("BUG".utf8)) { out[1] ^= 1 }   // changes a byte
        return out
    }

    func untransform(_ payload: [UInt8], recordCount: Int) throws -> RecordBatch {
        guard payload.first == 0xA5 else { throw StubError.cannot }
        let text = payload.dropFirst().map { $0 ^ 0x5A }
        let batch = RecordBatch(lines: Array(text))
        guard batch.count == recordCount else { throw StubError.cannot }
        return batch
    }

    func compress(_ payload: [UInt8]) throws -> [UInt8] {
        var w = ByteWriter()
        var i = 0
        while i < payload.count {
            var j = i
            while j < payload.count && payload[j] == payload[i] { j += 1 }
            w.u8(payload[i])
            w.varint(j - i)
            i = j
        }
        return w.bytes
    }

    func decompress(_ stored: ArraySlice<UInt8>, payloadSize: Int) throws -> [UInt8] {
        var r = ByteReader(stored)
        var out = [UInt8]()
        while !r.isAtEnd {
            let b = try r.u8()
            let n = try r.count(limit: payloadSize - out.count)
            out.append(contentsOf: [UInt8](repeating: b, count: n))
        }
        return out
    }
}

extension Array where Element == UInt8 {
    func contains(subsequence needle: [UInt8]) -> Bool {
        guard !needle.isEmpty, count >= needle.count else { return false }
        for i in 0...(count - needle.count) where self[i] == needle[0] {
            if self[i..<(i + needle.count)].elementsEqual(needle) { return true }
        }
        return false
    }
}

/// A scratch directory removed at the end of the test.
final class TempDir {
    let path: String
    init() {
        path = NSTemporaryDirectory() + "loglab-container-tests-\(getpid())-\(UInt64.random(in: 0...UInt64.max))"
        try? FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    }
    deinit { try? FileManager.default.removeItem(atPath: path) }

    func file(_ name: String, _ bytes: [UInt8]) -> String {
        let p = path + "/" + name
        _ = FileManager.default.createFile(atPath: p, contents: Data(bytes))
        return p
    }
}

/// Sample JSON Lines with timestamps, some runs (so the stub codec compresses), and lines
/// the stub transform cannot handle.
func sampleLines(_ n: Int, finalNewline: Bool = true) -> [UInt8] {
    var text = ""
    for i in 0..<n {
        let minute = i % 60, hour = (i / 60) % 24
        let pad = String(repeating: " ", count: i % 7 * 5)
        let ts = "2021-12-26T\(hour < 10 ? "0" : "")\(hour):\(minute < 10 ? "0" : "")\(minute):04Z"
        if i % 11 == 5 {
            text += "not json UNTRANSFORMABLE \(i)"
        } else if i % 13 == 7 {
            text += "{\"n\":\(i),\"msg\":\"no time\"}"
        } else {
            text += "{\"n\":\(i),\"timestamp\":\"\(ts)\",\"pad\":\"\(pad)\",\"nick\":\"호랑이\"}"
        }
        if i + 1 < n || finalNewline { text += "\n" }
    }
    return Array(text.utf8)
}

func readAll(fd: Int32, name: String, codec: any FrameCodec, threads: Int = 2, singleThread: Bool = false) throws -> [UInt8] {
    var out = [UInt8]()
    try ContainerStreamReader.restore(from: FileDescriptorSource(fd: fd, name: name), codec: codec, threads: threads,
                                      singleThread: singleThread) {
        out.append(contentsOf: $0)
    }
    return out
}

func streamRestore(path: String, codec: any FrameCodec, threads: Int = 2, singleThread: Bool = false) throws -> [UInt8] {
    let fd = open(path, O_RDONLY)
    precondition(fd >= 0)
    defer { close(fd) }
    return try readAll(fd: fd, name: path, codec: codec, threads: threads, singleThread: singleThread)
}
