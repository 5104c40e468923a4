import ConcertCore
import Foundation
import GRDB
import GRDBSQLite

/// The embedded store: one SQLite file in WAL mode through GRDB, needing no set-up.
public struct SQLiteStore: Store {
    let pool: DatabasePool
    private let checkpointer: WALCheckpointer
    /// Announces committed changes to operations.
    public let eventSignal = EventSignal()
    /// The reads and writes under way, for the operator's metrics.
    let connectionUse: PoolCounter

    /// Opens (creating if needed) the database at `path` and brings its schema up to date.
    public init(path: String) throws {
        // Copies the log back into the file next to the writer, instead of in its commits.
        let checkpointer = WALCheckpointer(path: path)
        self.checkpointer = checkpointer
        var configuration = Configuration()
        configuration.foreignKeysEnabled = true
        configuration.busyMode = .timeout(10)
        // Weakly: the pool keeps this closure for the connections it opens later, and can hold
        // it a moment after the store is gone. The checkpointer closes its connection with the
        // store, so that whoever opens the file next finds no connection of it still closing
        // (the last one to close copies the log into the file, holding the file exclusively).
        configuration.prepareDatabase { [weak checkpointer] db in
            // WAL with NORMAL sync stays consistent after a crash and loses at most the last
            // commits on power loss, which the audit chain then shows as a shorter log.
            try db.execute(sql: "PRAGMA synchronous = NORMAL")
            guard !db.configuration.readonly else { return }
            // The writer inserts into B-trees keyed by random identifiers (targets by id,
            // events by operation): with SQLite's default 2 MB cache an import re-read most
            // pages it touched from the file. 64 MB keeps the hot ones; readers keep the default.
            try db.execute(sql: "PRAGMA cache_size = -65536")
            try checkpointer?.install(on: db)
        }
        pool = try DatabasePool(path: path, configuration: configuration)
        connectionUse = PoolCounter(.requests, limit: configuration.maximumReaderCount + 1)
        try SQLiteSchema.migrator.migrate(pool)
        try pool.write { db in
            let connection = SQLiteConnection(db)
            try LogTreeStorage.extend(in: connection)
            try MessageListing.addUnlisted(on: connection, indexText: Self.indexText)
        }
    }

    // MARK: Event log

    /// Appends an event to the chain inside the caller's transaction.
    @discardableResult
    static func append(_ draft: EventDraft, countsInOperation: Bool = true, in db: Database) throws -> Event {
        // Cached statements: an import appends thousands of events in one transaction.
        let head = try Row.fetchOne(
            db.cachedStatement(sql: "SELECT sequence, hash, tree_size, tree_frontier FROM chain_head WHERE id = 1"))!
        let sequence: Int64 = head["sequence"] + 1
        let previousHash: String = head["hash"]
        var tree = try treeFrontier(head)
        var operationSequence: Int64?
        if let operationId = draft.operationId, countsInOperation {
            try db.cachedStatement(sql: "UPDATE operation SET last_sequence = last_sequence + 1 WHERE id = ?")
                .execute(arguments: [operationId])
            operationSequence = try Int64.fetchOne(
                db.cachedStatement(sql: "SELECT last_sequence FROM operation WHERE id = ?"), arguments: [operationId])
        }
        let recordedAt = ConcertJSON.formatTimestamp(Date())
        let hash = EventChain.hash(
            previousHash: previousHash, sequence: sequence, operationId: draft.operationId,
            operationSequence: operationSequence, actorUserId: draft.actor?.userId,
            actorAgencyId: draft.actor?.agencyId, kind: draft.kind.rawValue, payload: draft.payload,
            recordedAt: recordedAt)
        try db.cachedStatement(
            sql: """
                INSERT INTO event (sequence, operation_id, operation_sequence, actor_user_id, actor_agency_id,
                                   kind, payload, recorded_at, previous_hash, hash)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                """
        ).execute(arguments: [
            sequence, draft.operationId, operationSequence, draft.actor?.userId, draft.actor?.agencyId,
            draft.kind.rawValue, draft.payload, recordedAt, previousHash, hash,
        ])
        try insertNodes(tree.append(leafHash: LogTree.leafHash(eventHash: hash)!), in: db)
        try db.cachedStatement(
            sql: "UPDATE chain_head SET sequence = ?, hash = ?, tree_size = ?, tree_frontier = ? WHERE id = 1"
        ).execute(arguments: [sequence, hash, tree.size, tree.text])
        return Event(
            sequence: sequence, operationId: draft.operationId, operationSequence: operationSequence,
            actorUserId: draft.actor?.userId, actorAgencyId: draft.actor?.agencyId, kind: draft.kind.rawValue,
            payload: draft.payload, recordedAt: recordedAt, previousHash: previousHash, hash: hash)
    }

    /// Appends events in order inside the caller's transaction, as ``append(_:countsInOperation:in:)``
    /// does one at a time, but reading the chain head and each operation's count once and
    /// writing them back once: an import appends one event per target.
    @discardableResult
    static func append(contentsOf drafts: [EventDraft], in db: Database) throws -> [Event] {
        guard !drafts.isEmpty else { return [] }
        let head = try Row.fetchOne(
            db.cachedStatement(sql: "SELECT sequence, hash, tree_size, tree_frontier FROM chain_head WHERE id = 1"))!
        var sequence: Int64 = head["sequence"]
        var previousHash: String = head["hash"]
        var tree = try treeFrontier(head)
        var nodes: [(node: LogTree.Node, hash: LogTree.Hash)] = []
        var operationSequences: [String: Int64?] = [:]
        let recordedAt = ConcertJSON.formatTimestamp(Date())
        let insert = try BulkStatement(
            """
            INSERT INTO event (sequence, operation_id, operation_sequence, actor_user_id, actor_agency_id,
                               kind, payload, recorded_at, previous_hash, hash)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
            """, in: db)
        var events: [Event] = []
        events.reserveCapacity(drafts.count)
        for draft in drafts {
            sequence += 1
            var operationSequence: Int64?
            if let operationId = draft.operationId {
                if operationSequences[operationId] == nil {
                    operationSequences[operationId] = try Int64.fetchOne(
                        db.cachedStatement(sql: "SELECT last_sequence FROM operation WHERE id = ?"),
                        arguments: [operationId])
                }
                if let last = operationSequences[operationId]!.map({ $0 + 1 }) {
                    operationSequences[operationId] = last
                    operationSequence = last
                }
            }
            let hash = EventChain.hash(
                previousHash: previousHash, sequence: sequence, operationId: draft.operationId,
                operationSequence: operationSequence, actorUserId: draft.actor?.userId,
                actorAgencyId: draft.actor?.agencyId, kind: draft.kind.rawValue, payload: draft.payload,
                recordedAt: recordedAt)
            try insert.run(
                .integer(sequence), .text(draft.operationId), .integer(operationSequence), .text(draft.actor?.userId),
                .text(draft.actor?.agencyId), .text(draft.kind.rawValue), .text(draft.payload), .text(recordedAt),
                .text(previousHash), .text(hash))
            events.append(
                Event(
                    sequence: sequence, operationId: draft.operationId, operationSequence: operationSequence,
                    actorUserId: draft.actor?.userId, actorAgencyId: draft.actor?.agencyId, kind: draft.kind.rawValue,
                    payload: draft.payload, recordedAt: recordedAt, previousHash: previousHash, hash: hash))
            previousHash = hash
            nodes += tree.append(leafHash: LogTree.leafHash(eventHash: hash)!)
        }
        try insertNodes(nodes, in: db)
        for case (let operationId, let last?) in operationSequences {
            try db.cachedStatement(sql: "UPDATE operation SET last_sequence = ? WHERE id = ?")
                .execute(arguments: [last, operationId])
        }
        try db.cachedStatement(
            sql: "UPDATE chain_head SET sequence = ?, hash = ?, tree_size = ?, tree_frontier = ? WHERE id = 1"
        ).execute(arguments: [sequence, previousHash, tree.size, tree.text])
        return events
    }

    /// The tree's frontier as the chain's head row holds it; it covers every event, as the
    /// store put the log in its tree when it opened.
    private static func treeFrontier(_ head: Row) throws -> TreeFrontier {
        guard let frontier = TreeFrontier(size: head["tree_size"], text: head["tree_frontier"]),
            frontier.size == head["sequence"] as Int64
        else {
            throw StoreError.damaged(
                "The log's tree does not reach the chain's head; run `concert audit verify`.")
        }
        return frontier
    }

    /// Writes the subtrees an append completed.
    private static func insertNodes(_ nodes: [(node: LogTree.Node, hash: LogTree.Hash)], in db: Database) throws {
        let insert = try db.cachedStatement(sql: "INSERT INTO log_node (level, position, hash) VALUES (?, ?, ?)")
        for (node, hash) in nodes {
            try insert.execute(arguments: [node.level, node.position, Hex.string(hash)])
        }
    }

    private static func event(from row: Row) -> Event {
        Event(
            sequence: row["sequence"], operationId: row["operation_id"], operationSequence: row["operation_sequence"],
            actorUserId: row["actor_user_id"], actorAgencyId: row["actor_agency_id"], kind: row["kind"],
            payload: row["payload"], recordedAt: row["recorded_at"], previousHash: row["previous_hash"],
            hash: row["hash"])
    }

    public func events(operationId: String, after operationSequence: Int64, limit: Int) async throws -> [Event] {
        try await pool.read { db in
            try Row.fetchAll(
                db,
                sql: """
                    SELECT * FROM event WHERE operation_id = ? AND operation_sequence > ?
                    ORDER BY operation_sequence LIMIT ?
                    """,
                arguments: [operationId, operationSequence, limit]
            ).map(Self.event(from:))
        }
    }

    public func events(after sequence: Int64, limit: Int) async throws -> [Event] {
        try await pool.read { db in
            try Row.fetchAll(
                db, sql: "SELECT * FROM event WHERE sequence > ? ORDER BY sequence LIMIT ?",
                arguments: [sequence, limit]
            ).map(Self.event(from:))
        }
    }

    /// One SQLite file serves one server, whose set-up runs once at start: nothing to wait for.
    public func exclusively(_ body: @escaping @Sendable () async throws -> Void) async throws {
        try await body()
    }

    /// One SQLite file serves one server.
    public var isShared: Bool { false }

    // MARK: Targets

    // A target's row as the shared code writes it (``SQLEngineStore/targetRow(_:writtenBy:)``),
    // by a statement prepared once for an import.
    private static let insertTargetSQL =
        "INSERT INTO target_row (\(targetRowColumns.joined(separator: ", "))) VALUES (?, ?, ?, ?, ?, ?, ?, ?)"

    /// Stores targets' rows with a ``BulkStatement`` prepared once for an import (binding from
    /// each string's own bytes); for a single row that would cost more than it saves.
    public static func insertTargets(
        _ targets: [Target], writtenBy events: [Event], in transaction: any SQLTransaction
    ) throws {
        let db = (transaction as! SQLiteConnection).db
        if targets.count == 1, let target = targets.first, let event = events.first {
            try db.cachedStatement(sql: insertTargetSQL).execute(
                arguments: StatementArguments(targetRow(target, writtenBy: event).map(\.databaseValue)))
            return
        }
        let insertTarget = try BulkStatement(Self.insertTargetSQL, in: db)
        for (target, event) in zip(targets, events) {
            try insertTarget.run(targetRow(target, writtenBy: event))
        }
    }

    public func readSelectors<Accumulator: Sendable>(
        into accumulator: Accumulator, _ add: @escaping @Sendable (inout Accumulator, SelectorBytes) -> Void
    ) async throws -> Accumulator {
        try await pool.read { db in
            var accumulator = accumulator
            let statement = try db.makeStatement(
                sql: "SELECT id, operation_id, originator_agency_id, selector_keys FROM target ORDER BY rowid")
            // The columns are read in place: a rebuild reads every selector of the installation.
            let raw = statement.sqliteStatement
            func column(_ index: Int32) -> UnsafeRawBufferPointer? {
                guard let text = sqlite3_column_text(raw, index) else { return nil }
                return UnsafeRawBufferPointer(start: text, count: Int(sqlite3_column_bytes(raw, index)))
            }
            let rows = try Row.fetchCursor(statement)
            while try rows.next() != nil {
                guard let targetId = column(0), let operationId = column(1), let agencyId = column(2),
                    let packed = column(3)
                else { continue }
                PackedSelectors.forEach(in: packed) { kind, matchKey, dateOfBirth in
                    add(
                        &accumulator,
                        SelectorBytes(
                            targetId: targetId, operationId: operationId, agencyId: agencyId, kind: kind,
                            matchKey: matchKey, dateOfBirth: dateOfBirth))
                }
            }
            return accumulator
        }
    }

    public func encodedTargets(operationId: String) async throws -> [EncodedTarget] {
        try await pool.read { db in
            var result: [EncodedTarget] = []
            let rows = try Row.fetchCursor(
                db,
                sql: """
                    SELECT id, originator_agency_id, handling, distribution, json FROM target
                    WHERE operation_id = ? ORDER BY rowid
                    """,
                arguments: [operationId])
            var distributions = DistributionDecoder()
            while let row = try rows.next() {
                let distribution = try distributions.decode(row["distribution"])
                result.append(
                    EncodedTarget(
                        handling: RecordHandling(
                            originatorAgencyId: row["originator_agency_id"],
                            handling: HandlingCode(rawValue: row["handling"]) ?? .h3, distribution: distribution),
                        id: row["id"], json: row["json"]))
            }
            return result
        }
    }

    public func targets(ids: [String]) async throws -> [Target] {
        guard !ids.isEmpty else { return [] }
        return try await pool.read { db in
            let statement = try db.cachedStatement(sql: "SELECT json FROM target WHERE id = ?")
            let decoder = ConcertJSON.makeDecoder()
            return try ids.compactMap { id in
                try String.fetchOne(statement, arguments: [id]).map {
                    try decoder.decode(Target.self, from: Data($0.utf8))
                }
            }
        }
    }

}

extension SQLiteStore: CopyableStore {}
