import FuzzSupport
import LogLabContainer

// Random-access container reader: open (header, trailer, index), then a full verify and
// restore with the fixture profile the header names (errors are fine, traps are not).
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzOne(_ data: UnsafePointer<UInt8>, _ size: Int) -> Int32 {
    FuzzSupport.withMemoryFile(UnsafeRawBufferPointer(start: data, count: size)) { fd in
        for profile in FuzzSupport.profiles {
            guard let reader = try? ContainerReader(path: "/proc/self/fd/\(fd)", codec: ProfileCodec(profile: profile)) else { continue }
            _ = try? reader.verify(threads: 1)
            if reader.recordCount > 0 { _ = try? reader.record(at: reader.recordCount - 1) }
            _ = try? reader.restoreRecords(from: Int64.min, to: Int64.max, threads: 1) { _ in }
        }
    }
    return 0
}

@_cdecl("FuzzContainer_main")
public func fuzzMain(_ argc: Int32, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>) -> Int32 {
    FuzzSupport.drive(argc, argv, fuzzOne)
}
