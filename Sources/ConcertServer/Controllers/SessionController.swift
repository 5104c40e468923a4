import ConcertCore
import ConcertStorage
import Foundation
import Hummingbird

/// Signing in and out over the API, and who am I.
struct SessionController {
    let authenticator: Authenticator
    let store: any Store
    /// Proxies whose `X-Forwarded-For` names the client.
    let trustedProxies: Set<String>

    struct SignIn: Decodable {
        var username: String
        var password: String
        /// The code of the account's authenticator app, or a recovery code, for an account
        /// that signs in with a second factor.
        var code: String?
    }

    struct SignedIn: Encodable {
        var token: String
        var expiresAt: Date
        var user: User
    }

    struct Me: Encodable {
        var user: User
        var agency: Agency?
    }

    /// One of the caller's sessions, as their list shows it.
    struct OwnSession: Encodable {
        var id: String
        var createdAt: Date
        var lastSeenAt: Date
        /// When it ends unless it is used before.
        var expiresAt: Date
        var address: String?
        var client: String?
        /// Whether it is the session this request came with.
        var current: Bool

        init(_ session: SessionInfo, currentTokenHash: String?) {
            id = session.id
            createdAt = session.createdAt
            lastSeenAt = session.lastSeenAt
            expiresAt = session.expiresAt
            address = session.address
            client = session.client
            current = session.tokenHash == currentTokenHash
        }
    }

    func addRoutes(to router: Router<ConcertRequestContext>) {
        // One's own sessions only: nobody names another user, and another user's session id
        // is answered as one that does not exist.
        router.get("/api/v1/me/sessions") { _, context in
            let user = try context.requireUser()
            let sessions = try await store.sessions(userId: user.id, now: Date())
            return try Response.json(
                ["items": sessions.map { OwnSession($0, currentTokenHash: context.sessionTokenHash) }])
        }
        router.delete("/api/v1/me/sessions/:sessionId") { _, context in
            let user = try context.requireUser()
            let id = try context.parameters.require("sessionId")
            guard Identifier.isPlausible(id), try await store.deleteSession(id: id, userId: user.id) else {
                throw ProblemDetail(status: .notFound, detail: "You have no such session (it may have ended already).")
            }
            return Response(status: .noContent)
        }
        router.post("/api/v1/sessions") { request, context in
            let body = try await request.decodeJSON(as: SignIn.self, context: context)
            switch try await authenticator.signIn(
                username: body.username, password: body.password, code: body.code,
                address: context.clientAddress(of: request, trustedProxies: trustedProxies),
                client: request.headers[.userAgent])
            {
            case .signedIn(let token, let user, let expiresAt):
                return try Response.json(SignedIn(token: token, expiresAt: expiresAt, user: user), status: .created)
            case .refused:
                throw ProblemDetail(status: .unauthorized, detail: "The username, password or code is wrong.")
            case .codeNeeded:
                throw ProblemDetail(
                    status: .unauthorized,
                    detail:
                        "This account signs in with a second factor: send the 6-digit code its authenticator app shows now, or a recovery code, as 'code'.",
                    field: "code")
            case .throttled(let retryAfter, let reason):
                throw ProblemDetail.tooManyRequests(reason, retryAfter: retryAfter)
            }
        }
        router.delete("/api/v1/sessions/current") { request, context in
            _ = try context.requireUser()
            if let authorization = request.headers[.authorization] {
                try await authenticator.signOut(token: String(authorization.dropFirst("Bearer ".count)))
            } else if let token = request.cookies[sessionCookieName]?.value {
                try await authenticator.signOut(token: token)
            }
            return Response(status: .noContent)
        }
        router.get("/api/v1/me") { _, context in
            let user = try context.requireUser()
            return try Response.json(Me(user: user, agency: try await store.agency(id: user.agencyId)))
        }
    }
}
