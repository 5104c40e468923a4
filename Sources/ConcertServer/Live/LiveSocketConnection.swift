import ConcertCore
import NIOConcurrencyHelpers
import NIOCore
import NIOWebSocket
import Synchronization

/// One live WebSocket connection, as the feed sees it: messages are handed to it from the pump's
/// thread without waiting, and written to the socket on the connection's event loop.
///
/// No task serves it: the pump calls ``send(_:)``, which puts the message in its event loop's
/// ``LiveOutbox``; the loop writes what gathered there to every connection at once, encoding
/// each distinct message once for all the connections that get it. What was handed over and
/// not yet taken by the socket counts in bytes in the connection's ``LiveQueue``: a live message
/// that would take it past its limit is refused, so the pump detaches the connection, and it is
/// cut off with the sequence number to resume from. Its replay (``offer(_:)``) waits for the
/// socket instead, and is cut off the same way when the socket takes nothing for the stall
/// timeout.
final class LiveSocketConnection: CatchUpOutlet {
    /// Thrown to the pump by a connection that fell too far behind: the last sequence handed over.
    struct FellBehind: Error {
        let lastSequence: Int64
    }

    /// Thrown to the pump by a connection that is closing.
    struct Closing: Error {}

    let channel: any Channel
    let outbox: LiveOutbox
    /// What was handed over and not yet taken by the socket.
    let queue: LiveQueue
    /// How long the connection has, once told to close, before it is closed regardless.
    let closeGrace: Duration
    /// The sequence number of the last message handed over.
    private let lastSequence: Synchronization.Atomic<Int64>
    private let closing = Synchronization.Atomic<Bool>(false)
    /// How many of this connection's frames the outbox is writing in its current round, and the
    /// bytes of those written so far: touched only on the connection's event loop.
    private let round: NIOLoopBoundBox<(remaining: Int, bytes: Int)>
    /// Where encoded text frames enter the pipeline: just in front of the WebSocket frame
    /// encoder, so that one frame encoded once can be written to many connections.
    private let outlet: NIOLoopBoundBox<ChannelHandlerContext?>

    /// A connection of `channel`, not yet in its pipeline: see ``install(on:outbox:since:limits:gauge:)``.
    private init(channel: any Channel, outbox: LiveOutbox, since: Int64, limits: LiveFeedLimits, gauge: LiveGauge) {
        self.channel = channel
        self.outbox = outbox
        self.queue = LiveQueue(limits: limits, gauge: gauge)
        self.closeGrace = limits.closeGrace
        self.lastSequence = Synchronization.Atomic(since)
        self.round = NIOLoopBoundBox((0, 0), eventLoop: channel.eventLoop)
        self.outlet = NIOLoopBoundBox(nil, eventLoop: channel.eventLoop)
    }

    /// Makes the live connection of an upgraded channel, on its event loop: an outlet for
    /// encoded frames in front of the pipeline's ``WebSocketFrameEncoder``, and the
    /// ``LiveSocketHandler`` last. `since` is the sequence number the subscriber starts after;
    /// `gauge` is the feed's (by default one of its own).
    static func install(
        on channel: any Channel, outbox: LiveOutbox, since: Int64, limits: LiveFeedLimits = .init(),
        gauge: LiveGauge? = nil
    ) throws -> LiveSocketHandler {
        let connection = LiveSocketConnection(
            channel: channel, outbox: outbox, since: since, limits: limits,
            gauge: gauge ?? LiveGauge(catchUpBudget: limits.catchUpBytes))
        let pipeline = channel.pipeline.syncOperations
        let encoder = try pipeline.handler(type: WebSocketFrameEncoder.self)
        let outlet = EncodedFrameOutlet()
        try pipeline.addHandler(outlet, position: .before(encoder))
        connection.outlet.value = try pipeline.context(handler: outlet)
        let handler = LiveSocketHandler(connection: connection)
        try pipeline.addHandler(handler)
        return handler
    }

    /// The bytes of a message's text frame as a server sends it: header and payload.
    static func frameBytes(_ message: FeedMessage) -> Int {
        frameBytes(text: message.webSocketText.utf8.count)
    }

    static func frameBytes(text length: Int) -> Int {
        length + (length <= 125 ? 2 : length <= 0xFFFF ? 4 : 10)
    }

    /// Hands a live message over for writing; throws when the connection is closing or behind.
    func send(_ message: FeedMessage) throws {
        if closing.load(ordering: .relaxed) { throw Closing() }
        let text = message.webSocketText
        guard queue.admit(Self.frameBytes(text: text.utf8.count)) else {
            throw FellBehind(lastSequence: lastSequence.load(ordering: .relaxed))
        }
        lastSequence.store(message.sequence, ordering: .relaxed)
        outbox.enqueue(.init(connection: self, work: .text(text)))
    }

    /// Hands a replayed message over if the queue has room for it: for the connection's own
    /// catching-up task, which may replay far more than the queue holds and, unlike the pump,
    /// can wait.
    func offer(_ message: FeedMessage) throws -> Offer {
        if closing.load(ordering: .relaxed) { throw Closing() }
        let text = message.webSocketText
        let bytes = Self.frameBytes(text: text.utf8.count)
        do {
            guard try queue.admitReplay(bytes) else { return .wait(bytes: bytes) }
        } catch is QueueClosed {
            throw Closing()
        }
        lastSequence.store(message.sequence, ordering: .relaxed)
        outbox.enqueue(.init(connection: self, work: .text(text)))
        return .taken
    }

    /// Waits until the socket has taken enough for `bytes` more; a socket that takes nothing
    /// for the stall timeout has the connection cut off.
    func waitForRoom(_ bytes: Int) async throws {
        do {
            try await queue.waitForRoom(bytes)
        } catch is Stalled {
            throw FellBehind(lastSequence: lastSequence.load(ordering: .relaxed))
        } catch is QueueClosed {
            throw Closing()
        }
    }

    func finishReplay() {
        queue.finishReplay()
    }

    /// What to do once the feed lets the connection go: nothing when it left; a cut-off notice
    /// and a close when it fell behind; a close when the feed failed.
    func ended(_ error: (any Error)?) {
        switch error {
        case .none, is Closing:
            return
        case let behind as FellBehind:
            queue.gauge.countCutOff()
            let notice = FeedMessage.cutOffNotice(behind.lastSequence).webSocketText
            // 1013: try again later.
            close(WebSocketErrorCode(codeNumber: 1013), notice: notice)
        default:
            close(.unexpectedServerError, notice: nil)
        }
    }

    /// Closes the connection after what was handed over before, with a close frame.
    func close(_ code: WebSocketErrorCode, notice: String? = nil) {
        guard !closing.exchange(true, ordering: .relaxed) else { return }
        queue.close()
        outbox.enqueue(.init(connection: self, work: .close(code, notice: notice)))
    }

    /// Lets go of the pipeline once the channel is gone (on its event loop), so that nothing
    /// of the connection keeps the channel's handlers alive.
    fileprivate func detachOutlet() {
        outlet.value = nil
    }

    /// Marks the connection closing without writing anything more (the peer closed it).
    func markClosed() {
        closing.store(true, ordering: .relaxed)
        queue.close()
    }

    /// A whole text frame as a server sends it (final, unmasked): header and payload in one
    /// buffer, which any number of connections may write.
    static func encodedTextFrame(_ text: String, allocator: ByteBufferAllocator) -> ByteBuffer {
        let length = text.utf8.count
        var buffer = allocator.buffer(capacity: length + 10)
        buffer.writeInteger(UInt8(0x81))  // FIN, text
        switch length {
        case 0...125:
            buffer.writeInteger(UInt8(length))
        case 126...0xFFFF:
            buffer.writeInteger(UInt8(126))
            buffer.writeInteger(UInt16(length))
        default:
            buffer.writeInteger(UInt8(127))
            buffer.writeInteger(UInt64(length))
        }
        buffer.writeString(text)
        return buffer
    }

    // MARK: On the event loop, called by the outbox

    /// Counts one more of this connection's frames in the outbox's current round.
    fileprivate func expect() {
        round.value.remaining += 1
    }

    /// Writes one encoded text frame; the last frame of a round is flushed, and when the socket
    /// has taken it the round's bytes leave the queue. (Frames for a connection already gone
    /// leave it at once.)
    fileprivate func write(frame: ByteBuffer) {
        round.value.remaining -= 1
        round.value.bytes += frame.readableBytes
        let last = round.value.remaining == 0
        let outlet = outlet.value
        if last || outlet == nil {
            // Sent on, or dropped: either way these bytes no longer wait in the outbox.
            let bytes = round.value.bytes
            round.value.bytes = 0
            guard let outlet else {
                queue.written(bytes)
                return
            }
            let promise = channel.eventLoop.makePromise(of: Void.self)
            promise.futureResult.whenComplete { _ in self.queue.written(bytes) }
            outlet.writeAndFlush(NIOAny(frame), promise: promise)
        } else {
            outlet!.write(NIOAny(frame), promise: nil)
        }
    }

    /// Writes the last text frame (if any), then a close frame, then closes the connection; one
    /// whose socket does not take them within the close grace is closed regardless, dropping
    /// what still waits for it.
    fileprivate func write(close code: WebSocketErrorCode, notice: ByteBuffer?) {
        if let notice, let outlet = outlet.value { outlet.write(NIOAny(notice), promise: nil) }
        var data = channel.allocator.buffer(capacity: 2)
        data.write(webSocketErrorCode: code)
        let channel = self.channel
        channel.writeAndFlush(WebSocketFrame(fin: true, opcode: .connectionClose, data: data)).whenComplete { _ in
            channel.close(promise: nil)
        }
        let deadline = channel.eventLoop.scheduleTask(in: .init(closeGrace)) { channel.close(promise: nil) }
        channel.closeFuture.whenComplete { _ in deadline.cancel() }
    }
}

/// Passes encoded frames on towards the socket. It sits just in front of the WebSocket frame
/// encoder, so that what a connection writes here skips the encoder, while control frames
/// written at the pipeline's end still pass through it, in the order they were written.
final class EncodedFrameOutlet: ChannelOutboundHandler, RemovableChannelHandler {
    typealias OutboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer
}

/// The frames waiting for the connections of one event loop.
///
/// The pump hands a new event to a thousand connections one after the other; rather than a
/// thousand hops onto the event loops, the frames gather here and the loop writes them all in
/// one go, flushing each connection once.
final class LiveOutbox: Sendable {
    /// What to write to a connection.
    enum Work: Sendable {
        /// A text frame.
        case text(String)
        /// A last text frame (if any), then a close frame, then the connection closes.
        case close(WebSocketErrorCode, notice: String?)
    }

    struct Item: Sendable {
        let connection: LiveSocketConnection
        let work: Work
    }

    private struct Queue {
        var items: [Item] = []
        /// Whether the loop has been asked to write what gathers.
        var scheduled = false
    }

    let eventLoop: any EventLoop
    private let queue = Mutex(Queue())

    init(eventLoop: any EventLoop) {
        self.eventLoop = eventLoop
    }

    func enqueue(_ item: Item) {
        let schedule = queue.withLock { queue -> Bool in
            queue.items.append(item)
            defer { queue.scheduled = true }
            return !queue.scheduled
        }
        if schedule { eventLoop.execute { self.drain() } }
    }

    private func drain() {
        let items = queue.withLock { queue -> [Item] in
            defer {
                queue.items = []
                queue.scheduled = false
            }
            return queue.items
        }
        for item in items {
            if case .text = item.work { item.connection.expect() }
        }
        // A thousand connections mostly get the same few messages: each is encoded once.
        var frames = EncodedFrames(allocator: ByteBufferAllocator())
        for item in items {
            switch item.work {
            case .text(let text):
                item.connection.write(frame: frames.frame(of: text))
            case .close(let code, let notice):
                item.connection.write(close: code, notice: notice.map { frames.frame(of: $0) })
            }
        }
    }
}

/// The text frames encoded during one round of an outbox, by their text: the last few, which
/// is where the next connection's message almost always is.
struct EncodedFrames {
    let allocator: ByteBufferAllocator
    private var recent: [(text: String, frame: ByteBuffer)] = []

    init(allocator: ByteBufferAllocator) {
        self.allocator = allocator
    }

    /// The frame of `text`, encoded now unless it was among the last few.
    mutating func frame(of text: String) -> ByteBuffer {
        // The pump hands every subscriber who sees the same the same string: equal at a glance.
        if let found = recent.last(where: { $0.text == text }) { return found.frame }
        let frame = LiveSocketConnection.encodedTextFrame(text, allocator: allocator)
        if recent.count == 8 { recent.removeFirst() }
        recent.append((text, frame))
        return frame
    }
}

/// One outbox per event loop, for the connections of a server.
final class LiveOutboxes: Sendable {
    private let outboxes = Mutex<[ObjectIdentifier: LiveOutbox]>([:])

    /// The outbox of `eventLoop`, made on first use.
    func outbox(for eventLoop: any EventLoop) -> LiveOutbox {
        outboxes.withLock { outboxes in
            let key = ObjectIdentifier(eventLoop)
            if let outbox = outboxes[key] { return outbox }
            let outbox = LiveOutbox(eventLoop: eventLoop)
            outboxes[key] = outbox
            return outbox
        }
    }
}

/// The last handler of a live WebSocket connection: answers pings and the peer's close, ends the
/// subscription when the connection goes, and closes it cleanly when the server shuts down.
final class LiveSocketHandler: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = WebSocketFrame
    typealias OutboundOut = WebSocketFrame

    let connection: LiveSocketConnection
    /// Set on the event loop right after the handler is added.
    var subscription: LiveSubscription?

    init(connection: LiveSocketConnection) {
        self.connection = connection
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let frame = unwrapInboundIn(data)
        switch frame.opcode {
        case .ping:
            context.writeAndFlush(
                wrapOutboundOut(WebSocketFrame(fin: true, opcode: .pong, data: frame.unmaskedData)), promise: nil)
        case .connectionClose:
            // Answer the peer's close with its own code, then close.
            connection.markClosed()
            var data = frame.unmaskedData
            let code = data.readWebSocketErrorCode() ?? .normalClosure
            var reply = context.channel.allocator.buffer(capacity: 2)
            reply.write(webSocketErrorCode: code)
            let channel = context.channel
            context.writeAndFlush(wrapOutboundOut(WebSocketFrame(fin: true, opcode: .connectionClose, data: reply)))
                .whenComplete { _ in channel.close(promise: nil) }
        default:
            // The subscriber sends nothing the feed acts on.
            break
        }
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if event is ChannelShouldQuiesceEvent {
            connection.close(.goingAway)
        } else {
            context.fireUserInboundEventTriggered(event)
        }
    }

    func channelInactive(context: ChannelHandlerContext) {
        connection.markClosed()
        connection.detachOutlet()
        subscription?.cancel()
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        context.close(promise: nil)
    }
}
