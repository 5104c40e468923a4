import ConcertCore
import Foundation
import GRDB

extension SQLiteStore {
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
                db,
                sql:
                    "SELECT \(columns.joined(separator: ", ")) FROM \(InstallationTables.physical(name)) ORDER BY \(order)"
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
                let destination = table.name == "target" ? "target_row" : InstallationTables.physical(table.name)
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
