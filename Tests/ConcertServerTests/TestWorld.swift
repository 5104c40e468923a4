import ConcertCore
import ConcertServer
import ConcertStorage
import Foundation
import Hummingbird
import HummingbirdBcrypt
import HummingbirdTesting
import NIOCore
import Testing

/// The people a route is called as in the policy tests.
enum Persona: String, CaseIterable, Sendable, CustomTestStringConvertible {
    case leadCoordinator, participantOfficer, otherParticipantOfficer, observer, nonParticipant, platformAdmin,
        agencyAdmin, anonymous

    var testDescription: String { rawValue }
}

/// A small operation in a fresh SQLite file: a lead agency, two participants, an observer
/// agency and an outsider, with targets of both distributions, actions and an instrument.
struct TestWorld: Sendable {
    /// The password of every test user; its bcrypt hash is computed once per test run.
    static let password = "correct horse battery"
    static let passwordHash = Bcrypt.hash(password, cost: 12)

    let store: SQLiteStore
    let directory: URL
    let operation: JointOperation
    let lead: Agency, partB: Agency, partC: Agency, observerAgency: Agency, outsider: Agency
    let users: [Persona: User]
    /// Visible to every participant; recorded by B.
    let sharedTarget: Target
    /// Recorded by B for the lead agency only: agency C must never learn of it.
    let restrictedTarget: Target
    /// Executed by B, about the restricted target.
    let actionB: Action
    /// Executed by C.
    let actionC: Action
    let instrument: LegalInstrument
    /// Posted by B's officer.
    let logEntry: LogEntry
    /// SITREP 1, approved: every participant reads it.
    let approvedSitrep: Sitrep
    /// A draft compiled after it: only the lead coordinator sees it.
    let draftSitrep: Sitrep
    /// The outsider's own operation, in which it recorded a subdomain of B's shared server.
    let otherOperation: JointOperation
    let otherTarget: Target
    /// The hit between the outsider's target and B's shared target.
    let hit: Hit
    /// B excluded a public resolver from cross-checking.
    let exclusion: Exclusion
    /// Where the world's attachments are kept.
    let attachments: AttachmentSettings
    /// B's message to every participant, with a file.
    let sharedMessage: WorldMessage
    /// B's H2 message to the lead agency only, with a file: C must never learn of it.
    let restrictedMessage: WorldMessage
    /// The lead agency's request to pass the restricted message to C, waiting for B.
    let forwardRequestId: String
    /// B's search about the restricted target, in progress: the exhibits come from it.
    let actionSearch: Action
    /// A phone B seized in that search, for the lead agency only (H2): C must never learn of it.
    let exhibit: Exhibit
    /// A laptop from the same search, handed over by B to the lead agency, not yet received.
    let transitExhibit: Exhibit
    /// That hand-over's custody entry.
    let handOverId: String
    /// The log's sequence numbers of the events that created B's action (which every
    /// participant may read) and the restricted target (which C may not).
    let actionEvent: Int64, restrictedTargetEvent: Int64
    /// The event that recorded B's exhibit: C's feed counts it, C may not read it.
    let exhibitEvent: Int64
    /// The operation's last event sequence once the world is made.
    let head: Int64

    static func make() async throws -> TestWorld {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("concert-test-\(UUID())")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let store = try SQLiteStore(path: directory.appendingPathComponent("test.sqlite").path)
        let lead = Agency(id: Identifier.make(), name: "Lead Agency", country: "FR", kind: .euAgency)
        let partB = Agency(
            id: Identifier.make(), name: "Agency B", country: "DE", kind: .police,
            contact: "Cybercrime desk, +49 30 5555 0100")
        let partC = Agency(id: Identifier.make(), name: "Agency C", country: "US", kind: .police)
        let observerAgency = Agency(id: Identifier.make(), name: "Observer Agency", country: "NL", kind: .euAgency)
        let outsider = Agency(id: Identifier.make(), name: "Outsider Agency", country: "CY", kind: .police)
        for agency in [lead, partB, partC, observerAgency, outsider] { try await store.createAgency(agency, by: nil) }
        let owners: [(Persona, Agency, UserRole)] = [
            (.leadCoordinator, lead, .coordinator), (.participantOfficer, partB, .officer),
            (.otherParticipantOfficer, partC, .officer), (.observer, observerAgency, .observer),
            (.nonParticipant, outsider, .coordinator), (.platformAdmin, lead, .admin),
            // An administrator of a participating agency: it manages B's accounts and sees no content.
            (.agencyAdmin, partB, .agencyAdmin),
        ]
        var users: [Persona: User] = [:]
        for (persona, agency, role) in owners {
            let user = User(
                id: Identifier.make(), username: persona.rawValue.lowercased(), displayName: persona.rawValue,
                agencyId: agency.id, role: role)
            try await store.createUser(user, passwordHash: passwordHash, by: nil)
            try await store.createSession(
                tokenHash: Authenticator.tokenHash(token(for: persona)), user: user,
                expiresAt: Date().addingTimeInterval(3600))
            users[persona] = user
        }
        let now = ConcertJSON.now()
        let operation = JointOperation(
            id: Identifier.make(), codeName: "NIGHTJAR", summary: "Test operation", leadAgencyId: lead.id,
            hHour: Date(timeIntervalSince1970: 1_800_000_000),
            participants: [
                Participant(agencyId: lead.id, role: .lead), Participant(agencyId: partB.id, role: .participant),
                Participant(agencyId: partC.id, role: .participant),
                Participant(agencyId: observerAgency.id, role: .observer),
            ], createdAt: now)
        let coordinator = Actor(users[.leadCoordinator]!)
        let officerB = Actor(users[.participantOfficer]!)
        try await store.createOperation(operation, by: coordinator)
        let shared = try TargetInput(
            kind: .server, name: "Shared release server",
            selectors: [
                SelectorInput(kind: .ip, text: "192.0.2.10"),
                SelectorInput(kind: .domain, text: "release-mirror.example"),
            ],
            handling: .h0, evaluation: Evaluation(code: "B2")!, distribution: .allParticipants
        ).makeTarget(
            id: Identifier.make(), operation: operation, originatorAgencyId: partB.id, createdBy: officerB.userId,
            defaultCountry: "DE", createdAt: now, now: now)
        let restricted = try TargetInput(
            kind: .person, name: "Secret informant-linked suspect",
            selectors: [
                SelectorInput(
                    kind: .person, value: .person(PersonIdentity(name: "Zacharias Quell", dateOfBirth: "1970-01-02"))),
                SelectorInput(kind: .email, text: "zq@hidden-suspect.example"),
            ],
            handling: .h2, evaluation: Evaluation(code: "A1")!, distribution: .agencies([lead.id])
        ).makeTarget(
            id: Identifier.make(), operation: operation, originatorAgencyId: partB.id, createdBy: officerB.userId,
            defaultCountry: "DE", createdAt: now, now: now)
        try await store.createTarget(shared, by: officerB)
        try await store.createTarget(restricted, by: officerB)
        let instrument = try LegalInstrumentInput(
            kind: .europeanArrestWarrant, reference: "EAW-DE-1", executingCountry: "DE", status: .issued
        ).makeInstrument(id: Identifier.make(), operationId: operation.id, createdAt: now, now: now)
        try await store.createInstrument(instrument, by: coordinator)
        let actionB = ActionInput(
            kind: .arrest, title: "Arrest in Berlin", targetId: restricted.id, executingAgencyId: partB.id,
            place: "Berlin", country: "DE", timeZone: "Europe/Berlin", offsetMinutes: 0,
            legalInstrumentId: instrument.id, gates: ["Team in position"]
        ).makeAction(id: Identifier.make(), operationId: operation.id, createdAt: now, now: now)
        let actionC = ActionInput(
            kind: .serverTakedown, title: "Take down server in Ashburn", targetId: shared.id,
            executingAgencyId: partC.id, place: "Ashburn", country: "US", timeZone: "America/New_York",
            offsetMinutes: -120
        ).makeAction(id: Identifier.make(), operationId: operation.id, createdAt: now, now: now)
        try await store.createAction(actionB, by: coordinator)
        try await store.createAction(actionC, by: coordinator)
        // Under way since four hours before H-hour, for a week: no overdue watch flags it.
        var actionSearch = ActionInput(
            kind: .houseSearch, title: "Search the courier's flat in Hamburg", targetId: restricted.id,
            executingAgencyId: partB.id, place: "Hamburg", country: "DE", timeZone: "Europe/Berlin",
            offsetMinutes: 0, expectedDurationMinutes: 10_080, legalInstrumentId: instrument.id
        ).makeAction(
            id: Identifier.make(), operationId: operation.id, status: .inProgress, createdAt: now, now: now)
        actionSearch.startedAt = operation.hHour!.addingTimeInterval(-4 * 3600)
        try await store.createAction(actionSearch, by: coordinator)
        func seize(_ kind: ExhibitKind, _ description: String, number: String) async throws -> Exhibit {
            let exhibit = try ExhibitInput(
                actionId: actionSearch.id, kind: kind, description: description, exhibitNumber: number,
                hashes: [ExhibitHash(algorithm: .sha256, value: String(repeating: "ab", count: 32))],
                handling: .h2, evaluation: Evaluation(code: "A1")!, distribution: .agencies([lead.id])
            ).makeExhibit(
                id: Identifier.make(), operation: operation, action: actionSearch, assignedNumber: "", by: officerB,
                now: now)
            return try await store.createExhibit(
                exhibit, seizure: exhibit.seizureEntry(id: Identifier.make(), by: officerB, now: now),
                numberPrefix: nil, by: officerB
            ) { _, _ in }
        }
        let exhibit = try await seize(.phone, "Courier phone, found in the kitchen", number: "BKA-PHONE-1")
        let laptop = try await seize(.computer, "Courier laptop, found under the bed", number: "BKA-LAPTOP-2")
        let (handOver, transitExhibit) = try await store.addCustodyEntry(
            exhibitId: laptop.id, operationId: operation.id, by: officerB
        ) { context in
            try context.exhibit.recording(
                CustodyInput(kind: .handedOver, toAgencyId: lead.id), entries: context.entries,
                id: Identifier.make(), by: officerB, in: context.operation, instrumentExists: { _ in false }, now: now)
        }
        let logEntry = try LogEntry.make(
            id: Identifier.make(), operationId: operation.id, text: "Team in position in Berlin", by: officerB, now: now
        )
        try await store.createLogEntry(logEntry, by: officerB)
        let compile = { @Sendable (summary: String) in
            try await store.createSitrep(operationId: operation.id, by: coordinator) {
                operation, actions, log, sitreps, exhibits in
                try Sitrep.compile(
                    id: Identifier.make(), operation: operation, actions: actions, log: log, sitreps: sitreps,
                    exhibits: exhibits,
                    summary: summary, by: coordinator, now: now)
            }
        }
        let first = try await compile("All teams briefed.")
        let approvedSitrep = try await store.updateSitrep(id: first.id, operationId: operation.id, by: coordinator) {
            current, all in
            try SitrepEdit(summary: current.summary, openProblems: current.openProblems, status: .approved).apply(
                to: current, among: all, by: coordinator, now: now)
        }
        let draftSitrep = try await compile("Draft in progress.")
        let attachments = AttachmentSettings.temporary(folder: directory.appendingPathComponent("attachments"))
        let (sharedMessage, restrictedMessage, forwardRequestId) = try await Application(
            router: buildRouter(store: store, configuration: ServerConfiguration(attachments: attachments))
        ).test(.router) { client in
            let shared = try await WorldMessage.send(
                subject: "Briefing for the Ashburn takedown", body: "Servers will be imaged before seizure.",
                handling: "H0", distribution: "all", fileName: "briefing-ashburn.txt",
                content: Array("Imaging plan: two disks per server.\n".utf8), as: .participantOfficer,
                operationId: operation.id, client: client)
            let restricted = try await WorldMessage.send(
                subject: "Source report on the Limassol courier", body: "The source names the payment courier.",
                handling: "H2", distribution: [lead.id], fileName: "ledger-limassol.csv",
                content: (0..<70_000).map { UInt8(truncatingIfNeeded: $0 &* 31) }, as: .participantOfficer,
                operationId: operation.id, client: client)
            let forward = try await client.execute(
                uri: "/api/v1/operations/\(operation.id)/messages/\(restricted.id)/forwards", method: .post,
                headers: headers(.leadCoordinator), body: .json(["agencyId": partC.id]))
            let forwardId = try #require(forward.object["id"] as? String, "\(forward.text)")
            return (shared, restricted, forwardId)
        }
        let outsiderActor = Actor(users[.nonParticipant]!)
        let otherOperation = JointOperation(
            id: Identifier.make(), codeName: "BLUEJAY", summary: "The outsider's own case", leadAgencyId: outsider.id,
            hHour: nil, participants: [Participant(agencyId: outsider.id, role: .lead)], createdAt: now)
        try await store.createOperation(otherOperation, by: outsiderActor)
        let otherTarget = try TargetInput(
            kind: .server, name: "Outsider CDN node",
            selectors: [SelectorInput(kind: .domain, text: "cdn.release-mirror.example")],
            handling: .h0, evaluation: Evaluation(code: "B2")!, distribution: .allParticipants
        ).makeTarget(
            id: Identifier.make(), operation: otherOperation, originatorAgencyId: outsider.id,
            createdBy: outsiderActor.userId, defaultCountry: "CY", createdAt: now, now: now)
        try await store.createTarget(otherTarget, by: outsiderActor)
        let hit = Hit(
            id: Identifier.make(), kind: .subdomain,
            a: HitSide(
                targetId: otherTarget.id, operationId: otherOperation.id, agencyId: outsider.id, selectorKind: .domain,
                value: "cdn.release-mirror.example", matchKey: "cdn.release-mirror.example"),
            b: HitSide(
                targetId: shared.id, operationId: operation.id, agencyId: partB.id, selectorKind: .domain,
                value: "release-mirror.example", matchKey: "release-mirror.example"),
            foundAt: now)
        _ = try await store.recordHits([hit], by: outsiderActor)
        let exclusion = try Exclusion.make(
            id: Identifier.make(), input: SelectorInput(kind: .ip, text: "9.9.9.9"), reason: "Public resolver",
            by: officerB, defaultCountry: "DE", now: now)
        try await store.createExclusion(exclusion, by: officerB)
        let log = try await store.events(after: 0, limit: 100_000)
        let actionEvent = log.first { $0.kind == "action.created" && $0.payload.contains(actionB.id) }!
        let restrictedTargetEvent = log.first { $0.kind == "target.created" && $0.payload.contains(restricted.id) }!
        let exhibitEvent = log.first { $0.kind == "exhibit.recorded" && $0.payload.contains(exhibit.id) }!
        return TestWorld(
            store: store, directory: directory, operation: operation, lead: lead, partB: partB, partC: partC,
            observerAgency: observerAgency, outsider: outsider, users: users, sharedTarget: shared,
            restrictedTarget: restricted, actionB: actionB, actionC: actionC, instrument: instrument,
            logEntry: logEntry, approvedSitrep: approvedSitrep, draftSitrep: draftSitrep,
            otherOperation: otherOperation, otherTarget: otherTarget, hit: hit, exclusion: exclusion,
            attachments: attachments, sharedMessage: sharedMessage, restrictedMessage: restrictedMessage,
            forwardRequestId: forwardRequestId, actionSearch: actionSearch, exhibit: exhibit,
            transitExhibit: transitExhibit, handOverId: handOver.id,
            actionEvent: actionEvent.sequence, restrictedTargetEvent: restrictedTargetEvent.sequence,
            exhibitEvent: exhibitEvent.sequence,
            head: try await store.latestSequence(operationId: operation.id))
    }

    /// The sequence numbers in `range` that the lead coordinator's feed carries: all but the
    /// world's hit, which only the agencies on its sides are told of (it is the world's last event).
    func seenByLead(_ range: ClosedRange<Int64>) -> [Int64] {
        range.filter { $0 != head }
    }

    static func token(for persona: Persona) -> String { "test-token-\(persona.rawValue)" }

    /// The headers of a request made as `persona`.
    static func headers(_ persona: Persona, json: Bool = true) -> HTTPFields {
        var headers: HTTPFields = [:]
        if json { headers[.contentType] = "application/json" }
        if persona != .anonymous { headers[.authorization] = "Bearer \(token(for: persona))" }
        return headers
    }

    /// An application over this world's store and attachments.
    func application() -> some ApplicationProtocol {
        Application(router: buildRouter(store: store, configuration: ServerConfiguration(attachments: attachments)))
    }

    /// Runs requests against the in-process router of a server configured by `configure`.
    func withClient<Value: Sendable>(
        configured configure: (inout ServerConfiguration) -> Void,
        _ body: @escaping @Sendable (any TestClientProtocol) async throws -> Value
    ) async throws -> Value {
        var configuration = ServerConfiguration(attachments: attachments)
        configure(&configuration)
        return try await Application(router: buildRouter(store: store, configuration: configuration)).test(.router) {
            client in try await body(client)
        }
    }

    /// Runs requests against the in-process router.
    func withClient<Value: Sendable>(
        _ body: @escaping @Sendable (any TestClientProtocol) async throws -> Value
    )
        async throws -> Value
    {
        try await application().test(.router) { client in try await body(client) }
    }

    /// How many events the log holds: every change appends one, so an unchanged count means nothing was written.
    func eventCount() async throws -> Int {
        try await store.verifyAuditChain().eventsChecked
    }

    func remove() {
        try? FileManager.default.removeItem(at: directory)
    }
}

/// A message of the world, sent through the API with one file.
struct WorldMessage: Sendable {
    let id: String
    let subject: String
    let attachmentId: String
    let fileName: String
    let content: [UInt8]
    let sha256: String

    static func send(
        subject: String, body: String, handling: String, distribution: Any, fileName: String, content: [UInt8],
        as persona: Persona, operationId: String, client: any TestClientProtocol
    ) async throws -> WorldMessage {
        let form = MultipartForm(
            message: [
                "subject": subject, "body": body, "handling": handling, "evaluation": "B2",
                "distribution": distribution,
            ],
            files: [(fileName, "text/csv", content)])
        var headers = TestWorld.headers(persona, json: false)
        headers[.contentType] = form.contentType
        let response = try await client.execute(
            uri: "/api/v1/operations/\(operationId)/messages", method: .post, headers: headers, body: form.body)
        let attachment = try #require((response.object["attachments"] as? [[String: Any]])?.first, "\(response.text)")
        return WorldMessage(
            id: try #require(response.object["id"] as? String), subject: subject,
            attachmentId: try #require(attachment["id"] as? String), fileName: fileName, content: content,
            sha256: try #require(attachment["sha256"] as? String))
    }
}

/// A `multipart/form-data` body as browsers and curl send it: the message's JSON as the part
/// `message` and each file as a part `file`.
struct MultipartForm {
    static let boundary = "----ConcertTestBoundary7MA4YWxkTrZu0gW"
    var body: ByteBuffer
    var contentType: String { "multipart/form-data; boundary=\(Self.boundary)" }

    init(message: [String: Any]?, files: [(name: String, type: String, content: [UInt8])], extraParts: String = "") {
        var body = ByteBuffer()
        if let message {
            body.writeString("--\(Self.boundary)\r\nContent-Disposition: form-data; name=\"message\"\r\n")
            body.writeString("Content-Type: application/json\r\n\r\n")
            body.writeBytes(try! JSONSerialization.data(withJSONObject: message))
            body.writeString("\r\n")
        }
        for file in files {
            body.writeString(
                "--\(Self.boundary)\r\nContent-Disposition: form-data; name=\"file\"; filename=\"\(file.name)\"\r\n")
            body.writeString("Content-Type: \(file.type)\r\n\r\n")
            body.writeBytes(file.content)
            body.writeString("\r\n")
        }
        body.writeString(extraParts)
        body.writeString("--\(Self.boundary)--\r\n")
        self.body = body
    }
}

extension ByteBuffer {
    /// A buffer of a JSON value.
    static func json(_ object: Any) -> ByteBuffer {
        ByteBuffer(bytes: try! JSONSerialization.data(withJSONObject: object))
    }
}

extension TestResponse {
    /// The body as text.
    var text: String { String(buffer: body) }
    /// The body as a JSON object.
    var object: [String: Any] { (try? JSONSerialization.jsonObject(with: Data(buffer: body))) as? [String: Any] ?? [:] }
}
