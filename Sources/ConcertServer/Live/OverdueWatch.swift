import ConcertCore
import ConcertStorage
import Foundation
import Logging
import ServiceLifecycle

/// Flags overdue actions as events, once each: an action whose planned start passed while it
/// had not started, and one that started and did not finish within its expected duration.
///
/// The flag is kept in the action itself and set in the same transaction as its event, so a
/// restart, or several servers on one database, never raise it twice.
public struct OverdueWatch: Service {
    let store: any Store
    let interval: Duration
    let logger: Logger
    /// The clock; tests move it forward.
    let now: @Sendable () -> Date

    /// Creates a watch that looks every `interval`.
    public init(
        store: any Store, interval: Duration = .seconds(15), logger: Logger = Logger(label: "concert.overdue"),
        now: @escaping @Sendable () -> Date = { Date() }
    ) {
        self.store = store
        self.interval = interval
        self.logger = logger
        self.now = now
    }

    public func run() async throws {
        while !Task.isCancelled && !Task.isShuttingDownGracefully {
            do {
                try await checkOnce()
            } catch {
                logger.error("The overdue watch could not check the actions: \(error)")
            }
            try? await cancelWhenGracefulShutdown { try await Task.sleep(for: interval) }
        }
    }

    /// Looks at every action of every operation with an H-hour and flags those newly overdue;
    /// returns how many it flagged.
    @discardableResult
    public func checkOnce() async throws -> Int {
        var flagged = 0
        let moment = now()
        for operation in try await store.operationsWithHHour() where operation.actionDay?.abortedAt == nil {
            for action in try await store.actions(operationId: operation.id)
            where action.overdue(hHour: operation.hHour, startedAt: action.startedAt, now: moment) != nil {
                let watchActor = Actor(userId: "overdue-watch", agencyId: operation.leadAgencyId, role: .coordinator)
                do {
                    _ = try await store.updateAction(
                        id: action.id, operationId: operation.id, by: watchActor, eventKind: .actionOverdue
                    ) { current, operation in
                        // Decided again inside the transaction: another server may have flagged it.
                        guard
                            let reason = current.overdue(
                                hHour: operation.hHour, startedAt: current.startedAt, now: moment)
                        else { throw AlreadyFlagged() }
                        var current = current
                        current.overdueFlags = (current.overdueFlags ?? []) + [reason]
                        return current
                    }
                    flagged += 1
                } catch is AlreadyFlagged {
                    continue
                }
            }
        }
        return flagged
    }

    struct AlreadyFlagged: Error {}
}
