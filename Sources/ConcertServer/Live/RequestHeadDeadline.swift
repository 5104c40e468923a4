import Logging
import NIOCore
import NIOHTTP1

/// Closes a connection whose client takes longer than a timeout to send a request's head: from
/// the moment the connection opens, and from the first byte of each later request.
///
/// A client that connects and sends nothing, or half a head, would otherwise hold its
/// connection for ever: nothing reaches the router, and the idle timeout of Hummingbird's
/// connection handler only starts with the first request. Two small handlers share the deadline:
/// one in front of the HTTP decoder, which sees the first byte of a request arrive, and one
/// behind it, which sees its head decoded. Between requests (after a request has been read
/// whole, until its client sends more) the idle timeout applies instead; while a response
/// streams, neither does. A connection whose first request asks to upgrade leaves both: an
/// upgraded connection is the live feed's, which bounds what it holds by itself, and a refused
/// one is answered and closed.
final class RequestHeadDeadline {
    let timeout: Duration
    let logger: Logger
    /// Whether the next bytes start a request head (no head since the last request ended).
    private var awaitingHead = true
    private var scheduled: Scheduled<Void>?
    private let eventLoop: any EventLoop

    init(timeout: Duration, eventLoop: any EventLoop, logger: Logger) {
        self.timeout = timeout
        self.eventLoop = eventLoop
        self.logger = logger
    }

    /// Adds the two handlers to a connection's pipeline: one first, one right after the HTTP
    /// decoder (in front of `handler`).
    static func install(
        on channel: any Channel, timeout: Duration, before handler: any ChannelHandler, logger: Logger
    ) throws {
        let deadline = RequestHeadDeadline(timeout: timeout, eventLoop: channel.eventLoop, logger: logger)
        let pipeline = channel.pipeline.syncOperations
        try pipeline.addHandler(RequestBytesWatch(deadline), position: .first)
        try pipeline.addHandler(RequestHeadWatch(deadline), position: .before(handler))
    }

    /// Starts the clock, unless it runs already or a head is not awaited.
    fileprivate func arm(_ context: ChannelHandlerContext) {
        guard awaitingHead, scheduled == nil, context.channel.isActive else { return }
        let channel = context.channel
        let logger = self.logger
        let timeout = self.timeout
        scheduled = eventLoop.assumeIsolatedUnsafeUnchecked().scheduleTask(in: .init(timeout)) {
            logger.debug("Closing a connection that sent no whole request head within \(timeout)")
            channel.close(promise: nil)
        }
    }

    fileprivate func headRead() {
        awaitingHead = false
        disarm()
    }

    fileprivate func requestRead() {
        awaitingHead = true
    }

    fileprivate func disarm() {
        scheduled?.cancel()
        scheduled = nil
    }
}

/// In front of the HTTP decoder: starts the head's clock when a connection opens and when a new
/// request's first bytes arrive.
final class RequestBytesWatch: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = ByteBuffer
    typealias InboundOut = ByteBuffer

    private let deadline: RequestHeadDeadline

    init(_ deadline: RequestHeadDeadline) {
        self.deadline = deadline
    }

    func handlerAdded(context: ChannelHandlerContext) {
        deadline.arm(context)
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        deadline.disarm()
    }

    func channelActive(context: ChannelHandlerContext) {
        deadline.arm(context)
        context.fireChannelActive()
    }

    func channelInactive(context: ChannelHandlerContext) {
        deadline.disarm()
        context.fireChannelInactive()
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        deadline.arm(context)
        context.fireChannelRead(data)
    }
}

/// Behind the HTTP decoder: stops the clock once a request's head is read, and lets the next
/// request's bytes start it again once this request has been read whole.
final class RequestHeadWatch: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPServerRequestPart
    typealias InboundOut = HTTPServerRequestPart

    private let deadline: RequestHeadDeadline
    private var first = true

    init(_ deadline: RequestHeadDeadline) {
        self.deadline = deadline
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .head(let head):
            deadline.headRead()
            defer { first = false }
            if first && head.headers.contains(name: "upgrade") {
                // Leave before the upgrade takes the decoder away: from then on raw bytes would
                // pass here.
                let pipeline = context.pipeline.syncOperations
                if let bytes = try? pipeline.handler(type: RequestBytesWatch.self) {
                    pipeline.removeHandler(bytes, promise: nil)
                }
                context.fireChannelRead(data)
                pipeline.removeHandler(context: context, promise: nil)
                return
            }
        case .body:
            break
        case .end:
            deadline.requestRead()
        }
        context.fireChannelRead(data)
    }
}
