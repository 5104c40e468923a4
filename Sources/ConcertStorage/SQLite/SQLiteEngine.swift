import ConcertCore
import Foundation
import GRDB
import ServiceLifecycle

/// The shared store code's connection on SQLite: GRDB's database, on its own thread.
final class SQLiteConnection: SQLTransaction {
    let db: Database
    let dialect = SQLDialect.sqlite
    /// The operations this transaction appended counted events to, announced once committed.
    private(set) var operations: Set<String> = []

    init(_ db: Database) { self.db = db }

    private func statement(_ statement: SQL) throws -> (Statement, StatementArguments) {
        let text = statement.text(marking: { _ in "?" })
        // Statements of a fixed text are prepared once per connection; those with a list of
        // values would fill the cache with one-off texts.
        let prepared = statement.varies ? try db.makeStatement(sql: text) : try db.cachedStatement(sql: text)
        return (prepared, StatementArguments(statement.values.map(\.databaseValue)))
    }

    func execute(_ statement: SQL) throws {
        let (prepared, arguments) = try self.statement(statement)
        try prepared.execute(arguments: arguments)
    }

    func rows(_ statement: SQL) throws -> [SQLRow] {
        let (prepared, arguments) = try self.statement(statement)
        return try Row.fetchAll(prepared, arguments: arguments).map { row in
            SQLRow(
                row.databaseValues.map { value in
                    switch value.storage {
                    case .null: .null
                    case .int64(let number): .integer(number)
                    case .double(let number): .real(number)
                    case .string(let text): .text(text)
                    case .blob(let data): .text(String(decoding: data, as: UTF8.self))
                    }
                })
        }
    }

    func append(_ draft: EventDraft, countsInOperation: Bool) throws -> Event {
        let event = try SQLiteStore.append(draft, countsInOperation: countsInOperation, in: db)
        if let operationId = event.operationId, event.operationSequence != nil { operations.insert(operationId) }
        return event
    }

    /// Appends events in order, reading the chain head once (an import appends thousands).
    func append(contentsOf drafts: [EventDraft]) throws -> [Event] {
        let events = try SQLiteStore.append(contentsOf: drafts, in: db)
        for event in events where event.operationSequence != nil { operations.insert(event.operationId!) }
        return events
    }
}

extension SQLValue {
    var databaseValue: DatabaseValue {
        switch self {
        case .null: .null
        case .integer(let number): number.databaseValue
        case .real(let number): number.databaseValue
        case .text(let text): text.databaseValue
        }
    }
}

extension SQLiteStore: ReportsPoolUse {
    public var poolUse: [StorePoolUse] { [connectionUse.use] }
}

extension SQLiteStore: SQLEngineStore {
    /// Waits for the application's shutdown: the file's connections have nothing running
    /// between requests, and close with the store.
    public func run() async throws {
        try? await gracefulShutdown()
    }

    /// One write at a time, whatever its scope.
    public func writing<T: Sendable>(
        _ scope: WriteScope, _ body: @escaping @Sendable (any SQLTransaction) throws -> T
    ) async throws -> T {
        let (result, operations) = try await connectionUse.counting {
            try await pool.write { db in
                let connection = SQLiteConnection(db)
                return (try body(connection), connection.operations)
            }
        }
        for operationId in operations { eventSignal.publish(operationId) }
        return result
    }

    public func reading<T: Sendable>(_ body: @escaping @Sendable (any SQLConnection) throws -> T) async throws -> T {
        try await connectionUse.counting { try await pool.read { db in try body(SQLiteConnection(db)) } }
    }

    /// Hits still to find are waited for inside the transaction, after the targets are written.
    public func beforeTransaction(_ hits: HitChanges) async throws -> HitChanges { hits }

    public static func indexText(of message: Message, in connection: any SQLConnection) throws {
        // Every word is indexed as the operation's word: `op<id>_courier`. A search then reads
        // the entries of the operation's words alone, not those of the word in every operation
        // of the installation (a common word is in hundreds of thousands of messages). The
        // index keeps no copy of the text (`content=''`); its rows are numbered by
        // `message_search_row`, whose numbers, unlike a text-keyed table's rowids, VACUUM keeps.
        let scope = searchScope(of: message.operationId)
        try connection.execute("INSERT INTO message_search_row (message_id) VALUES (\(message.id))")
        try connection.execute(
            """
            INSERT INTO message_search (rowid, subject, body)
            SELECT id, \(scoped(message.subject, in: scope)), \(scoped(message.body, in: scope))
            FROM message_search_row WHERE message_id = \(message.id)
            """)
    }

    public static func insertMessage(_ message: Message, in transaction: any SQLTransaction) throws -> Int64? {
        guard
            try transaction.exists(
                """
                INSERT INTO message (id, operation_id, json)
                SELECT \(message.id), \(message.operationId), \(try ConcertJSON.encodeToString(message))
                WHERE EXISTS (SELECT 1 FROM operation WHERE id = \(message.operationId)) RETURNING 1
                """)
        else { return nil }
        try indexText(of: message, in: transaction)
        return try MessageListing.nextPosition(in: message.operationId, on: transaction)
    }

    /// The prefix of an operation's words in the search index: its id without hyphens.
    static func searchScope(of operationId: String) -> String {
        "op" + operationId.filter { $0 != "-" } + "_"
    }

    /// The words of `text` (runs of letters and digits, as a search splits what is typed),
    /// each as the operation's word.
    static func scoped(_ text: String, in scope: String) -> String {
        var result = ""
        result.reserveCapacity(text.utf8.count * 2)
        var inWord = false
        for character in text {
            if character.isLetter || character.isNumber {
                if !inWord { result += scope }
                result.append(character)
                inWord = true
            } else {
                if inWord { result.append(" ") }
                inWord = false
            }
        }
        return result
    }

    public static func messageSearch(words: [String], operationId: String, conditions: SQL) -> SQL? {
        // Each word becomes a quoted FTS5 string of the operation's word with a prefix star, so
        // that nothing a user types is read as query syntax.
        let scope = searchScope(of: operationId)
        let phrases = words.map { "\"" + scope + $0.replacingOccurrences(of: "\"", with: "\"\"") + "\"*" }
            .joined(separator: " AND ")
        guard !phrases.isEmpty else { return nil }
        var statement: SQL = """
            SELECT e.message_id AS message_id,
                   CASE WHEN s.rowid IN (
                       SELECT rowid FROM message_search WHERE message_search MATCH \("subject : (\(phrases))")
                   ) THEN 1 ELSE 0 END AS tier,
                   e.position AS position
            FROM message_search s
            JOIN message_search_row r ON r.id = s.rowid JOIN message_entry e ON e.message_id = r.message_id
            WHERE message_search MATCH \(phrases) AND\u{20}
            """
        statement.append(conditions)
        return statement
    }
}
