import ConcertCore
import Foundation
import Logging
import PostgresNIO

/// The shared store code's connection on PostgreSQL: each statement is sent on the
/// connection and waited for, on one of ``BlockingThreads``.
final class PostgresSQLConnection: SQLTransaction, @unchecked Sendable {
    let connection: PostgresConnection
    let logger: Logger
    /// The write transaction's chain head and pending events; nil for a read.
    let writer: PostgresStore.Writer?
    let dialect = SQLDialect.postgres

    init(connection: PostgresConnection, logger: Logger, writer: PostgresStore.Writer?) {
        self.connection = connection
        self.logger = logger
        self.writer = writer
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
    // holds the chain's lock meanwhile).

    func execute(_ statement: SQL) throws {
        _ = try connection.query(try Self.query(statement), logger: logger).wait()
    }

    func rows(_ statement: SQL) throws -> [SQLRow] {
        try connection.query(try Self.query(statement), logger: logger).wait().rows.map { row in
            SQLRow(try row.map(Self.value(of:)))
        }
    }

    /// A cell as one of the four kinds of value, by its column's type.
    private static func value(of cell: PostgresCell) throws -> SQLValue {
        guard cell.bytes != nil else { return .null }
        switch cell.dataType {
        case .int2, .int4, .int8: return .integer(try cell.decode(Int64.self))
        case .float4, .float8: return .real(try cell.decode(Double.self))
        case .bool: return .integer(try cell.decode(Bool.self) ? 1 : 0)
        default: return .text(try cell.decode(String.self))
        }
    }

    func knowLastSequence(_ sequence: Int64, of operationId: String) {
        // Read after the chain's lock was taken: no other writer has appended since.
        if let writer, writer.operationSequences[operationId] == nil {
            writer.operationSequences[operationId] = sequence
        }
    }

    func append(_ draft: EventDraft, countsInOperation: Bool) throws -> Event {
        guard let writer else { preconditionFailure("Events are appended in a write transaction.") }
        if let operationId = draft.operationId, countsInOperation, writer.operationSequences[operationId] == nil,
            let row = try rows("SELECT last_sequence FROM operation WHERE id = \(operationId)").first
        {
            writer.operationSequences[operationId] = try row.int64(0)
        }
        return try PostgresStore.appendRead(draft, countsInOperation: countsInOperation, in: writer)
    }
}

extension PostgresStore: SQLEngineStore {
    public func writing<T: Sendable>(_ body: @escaping @Sendable (any SQLTransaction) throws -> T) async throws -> T {
        try await write { [logger] writer in
            let connection = PostgresSQLConnection(
                connection: writer.connection, logger: logger, writer: writer)
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
    /// waiting for the chain's lock could all be holding.
    public func beforeTransaction(_ hits: HitChanges) async throws -> HitChanges { try await hits.resolved() }

    public static func indexText(of message: Message, in transaction: any SQLTransaction) throws {
        try transaction.execute(
            """
            UPDATE message SET search = to_tsvector('simple', \(message.subject) || ' ' || \(message.body))
            WHERE id = \(message.id)
            """)
    }
}
