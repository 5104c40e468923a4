import ConcertCore
import Foundation
import Logging
import PostgresNIO

/// The shared store code's connection on PostgreSQL: each statement is sent on the
/// connection and waited for, on one of ``BlockingThreads``.
final class PostgresSQLConnection: SQLTransaction, @unchecked Sendable {
    let connection: PostgresConnection
    let logger: Logger
    /// The write transaction's queued events; nil for a read.
    let writer: PostgresStore.Writer?
    /// Where a write's events get their ids; nil for a read.
    let eventIds: EventIdBlocks?
    let dialect = SQLDialect.postgres

    init(
        connection: PostgresConnection, logger: Logger, writer: PostgresStore.Writer?, eventIds: EventIdBlocks? = nil
    ) {
        self.connection = connection
        self.logger = logger
        self.writer = writer
        self.eventIds = eventIds
    }

    static func query(_ statement: SQL) throws -> PostgresQuery {
        var bindings = PostgresBindings(capacity: statement.values.count)
        for value in statement.values {
            switch value {
            case .null: bindings.appendNull()
            case .integer(let number): bindings.append(number)
            case .real(let number): bindings.append(number)
            case .text(let text): bindings.append(text)
            }
        }
        return PostgresQuery(unsafeSQL: statement.text(marking: { "$\($0)" }), binds: bindings)
    }

    // Each statement is waited for on its connection's event loop future: the thread waiting
    // holds no thread of the concurrency pool, and the answer does not queue for one (a writer
    // holds its locks meanwhile).

    func execute(_ statement: SQL) throws {
        _ = try connection.query(try Self.query(statement), logger: logger).wait()
    }

    func rows(_ statement: SQL) throws -> [SQLRow] {
        try connection.query(try Self.query(statement), logger: logger).wait().rows.map { row in
            SQLRow(try row.map(Self.value(of:)))
        }
    }

    /// A cell as one of the four kinds of value, by its column's type.
    static func value(of cell: PostgresCell) throws -> SQLValue {
        guard cell.bytes != nil else { return .null }
        switch cell.dataType {
        case .int2, .int4, .int8: return .integer(try cell.decode(Int64.self))
        case .float4, .float8: return .real(try cell.decode(Double.self))
        case .bool: return .integer(try cell.decode(Bool.self) ? 1 : 0)
        default: return .text(try cell.decode(String.self))
        }
    }

    func knowLastSequence(_ sequence: Int64, of operationId: String) {
        knowOperationExists(operationId)
    }

    func knowOperationExists(_ operationId: String) {
        // Its events need no read to find it.
        writer?.knownOperations.insert(operationId)
    }

    func append(_ draft: EventDraft, countsInOperation: Bool) throws -> Event {
        guard let writer, let eventIds else { preconditionFailure("Events are appended in a write transaction.") }
        if let operationId = draft.operationId, countsInOperation, !writer.knownOperations.contains(operationId) {
            guard try exists("SELECT 1 FROM operation WHERE id = \(operationId)") else {
                throw StoreError.notFound("No such operation.")
            }
            writer.knownOperations.insert(operationId)
        }
        let id = try eventIds.next(on: connection, logger: logger)
        return PostgresStore.queue(draft, countsInOperation: countsInOperation, id: id, in: writer)
    }
}

extension PostgresStore: SQLEngineStore {
    public func writing<T: Sendable>(
        _ scope: WriteScope, _ body: @escaping @Sendable (any SQLTransaction) throws -> T
    ) async throws -> T {
        try await write(scope) { [logger, eventIds] writer in
            let connection = PostgresSQLConnection(
                connection: writer.connection, logger: logger, writer: writer, eventIds: eventIds)
            return try await BlockingThreads.run { try body(connection) }
        }
    }

    public func reading<T: Sendable>(_ body: @escaping @Sendable (any SQLConnection) throws -> T) async throws -> T {
        try await read { [logger] connection in
            let connection = PostgresSQLConnection(connection: connection, logger: logger, writer: nil)
            return try await BlockingThreads.run { try body(connection) }
        }
    }

    /// Found before: finding them reads through this client's connections, which writers
    /// waiting for their operations' locks could all be holding.
    public func beforeTransaction(_ hits: HitChanges) async throws -> HitChanges { try await hits.resolved() }

    public static func indexText(of message: Message, in connection: any SQLConnection) throws {
        var statement: SQL = "UPDATE message SET search = "
        statement.append(searchVector(of: message))
        statement.append(" WHERE id = \(message.id)")
        try connection.execute(statement)
    }

    /// The words of a message as its `search` column holds them. `concert_search` is `simple`
    /// with accents folded by `unaccent`, as SQLite's `remove_diacritics` folds them; the
    /// subject's words are weighted A, the body's B, so that a search can tell a subject that
    /// holds every word.
    static func searchVector(of message: Message) -> SQL {
        """
        setweight(to_tsvector('concert_search', \(message.subject)), 'A')
            || setweight(to_tsvector('concert_search', \(message.body)), 'B')
        """
    }

    public static func insertMessage(_ message: Message, in transaction: any SQLTransaction) throws -> Int64? {
        // One statement: the row, its words and its number (the message's own, from the
        // installation's sequence), refused when the operation is not there.
        var statement: SQL = """
            INSERT INTO message (id, operation_id, json, search)
            SELECT \(message.id), \(message.operationId), \(try ConcertJSON.encodeToString(message)),\u{20}
            """
        statement.append(searchVector(of: message))
        statement.append(
            " WHERE EXISTS (SELECT 1 FROM operation WHERE id = \(message.operationId)) RETURNING position")
        guard let position = try transaction.rows(statement).first?.int64(0) else { return nil }
        transaction.knowOperationExists(message.operationId)
        return position
    }

    public static func messageSearch(words: [String], operationId: String, conditions: SQL) -> SQL? {
        // Only letters and digits reach the query, each as a prefix: nothing a user types is
        // read as query syntax.
        let terms = words.map { String($0.unicodeScalars.filter(CharacterSet.alphanumerics.contains)) }
            .filter { !$0.isEmpty }.map { $0.lowercased() }
        guard !terms.isEmpty else { return nil }
        let anywhere = terms.map { $0 + ":*" }.joined(separator: " & ")
        let inSubject = terms.map { $0 + ":*A" }.joined(separator: " & ")
        var statement: SQL = """
            SELECT e.message_id AS message_id,
                   CASE WHEN m.search @@ to_tsquery('concert_search', \(inSubject)) THEN 1 ELSE 0 END AS tier,
                   e.position AS position
            FROM message m JOIN message_entry e ON e.message_id = m.id
            WHERE m.operation_id = \(operationId) AND m.search @@ to_tsquery('concert_search', \(anywhere)) AND\u{20}
            """
        statement.append(conditions)
        return statement
    }
}
