import Synchronization

/// Gives the requests that record targets on this server their turn one at a time, in the
/// order they asked.
///
/// A change of targets finds its hits before its transaction and writes them in it: two
/// changes whose targets match each other would otherwise each wait for the other's commit to
/// read the other side (or each miss it). Their transactions take turns at the store's one
/// writer anyway; the turn adds only the index's part to that. Several servers on one database
/// still record at the same moment: each then stores the hits it missed as it follows the
/// other's log (`HitRecorder.recordMissingHits`).
final class TargetWriteTurns: Sendable {
    private struct State {
        var isTaken = false
        var waiting: [CheckedContinuation<Void, Never>] = []
    }

    private let state = Mutex(State())

    /// Runs `body` once the requests that asked before are done.
    func run<T: Sendable>(_ body: () async throws -> T) async throws -> T {
        await take()
        defer { hand() }
        return try await body()
    }

    private func take() async {
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            let isMine = state.withLock { state -> Bool in
                guard state.isTaken else {
                    state.isTaken = true
                    return true
                }
                state.waiting.append(continuation)
                return false
            }
            if isMine { continuation.resume() }
        }
    }

    /// Hands the turn to the next request waiting, if any.
    private func hand() {
        let next = state.withLock { state -> CheckedContinuation<Void, Never>? in
            guard !state.waiting.isEmpty else {
                state.isTaken = false
                return nil
            }
            return state.waiting.removeFirst()
        }
        next?.resume()
    }
}
