import Foundation
import LogLabContainer
import LogLabCore
#if canImport(Glibc)
import Glibc
#endif

/// What every harness shares: the fixtures of the test suite, and fuzz input as a file
/// descriptor (a memfd, so the readers under test see a real file without disk traffic).
public enum FuzzSupport {
    /// `Tests/LogLabContainerTests/Fixtures` of the checkout this harness was built from.
    public static let fixtures: String = {
        var url = URL(fileURLWithPath: #filePath)
        for _ in 0..<4 { url.deleteLastPathComponent() }   // Sources/FuzzSupport/x.swift → Fuzz → checkout
        return url.appendingPathComponent("Tests/LogLabContainerTests/Fixtures").path
    }()

    public static func fixture(_ name: String) -> [UInt8] {
        guard let d = FileManager.default.contents(atPath: fixtures + "/" + name) else {
            fatalError("fixture \(name) missing under \(fixtures)")
        }
        return [UInt8](d)
    }

    /// The fixture profiles, loaded once (their dictionaries are embedded).
    public static let profiles: [Profile] = ["v1-all.llp", "v1-none-dict.llp"].map { name in
        do { return try Profile.parse(fixture(name), name: name) { _ in throw FileError("no external dictionary") } } catch {
            fatalError("fixture \(name) does not load: \(error)")
        }
    }

    /// One scratch file per process in memory-backed /dev/shm (or /tmp), unlinked at once.
    nonisolated(unsafe) static var scratch: Int32 = -1

    /// Runs `body` with the bytes in a real file (descriptor positioned at its start).
    public static func withMemoryFile<R>(_ data: UnsafeRawBufferPointer, _ body: (Int32) throws -> R) rethrows -> R {
        if scratch < 0 {
            let dir = FileManager.default.fileExists(atPath: "/dev/shm") ? "/dev/shm" : "/tmp"
            let path = "\(dir)/loglab-fuzz-\(getpid())"
            scratch = open(path, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0o600)
            precondition(scratch >= 0, "cannot create \(path)")
            unlink(path)
        }
        let fd = scratch
        precondition(ftruncate(fd, 0) == 0)
        var done = 0
        while done < data.count {
            let n = pwrite(fd, data.baseAddress! + done, data.count - done, off_t(done))
            precondition(n > 0, "scratch write failed")
            done += n
        }
        lseek(fd, 0, SEEK_SET)
        return try body(fd)
    }
}

public typealias FuzzCallback = @convention(c) (UnsafePointer<UInt8>, Int) -> Int32

@_silgen_name("LLVMFuzzerRunDriver")
func LLVMFuzzerRunDriver(_ argc: UnsafeMutablePointer<Int32>,
                         _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?>,
                         _ callback: FuzzCallback) -> Int32

extension FuzzSupport {
    /// SwiftPM links an executable's entry point as `<Target>_main`; each harness defines
    /// that symbol and hands over to libFuzzer's driver here.
    public static func drive(_ argc: Int32, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>,
                             _ callback: FuzzCallback) -> Int32 {
        var c = argc
        var v: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>? = argv
        return LLVMFuzzerRunDriver(&c, &v, callback)
    }
}
