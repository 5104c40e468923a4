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

extension PostgresStore: CopyableStore {}
