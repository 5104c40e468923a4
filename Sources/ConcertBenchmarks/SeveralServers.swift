import AsyncHTTPClient
import ConcertStorage
import Foundation
import NIOCore
import NIOHTTP1
import Synchronization

// Two `concert demo` servers on one PostgreSQL database under 200 clients that report action
// statuses for a while, next to one server on SQLite under the same load in the same run, then
// three servers on the database; and how long a change written through server B takes to reach
// a live subscriber of server A. Targets: two servers at least as many reports a second as one
// on SQLite, p99 under 100 ms; that delivery p99 under 100 ms.

/// One server's address and a coordinator's token on it.
struct LoadTarget: Sendable {
    let base: String
    let token: String
}

/// A client that keeps up to 256 connections to each server, so that 200 clients are 200
/// concurrent requests.
let loadClient: HTTPClient = {
    var configuration = HTTPClient.Configuration()
    configuration.connectionPool.concurrentHTTP1ConnectionsPerHostSoftLimit = 256
    return HTTPClient(eventLoopGroupProvider: .singleton, configuration: configuration)
}()

func call(
    _ method: HTTPMethod, _ url: String, token: String?, json: Any? = nil
) async throws -> (Int, [String: Any]) {
    var request = HTTPClientRequest(url: url)
    request.method = method
    if let token { request.headers.add(name: "Authorization", value: "Bearer \(token)") }
    if let json {
        request.headers.add(name: "Content-Type", value: "application/json")
        request.body = .bytes(ByteBuffer(data: try JSONSerialization.data(withJSONObject: json)))
    }
    let response = try await loadClient.execute(request, timeout: .seconds(60))
    let body = try await response.body.collect(upTo: 16 << 20)
    let object = (try? JSONSerialization.jsonObject(with: Data(buffer: body))) as? [String: Any] ?? [:]
    return (Int(response.status.code), object)
}

/// Signs in as the coordinator and creates `count` actions to flip, one per client.
func prepareLoad(base: String, count: Int) async throws -> (LoadTarget, operationId: String, actions: [String]) {
    let (_, session) = try await call(
        .POST, base + "/api/v1/sessions", token: nil,
        json: ["username": "coordinator", "password": "concert-demo-2020"])
    let token = session["token"] as! String
    let (_, operations) = try await call(.GET, base + "/api/v1/operations", token: token)
    let operation = (operations["items"] as! [[String: Any]]).first { $0["codeName"] as? String == "SPARKLER" }!
    let operationId = operation["id"] as! String
    let leadAgency = operation["leadAgencyId"] as! String
    var actions: [String] = []
    for index in 0..<count {
        let (status, action) = try await call(
            .POST, base + "/api/v1/operations/\(operationId)/actions", token: token,
            json: [
                "kind": "serverTakedown", "title": "Load action \(index)", "executingAgencyId": leadAgency,
                "place": "The Hague", "country": "NL", "timeZone": "Europe/Amsterdam", "offsetMinutes": index,
            ])
        guard status == 201 else { throw BenchmarkError("creating a load action answered \(status)") }
        actions.append(action["id"] as! String)
    }
    return (LoadTarget(base: base, token: token), operationId, actions)
}

/// When each change to an action was answered to its writer and when it reached the
/// subscriber; both come in order per action, so the k-th of each are the same change.
final class ChangeLog: Sendable {
    private let answered = Mutex<[String: [ContinuousClock.Instant]]>([:])
    private let delivered = Mutex<[String: [ContinuousClock.Instant]]>([:])

    func answered(_ actionId: String, at instant: ContinuousClock.Instant) {
        answered.withLock { $0[actionId, default: []].append(instant) }
    }

    func delivered(_ actionId: String, at instant: ContinuousClock.Instant) {
        delivered.withLock { $0[actionId, default: []].append(instant) }
    }

    /// From each answer to the delivery of the same change, in milliseconds (0 when the event
    /// reached the subscriber before the writer read its answer).
    var deliveryMilliseconds: [Double] {
        let answers = answered.withLock { $0 }
        let deliveries = delivered.withLock { $0 }
        return answers.flatMap { actionId, times in
            zip(times, deliveries[actionId] ?? []).map { max(0, seconds($1 - $0)) * 1_000 }
        }
    }
}

/// Runs `clients` loops for `duration`, each flipping its own action between planned and
/// ready through `targets[i % targets.count]`; returns the latencies in milliseconds.
func statusLoad(
    clients: Int, duration: Duration, operationId: String, actions: [String], targets: [LoadTarget],
    record: (@Sendable (Int, String, ContinuousClock.Instant) -> Void)? = nil
) async throws -> (latencies: [Double], errors: Int) {
    let deadline = ContinuousClock.now + duration
    return try await withThrowingTaskGroup(of: ([Double], Int).self) { group in
        for client in 0..<clients {
            group.addTask {
                let target = targets[client % targets.count]
                let actionId = actions[client]
                let url = target.base + "/api/v1/operations/\(operationId)/actions/\(actionId)/status"
                var latencies: [Double] = []
                var errors = 0
                var ready = true
                while ContinuousClock.now < deadline {
                    let start = ContinuousClock.now
                    let (status, _) = try await call(
                        .POST, url, token: target.token, json: ["status": ready ? "ready" : "planned"])
                    let end = ContinuousClock.now
                    if status == 200 {
                        latencies.append(seconds(end - start) * 1_000)
                        record?(client, actionId, end)
                        ready.toggle()
                    } else {
                        errors += 1
                    }
                }
                return (latencies, errors)
            }
        }
        var all: [Double] = []
        var errors = 0
        for try await (latencies, failed) in group {
            all += latencies
            errors += failed
        }
        return (all, errors)
    }
}

func reportLoad(_ name: String, _ result: (latencies: [Double], errors: Int), seconds duration: Double) {
    let sorted = result.latencies.sorted()
    guard !sorted.isEmpty else {
        show("   \(name): no request succeeded (\(result.errors) errors)")
        return
    }
    show(
        String(
            format: "   %@: %.0f status reports/s, p50 %.1f ms, p99 %.1f ms (%d reports, %d errors)", name,
            Double(sorted.count) / duration, percentile(sorted, 0.5), percentile(sorted, 0.99), sorted.count,
            result.errors))
}

func benchmarkSeveralServers(clients: Int, seconds duration: Int) async throws {
    show(
        "== Status reports from \(clients) clients for \(duration) s: two servers on one PostgreSQL next to one on SQLite, then three"
            + " (and cross-server delivery to a live subscriber; target p99 < 100 ms)")
    guard let server = ProcessInfo.processInfo.environment["CONCERT_TEST_POSTGRES_URL"] else {
        throw BenchmarkError("CONCERT_TEST_POSTGRES_URL is not set: run it with scripts/bench postgres")
    }
    let folder = try scratchFolder("servers")
    defer { try? FileManager.default.removeItem(at: folder) }
    let name = "concert_bench_" + UUID().uuidString.replacingOccurrences(of: "-", with: "").lowercased()
    let url = try await PostgresStore.createDatabase(name, serverURL: server)
    let (a, portA) = try await launchConcert(["demo", "--database", url])
    defer { stopProcess(a) }
    let (b, portB) = try await launchConcert(["demo", "--database", url])
    defer { stopProcess(b) }
    let sqliteFolder = folder.appendingPathComponent("sqlite")
    try FileManager.default.createDirectory(at: sqliteFolder, withIntermediateDirectories: true)
    let (single, portS) = try await launchConcert(["demo"], in: sqliteFolder)
    defer { stopProcess(single) }

    // PostgreSQL: clients alternate between the two servers; a subscriber on A follows the feed.
    let (targetA, operationId, actions) = try await prepareLoad(base: "http://127.0.0.1:\(portA)", count: clients)
    let (_, session) = try await call(
        .POST, "http://127.0.0.1:\(portB)/api/v1/sessions", token: nil,
        json: ["username": "coordinator", "password": "concert-demo-2020"])
    let targetB = LoadTarget(base: "http://127.0.0.1:\(portB)", token: session["token"] as! String)
    let changes = ChangeLog()
    let since = try await StoreFactory.open(url).latestSequence(operationId: operationId)
    var live = HTTPClientRequest(url: targetA.base + "/api/v1/operations/\(operationId)/live?since=\(since)")
    live.headers.add(name: "Authorization", value: "Bearer \(targetA.token)")
    let stream = try await loadClient.execute(live, timeout: .seconds(Int64(duration) + 120))
    let fromB = Set(actions.enumerated().filter { $0.offset % 2 == 1 }.map(\.element))
    let subscriber = Task {
        var pending = ""
        for try await chunk in stream.body {
            pending += String(buffer: chunk)
            let arrived = ContinuousClock.now
            while let end = pending.range(of: "\n\n") {
                let block = pending[..<end.lowerBound]
                pending.removeSubrange(..<end.upperBound)
                guard block.contains("action.statusChanged"),
                    let dataLine = block.split(separator: "\n").first(where: { $0.hasPrefix("data: ") }),
                    let object = try? JSONSerialization.jsonObject(with: Data(dataLine.dropFirst(6).utf8))
                        as? [String: Any],
                    let action = object["data"] as? [String: Any], let actionId = action["id"] as? String,
                    fromB.contains(actionId)
                else { continue }
                changes.delivered(actionId, at: arrived)
            }
        }
    }
    defer { subscriber.cancel() }
    let postgres = try await statusLoad(
        clients: clients, duration: .seconds(duration), operationId: operationId, actions: actions,
        targets: [targetA, targetB]
    ) { client, actionId, instant in
        if client % 2 == 1 { changes.answered(actionId, at: instant) }
    }
    reportLoad("two servers, one PostgreSQL  ", postgres, seconds: Double(duration))
    try await Task.sleep(for: .seconds(1))
    let delivery = changes.deliveryMilliseconds.sorted()
    if delivery.isEmpty {
        show("   cross-server delivery: nothing arrived")
    } else {
        show(
            String(
                format:
                    "   cross-server delivery (written through B, from B's answer to A's subscriber): p50 %.1f ms, p99 %.1f ms over %d changes",
                percentile(delivery, 0.5), percentile(delivery, 0.99), delivery.count))
    }

    let (targetS, sqliteOperation, sqliteActions) = try await prepareLoad(
        base: "http://127.0.0.1:\(portS)", count: clients)
    let sqlite = try await statusLoad(
        clients: clients, duration: .seconds(duration), operationId: sqliteOperation, actions: sqliteActions,
        targets: [targetS])
    reportLoad("one server, SQLite           ", sqlite, seconds: Double(duration))

    // A third server on the same database, the load spread over the three (on new actions).
    let (c, portC) = try await launchConcert(["demo", "--database", url])
    defer { stopProcess(c) }
    let (third, _, _) = try await prepareLoad(base: "http://127.0.0.1:\(portC)", count: 0)
    let (_, _, moreActions) = try await prepareLoad(base: targetA.base, count: clients)
    let three = try await statusLoad(
        clients: clients, duration: .seconds(duration), operationId: operationId, actions: moreActions,
        targets: [targetA, targetB, third])
    reportLoad("three servers, one PostgreSQL", three, seconds: Double(duration))
}
