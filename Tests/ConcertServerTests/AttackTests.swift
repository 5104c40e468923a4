import ConcertCore
import ConcertStorage
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import NIOCore
import Testing

@testable import ConcertServer

/// The attacks that broke "nobody sees what they must not see", repeated from the attacker's
/// side: each must fail, and an investigator going about the day must not be refused.
@Suite("Attacks on the access promise")
struct AttackTests {
    static func post(
        _ path: String, as persona: Persona, _ body: Any, _ client: any TestClientProtocol
    ) async throws -> TestResponse {
        try await client.execute(uri: path, method: .post, headers: TestWorld.headers(persona), body: .json(body))
    }

    static func target(_ name: String, _ selectors: [[String: Any]]) -> [String: Any] {
        [
            "kind": "person", "name": name, "handling": "H0", "evaluation": "B2", "distribution": "all",
            "selectors": selectors,
        ]
    }

    @Test("a hit tells whom to contact, and the other side's value only to those who may read its record")
    func hitsRevealOnlyWhomToContact() async throws {
        let world = try await TestWorld.make()
        defer { world.remove() }
        let head = try await world.store.latestSequence(operationId: world.otherOperation.id)
        try await world.withClient { client in
            // The outsider records, in its own operation, what B holds for the lead agency only.
            let created = try await Self.post(
                "/api/v1/operations/\(world.otherOperation.id)/targets", as: .nonParticipant,
                Self.target(
                    "Fishing",
                    [
                        ["kind": "email", "value": "ZQ@Hidden-Suspect.example"],
                        ["kind": "person", "value": ["name": "Zacharias Quell"]],
                    ]),
                client)
            #expect(created.status == .created, "\(created.text)")
            let list = try await client.execute(
                uri: "/api/v1/hits", method: .get, headers: TestWorld.headers(.nonParticipant))
            let hits = try #require(list.object["items"] as? [[String: Any]])
            let onB = hits.filter {
                (($0["other"] as? [String: Any])?["agency"] as? [String: Any])?["name"] as? String == "Agency B"
            }
            #expect(onB.count >= 2, "\(list.text)")
            for hit in onB {
                let other = try #require(hit["other"] as? [String: Any])
                #expect(
                    (other["agency"] as? [String: Any])?["contact"] as? String == "Cybercrime desk, +49 30 5555 0100")
                #expect(other["selectorKind"] != nil)
                #expect(other["value"] == nil && other["targetId"] == nil && other["codeName"] == nil)
            }
            let feed = try await client.execute(
                uri: "/api/v1/operations/\(world.otherOperation.id)/live?since=\(head)&follow=false", method: .get,
                headers: TestWorld.headers(.nonParticipant)
            ).text
            #expect(feed.contains("event: hit.found"))
            for secret in [
                "zq@hidden-suspect.example", "1970-01-02", world.restrictedTarget.id, world.restrictedTarget.name,
                world.operation.codeName, world.operation.id,
            ] {
                #expect(!list.text.contains(secret), "the hits list told the outsider \(secret)")
                #expect(!feed.contains(secret), "the feed told the outsider \(secret)")
            }

            // The lead agency may read B's record: in its own second case it is told what B holds.
            let kestrel = try await Self.post(
                "/api/v1/operations", as: .leadCoordinator, ["codeName": "KESTREL"], client)
            let kestrelId = try #require(kestrel.object["id"] as? String)
            let recorded = try await Self.post(
                "/api/v1/operations/\(kestrelId)/targets", as: .leadCoordinator,
                Self.target("Same mailbox", [["kind": "email", "value": "zq@hidden-suspect.example"]]), client)
            #expect(recorded.status == .created)
            let forLead = try await client.execute(
                uri: "/api/v1/hits", method: .get, headers: TestWorld.headers(.leadCoordinator))
            let leadItems = try #require(forLead.object["items"] as? [[String: Any]])
            let other = try #require(
                leadItems.compactMap { $0["other"] as? [String: Any] }.first {
                    ($0["agency"] as? [String: Any])?["name"] as? String == "Agency B"
                }, "\(forLead.text)")
            #expect(other["value"] as? String == "zq@hidden-suspect.example")
            #expect(other["codeName"] as? String == "NIGHTJAR")
            #expect(other["targetId"] as? String == world.restrictedTarget.id)
        }
    }

    @Test("identifiers too wide to be one are refused, for targets and checks alike, and change nothing")
    func wideIdentifiersRefused() async throws {
        let world = try await TestWorld.make()
        defer { world.remove() }
        let before = try await world.eventCount()
        try await world.withClient { client in
            for (kind, value) in [("cidr", "0.0.0.0/0"), ("cidr", "::/0"), ("cidr", "10.0.0.0/8"), ("domain", "co.uk")]
            {
                let target = try await Self.post(
                    "/api/v1/operations/\(world.otherOperation.id)/targets", as: .nonParticipant,
                    [
                        "kind": "server", "name": "Sweep", "handling": "H0", "evaluation": "B2", "distribution": "all",
                        "selectors": [["kind": kind, "value": value]],
                    ], client)
                #expect(target.status == .unprocessableContent, "\(value): \(target.text)")
                #expect(target.object["field"] as? String == "selectors[0].value", "\(target.text)")
                let check = try await Self.post(
                    "/api/v1/crosscheck", as: .nonParticipant, ["selectors": [["kind": kind, "value": value]]], client)
                #expect(check.status == .unprocessableContent, "\(value): \(check.text)")
            }
            // A block an investigator really records is accepted.
            let narrow = try await Self.post(
                "/api/v1/crosscheck", as: .nonParticipant, ["selectors": [["kind": "cidr", "value": "192.0.2.0/24"]]],
                client)
            #expect(narrow.status == .ok)
        }
        // Only the accepted check wrote anything: its audit entry and the notice to the holder.
        #expect(try await world.eventCount() == before + 2)
    }

    @Test("a sweep of the check before sharing runs into its budget, and every holder hears of each hit")
    func checkSweepIsBoundedAndSeen() async throws {
        let world = try await TestWorld.make()
        defer { world.remove() }
        let sweep = try await world.withClient(configured: { $0.crossCheckBudget = .init(perUser: 400) }) { client in
            // Every date of birth of 1970 and 1969 for the name B holds, a year a request.
            var statuses: [Int] = []
            var retryAfter: String?
            for year in [1970, 1969] {
                var selectors: [[String: Any]] = []
                var day = DateComponents(calendar: Calendar(identifier: .gregorian), year: year, month: 1, day: 1).date!
                while Calendar(identifier: .gregorian).component(.year, from: day) == year {
                    let text = ISO8601DateFormatter.string(
                        from: day, timeZone: TimeZone(identifier: "UTC")!, formatOptions: [.withFullDate])
                    selectors.append(["kind": "person", "value": ["name": "Zacharias Quell", "dateOfBirth": text]])
                    day = day.addingTimeInterval(86_400)
                }
                let answer = try await Self.post(
                    "/api/v1/crosscheck", as: .nonParticipant, ["selectors": selectors], client)
                statuses.append(Int(answer.status.code))
                if answer.status == .tooManyRequests {
                    retryAfter = answer.headers[.retryAfter]
                    #expect(answer.headers[.contentType] == "application/problem+json")
                }
            }
            return (statuses, retryAfter)
        }
        // The first year (which holds the date) fits the budget of 400; the second does not.
        #expect(sweep.0 == [200, 429])
        #expect(Int(sweep.1 ?? "") ?? 0 > 0)
        try await world.withClient { client in
            // B is told of the check that hit its suspect: who checked, and which of its selectors.
            let notices = try await client.execute(
                uri: "/api/v1/crosscheck/notices", method: .get, headers: TestWorld.headers(.participantOfficer))
            let items = try #require(notices.object["items"] as? [[String: Any]])
            let notice = try #require(items.first, "\(notices.text)")
            #expect((notice["checkedBy"] as? [String: Any])?["agencyName"] as? String == "Outsider Agency")
            let selectors = try #require(notice["selectors"] as? [[String: Any]])
            #expect(selectors.contains { $0["targetId"] as? String == world.restrictedTarget.id })
            // Each of its selectors as B wrote it, never the value the outsider sent.
            #expect(
                selectors.contains { $0["value"] as? String == "Zacharias Quell (born 1970-01-02)" }, "\(selectors)")
            #expect(!notices.text.contains("1970-01-01") && !notices.text.contains("1970-12-31"))
            // Nobody else is: not the lead, which may read the record, nor C.
            for persona in [Persona.leadCoordinator, .otherParticipantOfficer] {
                let theirs = try await client.execute(
                    uri: "/api/v1/crosscheck/notices", method: .get, headers: TestWorld.headers(persona))
                #expect((theirs.object["items"] as? [Any])?.isEmpty == true, "\(persona): \(theirs.text)")
                let feed = try await client.execute(
                    uri: "/api/v1/operations/\(world.operation.id)/live?since=\(world.head)&follow=false",
                    method: .get, headers: TestWorld.headers(persona))
                #expect(!feed.text.contains("crosscheck.checked"), "\(persona)")
            }
            let feedOfB = try await client.execute(
                uri: "/api/v1/operations/\(world.operation.id)/live?since=\(world.head)&follow=false", method: .get,
                headers: TestWorld.headers(.participantOfficer))
            #expect(feedOfB.text.contains("event: crosscheck.checked"))
            // And on B's hits page, next to its hits.
            let page = try await client.execute(
                uri: "/hits", method: .get, headers: TestWorld.headers(.participantOfficer, json: false))
            #expect(page.text.contains("Checks of your selectors") && page.text.contains("Outsider Agency"))
            #expect(page.text.contains("Zacharias Quell (born 1970-01-02)"))
        }
        // The caller's own audit trail keeps every value it checked.
        let audits = try await world.store.events(kinds: [.auditCrossCheck], operationIds: nil, limit: 10)
        #expect(audits.count == 1)
        #expect(audits.first?.payload.contains("1970-12-31") == true)
        #expect(audits.first?.actorAgencyId == world.outsider.id)
    }

    @Test("an agency's own budget replaces the installation's, and a refused check spends nothing")
    func agencyBudget() async throws {
        let world = try await TestWorld.make()
        defer { world.remove() }
        let outsider = world.outsider.id
        try await world.withClient(configured: { $0.crossCheckBudget = .init(agencyOverrides: [outsider: 3]) }) {
            client in
            func check(_ count: Int) async throws -> TestResponse {
                try await Self.post(
                    "/api/v1/crosscheck", as: .nonParticipant,
                    ["selectors": (0..<count).map { ["kind": "ip", "value": "198.51.100.\($0 + 1)"] }], client)
            }
            #expect(try await check(2).status == .ok)
            #expect(try await check(2).status == .tooManyRequests)
            #expect(try await check(1).status == .ok)
            #expect(try await check(4).status == .unprocessableContent)
            // Another agency's investigators are not held back by the outsider's budget.
            let other = try await Self.post(
                "/api/v1/crosscheck", as: .participantOfficer,
                ["selectors": (0..<10).map { ["kind": "ip", "value": "198.51.100.\($0 + 1)"] }], client)
            #expect(other.status == .ok)
        }
    }

    @Test("an import previewed first spends its budget once; one too long is refused before it is read")
    func previewThenImportCountsOnce() async throws {
        let world = try await TestWorld.make()
        defer { world.remove() }
        let outsider = world.outsider.id
        try await world.withClient(configured: { $0.crossCheckBudget = .init(agencyOverrides: [outsider: 4]) }) {
            client in
            let path = "/api/v1/operations/\(world.otherOperation.id)/targets/import"
            let file: [String: Any] = [
                "targets": (0..<3).map { number in
                    [
                        "kind": "server", "name": "Box \(number)", "handling": "H0", "evaluation": "B2",
                        "distribution": "all", "selectors": [["kind": "ip", "value": "203.0.113.\(number + 40)"]],
                    ] as [String: Any]
                }
            ]
            #expect(try await Self.post(path + "/preview", as: .nonParticipant, file, client).status == .ok)
            // Three selectors previewed of a budget of four: their import spends nothing more.
            let imported = try await Self.post(path, as: .nonParticipant, file, client)
            #expect(imported.status == .created, "\(imported.text)")
            // What was not previewed is spent as ever: one more fits, two do not.
            let two: [String: Any] = [
                "targets": [
                    [
                        "kind": "server", "name": "Box 9", "handling": "H0", "evaluation": "B2", "distribution": "all",
                        "selectors": [
                            ["kind": "ip", "value": "203.0.113.90"], ["kind": "ip", "value": "203.0.113.91"],
                        ],
                    ] as [String: Any]
                ]
            ]
            #expect(try await Self.post(path, as: .nonParticipant, two, client).status == .tooManyRequests)
            // A list longer than an import may hold is refused at once, row problems or not.
            let long = try await Self.post(
                path + "/preview", as: .nonParticipant,
                ["targets": Array(repeating: [String: Any](), count: TargetController.maximumImport + 1)], client)
            #expect(long.status == .unprocessableContent && long.object["field"] as? String == "targets")
        }
    }

    @Test("guessing a password runs into delays and a lock, leaves a trace, and tells nothing of who exists")
    func passwordGuessing() async throws {
        let world = try await TestWorld.make()
        defer { world.remove() }
        try await world.withClient { client in
            func signIn(_ username: String, _ password: String) async throws -> TestResponse {
                try await Self.post(
                    "/api/v1/sessions", as: .anonymous, ["username": username, "password": password], client)
            }
            // A user who mistypes twice is never held back.
            #expect(try await signIn("otherparticipantofficer", "wrong guess one").status == .unauthorized)
            #expect(try await signIn("otherparticipantofficer", "wrong guess two").status == .unauthorized)
            #expect(try await signIn("otherparticipantofficer", TestWorld.password).status == .created)

            var known: [Int] = []
            var unknown: [Int] = []
            for guess in 0..<50 {
                known.append(Int(try await signIn("participantofficer", "guess number \(guess)").status.code))
                unknown.append(Int(try await signIn("nobody-at-all", "guess number \(guess)").status.code))
            }
            #expect(known.filter { $0 == 401 }.count <= 10, "\(known)")
            #expect(known.contains(429))
            // The right password, right after: held back like a guess.
            let right = try await signIn("participantofficer", TestWorld.password)
            #expect(right.status == .tooManyRequests)
            #expect(right.headers[.retryAfter] != nil)
            #expect(!right.text.contains("token"))
            // An unknown name is held back like a known one (the Core tests compare the two
            // answer by answer; here both share one client address and the clock).
            #expect(unknown.filter { $0 == 401 }.count <= 10 && unknown.contains(429), "\(unknown)")
            #expect(Array(known.prefix(3)) == [401, 401, 401] && Array(unknown.prefix(3)) == [401, 401, 401])
        }
        let failures = try await world.store.events(kinds: [.signInFailed], operationIds: nil, limit: 100)
        #expect(failures.contains { $0.payload.contains(world.users[.participantOfficer]!.id) })
        #expect(failures.contains { $0.payload.contains("nobody-at-all") })
        // B's administrator is told of the failed attempts on B's accounts.
        try await world.withClient { client in
            let notices = try await client.execute(
                uri: "/api/v1/account-notices", method: .get, headers: TestWorld.headers(.agencyAdmin))
            #expect(notices.text.contains("signIn.failed"))
            #expect(!notices.text.contains("nobody-at-all"))
        }
    }

    @Test("the platform admin mints no account that reads content; agency admins manage only their own")
    func administratorsMintNothing() async throws {
        let world = try await TestWorld.make()
        defer { world.remove() }
        try await world.withClient { client in
            func user(
                _ agencyId: String, _ role: String, _ name: String, as persona: Persona
            ) async throws -> TestResponse {
                try await Self.post(
                    "/api/v1/users", as: persona,
                    [
                        "username": name, "displayName": name, "agencyId": agencyId, "role": role,
                        "password": "a long enough passphrase",
                    ], client)
            }
            // The attack: a coordinator in the lead agency, an officer in C, a second admin of B.
            #expect(try await user(world.lead.id, "coordinator", "mint-coord", as: .platformAdmin).status == .forbidden)
            #expect(try await user(world.partC.id, "officer", "mint-officer", as: .platformAdmin).status == .forbidden)
            #expect(
                try await user(world.partB.id, "agencyAdmin", "mint-admin", as: .platformAdmin).status == .forbidden)
            #expect(try await user(world.partB.id, "admin", "mint-root", as: .agencyAdmin).status == .forbidden)
            #expect(try await user(world.partC.id, "officer", "other-agency", as: .agencyAdmin).status == .forbidden)
            // A new agency gets its first administrator from the platform admin, once.
            let agency = try await Self.post(
                "/api/v1/agencies", as: .platformAdmin, ["name": "Garda", "country": "IE", "kind": "police"], client)
            let agencyId = try #require(agency.object["id"] as? String)
            #expect(try await user(agencyId, "agencyAdmin", "garda-admin", as: .platformAdmin).status == .created)
            #expect(try await user(agencyId, "agencyAdmin", "garda-admin-2", as: .platformAdmin).status == .forbidden)

            // B's administrator disables an officer: their session ends and they cannot sign in.
            let officer = world.users[.participantOfficer]!
            let disabled = try await client.execute(
                uri: "/api/v1/users/\(officer.id)", method: .patch, headers: TestWorld.headers(.agencyAdmin),
                body: .json(["disabled": true]))
            #expect(disabled.status == .ok)
            #expect(disabled.object["disabledAt"] != nil)
            let me = try await client.execute(
                uri: "/api/v1/me", method: .get, headers: TestWorld.headers(.participantOfficer))
            #expect(me.status == .unauthorized)
            let signIn = try await Self.post(
                "/api/v1/sessions", as: .anonymous, ["username": officer.username, "password": TestWorld.password],
                client)
            #expect(signIn.status == .unauthorized)
            let enabled = try await client.execute(
                uri: "/api/v1/users/\(officer.id)", method: .patch, headers: TestWorld.headers(.agencyAdmin),
                body: .json(["disabled": false]))
            #expect(enabled.status == .ok)
            let again = try await Self.post(
                "/api/v1/sessions", as: .anonymous, ["username": officer.username, "password": TestWorld.password],
                client)
            #expect(again.status == .created)
            // An administrator keeps their own account: they cannot disable it.
            let own = try await client.execute(
                uri: "/api/v1/users/\(world.users[.agencyAdmin]!.id)", method: .patch,
                headers: TestWorld.headers(.agencyAdmin), body: .json(["disabled": true]))
            #expect(own.status == .forbidden)
            // Ending sessions works on another agency's account for nobody.
            let foreign = try await client.execute(
                uri: "/api/v1/users/\(world.users[.otherParticipantOfficer]!.id)/sessions", method: .delete,
                headers: TestWorld.headers(.agencyAdmin))
            #expect(foreign.status == .forbidden)

            // B's administrator resets the officer's password: the old one and its sessions end,
            // the new one opens the account; a weak one, their own or another agency's is refused.
            func reset(_ userId: String, _ password: String, as persona: Persona) async throws -> TestResponse {
                try await client.execute(
                    uri: "/api/v1/users/\(userId)/password", method: .put, headers: TestWorld.headers(persona),
                    body: .json(["password": password]))
            }
            let before = try await world.eventCount()
            let weak = try await reset(officer.id, "password1234", as: .agencyAdmin)
            #expect(weak.status == .unprocessableContent && weak.object["field"] as? String == "password")
            #expect(
                try await reset(world.users[.agencyAdmin]!.id, "a long new phrase", as: .agencyAdmin).status
                    == .forbidden)
            #expect(
                try await reset(world.users[.otherParticipantOfficer]!.id, "a long new phrase", as: .agencyAdmin).status
                    == .forbidden)
            #expect(try await reset(officer.id, "a long new phrase", as: .otherParticipantOfficer).status == .forbidden)
            // Nobody but an administrator learns whether an id is an account's.
            #expect(
                try await reset("no-such-user", "a long new phrase", as: .otherParticipantOfficer).status == .forbidden)
            #expect(try await world.eventCount() == before)
            let session = try #require(again.object["token"] as? String)
            #expect(try await reset(officer.id, "a long new phrase for B", as: .agencyAdmin).status == .noContent)
            let stale = try await client.execute(
                uri: "/api/v1/me", method: .get, headers: [.authorization: "Bearer \(session)"])
            #expect(stale.status == .unauthorized)
            let old = try await Self.post(
                "/api/v1/sessions", as: .anonymous, ["username": officer.username, "password": TestWorld.password],
                client)
            #expect(old.status == .unauthorized)
            let new = try await Self.post(
                "/api/v1/sessions", as: .anonymous,
                ["username": officer.username, "password": "a long new phrase for B"],
                client)
            #expect(new.status == .created)

            // Every change is announced to B's administrators, and only B's changes.
            let notices = try await client.execute(
                uri: "/api/v1/account-notices", method: .get, headers: TestWorld.headers(.agencyAdmin))
            let kinds = try #require(notices.object["items"] as? [[String: Any]]).compactMap { $0["kind"] as? String }
            #expect(kinds.contains("user.disabled") && kinds.contains("user.enabled"), "\(kinds)")
            #expect(kinds.contains("user.passwordReset"), "\(kinds)")
            #expect(!notices.text.contains("a long new phrase"))
            #expect(!notices.text.contains("garda-admin"))
        }
    }

    @Test("the sign-in form refuses a post from another site")
    func loginChecksOrigin() async throws {
        let world = try await TestWorld.make()
        defer { world.remove() }
        try await world.withClient { client in
            let form = ByteBuffer(
                string:
                    "username=participantofficer&password=\(TestWorld.password.replacingOccurrences(of: " ", with: "+"))"
            )
            for header in [("Origin", "https://attacker.example"), ("Sec-Fetch-Site", "cross-site")] {
                var headers: HTTPFields = [.contentType: "application/x-www-form-urlencoded"]
                headers[HTTPField.Name(header.0)!] = header.1
                let answer = try await client.execute(uri: "/login", method: .post, headers: headers, body: form)
                #expect(answer.status == .forbidden, "\(header)")
                #expect(answer.headers[.setCookie] == nil)
            }
            let own = try await client.execute(
                uri: "/login", method: .post,
                headers: [
                    // What Chromium sends under Concert's no-referrer policy: a null Origin.
                    .contentType: "application/x-www-form-urlencoded", HTTPField.Name("Sec-Fetch-Site")!: "same-origin",
                    .origin: "null",
                ], body: form)
            #expect(own.status == .found)
            #expect(own.headers[.setCookie] != nil)
        }
    }

    @Test("attachment files are named by a keyed hash: the folder does not confirm a known file")
    func attachmentNames() async throws {
        let world = try await TestWorld.make()
        defer { world.remove() }
        let names =
            FileManager.default.enumerator(atPath: world.attachments.folder.path)?.compactMap {
                ($0 as? String).map { URL(fileURLWithPath: $0).lastPathComponent }
            } ?? []
        #expect(names.count >= 2)
        for message in [world.sharedMessage, world.restrictedMessage] {
            #expect(!names.contains(message.sha256), "a file is named by its plain SHA-256")
        }
        // A file an earlier version kept under its plain SHA-256 is still served, and renamed.
        let vault = AttachmentVault(settings: world.attachments)
        let keyed = vault.location(of: world.sharedMessage.sha256)
        let legacy = world.attachments.folder.appendingPathComponent(String(world.sharedMessage.sha256.prefix(2)))
            .appendingPathComponent(world.sharedMessage.sha256)
        try FileManager.default.createDirectory(
            at: legacy.deletingLastPathComponent(), withIntermediateDirectories: true)
        try FileManager.default.moveItem(at: keyed, to: legacy)
        try await world.withClient { client in
            let download = try await client.execute(
                uri:
                    "/api/v1/operations/\(world.operation.id)/messages/\(world.sharedMessage.id)/attachments/\(world.sharedMessage.attachmentId)",
                method: .get, headers: TestWorld.headers(.participantOfficer))
            #expect(download.status == .ok)
            #expect(Array(buffer: download.body) == world.sharedMessage.content)
        }
        #expect(FileManager.default.fileExists(atPath: keyed.path))
        #expect(!FileManager.default.fileExists(atPath: legacy.path))
    }

    @Test("a list read records which records it delivered, and no others")
    func listReadsNameTheirRecords() async throws {
        let world = try await TestWorld.make()
        defer { world.remove() }
        try await world.withClient { client in
            for path in ["targets", "messages"] {
                let list = try await client.execute(
                    uri: "/api/v1/operations/\(world.operation.id)/\(path)", method: .get,
                    headers: TestWorld.headers(.otherParticipantOfficer))
                #expect(list.status == .ok)
            }
        }
        let targets = try #require(
            try await world.store.events(kinds: [.auditTargetsListed], operationIds: nil, limit: 1).first)
        #expect(targets.payload.contains(world.sharedTarget.id))
        #expect(!targets.payload.contains(world.restrictedTarget.id))
        #expect(targets.actorUserId == world.users[.otherParticipantOfficer]!.id)
        let messages = try #require(
            try await world.store.events(kinds: [.auditMessagesListed], operationIds: nil, limit: 1).first)
        #expect(messages.payload.contains(world.sharedMessage.id))
        #expect(!messages.payload.contains(world.restrictedMessage.id))
    }

    @Test("a feed records which handled records it gave its subscriber, and no others")
    func feedReadsNameTheirRecords() async throws {
        let world = try await TestWorld.make()
        defer { world.remove() }
        try await world.withClient { client in
            let feed = try await client.execute(
                uri: "/api/v1/operations/\(world.operation.id)/live?since=0&follow=false", method: .get,
                headers: TestWorld.headers(.otherParticipantOfficer))
            #expect(feed.text.contains(world.sharedTarget.id))
        }
        // Written beside the feed once it ends: wait for it, a few seconds at most.
        var entries: [Event] = []
        for _ in 0..<200 where entries.isEmpty {
            entries = try await world.store.events(kinds: [.auditFeedDelivered], operationIds: nil, limit: 5)
            if entries.isEmpty { try await Task.sleep(for: .milliseconds(20)) }
        }
        let entry = try #require(entries.first)
        #expect(entry.actorUserId == world.users[.otherParticipantOfficer]!.id)
        #expect(entry.payload.contains(world.sharedTarget.id) && entry.payload.contains(world.sharedMessage.id))
        #expect(
            !entry.payload.contains(world.restrictedTarget.id) && !entry.payload.contains(world.restrictedMessage.id))
    }

    @Test("a long list is read a page at a time, and each page's read names the very records it delivered")
    func longListReadsNameTheirRecords() async throws {
        let world = try await TestWorld.make()
        defer { world.remove() }
        let path = "/api/v1/operations/\(world.otherOperation.id)/targets"
        let pages = try await world.withClient { client -> [[String]] in
            let targets = (0..<1_001).map { index -> [String: Any] in
                [
                    "kind": "server", "name": "Node \(index)", "handling": "H0", "evaluation": "B2",
                    "distribution": "all", "selectors": [["kind": "ip", "value": "203.0.113.\(index % 250 + 1)"]],
                ]
            }
            let imported = try await Self.post(path + "/import", as: .nonParticipant, ["targets": targets], client)
            #expect(imported.status == .created, "\(imported.text)")
            var pages: [[String]] = []
            var after: String?
            repeat {
                let list = try await client.execute(
                    uri: path + "?limit=500" + (after.map { "&after=\($0)" } ?? ""), method: .get,
                    headers: TestWorld.headers(.nonParticipant))
                #expect(list.status == .ok, "\(list.text)")
                pages.append(
                    try #require(list.object["items"] as? [[String: Any]]).compactMap { $0["id"] as? String })
                after = list.object["next"] as? String
            } while after != nil && pages.count < 10
            return pages
        }
        #expect(pages.map(\.count) == [500, 500, 2])
        let ids = pages.flatMap { $0 }
        #expect(Set(ids).count == 1_002, "every target once")
        let entries = try await world.store.events(kinds: [.auditTargetsListed], operationIds: nil, limit: 10)
        #expect(entries.count == 3)
        for (entry, page) in zip(entries.reversed(), pages) {
            let delivered = try ConcertJSON.decode(ListDelivery.self, from: entry.payload)
            #expect(delivered.ids == page, "the audit names the page's records, in order")
        }
    }

    @Test("recording targets spends the check budget: an import cannot sweep what checks may not")
    func recordingSweepIsBounded() async throws {
        let world = try await TestWorld.make()
        defer { world.remove() }
        let path = "/api/v1/operations/\(world.otherOperation.id)/targets/import"
        try await world.withClient(configured: { $0.crossCheckBudget = .init(perUser: 300) }) { client in
            func sweep(_ block: Int) -> [String: Any] {
                let selectors = (0..<200).map { ["kind": "ip", "value": "198.\(block).\($0).1"] }
                return [
                    "targets": [
                        [
                            "kind": "server", "name": "Sweep \(block)", "handling": "H0", "evaluation": "B2",
                            "distribution": "all", "selectors": selectors,
                        ]
                    ]
                ]
            }
            #expect(try await Self.post(path, as: .nonParticipant, sweep(1), client).status == .created)
            let before = try await world.eventCount()
            let refused = try await Self.post(path, as: .nonParticipant, sweep(2), client)
            #expect(refused.status == .tooManyRequests, "\(refused.text)")
            #expect(refused.headers[.retryAfter] != nil)
            #expect(try await world.eventCount() == before, "a refused import wrote to the store")
            // A check is refused too: one budget for both.
            let check = try await Self.post(
                "/api/v1/crosscheck", as: .nonParticipant,
                ["selectors": (0..<150).map { ["kind": "ip", "value": "198.3.\($0).1"] }], client)
            #expect(check.status == .tooManyRequests)
        }
    }
}
