import Synchronization

/// How much the live feed lets wait for its subscribers' sockets, and for how long.
///
/// A subscriber's queue holds what was handed to its connection and not yet taken by its
/// socket, in bytes: a live subscriber whose queue would pass `subscriberBytes` is cut off with
/// the sequence number to resume from; one replaying what it missed fills at most half of it
/// (leaving the rest for the live messages that follow) and then waits for its socket,
/// reading the next page of the log only once there is room, and is cut off when its socket
/// takes nothing for `stallTimeout`. A subscriber that never reads so costs at most
/// `subscriberBytes`, and all replays together at most `catchUpBytes`.
public struct LiveFeedLimits: Sendable, Equatable {
    /// Bytes that may wait for one subscriber's socket (4 MiB). One message larger than this is
    /// still sent, alone.
    public var subscriberBytes: Int
    /// Bytes of replayed events that may wait for sockets across the server (128 MiB): each
    /// replay is its subscriber's own copy, whereas live events are shared by every subscriber.
    /// A replay that finds it spent waits its turn.
    public var catchUpBytes: Int
    /// How long a replaying subscriber's socket may take nothing while its queue is full before
    /// it is cut off (30 s).
    public var stallTimeout: Duration
    /// How long a connection that is cut off, or told that the server is going away, has to take
    /// what it was sent and its last frame before it is closed regardless (10 s).
    public var closeGrace: Duration
    /// How often an open feed asks whether the session that opened it still holds (10 s): one
    /// signed out, ended by an administrator, of an account disabled or given a new password,
    /// or expired ends its feeds within this time.
    public var sessionCheck: Duration

    /// Creates limits; the defaults suit a server with a few thousand subscribers.
    public init(
        subscriberBytes: Int = 4 << 20, catchUpBytes: Int = 128 << 20, stallTimeout: Duration = .seconds(30),
        closeGrace: Duration = .seconds(10), sessionCheck: Duration = .seconds(10)
    ) {
        self.subscriberBytes = subscriberBytes
        self.catchUpBytes = catchUpBytes
        self.stallTimeout = stallTimeout
        self.closeGrace = closeGrace
        self.sessionCheck = sessionCheck
    }
}

/// Thrown to a replay whose subscriber's socket took nothing for the stall timeout.
struct Stalled: Error {}

/// Thrown to whoever hands a message to a subscriber whose connection is closing.
struct QueueClosed: Error {}

/// The live feed's figures across its subscribers, and the budget that all replays share.
///
/// Tests read the figures to check what waits for sockets, rather than timing anything.
final class LiveGauge: Sendable {
    private struct Budget {
        var used = 0
        var highest = 0
        /// Replays waiting for the budget, first come first served.
        var waiting: [LiveQueue] = []
    }

    /// Bytes of replayed events that may wait for sockets across the server.
    let catchUpBudget: Int
    private let budget = Mutex(Budget())
    private let largest = Atomic<Int>(0)
    private let cutOffs = Atomic<Int>(0)

    init(catchUpBudget: Int) {
        self.catchUpBudget = catchUpBudget
    }

    /// The most bytes any one subscriber's queue has held.
    var largestQueue: Int { largest.load(ordering: .relaxed) }
    /// Bytes of replayed events waiting for sockets now.
    var catchUpQueued: Int { budget.withLock { $0.used } }
    /// The most bytes of replayed events that have waited for sockets at once.
    var largestCatchUp: Int { budget.withLock { $0.highest } }
    /// How many subscribers were cut off for falling behind or stalling.
    var cutOffCount: Int { cutOffs.load(ordering: .relaxed) }

    func countCutOff() {
        cutOffs.add(1, ordering: .relaxed)
    }

    /// Notes that a queue holds `bytes`.
    func observe(_ bytes: Int) {
        // Read first: the maximum rarely moves, and a plain read of it costs a thousand
        // subscribers nothing.
        var current = largest.load(ordering: .relaxed)
        while bytes > current {
            let (exchanged, original) = largest.compareExchange(
                expected: current, desired: bytes, ordering: .relaxed)
            if exchanged { return }
            current = original
        }
    }

    /// Whether `bytes` of `queue`'s replay would fit now: the budget has room (an unused one takes
    /// any one message) and no one waits before it.
    func hasRoom(_ bytes: Int, for queue: LiveQueue) -> Bool {
        budget.withLock { budget in
            Self.fits(bytes, queue, budget, catchUpBudget)
        }
    }

    /// Takes `bytes` of the budget for `queue`'s replay, if they fit; it then leaves the line.
    /// Returns whom to wake next (once the caller holds no lock): whoever is next in line may fit
    /// in what is left.
    func reserve(_ bytes: Int, for queue: LiveQueue) -> (reserved: Bool, next: LiveQueue?) {
        budget.withLock { budget -> (Bool, LiveQueue?) in
            guard Self.fits(bytes, queue, budget, catchUpBudget) else { return (false, nil) }
            budget.used += bytes
            budget.highest = max(budget.highest, budget.used)
            if budget.waiting.first === queue { budget.waiting.removeFirst() }
            return (true, budget.used < catchUpBudget ? budget.waiting.first : nil)
        }
    }

    /// Gives back bytes a socket has taken, and wakes the first replay in line.
    func release(_ bytes: Int) {
        let next = budget.withLock { budget -> LiveQueue? in
            budget.used -= bytes
            return budget.waiting.first
        }
        next?.wake()
    }

    /// Puts `queue` in line for the budget (once).
    func wait(_ queue: LiveQueue) {
        budget.withLock { budget in
            if !budget.waiting.contains(where: { $0 === queue }) { budget.waiting.append(queue) }
        }
    }

    /// Takes `queue` out of the line, as its connection closes.
    func leave(_ queue: LiveQueue) {
        let next = budget.withLock { budget -> LiveQueue? in
            guard let index = budget.waiting.firstIndex(where: { $0 === queue }) else { return nil }
            budget.waiting.remove(at: index)
            return index == 0 ? budget.waiting.first : nil
        }
        next?.wake()
    }

    private static func fits(_ bytes: Int, _ queue: LiveQueue, _ budget: Budget, _ limit: Int) -> Bool {
        if let first = budget.waiting.first, first !== queue { return false }
        return budget.used == 0 || budget.used + bytes <= limit
    }
}

/// The bytes handed to one subscriber's connection and not yet taken by its socket.
///
/// The pump hands live messages over with ``admit(_:)``, which never waits and refuses what
/// would take the queue past its limit: the subscriber is then cut off. A replay hands over
/// with ``admitReplay(_:)`` while the queue is under half its limit (the other half is for the
/// live messages that follow it) and otherwise waits in ``waitForRoom(_:)`` until the socket
/// has taken it down to a quarter (and the server's replay budget has room), or until the
/// stall timeout passes with the socket taking nothing. The connection reports what its socket
/// took with ``written(_:)``.
final class LiveQueue: Sendable {
    private struct State {
        /// Bytes of the replay among those queued: they are the oldest, so the socket takes
        /// them first.
        var replayed = 0
        var waiter: CheckedContinuation<Void, any Error>?
        /// Set by a wake-up that found no one suspended yet, while a replay waits for room.
        var woken = false
        var waiting = false
        var closed = false
    }

    /// Bytes that may wait for the socket.
    let limit: Int
    let stallTimeout: Duration
    let gauge: LiveGauge
    private let queued = Atomic<Int>(0)
    /// Counts the times the socket took something, for telling a stalled socket from a slow one.
    private let progress = Atomic<Int>(0)
    private let state = Mutex(State())

    init(limits: LiveFeedLimits, gauge: LiveGauge) {
        self.limit = limits.subscriberBytes
        self.stallTimeout = limits.stallTimeout
        self.gauge = gauge
    }

    /// Bytes waiting for the socket now.
    var bytes: Int { queued.load(ordering: .relaxed) }

    /// Counts `bytes` of a live message as queued, unless they would take the queue past its
    /// limit (a message larger than the limit goes when nothing else waits). Never waits.
    func admit(_ bytes: Int) -> Bool {
        let after = queued.wrappingAdd(bytes, ordering: .relaxed).newValue
        if after > limit && after != bytes {
            queued.wrappingSubtract(bytes, ordering: .relaxed)
            return false
        }
        gauge.observe(after)
        return true
    }

    /// Counts `bytes` of a replayed message as queued if they fit now, in half this queue and in
    /// the server's replay budget; false when the replay must wait for room first.
    func admitReplay(_ bytes: Int) throws -> Bool {
        let (admitted, next) = try state.withLock { state -> (Bool, LiveQueue?) in
            if state.closed { throw QueueClosed() }
            let current = queued.load(ordering: .relaxed)
            guard current == 0 || current + bytes <= limit / 2 else { return (false, nil) }
            let (reserved, next) = gauge.reserve(bytes, for: self)
            guard reserved else { return (false, nil) }
            // Counted as replayed before the bytes can reach the socket.
            state.replayed += bytes
            gauge.observe(queued.wrappingAdd(bytes, ordering: .relaxed).newValue)
            return (true, next)
        }
        // Woken with no lock held: the next one takes its own lock, then the budget's.
        next?.wake()
        return admitted
    }

    /// Returns once a replayed message of `bytes` fits: the socket has taken what waits down to a
    /// quarter of the limit (or all of it), and the replay budget has room. Throws ``Stalled`` when the
    /// socket takes nothing for the stall timeout while something waits for it, and
    /// ``QueueClosed`` when the connection closes.
    func waitForRoom(_ bytes: Int) async throws {
        state.withLock { $0.waiting = true }
        // One timer for the whole wait: it wakes the replay a few times per stall timeout, so
        // that a socket that took nothing is noticed without a timer for every wake-up.
        let interval = max(stallTimeout / 4, .milliseconds(10))
        let ticker = Task {
            while !Task.isCancelled {
                try? await Task.sleep(for: interval)
                self.wake()
            }
        }
        var ready = false
        defer {
            ticker.cancel()
            state.withLock { state in
                state.waiting = false
                state.woken = false
            }
            // Whoever gives up waiting must not hold up the line; one that may go now stays
            // first until it takes its bytes.
            if !ready { gauge.leave(self) }
        }
        var seen = progress.load(ordering: .relaxed)
        var deadline = ContinuousClock.now + stallTimeout
        while true {
            try Task.checkCancellation()
            ready = try state.withLock { state -> Bool in
                if state.closed { throw QueueClosed() }
                let current = queued.load(ordering: .relaxed)
                if current == 0 || (current <= limit / 4 && current + bytes <= limit / 2) {
                    if gauge.hasRoom(bytes, for: self) { return true }
                    gauge.wait(self)
                }
                return false
            }
            if ready { return }
            try await withTaskCancellationHandler {
                try await suspend()
            } onCancel: {
                self.wake()
            }
            let taken = progress.load(ordering: .relaxed)
            if taken != seen {
                seen = taken
                deadline = ContinuousClock.now + stallTimeout
            } else if ContinuousClock.now >= deadline {
                // Waiting only for the budget, with nothing of its own queued, is not stalling.
                if queued.load(ordering: .relaxed) > 0 { throw Stalled() }
                deadline = ContinuousClock.now + stallTimeout
            }
        }
    }

    /// Takes this queue out of the line for the replay budget, once its replay is over.
    func finishReplay() {
        gauge.leave(self)
    }

    private func suspend() async throws {
        try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, any Error>) in
            let resume = state.withLock { state -> Result<Void, any Error>? in
                if state.closed { return .failure(QueueClosed()) }
                if state.woken {
                    state.woken = false
                    return .success(())
                }
                state.waiter = continuation
                return nil
            }
            if let resume { continuation.resume(with: resume) }
        }
    }

    /// Resumes a replay waiting for room, to look again.
    func wake() {
        let waiter = state.withLock { state -> CheckedContinuation<Void, any Error>? in
            guard let waiter = state.waiter else {
                if state.waiting { state.woken = true }
                return nil
            }
            state.waiter = nil
            return waiter
        }
        waiter?.resume()
    }

    /// The socket took `bytes` (or they were dropped as the connection closed).
    func written(_ bytes: Int) {
        queued.wrappingSubtract(bytes, ordering: .relaxed)
        progress.wrappingAdd(1, ordering: .relaxed)
        let (released, waiter) = state.withLock { state -> (Int, CheckedContinuation<Void, any Error>?) in
            let released = min(bytes, state.replayed)
            state.replayed -= released
            let waiter = state.waiter
            state.waiter = nil
            if waiter == nil && state.waiting { state.woken = true }
            return (released, waiter)
        }
        if released > 0 { gauge.release(released) }
        waiter?.resume()
    }

    /// Refuses anything more and fails a waiting replay. What is still queued keeps its share
    /// of the replay budget until the socket takes it or the connection drops it
    /// (``written(_:)``): it is still held.
    func close() {
        let waiter = state.withLock { state -> CheckedContinuation<Void, any Error>? in
            state.closed = true
            defer { state.waiter = nil }
            return state.waiter
        }
        gauge.leave(self)
        waiter?.resume(throwing: QueueClosed())
    }
}

/// Where a subscriber's replay of what it missed goes: its connection's queue, which takes a
/// message at once while it fits and otherwise has the replay wait for the socket.
protocol CatchUpOutlet: Sendable {
    /// Hands `message` over if it fits now; otherwise says how many bytes it needs room for.
    func offer(_ message: FeedMessage) throws -> Offer
    /// Returns once a message of `bytes` fits; throws when the subscriber is cut off or gone.
    func waitForRoom(_ bytes: Int) async throws
    /// Told once the replay is over, before the pump takes the subscriber on.
    func finishReplay()
}

/// What came of offering a replayed message to a connection.
enum Offer: Equatable {
    case taken
    /// Not taken: wait for room for this many bytes, then offer it again.
    case wait(bytes: Int)
}

extension CatchUpOutlet {
    /// Hands `message` over, waiting for room if need be.
    func deliver(_ message: FeedMessage) async throws {
        while case .wait(let bytes) = try offer(message) {
            try await waitForRoom(bytes)
        }
    }
}

/// An outlet that takes everything at once: for subscribers that need no limit (in-process
/// readers and tests).
struct ImmediateOutlet: CatchUpOutlet {
    let send: @Sendable (FeedMessage) throws -> Void

    func offer(_ message: FeedMessage) throws -> Offer {
        try send(message)
        return .taken
    }

    func waitForRoom(_ bytes: Int) async throws {}

    func finishReplay() {}
}
