import ConcertCore
import Foundation
import GRDB

extension SQLiteStore {
    public func createMessage(_ message: Message, by actor: Actor) async throws {
        try await commit(operationId: message.operationId) { db in
            try db.execute(
                sql: "INSERT INTO message (id, operation_id, json) VALUES (?, ?, ?)",
                arguments: [message.id, message.operationId, try ConcertJSON.encodeToString(message)])
            try db.execute(
                sql: "INSERT INTO message_text (subject, body, operation_id, message_id) VALUES (?, ?, ?, ?)",
                arguments: [message.subject, message.body, message.operationId, message.id])
            try Self.append(
                EventDraft(
                    operationId: message.operationId, actor: actor, kind: "message.sent",
                    payload: try ConcertJSON.encodeToString(MessageNotice(MessageRecord(message: message)))),
                in: db)
        }
    }

    public func messages(operationId: String) async throws -> [MessageRecord] {
        try await pool.read { db in
            var forwards: [String: [Forward]] = [:]
            for json in try String.fetchAll(
                db,
                sql: """
                    SELECT f.json FROM message_forward f JOIN message m ON m.id = f.message_id
                    WHERE m.operation_id = ? ORDER BY f.rowid
                    """,
                arguments: [operationId])
            {
                let forward = try ConcertJSON.decode(Forward.self, from: json)
                forwards[forward.messageId, default: []].append(forward)
            }
            var acknowledgements: [String: [Acknowledgement]] = [:]
            for row in try Row.fetchAll(
                db,
                sql: """
                    SELECT a.message_id, a.json FROM message_acknowledgement a JOIN message m ON m.id = a.message_id
                    WHERE m.operation_id = ? ORDER BY a.rowid
                    """,
                arguments: [operationId])
            {
                acknowledgements[row["message_id"], default: []].append(
                    try ConcertJSON.decode(Acknowledgement.self, from: row["json"] as String))
            }
            return try String.fetchAll(
                db, sql: "SELECT json FROM message WHERE operation_id = ? ORDER BY rowid", arguments: [operationId]
            ).map { json in
                let message = try ConcertJSON.decode(Message.self, from: json)
                return MessageRecord(
                    message: message, forwards: forwards[message.id] ?? [],
                    acknowledgements: acknowledgements[message.id] ?? [])
            }
        }
    }

    public func message(id: String, operationId: String) async throws -> MessageRecord? {
        try await pool.read { db in try Self.fetchMessage(id: id, operationId: operationId, in: db) }
    }

    static func fetchMessage(id: String, operationId: String, in db: Database) throws -> MessageRecord? {
        guard
            let json = try String.fetchOne(
                db, sql: "SELECT json FROM message WHERE id = ? AND operation_id = ?", arguments: [id, operationId])
        else { return nil }
        return MessageRecord(
            message: try ConcertJSON.decode(Message.self, from: json),
            forwards: try String.fetchAll(
                db, sql: "SELECT json FROM message_forward WHERE message_id = ? ORDER BY rowid", arguments: [id]
            ).map { try ConcertJSON.decode(Forward.self, from: $0) },
            acknowledgements: try String.fetchAll(
                db, sql: "SELECT json FROM message_acknowledgement WHERE message_id = ? ORDER BY rowid",
                arguments: [id]
            ).map { try ConcertJSON.decode(Acknowledgement.self, from: $0) })
    }

    public func searchMessages(operationId: String, words: [String]) async throws -> [String] {
        // Each word becomes a quoted FTS5 string with a prefix star, so that nothing a user
        // types is read as query syntax.
        let query = words.map { "\"" + $0.replacingOccurrences(of: "\"", with: "\"\"") + "\"*" }.joined(separator: " ")
        guard !query.isEmpty else { return [] }
        return try await pool.read { db in
            try String.fetchAll(
                db,
                sql: """
                    SELECT message_id FROM message_text
                    WHERE message_text MATCH ? AND operation_id = ? ORDER BY rank
                    """,
                arguments: [query, operationId])
        }
    }

    public func messagesRead(userId: String, operationId: String) async throws -> Set<String> {
        try await pool.read { db in
            Set(
                try String.fetchAll(
                    db,
                    sql: """
                        SELECT r.message_id FROM message_read r JOIN message m ON m.id = r.message_id
                        WHERE r.user_id = ? AND m.operation_id = ?
                        """,
                    arguments: [userId, operationId]))
        }
    }

    public func recordMessageRead(
        messageId: String, operationId: String, by actor: Actor, what: String, payload: String
    ) async throws {
        _ = try await pool.write { db in
            try db.execute(
                sql: "INSERT OR IGNORE INTO message_read (message_id, user_id) VALUES (?, ?)",
                arguments: [messageId, actor.userId])
            return try Self.append(
                EventDraft(operationId: operationId, actor: actor, kind: what, payload: payload),
                countsInOperation: false, in: db)
        }
    }

    public func acknowledgeMessage(
        id: String, operationId: String, by actor: Actor,
        _ check: @escaping @Sendable (MessageRecord) throws -> Void
    ) async throws -> (record: MessageRecord, isNew: Bool) {
        try await commit(operationId: operationId) { db in
            guard var record = try Self.fetchMessage(id: id, operationId: operationId, in: db) else {
                throw StoreError.notFound("No such message.")
            }
            try check(record)
            if record.acknowledgements.contains(where: { $0.agencyId == actor.agencyId }) { return (record, false) }
            let acknowledgement = Acknowledgement(
                agencyId: actor.agencyId, userId: actor.userId, acknowledgedAt: ConcertJSON.now())
            try db.execute(
                sql: "INSERT INTO message_acknowledgement (message_id, agency_id, json) VALUES (?, ?, ?)",
                arguments: [id, actor.agencyId, try ConcertJSON.encodeToString(acknowledgement)])
            record.acknowledgements.append(acknowledgement)
            try Self.append(
                EventDraft(
                    operationId: operationId, actor: actor, kind: "message.acknowledged",
                    payload: try ConcertJSON.encodeToString(MessageNotice(record, acknowledgement: acknowledgement))),
                in: db)
            return (record, true)
        }
    }

    public func changeForward(
        messageId: String, operationId: String, by actor: Actor, eventKind: String,
        _ change: @escaping @Sendable (MessageRecord) throws -> Forward
    ) async throws -> (record: MessageRecord, forward: Forward) {
        try await commit(operationId: operationId) { db in
            guard var record = try Self.fetchMessage(id: messageId, operationId: operationId, in: db) else {
                throw StoreError.notFound("No such message.")
            }
            let forward = try change(record)
            let json = try ConcertJSON.encodeToString(forward)
            if record.record(forward) {
                try db.execute(
                    sql: "INSERT INTO message_forward (id, message_id, json) VALUES (?, ?, ?)",
                    arguments: [forward.id, messageId, json])
            } else {
                try db.execute(sql: "UPDATE message_forward SET json = ? WHERE id = ?", arguments: [json, forward.id])
            }
            try Self.append(
                EventDraft(
                    operationId: operationId, actor: actor, kind: eventKind,
                    payload: try ConcertJSON.encodeToString(MessageNotice(forwardOf: forward, in: record))),
                in: db)
            return (record, forward)
        }
    }
}

extension SQLiteStore: CopyableStore {
    public func copiedTable(_ name: String, columns: [String]) async throws -> CopiedTable {
        if name == "selector" {
            // Kept packed in the target rows here; copied in the shared one-row-per-selector form.
            let rows = try await allSelectors().map { selector -> [CopiedValue] in
                let values: [String: CopiedValue] = [
                    "target_id": .text(selector.targetId), "operation_id": .text(selector.operationId),
                    "kind": .text(selector.kind.rawValue), "match_key": .text(selector.matchKey),
                    "date_of_birth": selector.dateOfBirth.map(CopiedValue.text) ?? .null,
                ]
                return columns.map { values[$0] ?? .null }
            }
            return CopiedTable(name: name, columns: columns, rows: rows)
        }
        let order = name == "event" ? "sequence" : (name == "message_read" ? "user_id, message_id" : "rowid")
        return try await pool.read { db in
            let rows = try Row.fetchAll(
                db, sql: "SELECT \(columns.joined(separator: ", ")) FROM \(name) ORDER BY \(order)"
            ).map { row in
                (0..<columns.count).map { index -> CopiedValue in
                    switch row[index] as DatabaseValue {
                    case let value where value.isNull: .null
                    case let value:
                        switch value.storage {
                        case .int64(let number): .integer(number)
                        case .double(let number): .real(number)
                        case .string(let text): .text(text)
                        case .blob(let data): .text(String(decoding: data, as: UTF8.self))
                        case .null: .null
                        }
                    }
                }
            }
            return CopiedTable(name: name, columns: columns, rows: rows)
        }
    }

    public func restore(_ tables: [CopiedTable]) async throws {
        try await pool.write { db in
            guard try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM agency") == 0,
                try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM event") == 0
            else { throw StoreError.duplicate("The destination database is not empty; copy into a new one.") }
            try db.execute(sql: "DELETE FROM chain_head")
            for table in tables {
                if table.name == "selector" {
                    try Self.restoreSelectors(table, in: db)
                    continue
                }
                // Targets are restored with their JSON in the row, as before migration v9.
                let destination = table.name == "target" ? "target_row" : table.name
                let statement = try db.makeStatement(
                    sql:
                        "INSERT INTO \(destination) (\(table.columns.joined(separator: ", "))) VALUES (\(Array(repeating: "?", count: table.columns.count).joined(separator: ", ")))"
                )
                for row in table.rows {
                    try statement.execute(
                        arguments: StatementArguments(
                            row.map { value -> DatabaseValueConvertible? in
                                switch value {
                                case .text(let text): text
                                case .integer(let number): number
                                case .real(let number): number
                                case .null: nil
                                }
                            }))
                }
                if table.name == "message" {
                    // The search index is derived from the messages, not copied.
                    for row in table.rows {
                        guard case .text(let json) = row[2] else { continue }
                        let message = try ConcertJSON.decode(Message.self, from: json)
                        try db.execute(
                            sql:
                                "INSERT INTO message_text (subject, body, operation_id, message_id) VALUES (?, ?, ?, ?)",
                            arguments: [message.subject, message.body, message.operationId, message.id])
                    }
                }
            }
        }
    }

    /// Packs copied selector rows into their targets (copied before them): see ``PackedSelectors``.
    private static func restoreSelectors(_ table: CopiedTable, in db: Database) throws {
        var packed: [String: [Selector]] = [:]
        for row in table.rows {
            func text(_ column: String) -> String? {
                guard let index = table.columns.firstIndex(of: column), case .text(let text) = row[index] else {
                    return nil
                }
                return text
            }
            guard let targetId = text("target_id"), let kind = text("kind").flatMap(SelectorKind.init),
                let matchKey = text("match_key")
            else { continue }
            packed[targetId, default: []].append(
                Selector(kind: kind, value: .text(matchKey), matchKey: matchKey, dateOfBirth: text("date_of_birth")))
        }
        for (targetId, selectors) in packed {
            try db.execute(
                sql: "UPDATE target_row SET selector_keys = ? WHERE id = ?",
                arguments: [PackedSelectors.pack(selectors), targetId])
        }
    }
}
