import ConcertCore
import Foundation

// Appending to the event log, once for both engines; reading it (the live feeds' hot path) is
// each engine's own.

extension SQLEngineStore {
    public func appendEvents(_ drafts: [EventDraft]) async throws {
        guard !drafts.isEmpty else { return }
        try await writing(.appendOnly) { transaction in _ = try transaction.append(contentsOf: drafts) }
    }

    public func recordRead<Payload>(
        by actor: Actor, operationId: String?, what: TypedEventKind<Payload>, payload: Payload
    ) async throws {
        try await writing(.appendOnly) { transaction in
            // A read is kept for the audit trail, outside the operation's numbering and feed.
            _ = try transaction.append(
                EventDraft(operationId: operationId, actor: actor, kind: what, payload: payload),
                countsInOperation: false)
        }
    }
}

extension SQLEngineStore {
    public func events(
        kinds: [EventKind], operationIds: [String]?, mentioning: String?, limit: Int
    ) async throws -> [Event] {
        guard !kinds.isEmpty, operationIds?.isEmpty != true else { return [] }
        return try await reading { connection in
            var statement: SQL = "SELECT \(raw: eventColumns) FROM event WHERE kind IN (\(list: kinds.map(\.rawValue)))"
            if let operationIds { statement.append(" AND operation_id IN (\(list: operationIds))") }
            if let mentioning {
                statement.append(" AND \(raw: connection.dialect.position)(payload, \(mentioning)) > 0")
            }
            statement.append(" ORDER BY sequence DESC LIMIT \(limit)")
            return try connection.rows(statement).map(event(from:))
        }
    }

    /// From the operation's events, which both engines index by operation and number (on
    /// PostgreSQL the operation's row does not follow its numbers: the sequencer never waits
    /// for a write that holds it).
    public func latestSequence(operationId: String) async throws -> Int64 {
        try await reading { connection in
            try connection.rows(
                "SELECT COALESCE(MAX(operation_sequence), 0) FROM event WHERE operation_id = \(operationId)"
            ).first?.int64(0) ?? 0
        }
    }

    public func headSequence() async throws -> Int64 {
        try await reading { connection in
            try connection.rows("SELECT sequence FROM chain_head WHERE id = 1").first?.int64(0) ?? 0
        }
    }

    public func isEmpty() async throws -> Bool {
        try await reading { connection in try !connection.exists("SELECT 1 FROM agency LIMIT 1") }
    }

    public func verifyAuditChain() async throws -> ChainVerification {
        try await reading { connection in
            // The head first, and the events up to it: events appended meanwhile are the next
            // verification's.
            guard let head = try connection.rows("SELECT sequence, hash FROM chain_head WHERE id = 1").first else {
                throw StoreError.notFound("The event chain has no head.")
            }
            let headSequence = try head.int64(0)
            var verifier = EventChain.Verifier()
            var after: Int64 = 0
            // In pages, so that a chain of millions needs little memory.
            page: while true {
                let events = try connection.rows(
                    """
                    SELECT \(raw: eventColumns) FROM event WHERE sequence > \(after) AND sequence <= \(headSequence)
                    ORDER BY sequence LIMIT 10000
                    """
                ).map(event(from:))
                guard let last = events.last else { break }
                for event in events where !verifier.check(event) { break page }
                after = last.sequence
            }
            var result = verifier.finish(headSequence: headSequence, headHash: try head.string(1))
            if let broken = result.brokenAt {
                if let custody = try describeCustodyEvent(broken, in: connection) {
                    result.problem = (result.problem ?? "") + custody
                }
            } else if let (sequence, problem) = try verifyExhibitRows(in: connection) {
                result.brokenAt = sequence
                result.problem = problem
            } else if let (sequence, problem) = try verifyTree(in: connection, upTo: headSequence) {
                result.brokenAt = sequence
                result.problem = problem
            }
            return result
        }
    }
}

/// The columns ``event(from:)`` reads, in its order.
let eventColumns = """
    sequence, operation_id, operation_sequence, actor_user_id, actor_agency_id, kind, payload, recorded_at,
    previous_hash, hash
    """

func event(from row: SQLRow) throws -> Event {
    Event(
        sequence: try row.int64(0), operationId: row.optionalString(1), operationSequence: row.optionalInt64(2),
        actorUserId: row.optionalString(3), actorAgencyId: row.optionalString(4), kind: try row.string(5),
        payload: try row.string(6), recordedAt: try row.string(7), previousHash: try row.string(8),
        hash: try row.string(9))
}
