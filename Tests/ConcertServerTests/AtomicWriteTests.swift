import ConcertCore
import Foundation
import GRDB
import Hummingbird
import HummingbirdTesting
import NIOCore
import Testing

@testable import ConcertServer

/// A request that changes targets or exclusions writes them with the hits they make and end in
/// one transaction: when the hits cannot be written, nothing of the request is.
@Suite("Targets and their hits written together")
struct AtomicWriteTests {
    /// Makes the world's database refuse to store (`INSERT`) or retire (`DELETE`) hits, as a
    /// full disk or a broken constraint would, from another connection to its file.
    static func refuseHits(_ statement: String, in world: TestWorld) throws {
        let queue = try DatabaseQueue(path: world.directory.appendingPathComponent("test.sqlite").path)
        try queue.write { db in
            try db.execute(
                sql: """
                    CREATE TRIGGER refuse_hits_\(statement.lowercased()) BEFORE \(statement) ON hit
                    BEGIN SELECT RAISE(ABORT, 'no room for hits'); END
                    """)
        }
    }

    static func allowHits(in world: TestWorld) throws {
        let queue = try DatabaseQueue(path: world.directory.appendingPathComponent("test.sqlite").path)
        try queue.write { db in
            try db.execute(sql: "DROP TRIGGER IF EXISTS refuse_hits_insert; DROP TRIGGER IF EXISTS refuse_hits_delete")
        }
    }

    /// The names of the agencies that a check of `value` by agency C finds holding it.
    static func holders(of value: String, _ client: any TestClientProtocol) async throws -> [String] {
        let check = try await CrossCheckAPITests.check(
            [["kind": "ip", "value": value]], as: .otherParticipantOfficer, client: client)
        let matches = (CrossCheckAPITests.results(check).first?["matches"] as? [[String: Any]]) ?? []
        return matches.compactMap { ($0["agency"] as? [String: Any])?["name"] as? String }.sorted()
    }

    /// The events that record changes of targets, hits and exclusions (checks and reads are
    /// logged too, as audit entries).
    static func changes(in world: TestWorld) async throws -> Int {
        try await world.store.events(after: 0, limit: 100_000).filter { event in
            ["target.", "hit.", "exclusion."].contains { event.kind.hasPrefix($0) }
        }.count
    }

    static func outsiderTargets(_ world: TestWorld, _ client: any TestClientProtocol) async throws -> [[String: Any]] {
        try await client.execute(
            uri: "/api/v1/operations/\(world.otherOperation.id)/targets", method: .get,
            headers: TestWorld.headers(.nonParticipant)
        ).object["items"] as? [[String: Any]] ?? []
    }

    static func mirror(_ address: String) -> [String: Any] {
        [
            "kind": "server", "name": "Cyprus mirror", "handling": "H0", "evaluation": "B2", "distribution": "all",
            "selectors": [["kind": "ip", "value": address]],
        ]
    }

    @Test("a target whose hits cannot be stored is not stored, logged or cross-checked either")
    func createdWithItsHits() async throws {
        let world = try await TestWorld.make()
        defer { world.remove() }
        try await world.withClient { client in
            let targetsBefore = try await Self.outsiderTargets(world, client).count
            let hitsBefore = try await world.store.hitCount()
            let eventsBefore = try await Self.changes(in: world)
            #expect(try await Self.holders(of: "192.0.2.10", client) == ["Agency B"])
            try Self.refuseHits("INSERT", in: world)
            // The outsider records the address B holds: the target would make a hit with B's.
            let refused = try await client.execute(
                uri: "/api/v1/operations/\(world.otherOperation.id)/targets", method: .post,
                headers: TestWorld.headers(.nonParticipant), body: .json(Self.mirror("192.0.2.10")))
            #expect(refused.status != .created)
            #expect(try await Self.outsiderTargets(world, client).count == targetsBefore, "the target was stored")
            #expect(try await Self.changes(in: world) == eventsBefore, "the log holds part of the request")
            #expect(try await world.store.hitCount() == hitsBefore)
            #expect(try await Self.holders(of: "192.0.2.10", client) == ["Agency B"], "the index kept the target")
            // An import of it is refused whole, the same way.
            let imported = try await client.execute(
                uri: "/api/v1/operations/\(world.otherOperation.id)/targets/import", method: .post,
                headers: TestWorld.headers(.nonParticipant),
                body: .json(["targets": [Self.mirror("198.51.100.77"), Self.mirror("192.0.2.10")]]))
            #expect(imported.status != .created)
            #expect(try await Self.outsiderTargets(world, client).count == targetsBefore)
            #expect(try await Self.changes(in: world) == eventsBefore)
            #expect(try await Self.holders(of: "198.51.100.77", client).isEmpty)

            // Once hits can be stored again, the same target is stored with its hit.
            try Self.allowHits(in: world)
            let created = try await client.execute(
                uri: "/api/v1/operations/\(world.otherOperation.id)/targets", method: .post,
                headers: TestWorld.headers(.nonParticipant), body: .json(Self.mirror("192.0.2.10")))
            #expect(created.status == .created)
            #expect(try await world.store.hitCount() == hitsBefore + 1)
            #expect(try await Self.holders(of: "192.0.2.10", client) == ["Agency B", "Outsider Agency"])
        }
    }

    @Test("a change or a deletion whose hits cannot be retired leaves the target, its hits and the index as they were")
    func changedAndDeletedWithTheirHits() async throws {
        let world = try await TestWorld.make()
        defer { world.remove() }
        try await world.withClient { client in
            let created = try await client.execute(
                uri: "/api/v1/operations/\(world.otherOperation.id)/targets", method: .post,
                headers: TestWorld.headers(.nonParticipant), body: .json(Self.mirror("192.0.2.10")))
            let targetId = try #require(created.object["id"] as? String)
            let uri = "/api/v1/operations/\(world.otherOperation.id)/targets/\(targetId)"
            let hitsBefore = try await world.store.hitCount()
            let eventsBefore = try await Self.changes(in: world)
            try Self.refuseHits("DELETE", in: world)

            // Moved to another address, the target would end its hit with B's.
            let changed = try await client.execute(
                uri: uri, method: .put, headers: TestWorld.headers(.nonParticipant),
                body: .json(Self.mirror("198.51.100.78")))
            #expect(changed.status != .ok)
            let read = try await client.execute(uri: uri, method: .get, headers: TestWorld.headers(.nonParticipant))
            #expect(read.text.contains("192.0.2.10") && !read.text.contains("198.51.100.78"), "\(read.text)")
            #expect(try await Self.holders(of: "198.51.100.78", client).isEmpty, "the index kept the change")
            #expect(try await Self.holders(of: "192.0.2.10", client) == ["Agency B", "Outsider Agency"])

            let deleted = try await client.execute(
                uri: uri, method: .delete, headers: TestWorld.headers(.nonParticipant))
            #expect(deleted.status != .noContent)
            #expect(
                try await client.execute(uri: uri, method: .get, headers: TestWorld.headers(.nonParticipant))
                    .status == .ok)
            #expect(try await world.store.hitCount() == hitsBefore)
            #expect(try await Self.changes(in: world) == eventsBefore, "the log holds part of a request")
            #expect(try await Self.holders(of: "192.0.2.10", client) == ["Agency B", "Outsider Agency"])

            // An exclusion that would retire the hit is refused whole too.
            let excluded = try await client.execute(
                uri: "/api/v1/crosscheck/exclusions", method: .post, headers: TestWorld.headers(.participantOfficer),
                body: .json(["kind": "ip", "value": "192.0.2.10", "reason": "Our own test server"]))
            #expect(excluded.status != .created)
            #expect(try await Self.holders(of: "192.0.2.10", client) == ["Agency B", "Outsider Agency"])
            #expect(try await Self.changes(in: world) == eventsBefore)

            // Allowed again, deleting the target takes its hit with it, in the same request.
            try Self.allowHits(in: world)
            #expect(
                try await client.execute(uri: uri, method: .delete, headers: TestWorld.headers(.nonParticipant))
                    .status == .noContent)
            #expect(try await world.store.hitCount() == hitsBefore - 1)
            #expect(try await Self.holders(of: "192.0.2.10", client) == ["Agency B"])
        }
    }
}
