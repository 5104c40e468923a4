import AsyncHTTPClient
import ConcertCore
import ConcertCrossCheck
import ConcertServer
import ConcertStorage
import Foundation
import GRDB
import NIOCore

// Ingest of selectors with cross-checking through the store, next to a plain SQLite insert
// of the same rows in the same run (the limit).

/// SplitMix64: a small generator with a fixed seed, so that every run ingests the same data.
struct SeededGenerator: RandomNumberGenerator {
    var state: UInt64

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

/// Writes realistic selectors: IPv4 and IPv6 addresses with some CIDR blocks, domains and
/// subdomains, e-mails, phones, names with dates of birth and wallets; about 1% are drawn
/// from a pool shared by all operations, so that operations overlap.
struct SelectorGenerator {
    var random = SeededGenerator(state: 2026)
    var counter: UInt64 = 0
    let sharedPool: UInt64 = 10_000

    mutating func next() -> SelectorInput {
        counter += 1
        // 1% come from the shared pool: the same value in several operations.
        let n =
            Int.random(in: 0..<100, using: &random) == 0
            ? 1_000_000_000 + UInt64.random(in: 0..<sharedPool, using: &random) : counter
        let kind = Int.random(in: 0..<100, using: &random)
        switch kind {
        case 0..<30: return SelectorInput(kind: .ip, text: Self.ipv4(n))
        case 30..<33: return SelectorInput(kind: .cidr, text: Self.ipv4(n << 8) + "/\(24 + Int(n % 5))")
        case 33..<39: return SelectorInput(kind: .ip, text: "2001:db8:\(Self.hex(n >> 16)):\(Self.hex(n & 0xffff))::1")
        case 39..<40:
            return SelectorInput(kind: .cidr, text: "2001:db8:\(Self.hex(n >> 16)):\(Self.hex(n & 0xffff))::/64")
        case 40..<50: return SelectorInput(kind: .domain, text: "site\(n).example")
        case 50..<60: return SelectorInput(kind: .domain, text: "cdn\(n % 7).site\(n / 3).example")
        case 60..<75: return SelectorInput(kind: .email, text: "user\(n)@mail\(n % 1000).example")
        case 75..<85: return SelectorInput(kind: .phone, text: "+33 6 \(String(format: "%08llu", n % 100_000_000))")
        case 85..<95:
            let birth = String(format: "19%02llu-%02llu-%02llu", 40 + n % 60, 1 + n % 12, 1 + n % 28)
            return SelectorInput(
                kind: .person, value: .person(PersonIdentity(name: Self.name(n), dateOfBirth: n % 4 == 0 ? nil : birth))
            )
        default: return SelectorInput(kind: .wallet, text: "0x" + String(repeating: "0", count: 24) + Self.hex16(n))
        }
    }

    static func ipv4(_ n: UInt64) -> String {
        let value = 0x0B00_0000 &+ UInt32(truncatingIfNeeded: n)
        return "\(value >> 24).\(value >> 16 & 255).\(value >> 8 & 255).\(value & 255)"
    }

    static func hex(_ n: UInt64) -> String { String(n & 0xffff, radix: 16) }
    static func hex16(_ n: UInt64) -> String {
        let text = String(n, radix: 16)
        return String(repeating: "0", count: max(0, 16 - text.count)) + text
    }

    /// A pronounceable name from a number: `Kabeto Rinusa`.
    static func name(_ n: UInt64) -> String {
        let consonants = Array("bdfgklmnprstvz")
        let vowels = Array("aeiou")
        func word(_ value: UInt64) -> String {
            var value = value
            var text = ""
            for _ in 0..<3 {
                text.append(consonants[Int(value % 14)])
                value /= 14
                text.append(vowels[Int(value % 5)])
                value /= 5
            }
            return text.prefix(1).uppercased() + text.dropFirst()
        }
        return word(n) + " " + word(n / 4_900 + 7)
    }
}

func benchmarkCrossCheckIngest(selectors total: Int, operations: Int, batchSelectors: Int) async throws {
    show(
        "== Cross-checked ingest: \(total) selectors across \(operations) operations, in batches of \(batchSelectors)"
            + " (target: over 100,000/s and at least half a plain SQLite insert)")
    let folder = try scratchFolder("crosscheck")
    defer { try? FileManager.default.removeItem(at: folder) }
    let store = try SQLiteStore(path: folder.appendingPathComponent("ingest.sqlite").path)
    var agencies: [Agency] = []
    var actors: [String: Actor] = [:]
    for index in 0..<50 {
        let agency = Agency(id: Identifier.make(), name: "Agency \(index)", country: "FR", kind: .police)
        try await store.createAgency(agency, by: nil)
        let user = User(
            id: Identifier.make(), username: "ingest-\(index)", displayName: "Ingest \(index)", agencyId: agency.id,
            role: .coordinator)
        try await store.createUser(user, passwordHash: "unused", by: nil)
        agencies.append(agency)
        actors[agency.id] = Actor(user)
    }
    var operationList: [JointOperation] = []
    for index in 0..<operations {
        let lead = agencies[index % agencies.count]
        let operation = JointOperation(
            id: Identifier.make(), codeName: "INGEST-\(index)", summary: nil, leadAgencyId: lead.id, hHour: nil,
            participants: [Participant(agencyId: lead.id, role: .lead)], createdAt: ConcertJSON.now())
        try await store.createOperation(operation, by: actors[lead.id]!)
        operationList.append(operation)
    }

    // The data, normalised before the clock starts: both runs store the same rows.
    var generator = SelectorGenerator()
    let perTarget = 5
    let perOperation = total / operations
    var batches: [[Target]] = []
    var batch: [Target] = []
    let now = ConcertJSON.now()
    for operation in operationList {
        for first in stride(from: 0, to: perOperation, by: perTarget) {
            let selectors = (first..<min(perOperation, first + perTarget)).map { _ in generator.next() }
            let target = try TargetInput(
                kind: .server, name: "Target \(generator.counter)", selectors: selectors, handling: .h0,
                evaluation: Evaluation(code: "B2")!, distribution: .allParticipants
            ).makeTarget(
                id: Identifier.make(), operation: operation, originatorAgencyId: operation.leadAgencyId,
                createdBy: actors[operation.leadAgencyId]!.userId, defaultCountry: "FR", createdAt: now, now: now)
            batch.append(target)
            if batch.count * perTarget >= batchSelectors {
                batches.append(batch)
                batch = []
            }
        }
    }
    if !batch.isEmpty { batches.append(batch) }
    let selectorCount = batches.reduce(0) { $0 + $1.reduce(0) { $0 + $1.selectors.count } }

    // Concert: stored with their events, cross-checked, hits stored.
    let importer = TargetImporter(store: store)
    var hits = 0
    let start = ContinuousClock.now
    for batch in batches {
        hits += try await importer.importTargets(batch, by: actors[batch[0].originatorAgencyId]!)
    }
    let concertSeconds = seconds(ContinuousClock.now - start)

    // Where Concert's time goes: the same targets into a third database, stored with their
    // events but not cross-checked.
    let storeOnly = try SQLiteStore(path: folder.appendingPathComponent("store-only.sqlite").path)
    for agency in try await store.agencies() { try await storeOnly.createAgency(agency, by: nil) }
    for user in try await store.users() { try await storeOnly.createUser(user, passwordHash: "unused", by: nil) }
    for operation in operationList {
        try await storeOnly.createOperation(operation, by: actors[operation.leadAgencyId]!)
    }
    let storeOnlyStart = ContinuousClock.now
    for batch in batches { try await storeOnly.importTargets(batch, by: actors[batch[0].originatorAgencyId]!) }
    let storeOnlySeconds = seconds(ContinuousClock.now - storeOnlyStart)

    // The limit: the same selector rows, inserted plainly into a table shaped as the store's
    // (the same columns and index), in transactions of the same size.
    var configuration = Configuration()
    configuration.prepareDatabase { db in try db.execute(sql: "PRAGMA synchronous = NORMAL") }
    let plain = try DatabasePool(path: folder.appendingPathComponent("plain.sqlite").path, configuration: configuration)
    try await plain.write { db in
        try db.execute(
            sql: """
                CREATE TABLE selector (target_id TEXT NOT NULL, operation_id TEXT NOT NULL, kind TEXT NOT NULL,
                                       match_key TEXT NOT NULL, date_of_birth TEXT);
                CREATE INDEX selector_by_target ON selector(target_id);
                """)
    }
    let plainStart = ContinuousClock.now
    for batch in batches {
        try await plain.write { db in
            let statement = try db.cachedStatement(
                sql:
                    "INSERT INTO selector (target_id, operation_id, kind, match_key, date_of_birth) VALUES (?, ?, ?, ?, ?)"
            )
            for target in batch {
                for selector in target.selectors {
                    try statement.execute(arguments: [
                        target.id, target.operationId, selector.kind.rawValue, selector.matchKey, selector.dateOfBirth,
                    ])
                }
            }
        }
    }
    let plainSeconds = seconds(ContinuousClock.now - plainStart)
    let concertRate = Double(selectorCount) / concertSeconds
    let plainRate = Double(selectorCount) / plainSeconds
    show(
        String(
            format: "   Concert (store, events, cross-check, hits): %.0f selectors/s (%.1f s), %d hits stored",
            concertRate, concertSeconds, hits))
    show(
        String(
            format: "     of which storing targets, selectors and events alone takes %.1f s (%.0f selectors/s)",
            storeOnlySeconds, Double(selectorCount) / storeOnlySeconds))
    show(
        String(
            format: "   plain SQLite insert of the same rows:       %.0f selectors/s (%.1f s)", plainRate, plainSeconds)
    )
    show(String(format: "   ratio Concert / plain insert: %.2f", concertRate / plainRate))
    show(String(format: "   resident memory of this process: %.0f MiB", Double(try residentKiB(of: getpid())) / 1024))
    let someone = try await requireUser(store)
    try await benchmarkCrossCheckIndex(
        store: store, databasePath: folder.appendingPathComponent("ingest.sqlite").path, user: someone)
}

/// After the ingest: the index rebuilt from the store as a server does at start, the memory it
/// takes, single lookups in process, and check-before-sharing over HTTP with 100 selectors a
/// request. Targets: rebuild under 3 s, under 200 bytes a selector, lookup p99 under 50 µs,
/// HTTP p99 under 10 ms.
func benchmarkCrossCheckIndex(store: SQLiteStore, databasePath: String, user: User) async throws {
    show(
        "== The cross-check index over what was ingested (targets: rebuild < 3 s, < 200 B/selector, lookup p99 < 50 µs, HTTP p99 < 10 ms)"
    )
    let beforeIndex = try residentKiB(of: getpid())
    let start = ContinuousClock.now
    // As the server does at start: straight from the rows into the index.
    let index = try await store.readSelectors(into: CrossCheckIndex()) { index, selector in
        index.insert(
            targetId: selector.targetId, operationId: selector.operationId, agencyId: selector.agencyId,
            kind: selector.kind, matchKey: selector.matchKey, dateOfBirth: selector.dateOfBirth)
    }
    let built = ContinuousClock.now
    let afterIndex = try residentKiB(of: getpid())
    // The same rows read and counted, without building anything: what the store's part is.
    let readStart = ContinuousClock.now
    let counted = try await store.readSelectors(into: 0) { count, _ in count += 1 }
    let readSeconds = seconds(ContinuousClock.now - readStart)
    show(
        String(
            format: "   rebuild of %d selectors from the store: %.2f s (reading the %d rows alone: %.2f s)",
            index.count, seconds(built - start), counted, readSeconds))
    show(
        String(
            format: "   index memory: %.0f MiB, %.0f bytes a selector (resident growth while rebuilding)",
            Double(afterIndex - beforeIndex) / 1024,
            Double(afterIndex - beforeIndex) * 1024 / Double(max(1, index.count))))
    let selectors = try await store.allSelectors()

    // Single lookups: every 97th stored selector (a hit for others) and as many fresh values.
    var generator = SelectorGenerator(random: SeededGenerator(state: 99), counter: 5_000_000_000)
    var probes: [CrossCheckEntry] = stride(from: 0, to: selectors.count, by: 97).prefix(10_000).map { index in
        let selector = selectors[index]
        return CrossCheckEntry(
            targetId: "probe", operationId: "probe", agencyId: "probe", kind: selector.kind,
            matchKey: selector.matchKey,
            dateOfBirth: selector.dateOfBirth)
    }
    while probes.count < 20_000 {
        guard let selector = try? generator.next().normalised(defaultCountry: "FR") else { continue }
        probes.append(CrossCheckEntry(targetId: "probe", operationId: "probe", agencyId: "probe", selector: selector))
    }
    var lookups: [Double] = []
    var hits = 0
    for probe in probes {
        let begin = ContinuousClock.now
        let result = index.lookUp(probe)
        lookups.append(seconds(ContinuousClock.now - begin) * 1_000_000)
        if result.isHit { hits += 1 }
    }
    lookups.sort()
    show(
        String(
            format: "   single lookup in process: p50 %.1f µs, p99 %.1f µs (%d probes, %d hits)",
            percentile(lookups, 0.5),
            percentile(lookups, 0.99), lookups.count, hits))

    // Over HTTP: concert serve on the ingested database, 100 selectors a request.
    let token = "benchmark-\(UUID())"
    try await store.createSession(
        tokenHash: Authenticator.tokenHash(token), user: user, expiresAt: Date().addingTimeInterval(3_600))
    // A reference build of concert (CONCERT_BENCH_REFERENCE, the path of its binary) answers
    // the same checks next to this one, request for request, on a copy of the same database:
    // the two figures then share the machine's moments, which differ from run to run by more
    // than the few per cent a change is judged by.
    let reference = ProcessInfo.processInfo.environment["CONCERT_BENCH_REFERENCE"].map {
        URL(fileURLWithPath: $0)
    }
    var referenceServer: (Process, port: Int)?
    if let reference {
        let copy = databasePath + ".reference"
        for suffix in ["", "-wal", "-shm"] where FileManager.default.fileExists(atPath: databasePath + suffix) {
            try? FileManager.default.removeItem(atPath: copy + suffix)
            try FileManager.default.copyItem(atPath: databasePath + suffix, toPath: copy + suffix)
        }
        // A build from before the check budget knows none of its flags, and spends none.
        referenceServer =
            try? await launchConcert(
                ["serve", "--database", copy, "--check-budget-user", "10000000", "--check-budget-agency", "10000000"],
                executable: reference)
        if referenceServer == nil {
            referenceServer = try await launchConcert(["serve", "--database", copy], executable: reference)
        }
    }
    defer { if let referenceServer { stopProcess(referenceServer.0) } }
    let launched = ContinuousClock.now
    // 501 checks of 100 selectors are more than a user's hourly budget: this measures the check,
    // so the budget (which it still spends) is raised out of its way.
    let (process, port) = try await launchConcert([
        "serve", "--database", databasePath, "--check-budget-user", "10000000", "--check-budget-agency", "10000000",
    ])
    defer { stopProcess(process) }
    var inputs = SelectorGenerator(random: SeededGenerator(state: 5), counter: 0)
    func body() throws -> ByteBuffer {
        struct Check: Encodable { var selectors: [SelectorInput] }
        return ByteBuffer(
            data: try ConcertJSON.makeEncoder().encode(Check(selectors: (0..<100).map { _ in inputs.next() })))
    }
    func check(_ body: ByteBuffer, on port: Int) async throws -> Double {
        var request = HTTPClientRequest(url: "http://127.0.0.1:\(port)/api/v1/crosscheck")
        request.method = .POST
        request.headers.add(name: "Authorization", value: "Bearer \(token)")
        request.headers.add(name: "Content-Type", value: "application/json")
        request.body = .bytes(body)
        let begin = ContinuousClock.now
        let response = try await HTTPClient.shared.execute(request, timeout: .seconds(120))
        _ = try await response.body.collect(upTo: 16 << 20)
        guard response.status == .ok else { throw BenchmarkError("the cross-check answered \(response.status)") }
        return seconds(ContinuousClock.now - begin) * 1_000
    }
    let first = try body()
    _ = try await check(first, on: port)
    show(
        String(
            format:
                "   concert serve on the million: first cross-check answered %.2f s after start (the index loads first)",
            seconds(ContinuousClock.now - launched)))
    if let referenceServer { _ = try await check(first, on: referenceServer.port) }
    var requests: [Double] = []
    var referenceRequests: [Double] = []
    for index in 0..<500 {
        let checked = try body()
        guard let referenceServer else {
            requests.append(try await check(checked, on: port))
            continue
        }
        // Each goes first every other time, so that neither always finds the caches warm.
        if index % 2 == 0 {
            requests.append(try await check(checked, on: port))
            referenceRequests.append(try await check(checked, on: referenceServer.port))
        } else {
            referenceRequests.append(try await check(checked, on: referenceServer.port))
            requests.append(try await check(checked, on: port))
        }
    }
    requests.sort()
    referenceRequests.sort()
    show(
        String(
            format:
                "   check before sharing over HTTP, 100 selectors a request: p50 %.2f ms, p99 %.2f ms (%d requests)",
            percentile(requests, 0.5), percentile(requests, 0.99), requests.count))
    if let reference, !referenceRequests.isEmpty {
        show(
            String(
                format: "   the same checks on the reference %@, in turn with these: p50 %.2f ms, p99 %.2f ms",
                reference.path, percentile(referenceRequests, 0.5), percentile(referenceRequests, 0.99)))
        show(
            String(
                format: "   ratio this build / reference: p50 %.3f, p99 %.3f",
                percentile(requests, 0.5) / percentile(referenceRequests, 0.5),
                percentile(requests, 0.99) / percentile(referenceRequests, 0.99)))
    }
}

/// A user of the ingest, for a session.
private func requireUser(_ store: SQLiteStore) async throws -> User {
    guard let user = try await store.users().first else { throw BenchmarkError("the ingest has no user") }
    return user
}

func seconds(_ duration: Duration) -> Double {
    Double(duration.components.seconds) + Double(duration.components.attoseconds) / 1e18
}
