import FuzzSupport
import LogLabContainer
import LogLabCore

// Profile reader: sections, metadata JSON, transform model, dictionary; a profile that
// loads must also encode and decode a record exactly.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzOne(_ data: UnsafePointer<UInt8>, _ size: Int) -> Int32 {
    let bytes = Array(UnsafeBufferPointer(start: data, count: size))
    guard let profile = try? Profile.parse(bytes, name: "fuzz.llp", readDictionary: { _ in bytes }) else { return 0 }
    let coder = ProfileFrameCoder(profile: profile)
    let records = RecordBatch(lines: Array(#"{"timestamp":"2021-12-26T00:00:00Z","a":1}"#.utf8))
    if let frame = try? coder.encodeFrame(records), let back = try? coder.decodeFrame(frame.bytes) {
        precondition(back == records, "a loaded profile did not restore a record exactly")
    }
    return 0
}

@_cdecl("FuzzProfile_main")
public func fuzzMain(_ argc: Int32, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>) -> Int32 {
    FuzzSupport.drive(argc, argv, fuzzOne)
}
