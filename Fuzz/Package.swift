// swift-tools-version:6.1
// libFuzzer targets for the code that reads what clients send: the selector normalisers, the
// Markdown renderer, the JSON of requests, the multipart reader. Built apart from Concert with
// the fuzzer and AddressSanitizer (scripts/fuzz), so that the server's own build stays as it is.
import Foundation
import PackageDescription

// Concert is this folder's parent; SwiftPM names a package at a path after its folder.
let concert = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
    .lastPathComponent.lowercased()

let package = Package(
    name: "concert-fuzz",
    platforms: [.macOS(.v14)],
    dependencies: [
        .package(path: ".."),
        .package(url: "https://github.com/apple/swift-nio", from: "2.101.2"),
    ],
    targets: [
        .target(name: "FuzzDriver"),
        .executableTarget(
            name: "FuzzSelectors", dependencies: ["FuzzDriver", .product(name: "ConcertCore", package: concert)]),
        .executableTarget(
            name: "FuzzMarkdown", dependencies: ["FuzzDriver", .product(name: "ConcertCore", package: concert)]),
        .executableTarget(
            name: "FuzzJSON", dependencies: ["FuzzDriver", .product(name: "ConcertCore", package: concert)]),
        .executableTarget(
            name: "FuzzImporters",
            dependencies: [
                "FuzzDriver", .product(name: "ConcertCore", package: concert),
                .product(name: "ConcertInterop", package: concert),
            ]),
        .executableTarget(
            name: "FuzzMultipart",
            dependencies: [
                "FuzzDriver",
                .product(name: "ConcertMultipart", package: concert),
                .product(name: "NIOCore", package: "swift-nio"),
            ]),
    ]
)
