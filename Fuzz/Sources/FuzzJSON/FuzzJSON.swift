import FuzzSupport
import LogLabContainer
import LogLabCore
import LogLabTransforms

// JSON tokenizer and field transforms: any bytes as records (one per line) must come back
// byte for byte through encode and decode with each fixture model.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzOne(_ data: UnsafePointer<UInt8>, _ size: Int) -> Int32 {
    let records = RecordBatch(lines: Array(UnsafeBufferPointer(start: data, count: size)))
    guard records.count > 0 else { return 0 }
    for profile in FuzzSupport.profiles {
        var encoder = FrameEncoder(model: profile.model)
        var decoder = FrameDecoder(model: profile.model)
        let payload = encoder.encode(records)
        do {
            let back = try decoder.decode(payload, recordCount: records.count)
            precondition(back == records, "transform round trip changed the records")
        } catch {
            preconditionFailure("the decoder rejected what the encoder wrote: \(error)")
        }
    }
    return 0
}

@_cdecl("FuzzJSON_main")
public func fuzzMain(_ argc: Int32, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>) -> Int32 {
    FuzzSupport.drive(argc, argv, fuzzOne)
}
