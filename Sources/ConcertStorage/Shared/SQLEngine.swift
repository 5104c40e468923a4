import ConcertCore
import Foundation

/// What differs between the SQL of the two engines, each difference once.
public struct SQLDialect: Sendable {
    /// The column that orders a table's rows as they were written (`rowid` in SQLite, a
    /// `position` sequence in PostgreSQL).
    public var insertionOrder: String
    /// The function that finds text in text: `\(raw: position)(haystack, needle) > 0`.
    public var position: String
    /// The text of a top-level field of a JSON text column: `\(raw: jsonField("json", "id"))`
    /// (the names are never taken from input).
    public var jsonField: @Sendable (_ column: String, _ key: String) -> String
    /// The tables that have no `position` of their own on PostgreSQL, ordered by where their
    /// rows lie.
    var tablesWithoutPosition: Set<String> = []
    var physicalOrder = "rowid"
    /// The clause that ends a query of a write and locks the rows it read until the write
    /// commits: nothing on SQLite, whose writes take turns.
    public var forUpdate = ""
    /// Whether writes queue their events for a sequencer (`event_queue`, PostgreSQL), so that a
    /// row may point at an event still queued (as minus its id).
    public var queuesEvents = false

    public static let sqlite = SQLDialect(
        insertionOrder: "rowid", position: "instr", jsonField: { "json_extract(\($0), '$.\($1)')" })
    public static let postgres = SQLDialect(
        insertionOrder: "position", position: "strpos", jsonField: { "(\($0)::jsonb ->> '\($1)')" },
        tablesWithoutPosition: [
            "agency", "user", "operation", "participant", "chain_head", "second_factor", "second_factor_recovery",
            "second_factor_policy",
        ],
        physicalOrder: "ctid", forUpdate: "FOR UPDATE", queuesEvents: true)

    /// What orders a table's rows as they were written, for copying it whole.
    func insertionOrder(of table: String) -> String {
        tablesWithoutPosition.contains(table) ? physicalOrder : insertionOrder
    }
}

/// A connection the shared store code reads on, inside a read or a write.
///
/// Its calls block: on SQLite they run on the database's own thread, on PostgreSQL on a thread
/// kept for waiting on the server, so that one body of code serves both (see ``SQLEngineStore``).
public protocol SQLConnection: AnyObject {
    var dialect: SQLDialect { get }
    /// Runs a statement to its end, throwing the first error it meets.
    func execute(_ statement: SQL) throws
    /// Runs a query and returns its rows.
    func rows(_ statement: SQL) throws -> [SQLRow]
}

/// A write transaction: a connection that also appends events to the chain, written with the
/// transaction's rows or not at all.
public protocol SQLTransaction: SQLConnection {
    /// Appends an event; `countsInOperation` false keeps it out of its operation's numbering
    /// (reads recorded for the audit trail), and out of the operation's live feed.
    @discardableResult
    func append(_ draft: EventDraft, countsInOperation: Bool) throws -> Event
    /// Tells the transaction an operation's last sequence number, read with the operation
    /// after the transaction began: an engine that would read it again to append can skip it.
    func knowLastSequence(_ sequence: Int64, of operationId: String)
    /// Tells the transaction that an operation exists (a row of it was just written): an engine
    /// that would read the operation to append its events can skip that read.
    func knowOperationExists(_ operationId: String)
    /// Appends events in order (counted in their operations), as one `append` after another
    /// would: an engine may write them together.
    @discardableResult
    func append(contentsOf drafts: [EventDraft]) throws -> [Event]
}

extension SQLTransaction {
    @discardableResult
    public func append(contentsOf drafts: [EventDraft]) throws -> [Event] {
        try drafts.map { try append($0, countsInOperation: true) }
    }

    public func knowLastSequence(_ sequence: Int64, of operationId: String) {}

    public func knowOperationExists(_ operationId: String) {}

    @discardableResult
    func append(_ draft: EventDraft) throws -> Event { try append(draft, countsInOperation: true) }
}

extension SQLEngineStore {
    /// Runs `body` in one write transaction that may read and change anything.
    public func writing<T: Sendable>(_ body: @escaping @Sendable (any SQLTransaction) throws -> T) async throws -> T {
        try await writing(.installation, body)
    }
}

extension SQLConnection {
    /// Whether a query returns a row.
    func exists(_ statement: SQL) throws -> Bool { try !rows(statement).isEmpty }

    /// The first column of every row, as text.
    func strings(_ statement: SQL) throws -> [String] { try rows(statement).map { try $0.string(0) } }

    /// Every JSON text the query returns in its first column, decoded.
    func documents<Record: Decodable>(_ type: Record.Type, _ statement: SQL) throws -> [Record] {
        try rows(statement).map { try ConcertJSON.decode(type, from: try $0.string(0)) }
    }

    /// The first JSON text the query returns, decoded.
    func document<Record: Decodable>(_ type: Record.Type, _ statement: SQL) throws -> Record? {
        try documents(type, statement).first
    }

    /// One record of an operation from a table that keeps records as JSON (the table name is
    /// never taken from input).
    func document<Record: Decodable>(
        _ type: Record.Type, from table: String, id: String, operationId: String
    ) throws -> Record? {
        try document(type, "SELECT json FROM \(raw: table) WHERE id = \(id) AND operation_id = \(operationId)")
    }

    /// Such a record, or `StoreError.notFound(notFound)` when there is none.
    func existing<Record: Decodable>(
        _ type: Record.Type, in table: String, id: String, operationId: String, notFound: String
    ) throws -> Record {
        guard let record = try document(type, from: table, id: id, operationId: operationId) else {
            throw StoreError.notFound(notFound)
        }
        return record
    }

    /// Every record of an operation from such a table, ordered by `order` and then as written.
    func documents<Record: Decodable>(
        _ type: Record.Type, from table: String, operationId: String, orderedBy order: String? = nil
    ) throws -> [Record] {
        let order = [order, dialect.insertionOrder].compactMap { $0 }.joined(separator: ", ")
        return try documents(
            type, "SELECT json FROM \(raw: table) WHERE operation_id = \(operationId) ORDER BY \(raw: order)")
    }
}

/// What a write reads and changes, so that writes that cannot disturb each other need not
/// wait for each other. SQLite's writes take turns whatever their scope; PostgreSQL's writes of
/// different operations run side by side (their events are put in the log's order as they
/// commit, see `PostgresStore`), and its status reports need no lock at all
/// (`PostgresStore.updateAction`).
public enum WriteScope: Sendable, Equatable {
    /// Reads or changes what any write may: accounts, agencies, hits across operations, a copy.
    /// Waits for every other write, and every other write waits for it.
    case installation
    /// Reads and changes one operation's records: waits for the other writes of that
    /// operation, not for those of others. A write that reads or changes the operation's
    /// actions reads the operation with ``existingOperation(id:in:)`` first, which holds its row
    /// (PostgreSQL's status reports take no advisory lock, but wait for that row).
    case operation(String)
    /// Only appends events, inserts rows that no write reads to change, or adds to counts in
    /// one statement each (writes take turns on such a row only from that statement to their
    /// commit): waits for nothing but a write of the whole installation.
    case appendOnly
}

/// A store whose behaviours are written once, in `Shared/`, over the transactions and reads
/// of its engine; an engine adds only what it does differently (its fast paths for targets and
/// the event log, its full-text search).
public protocol SQLEngineStore: Store {
    /// Runs `body` in one write transaction that may read and change what `scope` names: its
    /// rows and events are committed together, or none of them; once its events are in the
    /// log, the operations it appended events to are announced, and the write returns.
    func writing<T: Sendable>(
        _ scope: WriteScope, _ body: @escaping @Sendable (any SQLTransaction) throws -> T
    ) async throws -> T
    /// Runs `body` on a connection that sees one committed state.
    func reading<T: Sendable>(_ body: @escaping @Sendable (any SQLConnection) throws -> T) async throws -> T
    /// Makes a stored message findable by the words of its subject and body, inside the
    /// transaction that stores it.
    static func indexText(of message: Message, in connection: any SQLConnection) throws
    /// Stores a new message's row, findable by its words (``indexText(of:in:)``), and returns
    /// its place in its operation's list (``MessageListing``); nil, storing nothing, when there
    /// is no such operation. SQLite numbers an operation's messages from 1 (it writes one at a
    /// time); PostgreSQL gives the installation's next number, so that messages sent to one
    /// operation at once need not take turns for a number.
    static func insertMessage(_ message: Message, in transaction: any SQLTransaction) throws -> Int64?
    /// A query of the operation's messages whose subject or body hold every one of `words`
    /// (each also as the start of a longer word, accents folded) among the `message_entry e`
    /// rows that `conditions` keep, selecting `message_id`, `tier` (1 when the subject holds
    /// every word, else 0: a rank that depends on the message alone) and `position`; nil when
    /// no word is left to search for. Nothing a user types is read as query syntax.
    static func messageSearch(words: [String], operationId: String, conditions: SQL) -> SQL?
    /// Stores new targets' rows (``targetRow(_:writtenBy:)``), after the events that created
    /// them (one for each, in order). Shared by default; SQLite prepares an import's statement
    /// once.
    static func insertTargets(
        _ targets: [Target], writtenBy events: [Event], in transaction: any SQLTransaction)
        throws
    /// The hits a change will write, found now when the engine cannot wait for them inside its
    /// transaction (see ``HitChanges``).
    func beforeTransaction(_ hits: HitChanges) async throws -> HitChanges
}
