import Dispatch
import Foundation
import Synchronization

/// A fixed number of threads for CPU-heavy work (bcrypt), with a bounded queue in front.
///
/// A flood of sign-ins then waits for these threads instead of taking every core from the
/// requests that share the machine, and past the queue's bound it is turned away at once.
/// Urgent work (a sign-in from a client that has not been failing) waits only behind other
/// urgent work, so that a flood of guesses does not delay an investigator signing in.
public final class BoundedWorkers: Sendable {
    /// One worker per two cores, at least one: the other cores keep serving other requests.
    public static let defaultBcryptWorkers = max(1, ProcessInfo.processInfo.activeProcessorCount / 2)

    private struct State {
        var idle: [DispatchQueue]
        var urgent: [CheckedContinuation<DispatchQueue?, Never>] = []
        var waiting: [CheckedContinuation<DispatchQueue?, Never>] = []
    }

    private let state: Mutex<State>
    private let queueLimit: Int

    /// Creates `workers` threads (serial queues) and a queue of at most `queueLimit` waiting jobs.
    public init(workers: Int, queueLimit: Int) {
        let queues = (0..<max(1, workers)).map { DispatchQueue(label: "concert.worker.\($0)") }
        state = Mutex(State(idle: queues))
        self.queueLimit = queueLimit
    }

    /// Runs `work` on a worker, before any work that is not `urgent`; nil when too many jobs
    /// of its kind wait already.
    public func run<T: Sendable>(urgent: Bool = false, _ work: @escaping @Sendable () -> T) async -> T? {
        let queue: DispatchQueue? = await withCheckedContinuation { continuation in
            let ready = state.withLock { state -> DispatchQueue?? in
                if let queue = state.idle.popLast() { return .some(queue) }
                if urgent {
                    guard state.urgent.count < queueLimit else { return .some(nil) }
                    state.urgent.append(continuation)
                } else {
                    guard state.waiting.count < queueLimit else { return .some(nil) }
                    state.waiting.append(continuation)
                }
                return .none
            }
            if let ready { continuation.resume(returning: ready) }
        }
        guard let queue else { return nil }
        let result = await withCheckedContinuation { continuation in
            queue.async { continuation.resume(returning: work()) }
        }
        let next = state.withLock { state -> CheckedContinuation<DispatchQueue?, Never>? in
            if !state.urgent.isEmpty { return state.urgent.removeFirst() }
            if !state.waiting.isEmpty { return state.waiting.removeFirst() }
            state.idle.append(queue)
            return nil
        }
        next?.resume(returning: queue)
        return result
    }
}
