import ConcertCore
import ConcertStorage
import Foundation

/// Watches the session that opened a live feed: a feed is a long-lived read, and whoever's
/// session ends (signed out, ended by an administrator, the account disabled or given a new
/// password, expired) must stop receiving the operation's events, not only be refused at the
/// next request.
struct SessionWatch: Sendable {
    let store: any Store
    /// The SHA-256 of the session's token, as the store keeps it.
    let tokenHash: String
    let interval: Duration
    /// Notes the session as used while the feed is open: a board watched on a wall screen all
    /// day is in use, though it sends no request. Nil leaves it as it is.
    var keepAlive: Authenticator?

    /// Returns once the session has ended; asks the store every `interval`. A read that fails
    /// (the database busy a moment) is asked again at the next turn, not taken for an end.
    func untilEnded() async throws {
        while true {
            try await Task.sleep(for: interval)
            let user: User?
            do {
                user = try await store.sessionUser(tokenHash: tokenHash, now: Date())
            } catch {
                continue
            }
            guard user != nil else { return }
            try? await keepAlive?.noteUse(of: tokenHash)
        }
    }
}
