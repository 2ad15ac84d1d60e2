import Foundation
import LogLabContainer

/// Where the numbers were measured, for the report's environment section.
public struct EnvironmentInfo: Sendable, Codable, Equatable {
    public var cpu: String
    public var cores: Int
    public var os: String
    public var swift: String
    public var build: String
    public var libraries: [String: String]
    public var logLabVersion: String
    public var gitCommit: String
    /// 1-minute load average when the run started (other work on the machine skews wall
    /// times; CPU-time speeds are less affected).
    public var loadAverage: Double?

    public static func capture(libraries: [String: String], directory: String = FileManager.default.currentDirectoryPath) -> EnvironmentInfo {
        EnvironmentInfo(cpu: cpuModel(), cores: ProcessInfo.processInfo.activeProcessorCount, os: osName(),
                        swift: swiftVersion, build: buildConfiguration, libraries: libraries,
                        logLabVersion: "\(LogLabVersion.current) (measurement \(LabVersion.current))", gitCommit: gitCommit(directory), loadAverage: loadAverage())
    }

    static func loadAverage() -> Double? {
        var loads = [Double](repeating: 0, count: 3)
        guard getloadavg(&loads, 3) > 0 else { return nil }
        return (loads[0] * 100).rounded() / 100
    }

    static var buildConfiguration: String {
        #if DEBUG
        "debug (timings not representative)"
        #else
        "release"
        #endif
    }

    static var swiftVersion: String {
        #if compiler(>=6.5)
        "≥ 6.5"
        #elseif compiler(>=6.4)
        "6.4"
        #elseif compiler(>=6.3)
        "6.3"
        #elseif compiler(>=6.2)
        "6.2"
        #elseif compiler(>=6.1)
        "6.1"
        #else
        "6.0"
        #endif
    }

    static func cpuModel() -> String {
        #if os(Linux)
        if let text = try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8) {
            for line in text.split(separator: "\n") where line.hasPrefix("model name") {
                if let v = line.split(separator: ":", maxSplits: 1).last { return v.trimmingCharacters(in: .whitespaces) }
            }
        }
        #endif
        return run("/usr/sbin/sysctl", ["-n", "machdep.cpu.brand_string"]) ?? "unknown"
    }

    static func osName() -> String {
        #if os(Linux)
        if let text = try? String(contentsOfFile: "/etc/os-release", encoding: .utf8) {
            for line in text.split(separator: "\n") where line.hasPrefix("PRETTY_NAME=") {
                let v = line.dropFirst("PRETTY_NAME=".count).trimmingCharacters(in: CharacterSet(charactersIn: "\""))
                var u = utsname()
                uname(&u)
                let release = withUnsafeBytes(of: &u.release) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
                return "\(v), Linux \(release)"
            }
        }
        #endif
        return ProcessInfo.processInfo.operatingSystemVersionString
    }

    /// `git rev-parse HEAD`, with "+dirty" when tracked files under Sources/ differ.
    static func gitCommit(_ directory: String) -> String {
        guard let head = run("/usr/bin/env", ["git", "-C", directory, "rev-parse", "--short=12", "HEAD"]), !head.isEmpty else { return "unknown" }
        let dirty = run("/usr/bin/env", ["git", "-C", directory, "status", "--porcelain", "--untracked-files=no", "--", "Sources", "Package.swift"]) ?? ""
        return dirty.isEmpty ? head : head + "+dirty"
    }

    static func run(_ exe: String, _ args: [String]) -> String? {
        guard FileManager.default.isExecutableFile(atPath: exe) else { return nil }
        let p = Process()
        p.executableURL = URL(fileURLWithPath: exe)
        p.arguments = args
        let pipe = Pipe()
        p.standardOutput = pipe
        p.standardError = FileHandle.nullDevice
        do { try p.run() } catch { return nil }
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        guard p.terminationStatus == 0 else { return nil }
        return String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
    }
}
