import FuzzSupport
import LogLabContainer

// Sequential (stdin) container reader with each fixture profile.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzOne(_ data: UnsafePointer<UInt8>, _ size: Int) -> Int32 {
    for profile in FuzzSupport.profiles {
        FuzzSupport.withMemoryFile(UnsafeRawBufferPointer(start: data, count: size)) { fd in
            let source = FileDescriptorSource(fd: fd, name: "fuzz input")
            _ = try? ContainerStreamReader.restore(from: source, codec: ProfileCodec(profile: profile), threads: 1) { _ in }
        }
    }
    return 0
}

@_cdecl("FuzzStream_main")
public func fuzzMain(_ argc: Int32, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>) -> Int32 {
    FuzzSupport.drive(argc, argv, fuzzOne)
}
