import ConcertCore
import ConcertInterop
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Testing

@testable import ConcertServer

/// Imports of STIX bundles, MISP events and tables, and the exports, through the API.
@Suite("Interop through the API")
struct InteropRouteTests {
    static func headers(_ persona: Persona, type: String) -> HTTPFields {
        var headers = TestWorld.headers(persona, json: false)
        headers[.contentType] = type
        return headers
    }

    /// The targets of a listing with this name.
    static func named(_ name: String, in listing: TestResponse) -> [[String: Any]] {
        (listing.object["items"] as? [[String: Any]] ?? []).filter { $0["name"] as? String == name }
    }

    static let bundle = """
        {"type": "bundle", "id": "bundle--0b1c0000-0000-4000-8000-000000000000", "objects": [
          {"type": "relationship", "id": "relationship--0b1c0000-0000-4000-8000-000000000001",
           "relationship_type": "indicates", "source_ref": "indicator--0b1c0000-0000-4000-8000-000000000002",
           "target_ref": "infrastructure--0b1c0000-0000-4000-8000-000000000003"},
          {"type": "indicator", "id": "indicator--0b1c0000-0000-4000-8000-000000000002", "pattern_type": "stix",
           "pattern": "[ipv4-addr:value = '192.0.2.10'] OR [domain-name:value = 'co.uk'] OR [ipv4-addr:value = '198.51.100.61']",
           "modified": "2026-01-01T00:00:00.000Z"},
          {"type": "infrastructure", "id": "infrastructure--0b1c0000-0000-4000-8000-000000000003", "name": "Mirror node",
           "modified": "2026-01-01T00:00:00.000Z",
           "object_marking_refs": ["marking-definition--f88d31f6-486f-44da-b317-01333bde0b82"]},
          {"type": "malware", "id": "malware--0b1c0000-0000-4000-8000-000000000004", "name": "x"}
        ]}
        """

    @Test(
        "a STIX bundle is previewed without a write, imported whole with its hits, and a newer version updates its target"
    )
    func stixImport() async throws {
        let world = try await TestWorld.make()
        defer { world.remove() }
        // The outsider's own operation: its import of B's server makes a hit.
        let path = "/api/v1/operations/\(world.otherOperation.id)/targets/import"
        let stix = Self.headers(.nonParticipant, type: "application/stix+json;version=2.1")
        try await world.withClient { client in
            let before = try await world.eventCount()
            let preview = try await client.execute(
                uri: path + "?dryRun=true", method: .post, headers: stix, body: ByteBuffer(string: Self.bundle))
            #expect(preview.status == .ok, "\(preview.text)")
            #expect(preview.object["created"] as? Int == 1)
            #expect(preview.object["dryRun"] as? Bool == true)
            #expect(preview.object["unknownTypes"] as? [String: Int] == ["malware": 1])
            let leftOut = try #require(preview.object["leftOut"] as? [[String: Any]])
            #expect(leftOut.count == 1)
            #expect((leftOut.first?["detail"] as? String)?.contains("public suffix") == true)
            #expect(((leftOut.first?["place"] as? [String: Any])?["path"] as? String) == "objects[1].pattern")
            #expect(try await world.eventCount() == before, "a preview wrote")

            let imported = try await client.execute(
                uri: path + "?evaluation=B3", method: .post, headers: stix, body: ByteBuffer(string: Self.bundle))
            #expect(imported.status == .created, "\(imported.text)")
            #expect(imported.object["created"] as? Int == 1)
            #expect(imported.object["hits"] as? Int == 1)
            let rows = try #require(imported.object["targets"] as? [[String: Any]])
            #expect(rows.first?["handling"] as? String == "H2")
            #expect(rows.first?["handlingFromFile"] as? Bool == true)
            let listed = try await client.execute(
                uri: "/api/v1/operations/\(world.otherOperation.id)/targets", method: .get,
                headers: TestWorld.headers(.nonParticipant))
            let target = try #require(Self.named("Mirror node", in: listed).first)
            #expect(target["evaluation"] as? String == "B3")
            #expect((target["selectors"] as? [[String: Any]])?.count == 2)

            let again = try await client.execute(
                uri: path, method: .post, headers: stix, body: ByteBuffer(string: Self.bundle))
            #expect(again.status == .ok, "\(again.text)")
            #expect(again.object["created"] as? Int == 0)
            #expect((again.object["targets"] as? [[String: Any]])?.first?["action"] as? String == "unchanged")

            let newer = Self.bundle.replacingOccurrences(of: "198.51.100.61", with: "198.51.100.62")
                .replacingOccurrences(of: "2026-01-01T00:00:00.000Z", with: "2026-02-01T00:00:00.000Z")
            let updated = try await client.execute(
                uri: path, method: .post, headers: stix, body: ByteBuffer(string: newer))
            #expect(updated.status == .created, "\(updated.text)")
            #expect(updated.object["updated"] as? Int == 1)
            #expect(updated.object["created"] as? Int == 0)
            let relisted = try await client.execute(
                uri: "/api/v1/operations/\(world.otherOperation.id)/targets", method: .get,
                headers: TestWorld.headers(.nonParticipant))
            let items = Self.named("Mirror node", in: relisted)
            #expect(items.count == 1, "the newer version replaced its target rather than adding one")
            #expect(items.first?["id"] as? String == target["id"] as? String)
            #expect(
                (items.first?["selectors"] as? [[String: Any]])?.compactMap { $0["value"] as? String }
                    == ["192.0.2.10", "198.51.100.62"])

            // A later bundle may relate its objects to one imported before: that is no reference
            // to nothing. One to an object nobody imported is, and says which.
            let later = """
                {"type": "bundle", "objects": [
                  {"type": "ipv4-addr", "id": "ipv4-addr--0b1c0000-0000-4000-8000-000000000011", "value": "192.0.2.77"},
                  {"type": "relationship", "id": "relationship--0b1c0000-0000-4000-8000-000000000012",
                   "relationship_type": "related-to", "source_ref": "ipv4-addr--0b1c0000-0000-4000-8000-000000000011",
                   "target_ref": "infrastructure--0b1c0000-0000-4000-8000-000000000003"},
                  {"type": "relationship", "id": "relationship--0b1c0000-0000-4000-8000-000000000013",
                   "relationship_type": "related-to", "source_ref": "ipv4-addr--0b1c0000-0000-4000-8000-000000000011",
                   "target_ref": "infrastructure--0b1c0000-0000-4000-8000-0000000000ff"}
                ]}
                """
            let related = try await client.execute(
                uri: path + "?dryRun=true", method: .post, headers: stix, body: ByteBuffer(string: later))
            #expect(related.status == .ok, "\(related.text)")
            let unresolved = try #require(related.object["unresolved"] as? [[String: Any]])
            #expect(
                unresolved.map { $0["reference"] as? String } == [
                    "infrastructure--0b1c0000-0000-4000-8000-0000000000ff"
                ])
        }
    }

    @Test("a malformed file of each format is refused whole with the place of its first error, and nothing is written")
    func refusedWhole() async throws {
        let world = try await TestWorld.make()
        defer { world.remove() }
        let path = "/api/v1/operations/\(world.operation.id)/targets/import"
        let cases: [(String, String, String)] = [
            (
                "text/csv", "name,ip\nGood,198.51.100.1\nBad,198.51.100.300\n",
                "line 3, column 2 (ip)"
            ),
            (
                "application/json",
                #"{"Event": {"Attribute": [{"type": "ip-dst", "value": "198.51.100.2"}, {"type": "url", "value": "not a url"}]}}"#,
                "at Event.Attribute[1].value"
            ),
            (
                "application/stix+json",
                #"{"type": "bundle", "objects": [{"type": "ipv4-addr", "id": "ipv4-addr--0b1c0000-0000-4000-8000-000000000009", "value": "198.51.100.3"}, {"type": "indicator", "id": "indicator--0b1c0000-0000-4000-8000-00000000000a", "pattern": "[ipv4-addr:value = "}]}"#,
                "at objects[1].pattern"
            ),
        ]
        try await world.withClient { client in
            let before = try await world.eventCount()
            for (type, body, place) in cases {
                let response = try await client.execute(
                    uri: path, method: .post, headers: Self.headers(.participantOfficer, type: type),
                    body: ByteBuffer(string: body))
                #expect(response.status == .unprocessableContent, "\(type): \(response.text)")
                #expect(response.headers[.contentType] == "application/problem+json")
                let detail = response.object["detail"] as? String ?? ""
                #expect(detail.contains("refused whole") && detail.contains(place), "\(type): \(detail)")
                #expect((response.object["errors"] as? [Any])?.count == 1)
            }
            // A column's role named by the query, or a role that is none.
            let named = try await client.execute(
                uri: path + "?dryRun=true&column=Box:ip", method: .post,
                headers: Self.headers(.participantOfficer, type: "text/csv"),
                body: ByteBuffer(string: "Box\n198.51.100.5\n"))
            #expect(named.status == .ok, "\(named.text)")
            #expect(named.object["created"] as? Int == 1)
            let badRole = try await client.execute(
                uri: path + "?column=Box:boat", method: .post,
                headers: Self.headers(.participantOfficer, type: "text/csv"),
                body: ByteBuffer(string: "Box\n198.51.100.5\n"))
            #expect(badRole.status == .badRequest)
            #expect((badRole.object["detail"] as? String)?.contains("'Box:boat' is not") == true)
            let notABundle = try await client.execute(
                uri: path, method: .post, headers: Self.headers(.participantOfficer, type: "application/json"),
                body: ByteBuffer(string: #"{"hello": "world"}"#))
            #expect(notABundle.status == .unprocessableContent)
            #expect((notABundle.object["detail"] as? String)?.contains("STIX bundle") == true)
            let eventAsStix = try await client.execute(
                uri: path, method: .post, headers: Self.headers(.participantOfficer, type: "application/stix+json"),
                body: ByteBuffer(string: #"{"Event": {"info": "x"}}"#))
            #expect(eventAsStix.status == .unprocessableContent)
            #expect((eventAsStix.object["detail"] as? String)?.contains("a MISP event, not a STIX bundle") == true)
            // A body that stops being JSON says where; one whose format was told before is that
            // format's file in error (422), one that was not yet told is no JSON (400).
            for (type, body, status) in [
                ("application/json", "{\"Event\": {\"Attribute\": [}", HTTPResponse.Status.unprocessableContent),
                ("application/json", "{\"info\": tru}", .badRequest),
                ("application/stix+json", "{\"type\": \"bundle\",\n \"objects\": [1 2]}", .unprocessableContent),
            ] {
                let broken = try await client.execute(
                    uri: path, method: .post, headers: Self.headers(.participantOfficer, type: type),
                    body: ByteBuffer(string: body))
                #expect(broken.status == status, "\(type): \(broken.text)")
                let detail = broken.object["detail"] as? String ?? ""
                #expect(detail.contains("not JSON") && detail.contains("line"), "\(type): \(detail)")
            }
            #expect(try await world.eventCount() == before)
        }
    }

    @Test("an import into an operation the caller does not take part in is a 404 and writes nothing; observers may not")
    func policy() async throws {
        let world = try await TestWorld.make()
        defer { world.remove() }
        let path = "/api/v1/operations/\(world.operation.id)/targets/import"
        try await world.withClient { client in
            let before = try await world.eventCount()
            for (persona, status) in [(Persona.nonParticipant, 404), (.observer, 403), (.anonymous, 401)] {
                let response = try await client.execute(
                    uri: path, method: .post, headers: Self.headers(persona, type: "text/csv"),
                    body: ByteBuffer(string: "name,ip\nA,198.51.100.9\n"))
                #expect(response.status.code == status, "\(persona)")
                #expect(!response.text.contains(world.operation.codeName))
            }
            #expect(try await world.eventCount() == before)
        }
    }

    @Test("exports hold only the targets the caller may read, and exporting twice gives the same ids")
    func exports() async throws {
        let world = try await TestWorld.make()
        defer { world.remove() }
        let operation = "/api/v1/operations/\(world.operation.id)"
        try await world.withClient { client in
            for format in ["stix", "misp"] {
                let seen = try await client.execute(
                    uri: operation + "/exports/\(format)", method: .get, headers: TestWorld.headers(.participantOfficer)
                )
                #expect(seen.status == .ok)
                #expect(seen.text.contains("zq@hidden-suspect.example"), "B recorded the restricted target")
                #expect(seen.text.contains("192.0.2.10"))
                let hidden = try await client.execute(
                    uri: operation + "/exports/\(format)", method: .get,
                    headers: TestWorld.headers(.otherParticipantOfficer))
                #expect(hidden.status == .ok)
                #expect(hidden.text.contains("192.0.2.10"))
                for secret in ["zq@hidden-suspect.example", "Zacharias", "informant", world.restrictedTarget.id] {
                    #expect(!hidden.text.contains(secret), "\(format) export leaks '\(secret)' to C")
                }
                let observer = try await client.execute(
                    uri: operation + "/exports/\(format)", method: .get, headers: TestWorld.headers(.observer))
                #expect(observer.status == .forbidden)
                let outsider = try await client.execute(
                    uri: operation + "/exports/\(format)", method: .get, headers: TestWorld.headers(.nonParticipant))
                #expect(outsider.status == .notFound)
            }
            let first = try await client.execute(
                uri: operation + "/exports/stix", method: .get, headers: TestWorld.headers(.participantOfficer))
            let second = try await client.execute(
                uri: operation + "/exports/stix", method: .get, headers: TestWorld.headers(.participantOfficer))
            #expect(first.text == second.text)
            #expect(first.headers[.contentType] == "application/stix+json;version=2.1")
        }
    }

    @Test("the schedule is the caller's agency's; only the lead coordinators read another's, and never a hidden target")
    func schedule() async throws {
        let world = try await TestWorld.make()
        defer { world.remove() }
        let path = "/api/v1/operations/\(world.operation.id)/schedule.ics"
        try await world.withClient { client in
            let own = try await client.execute(uri: path, method: .get, headers: TestWorld.headers(.participantOfficer))
            #expect(own.status == .ok)
            #expect(own.headers[.contentType] == "text/calendar; charset=utf-8")
            #expect(own.text.contains("UID:\(world.actionB.id)@concert\r\n"))
            #expect(own.text.contains("SUMMARY:Arrest in Berlin"))
            #expect(own.text.contains("DTSTART:20270115T080000Z\r\n"))
            #expect(own.text.contains("X-CONCERT-TIME-ZONE:Europe/Berlin"))
            #expect(!own.text.contains("Ashburn"), "C's action is not B's schedule")
            let partB = world.actionB.executingAgencyId
            let asked = try await client.execute(
                uri: path + "?agency=\(partB)", method: .get, headers: TestWorld.headers(.otherParticipantOfficer))
            #expect(asked.status == .forbidden)
            #expect(!asked.text.contains("Berlin"))
            let lead = try await client.execute(
                uri: path + "?agency=\(partB)", method: .get, headers: TestWorld.headers(.leadCoordinator))
            #expect(lead.status == .ok)
            #expect(lead.text.contains("UID:\(world.actionB.id)@concert\r\n"))
            let outsider = try await client.execute(
                uri: path, method: .get, headers: TestWorld.headers(.nonParticipant))
            #expect(outsider.status == .notFound)
        }
    }
}

extension InteropRouteTests {
    @Test(
        "a calendar token opens the schedule alone, for its user's operations, and ends when made again, ended or reset"
    )
    func calendarToken() async throws {
        let world = try await TestWorld.make()
        defer { world.remove() }
        let schedule = "/api/v1/operations/\(world.operation.id)/schedule.ics"
        try await world.withClient { client in
            let made = try await client.execute(
                uri: "/api/v1/me/calendar-token", method: .post, headers: TestWorld.headers(.participantOfficer))
            #expect(made.status == .created)
            let token = try #require(made.object["token"] as? String)
            #expect(made.object["path"] as? String == "/api/v1/operations/{operationId}/schedule.ics?token=\(token)")
            let polled = try await client.execute(uri: schedule + "?token=\(token)", method: .get)
            #expect(polled.status == .ok)
            #expect(polled.text.contains("UID:\(world.actionB.id)@concert"))
            // Nothing else: not another route, not as a bearer token, not another agency's schedule.
            for path in [
                "/api/v1/operations?token=\(token)", "/api/v1/operations/\(world.operation.id)/targets?token=\(token)",
                "/api/v1/operations/\(world.operation.id)/exports/stix?token=\(token)",
            ] {
                #expect(try await client.execute(uri: path, method: .get).status == .unauthorized, "\(path)")
            }
            var bearer: HTTPFields = [:]
            bearer[.authorization] = "Bearer \(token)"
            #expect(try await client.execute(uri: schedule, method: .get, headers: bearer).status == .unauthorized)
            let otherAgency = try await client.execute(
                uri: schedule + "?token=\(token)&agency=\(world.partC.id)", method: .get)
            #expect(otherAgency.status == .forbidden)
            let foreign = try await client.execute(
                uri: "/api/v1/operations/\(world.otherOperation.id)/schedule.ics?token=\(token)", method: .get)
            #expect(foreign.status == .notFound)
            #expect(!foreign.text.contains(world.otherOperation.codeName))
            let unknown = try await client.execute(uri: schedule + "?token=not-a-token", method: .get)
            #expect(unknown.status == .unauthorized)
            #expect(unknown.headers[.contentType] == "application/problem+json")

            let again = try await client.execute(
                uri: "/api/v1/me/calendar-token", method: .post, headers: TestWorld.headers(.participantOfficer))
            let second = try #require(again.object["token"] as? String)
            #expect(try await client.execute(uri: schedule + "?token=\(token)", method: .get).status == .unauthorized)
            #expect(try await client.execute(uri: schedule + "?token=\(second)", method: .get).status == .ok)
            let ended = try await client.execute(
                uri: "/api/v1/me/calendar-token", method: .delete, headers: TestWorld.headers(.participantOfficer))
            #expect(ended.status == .noContent)
            #expect(try await client.execute(uri: schedule + "?token=\(second)", method: .get).status == .unauthorized)
            let none = try await client.execute(
                uri: "/api/v1/me/calendar-token", method: .delete, headers: TestWorld.headers(.participantOfficer))
            #expect(none.status == .notFound)

            // An administrator's password reset ends it with the user's sessions.
            let third = try #require(
                try await client.execute(
                    uri: "/api/v1/me/calendar-token", method: .post,
                    headers: TestWorld.headers(.otherParticipantOfficer)
                ).object["token"] as? String)
            #expect(try await client.execute(uri: schedule + "?token=\(third)", method: .get).status == .ok)
            _ = try await world.store.resetPassword(
                id: world.users[.otherParticipantOfficer]!.id, passwordHash: "reset", by: nil)
            #expect(try await client.execute(uri: schedule + "?token=\(third)", method: .get).status == .unauthorized)
        }
    }
}

extension InteropRouteTests {
    @Test("an update never loosens what the owner set; a restricted export re-imported stays with the importer")
    func neverLoosened() async throws {
        let world = try await TestWorld.make()
        defer { world.remove() }
        let path = "/api/v1/operations/\(world.otherOperation.id)/targets/import"
        let stix = Self.headers(.nonParticipant, type: "application/stix+json")
        try await world.withClient { client in
            let imported = try await client.execute(
                uri: path, method: .post, headers: stix, body: ByteBuffer(string: Self.bundle))
            #expect(imported.status == .created)
            let listing = try await client.execute(
                uri: "/api/v1/operations/\(world.otherOperation.id)/targets", method: .get,
                headers: TestWorld.headers(.nonParticipant))
            var target = try #require(Self.named("Mirror node", in: listing).first)
            let id = try #require(target["id"] as? String)
            // Its owner narrows it by hand.
            target["handling"] = "H3"
            target["handlingRestriction"] = "Only the outsider's own investigators."
            target["distribution"] = [world.outsider.id]
            let put = try await client.execute(
                uri: "/api/v1/operations/\(world.otherOperation.id)/targets/\(id)", method: .put,
                headers: TestWorld.headers(.nonParticipant), body: .json(target))
            #expect(put.status == .ok, "\(put.text)")
            let newer = Self.bundle.replacingOccurrences(
                of: "2026-01-01T00:00:00.000Z", with: "2026-03-01T00:00:00.000Z")
            let updated = try await client.execute(
                uri: path, method: .post, headers: stix, body: ByteBuffer(string: newer))
            #expect(updated.object["updated"] as? Int == 1, "\(updated.text)")
            let read = try await client.execute(
                uri: "/api/v1/operations/\(world.otherOperation.id)/targets/\(id)", method: .get,
                headers: TestWorld.headers(.nonParticipant))
            #expect(read.object["handling"] as? String == "H3")
            #expect(read.object["distribution"] as? [String] == [world.outsider.id])

            // The same object twice in one file is refused, not retried for ever.
            let twice =
                #"{"Event": {"Object": [{"name": "domain-ip", "uuid": "5a1e0000-0000-4000-8000-00000000aaaa", "Attribute": [{"object_relation": "ip", "type": "ip-dst", "value": "198.51.100.70"}]}, {"name": "domain-ip", "uuid": "5a1e0000-0000-4000-8000-00000000aaaa", "Attribute": [{"object_relation": "ip", "type": "ip-dst", "value": "198.51.100.71"}]}]}}"#
            let misp = Self.headers(.nonParticipant, type: "application/json")
            _ = try await client.execute(
                uri: path, method: .post, headers: misp,
                body: ByteBuffer(string: twice.replacingOccurrences(of: "198.51.100.71", with: "198.51.100.70")))
            let again = try await client.execute(
                uri: path, method: .post, headers: misp,
                body: ByteBuffer(
                    string: twice.replacingOccurrences(
                        of: "\"Attribute\"", with: "\"timestamp\": \"1900000000\", \"Attribute\"")))
            #expect(again.status == .unprocessableContent, "\(again.text)")
            #expect((again.object["detail"] as? String)?.contains("more than once") == true)
        }
        // B exports the restricted target it may read, and imports the export into an
        // operation of its own making: the copy is B's alone, not every participant's.
        try await world.withClient { client in
            let exported = try await client.execute(
                uri: "/api/v1/operations/\(world.operation.id)/exports/stix", method: .get,
                headers: TestWorld.headers(.leadCoordinator))
            #expect(exported.text.contains("zq@hidden-suspect.example"))
            let imported = try await client.execute(
                uri: "/api/v1/operations/\(world.operation.id)/targets/import", method: .post,
                headers: Self.headers(.leadCoordinator, type: "application/stix+json"), body: exported.body)
            #expect(imported.status == .created, "\(imported.text)")
            let rows = imported.object["targets"] as? [[String: Any]] ?? []
            #expect(rows.contains { ($0["name"] as? String) == "Secret informant-linked suspect" })
            let seenByC = try await client.execute(
                uri: "/api/v1/operations/\(world.operation.id)/targets?limit=500", method: .get,
                headers: TestWorld.headers(.otherParticipantOfficer))
            #expect(seenByC.status == .ok)
            #expect(!seenByC.text.contains("Secret informant-linked suspect"), "the re-import widened who sees it")
            #expect(!seenByC.text.contains("zq@hidden-suspect.example"))
        }
    }

    @Test("a dry run of more targets than an import holds is refused, as the import would be")
    func dryRunBound() async throws {
        let world = try await TestWorld.make()
        defer { world.remove() }
        let attributes = (0..<10_001).map { n in
            #"{"type": "ip-dst", "value": "10.77.\#(n / 256).\#(n % 256)"}"#
        }.joined(separator: ",")
        try await world.withClient { client in
            let response = try await client.execute(
                uri: "/api/v1/operations/\(world.operation.id)/targets/import?dryRun=true", method: .post,
                headers: Self.headers(.participantOfficer, type: "application/json"),
                body: ByteBuffer(string: #"{"Event": {"Attribute": [\#(attributes)]}}"#))
            // Refused as soon as the 10,001st target is read, not once the file is read whole.
            #expect(response.status == .unprocessableContent)
            #expect(
                (response.object["detail"] as? String)?.contains("at most 10,000 targets") == true, "\(response.text)")
        }
    }
}
