import ConcertCore
import Foundation
import PostgresNIO

extension PostgresStore {
    public func createMessage(_ message: Message, by actor: Actor) async throws {
        try await write { writer in
            try await writer.run(
                """
                INSERT INTO message (id, operation_id, json, search)
                VALUES (\(message.id), \(message.operationId), \(try ConcertJSON.encodeToString(message)),
                        to_tsvector('simple', \(message.subject) || ' ' || \(message.body)))
                """)
            try await Self.append(
                EventDraft(
                    operationId: message.operationId, actor: actor, kind: "message.sent",
                    payload: try ConcertJSON.encodeToString(MessageNotice(MessageRecord(message: message)))),
                in: writer)
        }
    }

    public func messages(operationId: String) async throws -> [MessageRecord] {
        try await read { [logger] connection in
            let forwards = try await Self.documents(
                Forward.self,
                try await connection.query(
                    """
                    SELECT f.json FROM message_forward f JOIN message m ON m.id = f.message_id
                    WHERE m.operation_id = \(operationId) ORDER BY f.position
                    """, logger: logger))
            var acknowledgements: [String: [Acknowledgement]] = [:]
            for try await (messageId, json) in try await connection.query(
                """
                SELECT a.message_id, a.json FROM message_acknowledgement a JOIN message m ON m.id = a.message_id
                WHERE m.operation_id = \(operationId) ORDER BY a.position
                """, logger: logger
            ).decode((String, String).self) {
                acknowledgements[messageId, default: []].append(
                    try ConcertJSON.decode(Acknowledgement.self, from: json))
            }
            let forwardsByMessage = Dictionary(grouping: forwards, by: \.messageId)
            return try await Self.documents(
                Message.self,
                try await connection.query(
                    "SELECT json FROM message WHERE operation_id = \(operationId) ORDER BY position", logger: logger)
            ).map { message in
                MessageRecord(
                    message: message, forwards: forwardsByMessage[message.id] ?? [],
                    acknowledgements: acknowledgements[message.id] ?? [])
            }
        }
    }

    /// A message with its bookkeeping, read inside a write; refused when it is not there.
    static func existingMessage(id: String, operationId: String, on writer: Writer) async throws -> MessageRecord {
        guard
            let record = try await fetchMessage(
                id: id, operationId: operationId, on: writer.connection, logger: writer.logger)
        else { throw StoreError.notFound("No such message.") }
        return record
    }

    static func fetchMessage(
        id: String, operationId: String, on connection: PostgresConnection, logger: Logger
    ) async throws -> MessageRecord? {
        guard
            let message = try await document(
                Message.self, from: "message", id: id, operationId: operationId, on: connection, logger: logger)
        else { return nil }
        return MessageRecord(
            message: message,
            forwards: try await documents(
                Forward.self,
                try await connection.query(
                    "SELECT json FROM message_forward WHERE message_id = \(id) ORDER BY position", logger: logger)),
            acknowledgements: try await documents(
                Acknowledgement.self,
                try await connection.query(
                    "SELECT json FROM message_acknowledgement WHERE message_id = \(id) ORDER BY position",
                    logger: logger)))
    }

    public func message(id: String, operationId: String) async throws -> MessageRecord? {
        try await read { [logger] connection in
            try await Self.fetchMessage(id: id, operationId: operationId, on: connection, logger: logger)
        }
    }

    public func searchMessages(operationId: String, words: [String]) async throws -> [String] {
        // Only letters and digits reach the query, each as a prefix: nothing a user types is
        // read as query syntax.
        let terms = words.map { String($0.unicodeScalars.filter(CharacterSet.alphanumerics.contains)) }
            .filter { !$0.isEmpty }.map { $0.lowercased() + ":*" }
        guard !terms.isEmpty else { return [] }
        let query = terms.joined(separator: " & ")
        return try await read { [logger] connection in
            var ids: [String] = []
            for try await id in try await connection.query(
                """
                SELECT id FROM message
                WHERE operation_id = \(operationId) AND search @@ to_tsquery('simple', \(query))
                ORDER BY ts_rank(search, to_tsquery('simple', \(query))) DESC, position
                """, logger: logger
            ).decode(String.self) {
                ids.append(id)
            }
            return ids
        }
    }

    public func messagesRead(userId: String, operationId: String) async throws -> Set<String> {
        try await read { [logger] connection in
            var ids: Set<String> = []
            for try await id in try await connection.query(
                """
                SELECT r.message_id FROM message_read r JOIN message m ON m.id = r.message_id
                WHERE r.user_id = \(userId) AND m.operation_id = \(operationId)
                """, logger: logger
            ).decode(String.self) {
                ids.insert(id)
            }
            return ids
        }
    }

    public func recordMessageRead(
        messageId: String, operationId: String, by actor: Actor, what: String, payload: String
    ) async throws {
        try await write { writer in
            try await writer.run(
                """
                INSERT INTO message_read (message_id, user_id) VALUES (\(messageId), \(actor.userId))
                ON CONFLICT DO NOTHING
                """)
            try await Self.append(
                EventDraft(operationId: operationId, actor: actor, kind: what, payload: payload),
                countsInOperation: false, in: writer)
        }
    }

    public func acknowledgeMessage(
        id: String, operationId: String, by actor: Actor,
        _ check: @escaping @Sendable (MessageRecord) throws -> Void
    ) async throws -> (record: MessageRecord, isNew: Bool) {
        try await write { writer in
            var record = try await Self.existingMessage(id: id, operationId: operationId, on: writer)
            try check(record)
            if record.acknowledgements.contains(where: { $0.agencyId == actor.agencyId }) { return (record, false) }
            let acknowledgement = Acknowledgement(
                agencyId: actor.agencyId, userId: actor.userId, acknowledgedAt: ConcertJSON.now())
            try await writer.run(
                """
                INSERT INTO message_acknowledgement (message_id, agency_id, json)
                VALUES (\(id), \(actor.agencyId), \(try ConcertJSON.encodeToString(acknowledgement)))
                """)
            record.acknowledgements.append(acknowledgement)
            try await Self.append(
                EventDraft(
                    operationId: operationId, actor: actor, kind: "message.acknowledged",
                    payload: try ConcertJSON.encodeToString(MessageNotice(record, acknowledgement: acknowledgement))),
                in: writer)
            return (record, true)
        }
    }

    public func changeForward(
        messageId: String, operationId: String, by actor: Actor, eventKind: String,
        _ change: @escaping @Sendable (MessageRecord) throws -> Forward
    ) async throws -> (record: MessageRecord, forward: Forward) {
        try await write { writer in
            var record = try await Self.existingMessage(id: messageId, operationId: operationId, on: writer)
            let forward = try change(record)
            let json = try ConcertJSON.encodeToString(forward)
            if record.record(forward) {
                try await writer.run(
                    "INSERT INTO message_forward (id, message_id, json) VALUES (\(forward.id), \(messageId), \(json))")
            } else {
                try await writer.run("UPDATE message_forward SET json = \(json) WHERE id = \(forward.id)")
            }
            try await Self.append(
                EventDraft(
                    operationId: operationId, actor: actor, kind: eventKind,
                    payload: try ConcertJSON.encodeToString(MessageNotice(forwardOf: forward, in: record))),
                in: writer)
            return (record, forward)
        }
    }
}

extension PostgresStore: CopyableStore {
    /// The table's name here: `user` is a reserved word in PostgreSQL.
    static func physical(_ name: String) -> String { name == "user" ? "app_user" : name }

    public func copiedTable(_ name: String, columns: [String]) async throws -> CopiedTable {
        let order =
            switch name {
            case "event": "sequence"
            case "message_read": "user_id, message_id"
            case "agency", "user", "operation", "participant", "selector", "chain_head": "ctid"
            default: "position"
            }
        let numeric: Set<String> = [
            "created_at", "last_sequence", "offset_minutes", "sequence", "operation_sequence", "id_number",
        ]
        let selected = columns.map { column in
            if name == "chain_head" && column == "id" { return "id::bigint" }
            return numeric.contains(column) ? column : "\(column)::text"
        }
        return try await read { [logger] connection in
            var rows: [[CopiedValue]] = []
            for try await row in try await connection.query(
                PostgresQuery(
                    unsafeSQL:
                        "SELECT \(selected.joined(separator: ", ")) FROM \(Self.physical(name)) ORDER BY \(order)"),
                logger: logger)
            {
                var values: [CopiedValue] = []
                for (index, cell) in row.enumerated() {
                    let column = columns[index]
                    if column == "created_at" {
                        values.append((try cell.decode(Double?.self)).map(CopiedValue.real) ?? .null)
                    } else if numeric.contains(column) || (name == "chain_head" && column == "id") {
                        values.append((try cell.decode(Int64?.self)).map(CopiedValue.integer) ?? .null)
                    } else {
                        values.append((try cell.decode(String?.self)).map(CopiedValue.text) ?? .null)
                    }
                }
                rows.append(values)
            }
            return CopiedTable(name: name, columns: columns, rows: rows)
        }
    }

    public func restore(_ tables: [CopiedTable]) async throws {
        try await write { [logger] writer in
            guard !(try await Self.exists(try await writer.rows("SELECT 1 FROM agency LIMIT 1"))),
                !(try await Self.exists(try await writer.rows("SELECT 1 FROM event LIMIT 1")))
            else { throw StoreError.duplicate("The destination database is not empty; copy into a new one.") }
            try await writer.run("DELETE FROM chain_head")
            for table in tables {
                var columns = table.columns
                if table.name == "message" { columns.append("search") }
                for row in table.rows {
                    var query = PostgresQuery(
                        unsafeSQL:
                            "INSERT INTO \(Self.physical(table.name)) (\(columns.joined(separator: ", "))) VALUES (")
                    var bindings = PostgresBindings()
                    for (index, value) in row.enumerated() {
                        query.sql += (index == 0 ? "" : ", ") + "$\(index + 1)"
                        switch value {
                        case .text(let text): bindings.append(text)
                        case .integer(let number): bindings.append(number)
                        case .real(let number): bindings.append(number)
                        case .null: bindings.appendNull()
                        }
                    }
                    if table.name == "message", case .text(let json) = row[2] {
                        let message = try ConcertJSON.decode(Message.self, from: json)
                        query.sql += ", to_tsvector('simple', $\(row.count + 1))"
                        bindings.append(message.subject + " " + message.body)
                    }
                    query.sql += ")"
                    query.binds = bindings
                    try await writer.connection.execute(query, logger: logger)
                }
            }
            // The copy's chain head is the source's: nothing is appended by the copy itself.
            for try await (sequence, hash) in try await writer.rows(
                "SELECT sequence, hash FROM chain_head WHERE id = 1"
            )
            .decode((Int64, String).self) {
                writer.sequence = sequence
                writer.hash = hash
            }
        }
    }
}
