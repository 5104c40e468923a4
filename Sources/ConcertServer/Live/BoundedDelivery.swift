import ConcertCore
import Logging
import NIOCore
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
    ///
    /// On the server's own connections (``ServingChannel``) a write that waits for the socket
    /// longer than the stall timeout cuts the subscriber off, and a subscriber that is cut off or
    /// told the server is going away has the close grace to take its last messages; then its
    /// connection is closed, which ends the write that waits.
    func run(
        since: Int64,
        size: @escaping @Sendable (FeedMessage) -> Int = { $0.serverSentEventBytes },
        feed: @escaping @Sendable (_ queue: DeliveryQueue) async throws -> Void,
        deliver: (FeedMessage) async throws -> Void,
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
        defer {
            watchdog?.cancel()
            closing.withLock { $0?.cancel() }
            queue.close()
        }
        let logger = self.logger
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
            let lastSequence = try await Self.drain(queue, since: since, channel: channel, deliver: deliver)
            if queue.isCutOff { try await cutOff(lastSequence) }
            group.cancelAll()
        }
    }
}

extension BoundedDelivery {
    /// Writes what the queue holds, as it comes, until it is finished and empty; returns the
    /// sequence number of the last message written.
    ///
    /// A write returns once the channel's writer takes the message, and the writer learns that
    /// the socket is full only once the event loop has handled the writes before it: until then
    /// every write passes. So what was written counts as waiting until the loop has caught up
    /// with it (a barrier every 64 KiB, and whenever the queue runs empty); beyond that the
    /// channel holds no more than its own high-water mark.
    fileprivate static func drain(
        _ queue: DeliveryQueue, since: Int64, channel: (any Channel)?, deliver: (FeedMessage) async throws -> Void
    ) async throws -> Int64 {
        var unconfirmed = 0
        // However the delivery ends, what it held no longer waits.
        defer { if unconfirmed > 0 { queue.written(unconfirmed) } }
        var lastSequence = since
        while true {
            var next = queue.poll()
            if next == nil {
                if unconfirmed > 0 {
                    try await channel?.eventLoop.submit {}.get()
                    queue.written(unconfirmed)
                    unconfirmed = 0
                }
                next = await queue.next()
            }
            guard let (message, bytes) = next else { break }
            queue.writing(true)
            // Whether taken or not, the message counts as waiting until confirmed.
            unconfirmed += bytes
            do {
                defer { queue.writing(false) }
                try await deliver(message)
            }
            if channel == nil || unconfirmed >= 64 << 10 {
                try await channel?.eventLoop.submit {}.get()
                queue.written(unconfirmed)
                unconfirmed = 0
            }
            lastSequence = message.sequence
        }
        return lastSequence
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
        var items: [(FeedMessage, Int)] = []
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

    /// The next message and its bytes, if one waits.
    func poll() -> (FeedMessage, Int)? {
        state.withLock { Self.take(&$0) }
    }

    private static func take(_ state: inout State) -> (FeedMessage, Int)? {
        guard state.head < state.items.count else { return nil }
        let item = state.items[state.head]
        state.head += 1
        // Let go of what was taken once it is most of the array.
        if state.head >= 64 && state.head * 2 >= state.items.count {
            state.items.removeFirst(state.head)
            state.head = 0
        }
        return item
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
            let left = state.items[state.head...].reduce(0) { $0 + $1.1 }
            state.items = []
            state.head = 0
            return left
        }
        if left > 0 { bytes.written(left) }
        bytes.close()
    }
}
