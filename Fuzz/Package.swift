// swift-tools-version:6.0
import PackageDescription

// libFuzzer targets for LogLab's readers, kept out of the main package so that `swift build`
// and `swift test` there never see them. Build and run with `scripts/fuzz.sh [seconds]`, which
// passes `-Xswiftc -sanitize=fuzzer -Xswiftc -parse-as-library`.
let targets = ["FuzzContainer", "FuzzStream", "FuzzProfile", "FuzzTransform", "FuzzJSON", "FuzzSpec"]

let package = Package(
    name: "LogLabFuzz",
    platforms: [.macOS(.v13)],
    dependencies: [.package(name: "LogLab", path: "..")],
    targets: [
        .target(name: "FuzzSupport", dependencies: [.product(name: "LogLab", package: "LogLab")]),
    ] + targets.map {
        .executableTarget(name: $0, dependencies: ["FuzzSupport", .product(name: "LogLab", package: "LogLab")])
    }
)
