// swift-tools-version:6.1
import PackageDescription

let package = Package(
    name: "concert",
    platforms: [.macOS(.v14)],
    products: [
        .executable(name: "concert", targets: ["concert"]),
        .library(name: "ConcertCore", targets: ["ConcertCore"]),
        .library(name: "ConcertStorage", targets: ["ConcertStorage"]),
        .library(name: "ConcertServer", targets: ["ConcertServer"]),
        .library(name: "ConcertMultipart", targets: ["ConcertMultipart"]),
        .library(name: "ConcertInterop", targets: ["ConcertInterop"]),
    ],
    dependencies: [
        .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.28.1"),
        .package(url: "https://github.com/hummingbird-project/hummingbird-auth", from: "2.5.0"),
        .package(url: "https://github.com/hummingbird-project/hummingbird-websocket", from: "2.8.1"),
        .package(url: "https://github.com/hummingbird-project/swift-mustache", from: "2.1.1"),
        .package(url: "https://github.com/groue/GRDB.swift", from: "7.10.0"),
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-crypto", from: "3.12.3"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
        .package(url: "https://github.com/swift-server/async-http-client", from: "1.37.0"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle", from: "2.13.0"),
        .package(url: "https://github.com/apple/swift-nio", from: "2.101.2"),
        .package(url: "https://github.com/apple/swift-nio-extras", from: "1.35.2"),
        .package(url: "https://github.com/apple/swift-http-types", from: "1.8.0"),
        .package(url: "https://github.com/vapor/postgres-nio", from: "1.33.2"),
        .package(url: "https://github.com/apple/swift-metrics", from: "2.13.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus", from: "2.4.1"),
        .package(url: "https://github.com/apple/swift-nio-ssl", from: "2.37.6"),
        .package(url: "https://github.com/apple/swift-certificates", from: "1.21.1"),
        .package(url: "https://github.com/apple/swift-asn1", from: "1.7.4"),
        .package(url: "https://github.com/apple/swift-nio-http2", from: "1.46.0"),
    ],
    targets: [
        .target(
            name: "ConcertCore",
            path: "Sources/ConcertCore",
            resources: [.copy("Resources/common-passwords.txt"), .copy("Resources/public_suffix_list.dat")]
        ),
        // STIX 2.1, MISP and CSV in, STIX, MISP and iCalendar out, as pure functions of the
        // domain: no store, no HTTP.
        .target(name: "ConcertInterop", dependencies: ["ConcertCore"]),
        .target(
            name: "ConcertCrossCheck",
            dependencies: ["ConcertCore"],
            // The index keeps its tables in one object that only its own struct reaches
            // (copy-on-write); checking exclusive access on every array access of a rebuild of a
            // million selectors cost a fifth of its time.
            swiftSettings: [.unsafeFlags(["-enforce-exclusivity=unchecked"])]
        ),
        .target(
            name: "ConcertStorage",
            dependencies: [
                "ConcertCore",
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ]
        ),
        // The streaming `multipart/form-data` reader on its own, so that its fuzzer builds with
        // NIOCore alone (Fuzz/).
        .target(name: "ConcertMultipart", dependencies: [.product(name: "NIOCore", package: "swift-nio")]),
        .target(
            name: "ConcertServer",
            dependencies: [
                "ConcertCore",
                "ConcertInterop",
                "ConcertMultipart",
                "ConcertCrossCheck",
                "ConcertStorage",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdBcrypt", package: "hummingbird-auth"),
                .product(name: "HummingbirdOTP", package: "hummingbird-auth"),
                .product(name: "Mustache", package: "swift-mustache"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOWebSocket", package: "swift-nio"),
                .product(name: "NIOHTTPTypes", package: "swift-nio-extras"),
                .product(name: "NIOHTTPTypesHTTP1", package: "swift-nio-extras"),
                .product(name: "NIOHTTPTypesHTTP2", package: "swift-nio-extras"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "CoreMetrics", package: "swift-metrics"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "HummingbirdTLS", package: "hummingbird"),
                .product(name: "HummingbirdHTTP2", package: "hummingbird"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "X509", package: "swift-certificates"),
                .product(name: "SwiftASN1", package: "swift-asn1"),
                .product(name: "NIOHTTP2", package: "swift-nio-http2"),
                .product(name: "NIOTLS", package: "swift-nio"),
            ],
            // The API's description, served as it is at /api/v1/openapi.json.
            resources: [.copy("Resources/openapi.json")]
        ),
        .executableTarget(
            name: "concert",
            dependencies: [
                "ConcertCore",
                "ConcertInterop",
                "ConcertStorage",
                "ConcertServer",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
            ]
        ),
        .executableTarget(
            name: "ConcertBenchmarks",
            dependencies: [
                "ConcertCore",
                "ConcertInterop",
                "ConcertCrossCheck",
                "ConcertStorage",
                "ConcertServer",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
            ]
        ),
        .testTarget(name: "ConcertCoreTests", dependencies: ["ConcertCore"]),
        .testTarget(name: "ConcertCrossCheckTests", dependencies: ["ConcertCore", "ConcertCrossCheck"]),
        .testTarget(name: "ConcertInteropTests", dependencies: ["ConcertCore", "ConcertInterop"]),
        .testTarget(
            name: "ConcertStorageTests",
            dependencies: [
                "ConcertCore", "ConcertStorage", .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "Crypto", package: "swift-crypto"),
            ]
        ),
        .testTarget(
            name: "ConcertCLITests",
            dependencies: [
                "ConcertCore",
                "ConcertStorage",
                "ConcertServer",
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
            ]
        ),
        .testTarget(
            name: "ConcertServerTests",
            dependencies: [
                "ConcertCore",
                "ConcertCrossCheck",
                "ConcertStorage",
                "ConcertServer",
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdTesting", package: "hummingbird"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "HummingbirdWSClient", package: "hummingbird-websocket"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOEmbedded", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOWebSocket", package: "swift-nio"),
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "Crypto", package: "swift-crypto"),
            ]
        ),
    ]
)
