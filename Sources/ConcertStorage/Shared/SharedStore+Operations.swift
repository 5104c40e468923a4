import ConcertCore
import Foundation

// Operations and what is planned and written in them (actions, legal instruments, the
// operation log, sitreps), once for both engines.

extension SQLEngineStore {
    public func createOperation(_ operation: JointOperation, by actor: Actor) async throws {
        try await writing { transaction in
            let encoded = try EncodedPayload(operation)
            try transaction.execute(
                """
                INSERT INTO operation (id, json, created_at)
                VALUES (\(operation.id), \(encoded.json), \(operation.createdAt.timeIntervalSince1970))
                """)
            try writeParticipants(of: operation, in: transaction)
            try transaction.append(
                EventDraft(operationId: operation.id, actor: actor, kind: .operationCreated, encoded: encoded))
        }
    }

    public func operations(participatingAgencyId: String) async throws -> [JointOperation] {
        try await reading { connection in
            try connection.documents(
                JointOperation.self,
                """
                SELECT operation.json FROM operation
                JOIN participant ON participant.operation_id = operation.id
                    AND participant.agency_id = \(participatingAgencyId)
                ORDER BY operation.created_at DESC
                """)
        }
    }

    public func operation(id: String) async throws -> JointOperation? {
        try await reading { connection in
            try connection.document(JointOperation.self, "SELECT json FROM operation WHERE id = \(id)")
        }
    }

    public func operationsWithHHour() async throws -> [JointOperation] {
        // Chosen by the database: an installation of a hundred and fifty thousand operations
        // is not decoded every time the overdue watch looks.
        try await reading { connection in
            try connection.documents(
                JointOperation.self,
                "SELECT json FROM operation WHERE \(raw: connection.dialect.jsonField("json", "hHour")) IS NOT NULL")
        }.filter { $0.hHour != nil }
    }

    public func updateOperation(
        id: String, by actor: Actor, eventKind: TypedEventKind<JointOperation>,
        _ change: @escaping @Sendable (JointOperation) throws -> JointOperation
    ) async throws -> JointOperation {
        try await writing(.operation(id)) { transaction in
            let current = try existingOperation(id: id, in: transaction)
            let updated = try change(current)
            let encoded = try EncodedPayload(updated)
            try transaction.execute("UPDATE operation SET json = \(encoded.json) WHERE id = \(id)")
            try writeParticipants(of: updated, in: transaction)
            try transaction.append(EventDraft(operationId: id, actor: actor, kind: eventKind, encoded: encoded))
            return updated
        }
    }

    // MARK: Actions

    public func createAction(_ action: Action, by actor: Actor) async throws {
        try await writing(.operation(action.operationId)) { transaction in
            let encoded = try EncodedPayload(action)
            try transaction.execute(
                """
                INSERT INTO action (id, operation_id, offset_minutes, json)
                VALUES (\(action.id), \(action.operationId), \(action.offsetMinutes), \(encoded.json))
                """)
            try transaction.append(
                EventDraft(operationId: action.operationId, actor: actor, kind: .actionCreated, encoded: encoded))
        }
    }

    public func actions(operationId: String) async throws -> [Action] {
        try await reading { connection in try actionsOf(operationId, in: connection) }
    }

    public func encodedActions(operationId: String) async throws -> [EncodedAction] {
        try await reading { connection in
            let dialect = connection.dialect
            return try connection.rows(
                """
                SELECT id, \(raw: dialect.jsonField("json", "targetId")), json FROM action
                WHERE operation_id = \(operationId) ORDER BY offset_minutes, \(raw: dialect.insertionOrder)
                """
            ).map { row in
                EncodedAction(id: try row.string(0), targetId: row.optionalString(1), json: try row.string(2))
            }
        }
    }

    public func action(id: String, operationId: String) async throws -> Action? {
        try await readDocument(Action.self, from: "action", id: id, operationId: operationId)
    }

    public func updateAction(
        id: String, operationId: String, by actor: Actor, eventKind: TypedEventKind<Action>,
        _ change: @escaping @Sendable (Action, JointOperation) throws -> Action
    ) async throws -> Action {
        // PostgreSQL has a version of its own, with no lock (`PostgresStore.updateAction`).
        try await writing(.operation(operationId)) { transaction in
            // The action and its operation in one read: a status report takes as few round
            // trips as it can.
            guard
                let row = try transaction.rows(
                    """
                    SELECT action.json, operation.json, operation.last_sequence
                    FROM action JOIN operation ON operation.id = action.operation_id
                    WHERE action.id = \(id) AND action.operation_id = \(operationId)
                    """
                ).first
            else { throw StoreError.notFound("No such action.") }
            transaction.knowLastSequence(try row.int64(2), of: operationId)
            let updated = try change(
                try ConcertJSON.decode(Action.self, from: try row.string(0)),
                try ConcertJSON.decode(JointOperation.self, from: try row.string(1)))
            try writeAction(updated, eventKind: eventKind, by: actor, in: transaction)
            return updated
        }
    }

    public func updateActionDay(
        operationId: String, by actor: Actor, eventKind: TypedEventKind<JointOperation>,
        _ change: @escaping @Sendable (JointOperation, [Action]) throws -> (JointOperation, [Action])
    ) async throws -> (operation: JointOperation, changed: [Action]) {
        try await writing(.operation(operationId)) { transaction in
            let operation = try existingOperation(id: operationId, in: transaction)
            let (updated, changed) = try change(operation, try actionsOf(operationId, in: transaction))
            let encoded = try EncodedPayload(updated)
            try transaction.execute("UPDATE operation SET json = \(encoded.json) WHERE id = \(operationId)")
            try transaction.append(
                EventDraft(operationId: operationId, actor: actor, kind: eventKind, encoded: encoded))
            for action in changed {
                try writeAction(action, eventKind: .actionStatusChanged, by: actor, in: transaction)
            }
            return (updated, changed)
        }
    }

    // MARK: Legal instruments

    public func createInstrument(_ instrument: LegalInstrument, by actor: Actor) async throws {
        try await insertDocument(
            instrument, into: "legal_instrument", operationId: instrument.operationId, by: actor,
            eventKind: .instrumentCreated)
    }

    public func instruments(operationId: String) async throws -> [LegalInstrument] {
        try await readDocuments(LegalInstrument.self, from: "legal_instrument", operationId: operationId)
    }

    public func instrument(id: String, operationId: String) async throws -> LegalInstrument? {
        try await readDocument(LegalInstrument.self, from: "legal_instrument", id: id, operationId: operationId)
    }

    public func updateInstrument(
        id: String, operationId: String, by actor: Actor,
        _ change: @escaping @Sendable (LegalInstrument) throws -> LegalInstrument
    ) async throws -> LegalInstrument {
        try await updateDocument(
            LegalInstrument.self, in: "legal_instrument", id: id, operationId: operationId, by: actor,
            notFound: "No such legal instrument.", eventKind: { _, _ in .instrumentUpdated }
        ) { current, _ in try change(current) }
    }

    // MARK: Operation log

    public func createLogEntry(_ entry: LogEntry, by actor: Actor) async throws {
        try await insertDocument(
            entry, into: "log_entry", operationId: entry.operationId, by: actor, eventKind: .logPosted)
    }

    public func logEntries(operationId: String) async throws -> [LogEntry] {
        try await readDocuments(LogEntry.self, from: "log_entry", operationId: operationId)
    }

    public func updateLogEntry(
        id: String, operationId: String, by actor: Actor, eventKind: TypedEventKind<LogEntry>,
        _ change: @escaping @Sendable (LogEntry) throws -> LogEntry
    ) async throws -> LogEntry {
        try await updateDocument(
            LogEntry.self, in: "log_entry", id: id, operationId: operationId, by: actor,
            notFound: "No such log entry.", eventKind: { _, _ in eventKind }
        ) { current, _ in try change(current) }
    }

    // MARK: Sitreps

    public func createSitrep(
        operationId: String, by actor: Actor,
        _ compile: @escaping @Sendable (JointOperation, [Action], [LogEntry], [Sitrep], ExhibitTally) throws -> Sitrep
    ) async throws -> Sitrep {
        try await writing(.operation(operationId)) { transaction in
            let operation = try existingOperation(id: operationId, in: transaction)
            let sitreps = try transaction.documents(Sitrep.self, from: "sitrep", operationId: operationId)
            let sitrep = try compile(
                operation, try actionsOf(operationId, in: transaction),
                try transaction.documents(LogEntry.self, from: "log_entry", operationId: operationId), sitreps,
                try exhibitTally(operationId: operationId, in: transaction))
            let encoded = try EncodedPayload(sitrep)
            try transaction.execute(
                "INSERT INTO sitrep (id, operation_id, json) VALUES (\(sitrep.id), \(operationId), \(encoded.json))")
            try transaction.append(
                EventDraft(operationId: operationId, actor: actor, kind: .sitrepCompiled, encoded: encoded))
            return sitrep
        }
    }

    public func sitreps(operationId: String) async throws -> [Sitrep] {
        try await readDocuments(Sitrep.self, from: "sitrep", operationId: operationId)
    }

    public func sitrep(id: String, operationId: String) async throws -> Sitrep? {
        try await readDocument(Sitrep.self, from: "sitrep", id: id, operationId: operationId)
    }

    public func updateSitrep(
        id: String, operationId: String, by actor: Actor,
        _ change: @escaping @Sendable (Sitrep, [Sitrep]) throws -> Sitrep
    ) async throws -> Sitrep {
        try await updateDocument(
            Sitrep.self, in: "sitrep", id: id, operationId: operationId, by: actor, notFound: "No such sitrep.",
            eventKind: { current, updated in
                // The approval rule: only the change from draft to approved is an approval.
                current.status == .draft && updated.status == .approved ? .sitrepApproved : .sitrepUpdated
            }, change)
    }

    public func deleteAction(
        id: String, operationId: String, by actor: Actor, _ check: @escaping @Sendable (Action) throws -> Void
    ) async throws {
        try await deleteDocument(
            Action.self, from: "action", id: id, operationId: operationId, notFound: "No such action.", by: actor,
            recording: .actionDeleted, check)
    }

    /// Deletes a record of an operation from a table that keeps records as JSON, once `check`
    /// has seen it, and appends `kind` naming it (the table name is never taken from input).
    func deleteDocument<Record: Decodable & Sendable>(
        _ type: Record.Type, from table: String, id: String, operationId: String, notFound: String, by actor: Actor,
        recording kind: TypedEventKind<RecordReference>, _ check: @escaping @Sendable (Record) throws -> Void
    ) async throws {
        try await writing(.operation(operationId)) { transaction in
            // Held, so that no status report changes an action between its check and its deletion.
            _ = try existingOperation(id: operationId, in: transaction)
            let current = try transaction.existing(
                type, in: table, id: id, operationId: operationId, notFound: notFound)
            try check(current)
            try transaction.execute("DELETE FROM \(raw: table) WHERE id = \(id)")
            try transaction.append(
                EventDraft(operationId: operationId, actor: actor, kind: kind, payload: RecordReference(id: id)))
        }
    }

    public func deleteSitrep(
        id: String, operationId: String, by actor: Actor, _ check: @escaping @Sendable (Sitrep) throws -> Void
    ) async throws {
        try await deleteDocument(
            Sitrep.self, from: "sitrep", id: id, operationId: operationId, notFound: "No such sitrep.", by: actor,
            recording: .sitrepDiscarded, check)
    }

    // MARK: Records kept as JSON

    /// Every record of an operation from a table that keeps records as JSON, as written.
    func readDocuments<Record: Decodable & Sendable>(
        _ type: Record.Type, from table: String, operationId: String
    ) async throws -> [Record] {
        try await reading { connection in try connection.documents(type, from: table, operationId: operationId) }
    }

    /// One record of an operation from such a table.
    func readDocument<Record: Decodable & Sendable>(
        _ type: Record.Type, from table: String, id: String, operationId: String
    ) async throws -> Record? {
        try await reading { connection in try connection.document(type, from: table, id: id, operationId: operationId) }
    }

    /// Stores a record of an operation in a table that keeps records as JSON, with the event
    /// `eventKind` names.
    func insertDocument<Record: EventPayload & Identifiable>(
        _ record: Record, into table: String, operationId: String, by actor: Actor,
        eventKind: TypedEventKind<Record>
    ) async throws where Record.ID == String {
        try await writing(.operation(operationId)) { transaction in
            let encoded = try EncodedPayload(record)
            try transaction.execute(
                """
                INSERT INTO \(raw: table) (id, operation_id, json) VALUES (\(record.id), \(operationId), \(encoded.json))
                """)
            try transaction.append(
                EventDraft(operationId: operationId, actor: actor, kind: eventKind, encoded: encoded))
        }
    }

    /// Changes a record kept as JSON inside one transaction and records the event `eventKind`
    /// names for the change; `change` also sees every record of the operation in that table.
    func updateDocument<Record: Codable & EventPayload & Identifiable>(
        _ type: Record.Type, in table: String, id: String, operationId: String, by actor: Actor, notFound: String,
        eventKind: @escaping @Sendable (Record, Record) -> TypedEventKind<Record>,
        _ change: @escaping @Sendable (Record, [Record]) throws -> Record
    ) async throws -> Record where Record.ID == String {
        try await writing(.operation(operationId)) { transaction in
            let all = try transaction.documents(type, from: table, operationId: operationId)
            guard let current = all.first(where: { $0.id == id }) else { throw StoreError.notFound(notFound) }
            let updated = try change(current, all)
            let encoded = try EncodedPayload(updated)
            try transaction.execute("UPDATE \(raw: table) SET json = \(encoded.json) WHERE id = \(id)")
            try transaction.append(
                EventDraft(
                    operationId: operationId, actor: actor, kind: eventKind(current, updated), encoded: encoded))
            return updated
        }
    }
}

/// The operation, read inside a write (its sequence number comes along, so that appending
/// its events needs no read of its own) and held until the write commits: a status report on
/// PostgreSQL, which takes no lock, waits for it and then sees this write's changes (see
/// `PostgresStore.updateAction`). Refused when there is none.
func existingOperation(id: String, in transaction: any SQLTransaction) throws -> JointOperation {
    guard
        let row = try transaction.rows(
            "SELECT json, last_sequence FROM operation WHERE id = \(id) \(raw: transaction.dialect.forUpdate)"
        ).first
    else {
        throw StoreError.notFound("No such operation.")
    }
    transaction.knowLastSequence(try row.int64(1), of: id)
    return try ConcertJSON.decode(JointOperation.self, from: try row.string(0))
}

private func writeParticipants(of operation: JointOperation, in transaction: any SQLTransaction) throws {
    try transaction.execute("DELETE FROM participant WHERE operation_id = \(operation.id)")
    for participant in operation.participants {
        try transaction.execute(
            """
            INSERT INTO participant (operation_id, agency_id, role)
            VALUES (\(operation.id), \(participant.agencyId), \(participant.role.rawValue))
            """)
    }
}

/// An operation's actions in their order on the action day, then as written.
private func actionsOf(_ operationId: String, in connection: any SQLConnection) throws -> [Action] {
    try connection.documents(Action.self, from: "action", operationId: operationId, orderedBy: "offset_minutes")
}

private func writeAction(
    _ action: Action, eventKind: TypedEventKind<Action>, by actor: Actor, in transaction: any SQLTransaction
) throws {
    let encoded = try EncodedPayload(action)
    try transaction.execute(
        "UPDATE action SET offset_minutes = \(action.offsetMinutes), json = \(encoded.json) WHERE id = \(action.id)")
    try transaction.append(
        EventDraft(operationId: action.operationId, actor: actor, kind: eventKind, encoded: encoded))
}
