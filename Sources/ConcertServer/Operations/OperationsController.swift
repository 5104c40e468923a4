import ConcertCore
import ConcertStorage
import Foundation
import HTTPTypes
import Hummingbird

/// What an operator's tools ask of a running server: whether it is ready for requests
/// (`/api/v1/ready`, beside the liveness check `/api/v1/health`), and its metrics (`/metrics`),
/// for the addresses the operator allows only.
struct OperationsController {
    let store: any Store
    let crossCheck: CrossCheckService
    let liveFeed: LiveFeed
    /// Nil when the server counts nothing: `/metrics` is then not served.
    let metrics: ServerMetrics?
    /// The addresses `/metrics` answers.
    let metricsAllowed: [CIDRBlock]
    let trustedProxies: Set<String>

    func addRoutes(to router: Router<ConcertRequestContext>) {
        router.get("/api/v1/ready") { _, _ in try await ready() }
        guard let metrics else { return }
        router.get("/metrics") { request, context in
            let address = context.clientAddress(of: request, trustedProxies: trustedProxies)
            guard Self.isAllowed(address, in: metricsAllowed) else {
                throw ProblemDetail(
                    status: .forbidden,
                    detail: "The metrics are served only to the addresses the operator allows (--metrics-allow).")
            }
            metrics.observe(
                liveSubscribers: liveFeed.hub.subscriberCount, index: crossCheck.status,
                events: (try? await store.headSequence()) ?? 0, pools: (store as? any ReportsPoolUse)?.poolUse ?? [])
            return Response(
                status: .ok, headers: [.contentType: "text/plain; version=0.0.4; charset=utf-8"],
                body: .init(byteBuffer: ByteBuffer(bytes: metrics.text())))
        }
    }

    /// 200 once the store answers and the cross-check index is loaded; 503 with what is not
    /// ready until then, so that a load balancer sends no user to a server that would make
    /// them wait (or fail).
    func ready() async throws -> Response {
        var waiting: [String] = []
        do {
            _ = try await store.headSequence()
        } catch {
            waiting.append("the database does not answer")
        }
        var index = crossCheck.status
        if !index.isServed && !index.isReady {
            // A router without the application's services loads the index on first need, as
            // any request that needs it would.
            try? await crossCheck.waitUntilReady()
            index = crossCheck.status
        }
        if index.failure != nil {
            waiting.append("the cross-check index could not be loaded (see the server's log)")
        } else if !index.isReady {
            waiting.append("the cross-check index is loading")
        }
        guard waiting.isEmpty else {
            var problem = ProblemDetail(
                status: .serviceUnavailable, detail: "Not ready: \(waiting.joined(separator: "; ")).")
            problem.retryAfter = 1
            throw problem
        }
        // Nothing of the installation's size: anyone may ask.
        return Response.rawJSON(#"{"status":"ready"}"#)
    }

    /// Whether `address` lies in one of the blocks.
    static func isAllowed(_ address: String, in blocks: [CIDRBlock]) -> Bool {
        // An IPv4 client of a dual-stack socket comes as ::ffff:a.b.c.d.
        let text = address.hasPrefix("::ffff:") && address.contains(".") ? String(address.dropFirst(7)) : address
        guard let parsed = IPAddress(text) else { return false }
        return blocks.contains { $0.contains(parsed) }
    }
}
