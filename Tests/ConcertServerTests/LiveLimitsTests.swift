import ConcertCore
import ConcertStorage
import Foundation
import Hummingbird
import HummingbirdTesting
import Logging
import NIOCore
import NIOPosix
import NIOWebSocket
import Synchronization
import Testing

@testable import ConcertServer

/// The live feed and the HTTP server seen from an attacker's side, over real sockets on
/// 127.0.0.1: subscribers that never read after a large backlog, a total budget for replays,
/// connections that send half a request head or nothing, and, against them, an ordinary
/// subscriber following an action day. What waits for sockets is read from the feed's own
/// figures (``LiveGauge``), not guessed from timings.
@Suite("Live feed limits", .timeLimit(.minutes(3)))
struct LiveLimitsTests {
    /// A subscriber's cap in these tests: a few of the backlog's events.
    static let cap = 512 << 10

    /// How many targets of a thousand URL selectors make a backlog far larger than what the
    /// kernel takes on a stalled loopback connection (its send buffer grows to a few MiB).
    static let backlogTargets = 50

    /// Records `count` targets of a thousand URL selectors each (events of about 150 KB, as a
    /// real operation's lists of release servers make) as `actor`.
    static func backlog(
        _ store: any Store, _ operation: JointOperation, by actor: Actor, targets count: Int = backlogTargets
    ) async throws {
        for index in 0..<count {
            let target = try TargetInput(
                kind: .server, name: "Release mirror \(index)",
                selectors: (0..<1_000).map {
                    SelectorInput(kind: .url, text: "https://mirror-\(index).example/releases/\($0)/film-\($0).mkv")
                },
                handling: .h0, evaluation: Evaluation(code: "B2")!, distribution: .allParticipants
            ).makeTarget(
                id: Identifier.make(), operation: operation, originatorAgencyId: actor.agencyId,
                createdBy: actor.userId, defaultCountry: "DE", createdAt: ConcertJSON.now(), now: ConcertJSON.now())
            try await store.createTarget(target, by: actor)
        }
    }

    static func backlog(_ world: TestWorld) async throws {
        try await backlog(world.store, world.operation, by: Actor(world.users[.participantOfficer]!))
    }

    /// Waits until `condition` holds, for at most `seconds`, looking every 50 ms (it may parse
    /// megabytes).
    /// Thirty seconds by default: the whole suite on two cores can hold one task back for seconds.
    static func eventually(seconds: Double = 30, _ condition: () -> Bool) async throws -> Bool {
        let deadline = ContinuousClock.now + .milliseconds(Int(seconds * 1_000))
        while !condition() {
            if ContinuousClock.now > deadline { return false }
            try await Task.sleep(for: .milliseconds(50))
        }
        return true
    }

    static func webSocketRequest(_ world: TestWorld, port: Int, since: Int64, as persona: Persona) -> String {
        "GET /api/v1/operations/\(world.operation.id)/live?since=\(since) HTTP/1.1\r\nHost: 127.0.0.1:\(port)\r\n"
            + "Upgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
            + "Sec-WebSocket-Version: 13\r\nAuthorization: Bearer \(TestWorld.token(for: persona))\r\n\r\n"
    }

    static func eventStreamRequest(
        _ world: TestWorld, port: Int, since: Int64, as persona: Persona, follow: Bool = true
    ) -> String {
        "GET /api/v1/operations/\(world.operation.id)/live?since=\(since)\(follow ? "" : "&follow=false") HTTP/1.1\r\n"
            + "Host: 127.0.0.1:\(port)\r\nAuthorization: Bearer \(TestWorld.token(for: persona))\r\n\r\n"
    }

    @Test(
        "subscribers that never read a large backlog hold no more than their cap and are cut off; from the resume point they were given a reader gets every event once"
    )
    func stalledSubscribers() async throws {
        let world = try await TestWorld.make()
        defer { world.remove() }
        try await Self.backlog(world)
        let end = try await world.store.latestSequence(operationId: world.operation.id)
        let limits = LiveFeedLimits(subscriberBytes: Self.cap, stallTimeout: .seconds(1), closeGrace: .seconds(60))
        let (application, feed) = world.liveApplication(ServerConfiguration(liveLimits: limits))
        try await application.test(.live) { client in
            let port = try #require(client.port)
            var sockets: [SlowClient] = []
            var eventStreams: [SlowClient] = []
            for _ in 0..<2 {
                sockets.append(
                    try await SlowClient.connect(
                        port: port, sending: Self.webSocketRequest(world, port: port, since: 0, as: .leadCoordinator)))
                eventStreams.append(
                    try await SlowClient.connect(
                        port: port, sending: Self.eventStreamRequest(world, port: port, since: 0, as: .leadCoordinator))
                )
            }
            // Each fills its queue, then its socket takes nothing for the stall timeout.
            #expect(try await Self.eventually(seconds: 30) { feed.gauge.cutOffCount == 4 })
            #expect(feed.gauge.largestQueue <= Self.cap, "a queue held \(feed.gauge.largestQueue) bytes")
            // A replay fills up to half its queue, leaving the rest for live events.
            #expect(feed.gauge.largestQueue > Self.cap / 4, "the queues filled before the cut-off")

            for socket in sockets {
                socket.startReading()
                #expect(try await Self.eventually(seconds: 30) { socket.isClosed })
                var bytes = try #require(socket.received.afterHead(), "an upgrade answer")
                let frames = try LiveSocketTests.frames(in: &bytes)
                let texts = frames.filter { $0.opcode == .text }.map(LiveSocketTests.text)
                let first = texts.dropLast().map(WireEvent.init(json:)).filter { $0.kind != "heartbeat" }
                let notice = WireEvent(json: try #require(texts.last))
                #expect(notice.kind == "reconnect")
                #expect(frames.last.flatMap(LiveSocketTests.closeCode) == WebSocketErrorCode(codeNumber: 1013))
                #expect((first.last?.sequence ?? 0) < end, "cut off before the backlog's end: \(first.map(\.sequence))")
                #expect(notice.sequence == first.last?.sequence ?? 0, "the resume point is the last event sent")
                // Reconnect from the resume point and read normally, following the feed.
                let reader = try await SlowClient.connect(
                    port: port,
                    sending: Self.webSocketRequest(world, port: port, since: notice.sequence, as: .leadCoordinator),
                    reading: true)
                var rest: [WireEvent] = []
                #expect(
                    try await Self.eventually(seconds: 30) {
                        guard var bytes = reader.received.afterHead(),
                            let frames = try? LiveSocketTests.frames(in: &bytes)
                        else { return false }
                        rest = frames.filter { $0.opcode == .text }.map { WireEvent(json: LiveSocketTests.text($0)) }
                            .filter { $0.kind != "heartbeat" }
                        return rest.last?.sequence == end
                    })
                reader.close()
                #expect((first + rest).map(\.sequence) == world.seenByLead(1...end))
            }
            for stream in eventStreams {
                stream.startReading()
                #expect(try await Self.eventually(seconds: 30) { stream.received.eventStream().ended })
                let events = stream.received.eventStream().events
                let notice = try #require(events.last)
                let first = events.dropLast().filter { $0.kind != "heartbeat" }
                #expect(notice.kind == "reconnect")
                #expect((first.last?.sequence ?? 0) < end, "cut off before the backlog's end: \(first.map(\.sequence))")
                #expect(notice.sequence == first.last?.sequence ?? 0, "the resume point is the last event sent")
                stream.close()
                let reader = try await SlowClient.connect(
                    port: port,
                    sending: Self.eventStreamRequest(
                        world, port: port, since: notice.sequence, as: .leadCoordinator, follow: false),
                    reading: true)
                #expect(try await Self.eventually(seconds: 30) { reader.received.eventStream().ended })
                let rest = reader.received.eventStream().events.filter { $0.kind != "heartbeat" }
                reader.close()
                #expect((first + rest).map(\.sequence) == world.seenByLead(1...end))
            }
        }
    }

    @Test("replays that never read share the total budget: together they hold no more than it")
    func totalBudget() async throws {
        let world = try await TestWorld.make()
        defer { world.remove() }
        try await Self.backlog(world)
        // Room for the replays of about two of the four (each fills up to half its queue).
        let budget = Self.cap * 3 / 4
        let limits = LiveFeedLimits(subscriberBytes: Self.cap, catchUpBytes: budget, stallTimeout: .seconds(60))
        let (application, feed) = world.liveApplication(ServerConfiguration(liveLimits: limits))
        try await application.test(.live) { client in
            let port = try #require(client.port)
            var clients: [SlowClient] = []
            for index in 0..<4 {
                let request =
                    index % 2 == 0
                    ? Self.webSocketRequest(world, port: port, since: 0, as: .leadCoordinator)
                    : Self.eventStreamRequest(world, port: port, since: 0, as: .leadCoordinator)
                clients.append(try await SlowClient.connect(port: port, sending: request))
            }
            #expect(try await Self.eventually(seconds: 20) { feed.gauge.catchUpQueued > budget / 2 })
            // Give the replays time to take whatever they could.
            try await Task.sleep(for: .seconds(1))
            #expect(feed.gauge.largestCatchUp <= budget, "replays held \(feed.gauge.largestCatchUp) bytes at once")
            #expect(feed.gauge.largestQueue <= Self.cap)
            #expect(feed.gauge.cutOffCount == 0, "waiting for the budget is not stalling")
            for client in clients { client.close() }
            // What the connections held is given back as they go.
            #expect(try await Self.eventually(seconds: 10) { feed.gauge.catchUpQueued == 0 })
        }
    }

    @Test("a feed, event stream or WebSocket, ends once the session that opened it is ended, and sends nothing after")
    func feedsEndWithTheirSession() async throws {
        let world = try await TestWorld.make()
        defer { world.remove() }
        let limits = LiveFeedLimits(sessionCheck: .milliseconds(200))
        let feed = LiveFeed(store: world.store, limits: limits)
        let application = Application(
            router: buildRouter(store: world.store, liveFeed: feed),
            server: .concert(
                store: world.store, liveFeed: feed, configuration: ServerConfiguration(liveLimits: limits)),
            configuration: .init(address: .hostname("127.0.0.1", port: 0)))
        let officer = try #require(world.users[.participantOfficer])
        try await application.test(.live) { client in
            let port = try #require(client.port)
            let since = try await world.store.latestSequence(operationId: world.operation.id)
            let path = "/api/v1/operations/\(world.operation.id)/live?since=\(since)"
            let token = TestWorld.token(for: .participantOfficer)
            let stream = try await SlowClient.connect(
                port: port,
                sending: "GET \(path) HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer \(token)\r\n\r\n",
                reading: true)
            let socket = try await SlowClient.connect(
                port: port,
                sending: "GET \(path) HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                    + "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n"
                    + "Authorization: Bearer \(token)\r\n\r\n",
                reading: true)
            // Both follow the log while the session holds.
            func post(_ text: String) async throws {
                let entry = try LogEntry.make(
                    id: Identifier.make(), operationId: world.operation.id, text: text,
                    by: Actor(world.users[.leadCoordinator]!), now: ConcertJSON.now())
                try await world.store.createLogEntry(entry, by: Actor(world.users[.leadCoordinator]!))
            }
            try await post("Before the end of the session")
            #expect(try await Self.eventually { String(buffer: stream.received).contains("Before the end") })
            #expect(try await Self.eventually { String(buffer: socket.received).contains("Before the end") })
            // B's administrator ends the officer's sessions: both feeds close.
            _ = try await world.store.updateUser(
                id: officer.id, by: Actor(world.users[.agencyAdmin]!), eventKind: .userSessionsEnded,
                endingSessions: true
            ) { $0 }
            // The event stream's response ends (its last chunk); the connection may stay for the next request.
            #expect(
                try await Self.eventually(seconds: 5) {
                    stream.isClosed || String(buffer: stream.received).hasSuffix("\r\n0\r\n\r\n")
                }, "the event stream ended")
            #expect(try await Self.eventually(seconds: 5) { socket.isClosed }, "the WebSocket closed")
            try await post("After the end of the session")
            try await Task.sleep(for: .milliseconds(300))
            #expect(!String(buffer: stream.received).contains("After the end"))
            #expect(!String(buffer: socket.received).contains("After the end"))
        }
    }

    @Test("an ordinary subscriber following an action day from before a backlog larger than its cap is never cut off")
    func ordinarySubscriber() async throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("concert-limits-\(UUID())")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let store = try SQLiteStore(path: folder.appendingPathComponent("demo.sqlite").path)
        try await DemoSeeder.seedIfEmpty(store)
        let simulator = DemoSimulator(
            store: store,
            clock: .virtual(
                startingAt: DemoSeeder.defaultHHour.addingTimeInterval(-50 * 3_600), pause: .milliseconds(5)))
        let operation = try #require(try await simulator.operation())
        let coordinator = try #require(try await store.users().first { $0.username == "coordinator" })
        try await store.createSession(
            tokenHash: Authenticator.tokenHash("limits-coordinator"), user: coordinator,
            expiresAt: Date().addingTimeInterval(3600))
        // The demo's own events and a backlog of large targets: many times this cap, and more
        // than the kernel's buffers take.
        try await Self.backlog(store, operation, by: Actor(coordinator), targets: 30)
        let limits = LiveFeedLimits(subscriberBytes: 256 << 10, stallTimeout: .seconds(5))
        let feed = LiveFeed(store: store, limits: limits)
        let application = Application(
            router: buildRouter(store: store, liveFeed: feed),
            server: .concert(store: store, liveFeed: feed, configuration: ServerConfiguration(liveLimits: limits)),
            configuration: .init(address: .hostname("127.0.0.1", port: 0)))
        try await application.test(.live) { client in
            let port = try #require(client.port)
            let path = "/api/v1/operations/\(operation.id)/live?since=0"
            let socket = try await SlowClient.connect(
                port: port,
                sending: "GET \(path) HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                    + "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n"
                    + "Authorization: Bearer limits-coordinator\r\n\r\n",
                reading: true)
            let stream = try await SlowClient.connect(
                port: port,
                sending: "GET \(path) HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer limits-coordinator\r\n\r\n",
                reading: true)
            #expect(try await simulator.run() > 0)
            // What the coordinator may see of the whole day, read in process.
            let expected = Received()
            try await LiveFeed(store: store).run(
                operation: operation, actor: Actor(coordinator), since: 0, follow: false
            ) { expected.append($0) }
            let sequences = expected.events.map(\.sequence)
            #expect(sequences.count > 100)
            func socketEvents() -> [WireEvent] {
                guard var bytes = socket.received.afterHead(), let frames = try? LiveSocketTests.frames(in: &bytes)
                else { return [] }
                return frames.filter { $0.opcode == .text }.map { WireEvent(json: LiveSocketTests.text($0)) }
                    .filter { $0.kind != "heartbeat" }
            }
            func streamEvents() -> [WireEvent] {
                stream.received.eventStream().events.filter { $0.kind != "heartbeat" }
            }
            #expect(
                try await Self.eventually(seconds: 60) {
                    socketEvents().last?.sequence == sequences.last && streamEvents().last?.sequence == sequences.last
                })
            #expect(socketEvents().map(\.sequence) == sequences)
            #expect(streamEvents().map(\.sequence) == sequences)
            #expect(!(socketEvents() + streamEvents()).contains { $0.kind == "reconnect" })
            #expect(feed.gauge.largestQueue <= limits.subscriberBytes)
            #expect(feed.gauge.cutOffCount == 0)
            #expect(!socket.isClosed && !stream.isClosed)
            socket.close()
            stream.close()
        }
    }

    @Test("a connection that sends half a request head, or nothing, is closed within the head timeout")
    func requestHeadTimeout() async throws {
        let world = try await TestWorld.make()
        defer { world.remove() }
        // Three seconds, not one: among thirty suites at once, a request's head can take a second
        // to be read (CI once closed the kept-alive connection below before its first answer).
        let configuration = ServerConfiguration(requestHeadTimeout: .seconds(3), idleTimeout: .seconds(30))
        let (application, _) = world.liveApplication(configuration)
        try await application.test(.live) { client in
            let port = try #require(client.port)
            let silent = try await SlowClient.connect(port: port, sending: nil, reading: true)
            let half = try await SlowClient.connect(
                port: port, sending: "GET /api/v1/health HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: ", reading: true)
            let started = ContinuousClock.now
            #expect(try await Self.eventually(seconds: 15) { silent.isClosed && half.isClosed })
            #expect(ContinuousClock.now - started < .seconds(8))
            #expect(silent.received.readableBytes == 0 && half.received.readableBytes == 0)

            // On a kept-alive connection the next request's head has the same time from its first byte.
            let keptAlive = try await SlowClient.connect(
                port: port, sending: "GET /api/v1/health HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n", reading: true)
            #expect(try await Self.eventually { String(buffer: keptAlive.received).hasPrefix("HTTP/1.1 200") })
            try await Task.sleep(for: .seconds(4))
            #expect(!keptAlive.isClosed, "between requests the idle timeout applies, not the head's")
            keptAlive.send("GET /api/v1/health HTTP/1.1\r\nHost: 127.0.0.1\r\n")
            let sent = ContinuousClock.now
            #expect(try await Self.eventually(seconds: 15) { keptAlive.isClosed })
            #expect(ContinuousClock.now - sent < .seconds(8))
        }
    }

    @Test("a kept-alive connection is closed once idle, but a streaming event stream and a WebSocket are not")
    func idleTimeout() async throws {
        let world = try await TestWorld.make()
        defer { world.remove() }
        // Timeouts of a few seconds, not one: among thirty suites at once, a live request's head can
        // take a second to be read, and this test is about the idle timeout, not that one.
        let configuration = ServerConfiguration(requestHeadTimeout: .seconds(3), idleTimeout: .seconds(3))
        let (application, _) = world.liveApplication(configuration, heartbeatInterval: .milliseconds(200))
        try await application.test(.live) { client in
            let port = try #require(client.port)
            let idle = try await SlowClient.connect(
                port: port, sending: "GET /api/v1/health HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n", reading: true)
            let stream = try await SlowClient.connect(
                port: port, sending: Self.eventStreamRequest(world, port: port, since: world.head, as: .observer),
                reading: true)
            let socket = try await SlowClient.connect(
                port: port, sending: Self.webSocketRequest(world, port: port, since: world.head, as: .observer),
                reading: true)
            #expect(try await Self.eventually(seconds: 10) { idle.isClosed })
            #expect(String(buffer: idle.received).hasPrefix("HTTP/1.1 200"))
            // Well past both timeouts, the live feed is still open and still streams. Its heartbeats
            // are awaited, not counted at an instant: among thirty suites at once the feed's pump can
            // wait seconds for one of the two cores (CI once saw none after 7 s, then the event).
            try await Task.sleep(for: .seconds(7))
            #expect(!stream.isClosed && !socket.isClosed)
            #expect(
                try await Self.eventually(seconds: 20) {
                    stream.received.eventStream().events.filter { $0.kind == "heartbeat" }.count >= 3
                })
            #expect(!stream.isClosed && !socket.isClosed)
            _ = try await world.store.updateAction(
                id: world.actionC.id, operationId: world.operation.id, by: Actor(world.users[.leadCoordinator]!),
                eventKind: .actionStatusChanged
            ) { action, _ in
                var action = action
                try StatusChange(status: .ready).apply(to: &action, now: ConcertJSON.now())
                return action
            }
            let changed = world.head + 1
            #expect(
                try await Self.eventually {
                    stream.received.eventStream().events.contains { $0.sequence == changed && $0.kind != "heartbeat" }
                        && String(buffer: socket.received).contains(#""kind":"action.statusChanged""#)
                })
            stream.close()
            socket.close()
        }
    }

    @Test("the bytes reckoned for a message are the bytes written")
    func messageBytes() {
        let messages: [FeedMessage] = [
            .event(sequence: 7, kind: "log.posted", json: #"{"text":"Team in position – Berlin"}"#),
            .event(sequence: 1_234_567, kind: "target.created", json: String(repeating: "é", count: 70_000)),
            .heartbeat(sequence: 0), .heartbeat(sequence: 98_765),
        ]
        for message in messages {
            #expect(message.serverSentEventBytes == message.serverSentEvent.utf8.count)
            #expect(String(buffer: message.serverSentEventBuffer()) == message.serverSentEvent)
            let frame = LiveSocketConnection.encodedTextFrame(message.webSocketText, allocator: ByteBufferAllocator())
            #expect(LiveSocketConnection.frameBytes(message) == frame.readableBytes)
        }
    }
}

extension TestWorld {
    /// The API and its live feed on both transports as `concert serve` has them, on a free port,
    /// with `configuration`'s limits and timeouts; and the feed, to read its figures.
    func liveApplication(
        _ configuration: ServerConfiguration, heartbeatInterval: Duration = .seconds(15)
    ) -> (some ApplicationProtocol, LiveFeed) {
        let feed = LiveFeed(store: store, heartbeatInterval: heartbeatInterval, limits: configuration.liveLimits)
        let application = Application(
            router: buildRouter(store: store, configuration: configuration, liveFeed: feed),
            server: .concert(store: store, liveFeed: feed, configuration: configuration),
            configuration: .init(address: .hostname("127.0.0.1", port: 0)))
        return (application, feed)
    }
}

/// An event as a client reads it off the wire: its sequence number and kind.
struct WireEvent: Equatable {
    var sequence: Int64
    var kind: String

    init(sequence: Int64, kind: String) {
        self.sequence = sequence
        self.kind = kind
    }

    /// From a WebSocket text frame: an event's JSON, a heartbeat or a reconnect notice.
    init(json: String) {
        let object = (try? JSONSerialization.jsonObject(with: Data(json.utf8))) as? [String: Any] ?? [:]
        self.sequence = (object["sequence"] as? Int).map(Int64.init) ?? -1
        self.kind = object["kind"] as? String ?? "?"
    }
}

extension ByteBuffer {
    /// What follows an HTTP answer's head, once the head is in.
    func afterHead() -> ByteBuffer? {
        let view = readableBytesView
        guard let end = view.firstRange(of: Array("\r\n\r\n".utf8)) else { return nil }
        return getSlice(at: end.upperBound, length: view.endIndex - end.upperBound)
    }

    /// The events of an event-stream answer (a chunked body), and whether its last chunk came.
    func eventStream() -> (events: [WireEvent], ended: Bool) {
        guard var chunked = afterHead() else { return ([], false) }
        var body = ByteBuffer()
        var ended = false
        while let line = chunked.readableBytesView.firstRange(of: Array("\r\n".utf8)) {
            let sizeText = String(
                decoding: chunked.readableBytesView[chunked.readerIndex..<line.lowerBound], as: UTF8.self)
            guard let size = Int(sizeText, radix: 16),
                chunked.readableBytes >= line.upperBound - chunked.readerIndex + size + 2
            else { break }
            chunked.moveReaderIndex(to: line.upperBound)
            if size == 0 {
                ended = true
                break
            }
            var chunk = chunked.readSlice(length: size)!
            body.writeBuffer(&chunk)
            chunked.moveReaderIndex(forwardBy: 2)
        }
        var events: [WireEvent] = []
        let blocks = String(buffer: body).components(separatedBy: "\n\n").dropLast()
        for block in blocks {
            var event = WireEvent(sequence: -1, kind: "?")
            for line in block.split(separator: "\n") {
                if line.hasPrefix("id: ") { event.sequence = Int64(line.dropFirst(4)) ?? -1 }
                if line.hasPrefix("event: ") { event.kind = String(line.dropFirst(7)) }
            }
            events.append(event)
        }
        return (events, ended)
    }
}

/// A client on a real socket with a small receive buffer, which reads nothing until told to
/// (or at once, with `reading`): the server's writes to it stall once the kernel's buffers
/// are full.
final class SlowClient: ChannelInboundHandler, @unchecked Sendable {
    typealias InboundIn = ByteBuffer

    private struct State {
        var received = ByteBuffer()
        var closed = false
    }

    private let state = Mutex(State())
    private var channel: (any Channel)?

    var received: ByteBuffer { state.withLock { $0.received } }
    var isClosed: Bool { state.withLock { $0.closed } }

    /// Connects, sends `request` (if any) and, unless `reading`, reads nothing. Even reading, its
    /// small receive buffer keeps the server's writes waiting on it now and then.
    static func connect(
        port: Int, sending request: String?, reading: Bool = false, receiveBuffer: Int = 4_096
    ) async throws -> SlowClient {
        let client = SlowClient()
        let channel = try await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .channelOption(.socketOption(.so_rcvbuf), value: receiveBuffer)
            .channelOption(.autoRead, value: reading)
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandler(client)
                }
            }
            .connect(host: "127.0.0.1", port: port).get()
        client.channel = channel
        if let request { try await channel.writeAndFlush(ByteBuffer(string: request)) }
        return client
    }

    /// Starts reading what the server sent, and goes on reading.
    func startReading() {
        guard let channel else { return }
        channel.setOption(.autoRead, value: true).whenSuccess { channel.read() }
    }

    func send(_ text: String) {
        channel?.writeAndFlush(ByteBuffer(string: text), promise: nil)
    }

    func close() {
        channel?.close(promise: nil)
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        var incoming = unwrapInboundIn(data)
        state.withLock { $0.received.writeBuffer(&incoming) }
    }

    func channelInactive(context: ChannelHandlerContext) {
        state.withLock { $0.closed = true }
        context.fireChannelInactive()
    }
}
