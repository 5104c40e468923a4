import ConcertCore
import Foundation

// The rules of a change of targets, once for both engines: which events it appends, that the
// hits it makes and ends are written with it, what a deletion retires. How a target's row is
// kept is each engine's (``SQLEngineStore/insertTargets(_:writtenBy:in:)``): SQLite packs its
// selectors into the row and reads its JSON from the event, PostgreSQL keeps both in tables.

extension SQLEngineStore {
    public func createTarget(_ target: Target, by actor: Actor, hits: HitChanges) async throws -> [Hit] {
        try await importTargets([target], by: actor, hits: hits)
    }

    public func importTargets(_ targets: [Target], by actor: Actor, hits: HitChanges) async throws -> [Hit] {
        guard !targets.isEmpty else { return [] }
        let hits = try await beforeTransaction(hits)
        return try await writing { transaction in
            // The events first: a row may point at the event that holds its target's JSON.
            let events = try transaction.append(
                contentsOf: targets.map { target in
                    EventDraft(
                        operationId: target.operationId, actor: actor, kind: .targetCreated, payload: target.json)
                })
            try Self.insertTargets(targets, writtenBy: events, in: transaction)
            return try writeHits(hits, by: actor, in: transaction)
        }
    }

    public func updateTarget(
        id: String, operationId: String, by actor: Actor, hits: HitChanges,
        _ change: @escaping @Sendable (Target) throws -> Target
    ) async throws -> Target {
        let hits = try await beforeTransaction(hits)
        return try await writing { transaction in
            let current = try transaction.existing(
                Target.self, in: "target", id: id, operationId: operationId, notFound: "No such target.")
            let updated = try change(current)
            let event = try transaction.append(
                EventDraft(operationId: operationId, actor: actor, kind: .targetUpdated, payload: updated.json))
            try Self.updateTargetRow(updated, writtenBy: event, in: transaction)
            _ = try writeHits(hits, by: actor, in: transaction)
            return updated
        }
    }

    public func deleteTarget(
        id: String, operationId: String, by actor: Actor, _ check: @escaping @Sendable (Target) throws -> Void
    ) async throws {
        try await writing { transaction in
            let current = try transaction.existing(
                Target.self, in: "target", id: id, operationId: operationId, notFound: "No such target.")
            try check(current)
            try Self.deleteTargetRow(id: id, in: transaction)
            try transaction.append(
                EventDraft(
                    operationId: operationId, actor: actor, kind: .targetDeleted,
                    payload: try ConcertJSON.encodeToString(DeletedTarget(current))))
            // A deleted target's hits end with it.
            let hitIds = try transaction.strings("SELECT id FROM hit WHERE a_target_id = \(id) OR b_target_id = \(id)")
            try removeHits(ids: hitIds, by: actor, in: transaction)
        }
    }

    public func target(id: String, operationId: String) async throws -> Target? {
        try await readDocument(Target.self, from: "target", id: id, operationId: operationId)
    }
}
