import ConcertCore
import Foundation

// The Merkle tree over the event log and its signed checkpoints, once for both engines. The
// tree's nodes are written with the events that complete them (each engine's append path calls
// ``LogTreeStorage``); proofs and checks read them here.

/// An inclusion proof: the hashes that lead from an event's leaf to the root of a tree.
public struct InclusionProof: Sendable, Equatable {
    public var sequence: Int64
    public var treeSize: Int64
    public var leafHash: LogTree.Hash
    public var path: [LogTree.Hash]
}

/// A checkpoint the installation signed and kept.
public struct StoredCheckpoint: Sendable, Equatable {
    public var size: Int64
    public var rootHex: String
    public var signedAt: String
    /// The signed note.
    public var note: String

    public init(size: Int64, rootHex: String, signedAt: String, note: String) {
        self.size = size
        self.rootHex = rootHex
        self.signedAt = signedAt
        self.note = note
    }
}

/// Why a proof cannot be given.
public enum LogProofError: Error, Equatable {
    /// The tree is not that large (yet).
    case beyondTree(size: Int64)
    /// The sizes asked for do not make a proof.
    case badRange(String)
}

/// Reads and writes the tree's nodes and its frontier, inside the engines' transactions.
enum LogTreeStorage {
    /// The frontier kept with the chain's head.
    static func frontier(in connection: any SQLConnection) throws -> TreeFrontier {
        guard let row = try connection.rows("SELECT tree_size, tree_frontier FROM chain_head WHERE id = 1").first,
            let frontier = TreeFrontier(size: try row.int64(0), text: try row.string(1))
        else { throw StoreError.notFound("The log's tree has no readable frontier.") }
        return frontier
    }

    /// Writes complete subtrees' hashes, many in one statement.
    static func insert(_ nodes: [(node: LogTree.Node, hash: LogTree.Hash)], in connection: any SQLConnection) throws {
        for chunk in stride(from: 0, to: nodes.count, by: 300) {
            var statement: SQL = "INSERT INTO log_node (level, position, hash) VALUES "
            for (index, entry) in nodes[chunk..<min(chunk + 300, nodes.count)].enumerated() {
                statement.append(
                    "\(raw: index == 0 ? "" : ", ")(\(entry.node.level), \(entry.node.position), \(Hex.string(entry.hash)))"
                )
            }
            statement.varies = true
            try connection.execute(statement)
        }
    }

    /// Brings the tree up to the last event: after an upgrade from a version without it, or
    /// a copy, every event already stored becomes a leaf. Runs inside a write transaction.
    static func extend(in connection: any SQLConnection) throws {
        guard let head = try connection.rows("SELECT sequence FROM chain_head WHERE id = 1").first else { return }
        let last = try head.int64(0)
        var frontier = try frontier(in: connection)
        guard frontier.size < last else { return }
        while frontier.size < last {
            let rows = try connection.rows(
                """
                SELECT sequence, hash FROM event WHERE sequence > \(frontier.size) AND sequence <= \(last)
                ORDER BY sequence LIMIT 10000
                """)
            guard !rows.isEmpty else { break }
            var nodes: [(node: LogTree.Node, hash: LogTree.Hash)] = []
            for row in rows {
                let sequence = try row.int64(0)
                guard sequence == frontier.size + 1, let leaf = LogTree.leafHash(eventHash: try row.string(1)) else {
                    throw StoreError.damaged(
                        "The log cannot be put in its tree: event #\(frontier.size + 1) is missing or has no hash; run `concert audit verify`."
                    )
                }
                nodes += frontier.append(leafHash: leaf)
            }
            try insert(nodes, in: connection)
        }
        try connection.execute(
            "UPDATE chain_head SET tree_size = \(frontier.size), tree_frontier = \(frontier.text) WHERE id = 1")
    }

    /// The hashes of complete subtrees, read from the nodes (and, for single leaves, from the
    /// events); throws when one is missing.
    static func hashes(
        of nodes: [LogTree.Node], in connection: any SQLConnection
    ) throws -> [LogTree.Node: LogTree.Hash] {
        var found: [LogTree.Node: LogTree.Hash] = [:]
        let leaves = nodes.filter { $0.level == 0 }.map { $0.position + 1 }
        if !leaves.isEmpty {
            var statement: SQL = "SELECT sequence, hash FROM event WHERE sequence IN ("
            for (index, sequence) in leaves.enumerated() {
                statement.append(index == 0 ? "\(sequence)" : ", \(sequence)")
            }
            statement.append(")")
            statement.varies = true
            for row in try connection.rows(statement) {
                if let leaf = LogTree.leafHash(eventHash: try row.string(1)) {
                    found[LogTree.Node(level: 0, position: try row.int64(0) - 1)] = leaf
                }
            }
        }
        let inner = nodes.filter { $0.level > 0 }
        if !inner.isEmpty {
            var statement: SQL = "SELECT level, position, hash FROM log_node WHERE "
            for (index, node) in inner.enumerated() {
                statement.append(
                    "\(raw: index == 0 ? "" : " OR ")(level = \(node.level) AND position = \(node.position))")
            }
            statement.varies = true
            for row in try connection.rows(statement) {
                if let hash = LogTree.bytes(hex: try row.string(2)), hash.count == 32 {
                    found[LogTree.Node(level: Int(try row.int64(0)), position: try row.int64(1))] = hash
                }
            }
        }
        for node in nodes where found[node] == nil {
            throw StoreError.damaged(
                "The log's tree lacks the node at level \(node.level), position \(node.position); run `concert audit verify`."
            )
        }
        return found
    }

    /// The hashes of leaf ranges, in order, each folded from its complete subtrees.
    static func hashes(of ranges: [Range<Int64>], in connection: any SQLConnection) throws -> [LogTree.Hash] {
        let decompositions = ranges.map(LogTree.decomposition(of:))
        let found = try hashes(of: Array(Set(decompositions.joined())), in: connection)
        return decompositions.map { nodes in LogTree.fold(nodes.map { found[$0]! }) }
    }
}

extension SQLEngineStore {
    public func treeHead() async throws -> (size: Int64, root: LogTree.Hash) {
        try await reading { connection in
            let frontier = try LogTreeStorage.frontier(in: connection)
            return (frontier.size, frontier.root)
        }
    }

    public func treeRoot(size: Int64) async throws -> LogTree.Hash {
        try await reading { connection in
            let current = try LogTreeStorage.frontier(in: connection)
            guard size <= current.size else { throw LogProofError.beyondTree(size: current.size) }
            return try LogTreeStorage.hashes(of: [0..<size], in: connection)[0]
        }
    }

    public func inclusionProof(sequence: Int64, treeSize: Int64) async throws -> InclusionProof {
        try await reading { connection in
            let current = try LogTreeStorage.frontier(in: connection)
            guard treeSize <= current.size else { throw LogProofError.beyondTree(size: current.size) }
            guard sequence >= 1, sequence <= treeSize else {
                throw LogProofError.badRange("Event #\(sequence) is not in a tree of \(treeSize) events.")
            }
            let ranges = [sequence - 1..<sequence] + LogTree.inclusionRanges(index: sequence - 1, size: treeSize)
            let hashes = try LogTreeStorage.hashes(of: ranges, in: connection)
            return InclusionProof(
                sequence: sequence, treeSize: treeSize, leafHash: hashes[0], path: Array(hashes.dropFirst()))
        }
    }

    public func consistencyProof(from old: Int64, to new: Int64) async throws -> [LogTree.Hash] {
        try await reading { connection in
            let current = try LogTreeStorage.frontier(in: connection)
            guard new <= current.size else { throw LogProofError.beyondTree(size: current.size) }
            guard old >= 0, old <= new else {
                throw LogProofError.badRange("A tree of \(old) events cannot grow into one of \(new).")
            }
            return try LogTreeStorage.hashes(of: LogTree.consistencyRanges(old: old, new: new), in: connection)
        }
    }

    public func event(sequence: Int64) async throws -> Event? {
        try await reading { connection in
            try connection.rows("SELECT \(raw: eventColumns) FROM event WHERE sequence = \(sequence)").first
                .map(event(from:))
        }
    }

    public func storeCheckpoint(_ checkpoint: StoredCheckpoint) async throws -> StoredCheckpoint {
        try await writing(.appendOnly) { transaction in
            // Several servers may sign the same size, at the same moment; the first one kept stands.
            if try transaction.exists(
                """
                INSERT INTO log_checkpoint (size, root, signed_at, note)
                VALUES (\(checkpoint.size), \(checkpoint.rootHex), \(checkpoint.signedAt), \(checkpoint.note))
                ON CONFLICT (size) DO NOTHING RETURNING 1
                """)
            {
                return checkpoint
            }
            guard
                let kept = try transaction.rows(
                    "SELECT size, root, signed_at, note FROM log_checkpoint WHERE size = \(checkpoint.size)"
                ).first
            else { throw StoreError.notFound("The checkpoint of size \(checkpoint.size) is gone.") }
            return try storedCheckpoint(from: kept)
        }
    }

    public func latestCheckpoint() async throws -> StoredCheckpoint? {
        try await reading { connection in
            try connection.rows("SELECT size, root, signed_at, note FROM log_checkpoint ORDER BY size DESC LIMIT 1")
                .first.map(storedCheckpoint(from:))
        }
    }

    public func storedCheckpoints(after size: Int64, limit: Int) async throws -> [StoredCheckpoint] {
        try await reading { connection in
            try connection.rows(
                "SELECT size, root, signed_at, note FROM log_checkpoint WHERE size > \(size) ORDER BY size LIMIT \(limit)"
            ).map(storedCheckpoint(from:))
        }
    }

    /// Checks every node of the tree and its frontier against the events' hashes, reading the
    /// log in pages; nil when they agree, else the first event whose leaf does not fit and why.
    func verifyTree(in connection: any SQLConnection, upTo last: Int64) throws -> (Int64, String)? {
        var frontier = TreeFrontier()
        while frontier.size < last {
            let rows = try connection.rows(
                """
                SELECT sequence, hash FROM event WHERE sequence > \(frontier.size) AND sequence <= \(last)
                ORDER BY sequence LIMIT 10000
                """)
            guard !rows.isEmpty else { break }
            let first = frontier.size
            var computed: [LogTree.Node: (hash: LogTree.Hash, sequence: Int64)] = [:]
            for row in rows {
                guard let leaf = LogTree.leafHash(eventHash: try row.string(1)) else {
                    return (try row.int64(0), "event #\(try row.int64(0)) has no hash to put in the tree")
                }
                for (node, hash) in frontier.append(leafHash: leaf) { computed[node] = (hash, frontier.size) }
            }
            // The nodes these leaves completed, level by level, compared with those stored.
            var stored: [LogTree.Node: String] = [:]
            var level = 1
            while (Int64(1) << Int64(level)) <= frontier.size {
                let low = first >> Int64(level)
                let high = frontier.size >> Int64(level)
                for row in try connection.rows(
                    """
                    SELECT position, hash FROM log_node WHERE level = \(level) AND position >= \(low) AND position < \(high)
                    """)
                {
                    stored[LogTree.Node(level: level, position: try row.int64(0))] = try row.string(1)
                }
                level += 1
            }
            for (node, entry) in computed.sorted(by: { $0.value.sequence < $1.value.sequence })
            where stored[node] != Hex.string(entry.hash) {
                let firstEvent = node.firstLeaf + 1
                return (
                    firstEvent,
                    "the log's tree does not match its events: the node over events #\(firstEvent) to #\(entry.sequence) "
                        + (stored[node] == nil ? "is missing" : "was altered")
                )
            }
        }
        let kept = try LogTreeStorage.frontier(in: connection)
        if kept != frontier {
            return (frontier.size + 1, "the tree's recorded edge does not match the events up to #\(frontier.size)")
        }
        return nil
    }
}

func storedCheckpoint(from row: SQLRow) throws -> StoredCheckpoint {
    StoredCheckpoint(
        size: try row.int64(0), rootHex: try row.string(1), signedAt: try row.string(2), note: try row.string(3))
}

extension SQLEngineStore {
    public func verifyLog(against checkpoints: [LogCheckpoint]) async throws -> ChainVerification {
        try await reading { connection in
            // The same size signed twice with different roots is a fork, whatever the database holds.
            var bySize: [Int64: LogCheckpoint] = [:]
            for checkpoint in checkpoints {
                if let other = bySize[checkpoint.size], other.root != checkpoint.root {
                    return ChainVerification(
                        eventsChecked: 0, brokenAt: checkpoint.size,
                        problem:
                            "two checkpoints of \(checkpoint.size) events with different roots were signed (\(ConcertJSON.formatTimestamp(other.time)) and \(ConcertJSON.formatTimestamp(checkpoint.time))): the log was forked"
                    )
                }
                bySize[checkpoint.size] = checkpoint
            }
            let sorted = bySize.values.sorted { $0.size < $1.size }
            guard let largest = sorted.last else { return ChainVerification(eventsChecked: 0) }
            let head = try connection.rows("SELECT sequence FROM chain_head WHERE id = 1").first?.int64(0) ?? 0
            var frontier = TreeFrontier()
            var matched: LogCheckpoint?
            var next = sorted.startIndex
            func compare() -> ChainVerification? {
                while next < sorted.endIndex && sorted[next].size == frontier.size {
                    let checkpoint = sorted[next]
                    next += 1
                    guard frontier.root != checkpoint.root else {
                        matched = checkpoint
                        continue
                    }
                    let first = (matched?.size ?? 0) + 1
                    let signed = ConcertJSON.formatTimestamp(checkpoint.time)
                    let problem =
                        first == checkpoint.size
                        ? "event #\(first) differs from what the checkpoint of \(checkpoint.size) events, signed at \(signed), covered: it was altered or replaced"
                        : "the first event that differs from what the checkpoint of \(checkpoint.size) events, signed at \(signed), covered is among #\(first) to #\(checkpoint.size)"
                            + (matched.map { " (the checkpoint of \($0.size) events still matches)" } ?? "")
                    return ChainVerification(eventsChecked: Int(frontier.size), brokenAt: first, problem: problem)
                }
                return nil
            }
            if let broken = compare() { return broken }
            // Every event's hash is computed again from its content: the stored one is not trusted.
            let last = min(head, largest.size)
            while frontier.size < last {
                let events = try connection.rows(
                    """
                    SELECT \(raw: eventColumns) FROM event WHERE sequence > \(frontier.size) AND sequence <= \(last)
                    ORDER BY sequence LIMIT 5000
                    """
                ).map(event(from:))
                guard !events.isEmpty else { break }
                for event in events {
                    guard event.sequence == frontier.size + 1 else {
                        return ChainVerification(
                            eventsChecked: Int(frontier.size), brokenAt: frontier.size + 1,
                            problem: "event #\(frontier.size + 1), which a signed checkpoint covered, is missing")
                    }
                    frontier.append(leafHash: LogTree.leafHash(eventHash: EventChain.expectedHash(of: event))!)
                    if let broken = compare() { return broken }
                }
            }
            if frontier.size < largest.size {
                return ChainVerification(
                    eventsChecked: Int(frontier.size), brokenAt: frontier.size + 1,
                    problem:
                        "events #\(frontier.size + 1) to #\(largest.size) are missing: the checkpoint signed at \(ConcertJSON.formatTimestamp(largest.time)) covered \(largest.size) events, the log now holds \(head)"
                )
            }
            return ChainVerification(eventsChecked: Int(frontier.size))
        }
    }
}
