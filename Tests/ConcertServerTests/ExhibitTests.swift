import ConcertCore
import ConcertServer
import ConcertStorage
import Foundation
import Hummingbird
import HummingbirdTesting
import NIOCore
import Testing

@Suite("Exhibits and their chain of custody")
struct ExhibitTests {
    static let digest = String(repeating: "ab", count: 32)

    /// A new exhibit of B's search, as B's officer records it through the API.
    static func record(
        _ body: [String: Any], as persona: Persona = .participantOfficer, in world: TestWorld,
        client: any TestClientProtocol
    ) async throws -> TestResponse {
        var request: [String: Any] = [
            "actionId": world.actionSearch.id, "kind": "server", "description": "Rack server in the basement",
            "hashes": [["algorithm": "SHA-256", "value": digest]], "handling": "H0", "evaluation": "A1",
            "distribution": "all",
        ]
        request.merge(body) { _, new in new }
        return try await client.execute(
            uri: "/api/v1/operations/\(world.operation.id)/exhibits", method: .post,
            headers: TestWorld.headers(persona), body: .json(request))
    }

    static func custody(
        _ exhibitId: String, _ body: [String: Any], as persona: Persona, in world: TestWorld,
        client: any TestClientProtocol
    ) async throws -> TestResponse {
        try await client.execute(
            uri: "/api/v1/operations/\(world.operation.id)/exhibits/\(exhibitId)/custody", method: .post,
            headers: TestWorld.headers(persona), body: .json(body))
    }

    static func receipt(
        _ exhibitId: String, entry: String, _ body: [String: Any] = [:], as persona: Persona, in world: TestWorld,
        client: any TestClientProtocol
    ) async throws -> TestResponse {
        try await client.execute(
            uri: "/api/v1/operations/\(world.operation.id)/exhibits/\(exhibitId)/custody/\(entry)/receipt",
            method: .post, headers: TestWorld.headers(persona), body: .json(body))
    }

    /// The operation's whole feed as `persona` gets it, replayed from the start.
    static func feed(
        as persona: Persona, in world: TestWorld, client: any TestClientProtocol
    ) async throws
        -> TestResponse
    {
        try await client.execute(
            uri: "/api/v1/operations/\(world.operation.id)/live?since=0&follow=false", method: .get,
            headers: TestWorld.headers(persona))
    }

    static func get(
        _ path: String, as persona: Persona, in world: TestWorld, client: any TestClientProtocol
    )
        async throws -> TestResponse
    {
        try await client.execute(
            uri: "/api/v1/operations/\(world.operation.id)\(path)", method: .get, headers: TestWorld.headers(persona))
    }

    @Test("an exhibit is numbered by its seizing agency's country and year, and starts its chain with the seizure")
    func recordedAndNumbered() async throws {
        let world = try await TestWorld.make()
        defer { world.remove() }
        try await world.withClient { client in
            let created = try await Self.record([:], in: world, client: client)
            #expect(created.status == .created, "\(created.text)")
            let year = Calendar(identifier: .gregorian).component(.year, from: Date())
            // B is German; the world's two exhibits have B's own numbers, so this is Concert's first.
            let number = try #require(created.object["exhibitNumber"] as? String)
            #expect(number == "DE-\(year)-0001")
            #expect(created.object["seizingAgencyId"] as? String == world.partB.id)
            #expect(created.object["holderAgencyId"] as? String == world.partB.id)
            let id = try #require(created.object["id"] as? String)
            let next = try await Self.record(["kind": "diskImage", "parentExhibitId": id], in: world, client: client)
            #expect(next.status == .created, "\(next.text)")
            let nextNumber = try #require(next.object["exhibitNumber"] as? String)
            #expect(Int(nextNumber.suffix(4)) == Int(number.suffix(4))! + 1)
            #expect(next.object["parentExhibitId"] as? String == id)
            let read = try await Self.get("/exhibits/\(id)", as: .participantOfficer, in: world, client: client)
            let custody = try #require(read.object["custody"] as? [[String: Any]])
            #expect(custody.map { $0["kind"] as? String } == ["seized"])
            #expect(custody.first?["position"] as? Int == 1)
            // A number the seizing agency gives is kept, once in the operation.
            let own = try await Self.record(["exhibitNumber": "BKA-77"], in: world, client: client)
            #expect(own.object["exhibitNumber"] as? String == "BKA-77")
            let again = try await Self.record(["exhibitNumber": "bka-77"], in: world, client: client)
            #expect(again.status == .conflict)
            #expect((again.object["detail"] as? String)?.contains("bka-77") == true, "numbers differ in more than case")
        }
    }

    @Test(
        "bad input on recording an exhibit is refused with its field, and nothing is written",
        arguments: [
            (["hashes": [["algorithm": "SHA-256", "value": "abc"]]], 422, "hashes[0].value"),
            (["hashes": [["algorithm": "MD5", "value": String(repeating: "z", count: 32)]]], 422, "hashes[0].value"),
            (["hashes": [["algorithm": "CRC32", "value": "abcd"]]], 422, "hashes[0].algorithm"),
            (["kind": "spaceship"], 422, "kind"),
            (["description": "   "], 422, "description"),
            (["exhibitNumber": "FR 2026/<script>"], 422, "exhibitNumber"),
            (["sizeBytes": -1], 422, "sizeBytes"),
            (["sizeBytes": 9_007_199_254_740_992], 422, "sizeBytes"),
            (["distribution": ["no-such-agency"]], 422, "distribution"),
            (["handling": "H3"], 422, "handlingRestriction"),
            (["parentExhibitId": "0190aaaa-0000-7000-8000-000000000000"], 422, "parentExhibitId"),
            (["actionId": "0190aaaa-0000-7000-8000-000000000000"], 422, "actionId"),
            (["seizedAt": "2099-01-01T00:00:00Z"], 422, "seizedAt"),
            // Concert's own numbers are its alone: one planted at the edge of an integer would
            // have made the next one overflow, another would have crowded it out.
            (["exhibitNumber": "DE-2026-9223372036854775807"], 422, "exhibitNumber"),
            (["exhibitNumber": "ES-2025-4294967296"], 422, "exhibitNumber"),
            (["description": "Phone\u{0}with a NUL"], 422, "description"),
            (["description": "Laptop \u{202E}txt.exe"], 422, "description"),
            (["description": "Phone\u{85}\u{9B}31m"], 422, "description"),
            (["description": "Pho\u{200B}ne"], 422, "description"),
            // The Kelvin sign is K for Swift, not for the database that keeps numbers unique.
            (["exhibitNumber": "B\u{212A}A-77"], 422, "exhibitNumber"),
            (
                ["distribution": ["0190aaaa-0000-7000-8000-000000000000", "0190aaaa-0000-7000-8000-000000000000"]], 422,
                "distribution"
            ),
        ] as [([String: any Sendable], Int, String)])
    func badInput(body: [String: any Sendable], status: Int, field: String) async throws {
        let world = try await TestWorld.make()
        defer { world.remove() }
        let before = try await world.eventCount()
        try await world.withClient { client in
            let response = try await Self.record(body, in: world, client: client)
            #expect(Int(response.status.code) == status, "\(response.text)")
            #expect(response.headers[.contentType] == "application/problem+json")
            #expect((response.object["field"] as? String)?.hasPrefix(field) == true, "\(response.text)")
        }
        #expect(try await world.eventCount() == before)
        #expect(try await world.store.exhibitCounts(operationId: world.operation.id).total == 2)
    }

    @Test("exhibits come only from actions that went ahead, of the caller's own agency")
    func onlyFromActionsUnderWay() async throws {
        let world = try await TestWorld.make()
        defer { world.remove() }
        try await world.withClient { client in
            // B's arrest is still planned.
            let planned = try await Self.record(["actionId": world.actionB.id], in: world, client: client)
            #expect(planned.status == .conflict)
            #expect((planned.object["detail"] as? String)?.contains("in progress or finished") == true)
            // C does not execute B's search.
            let other = try await Self.record([:], as: .otherParticipantOfficer, in: world, client: client)
            #expect(other.status == .forbidden)
            // A lead coordinator records for the executing agency.
            let lead = try await Self.record([:], as: .leadCoordinator, in: world, client: client)
            #expect(lead.status == .created)
            #expect(lead.object["seizingAgencyId"] as? String == world.partB.id)
        }
    }

    @Test("a hand-over is the holder's, its receipt the receiver's, and a mismatching hash is flagged everywhere")
    func custodyRules() async throws {
        let world = try await TestWorld.make()
        defer { world.remove() }
        try await world.withClient { client in
            let created = try await Self.record(["distribution": [world.lead.id]], in: world, client: client)
            let id = try #require(created.object["id"] as? String)
            // C may not see it; the lead may see it but does not hold it.
            let byC = try await Self.custody(
                id, ["kind": "sealed", "sealNumber": "S-1"], as: .otherParticipantOfficer, in: world, client: client)
            #expect(byC.status == .notFound)
            let byLead = try await Self.custody(
                id, ["kind": "sealed", "sealNumber": "S-1"], as: .leadCoordinator, in: world, client: client)
            #expect(byLead.status == .forbidden)
            // Rules of each step, with the field they concern.
            let unsealed = try await Self.custody(
                id, ["kind": "sealed"], as: .participantOfficer, in: world, client: client)
            #expect(unsealed.status == .unprocessableContent)
            #expect(unsealed.object["field"] as? String == "sealNumber")
            let toObserver = try await Self.custody(
                id, ["kind": "handedOver", "toAgencyId": world.observerAgency.id], as: .participantOfficer, in: world,
                client: client)
            #expect(toObserver.object["field"] as? String == "toAgencyId")
            let received = try await Self.custody(
                id, ["kind": "received"], as: .participantOfficer, in: world, client: client)
            #expect(received.status == .unprocessableContent)
            let sealed = try await Self.custody(
                id, ["kind": "sealed", "sealNumber": "S-1"], as: .participantOfficer, in: world, client: client)
            #expect(sealed.status == .created)
            #expect(sealed.object["position"] as? Int == 2)

            // B hands it to C: C now sees it, shown in transit, but does not hold it yet.
            let handOver = try await Self.custody(
                id, ["kind": "handedOver", "toAgencyId": world.partC.id, "toPerson": "Agent Smith"],
                as: .participantOfficer, in: world, client: client)
            #expect(handOver.status == .created, "\(handOver.text)")
            let handOverId = try #require(handOver.object["id"] as? String)
            let seenByC = try await Self.get("/exhibits/\(id)", as: .otherParticipantOfficer, in: world, client: client)
            #expect(seenByC.status == .ok)
            #expect((seenByC.object["transit"] as? [String: Any])?["toAgencyId"] as? String == world.partC.id)
            let inTransit = try await Self.get(
                "/exhibits?inTransit=true", as: .otherParticipantOfficer, in: world, client: client)
            #expect((inTransit.object["items"] as? [[String: Any]])?.compactMap { $0["id"] as? String } == [id])
            let early = try await Self.custody(
                id, ["kind": "examined", "note": "Looked"], as: .otherParticipantOfficer, in: world, client: client)
            #expect(early.status == .forbidden)
            let again = try await Self.custody(
                id, ["kind": "sealed", "sealNumber": "S-2"], as: .participantOfficer, in: world, client: client)
            #expect(again.status == .conflict)
            // Only the named receiver confirms.
            let byLeadReceipt = try await Self.receipt(
                id, entry: handOverId, as: .leadCoordinator, in: world, client: client)
            #expect(byLeadReceipt.status == .forbidden)
            let bySender = try await Self.receipt(
                id, entry: handOverId, as: .participantOfficer, in: world, client: client)
            #expect(bySender.status == .forbidden)
            let wrongEntry = try await Self.receipt(
                id, entry: sealed.object["id"] as! String, as: .otherParticipantOfficer, in: world, client: client)
            #expect(wrongEntry.status == .conflict)
            // C re-checks the hash and it does not match.
            let receipt = try await Self.receipt(
                id, entry: handOverId,
                ["hashCheck": ["algorithm": "SHA-256", "value": String(repeating: "cd", count: 32)]],
                as: .otherParticipantOfficer, in: world, client: client)
            #expect(receipt.status == .created, "\(receipt.text)")
            let receiptId = try #require(receipt.object["id"] as? String)
            #expect((receipt.object["hashCheck"] as? [String: Any])?["result"] as? String == "mismatch")
            #expect(receipt.object["confirms"] as? String == handOverId)
            let twice = try await Self.receipt(
                id, entry: handOverId, as: .otherParticipantOfficer, in: world, client: client)
            #expect(twice.status == .conflict)
            let now = try await Self.get("/exhibits/\(id)", as: .otherParticipantOfficer, in: world, client: client)
            #expect(now.object["holderAgencyId"] as? String == world.partC.id)
            #expect(now.object["transit"] == nil)
            #expect(now.object["hashMismatchEntryId"] as? String == receiptId)
            let counts = try await Self.get("/exhibits/counts", as: .observer, in: world, client: client)
            #expect(counts.object["hashMismatches"] as? Int == 1)
            // The former holder no longer adds to the chain; the new one does.
            let former = try await Self.custody(
                id, ["kind": "stored", "location": "Vault"], as: .participantOfficer, in: world, client: client)
            #expect(former.status == .forbidden)
            // A correction names its entry; a correction of the check that misfired clears the flag.
            let unnamed = try await Self.custody(
                id, ["kind": "correction", "note": "Typo", "corrects": "0190aaaa-0000-7000-8000-000000000000"],
                as: .otherParticipantOfficer, in: world, client: client)
            #expect(unnamed.object["field"] as? String == "corrects")
            let correction = try await Self.custody(
                id,
                [
                    "kind": "correction", "note": "The value was mistyped from the tool's report.",
                    "corrects": receiptId,
                ],
                as: .otherParticipantOfficer, in: world, client: client)
            #expect(correction.status == .created)
            let corrected = try await Self.get("/exhibits/\(id)", as: .leadCoordinator, in: world, client: client)
            #expect(corrected.object["hashMismatchEntryId"] == nil)
            // Nothing edits or removes an entry: every step is still there, in order.
            for method in [HTTPRequest.Method.put, .delete] {
                let response = try await client.execute(
                    uri: "/api/v1/operations/\(world.operation.id)/exhibits/\(id)/custody/\(handOverId)",
                    method: method,
                    headers: TestWorld.headers(.otherParticipantOfficer), body: .json(["kind": "sealed"]))
                #expect(response.status == .notFound || response.status == .methodNotAllowed)
            }
            let chain = try #require(corrected.object["custody"] as? [[String: Any]])
            #expect(
                chain.map { $0["kind"] as? String } == ["seized", "sealed", "handedOver", "received", "correction"])
            #expect(chain.map { $0["position"] as? Int } == [1, 2, 3, 4, 5])
            #expect(chain.last?["corrects"] as? String == receiptId)
        }
    }

    @Test("observers follow the counts; the feed tells them no number, description or hash, and flags a mismatch")
    func observersSeeCounts() async throws {
        let world = try await TestWorld.make()
        defer { world.remove() }
        try await world.withClient { client in
            let register = try await Self.get("/exhibits", as: .observer, in: world, client: client)
            #expect(register.status == .forbidden)
            let one = try await Self.get("/exhibits/\(world.exhibit.id)", as: .observer, in: world, client: client)
            #expect(one.status == .forbidden)
            let counts = try await Self.get("/exhibits/counts", as: .observer, in: world, client: client)
            #expect(counts.object["total"] as? Int == 2)
            #expect(counts.object["inTransit"] as? Int == 1)
            #expect((counts.object["byKind"] as? [String: Int])?["phone"] == 1)
            // The lead confirms the laptop with a hash that does not match.
            let receipt = try await Self.receipt(
                world.transitExhibit.id, entry: world.handOverId,
                ["hashCheck": ["algorithm": "SHA-256", "value": String(repeating: "00", count: 32)]],
                as: .leadCoordinator, in: world, client: client)
            #expect(receipt.status == .created)
            for persona in [Persona.observer, .otherParticipantOfficer] {
                let feed = try await Self.feed(as: persona, in: world, client: client)
                #expect(feed.text.contains("event: exhibit.custodyRecorded"))
                #expect(feed.text.contains(#""hashMismatch":true"#))
                for secret in [world.transitExhibit.description, world.transitExhibit.exhibitNumber, Self.digest] {
                    #expect(!feed.text.contains(secret), "\(persona) saw \(secret)")
                }
            }
            let leadFeed = try await Self.feed(as: .leadCoordinator, in: world, client: client)
            #expect(leadFeed.text.contains(world.transitExhibit.exhibitNumber))
            #expect(leadFeed.text.contains(#""result":"mismatch""#))
        }
    }

    @Test("the register pages through every exhibit the caller may read exactly once, and refuses a foreign cursor")
    func paging() async throws {
        let world = try await TestWorld.make()
        defer { world.remove() }
        try await world.withClient { client in
            var created: [String] = []
            for index in 0..<7 {
                // Every other one for the lead agency only: C's pages are still full.
                let distribution: Any = index % 2 == 0 ? "all" : [world.lead.id]
                let response = try await Self.record(["distribution": distribution], in: world, client: client)
                created.append(try #require(response.object["id"] as? String))
            }
            func pages(_ persona: Persona, query: String = "") async throws -> [[String]] {
                var result: [[String]] = []
                var after: String?
                repeat {
                    let response = try await Self.get(
                        "/exhibits?limit=2\(query)" + (after.map { "&after=\($0)" } ?? ""), as: persona, in: world,
                        client: client)
                    #expect(response.status == .ok, "\(response.text)")
                    result.append(
                        (response.object["items"] as? [[String: Any]] ?? []).compactMap { $0["id"] as? String })
                    after = response.object["next"] as? String
                } while after != nil && result.count < 20
                return result
            }
            let forB = try await pages(.participantOfficer)
            #expect(forB.flatMap { $0 } == [world.exhibit.id, world.transitExhibit.id] + created)
            let forC = try await pages(.otherParticipantOfficer)
            #expect(forC.flatMap { $0 } == created.enumerated().filter { $0.offset % 2 == 0 }.map(\.element))
            #expect(forC.dropLast().allSatisfy { $0.count == 2 })
            let phones = try await pages(.participantOfficer, query: "&kind=phone")
            #expect(phones.flatMap { $0 } == [world.exhibit.id])
            // A cursor C may not see, or of no exhibit, is refused.
            for cursor in [world.exhibit.id, "0190aaaa-0000-7000-8000-000000000000"] {
                let refused = try await Self.get(
                    "/exhibits?after=\(cursor)", as: .otherParticipantOfficer, in: world, client: client)
                #expect(refused.status == .badRequest)
            }
            for query in ["limit=0", "limit=501", "limit=ten", "kind=spaceship", "inTransit=maybe", "holder=x%20y"] {
                let refused = try await Self.get(
                    "/exhibits?\(query)", as: .participantOfficer, in: world, client: client)
                #expect(refused.status == .badRequest, "\(query)")
            }
        }
    }

    @Test("the CASE/UCO export names every hash and hand-over of what the caller may read, and nothing else")
    func caseExport() async throws {
        let world = try await TestWorld.make()
        defer { world.remove() }
        try await world.withClient { client in
            let one = try await Self.get(
                "/exhibits/\(world.transitExhibit.id)/case", as: .leadCoordinator, in: world, client: client)
            #expect(one.status == .ok)
            #expect(one.headers[.contentType] == "application/ld+json")
            #expect(one.text.contains(Self.digest))
            #expect(one.text.contains("case-investigation:ProvenanceRecord"))
            #expect(one.text.contains(world.transitExhibit.exhibitNumber))
            #expect(one.text.contains("handed over"))
            // B holds both; C holds none and may read neither.
            let held = try await Self.get("/exhibits/case", as: .participantOfficer, in: world, client: client)
            #expect(
                held.text.contains(world.exhibit.exhibitNumber)
                    && held.text.contains(world.transitExhibit.exhibitNumber))
            let forC = try await Self.get("/exhibits/case", as: .otherParticipantOfficer, in: world, client: client)
            #expect(forC.status == .ok)
            #expect(!forC.text.contains(world.exhibit.exhibitNumber) && !forC.text.contains(Self.digest))
        }
    }

    @Test("a sitrep counts the exhibits seized since the previous one, in its document too")
    func sitrepCountsExhibits() async throws {
        let world = try await TestWorld.make()
        defer { world.remove() }
        try await world.withClient { client in
            _ = try await Self.record([:], in: world, client: client)
            let compiled = try await client.execute(
                uri: "/api/v1/operations/\(world.operation.id)/sitreps", method: .post,
                headers: TestWorld.headers(.leadCoordinator), body: .json(["summary": "Seizures under way."]))
            let exhibits = try #require(compiled.object["exhibits"] as? [String: Any], "\(compiled.text)")
            // The world's two exhibits were seized with SITREP 1, the new server after it.
            #expect(exhibits["total"] as? Int == 3)
            #expect(exhibits["seizedSincePrevious"] as? Int == 1)
            #expect(exhibits["inTransit"] as? Int == 1)
            let id = try #require(compiled.object["id"] as? String)
            let markdown = try await client.execute(
                uri: "/api/v1/operations/\(world.operation.id)/sitreps/\(id)/markdown", method: .get,
                headers: TestWorld.headers(.leadCoordinator))
            #expect(markdown.text.contains("## Exhibits"))
            #expect(markdown.text.contains("1 server"))
        }
    }

    /// Runs `case_validate` (case-utils, from PyPI) on a document; its exit status and output.
    static func caseValidate(_ document: String) throws -> (status: Int32, output: String) {
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("concert-case-\(UUID()).jsonld")
        try Data(document.utf8).write(to: file)
        defer { try? FileManager.default.removeItem(at: file) }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["case_validate", file.path]
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = pipe
        try process.run()
        let output = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (process.terminationStatus, String(decoding: output, as: UTF8.self))
    }

    @Test("a chain with every kind of step exports as CASE/UCO that case_validate accepts")
    func caseValidates() async throws {
        let world = try await TestWorld.make()
        defer { world.remove() }
        try await world.withClient { client in
            let server = try await Self.record(
                [
                    "hashes": [
                        ["algorithm": "SHA-256", "value": Self.digest],
                        ["algorithm": "MD5", "value": String(repeating: "9e", count: 16)],
                    ],
                    "sizeBytes": 2_000_398_934_016,
                ],
                in: world, client: client)
            let serverId = try #require(server.object["id"] as? String)
            let image = try await Self.record(
                [
                    "kind": "diskImage", "parentExhibitId": serverId, "imagingTool": "FTK Imager 4.7",
                    "description": "Image of the \"system\" disk\nline two",
                ],
                in: world, client: client)
            let imageId = try #require(image.object["id"] as? String)
            func step(
                _ id: String, _ body: [String: Any], as persona: Persona = .participantOfficer
            ) async throws -> String {
                let response = try await Self.custody(id, body, as: persona, in: world, client: client)
                #expect(response.status == .created, "\(body): \(response.text)")
                return response.object["id"] as? String ?? ""
            }
            _ = try await step(serverId, ["kind": "sealed", "sealNumber": "DE-SEAL-1"])
            _ = try await step(serverId, ["kind": "imaged", "note": "Both disks imaged on site"])
            _ = try await step(serverId, ["kind": "stored", "location": "BKA evidence store, Wiesbaden"])
            let examined = try await step(
                imageId,
                [
                    "kind": "examined", "note": "Hashes recomputed",
                    "hashCheck": ["algorithm": "SHA-256", "value": Self.digest],
                ])
            _ = try await step(
                imageId, ["kind": "correction", "corrects": examined, "note": "Examined on the 7th, not the 6th"])
            let abroad = try await step(
                imageId, ["kind": "sentAbroad", "toAgencyId": world.lead.id, "legalInstrumentId": world.instrument.id])
            let received = try await Self.receipt(
                imageId, entry: abroad,
                ["hashCheck": ["algorithm": "SHA-256", "value": String(repeating: "00", count: 32)]],
                as: .leadCoordinator, in: world, client: client)
            #expect(received.status == .created)
            let handOver = try await step(
                imageId, ["kind": "handedOver", "toAgencyId": world.partB.id], as: .leadCoordinator)
            _ = try await Self.receipt(imageId, entry: handOver, as: .participantOfficer, in: world, client: client)
            _ = try await step(serverId, ["kind": "destroyed", "note": "Destroyed on the prosecutor's order"])
            let document = try await Self.get("/exhibits/case", as: .participantOfficer, in: world, client: client)
            #expect(document.text.contains("Copied_From"))
            #expect(document.text.contains("hash-mismatch"))
            #expect(document.text.contains(world.instrument.reference))
            let (status, output) = try Self.caseValidate(document.text)
            #expect(status == 0, "\(output)")
            #expect(output.contains("Conforms: True"), "\(output)")
        }
    }

    @Test(
        "what an attacker tried: the feed's target, a called-off receiver, another agency's check, a destruction undone"
    )
    func attacksThatFailed() async throws {
        let world = try await TestWorld.make()
        defer { world.remove() }
        try await world.withClient { client in
            // C may read this exhibit but not the target of the search it came from: the feed and
            // the API tell C neither that target nor the place, which may name it.
            let shared = try await Self.record([:], in: world, client: client)
            let sharedId = try #require(shared.object["id"] as? String)
            let forC = try await Self.get(
                "/exhibits/\(sharedId)", as: .otherParticipantOfficer, in: world, client: client)
            #expect(forC.object["targetId"] == nil && forC.object["place"] as? String == "")
            let feedC = try await Self.feed(as: .otherParticipantOfficer, in: world, client: client)
            #expect(feedC.text.contains("Rack server in the basement"))
            #expect(!feedC.text.contains(world.restrictedTarget.id) && !feedC.text.contains("Hamburg"))
            // An observer is not told which agency handles an exhibit.
            let feedObserver = try await Self.feed(as: .observer, in: world, client: client)
            let exhibitEvents = feedObserver.text.components(separatedBy: "\n\n").filter {
                $0.contains("event: exhibit.")
            }
            #expect(!exhibitEvents.isEmpty)
            #expect(exhibitEvents.allSatisfy { !$0.contains("actorAgencyId") })

            // B hands the phone to C and calls it off: C no longer sees it.
            let handOver = try await Self.custody(
                world.exhibit.id, ["kind": "handedOver", "toAgencyId": world.partC.id], as: .participantOfficer,
                in: world, client: client)
            let handOverId = try #require(handOver.object["id"] as? String)
            #expect(
                try await Self.get(
                    "/exhibits/\(world.exhibit.id)", as: .otherParticipantOfficer, in: world, client: client
                )
                .status == .ok)
            let called = try await Self.custody(
                world.exhibit.id, ["kind": "correction", "corrects": handOverId, "note": "Wrong agency"],
                as: .participantOfficer, in: world, client: client)
            #expect(called.status == .created)
            #expect(
                try await Self.get(
                    "/exhibits/\(world.exhibit.id)", as: .otherParticipantOfficer, in: world, client: client
                )
                .status == .notFound)
            // Nor does its feed, replayed from the start, give C the phone it was once meant to get.
            let replay = try await Self.feed(as: .otherParticipantOfficer, in: world, client: client)
            #expect(
                !replay.text.contains(world.exhibit.description) && !replay.text.contains(world.exhibit.exhibitNumber))
            // A correction says what was wrong and records nothing of its own.
            let dressed = try await Self.custody(
                world.exhibit.id,
                [
                    "kind": "correction", "corrects": handOverId, "note": "x", "location": "Somewhere",
                    "sealNumber": "S",
                ],
                as: .participantOfficer, in: world, client: client)
            #expect(dressed.status == .unprocessableContent)

            // The lead flags the laptop on receipt; once it holds the laptop, B may not clear the flag.
            let receipt = try await Self.receipt(
                world.transitExhibit.id, entry: world.handOverId,
                ["hashCheck": ["algorithm": "SHA-256", "value": String(repeating: "00", count: 32)]],
                as: .leadCoordinator, in: world, client: client)
            let receiptId = try #require(receipt.object["id"] as? String)
            let back = try await Self.custody(
                world.transitExhibit.id, ["kind": "handedOver", "toAgencyId": world.partB.id], as: .leadCoordinator,
                in: world, client: client)
            _ = try await Self.receipt(
                world.transitExhibit.id, entry: back.object["id"] as! String, as: .participantOfficer, in: world,
                client: client)
            let silenced = try await Self.custody(
                world.transitExhibit.id, ["kind": "correction", "corrects": receiptId, "note": "Their typo"],
                as: .participantOfficer, in: world, client: client)
            #expect(silenced.status == .unprocessableContent)
            #expect(silenced.object["field"] as? String == "corrects")
            // Nor by a mismatching check of its own that it then corrects: the lead's still stands.
            let own = try await Self.custody(
                world.transitExhibit.id,
                [
                    "kind": "examined", "note": "Recomputed",
                    "hashCheck": ["algorithm": "SHA-256", "value": String(repeating: "11", count: 32)],
                ],
                as: .participantOfficer, in: world, client: client)
            _ = try await Self.custody(
                world.transitExhibit.id,
                ["kind": "correction", "corrects": own.object["id"] as! String, "note": "Typo"],
                as: .participantOfficer, in: world, client: client)
            let flagged = try await Self.get(
                "/exhibits/\(world.transitExhibit.id)", as: .participantOfficer, in: world, client: client)
            #expect(flagged.object["hashMismatchEntryId"] as? String == receiptId)
            // Only the holder adds to the chain: the lead, which wrote the check, corrects it once
            // it holds the laptop again, and the flag then goes.
            let byLead = try await Self.custody(
                world.transitExhibit.id, ["kind": "correction", "corrects": receiptId, "note": "Mistyped value"],
                as: .leadCoordinator, in: world, client: client)
            #expect(byLead.status == .forbidden)
            let toLead = try await Self.custody(
                world.transitExhibit.id, ["kind": "handedOver", "toAgencyId": world.lead.id], as: .participantOfficer,
                in: world, client: client)
            _ = try await Self.receipt(
                world.transitExhibit.id, entry: toLead.object["id"] as! String, as: .leadCoordinator, in: world,
                client: client)
            let corrected = try await Self.custody(
                world.transitExhibit.id, ["kind": "correction", "corrects": receiptId, "note": "Mistyped value"],
                as: .leadCoordinator, in: world, client: client)
            #expect(corrected.status == .created, "\(corrected.text)")
            let cleared = try await Self.get(
                "/exhibits/\(world.transitExhibit.id)", as: .participantOfficer, in: world, client: client)
            #expect(cleared.object["hashMismatchEntryId"] == nil)

            // A destruction recorded by mistake is undone by correcting it.
            let destroyed = try await Self.custody(
                sharedId, ["kind": "destroyed", "note": "Destroyed"], as: .participantOfficer, in: world, client: client
            )
            let undo = try await Self.custody(
                sharedId,
                ["kind": "correction", "corrects": destroyed.object["id"] as! String, "note": "Wrong exhibit"],
                as: .participantOfficer, in: world, client: client)
            #expect(undo.status == .created)
            let sealed = try await Self.custody(
                sharedId, ["kind": "sealed", "sealNumber": "S-9"], as: .participantOfficer, in: world, client: client)
            #expect(sealed.status == .created, "\(sealed.text)")
        }
    }

    @Test("at most two CASE exports are written at once; a third is turned away, not queued")
    func exportsAreBounded() {
        let gate = ExportGate(limit: 2)
        #expect(gate.enter() && gate.enter())
        #expect(!gate.enter())
        gate.leave()
        #expect(gate.enter())
    }
}
