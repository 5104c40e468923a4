import ConcertCore
import ConcertStorage
import Hummingbird

/// The live feed of an operation over Server-Sent Events.
struct LiveController {
    let guarded: OperationGuard
    let feed: LiveFeed
    var delivery: BoundedDelivery
    /// Notes a subscriber's session as used while its feed is open.
    var sessions: Authenticator?

    init(guarded: OperationGuard, feed: LiveFeed, sessions: Authenticator? = nil) {
        self.guarded = guarded
        self.feed = feed
        self.sessions = sessions
        self.delivery = BoundedDelivery(limits: feed.limits, gauge: feed.gauge)
    }

    /// Where a subscriber starts: `?since=N`, else the `Last-Event-ID` an EventSource sends
    /// when it reconnects, else the beginning of the log.
    static func startingSequence(of request: Request) throws -> Int64 {
        guard let text = request.uri.queryParameters.get("since") ?? request.headers[.init("Last-Event-ID")!] else {
            return 0
        }
        guard let since = Int64(text), since >= 0 else {
            throw ProblemDetail(
                status: .unprocessableContent,
                detail: "'since' is the sequence number of an event: a whole number from 0.",
                field: "since")
        }
        return since
    }

    func addRoutes(to router: Router<ConcertRequestContext>) {
        router.get("/api/v1/operations/:operationId/live") { request, context in
            let actor = try context.requireActor()
            let operation = try await guarded.operation(
                try context.parameters.requireIdentifier("operationId"), for: actor, .viewBoard)
            let since = try Self.startingSequence(of: request)
            let latest = try await guarded.store.latestSequence(operationId: operation.id)
            guard since <= latest else {
                throw ProblemDetail(
                    status: .unprocessableContent,
                    detail:
                        "This operation has no event \(since) yet; its latest is \(latest). Resume from a number you received.",
                    field: "since")
            }
            // A WebSocket upgrade that reaches the route was refused on the way, for no reason
            // the checks above name (a malformed handshake, or a session that ended meanwhile).
            if request.headers[.upgrade]?.lowercased() == "websocket" {
                throw ProblemDetail(
                    status: .badRequest,
                    detail:
                        "The WebSocket upgrade was refused: send a valid handshake (Sec-WebSocket-Key, version 13) with a current session, or read the feed as an event stream."
                )
            }
            let follow: Bool
            switch request.uri.queryParameters.get("follow") {
            case nil, "true": follow = true
            case "false": follow = false
            case let other?:
                throw DomainError.invalid("'follow' is true or false, not '\(other)'.", field: "follow")
            }
            let feed = self.feed
            let delivery = self.delivery
            let sessions = self.sessions
            let watch = context.sessionTokenHash.map {
                SessionWatch(
                    store: guarded.store, tokenHash: $0, interval: feed.limits.sessionCheck, keepAlive: sessions)
            }
            let body = ResponseBody { writer in
                // Each message is made into its bytes as it leaves the queue, which lets go of it
                // while the write waits for the socket. The feed ends when the session does.
                try await delivery.run(since: since, encode: { $0.serverSentEventBuffer() }) { queue in
                    try await withThrowingTaskGroup(of: Void.self) { group in
                        group.addTask {
                            try await feed.run(
                                operation: operation, actor: actor, since: since, follow: follow, outlet: queue,
                                send: queue.send)
                        }
                        if let watch { group.addTask { try await watch.untilEnded() } }
                        // Whichever ends first ends the other: a finished replay, or an ended session.
                        try await group.next()
                        group.cancelAll()
                    }
                } deliver: { buffer in
                    try await writer.write(buffer)
                } cutOff: { sequence in
                    try await writer.write(FeedMessage.cutOffNotice(sequence).serverSentEventBuffer())
                }
                try await writer.finish(nil)
            }
            return Response(
                status: .ok,
                headers: [
                    .contentType: "text/event-stream", .cacheControl: "no-store", .init("X-Accel-Buffering")!: "no",
                ],
                body: body)
        }
    }
}

extension FeedMessage {
    /// The message as a Server-Sent Event; its id is the sequence number to resume from.
    var serverSentEvent: String {
        switch self {
        case .event(let sequence, let kind, let json):
            "id: \(sequence)\nevent: \(kind)\ndata: \(json)\n\n"
        case .heartbeat(let sequence):
            "id: \(sequence)\nevent: heartbeat\ndata: \(webSocketText)\n\n"
        }
    }

    /// ``serverSentEvent`` written straight into a buffer of its size, without the string.
    func serverSentEventBuffer(allocator: ByteBufferAllocator = ByteBufferAllocator()) -> ByteBuffer {
        var buffer = allocator.buffer(capacity: serverSentEventBytes)
        buffer.writeString("id: ")
        buffer.writeString(String(sequence))
        switch self {
        case .event(_, let kind, let json):
            buffer.writeString("\nevent: ")
            buffer.writeString(kind)
            buffer.writeString("\ndata: ")
            buffer.writeString(json)
        case .heartbeat:
            buffer.writeString("\nevent: heartbeat\ndata: ")
            buffer.writeString(webSocketText)
        }
        buffer.writeString("\n\n")
        return buffer
    }

    /// The bytes of ``serverSentEvent``, reckoned without writing it.
    var serverSentEventBytes: Int {
        switch self {
        case .event(let sequence, let kind, let json):
            // "id: " N "\nevent: " kind "\ndata: " json "\n\n"
            21 + Self.digits(sequence) + kind.utf8.count + json.utf8.count
        case .heartbeat(let sequence):
            30 + Self.digits(sequence) + webSocketText.utf8.count
        }
    }

    private static func digits(_ number: Int64) -> Int {
        var count = 1
        var rest = number / 10
        while rest != 0 {
            count += 1
            rest /= 10
        }
        return number < 0 ? count + 1 : count
    }

    /// The message as a WebSocket text frame: the event's JSON, or a heartbeat object.
    var webSocketText: String {
        switch self {
        case .event(_, _, let json): json
        case .heartbeat(let sequence): #"{"kind":"heartbeat","sequence":\#(sequence)}"#
        }
    }

    /// The last message to a subscriber that fell too far behind.
    static func cutOffNotice(_ sequence: Int64) -> FeedMessage {
        .event(
            sequence: sequence, kind: "reconnect",
            json:
                #"{"kind":"reconnect","sequence":\#(sequence),"reason":"The connection fell too far behind; reconnect from this sequence number."}"#
        )
    }
}
