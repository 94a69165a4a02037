// swift-tools-version: 6.1
import PackageDescription

let package = Package(
    name: "netlab",
    platforms: [.macOS(.v14)],
    products: [
        .executable(name: "netlab", targets: ["netlab"]),
        .library(name: "NetLabCore", targets: ["NetLabCore"]),
        .library(name: "NetLabSockets", targets: ["NetLabSockets"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
    ],
    targets: [
        // Pure logic: bytes in, values out. No syscalls, no curses.
        .target(name: "NetLabCore"),
        // The only module that makes socket syscalls.
        .target(name: "NetLabSockets", dependencies: ["NetLabCore"]),
        .executableTarget(
            name: "netlab",
            dependencies: [
                "NetLabCore",
                "NetLabSockets",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),
        .testTarget(
            name: "NetLabCoreTests",
            dependencies: ["NetLabCore"],
            resources: [.copy("Fixtures")]
        ),
        .testTarget(name: "NetLabSocketsTests", dependencies: ["NetLabCore", "NetLabSockets"]),
        // Runs the built `netlab` binary and the lab's Python programs over loopback.
        .testTarget(
            name: "NetlabCLITests",
            dependencies: ["netlab", "NetLabCore", "NetLabSockets"],
            resources: [.copy("Fixtures")]
        ),
    ],
    swiftLanguageModes: [.v6]
)
