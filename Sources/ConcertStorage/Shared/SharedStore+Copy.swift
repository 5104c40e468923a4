import ConcertCore
import Foundation

// Copying a whole installation between databases (`concert migrate-data`), once for both
// engines, whose tables are the same.

extension SQLEngineStore {
    public func copiedTable(_ name: String, columns: [String]) async throws -> CopiedTable {
        return try await reading { connection in
            let order =
                switch name {
                case "event": "sequence"
                case "message_read": "user_id, message_id"
                case "log_node": "level, position"
                case "log_checkpoint": "size"
                default: connection.dialect.insertionOrder(of: name)
                }
            let rows = try connection.rows(
                """
                SELECT \(raw: columns.joined(separator: ", ")) FROM \(raw: InstallationTables.physical(name))
                ORDER BY \(raw: order)
                """)
            return CopiedTable(name: name, columns: columns, rows: rows.map { $0.values.map(CopiedValue.init) })
        }
    }

    public func restore(_ tables: [CopiedTable]) async throws {
        try await writing { transaction in
            guard try !transaction.exists("SELECT 1 FROM agency LIMIT 1"),
                try !transaction.exists("SELECT 1 FROM event LIMIT 1")
            else { throw StoreError.duplicate("The destination database is not empty; copy into a new one.") }
            // The copy's chain head is the source's: nothing is appended by the copy itself.
            try transaction.execute("DELETE FROM chain_head")
            for table in tables {
                // A copied target keeps its JSON in its row: `target_row` points at no event.
                let destination = table.name == "target" ? "target_row" : InstallationTables.physical(table.name)
                for row in table.rows {
                    try transaction.execute(
                        .insert(into: destination, columns: table.columns, values: row.map(\.sqlValue)))
                    // The search index is derived from the messages, not copied.
                    if table.name == "message", let index = table.columns.firstIndex(of: "json"),
                        case .text(let json) = row[index]
                    {
                        try Self.indexText(of: try ConcertJSON.decode(Message.self, from: json), in: transaction)
                    }
                }
            }
        }
    }
}

extension CopiedValue {
    init(_ value: SQLValue) {
        switch value {
        case .null: self = .null
        case .integer(let number): self = .integer(number)
        case .real(let number): self = .real(number)
        case .text(let text): self = .text(text)
        }
    }

    var sqlValue: SQLValue {
        switch self {
        case .null: .null
        case .integer(let number): .integer(number)
        case .real(let number): .real(number)
        case .text(let text): .text(text)
        }
    }
}
