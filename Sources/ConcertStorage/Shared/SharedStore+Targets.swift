import ConcertCore
import Foundation

// The rules of a change of targets, once for both engines: which events it appends, that the
// hits it makes and ends are written with it, what a deletion retires; and how a target is
// kept, the same on both: a row in `target_row` holds what finds and filters it, its selectors
// packed into one column (``PackedSelectors``), and the sequence number of the event that last
// wrote it, whose payload is its JSON (the `target` view reads it from there). A target is
// written once, not twice, and the cross-check index reads one row per target.

extension SQLEngineStore {
    public func createTarget(_ target: Target, by actor: Actor, hits: HitChanges) async throws -> [Hit] {
        try await importTargets([target], by: actor, hits: hits)
    }

    public func importTargets(_ targets: [Target], by actor: Actor, hits: HitChanges) async throws -> [Hit] {
        try await importTargets(targets, updating: [], by: actor, hits: hits)
    }

    public func importTargets(
        _ targets: [Target], updating: [(current: Target, updated: Target)], by actor: Actor, hits: HitChanges
    ) async throws -> [Hit] {
        guard !targets.isEmpty || !updating.isEmpty else { return [] }
        let hits = try await beforeTransaction(hits)
        // Hits are written whatever else is written meanwhile (a pair once, a removal once):
        // only the targets' operation is the write's.
        let operations = Set(targets.map(\.operationId) + updating.map(\.updated.operationId))
        let scope = operations.count == 1 ? WriteScope.operation(operations.first!) : .installation
        return try await writing(scope) { transaction in
            // The events first: a row may point at the event that holds its target's JSON.
            let events = try transaction.append(
                contentsOf: targets.map { target in
                    try EventDraft(
                        operationId: target.operationId, actor: actor, kind: .targetCreated,
                        encoded: EncodedPayload(target))
                })
            try Self.insertTargets(targets, writtenBy: events, in: transaction)
            for (current, updated) in updating {
                let latest = try transaction.existing(
                    Target.self, in: "target", id: current.id, operationId: current.operationId,
                    notFound: "A target this file updates was deleted while it was imported; import it again.")
                guard latest == current else {
                    throw DomainError.conflict(
                        "The target '\(current.name)', which this file updates, changed while it was imported; import it again."
                    )
                }
                try Self.replaceTarget(updated, by: actor, in: transaction)
            }
            return try writeHits(hits, by: actor, in: transaction)
        }
    }

    /// Writes a changed target and its `target.updated` event.
    static func replaceTarget(_ updated: Target, by actor: Actor, in transaction: any SQLTransaction) throws {
        let event = try transaction.append(
            EventDraft(operationId: updated.operationId, actor: actor, kind: .targetUpdated, payload: updated))
        try transaction.execute(
            """
            UPDATE target_row SET handling = \(updated.handling.rawValue),
                distribution = \(updated.distribution.json), json = '',
                selector_keys = \(PackedSelectors.pack(updated.selectors)), json_event = \(event.sequence)
            WHERE id = \(updated.id)
            """)
    }

    public func updateTarget(
        id: String, operationId: String, by actor: Actor, hits: HitChanges,
        _ change: @escaping @Sendable (Target) throws -> Target
    ) async throws -> Target {
        let hits = try await beforeTransaction(hits)
        return try await writing(.operation(operationId)) { transaction in
            let current = try transaction.existing(
                Target.self, in: "target", id: id, operationId: operationId, notFound: "No such target.")
            let updated = try change(current)
            try Self.replaceTarget(updated, by: actor, in: transaction)
            _ = try writeHits(hits, by: actor, in: transaction)
            return updated
        }
    }

    public func deleteTarget(
        id: String, operationId: String, by actor: Actor, _ check: @escaping @Sendable (Target) throws -> Void
    ) async throws {
        try await writing(.operation(operationId)) { transaction in
            let current = try transaction.existing(
                Target.self, in: "target", id: id, operationId: operationId, notFound: "No such target.")
            try check(current)
            try transaction.execute("DELETE FROM target_row WHERE id = \(id)")
            try transaction.append(
                EventDraft(
                    operationId: operationId, actor: actor, kind: .targetDeleted, payload: DeletedTarget(current)))
            // A deleted target's hits end with it.
            let hitIds = try transaction.strings("SELECT id FROM hit WHERE a_target_id = \(id) OR b_target_id = \(id)")
            try removeHits(ids: hitIds, by: actor, in: transaction)
        }
    }

    public func targetHandlings(ids: [String], operationId: String) async throws -> [String: RecordHandling] {
        guard !ids.isEmpty else { return [:] }
        return try await reading { connection in
            var distributions = DistributionDecoder()
            var handlings: [String: RecordHandling] = [:]
            // In slices, within what both engines bind in one statement. Read by id alone, the
            // operation checked here: given both, SQLite may walk the operation's index instead.
            for start in stride(from: 0, to: ids.count, by: 1_000) {
                for row in try connection.rows(
                    """
                    SELECT id, originator_agency_id, handling, distribution, operation_id FROM target_row
                    WHERE id IN (\(list: Array(ids[start..<min(start + 1_000, ids.count)])))
                    """) where try row.string(4) == operationId
                {
                    handlings[try row.string(0)] = RecordHandling(
                        originatorAgencyId: try row.string(1),
                        handling: HandlingCode(rawValue: try row.string(2)) ?? .h3,
                        distribution: try distributions.decode(try row.string(3)))
                }
            }
            return handlings
        }
    }

    /// The columns of a target's row, in the order of ``targetRow(_:writtenBy:)``.
    static var targetRowColumns: [String] {
        [
            "id", "operation_id", "originator_agency_id", "handling", "distribution", "json", "selector_keys",
            "json_event",
        ]
    }

    /// A new target's row: its JSON is the payload of `event`, which wrote it.
    static func targetRow(_ target: Target, writtenBy event: Event) -> [SQLValue] {
        [
            .text(target.id), .text(target.operationId), .text(target.originatorAgencyId),
            .text(target.handling.rawValue), .text(target.distribution.json), .text(""),
            .text(PackedSelectors.pack(target.selectors)), .integer(event.sequence),
        ]
    }

    public static func insertTargets(
        _ targets: [Target], writtenBy events: [Event], in transaction: any SQLTransaction
    ) throws {
        for (target, event) in zip(targets, events) {
            try transaction.execute(
                .insert(into: "target_row", columns: targetRowColumns, values: targetRow(target, writtenBy: event)))
        }
    }

    public func target(id: String, operationId: String) async throws -> Target? {
        try await readDocument(Target.self, from: "target", id: id, operationId: operationId)
    }
}
