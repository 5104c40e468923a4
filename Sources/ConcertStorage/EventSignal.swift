import Synchronization

/// Wakes whoever follows an operation's events when a change to it has been committed.
///
/// It carries no events, only the news that there are new ones: followers read them from the
/// event log, so nothing is ever seen that was not committed, and a follower that missed a
/// signal loses nothing (it reads from its own last sequence number).
public final class EventSignal: Sendable {
    private struct Waiter {
        var operationId: String
        var continuation: CheckedContinuation<Void, Never>
    }

    private struct State {
        var versions: [String: UInt64] = [:]
        var waiters: [UInt64: Waiter] = [:]
        var nextWaiter: UInt64 = 0
    }

    private let state = Mutex(State())

    /// Creates a signal.
    public init() {}

    /// How many commits to the operation this signal has seen; compare with ``wait(for:beyond:)``.
    public func version(of operationId: String) -> UInt64 {
        state.withLock { $0.versions[operationId, default: 0] }
    }

    /// Announces a committed change to an operation.
    public func publish(_ operationId: String) {
        let woken = state.withLock { state -> [CheckedContinuation<Void, Never>] in
            state.versions[operationId, default: 0] += 1
            let ready = state.waiters.filter { $0.value.operationId == operationId }
            for key in ready.keys { state.waiters.removeValue(forKey: key) }
            return ready.values.map(\.continuation)
        }
        for continuation in woken { continuation.resume() }
    }

    /// Returns once the operation's version exceeds `version`, or when the task is cancelled.
    public func wait(for operationId: String, beyond version: UInt64) async {
        let id = state.withLock { state -> UInt64 in
            state.nextWaiter += 1
            return state.nextWaiter
        }
        await withTaskCancellationHandler {
            await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
                let resumeNow = state.withLock { state -> Bool in
                    if Task.isCancelled || state.versions[operationId, default: 0] > version { return true }
                    state.waiters[id] = Waiter(operationId: operationId, continuation: continuation)
                    return false
                }
                if resumeNow { continuation.resume() }
            }
        } onCancel: {
            let waiter = state.withLock { $0.waiters.removeValue(forKey: id) }
            waiter?.continuation.resume()
        }
    }

    /// Like ``wait(for:beyond:)``, but gives up after `timeout`; returns whether a change came.
    public func wait(for operationId: String, beyond version: UInt64, timeout: Duration) async -> Bool {
        await withTaskGroup(of: Bool.self) { group in
            group.addTask {
                await self.wait(for: operationId, beyond: version)
                return !Task.isCancelled
            }
            group.addTask {
                try? await Task.sleep(for: timeout)
                return false
            }
            let first = await group.next() ?? false
            group.cancelAll()
            return first || self.version(of: operationId) > version
        }
    }
}
