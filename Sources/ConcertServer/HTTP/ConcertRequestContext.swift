import ConcertCore
import Foundation
import HTTPTypes
import Hummingbird
import NIOCore

/// A request context that knows who is signed in; ``AuthenticationMiddleware`` fills it.
public protocol AuthenticatedRequestContext: RequestContext {
    /// The signed-in user.
    var user: User? { get set }
    /// Whether the user came in with the browser session cookie (not a bearer token).
    var viaCookie: Bool { get set }
    /// The SHA-256 of the session token the user came in with.
    var sessionTokenHash: String? { get set }
}

/// The request context of every Concert route: who is signed in, and how, and from where.
public struct ConcertRequestContext: AuthenticatedRequestContext, RemoteAddressRequestContext {
    public var coreContext: CoreRequestContextStorage
    public var user: User?
    public var viaCookie = false
    /// The SHA-256 of the session token the request came with, when it came with one that holds.
    public var sessionTokenHash: String?
    /// The client's address, which sign-in throttling counts failures by.
    public var remoteAddress: SocketAddress?

    public init(source: Source) {
        self.coreContext = .init(source: source)
        self.remoteAddress = source.channel.remoteAddress
    }

    /// The client's address as text (its IP address), or `unknown`.
    public var clientAddress: String {
        remoteAddress?.ipAddress ?? "unknown"
    }

    /// The client's address, as a proxy in `trustedProxies` reports it: behind a load balancer
    /// every connection comes from the balancer, which names the client last in
    /// `X-Forwarded-For`. From any other peer the header is ignored, since anyone can send it.
    public func clientAddress(of request: Request, trustedProxies: Set<String>) -> String {
        let peer = clientAddress
        guard trustedProxies.contains(peer),
            let forwarded = request.headers[values: HTTPField.Name("X-Forwarded-For")!].last?
                .split(separator: ",").last?.trimmingCharacters(in: .whitespaces),
            !forwarded.isEmpty
        else { return peer }
        return forwarded
    }
}

extension AuthenticatedRequestContext {
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
