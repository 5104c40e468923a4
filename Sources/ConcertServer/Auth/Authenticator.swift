import ConcertCore
import ConcertStorage
import Crypto
import Dispatch
import Foundation
import HummingbirdBcrypt
import Synchronization

/// Passwords (bcrypt) and session tokens (random, stored only as their SHA-256).
public final class Authenticator: Sendable {
    /// bcrypt cost; 12 or more.
    public static let bcryptCost: UInt8 = 12
    /// How long a session lasts at most.
    public let sessionLifetime: TimeInterval
    /// How long a session lasts unused; each use (a request, an open live feed) extends it
    /// again, up to ``sessionLifetime`` from the sign-in.
    public let sessionIdleTimeout: TimeInterval
    /// When this server last noted each session as used: at most once a minute (a quarter of
    /// the idle time, when that is shorter), so that a busy client costs one write a minute,
    /// not one a request.
    private let lastNoted = Mutex<[String: ContinuousClock.Instant]>([:])
    let store: any Store
    /// Failed sign-ins by account and by client address, shared by every request of this server.
    let throttle: Mutex<SignInThrottle>
    /// The threads bcrypt runs on when signing in.
    let bcryptWorkers: BoundedWorkers
    /// Counts failed sign-ins for the operator; nil counts nothing.
    let metrics: ServerMetrics?
    /// The second factor of the accounts that have one; nil when the server offers none.
    let secondFactor: SecondFactor?
    /// A hash to verify against when the username is unknown, so that the answer takes as long
    /// as for a known one and does not tell which usernames exist: the bcrypt hash (cost 12) of
    /// a random password no one knows. Written out rather than computed on first use, which
    /// blocked the threads that met it for a quarter second while a flood of guesses began.
    private static let decoyHash = "$2b$12$SHEKJiLlB/oUAqs0YqBArelSK50pmiICqDmLoqsZjqEY/7SUqDcQ."

    /// Creates an authenticator over a store, with its own sign-in throttle and bcrypt workers.
    public init(
        store: any Store, sessionLifetime: TimeInterval = 12 * 3600, sessionIdleTimeout: TimeInterval? = nil,
        signInRules: SignInThrottle.Rules = .init(), bcryptWorkers: Int = BoundedWorkers.defaultBcryptWorkers,
        metrics: ServerMetrics? = nil, secondFactor: SecondFactor? = nil
    ) {
        self.store = store
        self.metrics = metrics
        self.secondFactor = secondFactor
        self.sessionLifetime = sessionLifetime
        self.sessionIdleTimeout = min(sessionIdleTimeout ?? sessionLifetime, sessionLifetime)
        self.throttle = Mutex(SignInThrottle(rules: signInRules))
        self.bcryptWorkers = BoundedWorkers(workers: bcryptWorkers, queueLimit: 64)
    }

    /// Hashes a password with bcrypt off the cooperative thread pool (it takes a quarter second).
    public static func hashPassword(_ password: String) async -> String {
        await offload { Bcrypt.hash(password, cost: bcryptCost) }
    }

    /// The SHA-256 of a token, hex: what the store keeps.
    public static func tokenHash(_ token: String) -> String {
        Hex.string(SHA256.hash(data: Data(token.utf8)))
    }

    /// What a sign-in attempt came to.
    public enum SignInOutcome: Sendable {
        /// Signed in: the new session's token.
        case signedIn(token: String, user: User, expiresAt: Date)
        /// The username or password is wrong (or the account is disabled), or the code of an
        /// account with a second factor is: the same answer for each.
        case refused
        /// The password is right, but the account signs in with a second factor and no code
        /// came. Counted as a failed attempt, so that guessing passwords with it is throttled too.
        case codeNeeded
        /// Too many failures for this account or from this address, or too many sign-ins at
        /// once: try again after this many seconds. The password was not checked.
        case throttled(retryAfter: Double, reason: String)
    }

    /// Checks a username and password from `address`; on success stores a new session.
    ///
    /// Failed attempts are limited per account and per address (growing delays, then a lock);
    /// an unknown username is counted and answered exactly like a known one. A throttled attempt
    /// costs no bcrypt work, and bcrypt runs on ``bcryptWorkers`` only, so a flood of attempts
    /// cannot slow other requests. Every failed attempt and every lock is an audit entry.
    public func signIn(
        username: String, password: String, code: String? = nil, address: String, client: String? = nil
    ) async throws -> SignInOutcome {
        let outcome = try await attemptSignIn(
            username: username, password: password, code: code, address: address, client: client)
        if case .signedIn = outcome {} else { metrics?.countSignInFailure() }
        return outcome
    }

    private func attemptSignIn(
        username: String, password: String, code: String?, address: String, client: String?
    ) async throws -> SignInOutcome {
        let account = username.lowercased()
        let now = Date()
        switch throttle.withLock({ $0.admit(account: account, address: address, now: now) }) {
        case .proceed:
            break
        case .wait(let until, _):
            return .throttled(
                retryAfter: until.timeIntervalSince(now),
                reason: "Too many failed sign-ins for this account or from this address; wait before trying again.")
        case .locked(let until, _):
            return .throttled(
                retryAfter: until.timeIntervalSince(now),
                reason:
                    "Sign-in is locked for a while after too many failed attempts for this account or from this address."
            )
        }
        let found = try await store.credentials(username: account)
        // bcrypt reads 72 bytes: a longer password would be right whatever followed them, and no
        // password of more is ever set, so it is wrong without checking.
        guard password.utf8.count <= PasswordPolicy.maximumBytes else {
            let happened = throttle.withLock { $0.recordFailure(account: account, address: address, now: Date()) }
            try await audit(failureOf: account, user: found?.user, address: address, happened: happened)
            return .refused
        }
        let hash = found?.passwordHash ?? Self.decoyHash
        // A client that signed in from here before and has not been failing since goes first:
        // a flood of guesses waits behind the investigators who sign in every day.
        let urgent = throttle.withLock { $0.goesFirst(account: account, address: address, now: now) }
        guard let matches = await bcryptWorkers.run(urgent: urgent, { Bcrypt.verify(password, hash: hash) }) else {
            // Not checked: neither a failure nor a success; its mark as under way lapses by itself.
            return .throttled(
                retryAfter: 1, reason: "The server is checking many sign-ins at once; try again in a moment.")
        }
        guard let user = found?.user, matches, !user.isDisabled else {
            let happened = throttle.withLock { $0.recordFailure(account: account, address: address, now: Date()) }
            try await audit(failureOf: account, user: found?.user, address: address, happened: happened)
            return .refused
        }
        if user.secondFactorSince != nil {
            // A wrong, reused or missing code is a failed attempt like a wrong password: the same
            // delays and locks hold back whoever tries codes (MISP counts them alike).
            let typed = code?.trimmingCharacters(in: .whitespaces) ?? ""
            let accepted = typed.isEmpty ? false : (try await secondFactor?.verify(typed, for: user) ?? false)
            guard accepted else {
                let happened = throttle.withLock { $0.recordFailure(account: account, address: address, now: Date()) }
                try await audit(failureOf: account, user: user, address: address, happened: happened)
                return typed.isEmpty ? .codeNeeded : .refused
            }
        }
        throttle.withLock { $0.recordSuccess(account: account, address: address, now: Date()) }
        let token = Self.newToken()
        let signedInAt = ConcertJSON.now()
        let expiresAt = signedInAt.addingTimeInterval(sessionLifetime)
        try await store.createSession(
            tokenHash: Self.tokenHash(token), user: user, expiresAt: signedInAt.addingTimeInterval(sessionIdleTimeout),
            endsAt: expiresAt, address: address, client: client)
        return .signedIn(token: token, user: user, expiresAt: expiresAt)
    }

    /// Whether `password` and `code` are the signed-in `user`'s, for a change that strips the
    /// account of a protection (turning the second factor off): nil when held back. Failures
    /// count in the sign-in throttle and the audit trail like failed sign-ins, so that a stolen
    /// session cannot guess codes at full speed.
    func confirmsIdentity(of user: User, password: String, code: String, address: String) async throws -> Bool? {
        let account = user.username
        switch throttle.withLock({ $0.admit(account: account, address: address, now: Date()) }) {
        case .proceed: break
        case .wait, .locked: return nil
        }
        let hash = try await store.credentials(username: account)?.passwordHash ?? Self.decoyHash
        var passwordMatches = false
        if password.utf8.count <= PasswordPolicy.maximumBytes {
            passwordMatches = await bcryptWorkers.run(urgent: false, { Bcrypt.verify(password, hash: hash) }) ?? false
        }
        let codeMatches = passwordMatches ? (try await secondFactor?.verify(code, for: user) ?? false) : false
        guard passwordMatches, codeMatches else {
            let happened = throttle.withLock { $0.recordFailure(account: account, address: address, now: Date()) }
            try await audit(failureOf: account, user: user, address: address, happened: happened)
            metrics?.countSignInFailure()
            return false
        }
        throttle.withLock { $0.recordSuccess(account: account, address: address, now: Date()) }
        return true
    }

    /// Appends the failed attempt, and any lock it caused, to the log.
    private func audit(
        failureOf account: String, user: User?, address: String, happened: [SignInThrottle.Event]
    ) async throws {
        let actor = user.map(Actor.init)
        var drafts = [
            try EventDraft(
                operationId: nil, actor: actor, kind: .signInFailed,
                payload: FailedSignIn(username: account, id: user?.id, agencyId: user?.agencyId, address: address))
        ]
        for event in happened {
            let until: Date
            switch event {
            case .accountLocked(_, let lockedUntil), .addressLocked(_, let lockedUntil): until = lockedUntil
            }
            drafts.append(
                try EventDraft(
                    operationId: nil, actor: actor, kind: .signInLocked,
                    payload: FailedSignIn(
                        username: account, id: user?.id, agencyId: user?.agencyId, address: address,
                        lockedUntil: until)))
        }
        try await store.appendEvents(drafts)
    }

    /// The user a token belongs to, while its session lasts.
    /// A new secret token: 32 random bytes in URL-safe base64, without padding.
    static func newToken() -> String {
        var bytes = [UInt8](repeating: 0, count: 32)
        var generator = SystemRandomNumberGenerator()
        for index in bytes.indices { bytes[index] = generator.next() }
        return Data(bytes).base64EncodedString()
            .replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_")
            .replacingOccurrences(of: "=", with: "")
    }

    /// The user of a calendar subscription token, good for reading schedules alone.
    func calendarUser(forToken token: String) async throws -> User? {
        guard !token.isEmpty, token.utf8.count <= 128 else { return nil }
        return try await store.calendarTokenUser(tokenHash: Self.tokenHash(token))
    }

    public func user(forToken token: String) async throws -> User? {
        try await user(forToken: token, readingOperation: nil)?.user
    }

    /// The user a token belongs to, while its session lasts, and the operation `operationId`
    /// names, read in the same round trip (not yet through the policy).
    func user(
        forToken token: String, readingOperation operationId: String?
    ) async throws -> (
        user: User, operation: PrefetchedOperation?
    )? {
        guard !token.isEmpty, token.utf8.count <= 128 else { return nil }
        let tokenHash = Self.tokenHash(token)
        let found: (User, PrefetchedOperation?)?
        if let operationId {
            found = try await store.sessionUser(tokenHash: tokenHash, now: Date(), readingOperation: operationId)
        } else {
            found = try await store.sessionUser(tokenHash: tokenHash, now: Date()).map { ($0, nil) }
        }
        guard let found else { return nil }
        try await noteUse(of: tokenHash)
        return found
    }

    /// Notes that a live session was used now, so that it lasts another idle time: at most
    /// once a minute per session and server.
    func noteUse(of tokenHash: String) async throws {
        guard sessionIdleTimeout < sessionLifetime else { return }
        let now = ContinuousClock.now
        let interval = Duration.seconds(min(60, sessionIdleTimeout / 4))
        let due = lastNoted.withLock { noted -> Bool in
            if let last = noted[tokenHash], now - last < interval { return false }
            if noted.count > 50_000 { noted = noted.filter { now - $0.value < interval } }
            noted[tokenHash] = now
            return true
        }
        guard due else { return }
        let wall = Date()
        try await store.touchSession(
            tokenHash: tokenHash, now: wall, expiresAt: wall.addingTimeInterval(sessionIdleTimeout))
    }

    /// Ends the session of a token.
    public func signOut(token: String) async throws {
        try await store.deleteSession(tokenHash: Self.tokenHash(token))
    }

    /// Runs CPU-heavy work on a Dispatch thread so that request handling stays responsive.
    static func offload<T: Sendable>(_ work: @escaping @Sendable () -> T) async -> T {
        await withCheckedContinuation { continuation in
            DispatchQueue.global().async { continuation.resume(returning: work()) }
        }
    }
}
