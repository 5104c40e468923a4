import ConcertCore
import Hummingbird

/// The request context of every Concert route: who is signed in, and how.
public struct ConcertRequestContext: RequestContext {
    public var coreContext: CoreRequestContextStorage
    /// The signed-in user, set by ``AuthenticationMiddleware``.
    public var user: User?
    /// Whether the user came in with the browser session cookie (not a bearer token).
    public var viaCookie = false

    public init(source: Source) {
        self.coreContext = .init(source: source)
    }

    /// The signed-in user, or a 401 problem.
    public func requireUser() throws -> User {
        guard let user else {
            throw ProblemDetail(
                status: .unauthorized,
                detail: "Sign in first: send 'Authorization: Bearer <token>' from POST /api/v1/sessions.")
        }
        return user
    }

    /// The signed-in user as the access policy sees them, or a 401 problem.
    public func requireActor() throws -> Actor {
        Actor(try requireUser())
    }
}
