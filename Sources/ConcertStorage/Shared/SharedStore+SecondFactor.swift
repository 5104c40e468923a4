import ConcertCore
import Foundation

/// A user's second factor as the store keeps it: the secret sealed by the server, whether the
/// user confirmed it with a code, and the last time step a code was accepted for.
public struct StoredSecondFactor: Sendable, Equatable {
    /// The secret, sealed (AES-GCM) under a key of the installation's: the store never sees it.
    public var sealedSecret: String
    /// Whether the user proved with a code that their app holds it; until then it is an
    /// enrolment under way and signing in does not ask for it.
    public var isConfirmed: Bool
    /// The last 30-second step whose code was accepted: a code of it or of an earlier step is
    /// refused, so that a code seen over a shoulder or in a log is of no use.
    public var lastStep: Int64
    /// How many unused recovery codes the user has.
    public var recoveryCodesLeft: Int
}

extension SQLEngineStore {
    public func secondFactor(userId: String) async throws -> StoredSecondFactor? {
        try await reading { connection in
            guard
                let row = try connection.rows(
                    "SELECT sealed_secret, confirmed, last_step FROM second_factor WHERE user_id = \(userId)"
                ).first
            else { return nil }
            let left =
                try connection.rows(
                    "SELECT COUNT(*) FROM second_factor_recovery WHERE user_id = \(userId)"
                ).first?.int64(0) ?? 0
            return StoredSecondFactor(
                sealedSecret: try row.string(0), isConfirmed: try row.int64(1) != 0, lastStep: try row.int64(2),
                recoveryCodesLeft: Int(left))
        }
    }

    public func beginSecondFactor(userId: String, sealedSecret: String) async throws {
        try await writing(.installation) { transaction in
            let existing = try transaction.rows("SELECT confirmed FROM second_factor WHERE user_id = \(userId)").first
            if let existing, try existing.int64(0) != 0 {
                throw DomainError.conflict(
                    "You already sign in with a second factor; turn it off first to set up another app.")
            }
            try transaction.execute("DELETE FROM second_factor WHERE user_id = \(userId)")
            try transaction.execute(
                """
                INSERT INTO second_factor (user_id, sealed_secret, confirmed, last_step)
                VALUES (\(userId), \(sealedSecret), 0, 0)
                """)
        }
    }

    public func confirmSecondFactor(
        userId: String, sealedSecret: String, step: Int64, recoveryCodeHashes: [String], by actor: Actor
    ) async throws -> User {
        try await writing(.installation) { transaction in
            let pending = try transaction.rows(
                """
                SELECT confirmed FROM second_factor WHERE user_id = \(userId) AND sealed_secret = \(sealedSecret)
                """
            ).first
            guard let pending, try pending.int64(0) == 0 else {
                throw DomainError.conflict("There is no second factor being set up; start again.")
            }
            try transaction.execute(
                "UPDATE second_factor SET confirmed = 1, last_step = \(step) WHERE user_id = \(userId)")
            try transaction.execute("DELETE FROM second_factor_recovery WHERE user_id = \(userId)")
            for hash in recoveryCodeHashes {
                try transaction.execute(
                    "INSERT INTO second_factor_recovery (user_id, code_hash) VALUES (\(userId), \(hash))")
            }
            return try Self.markSecondFactor(userId: userId, since: ConcertJSON.now(), by: actor, in: transaction)
        }
    }

    public func acceptSecondFactorStep(userId: String, step: Int64) async throws -> Bool {
        try await writing(.installation) { transaction in
            // One statement decides: two servers that get the same code at once accept it once.
            let accepted = try transaction.rows(
                """
                UPDATE second_factor SET last_step = \(step)
                WHERE user_id = \(userId) AND confirmed = 1 AND last_step < \(step)
                RETURNING user_id
                """)
            return !accepted.isEmpty
        }
    }

    public func useRecoveryCode(userId: String, codeHash: String) async throws -> Bool {
        try await writing(.installation) { transaction in
            let used = try transaction.rows(
                """
                DELETE FROM second_factor_recovery WHERE user_id = \(userId) AND code_hash = \(codeHash)
                RETURNING user_id
                """)
            return !used.isEmpty
        }
    }

    public func removeSecondFactor(userId: String, endingSessions: Bool, by actor: Actor?) async throws -> User {
        try await writing(.installation) { transaction in
            try transaction.execute("DELETE FROM second_factor_recovery WHERE user_id = \(userId)")
            try transaction.execute("DELETE FROM second_factor WHERE user_id = \(userId)")
            if endingSessions {
                try transaction.execute("DELETE FROM session WHERE user_id = \(userId)")
                try transaction.execute("DELETE FROM calendar_token WHERE user_id = \(userId)")
            }
            return try Self.markSecondFactor(userId: userId, since: nil, by: actor, in: transaction)
        }
    }

    public func agenciesRequiringSecondFactor() async throws -> Set<String> {
        try await reading { connection in
            Set(try connection.rows("SELECT agency_id FROM second_factor_policy").map { try $0.string(0) })
        }
    }

    public func requireSecondFactor(agencyId: String, _ required: Bool) async throws {
        try await writing(.installation) { transaction in
            guard try !transaction.rows("SELECT id FROM agency WHERE id = \(agencyId)").isEmpty else {
                throw StoreError.notFound("No such agency.")
            }
            try transaction.execute("DELETE FROM second_factor_policy WHERE agency_id = \(agencyId)")
            if required {
                try transaction.execute("INSERT INTO second_factor_policy (agency_id) VALUES (\(agencyId))")
            }
        }
    }

    /// Sets when the user's second factor began (nil: none) and records the change as
    /// `user.changed`, which the agency's administrators read among their account notices.
    private static func markSecondFactor(
        userId: String, since: Date?, by actor: Actor?, in transaction: any SQLTransaction
    ) throws -> User {
        try transaction.execute(
            "UPDATE app_user SET second_factor_since = \(since?.timeIntervalSince1970) WHERE id = \(userId)")
        guard
            let user = try transaction.rows("SELECT \(raw: userColumns) FROM app_user WHERE id = \(userId)").first
                .map(storedUser(from:))
        else { throw StoreError.notFound("No such user.") }
        try transaction.append(EventDraft(operationId: nil, actor: actor, kind: .userChanged, payload: user))
        return user
    }
}
