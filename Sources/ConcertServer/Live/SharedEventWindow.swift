import ConcertStorage
import Foundation
import Logging
import Synchronization

/// The latest events of each followed operation, read from the log once per commit and
/// shared by every subscriber of this server.
///
/// Without it each subscriber would read the log itself after every commit: a thousand
/// subscribers, a thousand reads of the same rows. Here the first subscriber to ask after a
/// commit reads the new events (once, whoever else asks meanwhile waits for that read), and the
/// rest take them from memory. A subscriber further behind than the window (replaying from an
/// old sequence number, or slow) reads the log itself, as before, until it catches up.
final class SharedEventWindow: Sendable {
    /// The window of one operation: events `(start, last]`, complete for every commit
    /// this server has been told of up to `version`.
    struct Window {
        var events: [PreparedEvent] = []
        /// The highest sequence number read.
        var last: Int64
        /// The signal version the window is complete for; none before its first read (the log
        /// may hold events from before this server started).
        var version: UInt64?
        /// The read under way, which others wait for instead of reading the same rows.
        var refresh: Task<Void, any Error>?

        /// The sequence number the window starts after.
        var start: Int64 { last - Int64(events.count) }
    }

    /// What a subscriber does next.
    private enum Step {
        case deliver([PreparedEvent])
        case readItself
        case waitFor(Task<Void, any Error>)
    }

    let store: any Store
    /// How many recent events are kept per operation.
    let capacity: Int
    /// How many events one read takes from the log.
    let batchSize: Int
    let logger: Logger
    private let windows = Mutex<[String: Window]>([:])

    init(store: any Store, capacity: Int = 1_024, batchSize: Int = 256, logger: Logger) {
        self.store = store
        self.capacity = capacity
        self.batchSize = batchSize
        self.logger = logger
    }

    /// The operation's events after `cursor`, at most `limit` (and `batchSize`), including at
    /// least every event committed before the signal reached `version`.
    ///
    /// Taking events already in the window costs one lock and no suspension: that is what a
    /// thousand subscribers do after each commit. A subscriber further back reads its own page
    /// of `limit` events from the log: a replay of large events asks for few at a time.
    func events(
        operationId: String, after cursor: Int64, version: UInt64, limit: Int = .max
    ) async throws -> [PreparedEvent] {
        let pageSize = max(1, min(limit, batchSize))
        while true {
            let step = windows.withLock { windows -> Step in
                let window = windows[operationId] ?? Window(last: cursor)
                if cursor < window.start { return .readItself }
                if cursor < window.last {
                    let offset = Int(cursor - window.start)
                    return .deliver(Array(window.events[offset..<min(window.events.count, offset + pageSize)]))
                }
                // Nothing after the cursor in the window; if the window is complete up to the
                // version the subscriber saw, there is nothing new for it.
                if let complete = window.version, complete >= version { return .deliver([]) }
                if let refresh = window.refresh { return .waitFor(refresh) }
                var updated = window
                // The task cannot record its result before this lock is released.
                updated.refresh = Task { try await self.refresh(operationId: operationId) }
                windows[operationId] = updated
                return .waitFor(updated.refresh!)
            }
            switch step {
            case .deliver(let events): return events
            case .readItself: return try await read(operationId: operationId, after: cursor, limit: pageSize)
            case .waitFor(let refresh): try await refresh.value
            }
        }
    }

    /// Reads what was committed since the window's last event and appends it.
    private func refresh(operationId: String) async throws {
        // The version is read before the log, so a commit in between is read now or next time.
        let version = store.eventSignal.version(of: operationId)
        guard let from = windows.withLock({ $0[operationId]?.last }) else { return }
        let fresh: [PreparedEvent]
        do {
            fresh = try await read(operationId: operationId, after: from, limit: batchSize)
        } catch {
            windows.withLock { $0[operationId]?.refresh = nil }
            throw error
        }
        windows.withLock { windows in
            guard var window = windows[operationId] else { return }
            window.refresh = nil
            if window.last == from {
                window.events += fresh
                window.last = fresh.last?.sequence ?? window.last
                if fresh.count < batchSize { window.version = max(window.version ?? 0, version) }
                if window.events.count > capacity { window.events.removeFirst(window.events.count - capacity) }
            }
            windows[operationId] = window
        }
    }

    private func read(operationId: String, after cursor: Int64, limit: Int) async throws -> [PreparedEvent] {
        try await PreparedEvent.prepare(
            try await store.events(operationId: operationId, after: cursor, limit: limit), store: store,
            logger: logger)
    }
}
