import ConcertCore
import Foundation
import PostgresNIO

extension PostgresStore {
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

}

extension PostgresStore: CopyableStore {
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
                        "SELECT \(selected.joined(separator: ", ")) FROM \(InstallationTables.physical(name)) ORDER BY \(order)"
                ),
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
                            "INSERT INTO \(InstallationTables.physical(table.name)) (\(columns.joined(separator: ", "))) VALUES ("
                    )
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
