import Synchronization

/// Wakes whoever follows an operation's events when a change to it has been committed.
///
/// It carries no events, only the news that there are new ones: followers read them from the
/// event log, so nothing is ever seen that was not committed, and a follower that missed a
/// signal loses nothing (it reads from its own last sequence number).
public final class EventSignal: Sendable {
    private struct Waiter {
        var operationId: String
        var continuation: CheckedContinuation<Bool, Never>
        /// When to give up; nil to wait until a change or cancellation.
        var deadline: ContinuousClock.Instant?
    }

    private struct State {
        var versions: [String: UInt64] = [:]
        var lastPublished: [String: ContinuousClock.Instant] = [:]
        var waiters: [UInt64: Waiter] = [:]
        var nextWaiter: UInt64 = 0
        /// Whether the task that ends timed-out waits is running.
        var tickerRunning = false
    }

    private let state = Mutex(State())
    /// How often timed-out waits are ended: a timeout is kept to within this much.
    private let tick: Duration

    /// Creates a signal.
    public init(tick: Duration = .milliseconds(100)) {
        self.tick = tick
    }

    /// How many commits to the operation this signal has seen; compare with ``wait(for:beyond:)``.
    public func version(of operationId: String) -> UInt64 {
        state.withLock { $0.versions[operationId, default: 0] }
    }

    /// When the operation's latest change was announced: the moment its commit was known.
    /// Benchmarks measure delivery from it.
    public func lastPublished(of operationId: String) -> ContinuousClock.Instant? {
        state.withLock { $0.lastPublished[operationId] }
    }

    /// What to wait for to hear of a change to any operation.
    public static let anyOperation = "*"

    /// Announces a committed change to an operation (and so to ``anyOperation``).
    public func publish(_ operationId: String) {
        let now = ContinuousClock.now
        let woken = state.withLock { state -> [CheckedContinuation<Bool, Never>] in
            state.versions[operationId, default: 0] += 1
            state.versions[Self.anyOperation, default: 0] += 1
            state.lastPublished[operationId] = now
            var ready: [CheckedContinuation<Bool, Never>] = []
            for (key, waiter) in state.waiters
            where waiter.operationId == operationId || waiter.operationId == Self.anyOperation {
                state.waiters.removeValue(forKey: key)
                ready.append(waiter.continuation)
            }
            return ready
        }
        for continuation in woken { continuation.resume(returning: true) }
    }

    /// Announces a change to every operation someone waits for: after news may have been
    /// lost (a listener that reconnected), so that each follower reads the log once more.
    public func publishToEveryWaiter() {
        let operations = state.withLock { Set($0.waiters.values.map(\.operationId)) }
        for operationId in operations { publish(operationId) }
    }

    /// Returns once the operation's version exceeds `version`, or when the task is cancelled.
    public func wait(for operationId: String, beyond version: UInt64) async {
        _ = await wait(for: operationId, beyond: version, deadline: nil)
    }

    /// Like ``wait(for:beyond:)``, but gives up after `timeout`; returns whether a change came.
    ///
    /// Timeouts are ended together by one task that looks every `tick`, not by a timer per
    /// wait: a thousand idle subscribers cost a thousand entries in a table, not a thousand timers.
    public func wait(for operationId: String, beyond version: UInt64, timeout: Duration) async -> Bool {
        await wait(for: operationId, beyond: version, deadline: ContinuousClock.now + timeout)
            || self.version(of: operationId) > version
    }

    private func wait(
        for operationId: String, beyond version: UInt64, deadline: ContinuousClock.Instant?
    ) async
        -> Bool
    {
        let id = state.withLock { state -> UInt64 in
            state.nextWaiter += 1
            return state.nextWaiter
        }
        return await withTaskCancellationHandler {
            await withCheckedContinuation { (continuation: CheckedContinuation<Bool, Never>) in
                let (resumeNow, startTicker) = state.withLock { state -> (Bool?, Bool) in
                    if Task.isCancelled { return (false, false) }
                    if state.versions[operationId, default: 0] > version { return (true, false) }
                    state.waiters[id] = Waiter(operationId: operationId, continuation: continuation, deadline: deadline)
                    guard deadline != nil, !state.tickerRunning else { return (nil, false) }
                    state.tickerRunning = true
                    return (nil, true)
                }
                if let resumeNow { continuation.resume(returning: resumeNow) }
                if startTicker { Task { await self.endTimedOutWaits() } }
            }
        } onCancel: {
            let waiter = state.withLock { $0.waiters.removeValue(forKey: id) }
            waiter?.continuation.resume(returning: false)
        }
    }

    /// Ends the waits whose deadline passed, every `tick`, while any wait has a deadline.
    private func endTimedOutWaits() async {
        while true {
            try? await Task.sleep(for: tick)
            let now = ContinuousClock.now
            let (expired, keepGoing) = state.withLock { state -> ([CheckedContinuation<Bool, Never>], Bool) in
                var expired: [CheckedContinuation<Bool, Never>] = []
                var anyDeadline = false
                for (key, waiter) in state.waiters {
                    guard let deadline = waiter.deadline else { continue }
                    if deadline <= now {
                        state.waiters.removeValue(forKey: key)
                        expired.append(waiter.continuation)
                    } else {
                        anyDeadline = true
                    }
                }
                if !anyDeadline { state.tickerRunning = false }
                return (expired, anyDeadline)
            }
            for continuation in expired { continuation.resume(returning: false) }
            if !keepGoing { return }
        }
    }
}
