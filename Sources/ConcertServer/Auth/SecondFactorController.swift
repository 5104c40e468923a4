import ConcertCore
import ConcertStorage
import Foundation
import HTTPTypes
import Hummingbird

/// A user's own second factor through the API: `GET|POST /api/v1/me/second-factor`,
/// `POST …/confirm`, `POST …/disable`. Each user reaches only their own; the administrator
/// resets one with `concert user reset-2fa`.
struct SecondFactorController {
    let secondFactor: SecondFactor
    let store: any Store
    /// Checks the password and code that turning the factor off takes, under the sign-in throttle.
    let authenticator: Authenticator
    let trustedProxies: Set<String>

    struct Status: Encodable {
        /// Whether signing in takes a code.
        var enabled: Bool
        var since: Date?
        /// Whether the installation or the user's agency requires it.
        var required: Bool
        /// Whether a setting up is under way (begun, not yet confirmed).
        var pending: Bool
        var recoveryCodesLeft: Int
    }

    struct Code: Decodable {
        var code: String
    }

    /// What turning the factor off takes: the password and a code, as signing in does.
    struct Proof: Decodable {
        var password: String
        var code: String
    }

    struct Confirmed: Encodable {
        var user: User
        /// Ten one-time codes, shown this once.
        var recoveryCodes: [String]
    }

    func addRoutes(to router: Router<ConcertRequestContext>) {
        router.get("/api/v1/me/second-factor") { _, context in
            let user = try context.requireUser()
            return try Response.json(try await status(of: user))
        }
        router.post("/api/v1/me/second-factor") { _, context in
            let user = try context.requireUser()
            return try Response.json(try await secondFactor.begin(for: user), status: .created)
        }
        router.post("/api/v1/me/second-factor/confirm") { request, context in
            let user = try context.requireUser()
            let body = try await request.decodeJSON(as: Code.self, context: context)
            let (updated, codes) = try await secondFactor.confirm(for: user, code: body.code)
            return try Response.json(Confirmed(user: updated, recoveryCodes: codes))
        }
        router.post("/api/v1/me/second-factor/disable") { request, context in
            let user = try context.requireUser()
            let body = try await request.decodeJSON(as: Proof.self, context: context)
            try await disable(
                for: user, password: body.password, code: body.code,
                address: context.clientAddress(of: request, trustedProxies: trustedProxies))
            return Response(status: .noContent)
        }
    }

    func status(of user: User) async throws -> Status {
        let stored = try await store.secondFactor(userId: user.id)
        return Status(
            enabled: user.secondFactorSince != nil, since: user.secondFactorSince,
            required: await secondFactor.isRequired(for: user), pending: stored.map { !$0.isConfirmed } ?? false,
            recoveryCodesLeft: stored?.isConfirmed == true ? stored!.recoveryCodesLeft : 0)
    }

    /// Turns the user's second factor off, proven with their password and a code, tried under
    /// the sign-in throttle: a session taken over (a browser left open) can neither strip the
    /// account of it nor guess codes at full speed. Refused where it is required.
    func disable(for user: User, password: String, code: String, address: String) async throws {
        guard user.secondFactorSince != nil else {
            throw DomainError.conflict("You do not sign in with a second factor.")
        }
        guard !(await secondFactor.isRequired(for: user)) else {
            throw ProblemDetail(
                status: .forbidden,
                detail: "Your agency or this installation requires a second factor: it cannot be turned off.")
        }
        switch try await authenticator.confirmsIdentity(of: user, password: password, code: code, address: address) {
        case nil:
            throw ProblemDetail.tooManyRequests(
                "Too many failed attempts for this account or from this address; wait before trying again.",
                retryAfter: 60)
        case false?:
            throw DomainError.invalid(
                "The password or the code is wrong (a code works once): type the code your app shows now.",
                field: "code")
        case true?:
            break
        }
        _ = try await store.removeSecondFactor(userId: user.id, endingSessions: false, by: Actor(user))
    }
}

/// Holds a signed-in user who must have a second factor and has none to setting it up: every
/// route but their own account's, the setting up and signing out answers 403 (a page: sends
/// them to the setting up).
struct SecondFactorGate: RouterMiddleware {
    typealias Context = ConcertRequestContext
    let secondFactor: SecondFactor

    /// What such a user may still reach.
    static let open: Set<String> = [
        "/api/v1/me", "/api/v1/me/second-factor", "/api/v1/me/second-factor/confirm", "/api/v1/sessions/current",
        "/api/v1/sessions", "/api/v1/health", "/api/v1/ready", "/api/v1/openapi.json", "/account/second-factor",
        "/account/second-factor/start", "/account/second-factor/confirm", "/logout", "/login", "/",
        "/api/v1/me/sessions", "/account/sessions",
    ]

    /// Whether the route ends one of the caller's own sessions, which such a user may too.
    static func endsOwnSession(_ route: String?) -> Bool {
        route == "/api/v1/me/sessions/{sessionId}" || route == "/account/sessions/{sessionId}/end"
    }

    func handle(
        _ request: Request, context: Context, next: (Request, Context) async throws -> Response
    ) async throws -> Response {
        guard let user = context.user, !Self.open.contains(request.uri.path), !request.uri.path.hasPrefix("/static/"),
            !Self.endsOwnSession(context.endpointPath), !(await secondFactor.policy.admits(user))
        else { return try await next(request, context) }
        if !request.uri.path.hasPrefix("/api/") && request.method == .get {
            return Response.redirect(to: "/account/second-factor")
        }
        throw ProblemDetail(
            status: .forbidden,
            detail:
                "Your agency or this installation requires a second factor: set it up first (POST /api/v1/me/second-factor, or the page /account/second-factor)."
        )
    }
}
