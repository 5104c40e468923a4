import ConcertCore
import Foundation
import Logging
import PostgresNIO
import Synchronization

/// Puts the events that writes committed to `event_queue` into the log, in the order they
/// were queued: numbers them (in the log and in their operations), chains their hashes, grows
/// the Merkle tree, points the rows that wait for them at their sequence numbers, and
/// announces their operations — all in one transaction that holds the chain's head.
///
/// This is what lets writes of different operations run side by side on PostgreSQL, as
/// Trillian's sequencer does for its log: a write holds only the locks of what it changes and
/// never the chain's head, and a pass of the sequencer numbers the events of every write that
/// committed before it began, however many, in a few round trips. A write returns once a pass
/// that began after its commit has ended (``sequenceCommitted()``), so that what a client was
/// told is written is in the log and its live feeds; events a server queued and never saw
/// sequenced (it stopped) are sequenced by the next pass of any server.
///
/// Every server runs one; passes of several servers take turns on the chain's head, and a
/// pass finds only what the others left.
final class PostgresSequencer: Sendable {
    private struct State {
        var running = false
        var waiting: [CheckedContinuation<Void, any Error>] = []
    }

    private let state = Mutex(State())
    private let client: PostgresClient
    private let logger: Logger
    private let signal: EventSignal
    /// The most events one transaction of a pass numbers; a pass goes on until the queue is empty.
    static let batchLimit = 2_048

    init(client: PostgresClient, logger: Logger, signal: EventSignal) {
        self.client = client
        self.logger = logger
        self.signal = signal
    }

    /// Returns once a pass that began after this call has ended: every event committed before
    /// the call is then in the log.
    func sequenceCommitted() async throws {
        try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, any Error>) in
            let start = state.withLock { state in
                state.waiting.append(continuation)
                guard !state.running else { return false }
                state.running = true
                return true
            }
            if start { Task { await self.drain() } }
        }
    }

    /// Runs passes while writes wait for one; those that came during a pass wait for the next.
    private func drain() async {
        while true {
            let waiters = state.withLock { state -> [CheckedContinuation<Void, any Error>]? in
                guard !state.waiting.isEmpty else {
                    state.running = false
                    return nil
                }
                defer { state.waiting = [] }
                return state.waiting
            }
            guard let waiters else { return }
            do {
                try await passRetrying()
                for waiter in waiters { waiter.resume() }
            } catch {
                for waiter in waiters { waiter.resume(throwing: error) }
            }
        }
    }

    /// A pass, tried again when it fails (its transaction rolled back: a connection the
    /// database closed, a failover), since the writes waiting for it are committed already.
    private func passRetrying() async throws {
        var attempt = 0
        while true {
            do {
                return try await pass()
            } catch let error as StoreError {
                throw error
            } catch {
                attempt += 1
                guard attempt < 4 else { throw error }
                logger.warning("The sequencer's pass failed; trying again: \(String(reflecting: error))")
                try await Task.sleep(for: .milliseconds(50 * attempt))
            }
        }
    }

    /// Sequences the queue until it is empty, one batch a transaction.
    private func pass() async throws {
        while true {
            let (count, operations) = try await client.withConnection { connection in
                try await self.sequenceBatch(on: connection)
            }
            for operationId in operations { signal.publish(operationId) }
            if count < Self.batchLimit { return }
        }
    }

    /// One queued event, as the pass reads it with its operation's last sequence number.
    struct Queued {
        var id: Int64
        var operationId: String?
        var countsInOperation: Bool
        var actorUserId: String?
        var actorAgencyId: String?
        var kind: String
        var payload: String
    }

    /// Numbers up to ``batchLimit`` queued events in one transaction; returns how many, and
    /// the operations whose feeds they join.
    private func sequenceBatch(on connection: PostgresConnection) async throws -> (Int, Set<String>) {
        try await connection.execute("BEGIN ISOLATION LEVEL READ COMMITTED", logger: logger)
        do {
            var head: (Int64, String, Int64, String)?
            for try await row in try await connection.query(
                "SELECT sequence, hash, tree_size, tree_frontier FROM chain_head WHERE id = 1 FOR UPDATE",
                logger: logger
            ).decode((Int64, String, Int64, String).self) {
                head = row
            }
            guard let head else { throw StoreError.notFound("The event chain has no head.") }
            // Read after the head is held: every write that committed before is in it.
            var queued: [Queued] = []
            for try await entry in try await connection.execute(ReadQueue(), logger: logger) {
                queued.append(entry)
            }
            guard !queued.isEmpty else {
                try await connection.execute("COMMIT", logger: logger)
                return (0, [])
            }
            // Each operation's last number, from its events: the operation's row is not
            // touched, so that a pass never waits for a write that holds it.
            var lastSequences: [String: Int64] = [:]
            let counted = Array(Set(queued.filter(\.countsInOperation).compactMap(\.operationId)))
            if !counted.isEmpty {
                for try await (operationId, last) in try await connection.execute(
                    ReadOperationHeads(operationIds: counted), logger: logger)
                {
                    lastSequences[operationId] = last
                }
            }
            // A head the tree does not reach was moved by hand.
            guard var tree = TreeFrontier(size: head.2, text: head.3), tree.size == head.0 else {
                throw StoreError.damaged("The log's tree does not reach the chain's head; run `concert audit verify`.")
            }
            var sequence = head.0
            var hash = head.1
            var operationSequences: [String: Int64] = [:]
            var events: [Event] = []
            var nodes: [(node: LogTree.Node, hash: LogTree.Hash)] = []
            let recordedAt = ConcertJSON.formatTimestamp(Date())
            for entry in queued {
                var operationSequence: Int64?
                if let operationId = entry.operationId, entry.countsInOperation {
                    guard let last = operationSequences[operationId] ?? lastSequences[operationId] else {
                        throw StoreError.damaged("An event waits for operation \(operationId), which is gone.")
                    }
                    operationSequence = last + 1
                    operationSequences[operationId] = last + 1
                }
                sequence += 1
                let eventHash = EventChain.hash(
                    previousHash: hash, sequence: sequence, operationId: entry.operationId,
                    operationSequence: operationSequence, actorUserId: entry.actorUserId,
                    actorAgencyId: entry.actorAgencyId, kind: entry.kind, payload: entry.payload,
                    recordedAt: recordedAt)
                events.append(
                    Event(
                        sequence: sequence, operationId: entry.operationId, operationSequence: operationSequence,
                        actorUserId: entry.actorUserId, actorAgencyId: entry.actorAgencyId, kind: entry.kind,
                        payload: entry.payload, recordedAt: recordedAt, previousHash: hash, hash: eventHash))
                nodes += tree.append(leafHash: LogTree.leafHash(eventHash: eventHash)!)
                hash = eventHash
            }
            let operationIds = Array(operationSequences.keys)
            let batch = WriteBatch(
                events: events, queueIds: queued.map(\.id), operationIds: operationIds, nodes: nodes, tree: tree)
            for try await _ in try await connection.execute(batch, logger: logger) {}
            try await connection.execute("COMMIT", logger: logger)
            return (queued.count, Set(operationIds))
        } catch {
            _ = try? await connection.query("ROLLBACK", logger: logger)
            throw error
        }
    }
}

/// The oldest queued events, each with its operation's last sequence number: a statement
/// prepared once a connection, as the pass runs it hundreds of times a second under load.
private struct ReadQueue: PostgresPreparedStatement {
    static let sql = """
        SELECT id, operation_id, counts_in_operation, actor_user_id, actor_agency_id, kind, payload
        FROM event_queue ORDER BY position LIMIT \(PostgresSequencer.batchLimit)
        """
    typealias Row = PostgresSequencer.Queued

    func makeBindings() -> PostgresBindings { PostgresBindings() }

    func decodeRow(_ row: PostgresRow) throws -> Row {
        let (id, operationId, counts, userId, agencyId, kind, payload) = try row.decode(
            (Int64, String?, Bool, String?, String?, String, String).self)
        return Row(
            id: id, operationId: operationId, countsInOperation: counts, actorUserId: userId, actorAgencyId: agencyId,
            kind: kind, payload: payload)
    }
}

/// The last number of each of the operations, read from their events (an operation that no
/// longer exists is left out).
private struct ReadOperationHeads: PostgresPreparedStatement {
    static let sql = """
        SELECT operation.id,
               COALESCE((SELECT MAX(operation_sequence) FROM event WHERE event.operation_id = operation.id), 0)
        FROM operation WHERE operation.id = ANY($1::text[])
        """
    typealias Row = (String, Int64)

    let operationIds: [String]

    func makeBindings() -> PostgresBindings {
        var bindings = PostgresBindings(capacity: 1)
        bindings.append(operationIds)
        return bindings
    }

    func decodeRow(_ row: PostgresRow) throws -> Row { try row.decode(Row.self) }
}

/// A batch put in the log in one statement: its events appended and taken off the queue, the
/// tree's new nodes, the chain's head, the rows that waited pointed at
/// their events, and the operations announced.
private struct WriteBatch: PostgresPreparedStatement {
    static let sql = """
        WITH appended AS (
            INSERT INTO event (sequence, operation_id, operation_sequence, actor_user_id, actor_agency_id,
                               kind, payload, recorded_at, previous_hash, hash)
            SELECT s, NULLIF(o, ''), NULLIF(os, -1), NULLIF(u, ''), NULLIF(a, ''), k, p, r, ph, h
            FROM unnest($1::bigint[], $2::text[], $3::bigint[], $4::text[], $5::text[], $6::text[], $7::text[],
                        $8::text[], $9::text[], $10::text[]) AS e(s, o, os, u, a, k, p, r, ph, h)
        ), dequeued AS (
            DELETE FROM event_queue WHERE id = ANY($11::bigint[])
        ), nodes AS (
            INSERT INTO log_node (level, position, hash)
            SELECT * FROM unnest($13::integer[], $14::bigint[], $15::text[])
        ), head AS (
            UPDATE chain_head SET sequence = $16, hash = $17, tree_size = $18, tree_frontier = $19 WHERE id = 1
        ), targets AS (
            UPDATE target_row SET json_event = m.s FROM unnest($20::bigint[], $1::bigint[]) AS m(q, s)
            WHERE target_row.json_event < 0 AND target_row.json_event = m.q
        ), exhibits AS (
            UPDATE exhibit SET json_event = m.s FROM unnest($20::bigint[], $1::bigint[]) AS m(q, s)
            WHERE exhibit.json_event < 0 AND exhibit.json_event = m.q
        ), custody AS (
            UPDATE custody_entry SET json_event = m.s FROM unnest($20::bigint[], $1::bigint[]) AS m(q, s)
            WHERE custody_entry.json_event < 0 AND custody_entry.json_event = m.q
        )
        SELECT pg_notify($21, id) FROM unnest($12::text[]) AS n(id)
        """
    typealias Row = Void

    let events: [Event]
    let queueIds: [Int64]
    let operationIds: [String]
    let nodes: [(node: LogTree.Node, hash: LogTree.Hash)]
    let tree: TreeFrontier

    func makeBindings() throws -> PostgresBindings {
        var bindings = PostgresBindings(capacity: 21)
        bindings.append(events.map(\.sequence))
        bindings.append(events.map { $0.operationId ?? "" })
        bindings.append(events.map { $0.operationSequence ?? -1 })
        bindings.append(events.map { $0.actorUserId ?? "" })
        bindings.append(events.map { $0.actorAgencyId ?? "" })
        bindings.append(events.map(\.kind))
        bindings.append(events.map(\.payload))
        bindings.append(events.map(\.recordedAt))
        bindings.append(events.map(\.previousHash))
        bindings.append(events.map(\.hash))
        bindings.append(queueIds)
        bindings.append(operationIds)
        bindings.append(nodes.map { Int64($0.node.level) })
        bindings.append(nodes.map(\.node.position))
        bindings.append(nodes.map { Hex.string($0.hash) })
        bindings.append(events.last!.sequence)
        bindings.append(events.last!.hash)
        bindings.append(tree.size)
        bindings.append(tree.text)
        // A row waiting for a queued event points at it as minus its id.
        bindings.append(queueIds.map { -$0 })
        bindings.append(PostgresStore.channel)
        return bindings
    }

    func decodeRow(_ row: PostgresRow) throws {}
}

/// Hands out ids for queued events from blocks of 1,024 the database gives each server, so
/// that a write knows an event's id as it appends it (a row points at the event by it) with
/// one round trip per block, not per event.
final class EventIdBlocks: Sendable {
    private let range = Mutex<(next: Int64, end: Int64)>((0, 0))
    static let blockSize: Int64 = 1_024

    /// The next id, taking a new block on `connection` when this one is used up.
    func next(on connection: PostgresConnection, logger: Logger) throws -> Int64 {
        if let id = range.withLock({ range -> Int64? in
            guard range.next < range.end else { return nil }
            defer { range.next += 1 }
            return range.next
        }) {
            return id
        }
        let start = try connection.query("SELECT nextval('event_queue_id')", logger: logger).wait().rows.first?
            .decode(Int64.self)
        guard let start else { throw StoreError.notFound("The event queue gave no id.") }
        return range.withLock { range in
            // Another thread may have taken a block meanwhile: this one serves from now on, the
            // rest of the other is left unused (ids need only be unique).
            range = (start + 1, start + Self.blockSize)
            return start
        }
    }
}
