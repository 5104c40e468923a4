import ConcertCore
import Foundation
import Synchronization
import Testing

@testable import ConcertStorage

@Suite("PostgreSQL's event queue: what a write committed reaches the log")
struct EventQueueTests {
    @Test(
        "events a write committed and no sequencer put in the log (its server died) are put there when the next server opens the database, with the row that waited for them"
    )
    func queuedEventsOutliveTheirServer() async throws {
        let (url, first, agency, user, operation) = try await openWithOperation()
        let target = try TargetInput(
            kind: .server, name: "Server", selectors: [SelectorInput(kind: .ip, text: "192.0.2.1")], handling: .h0,
            evaluation: Evaluation(code: "B2")!, distribution: .allParticipants
        ).makeTarget(
            id: Identifier.make(), operation: operation, originatorAgencyId: agency.id, createdBy: user.id,
            defaultCountry: "FR", createdAt: ConcertJSON.now(), now: ConcertJSON.now())
        try await first.createTarget(target, by: Actor(user))
        let logged = try await first.events(after: 0, limit: 1_000).count
        #expect(try await first.verifyAuditChain().isIntact)

        // What a change of the target leaves when its server dies between its commit and the
        // sequencer's pass: its event queued, the target's row pointing at it. Written with no
        // server running (one that runs would sweep it into the log within a second).
        var renamed = target
        renamed.name = "Renamed just before the crash"
        let payload = try EncodedPayload(renamed).json
        await first.shutDown()
        let queued = try psql(
            url,
            """
            BEGIN;
            INSERT INTO event_queue (id, operation_id, counts_in_operation, actor_user_id, actor_agency_id, kind, payload)
            VALUES (nextval('event_queue_id'), '\(operation.id)', TRUE, '\(user.id)', '\(agency.id)',
                    '\(EventKind.targetUpdated.rawValue)', $payload$\(payload)$payload$);
            UPDATE target_row SET json_event = -currval('event_queue_id') WHERE id = '\(target.id)';
            COMMIT;
            SELECT json FROM target WHERE id = '\(target.id)';
            """)
        // The change is committed: it reads back before it is in the log.
        #expect(queued.contains("Renamed just before the crash"), "\(queued)")

        let second = try await PostgresStore.open(url: url)
        defer { second.close() }
        let events = try await second.events(after: 0, limit: 1_000)
        #expect(events.count == logged + 1)
        #expect(events.map(\.sequence) == Array(1...Int64(events.count)), "the log's numbers have a gap")
        let last = try #require(events.last)
        #expect(last.kind == EventKind.targetUpdated.rawValue && last.payload == payload)
        #expect(last.operationId == operation.id && last.operationSequence == 3)
        #expect(try await second.target(id: target.id, operationId: operation.id) == renamed)
        let pointer = try await second.reading { connection in
            try connection.rows("SELECT json_event FROM target_row WHERE id = \(target.id)").first?.int64(0)
        }
        #expect(pointer == last.sequence, "the target's row still points at the queue")
        #expect(try await second.reading { try $0.rows("SELECT 1 FROM event_queue").isEmpty })
        #expect(try await second.verifyAuditChain().isIntact)

        // A row pointed below zero by hand, at no queued event, hides what it holds from the
        // comparison with its event: audit verify names it.
        _ = try psql(url, "UPDATE target_row SET json_event = -999 WHERE id = '\(target.id)'")
        let tampered = try await second.verifyAuditChain()
        #expect(!tampered.isIntact)
        #expect(tampered.problem?.contains("Target \(target.id) points at no event") == true, "\(tampered)")
    }

    @Test(
        "two servers' passes on one database compare and swap the chain's head: every write is in the log the moment it returns, numbered once, in a chain that stays whole"
    )
    func twoServersSequenceSideBySide() async throws {
        let (first, second, agency, user, operation) = try await openTwoServers()
        defer {
            first.close()
            second.close()
        }
        let before = try await first.events(after: 0, limit: 1_000).count

        // Messages (one statement each) and log entries (a transaction each), half through each
        // server, all at once: the two sequencers race for the head all along.
        let written = try await withThrowingTaskGroup(of: (String, Bool).self) { group in
            for number in 0..<160 {
                let store = number % 2 == 0 ? first : second
                group.addTask {
                    let id = Identifier.make()
                    if number % 4 < 2 {
                        try await store.createMessage(
                            Self.message(id: id, "Race \(number)", in: operation, from: agency, by: user),
                            by: Actor(user))
                    } else {
                        try await store.createLogEntry(
                            try LogEntry.make(
                                id: id, operationId: operation.id, text: "Race \(number)", by: Actor(user),
                                now: ConcertJSON.now()),
                            by: Actor(user))
                    }
                    // The write's own server tells it is in the log as soon as it returns.
                    let logged = try await store.events(operationId: operation.id, after: 0, limit: 1_000)
                    return (id, logged.contains { $0.payload.contains(id) })
                }
            }
            return try await group.reduce(into: [(String, Bool)]()) { $0.append($1) }
        }
        #expect(written.count == 160)
        let late = written.filter { !$0.1 }.map(\.0)
        #expect(late.isEmpty, "not in the log when the write returned: \(late)")
        let events = try await first.events(after: 0, limit: 1_000)
        #expect(events.count == before + 160)
        #expect(events.map(\.sequence) == Array(1...Int64(events.count)), "the log's numbers have a gap or a twin")
        let numbered = events.filter { $0.operationId == operation.id }.compactMap(\.operationSequence)
        #expect(numbered == Array(1...Int64(numbered.count)), "the operation's numbers have a gap or a twin")
        #expect(try await first.reading { try $0.rows("SELECT 1 FROM event_queue").isEmpty })
        #expect(try await second.verifyAuditChain().isIntact)
    }

    @Test(
        "a pass that read the chain's head before another server's pass moved it writes nothing, reads again, and fails nothing"
    )
    func passFindingTheHeadMovedReadsAgain() async throws {
        let (first, second, agency, user, operation) = try await openTwoServers()
        defer {
            first.close()
            second.close()
        }
        func message(_ subject: String) -> Message {
            Self.message(id: Identifier.make(), subject, in: operation, from: agency, by: user)
        }
        // The first server's next pass stops between reading the head and writing its batch.
        let (reached, releaseSignal) = Self.pauseNextWrite(of: first.sequencer)
        let paused = message("Read, not yet written")
        let sending = Task { try await first.createMessage(paused, by: Actor(user)) }
        for await _ in reached { break }

        // Meanwhile the second server's pass numbers both messages and moves the head.
        let moving = message("Written while the other waits")
        try await second.createMessage(moving, by: Actor(user))
        releaseSignal.yield()
        try await sending.value

        #expect(first.sequencer.headMoves.load(ordering: .relaxed) == 1, "the paused batch did not see the head move")
        #expect(first.sequencer.retries.load(ordering: .relaxed) == 0, "a pass failed on the moved head")
        let events = try await first.events(after: 0, limit: 1_000)
        #expect(events.map(\.sequence) == Array(1...Int64(events.count)), "the log's numbers have a gap or a twin")
        for sent in [paused, moving] {
            #expect(events.filter { $0.payload.contains(sent.id) }.count == 1, "\(sent.subject) is not in the log once")
        }
        #expect(try await first.reading { try $0.rows("SELECT 1 FROM event_queue").isEmpty })
        #expect(try await first.verifyAuditChain().isIntact)
    }

    @Test(
        "writes that commit while a batch is written are read by the statement that writes it, and numbered after it in their operation"
    )
    func batchReadByTheWriteBefore() async throws {
        let (_, store, agency, user, operation) = try await openWithOperation()
        defer { store.close() }
        func message(_ subject: String) -> Message {
            Self.message(id: Identifier.make(), subject, in: operation, from: agency, by: user)
        }
        // The first batch (one message) waits before its write while four more messages commit.
        let (reached, releaseSignal) = Self.pauseNextWrite(of: store.sequencer)
        let batchesBefore = store.sequencer.batchesWritten.load(ordering: .relaxed)
        let first = message("In the first batch")
        let sendingFirst = Task { try await store.createMessage(first, by: Actor(user)) }
        for await _ in reached { break }
        let others = (1...4).map { message("Committed while the first batch waits, \($0)") }
        let sendingOthers = others.map { sent in Task { try await store.createMessage(sent, by: Actor(user)) } }
        // Each is committed (readable) before the first batch is written.
        for sent in others {
            while try await store.message(id: sent.id, operationId: operation.id) == nil {
                try await Task.sleep(for: .milliseconds(10))
            }
        }
        releaseSignal.yield()
        try await sendingFirst.value
        for sending in sendingOthers { try await sending.value }

        #expect(store.sequencer.batchesWritten.load(ordering: .relaxed) - batchesBefore == 2)
        #expect(
            store.sequencer.batchesReadByTheWriteBefore.load(ordering: .relaxed) >= 1,
            "the second batch was not read by the statement that wrote the first")
        #expect(store.sequencer.headMoves.load(ordering: .relaxed) == 0)
        #expect(store.sequencer.retries.load(ordering: .relaxed) == 0, "a batch failed")
        let events = try await store.events(after: 0, limit: 1_000)
        #expect(events.map(\.sequence) == Array(1...Int64(events.count)), "the log's numbers have a gap or a twin")
        let numbers = events.filter { $0.operationId == operation.id }.compactMap(\.operationSequence)
        #expect(numbers == Array(1...Int64(numbers.count)), "the operation's numbers have a gap or a twin")
        let sentEvents = events.filter { event in ([first] + others).contains { event.payload.contains($0.id) } }
        #expect(sentEvents.count == 5)
        #expect(sentEvents.first?.payload.contains(first.id) == true, "the first message is not numbered first")
        #expect(try await store.reading { try $0.rows("SELECT 1 FROM event_queue").isEmpty })
        #expect(try await store.verifyAuditChain().isIntact)
    }

    /// Makes the next batch `sequencer` writes wait before its write: `reached` yields once it
    /// waits, and a yield on `release` lets it go on. The batches after it do not wait.
    static func pauseNextWrite(
        of sequencer: PostgresSequencer
    ) -> (
        reached: AsyncStream<Void>, release: AsyncStream<Void>.Continuation
    ) {
        let (reached, reachedSignal) = AsyncStream<Void>.makeStream()
        let (release, releaseSignal) = AsyncStream<Void>.makeStream()
        let pauseOnce = Mutex(true)
        sequencer.beforeWrite.withLock {
            $0 = {
                guard
                    pauseOnce.withLock({ first in
                        defer { first = false }; return first
                    })
                else { return }
                reachedSignal.yield()
                for await _ in release { return }
            }
        }
        return (reached, releaseSignal)
    }

    /// Two servers on one new database that the first opened, with an agency, its coordinator
    /// and an operation it leads.
    func openTwoServers() async throws -> (
        first: PostgresStore, second: PostgresStore, agency: Agency, user: User, operation: JointOperation
    ) {
        let (url, first, agency, user, operation) = try await openWithOperation()
        return (first, try await PostgresStore.open(url: url), agency, user, operation)
    }

    /// A message to every participant of `operation`, sent now.
    static func message(
        id: String, _ subject: String, in operation: JointOperation, from agency: Agency, by user: User
    ) -> Message {
        Message(
            id: id, operationId: operation.id, threadId: id, replyTo: nil, corrects: nil, subject: subject,
            body: "Written by two servers at once.", handling: .h0, handlingRestriction: nil,
            evaluation: Evaluation(code: "B2")!, distribution: .allParticipants, targets: [], attachments: [],
            originatorAgencyId: agency.id, authorUserId: user.id, sentAt: Date())
    }

    /// A new database opened by a first server, with an agency, its coordinator and an
    /// operation it leads.
    func openWithOperation() async throws -> (
        url: String, store: PostgresStore, agency: Agency, user: User, operation: JointOperation
    ) {
        let server = try #require(
            ProcessInfo.processInfo.environment["CONCERT_TEST_POSTGRES_URL"],
            "CONCERT_TEST_POSTGRES_URL is not set: run the tests with scripts/test, which starts PostgreSQL.")
        let name = "concert_" + UUID().uuidString.replacingOccurrences(of: "-", with: "").lowercased()
        let url = try await PostgresStore.createDatabase(name, serverURL: server)
        let store = try await PostgresStore.open(url: url)
        let agency = Agency(id: Identifier.make(), name: "A", country: "FR", kind: .police)
        try await store.createAgency(agency, by: nil)
        let user = User(id: Identifier.make(), username: "a", displayName: "A", agencyId: agency.id, role: .coordinator)
        try await store.createUser(user, passwordHash: "x", by: nil)
        let operation = JointOperation(
            id: Identifier.make(), codeName: "OP", summary: nil, leadAgencyId: agency.id, hHour: nil,
            participants: [Participant(agencyId: agency.id, role: .lead)], createdAt: ConcertJSON.now())
        try await store.createOperation(operation, by: Actor(user))
        return (url, store, agency, user, operation)
    }

    /// Runs SQL with `psql` against the database, and returns what it printed.
    func psql(_ url: String, _ sql: String) throws -> String {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/psql")
        process.arguments = [url, "-v", "ON_ERROR_STOP=1", "-tAc", sql]
        let output = Pipe()
        process.standardOutput = output
        try process.run()
        let data = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        #expect(process.terminationStatus == 0, "psql failed on: \(sql)")
        return String(decoding: data, as: UTF8.self)
    }
}
