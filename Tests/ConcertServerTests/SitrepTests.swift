import ConcertCore
import Foundation
import Hummingbird
import HummingbirdTesting
import NIOCore
import Testing

@Suite("Sitreps")
struct SitrepTests {
    /// Finishes the world's two actions as the field would report them: C's takedown seized
    /// three servers, B's arrest failed.
    static func finishActions(in world: TestWorld) async throws {
        let coordinator = Actor(world.users[.leadCoordinator]!)
        for (action, status, outcome) in [
            (world.actionC, ActionStatus.done, Outcome(kind: .serversSeized, count: 3)),
            (world.actionB, .failed, Outcome(kind: .notFound, description: "Suspect not at the address")),
        ] {
            _ = try await world.store.updateAction(
                id: action.id, operationId: world.operation.id, by: coordinator, eventKind: .actionStatusChanged
            ) { current, _ in
                var current = current
                current.status = status
                current.outcome = outcome
                return current
            }
        }
    }

    @Test("a sitrep reports what happened since the previous one; approving numbers it and makes it final")
    func compileEditApprove() async throws {
        let world = try await TestWorld.make()
        defer { world.remove() }
        let base = "/api/v1/operations/\(world.operation.id)"
        try await world.withClient { client in
            func call(
                _ method: HTTPRequest.Method, _ path: String, as persona: Persona = .leadCoordinator, _ body: Any? = nil
            ) async throws -> TestResponse {
                try await client.execute(
                    uri: base + path, method: method, headers: TestWorld.headers(persona),
                    body: body.map(ByteBuffer.json))
            }
            #expect(try await call(.delete, "/sitreps/\(world.draftSitrep.id)").status == .noContent)
            try await Self.finishActions(in: world)
            let posted = try await call(.post, "/log", as: .participantOfficer, ["text": "Safe opened: <script>*cash*"])
            let postedId = try #require(posted.object["id"] as? String)
            for entry in [world.logEntry.id, postedId] {
                #expect(try await call(.post, "/log/\(entry)/significant", ["significant": true]).status == .ok)
            }

            let compiled = try await call(.post, "/sitreps", ["summary": "Day one."])
            #expect(compiled.status == .created, "\(compiled.text)")
            let draft = compiled.object
            let draftId = try #require(draft["id"] as? String)
            #expect(draft["status"] as? String == "draft")
            #expect(draft["number"] == nil)
            #expect(draft["previousSitrepId"] as? String == world.approvedSitrep.id)
            let since = try #require(draft["sincePrevious"] as? [String: Int])
            #expect(since == ["arrests": 0, "serversTakenDown": 3, "seizures": 0])
            let counters = try #require(draft["counters"] as? [String: Any])
            let byCountry = try #require(counters["actionsByCountry"] as? [String: [String: Int]])
            #expect(byCountry["US"]?["done"] == 1 && byCountry["DE"]?["failed"] == 1)
            #expect((draft["outcomes"] as? [[String: Any]])?.count == 2)
            let events = try #require(draft["significantEvents"] as? [[String: Any]])
            #expect(Set(events.compactMap { $0["entryId"] as? String }) == [world.logEntry.id, postedId])
            let problems = try #require(draft["openProblems"] as? [String])
            // Every participant reads an approved sitrep, observers included: an action whose
            // title describes a target is named by its kind and country, and the words of its
            // outcome, which may name the suspect, stay out (the coordinator may add them).
            #expect(problems.contains("Failed: Arrest in DE (DE)."))
            #expect(!compiled.text.contains("Arrest in Berlin"))
            #expect(!compiled.text.contains("Suspect not at the address"))

            // The draft is the lead coordinator's until approved.
            let officerList = try await call(.get, "/sitreps", as: .participantOfficer)
            #expect(
                (officerList.object["items"] as? [[String: Any]])?.compactMap { $0["id"] as? String } == [
                    world.approvedSitrep.id
                ])
            #expect(try await call(.get, "/sitreps/\(draftId)", as: .observer).status == .notFound)
            #expect(try await call(.get, "/sitreps/\(draftId)/markdown", as: .participantOfficer).status == .notFound)

            let approved = try await call(
                .put, "/sitreps/\(draftId)",
                [
                    "summary": "Day one: servers down in the US.", "openProblems": ["Find the Berlin suspect"],
                    "status": "approved",
                ])
            #expect(approved.status == .ok, "\(approved.text)")
            #expect(approved.object["number"] as? Int == 2)
            #expect(approved.object["openProblems"] as? [String] == ["Find the Berlin suspect"])
            #expect(approved.object["approvedAt"] is String)
            let again = try await call(
                .put, "/sitreps/\(draftId)", ["summary": "Rewritten", "openProblems": [], "status": "draft"])
            #expect(again.status == .conflict)
            #expect(try await call(.delete, "/sitreps/\(draftId)").status == .conflict)
            #expect(
                try await call(.get, "/sitreps/\(draftId)", as: .observer).object["summary"] as? String
                    == "Day one: servers down in the US.")

            // The next one reports only what is new; the totals carry on.
            let next = try await call(.post, "/sitreps", [:] as [String: Any]).object
            #expect(next["sincePrevious"] as? [String: Int] == ["arrests": 0, "serversTakenDown": 0, "seizures": 0])
            #expect((next["outcomes"] as? [Any])?.isEmpty == true)
            #expect((next["significantEvents"] as? [Any])?.isEmpty == true)
            #expect(((next["counters"] as? [String: Any])?["outcomes"] as? [String: Int])?["serversTakenDown"] == 3)

            // A draft overtaken by another approved sitrep would cover the same period twice.
            let later = try #require(try await call(.post, "/sitreps", [:] as [String: Any]).object["id"] as? String)
            let approveLater = try await call(
                .put, "/sitreps/\(later)", ["openProblems": [], "status": "approved"])
            #expect(approveLater.object["number"] as? Int == 3)
            let stale = try await call(
                .put, "/sitreps/\(try #require(next["id"] as? String))", ["openProblems": [], "status": "approved"])
            #expect(stale.status == .conflict)
            #expect((stale.object["detail"] as? String)?.contains("SITREP 3 was approved after") == true)
        }
    }

    @Test("exports as Markdown and HTML with what people wrote escaped, and the approved sitrep reaches every feed")
    func exportsAndFeed() async throws {
        let world = try await TestWorld.make()
        defer { world.remove() }
        let base = "/api/v1/operations/\(world.operation.id)"
        try await world.withClient { client in
            let lead = TestWorld.headers(.leadCoordinator)
            try await Self.finishActions(in: world)
            let id = try #require(
                try await client.execute(
                    uri: base + "/sitreps", method: .post, headers: lead,
                    body: .json(["summary": "Servers <b>down</b> | *all* of them"])
                ).object["id"] as? String)
            let approved = try await client.execute(
                uri: base + "/sitreps/\(id)", method: .put, headers: lead,
                body: .json([
                    "summary": "Servers <b>down</b> | *all* of them", "openProblems": [], "status": "approved",
                ]))
            let approvedAt = try #require(ConcertJSON.parseTimestamp(approved.object["approvedAt"] as? String ?? ""))

            let markdown = try await client.execute(
                uri: base + "/sitreps/\(id)/markdown", method: .get, headers: TestWorld.headers(.observer))
            #expect(markdown.status == .ok)
            #expect(markdown.headers[.contentType] == "text/markdown; charset=utf-8")
            #expect(
                markdown.headers[.contentDisposition]
                    == "attachment; filename=\"\(world.operation.codeName)-sitrep-2.md\"")
            #expect(markdown.text.hasPrefix("# \(world.operation.codeName) — SITREP 2\n"))
            #expect(markdown.text.contains("| Servers taken down | 3 | 3 |"))
            #expect(markdown.text.contains(#"Servers \<b\>down\</b\> \| \*all\* of them"#))
            // The observer reads it: the takedown is named by kind and country, not by its title.
            #expect(markdown.text.contains("- US · Server takedown in US"))
            #expect(!markdown.text.contains("Ashburn"))

            let html = try await client.execute(
                uri: base + "/sitreps/\(id)/html", method: .get, headers: TestWorld.headers(.otherParticipantOfficer))
            #expect(html.headers[.contentType] == "text/html; charset=utf-8")
            #expect(html.headers[.contentDisposition]?.hasPrefix("attachment;") == true)
            #expect(html.text.contains("<p>Servers &lt;b&gt;down&lt;/b&gt; | *all* of them</p>"))
            #expect(!html.text.contains("<b>"))
            #expect(html.text.contains("<th scope=\"row\">Servers taken down</th><td>3</td><td>3</td>"))
            // Times read as people read them, in UTC; the page shows each in its reader's time too.
            let readable = Wording.utc(approvedAt) + " UTC"
            #expect(markdown.text.contains("Approved at \(readable)."), "\(markdown.text)")
            #expect(
                html.text.contains(
                    #"Approved at <time class="utc" datetime="\#(ConcertJSON.formatTimestamp(approvedAt))">\#(readable)</time>."#
                ))
            let page = try await client.execute(
                uri: "/operations/\(world.operation.id)/sitreps/\(id)", method: .get,
                headers: TestWorld.headers(.observer, json: false))
            #expect(page.text.contains(#"<time class="utc" datetime="\#(ConcertJSON.formatTimestamp(approvedAt))">"#))

            let observerFeed = try await client.execute(
                uri: base + "/live?since=0&follow=false", method: .get, headers: TestWorld.headers(.observer))
            #expect(observerFeed.text.contains("event: sitrep.approved"))
            #expect(!observerFeed.text.contains("event: sitrep.compiled"))
            let leadFeed = try await client.execute(
                uri: base + "/live?since=0&follow=false", method: .get, headers: lead)
            #expect(leadFeed.text.contains("event: sitrep.compiled"))
        }
    }
}
