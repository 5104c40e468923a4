import ConcertCore
import ConcertStorage
import Foundation

/// Plays the demo operation's action day: teams report ready, the coordinator gives GO, and
/// field reports come in one after another — servers seized, suspects arrested, some actions
/// failing and one server moved away before its takedown — so that a new user sees the board
/// live without typing.
///
/// Every report goes through the store as the executing agency's officer, exactly as if typed
/// on the board, so the feed, the counters and the audit chain see ordinary events.
public struct DemoSimulator: Sendable {
    let store: any Store
    /// The pause between two field reports.
    let step: Duration

    /// Creates a simulator over the demo's store.
    public init(store: any Store, step: Duration = .milliseconds(1_500)) {
        self.store = store
        self.step = step
    }

    /// The demo operation, if the store holds it.
    public func operation() async throws -> JointOperation? {
        guard let coordinator = try await store.users().first(where: { $0.username == "coordinator" }) else {
            return nil
        }
        return try await store.operations(participatingAgencyId: coordinator.agencyId).first {
            $0.codeName == "SPARKLER"
        }
    }

    /// Plays the action day; returns how many field reports it made (none when it was played before).
    @discardableResult
    public func run() async throws -> Int {
        guard let operation = try await operation(), operation.actionDay?.goGivenAt == nil else { return 0 }
        let users = try await store.users()
        guard let coordinator = users.first(where: { $0.username == "coordinator" }).map(Actor.init) else { return 0 }
        var officers: [String: Actor] = [:]
        for user in users where user.role == .officer { officers[user.agencyId] = Actor(user) }
        let planned = try await store.actions(operationId: operation.id).filter { $0.status == .planned }
        // Servers first (the days before H-hour), then the arrests and searches at H.
        let servers = planned.filter { $0.kind == .serverTakedown }.prefix(12)
        let people = planned.filter { $0.kind == .arrest || $0.kind == .houseSearch }.prefix(10)
        let chosen = Array(servers) + Array(people)
        guard !chosen.isEmpty else { return 0 }
        var reports = 0

        func report(_ action: Action, _ change: StatusChange) async throws {
            let actor = officers[action.executingAgencyId] ?? coordinator
            _ = try await store.updateAction(
                id: action.id, operationId: operation.id, by: actor, eventKind: .actionStatusChanged
            ) { current, operation in
                var updated = current
                try change.apply(to: &updated, actionDay: operation.actionDay, now: ConcertJSON.now())
                return updated
            }
            reports += 1
            try await Task.sleep(for: step)
        }

        /// A log entry from the field that the coordinator marks significant, as on a real day.
        func significant(_ text: String, by author: Actor) async throws {
            let entry = try LogEntry.make(
                id: Identifier.make(), operationId: operation.id, text: text, by: author, now: ConcertJSON.now())
            try await store.createLogEntry(entry, by: author)
            _ = try await store.updateLogEntry(
                id: entry.id, operationId: operation.id, by: coordinator, eventKind: .logMarkedSignificant
            ) { entry in
                var entry = entry
                entry.significant = true
                return entry
            }
        }

        for action in chosen { try await report(action, StatusChange(status: .ready)) }
        _ = try await store.updateActionDay(operationId: operation.id, by: coordinator, eventKind: .operationGo) {
            operation, actions in
            var operation = operation
            let changed = try ActionDayCommand(command: .go).apply(
                to: &operation, actions: actions, by: coordinator.agencyId, now: ConcertJSON.now())
            return (operation, changed)
        }
        try await Task.sleep(for: step)
        for (index, action) in chosen.enumerated() {
            try await report(action, StatusChange(status: .inProgress))
            let outcome: StatusChange
            switch (action.kind, index % 7) {
            case (.serverTakedown, 3):
                outcome = StatusChange(
                    status: .failed,
                    outcome: Outcome(
                        kind: .notFound, count: 0, description: "Server moved to another provider overnight"))
            case (.serverTakedown, _):
                outcome = StatusChange(
                    status: .done,
                    outcome: Outcome(kind: .serversSeized, count: 1, description: "Disks imaged, host seized"))
            case (.arrest, 5):
                outcome = StatusChange(
                    status: .failed,
                    outcome: Outcome(kind: .notFound, count: 0, description: "Suspect not at the address"))
            case (.arrest, _):
                outcome = StatusChange(status: .done, outcome: Outcome(kind: .arrested, count: 1))
            default:
                outcome = StatusChange(
                    status: .done,
                    outcome: Outcome(kind: .itemsSeized, count: 3, description: "2 laptops, 1 phone"))
            }
            try await report(action, outcome)
            if outcome.status == .failed, let description = outcome.outcome?.description {
                try await significant(
                    // Every participant reads the log, observers included: the action is named as
                    // they may see it, not by a title that describes its target.
                    "\(action.withoutTargetDetails.title): \(description).",
                    by: officers[action.executingAgencyId] ?? coordinator)
            }
        }
        // The coordinator's first sitrep of the day waits as a draft to be edited and approved.
        _ = try await store.createSitrep(operationId: operation.id, by: coordinator) {
            operation, actions, log, sitreps in
            try Sitrep.compile(
                id: Identifier.make(), operation: operation, actions: actions, log: log, sitreps: sitreps,
                summary: "Action day under way: first results from the field.", by: coordinator,
                now: ConcertJSON.now())
        }
        return reports
    }
}
