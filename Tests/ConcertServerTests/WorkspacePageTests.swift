import ConcertCore
import ConcertStorage
import Foundation
import Hummingbird
import HummingbirdTesting
import Testing

@Suite("Workspace pages")
struct WorkspacePageTests {
    /// The workspace's pages, in the order of ``expected(_:)``.
    static func paths(in world: TestWorld) -> [String] {
        let operation = "/operations/\(world.operation.id)"
        return [
            "/operations/new", operation + "/targets/new", operation + "/targets/\(world.restrictedTarget.id)/edit",
            operation + "/targets/\(world.sharedTarget.id)/edit", operation + "/actions/new",
            operation + "/actions/\(world.actionB.id)/edit", operation + "/instruments/new",
            operation + "/instruments/\(world.instrument.id)/edit", operation + "/log", "/check", "/admin",
            operation + "/day", operation + "/day?country=DE", operation + "/targets/import",
        ]
    }

    /// What each persona gets from each page: a form it may use, 403 for one its role may not
    /// use, 404 where the operation or the record is not its to know.
    static func expected(_ persona: Persona) -> [HTTPResponse.Status] {
        switch persona {
        case .leadCoordinator:
            // B recorded both targets: the lead reads them, and only B changes them.
            [.ok, .ok, .forbidden, .forbidden, .ok, .ok, .ok, .ok, .ok, .ok, .forbidden, .ok, .ok, .ok]
        case .participantOfficer:
            [
                .forbidden, .ok, .ok, .ok, .forbidden, .forbidden, .forbidden, .forbidden, .ok, .ok, .forbidden, .ok,
                .ok, .ok,
            ]
        case .otherParticipantOfficer:
            // The restricted target is not C's to know of: 404, as if it did not exist.
            [
                .forbidden, .ok, .notFound, .forbidden, .forbidden, .forbidden, .forbidden, .forbidden, .ok, .ok,
                .forbidden, .ok, .ok, .ok,
            ]
        case .observer:
            // An observer sees no intelligence at all: refused before any record is looked up.
            [
                .forbidden, .forbidden, .forbidden, .forbidden, .forbidden, .forbidden, .forbidden, .forbidden, .ok,
                .forbidden, .forbidden, .ok, .ok, .forbidden,
            ]
        case .nonParticipant:
            // The outsider's coordinator runs an operation of its own, and checks before sharing.
            [
                .ok, .notFound, .notFound, .notFound, .notFound, .notFound, .notFound, .notFound, .notFound,
                .ok, .forbidden, .notFound, .notFound, .notFound,
            ]
        case .platformAdmin, .agencyAdmin:
            [
                .forbidden, .notFound, .notFound, .notFound, .notFound, .notFound, .notFound, .notFound, .notFound,
                .forbidden, .ok, .notFound, .notFound, .notFound,
            ]
        case .anonymous:
            Array(repeating: .found, count: 14)
        }
    }

    /// The pages at `paths` as `persona` gets them, each checked for its expected status (a
    /// redirect to the sign-in page for the anonymous) and for every secret the persona must
    /// never find.
    static func visit(
        _ paths: [String], as persona: Persona, in world: TestWorld, expecting expected: [HTTPResponse.Status]
    ) async throws -> [TestResponse] {
        let pages = try await world.withClient { client in
            var pages: [TestResponse] = []
            for path in paths {
                pages.append(
                    try await client.execute(uri: path, method: .get, headers: TestWorld.headers(persona, json: false)))
            }
            return pages
        }
        for (index, page) in pages.enumerated() {
            if persona == .anonymous {
                #expect(page.headers[.location] == "/login", "\(paths[index])")
            } else {
                #expect(page.status == expected[index], "\(persona) got \(page.status) from \(paths[index])")
            }
            for secret in RouteTable.secrets(for: persona, in: world) {
                #expect(!page.text.contains(secret), "\(persona) saw '\(secret)' on \(paths[index])")
            }
        }
        return pages
    }

    @Test("each persona gets the forms its role may use, and nothing it may not see", arguments: Persona.allCases)
    func formsFollowThePolicy(persona: Persona) async throws {
        let world = try await TestWorld.make()
        defer { world.remove() }
        let paths = Self.paths(in: world)
        let pages = try await Self.visit(paths, as: persona, in: world, expecting: Self.expected(persona))
        // A form that is offered names the API route it is sent to, which decides again.
        if persona == .participantOfficer {
            #expect(pages[2].text.contains(world.restrictedTarget.name))
            #expect(pages[2].text.contains(#"data-method="PUT""#))
            #expect(
                pages[2].text.contains("/api/v1/operations/\(world.operation.id)/targets/\(world.restrictedTarget.id)"))
        }
        // A country's day names an action about a target as each persona may see it: B wrote the
        // target, C may not read it, so C (and the observer) read only its kind and country.
        switch persona {
        case .participantOfficer, .leadCoordinator:
            #expect(pages[12].text.contains(world.actionB.title))
        case .otherParticipantOfficer, .observer:
            #expect(pages[12].text.contains("Arrest in DE"))
        default:
            break
        }
        if persona == .participantOfficer {
            #expect(pages[11].text.contains(world.actionB.title), "B's own day holds its arrest")
        }
        if persona == .participantOfficer {
            #expect(pages[13].text.contains("/api/v1/operations/\(world.operation.id)/targets/import"))
        }
        if persona == .leadCoordinator {
            #expect(pages[5].text.contains("Team in position"), "the action's gates are in its form")
            #expect(pages[4].text.contains("Europe/Paris"), "the time zone picker lists the IANA zones")
        }
    }

    @Test("the operation page lists targets a page at a time, filtered by the server, and never one hidden")
    func targetListPages() async throws {
        let world = try await TestWorld.make()
        defer { world.remove() }
        // B records 240 more targets, a third of them for the lead agency alone.
        let officerB = Actor(world.users[.participantOfficer]!)
        let now = ConcertJSON.now()
        let more = try (0..<240).map { number in
            try TargetInput(
                kind: .server, name: "Seedbox \(number)",
                selectors: (0..<12).map { SelectorInput(kind: .ip, text: "2001:db8:\(number):\($0)::1") },
                handling: number % 3 == 0 ? .h2 : .h0, evaluation: Evaluation(code: "B2")!,
                distribution: number % 3 == 0 ? .agencies([world.lead.id]) : .allParticipants
            ).makeTarget(
                id: Identifier.make(), operation: world.operation, originatorAgencyId: officerB.agencyId,
                createdBy: officerB.userId, defaultCountry: "FR", createdAt: now, now: now)
        }
        try await world.store.importTargets(more, by: officerB)
        let path = "/operations/\(world.operation.id)"
        func page(_ query: String, as persona: Persona) async throws -> String {
            try await world.withClient { client in
                try await client.execute(
                    uri: path + query, method: .get, headers: TestWorld.headers(persona, json: false)
                ).text
            }
        }
        func rows(_ html: String) -> Int { html.components(separatedBy: "<tr data-kind=").count - 1 }
        // C may read two thirds of them (and the world's shared target): full pages all the same.
        let first = try await page("", as: .otherParticipantOfficer)
        #expect(first.contains("161 in all · 1–100 on this page"), "\(first)")
        #expect(rows(first) == 100)
        #expect(first.contains("and 2 more"), "a target shows ten of its twelve selectors")
        let next = try #require(
            first.components(separatedBy: #"<a href=""#).dropFirst().compactMap { piece -> String? in
                let link = String(piece.prefix { $0 != "\"" })
                return link.contains("after=") ? link.replacingOccurrences(of: "&amp;", with: "&") : nil
            }.first)
        let second = try await page(
            String(next.dropFirst(path.count).prefix { $0 != "#" }), as: .otherParticipantOfficer)
        #expect(second.contains("161 in all · 101–161 on this page"), "\(second)")
        #expect(rows(second) == 61)
        for html in [first, second] {
            for hidden in more.filter({ $0.handling == .h2 }).map(\.name) + [world.restrictedTarget.name] {
                #expect(!html.contains(">\(hidden)<") && !html.contains(">\(hidden)<br>"), "C saw \(hidden)")
            }
        }
        // Filtered by the server: by selector text, by kind, by the agency that recorded it.
        let seedbox7 = try await page("?q=2001:db8:7:3::1", as: .otherParticipantOfficer)
        #expect(seedbox7.contains("1 of 161 match") && seedbox7.contains("Seedbox 7"))
        let hidden = try await page("?q=2001:db8:6:3::1", as: .otherParticipantOfficer)
        #expect(hidden.contains("0 of 161 match") && !hidden.contains("Seedbox 6<"), "a hidden one is not found")
        #expect(try await page("?q=2001:db8:6:3::1", as: .leadCoordinator).contains("1 of 242 match"))
        let domains = try await page("?kind=domain&agency=\(world.partB.id)", as: .otherParticipantOfficer)
        #expect(rows(domains) == 0 || !domains.contains("Seedbox"))
        // An observer sees no target list at all, and a bad filter is no error.
        #expect(rows(try await page("", as: .observer)) == 0)
        #expect(try await page("?kind=spaceship&after=nonsense", as: .otherParticipantOfficer).contains("161 in all"))
        // A control character is no search; a page past the end shows no range.
        #expect(try await page("?q=%00", as: .otherParticipantOfficer).contains("161 in all"))
        let beyond = try await page("?after=99999", as: .otherParticipantOfficer)
        #expect(rows(beyond) == 0 && !beyond.contains("on this page"))
    }

    @Test("the operation page shows a large plan a few hundred actions at a time, in time order")
    func planPages() async throws {
        let world = try await TestWorld.make()
        defer { world.remove() }
        let coordinator = Actor(world.users[.leadCoordinator]!)
        let now = ConcertJSON.now()
        for number in 0..<300 {
            let action = ActionInput(
                kind: .interview, title: "Interview \(number)", executingAgencyId: world.partB.id, place: "Lyon",
                country: "FR", timeZone: "Europe/Paris", offsetMinutes: 1_000 + number
            ).makeAction(id: Identifier.make(), operationId: world.operation.id, createdAt: now, now: now)
            try await world.store.createAction(action, by: coordinator)
        }
        let path = "/operations/\(world.operation.id)"
        func page(_ query: String) async throws -> String {
            try await world.withClient { client in
                try await client.execute(
                    uri: path + query, method: .get, headers: TestWorld.headers(.leadCoordinator, json: false)
                ).text
            }
        }
        func rows(_ html: String) -> Int { html.components(separatedBy: "<tr data-action=").count - 1 }
        let total = try await world.store.actions(operationId: world.operation.id).count
        let first = try await page("")
        #expect(first.contains("Actions 1–250 of \(total), in time order"), "\(first)")
        #expect(rows(first) == 250 && first.contains("?plan=250#plan"))
        let second = try await page("?plan=250")
        #expect(second.contains("Actions 251–\(total) of \(total)") && rows(second) == total - 250)
        #expect(second.contains("Interview 299") && !second.contains(">Interview 10<"))
        #expect(try await page("?plan=-5").contains("Actions 1–250"))
    }

    @Test("the operation page offers each persona only the buttons its role may use")
    func operationPageButtons() async throws {
        let world = try await TestWorld.make()
        defer { world.remove() }
        let path = "/operations/\(world.operation.id)"
        let (lead, officerB, officerC) = try await world.withClient { client in
            (
                try await client.execute(
                    uri: path, method: .get, headers: TestWorld.headers(.leadCoordinator, json: false)),
                try await client.execute(
                    uri: path, method: .get, headers: TestWorld.headers(.participantOfficer, json: false)),
                try await client.execute(
                    uri: path, method: .get, headers: TestWorld.headers(.otherParticipantOfficer, json: false))
            )
        }
        #expect(lead.text.contains("Prepare the operation") && lead.text.contains("/h-hour"))
        #expect(lead.text.contains("Plan an action") && lead.text.contains("Record a legal instrument"))
        #expect(!officerB.text.contains("Prepare the operation") && !officerB.text.contains("Plan an action"))
        // B checks the gate of its own arrest, and changes its own targets; C does neither.
        let gate = "/actions/\(world.actionB.id)/gates/"
        #expect(officerB.text.contains(gate))
        #expect(!officerC.text.contains(gate))
        #expect(officerB.text.contains("/targets/\(world.sharedTarget.id)/edit"))
        #expect(!officerC.text.contains("/targets/\(world.sharedTarget.id)/edit"))
        #expect(officerC.text.contains(world.sharedTarget.name))
    }
}
