import ConcertCore
import ConcertStorage
import CoreMetrics
import Foundation
import HTTPTypes
import Hummingbird
import Logging
import Prometheus
import Synchronization

/// What a server counts for its operator, through swift-metrics into a Prometheus registry of
/// its own (not the process's global one, so that each server of a test process counts alone),
/// served as Prometheus's text format at `/metrics`.
///
/// Counted as it happens: requests by route, method and status with their latency; sign-in
/// failures; cross-check look-ups. Read when scraped: live subscribers, the cross-check
/// index's size, the log's length (events written), database connections in use. No label
/// holds a value a user sent: routes are their patterns (`/api/v1/operations/{id}`), never
/// the paths asked for.
public final class ServerMetrics: Sendable {
    /// The registry the metrics are kept in, and emitted from.
    public let registry: PrometheusCollectorRegistry
    let factory: PrometheusMetricsFactory
    private let routeMetrics = Mutex<[RouteKey: RouteMetrics]>([:])
    private let signInFailures: CoreMetrics.Counter
    private let crossCheckLookUps: CoreMetrics.Counter
    private let scraped: Scraped

    private struct RouteKey: Hashable {
        let route: String
        let method: HTTPRequest.Method
        let status: Int
    }

    private struct RouteMetrics {
        let requests: CoreMetrics.Counter
        let duration: CoreMetrics.Timer
    }

    /// The figures read when `/metrics` is scraped.
    private struct Scraped: Sendable {
        let liveSubscribers: CoreMetrics.Gauge
        let indexSelectors: CoreMetrics.Gauge
        let indexReady: CoreMetrics.Gauge
        let events: CoreMetrics.Gauge
        let connectionsInUse: [String: CoreMetrics.Gauge]
        let connectionsLimit: [String: CoreMetrics.Gauge]
    }

    /// Creates a server's metrics, in a registry of their own.
    public init() {
        registry = PrometheusCollectorRegistry()
        var factory = PrometheusMetricsFactory(registry: registry)
        // Concert's answers take from a tenth of a millisecond to a few seconds (an import).
        factory.defaultDurationHistogramBuckets = [
            .microseconds(250), .microseconds(500), .milliseconds(1), .milliseconds(2.5), .milliseconds(5),
            .milliseconds(10), .milliseconds(25), .milliseconds(50), .milliseconds(100), .milliseconds(250),
            .milliseconds(500), .seconds(1), .seconds(2.5), .seconds(5), .seconds(10),
        ]
        self.factory = factory
        signInFailures = Counter(label: "concert_sign_in_failures_total", factory: factory)
        crossCheckLookUps = Counter(label: "concert_cross_check_lookups_total", factory: factory)
        var inUse: [String: CoreMetrics.Gauge] = [:]
        var limit: [String: CoreMetrics.Gauge] = [:]
        for pool in StorePoolUse.Pool.allCases {
            inUse[pool.rawValue] = Gauge(
                label: "concert_database_connections_in_use", dimensions: [("pool", pool.rawValue)], factory: factory)
            limit[pool.rawValue] = Gauge(
                label: "concert_database_connections_limit", dimensions: [("pool", pool.rawValue)], factory: factory)
        }
        scraped = Scraped(
            liveSubscribers: Gauge(label: "concert_live_subscribers", factory: factory),
            indexSelectors: Gauge(label: "concert_cross_check_index_selectors", factory: factory),
            indexReady: Gauge(label: "concert_cross_check_index_ready", factory: factory),
            events: Gauge(label: "concert_log_events", factory: factory),
            connectionsInUse: inUse, connectionsLimit: limit)
    }

    /// The methods counted by name; any other (HTTP/2 lets a client invent one) counts as
    /// `OTHER`, so that no client can grow the registry.
    static let namedMethods: Set<HTTPRequest.Method> = [.get, .head, .post, .put, .patch, .delete, .options]

    /// Counts one answered request of `route` (its pattern) and how long it took.
    func recordRequest(route: String, method: HTTPRequest.Method, status: Int, nanoseconds: Int64) {
        let method = Self.namedMethods.contains(method) ? method : HTTPRequest.Method("OTHER")!
        let key = RouteKey(route: route, method: method, status: status)
        let metrics = routeMetrics.withLock { cache in
            if let known = cache[key] { return known }
            let made = RouteMetrics(
                requests: Counter(
                    label: "concert_http_requests_total",
                    dimensions: [("route", route), ("method", method.rawValue), ("status", String(status))],
                    factory: factory),
                duration: Timer(
                    label: "concert_http_request_duration_seconds",
                    dimensions: [("route", route), ("method", method.rawValue)], factory: factory))
            cache[key] = made
            return made
        }
        metrics.requests.increment()
        metrics.duration.recordNanoseconds(nanoseconds)
    }

    /// Counts a failed (or throttled) sign-in.
    func countSignInFailure() { signInFailures.increment() }

    /// Counts `count` selectors looked up in the cross-check index.
    func countLookUps(_ count: Int) { crossCheckLookUps.increment(by: count) }

    /// Sets the figures read at scrape time.
    func observe(
        liveSubscribers: Int, index: CrossCheckService.Status, events: Int64, pools: [StorePoolUse]
    ) {
        scraped.liveSubscribers.record(liveSubscribers)
        scraped.indexSelectors.record(index.selectors)
        scraped.indexReady.record(index.isReady ? 1 : 0)
        scraped.events.record(events)
        for pool in pools {
            scraped.connectionsInUse[pool.pool.rawValue]?.record(pool.inUse)
            scraped.connectionsLimit[pool.pool.rawValue]?.record(pool.limit)
        }
    }

    /// The metrics in Prometheus's text format.
    func text() -> [UInt8] {
        var buffer: [UInt8] = []
        buffer.reserveCapacity(16_384)
        registry.emit(into: &buffer)
        return buffer
    }
}

/// Counts every request by its route's pattern, method and final status, with its latency;
/// and names in `X-Request-Id` the id Hummingbird gives each request, which every line the
/// request logs carries (`hb.request.id`), so that an operator finds a user's failed request
/// in the log. It also writes one access line a request at `info`: its method, route pattern,
/// status and duration, never its path, query or body (which may hold a selector), when
/// `logsRequests` is set.
struct RequestMetricsMiddleware: RouterMiddleware {
    typealias Context = ConcertRequestContext
    /// Nil counts nothing (the request is only logged).
    let metrics: ServerMetrics?
    let logsRequests: Bool

    func handle(
        _ request: Request, context: Context, next: (Request, Context) async throws -> Response
    ) async throws -> Response {
        let started = ContinuousClock.now
        let requestId = context.logger[metadataKey: "hb.request.id"]?.description
        let route = context.endpointPath ?? "unmatched"
        let status: Int
        var response: Response
        do {
            response = try await next(request, context)
            status = Int(response.status.code)
        } catch {
            // ProblemMiddleware answers every error first; what reaches here is the server's own.
            let elapsed = ContinuousClock.now - started
            metrics?.recordRequest(
                route: route, method: request.method, status: 500, nanoseconds: Self.nanoseconds(elapsed))
            throw error
        }
        if let requestId { response.headers[Self.requestIdField] = requestId }
        let elapsed = ContinuousClock.now - started
        metrics?.recordRequest(
            route: route, method: request.method, status: status, nanoseconds: Self.nanoseconds(elapsed))
        guard logsRequests else { return response }
        context.logger.info(
            "request",
            metadata: [
                "method": .string(request.method.rawValue), "route": .string(route),
                "status": .stringConvertible(status),
                "duration_ms": .string(String(format: "%.2f", Double(Self.nanoseconds(elapsed)) / 1e6)),
            ])
        return response
    }

    static let requestIdField = HTTPField.Name("X-Request-Id")!

    static func nanoseconds(_ duration: Duration) -> Int64 {
        let (seconds, attoseconds) = duration.components
        return seconds * 1_000_000_000 + attoseconds / 1_000_000_000
    }
}
