// swift-tools-version: 6.1
// Micro benchmarks of netlab's hot paths (ns per operation, allocations), a package of their
// own so that users of netlab's libraries never resolve the benchmark framework.
// Run from the repository root: `swift package --package-path Benchmarks benchmark`.
import PackageDescription

let package = Package(
    name: "netlab-benchmarks",
    dependencies: [
        .package(name: "netlab", path: "../"),
        // The interposer counts mallocs.
        .package(url: "https://github.com/ordo-one/benchmark", from: "1.38.1", traits: ["MallocInterposer"]),
    ],
    targets: [
        .executableTarget(
            name: "NetLabBenchmarks",
            dependencies: [
                .product(name: "NetLabCore", package: "netlab"),
                .product(name: "NetLabConsole", package: "netlab"),
                .product(name: "Benchmark", package: "benchmark"),
            ],
            path: "Benchmarks/NetLabBenchmarks",
            plugins: [.plugin(name: "BenchmarkPlugin", package: "benchmark")]
        ),
    ],
    swiftLanguageModes: [.v6]
)
