import ConcertCore
import Logging
import NIOCore
import NIOHTTP2
import NIOHTTPTypesHTTP2
import ServiceLifecycle
import Synchronization

/// Runs a live feed apart from the connection it is delivered over (the event stream),
/// through a queue bounded in bytes.
///
/// The replay of what the subscriber missed is read page by page as its connection takes it;
/// a subscriber that reads too slowly to keep up live is cut off once its queue is full instead
/// of holding memory, and so is one whose socket takes nothing for the stall timeout. Either is
/// told the sequence number to resume from, after what was already queued for it. The feed also
/// ends on graceful shutdown and when the connection goes away.
struct BoundedDelivery {
    var limits = LiveFeedLimits()
    /// The feed's figures and replay budget; by default ones of its own.
    var gauge: LiveGauge?
    var logger = Logger(label: "concert.live")

    /// Delivers what `feed` hands to the queue with `deliver`, until the feed ends, the
    /// subscriber is cut off (then `cutOff` gets the last sequence delivered), the connection
    /// goes, or the server shuts down. `size` reckons the bytes a message takes on the wire.
    func run(
        since: Int64,
        size: @escaping @Sendable (FeedMessage) -> Int = { $0.serverSentEventBytes },
        feed: @escaping @Sendable (_ queue: DeliveryQueue) async throws -> Void,
        deliver: (FeedMessage) async throws -> Void,
        cutOff: (Int64) async throws -> Void
    ) async throws {
        try await run(since: since, size: size, encode: { $0 }, feed: feed, deliver: deliver, cutOff: cutOff)
    }

    /// Delivers what `feed` hands to the queue, each message made into what `deliver` writes by
    /// `encode` as it leaves the queue (so that the message is let go of while its write waits).
    ///
    /// On the server's own connections (``ServingChannel``) a write that waits for the socket
    /// longer than the stall timeout cuts the subscriber off, and a subscriber that is cut off or
    /// told the server is going away has the close grace to take its last messages; then its
    /// connection is closed, which ends the write that waits.
    func run<Encoded>(
        since: Int64,
        size: @escaping @Sendable (FeedMessage) -> Int = { $0.serverSentEventBytes },
        encode: @escaping (FeedMessage) -> Encoded,
        feed: @escaping @Sendable (_ queue: DeliveryQueue) async throws -> Void,
        deliver: (Encoded) async throws -> Void,
        cutOff: (Int64) async throws -> Void
    ) async throws {
        let channel = ServingChannel.current
        let limits = self.limits
        let closing = Mutex<Scheduled<Void>?>(nil)
        let queue = DeliveryQueue(
            limits: limits, gauge: gauge ?? LiveGauge(catchUpBudget: limits.catchUpBytes), size: size
        ) {
            guard let channel else { return }
            // Armed once, by whichever comes first: a cut-off or the shutdown.
            closing.withLock { closing in
                guard closing == nil else { return }
                closing = channel.eventLoop.scheduleTask(in: .init(limits.closeGrace)) { channel.close(promise: nil) }
            }
        }
        let watchdog = channel.map { channel in
            let every = TimeAmount(max(limits.stallTimeout / 4, .milliseconds(10)))
            return channel.eventLoop.scheduleRepeatedTask(initialDelay: every, delay: every) { _ in
                queue.cutOffIfStalled(after: limits.stallTimeout)
            }
        }
        // Tells what the socket has taken: a message counts as queued until then.
        var progress: Progress?
        if let channel {
            let handler = try await channel.eventLoop.submit { () -> NIOLoopBound<any WriteTracking> in
                // An HTTP/2 stream writes frames of its connection, HTTP/1.1 bytes of its socket.
                let handler: any WriteTracking
                if (try? channel.pipeline.syncOperations.handler(type: HTTP2FramePayloadToHTTPServerCodec.self)) != nil
                {
                    handler = WriteProgress<HTTP2Frame.FramePayload> { payload in
                        if case .data(let data) = payload { return data.data.readableBytes }
                        return 0
                    }
                } else {
                    handler = WriteProgress<IOData> { $0.readableBytes }
                }
                try channel.pipeline.syncOperations.addHandler(handler, position: .first)
                return NIOLoopBound(handler, eventLoop: channel.eventLoop)
            }.get()
            progress = Progress(channel: channel, handler: handler)
        }
        defer {
            watchdog?.cancel()
            closing.withLock { $0?.cancel() }
            queue.close()
            if let progress {
                progress.channel.eventLoop.execute {
                    progress.channel.pipeline.syncOperations.removeHandler(progress.handler.value, promise: nil)
                }
            }
        }
        let logger = self.logger
        let written = progress
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask {
                // Whatever ends the feed - shutdown, a cut-off, the subscriber leaving, or a
                // failure to read the log - the queue must finish, or the connection would
                // wait on it for ever and hold up the server's shutdown.
                defer { queue.finish() }
                do {
                    // On shutdown the queue finishes, which ends the delivery and cancels the
                    // feed; a handler costs no task, unlike cancelWhenGracefulShutdown's two.
                    try await withGracefulShutdownHandler {
                        try await feed(queue)
                    } onGracefulShutdown: {
                        queue.finish(closing: true)
                    }
                } catch is CancellationError, is DeliveryQueue.CutOff, is LiveSocketConnection.Closing {
                    return
                } catch {
                    logger.error("A live feed ended on an error: \(error)")
                }
            }
            let lastSequence = try await Self.drain(
                queue, since: since, progress: written, encode: encode, deliver: deliver)
            if queue.isCutOff { try await cutOff(lastSequence) }
            group.cancelAll()
        }
    }
}

extension BoundedDelivery {
    /// A connection's channel, and the handler in its pipeline that tells what its socket took.
    fileprivate struct Progress: Sendable {
        let channel: any Channel
        let handler: NIOLoopBound<any WriteTracking>
    }

    /// Writes what the queue holds, as it comes, until it is finished and empty; returns the
    /// sequence number of the last message written.
    ///
    /// A write returns once the channel's writer takes the message, which it does while the
    /// channel is below its high-water mark as far as the writer knows: it learns that the channel
    /// is full only once the event loop has handled the writes before. So a message leaves the
    /// queue only once the socket has taken it, as ``WriteProgress`` tells.
    fileprivate static func drain<Encoded>(
        _ queue: DeliveryQueue, since: Int64, progress: Progress?, encode: (FeedMessage) -> Encoded,
        deliver: (Encoded) async throws -> Void
    ) async throws -> Int64 {
        var lastSequence = since
        while let (encoded, sequence, bytes) = await queue.next(encode) {
            do {
                queue.writing(true)
                defer { queue.writing(false) }
                try await deliver(encoded)
            } catch {
                queue.written(bytes)
                throw error
            }
            if let progress {
                // After the write's own hop to the event loop, so that the mark counts it.
                progress.channel.eventLoop.execute {
                    progress.handler.value.whenTaken(on: progress.channel.eventLoop).whenComplete { _ in
                        queue.written(bytes)
                    }
                }
            } else {
                queue.written(bytes)
            }
            lastSequence = sequence
        }
        return lastSequence
    }
}

/// What tells when a connection has taken everything written to it so far.
protocol WriteTracking: ChannelHandler, RemovableChannelHandler {
    /// Succeeds once every byte written so far was taken. On the channel's event loop.
    func whenTaken(on loop: any EventLoop) -> EventLoopFuture<Void>
}

/// Counts the bytes a connection's channel passes on, first in the pipeline: tells when the
/// socket (over HTTP/2: the stream's connection) has taken everything written so far. `Frame`
/// is what the channel writes: bytes over HTTP/1.1, frames of a stream over HTTP/2.
final class WriteProgress<Frame>: ChannelOutboundHandler, WriteTracking {
    typealias OutboundIn = Frame
    typealias OutboundOut = Frame

    /// The bytes of content a write carries.
    private let size: (Frame) -> Int

    init(size: @escaping (Frame) -> Int) {
        self.size = size
    }

    /// Bytes written to the channel, and of those, taken by the socket (or dropped as it closed).
    private var issued = 0
    private var taken = 0
    private var waiting: [(mark: Int, promise: EventLoopPromise<Void>)] = []

    /// Succeeds once the socket has taken every byte written so far. On the channel's event loop.
    func whenTaken(on loop: any EventLoop) -> EventLoopFuture<Void> {
        guard taken < issued else { return loop.makeSucceededVoidFuture() }
        let promise = loop.makePromise(of: Void.self)
        waiting.append((issued, promise))
        return promise.futureResult
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        let waiting = self.waiting
        self.waiting = []
        for (_, promise) in waiting { promise.succeed() }
    }

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        let bytes = size(unwrapOutboundIn(data))
        issued += bytes
        let promise = promise ?? context.eventLoop.makePromise(of: Void.self)
        promise.futureResult.whenComplete { _ in self.took(bytes) }
        context.write(data, promise: promise)
    }

    private func took(_ bytes: Int) {
        taken += bytes
        while let first = waiting.first, first.mark <= taken {
            waiting.removeFirst()
            first.promise.succeed()
        }
    }
}

/// What waits for one event-stream subscriber's connection: the messages, in order, and their
/// bytes in a ``LiveQueue``.
///
/// The pump hands live messages over with ``send(_:)``; the replay with ``offer(_:)``, waiting
/// in ``waitForRoom(_:)`` when there is none; the connection takes them with ``next()``.
final class DeliveryQueue: CatchUpOutlet {
    /// Thrown to whoever hands a message to a subscriber that was cut off.
    struct CutOff: Error {}

    private struct State {
        /// What waits, from `head` on; slots before it were taken and are let go of at once.
        var items: [(FeedMessage, Int)?] = []
        /// Where the next message to take is in `items`.
        var head = 0
        var consumer: CheckedContinuation<(FeedMessage, Int)?, Never>?
        var finished = false
        var cutOff = false
        /// Since when the connection waits for its socket to take a message.
        var writingSince: ContinuousClock.Instant?
    }

    let bytes: LiveQueue
    var gauge: LiveGauge { bytes.gauge }
    private let size: @Sendable (FeedMessage) -> Int
    /// Told once the subscriber is cut off, or the server shuts down: the connection's time is running out.
    private let ending: @Sendable () -> Void
    private let state = Mutex(State())

    init(
        limits: LiveFeedLimits, gauge: LiveGauge, size: @escaping @Sendable (FeedMessage) -> Int,
        ending: @escaping @Sendable () -> Void = {}
    ) {
        self.bytes = LiveQueue(limits: limits, gauge: gauge)
        self.size = size
        self.ending = ending
    }

    var isCutOff: Bool { state.withLock { $0.cutOff } }

    /// Hands a live message over; throws ``CutOff`` (and cuts the subscriber off) when it would
    /// take the queue past its limit. Never waits: it is the pump's.
    func send(_ message: FeedMessage) throws {
        let bytes = size(message)
        if state.withLock({ $0.finished }) { throw CutOff() }
        guard self.bytes.admit(bytes) else {
            cut()
            throw CutOff()
        }
        push(message, bytes)
    }

    func offer(_ message: FeedMessage) throws -> Offer {
        let bytes = size(message)
        if state.withLock({ $0.finished }) { throw CutOff() }
        do {
            guard try self.bytes.admitReplay(bytes) else { return .wait(bytes: bytes) }
        } catch is QueueClosed {
            throw CutOff()
        }
        push(message, bytes)
        return .taken
    }

    func waitForRoom(_ bytes: Int) async throws {
        do {
            try await self.bytes.waitForRoom(bytes)
        } catch is Stalled {
            cut()
            throw CutOff()
        } catch is QueueClosed {
            throw CutOff()
        }
    }

    func finishReplay() {
        bytes.finishReplay()
    }

    private func push(_ message: FeedMessage, _ bytes: Int) {
        let consumer = state.withLock { state -> CheckedContinuation<(FeedMessage, Int)?, Never>? in
            if let consumer = state.consumer {
                state.consumer = nil
                return consumer
            }
            state.items.append((message, bytes))
            return nil
        }
        consumer?.resume(returning: (message, bytes))
    }

    private static func take(_ state: inout State) -> (FeedMessage, Int)? {
        guard state.head < state.items.count, let item = state.items[state.head] else { return nil }
        // Taken: its message must not stay alive in the array until the array is compacted.
        state.items[state.head] = nil
        state.head += 1
        // Let go of the slots taken once they are most of the array.
        if state.head == state.items.count {
            state.items.removeAll(keepingCapacity: true)
            state.head = 0
        } else if state.head >= 64 && state.head * 2 >= state.items.count {
            state.items.removeFirst(state.head)
            state.head = 0
        }
        return item
    }

    /// The next message as `encode` makes it, with its sequence number and bytes: the message
    /// itself is let go of here, before the connection waits to write what it was made into.
    func next<Encoded>(_ encode: (FeedMessage) -> Encoded) async -> (Encoded, Int64, Int)? {
        guard let (message, bytes) = await next() else { return nil }
        return (encode(message), message.sequence, bytes)
    }

    /// The next message and its bytes, once there is one; nil once the queue is finished and
    /// everything in it was taken.
    func next() async -> (FeedMessage, Int)? {
        await withTaskCancellationHandler {
            await withCheckedContinuation { (continuation: CheckedContinuation<(FeedMessage, Int)?, Never>) in
                let ready = state.withLock { state -> (FeedMessage, Int)?? in
                    if let item = Self.take(&state) { return .some(item) }
                    if state.finished { return .some(nil) }
                    state.consumer = continuation
                    return nil
                }
                if let ready { continuation.resume(returning: ready) }
            }
        } onCancel: {
            finish()
        }
    }

    /// Notes whether the connection waits for its socket to take a message.
    func writing(_ writing: Bool) {
        let now: ContinuousClock.Instant? = writing ? .now : nil
        state.withLock { $0.writingSince = now }
    }

    func written(_ bytes: Int) {
        self.bytes.written(bytes)
    }

    /// Cuts the subscriber off when its socket has taken nothing for `timeout`.
    func cutOffIfStalled(after timeout: Duration) {
        let stalled = state.withLock { state in
            state.writingSince.map { ContinuousClock.now - $0 >= timeout } ?? false
        }
        if stalled { cut() }
    }

    /// Takes nothing more: what is queued is still delivered, then the notice.
    private func cut() {
        let first = state.withLock { state -> Bool in
            defer { state.cutOff = true }
            return !state.cutOff
        }
        guard first else { return }
        gauge.countCutOff()
        finish()
        // A replay waiting for room stops.
        bytes.close()
        ending()
    }

    /// Takes nothing more; the connection takes what is queued, then ends. `closing` when the
    /// server shuts down: the connection's time then runs out.
    func finish(closing: Bool = false) {
        let consumer = state.withLock { state -> CheckedContinuation<(FeedMessage, Int)?, Never>? in
            state.finished = true
            defer { state.consumer = nil }
            return state.consumer
        }
        consumer?.resume(returning: nil)
        if closing { ending() }
    }

    /// Lets go of what was never taken, giving its bytes back.
    func close() {
        finish()
        let left = state.withLock { state -> Int in
            let left = state.items[state.head...].reduce(0) { $0 + ($1?.1 ?? 0) }
            state.items = []
            state.head = 0
            return left
        }
        if left > 0 { bytes.written(left) }
        bytes.close()
    }
}
