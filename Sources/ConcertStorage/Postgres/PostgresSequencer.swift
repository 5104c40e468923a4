import ConcertCore
import Foundation
import Logging
import PostgresNIO
import Synchronization

/// Puts the events that writes committed to `event_queue` into the log, in the order they
/// were queued: numbers them (in the log and in their operations), chains their hashes, grows
/// the Merkle tree, points the rows that wait for them at their sequence numbers, and
/// announces their operations — all in one statement, written only if the chain's head is still
/// as the pass read it.
///
/// This is what lets writes of different operations run side by side on PostgreSQL, as
/// Trillian's sequencer does for its log: a write holds only the locks of what it changes and
/// never the chain's head, and a pass of the sequencer numbers the events of every write that
/// committed before it began, however many, in two round trips; under load, the statement that
/// writes a batch reads the next, and a batch costs one. A write returns once its
/// events are in the log (``sequenceCommitted(queueIds:)``), so that what a client was told is
/// written is in the log and its live feeds; events a server queued and never saw sequenced
/// (it stopped) are sequenced by the next pass of any server.
///
/// Every server runs one; passes of several servers compare and swap the chain's head, so that
/// a pass that read a head another pass moved writes nothing and reads again, and a pass finds
/// only what the others left.
final class PostgresSequencer: Sendable {
    private struct State {
        var running = false
        var waiting: [Waiter] = []
    }

    /// A write waiting for its events to be in the log.
    private struct Waiter {
        /// The queue ids of its events (none when it did not say).
        var queueIds: [Int64]
        var continuation: CheckedContinuation<Void, any Error>
    }

    private let state = Mutex(State())
    /// Where passes run: a thread of their own, not the concurrency pool, so that under load
    /// each of a pass's round trips resumes at once instead of queueing behind the requests
    /// that wait for the pass (a pass then took four times as long as on an idle server).
    private let executor = PassExecutor()
    private let client: PostgresClient
    private let logger: Logger
    private let signal: EventSignal
    /// The most events one batch of a pass numbers; a pass goes on until the queue is empty.
    static let batchLimit = 2_048
    /// How many batches found the chain's head moved by another pass when they came to write,
    /// wrote nothing and read again; and how many passes failed and were tried again.
    let headMoves = Atomic<Int>(0)
    let retries = Atomic<Int>(0)
    /// How many batches were written, and how many of them the statement that wrote the batch
    /// before had read (one round trip for the batch, not two).
    let batchesWritten = Atomic<Int>(0)
    let batchesReadByTheWriteBefore = Atomic<Int>(0)
    /// For tests: awaited between a batch's read and its write, so that another server's pass
    /// can move the head meanwhile, as it does now and then under load.
    let beforeWrite = Mutex<(@Sendable () async -> Void)?>(nil)

    init(client: PostgresClient, logger: Logger, signal: EventSignal) {
        self.client = client
        self.logger = logger
        self.signal = signal
    }

    /// Returns once the events a write committed before the call are in the log: when the
    /// batch of the first read of the queue sent after the call is written (or that read found
    /// the queue empty), or sooner, when a batch wrote every one of `queueIds`.
    func sequenceCommitted(queueIds: [Int64] = []) async throws {
        try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, any Error>) in
            let start = state.withLock { state in
                state.waiting.append(Waiter(queueIds: queueIds, continuation: continuation))
                guard !state.running else { return false }
                state.running = true
                return true
            }
            if start { Task(executorPreference: executor) { await self.drain() } }
        }
    }

    /// Runs passes while writes wait for one, or while the last statement read events to put in
    /// the log. After its first read, a pass is one statement a batch: the statement that writes
    /// a batch reads the next (``WriteBatch``), so that under load each batch costs one round
    /// trip, and a write waits for about one statement and a half, not for two passes.
    ///
    /// A write's waiter is covered by the first read sent after it came: its events were
    /// committed before, so that read or an earlier one has them. It is answered when that
    /// read's batch is in the log (or at once when the read found the queue empty); a full
    /// batch hands its waiters on to the next read, since the queue held more. A waiter that
    /// named its queue ids is answered sooner, as soon as a batch wrote every one of them.
    private func drain() async {
        /// The queue as the last statement read it, not yet written, and the waiters it covers.
        var pending: (read: QueueRead, covers: [Waiter])?
        /// Waiters that the next read covers: their read was full or came to nothing.
        var carried: [Waiter] = []
        /// The queue ids the last few batches wrote: a waiter that comes late (its write's task
        /// resumed after its events were in the log) is answered when it is taken.
        var recent: [Set<Int64>] = []
        var failures = 0
        while true {
            var arrived = state.withLock { state in
                defer { state.waiting = [] }
                return state.waiting
            }
            arrived.removeAll { waiter in
                guard !waiter.queueIds.isEmpty,
                    waiter.queueIds.allSatisfy({ id in recent.contains { $0.contains(id) } })
                else { return false }
                waiter.continuation.resume()
                return true
            }
            var covered = carried + arrived
            carried = []
            if pending == nil, covered.isEmpty {
                let done = state.withLock { state in
                    guard state.waiting.isEmpty else { return false }
                    state.running = false
                    return true
                }
                if done { return }
                continue
            }
            do {
                guard let (read, covers) = pending.map({ ($0.read, $0.covers) }) else {
                    let read = try await readQueue()
                    failures = 0
                    if read.events.isEmpty {
                        for waiter in covered { waiter.continuation.resume() }
                    } else {
                        pending = (read, covered)
                    }
                    continue
                }
                // The waiters that came since the last read are covered by the read this
                // statement makes; those the read of this batch covers wait for its write.
                let batch = try Batch(read)
                if let pause = beforeWrite.withLock({ $0 }) { await pause() }
                guard let next = try await write(batch) else {
                    // Another server's pass moved the head: nothing was written, and the queue
                    // is read again from the head as it now stands.
                    headMoves.add(1, ordering: .relaxed)
                    pending = nil
                    carried = covers + covered
                    continue
                }
                failures = 0
                batchesWritten.add(1, ordering: .relaxed)
                if !next.events.isEmpty { batchesReadByTheWriteBefore.add(1, ordering: .relaxed) }
                for operationId in batch.operationIds { signal.publish(operationId) }
                let written = Set(batch.queueIds)
                recent = Array((recent + [written]).suffix(4))
                if read.events.count < Self.batchLimit {
                    for waiter in covers { waiter.continuation.resume() }
                } else {
                    covered = covers + covered
                }
                covered.removeAll { waiter in
                    guard !waiter.queueIds.isEmpty, waiter.queueIds.allSatisfy(written.contains) else { return false }
                    waiter.continuation.resume()
                    return true
                }
                if next.events.isEmpty {
                    for waiter in covered { waiter.continuation.resume() }
                    pending = nil
                } else {
                    pending = (next, covered)
                }
            } catch {
                // A statement failed and wrote nothing (a connection the database closed, a
                // failover): the queue is read again, since the writes waiting are committed.
                let waiters = (pending?.covers ?? []) + covered
                pending = nil
                failures += 1
                retries.add(1, ordering: .relaxed)
                if error is StoreError || failures >= 4 {
                    for waiter in waiters { waiter.continuation.resume(throwing: error) }
                    failures = 0
                    continue
                }
                logger.warning("The sequencer's pass failed; trying again: \(String(reflecting: error))")
                carried = waiters
                try? await Task.sleep(for: .milliseconds(50 * failures))
            }
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

    /// The chain's head as a pass reads it, and as its write must still find it.
    struct Head {
        var sequence: Int64
        var hash: String
        var treeSize: Int64
        var treeFrontier: String
    }

    /// The chain's head and the oldest queued events (up to ``batchLimit``), read in one
    /// snapshot, with the last sequence number of each operation they count in.
    struct QueueRead {
        var head: Head
        var events: [Queued] = []
        var lastSequences: [String: Int64] = [:]

        /// Reads the rows of ``ReadQueue`` or ``WriteBatch``; nil when there is no head row
        /// (the write found the head moved).
        init?(rows: [ReadQueue.Row]) {
            var head: Head?
            for row in rows {
                switch row {
                case .head(let read): head = read
                case .event(let entry, let last):
                    events.append(entry)
                    if let operationId = entry.operationId, let last { lastSequences[operationId] = last }
                }
            }
            guard let head else { return nil }
            self.head = head
        }
    }

    /// A batch numbered and hashed from a read of the queue, ready to be written.
    struct Batch {
        let read: Head
        let events: [Event]
        let queueIds: [Int64]
        let operationIds: [String]
        /// The last number of each operation the batch counts in, as it leaves them.
        let operationSequences: [String: Int64]
        let nodes: [(node: LogTree.Node, hash: LogTree.Hash)]
        let tree: TreeFrontier

        /// Numbers the events that were read after the head, chains their hashes and grows
        /// the tree.
        init(_ read: QueueRead) throws {
            // A head the tree does not reach was moved by hand.
            guard var tree = TreeFrontier(size: read.head.treeSize, text: read.head.treeFrontier),
                tree.size == read.head.sequence
            else {
                throw StoreError.damaged("The log's tree does not reach the chain's head; run `concert audit verify`.")
            }
            var sequence = read.head.sequence
            var hash = read.head.hash
            var operationSequences: [String: Int64] = [:]
            var events: [Event] = []
            var nodes: [(node: LogTree.Node, hash: LogTree.Hash)] = []
            let recordedAt = ConcertJSON.formatTimestamp(Date())
            for entry in read.events {
                var operationSequence: Int64?
                if let operationId = entry.operationId, entry.countsInOperation {
                    guard let last = operationSequences[operationId] ?? read.lastSequences[operationId] else {
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
            self.read = read.head
            self.events = events
            queueIds = read.events.map(\.id)
            operationIds = Array(operationSequences.keys)
            self.operationSequences = operationSequences
            self.nodes = nodes
            self.tree = tree
        }
    }

    /// Reads the head and the queue in one statement, one snapshot: every write that committed
    /// before the statement began is in it. Each event comes with its operation's last number,
    /// read from its events: the operation's row is not touched, so that a pass never waits for
    /// a write that holds it.
    private func readQueue() async throws -> QueueRead {
        try await client.withConnection { [logger] connection in
            let statement = ReadQueue()
            var rows: [ReadQueue.Row] = []
            for try await row in try await connection.execute(statement, logger: logger) { rows.append(row) }
            guard let read = QueueRead(rows: rows) else {
                throw StoreError.notFound("The event chain has no head.")
            }
            return read
        }
    }

    /// Writes `batch` only if the chain's head is still as it was read (compare and swap), and
    /// reads the queue that follows it in the same statement. Returns that read, with the head
    /// the batch left and each operation's last number counting the batch's own events (which
    /// the statement's read does not see); nil when the head had moved (another server's pass,
    /// or the log's tree extended when a server opened), in which case nothing was written.
    private func write(_ batch: Batch) async throws -> QueueRead? {
        let statement = WriteBatch(batch)
        guard
            var next = try await client.withConnection({ [logger] connection in
                var rows: [ReadQueue.Row] = []
                for try await row in try await connection.execute(statement, logger: logger) { rows.append(row) }
                return QueueRead(rows: rows)
            })
        else { return nil }
        next.lastSequences.merge(batch.operationSequences) { max($0, $1) }
        return next
    }
}

/// The chain's head, then the oldest queued events, each that counts in an operation with that
/// operation's last sequence number (none when the operation is gone): a statement prepared
/// once a connection, as the pass runs it hundreds of times a second under load. The head is
/// its first row (`part` 0), so that the two are read in one snapshot and one round trip.
struct ReadQueue: PostgresPreparedStatement {
    static let sql = "WITH " + reading(queue: "", head: "FROM chain_head WHERE id = 1")

    /// The common table expressions and the rows of a read of the queue, as ``ReadQueue`` and
    /// ``WriteBatch`` make it: `queue` filters `event_queue` (a `WHERE` clause, or nothing), and
    /// `head` is where the head's row comes from (a `FROM` clause).
    static func reading(queue filter: String, head source: String) -> String {
        """
        queued AS (
            SELECT id, operation_id, counts_in_operation, actor_user_id, actor_agency_id, kind, payload, position
            FROM event_queue \(filter) ORDER BY position LIMIT \(PostgresSequencer.batchLimit)
        ), heads AS (
            SELECT operation.id,
                   COALESCE((SELECT MAX(operation_sequence) FROM event WHERE event.operation_id = operation.id), 0)
                   AS last
            FROM operation WHERE operation.id IN (SELECT operation_id FROM queued WHERE counts_in_operation)
        )
        SELECT 0 AS part, NULL::bigint, NULL::text, NULL::boolean, NULL::text, NULL::text, NULL::text, NULL::text,
               NULL::bigint, sequence, hash, tree_size, tree_frontier, 0::bigint AS position
        \(source)
        UNION ALL
        SELECT 1, queued.id, queued.operation_id, queued.counts_in_operation, queued.actor_user_id,
               queued.actor_agency_id, queued.kind, queued.payload, heads.last, NULL, NULL, NULL, NULL,
               queued.position
        FROM queued LEFT JOIN heads ON heads.id = queued.operation_id AND queued.counts_in_operation
        ORDER BY part, position
        """
    }

    enum Row {
        case head(PostgresSequencer.Head)
        case event(PostgresSequencer.Queued, last: Int64?)
    }

    func makeBindings() -> PostgresBindings { PostgresBindings() }

    func decodeRow(_ row: PostgresRow) throws -> Row { try Self.decode(row) }

    /// A row of the head or of a queued event; ``WriteBatch`` answers the same rows.
    static func decode(_ row: PostgresRow) throws -> Row {
        let (
            part, id, operationId, counts, userId, agencyId, kind, payload, last, sequence, hash, treeSize, frontier, _
        ) =
            try row.decode(
                (
                    Int32, Int64?, String?, Bool?, String?, String?, String?, String?, Int64?, Int64?, String?, Int64?,
                    String?, Int64
                ).self)
        if part == 0 {
            guard let sequence, let hash, let treeSize, let frontier else {
                throw StoreError.damaged("The event chain's head lacks its sequence, hash or tree.")
            }
            return .head(
                PostgresSequencer.Head(sequence: sequence, hash: hash, treeSize: treeSize, treeFrontier: frontier))
        }
        guard let id, let counts, let kind, let payload else {
            throw StoreError.damaged("A queued event lacks its id, kind or payload.")
        }
        return .event(
            PostgresSequencer.Queued(
                id: id, operationId: operationId, countsInOperation: counts, actorUserId: userId,
                actorAgencyId: agencyId, kind: kind, payload: payload), last: last)
    }
}

/// A batch put in the log in one statement, only if the chain's head is as the pass read it:
/// the head moved on, its events appended and taken off the queue, the tree's new nodes, the
/// rows that waited pointed at their events, and the operations announced. Every part waits
/// for the head's change: when another pass changed the head first, this one's change finds no
/// row (PostgreSQL reads the head again once that pass commits), and nothing else is written.
///
/// When it writes, the statement goes on to read the queue that follows, as ``ReadQueue`` does
/// and in its rows: the new head, then the oldest events left (those it took off are still
/// there for its own read, and are left out by their ids). Its read of each operation's last
/// number does not see the events it wrote itself; the sequencer adds those. With no row at
/// all, it wrote nothing.
private struct WriteBatch: PostgresPreparedStatement {
    static let sql = """
        WITH head AS (
            UPDATE chain_head SET sequence = $16, hash = $17, tree_size = $18, tree_frontier = $19
            WHERE id = 1 AND sequence = $22 AND hash = $23 AND tree_size = $24 AND tree_frontier = $25
            RETURNING sequence, hash, tree_size, tree_frontier
        ), appended AS (
            INSERT INTO event (sequence, operation_id, operation_sequence, actor_user_id, actor_agency_id,
                               kind, payload, recorded_at, previous_hash, hash)
            SELECT s, NULLIF(o, ''), NULLIF(os, -1), NULLIF(u, ''), NULLIF(a, ''), k, p, r, ph, h
            FROM unnest($1::bigint[], $2::text[], $3::bigint[], $4::text[], $5::text[], $6::text[], $7::text[],
                        $8::text[], $9::text[], $10::text[]) AS e(s, o, os, u, a, k, p, r, ph, h)
            WHERE EXISTS (SELECT 1 FROM head)
        ), dequeued AS (
            DELETE FROM event_queue WHERE id = ANY($11::bigint[]) AND EXISTS (SELECT 1 FROM head)
        ), nodes AS (
            INSERT INTO log_node (level, position, hash)
            SELECT * FROM unnest($13::integer[], $14::bigint[], $15::text[]) WHERE EXISTS (SELECT 1 FROM head)
        ), targets AS (
            UPDATE target_row SET json_event = m.s FROM unnest($20::bigint[], $1::bigint[]) AS m(q, s)
            WHERE target_row.json_event < 0 AND target_row.json_event = m.q AND EXISTS (SELECT 1 FROM head)
        ), exhibits AS (
            UPDATE exhibit SET json_event = m.s FROM unnest($20::bigint[], $1::bigint[]) AS m(q, s)
            WHERE exhibit.json_event < 0 AND exhibit.json_event = m.q AND EXISTS (SELECT 1 FROM head)
        ), custody AS (
            UPDATE custody_entry SET json_event = m.s FROM unnest($20::bigint[], $1::bigint[]) AS m(q, s)
            WHERE custody_entry.json_event < 0 AND custody_entry.json_event = m.q AND EXISTS (SELECT 1 FROM head)
        ), notified AS (
            SELECT pg_notify($21, id) FROM unnest($12::text[]) AS n(id) WHERE EXISTS (SELECT 1 FROM head)
        ),
        """
        + ReadQueue.reading(
            queue: "WHERE id <> ALL($11::bigint[]) AND EXISTS (SELECT 1 FROM head)",
            head: "FROM head WHERE (SELECT count(*) FROM notified) >= 0")
    typealias Row = ReadQueue.Row

    let batch: PostgresSequencer.Batch

    init(_ batch: PostgresSequencer.Batch) { self.batch = batch }

    func makeBindings() throws -> PostgresBindings {
        let events = batch.events
        var bindings = PostgresBindings(capacity: 25)
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
        bindings.append(batch.queueIds)
        bindings.append(batch.operationIds)
        bindings.append(batch.nodes.map { Int64($0.node.level) })
        bindings.append(batch.nodes.map(\.node.position))
        bindings.append(batch.nodes.map { Hex.string($0.hash) })
        bindings.append(events.last!.sequence)
        bindings.append(events.last!.hash)
        bindings.append(batch.tree.size)
        bindings.append(batch.tree.text)
        // A row waiting for a queued event points at it as minus its id.
        bindings.append(batch.queueIds.map { -$0 })
        bindings.append(PostgresStore.channel)
        bindings.append(batch.read.sequence)
        bindings.append(batch.read.hash)
        bindings.append(batch.read.treeSize)
        bindings.append(batch.read.treeFrontier)
        return bindings
    }

    func decodeRow(_ row: PostgresRow) throws -> ReadQueue.Row { try ReadQueue.decode(row) }
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

/// Runs the sequencer's passes on a serial dispatch queue, whose thread is not one of the
/// concurrency pool's: a pass's awaits resume there.
private final class PassExecutor: TaskExecutor {
    private let queue = DispatchQueue(label: "concert.postgres.sequencer")

    func enqueue(_ job: consuming ExecutorJob) {
        let job = UnownedJob(job)
        queue.async { job.runSynchronously(on: self.asUnownedTaskExecutor()) }
    }
}
