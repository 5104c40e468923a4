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
    /// Kept packed in the target rows here; copied in the shared one-row-per-selector form.
    public func copiedSelectors(columns: [String]) async throws -> CopiedTable {
        let rows = try await allSelectors().map { selector -> [CopiedValue] in
            let values: [String: CopiedValue] = [
                "target_id": .text(selector.targetId), "operation_id": .text(selector.operationId),
                "kind": .text(selector.kind.rawValue), "match_key": .text(selector.matchKey),
                "date_of_birth": selector.dateOfBirth.map(CopiedValue.text) ?? .null,
            ]
            return columns.map { values[$0] ?? .null }
        }
        return CopiedTable(name: "selector", columns: columns, rows: rows)
    }

    /// Packs copied selector rows into their targets (copied before them): see ``PackedSelectors``.
    public static func restoreSelectors(_ table: CopiedTable, in transaction: any SQLTransaction) throws {
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
            try transaction.execute(
                "UPDATE target_row SET selector_keys = \(PackedSelectors.pack(selectors)) WHERE id = \(targetId)")
        }
    }
}
