import ConcertCore
import Foundation
import PostgresNIO

// The `Store` protocol on PostgreSQL, method by method as the SQLite store does it.

extension PostgresStore {
    // MARK: Agencies and users

    public func createAgency(_ agency: Agency, by actor: Actor?) async throws {
        try await write { writer in
            try await writer.run(
                """
                INSERT INTO agency (id, name, country, kind, contact)
                VALUES (\(agency.id), \(agency.name), \(agency.country), \(agency.kind.rawValue), \(agency.contact))
                """)
            try await Self.append(
                EventDraft(
                    operationId: nil, actor: actor, kind: "agency.created",
                    payload: try ConcertJSON.encodeToString(agency)
                ), in: writer)
        }
    }

    static func agencies(_ rows: PostgresRowSequence) async throws -> [Agency] {
        var agencies: [Agency] = []
        for try await (id, name, country, kind, contact) in rows.decode((String, String, String, String, String?).self)
        {
            agencies.append(
                Agency(
                    id: id, name: name, country: country, kind: AgencyKind(rawValue: kind) ?? .police, contact: contact
                ))
        }
        return agencies
    }

    public func agencies() async throws -> [Agency] {
        try await read { [logger] connection in
            try await Self.agencies(
                try await connection.query(
                    "SELECT id, name, country, kind, contact FROM agency ORDER BY name", logger: logger))
        }
    }

    public func agency(id: String) async throws -> Agency? {
        try await read { [logger] connection in
            try await Self.agencies(
                try await connection.query(
                    "SELECT id, name, country, kind, contact FROM agency WHERE id = \(id)", logger: logger)
            ).first
        }
    }

    public func createUser(_ user: User, passwordHash: String, by actor: Actor?) async throws {
        try await write { writer in
            if try await Self.exists(try await writer.rows("SELECT 1 FROM app_user WHERE username = \(user.username)"))
            {
                throw StoreError.duplicate("The username '\(user.username)' is already taken.")
            }
            guard try await Self.exists(try await writer.rows("SELECT 1 FROM agency WHERE id = \(user.agencyId)"))
            else {
                throw StoreError.notFound("No agency has the id '\(user.agencyId)'.")
            }
            try await writer.run(
                """
                INSERT INTO app_user (id, username, display_name, agency_id, role, password_hash)
                VALUES (\(user.id), \(user.username), \(user.displayName), \(user.agencyId), \(user.role.rawValue),
                        \(passwordHash))
                """)
            try await Self.append(
                EventDraft(
                    operationId: nil, actor: actor, kind: "user.created", payload: try ConcertJSON.encodeToString(user)),
                in: writer)
        }
    }

    static let userColumns = """
        app_user.id, app_user.username, app_user.display_name, app_user.agency_id, app_user.role, app_user.disabled_at
        """

    static func users(_ rows: PostgresRowSequence) async throws -> [(User, String)] {
        var users: [(User, String)] = []
        for try await (id, username, name, agency, role, disabledAt, hash) in rows.decode(
            (String, String, String, String, String, Double?, String).self)
        {
            users.append(
                (
                    User(
                        id: id, username: username, displayName: name, agencyId: agency,
                        role: UserRole(rawValue: role) ?? .observer,
                        disabledAt: disabledAt.map(Date.init(timeIntervalSince1970:))), hash
                ))
        }
        return users
    }

    public func updateUser(
        id: String, by actor: Actor?, eventKind: String, endingSessions: Bool,
        _ change: @escaping @Sendable (User) throws -> User
    ) async throws -> User {
        try await write { writer in
            guard
                let current = try await Self.users(
                    try await writer.rows(
                        "SELECT \(unescaped: Self.userColumns), password_hash FROM app_user WHERE id = \(id) FOR UPDATE"
                    )
                ).first?.0
            else { throw StoreError.notFound("No such user.") }
            let updated = try change(current)
            try await writer.run(
                """
                UPDATE app_user SET display_name = \(updated.displayName), role = \(updated.role.rawValue),
                    disabled_at = \(updated.disabledAt?.timeIntervalSince1970) WHERE id = \(id)
                """)
            if endingSessions || updated.isDisabled {
                try await writer.run("DELETE FROM session WHERE user_id = \(id)")
            }
            try await Self.append(
                EventDraft(
                    operationId: nil, actor: actor, kind: eventKind, payload: try ConcertJSON.encodeToString(updated)),
                in: writer)
            return updated
        }
    }

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

    public func users() async throws -> [User] {
        try await read { [logger] connection in
            try await Self.users(
                try await connection.query(
                    "SELECT \(unescaped: Self.userColumns), password_hash FROM app_user ORDER BY username",
                    logger: logger)
            ).map(\.0)
        }
    }

    public func user(id: String) async throws -> User? {
        try await read { [logger] connection in
            try await Self.users(
                try await connection.query(
                    "SELECT \(unescaped: Self.userColumns), password_hash FROM app_user WHERE id = \(id)",
                    logger: logger)
            ).first?.0
        }
    }

    public func credentials(username: String) async throws -> (user: User, passwordHash: String)? {
        try await read { [logger] connection in
            try await Self.users(
                try await connection.query(
                    "SELECT \(unescaped: Self.userColumns), password_hash FROM app_user WHERE username = \(username)",
                    logger: logger)
            ).first.map { (user: $0.0, passwordHash: $0.1) }
        }
    }

    // MARK: Sessions

    public func createSession(tokenHash: String, user: User, expiresAt: Date) async throws {
        try await write { writer in
            try await writer.run("DELETE FROM session WHERE expires_at < \(Date().timeIntervalSince1970)")
            try await writer.run(
                """
                INSERT INTO session (token_hash, user_id, expires_at)
                VALUES (\(tokenHash), \(user.id), \(expiresAt.timeIntervalSince1970))
                """)
            try await Self.append(
                EventDraft(
                    operationId: nil, actor: Actor(user), kind: "user.signedIn", payload: #"{"userId":"\#(user.id)"}"#),
                in: writer)
        }
    }

    public func sessionUser(tokenHash: String, now: Date) async throws -> User? {
        try await read { [logger] connection in
            try await Self.users(
                try await connection.query(
                    """
                    SELECT \(unescaped: Self.userColumns), app_user.password_hash
                    FROM session JOIN app_user ON app_user.id = session.user_id
                    WHERE session.token_hash = \(tokenHash) AND session.expires_at > \(now.timeIntervalSince1970)
                        AND app_user.disabled_at IS NULL
                    """, logger: logger)
            ).first?.0
        }
    }

    public func deleteSession(tokenHash: String) async throws {
        _ = try await read { [logger] connection in
            try await connection.execute("DELETE FROM session WHERE token_hash = \(tokenHash)", logger: logger)
        }
    }

    // MARK: Operations

    static func writeParticipants(of operation: JointOperation, in writer: Writer) async throws {
        try await writer.run("DELETE FROM participant WHERE operation_id = \(operation.id)")
        for participant in operation.participants {
            try await writer.run(
                """
                INSERT INTO participant (operation_id, agency_id, role)
                VALUES (\(operation.id), \(participant.agencyId), \(participant.role.rawValue))
                """)
        }
    }

    public func createOperation(_ operation: JointOperation, by actor: Actor) async throws {
        try await write { writer in
            let json = try ConcertJSON.encodeToString(operation)
            try await writer.run(
                """
                INSERT INTO operation (id, json, created_at)
                VALUES (\(operation.id), \(json), \(operation.createdAt.timeIntervalSince1970))
                """)
            try await Self.writeParticipants(of: operation, in: writer)
            try await Self.append(
                EventDraft(operationId: operation.id, actor: actor, kind: "operation.created", payload: json),
                in: writer)
        }
    }

    public func operations(participatingAgencyId: String) async throws -> [JointOperation] {
        try await read { [logger] connection in
            try await Self.documents(
                JointOperation.self,
                try await connection.query(
                    """
                    SELECT operation.json FROM operation
                    JOIN participant ON participant.operation_id = operation.id
                        AND participant.agency_id = \(participatingAgencyId)
                    ORDER BY operation.created_at DESC
                    """, logger: logger))
        }
    }

    /// The operation, read inside a write; its sequence number comes along, so that appending
    /// its events needs no read of its own.
    static func fetchOperation(id: String, in writer: Writer) async throws -> JointOperation? {
        for try await (json, last) in try await writer.rows(
            "SELECT json, last_sequence FROM operation WHERE id = \(id)"
        ).decode((String, Int64).self) {
            if writer.operationSequences[id] == nil { writer.operationSequences[id] = last }
            return try ConcertJSON.decode(JointOperation.self, from: json)
        }
        return nil
    }

    public func operation(id: String) async throws -> JointOperation? {
        try await read { [logger] connection in
            try await Self.document(
                JointOperation.self,
                try await connection.query("SELECT json FROM operation WHERE id = \(id)", logger: logger))
        }
    }

    public func updateOperation(
        id: String, by actor: Actor, eventKind: String,
        _ change: @escaping @Sendable (JointOperation) throws -> JointOperation
    ) async throws -> JointOperation {
        try await write { writer in
            guard let current = try await Self.fetchOperation(id: id, in: writer) else {
                throw StoreError.notFound("No such operation.")
            }
            let updated = try change(current)
            let json = try ConcertJSON.encodeToString(updated)
            try await writer.run("UPDATE operation SET json = \(json) WHERE id = \(id)")
            try await Self.writeParticipants(of: updated, in: writer)
            try await Self.append(EventDraft(operationId: id, actor: actor, kind: eventKind, payload: json), in: writer)
            return updated
        }
    }

    public func operationsWithHHour() async throws -> [JointOperation] {
        try await read { [logger] connection in
            try await Self.documents(
                JointOperation.self, try await connection.query("SELECT json FROM operation", logger: logger))
        }.filter { $0.hHour != nil }
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
                    payload: try ConcertJSON.encodeToString(SQLiteStore.DeletedTarget(current))),
                in: writer)
            var hitIds: [String] = []
            for try await hitId in try await writer.rows(
                "SELECT id FROM hit WHERE a_target_id = \(id) OR b_target_id = \(id)"
            ).decode(String.self) {
                hitIds.append(hitId)
            }
            try await Self.deleteHits(ids: hitIds, by: actor, in: writer)
        }
    }

    // MARK: Actions and legal instruments

    public func createAction(_ action: Action, by actor: Actor) async throws {
        try await write { writer in
            let json = try ConcertJSON.encodeToString(action)
            try await writer.run(
                """
                INSERT INTO action (id, operation_id, offset_minutes, json)
                VALUES (\(action.id), \(action.operationId), \(action.offsetMinutes), \(json))
                """)
            try await Self.append(
                EventDraft(operationId: action.operationId, actor: actor, kind: "action.created", payload: json),
                in: writer)
        }
    }

    static let actionOrder = "offset_minutes, position"

    public func actions(operationId: String) async throws -> [Action] {
        try await documents(Action.self, from: "action", operationId: operationId, orderedBy: Self.actionOrder)
    }

    public func action(id: String, operationId: String) async throws -> Action? {
        try await document(Action.self, from: "action", id: id, operationId: operationId)
    }

    static func writeAction(_ action: Action, eventKind: String, by actor: Actor, in writer: Writer) async throws {
        let json = try ConcertJSON.encodeToString(action)
        try await writer.run(
            "UPDATE action SET offset_minutes = \(action.offsetMinutes), json = \(json) WHERE id = \(action.id)")
        try await append(
            EventDraft(operationId: action.operationId, actor: actor, kind: eventKind, payload: json), in: writer)
    }

    public func updateAction(
        id: String, operationId: String, by actor: Actor, eventKind: String,
        _ change: @escaping @Sendable (Action, JointOperation) throws -> Action
    ) async throws -> Action {
        try await write { writer in
            // The action and its operation in one read: a status report holds the chain head
            // for as few round trips as it can.
            var found: (Action, JointOperation)?
            for try await (actionJSON, operationJSON, last) in try await writer.rows(
                """
                SELECT action.json, operation.json, operation.last_sequence
                FROM action JOIN operation ON operation.id = action.operation_id
                WHERE action.id = \(id) AND action.operation_id = \(operationId)
                """
            ).decode((String, String, Int64).self) {
                if writer.operationSequences[operationId] == nil { writer.operationSequences[operationId] = last }
                found = (
                    try ConcertJSON.decode(Action.self, from: actionJSON),
                    try ConcertJSON.decode(JointOperation.self, from: operationJSON)
                )
            }
            guard let (current, operation) = found else { throw StoreError.notFound("No such action.") }
            let updated = try change(current, operation)
            try await Self.writeAction(updated, eventKind: eventKind, by: actor, in: writer)
            return updated
        }
    }

    public func updateActionDay(
        operationId: String, by actor: Actor, eventKind: String,
        _ change: @escaping @Sendable (JointOperation, [Action]) throws -> (JointOperation, [Action])
    ) async throws -> (operation: JointOperation, changed: [Action]) {
        try await write { [logger] writer in
            guard let operation = try await Self.fetchOperation(id: operationId, in: writer) else {
                throw StoreError.notFound("No such operation.")
            }
            let actions = try await Self.documents(
                Action.self, from: "action", operationId: operationId, orderedBy: Self.actionOrder,
                on: writer.connection, logger: logger)
            let (updated, changed) = try change(operation, actions)
            let json = try ConcertJSON.encodeToString(updated)
            try await writer.run("UPDATE operation SET json = \(json) WHERE id = \(operationId)")
            try await Self.append(
                EventDraft(operationId: operationId, actor: actor, kind: eventKind, payload: json), in: writer)
            for action in changed {
                try await Self.writeAction(action, eventKind: "action.statusChanged", by: actor, in: writer)
            }
            return (updated, changed)
        }
    }

    public func createInstrument(_ instrument: LegalInstrument, by actor: Actor) async throws {
        try await write { writer in
            let json = try ConcertJSON.encodeToString(instrument)
            try await writer.run(
                """
                INSERT INTO legal_instrument (id, operation_id, json)
                VALUES (\(instrument.id), \(instrument.operationId), \(json))
                """)
            try await Self.append(
                EventDraft(
                    operationId: instrument.operationId, actor: actor, kind: "instrument.created", payload: json),
                in: writer)
        }
    }

    public func instruments(operationId: String) async throws -> [LegalInstrument] {
        try await documents(LegalInstrument.self, from: "legal_instrument", operationId: operationId)
    }

    public func instrument(id: String, operationId: String) async throws -> LegalInstrument? {
        try await document(LegalInstrument.self, from: "legal_instrument", id: id, operationId: operationId)
    }

    public func updateInstrument(
        id: String, operationId: String, by actor: Actor,
        _ change: @escaping @Sendable (LegalInstrument) throws -> LegalInstrument
    ) async throws -> LegalInstrument {
        try await updateDocument(
            LegalInstrument.self, in: "legal_instrument", id: id, operationId: operationId, by: actor,
            notFound: "No such legal instrument.", eventKind: { _, _ in "instrument.updated" }
        ) { current, _ in try change(current) }
    }

    /// Changes a record kept as JSON inside one transaction and records the event `eventKind`
    /// names for the change; `change` also sees every record of the operation in that table.
    func updateDocument<Record: Codable & Sendable & Identifiable>(
        _ type: Record.Type, in table: String, id: String, operationId: String, by actor: Actor, notFound: String,
        eventKind: @escaping @Sendable (Record, Record) -> String,
        _ change: @escaping @Sendable (Record, [Record]) throws -> Record
    ) async throws -> Record where Record.ID == String {
        try await write { [logger] writer in
            let all = try await Self.documents(
                type, from: table, operationId: operationId, on: writer.connection, logger: logger)
            guard let current = all.first(where: { $0.id == id }) else { throw StoreError.notFound(notFound) }
            let updated = try change(current, all)
            let json = try ConcertJSON.encodeToString(updated)
            try await writer.run("UPDATE \(unescaped: table) SET json = \(json) WHERE id = \(id)")
            try await Self.append(
                EventDraft(operationId: operationId, actor: actor, kind: eventKind(current, updated), payload: json),
                in: writer)
            return updated
        }
    }

    // MARK: Operation log and sitreps

    public func createLogEntry(_ entry: LogEntry, by actor: Actor) async throws {
        try await write { writer in
            let json = try ConcertJSON.encodeToString(entry)
            try await writer.run(
                "INSERT INTO log_entry (id, operation_id, json) VALUES (\(entry.id), \(entry.operationId), \(json))")
            try await Self.append(
                EventDraft(operationId: entry.operationId, actor: actor, kind: "log.posted", payload: json), in: writer)
        }
    }

    public func logEntries(operationId: String) async throws -> [LogEntry] {
        try await documents(LogEntry.self, from: "log_entry", operationId: operationId)
    }

    public func updateLogEntry(
        id: String, operationId: String, by actor: Actor, eventKind: String,
        _ change: @escaping @Sendable (LogEntry) throws -> LogEntry
    ) async throws -> LogEntry {
        try await updateDocument(
            LogEntry.self, in: "log_entry", id: id, operationId: operationId, by: actor,
            notFound: "No such log entry.", eventKind: { _, _ in eventKind }
        ) { current, _ in try change(current) }
    }

    public func createSitrep(
        operationId: String, by actor: Actor,
        _ compile: @escaping @Sendable (JointOperation, [Action], [LogEntry], [Sitrep]) throws -> Sitrep
    ) async throws -> Sitrep {
        try await write { [logger] writer in
            guard let operation = try await Self.fetchOperation(id: operationId, in: writer) else {
                throw StoreError.notFound("No such operation.")
            }
            let connection = writer.connection
            let sitrep = try compile(
                operation,
                try await Self.documents(
                    Action.self, from: "action", operationId: operationId, orderedBy: Self.actionOrder,
                    on: connection, logger: logger),
                try await Self.documents(
                    LogEntry.self, from: "log_entry", operationId: operationId, on: connection, logger: logger),
                try await Self.documents(
                    Sitrep.self, from: "sitrep", operationId: operationId, on: connection, logger: logger))
            let json = try ConcertJSON.encodeToString(sitrep)
            try await writer.run(
                "INSERT INTO sitrep (id, operation_id, json) VALUES (\(sitrep.id), \(operationId), \(json))")
            try await Self.append(
                EventDraft(operationId: operationId, actor: actor, kind: "sitrep.compiled", payload: json), in: writer)
            return sitrep
        }
    }

    public func sitreps(operationId: String) async throws -> [Sitrep] {
        try await documents(Sitrep.self, from: "sitrep", operationId: operationId)
    }

    public func sitrep(id: String, operationId: String) async throws -> Sitrep? {
        try await document(Sitrep.self, from: "sitrep", id: id, operationId: operationId)
    }

    public func updateSitrep(
        id: String, operationId: String, by actor: Actor,
        _ change: @escaping @Sendable (Sitrep, [Sitrep]) throws -> Sitrep
    ) async throws -> Sitrep {
        try await updateDocument(
            Sitrep.self, in: "sitrep", id: id, operationId: operationId, by: actor, notFound: "No such sitrep.",
            eventKind: { current, updated in
                current.status == .draft && updated.status == .approved ? "sitrep.approved" : "sitrep.updated"
            }, change)
    }

    public func deleteSitrep(
        id: String, operationId: String, by actor: Actor, _ check: @escaping @Sendable (Sitrep) throws -> Void
    ) async throws {
        try await write { writer in
            let current = try await Self.existing(
                Sitrep.self, in: "sitrep", id: id, operationId: operationId, notFound: "No such sitrep.",
                on: writer)
            try check(current)
            try await writer.run("DELETE FROM sitrep WHERE id = \(id)")
            try await Self.append(
                EventDraft(
                    operationId: operationId, actor: actor, kind: "sitrep.discarded",
                    payload: try ConcertJSON.encodeToString(["id": id])), in: writer)
        }
    }

    // MARK: Hits and exclusions

    public func recordHits(_ hits: [Hit], by actor: Actor) async throws -> [Hit] {
        guard !hits.isEmpty else { return [] }
        return try await write { writer in try await Self.insertHits(hits, by: actor, in: writer) }
    }

    /// Stores the hits whose pair is not stored yet, with `hit.found` in both operations' logs;
    /// returns those it stored.
    static func insertHits(_ hits: [Hit], by actor: Actor, in writer: Writer) async throws -> [Hit] {
        var stored: [Hit] = []
        for hit in hits {
            let json = hit.json
            let inserted = try await exists(
                try await writer.rows(
                    """
                    INSERT INTO hit (id, pair_key, a_target_id, b_target_id, a_agency_id, b_agency_id, found_at, json)
                    VALUES (\(hit.id), \(hit.pairKey), \(hit.a.targetId), \(hit.b.targetId), \(hit.a.agencyId),
                            \(hit.b.agencyId), \(ConcertJSON.formatTimestamp(hit.foundAt)), \(json))
                    ON CONFLICT (pair_key) DO NOTHING RETURNING 1
                    """))
            guard inserted else { continue }
            for operationId in [hit.a.operationId, hit.b.operationId] {
                try await append(
                    EventDraft(operationId: operationId, actor: actor, kind: "hit.found", payload: json), in: writer)
            }
            stored.append(hit)
        }
        return stored
    }

    /// Removes the hits `ids` names, with `hit.retired` in both operations' logs.
    static func deleteHits(ids: [String], by actor: Actor?, in writer: Writer) async throws {
        for id in ids {
            for try await json in try await writer.rows("DELETE FROM hit WHERE id = \(id) RETURNING json").decode(
                String.self)
            {
                let hit = try ConcertJSON.decode(Hit.self, from: json)
                for operationId in [hit.a.operationId, hit.b.operationId] {
                    try await append(
                        EventDraft(operationId: operationId, actor: actor, kind: "hit.retired", payload: json),
                        in: writer)
                }
            }
        }
    }

    /// Writes the hits a change of targets made and ended; returns the hits stored.
    static func write(_ changes: HitChanges, by actor: Actor, in writer: Writer) async throws -> [Hit] {
        let changes = try await changes.resolved()
        try await deleteHits(ids: changes.retiredIds, by: actor, in: writer)
        return try await insertHits(changes.found, by: actor, in: writer)
    }

    func hits(where condition: PostgresQuery) async throws -> [Hit] {
        try await read { [logger] connection in
            var query: PostgresQuery = "SELECT json FROM hit WHERE "
            query.sql += condition.sql
            query.binds = condition.binds
            query.sql += " ORDER BY found_at DESC, position DESC"
            return try await Self.documents(Hit.self, try await connection.query(query, logger: logger))
        }
    }

    public func hits(targetId: String) async throws -> [Hit] {
        try await hits(where: "a_target_id = \(targetId) OR b_target_id = \(targetId)")
    }

    public func hits(agencyId: String) async throws -> [Hit] {
        try await hits(where: "a_agency_id = \(agencyId) OR b_agency_id = \(agencyId)")
    }

    public func hit(id: String) async throws -> Hit? {
        try await hits(where: "id = \(id)").first
    }

    public func hitCount() async throws -> Int {
        try await read { [logger] connection in
            var count = 0
            for try await value in try await connection.query("SELECT COUNT(*) FROM hit", logger: logger).decode(
                Int.self)
            {
                count = value
            }
            return count
        }
    }

    public func updateHit(
        id: String, by actor: Actor, _ change: @escaping @Sendable (Hit) throws -> Hit
    ) async throws
        -> Hit
    {
        try await write { writer in
            guard
                let current = try await Self.document(
                    Hit.self, try await writer.rows("SELECT json FROM hit WHERE id = \(id)"))
            else { throw StoreError.notFound("No such hit.") }
            let updated = try change(current)
            let json = try ConcertJSON.encodeToString(updated)
            try await writer.run("UPDATE hit SET json = \(json) WHERE id = \(id)")
            for side in [updated.a, updated.b] where side.agencyId == actor.agencyId {
                try await Self.append(
                    EventDraft(operationId: side.operationId, actor: actor, kind: "hit.reviewed", payload: json),
                    in: writer)
            }
            return updated
        }
    }

    public func retireHits(ids: [String], by actor: Actor?) async throws {
        guard !ids.isEmpty else { return }
        try await write { writer in try await Self.deleteHits(ids: ids, by: actor, in: writer) }
    }

    public func createExclusion(_ exclusion: Exclusion, by actor: Actor, hits: HitChanges) async throws {
        _ = try await write { writer in
            let json = try ConcertJSON.encodeToString(exclusion)
            try await writer.run(
                "INSERT INTO exclusion (id, agency_id, json) VALUES (\(exclusion.id), \(exclusion.agencyId), \(json))")
            try await Self.append(
                EventDraft(operationId: nil, actor: actor, kind: "exclusion.created", payload: json), in: writer)
            return try await Self.write(hits, by: actor, in: writer)
        }
    }

    public func exclusions(agencyId: String?) async throws -> [Exclusion] {
        try await read { [logger] connection in
            let rows =
                if let agencyId {
                    try await connection.query(
                        "SELECT json FROM exclusion WHERE agency_id = \(agencyId) ORDER BY position", logger: logger)
                } else {
                    try await connection.query("SELECT json FROM exclusion ORDER BY position", logger: logger)
                }
            return try await Self.documents(Exclusion.self, rows)
        }
    }

    public func deleteExclusion(id: String, by actor: Actor, hits: HitChanges) async throws -> Exclusion {
        try await write { writer in
            var deleted: String?
            for try await json in try await writer.rows(
                "DELETE FROM exclusion WHERE id = \(id) AND agency_id = \(actor.agencyId) RETURNING json"
            ).decode(String.self) {
                deleted = json
            }
            guard let json = deleted
            else { throw StoreError.notFound("No such exclusion.") }
            try await Self.append(
                EventDraft(operationId: nil, actor: actor, kind: "exclusion.deleted", payload: json), in: writer)
            _ = try await Self.write(hits, by: actor, in: writer)
            return try ConcertJSON.decode(Exclusion.self, from: json)
        }
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
