import ConcertCore
import Logging
import ServiceLifecycle
import Synchronization

/// Runs a live feed apart from the connection it is delivered over, through a bounded buffer.
///
/// A subscriber that reads too slowly is cut off once the buffer is full instead of holding
/// memory, and is told the sequence number to resume from; the feed also ends on graceful
/// shutdown and when the connection goes away.
struct BoundedDelivery {
    /// How many messages may wait for a slow subscriber before it is cut off.
    var bufferSize = 1_024
    var logger = Logger(label: "concert.live")

    /// Delivers what `feed` produces with `deliver` until the feed ends, the subscriber falls
    /// too far behind (then `cutOff` gets the last sequence delivered), `alongside` ends (the
    /// subscriber left), or the server shuts down.
    ///
    /// `alongside` runs in the same task group as the feed, so that a WebSocket subscriber costs
    /// one group and two child tasks: its memory is what a thousand idle subscribers add up to.
    func run(
        since: Int64,
        feed: @escaping @Sendable (_ send: @escaping @Sendable (FeedMessage) throws -> Void) async throws -> Void,
        alongside: (@Sendable () async throws -> Void)? = nil,
        deliver: (FeedMessage) async throws -> Void,
        cutOff: (Int64) async throws -> Void
    ) async throws {
        let (messages, inbox) = AsyncStream<FeedMessage>.makeStream(bufferingPolicy: .bufferingOldest(bufferSize))
        let overflowed = Flag()
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask {
                // Whatever ends the feed - shutdown, a cut-off, the subscriber leaving, or a
                // failure to read the log - the stream must finish, or the connection would
                // wait on it for ever and hold up the server's shutdown.
                defer { inbox.finish() }
                do {
                    // On shutdown the stream finishes, which ends the delivery and cancels the
                    // feed; a handler costs no task, unlike cancelWhenGracefulShutdown's two.
                    try await withGracefulShutdownHandler {
                        try await feed { message in
                            if case .dropped = inbox.yield(message) {
                                overflowed.raise()
                                throw CancellationError()
                            }
                        }
                    } onGracefulShutdown: {
                        inbox.finish()
                    }
                } catch is CancellationError {
                    return
                } catch {
                    logger.error("A live feed ended on an error: \(error)")
                }
            }
            if let alongside {
                group.addTask {
                    // When the subscriber leaves, the feed stops and the stream finishes.
                    defer { inbox.finish() }
                    try? await alongside()
                }
            }
            var lastSequence = since
            for await message in messages {
                try await deliver(message)
                lastSequence = message.sequence
            }
            if overflowed.isRaised { try await cutOff(lastSequence) }
            group.cancelAll()
        }
    }
}

/// A flag raised by one task and read by another.
final class Flag: Sendable {
    private let state = Mutex(false)

    func raise() { state.withLock { $0 = true } }
    var isRaised: Bool { state.withLock { $0 } }
}
