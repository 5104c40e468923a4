import ConcertCore
import Foundation
import GRDB
import Testing

@testable import ConcertStorage

/// A target's JSON is kept once, in the event that last wrote it (migration v9 of SQLite).
@Suite("A target's JSON kept once, in the log (SQLite)")
struct TargetDocumentTests {
    static func target(_ name: String, in operationId: String) throws -> Target {
        let now = ConcertJSON.now()
        let operation = JointOperation(
            id: operationId, codeName: "ONCE", summary: nil, leadAgencyId: "fr", hHour: nil,
            participants: [Participant(agencyId: "fr", role: .lead)], createdAt: now)
        return try TargetInput(
            kind: .server, name: name, selectors: [SelectorInput(kind: .ip, text: "192.0.2.7")], handling: .h1,
            evaluation: Evaluation(code: "B2")!, distribution: .allParticipants
        ).makeTarget(
            id: Identifier.make(), operation: operation, originatorAgencyId: "fr", createdBy: "u", defaultCountry: "FR",
            createdAt: now, now: now)
    }

    @Test("rows hold no second copy; a target written before the change reads, updates and deletes as ever")
    func keptOnce() async throws {
        // A database from before the change, holding a target with its JSON in the row.
        let old = try Self.target("Old front end", in: "op")
        let path = try await oldDatabase(
            upTo: "v8: selectors packed into their target", named: "once",
            """
            INSERT INTO target (id, operation_id, originator_agency_id, handling, distribution, json, selector_keys)
            VALUES (?, 'op', 'fr', 'H1', ?, ?, ?);
            """, arguments: [old.id, old.distribution.json, old.json, PackedSelectors.pack(old.selectors)])
        defer { try? FileManager.default.removeItem(atPath: path) }

        let store = try SQLiteStore(path: path)
        #expect(try await store.target(id: old.id, operationId: "op") == old)
        let actor = Actor(userId: "u", agencyId: "fr", role: .coordinator)
        let new = try Self.target("New front end", in: "op")
        let imported = try Self.target("Imported", in: "op")
        try await store.createTarget(new, by: actor)
        try await store.importTargets([imported], by: actor)
        let renamed = try await store.updateTarget(id: old.id, operationId: "op", by: actor) { target in
            var target = target
            target.name = "Old front end, renamed"
            return target
        }
        #expect(try await store.targets(ids: [old.id, new.id, imported.id]) == [renamed, new, imported])
        let listed = try await store.encodedTargets(operationId: "op")
        #expect(listed.map(\.id) == [old.id, new.id, imported.id])
        #expect(try listed.map { try ConcertJSON.decode(Target.self, from: $0.json) } == [renamed, new, imported])

        // What the rows hold: no JSON, and the event whose payload is the target's JSON.
        let rows = try await store.pool.read { db in
            try Row.fetchAll(
                db,
                sql: """
                    SELECT row.json AS json, event.kind AS kind, event.payload AS payload
                    FROM target_row AS row JOIN event ON event.sequence = row.json_event ORDER BY row.rowid
                    """)
        }
        #expect(rows.map { $0["json"] as String } == ["", "", ""])
        #expect(rows.map { $0["kind"] as String } == ["target.updated", "target.created", "target.created"])
        #expect(
            try rows.map { try ConcertJSON.decode(Target.self, from: $0["payload"] as String) } == [
                renamed, new, imported,
            ])

        try await store.deleteTarget(id: new.id, operationId: "op", by: actor) { _ in }
        #expect(try await store.target(id: new.id, operationId: "op") == nil)
        #expect(try await store.allSelectors().map(\.targetId) == [old.id, imported.id])
        #expect(try await store.verifyAuditChain().isIntact)
    }
}
