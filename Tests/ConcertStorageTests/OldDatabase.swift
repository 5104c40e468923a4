import Foundation
import GRDB

@testable import ConcertStorage

/// A SQLite database as an earlier version of Concert left it: migrated up to `migration`,
/// holding agency `fr` and operation `op`, and the rows `sql` writes. Returns its path; the
/// store opened on it next migrates it the rest of the way.
func oldDatabase(
    upTo migration: String, named name: String, _ sql: String, arguments: StatementArguments = []
) async throws -> String {
    let path = FileManager.default.temporaryDirectory.appendingPathComponent("\(name)-\(UUID()).sqlite").path
    let queue = try DatabaseQueue(path: path)
    try SQLiteSchema.migrator.migrate(queue, upTo: migration)
    try await queue.write { db in
        try db.execute(
            sql: """
                INSERT INTO agency (id, name, country, kind, contact) VALUES ('fr', 'OCLCTIC', 'FR', 'police', NULL);
                INSERT INTO operation (id, json, created_at) VALUES ('op', '{}', 0);
                """)
        try db.execute(sql: sql, arguments: arguments)
    }
    try queue.close()
    return path
}
