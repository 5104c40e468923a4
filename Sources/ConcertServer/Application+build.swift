import ConcertCore
import ConcertStorage
import Foundation
import Hummingbird
import Logging
import NIOSSL
import ServiceLifecycle

/// How a Concert server is set up.
public struct ServerConfiguration: Sendable {
    /// Address to listen on; loopback by default.
    public var host: String
    /// Port to listen on.
    public var port: Int
    /// Whether the session cookie carries `Secure` (browsers then send it only over HTTPS or to localhost).
    public var secureCookies: Bool
    /// How long a sign-in lasts at most.
    public var sessionLifetime: TimeInterval
    /// How long a session lasts unused (each request, or an open live feed, extends it); nil:
    /// as long as ``sessionLifetime``.
    public var sessionIdleTimeout: TimeInterval? = 3600
    /// Where and how message attachments are kept; nil keeps them in a temporary folder
    /// under a random key, for tests.
    public var attachments: AttachmentSettings?
    /// How wide an identifier may be (CIDR blocks, public suffixes), for targets and checks alike.
    public var selectorLimits: SelectorLimits
    /// How many selectors check before sharing takes per user and per agency.
    public var crossCheckBudget: CrossCheckBudgetSettings
    /// When failed sign-ins delay and lock an account or a client address.
    public var signInRules: SignInThrottle.Rules
    /// How many threads check passwords (bcrypt) at once.
    public var bcryptWorkers: Int
    /// The addresses of proxies (load balancers) whose `X-Forwarded-For` names the client that
    /// sign-in throttling counts; empty when clients connect directly.
    public var trustedProxies: Set<String> = []
    /// How long a client may take to send a request's head, from connecting or from the first
    /// byte of its next request, before the connection is closed (10 s); nil for no limit.
    public var requestHeadTimeout: Duration?
    /// How long a kept-alive connection may wait for its next request, or a request's body for
    /// its next part, before it is closed (60 s); nil for no limit. A response that is being
    /// written, such as the live feed's event stream, is never cut by it.
    public var idleTimeout: Duration?
    /// What the live feed lets wait for its subscribers' sockets, and for how long.
    public var liveLimits: LiveFeedLimits
    /// The installation's log key, which signs the checkpoints of the log's Merkle tree; nil
    /// signs with a random key for the process's lifetime, for tests.
    public var logSigner: LogSigner?
    /// The client addresses that `/metrics` answers (loopback by default): Prometheus's scraper,
    /// never the users.
    public var metricsAllowed: [CIDRBlock] = ServerConfiguration.loopback
    /// The certificate and key to serve HTTPS (and HTTP/2) with; nil serves plain HTTP (behind
    /// a proxy that terminates TLS, or for tests). Pages then send `Strict-Transport-Security`.
    public var tls: TLSConfiguration?
    /// Whether every user must sign in with a second factor (`--require-2fa`); agencies can
    /// require it of their own users too.
    public var requireSecondFactor = false
    /// Whether the server counts its requests and serves `/metrics` (the benchmarks weigh the
    /// cost of counting by turning it off).
    public var collectsMetrics = true
    /// Whether every request is logged (method, route pattern, status, duration, request id).
    public var logsRequests = false

    /// IPv4's and IPv6's loopback blocks.
    public static let loopback = [CIDRBlock("127.0.0.0/8")!, CIDRBlock("::1/128")!]

    /// Creates a configuration.
    public init(
        host: String = "127.0.0.1", port: Int = 8080, secureCookies: Bool = true,
        sessionLifetime: TimeInterval = 12 * 3600, attachments: AttachmentSettings? = nil,
        selectorLimits: SelectorLimits = .standard, crossCheckBudget: CrossCheckBudgetSettings = .init(),
        signInRules: SignInThrottle.Rules = .init(), bcryptWorkers: Int = BoundedWorkers.defaultBcryptWorkers,
        requestHeadTimeout: Duration? = .seconds(10), idleTimeout: Duration? = .seconds(60),
        liveLimits: LiveFeedLimits = .init(), logSigner: LogSigner? = nil
    ) {
        self.host = host
        self.port = port
        self.secureCookies = secureCookies
        self.sessionLifetime = sessionLifetime
        self.attachments = attachments
        self.selectorLimits = selectorLimits
        self.crossCheckBudget = crossCheckBudget
        self.signInRules = signInRules
        self.bcryptWorkers = bcryptWorkers
        self.requestHeadTimeout = requestHeadTimeout
        self.idleTimeout = idleTimeout
        self.liveLimits = liveLimits
        self.logSigner = logSigner
    }
}

/// The router with every route of Concert, and the services that run beside it (see
/// ``buildConcert(store:configuration:liveFeed:)``).
public struct ConcertParts {
    /// The REST API under `/api/v1` and the web pages.
    public let router: Router<ConcertRequestContext>
    /// What runs while the application runs, in the order it starts (and the reverse of the
    /// order it stops): the store's connections, the cross-check index's loading and following,
    /// the watch for overdue actions.
    public let services: [any Service]
}

/// Builds the router with every route of Concert: the REST API under `/api/v1` and the web pages.
///
/// A router alone answers without the cross-check index's service: its first request that
/// needs the index loads it, and on a shared database it does not follow the other servers
/// (for tests of routes). An application runs ``buildConcert(store:configuration:liveFeed:)``'s
/// services beside it.
public func buildRouter(
    store: any Store, configuration: ServerConfiguration = .init(), liveFeed: LiveFeed? = nil
) -> Router<ConcertRequestContext> {
    buildConcert(store: store, configuration: configuration, liveFeed: liveFeed).router
}

/// Builds the router and the services an application runs beside it.
///
/// `liveFeed` serves the event stream; pass the one the WebSocket router uses so that both
/// share one read of the log per commit.
public func buildConcert(
    store: any Store, configuration: ServerConfiguration = .init(), liveFeed: LiveFeed? = nil
) -> ConcertParts {
    let router = Router(context: ConcertRequestContext.self)
    let metrics = ServerMetrics()
    let vault = AttachmentVault(settings: configuration.attachments ?? .temporary())
    let secondFactor = SecondFactor(
        store: store, installationKey: vault.settings.key, requiredEverywhere: configuration.requireSecondFactor)
    let liveFeed = liveFeed ?? LiveFeed(store: store, limits: configuration.liveLimits)
    let authenticator = Authenticator(
        store: store, sessionLifetime: configuration.sessionLifetime,
        sessionIdleTimeout: configuration.sessionIdleTimeout, signInRules: configuration.signInRules,
        bcryptWorkers: configuration.bcryptWorkers, metrics: metrics, secondFactor: secondFactor)
    // First, so that it counts every answer as the client gets it, problems and headers included.
    if configuration.collectsMetrics || configuration.logsRequests {
        router.add(
            middleware: RequestMetricsMiddleware(
                metrics: configuration.collectsMetrics ? metrics : nil, logsRequests: configuration.logsRequests))
    }
    router.add(middleware: SecurityHeadersMiddleware(strictTransportSecurity: configuration.tls != nil))
    router.add(middleware: ProblemMiddleware())
    router.add(middleware: AuthenticationMiddleware<ConcertRequestContext>(authenticator: authenticator))
    router.add(middleware: SecondFactorGate(secondFactor: secondFactor))
    let guarded = OperationGuard(store: store)
    SystemController().addRoutes(to: router)
    SessionController(authenticator: authenticator, store: store, trustedProxies: configuration.trustedProxies)
        .addRoutes(to: router)
    SecondFactorController(
        secondFactor: secondFactor, store: store, authenticator: authenticator,
        trustedProxies: configuration.trustedProxies
    ).addRoutes(to: router)
    AdminController(store: store).addRoutes(to: router)
    OperationController(store: store, guarded: guarded).addRoutes(to: router)
    let crossCheck = CrossCheckService(store: store, limits: configuration.selectorLimits, metrics: metrics)
    OperationsController(
        store: store, crossCheck: crossCheck, liveFeed: liveFeed,
        metrics: configuration.collectsMetrics ? metrics : nil,
        metricsAllowed: configuration.metricsAllowed, trustedProxies: configuration.trustedProxies
    ).addRoutes(to: router)
    let hits = HitRecorder(store: store, crossCheck: crossCheck)
    // One budget for checks and recordings alike: both tell who else holds a value.
    let budget = CrossCheckBudget(settings: configuration.crossCheckBudget)
    TargetController(store: store, guarded: guarded, hits: hits, budget: budget).addRoutes(to: router)
    ExportController(interop: InteropService(store: store, hits: hits, budget: budget), store: store).addRoutes(
        to: router)
    CrossCheckController(store: store, crossCheck: crossCheck, budget: budget).addRoutes(to: router)
    HitController(store: store, crossCheck: crossCheck).addRoutes(to: router)
    ActionController(store: store, guarded: guarded).addRoutes(to: router)
    InstrumentController(store: store, guarded: guarded).addRoutes(to: router)
    ActionDayController(store: store, guarded: guarded).addRoutes(to: router)
    LogController(store: store, guarded: guarded).addRoutes(to: router)
    ExhibitController(store: store, guarded: guarded).addRoutes(to: router)
    SitrepController(store: store, guarded: guarded).addRoutes(to: router)
    let checkpointer = LogCheckpointer(
        store: store,
        // A random key when none is configured: checkpoints of one process, for tests.
        signer: configuration.logSigner ?? (try! LogSigner(base64: LogSigner.newKeyText())),
        logger: Logger(label: "concert.log"))
    LogProofController(store: store, checkpointer: checkpointer).addRoutes(to: router)
    MessageController(store: store, guarded: guarded, vault: vault).addRoutes(to: router)
    LiveController(guarded: guarded, feed: liveFeed, sessions: authenticator)
        .addRoutes(to: router)
    WebController(
        store: store, guarded: guarded, authenticator: authenticator, secureCookies: configuration.secureCookies,
        acknowledgementDue: vault.settings.acknowledgementDue, attachmentLimit: vault.settings.sizeLimit,
        crossCheck: crossCheck, trustedProxies: configuration.trustedProxies, secondFactor: secondFactor
    ).addRoutes(to: router)
    // The store first: it stops last, once nothing uses it.
    return ConcertParts(
        router: router,
        services: [
            store, crossCheck, OverdueWatch(store: store), checkpointer, AttachmentSweep(vault: vault, store: store),
        ])
}

/// Builds the Concert application: the router, bound to the configured address.
public func buildApplication(
    store: any Store, configuration: ServerConfiguration = .init(), logger: Logger? = nil,
    onServerRunning: @escaping @Sendable () async -> Void = {}
) -> some ApplicationProtocol {
    let liveFeed = LiveFeed(store: store, limits: configuration.liveLimits)
    let parts = buildConcert(store: store, configuration: configuration, liveFeed: liveFeed)
    return Application(
        router: parts.router,
        server: .concert(store: store, liveFeed: liveFeed, configuration: configuration),
        configuration: .init(
            address: .hostname(configuration.host, port: configuration.port), serverName: "Concert"),
        services: parts.services,
        onServerRunning: { _ in await onServerRunning() },
        logger: logger ?? Logger(label: "concert")
    )
}

/// Headers that keep pages from being framed, sniffed or loaded with outside content.
struct SecurityHeadersMiddleware: RouterMiddleware {
    typealias Context = ConcertRequestContext
    /// Whether browsers are told to come back over HTTPS only (when the server speaks TLS).
    var strictTransportSecurity = false

    func handle(
        _ request: Request, context: Context, next: (Request, Context) async throws -> Response
    ) async throws -> Response {
        var response = try await next(request, context)
        response.headers[.xContentTypeOptions] = "nosniff"
        response.headers[.init("X-Frame-Options")!] = "DENY"
        response.headers[.init("Referrer-Policy")!] = "no-referrer"
        // A response that set its own (stricter) policy, such as a download, keeps it.
        if response.headers[.contentSecurityPolicy] == nil {
            response.headers[.contentSecurityPolicy] =
                "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; frame-ancestors 'none'"
        }
        if response.headers[.cacheControl] == nil { response.headers[.cacheControl] = "no-store" }
        if strictTransportSecurity {
            // A year, as browsers' preload lists ask; sent only over TLS, where browsers heed it.
            response.headers[.strictTransportSecurity] = "max-age=31536000"
        }
        return response
    }
}
