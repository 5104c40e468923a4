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
            // An operation's last number is read from its events: PostgreSQL's row does not
            // follow it (see `latestSequence(operationId:)`).
            let selected = columns.map { column in
                name == "operation" && column == "last_sequence"
                    ? "(SELECT COALESCE(MAX(operation_sequence), 0) FROM event WHERE event.operation_id = operation.id)"
                    : column
            }
            let rows = try connection.rows(
                """
                SELECT \(raw: selected.joined(separator: ", ")) FROM \(raw: InstallationTables.physical(name))
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
            // A row pointing at an event still queued (PostgreSQL, while its servers write) would
            // point at nothing in the copy.
            for table in tables {
                guard let column = table.columns.firstIndex(of: "json_event") else { continue }
                if table.rows.contains(where: {
                    if case .integer(let pointer) = $0[column] { pointer < 0 } else { false }
                }) {
                    throw StoreError.duplicate(
                        "The source was being written to while it was read (its \(table.name) rows wait for queued events); stop its servers and copy again."
                    )
                }
            }
            // The copy's chain head is the source's: nothing is appended by the copy itself.
            try transaction.execute("DELETE FROM chain_head")
            for table in tables {
                // A copied target keeps its JSON in its row: `target_row` points at no event.
                let destination = table.name == "target" ? "target_row" : InstallationTables.physical(table.name)
                for row in table.rows {
                    try transaction.execute(
                        .insert(into: destination, columns: table.columns, values: row.map(\.sqlValue)))
                }
            }
            // The lists, counts and search index of messages are derived from them, not copied.
            try MessageListing.addUnlisted(on: transaction, indexText: Self.indexText)
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
