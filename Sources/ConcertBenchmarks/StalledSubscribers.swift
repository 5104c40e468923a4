import AsyncHTTPClient
import ConcertCore
import ConcertServer
import ConcertStorage
import Foundation
import NIOCore
import NIOPosix
import Synchronization

// The server's resident memory under subscribers that never read: `concert serve` in its own
// process, an operation with a large backlog (targets of a thousand URL selectors each), and
// live subscribers at `?since=0` - half WebSocket, half event stream - whose sockets have small
// receive buffers and are never read. Before the feed's queues were bounded in bytes, 20 such
// event-stream subscribers took the server from 530 MiB to 2.3 GiB, and 20 WebSocket ones to
// 4 GiB.

/// The most the server may grow by with the stalled subscribers connected: the replay budget
/// (128 MiB by default) twice over (the allocator does not reuse at once what the first cut-off
/// subscribers leave while the next take their place), what the connections themselves cost
/// (about 40 KB each), and the allocator's slack.
let stalledGrowthBoundMiB = 512

/// Returns whether the server stayed under the bound.
func benchmarkStalledSubscribers(
    subscribers: Int, targets: Int, selectors: Int, hold: Duration
) async throws -> Bool {
    show(
        "== Resident memory of concert serve with \(subscribers) live subscribers that never read, after \(targets)"
            + " targets of \(selectors) URL selectors (bound: under \(stalledGrowthBoundMiB) MiB more than before they connected)"
    )
    let folder = try scratchFolder("stalled")
    defer { try? FileManager.default.removeItem(at: folder) }
    let world = try await FanOutWorld.make(in: folder)
    // 50,000 selectors recorded by one officer are more than the hourly budget of checked and
    // recorded selectors: this measures the feed, so the budget is raised out of its way.
    let (process, port) = try await launchConcert([
        "serve", "--database", world.path, "--check-budget-user", "10000000", "--check-budget-agency", "10000000",
    ])
    defer { stopProcess(process) }
    let base = "http://127.0.0.1:\(port)/api/v1/operations/\(world.operation.id)"

    // The backlog, recorded through the API as officers would, one target a request.
    let seeding = ContinuousClock.now
    var eventBytes = 0
    for index in 0..<targets {
        let input = TargetInput(
            kind: .server, name: "Release mirror \(index)", country: "NL",
            selectors: (0..<selectors).map {
                SelectorInput(kind: .url, text: "https://mirror-\(index).example/releases/\($0)/film-\($0).mkv")
            },
            handling: .h0, evaluation: Evaluation(code: "B2")!, distribution: .allParticipants)
        var request = HTTPClientRequest(url: base + "/targets")
        request.method = .POST
        request.headers.add(name: "Authorization", value: "Bearer \(world.tokens[0])")
        request.headers.add(name: "Content-Type", value: "application/json")
        request.body = .bytes(ByteBuffer(string: try ConcertJSON.encodeToString(input)))
        let response = try await HTTPClient.shared.execute(request, timeout: .seconds(60))
        let body = try await response.body.collect(upTo: 16 << 20)
        guard response.status == .created else {
            throw BenchmarkError("recording target \(index) answered \(response.status): \(String(buffer: body))")
        }
        eventBytes = max(eventBytes, body.readableBytes)
    }
    show(
        String(
            format: "   recorded %d targets over HTTP in %.1f s (each event about %d KB)", targets,
            seconds(ContinuousClock.now - seeding), eventBytes / 1000))

    // Warm up: one subscriber reads the whole backlog over each transport and leaves.
    let (_, replayed) = try await get(base + "/live?since=0&follow=false", token: world.tokens[0])
    let warm = try await connectLiveSubscribers(count: 20, port: port, world: world, arrivals: Arrivals())
    try await world.flip(0)
    for client in warm { try? await client.close() }
    try await Task.sleep(for: .seconds(2))
    let before = try residentKiB(of: process.processIdentifier)
    show(
        String(
            format: "   replay of the backlog: %.1f MiB; resident before: %.1f MiB", Double(replayed) / 1_048_576,
            Double(before) / 1024))

    let started = ContinuousClock.now
    var clients: [any Channel] = []
    for index in 0..<subscribers {
        // The coordinator and the two officers: each may read every target of the backlog.
        let token = world.tokens[index % 3]
        let path = "/api/v1/operations/\(world.operation.id)/live?since=0"
        let webSocket =
            switch ProcessInfo.processInfo.environment["CONCERT_BENCH_STALLED_TRANSPORT"] {
            case "websocket": true
            case "events": false
            default: index % 2 == 0
            }
        let request =
            webSocket
            ? "GET \(path) HTTP/1.1\r\nHost: 127.0.0.1:\(port)\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                + "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n"
                + "Authorization: Bearer \(token)\r\n\r\n"
            : "GET \(path) HTTP/1.1\r\nHost: 127.0.0.1:\(port)\r\nAuthorization: Bearer \(token)\r\n\r\n"
        clients.append(try await StalledSubscriber.connect(port: port, request: request, group: clientLoops))
        // In steps, so that the listen backlog never overflows.
        if index % 50 == 49 { try await Task.sleep(for: .milliseconds(20)) }
    }
    show(
        String(
            format: "   %d subscribers connected in %.1f s (%d WebSocket, %d event stream), receive buffers of 4 KiB,"
                + " never read", subscribers, seconds(ContinuousClock.now - started), (subscribers + 1) / 2,
            subscribers / 2))
    // The default stall timeout is 30 s and the close grace 10 s: a hold of a minute sees the
    // first subscribers cut off and closed, and the next take their share of the replay budget.
    var peak = before
    var samples: [(Double, Int)] = []
    let holdStart = ContinuousClock.now
    while ContinuousClock.now - holdStart < hold {
        try await Task.sleep(for: .milliseconds(250))
        let now = try residentKiB(of: process.processIdentifier)
        peak = max(peak, now)
        samples.append((seconds(ContinuousClock.now - holdStart), now))
    }
    let after = try residentKiB(of: process.processIdentifier)
    let growth = Double(peak - before) / 1024
    for (time, kib) in samples where Int(time * 4) % 20 == 0 {
        show(String(format: "     at %4.1f s: %7.1f MiB", time, Double(kib) / 1024))
    }
    show(
        String(
            format:
                "   resident: %.1f MiB before, peak %.1f MiB and %.1f MiB after %.0f s with %d connected:"
                + " %.1f MiB more at the peak, %.1f KB per subscriber",
            Double(before) / 1024, Double(peak) / 1024, Double(after) / 1024, seconds(hold), subscribers,
            growth, growth * 1_048.576 / Double(subscribers)))
    let passed = growth < Double(stalledGrowthBoundMiB)
    show(passed ? "   PASS: under \(stalledGrowthBoundMiB) MiB" : "   FAIL: over \(stalledGrowthBoundMiB) MiB")
    for client in clients { try? await client.close() }
    return passed
}

/// A subscriber that sends its request and never reads: its socket's small receive buffer fills,
/// and the server's writes to it stall.
enum StalledSubscriber {
    static func connect(port: Int, request: String, group: MultiThreadedEventLoopGroup) async throws -> any Channel {
        let channel = try await ClientBootstrap(group: group)
            .channelOption(.socketOption(.so_rcvbuf), value: 4_096)
            .channelOption(.autoRead, value: false)
            .connect(host: "127.0.0.1", port: port).get()
        try await channel.writeAndFlush(ByteBuffer(string: request))
        return channel
    }
}
