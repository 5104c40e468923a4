import ConcertCore
import Foundation
import Hummingbird
import HummingbirdTesting
import NIOCore
import Testing

@testable import ConcertServer

@Suite("Check before sharing")
struct CrossCheckAPITests {
    static func check(
        _ selectors: [[String: Any]], as persona: Persona, client: any TestClientProtocol
    ) async throws -> TestResponse {
        try await client.execute(
            uri: "/api/v1/crosscheck", method: .post, headers: TestWorld.headers(persona),
            body: .json(["selectors": selectors]))
    }

    static func results(_ response: TestResponse) -> [[String: Any]] {
        response.object["results"] as? [[String: Any]] ?? []
    }

    @Test("another agency learns hit or no hit and whom to contact, nothing of the operation; the holder is told")
    func hitNoHit() async throws {
        let world = try await TestWorld.make()
        defer { world.remove() }
        let eventsBefore = try await world.eventCount()
        try await world.withClient { client in
            let response = try await Self.check(
                [
                    ["kind": "ip", "value": "::ffff:192.0.2.10"],
                    ["kind": "email", "value": "zq@HIDDEN-SUSPECT.example"],
                    ["kind": "ip", "value": "198.51.100.250"],
                ], as: .nonParticipant, client: client)
            #expect(response.status == .ok, "\(response.text)")
            let results = Self.results(response)
            #expect(results.map { $0["hit"] as? Bool } == [true, true, false])
            let match = try #require((results[0]["matches"] as? [[String: Any]])?.first)
            #expect(match["match"] as? String == "exact")
            #expect(match["selectorKind"] as? String == "ip")
            let agency = try #require(match["agency"] as? [String: Any])
            #expect(agency["name"] as? String == "Agency B")
            #expect(agency["contact"] as? String == "Cybercrime desk, +49 30 5555 0100")
            #expect((results[2]["matches"] as? [Any])?.isEmpty == true)
            for secret in [
                world.operation.id, world.operation.codeName, world.sharedTarget.id, world.sharedTarget.name,
                world.restrictedTarget.id, world.restrictedTarget.name,
            ] {
                #expect(!response.text.contains(secret), "the answer names \(secret)")
            }
            // One's own agency's records are no news.
            let own = try await Self.check(
                [["kind": "ip", "value": "192.0.2.10"]], as: .participantOfficer, client: client)
            #expect(Self.results(own).first?["hit"] as? Bool == false)
        }
        // Each check is one entry in the caller's audit trail; the outsider's hits on B's two
        // targets are one notice to B in B's operation (B's own check hit nobody else's).
        #expect(try await world.store.latestSequence(operationId: world.operation.id) == world.head + 1)
        #expect(try await world.eventCount() == eventsBefore + 3)
        let notice = try #require(
            try await world.store.events(kinds: [.crosscheckChecked], operationIds: [world.operation.id], limit: 5)
                .first)
        #expect(notice.payload.contains(world.partB.id) && notice.payload.contains(world.outsider.id))
        // The holder learns which of its selectors were checked, never the value the checker sent.
        #expect(!notice.payload.contains("HIDDEN-SUSPECT") && !notice.payload.contains("::ffff:"))
    }

    @Test("the index follows targets recorded and deleted, and finds addresses inside recorded blocks")
    func followsChanges() async throws {
        let world = try await TestWorld.make()
        defer { world.remove() }
        let targets = "/api/v1/operations/\(world.operation.id)/targets"
        try await world.withClient { client in
            let created = try await client.execute(
                uri: targets, method: .post, headers: TestWorld.headers(.otherParticipantOfficer),
                body: .json([
                    "kind": "server", "name": "Mirror", "handling": "H1", "evaluation": "B2", "distribution": "all",
                    "selectors": [
                        ["kind": "cidr", "value": "203.0.113.0/24"], ["kind": "domain", "value": "example.org"],
                    ],
                ]))
            #expect(created.status == .created)
            let id = try #require(created.object["id"] as? String)
            let probes: [[String: Any]] = [
                ["kind": "ip", "value": "203.0.113.77"], ["kind": "domain", "value": "cdn.EXAMPLE.org"],
            ]
            let found = Self.results(try await Self.check(probes, as: .nonParticipant, client: client))
            #expect(
                found.map { ($0["matches"] as? [[String: Any]])?.first?["match"] as? String } == [
                    "insideBlock", "subdomain",
                ])
            #expect(
                ((found[0]["matches"] as? [[String: Any]])?.first?["agency"] as? [String: Any])?["name"] as? String
                    == "Agency C")
            let deleted = try await client.execute(
                uri: targets + "/\(id)", method: .delete, headers: TestWorld.headers(.otherParticipantOfficer))
            #expect(deleted.status == .noContent)
            let gone = Self.results(try await Self.check(probes, as: .nonParticipant, client: client))
            #expect(gone.map { $0["hit"] as? Bool } == [false, false])
        }
        // A server started afterwards builds its index from the store and finds the same.
        try await world.withClient { client in
            let again = try await Self.check(
                [["kind": "ip", "value": "192.0.2.10"]], as: .nonParticipant, client: client)
            #expect(Self.results(again).first?["hit"] as? Bool == true)
        }
    }

    @Test("a wrong selector names its place in the list; more than 10,000 are refused; nothing is recorded")
    func badInput() async throws {
        let world = try await TestWorld.make()
        defer { world.remove() }
        let before = try await world.eventCount()
        try await world.withClient { client in
            let wrong = try await Self.check(
                [["kind": "ip", "value": "192.0.2.1"], ["kind": "ip", "value": "999.1.1.1"]], as: .nonParticipant,
                client: client)
            #expect(wrong.status == .unprocessableContent)
            #expect(wrong.object["field"] as? String == "selectors[1].value")
            let many = Array(repeating: ["kind": "ip", "value": "192.0.2.1"] as [String: Any], count: 10_001)
            let tooMany = try await Self.check(many, as: .nonParticipant, client: client)
            #expect(tooMany.status == .unprocessableContent)
            #expect((tooMany.object["detail"] as? String)?.contains("at most 10000") == true)
        }
        #expect(try await world.eventCount() == before)
    }

    @Test("the answer written by hand is the encoder's, byte for byte")
    func answerEncoding() throws {
        let agencies = [
            Agency(id: "fr", name: "Police \"nationale\" / OCLCTIC", country: "FR", kind: .police, contact: "+33 1\n2"),
            Agency(id: "cy", name: "Κύπρος", country: "CY", kind: .police),
        ]
        let output = CrossCheckController.Output(results: [
            .init(hit: false, matches: [], commonHolders: nil),
            .init(hit: true, matches: [], commonHolders: 200),
            .init(
                hit: true,
                matches: agencies.map {
                    .init(match: .insideBlock, selectorKind: .ip, agency: AgencyContact($0))
                }, commonHolders: nil),
        ])
        #expect(output.json == (try ConcertJSON.encodeToString(output)))
        #expect(CrossCheckController.Output(results: []).json == #"{"results":[]}"#)
    }
}
