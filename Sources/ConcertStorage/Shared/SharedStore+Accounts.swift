import ConcertCore
import Foundation

// Agencies, users and sessions, once for both engines.

extension SQLEngineStore {
    public func createAgency(_ agency: Agency, by actor: Actor?) async throws {
        try await writing { transaction in
            try transaction.execute(
                """
                INSERT INTO agency (id, name, country, kind, contact)
                VALUES (\(agency.id), \(agency.name), \(agency.country), \(agency.kind.rawValue), \(agency.contact))
                """)
            try transaction.append(
                EventDraft(operationId: nil, actor: actor, kind: .agencyCreated, payload: agency))
        }
    }

    public func agencies() async throws -> [Agency] {
        try await reading { connection in
            try connection.rows("SELECT id, name, country, kind, contact FROM agency ORDER BY name").map(
                storedAgency(from:))
        }
    }

    public func agency(id: String) async throws -> Agency? {
        try await reading { connection in
            try connection.rows("SELECT id, name, country, kind, contact FROM agency WHERE id = \(id)")
                .map(storedAgency(from:)).first
        }
    }

    public func createUser(_ user: User, passwordHash: String, by actor: Actor?) async throws {
        try await writing { transaction in
            if try transaction.exists("SELECT 1 FROM app_user WHERE username = \(user.username)") {
                throw StoreError.duplicate("The username '\(user.username)' is already taken.")
            }
            guard try transaction.exists("SELECT 1 FROM agency WHERE id = \(user.agencyId)") else {
                throw StoreError.notFound("No agency has the id '\(user.agencyId)'.")
            }
            try transaction.execute(
                """
                INSERT INTO app_user (id, username, display_name, agency_id, role, password_hash)
                VALUES (\(user.id), \(user.username), \(user.displayName), \(user.agencyId), \(user.role.rawValue),
                        \(passwordHash))
                """)
            try transaction.append(
                EventDraft(operationId: nil, actor: actor, kind: .userCreated, payload: user))
        }
    }

    public func updateUser(
        id: String, by actor: Actor?, eventKind: TypedEventKind<User>, endingSessions: Bool,
        _ change: @escaping @Sendable (User) throws -> User
    ) async throws -> User {
        try await writing { transaction in
            guard
                let current = try transaction.rows("SELECT \(raw: userColumns) FROM app_user WHERE id = \(id)")
                    .first.map(storedUser(from:))
            else { throw StoreError.notFound("No such user.") }
            let updated = try change(current)
            try transaction.execute(
                """
                UPDATE app_user SET display_name = \(updated.displayName), role = \(updated.role.rawValue),
                    disabled_at = \(updated.disabledAt?.timeIntervalSince1970) WHERE id = \(id)
                """)
            if endingSessions || updated.isDisabled {
                try transaction.execute("DELETE FROM session WHERE user_id = \(id)")
                try transaction.execute("DELETE FROM calendar_token WHERE user_id = \(id)")
            }
            try transaction.append(
                EventDraft(operationId: nil, actor: actor, kind: eventKind, payload: updated))
            return updated
        }
    }

    public func resetPassword(id: String, passwordHash: String, by actor: Actor?) async throws -> User {
        try await writing { transaction in
            guard
                let user = try transaction.rows("SELECT \(raw: userColumns) FROM app_user WHERE id = \(id)")
                    .first.map(storedUser(from:))
            else { throw StoreError.notFound("No such user.") }
            try transaction.execute("UPDATE app_user SET password_hash = \(passwordHash) WHERE id = \(id)")
            // Whoever knew the old password is signed out with it, calendar clients too.
            try transaction.execute("DELETE FROM session WHERE user_id = \(id)")
            try transaction.execute("DELETE FROM calendar_token WHERE user_id = \(id)")
            try transaction.append(
                EventDraft(operationId: nil, actor: actor, kind: .userPasswordReset, payload: user))
            return user
        }
    }

    public func users() async throws -> [User] {
        try await reading { connection in
            try connection.rows("SELECT \(raw: userColumns) FROM app_user ORDER BY username").map(storedUser(from:))
        }
    }

    public func user(id: String) async throws -> User? {
        try await reading { connection in
            try connection.rows("SELECT \(raw: userColumns) FROM app_user WHERE id = \(id)").first.map(
                storedUser(from:))
        }
    }

    public func credentials(username: String) async throws -> (user: User, passwordHash: String)? {
        try await reading { connection -> (user: User, passwordHash: String)? in
            guard
                let row = try connection.rows(
                    "SELECT \(raw: userColumns), password_hash FROM app_user WHERE username = \(username)"
                ).first
            else { return nil }
            return (try storedUser(from: row), try row.string(7))
        }
    }

    // MARK: Sessions

    public func createSession(
        tokenHash: String, user: User, expiresAt: Date, endsAt: Date, address: String?, client: String?
    ) async throws {
        let now = Date().timeIntervalSince1970
        // Named by a random id of its own, never by its token's hash, so that the list of one's
        // sessions holds nothing that helps to use one.
        let id = Identifier.make()
        // A sign-in changes no row another write reads: sign-ins do not wait for each other.
        try await writing(.appendOnly) { transaction in
            try transaction.execute("DELETE FROM session WHERE expires_at < \(now)")
            try transaction.execute(
                """
                INSERT INTO session (token_hash, user_id, expires_at, id, created_at, last_seen, address, client, ends_at)
                VALUES (\(tokenHash), \(user.id), \(min(expiresAt, endsAt).timeIntervalSince1970), \(id), \(now), \(now),
                    \(address.map { String($0.prefix(64)) }), \(client.map { String($0.prefix(200)) }),
                    \(endsAt.timeIntervalSince1970))
                """)
            try transaction.append(
                EventDraft(
                    operationId: nil, actor: Actor(user), kind: .userSignedIn, payload: SignedIn(userId: user.id)))
        }
    }

    public func sessionUser(
        tokenHash: String, now: Date, readingOperation operationId: String
    ) async throws -> (
        User, PrefetchedOperation
    )? {
        guard let (user, json) = try await sessionRead(tokenHash: tokenHash, now: now, operationId: operationId)
        else { return nil }
        return (user, try PrefetchedOperation(id: operationId, json: json))
    }

    public func sessionUser(tokenHash: String, now: Date) async throws -> User? {
        try await sessionRead(tokenHash: tokenHash, now: now, operationId: nil)?.user
    }

    /// The user of a live session and the JSON of the operation `operationId` names (none when
    /// there is no such operation, or no id), in one statement.
    private func sessionRead(
        tokenHash: String, now: Date, operationId: String?
    ) async throws -> (
        user: User, operationJSON: String?
    )? {
        try await reading { connection in
            guard
                let row = try connection.rows(
                    """
                    SELECT \(raw: userColumns), (SELECT json FROM operation WHERE id = \(operationId))
                    FROM session JOIN app_user ON app_user.id = session.user_id
                    WHERE session.token_hash = \(tokenHash) AND session.expires_at > \(now.timeIntervalSince1970)
                        AND app_user.disabled_at IS NULL
                    """
                ).first
            else { return nil }
            return (try storedUser(from: row), row.optionalString(7))
        }
    }

    public func touchSession(tokenHash: String, now: Date, expiresAt: Date) async throws {
        try await writing(.appendOnly) { transaction in
            // Never past the session's end, and never bringing back one that expired meanwhile.
            try transaction.execute(
                """
                UPDATE session SET last_seen = \(now.timeIntervalSince1970),
                    expires_at = CASE WHEN ends_at IS NOT NULL AND ends_at < \(expiresAt.timeIntervalSince1970)
                        THEN ends_at ELSE \(expiresAt.timeIntervalSince1970) END
                WHERE token_hash = \(tokenHash) AND expires_at > \(now.timeIntervalSince1970)
                """)
        }
    }

    public func sessions(userId: String, now: Date) async throws -> [SessionInfo] {
        try await reading { connection in
            try connection.rows(
                """
                SELECT id, created_at, last_seen, expires_at, address, client, token_hash FROM session
                WHERE user_id = \(userId) AND expires_at > \(now.timeIntervalSince1970)
                ORDER BY last_seen DESC, id
                """
            ).map { row in
                SessionInfo(
                    id: row.optionalString(0) ?? "", tokenHash: try row.string(6),
                    createdAt: Date(timeIntervalSince1970: row.optionalDouble(1) ?? 0),
                    lastSeenAt: Date(timeIntervalSince1970: row.optionalDouble(2) ?? 0),
                    expiresAt: Date(timeIntervalSince1970: row.optionalDouble(3) ?? 0), address: row.optionalString(4),
                    client: row.optionalString(5))
            }
        }
    }

    public func deleteSession(id: String, userId: String) async throws -> Bool {
        try await writing(.appendOnly) { transaction in
            !(try transaction.rows(
                "DELETE FROM session WHERE id = \(id) AND user_id = \(userId) RETURNING id"
            ).isEmpty)
        }
    }

    public func deleteSession(tokenHash: String) async throws {
        try await writing(.appendOnly) { transaction in
            try transaction.execute("DELETE FROM session WHERE token_hash = \(tokenHash)")
        }
    }
}

/// The columns ``storedUser(from:)`` reads, in its order.
let userColumns = """
    app_user.id, app_user.username, app_user.display_name, app_user.agency_id, app_user.role, app_user.disabled_at,
    app_user.second_factor_since
    """

func storedUser(from row: SQLRow) throws -> User {
    User(
        id: try row.string(0), username: try row.string(1), displayName: try row.string(2),
        agencyId: try row.string(3), role: UserRole(rawValue: try row.string(4)) ?? .observer,
        disabledAt: row.optionalDouble(5).map(Date.init(timeIntervalSince1970:)),
        secondFactorSince: row.optionalDouble(6).map(Date.init(timeIntervalSince1970:)))
}

private func storedAgency(from row: SQLRow) throws -> Agency {
    Agency(
        id: try row.string(0), name: try row.string(1), country: try row.string(2),
        kind: AgencyKind(rawValue: try row.string(3)) ?? .police, contact: row.optionalString(4))
}

/// An operation read with the session of a request about it, before the access policy was
/// asked: ``OperationGuard`` in the server asks it, as of an operation it read itself.
public struct PrefetchedOperation: Sendable {
    /// The id the request named.
    public let id: String
    /// The operation of that id; nil when there is none.
    public let operation: JointOperation?

    public init(id: String, operation: JointOperation?) {
        self.id = id
        self.operation = operation
    }

    /// The operation of `id` from its stored JSON (none when the database had no row).
    init(id: String, json: String?) throws {
        self.init(id: id, operation: try json.map { try ConcertJSON.decode(JointOperation.self, from: $0) })
    }
}

/// A session as its user sees it in their list.
public struct SessionInfo: Sendable, Equatable {
    /// Names the session for ending it; not its token, nor its token's hash.
    public var id: String
    /// The SHA-256 of its token, for telling the session a request came with (never shown).
    public var tokenHash: String
    public var createdAt: Date
    /// When it was last used (to the minute: a session is noted as used at most once a minute).
    public var lastSeenAt: Date
    /// When it ends unless it is used before.
    public var expiresAt: Date
    /// The client address it was signed in from.
    public var address: String?
    /// The browser or tool it was signed in with (its `User-Agent`).
    public var client: String?

    public init(
        id: String, tokenHash: String, createdAt: Date, lastSeenAt: Date, expiresAt: Date, address: String?,
        client: String?
    ) {
        self.id = id
        self.tokenHash = tokenHash
        self.createdAt = createdAt
        self.lastSeenAt = lastSeenAt
        self.expiresAt = expiresAt
        self.address = address
        self.client = client
    }
}
