import AsyncHTTPClient
import ConcertCore
import ConcertServer
import ConcertStorage
import Foundation
import NIOCore
import Synchronization
import Testing

/// Two `concert demo` processes on one PostgreSQL database (the cluster `scripts/test` starts).
struct TwoServers {
    let a: DemoProcess
    let b: DemoProcess
    let url: String
    let store: any Store
    let operationId: String
    let token: String
    /// The installation's log key, which both servers sign with, as every server of one
    /// installation must.
    let logKeyFile: String

    static func start() async throws -> TwoServers {
        guard let server = ProcessInfo.processInfo.environment["CONCERT_TEST_POSTGRES_URL"] else {
            throw StoreFactory.OpenError(
                description:
                    "CONCERT_TEST_POSTGRES_URL is not set: run the tests with scripts/test, which starts PostgreSQL.")
        }
        let name = "concert_" + UUID().uuidString.replacingOccurrences(of: "-", with: "").lowercased()
        let url = try await PostgresStore.createDatabase(name, serverURL: server)
        let logKeyFile = FileManager.default.temporaryDirectory.appendingPathComponent("concert-\(name).log-key").path
        try LogSigner.newKeyText().write(toFile: logKeyFile, atomically: true, encoding: .utf8)
        // Both start together on the empty database: one seeds the demo, the other waits for it.
        let a = try DemoProcess(arguments: ["--database", url, "--log-key-file", logKeyFile])
        let b = try DemoProcess(arguments: ["--database", url, "--log-key-file", logKeyFile])
        #expect(try await a.waitUntilHealthy(seconds: 90), "server A did not start")
        #expect(try await b.waitUntilHealthy(seconds: 90), "server B did not start")
        let (_, session) = try await b.request(
            "/api/v1/sessions", method: "POST", json: ["username": "coordinator", "password": DemoSeeder.password])
        let token = try #require((session as? [String: Any])?["token"] as? String)
        let (_, listed) = try await a.request("/api/v1/operations", token: token)
        let operation = try #require(
            ((listed as? [String: Any])?["items"] as? [[String: Any]])?.first {
                $0["codeName"] as? String == "SPARKLER"
            })
        return TwoServers(
            a: a, b: b, url: url, store: try await StoreFactory.open(url), operationId: operation["id"] as! String,
            token: token, logKeyFile: logKeyFile)
    }

    /// A live subscriber of an operation on one of the servers, from `since`: what it receives,
    /// and the task that reads it (cancel it to end the subscription).
    func subscribe(
        to operationId: String, on server: DemoProcess, since: Int64
    ) async throws -> (FeedRecorder, Task<Void, any Error>) {
        var request = HTTPClientRequest(url: "\(server.base)/api/v1/operations/\(operationId)/live?since=\(since)")
        request.headers.add(name: "Authorization", value: "Bearer \(token)")
        let response = try await HTTPClient.shared.execute(request, timeout: .seconds(300))
        #expect(response.status == .ok)
        let recorder = FeedRecorder()
        let reading = Task {
            for try await chunk in response.body { recorder.take(String(buffer: chunk)) }
        }
        return (recorder, reading)
    }

    /// Runs `psql` against the database.
    func psql(_ sql: String) throws -> String {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/psql")
        process.arguments = [url, "-tAc", sql]
        let output = Pipe()
        process.standardOutput = output
        try process.run()
        let data = output.fileHandleForReading.readToEndRetryingInterrupts()
        process.waitUntilExit()
        return String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
    }
}

/// The events a live feed delivered, with when each arrived.
final class FeedRecorder: Sendable {
    private let state = Mutex<[(sequence: Int64, text: String, at: ContinuousClock.Instant)]>([])
    private let pending = Mutex("")

    func take(_ chunk: String) {
        let events = pending.withLock { buffer -> [(Int64, String)] in
            buffer += chunk
            var found: [(Int64, String)] = []
            while let end = buffer.range(of: "\n\n") {
                let block = String(buffer[..<end.lowerBound])
                buffer.removeSubrange(..<end.upperBound)
                if block.contains("event: heartbeat") { continue }
                if let idLine = block.split(separator: "\n").first(where: { $0.hasPrefix("id: ") }),
                    let sequence = Int64(idLine.dropFirst(4))
                {
                    found.append((sequence, block))
                }
            }
            return found
        }
        let now = ContinuousClock.now
        state.withLock { $0 += events.map { ($0.0, $0.1, now) } }
    }

    var events: [(sequence: Int64, text: String, at: ContinuousClock.Instant)] { state.withLock { $0 } }

    /// Waits until an event whose text contains `marker` arrived, for at most `timeout`.
    func waitFor(_ marker: String, timeout: Duration) async throws -> ContinuousClock.Instant? {
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            if let event = events.first(where: { $0.text.contains(marker) }) { return event.at }
            try await Task.sleep(for: .milliseconds(5))
        }
        return nil
    }
}

@Suite("Several servers on one PostgreSQL database", .serialized)
struct MultiServerTests {
    @Test(
        "a change written through B reaches A's subscriber within a second, in order, and nothing is lost while A's connections are killed"
    )
    func liveAcrossServers() async throws {
        let servers = try await TwoServers.start()
        let since = try await servers.store.latestSequence(operationId: servers.operationId)
        let (recorder, reading) = try await servers.subscribe(to: servers.operationId, on: servers.a, since: since)
        defer { reading.cancel() }
        func post(_ text: String) async throws {
            let (status, _) = try await servers.b.request(
                "/api/v1/operations/\(servers.operationId)/log", method: "POST", token: servers.token,
                json: ["text": text])
            #expect(status == 201)
        }
        // A change is written when B answers (its transaction committed); it must reach A's
        // subscriber within a second of that. The time B takes to answer is B's own, and on a
        // machine busy with the other suites it can be longer.
        for index in 1...5 {
            try await post("through B #\(index)")
            let written = ContinuousClock.now
            let arrived = try await recorder.waitFor("through B #\(index)", timeout: .seconds(1))
            #expect(arrived != nil, "#\(index) did not reach server A's subscriber within a second")
            if let arrived { #expect(arrived - written < .seconds(1)) }
        }
        // Kill every database connection of server A (its listener among them) and write on.
        let killed = try servers.psql(
            "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity WHERE application_name = 'concert-\(servers.a.process.processIdentifier)'"
        )
        #expect((Int(killed) ?? 0) >= 1, "no connection of server A was found to kill")
        for index in 1...5 { try await post("while A was cut off #\(index)") }
        #expect(
            try await recorder.waitFor("while A was cut off #5", timeout: .seconds(15)) != nil,
            "server A's subscriber did not catch up after its connections were killed")
        let sequences = recorder.events.map(\.sequence)
        #expect(sequences == Array((since + 1)...(since + Int64(sequences.count))), "gap or duplicate: \(sequences)")
        let texts = recorder.events.map(\.text)
        for index in 1...5 {
            #expect(texts.filter { $0.contains("while A was cut off #\(index)") }.count == 1)
        }
        // The demo was seeded once, although both servers started on the empty database.
        #expect(try await servers.store.agencies().count == 22)
    }

    @Test("a selector recorded through A is a hit for a matching one recorded through B")
    func hitsAcrossServers() async throws {
        let servers = try await TwoServers.start()
        let target: [String: Any] = [
            "kind": "server", "name": "Mirror in Roubaix", "selectors": [["kind": "ip", "value": "203.0.113.77"]],
            "handling": "H0", "evaluation": "B2", "distribution": "all",
        ]
        let (createdOnA, _) = try await servers.a.request(
            "/api/v1/operations/\(servers.operationId)/targets", method: "POST", token: servers.token, json: target)
        #expect(createdOnA == 201)
        let (_, session) = try await servers.b.request(
            "/api/v1/sessions", method: "POST", json: ["username": "fr-officer", "password": DemoSeeder.password])
        let french = try #require((session as? [String: Any])?["token"] as? String)
        let (_, listed) = try await servers.b.request("/api/v1/operations", token: french)
        let harbour = try #require(
            ((listed as? [String: Any])?["items"] as? [[String: Any]])?.first { $0["codeName"] as? String == "HARBOUR" }
        )
        // Server B learns of A's target from the log; give it the moment that takes.
        var found = false
        for attempt in 0..<20 where !found {
            var mine = target
            mine["name"] = "Same server, French case \(attempt)"
            let (created, _) = try await servers.b.request(
                "/api/v1/operations/\(harbour["id"] as! String)/targets", method: "POST", token: french, json: mine)
            #expect(created == 201)
            let (_, hits) = try await servers.b.request("/api/v1/hits", token: french)
            found = ((hits as? [String: Any])?["items"] as? [[String: Any]] ?? []).contains {
                (($0["other"] as? [String: Any])?["value"] as? String) == "203.0.113.77"
            }
            if !found { try await Task.sleep(for: .milliseconds(100)) }
        }
        #expect(found, "server B did not find the hit with the target recorded through server A")
    }

    @Test(
        "concurrent writers on both servers: no lost update, no duplicate or missing sequence number, an intact chain")
    func concurrentWriters() async throws {
        let servers = try await TwoServers.start()
        let operation = "/api/v1/operations/\(servers.operationId)"
        let gates = (1...10).map { "Precondition \($0)" }
        let (created, action) = try await servers.a.request(
            operation + "/actions", method: "POST", token: servers.token,
            json: [
                "kind": "serverTakedown", "title": "Take down the backup server",
                "executingAgencyId": try #require(
                    try await servers.store.operation(id: servers.operationId)?.leadAgencyId),
                "place": "Amsterdam", "country": "NL", "timeZone": "Europe/Amsterdam", "offsetMinutes": 30,
                "gates": gates,
            ])
        #expect(created == 201)
        let actionId = try #require((action as? [String: Any])?["id"] as? String)
        let gateIds = try #require(
            ((action as? [String: Any])?["gates"] as? [[String: Any]])?.compactMap { $0["id"] as? String })
        #expect(gateIds.count == 10)
        // Every gate is checked, half through each server, all at once; and both servers post to the log.
        try await withThrowingTaskGroup(of: Int.self) { group in
            for (index, gateId) in gateIds.enumerated() {
                let server = index % 2 == 0 ? servers.a : servers.b
                group.addTask {
                    try await server.request(
                        operation + "/actions/\(actionId)/gates/\(gateId)", method: "POST", token: servers.token,
                        json: ["checked": true]
                    ).0
                }
            }
            for index in 0..<40 {
                let server = index % 2 == 0 ? servers.a : servers.b
                group.addTask {
                    try await server.request(
                        operation + "/log", method: "POST", token: servers.token, json: ["text": "Entry \(index)"]
                    ).0
                }
            }
            for try await status in group { #expect(status == 200 || status == 201) }
        }
        let stored = try #require(try await servers.store.action(id: actionId, operationId: servers.operationId))
        #expect(stored.gates?.allSatisfy(\.checked) == true, "a gate check was lost: \(stored.gates ?? [])")
        #expect(try await servers.store.logEntries(operationId: servers.operationId).count >= 40)
        let events = try await servers.store.events(operationId: servers.operationId, after: 0, limit: 100_000)
        #expect(events.compactMap(\.operationSequence) == Array(1...Int64(events.count)))
        let verified = try ConcertExecutable.run(
            ["audit", "verify", "--database", servers.url, "--log-key-file", servers.logKeyFile])
        #expect(verified.status == 0, "\(verified.output) \(verified.errors)")
    }

    @Test(
        "1,000 writes at once through both servers to three operations: the log is numbered 1…N and intact, and every live subscriber gets every event of its operation once, in order"
    )
    func thousandConcurrentWrites() async throws {
        let servers = try await TwoServers.start()
        var operationIds = [servers.operationId]
        for name in ["KESTREL", "MERLIN"] {
            let (status, created) = try await servers.a.request(
                "/api/v1/operations", method: "POST", token: servers.token, json: ["codeName": name])
            #expect(status == 201)
            operationIds.append(try #require((created as? [String: Any])?["id"] as? String))
        }
        // Two subscribers of each operation, one on each server, from the operation's present.
        var subscribers: [(operationId: String, since: Int64, recorder: FeedRecorder, reading: Task<Void, any Error>)] =
            []
        for operationId in operationIds {
            for server in [servers.a, servers.b] {
                let since = try await servers.store.latestSequence(operationId: operationId)
                let (recorder, reading) = try await servers.subscribe(to: operationId, on: server, since: since)
                subscribers.append((operationId, since, recorder, reading))
            }
        }
        defer { for subscriber in subscribers { subscriber.reading.cancel() } }
        // 25 writers, each with an action of its own in one of the operations, through one of
        // the servers: 40 writes each, status reports and log entries in turn.
        var writers: [(server: DemoProcess, operation: String, action: String)] = []
        for writer in 0..<25 {
            let operationId = operationIds[writer % operationIds.count]
            let operation = "/api/v1/operations/\(operationId)"
            let leadAgency = try #require(try await servers.store.operation(id: operationId)?.leadAgencyId)
            let server = writer % 2 == 0 ? servers.a : servers.b
            let (status, action) = try await server.request(
                operation + "/actions", method: "POST", token: servers.token,
                json: [
                    "kind": "houseSearch", "title": "Search \(writer)", "executingAgencyId": leadAgency,
                    "place": "Rotterdam", "country": "NL", "timeZone": "Europe/Amsterdam", "offsetMinutes": writer,
                ])
            #expect(status == 201)
            writers.append((server, operation, try #require((action as? [String: Any])?["id"] as? String)))
        }
        let statuses = try await withThrowingTaskGroup(of: [Int].self) { group in
            for (index, writer) in writers.enumerated() {
                group.addTask {
                    var statuses: [Int] = []
                    for step in 0..<40 {
                        let (status, _) =
                            step % 2 == 0
                            ? try await writer.server.request(
                                writer.operation + "/actions/\(writer.action)/status", method: "POST",
                                token: servers.token, json: ["status": step % 4 == 0 ? "ready" : "planned"])
                            : try await writer.server.request(
                                writer.operation + "/log", method: "POST", token: servers.token,
                                json: ["text": "Writer \(index), entry \(step)"])
                        statuses.append(status)
                    }
                    return statuses
                }
            }
            return try await group.reduce(into: []) { $0 += $1 }
        }
        #expect(statuses.count == 1_000)
        #expect(statuses.allSatisfy { $0 == 200 || $0 == 201 }, "refused: \(statuses.filter { $0 >= 300 })")

        let events = try await servers.store.events(after: 0, limit: 1_000_000)
        #expect(events.map(\.sequence) == Array(1...Int64(events.count)), "the log's numbers have a gap or a repeat")
        for operationId in operationIds {
            let numbers = events.filter { $0.operationId == operationId }.compactMap(\.operationSequence)
            #expect(numbers == Array(1...Int64(numbers.count)), "operation \(operationId) is numbered out of order")
        }
        for subscriber in subscribers {
            let last = try await servers.store.latestSequence(operationId: subscriber.operationId)
            let deadline = ContinuousClock.now + .seconds(30)
            while subscriber.recorder.events.last?.sequence ?? subscriber.since < last, ContinuousClock.now < deadline {
                try await Task.sleep(for: .milliseconds(20))
            }
            #expect(
                subscriber.recorder.events.map(\.sequence) == Array((subscriber.since + 1)...last),
                "a subscriber of \(subscriber.operationId) missed an event or got one twice or out of order")
        }
        let verified = try ConcertExecutable.run(
            ["audit", "verify", "--database", servers.url, "--log-key-file", servers.logKeyFile])
        #expect(verified.status == 0, "\(verified.output) \(verified.errors)")
    }
}

@Suite("Moving an installation between databases")
struct MigrateDataTests {
    @Test("migrate-data copies a whole SQLite installation into PostgreSQL and back, events and hash chain included")
    func sqliteToPostgres() async throws {
        let server = try #require(
            ProcessInfo.processInfo.environment["CONCERT_TEST_POSTGRES_URL"],
            "CONCERT_TEST_POSTGRES_URL is not set: run the tests with scripts/test, which starts PostgreSQL.")
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("concert-migrate-\(UUID())")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let path = folder.appendingPathComponent("concert.sqlite").path
        let source = try SQLiteStore(path: path)
        _ = try await DemoSeeder.seedIfEmpty(source)
        let firstAgency = try #require(try await source.agencies().first?.id)
        let operation = try #require(try await source.operations(participatingAgencyId: firstAgency).first)
        let reader = try #require(try await source.credentials(username: "us-officer")).user
        let message = try #require(try await firstInboxPage(of: source, operation, reader).records.first)
        try await source.recordMessageRead(
            messageId: message.message.id, operationId: operation.id, by: Actor(reader), what: .auditMessageRead,
            payload: MessageReadAudit(messageId: message.message.id))
        let name = "concert_" + UUID().uuidString.replacingOccurrences(of: "-", with: "").lowercased()
        let url = try await PostgresStore.createDatabase(name, serverURL: server)

        let copied = try ConcertExecutable.run(["migrate-data", "--from", "sqlite:\(path)", "--to", url])
        #expect(copied.status == 0, "\(copied.output) \(copied.errors)")
        #expect(copied.output.contains("The copy's audit chain is intact"))
        let verified = try ConcertExecutable.run(["audit", "verify", "--database", url])
        #expect(verified.status == 0, "\(verified.output) \(verified.errors)")

        let copy = try await StoreFactory.open(url)
        #expect(try await copy.events(after: 0, limit: 100_000) == (try await source.events(after: 0, limit: 100_000)))
        #expect(try await copy.agencies() == (try await source.agencies()))
        #expect(try await copy.users() == (try await source.users()))
        #expect(
            try await copy.credentials(username: "us-officer")?.passwordHash
                == (try await source.credentials(username: "us-officer")?.passwordHash))
        #expect(try await copy.operation(id: operation.id) == operation)
        #expect(
            try await copy.encodedTargets(operationId: operation.id).map(\.json)
                == (try await source.encodedTargets(operationId: operation.id).map(\.json)))
        #expect(
            try await copy.actions(operationId: operation.id) == (try await source.actions(operationId: operation.id)))
        let copiedInbox = try await firstInboxPage(of: copy, operation, reader)
        #expect(copiedInbox.records == (try await firstInboxPage(of: source, operation, reader).records))
        #expect(copiedInbox.readIds == [message.message.id])
        // The counts kept as messages come and go are made again for the copy, and agree.
        let counts = { (store: any Store) in
            try await store.messageCounts(
                operationId: operation.id, reader: MessageReader(userId: reader.id, agencyId: reader.agencyId),
                receivingAgencies: 2, overdueBefore: Date(), isVisible: { _ in true })
        }
        #expect(try await counts(copy) == (try await counts(source)))
        #expect(try await counts(copy).unread > 0)
        #expect(!(try await firstInboxPage(of: copy, operation, reader, words: ["courier"])).records.isEmpty)
        #expect(try await copy.hitCount() == (try await source.hitCount()))
        #expect(try await copy.allSelectors().count == (try await source.allSelectors().count))
        // The copy goes on where the source stopped: the next event links to the copied chain.
        try await copy.recordRead(
            by: Actor(reader), operationId: nil, what: .auditTargetRead,
            payload: RecordReference(id: "t"))
        #expect(try await copy.verifyAuditChain().isIntact)

        let again = try ConcertExecutable.run(["migrate-data", "--from", "sqlite:\(path)", "--to", url])
        #expect(again.status != 0)
        #expect(again.errors.contains("not empty"), "\(again.errors)")

        // And back: the same copy, written once for both engines, fills a new SQLite file.
        let back = folder.appendingPathComponent("back.sqlite").path
        let returned = try ConcertExecutable.run(["migrate-data", "--from", url, "--to", "sqlite:\(back)"])
        #expect(returned.status == 0, "\(returned.output) \(returned.errors)")
        let roundTrip = try SQLiteStore(path: back)
        #expect(
            try await roundTrip.events(after: 0, limit: 100_000) == (try await copy.events(after: 0, limit: 100_000)))
        #expect(try await roundTrip.users() == (try await source.users()))
        #expect(
            try await roundTrip.encodedTargets(operationId: operation.id).map(\.json)
                == (try await source.encodedTargets(operationId: operation.id).map(\.json)))
        #expect(try await roundTrip.allSelectors().count == (try await source.allSelectors().count))
        #expect(!(try await firstInboxPage(of: roundTrip, operation, reader, words: ["courier"])).records.isEmpty)
        #expect(try await roundTrip.verifyAuditChain().isIntact)
    }
}

/// The first page of a reader's inbox, every message counted as readable.
private func firstInboxPage(
    of store: any Store, _ operation: JointOperation, _ reader: User, words: [String] = []
) async throws -> MessagePage {
    var filter = MessageFilter()
    filter.words = words
    return try await store.messagePage(
        operationId: operation.id, filter: filter,
        reader: MessageReader(userId: reader.id, agencyId: reader.agencyId), after: nil, limit: 500,
        isVisible: { _ in true })
}
