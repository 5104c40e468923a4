import ConcertCore
import Foundation
import PostgresNIO

// The `Store` protocol on PostgreSQL, method by method as the SQLite store does it.

extension PostgresStore {
    public func appendEvents(_ drafts: [EventDraft]) async throws {
        guard !drafts.isEmpty else { return }
        try await write { writer in
            for draft in drafts { try await Self.append(draft, in: writer) }
        }
    }

    public func events(
        kinds: [String], operationIds: [String]?, mentioning: String?, limit: Int
    ) async throws -> [Event] {
        guard !kinds.isEmpty, operationIds?.isEmpty != true else { return [] }
        // strpos of '' is 1: "mentioning nothing" matches every payload.
        let text = mentioning ?? ""
        return try await readLog { [logger] connection in
            if let operationIds {
                return try await Self.events(
                    try await connection.query(
                        """
                        SELECT \(unescaped: Self.eventColumns) FROM event
                        WHERE kind = ANY(\(kinds)) AND operation_id = ANY(\(operationIds)) AND strpos(payload, \(text)) > 0
                        ORDER BY sequence DESC LIMIT \(limit)
                        """, logger: logger))
            }
            return try await Self.events(
                try await connection.query(
                    """
                    SELECT \(unescaped: Self.eventColumns) FROM event
                    WHERE kind = ANY(\(kinds)) AND strpos(payload, \(text)) > 0
                    ORDER BY sequence DESC LIMIT \(limit)
                    """, logger: logger))
        }
    }

    // MARK: Targets

    static func insertTarget(_ target: Target, json: String, in writer: Writer) async throws {
        try await writer.run(
            """
            INSERT INTO target (id, operation_id, originator_agency_id, handling, distribution, json)
            VALUES (\(target.id), \(target.operationId), \(target.originatorAgencyId), \(target.handling.rawValue),
                    \(target.distribution.json), \(json))
            """)
        try await insertSelectors(of: target, in: writer)
    }

    static func insertSelectors(of target: Target, in writer: Writer) async throws {
        for selector in target.selectors {
            try await writer.run(
                """
                INSERT INTO selector (target_id, operation_id, kind, match_key, date_of_birth)
                VALUES (\(target.id), \(target.operationId), \(selector.kind.rawValue), \(selector.matchKey),
                        \(selector.dateOfBirth))
                """)
        }
    }

    public func readSelectors<Accumulator: Sendable>(
        into accumulator: Accumulator, _ add: @escaping @Sendable (inout Accumulator, SelectorBytes) -> Void
    ) async throws -> Accumulator {
        try await read { [logger] connection in
            var accumulator = accumulator
            for try await (targetId, operationId, agencyId, kind, matchKey, dateOfBirth) in try await connection.query(
                """
                SELECT selector.target_id, selector.operation_id, target.originator_agency_id, selector.kind,
                       selector.match_key, selector.date_of_birth
                FROM target JOIN selector ON selector.target_id = target.id
                """, logger: logger
            ).decode((String, String, String, String, String, String?).self) {
                guard let kind = SelectorKind(rawValue: kind) else { continue }
                var (targetId, operationId, agencyId, matchKey) = (targetId, operationId, agencyId, matchKey)
                var dateOfBirth = dateOfBirth
                targetId.withUTF8 { targetId in
                    operationId.withUTF8 { operationId in
                        agencyId.withUTF8 { agencyId in
                            matchKey.withUTF8 { matchKey in
                                func selector(_ birth: UnsafeRawBufferPointer?) -> SelectorBytes {
                                    SelectorBytes(
                                        targetId: .init(targetId), operationId: .init(operationId),
                                        agencyId: .init(agencyId), kind: kind, matchKey: .init(matchKey),
                                        dateOfBirth: birth)
                                }
                                if dateOfBirth != nil {
                                    dateOfBirth!.withUTF8 { add(&accumulator, selector(.init($0))) }
                                } else {
                                    add(&accumulator, selector(nil))
                                }
                            }
                        }
                    }
                }
            }
            return accumulator
        }
    }

    public func createTarget(_ target: Target, by actor: Actor, hits: HitChanges) async throws -> [Hit] {
        try await importTargets([target], by: actor, hits: hits)
    }

    public func importTargets(_ targets: [Target], by actor: Actor, hits: HitChanges) async throws -> [Hit] {
        guard !targets.isEmpty else { return [] }
        // Found before the transaction: finding them reads through this client's connections,
        // which writers waiting for the chain's lock could all be holding.
        let hits = try await hits.resolved()
        return try await write { writer in
            for target in targets {
                let json = target.json
                try await Self.insertTarget(target, json: json, in: writer)
                try await Self.append(
                    EventDraft(operationId: target.operationId, actor: actor, kind: "target.created", payload: json),
                    in: writer)
            }
            return try await Self.write(hits, by: actor, in: writer)
        }
    }

    static func encodedTargets(_ rows: PostgresRowSequence) async throws -> [EncodedTarget] {
        var result: [EncodedTarget] = []
        var distributions = DistributionDecoder()
        for try await (id, originator, handling, distributionText, json) in rows.decode(
            (String, String, String, String, String).self)
        {
            let distribution = try distributions.decode(distributionText)
            result.append(
                EncodedTarget(
                    handling: RecordHandling(
                        originatorAgencyId: originator, handling: HandlingCode(rawValue: handling) ?? .h3,
                        distribution: distribution), id: id, json: json))
        }
        return result
    }

    public func encodedTargets(operationId: String) async throws -> [EncodedTarget] {
        try await read { [logger] connection in
            try await Self.encodedTargets(
                try await connection.query(
                    """
                    SELECT id, originator_agency_id, handling, distribution, json FROM target
                    WHERE operation_id = \(operationId) ORDER BY position
                    """, logger: logger))
        }
    }

    public func visibleTargetsJSON(
        operationId: String, isVisible: @escaping @Sendable (RecordHandling) -> Bool
    ) async throws -> VisibleTargets {
        let sequence = try await latestSequence(operationId: operationId)
        let targets = try await encodedTargets(operationId: operationId)
        var json = Data("[".utf8)
        var count = 0
        var ids: [String] = []
        var decisions: [String: Bool] = [:]
        for target in targets {
            let key =
                "\(target.handling.originatorAgencyId)\u{1F}\(target.handling.handling.rawValue)\u{1F}\(target.handling.distribution)"
            let visible = decisions[key] ?? isVisible(target.handling)
            decisions[key] = visible
            guard visible else { continue }
            if count > 0 { json.append(0x2C) }
            json.append(contentsOf: target.json.utf8)
            ids.append(target.id)
            count += 1
        }
        json.append(0x5D)
        return VisibleTargets(json: json, count: count, ids: ids, asOfSequence: sequence)
    }

    public func target(id: String, operationId: String) async throws -> Target? {
        try await document(Target.self, from: "target", id: id, operationId: operationId)
    }

    public func targets(ids: [String]) async throws -> [Target] {
        guard !ids.isEmpty else { return [] }
        return try await read { [logger] connection in
            try await Self.documents(
                Target.self,
                try await connection.query("SELECT json FROM target WHERE id = ANY(\(ids))", logger: logger))
        }
    }

    public func updateTarget(
        id: String, operationId: String, by actor: Actor, hits: HitChanges,
        _ change: @escaping @Sendable (Target) throws -> Target
    ) async throws -> Target {
        // Found before the transaction, as for an import.
        let hits = try await hits.resolved()
        return try await write { writer in
            let current = try await Self.existing(
                Target.self, in: "target", id: id, operationId: operationId, notFound: "No such target.",
                on: writer)
            let updated = try change(current)
            let json = updated.json
            try await writer.run(
                """
                UPDATE target SET handling = \(updated.handling.rawValue),
                    distribution = \(updated.distribution.json), json = \(json)
                WHERE id = \(id)
                """)
            try await writer.run("DELETE FROM selector WHERE target_id = \(id)")
            try await Self.insertSelectors(of: updated, in: writer)
            try await Self.append(
                EventDraft(operationId: operationId, actor: actor, kind: "target.updated", payload: json), in: writer)
            _ = try await Self.write(hits, by: actor, in: writer)
            return updated
        }
    }

    public func deleteTarget(
        id: String, operationId: String, by actor: Actor, _ check: @escaping @Sendable (Target) throws -> Void
    ) async throws {
        try await write { writer in
            let current = try await Self.existing(
                Target.self, in: "target", id: id, operationId: operationId, notFound: "No such target.",
                on: writer)
            try check(current)
            try await writer.run("DELETE FROM target WHERE id = \(id)")
            try await Self.append(
                EventDraft(
                    operationId: operationId, actor: actor, kind: "target.deleted",
                    payload: try ConcertJSON.encodeToString(DeletedTarget(current))),
                in: writer)
            var hitIds: [String] = []
            for try await hitId in try await writer.rows(
                "SELECT id FROM hit WHERE a_target_id = \(id) OR b_target_id = \(id)"
            ).decode(String.self) {
                hitIds.append(hitId)
            }
            let connection = PostgresSQLConnection(connection: writer.connection, logger: writer.logger, writer: writer)
            try await BlockingThreads.run { [hitIds] in try removeHits(ids: hitIds, by: actor, in: connection) }
        }
    }

    /// Writes the hits a change of targets made and ended, found before the transaction (see
    /// ``writeHits(_:by:in:)``); returns the hits stored.
    static func write(_ changes: HitChanges, by actor: Actor, in writer: Writer) async throws -> [Hit] {
        let connection = PostgresSQLConnection(connection: writer.connection, logger: writer.logger, writer: writer)
        return try await BlockingThreads.run { try writeHits(changes, by: actor, in: connection) }
    }

    // MARK: Event log and audit

    public func recordRead(by actor: Actor, operationId: String?, what: String, payload: String) async throws {
        try await write { writer in
            try await Self.append(
                EventDraft(operationId: operationId, actor: actor, kind: what, payload: payload),
                countsInOperation: false, in: writer)
        }
    }

    public func latestSequence(operationId: String) async throws -> Int64 {
        try await readLog { [logger] connection in
            var sequence: Int64 = 0
            for try await value in try await connection.query(
                "SELECT last_sequence FROM operation WHERE id = \(operationId)", logger: logger
            ).decode(Int64.self) {
                sequence = value
            }
            return sequence
        }
    }

    static let eventColumns = """
        sequence, operation_id, operation_sequence, actor_user_id, actor_agency_id, kind, payload, recorded_at,
        previous_hash, hash
        """

    static func events(_ rows: PostgresRowSequence) async throws -> [Event] {
        var events: [Event] = []
        for try await (
            sequence, operationId, operationSequence, userId, agencyId, kind, payload, recordedAt, previous, hash
        )
            in rows.decode((Int64, String?, Int64?, String?, String?, String, String, String, String, String).self)
        {
            events.append(
                Event(
                    sequence: sequence, operationId: operationId, operationSequence: operationSequence,
                    actorUserId: userId, actorAgencyId: agencyId, kind: kind, payload: payload, recordedAt: recordedAt,
                    previousHash: previous, hash: hash))
        }
        return events
    }

    public func events(operationId: String, after operationSequence: Int64, limit: Int) async throws -> [Event] {
        try await readLog { [logger] connection in
            try await Self.events(
                try await connection.query(
                    """
                    SELECT \(unescaped: Self.eventColumns) FROM event
                    WHERE operation_id = \(operationId) AND operation_sequence > \(operationSequence)
                    ORDER BY operation_sequence LIMIT \(limit)
                    """, logger: logger))
        }
    }

    public func events(after sequence: Int64, limit: Int) async throws -> [Event] {
        try await readLog { [logger] connection in
            try await Self.events(
                try await connection.query(
                    """
                    SELECT \(unescaped: Self.eventColumns) FROM event WHERE sequence > \(sequence)
                    ORDER BY sequence LIMIT \(limit)
                    """, logger: logger))
        }
    }

    public func verifyAuditChain() async throws -> ChainVerification {
        var verifier = EventChain.Verifier()
        var after: Int64 = 0
        // Read in pages, so that a chain of millions needs no memory.
        page: while true {
            let events = try await events(after: after, limit: 10_000)
            if events.isEmpty { break }
            for event in events {
                if !verifier.check(event) { break page }
                after = event.sequence
            }
        }
        let head = try await read { [logger] connection -> (Int64, String) in
            var head: (Int64, String) = (0, EventChain.genesisHash)
            for try await row in try await connection.query(
                "SELECT sequence, hash FROM chain_head WHERE id = 1", logger: logger
            ).decode((Int64, String).self) {
                head = row
            }
            return head
        }
        return verifier.finish(headSequence: head.0, headHash: head.1)
    }

    /// Holds a session-level advisory lock on a connection of its own while `body` runs.
    public func exclusively(_ body: @escaping @Sendable () async throws -> Void) async throws {
        let key = PostgresSchema.lockKey + 1
        try await client.withConnection { [logger] connection in
            try await connection.execute("SELECT pg_advisory_lock(\(key))", logger: logger)
            do {
                try await body()
            } catch {
                _ = try? await connection.query("SELECT pg_advisory_unlock(\(key))", logger: logger)
                throw error
            }
            try await connection.execute("SELECT pg_advisory_unlock(\(key))", logger: logger)
        }
    }

    public func headSequence() async throws -> Int64 {
        try await readLog { [logger] connection in
            var sequence: Int64 = 0
            for try await value in try await connection.query(
                "SELECT sequence FROM chain_head WHERE id = 1", logger: logger
            ).decode(Int64.self) {
                sequence = value
            }
            return sequence
        }
    }

    /// Several servers share the database.
    public var isShared: Bool { true }

    public func isEmpty() async throws -> Bool {
        try await read { [logger] connection in
            !(try await Self.exists(try await connection.query("SELECT 1 FROM agency LIMIT 1", logger: logger)))
        }
    }
}
