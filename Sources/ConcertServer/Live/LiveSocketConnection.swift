import ConcertCore
import NIOConcurrencyHelpers
import NIOCore
import NIOWebSocket
import Synchronization

/// One live WebSocket connection, as the feed sees it: messages are handed to it from the pump's
/// thread without waiting, and written to the socket on the connection's event loop.
///
/// No task serves it: the pump calls ``send(_:)``, which puts the frame in its event loop's
/// ``LiveOutbox``; the loop writes what gathered there to every connection at once. A connection
/// more than `limit` messages behind (handed over, not yet taken by its socket) refuses the next
/// one, so the pump detaches it, and it is cut off with the sequence number to resume from.
final class LiveSocketConnection: Sendable {
    /// Thrown to the pump by a connection that fell too far behind: the last sequence handed over.
    struct FellBehind: Error {
        let lastSequence: Int64
    }

    /// Thrown to the pump by a connection that is closing.
    struct Closing: Error {}

    let channel: any Channel
    let outbox: LiveOutbox
    /// How many messages may wait for the socket before the connection is cut off.
    let limit: Int
    /// How few messages may be waiting for the socket before a catching-up task hands over more.
    private var room: Int { max(1, limit / 2) }
    /// Messages handed over and not yet written to the socket.
    private let pending = Synchronization.Atomic<Int>(0)
    /// The sequence number of the last message handed over.
    private let lastSequence: Synchronization.Atomic<Int64>
    private let closing = Synchronization.Atomic<Bool>(false)
    /// The catching-up task waiting for room, if any.
    private let waiting = Mutex<CheckedContinuation<Void, any Error>?>(nil)
    /// How many of this connection's frames the outbox is writing in its current round, and how
    /// many it has written: touched only on the connection's event loop.
    private let round: NIOLoopBoundBox<(remaining: Int, written: Int)>

    init(channel: any Channel, outbox: LiveOutbox, since: Int64, limit: Int = 1_024) {
        self.channel = channel
        self.outbox = outbox
        self.limit = limit
        self.lastSequence = Synchronization.Atomic(since)
        self.round = NIOLoopBoundBox((0, 0), eventLoop: channel.eventLoop)
    }

    /// Hands a message over for writing; throws when the connection is closing or behind.
    func send(_ message: FeedMessage) throws {
        if closing.load(ordering: .relaxed) { throw Closing() }
        if pending.wrappingAdd(1, ordering: .relaxed).newValue > limit {
            pending.wrappingSubtract(1, ordering: .relaxed)
            throw FellBehind(lastSequence: lastSequence.load(ordering: .relaxed))
        }
        lastSequence.store(message.sequence, ordering: .relaxed)
        outbox.enqueue(.init(connection: self, work: .frame(Self.textFrame(message.webSocketText))))
    }

    /// Hands a message over, first waiting while half the limit is still waiting for the
    /// socket: for the connection's own catching-up task, which may replay far more than the
    /// limit and, unlike the pump, can wait.
    func sendWhenRoom(_ message: FeedMessage) async throws {
        while pending.load(ordering: .relaxed) >= room {
            try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, any Error>) in
                let answer = waiting.withLock { waiting -> Result<Void, any Error>? in
                    if closing.load(ordering: .relaxed) { return .failure(Closing()) }
                    // Taken meanwhile: no need to wait.
                    if pending.load(ordering: .relaxed) < room { return .success(()) }
                    waiting = continuation
                    return nil
                }
                if let answer { continuation.resume(with: answer) }
            }
        }
        try send(message)
    }

    /// Resumes a catching-up task that waits for room, once there is (or with an error).
    private func wakeWaiting(_ error: (any Error)? = nil) {
        let continuation = waiting.withLock { waiting -> CheckedContinuation<Void, any Error>? in
            guard error != nil || pending.load(ordering: .relaxed) < room else { return nil }
            defer { waiting = nil }
            return waiting
        }
        if let error { continuation?.resume(throwing: error) } else { continuation?.resume() }
    }

    /// What to do once the feed lets the connection go: nothing when it left; a cut-off notice
    /// and a close when it fell behind; a close when the feed failed.
    func ended(_ error: (any Error)?) {
        switch error {
        case .none, is Closing:
            return
        case let behind as FellBehind:
            let notice = FeedMessage.cutOffNotice(behind.lastSequence).webSocketText
            // 1013: try again later.
            close(WebSocketErrorCode(codeNumber: 1013), notice: Self.textFrame(notice))
        default:
            close(.unexpectedServerError, notice: nil)
        }
    }

    /// Closes the connection after what was handed over before, with a close frame.
    func close(_ code: WebSocketErrorCode, notice: ByteBuffer? = nil) {
        guard !closing.exchange(true, ordering: .relaxed) else { return }
        wakeWaiting(Closing())
        outbox.enqueue(.init(connection: self, work: .close(code, notice: notice)))
    }

    /// Marks the connection closing without writing anything more (the peer closed it).
    func markClosed() {
        closing.store(true, ordering: .relaxed)
        wakeWaiting(Closing())
    }

    /// A text frame's payload, with room in front for the frame header, so the encoder writes
    /// header and payload as one buffer.
    static func textFrame(_ text: String) -> ByteBuffer {
        let headroom = 10
        var buffer = ByteBufferAllocator().buffer(capacity: headroom + text.utf8.count)
        buffer.moveWriterIndex(forwardBy: headroom)
        buffer.moveReaderIndex(forwardBy: headroom)
        buffer.writeString(text)
        return buffer
    }

    // MARK: On the event loop, called by the outbox

    /// Counts one more of this connection's frames in the outbox's current round.
    fileprivate func expect() {
        round.value.remaining += 1
    }

    /// Writes one piece of work; the last frame of a round is flushed, and when the socket has
    /// taken it the round's frames no longer count as pending.
    fileprivate func write(_ work: LiveOutbox.Work) {
        switch work {
        case .frame(let payload):
            let frame = WebSocketFrame(fin: true, opcode: .text, data: payload)
            round.value.remaining -= 1
            round.value.written += 1
            guard round.value.remaining == 0 else {
                channel.write(frame, promise: nil)
                return
            }
            let written = round.value.written
            round.value.written = 0
            let promise = channel.eventLoop.makePromise(of: Void.self)
            promise.futureResult.whenComplete { _ in
                self.pending.wrappingSubtract(written, ordering: .relaxed)
                self.wakeWaiting()
            }
            channel.writeAndFlush(frame, promise: promise)
        case .close(let code, let notice):
            if let notice { channel.write(WebSocketFrame(fin: true, opcode: .text, data: notice), promise: nil) }
            var data = channel.allocator.buffer(capacity: 2)
            data.write(webSocketErrorCode: code)
            let channel = self.channel
            channel.writeAndFlush(WebSocketFrame(fin: true, opcode: .connectionClose, data: data)).whenComplete { _ in
                channel.close(promise: nil)
            }
        }
    }
}

/// The frames waiting for the connections of one event loop.
///
/// The pump hands a new event to a thousand connections one after the other; rather than a
/// thousand hops onto the event loops, the frames gather here and the loop writes them all in
/// one go, flushing each connection once.
final class LiveOutbox: Sendable {
    /// What to write to a connection.
    enum Work: Sendable {
        /// A text frame's payload.
        case frame(ByteBuffer)
        /// A last text frame (if any), then a close frame, then the connection closes.
        case close(WebSocketErrorCode, notice: ByteBuffer?)
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
            if case .frame = item.work { item.connection.expect() }
        }
        for item in items { item.connection.write(item.work) }
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
        subscription?.cancel()
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        context.close(promise: nil)
    }
}
