// swift-tools-version: 6.2
import PackageDescription

// The engines' request path (NetLabCore's HTTP, NetLabSockets) builds for release without
// dynamic exclusivity checks: every read of a class's `var` called `swift_beginAccess` (a
// thread-local lookup), about 31 per HTTP request, and unchecked the HTTP server's CPU per
// `Connection: close` request was 3% lower (1 KiB, 10 alternated rounds). Debug builds, which
// the tests run, keep the checks, so an overlapping access still traps there.
let releaseWithoutExclusivityChecks: [SwiftSetting] = [
    .unsafeFlags(["-enforce-exclusivity=unchecked"], .when(configuration: .release))
]

let package = Package(
    // Linux only: the sockets layer uses epoll, sendfile, accept4 and recvmmsg/sendmmsg, so no
    // other platform is claimed. Micro benchmarks are a package of their own (Benchmarks/).
    name: "netlab",
    products: [
        .executable(name: "netlab", targets: ["netlab"]),
        .library(name: "NetLabCore", targets: ["NetLabCore"]),
        .library(name: "NetLabSockets", targets: ["NetLabSockets"]),
        .library(name: "NetLabConsole", targets: ["NetLabConsole"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-collections", from: "1.6.0"),
        .package(url: "https://github.com/apple/swift-http-types", from: "1.8.0"),
        .package(url: "https://github.com/LebJe/TOMLKit", from: "0.6.0"),
    ],
    targets: [
        // Pure logic: bytes in, values out. No syscalls, no curses.
        .target(
            name: "NetLabCore", dependencies: [.product(name: "HTTPTypes", package: "swift-http-types")],
            swiftSettings: releaseWithoutExclusivityChecks),
        // The event stream: engines, the capture (and traced programs) report into it, in causal
        // order. Dispatch and a lock only: no syscalls of its own.
        .target(name: "NetLabEvents", dependencies: ["NetLabCore"]),
        // The only module that makes socket syscalls.
        .target(
            name: "NetLabSockets", dependencies: ["NetLabCore", "NetLabEvents", "CNetLabSys"],
            swiftSettings: releaseWithoutExclusivityChecks),
        // The grader (`netlab check`, the console's `:check`): the lab's protocol run against a
        // server, through the sockets layer's CheckSocket; its report types are NetLabCore's.
        .target(
            name: "NetLabCheck",
            dependencies: [
                "NetLabCore", "NetLabEvents", "NetLabSockets", "NetLabTrace", "NetLabTOML", .product(name: "TOMLKit", package: "TOMLKit"),
            ]),
        // Files people write by hand (themes, rubrics): TOML read with the line of every key, so a
        // problem is reported as file:line.
        .target(name: "NetLabTOML", dependencies: [.product(name: "TOMLKit", package: "TOMLKit")]),
        // epoll and sendfile, which the Glibc module does not import (Linux only).
        .systemLibrary(name: "CNetLabSys"),
        // The console without curses: state, update, render to a virtual screen.
        .target(
            name: "NetLabConsole",
            dependencies: [
                "NetLabCore",
                "NetLabTOML",
                .product(name: "DequeModule", package: "swift-collections"),
                .product(name: "TOMLKit", package: "TOMLKit"),
            ]
        ),
        // libpcap (Debian: libpcap-dev): live capture for the timeline's wire rows.
        .systemLibrary(name: "CPcap", providers: [.apt(["libpcap-dev"])]),
        // The only importer of libpcap: captures frames on a thread of its own.
        .target(name: "NetLabCapture", dependencies: ["CPcap", "NetLabCore", "NetLabPrivate"]),
        // ptrace and seccomp (Linux headers only): the child's side of `netlab run`, in C.
        .systemLibrary(name: "CNetLabTrace"),
        // The only importer of ptrace and seccomp: runs a program with its socket calls traced.
        .target(name: "NetLabTrace", dependencies: ["CNetLabTrace", "NetLabCore"]),
        // User and network namespaces (Linux headers only): the child's side of --private.
        .systemLibrary(name: "CNetLabPrivate"),
        // The only importer of the namespace shim: netlab --private and netlab shell.
        .target(name: "NetLabPrivate", dependencies: ["CNetLabPrivate", "NetLabSpawn"]),
        // posix_spawn's close-from (glibc 2.34), for starting programs without Foundation's Process.
        .systemLibrary(name: "CNetLabSpawn"),
        // Starts a program with its standard descriptors and nothing else (Process.run crashed).
        .target(name: "NetLabSpawn", dependencies: ["CNetLabSpawn"]),
        // ncursesw, wide-character build (Debian: libncursesw5-dev).
        .systemLibrary(name: "CNcurses", providers: [.apt(["libncursesw5-dev"])]),
        // The only importer of curses: draws a Screen, reads keys, restores the terminal.
        .target(
            name: "NetLabTerminal",
            dependencies: ["CNcurses", "NetLabConsole"],
            linkerSettings: [.linkedLibrary("ncursesw")]
        ),
        // The console loop (keys and events in, effects carried out, frames out) on any
        // terminal backend, the engines and the capture: testable in-process.
        .target(
            name: "NetLabApp",
            dependencies: [
                "NetLabCore", "NetLabEvents", "NetLabSockets", "NetLabCheck", "NetLabCapture", "NetLabConsole", "NetLabTrace",
                "NetLabPrivate",
            ]
        ),
        .executableTarget(
            name: "netlab",
            dependencies: [
                "NetLabApp",
                "NetLabCore",
                "NetLabEvents",
                "NetLabSockets",
                "NetLabCheck",
                "NetLabTOML",
                "NetLabCapture",
                "NetLabConsole",
                "NetLabTerminal",
                "NetLabTrace",
                "NetLabPrivate",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),
        .testTarget(
            name: "NetLabCoreTests",
            dependencies: ["NetLabCore"],
            resources: [.copy("Fixtures")]
        ),
        .testTarget(
            name: "NetLabSocketsTests",
            dependencies: ["NetLabCore", "NetLabEvents", "NetLabSockets", "NetLabCheck", "NetLabConsole", "NetLabTOML", "CNetLabSys", "TestPorts"]
        ),
        // Ports handed out to the test targets' servers, never the same one twice in a run.
        .target(name: "TestPorts", path: "Tests/TestPorts"),
        .testTarget(name: "NetLabAppTests", dependencies: ["NetLabApp", "NetLabConsole", "NetLabCore", "NetLabSockets", "NetLabSpawn", "TestPorts"]),
        .testTarget(name: "NetLabCaptureTests", dependencies: ["NetLabCapture", "NetLabCore"]),
        // The curses backend on a pseudo-terminal the test opens.
        .testTarget(name: "NetLabTerminalTests", dependencies: ["NetLabTerminal", "NetLabConsole"]),
        .testTarget(name: "NetLabConsoleTests", dependencies: ["NetLabCore", "NetLabConsole", "NetLabSpawn"], exclude: ["Snapshots"]),
        // Runs the built `netlab` binary and the lab's Python programs over loopback.
        .testTarget(
            name: "NetlabCLITests",
            dependencies: ["netlab", "NetLabCore", "NetLabPrivate", "NetLabSpawn", "TestPorts"],
            resources: [.copy("Fixtures")]
        ),
    ],
    swiftLanguageModes: [.v6]
)

// CI builds with every warning an error in netlab's own modules (NETLAB_STRICT=1, set by
// .ci/run): a warning never lands. Elsewhere a newer compiler's new warning stays a warning,
// so the README's commands keep building.
if Context.environment["NETLAB_STRICT"] == "1" {
    for target in package.targets where target.type == .regular || target.type == .executable {
        target.swiftSettings = (target.swiftSettings ?? []) + [.treatAllWarnings(as: .error)]
    }
}
