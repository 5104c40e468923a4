import ConcertCore
import ConcertStorage
import HTTPTypes
import Hummingbird
import HummingbirdCore
import Logging
import NIOCore
import NIOHTTP1
import NIOHTTPTypes
import NIOHTTPTypesHTTP1
import NIOWebSocket

/// Decides who may open the live feed of an operation as a WebSocket, and opens it.
///
/// The upgrade happens only for a signed-in user (bearer token, or the session cookie from
/// Concert's own pages) whose agency may see the operation's board, from a sequence number the
/// operation has reached; any other upgrade request goes on to the HTTP route, which answers it
/// as it answers the event stream (401, 404, 422) with a problem detail.
struct LiveSocketAdmission: Sendable {
    /// What an admitted upgrade subscribes to.
    struct Ticket: Sendable {
        let operation: JointOperation
        let actor: Actor
        let since: Int64
        /// The SHA-256 of the session token that opened it.
        let tokenHash: String?
    }

    let store: any Store
    let authenticator: Authenticator
    let feed: LiveFeed
    /// A user who must set up a second factor first opens no feed.
    let secondFactor: SecondFactorPolicy
    let outboxes = LiveOutboxes()

    /// The subscription an upgrade request asks for, or nil when it must not upgrade.
    func admit(_ head: HTTPRequest) async -> Ticket? {
        let request = Request(head: head, body: .init(buffer: ByteBuffer()))
        let segments = request.uri.path.split(separator: "/")
        guard segments.count == 5, segments[0] == "api", segments[1] == "v1", segments[2] == "operations",
            segments[4] == "live", Identifier.isPlausible(String(segments[3])),
            let (user, viaCookie) = try? await AuthenticationMiddleware<ConcertRequestContext>.user(
                of: request, authenticator: authenticator),
            let user,
            // A browser sends its cookie with another site's WebSocket too: take it from Concert's pages only.
            !viaCookie || AuthenticationMiddleware<ConcertRequestContext>.isSameOrigin(request),
            await secondFactor.admits(user)
        else { return nil }
        let actor = Actor(user)
        guard
            let operation = try? await OperationGuard(store: store).operation(
                String(segments[3]), for: actor, .viewBoard),
            let since = try? LiveController.startingSequence(of: request),
            let latest = try? await store.latestSequence(operationId: operation.id), since <= latest
        else { return nil }
        return Ticket(
            operation: operation, actor: actor, since: since,
            tokenHash: AuthenticationMiddleware<ConcertRequestContext>.token(of: request).map(Authenticator.tokenHash))
    }

    /// Serves an upgraded channel: its last handler, and the subscription that feeds it.
    func open(_ ticket: Ticket, on channel: any Channel) throws {
        let handler = try LiveSocketConnection.install(
            on: channel, outbox: outboxes.outbox(for: channel.eventLoop), since: ticket.since, limits: feed.limits,
            gauge: feed.gauge)
        let connection = handler.connection
        handler.subscription = feed.start(
            operation: ticket.operation, actor: ticket.actor, since: ticket.since, outlet: connection,
            send: connection.send, ended: connection.ended)
        // The connection closes when the session that opened it ends (1008: policy violation).
        if let tokenHash = ticket.tokenHash {
            let watch = SessionWatch(
                store: store, tokenHash: tokenHash, interval: feed.limits.sessionCheck, keepAlive: authenticator)
            let watching = Task {
                try await watch.untilEnded()
                connection.close(.policyViolation, notice: #"{"kind":"sessionEnded"}"#)
            }
            channel.closeFuture.whenComplete { _ in watching.cancel() }
        }
    }
}

/// The connections of a Concert server: HTTP/1.1, whose requests go to the router, and the live
/// feed's WebSocket connections, which the feed writes to directly.
///
/// Hummingbird's WebSocket channel runs a task and async streams for each connection; with a
/// thousand subscribers to one operation that is a thousand wake-ups for each event and 30 KB
/// a connection. Here an upgraded connection is a plain NIO pipeline: the operation's pump
/// hands each frame to the connection's event loop, which writes it (``LiveSocketConnection``).
struct LiveServerChannel: ServerChildChannel, HTTPChannelHandler {
    enum UpgradeResult: Sendable {
        /// Upgraded: the connection lives on in its pipeline, with no task.
        case live
        /// A plain HTTP connection.
        case notUpgraded(NIOAsyncChannel<HTTPRequestPart, HTTPResponsePart>)
        /// An upgrade that was refused or not possible: its request goes to the router, which
        /// says why. (NIO does not pass such a request's head on down the pipeline, so
        /// ``FirstHeadRecorder`` keeps it.)
        case refused(NIOAsyncChannel<HTTPRequestPart, HTTPResponsePart>, HTTPRequest?)
    }

    struct Value: ServerChildChannelValue {
        let upgradeResult: EventLoopFuture<UpgradeResult>
        let channel: any Channel
    }

    /// How long a client may take over a request's head, and a kept-alive connection may wait
    /// for its next request.
    struct Timeouts: Sendable {
        /// From the connection's opening, or the first byte of a request after the last one, to
        /// the end of the request's head; nil for no limit.
        var requestHead: Duration?
        /// Between requests on a kept-alive connection, and between the parts of a request's
        /// body; nil for no limit. A response that is being written (such as the event stream) is
        /// never cut by it.
        var idle: Duration?
    }

    /// Answers a connection's requests; a later request on it that asks for an upgrade is sent
    /// to a new connection (NIO upgrades only a connection's first request).
    var responder: HTTPChannelHandler.Responder
    /// The router itself, for a refused upgrade.
    let routes: HTTPChannelHandler.Responder
    let admission: LiveSocketAdmission
    let timeouts: Timeouts
    let configuration = HTTP1Channel.Configuration()

    init(responder: @escaping HTTPChannelHandler.Responder, admission: LiveSocketAdmission, timeouts: Timeouts) {
        let routes = Self.servingChannel(responder)
        self.routes = routes
        self.responder = Self.redirectingUpgrades(to: routes)
        self.admission = admission
        self.timeouts = timeouts
    }

    func setup(channel: any Channel, logger: Logger) -> EventLoopFuture<Value> {
        let idleTimeout = timeouts.idle
        return channel.eventLoop.makeCompletedFuture {
            let firstHead = NIOLoopBoundBox<HTTPRequestHead?>(nil, eventLoop: channel.eventLoop)
            let admitted = NIOLoopBoundBox<LiveSocketAdmission.Ticket?>(nil, eventLoop: channel.eventLoop)
            let admission = self.admission
            let upgrader = NIOTypedWebSocketServerUpgrader<UpgradeResult>(
                maxFrameSize: 1 << 14,
                shouldUpgrade: { channel, head in
                    let request = try? HTTPRequest(head, secure: false, splitCookie: false)
                    let promise = channel.eventLoop.makePromise(of: LiveSocketAdmission.Ticket?.self)
                    promise.completeWithTask {
                        guard let request else { return nil }
                        return await admission.admit(request)
                    }
                    return promise.futureResult.map { ticket in
                        admitted.value = ticket
                        return ticket == nil ? nil : HTTPHeaders()
                    }
                },
                upgradePipelineHandler: { channel, _ in
                    channel.eventLoop.makeCompletedFuture {
                        try admission.open(admitted.value!, on: channel)
                        return UpgradeResult.live
                    }
                }
            )
            let upgrade = NIOTypedHTTPServerUpgradeConfiguration(
                upgraders: [upgrader],
                notUpgradingCompletionHandler: { channel in
                    channel.eventLoop.makeCompletedFuture {
                        try channel.pipeline.syncOperations.addHandler(HTTP1ToHTTPServerCodec(secure: false))
                        try channel.pipeline.syncOperations.addHandler(
                            HTTPConnectionStateHandler(idleTimeout: idleTimeout, logger: logger))
                        let asyncChannel = try NIOAsyncChannel<HTTPRequestPart, HTTPResponsePart>(
                            wrappingChannelSynchronously: channel,
                            configuration: .init(isOutboundHalfClosureEnabled: true))
                        // NIO passes a request on only when it did not ask to upgrade.
                        if let head = firstHead.value, head.headers.contains(name: "upgrade") {
                            return .refused(asyncChannel, try? HTTPRequest(head, secure: false, splitCookie: false))
                        }
                        return .notUpgraded(asyncChannel)
                    }
                })
            var pipeline = NIOUpgradableHTTPServerPipelineConfiguration<UpgradeResult>(upgradeConfiguration: upgrade)
            // As Hummingbird's own channels: pipelining, errors and header validation are its job.
            pipeline.enablePipelining = false
            pipeline.enableErrorHandling = false
            pipeline.enableResponseHeaderValidation = false
            pipeline.decoderConfiguration.maxHeaderFieldSize = configuration.httpDecoder.maxHeaderFieldSize
            pipeline.decoderConfiguration.maxHeaderListSize = configuration.httpDecoder.maxHeaderListSize
            pipeline.decoderConfiguration.maxHeaderFieldCount = configuration.httpDecoder.maxHeaderFieldCount
            let result = try channel.pipeline.syncOperations.configureUpgradableHTTPServerPipeline(
                configuration: pipeline)
            let upgradeHandler = try channel.pipeline.syncOperations.handler(
                type: NIOTypedHTTPServerUpgradeHandler<UpgradeResult>.self)
            try channel.pipeline.syncOperations.addHandler(
                FirstHeadRecorder(firstHead), position: .before(upgradeHandler))
            if let timeout = timeouts.requestHead {
                try RequestHeadDeadline.install(on: channel, timeout: timeout, before: upgradeHandler, logger: logger)
            }
            return Value(upgradeResult: result, channel: channel)
        }
    }

    func handle(value: Value, logger: Logger) async {
        do {
            switch try await value.upgradeResult.get() {
            case .live:
                return
            case .notUpgraded(let http1):
                await handleHTTP(asyncChannel: http1, logger: logger)
            case .refused(let http1, let head):
                await answerRefused(head, on: http1, logger: logger)
            }
        } catch {
            // The connection ended, or could not be read, before its first request was settled
            // (``FirstHeadRecorder`` has answered one that was not HTTP).
            logger.debug("A connection failed before its first request: \(error)")
            try? await value.channel.close()
        }
    }

    /// Answers a refused upgrade as the router answers its request (401, 404, 422 or 400, with
    /// a problem detail), then closes the connection.
    private func answerRefused(
        _ head: HTTPRequest?, on http1: NIOAsyncChannel<HTTPRequestPart, HTTPResponsePart>, logger: Logger
    ) async {
        do {
            try await http1.executeThenClose { _, outbound in
                guard var head else {
                    try await ResponseWriter(outbound: outbound).writeResponse(
                        HTTPResponse(status: .badRequest, headerFields: [.connection: "close", .contentLength: "0"]))
                    return
                }
                head.headerFields[.connection] = "close"
                let request = Request(head: head, body: .init(buffer: ByteBuffer()))
                try await routes(request, ResponseWriter(outbound: outbound), http1.channel)
            }
        } catch {
            logger.debug("A refused WebSocket upgrade could not be answered: \(error)")
        }
    }

    /// The router, with the channel it answers on known to the routes for the time of a request
    /// (``ServingChannel``).
    static func servingChannel(
        _ responder: @escaping HTTPChannelHandler.Responder
    ) -> HTTPChannelHandler.Responder {
        { request, writer, channel in
            var writer = Optional(writer)
            try await ServingChannel.$current.withValue(channel) {
                try await responder(request, writer.take()!, channel)
            }
        }
    }

    /// The router, except that an upgrade request that is not a connection's first is answered
    /// with a redirect to itself and a close, so that the client asks again on a new connection.
    static func redirectingUpgrades(
        to responder: @escaping HTTPChannelHandler.Responder
    )
        -> HTTPChannelHandler.Responder
    {
        struct Redirected: Error {}
        return { request, writer, channel in
            guard request.headers[.upgrade]?.lowercased() == "websocket" else {
                try await responder(request, writer, channel)
                return
            }
            var location = request.uri.path
            if let query = request.uri.query { location += "?\(query)" }
            try await writer.writeResponse(
                HTTPResponse(status: .temporaryRedirect, headerFields: [.connection: "close", .location: location]))
            throw Redirected()
        }
    }
}

/// Keeps a connection's first request head, then steps out of the pipeline: NIO's upgrade
/// handler does not pass on the head of a request that asked to upgrade and was not upgraded.
/// Until then it also answers a connection whose first bytes are not HTTP, which nothing
/// after it would (the router's channel is made only once a request is read).
final class FirstHeadRecorder: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPServerRequestPart
    typealias InboundOut = HTTPServerRequestPart

    private let firstHead: NIOLoopBoundBox<HTTPRequestHead?>

    init(_ firstHead: NIOLoopBoundBox<HTTPRequestHead?>) {
        self.firstHead = firstHead
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        // Kept before it is passed on: the upgrade handler may decide on it at once.
        guard case .head(let head) = unwrapInboundIn(data) else {
            context.fireChannelRead(data)
            return
        }
        firstHead.value = head
        context.fireChannelRead(data)
        context.pipeline.syncOperations.removeHandler(context: context, promise: nil)
    }

    /// A first request that is not HTTP never reaches a route: answer it here, with a problem
    /// detail, and close.
    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        guard error is HTTPParserError else {
            context.fireErrorCaught(error)
            return
        }
        let problem = ProblemDetail(status: .badRequest, detail: "The request could not be read as HTTP/1.1.")
        let body = ByteBuffer(string: (try? ConcertJSON.encodeToString(problem)) ?? #"{"status":400}"#)
        let headers = HTTPHeaders([
            ("Content-Type", "application/problem+json"), ("Content-Length", "\(body.readableBytes)"),
            ("Connection", "close"),
        ])
        context.write(
            wrapOutbound(.head(.init(version: .http1_1, status: .badRequest, headers: headers))), promise: nil)
        context.write(wrapOutbound(.body(.byteBuffer(body))), promise: nil)
        let channel = context.channel
        context.writeAndFlush(wrapOutbound(.end(nil))).whenComplete { _ in channel.close(promise: nil) }
    }

    private func wrapOutbound(_ part: HTTPServerResponsePart) -> NIOAny { NIOAny(part) }
}

/// The channel that the request being answered came on, for routes that must close it
/// themselves (an event stream whose client stopped reading).
enum ServingChannel {
    @TaskLocal static var current: (any Channel)?
}

extension HTTPServerBuilder {
    /// HTTP/1.1 for the router, and WebSocket upgrades for the live feed of `admission`.
    static func concert(_ admission: LiveSocketAdmission, timeouts: LiveServerChannel.Timeouts) -> HTTPServerBuilder {
        .init { responder in LiveServerChannel(responder: responder, admission: admission, timeouts: timeouts) }
    }
}

extension HTTPServerBuilder {
    /// HTTP/1.1 for Concert's router, with the live feed's WebSocket upgrades served by `liveFeed`
    /// (pass the one the router's event stream uses, so both share one read of the log per commit
    /// and one replay budget; its limits are the ones its subscribers get). The connections'
    /// timeouts are `configuration`'s. With `configuration.tls`, over TLS, with HTTP/2 beside.
    public static func concert(
        store: any Store, liveFeed: LiveFeed, configuration: ServerConfiguration = .init()
    ) -> HTTPServerBuilder {
        let admission = LiveSocketAdmission(
            store: store,
            authenticator: Authenticator(
                store: store, sessionLifetime: configuration.sessionLifetime,
                sessionIdleTimeout: configuration.sessionIdleTimeout),
            feed: liveFeed,
            secondFactor: SecondFactorPolicy(store: store, requiredEverywhere: configuration.requireSecondFactor))
        let timeouts = LiveServerChannel.Timeouts(
            requestHead: configuration.requestHeadTimeout, idle: configuration.idleTimeout)
        if let tls = configuration.tls { return .concertSecure(admission, timeouts: timeouts, tls: tls) }
        return .concert(admission, timeouts: timeouts)
    }
}
