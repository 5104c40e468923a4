import ConcertCore
import Foundation
import Hummingbird
import HummingbirdTesting
import HummingbirdWSClient
import Logging
import NIOCore
import NIOEmbedded
import NIOPosix
import NIOWebSocket
import Synchronization
import Testing

@testable import ConcertServer

/// The live feed's own WebSocket connections: what the pump's hand-over writes, cut-offs,
/// shutdown and the peer's frames, on an embedded channel; refusals over a real socket.
@Suite("Live WebSocket connections", .timeLimit(.minutes(2)))
struct LiveSocketTests {
    /// A connection on an embedded channel with its handlers, as an upgrade leaves it (the
    /// frame encoder, the outlet for encoded frames, the live handler; inbound frames are
    /// written to it already decoded).
    static func connection(limit: Int = 4 << 20) throws -> (EmbeddedChannel, LiveSocketConnection) {
        let channel = EmbeddedChannel()
        try channel.pipeline.syncOperations.addHandler(WebSocketFrameEncoder())
        let handler = try LiveSocketConnection.install(
            on: channel, outbox: LiveOutbox(eventLoop: channel.embeddedEventLoop), since: 7,
            limits: LiveFeedLimits(subscriberBytes: limit))
        return (channel, handler.connection)
    }

    /// Every frame written so far, read back from the bytes that reached the socket.
    static func written(_ channel: EmbeddedChannel) throws -> [WebSocketFrame] {
        var bytes = ByteBuffer()
        while var buffer = try channel.readOutbound(as: ByteBuffer.self) { bytes.writeBuffer(&buffer) }
        return try frames(in: &bytes)
    }

    /// The whole frames a server wrote (unmasked), read from `bytes`; what is left is a part frame.
    static func frames(in bytes: inout ByteBuffer) throws -> [WebSocketFrame] {
        var frames: [WebSocketFrame] = []
        while bytes.readableBytes >= 2 {
            let start = bytes.readerIndex
            let first = bytes.readInteger(as: UInt8.self)!
            let second = bytes.readInteger(as: UInt8.self)!
            try #require(second & 0x80 == 0, "a server's frames are not masked")
            var length = Int(second & 0x7F)
            if length == 126 {
                guard let extended = bytes.readInteger(as: UInt16.self) else { break }
                length = Int(extended)
            } else if length == 127 {
                guard let extended = bytes.readInteger(as: UInt64.self) else { break }
                length = Int(extended)
            }
            guard let payload = bytes.readSlice(length: length) else {
                bytes.moveReaderIndex(to: start)
                break
            }
            frames.append(
                WebSocketFrame(
                    fin: first & 0x80 != 0, opcode: WebSocketOpcode(encodedWebSocketOpcode: first & 0x0F)!,
                    data: payload))
        }
        return frames
    }

    static func text(_ frame: WebSocketFrame) -> String {
        String(buffer: frame.unmaskedData)
    }

    static func closeCode(_ frame: WebSocketFrame) -> WebSocketErrorCode? {
        var data = frame.unmaskedData
        return data.readWebSocketErrorCode()
    }

    @Test("messages handed over from any thread are written in order as text frames, once the loop runs")
    func writesInOrder() throws {
        let (channel, connection) = try Self.connection()
        for sequence in 8...10 {
            try connection.send(
                .event(sequence: Int64(sequence), kind: "log.posted", json: #"{"sequence":\#(sequence)}"#))
        }
        try connection.send(.heartbeat(sequence: 10))
        #expect(try Self.written(channel).isEmpty, "nothing is written before the event loop runs")
        channel.embeddedEventLoop.run()
        let frames = try Self.written(channel)
        #expect(frames.map(\.opcode) == [.text, .text, .text, .text])
        #expect(
            frames.map(Self.text) == [
                #"{"sequence":8}"#, #"{"sequence":9}"#, #"{"sequence":10}"#, #"{"kind":"heartbeat","sequence":10}"#,
            ])
    }

    @Test("connections of one event loop given the same message write one encoded frame between them")
    func sharedFrames() throws {
        let loop = EmbeddedEventLoop()
        let outbox = LiveOutbox(eventLoop: loop)
        var channels: [EmbeddedChannel] = []
        var connections: [LiveSocketConnection] = []
        for _ in 0..<3 {
            let channel = EmbeddedChannel(loop: loop)
            try channel.pipeline.syncOperations.addHandler(WebSocketFrameEncoder())
            channels.append(channel)
            connections.append(try LiveSocketConnection.install(on: channel, outbox: outbox, since: 7).connection)
        }
        let shared = String(repeating: "x", count: 300)
        for connection in connections { try connection.send(.event(sequence: 8, kind: "log.posted", json: shared)) }
        try connections[2].send(.event(sequence: 9, kind: "log.posted", json: "only the third"))
        loop.run()
        var first: [UnsafeRawPointer?] = []
        var texts: [[String]] = []
        for channel in channels {
            var bytes = ByteBuffer()
            var buffers: [ByteBuffer] = []
            while var buffer = try channel.readOutbound(as: ByteBuffer.self) {
                buffers.append(buffer)
                bytes.writeBuffer(&buffer)
            }
            first.append(buffers.first?.withUnsafeReadableBytes { $0.baseAddress.map(UnsafeRawPointer.init) })
            texts.append(try Self.frames(in: &bytes).map(Self.text))
        }
        #expect(texts == [[shared], [shared], [shared, "only the third"]])
        try #require(first[0] != nil)
        #expect(first[0] == first[1] && first[1] == first[2], "the three connections write the same bytes")
    }

    @Test(
        "a connection whose queue would pass its limit in bytes refuses the message, then gets the resume point and a close"
    )
    func cutOff() throws {
        // Three frames of "{}" (2 bytes of header, 2 of text) fill 12 bytes.
        let (channel, connection) = try Self.connection(limit: 12)
        for sequence in 8...10 {
            try connection.send(.event(sequence: Int64(sequence), kind: "log.posted", json: "{}"))
        }
        #expect(connection.queue.bytes == 12)
        // The socket has taken nothing yet: the fourth is 4 bytes too many.
        let error = #expect(throws: LiveSocketConnection.FellBehind.self) {
            try connection.send(.event(sequence: 11, kind: "log.posted", json: "{}"))
        }
        #expect(error?.lastSequence == 10)
        connection.ended(error)
        channel.embeddedEventLoop.run()
        let frames = try Self.written(channel)
        try #require(frames.count == 5)
        #expect(Self.text(frames[3]).contains(#""kind":"reconnect","sequence":10"#))
        #expect(frames[4].opcode == .connectionClose)
        #expect(Self.closeCode(frames[4]) == WebSocketErrorCode(codeNumber: 1013))
        #expect(!channel.isActive)
        #expect(throws: LiveSocketConnection.Closing.self) {
            try connection.send(.heartbeat(sequence: 10))
        }
    }

    @Test("a catching-up task that replays far more than the limit waits for the socket instead of falling behind")
    func catchingUpWaits() async throws {
        let channel = NIOAsyncTestingChannel()
        let loop = channel.testingEventLoop
        let connection = try await loop.submit {
            try channel.pipeline.syncOperations.addHandler(WebSocketFrameEncoder())
            // Room for about four frames of a few bytes.
            return try LiveSocketConnection.install(
                on: channel, outbox: LiveOutbox(eventLoop: loop), since: 0, limits: LiveFeedLimits(subscriberBytes: 16)
            ).connection
        }.get()
        let replay = Task {
            for sequence in 1...40 {
                try await connection.deliver(.event(sequence: Int64(sequence), kind: "log.posted", json: "\(sequence)"))
                #expect(connection.queue.bytes <= 16)
            }
        }
        var texts: [String] = []
        var bytes = ByteBuffer()
        let deadline = ContinuousClock.now + .seconds(20)
        while texts.count < 40, ContinuousClock.now < deadline {
            await loop.run()
            while var buffer = try await channel.readOutbound(as: ByteBuffer.self) { bytes.writeBuffer(&buffer) }
            texts += try Self.frames(in: &bytes).map(Self.text)
            await Task.yield()
        }
        try await replay.value
        #expect(texts == (1...40).map(String.init))
    }

    @Test("frames the socket has taken no longer count against the limit")
    func limitCountsOnlyPending() throws {
        // Two heartbeat frames: 34 bytes of text and 2 of header each.
        let (channel, connection) = try Self.connection(limit: 72)
        for round in 0..<5 {
            try connection.send(.heartbeat(sequence: Int64(2 * round)))
            try connection.send(.heartbeat(sequence: Int64(2 * round + 1)))
            channel.embeddedEventLoop.run()
            #expect(connection.queue.bytes == 0)
        }
        #expect(try Self.written(channel).count == 10)
    }

    @Test("graceful shutdown closes the connection with 'going away' after what was handed over")
    func shutdownGoesAway() throws {
        let (channel, connection) = try Self.connection()
        try connection.send(.heartbeat(sequence: 7))
        channel.pipeline.fireUserInboundEventTriggered(ChannelShouldQuiesceEvent())
        channel.embeddedEventLoop.run()
        let frames = try Self.written(channel)
        try #require(frames.map(\.opcode) == [.text, .connectionClose])
        #expect(Self.closeCode(frames[1]) == .goingAway)
        #expect(!channel.isActive)
    }

    @Test("a ping is answered with its pong; the peer's close is answered with its code and ends the connection")
    func peerFrames() throws {
        let (channel, connection) = try Self.connection()
        try channel.writeInbound(WebSocketFrame(fin: true, opcode: .ping, data: ByteBuffer(string: "are you there")))
        var frames = try Self.written(channel)
        try #require(frames.map(\.opcode) == [.pong])
        #expect(Self.text(frames[0]) == "are you there")
        // Text from the subscriber is not acted on.
        try channel.writeInbound(WebSocketFrame(fin: true, opcode: .text, data: ByteBuffer(string: "hello")))
        #expect(try Self.written(channel).isEmpty)
        var code = ByteBuffer()
        code.write(webSocketErrorCode: .normalClosure)
        try channel.writeInbound(WebSocketFrame(fin: true, opcode: .connectionClose, data: code))
        frames = try Self.written(channel)
        try #require(frames.map(\.opcode) == [.connectionClose])
        #expect(Self.closeCode(frames[0]) == .normalClosure)
        #expect(!channel.isActive)
        #expect(throws: LiveSocketConnection.Closing.self) { try connection.send(.heartbeat(sequence: 7)) }
    }

    /// Status, body and content type of what the server answers to raw request bytes (for a 101,
    /// the status alone: the connection stays open).
    static func answer(to request: String, port: Int) async throws -> (status: Int, body: String, type: String?) {
        let answer = try await RawConnection.exchange(request, port: port)
        let (head, body) = try #require(
            answer.split(separator: "\r\n\r\n", maxSplits: 1, omittingEmptySubsequences: false).map(String.init).pair)
        let lines = head.split(separator: "\r\n")
        let status = Int(lines[0].split(separator: " ")[1]) ?? 0
        let contentType = lines.first { $0.lowercased().hasPrefix("content-type:") }
            .map { $0.dropFirst("content-type:".count).trimmingCharacters(in: .whitespaces) }
        return (status, body, contentType)
    }

    @Test(
        "a refused upgrade is answered by the route with its problem detail: 401 anonymous, 404 outsiders, 422, 400 for bad handshakes and other sites' cookies"
    )
    func refusedUpgrades() async throws {
        let world = try await TestWorld.make()
        defer { world.remove() }
        try await world.liveApplication().test(.live) { client in
            let port = try #require(client.port)
            func upgrade(
                _ headers: [String], query: String = "", key: Bool = true
            ) async throws -> (status: Int, body: String, type: String?) {
                var request =
                    "GET /api/v1/operations/\(world.operation.id)/live\(query) HTTP/1.1\r\nHost: 127.0.0.1:\(port)\r\n"
                    + "Connection: Upgrade\r\nUpgrade: websocket\r\nSec-WebSocket-Version: 13\r\n"
                if key { request += "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n" }
                for header in headers { request += header + "\r\n" }
                return try await Self.answer(to: request + "\r\n", port: port)
            }
            func bearer(_ persona: Persona) -> String { "Authorization: Bearer \(TestWorld.token(for: persona))" }
            func cookie(_ persona: Persona) -> String { "Cookie: concert_session=\(TestWorld.token(for: persona))" }

            let anonymous = try await upgrade([])
            #expect(anonymous.status == 401)
            #expect(anonymous.type == "application/problem+json")
            for persona in [Persona.nonParticipant, .platformAdmin, .agencyAdmin] {
                let outsider = try await upgrade([bearer(persona)])
                #expect(outsider.status == 404, "\(persona)")
                #expect(!outsider.body.contains(world.operation.codeName))
            }
            let tooFar = try await upgrade([bearer(.observer)], query: "?since=\(world.head + 1_000)")
            #expect(tooFar.status == 422)
            #expect(tooFar.body.contains(#""field":"since""#))
            let noKey = try await upgrade([bearer(.observer)], key: false)
            #expect(noKey.status == 400)
            #expect(noKey.type == "application/problem+json")
            #expect(noKey.body.contains("Sec-WebSocket-Key"))
            // A browser sends the session cookie with another site's WebSocket too.
            let otherSite = try await upgrade([cookie(.observer), "Origin: http://elsewhere.example"])
            #expect(otherSite.status == 400)
            let ownPage = try await upgrade([cookie(.observer), "Origin: http://127.0.0.1:\(port)"])
            #expect(ownPage.status == 101)
            let garbage = try await Self.answer(to: "NOT HTTP \u{1}\u{2}\r\n\r\n", port: port)
            #expect(garbage.status == 400)
            #expect(garbage.body.contains("could not be read as HTTP/1.1"))
        }
    }

    @Test("graceful shutdown closes a real WebSocket subscriber with 'going away'")
    func shutdownOverASocket() async throws {
        let world = try await TestWorld.make()
        defer { world.remove() }
        let received = Received()
        let subscriber = Mutex<Task<WebSocketCloseFrame?, any Error>?>(nil)
        try await world.liveApplication().test(.live) { client in
            let port = try #require(client.port)
            let configuration = {
                var configuration = WebSocketClientConfiguration()
                configuration.additionalHeaders[.authorization] = "Bearer \(TestWorld.token(for: .leadCoordinator))"
                return configuration
            }()
            let task = Task {
                try await WebSocketClient.connect(
                    url: "ws://127.0.0.1:\(port)/api/v1/operations/\(world.operation.id)/live?since=0",
                    configuration: configuration, logger: Logger(label: "test")
                ) { inbound, _, _ in
                    for try await _ in inbound.messages(maxSize: 1 << 20) { received.append(.heartbeat(sequence: 0)) }
                }
            }
            subscriber.withLock { $0 = task }
            // Subscribed once its first (replayed) event arrived; then the server shuts down.
            #expect(try await LiveFeedTests.eventually { !received.all.isEmpty })
        }
        let closing = try await subscriber.withLock { $0 }?.value
        #expect(closing?.closeCode == .goingAway)
    }
}

extension TestWorld {
    /// The API and its live feed on both transports, as `concert serve` has them, on a free port.
    func liveApplication() -> some ApplicationProtocol {
        let feed = LiveFeed(store: store)
        return Application(
            router: buildRouter(store: store, liveFeed: feed), server: .concert(store: store, liveFeed: feed),
            configuration: .init(address: .hostname("127.0.0.1", port: 0)))
    }
}

extension Array {
    /// The two elements of a two-element array.
    var pair: (Element, Element)? { count == 2 ? (self[0], self[1]) : nil }
}

/// Sends raw bytes to a local port and reads everything until the server closes: for
/// requests that HTTP clients will not send as they are, such as a WebSocket upgrade.
final class RawConnection: ChannelInboundHandler, @unchecked Sendable {
    typealias InboundIn = ByteBuffer
    // Touched only on the channel's event loop.
    private var received = ByteBuffer()
    private let done: EventLoopPromise<String>

    init(done: EventLoopPromise<String>) { self.done = done }

    /// Returns once the server closes, or once the head of a 101 answer is in (its connection
    /// stays open; it is closed then).
    static func exchange(_ text: String, port: Int) async throws -> String {
        let loop = MultiThreadedEventLoopGroup.singleton.next()
        let done = loop.makePromise(of: String.self)
        let channel = try await ClientBootstrap(group: loop).channelInitializer { channel in
            channel.eventLoop.makeCompletedFuture {
                try channel.pipeline.syncOperations.addHandler(RawConnection(done: done))
            }
        }.connect(host: "127.0.0.1", port: port).get()
        try await channel.writeAndFlush(ByteBuffer(string: text))
        let answer = try await done.futureResult.get()
        try? await channel.close()
        return answer
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        var incoming = unwrapInboundIn(data)
        received.writeBuffer(&incoming)
        let text = String(buffer: received)
        if text.hasPrefix("HTTP/1.1 101"), text.contains("\r\n\r\n") { done.succeed(text) }
    }

    func channelInactive(context: ChannelHandlerContext) {
        done.succeed(String(buffer: received))
    }
}
