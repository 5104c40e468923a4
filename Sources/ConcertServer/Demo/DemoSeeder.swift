import ConcertCore
import ConcertStorage
import Foundation

/// The demo operation, modelled on the 2020 case: a film-piracy release network dismantled by
/// 19 countries in one day, 60 servers in North America, Europe and Asia, arrests in Cyprus and
/// the United States. Every run produces the same data (ids included); only event times differ.
///
/// Addresses come from the documentation ranges (RFC 5737, RFC 3849) and domains end in
/// `.example`, so the demo names no real host.
public enum DemoSeeder {
    /// The password of every demo login.
    public static let password = "concert-demo-2020"
    /// The demo operation's H-hour.
    public static let defaultHHour = Date(timeIntervalSince1970: 1_796_878_800)  // 2026-12-10T05:00:00Z

    /// One demo login.
    public struct Login: Sendable {
        /// The username.
        public var username: String
        /// Who they are.
        public var description: String
    }

    struct CountryDesk {
        var code: String
        var agency: String
        var city: String
        var timeZone: String
    }

    /// The 19 participating countries, each with one agency.
    static let desks: [CountryDesk] = [
        .init(code: "FR", agency: "Police nationale – OCLCTIC", city: "Nanterre", timeZone: "Europe/Paris"),
        .init(code: "US", agency: "US Federal Investigative Service", city: "New York", timeZone: "America/New_York"),
        .init(code: "DE", agency: "Bundeskriminalamt – Cybercrime", city: "Wiesbaden", timeZone: "Europe/Berlin"),
        .init(code: "GB", agency: "National Crime Agency – Cyber", city: "London", timeZone: "Europe/London"),
        .init(code: "CA", agency: "Royal Canadian Police – Cybercrime", city: "Ottawa", timeZone: "America/Toronto"),
        .init(code: "CY", agency: "Cyprus Police – Cybercrime Unit", city: "Nicosia", timeZone: "Asia/Nicosia"),
        .init(
            code: "NL", agency: "Netherlands National Police – High Tech Crime", city: "Driebergen",
            timeZone: "Europe/Amsterdam"),
        .init(code: "IT", agency: "Guardia di Finanza – Special Unit", city: "Rome", timeZone: "Europe/Rome"),
        .init(code: "ES", agency: "Policía Nacional – Cibercrimen", city: "Madrid", timeZone: "Europe/Madrid"),
        .init(
            code: "SE", agency: "Swedish Police – National Cyber Crime Centre", city: "Stockholm",
            timeZone: "Europe/Stockholm"),
        .init(code: "PL", agency: "Polish Police – Cybercrime Bureau", city: "Warsaw", timeZone: "Europe/Warsaw"),
        .init(code: "CZ", agency: "Czech Police – Cybercrime Department", city: "Prague", timeZone: "Europe/Prague"),
        .init(code: "PT", agency: "Polícia Judiciária – UNC3T", city: "Lisbon", timeZone: "Europe/Lisbon"),
        .init(
            code: "RO", agency: "Romanian Police – Cybercrime Directorate", city: "Bucharest",
            timeZone: "Europe/Bucharest"),
        .init(code: "LV", agency: "State Police of Latvia – Cybercrime", city: "Riga", timeZone: "Europe/Riga"),
        .init(code: "DK", agency: "Danish National Police – NC3", city: "Copenhagen", timeZone: "Europe/Copenhagen"),
        .init(code: "CH", agency: "Swiss Federal Police – Cybercrime", city: "Bern", timeZone: "Europe/Zurich"),
        .init(code: "KR", agency: "Korean National Police – Cyber Bureau", city: "Seoul", timeZone: "Asia/Seoul"),
        .init(code: "SG", agency: "Singapore Police – Technology Crime", city: "Singapore", timeZone: "Asia/Singapore"),
    ]

    /// Where the 60 servers stand: country, hosting provider and city, by region.
    static let serverSites: [(country: String, provider: String, city: String, timeZone: String)] = [
        ("US", "Lakeside Colocation", "Ashburn", "America/New_York"),
        ("US", "Prairie Cloud", "Dallas", "America/Chicago"),
        ("CA", "Maple Hosting", "Montreal", "America/Toronto"),
        ("NL", "Polder Datacenters", "Amsterdam", "Europe/Amsterdam"),
        ("DE", "Rhein Server GmbH", "Frankfurt", "Europe/Berlin"),
        ("FR", "Hexa Hébergement", "Roubaix", "Europe/Paris"),
        ("GB", "Thames Racks", "London", "Europe/London"),
        ("SE", "Nordic Iron", "Stockholm", "Europe/Stockholm"),
        ("CZ", "Vltava Host", "Prague", "Europe/Prague"),
        ("RO", "Carpathian Net", "Bucharest", "Europe/Bucharest"),
        ("KR", "Han River IDC", "Seoul", "Asia/Seoul"),
        ("SG", "Straits Compute", "Singapore", "Asia/Singapore"),
    ]

    /// The suspects: name, date of birth, country, phone, e-mail.
    static let suspects: [(name: String, born: String, country: String, phone: String, email: String)] = [
        ("Andreas Georgiou", "1979-03-14", "CY", "+357 99 123456", "a.georgiou@release-team.example"),
        ("Nikos Christodoulou", "1985-07-02", "CY", "+357 96 654321", "nikos@release-team.example"),
        ("Michael Turner", "1982-11-23", "US", "(212) 555-0147", "mturner@scene-drop.example"),
        ("Jason Reyes", "1990-01-30", "US", "+1 646 555 0199", "jreyes@scene-drop.example"),
        ("Jörg Müller", "1977-05-09", "DE", "0171 2345678", "jmueller@cinecache.example"),
        ("Pierre Lefèvre", "1988-09-17", "FR", "06 12 34 56 78", "p.lefevre@cinecache.example"),
        ("Oliver Hughes", "1984-04-05", "GB", "07700 900123", "ohughes@fastreel.example"),
        ("Dmitrijs Volkovs", "1986-12-12", "LV", "+371 2 123 4567", "dv@fastreel.example"),
        ("Karel Novák", "1981-06-21", "CZ", "+420 601 123 456", "karel.novak@vaultlink.example"),
        ("Ana Ferreira", "1992-02-28", "PT", "912 345 678", "ana.f@vaultlink.example"),
        ("Lars Eriksson", "1980-08-08", "SE", "070-123 45 67", "lars@nordrip.example"),
        ("Min-jun Park", "1989-10-03", "KR", "010-1234-5678", "mj.park@hanrip.example"),
    ]

    /// Produces the same identifiers on every run.
    struct DeterministicIdentifiers {
        private var state: UInt64 = 0x2020_0825_0000_0019

        mutating func next() -> String {
            func nextWord() -> UInt64 {
                state &+= 0x9E37_79B9_7F4A_7C15
                var z = state
                z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
                z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
                return z ^ (z >> 31)
            }
            let hex =
                String(nextWord(), radix: 16).leftPadded(to: 16) + String(nextWord(), radix: 16).leftPadded(to: 16)
            let characters = Array(hex)
            return [0..<8, 8..<12, 12..<16, 16..<20, 20..<32].map { String(characters[$0]) }.joined(separator: "-")
        }
    }

    /// Fills an empty store with the demo and returns its logins; does nothing when the store
    /// already holds agencies (returns the logins all the same). With a `timeScale` above 1 the
    /// plan is squeezed around H-hour that many times (offsets and expected durations rounded up
    /// to whole minutes, at least one), so that a simulation plays its days in minutes.
    @discardableResult
    public static func seedIfEmpty(
        _ store: any Store, hHour: Date = defaultHHour, timeScale: Double = 1
    ) async throws
        -> [Login]
    {
        // Servers starting together on one database take turns: the first seeds, the others
        // find it seeded.
        try await store.exclusively {
            if try await store.isEmpty() {
                try await seed(store, hHour: hHour, timeScale: timeScale)
            }
        }
        return logins
    }

    /// Every demo login, in the order they are printed.
    public static var logins: [Login] {
        var result = [
            Login(username: "coordinator", description: "case coordinator of the lead agency (EU coordination centre)"),
            Login(username: "observer", description: "observer of the EU judicial cooperation unit"),
            Login(username: "fr-prosecutor", description: "French prosecutor (legal instruments)"),
            Login(username: "admin", description: "platform administrator (sees no operation content)"),
            Login(
                username: "lead-admin",
                description: "administrator of the lead agency's accounts (sees no operation content)"),
            Login(username: "no-officer", description: "officer of the Norwegian police, which does not take part"),
        ]
        result += desks.map { Login(username: "\($0.code.lowercased())-officer", description: "officer, \($0.agency)") }
        return result
    }

    static func seed(_ store: any Store, hHour: Date, timeScale: Double) async throws {
        var ids = DeterministicIdentifiers()
        let passwordHash = await Authenticator.hashPassword(password)
        let now = ConcertJSON.now()

        let lead = Agency(
            id: ids.next(), name: "EU Cybercrime Coordination Centre", country: "NL", kind: .euAgency,
            contact: "operations desk, +31 70 000 0000")
        let judicial = Agency(
            id: ids.next(), name: "EU Judicial Cooperation Unit", country: "NL", kind: .euAgency,
            contact: "duty desk, +31 70 000 0001")
        let outsider = Agency(
            id: ids.next(), name: "Norwegian Police – Cybercrime Centre", country: "NO", kind: .police,
            contact: "cyber desk, +47 00 00 00 00")
        var agencyByCountry: [String: Agency] = [:]
        var all = [lead, judicial, outsider]
        for desk in desks {
            let agency = Agency(
                id: ids.next(), name: desk.agency, country: desk.code, kind: .police,
                contact: "\(desk.city) cyber desk")
            agencyByCountry[desk.code] = agency
            all.append(agency)
        }
        for agency in all { try await store.createAgency(agency, by: nil) }

        func user(_ username: String, _ name: String, _ agency: Agency, _ role: UserRole) async throws -> Actor {
            let user = User(id: ids.next(), username: username, displayName: name, agencyId: agency.id, role: role)
            try await store.createUser(user, passwordHash: passwordHash, by: nil)
            return Actor(user)
        }
        let coordinator = try await user("coordinator", "Case Coordinator", lead, .coordinator)
        _ = try await user("observer", "Judicial Observer", judicial, .observer)
        _ = try await user("admin", "Platform Administrator", lead, .admin)
        _ = try await user("no-officer", "Norwegian Officer", outsider, .officer)
        var officers: [String: Actor] = [:]
        for desk in desks {
            officers[desk.code] = try await user(
                "\(desk.code.lowercased())-officer", "Officer (\(desk.code))", agencyByCountry[desk.code]!, .officer)
        }
        let prosecutor = try await user("fr-prosecutor", "Prosecutor (FR)", agencyByCountry["FR"]!, .prosecutor)

        var participants = [Participant(agencyId: lead.id, role: .lead)]
        participants += desks.map { Participant(agencyId: agencyByCountry[$0.code]!.id, role: .participant) }
        participants.append(Participant(agencyId: judicial.id, role: .observer))
        let operation = JointOperation(
            id: ids.next(), codeName: "SPARKLER",
            summary:
                "A release group leaks films before their official date through a network of topsites and servers on three continents. Nineteen countries strike on one action day: servers first, then arrests.",
            leadAgencyId: lead.id, hHour: hHour, participants: participants, createdAt: now)
        try await store.createOperation(operation, by: coordinator)

        // Legal instruments: one of each kind per country where it fits.
        var instrumentByCountry: [String: (arrest: String, search: String)] = [:]
        for (index, desk) in desks.enumerated() {
            let inEU = !["US", "CA", "GB", "CH", "KR", "SG"].contains(desk.code)
            let arrestKind: LegalInstrumentKind = inEU ? .europeanArrestWarrant : .domesticWarrant
            let searchKind: LegalInstrumentKind = inEU ? .europeanInvestigationOrder : .mutualLegalAssistance
            let statuses: [LegalInstrumentStatus] = [.issued, .issued, .requested, .drafted, .issued, .refused]
            var pair: [String] = []
            for (kindIndex, kind) in [arrestKind, searchKind].enumerated() {
                let input = LegalInstrumentInput(
                    kind: kind, reference: "\(desk.code)-2026-\(String(format: "%04d", 100 + index * 2 + kindIndex))",
                    issuingAuthority: "Investigating judge, \(desks[0].city)", executingCountry: desk.code,
                    status: statuses[(index + kindIndex) % statuses.count])
                let instrument = try input.makeInstrument(
                    id: ids.next(), operationId: operation.id, createdAt: now, now: now)
                try await store.createInstrument(instrument, by: index % 3 == 0 ? prosecutor : coordinator)
                pair.append(instrument.id)
            }
            instrumentByCountry[desk.code] = (pair[0], pair[1])
        }

        func record(_ input: TargetInput, by actor: Actor, country: String) async throws -> Target {
            let target = try input.makeTarget(
                id: ids.next(), operation: operation, originatorAgencyId: actor.agencyId, createdBy: actor.userId,
                defaultCountry: country, createdAt: now, now: now)
            try await store.createTarget(target, by: actor)
            return target
        }
        func plan(_ planned: ActionInput) async throws {
            var input = planned
            if timeScale > 1 {
                input.offsetMinutes = Int((Double(input.offsetMinutes) / timeScale).rounded(.up))
                input.expectedDurationMinutes = input.expectedDurationMinutes.map {
                    max(1, Int((Double($0) / timeScale).rounded(.up)))
                }
            }
            try input.validate(in: operation)
            try await store.createAction(
                input.makeAction(id: ids.next(), operationId: operation.id, createdAt: now, now: now), by: coordinator)
        }

        // 60 servers: documentation address ranges, spread over the sites.
        let ranges = ["192.0.2", "198.51.100", "203.0.113"]
        for number in 1...60 {
            let site = serverSites[(number - 1) % serverSites.count]
            let owner = officers[site.country] ?? coordinator
            let address = "\(ranges[number % 3]).\(10 + number)"
            var selectors = [SelectorInput(kind: .ip, text: address)]
            if number % 4 == 0 { selectors.append(SelectorInput(kind: .ip, text: "2001:db8:\(number)::\(number)")) }
            if number % 5 == 0 { selectors.append(SelectorInput(kind: .domain, text: "ftp\(number).topsite.example")) }
            let restricted = number % 10 == 3
            let target = try await record(
                TargetInput(
                    kind: .server, name: "Topsite server \(number) (\(site.city))",
                    notes: number % 6 == 0 ? "Affiliate storage; mirrors releases within minutes." : nil,
                    hostingProvider: site.provider, country: site.country, selectors: selectors,
                    handling: restricted ? .h2 : (number % 7 == 0 ? .h1 : .h0),
                    evaluation: Evaluation(code: number % 3 == 0 ? "A1" : "B2")!,
                    distribution: restricted ? .agencies([lead.id]) : .allParticipants),
                by: owner, country: site.country)
            let executing = agencyByCountry[site.country] ?? agencyByCountry["NL"]!
            try await plan(
                ActionInput(
                    kind: .serverTakedown, title: "Seize and image server \(number)", targetId: target.id,
                    executingAgencyId: executing.id, place: "\(site.provider), \(site.city)", country: site.country,
                    timeZone: site.timeZone, offsetMinutes: -48 * 60 + (number - 1) * 45,
                    expectedDurationMinutes: 180, legalInstrumentId: instrumentByCountry[site.country]?.search,
                    // The Roubaix seizures wait on the provider, as they did in the model case.
                    gates: number == 54 ? ["Search warrant signed", "Hosting provider on site"] : nil))
        }

        // Release-group domains.
        for (index, name) in ["release-team", "scene-drop", "cinecache", "fastreel", "vaultlink"].enumerated() {
            let target = try await record(
                TargetInput(
                    kind: .domain, name: "\(name).example",
                    selectors: [SelectorInput(kind: .domain, text: "\(name).example")],
                    handling: .h0, evaluation: Evaluation(code: "B2")!, distribution: .allParticipants),
                by: coordinator, country: "NL")
            try await plan(
                ActionInput(
                    kind: .domainSeizure, title: "Seize domain \(name).example", targetId: target.id,
                    executingAgencyId: agencyByCountry["US"]!.id, place: "Registry, Reston", country: "US",
                    timeZone: "America/New_York", offsetMinutes: 30 + index * 5, expectedDurationMinutes: 60))
        }

        // Suspects: arrest, house search and (for some) asset freeze and interview.
        for (index, suspect) in suspects.enumerated() {
            let desk = desks.first { $0.code == suspect.country }!
            let officer = officers[suspect.country]!
            let restricted = index == 1
            let target = try await record(
                TargetInput(
                    kind: .person, name: "Suspect \(index + 1): \(suspect.name)",
                    notes: index < 2 ? "Administrator of the release group." : nil, country: suspect.country,
                    selectors: [
                        SelectorInput(
                            kind: .person, value: .person(PersonIdentity(name: suspect.name, dateOfBirth: suspect.born))
                        ),
                        SelectorInput(kind: .phone, text: suspect.phone),
                        SelectorInput(kind: .email, text: suspect.email),
                    ],
                    handling: restricted ? .h3 : .h1,
                    handlingRestriction: restricted ? "Source protection: do not contact the suspect's employer." : nil,
                    evaluation: Evaluation(code: index % 2 == 0 ? "B2" : "A2")!,
                    distribution: restricted ? .agencies([lead.id, agencyByCountry["US"]!.id]) : .allParticipants),
                by: officer, country: suspect.country)
            let executing = agencyByCountry[suspect.country]!
            let instruments = instrumentByCountry[suspect.country]
            // The plan is seen by every participant: a restricted suspect is not named in it.
            let who = restricted ? "suspect \(index + 1)" : suspect.name
            try await plan(
                ActionInput(
                    kind: .arrest, title: "Arrest \(who)", targetId: target.id,
                    executingAgencyId: executing.id,
                    place: desk.city, country: suspect.country, timeZone: desk.timeZone, offsetMinutes: 0,
                    expectedDurationMinutes: 90, legalInstrumentId: instruments?.arrest))
            try await plan(
                ActionInput(
                    kind: .houseSearch, title: "Search the home of \(who)", targetId: target.id,
                    executingAgencyId: executing.id, place: desk.city, country: suspect.country,
                    timeZone: desk.timeZone, offsetMinutes: 15, expectedDurationMinutes: 240,
                    legalInstrumentId: instruments?.search))
            if index % 3 == 0 {
                try await plan(
                    ActionInput(
                        kind: .assetFreeze, title: "Freeze the accounts of \(who)", targetId: target.id,
                        executingAgencyId: executing.id, place: desk.city, country: suspect.country,
                        timeZone: desk.timeZone, offsetMinutes: 60, expectedDurationMinutes: 120))
            }
            if index % 2 == 0 {
                try await plan(
                    ActionInput(
                        kind: .interview, title: "Interview \(who)", targetId: target.id,
                        executingAgencyId: executing.id, place: "\(desk.city) police headquarters",
                        country: suspect.country, timeZone: desk.timeZone, offsetMinutes: 180,
                        expectedDurationMinutes: 180))
            }
        }

        // A crypto wallet that received the release group's donations.
        let wallet = try await record(
            TargetInput(
                kind: .cryptoWallet, name: "Donation wallet",
                selectors: [SelectorInput(kind: .wallet, text: "bc1qw508d6qejxtdg4y5r3zarvary0c5xw7kv8f3t4")],
                handling: .h0, evaluation: Evaluation(code: "B3")!, distribution: .allParticipants),
            by: officers["CY"]!, country: "CY")
        try await plan(
            ActionInput(
                kind: .seizure, title: "Seize the donation wallet", targetId: wallet.id,
                executingAgencyId: agencyByCountry["CY"]!.id, place: "Nicosia", country: "CY",
                timeZone: "Asia/Nicosia", offsetMinutes: 45, expectedDurationMinutes: 120))

        // A national case of the French police that touches SPARKLER: a server the US recorded
        // and a mirror under a domain the coordination centre recorded. Recording it finds the
        // hits, which the hits page of each side shows.
        let france = agencyByCountry["FR"]!
        let frenchOfficer = officers["FR"]!
        let harbour = JointOperation(
            id: ids.next(), codeName: "HARBOUR",
            summary: "A French investigation into a film-streaming front-end hosted in Roubaix.",
            leadAgencyId: france.id, hHour: nil, participants: [Participant(agencyId: france.id, role: .lead)],
            createdAt: now)
        try await store.createOperation(harbour, by: frenchOfficer)
        let frontEnd = try TargetInput(
            kind: .server, name: "Streaming front-end (Roubaix)", hostingProvider: "Hexa Hébergement", country: "FR",
            selectors: [
                SelectorInput(kind: .ip, text: "198.51.100.11"),
                SelectorInput(kind: .domain, text: "mirror.cinecache.example"),
            ],
            handling: .h1, evaluation: Evaluation(code: "B2")!, distribution: .allParticipants
        ).makeTarget(
            id: ids.next(), operation: harbour, originatorAgencyId: france.id, createdBy: frenchOfficer.userId,
            defaultCountry: "FR", createdAt: now, now: now)
        _ = try await TargetImporter(store: store).importTargets([frontEnd], by: frenchOfficer)

        // Messages: a Cypriot lead for everyone, marked not for judicial use; an American H2
        // report for the coordination centre and France only, and France's answer to it. The
        // inbox of `cy-officer`, `us-officer`, `fr-officer` and `coordinator` shows them; the
        // other officers see only the first.
        func send(
            _ input: MessageInput, by actor: Actor, answering parent: MessageRecord? = nil
        ) async throws
            -> MessageRecord
        {
            let message = try input.makeMessage(
                id: ids.next(), operation: operation, parent: parent, by: actor, attachments: [], now: now)
            try await store.createMessage(message, by: actor)
            return MessageRecord(message: message)
        }
        _ = try await send(
            MessageInput(
                subject: "Payment courier identified in Limassol",
                body: """
                    Our source places the group's **payment courier** in Limassol every second Friday.

                    - cash is collected from the donation wallet's exchange account
                    - the courier travels on a Cypriot passport

                    Not to be used in court without asking us first.
                    """, handling: .h1, evaluation: Evaluation(code: "B2")!, distribution: .allParticipants),
            by: officers["CY"]!)
        let report = try await send(
            MessageInput(
                subject: "Donation wallet cash-out pattern",
                body: """
                    The donation wallet is emptied into two exchange accounts within *48 hours* of each leak.
                    Subpoena returns are expected before the action day. Please do not pass this on.
                    """, handling: .h2, evaluation: Evaluation(code: "A2")!,
                distribution: .agencies([lead.id, france.id]), targets: [wallet.id]),
            by: officers["US"]!)
        _ = try await send(
            MessageInput(
                subject: "Re: Donation wallet cash-out pattern",
                body:
                    "One of the two exchange accounts was opened in Lyon; we can request its records under French law.",
                handling: .h2, evaluation: Evaluation(code: "B2")!,
                distribution: .agencies([lead.id, agencyByCountry["US"]!.id]), replyTo: report.message.id),
            by: frenchOfficer, answering: report)

        // Every agency with accounts has its administrator first in real use; the lead's is in
        // the demo, so that accounts are managed as they would be (created last, so that the
        // demo's other ids stay what they were).
        _ = try await user("lead-admin", "Lead Agency Administrator", lead, .agencyAdmin)

        // Every participating country acts on the day: those with neither server nor suspect
        // search, seize, freeze or interview what the network left with them (planned last, so
        // that the demo's other ids stay what they were).
        let support: [(country: String, kind: ActionKind, title: String, place: String, offset: Int)] = [
            ("IT", .houseSearch, "Search the courier's office", "Milan", 20),
            ("ES", .seizure, "Seize the backup drives at the colocation", "Madrid", 30),
            ("PL", .interview, "Interview the hosting reseller", "Warsaw", 120),
            ("DK", .houseSearch, "Search the uploader's flat", "Copenhagen", 15),
            ("CH", .assetFreeze, "Freeze the group's Swiss account", "Bern", 60),
        ]
        for action in support {
            let desk = desks.first { $0.code == action.country }!
            try await plan(
                ActionInput(
                    kind: action.kind, title: action.title, executingAgencyId: agencyByCountry[action.country]!.id,
                    place: action.place, country: action.country, timeZone: desk.timeZone,
                    offsetMinutes: action.offset, expectedDurationMinutes: 120,
                    legalInstrumentId: action.kind == .houseSearch ? instrumentByCountry[action.country]?.search : nil))
        }
    }
}
