import Foundation
import FuzzSupport
import LogLabCore
import LogLabContainer
import LogLabTransforms

// Transform decoder: hostile frame payloads against the fixture models. The first byte
// picks the model and the record count.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzOne(_ data: UnsafePointer<UInt8>, _ size: Int) -> Int32 {
    guard size > 1 else { return 0 }
    let profiles = FuzzSupport.profiles
    let profile = profiles[Int(data[0] & 1)]
    let count = Int(data[0] >> 1)
    let payload = Array(UnsafeBufferPointer(start: data + 1, count: size - 1))
    var decoder = FrameDecoder(model: profile.model)
    _ = try? decoder.decode(payload, recordCount: count)
    return 0
}

// Seeds: real frame payloads of the fixture records, written when LOGLAB_FUZZ_SEEDS names a
// folder (scripts/fuzz.sh does this before the first run).
@_cdecl("LLVMFuzzerInitialize")
public func fuzzInitialize(_ argc: UnsafeMutablePointer<Int32>, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?>) -> Int32 {
    guard let dir = ProcessInfo.processInfo.environment["LOGLAB_FUZZ_SEEDS"] else { return 0 }
    let lines = RecordBatch(lines: FuzzSupport.fixture("v1-input.jsonl"))
    for (p, profile) in FuzzSupport.profiles.enumerated() {
        var encoder = FrameEncoder(model: profile.model)
        for (k, n) in [1, 2, 8, 64].enumerated() where n <= lines.count {
            let payload = encoder.encode(lines.slice(0..<n))
            let head = UInt8(p) | UInt8(n << 1 & 0xFE)
            _ = FileManager.default.createFile(atPath: "\(dir)/seed-\(p)-\(k)", contents: Data([head] + payload))
        }
    }
    return 0
}

@_cdecl("FuzzTransform_main")
public func fuzzMain(_ argc: Int32, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>) -> Int32 {
    FuzzSupport.drive(argc, argv, fuzzOne)
}
