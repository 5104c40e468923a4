import ConcertCore
import ConcertStorage
import HTTPTypes
import Hummingbird

/// The name of the browser session cookie.
let sessionCookieName = "concert_session"

/// Finds the user of a request from its bearer token or session cookie.
///
/// A request without either goes on anonymous (routes that need a user answer 401); a
/// request with a token that is unknown or expired is refused at once.
struct AuthenticationMiddleware<Context: AuthenticatedRequestContext>: RouterMiddleware {
    let authenticator: Authenticator

    func handle(
        _ request: Request, context: Context, next: (Request, Context) async throws -> Response
    ) async throws -> Response {
        var context = context
        let operationId = OperationPrefetch.operationId(inPath: request.uri.path)
        let prefetched: PrefetchedOperation?
        (context.user, context.viaCookie, prefetched) = try await Self.user(
            of: request, authenticator: authenticator, readingOperation: operationId)
        if context.user != nil { context.sessionTokenHash = Self.token(of: request).map(Authenticator.tokenHash) }
        if context.user == nil, let token = Self.calendarToken(of: request) {
            // A calendar client's token opens a schedule and nothing else; it is no session.
            guard let user = try await authenticator.calendarUser(forToken: token) else {
                throw ProblemDetail(
                    status: .unauthorized,
                    detail: "The calendar token is unknown or was ended; subscribe again from the operation's page.")
            }
            context.user = user
        }
        if context.viaCookie, request.method != .get, request.method != .head, !Self.isSameOrigin(request) {
            throw ProblemDetail(status: .forbidden, detail: "The request came from another site.")
        }
        guard let prefetched else { return try await next(request, context) }
        return try await OperationPrefetch.$current.withValue(OperationPrefetch(prefetched)) {
            try await next(request, context)
        }
    }

    /// The user of a request, from its bearer token or else its session cookie, and whether it
    /// came with the cookie; nil when it has neither. An unknown or expired token is a 401 problem.
    static func user(of request: Request, authenticator: Authenticator) async throws -> (User?, viaCookie: Bool) {
        let (user, viaCookie, _) = try await user(of: request, authenticator: authenticator, readingOperation: nil)
        return (user, viaCookie)
    }

    /// ``user(of:authenticator:)``, with the operation `operationId` names read in the same
    /// round trip when there is a session.
    static func user(
        of request: Request, authenticator: Authenticator, readingOperation operationId: String?
    ) async throws -> (User?, viaCookie: Bool, PrefetchedOperation?) {
        if let authorization = request.headers[.authorization] {
            let parts = authorization.split(separator: " ", maxSplits: 1)
            guard parts.count == 2, parts[0].lowercased() == "bearer",
                let found = try await authenticator.user(forToken: String(parts[1]), readingOperation: operationId)
            else {
                throw ProblemDetail(
                    status: .unauthorized, detail: "The bearer token is unknown or has expired; sign in again.")
            }
            return (found.user, false, found.operation)
        }
        if let token = request.cookies[sessionCookieName]?.value, !token.isEmpty,
            let found = try await authenticator.user(forToken: token, readingOperation: operationId)
        {
            return (found.user, true, found.operation)
        }
        return (nil, false, nil)
    }

    /// The calendar token of a request for a schedule (`GET /api/v1/operations/{id}/schedule.ics
    /// ?token=…`, what a calendar client polls); nil for any other request.
    static func calendarToken(of request: Request) -> String? {
        guard request.method == .get || request.method == .head else { return nil }
        let parts = request.uri.path.split(separator: "/", omittingEmptySubsequences: false)
        guard parts.count == 6, parts[1] == "api", parts[2] == "v1", parts[3] == "operations",
            parts[5] == "schedule.ics"
        else { return nil }
        return request.uri.queryParameters.get("token").map { String($0) }
    }

    /// The session token a request carries: its bearer token, or else its session cookie.
    static func token(of request: Request) -> String? {
        if let authorization = request.headers[.authorization] {
            let parts = authorization.split(separator: " ", maxSplits: 1)
            return parts.count == 2 && parts[0].lowercased() == "bearer" ? String(parts[1]) : nil
        }
        return request.cookies[sessionCookieName]?.value
    }

    /// Whether a cookie-authenticated change comes from Concert's own pages (the Origin header,
    /// when a browser sends one, names this host).
    static func isSameOrigin(_ request: Request) -> Bool {
        // Browsers that send Fetch Metadata say outright where the request came from, and no
        // page can forge it; their Origin may be "null" under Concert's no-referrer policy.
        if let site = request.headers[HTTPField.Name("Sec-Fetch-Site")!] {
            return site == "same-origin" || site == "none"
        }
        guard let origin = request.headers[.origin] else { return true }
        guard let host = request.head.authority else { return false }
        return origin == "http://\(host)" || origin == "https://\(host)"
    }
}
