import ConcertCore
import ConcertStorage
import Foundation
import Synchronization
import Testing

/// The backends every behaviour of the store is checked on.
enum Backend: String, CaseIterable, Sendable, CustomTestStringConvertible {
    case sqlite, postgres

    var testDescription: String { rawValue }

    /// A fresh, empty store: a SQLite file in a new folder, or a new database on the
    /// PostgreSQL server that `scripts/test` starts (`CONCERT_TEST_POSTGRES_URL`).
    func makeStore(folder: URL) async throws -> any Store {
        switch self {
        case .sqlite:
            return try SQLiteStore(path: folder.appendingPathComponent("s.sqlite").path)
        case .postgres:
            guard let server = ProcessInfo.processInfo.environment["CONCERT_TEST_POSTGRES_URL"] else {
                throw StoreFactory.OpenError(
                    description:
                        "CONCERT_TEST_POSTGRES_URL is not set: run the tests with scripts/test, which starts PostgreSQL."
                )
            }
            let name = "concert_" + UUID().uuidString.replacingOccurrences(of: "-", with: "").lowercased()
            return try await StoreFactory.open(try await PostgresStore.createDatabase(name, serverURL: server))
        }
    }
}

@Suite("Store conformance: every behaviour on SQLite and PostgreSQL")
struct StoreConformanceTests {
    struct Fixture {
        let store: any Store
        let folder: URL
        let operation: JointOperation
        let actor: Actor

        static func make(_ backend: Backend) async throws -> Fixture {
            let folder = FileManager.default.temporaryDirectory.appendingPathComponent("concert-store-\(UUID())")
            try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
            let store = try await backend.makeStore(folder: folder)
            let agency = Agency(id: Identifier.make(), name: "A", country: "FR", kind: .police)
            try await store.createAgency(agency, by: nil)
            let user = User(
                id: Identifier.make(), username: "a", displayName: "A", agencyId: agency.id, role: .coordinator)
            try await store.createUser(user, passwordHash: "x", by: nil)
            let operation = JointOperation(
                id: Identifier.make(), codeName: "OP", summary: nil, leadAgencyId: agency.id, hHour: nil,
                participants: [Participant(agencyId: agency.id, role: .lead)], createdAt: ConcertJSON.now())
            try await store.createOperation(operation, by: Actor(user))
            return Fixture(store: store, folder: folder, operation: operation, actor: Actor(user))
        }

        func target(_ name: String, ip: String) throws -> Target {
            try TargetInput(
                kind: .server, name: name, selectors: [SelectorInput(kind: .ip, text: ip)], handling: .h0,
                evaluation: Evaluation(code: "B2")!, distribution: .allParticipants
            ).makeTarget(
                id: Identifier.make(), operation: operation, originatorAgencyId: actor.agencyId,
                createdBy: actor.userId,
                defaultCountry: "FR", createdAt: ConcertJSON.now(), now: ConcertJSON.now())
        }
    }

    @Test("a target round-trips, updates and deletes, each change an event in order", arguments: Backend.allCases)
    func targetLifecycle(_ backend: Backend) async throws {
        let fixture = try await Fixture.make(backend)
        defer { try? FileManager.default.removeItem(at: fixture.folder) }
        let store = fixture.store
        let target = try fixture.target("Server", ip: "192.0.2.1")
        try await store.createTarget(target, by: fixture.actor)
        #expect(try await store.target(id: target.id, operationId: fixture.operation.id) == target)
        #expect(try await store.target(id: target.id, operationId: "another") == nil)
        let renamed = try await store.updateTarget(id: target.id, operationId: fixture.operation.id, by: fixture.actor)
        {
            var changed = $0
            changed.name = "Renamed"
            return changed
        }
        #expect(renamed.name == "Renamed")
        // Its handling facts, read without its JSON; other operations' and unknown ids are left out.
        let handlings = try await store.targetHandlings(
            ids: [target.id, Identifier.make()], operationId: fixture.operation.id)
        #expect(handlings == [target.id: target.recordHandling])
        #expect(try await store.targetHandlings(ids: [target.id], operationId: "another").isEmpty)
        try await store.deleteTarget(id: target.id, operationId: fixture.operation.id, by: fixture.actor) { _ in }
        #expect(try await store.target(id: target.id, operationId: fixture.operation.id) == nil)
        let events = try await store.events(operationId: fixture.operation.id, after: 0, limit: 100)
        #expect(events.map(\.kind) == ["operation.created", "target.created", "target.updated", "target.deleted"])
        #expect(events.map(\.operationSequence) == [1, 2, 3, 4])
        #expect(
            try await store.events(operationId: fixture.operation.id, after: 2, limit: 1).map(\.kind) == [
                "target.updated"
            ])
        #expect(try await store.verifyAuditChain().isIntact)
    }

    @Test("a change whose closure throws leaves the record and the log untouched", arguments: Backend.allCases)
    func refusedChangeWritesNothing(_ backend: Backend) async throws {
        let fixture = try await Fixture.make(backend)
        defer { try? FileManager.default.removeItem(at: fixture.folder) }
        let target = try fixture.target("Server", ip: "192.0.2.1")
        try await fixture.store.createTarget(target, by: fixture.actor)
        let before = try await fixture.store.verifyAuditChain().eventsChecked
        await #expect(throws: DomainError.self) {
            _ = try await fixture.store.updateTarget(
                id: target.id, operationId: fixture.operation.id, by: fixture.actor
            ) {
                _ in throw DomainError.invalid("no")
            }
        }
        await #expect(throws: StoreError.self) {
            _ = try await fixture.store.updateTarget(
                id: "missing", operationId: fixture.operation.id, by: fixture.actor
            ) {
                $0
            }
        }
        #expect(try await fixture.store.target(id: target.id, operationId: fixture.operation.id) == target)
        #expect(try await fixture.store.verifyAuditChain().eventsChecked == before)
    }

    @Test("concurrent writers get gap-free operation sequence numbers and an intact chain", arguments: Backend.allCases)
    func concurrentWriters(_ backend: Backend) async throws {
        let fixture = try await Fixture.make(backend)
        defer { try? FileManager.default.removeItem(at: fixture.folder) }
        try await withThrowingTaskGroup(of: Void.self) { group in
            for index in 0..<50 {
                group.addTask {
                    try await fixture.store.createTarget(
                        try fixture.target("Server \(index)", ip: "198.51.100.\(index)"), by: fixture.actor)
                }
            }
            try await group.waitForAll()
        }
        let events = try await fixture.store.events(operationId: fixture.operation.id, after: 0, limit: 1_000)
        #expect(events.compactMap(\.operationSequence) == Array(1...51))
        #expect(try await fixture.store.encodedTargets(operationId: fixture.operation.id).count == 50)
        #expect(try await fixture.store.verifyAuditChain().isIntact)
    }

    @Test(
        "the encoded target list follows every change at once and never mixes what callers may see",
        arguments: Backend.allCases)
    func targetListIsNeverStale(_ backend: Backend) async throws {
        let fixture = try await Fixture.make(backend)
        defer { try? FileManager.default.removeItem(at: fixture.folder) }
        let store = fixture.store
        let operationId = fixture.operation.id
        func names(visibleTo agency: String? = nil) async throws -> [String] {
            let page = try await store.targetPage(
                operationId: operationId, filter: TargetFilter(), skipping: 0, after: nil, limit: 500
            ) { handling in
                agency.map { handling.distribution.includes($0, originator: handling.originatorAgencyId) } ?? true
            }
            let targets = try page.targets.map { try ConcertJSON.decode(Target.self, from: $0.json) }
            #expect(targets.count == page.visible)
            return targets.map(\.name)
        }
        #expect(try await names() == [])
        let first = try fixture.target("First", ip: "192.0.2.1")
        try await store.createTarget(first, by: fixture.actor)
        #expect(try await names() == ["First"])
        #expect(try await names() == ["First"])
        var restricted = try fixture.target("Restricted", ip: "192.0.2.2")
        restricted.distribution = .agencies(["someone-else"])
        try await store.createTarget(restricted, by: fixture.actor)
        #expect(try await names() == ["First", "Restricted"])
        #expect(try await names(visibleTo: "outsider") == ["First"])
        #expect(try await names(visibleTo: "someone-else") == ["First", "Restricted"])
        _ = try await store.updateTarget(id: first.id, operationId: operationId, by: fixture.actor) {
            var changed = $0
            changed.name = "First, renamed"
            return changed
        }
        #expect(try await names() == ["First, renamed", "Restricted"])
        #expect(try await names(visibleTo: "outsider") == ["First, renamed"])
        try await store.deleteTarget(id: first.id, operationId: operationId, by: fixture.actor) { _ in }
        #expect(try await names() == ["Restricted"])
        #expect(try await names(visibleTo: "outsider") == [])
    }

    @Test("usernames are unique and sessions expire", arguments: Backend.allCases)
    func usersAndSessions(_ backend: Backend) async throws {
        let fixture = try await Fixture.make(backend)
        defer { try? FileManager.default.removeItem(at: fixture.folder) }
        let user = try #require(try await fixture.store.user(id: fixture.actor.userId))
        let clash = User(
            id: Identifier.make(), username: "a", displayName: "B", agencyId: user.agencyId, role: .officer)
        await #expect(throws: StoreError.duplicate("The username 'a' is already taken.")) {
            try await fixture.store.createUser(clash, passwordHash: "x", by: nil)
        }
        try await fixture.store.createSession(tokenHash: "h", user: user, expiresAt: Date().addingTimeInterval(60))
        #expect(try await fixture.store.sessionUser(tokenHash: "h", now: Date()) == user)
        #expect(try await fixture.store.sessionUser(tokenHash: "h", now: Date().addingTimeInterval(120)) == nil)
        try await fixture.store.deleteSession(tokenHash: "h")
        #expect(try await fixture.store.sessionUser(tokenHash: "h", now: Date()) == nil)
    }

    @Test(
        "a session read with the operation a request names gives both as read apart, and neither past its end",
        arguments: Backend.allCases)
    func sessionReadWithOperation(_ backend: Backend) async throws {
        let fixture = try await Fixture.make(backend)
        defer { try? FileManager.default.removeItem(at: fixture.folder) }
        let store = fixture.store
        let user = try #require(try await store.user(id: fixture.actor.userId))
        try await store.createSession(tokenHash: "h", user: user, expiresAt: Date().addingTimeInterval(60))
        let operationId = fixture.operation.id

        let (reader, prefetched) = try #require(
            try await store.sessionUser(tokenHash: "h", now: Date(), readingOperation: operationId))
        #expect(reader == user)
        #expect(prefetched.id == operationId)
        #expect(prefetched.operation == fixture.operation)
        #expect(prefetched.operation == (try await store.operation(id: operationId)))

        // An operation that is not there is read as none, with its id; the user is still found.
        let (_, missing) = try #require(
            try await store.sessionUser(tokenHash: "h", now: Date(), readingOperation: "no-such-operation"))
        #expect(missing.id == "no-such-operation" && missing.operation == nil)

        // An expired, unknown, ended or disabled session reads nothing, operation included.
        #expect(
            try await store.sessionUser(
                tokenHash: "h", now: Date().addingTimeInterval(120), readingOperation: operationId) == nil)
        #expect(try await store.sessionUser(tokenHash: "other", now: Date(), readingOperation: operationId) == nil)
        try await store.createSession(tokenHash: "h2", user: user, expiresAt: Date().addingTimeInterval(60))
        try await store.deleteSession(tokenHash: "h2")
        #expect(try await store.sessionUser(tokenHash: "h2", now: Date(), readingOperation: operationId) == nil)
        _ = try await store.updateUser(id: user.id, by: fixture.actor, eventKind: .userDisabled, endingSessions: false)
        { user in
            var user = user
            user.disabledAt = Date()
            return user
        }
        #expect(try await store.sessionUser(tokenHash: "h", now: Date(), readingOperation: operationId) == nil)
    }

    @Test(
        "a disabled account has no session and stays disabled; notices are listed by kind", arguments: Backend.allCases)
    func disabledAccountsAndNotices(_ backend: Backend) async throws {
        let fixture = try await Fixture.make(backend)
        defer { try? FileManager.default.removeItem(at: fixture.folder) }
        let store = fixture.store
        let user = try #require(try await store.user(id: fixture.actor.userId))
        try await store.createSession(tokenHash: "h", user: user, expiresAt: Date().addingTimeInterval(60))
        let disabledAt = Date(timeIntervalSince1970: 1_800_000_000)
        let disabled = try await store.updateUser(
            id: user.id, by: fixture.actor, eventKind: .userDisabled, endingSessions: false
        ) { user in
            var user = user
            user.disabledAt = disabledAt
            user.displayName = "Renamed"
            return user
        }
        #expect(disabled.isDisabled && disabled.displayName == "Renamed")
        #expect(try await store.user(id: user.id) == disabled)
        #expect(try await store.credentials(username: "a")?.user.isDisabled == true)
        #expect(try await store.sessionUser(tokenHash: "h", now: Date()) == nil)
        // A session made anyway (a race with the disabling) does not let the account in.
        try await store.createSession(tokenHash: "h2", user: disabled, expiresAt: Date().addingTimeInterval(60))
        #expect(try await store.sessionUser(tokenHash: "h2", now: Date()) == nil)
        await #expect(throws: StoreError.self) {
            _ = try await store.updateUser(id: "nobody", by: nil, eventKind: .userChanged, endingSessions: true) {
                $0
            }
        }
        // A change that throws writes nothing.
        let before = try await store.headSequence()
        await #expect(throws: DomainError.self) {
            _ = try await store.updateUser(id: user.id, by: nil, eventKind: .userChanged, endingSessions: true) { _ in
                throw DomainError.invalid("no", field: "x")
            }
        }
        #expect(try await store.headSequence() == before)

        let notice = CrossCheckNotice(
            id: "notice", holderAgencyId: fixture.actor.agencyId, operationId: fixture.operation.id,
            checkedAt: Date(timeIntervalSince1970: 1_600_000_000),
            checkedBy: .init(userId: "u", agencyId: "b", agencyName: "B", agencyCountry: "CY", agencyContact: nil),
            selectors: [])
        try await store.appendEvents([
            EventDraft(
                operationId: fixture.operation.id, actor: fixture.actor, kind: .crosscheckChecked, payload: notice),
            EventDraft(
                operationId: nil, actor: nil, kind: .signInFailed,
                payload: FailedSignIn(username: "x", id: nil, agencyId: nil, address: "127.0.0.1")),
        ])
        let sequence = try await store.latestSequence(operationId: fixture.operation.id)
        let inOperation = try await store.events(
            kinds: [.crosscheckChecked], operationIds: [fixture.operation.id], limit: 10)
        #expect(inOperation.map(\.operationSequence) == [sequence])
        #expect(try await store.events(kinds: [.crosscheckChecked], operationIds: ["other"], limit: 10).isEmpty)
        let accounts = try await store.events(kinds: [.userDisabled, .signInFailed], operationIds: nil, limit: 10)
        #expect(accounts.map(\.kind) == ["signIn.failed", "user.disabled"])
        #expect(
            try await store.events(kinds: [.signInFailed, .userDisabled], operationIds: nil, limit: 1).count == 1)
        #expect(try await store.verifyAuditChain().isIntact)
    }

    @Test("hits are stored once a pair, found by target and agency, reviewed and retired", arguments: Backend.allCases)
    func hits(_ backend: Backend) async throws {
        let fixture = try await Fixture.make(backend)
        defer { try? FileManager.default.removeItem(at: fixture.folder) }
        let store = fixture.store
        let mine = try fixture.target("Mine", ip: "192.0.2.1")
        try await store.createTarget(mine, by: fixture.actor)
        let side = { (target: String, agency: String) in
            HitSide(
                targetId: target, operationId: fixture.operation.id, agencyId: agency, selectorKind: .ip,
                value: "192.0.2.1", matchKey: "192.0.2.1")
        }
        let hit = Hit(
            id: Identifier.make(), kind: .exact, a: side(mine.id, fixture.actor.agencyId), b: side("other", "agency-b"),
            foundAt: ConcertJSON.now())
        #expect(try await store.recordHits([hit], by: fixture.actor).map(\.id) == [hit.id])
        var again = hit
        again.id = Identifier.make()
        #expect(try await store.recordHits([again], by: fixture.actor).isEmpty, "a pair is stored once")
        #expect(try await store.hitCount() == 1)
        #expect(try await store.hits(targetId: "other").map(\.id) == [hit.id])
        #expect(try await store.hits(agencyId: "agency-b").map(\.id) == [hit.id])
        #expect(try await store.hits(agencyId: "nobody").isEmpty)
        let reviewed = try await store.updateHit(id: hit.id, by: fixture.actor) {
            var changed = $0
            changed.reviewedBy = [fixture.actor.agencyId: ConcertJSON.now()]
            return changed
        }
        #expect(try await store.hit(id: hit.id) == reviewed)
        try await store.retireHits(ids: [hit.id], by: fixture.actor)
        #expect(try await store.hit(id: hit.id) == nil)
        let kinds = try await store.events(operationId: fixture.operation.id, after: 0, limit: 100).map(\.kind)
        #expect(
            kinds.filter { $0.hasPrefix("hit.") } == [
                "hit.found", "hit.found", "hit.reviewed", "hit.retired", "hit.retired",
            ])
        #expect(try await store.allSelectors().map(\.matchKey) == ["192.0.2.1"])
        // The other sides of an import's hits are read in one go; unknown ids are left out.
        #expect(try await store.targets(ids: [mine.id, "no-such-target"]) == [mine])
    }

    @Test(
        "targets are written with the hits they make and end in one transaction, or not at all",
        arguments: Backend.allCases)
    func targetsWithTheirHits(_ backend: Backend) async throws {
        let fixture = try await Fixture.make(backend)
        defer { try? FileManager.default.removeItem(at: fixture.folder) }
        let store = fixture.store
        let theirs = try fixture.target("Theirs", ip: "192.0.2.7")
        try await store.createTarget(theirs, by: fixture.actor)
        let head = try await store.headSequence()
        func hit(_ a: Target, _ b: Target) -> Hit {
            let side = { (target: Target) in
                HitSide(
                    targetId: target.id, operationId: target.operationId, agencyId: target.originatorAgencyId,
                    selectorKind: .ip, value: "192.0.2.7", matchKey: "192.0.2.7")
            }
            return Hit(id: Identifier.make(), kind: .exact, a: side(a), b: side(b), foundAt: ConcertJSON.now())
        }
        // Hits that cannot be found fail the whole write: no target, no event, no hit.
        struct Unfound: Error {}
        let refused = try fixture.target("Refused", ip: "192.0.2.7")
        await #expect(throws: Unfound.self) {
            try await store.createTarget(refused, by: fixture.actor, hits: .pending { throw Unfound() })
        }
        await #expect(throws: Unfound.self) {
            try await store.importTargets([refused], by: fixture.actor, hits: .pending { throw Unfound() })
        }
        #expect(try await store.target(id: refused.id, operationId: fixture.operation.id) == nil)
        #expect(try await store.headSequence() == head)
        // Found, they are stored with the target, after its event.
        let mine = try fixture.target("Mine", ip: "192.0.2.7")
        let made = hit(mine, theirs)
        #expect(
            try await store.createTarget(mine, by: fixture.actor, hits: .pending { HitChanges(found: [made]) }).map(
                \.id) == [made.id])
        #expect(try await store.hits(targetId: theirs.id).map(\.id) == [made.id])
        let kinds = try await store.events(after: head, limit: 100).map(\.kind)
        #expect(kinds == ["target.created", "hit.found", "hit.found"])
        // A change that ends the hit and fails to store leaves both; one that succeeds ends it.
        let afterCreate = try await store.headSequence()
        await #expect(throws: Unfound.self) {
            try await store.updateTarget(
                id: mine.id, operationId: fixture.operation.id, by: fixture.actor, hits: .pending { throw Unfound() }
            ) { $0 }
        }
        #expect(try await store.hitCount() == 1)
        #expect(try await store.headSequence() == afterCreate)
        _ = try await store.updateTarget(
            id: mine.id, operationId: fixture.operation.id, by: fixture.actor,
            hits: HitChanges(retiredIds: [made.id])
        ) { $0 }
        #expect(try await store.hitCount() == 0)
        // Deleting a target retires its hits with it.
        let again = hit(mine, theirs)
        _ = try await store.recordHits([again], by: fixture.actor)
        try await store.deleteTarget(id: theirs.id, operationId: fixture.operation.id, by: fixture.actor) { _ in }
        #expect(try await store.hitCount() == 0)
        #expect(
            try await store.events(after: afterCreate, limit: 100).map(\.kind).suffix(3) == [
                "target.deleted", "hit.retired", "hit.retired",
            ])
    }

    @Test("exclusions belong to their agency alone", arguments: Backend.allCases)
    func exclusions(_ backend: Backend) async throws {
        let fixture = try await Fixture.make(backend)
        defer { try? FileManager.default.removeItem(at: fixture.folder) }
        let exclusion = try Exclusion.make(
            id: Identifier.make(), input: SelectorInput(kind: .ip, text: "9.9.9.9"), reason: "Public resolver",
            by: fixture.actor, defaultCountry: "FR", now: ConcertJSON.now())
        try await fixture.store.createExclusion(exclusion, by: fixture.actor)
        #expect(try await fixture.store.exclusions(agencyId: fixture.actor.agencyId) == [exclusion])
        #expect(try await fixture.store.exclusions(agencyId: "other").isEmpty)
        var stranger = fixture.actor
        stranger.agencyId = "other"
        await #expect(throws: StoreError.self) {
            try await fixture.store.deleteExclusion(id: exclusion.id, by: stranger, hits: .none)
        }
        #expect(try await fixture.store.deleteExclusion(id: exclusion.id, by: fixture.actor, hits: .none) == exclusion)
        #expect(try await fixture.store.exclusions(agencyId: nil).isEmpty)
    }

    @Test(
        "messages: stored whole, searched, read marks, one acknowledgement an agency, forwards",
        arguments: Backend.allCases)
    func messages(_ backend: Backend) async throws {
        let fixture = try await Fixture.make(backend)
        defer { try? FileManager.default.removeItem(at: fixture.folder) }
        let store = fixture.store
        let operationId = fixture.operation.id
        let message = try MessageInput(
            subject: "Courier in Limassol", body: "The payment courier travels every Friday.", handling: .h2,
            evaluation: Evaluation(code: "B2")!, distribution: .allParticipants
        ).makeMessage(
            id: Identifier.make(), operation: fixture.operation, parent: nil, by: fixture.actor,
            attachments: [AttachmentInfo(id: "file", fileName: "a.csv", mediaType: "text/csv", size: 3, sha256: "ab")],
            now: ConcertJSON.now())
        try await store.createMessage(message, by: fixture.actor)
        #expect(try await store.message(id: message.id, operationId: operationId)?.message == message)
        #expect(try await store.message(id: message.id, operationId: "another") == nil)
        #expect(try await store.everyMessage(in: operationId).map(\.message) == [message])
        #expect(try await store.foundMessages(["courier"], in: operationId) == [message.id])
        #expect(try await store.foundMessages(["cour", "frid"], in: operationId) == [message.id])
        #expect(try await store.foundMessages(["nothing"], in: operationId).isEmpty)
        #expect(try await store.foundMessages(["courier"], in: "another").isEmpty)
        #expect(try await store.messagesRead(userId: fixture.actor.userId, messageIds: [message.id]).isEmpty)
        try await store.recordMessageRead(
            messageId: message.id, operationId: operationId, by: fixture.actor, what: .auditMessageRead,
            payload: MessageReadAudit(messageId: message.id))
        try await store.recordMessageRead(
            messageId: message.id, operationId: operationId, by: fixture.actor, what: .auditMessageRead,
            payload: MessageReadAudit(messageId: message.id))
        #expect(try await store.messagesRead(userId: fixture.actor.userId, messageIds: [message.id]) == [message.id])
        var recipient = fixture.actor
        recipient.agencyId = "agency-b"
        let first = try await store.acknowledgeMessage(id: message.id, operationId: operationId, by: recipient) { _ in }
        let second = try await store.acknowledgeMessage(id: message.id, operationId: operationId, by: recipient) { _ in
        }
        #expect(first.isNew && !second.isNew)
        #expect(second.record.acknowledgements.map(\.agencyId) == ["agency-b"])
        let forward = Forward(
            id: Identifier.make(), messageId: message.id, agencyId: "agency-c", requestedByAgencyId: "agency-b",
            requestedByUserId: recipient.userId, reason: nil, status: .requested, requestedAt: ConcertJSON.now())
        _ = try await store.changeForward(
            messageId: message.id, operationId: operationId, by: recipient, eventKind: .messageForwardRequested
        ) { _ in forward }
        let granted = try await store.changeForward(
            messageId: message.id, operationId: operationId, by: fixture.actor, eventKind: .messageForwardGranted
        ) { record in
            var decided = record.forwards[0]
            decided.status = .granted
            return decided
        }
        #expect(granted.record.forwards.map(\.status) == [.granted])
        let kinds = try await store.events(operationId: operationId, after: 0, limit: 100).map(\.kind)
        #expect(
            kinds.filter { $0.hasPrefix("message.") } == [
                "message.sent", "message.acknowledged", "message.forwardRequested", "message.forwardGranted",
            ])
        let audit = try await store.events(after: 0, limit: 1_000).filter { $0.kind == "audit.messageRead" }
        #expect(audit.count == 2 && audit.allSatisfy { $0.operationSequence == nil })
        #expect(try await store.verifyAuditChain().isIntact)
    }

    @Test(
        "a page of targets is filtered by the database and full whatever the caller may see",
        arguments: Backend.allCases)
    func targetPages(_ backend: Backend) async throws {
        let fixture = try await Fixture.make(backend)
        defer { try? FileManager.default.removeItem(at: fixture.folder) }
        let store = fixture.store
        // 30 servers, every third hidden from the caller (H3), and a domain named Kestrel.
        var targets = try (0..<30).map { number in
            var target = try fixture.target("Server \(number)", ip: "192.0.2.\(number + 1)")
            if number % 3 == 0 { target.handling = .h3 }
            return target
        }
        targets.append(
            try TargetInput(
                kind: .domain, name: "KESTREL releases",
                selectors: [SelectorInput(kind: .domain, text: "Kestrel.Example")],
                handling: .h0, evaluation: Evaluation(code: "B2")!, distribution: .allParticipants
            ).makeTarget(
                id: Identifier.make(), operation: fixture.operation, originatorAgencyId: fixture.actor.agencyId,
                createdBy: fixture.actor.userId, defaultCountry: "FR", createdAt: ConcertJSON.now(),
                now: ConcertJSON.now()))
        try await store.importTargets(targets, by: fixture.actor)
        let isVisible: @Sendable (RecordHandling) -> Bool = { $0.handling != .h3 }
        let shown = targets.filter { $0.handling != .h3 }
        // Every visible target exactly once, in order, across full pages.
        var seen: [String] = []
        var after: Int? = 0
        repeat {
            let page = try await store.targetPage(
                operationId: fixture.operation.id, filter: TargetFilter(), skipping: after ?? 0, after: nil, limit: 7,
                isVisible: isVisible)
            #expect(page.visible == shown.count && page.matching == shown.count)
            #expect(page.before == seen.count)
            #expect(page.targets.count == min(7, shown.count - seen.count), "a page is full while targets are left")
            seen += page.targets.map(\.id)
            after = page.next
        } while after != nil
        #expect(seen == shown.map(\.id))
        // Filters: by kind, by a selector's text whatever its case, by name, by agency.
        func names(_ filter: TargetFilter) async throws -> [String] {
            try await store.targetPage(
                operationId: fixture.operation.id, filter: filter, skipping: 0, after: nil, limit: 100,
                isVisible: isVisible
            ).targets.map { try ConcertJSON.decode(Target.self, from: $0.json).name }
        }
        #expect(try await names(TargetFilter(kind: .domain)) == ["KESTREL releases"])
        #expect(try await names(TargetFilter(text: "KESTREL.example")) == ["KESTREL releases"])
        #expect(try await names(TargetFilter(text: "  kestrel ")) == ["KESTREL releases"])
        #expect(try await names(TargetFilter(text: "192.0.2.30")) == ["Server 29"])
        #expect(try await names(TargetFilter(kind: .server, text: "server 2")).count == 8)
        #expect(try await names(TargetFilter(originatorAgencyId: "someone else")).isEmpty)
        #expect(
            try await names(TargetFilter(text: "192.0.2.1")).contains("Server 0") == false, "a hidden target stays out")
        let filtered = try await store.targetPage(
            operationId: fixture.operation.id, filter: TargetFilter(kind: .domain), skipping: 0, after: nil, limit: 5,
            isVisible: isVisible)
        #expect(filtered.matching == 1 && filtered.visible == shown.count && filtered.next == nil)
    }

    @Test("the log, sitreps and the action day keep their order and record their events", arguments: Backend.allCases)
    func boardRecords(_ backend: Backend) async throws {
        let fixture = try await Fixture.make(backend)
        defer { try? FileManager.default.removeItem(at: fixture.folder) }
        let store = fixture.store
        let operationId = fixture.operation.id
        let now = ConcertJSON.now()
        for text in ["First", "Second"] {
            try await store.createLogEntry(
                try LogEntry.make(
                    id: Identifier.make(), operationId: operationId, text: text, by: fixture.actor, now: now),
                by: fixture.actor)
        }
        let entries = try await store.logEntries(operationId: operationId)
        #expect(entries.map(\.text) == ["First", "Second"])
        let marked = try await store.updateLogEntry(
            id: entries[1].id, operationId: operationId, by: fixture.actor, eventKind: .logMarkedSignificant
        ) {
            var changed = $0
            changed.significant = true
            return changed
        }
        #expect(try await store.logEntries(operationId: operationId)[1] == marked)
        let later = ActionInput(
            kind: .arrest, title: "Later", executingAgencyId: fixture.actor.agencyId, place: "Paris", country: "FR",
            timeZone: "Europe/Paris", offsetMinutes: 60
        ).makeAction(id: Identifier.make(), operationId: operationId, createdAt: now, now: now)
        let earlier = ActionInput(
            kind: .houseSearch, title: "Earlier", targetId: "a-target", executingAgencyId: fixture.actor.agencyId,
            place: "Lyon", country: "FR", timeZone: "Europe/Paris", offsetMinutes: -30
        ).makeAction(id: Identifier.make(), operationId: operationId, createdAt: now, now: now)
        try await store.createAction(later, by: fixture.actor)
        try await store.createAction(earlier, by: fixture.actor)
        let actions = try await store.actions(operationId: operationId)
        #expect(actions.map(\.title) == ["Earlier", "Later"])
        // The encoded plan is the same plan, in the same order, with each action's target read
        // by the database.
        let encoded = try await store.encodedActions(operationId: operationId)
        #expect(try encoded.map { try ConcertJSON.decode(Action.self, from: $0.json) } == actions)
        #expect(encoded.map(\.targetId) == ["a-target", nil])
        let (_, changed) = try await store.updateActionDay(
            operationId: operationId, by: fixture.actor, eventKind: .operationHold
        ) { operation, actions in
            (operation, [actions[0]])
        }
        #expect(changed.map(\.title) == ["Earlier"])
        let sitrep = try await store.createSitrep(operationId: operationId, by: fixture.actor) {
            operation, actions, log, sitreps, exhibits in
            #expect(actions.count == 2 && log.count == 2 && sitreps.isEmpty)
            return try Sitrep.compile(
                id: Identifier.make(), operation: operation, actions: actions, log: log, sitreps: sitreps,
                exhibits: exhibits,
                summary: "All quiet.", by: fixture.actor, now: now)
        }
        let approved = try await store.updateSitrep(id: sitrep.id, operationId: operationId, by: fixture.actor) {
            current, all in
            try SitrepEdit(summary: current.summary, openProblems: [], status: .approved).apply(
                to: current, among: all, by: fixture.actor, now: now)
        }
        #expect(try await store.sitrep(id: sitrep.id, operationId: operationId) == approved)
        let kinds = try await store.events(operationId: operationId, after: 0, limit: 100).map(\.kind)
        #expect(
            kinds == [
                "operation.created", "log.posted", "log.posted", "log.markedSignificant", "action.created",
                "action.created", "operation.hold", "action.statusChanged", "sitrep.compiled", "sitrep.approved",
            ])
        #expect(try await store.verifyAuditChain().isIntact)
    }

    @Test(
        "a status report made while a change of the whole action day holds its read waits for it, and both stand",
        arguments: Backend.allCases)
    func reportDuringActionDayChange(_ backend: Backend) async throws {
        let fixture = try await Fixture.make(backend)
        defer { try? FileManager.default.removeItem(at: fixture.folder) }
        let store = fixture.store
        let operationId = fixture.operation.id
        let now = ConcertJSON.now()
        let action = ActionInput(
            kind: .arrest, title: "Arrest", executingAgencyId: fixture.actor.agencyId, place: "Paris", country: "FR",
            timeZone: "Europe/Paris", offsetMinutes: 0
        ).makeAction(id: Identifier.make(), operationId: operationId, createdAt: now, now: now)
        try await store.createAction(action, by: fixture.actor)
        let report = Mutex<Task<Action, any Error>?>(nil)
        // The whole day moves by 15 minutes; while it holds what it read, the team reports
        // ready. Were the report written in between, the day's change would write the action
        // back as it read it, and the report would be lost.
        _ = try await store.updateActionDay(operationId: operationId, by: fixture.actor, eventKind: .operationHold) {
            operation, actions in
            report.withLock {
                $0 = Task {
                    try await store.updateAction(
                        id: action.id, operationId: operationId, by: fixture.actor, eventKind: .actionStatusChanged
                    ) { current, _ in
                        var current = current
                        current.status = .ready
                        return current
                    }
                }
            }
            Thread.sleep(forTimeInterval: 0.5)
            return (
                operation,
                actions.map {
                    var moved = $0; moved.offsetMinutes += 15; return moved
                }
            )
        }
        let reported = try await #require(report.withLock { $0 }).value
        #expect(reported.offsetMinutes == 15, "the report was worked out on the action as it was before the change")
        let stored = try #require(try await store.action(id: action.id, operationId: operationId))
        #expect(stored.status == .ready && stored.offsetMinutes == 15, "one of the two changes was lost: \(stored)")
        #expect(try await store.verifyAuditChain().isIntact)
    }
}
