import AsyncHTTPClient
import ConcertCore
import ConcertServer
import ConcertStorage
import Foundation
import NIOCore
import NIOHTTP1
import Synchronization

// Every list at the scale of a four-year case, on SQLite and on PostgreSQL: one installation
// with 2,000,000 messages (a year of SIENA) across 150,000 operations, one of which holds
// 100,000 messages, 100,000 log entries, 10,000 targets (50 of them with 1,000 selectors) and
// 1,000 actions about them. The installation is filled through the store (messages in batches,
// each as a message sent through the API is stored), then `concert serve` (release) serves it
// and this prints, over HTTP on loopback (targets in brackets):
// - sending a message, 50 senders at once: as fast as answered, and together at 500 a second
//   (p99 < 20 ms);
// - the first inbox page, a filtered page and the unread count (p99 < 50 ms);
// - a search (p99 < 100 ms);
// - GET …/actions, all 1,000 in two pages of 500 (p99 < 20 ms a page);
// - the server's resident memory at the end, and its peak (< 512 MiB).
// Smaller for a quick look: CONCERT_BENCH_MESSAGES=200000 CONCERT_BENCH_OPERATIONS=15000.

/// What the installation holds.
struct ScaleShape: Sendable {
    var messages: Int
    var operations: Int
    var bigMessages: Int
    var logEntries: Int
    var targets: Int
    var wideTargets: Int
    var actions: Int

    static func fromEnvironment() -> ScaleShape {
        let environment = ProcessInfo.processInfo.environment
        let messages = environment["CONCERT_BENCH_MESSAGES"].flatMap { Int($0) } ?? 2_000_000
        let operations = environment["CONCERT_BENCH_OPERATIONS"].flatMap { Int($0) } ?? 150_000
        return ScaleShape(
            messages: messages, operations: operations, bigMessages: min(100_000, messages / 2),
            logEntries: min(100_000, messages / 2), targets: 10_000, wideTargets: 50, actions: 1_000)
    }
}

/// Words that messages are made of; "bitcoin" is in one message in a hundred, "Zürich" with its
/// accent in one in fifty.
private let vocabulary = [
    "server", "seizure", "courier", "payment", "domain", "mirror", "release", "upload", "tracker", "proxy",
    "invoice", "hosting", "provider", "warrant", "search", "arrest", "subscriber", "forum", "account", "ledger",
    "transfer", "wallet", "network", "address", "contact", "schedule", "team", "report", "source", "witness",
]

private func messageText(_ number: Int) -> (subject: String, body: String) {
    var words: [String] = []
    var state = UInt64(number) &* 0x9E37_79B9_7F4A_7C15 | 1
    for _ in 0..<18 {
        state ^= state << 13
        state ^= state >> 7
        state ^= state << 17
        words.append(vocabulary[Int(state % UInt64(vocabulary.count))])
    }
    if number % 100 == 7 { words[5] = "bitcoin" }
    if number % 50 == 3 { words[9] = "Zürich" }
    return ("Report \(number): \(words[0]) \(words[1]) \(words[2])", words.joined(separator: " ") + ".")
}

/// The benchmark's agencies, users and the big operation.
struct ScaleWorld: Sendable {
    let agencies: [Agency]
    /// Seven officers an agency; their tokens are "scale-<username>".
    let officers: [User]
    let big: JointOperation
    /// An operation of a dozen messages and no log, which the first agency leads.
    let small: JointOperation
}

func benchmarkScale(engine: String, shape: ScaleShape) async throws {
    show(
        "== Lists at scale on \(engine): \(shape.messages) messages across \(shape.operations) operations; one with "
            + "\(shape.bigMessages) messages, \(shape.logEntries) log entries, \(shape.targets) targets and \(shape.actions) actions"
    )
    let folder = try scratchFolder("scale-\(engine)")
    defer {
        if ProcessInfo.processInfo.environment["CONCERT_BENCH_KEEP"] == nil {
            try? FileManager.default.removeItem(at: folder)
        } else {
            show("   kept \(folder.path)")
        }
    }
    let database: String
    if engine == "postgres" {
        guard let server = ProcessInfo.processInfo.environment["CONCERT_TEST_POSTGRES_URL"] else {
            throw BenchmarkError("CONCERT_TEST_POSTGRES_URL is not set: run it with scripts/bench scale")
        }
        let name = "concert_scale_" + UUID().uuidString.replacingOccurrences(of: "-", with: "").lowercased()
        database = try await PostgresStore.createDatabase(name, serverURL: server)
    } else {
        database = folder.appendingPathComponent("scale.sqlite").path
    }
    let store = try await StoreFactory.open(database)
    let started = ContinuousClock.now
    let world = try await fillScale(store, shape: shape, concurrent: engine == "postgres" ? 8 : 1)
    show(String(format: "   filled in %.0f s", seconds(ContinuousClock.now - started)))
    if let closable = store as? PostgresStore { closable.close() }

    let (server, port) = try await launchConcert(["serve", "--database", database], in: folder)
    defer { stopProcess(server) }
    func memory(_ moment: String) {
        let status = (try? String(contentsOfFile: "/proc/\(server.processIdentifier)/status", encoding: .utf8)) ?? ""
        let kib = { (field: String) in
            status.split(separator: "\n").first { $0.hasPrefix(field) }.flatMap {
                Int($0.split(separator: " ", omittingEmptySubsequences: true)[1])
            } ?? 0
        }
        show(
            String(
                format: "   server memory %@: %.0f MiB resident, %.0f MiB at its peak (target < 512 MiB: %@)", moment,
                Double(kib("VmRSS:")) / 1_024, Double(kib("VmHWM:")) / 1_024,
                kib("VmHWM:") < 512 * 1_024 ? "met" : "NOT met"))
    }
    memory("once started")
    let base = "http://127.0.0.1:\(port)/api/v1/operations/\(world.big.id)"
    // The reader is Poland's officer, whose agency sent none of the stored messages.
    let reader = "scale-\(world.officers[49].username)"
    let senders = (0..<50).map { "scale-\(world.officers[$0 % world.officers.count].username)" }

    // Timed from the request to the last byte of the answer, which is not parsed.
    var bytes = 0
    func timed(_ count: Int, _ url: String, token: String) async throws -> [Double] {
        var latencies: [Double] = []
        for _ in 0..<count {
            let start = ContinuousClock.now
            let (status, size) = try await get(url, token: token)
            guard status == 200 else { throw BenchmarkError("GET \(url) answered \(status)") }
            latencies.append(seconds(ContinuousClock.now - start) * 1_000)
            bytes = size
        }
        return latencies.sorted()
    }
    func line(_ name: String, _ sorted: [Double], target: Double) {
        let p99 = percentile(sorted, 0.99)
        show(
            String(
                format: "   %@ (%.0f KB): median %.1f ms, p99 %.1f ms over %d (target p99 < %.0f ms: %@)", name,
                Double(bytes) / 1_000, percentile(sorted, 0.5), p99, sorted.count, target,
                p99 < target ? "met" : "NOT met"))
    }
    // Warm the server's caches as a day's use would, then measure one request at a time.
    _ = try await timed(20, base + "/messages?limit=50", token: reader)
    let from = world.agencies[1].id
    line(
        "first inbox page (50, with the counts)", try await timed(200, base + "/messages?limit=50", token: reader),
        target: 50)
    line(
        "filtered page (unread, from one agency)",
        try await timed(200, base + "/messages?limit=50&unread=true&from=\(from)", token: reader), target: 50)
    line(
        "unacknowledged page of H2 messages",
        try await timed(200, base + "/messages?limit=50&unacknowledged=true&handling=H2", token: reader), target: 50)
    line("unread count (a page of one)", try await timed(200, base + "/messages?limit=1", token: reader), target: 50)
    line(
        "search for \"bitcoin\"", try await timed(200, base + "/messages?q=bitcoin&limit=50", token: reader),
        target: 100)
    line(
        "search for \"zurich courier\"",
        try await timed(200, base + "/messages?q=zurich%20courier&limit=50", token: reader), target: 100)
    line("log, first page (50)", try await timed(200, base + "/log?limit=50", token: reader), target: 50)
    let firstActions = try await call(.GET, base + "/actions?limit=500", token: reader).1
    let after = firstActions["next"] as? String ?? ""
    line("actions 1-500", try await timed(100, base + "/actions?limit=500", token: reader), target: 20)
    line(
        "actions 501-1,000", try await timed(100, base + "/actions?limit=500&after=\(after)", token: reader), target: 20
    )
    // The first 50 targets have 1,000 selectors each: their page is large by nature.
    let wide = try await call(.GET, base + "/targets?limit=50", token: reader).1
    line(
        "targets, the 50 of 1,000 selectors", try await timed(50, base + "/targets?limit=50", token: reader),
        target: 500)
    line(
        "targets, a page of 100 of two selectors",
        try await timed(100, base + "/targets?after=\(wide["next"] as? String ?? "")", token: reader), target: 50)

    memory("after the reads")
    // Writes cost the same at the 10th and the 100,000th: posting to the log and sending a
    // message, one at a time, in an operation of a dozen messages and an empty log and in the
    // big one, by the same officer, side by side.
    let writer = "scale-\(world.officers[1].username)"
    var writes: [String: [Double]] = [:]
    for round in 0..<200 {
        for (name, operation) in [("small", world.small), ("big", world.big)] {
            let path = "http://127.0.0.1:\(port)/api/v1/operations/\(operation.id)"
            var start = ContinuousClock.now
            let (posted, _) = try await call(.POST, path + "/log", token: writer, json: ["text": "Entry \(round)"])
            writes["log " + name, default: []].append(seconds(ContinuousClock.now - start) * 1_000)
            start = ContinuousClock.now
            let (sent, _) = try await call(
                .POST, path + "/messages", token: writer,
                json: [
                    "subject": "One at a time \(round)", "body": "Status.", "handling": "H0", "evaluation": "B2",
                    "distribution": "all",
                ])
            writes["message " + name, default: []].append(seconds(ContinuousClock.now - start) * 1_000)
            guard posted == 201, sent == 201 else { throw BenchmarkError("a write was refused: \(posted) \(sent)") }
        }
    }
    for kind in ["log", "message"] {
        let small = writes[kind + " small"]!.sorted()
        let big = writes[kind + " big"]!.sorted()
        show(
            String(
                format:
                    "   %@, one at a time: median %.2f ms (p99 %.1f) in the big operation, %.2f ms (p99 %.1f) in a small one: ratio %.2f",
                kind == "log" ? "posting to the log" : "sending a message", percentile(big, 0.5), percentile(big, 0.99),
                percentile(small, 0.5), percentile(small, 0.99), percentile(big, 0.5) / percentile(small, 0.5)))
    }
    // Sending: 50 senders, first each sending as fast as it is answered (the most the server
    // writes), then together at 500 a second (each every 100 ms), for a bounded count.
    let sends = ProcessInfo.processInfo.environment["CONCERT_BENCH_SENDS"].flatMap { Int($0) } ?? 10_000
    for paced in [false, true] {
        let tally = SendTally()
        let sendStart = ContinuousClock.now
        try await withThrowingTaskGroup(of: Void.self) { group in
            for (index, token) in senders.enumerated() {
                group.addTask {
                    let first = ContinuousClock.now + .milliseconds(2 * index)
                    for number in 0..<(sends / senders.count) {
                        if paced { try await Task.sleep(until: first + .milliseconds(100 * number)) }
                        let start = ContinuousClock.now
                        let since = seconds(start - sendStart)
                        let status = try await send(
                            base + "/messages", token: token,
                            json: #"{"subject":"Sent under load \#(index)-\#(number)","#
                                + #""body":"Status of the courier search.","#
                                + #""handling":"H0","evaluation":"B2","distribution":"all"}"#)
                        tally.record(
                            seconds(ContinuousClock.now - start) * 1_000, at: since, refused: status != 201)
                    }
                }
            }
            try await group.waitForAll()
        }
        let timed = tally.latencies.withLock { $0 }
        let sent = timed.map(\.milliseconds).sorted()
        let elapsed = seconds(ContinuousClock.now - sendStart)
        let rate = Double(sent.count) / elapsed
        show(
            String(
                format:
                    "   sending, 50 senders %@: %.0f a second, median %.1f ms, p99 %.1f ms over %d (%d refused)%@",
                paced ? "at 500 a second together" : "as fast as answered", rate, percentile(sent, 0.5),
                percentile(sent, 0.99), sent.count, tally.refused.load(ordering: .relaxed),
                paced
                    ? (percentile(sent, 0.99) < 20 && rate >= 490
                        ? " (target p99 < 20 ms at 500/s: met)"
                        : " (target p99 < 20 ms at 500/s: NOT met)") : ""))
        // Whether the slowest are spread over the run or gathered in one moment of it.
        let thirds = (0..<3).map { third in
            percentile(
                timed.filter { Int($0.at / elapsed * 3) == third }.map(\.milliseconds).sorted(), 0.99)
        }
        show(
            String(
                format: "      p99 in each third of that run: %.1f, %.1f and %.1f ms", thirds[0], thirds[1], thirds[2]))
    }
    line(
        "first inbox page after the sends", try await timed(100, base + "/messages?limit=50", token: reader),
        target: 50)
    memory("at the end")
}

/// Posts `json` as `token`'s and answers the status, the answer read to its end but not parsed:
/// the load generator shares the machine's two cores with the server and PostgreSQL, and each
/// microsecond it spends is one they do not get.
private func send(_ url: String, token: String, json: String) async throws -> Int {
    var request = HTTPClientRequest(url: url)
    request.method = .POST
    request.headers.add(name: "Authorization", value: "Bearer \(token)")
    request.headers.add(name: "Content-Type", value: "application/json")
    request.body = .bytes(ByteBuffer(string: json))
    let response = try await loadClient.execute(request, timeout: .seconds(60))
    _ = try await response.body.collect(upTo: 1 << 20)
    return Int(response.status.code)
}

/// Fills a store with the benchmark's installation through its own writes; `concurrent` writes
/// at once (PostgreSQL writes operations side by side).
func fillScale(_ store: any Store, shape: ScaleShape, concurrent: Int) async throws -> ScaleWorld {
    let countries = ["FR", "DE", "NL", "CY", "US", "IT", "ES", "PL"]
    var agencies: [Agency] = []
    var officers: [User] = []
    for (index, country) in countries.enumerated() {
        let agency = Agency(id: Identifier.make(), name: "Agency \(country)", country: country, kind: .police)
        try await store.createAgency(agency, by: nil)
        agencies.append(agency)
        for number in 0..<7 {
            let user = User(
                id: Identifier.make(), username: "\(country.lowercased())-officer-\(number)",
                displayName: "Officer \(number)", agencyId: agency.id,
                role: index == 0 && number == 0 ? .coordinator : .officer)
            try await store.createUser(user, passwordHash: "unused", by: nil)
            try await store.createSession(
                tokenHash: Authenticator.tokenHash("scale-\(user.username)"), user: user,
                expiresAt: Date().addingTimeInterval(86_400))
            officers.append(user)
        }
    }
    let coordinator = Actor(officers[0])
    let now = ConcertJSON.now()
    let big = JointOperation(
        id: Identifier.make(), codeName: "SPARKLER", summary: "The case of four years", leadAgencyId: agencies[0].id,
        hHour: nil,
        participants: agencies.enumerated().map { Participant(agencyId: $1.id, role: $0 == 0 ? .lead : .participant) },
        createdAt: now)
    try await store.createOperation(big, by: coordinator)

    let everyone = officers
    // The other operations, three agencies each, written `concurrent` at a time.
    var progress = ContinuousClock.now
    func note(_ text: String) {
        if ContinuousClock.now - progress > .seconds(15) {
            show("   … \(text)")
            progress = ContinuousClock.now
        }
    }
    var others: [JointOperation] = []
    for index in 0..<(shape.operations - 1) {
        let lead = index % agencies.count
        others.append(
            JointOperation(
                id: Identifier.make(), codeName: "CASE-\(index)", summary: nil, leadAgencyId: agencies[lead].id,
                hHour: nil,
                participants: (0..<3).map {
                    Participant(
                        agencyId: agencies[(lead + $0) % agencies.count].id, role: $0 == 0 ? .lead : .participant)
                }, createdAt: now))
    }
    for start in stride(from: 0, to: others.count, by: 1_000) {
        let slice = Array(others[start..<min(start + 1_000, others.count)])
        try await inParallel(concurrent, slice) { operation in
            let lead = everyone.first { $0.agencyId == operation.leadAgencyId && $0.role == .officer }!
            try await store.createOperation(operation, by: Actor(lead))
        }
        note("\(start + slice.count) operations")
    }

    // The big operation's targets: 50 with 1,000 selectors each, the others with two.
    let author = Actor(officers[7])
    var targets: [Target] = []
    for index in 0..<shape.targets {
        let wide = index < shape.wideTargets
        let selectors =
            wide
            ? (0..<1_000).map { SelectorInput(kind: .ip, text: "10.\(index).\($0 / 250).\($0 % 250 + 1)") }
            : [
                SelectorInput(kind: .ip, text: "172.16.\(index / 250).\(index % 250 + 1)"),
                SelectorInput(kind: .domain, text: "mirror\(index).scale.example"),
            ]
        targets.append(
            try TargetInput(
                kind: .server, name: "Server \(index)", selectors: selectors, handling: index % 10 == 0 ? .h2 : .h0,
                evaluation: Evaluation(code: "B2")!, distribution: .allParticipants
            ).makeTarget(
                id: Identifier.make(), operation: big, originatorAgencyId: author.agencyId, createdBy: author.userId,
                defaultCountry: "DE", createdAt: now, now: now))
    }
    for start in stride(from: 0, to: targets.count, by: 500) {
        try await store.importTargets(Array(targets[start..<min(start + 500, targets.count)]), by: author)
    }
    for index in 0..<shape.actions {
        let action = ActionInput(
            kind: .serverTakedown, title: "Take down server \(index)", targetId: targets[index % shape.wideTargets].id,
            executingAgencyId: agencies[index % agencies.count].id, place: "Frankfurt",
            country: countries[index % countries.count], timeZone: "Europe/Berlin", offsetMinutes: index % 240 - 120
        ).makeAction(id: Identifier.make(), operationId: big.id, createdAt: now, now: now)
        try await store.createAction(action, by: coordinator)
    }
    show("   \(shape.operations) operations, \(shape.targets) targets and \(shape.actions) actions written")

    // The big operation's log, written as posted: one entry after another.
    for index in 0..<shape.logEntries {
        let poster = Actor(officers[index % officers.count])
        try await store.createLogEntry(
            try LogEntry.make(
                id: Identifier.make(), operationId: big.id, text: "Log entry \(index): team in position.",
                by: poster, now: now),
            by: poster)
        if index % 1_000 == 999 { note("\(index + 1) log entries") }
    }
    show("   \(shape.logEntries) log entries written")

    // Messages: the big operation's in batches of 1,000 from one sender, the others' a batch an
    // operation (PostgreSQL writes different operations side by side).
    let sentAt = ConcertJSON.now().addingTimeInterval(-30 * 86_400)
    let message = { @Sendable (number: Int, operation: JointOperation, sender: User, within: [String]) in
        scaleMessage(number, in: operation, from: sender, agencies: within, sentAt: sentAt)
    }
    let bigAgencies = big.participants.map(\.agencyId)
    var number = 0
    while number < shape.bigMessages {
        // Every agency but the last (the reader's) sends.
        let sender = officers[(number / 1_000) % (officers.count - 7)]
        let count = min(1_000, shape.bigMessages - number)
        let batch = (number..<(number + count)).map { message($0, big, sender, bigAgencies) }
        try await store.createMessages(batch, by: Actor(sender))
        number += count
        note("\(number) messages")
    }
    let perOperation = max(1, (shape.messages - shape.bigMessages) / max(1, others.count))
    let remaining = shape.messages - shape.bigMessages
    let groups: [(JointOperation, Int)] = others.indices.map { index in
        (others[index], index == others.count - 1 ? remaining - perOperation * (others.count - 1) : perOperation)
    }
    let written = Tally()
    for start in stride(from: 0, to: groups.count, by: 2_000) {
        let slice = Array(groups[start..<min(start + 2_000, groups.count)])
        if concurrent == 1 {
            // SQLite writes one at a time: fewer, larger transactions.
            var batches: [String: [Message]] = [:]
            for (operation, count) in slice where count > 0 {
                let sender = officers.first { $0.agencyId == operation.leadAgencyId && $0.role == .officer }!
                batches[sender.id, default: []] += (0..<count).map {
                    message(
                        shape.bigMessages + written.count.load(ordering: .relaxed) + $0, operation, sender,
                        operation.participants.map(\.agencyId))
                }
                written.count.add(count, ordering: .relaxed)
            }
            for (senderId, batch) in batches {
                try await store.createMessages(batch, by: Actor(officers.first { $0.id == senderId }!))
            }
        } else {
            try await inParallel(concurrent, slice) { group in
                let (operation, count) = group
                guard count > 0 else { return }
                let sender = everyone.first { $0.agencyId == operation.leadAgencyId && $0.role == .officer }!
                let base = shape.bigMessages + written.count.add(count, ordering: .relaxed).oldValue
                try await store.createMessages(
                    (0..<count).map {
                        message(base + $0, operation, sender, operation.participants.map(\.agencyId))
                    }, by: Actor(sender))
            }
        }
        note("\(shape.bigMessages + written.count.load(ordering: .relaxed)) messages")
    }
    show("   \(shape.bigMessages + written.count.load(ordering: .relaxed)) messages written")
    return ScaleWorld(agencies: agencies, officers: officers, big: big, small: others[0])
}

/// A count kept by many tasks.
final class Tally: Sendable {
    let count = Atomic<Int>(0)
}

/// Latencies (with when each request began, in seconds into the run) and refusals recorded
/// from many tasks.
final class SendTally: Sendable {
    let latencies = Mutex<[(milliseconds: Double, at: Double)]>([])
    let refused = Atomic<Int>(0)

    func record(_ milliseconds: Double, at: Double, refused wasRefused: Bool) {
        latencies.withLock { $0.append((milliseconds, at)) }
        if wasRefused { refused.add(1, ordering: .relaxed) }
    }
}

/// A message of the benchmark's installation: 85 in 100 to every participant, the others to two
/// agencies; mostly H0.
private func scaleMessage(
    _ number: Int, in operation: JointOperation, from sender: User, agencies within: [String], sentAt: Date
) -> Message {
    let (subject, body) = messageText(number)
    let id = Identifier.make()
    let named = within.filter { $0 != sender.agencyId }
    return Message(
        id: id, operationId: operation.id, threadId: id, replyTo: nil, corrects: nil, subject: subject, body: body,
        handling: HandlingCode.allCases[number % 7 == 0 ? 2 : number % 11 == 0 ? 1 : 0], handlingRestriction: nil,
        evaluation: Evaluation(code: "B2")!,
        distribution: number % 8 == 5 ? .agencies(Array(named.prefix(2))) : .allParticipants, targets: [],
        attachments: [], originatorAgencyId: sender.agencyId, authorUserId: sender.id,
        sentAt: sentAt.addingTimeInterval(Double(number)))
}

/// Runs `body` on every item, at most `width` at a time.
func inParallel<Item: Sendable>(
    _ width: Int, _ items: [Item], _ body: @escaping @Sendable (Item) async throws -> Void
) async throws {
    try await withThrowingTaskGroup(of: Void.self) { group in
        var next = 0
        while next < items.count && next < width {
            let item = items[next]
            group.addTask { try await body(item) }
            next += 1
        }
        while try await group.next() != nil {
            if next < items.count {
                let item = items[next]
                group.addTask { try await body(item) }
                next += 1
            }
        }
    }
}
