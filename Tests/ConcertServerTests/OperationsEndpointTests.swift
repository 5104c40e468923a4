import ConcertCore
import Foundation
import Hummingbird
import HummingbirdTesting
import Testing

@testable import ConcertServer

/// What an operator's tools ask of a server: readiness, and metrics for allowed addresses only.
@Suite("Readiness and metrics")
struct OperationsEndpointTests {
    @Test("ready answers 503 while the cross-check index loads, and 200 once it answers checks")
    func readyWaitsForTheIndex() async throws {
        let world = try await TestWorld.make()
        defer { world.remove() }
        let crossCheck = CrossCheckService(store: world.store)
        let controller = OperationsController(
            store: world.store, crossCheck: crossCheck, liveFeed: LiveFeed(store: world.store),
            metrics: ServerMetrics(), metricsAllowed: ServerConfiguration.loopback, trustedProxies: [])
        // As an application's service, before its load is done (here: before it begins).
        crossCheck.markServed()
        await #expect(throws: ProblemDetail.self) { try await controller.ready() }
        do {
            _ = try await controller.ready()
        } catch let problem as ProblemDetail {
            #expect(problem.statusCode == 503)
            #expect(problem.detail.contains("cross-check index"), "\(problem.detail)")
            #expect(problem.retryAfter == 1)
        }
        // Once loaded, it is ready, and says how many selectors the index holds.
        try await crossCheck.waitUntilReady()
        let response = try await controller.ready()
        #expect(response.status == .ok)
    }

    @Test("metrics are refused to an address the operator did not allow, however it asks")
    func metricsRefusedToOthers() async throws {
        let world = try await TestWorld.make()
        defer { world.remove() }
        try await world.withClient { client in
            // The test client has no address at all: nothing allowed.
            for persona in [Persona.leadCoordinator, .platformAdmin] {
                let response = try await client.execute(
                    uri: "/metrics", method: .get, headers: TestWorld.headers(persona))
                #expect(response.status == .forbidden)
                #expect(response.text.contains("--metrics-allow"))
                #expect(!response.text.contains("concert_http_requests_total"))
            }
            // A forged X-Forwarded-For counts only from a trusted proxy, and there is none.
            let forged = try await client.execute(
                uri: "/metrics", method: .get, headers: [.init("X-Forwarded-For")!: "127.0.0.1"])
            #expect(forged.status == .forbidden)
        }
        let loopback = ServerConfiguration.loopback
        #expect(OperationsController.isAllowed("127.0.0.1", in: loopback))
        #expect(OperationsController.isAllowed("::1", in: loopback))
        #expect(OperationsController.isAllowed("::ffff:127.0.0.1", in: loopback))
        #expect(!OperationsController.isAllowed("10.0.0.1", in: loopback))
        #expect(!OperationsController.isAllowed("unknown", in: loopback))
        #expect(!OperationsController.isAllowed("::ffff:10.0.0.1", in: loopback))
        let office = [CIDRBlock("10.20.0.0/16")!]
        #expect(OperationsController.isAllowed("10.20.3.4", in: office))
        #expect(!OperationsController.isAllowed("10.21.3.4", in: office))
    }

    @Test("a method a client invents is counted as OTHER, so that no client grows the registry")
    func inventedMethods() {
        let metrics = ServerMetrics()
        for name in ["BREW", "WHEN", "SPIN"] {
            metrics.recordRequest(route: "unmatched", method: .init(name)!, status: 404, nanoseconds: 1_000)
        }
        let text = String(decoding: metrics.text(), as: UTF8.self)
        #expect(
            text.contains(#"concert_http_requests_total{route="unmatched",method="OTHER",status="404"} 3"#), "\(text)")
        #expect(!text.contains("BREW"))
    }

    @Test("every request is counted by its route's pattern and status, never by the path it named")
    func requestsCountedByPattern() async throws {
        let world = try await TestWorld.make()
        defer { world.remove() }
        let application = Application(
            router: buildRouter(store: world.store), configuration: .init(address: .hostname("127.0.0.1", port: 0)))
        try await application.test(.live) { client in
            for _ in 0..<3 {
                let response = try await client.execute(
                    uri: "/api/v1/operations/\(world.operation.id)", method: .get,
                    headers: TestWorld.headers(.leadCoordinator))
                #expect(response.status == .ok)
                #expect(response.headers[.init("X-Request-Id")!]?.isEmpty == false)
            }
            _ = try await client.execute(
                uri: "/api/v1/sessions", method: .post, headers: [.contentType: "application/json"],
                body: ByteBuffer(string: #"{"username":"leadcoordinator","password":"not-the-password"}"#))
            let scraped = try await client.execute(uri: "/metrics", method: .get)
            #expect(scraped.status == .ok)
            let text = scraped.text
            let line = text.split(separator: "\n").first {
                $0.hasPrefix("concert_http_requests_total{") && $0.contains(#"method="GET",status="200""#)
                    && $0.contains("/api/v1/operations/{")
            }
            #expect(line?.hasSuffix(" 3") == true, "\(text)")
            #expect(text.contains("concert_sign_in_failures_total 1"), "\(text)")
            #expect(!text.contains(world.operation.id), "a path's value is a label")
        }
    }
}
