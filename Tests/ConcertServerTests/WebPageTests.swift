import ConcertCore
import Foundation
import Hummingbird
import HummingbirdTesting
import NIOCore
import Testing

@Suite("Web pages")
struct WebPageTests {
    @Test("signing in with the form sets a secure, HTTP-only, SameSite session cookie that opens the pages")
    func signIn() async throws {
        let world = try await TestWorld.make()
        defer { world.remove() }
        try await world.withClient { client in
            let form = try await client.execute(uri: "/login", method: .get)
            #expect(form.status == .ok)
            #expect(form.text.contains(#"<form method="post" action="/login">"#))

            let formHeaders: HTTPFields = [.contentType: "application/x-www-form-urlencoded"]
            let wrong = try await client.execute(
                uri: "/login", method: .post, headers: formHeaders,
                body: ByteBuffer(string: "username=leadcoordinator&password=nope"))
            #expect(wrong.status == .unauthorized)
            #expect(wrong.text.contains("The username, password or code is wrong."))
            #expect(wrong.headers[.setCookie] == nil)

            let password = TestWorld.password.addingPercentEncoding(withAllowedCharacters: .alphanumerics)!
            let signedIn = try await client.execute(
                uri: "/login", method: .post, headers: formHeaders,
                body: ByteBuffer(string: "username=leadcoordinator&password=\(password)"))
            #expect(signedIn.status == .found)
            #expect(signedIn.headers[.location] == "/operations")
            let cookie = try #require(signedIn.headers[.setCookie])
            #expect(cookie.hasPrefix("concert_session="))
            for attribute in ["HttpOnly", "Secure", "SameSite=Strict", "Path=/"] {
                #expect(cookie.contains(attribute), "cookie lacks \(attribute): \(cookie)")
            }
            let session = String(cookie.split(separator: ";")[0])
            let page = try await client.execute(uri: "/operations", method: .get, headers: [.cookie: session])
            #expect(page.status == .ok)
            #expect(page.text.contains("NIGHTJAR"))

            let crossSite = try await client.execute(
                uri: "/logout", method: .post, headers: [.cookie: session, .origin: "https://evil.example"])
            #expect(crossSite.status == .forbidden)
            let loggedOut = try await client.execute(uri: "/logout", method: .post, headers: [.cookie: session])
            #expect(loggedOut.status == .found)
            let after = try await client.execute(uri: "/operations", method: .get, headers: [.cookie: session])
            #expect(after.status == .seeOther || after.status == .found || after.status == .movedPermanently)
            #expect(after.headers[.location] == "/login")
        }
    }

    @Test("the operation page shows targets with handling and evaluation, and the plan with UTC and local times")
    func operationPage() async throws {
        let world = try await TestWorld.make()
        defer { world.remove() }
        let page = try await world.withClient { client in
            try await client.execute(
                uri: "/operations/\(world.operation.id)", method: .get,
                headers: TestWorld.headers(.leadCoordinator, json: false))
        }
        #expect(page.status == .ok)
        for expected in [
            "NIGHTJAR", world.sharedTarget.name, world.restrictedTarget.name, "H2", "A1",
            "Not to be disseminated without the originator", "Arrest in Berlin", "Take down server in Ashburn",
            "Europe/Berlin", "UTC", "H-2h", "Agency B", "Observer Agency",
        ] {
            #expect(page.text.contains(expected), "the page lacks '\(expected)'")
        }
        let ashburn = try #require(page.text.range(of: "Take down server in Ashburn"))
        let berlin = try #require(page.text.range(of: "Arrest in Berlin"))
        #expect(ashburn.lowerBound < berlin.lowerBound, "the plan is not ordered by H-hour offset")
    }

    @Test("a quote followed by a combining mark is escaped: it cannot close an attribute")
    func combiningMarksAreEscaped() async throws {
        let world = try await TestWorld.make()
        defer { world.remove() }
        try await world.withClient { client in
            // The target filter writes the search back into its field's value="…".
            let page = try await client.execute(
                uri: "/operations/\(world.operation.id)?q=%22%CC%B8%20autofocus%20onfocus%3Dx", method: .get,
                headers: TestWorld.headers(.participantOfficer, json: false))
            #expect(page.status == .ok)
            let escaped = "&quot;" + "\u{338} autofocus onfocus=x"
            let unescaped = "\"" + "\u{338} autofocus"
            #expect(page.text.contains(escaped))
            #expect(!page.text.contains(unescaped))
        }
        let mixed = "a\"" + "\u{338}<" + "\u{338}"
        #expect(SitrepDocument.escapeHTML(mixed) == "a&quot;" + "\u{338}&lt;" + "\u{338}")
    }

    @Test("each persona's page shows only what the policy lets them see", arguments: Persona.allCases)
    func pagesLeakNothing(persona: Persona) async throws {
        let world = try await TestWorld.make()
        defer { world.remove() }
        let pages = try await world.withClient { client in
            var pages: [TestResponse] = []
            let operation = "/operations/\(world.operation.id)"
            for path in [
                "/operations", operation, operation + "/board", operation + "/sitreps",
                operation + "/sitreps/\(world.approvedSitrep.id)", operation + "/sitreps/\(world.draftSitrep.id)",
                "/hits", operation + "/messages", operation + "/messages?q=courier", operation + "/messages/new",
                operation + "/messages/\(world.restrictedMessage.id)",
                operation + "/messages/\(world.sharedMessage.id)",
            ] {
                pages.append(
                    try await client.execute(uri: path, method: .get, headers: TestWorld.headers(persona, json: false)))
            }
            return pages
        }
        for page in pages {
            for secret in RouteTable.secrets(for: persona, in: world) {
                #expect(!page.text.contains(secret), "\(persona) saw '\(secret)'")
            }
        }
        // The sitreps: the approved one for every participant, the draft and its editing for the lead coordinator.
        if [.leadCoordinator, .participantOfficer, .otherParticipantOfficer, .observer].contains(persona) {
            #expect(pages[3].status == .ok)
            #expect(pages[3].text.contains("SITREP 1"))
            #expect(pages[3].text.contains("Draft sitrep") == (persona == .leadCoordinator))
            #expect(pages[3].text.contains("compile-sitrep") == (persona == .leadCoordinator))
            #expect(pages[4].text.contains("All teams briefed."))
            #expect(pages[4].text.contains("/sitreps/\(world.approvedSitrep.id)/markdown"))
            #expect(!pages[4].text.contains("edit-sitrep"), "an approved sitrep cannot be edited")
            #expect(pages[5].status == (persona == .leadCoordinator ? .ok : .notFound))
            #expect(pages[5].text.contains("edit-sitrep") == (persona == .leadCoordinator))
        }
        // The hits page: B and the outsider see their side of the world's hit, with whom to contact.
        switch persona {
        case .participantOfficer:
            #expect(pages[6].text.contains("Outsider Agency"))
            // B takes no part in the outsider's operation: whom to contact, never what it holds.
            #expect(!pages[6].text.contains("cdn.release-mirror.example"))
            #expect(pages[6].text.contains("held back: ask the agency"))
        case .nonParticipant:
            #expect(pages[6].text.contains("Agency B"))
            #expect(pages[6].text.contains("Cybercrime desk, +49 30 5555 0100"))
            #expect(pages[6].text.contains("review-hit"))
        case .leadCoordinator, .otherParticipantOfficer:
            #expect(pages[6].text.contains("No hit for your agency."))
        case .observer, .platformAdmin, .agencyAdmin:
            #expect(pages[6].status == .forbidden)
        case .anonymous:
            break
        }
        // The message pages: the inbox, a search, the compose form, the restricted and the shared thread.
        switch persona {
        case .leadCoordinator:
            #expect(pages[7].text.contains(world.restrictedMessage.subject))
            #expect(pages[7].text.contains("2 unread") && pages[7].text.contains("2 to acknowledge"))
            #expect(pages[8].text.contains(world.restrictedMessage.subject))
            #expect(pages[10].text.contains("The source names the payment courier."))
            #expect(pages[10].text.contains(world.restrictedMessage.sha256))
            #expect(pages[10].text.contains("class=\"acknowledge\""))
        case .participantOfficer:
            #expect(pages[10].text.contains("asks to pass this message to Agency C"))
            #expect(pages[10].text.contains("data-grant=\"true\""))
            #expect(pages[10].text.contains("Lead Agency: <strong>not yet</strong>"))
        case .otherParticipantOfficer:
            #expect(pages[7].text.contains(world.sharedMessage.subject))
            #expect(pages[8].text.contains("No message you can read matches."))
            #expect(pages[9].text.contains("Choose the handling code…"))
            #expect(!pages[9].text.contains("option value=\"H0\" selected"))
            #expect(pages[10].status == .notFound)
            #expect(pages[11].text.contains("Servers will be imaged before seizure."))
        case .observer:
            #expect(pages[7...11].allSatisfy { $0.status == .forbidden || $0.status == .notFound })
        case .nonParticipant, .platformAdmin, .agencyAdmin:
            #expect(pages[7...11].allSatisfy { $0.status == .notFound })
        case .anonymous:
            break
        }
        switch persona {
        case .anonymous:
            #expect(pages.allSatisfy { $0.headers[.location] == "/login" })
        case .nonParticipant, .platformAdmin, .agencyAdmin:
            #expect(pages[1...5].allSatisfy { $0.status == .notFound })
        case .observer:
            // The arrest's title and place describe a target the observer may not read.
            #expect(!pages[1].text.contains("Arrest in Berlin"))
            #expect(pages[1].text.contains("Arrest in DE"))
            #expect(pages[2].status == .ok)
            #expect(!pages[2].text.contains("data-command"), "an observer gets no GO/HOLD/ABORT controls")
            #expect(pages[1].text.contains("targets and intelligence are not shown"))
        case .otherParticipantOfficer:
            #expect(pages[1].text.contains(world.sharedTarget.name))
        case .leadCoordinator, .participantOfficer:
            #expect(pages[1].text.contains(world.restrictedTarget.name))
            #expect(pages[2].text.contains("data-command") == (persona == .leadCoordinator))
        }
    }
}
