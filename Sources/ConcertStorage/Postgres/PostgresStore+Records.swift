import ConcertCore
import Foundation
import PostgresNIO

// The `Store` protocol on PostgreSQL, method by method as the SQLite store does it.

extension PostgresStore {
    // MARK: Targets

    public func readSelectors<Accumulator: Sendable>(
        into accumulator: Accumulator, _ add: @escaping @Sendable (inout Accumulator, SelectorBytes) -> Void
    ) async throws -> Accumulator {
        try await read { [logger] connection in
            var accumulator = accumulator
            for try await (targetId, operationId, agencyId, packed) in try await connection.query(
                "SELECT id, operation_id, originator_agency_id, selector_keys FROM target_row ORDER BY position",
                logger: logger
            ).decode((String, String, String, String).self) {
                var (targetId, operationId, agencyId, packed) = (targetId, operationId, agencyId, packed)
                targetId.withUTF8 { targetId in
                    operationId.withUTF8 { operationId in
                        agencyId.withUTF8 { agencyId in
                            packed.withUTF8 { packed in
                                PackedSelectors.forEach(in: UnsafeRawBufferPointer(packed)) {
                                    kind, matchKey, dateOfBirth in
                                    add(
                                        &accumulator,
                                        SelectorBytes(
                                            targetId: .init(targetId), operationId: .init(operationId),
                                            agencyId: .init(agencyId), kind: kind, matchKey: matchKey,
                                            dateOfBirth: dateOfBirth))
                                }
                            }
                        }
                    }
                }
            }
            return accumulator
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

    public func targets(ids: [String]) async throws -> [Target] {
        guard !ids.isEmpty else { return [] }
        return try await read { [logger] connection in
            try await Self.documents(
                Target.self,
                try await connection.query("SELECT json FROM target WHERE id = ANY(\(ids))", logger: logger))
        }
    }

    // MARK: What every request reads

    /// The user of a session, read by every request of a signed-in user.
    public func sessionUser(tokenHash: String, now: Date) async throws -> User? {
        try await readSession(tokenHash: tokenHash, now: now, operationId: nil)?.user
    }

    /// The user of a session and the operation a request about it names, in one statement: a
    /// request about an operation reads both before anything else.
    public func sessionUser(
        tokenHash: String, now: Date, readingOperation operationId: String
    ) async throws -> (
        User, PrefetchedOperation
    )? {
        guard let (user, json) = try await readSession(tokenHash: tokenHash, now: now, operationId: operationId)
        else { return nil }
        return (user, try PrefetchedOperation(id: operationId, json: json))
    }

    /// The user of a live session and the JSON of the operation `operationId` names (none when
    /// there is no such operation, or no id): a statement prepared once a connection, run
    /// without a hop to a blocking thread.
    private func readSession(
        tokenHash: String, now: Date, operationId: String?
    ) async throws -> (
        user: User, operationJSON: String?
    )? {
        try await read { [logger] connection in
            for try await (user, json) in try await connection.execute(
                ReadSessionUser(tokenHash: tokenHash, now: now.timeIntervalSince1970, operationId: operationId),
                logger: logger)
            {
                return (user, json)
            }
            return nil
        }
    }

    /// An operation, read by every request about one (through the access policy): prepared too.
    public func operation(id: String) async throws -> JointOperation? {
        try await read { [logger] connection in
            for try await json in try await connection.execute(ReadOperation(id: id), logger: logger) {
                return try ConcertJSON.decode(JointOperation.self, from: json)
            }
            return nil
        }
    }

    // MARK: Actions

    /// A change of one action — a status report, the action day's hot path — in two statements
    /// and no transaction of its own: the action and its operation are read, the change is
    /// worked out, and one statement writes the action back with its event only if neither
    /// changed meanwhile (compare and swap); otherwise it starts again from the read. The
    /// outcome is the shared version's, each change seeing the one before, without advisory
    /// locks: reports of an operation's actions run side by side. The statement shares the
    /// operation's row, which every write that reads or changes actions (GO, HOLD, ABORT, a
    /// deletion, an exhibit's seizure) holds from its start (``existingOperation(id:in:)``): a
    /// report waits for such a write and then sees what it changed, and such a write waits for
    /// the reports under way and then reads them.
    public func updateAction(
        id: String, operationId: String, by actor: Actor, eventKind: TypedEventKind<Action>,
        _ change: @escaping @Sendable (Action, JointOperation) throws -> Action
    ) async throws -> Action {
        while true {
            let current = try await read { [logger] connection -> (String, String)? in
                for try await row in try await connection.execute(
                    ReadAction(id: id, operationId: operationId), logger: logger)
                {
                    return row
                }
                return nil
            }
            guard let (actionJSON, operationJSON) = current else { throw StoreError.notFound("No such action.") }
            let updated = try change(
                try ConcertJSON.decode(Action.self, from: actionJSON),
                try ConcertJSON.decode(JointOperation.self, from: operationJSON))
            let encoded = try EncodedPayload(updated)
            let swap = SwapAction(
                id: id, operationId: operationId, read: (actionJSON, operationJSON),
                offsetMinutes: Int64(updated.offsetMinutes),
                event: EventDraft(operationId: operationId, actor: actor, kind: eventKind, encoded: encoded))
            let queued = try await read { [logger] connection -> Int64? in
                for try await id in try await connection.execute(swap, logger: logger) { return id }
                return nil
            }
            if let queued {
                await sequenceCommitted(queueIds: [queued])
                return updated
            }
        }
    }

    // MARK: Messages

    /// A message sent through the API — the exchange's hot path — in one statement that is its
    /// own transaction: the message with its words, its entry, its targets, its count and its
    /// event, or nothing when its operation is not there. The shared version
    /// (``SQLEngineStore/createMessages(_:by:)``) takes six round trips for the same rows; fifty
    /// senders to one operation then outran what two cores serve. Like a status report, it takes
    /// no advisory lock: every row it writes is new but its count, which it changes in the same
    /// statement (``MessageListing/count(_:on:)``). An operation is read first only for a
    /// message to named agencies, to count who is to acknowledge it.
    public func createMessage(_ message: Message, by actor: Actor) async throws {
        let record = MessageRecord(message: message)
        var operation: JointOperation?
        if case .agencies = record.audience {
            guard let read = try await self.operation(id: message.operationId) else {
                throw StoreError.notFound("No such operation.")
            }
            operation = read
        }
        let statement = InsertSentMessage(
            message: message, json: try ConcertJSON.encodeToString(message),
            entry: try MessageListing.EntryColumns(record, in: { operation }),
            event: try EventDraft(sent: message, by: actor))
        let queued = try await connectionUse.counting {
            try await client.withConnection { [logger] connection -> Int64? in
                for try await id in try await connection.execute(statement, logger: logger) { return id }
                return nil
            }
        }
        guard let queued else { throw StoreError.notFound("No such operation.") }
        await sequenceCommitted(queueIds: [queued])
    }

    // MARK: Event log and audit

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

    /// Several servers share the database.
    public var isShared: Bool { true }
}

/// An action and its operation, as a status report reads them.
private struct ReadAction: PostgresPreparedStatement {
    static let sql = """
        SELECT action.json, operation.json FROM action JOIN operation ON operation.id = action.operation_id
        WHERE action.id = $1 AND action.operation_id = $2
        """
    typealias Row = (String, String)

    let id: String
    let operationId: String

    func makeBindings() -> PostgresBindings {
        var bindings = PostgresBindings(capacity: 2)
        bindings.append(id)
        bindings.append(operationId)
        return bindings
    }

    func decodeRow(_ row: PostgresRow) throws -> Row { try row.decode(Row.self) }
}

/// A status report's write: the action written back and its event queued, in one statement,
/// only if the action and its operation are still as they were read (the event's queue id when
/// it wrote).
private struct SwapAction: PostgresPreparedStatement {
    static let sql = """
        WITH unchanged AS (
            SELECT 1 FROM operation WHERE id = $2 AND json = $6 FOR SHARE
        ), changed AS (
            UPDATE action SET offset_minutes = $3, json = $4
            WHERE id = $1 AND operation_id = $2 AND json = $5 AND EXISTS (SELECT 1 FROM unchanged)
            RETURNING 1
        )
        INSERT INTO event_queue (id, operation_id, counts_in_operation, actor_user_id, actor_agency_id, kind, payload)
        SELECT nextval('event_queue_id'), $2, TRUE, $7, $8, $9, $4 FROM changed
        RETURNING id
        """
    typealias Row = Int64

    let id: String
    let operationId: String
    let read: (action: String, operation: String)
    let offsetMinutes: Int64
    let event: EventDraft

    func makeBindings() -> PostgresBindings {
        var bindings = PostgresBindings(capacity: 9)
        bindings.append(id)
        bindings.append(operationId)
        bindings.append(offsetMinutes)
        bindings.append(event.payload)
        bindings.append(read.action)
        bindings.append(read.operation)
        bindings.appendActor(of: event)
        bindings.append(event.kind.rawValue)
        return bindings
    }

    func decodeRow(_ row: PostgresRow) throws -> Int64 { try row.decode(Int64.self) }
}

/// A message sent alone, with every row the shared version writes for it
/// (``SQLEngineStore/insertMessage(_:in:)``, ``MessageListing/addEntry(_:at:in:on:)``,
/// ``MessageListing/count(_:on:)`` and its event), in one statement: its event's queue id when
/// it wrote.
private struct InsertSentMessage: PostgresPreparedStatement {
    static let sql = """
        WITH inserted AS (
            INSERT INTO message (id, operation_id, json, search)
            SELECT $1, $2, $3,
                   setweight(to_tsvector('concert_search', $4), 'A') || setweight(to_tsvector('concert_search', $5), 'B')
            WHERE EXISTS (SELECT 1 FROM operation WHERE id = $2)
            RETURNING position
        ), entry AS (
            INSERT INTO message_entry (
                operation_id, position, message_id, thread_id, access, originator_agency_id, handling, sent_ms,
                to_all, recipients, acknowledgements)
            SELECT $2, position, $1, $6, $7, $8, $9, $10, $11, $12, 0 FROM inserted
        ), targets AS (
            INSERT INTO message_target (target_id, message_id)
            SELECT DISTINCT target_id, $1 FROM inserted, unnest($13::text[]) AS t(target_id)
        ), counted AS (
            INSERT INTO message_access (operation_id, access, messages) SELECT $2, $7, 1 FROM inserted
            ON CONFLICT (operation_id, access) DO UPDATE SET messages = message_access.messages + excluded.messages
        )
        INSERT INTO event_queue (id, operation_id, counts_in_operation, actor_user_id, actor_agency_id, kind, payload)
        SELECT nextval('event_queue_id'), $2, TRUE, $14, $15, $16, $17 FROM inserted
        RETURNING id
        """
    typealias Row = Int64

    let message: Message
    let json: String
    let entry: MessageListing.EntryColumns
    let event: EventDraft

    func makeBindings() -> PostgresBindings {
        var bindings = PostgresBindings(capacity: 17)
        bindings.append(message.id)
        bindings.append(message.operationId)
        bindings.append(json)
        bindings.append(message.subject)
        bindings.append(message.body)
        bindings.append(message.threadId)
        bindings.append(entry.access)
        bindings.append(message.originatorAgencyId)
        bindings.append(message.handling.rawValue)
        bindings.append(entry.sentMilliseconds)
        bindings.append(entry.toAll)
        bindings.append(entry.recipients)
        bindings.append(message.targets)
        bindings.appendActor(of: event)
        bindings.append(event.kind.rawValue)
        bindings.append(event.payload)
        return bindings
    }

    func decodeRow(_ row: PostgresRow) throws -> Int64 { try row.decode(Int64.self) }
}

/// The user of a live session and the JSON of an operation (none when there is no such
/// operation, or no id was given), as every request of a signed-in user reads them.
private struct ReadSessionUser: PostgresPreparedStatement {
    static let sql = """
        SELECT \(userColumns), (SELECT json FROM operation WHERE id = $3)
        FROM session JOIN app_user ON app_user.id = session.user_id
        WHERE session.token_hash = $1 AND session.expires_at > $2 AND app_user.disabled_at IS NULL
        """
    typealias Row = (User, String?)

    let tokenHash: String
    let now: Double
    let operationId: String?

    func makeBindings() -> PostgresBindings {
        var bindings = PostgresBindings(capacity: 3)
        bindings.append(tokenHash)
        bindings.append(now)
        bindings.append(operationId)
        return bindings
    }

    func decodeRow(_ row: PostgresRow) throws -> (User, String?) {
        let values = SQLRow(try row.map(PostgresSQLConnection.value(of:)))
        return (try storedUser(from: values), values.optionalString(7))
    }
}

/// An operation's JSON.
private struct ReadOperation: PostgresPreparedStatement {
    static let sql = "SELECT json FROM operation WHERE id = $1"
    typealias Row = String

    let id: String

    func makeBindings() -> PostgresBindings {
        var bindings = PostgresBindings(capacity: 1)
        bindings.append(id)
        return bindings
    }

    func decodeRow(_ row: PostgresRow) throws -> String { try row.decode(String.self) }
}

extension PostgresBindings {
    /// The user and agency who caused an event, or two nulls.
    mutating func appendActor(of event: EventDraft) {
        if let actor = event.actor {
            append(actor.userId)
            append(actor.agencyId)
        } else {
            appendNull()
            appendNull()
        }
    }
}
