import ConcertCore
import Foundation
import Logging
import PostgresNIO
import ServiceLifecycle

/// The store for several Concert servers behind one PostgreSQL database, on PostgresNIO.
///
/// Every change runs in one transaction that first locks the head of the event chain, so
/// writers on all servers take turns: sequence numbers stay gap-free and ordered, each
/// read-modify-write sees every commit before it, and the hash chain is one chain. A commit
/// also sends `NOTIFY concert_events` with the operation, and every server listens on a
/// connection of its own (``PostgresListener``), so the live feeds of all servers wake up.
/// Queries bind every value as a parameter; records are kept as JSON text, as in SQLite, so
/// that the event log's payloads hash the same on both backends.
public final class PostgresStore: Store, @unchecked Sendable {
    let client: PostgresClient
    /// A few connections of their own for reading the event log, so that live feeds are never
    /// queued behind writers waiting for the chain head.
    let logClient: PostgresClient
    let logger: Logger
    /// Announces committed changes to operations, from this server and from the others.
    public let eventSignal = EventSignal()
    private let clientTask: Task<Void, Never>
    private let logClientTask: Task<Void, Never>
    private var listener: PostgresListener?

    /// The NOTIFY channel of committed changes; the payload is the operation id.
    static let channel = "concert_events"

    /// Connects to the database at `url` (`postgres://user:password@host:port/database`),
    /// brings its schema up to date under an advisory lock, and starts listening for the
    /// other servers' commits.
    public static func open(
        url: String, logger: Logger = Logger(label: "concert.postgres")
    ) async throws
        -> PostgresStore
    {
        let configuration = try PostgresURL.configuration(url)
        let store = PostgresStore(configuration: configuration, logger: logger)
        // Let the client's run loop start before the first lease.
        for _ in 0..<3 { await Task.yield() }
        do {
            try await PostgresSchema.migrate(store.client, logger: logger)
        } catch {
            store.close()
            throw StoreFactory.OpenError(
                description: "Cannot prepare the PostgreSQL database: \(String(reflecting: error))")
        }
        do {
            try await store.writing { transaction in try LogTreeStorage.extend(in: transaction) }
        } catch {
            store.close()
            throw StoreFactory.OpenError(
                description: "Cannot put the log in its Merkle tree: \(String(reflecting: error))")
        }
        store.listener = PostgresListener(configuration: configuration, signal: store.eventSignal, logger: logger)
        store.listener?.start()
        return store
    }

    private init(configuration: PostgresClient.Configuration, logger: Logger) {
        let client = PostgresClient(configuration: configuration, backgroundLogger: logger)
        var logConfiguration = configuration
        logConfiguration.options.maximumConnections = 4
        let logClient = PostgresClient(configuration: logConfiguration, backgroundLogger: logger)
        self.client = client
        self.logClient = logClient
        self.logger = logger
        // The clients are long-running services; the store owns them for as long as it lives.
        clientTask = Task { await client.run() }
        logClientTask = Task { await logClient.run() }
    }

    /// Creates an empty database on the server of `serverURL` (a user allowed to create
    /// databases) and returns the URL of the new one: for tests and first installations.
    public static func createDatabase(_ name: String, serverURL: String) async throws -> String {
        guard name.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "_") }), !name.isEmpty,
            var components = URLComponents(string: serverURL)
        else { throw StoreFactory.OpenError(description: "'\(name)' is not a plain database name.") }
        let logger = Logger(label: "concert.postgres")
        let client = PostgresClient(configuration: try PostgresURL.configuration(serverURL), backgroundLogger: logger)
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { await client.run() }
            try await client.withConnection { connection in
                try await connection.execute(PostgresQuery(unsafeSQL: "CREATE DATABASE \(name)"), logger: logger)
            }
            group.cancelAll()
        }
        components.path = "/" + name
        return components.string!
    }

    /// Stops listening and closes the connections.
    public func close() {
        listener?.stop()
        clientTask.cancel()
        logClientTask.cancel()
    }

    /// Stops listening and closes the connections, and returns once they are closed.
    public func shutDown() async {
        close()
        await clientTask.value
        await logClientTask.value
        await listener?.stopped()
    }

    /// Waits for the application's shutdown, then closes the connections: the store is the
    /// first service, and so the last to stop.
    public func run() async throws {
        try? await gracefulShutdown()
        await shutDown()
    }

    deinit { close() }

    // MARK: Transactions

    /// What a write transaction knows of the chain head, locked for it, and the events it
    /// appended: they are written together when the transaction ends.
    final class Writer {
        let connection: PostgresConnection
        let logger: Logger
        var sequence: Int64
        var hash: String
        /// The log's Merkle tree as it grows with the pending events, and the subtrees they complete.
        var tree: TreeFrontier
        var nodes: [(node: LogTree.Node, hash: LogTree.Hash)] = []
        /// The last operation sequence number of each operation this transaction appended to.
        var operationSequences: [String: Int64] = [:]
        var pending: [Event] = []
        var operations: Set<String> { Set(operationSequences.keys) }

        init(connection: PostgresConnection, logger: Logger, sequence: Int64, hash: String, tree: TreeFrontier) {
            self.connection = connection
            self.logger = logger
            self.sequence = sequence
            self.hash = hash
            self.tree = tree
        }

        /// Runs a statement to its end: an error it meets is thrown here, never left in an
        /// unread result (a transaction that met one would otherwise end in a silent rollback).
        func run(_ query: PostgresQuery) async throws {
            try await connection.execute(query, logger: logger)
        }

        /// Runs a query whose rows the caller reads (and so meets its errors).
        func rows(_ query: PostgresQuery) async throws -> PostgresRowSequence {
            try await connection.query(query, logger: logger)
        }

        /// Writes the appended events, the operations' sequence numbers and the chain head,
        /// and notifies the operations, in one statement: the chain head is held the shortest
        /// time.
        func flush(headSequence: Int64) async throws {
            guard !pending.isEmpty else {
                if sequence != headSequence {
                    try await run("UPDATE chain_head SET sequence = \(sequence), hash = \(hash) WHERE id = 1")
                }
                return
            }
            let operationIds = Array(operationSequences.keys)
            try await run(
                """
                WITH appended AS (
                    INSERT INTO event (sequence, operation_id, operation_sequence, actor_user_id, actor_agency_id,
                                       kind, payload, recorded_at, previous_hash, hash)
                    SELECT s, NULLIF(o, ''), NULLIF(os, -1), NULLIF(u, ''), NULLIF(a, ''), k, p, r, ph, h
                    FROM unnest(\(pending.map(\.sequence))::bigint[], \(pending.map { $0.operationId ?? "" })::text[],
                                \(pending.map { $0.operationSequence ?? -1 })::bigint[],
                                \(pending.map { $0.actorUserId ?? "" })::text[], \(pending.map { $0.actorAgencyId ?? "" })::text[],
                                \(pending.map(\.kind))::text[], \(pending.map(\.payload))::text[],
                                \(pending.map(\.recordedAt))::text[], \(pending.map(\.previousHash))::text[],
                                \(pending.map(\.hash))::text[]) AS e(s, o, os, u, a, k, p, r, ph, h)
                ), counted AS (
                    UPDATE operation SET last_sequence = v.last
                    FROM unnest(\(operationIds)::text[], \(operationIds.map { operationSequences[$0]! })::bigint[]) AS v(id, last)
                    WHERE operation.id = v.id
                ), nodes AS (
                    INSERT INTO log_node (level, position, hash)
                    SELECT * FROM unnest(\(nodes.map { Int64($0.node.level) })::integer[],
                                         \(nodes.map(\.node.position))::bigint[], \(nodes.map { Hex.string($0.hash) })::text[])
                ), head AS (
                    UPDATE chain_head SET sequence = \(sequence), hash = \(hash), tree_size = \(tree.size),
                                          tree_frontier = \(tree.text) WHERE id = 1
                )
                SELECT pg_notify(\(PostgresStore.channel), id) FROM unnest(\(operationIds)::text[]) AS n(id)
                """)
            pending = []
            nodes = []
        }
    }

    /// Runs `body` in one transaction that holds the chain head, appends the events it asks
    /// for, and announces the operations it touched once committed.
    func write<T: Sendable>(_ body: @escaping @Sendable (Writer) async throws -> T) async throws -> T {
        let (result, operations) = try await client.withConnection { connection in
            try await connection.execute("BEGIN", logger: self.logger)
            do {
                var head: (Int64, String, Int64, String)?
                for try await row in try await connection.query(
                    "SELECT sequence, hash, tree_size, tree_frontier FROM chain_head WHERE id = 1 FOR UPDATE",
                    logger: self.logger
                ).decode((Int64, String, Int64, String).self) {
                    head = row
                }
                guard let head else { throw StoreError.notFound("The event chain has no head.") }
                // Checked when an event is appended: the store puts the log in its tree when it
                // opens, in a transaction of its own.
                let tree = TreeFrontier(size: head.2, text: head.3) ?? TreeFrontier()
                // Each operation's sequence number is read after this lock, by a statement of its
                // own: a value read with the lock could be from before the previous holder's commit.
                let writer = Writer(
                    connection: connection, logger: self.logger, sequence: head.0, hash: head.1, tree: tree)
                let result = try await body(writer)
                // An operation read but not appended to is neither written back nor announced.
                writer.operationSequences = writer.operationSequences.filter { id, _ in
                    writer.pending.contains { $0.operationId == id && $0.operationSequence != nil }
                }
                try await writer.flush(headSequence: head.0)
                try await connection.execute("COMMIT", logger: self.logger)
                return (result, writer.operations)
            } catch {
                _ = try? await connection.query("ROLLBACK", logger: self.logger)
                throw error
            }
        }
        for operationId in operations { eventSignal.publish(operationId) }
        return result
    }

    /// Runs a read on one connection.
    func read<T: Sendable>(_ body: @escaping @Sendable (PostgresConnection) async throws -> T) async throws -> T {
        try await client.withConnection { connection in try await body(connection) }
    }

    /// Runs a read of the event log on a connection kept for it.
    func readLog<T: Sendable>(_ body: @escaping @Sendable (PostgresConnection) async throws -> T) async throws -> T {
        try await logClient.withConnection { connection in try await body(connection) }
    }

    /// Appends an event whose operation's sequence number the writer has read already (or
    /// that counts in no operation); refused for an operation it has not read, which then
    /// does not exist.
    static func appendRead(_ draft: EventDraft, countsInOperation: Bool, in writer: Writer) throws -> Event {
        // A head the tree does not reach was moved by hand.
        guard writer.tree.size == writer.sequence else {
            throw StoreError.damaged("The log's tree does not reach the chain's head; run `concert audit verify`.")
        }
        let sequence = writer.sequence + 1
        var operationSequence: Int64?
        if let operationId = draft.operationId, countsInOperation {
            guard let last = writer.operationSequences[operationId] else {
                throw StoreError.notFound("No such operation.")
            }
            operationSequence = last + 1
            writer.operationSequences[operationId] = last + 1
        }
        let recordedAt = ConcertJSON.formatTimestamp(Date())
        let hash = EventChain.hash(
            previousHash: writer.hash, sequence: sequence, operationId: draft.operationId,
            operationSequence: operationSequence, actorUserId: draft.actor?.userId,
            actorAgencyId: draft.actor?.agencyId, kind: draft.kind.rawValue, payload: draft.payload,
            recordedAt: recordedAt)
        let event = Event(
            sequence: sequence, operationId: draft.operationId, operationSequence: operationSequence,
            actorUserId: draft.actor?.userId, actorAgencyId: draft.actor?.agencyId, kind: draft.kind.rawValue,
            payload: draft.payload, recordedAt: recordedAt, previousHash: writer.hash, hash: hash)
        writer.pending.append(event)
        writer.nodes += writer.tree.append(leafHash: LogTree.leafHash(eventHash: hash)!)
        writer.sequence = sequence
        writer.hash = hash
        return event
    }

    /// Every JSON text a query returns, decoded.
    static func documents<Record: Decodable>(_ type: Record.Type, _ rows: PostgresRowSequence) async throws -> [Record]
    {
        var records: [Record] = []
        for try await json in rows.decode(String.self) { records.append(try ConcertJSON.decode(type, from: json)) }
        return records
    }

    /// Whether a query returns a row.
    static func exists(_ rows: PostgresRowSequence) async throws -> Bool {
        for try await _ in rows { return true }
        return false
    }
}

/// Reads `postgres://user:password@host:port/database?sslmode=disable`.
enum PostgresURL {
    static func configuration(_ text: String) throws -> PostgresClient.Configuration {
        guard let components = URLComponents(string: text),
            ["postgres", "postgresql"].contains(components.scheme?.lowercased() ?? ""),
            let host = components.host, !host.isEmpty
        else {
            throw StoreFactory.OpenError(
                description:
                    "'\(text)' is not a PostgreSQL URL such as postgres://concert:secret@127.0.0.1:5432/concert.")
        }
        let database = components.path.hasPrefix("/") ? String(components.path.dropFirst()) : components.path
        let mode = components.queryItems?.first { $0.name == "sslmode" }?.value ?? "prefer"
        let tls: PostgresClient.Configuration.TLS =
            switch mode {
            case "disable": .disable
            case "require", "verify-ca", "verify-full": .require(.makeClientConfiguration())
            default: .prefer(.makeClientConfiguration())
            }
        var configuration = PostgresClient.Configuration(
            host: host, port: components.port ?? 5432,
            username: components.percentEncodedUser?.removingPercentEncoding ?? "postgres",
            password: components.percentEncodedPassword?.removingPercentEncoding,
            database: database.isEmpty ? nil : database, tls: tls)
        configuration.options.maximumConnections = 16
        // Named per process, so that an operator (or a test) can tell the servers' connections
        // apart; `?application_name=` names them otherwise.
        let name = components.queryItems?.first { $0.name == "application_name" }?.value ?? "concert-\(getpid())"
        configuration.options.additionalStartupParameters = [("application_name", name)]
        return configuration
    }
}

extension PostgresConnection {
    /// Runs a statement and reads its result to the end, so that an error it meets is thrown.
    func execute(_ query: PostgresQuery, logger: Logger) async throws {
        for try await _ in try await self.query(query, logger: logger) {}
    }
}
