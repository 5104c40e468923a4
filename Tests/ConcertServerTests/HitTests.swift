import ConcertCore
import ConcertCrossCheck
import ConcertStorage
import Foundation
import Hummingbird
import HummingbirdTesting
import NIOCore
import Testing

@testable import ConcertServer

@Suite("Hits between operations")
struct HitTests {
    static func hits(_ persona: Persona, _ client: any TestClientProtocol) async throws -> [[String: Any]] {
        let response = try await client.execute(uri: "/api/v1/hits", method: .get, headers: TestWorld.headers(persona))
        return response.object["items"] as? [[String: Any]] ?? []
    }

    static func feed(
        _ persona: Persona, of operation: JointOperation, since: Int64, _ client: any TestClientProtocol
    ) async throws -> String {
        try await client.execute(
            uri: "/api/v1/operations/\(operation.id)/live?since=\(since)&follow=false", method: .get,
            headers: TestWorld.headers(persona)
        ).text
    }

    @Test("recording a matching selector tells both agencies whom to contact, each in its own feed, and nothing more")
    func foundReviewedRetired() async throws {
        let world = try await TestWorld.make()
        defer { world.remove() }
        let head = world.head
        try await world.withClient { client in
            // The outsider records, in its own operation, the address B recorded in NIGHTJAR.
            let created = try await client.execute(
                uri: "/api/v1/operations/\(world.otherOperation.id)/targets", method: .post,
                headers: TestWorld.headers(.nonParticipant),
                body: .json([
                    "kind": "server", "name": "Cyprus mirror", "handling": "H0", "evaluation": "B2",
                    "distribution": "all", "selectors": [["kind": "ip", "value": "::ffff:192.0.2.10"]],
                ]))
            #expect(created.status == .created)
            let targetId = try #require(created.object["id"] as? String)

            let forB = try await Self.hits(.participantOfficer, client)
            let seenByB = try #require(
                forB.first { ($0["mine"] as? [String: Any])?["value"] as? String == "192.0.2.10" })
            #expect(seenByB["match"] as? String == "exact")
            #expect((seenByB["mine"] as? [String: Any])?["codeName"] as? String == "NIGHTJAR")
            let otherForB = try #require(seenByB["other"] as? [String: Any])
            #expect((otherForB["agency"] as? [String: Any])?["name"] as? String == "Outsider Agency")
            // B takes no part in the outsider's operation: whom to contact, never what it holds.
            #expect(otherForB["value"] == nil && otherForB["targetId"] == nil)
            #expect(otherForB["codeName"] == nil && otherForB["operationId"] == nil)
            let listForB = try await client.execute(
                uri: "/api/v1/hits", method: .get, headers: TestWorld.headers(.participantOfficer))
            for secret in ["BLUEJAY", world.otherOperation.id, "Cyprus mirror", targetId] {
                #expect(!listForB.text.contains(secret), "B learnt \(secret)")
            }

            let forOutsider = try await Self.hits(.nonParticipant, client)
            let seenByOutsider = try #require(
                forOutsider.first { ($0["mine"] as? [String: Any])?["targetId"] as? String == targetId })
            let otherForOutsider = try #require(seenByOutsider["other"] as? [String: Any])
            #expect(
                (otherForOutsider["agency"] as? [String: Any])?["contact"] as? String
                    == "Cybercrime desk, +49 30 5555 0100")
            #expect(otherForOutsider["value"] == nil && otherForOutsider["targetId"] == nil)
            #expect(otherForOutsider["codeName"] == nil)
            let listForOutsider = try await client.execute(
                uri: "/api/v1/hits", method: .get, headers: TestWorld.headers(.nonParticipant))
            for secret in ["NIGHTJAR", world.operation.id, world.sharedTarget.name, world.sharedTarget.id] {
                #expect(!listForOutsider.text.contains(secret), "the outsider learnt \(secret)")
            }
            // Only the agencies on the hit's sides hear of it: not C, not the lead, not the observer.
            #expect(try await Self.hits(.otherParticipantOfficer, client).isEmpty)
            #expect(try await Self.hits(.leadCoordinator, client).isEmpty)
            #expect(
                try await Self.feed(.participantOfficer, of: world.operation, since: head, client).contains(
                    "event: hit.found"))
            for persona in [Persona.otherParticipantOfficer, .leadCoordinator, .observer] {
                #expect(!(try await Self.feed(persona, of: world.operation, since: head, client)).contains("hit."))
            }

            // Reviewing is each agency's own.
            let hitId = try #require(seenByB["id"] as? String)
            let reviewed = try await client.execute(
                uri: "/api/v1/hits/\(hitId)/review", method: .post, headers: TestWorld.headers(.participantOfficer),
                body: .json(["reviewed": true]))
            #expect(reviewed.object["reviewed"] as? Bool == true)
            #expect(
                try await Self.hits(.nonParticipant, client).first { $0["id"] as? String == hitId }?["reviewed"]
                    as? Bool == false)

            // Deleting the selector retires its hits everywhere.
            let deleted = try await client.execute(
                uri: "/api/v1/operations/\(world.otherOperation.id)/targets/\(targetId)", method: .delete,
                headers: TestWorld.headers(.nonParticipant))
            #expect(deleted.status == .noContent)
            #expect(try await Self.hits(.participantOfficer, client).allSatisfy { $0["id"] as? String != hitId })
            #expect(try await Self.hits(.nonParticipant, client).allSatisfy { $0["id"] as? String != hitId })
            #expect(
                try await Self.feed(.participantOfficer, of: world.operation, since: head, client).contains(
                    "event: hit.retired"))
        }
        // The world's own hit is stored and survives a restart (a new server on the same file).
        let restarted = try SQLiteStore(path: world.directory.appendingPathComponent("test.sqlite").path)
        #expect(try await restarted.hits(agencyId: world.partB.id).map(\.id) == [world.hit.id])
    }

    /// A server target of one selector, as an import's file holds it.
    static func target(_ name: String, _ kind: String, _ value: String) -> [String: Any] {
        [
            "kind": "server", "name": name, "handling": "H0", "evaluation": "C3", "distribution": "all",
            "selectors": [["kind": kind, "value": value]],
        ]
    }

    @Test("an import is all or nothing, and its selectors are cross-checked like any other")
    func importFindsHits() async throws {
        let world = try await TestWorld.make()
        defer { world.remove() }
        let path = "/api/v1/operations/\(world.otherOperation.id)/targets/import"
        try await world.withClient { client in
            let before = try await world.eventCount()
            let wrong = try await client.execute(
                uri: path, method: .post, headers: TestWorld.headers(.nonParticipant),
                body: .json([
                    "targets": [Self.target("One", "ip", "203.0.113.1"), Self.target("Two", "ip", "203.0.113.999")]
                ]))
            #expect(wrong.status == .unprocessableContent)
            #expect(wrong.object["field"] as? String == "targets[1].selectors[0].value")
            #expect(try await world.eventCount() == before)

            let imported = try await client.execute(
                uri: path, method: .post, headers: TestWorld.headers(.nonParticipant),
                body: .json([
                    "targets": [
                        Self.target("One", "ip", "203.0.113.1"),
                        Self.target("Mirror of B's server", "ip", "192.0.2.10"),
                        Self.target("Three", "email", "ops@bluejay.example"),
                    ]
                ]))
            #expect(imported.status == .created, "\(imported.text)")
            #expect(imported.object["imported"] as? Int == 3)
            #expect(imported.object["hits"] as? Int == 1)
            let forB = try await Self.hits(.participantOfficer, client)
            #expect(
                forB.contains {
                    ($0["mine"] as? [String: Any])?["value"] as? String == "192.0.2.10"
                        && (($0["other"] as? [String: Any])?["agency"] as? [String: Any])?["name"] as? String
                            == "Outsider Agency"
                })
        }
    }

    @Test("an import's preview names every bad row and every hit it would make, and records no target")
    func importPreview() async throws {
        let world = try await TestWorld.make()
        defer { world.remove() }
        let operationPath = "/api/v1/operations/\(world.otherOperation.id)"
        try await world.withClient { client in
            let headers = TestWorld.headers(.nonParticipant)
            let listed = try await client.execute(uri: operationPath + "/targets", method: .get, headers: headers)
            let targetsBefore = (listed.object["items"] as? [Any])?.count
            let hitsBefore = try await Self.hits(.nonParticipant, client).count
            let preview = try await client.execute(
                uri: operationPath + "/targets/import/preview", method: .post, headers: headers,
                body: .json([
                    "targets": [
                        Self.target("One", "ip", "203.0.113.1"), Self.target("Bad", "ip", "203.0.113.999"),
                        ["kind": "server", "name": 7], Self.target("Mirror of B's server", "ip", "192.0.2.10"),
                    ]
                ]))
            #expect(preview.status == .ok, "\(preview.text)")
            let answer = preview.object
            #expect(answer["targets"] as? Int == 4)
            #expect(answer["valid"] as? Int == 2)
            #expect(answer["invalid"] as? Int == 2)
            #expect(answer["selectors"] as? Int == 2)
            #expect(answer["hits"] as? Int == 1)
            let rows = try #require(answer["rows"] as? [[String: Any]])
            #expect(rows.map { $0["row"] as? Int } == [1, 2, 3, 4])
            // Each bad row is named by its field, as the import would name it; the others go on.
            #expect((rows[1]["problem"] as? [String: Any])?["field"] as? String == "targets[1].selectors[0].value")
            #expect((rows[2]["problem"] as? [String: Any])?["field"] as? String == "targets[2].name")
            #expect(rows[0]["problem"] == nil && rows[3]["problem"] == nil)
            let mirror = try #require((rows[3]["selectors"] as? [[String: Any]])?.first)
            #expect(mirror["hit"] as? Bool == true)
            let holder = (mirror["matches"] as? [[String: Any]])?.first?["agency"] as? [String: Any]
            #expect(holder?["id"] as? String == world.partB.id)
            #expect((rows[0]["selectors"] as? [[String: Any]])?.first?["hit"] as? Bool == false)
            // Whom to contact, never what the holder holds or where.
            for secret in ["NIGHTJAR", world.operation.id, world.hit.a.targetId, world.hit.b.targetId] {
                #expect(!preview.text.contains(secret), "the preview told \(secret)")
            }
            // Nothing was recorded.
            let after = try await client.execute(uri: operationPath + "/targets", method: .get, headers: headers)
            #expect((after.object["items"] as? [Any])?.count == targetsBefore)
            #expect(try await Self.hits(.nonParticipant, client).count == hitsBefore)
            // A file whose every row is of the wrong shape is previewed, row by row, all refused.
            let shapeless = try await client.execute(
                uri: operationPath + "/targets/import/preview", method: .post, headers: headers,
                body: .json(["targets": [[:], ["kind": "server"]]]))
            #expect(shapeless.status == .ok, "\(shapeless.text)")
            #expect(shapeless.object["invalid"] as? Int == 2 && shapeless.object["valid"] as? Int == 0)
            // A preview is a check: the holder is told that its selector was checked.
            let notices = try await client.execute(
                uri: "/api/v1/crosscheck/notices", method: .get, headers: TestWorld.headers(.participantOfficer))
            #expect(notices.text.contains("192.0.2.10"))
        }
    }

    @Test("an agency that excludes a value gets no hits on it, its hits on it are retired, and lifted they come back")
    func exclusions() async throws {
        let world = try await TestWorld.make()
        defer { world.remove() }
        try await world.withClient { client in
            let excluded = try await client.execute(
                uri: "/api/v1/crosscheck/exclusions", method: .post, headers: TestWorld.headers(.participantOfficer),
                body: .json(["kind": "domain", "value": "Release-Mirror.example", "reason": "Our own mirror"]))
            #expect(excluded.status == .created)
            #expect(excluded.object["matchKey"] as? String == "release-mirror.example")
            let exclusionId = try #require(excluded.object["id"] as? String)
            // The world's hit on that domain is gone for both sides.
            #expect(try await Self.hits(.participantOfficer, client).isEmpty)
            #expect(try await Self.hits(.nonParticipant, client).isEmpty)
            // A new subdomain recorded elsewhere makes no hit with B either.
            func record(_ name: String, _ domain: String) async throws -> TestResponse {
                try await client.execute(
                    uri: "/api/v1/operations/\(world.otherOperation.id)/targets", method: .post,
                    headers: TestWorld.headers(.nonParticipant),
                    body: .json([
                        "kind": "server", "name": name, "handling": "H0", "evaluation": "C3", "distribution": "all",
                        "selectors": [["kind": "domain", "value": domain]],
                    ]))
            }
            #expect(try await record("Second node", "cdn2.release-mirror.example").status == .created)
            #expect(try await Self.hits(.participantOfficer, client).isEmpty)
            let check = try await client.execute(
                uri: "/api/v1/crosscheck", method: .post, headers: TestWorld.headers(.otherParticipantOfficer),
                body: .json(["selectors": [["kind": "domain", "value": "release-mirror.example"]]]))
            let agencies = ((check.object["results"] as? [[String: Any]])?.first?["matches"] as? [[String: Any]])?
                .compactMap { ($0["agency"] as? [String: Any])?["name"] as? String }
            #expect(agencies?.contains("Agency B") == false, "B's excluded value still answered: \(check.text)")

            let listed = try await client.execute(
                uri: "/api/v1/crosscheck/exclusions", method: .get, headers: TestWorld.headers(.participantOfficer))
            #expect((listed.object["items"] as? [[String: Any]])?.count == 2)
            // Lifted, the value makes hits again.
            let lifted = try await client.execute(
                uri: "/api/v1/crosscheck/exclusions/\(exclusionId)", method: .delete,
                headers: TestWorld.headers(.participantOfficer))
            #expect(lifted.status == .noContent)
            // The hits it held back are back: the world's, and the second node's, for both sides.
            let back = try await Self.hits(.participantOfficer, client)
            #expect(back.count == 2, "\(back)")
            let backForOutsider = try await Self.hits(.nonParticipant, client)
            #expect(backForOutsider.count == 2)
            #expect(
                backForOutsider.contains {
                    ($0["mine"] as? [String: Any])?["value"] as? String == "cdn2.release-mirror.example"
                })
            #expect(try await record("Third node", "cdn3.release-mirror.example").status == .created)
            #expect(try await Self.hits(.participantOfficer, client).count == 3)
        }
    }

    @Test("a value recorded by 200 operations becomes common: the stored hits stay bounded")
    func commonValueBounded() async throws {
        let world = try await TestWorld.make()
        defer { world.remove() }
        let crossCheck = CrossCheckService(store: world.store, commonThreshold: 50)
        let recorder = HitRecorder(store: world.store, crossCheck: crossCheck)
        let outsider = Actor(world.users[.nonParticipant]!)
        let before = try await world.store.hitCount()
        var counts: [Int] = []
        for index in 0..<200 {
            let operation = JointOperation(
                id: Identifier.make(), codeName: "RESOLVER-\(index)", summary: nil, leadAgencyId: world.outsider.id,
                hHour: nil, participants: [Participant(agencyId: world.outsider.id, role: .lead)],
                createdAt: ConcertJSON.now())
            try await world.store.createOperation(operation, by: outsider)
            let target = try TargetInput(
                kind: .server, name: "Public resolver", selectors: [SelectorInput(kind: .ip, text: "9.9.9.9")],
                handling: .h0, evaluation: Evaluation(code: "A1")!, distribution: .allParticipants
            ).makeTarget(
                id: Identifier.make(), operation: operation, originatorAgencyId: world.outsider.id,
                createdBy: outsider.userId, defaultCountry: "CY", createdAt: ConcertJSON.now(), now: ConcertJSON.now())
            try await recorder.createTarget(target, by: outsider)
            counts.append(try await world.store.hitCount() - before)
        }
        // Each of the first 49 holders meets those before it; from the 50th on, the value is common.
        #expect(counts[48] == 49 * 48 / 2)
        #expect(counts[199] == counts[48])
        let probe = CrossCheckEntry(
            targetId: "probe", operationId: "elsewhere", agencyId: world.partC.id, kind: .ip, matchKey: "9.9.9.9")
        #expect(try await crossCheck.lookUp([probe]).first?.commonHolders == 200)
        // The holder sees the common value with its holder count, in the API and on the hits page.
        let common = try await crossCheck.commonValues(agencyId: world.outsider.id)
        #expect(common.map(\.value) == ["9.9.9.9"] && common.first?.holders == 200)
        #expect(try await crossCheck.commonValues(agencyId: world.partC.id).isEmpty)
        try await world.withClient { client in
            let list = try await client.execute(
                uri: "/api/v1/hits", method: .get, headers: TestWorld.headers(.nonParticipant))
            let values = (list.object["common"] as? [[String: Any]]) ?? []
            #expect(values.count == 1 && values.first?["value"] as? String == "9.9.9.9")
            #expect(values.first?["holders"] as? Int == 200)
            let page = try await client.execute(
                uri: "/hits", method: .get, headers: TestWorld.headers(.nonParticipant, json: false))
            #expect(page.text.contains("Common values") && page.text.contains(">200</td>"))
            let other = try await client.execute(
                uri: "/api/v1/hits", method: .get, headers: TestWorld.headers(.otherParticipantOfficer))
            #expect((other.object["common"] as? [Any])?.isEmpty == true)
        }
    }

    /// A new operation led by `agency`, holding one target with `ip`, not yet stored.
    static func operationHolding(
        _ ip: String, for agency: Agency, by actor: Actor, in world: TestWorld
    ) async throws -> Target {
        let operation = JointOperation(
            id: Identifier.make(), codeName: "IMPORT-\(agency.name)", summary: nil, leadAgencyId: agency.id,
            hHour: nil, participants: [Participant(agencyId: agency.id, role: .lead)], createdAt: ConcertJSON.now())
        try await world.store.createOperation(operation, by: actor)
        return try TargetInput(
            kind: .server, name: "Mirror", selectors: [SelectorInput(kind: .ip, text: ip)], handling: .h0,
            evaluation: Evaluation(code: "B2")!, distribution: .allParticipants
        ).makeTarget(
            id: Identifier.make(), operation: operation, originatorAgencyId: agency.id, createdBy: actor.userId,
            defaultCountry: "CY", createdAt: ConcertJSON.now(), now: ConcertJSON.now())
    }

    @Test("an import the store refuses leaves no trace in the index")
    func refusedImportForgotten() async throws {
        let world = try await TestWorld.make()
        defer { world.remove() }
        let crossCheck = CrossCheckService(store: world.store)
        let recorder = HitRecorder(store: world.store, crossCheck: crossCheck)
        let outsider = Actor(world.users[.nonParticipant]!)
        let target = try await Self.operationHolding("203.0.113.77", for: world.outsider, by: outsider, in: world)
        struct Refused: Error {}
        await #expect(throws: Refused.self) {
            try await recorder.record([target], by: outsider) { _ -> ((), [Hit]) in throw Refused() }
        }
        let probe = CrossCheckEntry(
            targetId: "probe", operationId: "elsewhere", agencyId: world.partC.id, kind: .ip, matchKey: "203.0.113.77")
        #expect(try await crossCheck.lookUp([probe]).first?.isHit == false)
        #expect(try await world.store.target(id: target.id, operationId: target.operationId) == nil)
    }

    @Test("targets of two operations imported together that share a value get their hit, with both sides")
    func matchWithinOneImport() async throws {
        let world = try await TestWorld.make()
        defer { world.remove() }
        let recorder = HitRecorder(store: world.store, crossCheck: CrossCheckService(store: world.store))
        let outsider = Actor(world.users[.nonParticipant]!)
        let officerC = Actor(world.users[.otherParticipantOfficer]!)
        let first = try await Self.operationHolding("203.0.113.79", for: world.outsider, by: outsider, in: world)
        let second = try await Self.operationHolding("203.0.113.79", for: world.partC, by: officerC, in: world)
        let before = try await world.store.hitCount()
        let stored = try await TargetImporter(store: world.store, hits: recorder).importTargets(
            [first, second], by: outsider)
        #expect(stored == 1)
        #expect(try await world.store.hitCount() - before == 1)
        let hit = try #require(try await world.store.hits(targetId: second.id).first)
        #expect(Set([hit.a.targetId, hit.b.targetId]) == [first.id, second.id])
        #expect(Set([hit.a.agencyId, hit.b.agencyId]) == [world.outsider.id, world.partC.id])
        #expect(hit.a.value == "203.0.113.79" && hit.b.value == "203.0.113.79")
    }

    @Test("a server following the log stores the hit that two servers recording at the same moment both missed")
    func hitFoundFollowingTheLog() async throws {
        let world = try await TestWorld.make()
        defer { world.remove() }
        // This server's index, loaded before the other server records anything.
        let crossCheck = CrossCheckService(store: world.store)
        let recorder = HitRecorder(store: world.store, crossCheck: crossCheck)
        _ = try await crossCheck.lookUp([])
        let outsider = Actor(world.users[.nonParticipant]!)
        let officerC = Actor(world.users[.otherParticipantOfficer]!)
        let mine = try await Self.operationHolding("203.0.113.80", for: world.outsider, by: outsider, in: world)
        let theirs = try await Self.operationHolding("203.0.113.80", for: world.partC, by: officerC, in: world)
        let start = try await world.store.headSequence()
        let before = try await world.store.hitCount()
        // The other server stores C's target; this one records its own before it has seen C's.
        try await world.store.createTarget(theirs, by: officerC)
        try await recorder.createTarget(mine, by: outsider)
        #expect(try await world.store.hitCount() == before)

        func hitsFound() async throws -> Int {
            try await world.store.events(after: start, limit: 1_000).filter { $0.kind == "hit.found" }.count
        }
        let events = try await world.store.events(after: start, limit: 1_000)
        await crossCheck.apply(events, recordingHitsWith: recorder)
        #expect(try await world.store.hitCount() - before == 1)
        let hit = try #require(try await world.store.hits(targetId: mine.id).first)
        #expect(Set([hit.a.targetId, hit.b.targetId]) == [mine.id, theirs.id])
        #expect(try await hitsFound() == 2, "each side is told once")
        // Followed again (or by the other server too), the pair stays one hit, announced once.
        await crossCheck.apply(events, recordingHitsWith: recorder)
        #expect(try await world.store.hitCount() - before == 1)
        #expect(try await hitsFound() == 2)
    }

    @Test(
        "a target recorded while an import that it matches is being stored waits its turn and gets its hit; checks before sharing do not wait",
        arguments: [false, true])
    func matchWhileImportIsStored(_ importedToo: Bool) async throws {
        let world = try await TestWorld.make()
        defer { world.remove() }
        let crossCheck = CrossCheckService(store: world.store)
        let recorder = HitRecorder(store: world.store, crossCheck: crossCheck)
        let outsider = Actor(world.users[.nonParticipant]!)
        let officerC = Actor(world.users[.otherParticipantOfficer]!)
        let imported = try await Self.operationHolding("203.0.113.78", for: world.outsider, by: outsider, in: world)
        let recorded = try await Self.operationHolding("203.0.113.78", for: world.partC, by: officerC, in: world)
        let before = try await world.store.hitCount()
        // The import's transaction waits until `release` is called.
        let (gate, release) = AsyncStream<Void>.makeStream()
        let importing = Task {
            try await recorder.record([imported], by: outsider) { changes in
                for await _ in gate { break }
                return ((), try await world.store.importTargets([imported], by: outsider, hits: changes))
            }.1.count
        }
        // Once the index holds the import's target (not yet in the store), C records the same address.
        let probe = CrossCheckEntry(
            targetId: "probe", operationId: "elsewhere", agencyId: world.lead.id, kind: .ip, matchKey: "203.0.113.78")
        while try await crossCheck.lookUp([probe]).first?.isHit != true { try await Task.sleep(for: .milliseconds(5)) }
        // Recorded on its own, or imported too.
        let recording = Task {
            if importedToo {
                _ = try await TargetImporter(store: world.store, hits: recorder).importTargets([recorded], by: officerC)
            } else {
                try await recorder.createTarget(recorded, by: officerC)
            }
        }
        // A check before sharing of a value of neither answers while the import is held.
        let unrelated = CrossCheckEntry(
            targetId: "probe", operationId: "elsewhere", agencyId: world.lead.id, kind: .ip, matchKey: "198.51.100.9")
        #expect(try await crossCheck.lookUp([unrelated]).first?.isHit == false)
        try await Task.sleep(for: .milliseconds(200))
        #expect(
            try await world.store.target(id: recorded.id, operationId: recorded.operationId) == nil,
            "C's target was stored before the import it matches")
        release.yield()
        #expect(try await importing.value == 0, "the import's own look-up came before C's target")
        try await recording.value
        let hits = try await world.store.hits(targetId: recorded.id)
        #expect(try await world.store.hitCount() - before == 1)
        #expect(hits.map(\.b.targetId) == [imported.id])
    }
}
