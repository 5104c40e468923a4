import ConcertCore
import Foundation

// A calendar client polls an action-day schedule with a token of its own, which is good for
// that alone: one per user, kept as its SHA-256, ended by the user at any time and with the
// user's sessions when an administrator disables the account, resets its password or its
// second factor.

extension SQLEngineStore {
    public func setCalendarToken(userId: String, tokenHash: String, now: Date) async throws {
        try await writing(.installation) { transaction in
            try transaction.execute("DELETE FROM calendar_token WHERE user_id = \(userId)")
            try transaction.execute(
                """
                INSERT INTO calendar_token (user_id, token_hash, created_at)
                VALUES (\(userId), \(tokenHash), \(now.timeIntervalSince1970))
                """)
        }
    }

    public func removeCalendarToken(userId: String) async throws -> Bool {
        try await writing(.installation) { transaction in
            !(try transaction.rows("DELETE FROM calendar_token WHERE user_id = \(userId) RETURNING user_id").isEmpty)
        }
    }

    public func calendarTokenUser(tokenHash: String) async throws -> User? {
        try await reading { connection in
            try connection.rows(
                """
                SELECT \(raw: userColumns) FROM calendar_token JOIN app_user ON app_user.id = calendar_token.user_id
                WHERE calendar_token.token_hash = \(tokenHash) AND app_user.disabled_at IS NULL
                """
            ).first.map(storedUser(from:))
        }
    }
}
