import ConcertCore
import Foundation
import Logging
import PostgresNIO
import ServiceLifecycle

/// The store for several Concert servers behind one PostgreSQL database, on PostgresNIO.
///
/// Every change runs in one transaction that first takes the advisory locks of its
/// ``WriteScope``, so that writes of one operation take turns (each read-modify-write sees
/// every commit before it) while writes of different operations run side by side. A write
/// queues its events with its rows; the ``PostgresSequencer`` then puts them in the log in the
/// order they were queued (for writes of the same records, the order they committed), so that
/// sequence numbers stay gap-free and the hash chain and its tree stay one, and the write
/// returns once they are there. A pass of the
/// sequencer also sends `NOTIFY concert_events` with the operations, and every server listens
/// on a connection of its own (``PostgresListener``), so the live feeds of all servers wake up.
/// Queries bind every value as a parameter; records are kept as JSON text, as in SQLite, so
/// that the event log's payloads hash the same on both backends.
public final class PostgresStore: Store, @unchecked Sendable {
    let client: PostgresClient
    /// A few connections of their own for reading the event log, so that live feeds are never
    /// queued behind writers waiting for locks.
    let logClient: PostgresClient
    let logger: Logger
    /// Announces committed changes to operations, from this server and from the others.
    public let eventSignal = EventSignal()
    /// Puts the events writes queue into the log; its connection is its own, so that it never
    /// waits behind the writes waiting for it.
    let sequencer: PostgresSequencer
    private let sequencerClient: PostgresClient
    private let sequencerClientTask: Task<Void, Never>
    /// Ids for the events this server's writes queue.
    let eventIds = EventIdBlocks()
    private let clientTask: Task<Void, Never>
    private let logClientTask: Task<Void, Never>
    private var listener: PostgresListener?
    /// The reads and writes under way, for the operator's metrics.
    let connectionUse: PoolCounter
    let logConnectionUse: PoolCounter
    private var sweeper: Task<Void, Never>?

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
            try await store.holdingChainHead { connection in try LogTreeStorage.extend(in: connection) }
            // Events a server queued and stopped before it saw them in the log.
            try await store.sequencer.sequenceCommitted()
        } catch {
            store.close()
            throw StoreFactory.OpenError(
                description: "Cannot put the log in its Merkle tree: \(String(reflecting: error))")
        }
        do {
            try await store.writing(.installation) { transaction in
                try MessageListing.addUnlisted(on: transaction, indexText: Self.indexText)
            }
        } catch {
            store.close()
            throw StoreFactory.OpenError(
                description: "Cannot list the messages stored before: \(String(reflecting: error))")
        }
        store.listener = PostgresListener(configuration: configuration, signal: store.eventSignal, logger: logger)
        store.listener?.start()
        store.sweeper = Task { [sequencer = store.sequencer] in await sweep(sequencer) }
        return store
    }

    private init(configuration: PostgresClient.Configuration, logger: Logger) {
        let client = PostgresClient(configuration: configuration, backgroundLogger: logger)
        var logConfiguration = configuration
        logConfiguration.options.maximumConnections = 4
        let logClient = PostgresClient(configuration: logConfiguration, backgroundLogger: logger)
        var sequencerConfiguration = configuration
        sequencerConfiguration.options.maximumConnections = 1
        let sequencerClient = PostgresClient(configuration: sequencerConfiguration, backgroundLogger: logger)
        self.client = client
        self.logClient = logClient
        connectionUse = PoolCounter(.requests, limit: configuration.options.maximumConnections)
        logConnectionUse = PoolCounter(.log, limit: logConfiguration.options.maximumConnections)
        self.sequencerClient = sequencerClient
        self.logger = logger
        sequencer = PostgresSequencer(client: sequencerClient, logger: logger, signal: eventSignal)
        // The clients are long-running services; the store owns them for as long as it lives.
        clientTask = Task { await client.run() }
        logClientTask = Task { await logClient.run() }
        sequencerClientTask = Task { await sequencerClient.run() }
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
        sweeper?.cancel()
        listener?.stop()
        clientTask.cancel()
        logClientTask.cancel()
        sequencerClientTask.cancel()
    }

    /// Stops listening and closes the connections, and returns once they are closed.
    public func shutDown() async {
        close()
        await clientTask.value
        await logClientTask.value
        await sequencerClientTask.value
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

    /// A write transaction's connection and the events it queued: they are written together
    /// when the transaction ends.
    final class Writer {
        let connection: PostgresConnection
        let logger: Logger
        /// The operations this transaction found (it appends only to existing ones).
        var knownOperations: Set<String> = []
        var pending: [Queued] = []

        /// An event as its write queues it; the sequencer numbers and hashes it.
        struct Queued {
            var id: Int64
            var draft: EventDraft
            var countsInOperation: Bool
        }

        init(connection: PostgresConnection, logger: Logger) {
            self.connection = connection
            self.logger = logger
        }

        /// Queues the appended events in one statement, in the order appended. It is the
        /// transaction's last: a write that waited for another's locks queues after it.
        func flush() async throws {
            guard !pending.isEmpty else { return }
            try await connection.execute(
                """
                INSERT INTO event_queue (id, operation_id, counts_in_operation, actor_user_id, actor_agency_id, kind, payload)
                SELECT i, NULLIF(o, ''), c = 1, NULLIF(u, ''), NULLIF(a, ''), k, p
                FROM unnest(\(pending.map(\.id))::bigint[], \(pending.map { $0.draft.operationId ?? "" })::text[],
                            \(pending.map { Int64($0.countsInOperation ? 1 : 0) })::bigint[],
                            \(pending.map { $0.draft.actor?.userId ?? "" })::text[],
                            \(pending.map { $0.draft.actor?.agencyId ?? "" })::text[],
                            \(pending.map(\.draft.kind.rawValue))::text[], \(pending.map(\.draft.payload))::text[])
                     WITH ORDINALITY AS e(i, o, c, u, a, k, p, n)
                ORDER BY n
                """, logger: logger)
        }
    }

    /// The advisory locks a write's scope takes, for the length of its transaction: the
    /// installation's (shared by every write but those of the whole installation, which take it
    /// alone), then its operation's.
    static func locks(of scope: WriteScope) -> PostgresQuery {
        let installation = PostgresSchema.lockKey + 2
        switch scope {
        case .installation:
            return "SELECT pg_advisory_xact_lock(\(installation))"
        case .operation(let id):
            return
                "SELECT pg_advisory_xact_lock_shared(\(installation)), pg_advisory_xact_lock(\(operationLockClass), \(operationLockKey(id)))"
        case .appendOnly:
            return "SELECT pg_advisory_xact_lock_shared(\(installation))"
        }
    }

    /// The first half of an operation's two-part advisory lock key ("CONC").
    static let operationLockClass: Int32 = 0x434F_4E43

    /// The second half: the operation id's FNV-1a hash. Two operations that share one only
    /// take turns.
    static func operationLockKey(_ operationId: String) -> Int32 {
        var hash: UInt32 = 2_166_136_261
        for byte in operationId.utf8 { hash = (hash ^ UInt32(byte)) &* 16_777_619 }
        return Int32(bitPattern: hash)
    }

    /// Runs `body` in one transaction holding the locks of `scope`, queues the events it
    /// appends, and returns once they are in the log (and their operations announced).
    func write<T: Sendable>(
        _ scope: WriteScope, _ body: @escaping @Sendable (Writer) async throws -> T
    ) async throws -> T {
        let (result, queued) = try await connectionUse.counting {
            try await client.withConnection { connection in
                // Each statement after the locks must see what the locks' last holder committed,
                // whatever isolation the database defaults to.
                try await connection.execute("BEGIN ISOLATION LEVEL READ COMMITTED", logger: self.logger)
                do {
                    try await connection.execute(Self.locks(of: scope), logger: self.logger)
                    let writer = Writer(connection: connection, logger: self.logger)
                    let result = try await body(writer)
                    try await writer.flush()
                    try await connection.execute("COMMIT", logger: self.logger)
                    return (result, writer.pending.map(\.id))
                } catch {
                    _ = try? await connection.query("ROLLBACK", logger: self.logger)
                    throw error
                }
            }
        }
        if !queued.isEmpty { await sequenceCommitted(queueIds: queued) }
        return result
    }

    /// Waits until the events a write committed (by their queue ids) are in the log. A write
    /// is answered as written when that fails: it is committed, and its events reach the log
    /// with the next pass of any server (``sweep(_:)``), or the log's damage is what
    /// `audit verify` reports.
    func sequenceCommitted(queueIds: [Int64]) async {
        do {
            try await sequencer.sequenceCommitted(queueIds: queueIds)
        } catch {
            logger.error("Committed events are not in the log yet: \(String(reflecting: error))")
        }
    }

    /// Puts in the log, every second, what writes queued and no pass took: the events of a
    /// server that stopped between a write's commit and its pass. Ends with the store.
    static func sweep(_ sequencer: PostgresSequencer) async {
        while !Task.isCancelled {
            try? await Task.sleep(for: .seconds(1))
            guard !Task.isCancelled else { return }
            try? await sequencer.sequenceCommitted()
        }
    }

    /// Runs `body` in one transaction that holds the chain's head: for the work on the log
    /// itself (putting it in its tree when the store opens). A sequencer's pass that read the
    /// head before writes only if the head is unchanged, and so reads again after it.
    func holdingChainHead(_ body: @escaping @Sendable (PostgresSQLConnection) throws -> Void) async throws {
        try await client.withConnection { connection in
            try await connection.execute("BEGIN ISOLATION LEVEL READ COMMITTED", logger: self.logger)
            do {
                try await connection.execute("SELECT 1 FROM chain_head WHERE id = 1 FOR UPDATE", logger: self.logger)
                let sqlConnection = PostgresSQLConnection(connection: connection, logger: self.logger, writer: nil)
                try await BlockingThreads.run { try body(sqlConnection) }
                try await connection.execute("COMMIT", logger: self.logger)
            } catch {
                _ = try? await connection.query("ROLLBACK", logger: self.logger)
                throw error
            }
        }
    }

    /// Runs a read on one connection.
    func read<T: Sendable>(_ body: @escaping @Sendable (PostgresConnection) async throws -> T) async throws -> T {
        try await connectionUse.counting {
            try await client.withConnection { connection in try await body(connection) }
        }
    }

    /// Runs a read of the event log on a connection kept for it.
    func readLog<T: Sendable>(_ body: @escaping @Sendable (PostgresConnection) async throws -> T) async throws -> T {
        try await logConnectionUse.counting {
            try await logClient.withConnection { connection in try await body(connection) }
        }
    }

    /// Queues an event in a write: it is numbered and hashed when the sequencer puts it in the
    /// log, after the write commits. Until then it is known by its queue id: the event returned
    /// has minus that id as its sequence number, and no hash, and a row that points at it
    /// (`json_event`) points at it so, until the sequencer points the row at its number.
    static func queue(
        _ draft: EventDraft, countsInOperation: Bool, id: Int64, in writer: Writer
    ) -> Event {
        writer.pending.append(Writer.Queued(id: id, draft: draft, countsInOperation: countsInOperation))
        return Event(
            sequence: -id, operationId: draft.operationId, operationSequence: nil, actorUserId: draft.actor?.userId,
            actorAgencyId: draft.actor?.agencyId, kind: draft.kind.rawValue, payload: draft.payload, recordedAt: "",
            previousHash: "", hash: "")
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

extension PostgresStore: CopyableStore {}

extension PostgresStore: ReportsPoolUse {
    public var poolUse: [StorePoolUse] { [connectionUse.use, logConnectionUse.use] }
}
