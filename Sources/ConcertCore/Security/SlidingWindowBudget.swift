import Foundation

/// What a budget answers to a request for units.
public enum BudgetDecision: Sendable, Equatable {
    /// Spent (or, from `wouldGrant`, would be); `remaining` units are left in the window (the
    /// least left among several quotas).
    case granted(remaining: Int)
    /// Nothing was spent. When `neverFits` is false, the request fits if repeated after
    /// `retryAfter` seconds (provided nothing else is spent meanwhile): answer 429 with
    /// `Retry-After`. When `neverFits` is true, the request asks for more units than the limit
    /// and will never fit (`retryAfter` is then one whole window): answer 422 and ask for less.
    case refused(retryAfter: TimeInterval, neverFits: Bool)

    /// Whether the units were (or would be) granted.
    public var isGranted: Bool {
        if case .granted = self { return true }
        return false
    }

    /// The whole seconds to send in `Retry-After` (rounded up, at least 1), or `nil` when granted.
    public var retryAfterSeconds: Int? {
        guard case .refused(let retryAfter, _) = self else { return nil }
        return Swift.max(1, Int(retryAfter.rounded(.up)))
    }
}

/// Counts units (e.g. selectors checked) per key over a sliding window, and grants a request
/// only while the units of the last window, with the request's, stay within a limit.
///
/// A value type with no clock of its own: the server keeps one under a `Mutex` and passes the
/// time. The window is cut into ``bucketCount`` buckets (60 by default: of one second for a
/// one-minute window, of one minute for an hour); units spent count from the moment they are
/// spent until their bucket has wholly left the window, that is for at least ``window`` and at
/// most one bucket more, so that the limit is never exceeded over any window.
///
/// Spending is all or nothing: a refused request spends nothing. One request that must fit
/// several budgets at once (a user's and their agency's) names them all in one call,
/// ``spend(_:from:now:)``, with distinct keys (e.g. `user:ID`, `agency:ID`) in one value:
///
/// ```swift
/// let decision = budgets.withLock {
///     $0.spend(selectors.count, from: [.init(key: "user:\(user.id)", limit: 10_000),
///                                      .init(key: "agency:\(agency.id)", limit: 50_000)], now: .now)
/// }
/// ```
///
/// Memory is bounded: a key is forgotten once all its units have left the window (a few are
/// looked at on every spend, and ``removeExpired(now:)`` looks at all), a key holds at most one
/// count per bucket, and at most ``maximumKeys`` keys are kept, forgetting the one spent from
/// least recently beyond that (its units are then no longer counted).
public struct SlidingWindowBudget: Sendable {
    /// One budget a request must fit: its key and the most units it may spend per window.
    public struct Quota: Sendable, Hashable {
        /// The key (a user, an agency…), distinct across the kinds of budget kept in one value.
        public var key: String
        /// The most units per window.
        public var limit: Int

        /// Creates a quota.
        public init(key: String, limit: Int) {
            self.key = key
            self.limit = limit
        }
    }

    /// The units spent in one bucket.
    struct Bucket: Sendable {
        var index: Int64
        var units: Int
    }

    /// A key's units, by bucket, oldest first.
    struct Usage: Sendable {
        var buckets: [Bucket] = []

        var total: Int { buckets.reduce(0) { $0 + $1.units } }
    }

    /// The length of the window.
    public let window: TimeInterval
    /// The number of buckets the window is cut into.
    public let bucketCount: Int
    /// The most keys kept.
    public let maximumKeys: Int
    private var usage: RecencyTable<Usage>

    /// Entries looked at for expiry on every spend.
    static let tidyPerWrite = 4

    /// A budget over `window` seconds (more than 0), cut into `buckets` buckets (at least 1),
    /// keeping at most `maximumKeys` keys.
    public init(window: TimeInterval, buckets: Int = 60, maximumKeys: Int = 100_000) {
        precondition(window > 0, "A budget's window must be longer than 0 seconds.")
        self.window = window
        self.bucketCount = Swift.max(1, buckets)
        self.maximumKeys = Swift.max(1, maximumKeys)
        usage = RecencyTable(capacity: self.maximumKeys)
    }

    /// The table of usage, for tests.
    var usageTable: RecencyTable<Usage> { usage }

    /// How many keys have units in the window (for metrics and tests).
    public var trackedKeys: Int { usage.count }

    /// The units `key` has spent in the window at `now`.
    public func spent(key: String, now: Date) -> Int {
        live(usage[key], at: bucketIndex(now)).total
    }

    /// What ``spend(_:key:limit:now:)`` would answer, spending nothing.
    public func wouldGrant(_ units: Int, key: String, limit: Int, now: Date) -> BudgetDecision {
        wouldGrant(units, from: [Quota(key: key, limit: limit)], now: now)
    }

    /// What ``spend(_:from:now:)`` would answer, spending nothing.
    public func wouldGrant(_ units: Int, from quotas: [Quota], now: Date) -> BudgetDecision {
        let units = Swift.max(0, units)
        let current = bucketIndex(now)
        var remaining = Int.max
        var retryAfter: TimeInterval = 0
        var refused = false
        for quota in Self.merged(quotas) {
            let limit = Swift.max(0, quota.limit)
            if units > limit { return .refused(retryAfter: window, neverFits: true) }
            let buckets = live(usage[quota.key], at: current).buckets
            var total = buckets.reduce(0) { $0 + $1.units }
            if total + units <= limit {
                remaining = Swift.min(remaining, limit - total - units)
                continue
            }
            refused = true
            // The oldest buckets leave first; find the one whose leaving makes room.
            for bucket in buckets {
                total -= bucket.units
                if total + units <= limit {
                    retryAfter = Swift.max(retryAfter, leaving(bucket.index).timeIntervalSince(now))
                    break
                }
            }
        }
        if refused { return .refused(retryAfter: retryAfter, neverFits: false) }
        return .granted(remaining: remaining == Int.max ? 0 : remaining)
    }

    /// Spends `units` (a negative count spends nothing) from `key`'s budget of `limit` units
    /// per window at `now`, if they fit; otherwise spends nothing.
    public mutating func spend(_ units: Int, key: String, limit: Int, now: Date) -> BudgetDecision {
        spend(units, from: [Quota(key: key, limit: limit)], now: now)
    }

    /// Spends `units` from every quota's budget at `now` if they fit all of them; otherwise
    /// spends nothing from any. A key named twice is spent from once, within its smaller limit.
    /// A refusal's `retryAfter` is the time after which every quota has room.
    public mutating func spend(_ units: Int, from quotas: [Quota], now: Date) -> BudgetDecision {
        let current = bucketIndex(now)
        usage.forgetOldest(limit: Self.tidyPerWrite) { [bucketCount] in
            ($0.buckets.last?.index ?? .min) < current - Int64(bucketCount)
        }
        let decision = wouldGrant(units, from: quotas, now: now)
        guard decision.isGranted, units > 0 else { return decision }
        for quota in Self.merged(quotas) {
            var entry = live(usage[quota.key], at: current)
            if let position = entry.buckets.lastIndex(where: { $0.index <= current }),
                entry.buckets[position].index == current
            {
                entry.buckets[position].units += units
            } else {
                let position = entry.buckets.firstIndex(where: { $0.index > current }) ?? entry.buckets.endIndex
                entry.buckets.insert(Bucket(index: current, units: units), at: position)
            }
            usage.set(entry, for: quota.key)
        }
        return decision
    }

    /// Forgets every key whose units have all left the window at `now` (O(keys); spending
    /// already forgets a few).
    public mutating func removeExpired(now: Date) {
        let oldest = bucketIndex(now) - Int64(bucketCount)
        usage.forgetAll { ($0.buckets.last?.index ?? .min) < oldest }
    }

    // MARK: - Buckets

    private var bucketWidth: TimeInterval { window / Double(bucketCount) }

    /// The bucket `date` falls in. (A few units in the last place are allowed for, so that the
    /// instant a bucket leaves, computed by ``leaving(_:)``, falls in the next bucket.)
    func bucketIndex(_ date: Date) -> Int64 {
        let position = date.timeIntervalSince1970 / bucketWidth
        return Int64((position + 4 * position.ulp).rounded(.down))
    }

    /// The instant the units of bucket `index` leave the window.
    func leaving(_ index: Int64) -> Date {
        Date(timeIntervalSince1970: Double(index + Int64(bucketCount) + 1) * bucketWidth)
    }

    /// The buckets of `usage` still in the window when the current bucket is `current`.
    func live(_ usage: Usage?, at current: Int64) -> Usage {
        guard var usage else { return Usage() }
        let oldest = current - Int64(bucketCount)
        usage.buckets.removeAll { $0.index < oldest }
        return usage
    }

    /// The quotas with each key once, at its smallest limit, in first-named order.
    static func merged(_ quotas: [Quota]) -> [Quota] {
        guard quotas.count > 1 else { return quotas }
        var order: [String] = []
        var limits: [String: Int] = [:]
        for quota in quotas {
            if let limit = limits[quota.key] {
                limits[quota.key] = Swift.min(limit, quota.limit)
            } else {
                order.append(quota.key)
                limits[quota.key] = quota.limit
            }
        }
        return order.map { Quota(key: $0, limit: limits[$0]!) }
    }
}
