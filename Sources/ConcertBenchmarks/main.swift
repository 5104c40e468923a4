import AsyncHTTPClient
import ConcertCore
import ConcertServer
import ConcertStorage
import Foundation
import Hummingbird

// Foundation benchmarks of Concert; run with `scripts/bench` (release build).
//
// 1. `concert demo` from an empty folder, and again on its existing database: time from
//    process start to the first 200 from GET /api/v1/health. Target: under 2 s.
// 2. GET /api/v1/operations/{id}/targets, its first page of 100, for an operation with 10,000
//    targets, over HTTP on 127.0.0.1, one request at a time: median and tail latency. Target:
//    median under 20 ms.
// 3. The live feed's fan-out to 1,000 WebSocket subscribers, one status change at a time,
//    next to Redis pub/sub with as many subscribers (FanOut.swift). Target: p99 under 25 ms and
//    at most twice Redis's p99.
// 4. The server's resident memory per idle live subscriber. Target: under 30 KB. Then its
//    growth with 1,000 live subscribers that never read, after 50 targets of 1,000 URL
//    selectors each, held for a minute (StalledSubscribers.swift). Bound: under 512 MiB.
//
// 5. Ingest of 1,000,000 selectors across 1,000 operations with cross-checking through the
//    store, next to a plain SQLite insert of the same rows (CrossCheckIngest.swift).
//
// 6. Upload and download of a 1 GiB attachment next to `sha256sum` + `cp` of the same file
//    (Attachments.swift).
// 7. Two servers on one PostgreSQL under 200 clients reporting statuses for 60 s, next to one
//    server on SQLite, and cross-server delivery to a live subscriber (SeveralServers.swift).
//
// 8. The log's Merkle tree at 10,000,000 events: proofs, checkpoint lag, audit verify (LogProofs.swift).
//
// 9. Every list at the scale of a four-year case, 2,000,000 messages, on SQLite and PostgreSQL
//    (ScaleInbox.swift).
//
// 10. TLS and the metrics on the hot paths: the 10,000-target list, check before sharing and live
//    fan-out, over HTTP and TLS, with and without metrics (Hardening.swift).
//
// 11. Import of a 1,000,000-row CSV table and a 100,000-object STIX bundle, next to the plain
//    JSON import of the same targets (InteropImport.swift).
//
// `ConcertBenchmarks foundation|live|memory|stalled|crosscheck|attachments|postgres|log|scale|hardening|interop`
// runs one group; no argument runs them all.

/// Prints a line at once, also into a pipe or a file, so that a long run shows its progress.
func show(_ line: String) {
    print(line)
    fflush(nil)
}

func percentile(_ sorted: [Double], _ fraction: Double) -> Double {
    sorted[min(sorted.count - 1, Int((Double(sorted.count - 1) * fraction).rounded()))]
}

func freePort() -> Int {
    Int.random(in: 40_000..<60_000)
}

/// One GET over a kept-alive connection; returns the status and the size of the body.
func get(_ url: String, token: String? = nil) async throws -> (Int, Int) {
    var request = HTTPClientRequest(url: url)
    if let token { request.headers.add(name: "Authorization", value: "Bearer \(token)") }
    let response = try await HTTPClient.shared.execute(request, timeout: .seconds(30))
    let body = try await response.body.collect(upTo: 64 << 20)
    return (Int(response.status.code), body.readableBytes)
}

func scratchFolder(_ name: String) throws -> URL {
    let folder = FileManager.default.temporaryDirectory.appendingPathComponent("concert-bench-\(name)-\(UUID())")
    try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
    return folder
}

/// Starts `concert demo` in `folder` and returns the seconds until health answers.
func timeDemoStart(in folder: URL) async throws -> Double {
    let binary = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().appendingPathComponent(
        "concert")
    let port = freePort()
    let process = Process()
    process.executableURL = binary
    process.arguments = ["demo", "--listen", "127.0.0.1:\(port)"]
    process.currentDirectoryURL = folder
    process.standardOutput = FileHandle.nullDevice
    process.standardError = FileHandle.nullDevice
    let start = Date()
    try process.run()
    defer { stopProcess(process) }
    while Date().timeIntervalSince(start) < 30 {
        if let (status, _) = try? await get("http://127.0.0.1:\(port)/api/v1/health"), status == 200 {
            return Date().timeIntervalSince(start)
        }
        try await Task.sleep(for: .milliseconds(5))
    }
    throw CancellationError()
}

func benchmarkDemoStart() async throws {
    show("== concert demo: time from start to the first answer of GET /api/v1/health (target < 2 s)")
    let folder = try scratchFolder("demo")
    defer { try? FileManager.default.removeItem(at: folder) }
    let first = try await timeDemoStart(in: folder)
    show(String(format: "   empty folder (creates and seeds the demo): %.3f s", first))
    var again: [Double] = []
    for _ in 0..<5 { again.append(try await timeDemoStart(in: folder)) }
    again.sort()
    show(String(format: "   existing demo database, median of 5:        %.3f s", percentile(again, 0.5)))
}

func benchmarkTargetList(count: Int, requests: Int) async throws {
    show(
        "== GET /api/v1/operations/{id}/targets, the first page of 100, with \(count) targets over HTTP (target: median < 20 ms)"
    )
    let folder = try scratchFolder("targets")
    defer {
        if ProcessInfo.processInfo.environment["CONCERT_BENCH_KEEP"] == nil {
            try? FileManager.default.removeItem(at: folder)
        } else {
            show("   kept \(folder.path)")
        }
    }
    let store = try SQLiteStore(path: folder.appendingPathComponent("bench.sqlite").path)
    let (operation, actor, token) = try await seedTargetOperation(store: store, count: count)

    let port = freePort()
    let app = buildApplication(store: store, configuration: ServerConfiguration(port: port))
    let server = Task { try await app.run() }
    defer { server.cancel() }
    let url = "http://127.0.0.1:\(port)/api/v1/operations/\(operation.id)/targets"
    while (try? await get("http://127.0.0.1:\(port)/api/v1/health")) == nil {
        try await Task.sleep(for: .milliseconds(20))
    }
    var bytes = 0
    for _ in 0..<5 { (_, bytes) = try await get(url, token: token) }

    // A target changes before every request.
    var cold: [Double] = []
    for index in 0..<50 {
        let id = try await store.encodedTargets(operationId: operation.id)[index].id
        _ = try await store.updateTarget(id: id, operationId: operation.id, by: actor) { target in
            var target = target
            target.notes = "checked \(index)"
            return target
        }
        cold.append(try await timeRequest(url, token: token, expectedBytes: nil))
    }
    (_, bytes) = try await get(url, token: token)
    // Warm: nothing changes between requests, as when many officers follow one operation.
    var warm: [Double] = []
    for _ in 0..<requests {
        warm.append(try await timeRequest(url, token: token, expectedBytes: bytes))
    }
    report("after a change", cold, bytes: bytes)
    report("unchanged operation", warm, bytes: bytes)
}

/// An operation of `count` server targets (an IP and a domain each) of one agency, and a
/// coordinator's session token, in `store`.
func seedTargetOperation(store: SQLiteStore, count: Int) async throws -> (JointOperation, Actor, String) {
    let agency = Agency(id: Identifier.make(), name: "Bench Agency", country: "FR", kind: .police)
    try await store.createAgency(agency, by: nil)
    let user = User(
        id: Identifier.make(), username: "bench", displayName: "Bench", agencyId: agency.id, role: .coordinator)
    try await store.createUser(user, passwordHash: "unused", by: nil)
    let token = "benchmark-token"
    try await store.createSession(
        tokenHash: Authenticator.tokenHash(token), user: user, expiresAt: Date().addingTimeInterval(3600))
    let actor = Actor(user)
    let operation = JointOperation(
        id: Identifier.make(), codeName: "BENCH", summary: nil, leadAgencyId: agency.id, hHour: nil,
        participants: [Participant(agencyId: agency.id, role: .lead)], createdAt: ConcertJSON.now())
    try await store.createOperation(operation, by: actor)
    let seedStart = Date()
    for index in 0..<count {
        let target = try TargetInput(
            kind: .server, name: "Server \(index)", hostingProvider: "Provider \(index % 40)", country: "NL",
            selectors: [
                SelectorInput(kind: .ip, text: "10.\(index / 65_536).\(index / 256 % 256).\(index % 256)"),
                SelectorInput(kind: .domain, text: "host\(index).bench.example"),
            ],
            handling: index % 10 == 0 ? .h2 : .h0, evaluation: Evaluation(code: "B2")!,
            distribution: .allParticipants
        ).makeTarget(
            id: Identifier.make(), operation: operation, originatorAgencyId: agency.id, createdBy: user.id,
            defaultCountry: "NL", createdAt: ConcertJSON.now(), now: ConcertJSON.now())
        try await store.createTarget(target, by: actor)
    }
    show(
        String(format: "   seeded %d targets through the store in %.1f s", count, Date().timeIntervalSince(seedStart)))

    return (operation, actor, token)
}

func timeRequest(_ url: String, token: String, expectedBytes: Int?) async throws -> Double {
    let start = ContinuousClock.now
    let (status, size) = try await get(url, token: token)
    let elapsed = ContinuousClock.now - start
    precondition(status == 200 && (expectedBytes == nil || size == expectedBytes), "unexpected answer \(status)")
    return Double(elapsed.components.attoseconds) / 1e15 + Double(elapsed.components.seconds) * 1000
}

func report(_ name: String, _ latencies: [Double], bytes: Int) {
    let sorted = latencies.sorted()
    show(
        String(
            format: "   %@: %d requests of %.1f MiB: median %.2f ms, p90 %.2f ms, p99 %.2f ms", name, sorted.count,
            Double(bytes) / 1_048_576, percentile(sorted, 0.5), percentile(sorted, 0.9), percentile(sorted, 0.99)))
}

let group = CommandLine.arguments.dropFirst().first ?? "all"
if group == "interop-path" {
    // One import path of the interop benchmark, in its own process.
    let arguments = Array(CommandLine.arguments.dropFirst(2))
    try await runInteropPath(arguments[0], file: URL(fileURLWithPath: arguments[1]))
    exit(0)
}
if group == "all" || group == "interop" {
    // Smaller for a quick look: CONCERT_BENCH_ROWS=100000 CONCERT_BENCH_STIX_OBJECTS=11000
    // CONCERT_BENCH_STIX_MIB=50.
    let environment = ProcessInfo.processInfo.environment
    try await benchmarkInteropImport(
        rows: environment["CONCERT_BENCH_ROWS"].flatMap { Int($0) } ?? 1_000_000,
        stixObjects: environment["CONCERT_BENCH_STIX_OBJECTS"].flatMap { Int($0) } ?? 100_000,
        largeMiB: environment["CONCERT_BENCH_STIX_MIB"].flatMap { Int($0) } ?? 500)
}
if group == "all" || group == "hardening" {
    try await benchmarkHardening(
        targets: 10_000, rounds: Int(ProcessInfo.processInfo.environment["CONCERT_BENCH_ROUNDS"] ?? "") ?? 30)
}
if group == "all" || group == "foundation" {
    try await benchmarkDemoStart()
    try await benchmarkTargetList(count: 10_000, requests: 200)
}
if group == "all" || group == "crosscheck" {
    // Fewer for a quick look: CONCERT_BENCH_SELECTORS=100000.
    let selectors = ProcessInfo.processInfo.environment["CONCERT_BENCH_SELECTORS"].flatMap { Int($0) } ?? 1_000_000
    try await benchmarkCrossCheckIngest(selectors: selectors, operations: 1_000, batchSelectors: 10_000)
}
if group == "all" || group == "attachments" {
    // Smaller for a quick look: CONCERT_BENCH_ATTACHMENT_MIB=128.
    let mebibytes = ProcessInfo.processInfo.environment["CONCERT_BENCH_ATTACHMENT_MIB"].flatMap { Int($0) } ?? 1_024
    try await benchmarkAttachments(mebibytes: mebibytes)
}
if group == "all" || group == "log" {
    // Fewer for a quick look: CONCERT_BENCH_EVENTS=1000000.
    let events = ProcessInfo.processInfo.environment["CONCERT_BENCH_EVENTS"].flatMap { Int($0) } ?? 10_000_000
    try await benchmarkLogProofs(events: events)
}
if group == "all" || group == "scale" {
    // Smaller for a quick look: CONCERT_BENCH_MESSAGES=200000 CONCERT_BENCH_OPERATIONS=15000; one
    // engine: CONCERT_BENCH_ENGINES=sqlite.
    let engines = ProcessInfo.processInfo.environment["CONCERT_BENCH_ENGINES"]?.split(separator: ",").map(String.init)
    for engine in engines ?? ["sqlite", "postgres"] {
        try await benchmarkScale(engine: engine, shape: .fromEnvironment())
    }
}
if group == "all" || group == "postgres" {
    // Shorter for a quick look: CONCERT_BENCH_SECONDS=10.
    let environment = ProcessInfo.processInfo.environment
    try await benchmarkSeveralServers(
        clients: environment["CONCERT_BENCH_CLIENTS"].flatMap { Int($0) } ?? 200,
        seconds: environment["CONCERT_BENCH_SECONDS"].flatMap { Int($0) } ?? 60)
}
if group == "all" || group == "live" || group == "memory" {
    // Fewer for a quick look: CONCERT_BENCH_SUBSCRIBERS=100 CONCERT_BENCH_CHANGES=100.
    let environment = ProcessInfo.processInfo.environment
    let subscribers = environment["CONCERT_BENCH_SUBSCRIBERS"].flatMap { Int($0) } ?? 1_000
    let changes = environment["CONCERT_BENCH_CHANGES"].flatMap { Int($0) } ?? 1_000
    if group != "memory" { try await benchmarkFanOut(subscribers: subscribers, changes: changes) }
    try await benchmarkIdleSubscriberMemory(subscribers: subscribers)
}
if group == "all" || group == "memory" || group == "stalled" {
    // Fewer or shorter for a quick look: CONCERT_BENCH_STALLED=100 CONCERT_BENCH_HOLD_SECONDS=10; one
    // transport only: CONCERT_BENCH_STALLED_TRANSPORT=websocket or events.
    let environment = ProcessInfo.processInfo.environment
    let passed = try await benchmarkStalledSubscribers(
        subscribers: environment["CONCERT_BENCH_STALLED"].flatMap { Int($0) } ?? 1_000, targets: 50,
        selectors: 1_000, hold: .seconds(environment["CONCERT_BENCH_HOLD_SECONDS"].flatMap { Int($0) } ?? 60))
    // The figures are all printed; the exit status tells a script that the bound was passed.
    if !passed { exit(1) }
}
