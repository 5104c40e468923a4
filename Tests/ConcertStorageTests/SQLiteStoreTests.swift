import ConcertCore
import ConcertStorage
import Foundation
import Testing

@Suite("SQLite store")
struct SQLiteStoreTests {
    struct Fixture {
        let store: SQLiteStore
        let folder: URL
        let operation: JointOperation
        let actor: Actor

        static func make() async throws -> Fixture {
            let folder = FileManager.default.temporaryDirectory.appendingPathComponent("concert-store-\(UUID())")
            try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
            let store = try SQLiteStore(path: folder.appendingPathComponent("s.sqlite").path)
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

    @Test("a target round-trips, updates and deletes, each change an event in order")
    func targetLifecycle() async throws {
        let fixture = try await Fixture.make()
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

    @Test("a change whose closure throws leaves the record and the log untouched")
    func refusedChangeWritesNothing() async throws {
        let fixture = try await Fixture.make()
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

    @Test("concurrent writers get gap-free operation sequence numbers and an intact chain")
    func concurrentWriters() async throws {
        let fixture = try await Fixture.make()
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

    @Test("the encoded target list follows every change at once and never mixes what callers may see")
    func targetListIsNeverStale() async throws {
        let fixture = try await Fixture.make()
        defer { try? FileManager.default.removeItem(at: fixture.folder) }
        let store = fixture.store
        let operationId = fixture.operation.id
        func names(visibleTo agency: String? = nil) async throws -> [String] {
            let list = try await store.visibleTargetsJSON(operationId: operationId) { handling in
                agency.map { handling.distribution.includes($0, originator: handling.originatorAgencyId) } ?? true
            }
            let targets = try ConcertJSON.makeDecoder().decode([Target].self, from: list.json)
            #expect(targets.count == list.count)
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

    @Test("usernames are unique and sessions expire")
    func usersAndSessions() async throws {
        let fixture = try await Fixture.make()
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
}
