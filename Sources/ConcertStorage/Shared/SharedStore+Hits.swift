import ConcertCore
import Foundation

// Cross-check hits and exclusions, once for both engines. Targets, which make and end hits,
// are each engine's own (their fast paths); they write hits through ``writeHits(_:by:in:)``.

extension SQLEngineStore {
    public func recordHits(_ hits: [Hit], by actor: Actor) async throws -> [Hit] {
        guard !hits.isEmpty else { return [] }
        return try await writing { transaction in try storeHits(hits, by: actor, in: transaction) }
    }

    public func hits(targetId: String) async throws -> [Hit] {
        try await hits(where: "a_target_id = \(targetId) OR b_target_id = \(targetId)")
    }

    public func hits(agencyId: String) async throws -> [Hit] {
        try await hits(where: "a_agency_id = \(agencyId) OR b_agency_id = \(agencyId)")
    }

    public func hit(id: String) async throws -> Hit? {
        try await reading { connection in try connection.document(Hit.self, "SELECT json FROM hit WHERE id = \(id)") }
    }

    private func hits(where condition: SQL) async throws -> [Hit] {
        try await reading { connection in
            var statement = condition
            statement.pieces[0] = "SELECT json FROM hit WHERE " + statement.pieces[0]
            statement.pieces[statement.pieces.count - 1] +=
                " ORDER BY found_at DESC, \(connection.dialect.insertionOrder) DESC"
            return try connection.documents(Hit.self, statement)
        }
    }

    public func hitCount() async throws -> Int {
        try await reading { connection in
            Int(try connection.rows("SELECT COUNT(*) FROM hit").first?.int64(0) ?? 0)
        }
    }

    public func updateHit(
        id: String, by actor: Actor, _ change: @escaping @Sendable (Hit) throws -> Hit
    ) async throws -> Hit {
        try await writing { transaction in
            guard let current = try transaction.document(Hit.self, "SELECT json FROM hit WHERE id = \(id)") else {
                throw StoreError.notFound("No such hit.")
            }
            let updated = try change(current)
            let encoded = try EncodedPayload(updated)
            try transaction.execute("UPDATE hit SET json = \(encoded.json) WHERE id = \(id)")
            // A review is the reviewing agency's: only its side's operation is told.
            for side in [updated.a, updated.b] where side.agencyId == actor.agencyId {
                try transaction.append(
                    EventDraft(operationId: side.operationId, actor: actor, kind: .hitReviewed, encoded: encoded))
            }
            return updated
        }
    }

    public func retireHits(ids: [String], by actor: Actor?) async throws {
        guard !ids.isEmpty else { return }
        try await writing { transaction in try removeHits(ids: ids, by: actor, in: transaction) }
    }

    // MARK: Exclusions

    public func createExclusion(_ exclusion: Exclusion, by actor: Actor, hits: HitChanges) async throws {
        let hits = try await beforeTransaction(hits)
        try await writing { transaction in
            let encoded = try EncodedPayload(exclusion)
            try transaction.execute(
                """
                INSERT INTO exclusion (id, agency_id, json)
                VALUES (\(exclusion.id), \(exclusion.agencyId), \(encoded.json))
                """)
            try transaction.append(
                EventDraft(operationId: nil, actor: actor, kind: .exclusionCreated, encoded: encoded))
            _ = try writeHits(hits, by: actor, in: transaction)
        }
    }

    public func exclusions(agencyId: String?) async throws -> [Exclusion] {
        try await reading { connection in
            let order = connection.dialect.insertionOrder
            return try connection.documents(
                Exclusion.self,
                agencyId.map { "SELECT json FROM exclusion WHERE agency_id = \($0) ORDER BY \(raw: order)" }
                    ?? "SELECT json FROM exclusion ORDER BY \(raw: order)")
        }
    }

    public func deleteExclusion(id: String, by actor: Actor, hits: HitChanges) async throws -> Exclusion {
        let hits = try await beforeTransaction(hits)
        return try await writing { transaction in
            // Only the agency that made an exclusion lifts it.
            guard
                let json = try transaction.strings(
                    "SELECT json FROM exclusion WHERE id = \(id) AND agency_id = \(actor.agencyId)"
                ).first
            else { throw StoreError.notFound("No such exclusion.") }
            let (exclusion, encoded) = try EncodedPayload<Exclusion>.stored(json)
            try transaction.execute("DELETE FROM exclusion WHERE id = \(id)")
            try transaction.append(
                EventDraft(operationId: nil, actor: actor, kind: .exclusionDeleted, encoded: encoded))
            _ = try writeHits(hits, by: actor, in: transaction)
            return exclusion
        }
    }
}

/// Stores the hits whose pair is not stored yet, with `hit.found` in both operations' logs;
/// returns those it stored.
func storeHits(_ hits: [Hit], by actor: Actor, in transaction: any SQLTransaction) throws -> [Hit] {
    var stored: [Hit] = []
    var drafts: [EventDraft] = []
    // In one order in every write: two writes storing the same pairs never wait for each other
    // in a circle.
    for hit in hits.sorted(by: { $0.pairKey < $1.pairKey }) {
        let encoded = try EncodedPayload(hit)
        let inserted = try transaction.exists(
            """
            INSERT INTO hit (id, pair_key, a_target_id, b_target_id, a_agency_id, b_agency_id, found_at, json)
            VALUES (\(hit.id), \(hit.pairKey), \(hit.a.targetId), \(hit.b.targetId), \(hit.a.agencyId),
                    \(hit.b.agencyId), \(ConcertJSON.formatTimestamp(hit.foundAt)), \(encoded.json))
            ON CONFLICT (pair_key) DO NOTHING RETURNING 1
            """)
        guard inserted else { continue }
        for operationId in [hit.a.operationId, hit.b.operationId] {
            drafts.append(EventDraft(operationId: operationId, actor: actor, kind: .hitFound, encoded: encoded))
        }
        stored.append(hit)
    }
    try transaction.append(contentsOf: drafts)
    return stored
}

/// Removes the hits `ids` names, with `hit.retired` in both operations' logs.
func removeHits(ids: [String], by actor: Actor?, in transaction: any SQLTransaction) throws {
    for id in ids.sorted() {
        for json in try transaction.strings("DELETE FROM hit WHERE id = \(id) RETURNING json") {
            let (hit, encoded) = try EncodedPayload<Hit>.stored(json)
            for operationId in [hit.a.operationId, hit.b.operationId] {
                try transaction.append(
                    EventDraft(operationId: operationId, actor: actor, kind: .hitRetired, encoded: encoded))
            }
        }
    }
}

/// Writes the hits a change of targets made and ended, in the change's transaction; returns
/// the hits stored. Hits still to find are waited for here (SQLite: see ``HitChanges``).
func writeHits(_ changes: HitChanges, by actor: Actor, in transaction: any SQLTransaction) throws -> [Hit] {
    let changes = try changes.resolvedBlocking()
    try removeHits(ids: changes.retiredIds, by: actor, in: transaction)
    return try storeHits(changes.found, by: actor, in: transaction)
}
