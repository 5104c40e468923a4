import ConcertCore
import ConcertStorage
import Hummingbird
import HummingbirdWebSocket

/// The live feed of an operation over WebSocket, on the same path as the Server-Sent Events.
///
/// The upgrade happens only for a signed-in user (bearer token or session cookie) whose agency
/// may see the operation's board; any other upgrade request falls through to the HTTP router,
/// which answers it as it answers the event stream (401, 404, 422).
public func buildWebSocketRouter(
    store: any Store, configuration: ServerConfiguration = .init(), liveFeed: LiveFeed? = nil
) -> Router<
    ConcertWebSocketContext
> {
    let router = Router(context: ConcertWebSocketContext.self)
    router.add(
        middleware: AuthenticationMiddleware<ConcertWebSocketContext>(
            authenticator: Authenticator(store: store, sessionLifetime: configuration.sessionLifetime)))
    let guarded = OperationGuard(store: store)
    let feed = liveFeed ?? LiveFeed(store: store)
    let delivery = BoundedDelivery()

    /// The operation and starting point of an upgrade request, or nil when it must not upgrade.
    @Sendable func subscription(
        _ request: Request, _ context: ConcertWebSocketContext
    ) async throws -> (
        JointOperation, Actor, Int64
    )? {
        guard let user = context.user, let id = context.parameters.get("operationId"), Identifier.isPlausible(id)
        else { return nil }
        let actor = Actor(user)
        guard let operation = try? await guarded.operation(id, for: actor, .viewBoard),
            let since = try? LiveController.startingSequence(of: request),
            since <= (try await store.latestSequence(operationId: operation.id))
        else { return nil }
        return (operation, actor, since)
    }

    router.ws("/api/v1/operations/:operationId/live") { request, context in
        try await subscription(request, context) == nil ? .dontUpgrade : .upgrade([:])
    } onUpgrade: { inbound, outbound, context in
        guard let (operation, actor, since) = try await subscription(context.request, context.requestContext) else {
            return
        }
        try await delivery.run(since: since) { send in
            try await feed.run(operation: operation, actor: actor, since: since, follow: true, send: send)
        } alongside: {
            // The subscriber sends nothing we act on; its closing the connection ends the feed.
            for try await _ in inbound {}
        } deliver: { message in
            try await outbound.write(.text(message.webSocketText))
        } cutOff: { sequence in
            try await outbound.write(.text(FeedMessage.cutOffNotice(sequence).webSocketText))
        }
    }
    return router
}
