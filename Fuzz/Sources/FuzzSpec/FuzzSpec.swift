import FuzzSupport
import Foundation
import LogLabLab

// Experiment spec loader: YAML parsing (bounded before Yams sees it), includes off, validation.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzOne(_ data: UnsafePointer<UInt8>, _ size: Int) -> Int32 {
    let text = String(decoding: UnsafeBufferPointer(start: data, count: size), as: UTF8.self)
    _ = try? SpecLoader.parse(text, file: "fuzz.yaml", quick: size & 1 == 1, baseDirectory: "/nonexistent")
    return 0
}

@_cdecl("FuzzSpec_main")
public func fuzzMain(_ argc: Int32, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>) -> Int32 {
    FuzzSupport.drive(argc, argv, fuzzOne)
}
