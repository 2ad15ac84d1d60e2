// swift-tools-version:6.0
import PackageDescription

// Layering (lower never imports higher):
//   C shims -> LogLabCore -> LogLabCodecs -> LogLabDatasets
//                         -> LogLabTransforms
//   LogLabContainer (codecs + transforms) -> LogLabLab -> LogLabReports -> loglab (CLI)
//   LogLabContainer -> LogLabC (C ABI for python/)
let package = Package(
    name: "LogLab",
    platforms: [.macOS(.v13)],
    products: [
        .library(name: "LogLab", targets: [
            "LogLabCore", "LogLabCodecs", "LogLabDatasets", "LogLabTransforms",
            "LogLabContainer", "LogLabLab", "LogLabReports",
        ]),
        .executable(name: "loglab", targets: ["loglab"]),
        // The C ABI (include/loglab.h) that the Python package loads.
        .library(name: "LogLabC", type: .dynamic, targets: ["LogLabC"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
        .package(url: "https://github.com/jpsim/Yams", from: "5.0.1"),
    ],
    targets: [
        // System libraries, found through pkg-config; nothing is vendored.
        .systemLibrary(name: "CZstd", pkgConfig: "libzstd", providers: [.apt(["libzstd-dev"])]),
        .systemLibrary(name: "CLZMA", pkgConfig: "liblzma", providers: [.apt(["liblzma-dev"])]),
        .systemLibrary(name: "CBrotli", pkgConfig: "libbrotlienc libbrotlidec", providers: [.apt(["libbrotli-dev"])]),
        .systemLibrary(name: "CZlib", pkgConfig: "zlib", providers: [.apt(["zlib1g-dev"])]),
        .systemLibrary(name: "CSHA", pkgConfig: "libcrypto", providers: [.apt(["libssl-dev"])]),
        .systemLibrary(name: "CDeflate", pkgConfig: "libdeflate", providers: [.apt(["libdeflate-dev"])]),

        .target(name: "LogLabCore", dependencies: ["CSHA", "CZlib", "CDeflate"]),
        .target(name: "LogLabCodecs", dependencies: ["LogLabCore", "CZstd", "CLZMA", "CBrotli", "CZlib", "CDeflate"]),
        .target(name: "LogLabDatasets", dependencies: ["LogLabCore", "LogLabCodecs", "Yams"]),
        .target(name: "LogLabTransforms", dependencies: ["LogLabCore"]),
        .target(name: "LogLabContainer", dependencies: ["LogLabCore", "LogLabCodecs", "LogLabTransforms"]),
        .target(name: "LogLabLab", dependencies: [
            "LogLabCore", "LogLabCodecs", "LogLabDatasets", "LogLabTransforms", "LogLabContainer", "Yams",
        ]),
        .target(name: "LogLabReports", dependencies: ["LogLabCore", "LogLabContainer", "LogLabLab"]),
        .target(name: "LogLabC", dependencies: ["LogLabCore", "LogLabTransforms", "LogLabContainer"]),
        .executableTarget(name: "loglab", dependencies: [
            "LogLabCore", "LogLabCodecs", "LogLabDatasets", "LogLabTransforms",
            "LogLabContainer", "LogLabLab", "LogLabReports",
            .product(name: "ArgumentParser", package: "swift-argument-parser"),
        ]),

        .testTarget(name: "LogLabCoreTests", dependencies: ["LogLabCore"]),
        .testTarget(name: "LogLabCodecsTests", dependencies: ["LogLabCodecs"]),
        .testTarget(name: "LogLabDatasetsTests", dependencies: ["LogLabDatasets"]),
        .testTarget(name: "LogLabTransformsTests", dependencies: ["LogLabTransforms", "LogLabCodecs", "LogLabDatasets"]),
        .testTarget(name: "LogLabContainerTests", dependencies: ["LogLabContainer", "LogLabDatasets"],
                    exclude: ["Fixtures"]),
        .testTarget(name: "LogLabLabTests", dependencies: ["LogLabLab", "LogLabReports", "LogLabContainer"]),
        .testTarget(name: "LogLabReportsTests", dependencies: ["LogLabReports", "LogLabLab", "LogLabContainer", "LogLabDatasets"]),
    ]
)
