import AsyncHTTPClient
import ConcertCore
import ConcertServer
import ConcertStorage
import Foundation
import Hummingbird
import NIOCore
import NIOHTTP1
import NIOSSL

// The cost of TLS and of the metrics on the hot paths (issue "Hardening"): the first page of
// the 10,000-target list, a check before sharing of ten selectors, and the live fan-out of a
// log entry to 90 subscribers of each server's event stream — through four servers on one store:
// plain HTTP and TLS, each with and without the metrics. The servers take turns, round after
// round, so that the machine's drift falls on all alike; the ratios are of medians.
// Target: metrics within 5 %; TLS printed beside plain.

/// One server of the comparison.
private struct Variant {
    let name: String
    let tls: Bool
    let metrics: Bool
    var port = 0
    var list: [Double] = []
    var check: [Double] = []
    var fanOut: [Double] = []
}

func benchmarkHardening(targets count: Int, rounds: Int) async throws {
    show(
        "== TLS and metrics on the hot paths: the \(count)-target list, check before sharing, live fan-out to 90 (target: metrics within 5 %)"
    )
    let folder = try scratchFolder("hardening")
    defer { try? FileManager.default.removeItem(at: folder) }
    let store = try SQLiteStore(path: folder.appendingPathComponent("bench.sqlite").path)
    let (operation, _, token) = try await seedTargetOperation(store: store, count: count)
    let certificate = folder.appendingPathComponent("tls.pem").path
    let key = folder.appendingPathComponent("tls-key.pem").path
    try TLSFiles.selfSigned(certificate: certificate, key: key)
    let tls = try TLSFiles.configuration(certificate: certificate, key: key)

    var variants = [
        Variant(name: "HTTP, no metrics", tls: false, metrics: false),
        Variant(name: "HTTP, metrics", tls: false, metrics: true),
        Variant(name: "TLS, no metrics", tls: true, metrics: false),
        Variant(name: "TLS, metrics", tls: true, metrics: true),
    ]
    var servers: [Task<Void, any Error>] = []
    defer { for server in servers { server.cancel() } }
    for index in variants.indices {
        var configuration = ServerConfiguration(port: freePort())
        configuration.collectsMetrics = variants[index].metrics
        configuration.tls = variants[index].tls ? tls : nil
        // The checks of every round fit in one user's hour.
        configuration.crossCheckBudget = CrossCheckBudgetSettings(perUser: 10_000_000, perAgency: 10_000_000)
        variants[index].port = configuration.port
        let app = buildApplication(store: store, configuration: configuration)
        servers.append(Task { try await app.run() })
    }
    var clientTLS = TLSConfiguration.makeClientConfiguration()
    clientTLS.trustRoots = .certificates(try NIOSSLCertificate.fromPEMFile(certificate))
    // Enough connections for every subscriber at once (a client keeps 8 to a host by default);
    // over HTTP/2 they are streams of one connection, which takes 100 at a time.
    var pool = HTTPClient.Configuration.ConnectionPool()
    pool.concurrentHTTP1ConnectionsPerHostSoftLimit = 256
    var secure = HTTPClient.Configuration(tlsConfiguration: clientTLS)
    secure.httpVersion = .automatic
    secure.connectionPool = pool
    let secureClient = HTTPClient(eventLoopGroupProvider: .singleton, configuration: secure)
    var plain = HTTPClient.Configuration()
    plain.connectionPool = pool
    let plainClient = HTTPClient(eventLoopGroupProvider: .singleton, configuration: plain)
    func base(_ variant: Variant) -> String {
        variant.tls ? "https://localhost:\(variant.port)" : "http://127.0.0.1:\(variant.port)"
    }
    func client(_ variant: Variant) -> HTTPClient { variant.tls ? secureClient : plainClient }
    func call(
        _ variant: Variant, _ method: HTTPMethod, _ path: String, body: String? = nil
    ) async throws -> (Double, HTTPClientResponse) {
        var request = HTTPClientRequest(url: base(variant) + path)
        request.method = method
        request.headers.add(name: "Authorization", value: "Bearer \(token)")
        if let body {
            request.headers.add(name: "Content-Type", value: "application/json")
            request.body = .bytes(ByteBuffer(string: body))
        }
        let start = ContinuousClock.now
        let response = try await client(variant).execute(request, timeout: .seconds(30))
        _ = try await response.body.collect(upTo: 64 << 20)
        let elapsed = ContinuousClock.now - start
        precondition(response.status.code < 300, "\(variant.name) \(path): \(response.status)")
        return (Double(elapsed.components.attoseconds) / 1e15 + Double(elapsed.components.seconds) * 1000, response)
    }
    for variant in variants {
        while (try? await call(variant, .GET, "/api/v1/health")) == nil { try await Task.sleep(for: .milliseconds(20)) }
    }
    let listPath = "/api/v1/operations/\(operation.id)/targets?limit=100"
    let checkBody =
        #"{"selectors":["#
        + (0..<10).map { #"{"kind":"ip","value":"10.0.\#($0 / 256).\#($0 % 256 * 7 % 256)"}"# }.joined(separator: ",")
        + "]}"
    let (_, first) = try await call(variants[3], .GET, listPath)
    show("   over TLS the client and the server agreed on HTTP/\(first.version.major)")
    for _ in 0..<3 {
        for variant in variants {
            _ = try await call(variant, .GET, listPath)
            _ = try await call(variant, .POST, "/api/v1/crosscheck", body: checkBody)
        }
    }
    for _ in 0..<rounds {
        for index in variants.indices.shuffled() {
            for _ in 0..<10 {
                variants[index].list.append(try await call(variants[index], .GET, listPath).0)
                variants[index].check.append(
                    try await call(variants[index], .POST, "/api/v1/crosscheck", body: checkBody).0)
            }
        }
    }

    // Live fan-out: 90 subscribers of each server's event stream, all open at once; log entries
    // written through each server in turn, round after round; the time from a write's start to
    // each of that server's subscribers reading the entry. Every entry reaches all 360
    // subscribers, so that each server's turn meets the same load.
    let subscriberCount = 90
    let clocks = variants.map { _ in FanOutClock() }
    var subscribers: [Task<Void, Never>] = []
    let since = try await store.latestSequence(operationId: operation.id)
    for index in variants.indices {
        let variant = variants[index]
        let arrivals = clocks[index]
        for _ in 0..<subscriberCount {
            subscribers.append(
                Task {
                    var request = HTTPClientRequest(
                        url: base(variant) + "/api/v1/operations/\(operation.id)/live?since=\(since)")
                    request.headers.add(name: "Authorization", value: "Bearer \(token)")
                    guard let response = try? await client(variant).execute(request, timeout: .seconds(900)) else {
                        return
                    }
                    await arrivals.subscribed()
                    do {
                        for try await chunk in response.body {
                            let text = String(buffer: chunk)
                            var from = text.startIndex
                            while let found = text.range(of: "\"fanout-", range: from..<text.endIndex) {
                                let digits = text[found.upperBound...].prefix { $0.isNumber }
                                if let number = Int(digits) { await arrivals.arrived(number) }
                                from = found.upperBound
                            }
                        }
                    } catch {}
                })
        }
    }
    defer { for subscriber in subscribers { subscriber.cancel() } }
    let deadline = ContinuousClock.now + .seconds(60)
    for (index, arrivals) in clocks.enumerated() {
        while await arrivals.subscribers < subscriberCount {
            precondition(ContinuousClock.now < deadline, "\(variants[index].name): subscribers did not connect")
            try await Task.sleep(for: .milliseconds(20))
        }
    }
    try await Task.sleep(for: .milliseconds(300))
    var number = 0
    for _ in 0..<rounds {
        for index in variants.indices.shuffled() {
            for _ in 0..<3 {
                for clock in clocks { await clock.started(number) }
                _ = try await call(
                    variants[index], .POST, "/api/v1/operations/\(operation.id)/log",
                    body: #"{"text":"fanout-\#(number)"}"#)
                let deadline = ContinuousClock.now + .seconds(30)
                for clock in clocks {
                    while await clock.count(of: number) < subscriberCount {
                        precondition(ContinuousClock.now < deadline, "an entry did not reach every subscriber")
                        try await Task.sleep(for: .milliseconds(1))
                    }
                }
                variants[index].fanOut += await clocks[index].latencies(of: number)
                number += 1
            }
        }
    }

    func median(_ values: [Double]) -> Double { percentile(values.sorted(), 0.5) }
    func line(_ label: String, _ values: (Variant) -> [Double]) {
        show("   \(label):")
        for variant in variants {
            let sorted = values(variant).sorted()
            show(
                String(
                    format: "     %-17@ median %6.2f ms, p99 %6.2f ms (%d)", variant.name, percentile(sorted, 0.5),
                    percentile(sorted, 0.99), sorted.count))
        }
        let plain = median(values(variants[0]))
        let plainMetrics = median(values(variants[1]))
        let secure = median(values(variants[2]))
        let secureMetrics = median(values(variants[3]))
        show(
            String(
                format: "     metrics: %+.1f %% over HTTP, %+.1f %% over TLS (target within 5 %%); TLS: ×%.2f of plain",
                (plainMetrics / plain - 1) * 100, (secureMetrics / secure - 1) * 100, secure / plain))
    }
    try await secureClient.shutdown()
    try await plainClient.shutdown()
    line("the first page of \(count) targets", \.list)
    line("a check before sharing of 10 selectors", \.check)
    line("a log entry to 90 live subscribers (every arrival)", \.fanOut)
}

/// When each numbered entry was written and when each subscriber read it.
private actor FanOutClock {
    var subscribers = 0
    var starts: [Int: ContinuousClock.Instant] = [:]
    var arrivals: [Int: [ContinuousClock.Instant]] = [:]

    func subscribed() { subscribers += 1 }
    func started(_ number: Int) { starts[number] = .now }
    func arrived(_ number: Int) { arrivals[number, default: []].append(.now) }
    func count(of number: Int) -> Int { arrivals[number]?.count ?? 0 }

    func latencies(of number: Int) -> [Double] {
        guard let start = starts[number] else { return [] }
        return (arrivals[number] ?? []).map { instant in
            let elapsed = instant - start
            return Double(elapsed.components.attoseconds) / 1e15 + Double(elapsed.components.seconds) * 1000
        }
    }
}
