import Foundation

/// Decides whether a sign-in attempt may be checked now, from the failures of its account and of
/// its client address: growing delays, then a lock, so that passwords cannot be guessed at
/// speed, neither on one account nor sprayed over many from one address.
///
/// A value type with no clock of its own: the server keeps one under a `Mutex` and passes the
/// time. For each attempt it calls, under the lock:
///
/// 1. ``admit(account:address:now:)`` (or the read-only ``admission(account:address:now:)``):
///    on ``Admission/proceed`` it checks the password, otherwise it answers 429 with
///    `Retry-After` (the same answer for a wait and a lock, naming neither the account nor the
///    address);
/// 2. after checking, ``recordFailure(account:address:now:)``, writing an audit entry for each
///    ``Event`` it returns, or ``recordSuccess(account:address:now:)``.
///
/// `admit` also counts the attempt as under way until it is recorded, so that many requests sent
/// at once cannot all pass before the first failure is recorded: beyond the free failures only
/// one attempt per account (or address) is checked at a time. An attempt never recorded stops
/// counting after ``Rules/attemptTimeout``.
///
/// The account is keyed by its lower-cased name, whether or not such an account exists (the
/// caller must also check a password for an unknown name, and record its failure), so the
/// answers never tell which usernames exist. The address is keyed by ``addressKey(_:)``: an IPv6
/// address by its /64 network, since one host commonly holds a whole /64.
///
/// Memory is bounded: an entry is forgotten once its failures have left the window and its lock
/// and attempts are over (a few are looked at on every write, and ``removeExpired(now:)`` looks
/// at all), and each table keeps at most ``Rules/maximumEntries`` entries, forgetting the one
/// written least recently beyond that. A flood of distinct names or addresses can therefore push
/// out the failures of an older entry; each address of such a flood is itself throttled.
public struct SignInThrottle: Sendable {
    /// How failures of one kind of key (an account or an address) slow down and lock attempts.
    ///
    /// After failure number `n` within ``window``: no delay while `n` ≤ ``freeFailures``; then the
    /// next attempt waits ``firstDelay`` × 2^(n − freeFailures − 1) from the last failure, at most
    /// ``maximumDelay``; when `n` reaches ``lockAfter`` the key is locked for ``lockDuration``.
    public struct Limits: Sendable, Equatable {
        /// Failures that cost no delay.
        public var freeFailures: Int
        /// The delay after the first failure beyond the free ones; it doubles with each further one.
        public var firstDelay: TimeInterval
        /// The longest delay between two attempts.
        public var maximumDelay: TimeInterval
        /// The number of failures within the window that locks the key.
        public var lockAfter: Int
        /// How long a lock lasts.
        public var lockDuration: TimeInterval
        /// How long a failure counts; older ones are forgotten.
        public var window: TimeInterval

        /// Creates limits.
        public init(
            freeFailures: Int, firstDelay: TimeInterval, maximumDelay: TimeInterval, lockAfter: Int,
            lockDuration: TimeInterval, window: TimeInterval
        ) {
            self.freeFailures = freeFailures
            self.firstDelay = firstDelay
            self.maximumDelay = maximumDelay
            self.lockAfter = lockAfter
            self.lockDuration = lockDuration
            self.window = window
        }

        /// The delay before the next attempt after `failures` failures within the window.
        public func delay(afterFailures failures: Int) -> TimeInterval {
            guard failures > freeFailures else { return 0 }
            let doublings = Swift.min(failures - freeFailures - 1, 62)
            return Swift.min(firstDelay * Double(UInt64(1) << UInt64(doublings)), maximumDelay)
        }
    }

    /// The throttle's rules; ``standard`` holds the defaults.
    public struct Rules: Sendable, Equatable {
        /// Per account: 3 free failures, then 1 s, 2 s, 4 s … (at most 60 s) before the next
        /// attempt; 10 failures within 15 minutes lock the account for 15 minutes.
        public var account: Limits
        /// Per client address: 10 free failures, then 1 s, 2 s, 4 s, 8 s, then 15 s before the next
        /// attempt; 30 failures within 10 minutes lock the address for 15 minutes. (The delay is
        /// capped at 15 s so that an address that keeps failing reaches the lock within the
        /// window, in about 4 minutes, rather than spraying at one guess a minute for ever.)
        public var address: Limits
        /// The most entries kept per table (accounts, addresses): 100,000. An entry is a few
        /// dozen timestamps at most, so each table stays within a few tens of megabytes.
        public var maximumEntries: Int
        /// How long an attempt admitted by ``SignInThrottle/admit(account:address:now:)`` counts as
        /// under way if it is never recorded: 10 s.
        public var attemptTimeout: TimeInterval
        /// How long after a successful sign-in from an address its next attempts go first: 12 h.
        public var trustedFor: TimeInterval

        /// Creates rules; each default is the one described on its property.
        public init(
            account: Limits = Limits(
                freeFailures: 3, firstDelay: 1, maximumDelay: 60, lockAfter: 10, lockDuration: 15 * 60,
                window: 15 * 60),
            address: Limits = Limits(
                freeFailures: 10, firstDelay: 1, maximumDelay: 15, lockAfter: 30, lockDuration: 15 * 60,
                window: 10 * 60),
            maximumEntries: Int = 100_000,
            attemptTimeout: TimeInterval = 10,
            trustedFor: TimeInterval = 12 * 3600
        ) {
            self.account = account
            self.address = address
            self.maximumEntries = maximumEntries
            self.attemptTimeout = attemptTimeout
            self.trustedFor = trustedFor
        }

        /// The default rules.
        public static let standard = Rules()
    }

    /// Which key holds an attempt back. For logs and audit only: the client must not be told.
    public enum Scope: String, Sendable, Equatable {
        /// The account's failures.
        case account
        /// The client address's failures.
        case address
    }

    /// Whether an attempt may be checked now.
    public enum Admission: Sendable, Equatable {
        /// Check the password.
        case proceed
        /// Do not check it: the delay after recent failures (or another attempt under way) runs
        /// until `until`.
        case wait(until: Date, reason: Scope)
        /// Do not check it: the account or address is locked; no attempt is admitted before
        /// `until`.
        case locked(until: Date, reason: Scope)

        /// The earliest time another attempt may be admitted, or `nil` for ``proceed``.
        public var until: Date? {
            switch self {
            case .proceed: nil
            case .wait(let until, _), .locked(let until, _): until
            }
        }

        /// The whole seconds to send in `Retry-After` (rounded up, at least 1), or `nil` for
        /// ``proceed``.
        public func retryAfterSeconds(from now: Date) -> Int? {
            until.map { Swift.max(1, Int(($0.timeIntervalSince(now)).rounded(.up))) }
        }
    }

    /// Something a recorded failure caused, for the audit log.
    public enum Event: Sendable, Equatable {
        /// The account (its key) is locked until `until`.
        case accountLocked(account: String, until: Date)
        /// The client address (its ``SignInThrottle/addressKey(_:)``) is locked until `until`.
        case addressLocked(address: String, until: Date)
    }

    /// What is known of one account or address.
    struct Entry: Sendable {
        /// Times of failures within the window, oldest first; at most `lockAfter` are kept.
        var failures: [Date] = []
        /// Times at which admitted attempts, not yet recorded, started.
        var underWay: [Date] = []
        /// The end of the current lock.
        var lockedUntil: Date?

        /// Forgets what is over at `now`.
        mutating func prune(now: Date, limits: Limits, attemptTimeout: TimeInterval) {
            // Both lists are short and (nearly always) oldest first; look before writing.
            if let first = failures.first, first.addingTimeInterval(limits.window) <= now {
                failures.removeAll { $0.addingTimeInterval(limits.window) <= now }
            }
            if underWay.contains(where: { $0.addingTimeInterval(attemptTimeout) <= now }) {
                underWay.removeAll { $0.addingTimeInterval(attemptTimeout) <= now }
            }
            if let lock = lockedUntil, lock <= now { lockedUntil = nil }
        }

        /// Whether nothing is left to remember at `now`.
        func isOver(now: Date, limits: Limits, attemptTimeout: TimeInterval) -> Bool {
            if let lock = lockedUntil, lock > now { return false }
            if let last = failures.last, last.addingTimeInterval(limits.window) > now { return false }
            return !underWay.contains { $0.addingTimeInterval(attemptTimeout) > now }
        }

        /// When the next attempt may start, and whether that is a lock; `nil` when it may now.
        func hold(now: Date, limits: Limits, attemptTimeout: TimeInterval) -> (until: Date, locked: Bool)? {
            var entry = self
            entry.prune(now: now, limits: limits, attemptTimeout: attemptTimeout)
            if let lock = entry.lockedUntil { return (lock, true) }
            var until: Date?
            if let last = entry.failures.last {
                let next = last.addingTimeInterval(limits.delay(afterFailures: entry.failures.count))
                if next > now { until = next }
            }
            // Beyond the free failures, one attempt at a time: wait for the one under way.
            if !entry.underWay.isEmpty && entry.failures.count + entry.underWay.count >= limits.freeFailures {
                let retry = now.addingTimeInterval(Swift.max(limits.firstDelay, 1))
                until = Swift.max(until ?? retry, retry)
            }
            return until.map { ($0, false) }
        }
    }

    /// The rules applied.
    public let rules: Rules
    private var accounts: RecencyTable<Entry>
    private var addresses: RecencyTable<Entry>
    /// When each address last signed in successfully.
    private var trusted: RecencyTable<Date>

    /// Entries looked at for expiry on every write.
    static let tidyPerWrite = 4

    /// A throttle with no failures recorded.
    public init(rules: Rules = .standard) {
        self.rules = rules
        accounts = RecencyTable(capacity: rules.maximumEntries)
        addresses = RecencyTable(capacity: rules.maximumEntries)
        trusted = RecencyTable(capacity: rules.maximumEntries)
    }

    /// The accounts' table, for tests.
    var accountTable: RecencyTable<Entry> { accounts }
    /// The addresses' table, for tests.
    var addressTable: RecencyTable<Entry> { addresses }

    /// How many accounts have something remembered (for metrics and tests).
    public var trackedAccounts: Int { accounts.count }
    /// How many addresses have something remembered (for metrics and tests).
    public var trackedAddresses: Int { addresses.count }

    /// The key of a client address: IPv4 as dotted decimal, IPv6 as its /64 network
    /// (`2001:db8:1:2::/64`), anything else as given, lower-cased.
    public static func addressKey(_ address: String) -> String {
        if isCanonicalIPv4(address) { return address }
        return switch IPAddress(address) {
        case .v4(let value): IPAddress.v4(value).description
        case let v6?: "\(v6.masked(to: 64))/64"
        case nil: address.lowercased()
        }
    }

    /// Whether `text` is an IPv4 address in canonical dotted decimal (no leading zeros): the
    /// common case, recognised without parsing.
    static func isCanonicalIPv4(_ text: String) -> Bool {
        var parts = 0
        var digits = 0
        var value = 0
        var leadingZero = false
        for byte in text.utf8 {
            if byte == UInt8(ascii: ".") {
                guard digits > 0 else { return false }
                parts += 1
                digits = 0
                value = 0
                leadingZero = false
            } else if byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9") {
                guard !leadingZero, digits < 3 else { return false }
                leadingZero = digits == 0 && byte == UInt8(ascii: "0")
                value = value * 10 + Int(byte - UInt8(ascii: "0"))
                digits += 1
                guard value <= 255 else { return false }
            } else {
                return false
            }
        }
        return parts == 3 && digits > 0
    }

    static func accountKey(_ account: String) -> String { account.lowercased() }

    /// Whether an attempt on `account` from `address` may be checked at `now`, without counting
    /// it as under way (see ``admit(account:address:now:)``, which does).
    ///
    /// When both keys hold the attempt back, the answer is the one that lasts longer (a lock
    /// when either is locked), and `until` is the time both allow it.
    public func admission(account: String, address: String, now: Date) -> Admission {
        var holds: [(until: Date, locked: Bool, scope: Scope)] = []
        let timeout = rules.attemptTimeout
        if let hold = accounts[Self.accountKey(account)]?.hold(now: now, limits: rules.account, attemptTimeout: timeout)
        {
            holds.append((hold.until, hold.locked, .account))
        }
        if let hold = addresses[Self.addressKey(address)]?.hold(
            now: now, limits: rules.address, attemptTimeout: timeout)
        {
            holds.append((hold.until, hold.locked, .address))
        }
        guard let latest = holds.max(by: { $0.until < $1.until }) else { return .proceed }
        if let lock = holds.filter(\.locked).max(by: { $0.until < $1.until }) {
            return .locked(until: latest.until, reason: lock.scope)
        }
        return .wait(until: latest.until, reason: latest.scope)
    }

    /// Like ``admission(account:address:now:)``, and on ``Admission/proceed`` counts the attempt as
    /// under way until ``recordFailure(account:address:now:)`` or
    /// ``recordSuccess(account:address:now:)`` records it.
    public mutating func admit(account: String, address: String, now: Date) -> Admission {
        tidy(now: now)
        let admission = self.admission(account: account, address: address, now: now)
        guard admission == .proceed else { return admission }
        Self.update(&accounts, Self.accountKey(account), rules.account, rules, now: now) { $0.underWay.append(now) }
        Self.update(&addresses, Self.addressKey(address), rules.address, rules, now: now) { $0.underWay.append(now) }
        return .proceed
    }

    /// Records a wrong password (or an unknown account) for `account` from `address` at `now`,
    /// and returns the locks it caused, for the audit log.
    @discardableResult
    public mutating func recordFailure(account: String, address: String, now: Date) -> [Event] {
        tidy(now: now)
        var events: [Event] = []
        let accountKey = Self.accountKey(account)
        if let until = Self.fail(&accounts, accountKey, rules.account, rules, now: now) {
            events.append(.accountLocked(account: accountKey, until: until))
        }
        let addressKey = Self.addressKey(address)
        if let until = Self.fail(&addresses, addressKey, rules.address, rules, now: now) {
            events.append(.addressLocked(address: addressKey, until: until))
        }
        return events
    }

    /// Records a successful sign-in: forgets the account's failures (a lock, which only a raced
    /// attempt could pass, stays), but not the address's, so that one good password does not
    /// clear an address that sprays others.
    public mutating func recordSuccess(account: String, address: String, now: Date) {
        tidy(now: now)
        Self.update(&accounts, Self.accountKey(account), rules.account, rules, now: now) { entry in
            entry.failures.removeAll()
            entry.underWay.removeAll()
        }
        Self.update(&addresses, Self.addressKey(address), rules.address, rules, now: now) { entry in
            if !entry.underWay.isEmpty { entry.underWay.removeFirst() }
        }
        trusted.set(now, for: Self.addressKey(address))
    }

    /// Whether an attempt goes before others when passwords are checked one at a time: its
    /// address signed in successfully within ``Rules/trustedFor`` and neither it nor the account
    /// has failed since. A new client waits its turn with everyone, so that a flood of guesses
    /// from fresh addresses does not go ahead of the investigators who sign in every day.
    public func goesFirst(account: String, address: String, now: Date) -> Bool {
        guard let last = trusted[Self.addressKey(address)], last.addingTimeInterval(rules.trustedFor) > now else {
            return false
        }
        return isClean(account: account, address: address, now: now)
    }

    /// Whether neither `account` nor `address` has a failure within its window at `now`.
    public func isClean(account: String, address: String, now: Date) -> Bool {
        let rules = rules
        func clean(_ entry: Entry?, _ limits: Limits) -> Bool {
            guard var entry else { return true }
            entry.prune(now: now, limits: limits, attemptTimeout: rules.attemptTimeout)
            return entry.failures.isEmpty && entry.lockedUntil == nil
        }
        return clean(accounts[Self.accountKey(account)], rules.account)
            && clean(addresses[Self.addressKey(address)], rules.address)
    }

    /// Forgets every entry whose failures, attempts and lock are over at `now` (O(entries); the
    /// server may call it now and then, e.g. every minute; writes already forget a few).
    public mutating func removeExpired(now: Date) {
        let rules = rules
        accounts.forgetAll { $0.isOver(now: now, limits: rules.account, attemptTimeout: rules.attemptTimeout) }
        addresses.forgetAll { $0.isOver(now: now, limits: rules.address, attemptTimeout: rules.attemptTimeout) }
        trusted.forgetAll { $0.addingTimeInterval(rules.trustedFor) <= now }
    }

    /// Counts a failure in one table; returns the end of the lock it started, if it did.
    private static func fail(
        _ table: inout RecencyTable<Entry>, _ key: String, _ limits: Limits, _ rules: Rules, now: Date
    ) -> Date? {
        var locked: Date?
        update(&table, key, limits, rules, now: now) { entry in
            if !entry.underWay.isEmpty { entry.underWay.removeFirst() }
            entry.failures.append(now)
            entry.failures.sort()
            if entry.failures.count > limits.lockAfter {
                entry.failures.removeFirst(entry.failures.count - limits.lockAfter)
            }
            if entry.lockedUntil == nil && entry.failures.count >= limits.lockAfter {
                let until = now.addingTimeInterval(limits.lockDuration)
                entry.lockedUntil = until
                locked = until
            }
        }
        return locked
    }

    /// Applies `change` to the pruned entry of `key`, keeping it only if something is left.
    private static func update(
        _ table: inout RecencyTable<Entry>, _ key: String, _ limits: Limits, _ rules: Rules, now: Date,
        _ change: (inout Entry) -> Void
    ) {
        var entry = table[key] ?? Entry()
        entry.prune(now: now, limits: limits, attemptTimeout: rules.attemptTimeout)
        change(&entry)
        let isEmpty = entry.failures.isEmpty && entry.underWay.isEmpty && entry.lockedUntil == nil
        if isEmpty && table[key] == nil { return }
        table.set(isEmpty ? nil : entry, for: key)
    }

    /// Forgets a few of the least recently written entries that are over.
    private mutating func tidy(now: Date) {
        let rules = rules
        accounts.forgetOldest(limit: Self.tidyPerWrite) {
            $0.isOver(now: now, limits: rules.account, attemptTimeout: rules.attemptTimeout)
        }
        addresses.forgetOldest(limit: Self.tidyPerWrite) {
            $0.isOver(now: now, limits: rules.address, attemptTimeout: rules.attemptTimeout)
        }
    }
}
