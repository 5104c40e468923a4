import Synchronization

/// How many of a store's database connections are at work now, of how many it may open: what
/// an operator watches to tell a server that waits for its database.
public struct StorePoolUse: Sendable, Equatable {
    /// The connections of a store, by what they are for.
    public enum Pool: String, Sendable, CaseIterable {
        /// The reads and writes of requests (on SQLite: its readers and its one writer).
        case requests
        /// Reads of the event log by the live feeds, on PostgreSQL, which keeps connections for them.
        case log
    }

    /// Which connections.
    public var pool: Pool
    /// How many are at work now.
    public var inUse: Int
    /// How many there may be at most.
    public var limit: Int

    public init(pool: Pool, inUse: Int, limit: Int) {
        self.pool = pool
        self.inUse = inUse
        self.limit = limit
    }
}

/// A store that tells how busy its connections are.
public protocol ReportsPoolUse: Sendable {
    /// The use of each of its pools now.
    var poolUse: [StorePoolUse] { get }
}

/// Counts the work under way on one pool: cheap enough for every read.
final class PoolCounter: Sendable {
    let pool: StorePoolUse.Pool
    let limit: Int
    private let working = Atomic<Int>(0)

    init(_ pool: StorePoolUse.Pool, limit: Int) {
        self.pool = pool
        self.limit = limit
    }

    /// Runs `body`, counted as at work while it runs.
    func counting<T>(_ body: () async throws -> T) async rethrows -> T {
        working.add(1, ordering: .relaxed)
        defer { working.subtract(1, ordering: .relaxed) }
        return try await body()
    }

    var use: StorePoolUse {
        StorePoolUse(pool: pool, inUse: min(limit, max(0, working.load(ordering: .relaxed))), limit: limit)
    }
}
