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

extension SQLiteStore: CopyableStore {}
