import ConcertCore
import ConcertStorage
import Crypto
import Dispatch
import Foundation
import HummingbirdBcrypt

/// Passwords (bcrypt) and session tokens (random, stored only as their SHA-256).
public struct Authenticator: Sendable {
    /// bcrypt cost; 12 or more.
    public static let bcryptCost: UInt8 = 12
    /// How long a session lasts.
    public let sessionLifetime: TimeInterval
    let store: any Store
    /// A hash to verify against when the username is unknown, so that the answer takes as long
    /// as for a known one and does not tell which usernames exist.
    private static let decoyHash = Bcrypt.hash("not a password of anyone", cost: bcryptCost)

    /// Creates an authenticator over a store.
    public init(store: any Store, sessionLifetime: TimeInterval = 12 * 3600) {
        self.store = store
        self.sessionLifetime = sessionLifetime
    }

    /// Hashes a password with bcrypt off the cooperative thread pool (it takes a quarter second).
    public static func hashPassword(_ password: String) async -> String {
        await offload { Bcrypt.hash(password, cost: bcryptCost) }
    }

    /// The SHA-256 of a token, hex: what the store keeps.
    public static func tokenHash(_ token: String) -> String {
        Hex.string(SHA256.hash(data: Data(token.utf8)))
    }

    /// Checks a username and password; on success stores a new session and returns its token.
    public func signIn(username: String, password: String) async throws -> (token: String, user: User, expiresAt: Date)?
    {
        let found = try await store.credentials(username: username.lowercased())
        let hash = found?.passwordHash ?? Self.decoyHash
        let matches = await Self.offload { Bcrypt.verify(password, hash: hash) }
        guard let user = found?.user, matches else { return nil }
        var bytes = [UInt8](repeating: 0, count: 32)
        var generator = SystemRandomNumberGenerator()
        for index in bytes.indices { bytes[index] = generator.next() }
        let token = Data(bytes).base64EncodedString()
            .replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_")
            .replacingOccurrences(of: "=", with: "")
        let expiresAt = ConcertJSON.now().addingTimeInterval(sessionLifetime)
        try await store.createSession(tokenHash: Self.tokenHash(token), user: user, expiresAt: expiresAt)
        return (token, user, expiresAt)
    }

    /// The user a token belongs to, while its session lasts.
    public func user(forToken token: String) async throws -> User? {
        guard !token.isEmpty, token.utf8.count <= 128 else { return nil }
        return try await store.sessionUser(tokenHash: Self.tokenHash(token), now: Date())
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
