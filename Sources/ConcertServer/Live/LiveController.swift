import ConcertCore
import ConcertStorage
import Hummingbird
import ServiceLifecycle
import Synchronization

/// The live feed of an operation over Server-Sent Events.
struct LiveController {
    let guarded: OperationGuard
    let feed: LiveFeed
    /// How many messages may wait for a slow subscriber before it is cut off.
    var bufferSize = 1_024

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
            let follow = request.uri.queryParameters.get("follow") != "false"
            let feed = self.feed
            let bufferSize = self.bufferSize
            let body = ResponseBody { writer in
                // The feed runs apart from the socket, through a bounded buffer: a subscriber
                // that reads too slowly is cut off once the buffer is full instead of holding
                // memory, and told the sequence number to resume from.
                let (messages, inbox) = AsyncStream<FeedMessage>.makeStream(
                    bufferingPolicy: .bufferingOldest(bufferSize))
                let overflowed = ManagedAtomicFlag()
                try await withThrowingTaskGroup(of: Void.self) { group in
                    group.addTask {
                        do {
                            try await cancelWhenGracefulShutdown {
                                try await feed.run(operation: operation, actor: actor, since: since, follow: follow) {
                                    message in
                                    if case .dropped = inbox.yield(message) {
                                        overflowed.set()
                                        throw CancellationError()
                                    }
                                }
                            }
                        } catch is CancellationError {
                            // Shutting down, cut off, or the client left: end the stream.
                        }
                        inbox.finish()
                    }
                    var lastSequence = since
                    for await message in messages {
                        try await writer.write(ByteBuffer(string: message.serverSentEvent))
                        lastSequence = message.sequence
                    }
                    if overflowed.isSet {
                        try await writer.write(
                            ByteBuffer(
                                string:
                                    "event: reconnect\ndata: {\"sequence\":\(lastSequence),\"reason\":\"The connection fell too far behind; reconnect from this sequence number.\"}\n\n"
                            ))
                    }
                    group.cancelAll()
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
            "id: \(sequence)\nevent: heartbeat\ndata: {\"sequence\":\(sequence)}\n\n"
        }
    }
}

/// A flag set once, read from another task.
final class ManagedAtomicFlag: Sendable {
    private let state = Mutex(false)

    func set() { state.withLock { $0 = true } }
    var isSet: Bool { state.withLock { $0 } }
}
