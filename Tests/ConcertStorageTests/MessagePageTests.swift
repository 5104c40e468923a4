import ConcertCore
import ConcertStorage
import Foundation
import Testing

/// The inbox read a page at a time and counted without reading it, on both engines, checked
/// against the same answers worked out from every message with the access policy.
@Suite("Message pages and counts on SQLite and PostgreSQL")
struct MessagePageTests {
    /// An operation of four agencies, one user each.
    struct World {
        let store: any Store
        let folder: URL
        let operation: JointOperation
        let other: JointOperation
        let actors: [Actor]

        static func make(_ backend: Backend) async throws -> World {
            let folder = FileManager.default.temporaryDirectory.appendingPathComponent("concert-inbox-\(UUID())")
            try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
            let store = try await backend.makeStore(folder: folder)
            var actors: [Actor] = []
            for name in ["a", "b", "c", "d"] {
                let agency = Agency(id: "agency-\(name)", name: name.uppercased(), country: "FR", kind: .police)
                try await store.createAgency(agency, by: nil)
                let user = User(
                    id: "user-\(name)", username: name, displayName: name, agencyId: agency.id, role: .officer)
                try await store.createUser(user, passwordHash: "x", by: nil)
                actors.append(Actor(user))
            }
            func operation(_ code: String) -> JointOperation {
                JointOperation(
                    id: Identifier.make(), codeName: code, summary: nil, leadAgencyId: "agency-a", hHour: nil,
                    participants: actors.enumerated().map {
                        Participant(agencyId: $1.agencyId, role: $0 == 0 ? .lead : .participant)
                    }, createdAt: ConcertJSON.now())
            }
            let world = World(
                store: store, folder: folder, operation: operation("INBOX"), other: operation("OTHER"), actors: actors)
            try await store.createOperation(world.operation, by: actors[0])
            try await store.createOperation(world.other, by: actors[0])
            return world
        }

        func message(
            _ subject: String, body: String? = nil, from actor: Actor, handling: HandlingCode = .h0,
            to audience: Distribution = .allParticipants,
            targets: [String] = [], sentAt: Date = ConcertJSON.now(), in operation: JointOperation? = nil
        ) async throws -> Message {
            let id = Identifier.make()
            let message = Message(
                id: id, operationId: (operation ?? self.operation).id, threadId: id, replyTo: nil, corrects: nil,
                subject: subject, body: body ?? "Body of \(subject).", handling: handling,
                handlingRestriction: handling == .h3 ? "Ask first." : nil, evaluation: Evaluation(code: "B2")!,
                distribution: audience, targets: targets, attachments: [], originatorAgencyId: actor.agencyId,
                authorUserId: actor.userId, sentAt: sentAt)
            try await store.createMessage(message, by: actor)
            return message
        }

        func page(
            for actor: Actor, _ filter: MessageFilter = MessageFilter(), after: String? = nil, limit: Int = 500,
            in operation: JointOperation? = nil,
            visible: (@Sendable (RecordHandling) -> Bool)? = nil
        ) async throws -> MessagePage {
            let operation = operation ?? self.operation
            return try await store.messagePage(
                operationId: operation.id, filter: filter,
                reader: MessageReader(userId: actor.userId, agencyId: actor.agencyId), after: after, limit: limit,
                isVisible: visible ?? { AccessPolicy.allows(actor, .readRecord($0), in: operation) })
        }

        /// Every page, following `next`.
        func allPages(
            for actor: Actor, _ filter: MessageFilter = MessageFilter(), limit: Int,
            visible: (@Sendable (RecordHandling) -> Bool)? = nil,
            between: () async throws -> Void = {}
        ) async throws -> [[String]] {
            var pages: [[String]] = []
            var after: String?
            repeat {
                let page = try await page(for: actor, filter, after: after, limit: limit, visible: visible)
                pages.append(page.records.map(\.message.id))
                after = page.next
                try await between()
            } while after != nil
            return pages
        }
    }

    @Test(
        "every message exactly once across the pages, newest first, while new ones arrive", arguments: Backend.allCases)
    func pagesWhileMessagesArrive(_ backend: Backend) async throws {
        let world = try await World.make(backend)
        defer { try? FileManager.default.removeItem(at: world.folder) }
        var sent: [String] = []
        for number in 0..<23 {
            sent.append(try await world.message("Report \(number)", from: world.actors[number % 4]).id)
        }
        var arrived = 0
        let pages = try await world.allPages(
            for: world.actors[1], limit: 5,
            between: {
                _ = try await world.message("Arrived \(arrived)", from: world.actors[2])
                arrived += 1
            })
        #expect(pages.map(\.count) == [5, 5, 5, 5, 3])
        #expect(pages.flatMap { $0 } == sent.reversed(), "each message once, newest first, none that came later")
        let first = try await world.page(for: world.actors[1], limit: 5)
        #expect(first.records.count == 5 && first.records.allSatisfy { $0.message.subject.hasPrefix("Arrived") })
    }

    @Test(
        "messages sent to one operation at once are each listed and counted once, and one to no operation leaves nothing",
        arguments: Backend.allCases)
    func sendersAtOnce(_ backend: Backend) async throws {
        let world = try await World.make(backend)
        defer { try? FileManager.default.removeItem(at: world.folder) }
        // Senders of one operation do not wait for each other on PostgreSQL: each message
        // must still get a place of its own and a count, to all and to named agencies alike.
        let sent = try await withThrowingTaskGroup(of: String.self) { group in
            for number in 0..<120 {
                group.addTask {
                    let audience: Distribution = number % 3 == 0 ? .agencies(["agency-b"]) : .allParticipants
                    return try await world.message(
                        "At once \(number)", from: world.actors[number % 4], to: audience
                    ).id
                }
            }
            return try await group.reduce(into: Set<String>()) { $0.insert($1) }
        }
        // B may read every one: each is to all, to B, or B's own.
        let pages = try await world.allPages(for: world.actors[1], limit: 7)
        #expect(pages.flatMap { $0 }.count == 120 && Set(pages.flatMap { $0 }) == sent)
        // Unread and to acknowledge: all but B's own 30.
        let counts = try await world.store.messageCounts(
            operationId: world.operation.id, reader: MessageReader(userId: "user-b", agencyId: "agency-b"),
            receivingAgencies: 3, overdueBefore: .distantPast,
            isVisible: { AccessPolicy.allows(world.actors[1], .readRecord($0), in: world.operation) })
        #expect(counts.unread == 90 && counts.unacknowledged == 90)
        let unknown = Identifier.make()
        await #expect(throws: StoreError.self) {
            _ = try await world.message(
                "Nowhere", from: world.actors[0],
                in: JointOperation(
                    id: unknown, codeName: "NONE", summary: nil, leadAgencyId: "agency-a", hHour: nil,
                    participants: [], createdAt: ConcertJSON.now()))
        }
        #expect(try await world.page(for: world.actors[1]).records.count == 120)
    }

    @Test(
        "a reader who may read one message in a thousand still gets full pages, and nothing else",
        arguments: Backend.allCases)
    func fullPagesForAFewReadable(_ backend: Backend) async throws {
        let world = try await World.make(backend)
        defer { try? FileManager.default.removeItem(at: world.folder) }
        var readable: [String] = []
        var batch: [Message] = []
        for number in 0..<3_000 {
            let forD = number % 1_000 == 7
            let id = Identifier.make()
            batch.append(
                Message(
                    id: id, operationId: world.operation.id, threadId: id, replyTo: nil, corrects: nil,
                    subject: "Report \(number)", body: "Body.", handling: .h0, handlingRestriction: nil,
                    evaluation: Evaluation(code: "B2")!, distribution: .agencies([forD ? "agency-d" : "agency-b"]),
                    targets: [], attachments: [], originatorAgencyId: "agency-a", authorUserId: "user-a",
                    sentAt: ConcertJSON.now()))
            if forD { readable.append(id) }
        }
        try await world.store.createMessages(batch, by: world.actors[0])
        let pages = try await world.allPages(for: world.actors[3], limit: 2)
        #expect(pages.map(\.count) == [2, 1])
        #expect(pages.flatMap { $0 } == readable.reversed())
        // Agency C is named on none: its inbox is empty, and says nothing of the others.
        #expect(try await world.page(for: world.actors[2]).records.isEmpty)
        let counts = try await world.store.messageCounts(
            operationId: world.operation.id, reader: MessageReader(userId: "user-c", agencyId: "agency-c"),
            receivingAgencies: 3, overdueBefore: ConcertJSON.now(),
            isVisible: { AccessPolicy.allows(world.actors[2], .readRecord($0), in: world.operation) })
        #expect(counts == MessageCounts(unread: 0, unacknowledged: 0, overdue: 0))
        let forD = try await world.store.messageCounts(
            operationId: world.operation.id, reader: MessageReader(userId: "user-d", agencyId: "agency-d"),
            receivingAgencies: 3, overdueBefore: ConcertJSON.now(),
            isVisible: { AccessPolicy.allows(world.actors[3], .readRecord($0), in: world.operation) })
        #expect(forD == MessageCounts(unread: 3, unacknowledged: 3, overdue: 0))
    }

    @Test(
        "a cursor of another operation, or of a message the reader may not read, is refused",
        arguments: Backend.allCases)
    func foreignCursors(_ backend: Backend) async throws {
        let world = try await World.make(backend)
        defer { try? FileManager.default.removeItem(at: world.folder) }
        for number in 0..<3 { _ = try await world.message("Report \(number)", from: world.actors[0]) }
        let elsewhere = try await world.message("Elsewhere", from: world.actors[0], in: world.other)
        let hidden = try await world.message("For B", from: world.actors[0], to: .agencies(["agency-b"]))
        await #expect(throws: UnknownCursor.self) {
            _ = try await world.page(for: world.actors[1], after: elsewhere.id)
        }
        await #expect(throws: UnknownCursor.self) {
            _ = try await world.page(for: world.actors[2], after: hidden.id)
        }
        await #expect(throws: UnknownCursor.self) {
            _ = try await world.page(for: world.actors[1], after: Identifier.make())
        }
        #expect(try await world.page(for: world.actors[1], after: hidden.id).records.count == 3)
    }

    @Test(
        "filters, pages and counts agree with every message read through the policy, after reads, acknowledgements and forwards",
        arguments: Backend.allCases)
    func countsAndFiltersAgree(_ backend: Backend) async throws {
        let world = try await World.make(backend)
        defer { try? FileManager.default.removeItem(at: world.folder) }
        let store = world.store
        let operation = world.operation
        var random = SeededRandom(seed: 22)
        let agencies = world.actors.map(\.agencyId)
        let old = ConcertJSON.now().addingTimeInterval(-3 * 86_400)
        var ids: [String] = []
        for number in 0..<90 {
            let from = world.actors[random.next(4)]
            let others = agencies.filter { $0 != from.agencyId }
            let audience: Distribution =
                random.next(3) == 0 ? .allParticipants : .agencies(others.filter { _ in random.next(2) == 0 })
            let message = try await world.message(
                "Report \(number)", from: from, handling: HandlingCode.allCases[random.next(4)],
                to: audience == .agencies([]) ? .agencies([others[0]]) : audience,
                targets: random.next(5) == 0 ? ["target-1"] : [], sentAt: random.next(2) == 0 ? old : ConcertJSON.now())
            ids.append(message.id)
        }
        for _ in 0..<150 {
            let actor = world.actors[random.next(4)]
            let id = ids[random.next(ids.count)]
            let record = try #require(try await store.message(id: id, operationId: operation.id))
            guard AccessPolicy.allows(actor, .readRecord(record.recordHandling), in: operation) else { continue }
            switch random.next(3) {
            case 0:
                try await store.recordMessageRead(
                    messageId: id, operationId: operation.id, by: actor, what: .auditMessageRead,
                    payload: MessageReadAudit(messageId: id))
            case 1 where record.message.originatorAgencyId != actor.agencyId:
                _ = try await store.acknowledgeMessage(id: id, operationId: operation.id, by: actor) { _ in }
            default:
                // The originator passes it on to an agency that does not have it yet.
                guard case .agencies = record.audience,
                    let to = agencies.first(where: {
                        !record.audience.includes($0, originator: record.message.originatorAgencyId)
                    })
                else { continue }
                let originator = world.actors.first { $0.agencyId == record.message.originatorAgencyId }!
                _ = try await store.changeForward(
                    messageId: id, operationId: operation.id, by: originator, eventKind: .messageForwarded
                ) { record in
                    Forward(
                        id: Identifier.make(), messageId: id, agencyId: to, requestedByAgencyId: originator.agencyId,
                        requestedByUserId: originator.userId, reason: nil, status: .granted,
                        requestedAt: ConcertJSON.now(), decidedByUserId: originator.userId,
                        decidedAt: ConcertJSON.now())
                }
            }
        }
        let all = try await store.everyMessage(in: operation.id)
        let now = ConcertJSON.now()
        for actor in world.actors {
            let readable = all.filter { AccessPolicy.allows(actor, .readRecord($0.recordHandling), in: operation) }
            let read = try await store.messagesRead(userId: actor.userId, messageIds: ids)
            let newestFirst = { (records: [MessageRecord]) in records.reversed().map(\.message.id) }
            let unread = readable.filter {
                $0.message.originatorAgencyId != actor.agencyId && !read.contains($0.message.id)
            }
            let unacknowledged = readable.filter { $0.awaitingAcknowledgement(in: operation).contains(actor.agencyId) }
            let overdue = readable.filter {
                $0.message.originatorAgencyId == actor.agencyId
                    && $0.isOverdue(in: operation, now: now, due: 86_400)
            }
            let counts = try await store.messageCounts(
                operationId: operation.id, reader: MessageReader(userId: actor.userId, agencyId: actor.agencyId),
                receivingAgencies: 3, overdueBefore: now.addingTimeInterval(-86_400),
                isVisible: { AccessPolicy.allows(actor, .readRecord($0), in: operation) })
            #expect(
                counts
                    == MessageCounts(
                        unread: unread.count, unacknowledged: unacknowledged.count, overdue: overdue.count),
                "\(actor.agencyId)")
            #expect(try await world.allPages(for: actor, limit: 7).flatMap { $0 } == newestFirst(readable))
            var filter = MessageFilter()
            filter.unread = true
            #expect(try await world.allPages(for: actor, filter, limit: 7).flatMap { $0 } == newestFirst(unread))
            filter = MessageFilter()
            filter.unacknowledged = true
            #expect(
                try await world.allPages(for: actor, filter, limit: 7).flatMap { $0 } == newestFirst(unacknowledged))
            filter = MessageFilter()
            filter.originatorAgencyId = "agency-b"
            filter.handling = .h2
            #expect(
                try await world.allPages(for: actor, filter, limit: 7).flatMap { $0 }
                    == newestFirst(
                        readable.filter { $0.message.originatorAgencyId == "agency-b" && $0.message.handling == .h2 }))
            filter = MessageFilter()
            filter.targetId = "target-1"
            #expect(
                try await world.allPages(for: actor, filter, limit: 7).flatMap { $0 }
                    == newestFirst(readable.filter { $0.message.targets == ["target-1"] }))
        }
    }

    @Test(
        "a search folds accents alike on both engines and finds only the operation's messages",
        arguments: Backend.allCases)
    func searchFoldsAccents(_ backend: Backend) async throws {
        let world = try await World.make(backend)
        defer { try? FileManager.default.removeItem(at: world.folder) }
        let accented = try await world.message("Café Zürich courier", from: world.actors[0])
        let plain = try await world.message("cafe zurich payment", from: world.actors[1])
        _ = try await world.message("Café Zürich elsewhere", from: world.actors[0], in: world.other)
        _ = try await world.message("Nothing of the kind", from: world.actors[0])
        for words in [["cafe"], ["café"], ["zurich"], ["ZÜRICH"], ["caf", "zür"]] {
            #expect(
                Set(try await world.store.foundMessages(words, in: world.operation.id)) == [accented.id, plain.id],
                "\(words)")
        }
        #expect(try await world.store.foundMessages(["courier", "cafe"], in: world.operation.id) == [accented.id])
        #expect(try await world.store.foundMessages(["bitcoin"], in: world.operation.id).isEmpty)
        // Syntax of either engine's query language is searched for as words.
        for words in [["\"", "OR"], ["scope"], ["NEAR", "*"]] {
            #expect(try await world.store.foundMessages(words, in: world.operation.id).isEmpty, "\(words)")
        }
    }
}

extension MessagePageTests {
    @Test(
        "a search ranks by the message alone, subject first then newest, and pages through it once",
        arguments: Backend.allCases)
    func searchRankIsTheMessagesOwn(_ backend: Backend) async throws {
        let world = try await World.make(backend)
        defer { try? FileManager.default.removeItem(at: world.folder) }
        let older = try await world.message("Morning report", body: "The courier left at six.", from: world.actors[0])
        let subject = try await world.message("Courier seen in Larnaca", body: "Nothing more.", from: world.actors[1])
        let newer = try await world.message("Evening report", body: "The courier came back.", from: world.actors[2])
        let ranked = [subject.id, newer.id, older.id]
        #expect(try await world.store.foundMessages(["courier"], in: world.operation.id) == ranked)
        // A word common elsewhere in the installation changes nothing here: the rank tells
        // nothing of what other operations, or messages hidden from the reader, hold.
        for number in 0..<40 {
            _ = try await world.message(
                "courier \(number)", body: "courier courier", from: world.actors[0], in: world.other)
        }
        _ = try await world.message("Hidden", body: "courier", from: world.actors[0], to: .agencies(["agency-c"]))
        let reader = world.actors[1]
        var filter = MessageFilter()
        filter.words = ["courier"]
        #expect(try await world.page(for: reader, filter).records.map(\.message.id) == ranked)
        // A page at a time, while a new message with the word arrives: each found message once.
        var found: [String] = []
        var after: String?
        repeat {
            let page = try await world.page(for: reader, filter, after: after, limit: 1)
            found += page.records.map(\.message.id)
            after = page.next
            _ = try await world.message("Courier again", body: "More.", from: world.actors[3])
        } while after != nil
        #expect(found == ranked)
    }
}

/// A small, seeded generator: the same scenario on every run and both engines.
struct SeededRandom {
    private var state: UInt64

    init(seed: UInt64) { state = seed &* 0x9E37_79B9_7F4A_7C15 | 1 }

    /// A number from 0 to `bound` - 1.
    mutating func next(_ bound: Int) -> Int {
        state ^= state << 13
        state ^= state >> 7
        state ^= state << 17
        return Int(state % UInt64(bound))
    }
}
