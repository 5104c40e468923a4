import ConcertCore
import Foundation
import HTTPTypes
import Testing

/// One API route with what each persona must get from it and a valid request for it.
struct RouteCase: Sendable, CustomTestStringConvertible {
    let method: HTTPRequest.Method
    /// The path as the OpenAPI document writes it, with `{operationId}`, `{targetId}`, `{actionId}`, `{instrumentId}`.
    let template: String
    /// Expected status for each persona, in the order of `Persona.allCases`.
    let statuses: [Int]
    /// A query to add to the path.
    var query = ""
    /// Whether `{sitrepId}` is the draft sitrep rather than the approved one.
    var onDraftSitrep = false
    /// Whether `{exhibitId}` is the exhibit in transit rather than the one B holds.
    var onTransitExhibit = false
    /// The largest body the route accepts.
    var bodyLimit = 1 << 20
    /// Whether the route is a bare POST that reads no body.
    var takesNoBody = false
    /// A valid body for the route, or nil.
    let body: @Sendable (TestWorld) -> Any?

    var testDescription: String { "\(method.rawValue) \(template)" }
    var key: String { "\(method.rawValue) \(template)" }

    func expected(for persona: Persona) -> Int {
        statuses[Persona.allCases.firstIndex(of: persona)!]
    }

    /// The concrete path in a world: the restricted target, B's action and the instrument.
    func path(in world: TestWorld) -> String {
        template.replacingOccurrences(of: "/custody/{entryId}", with: "/custody/\(world.handOverId)")
            .replacingOccurrences(
                of: "{exhibitId}", with: onTransitExhibit ? world.transitExhibit.id : world.exhibit.id
            )
            .replacingOccurrences(of: "{operationId}", with: world.operation.id)
            .replacingOccurrences(of: "{targetId}", with: world.restrictedTarget.id)
            .replacingOccurrences(of: "{actionId}", with: world.actionB.id)
            .replacingOccurrences(of: "{instrumentId}", with: world.instrument.id)
            .replacingOccurrences(of: "{gateId}", with: "g1")
            .replacingOccurrences(of: "{entryId}", with: world.logEntry.id)
            .replacingOccurrences(of: "{hitId}", with: world.hit.id)
            .replacingOccurrences(of: "{exclusionId}", with: world.exclusion.id)
            .replacingOccurrences(of: "{messageId}", with: world.restrictedMessage.id)
            .replacingOccurrences(of: "{attachmentId}", with: world.restrictedMessage.attachmentId)
            .replacingOccurrences(of: "{forwardId}", with: world.forwardRequestId)
            .replacingOccurrences(of: "{userId}", with: world.users[.participantOfficer]!.id)
            .replacingOccurrences(
                of: "{sitrepId}", with: onDraftSitrep ? world.draftSitrep.id : world.approvedSitrep.id)
            + query.replacingOccurrences(of: "{actionEvent}", with: String(world.actionEvent))
            .replacingOccurrences(of: "{restrictedTargetEvent}", with: String(world.restrictedTargetEvent))
            .replacingOccurrences(of: "{exhibitEvent}", with: String(world.exhibitEvent))
    }
}

/// Every API route and the status each persona gets, in the order: lead coordinator,
/// participant officer (agency B), officer of another participant (agency C), observer,
/// non-participant, platform admin, agency B's administrator, anonymous.
///
/// The restricted target is B's, shown only to the lead: C must get 404 as if it did not exist.
enum RouteTable {
    static let newTarget: @Sendable (TestWorld) -> Any? = { _ in
        [
            "kind": "server", "name": "New server", "selectors": [["kind": "ip", "value": "198.51.100.9"]],
            "handling": "H0", "evaluation": "B2", "distribution": "all",
        ]
    }
    static let newAction: @Sendable (TestWorld) -> Any? = { world in
        [
            "kind": "serverTakedown", "title": "Take down another server", "targetId": world.sharedTarget.id,
            "executingAgencyId": world.partC.id, "place": "Dallas", "country": "US", "timeZone": "America/Chicago",
            "offsetMinutes": -60,
        ]
    }
    static let newInstrument: @Sendable (TestWorld) -> Any? = { _ in
        ["kind": "mutualLegalAssistance", "reference": "MLA-US-7", "executingCountry": "US", "status": "requested"]
    }

    static let cases: [RouteCase] = [
        RouteCase(method: .get, template: "/api/v1/health", statuses: [200, 200, 200, 200, 200, 200, 200, 200]) { _ in
            nil
        },
        // Readiness tells whether the store answers and the index is loaded: nothing of anyone's.
        RouteCase(method: .get, template: "/api/v1/ready", statuses: [200, 200, 200, 200, 200, 200, 200, 200]) { _ in
            nil
        },
        RouteCase(method: .get, template: "/api/v1/openapi.json", statuses: [200, 200, 200, 200, 200, 200, 200, 200]) {
            _ in
            nil
        },
        RouteCase(method: .post, template: "/api/v1/sessions", statuses: [201, 201, 201, 201, 201, 201, 201, 201]) {
            _ in
            ["username": "participantofficer", "password": TestWorld.password]
        },
        RouteCase(
            method: .delete, template: "/api/v1/sessions/current", statuses: [204, 204, 204, 204, 204, 204, 204, 401]
        ) { _ in nil },
        // One's own second factor: every signed-in user's, nobody else's (no id is named).
        RouteCase(
            method: .get, template: "/api/v1/me/second-factor", statuses: [200, 200, 200, 200, 200, 200, 200, 401]
        ) { _ in nil },
        RouteCase(
            method: .post, template: "/api/v1/me/second-factor", statuses: [201, 201, 201, 201, 201, 201, 201, 401],
            takesNoBody: true
        ) { _ in nil },
        // Nothing being set up: a conflict, whoever asks.
        RouteCase(
            method: .post, template: "/api/v1/me/second-factor/confirm",
            statuses: [409, 409, 409, 409, 409, 409, 409, 401]
        ) { _ in ["code": "123456"] },
        RouteCase(
            method: .post, template: "/api/v1/me/second-factor/disable",
            statuses: [409, 409, 409, 409, 409, 409, 409, 401]
        ) { _ in ["password": TestWorld.password, "code": "123456"] },
        // One's own sessions; a session id that is not one's own is one that does not exist.
        RouteCase(method: .get, template: "/api/v1/me/sessions", statuses: [200, 200, 200, 200, 200, 200, 200, 401]) {
            _ in nil
        },
        RouteCase(
            method: .delete, template: "/api/v1/me/sessions/{sessionId}",
            statuses: [404, 404, 404, 404, 404, 404, 404, 401]
        ) { _ in nil },
        RouteCase(method: .get, template: "/api/v1/me", statuses: [200, 200, 200, 200, 200, 200, 200, 401]) { _ in nil
        },
        // One's own calendar token; none made yet, none to end.
        RouteCase(
            method: .post, template: "/api/v1/me/calendar-token", statuses: [201, 201, 201, 201, 201, 201, 201, 401],
            takesNoBody: true
        ) { _ in nil },
        RouteCase(
            method: .delete, template: "/api/v1/me/calendar-token", statuses: [404, 404, 404, 404, 404, 404, 404, 401]
        ) { _ in nil },
        // The log's tree: hashes only, to anyone signed in; an inclusion proof only of an event the
        // caller's agency may read, the same 404 for one it may not as for one that does not exist.
        RouteCase(
            method: .get, template: "/api/v1/log/checkpoint", statuses: [200, 200, 200, 200, 200, 200, 200, 401]
        ) { _ in nil },
        RouteCase(
            method: .get, template: "/api/v1/log/consistency", statuses: [200, 200, 200, 200, 200, 200, 200, 401],
            query: "?from=3&to=9"
        ) { _ in nil },
        RouteCase(
            method: .get, template: "/api/v1/log/inclusion", statuses: [200, 200, 200, 200, 404, 404, 404, 401],
            query: "?sequence={actionEvent}"
        ) { _ in nil },
        RouteCase(
            method: .get, template: "/api/v1/log/inclusion", statuses: [200, 200, 404, 404, 404, 404, 404, 401],
            query: "?sequence={restrictedTargetEvent}"
        ) { _ in nil },
        // C's feed counts B's exhibit; C gets no proof of its event.
        RouteCase(
            method: .get, template: "/api/v1/log/inclusion", statuses: [200, 200, 404, 404, 404, 404, 404, 401],
            query: "?sequence={exhibitEvent}"
        ) { _ in nil },
        RouteCase(method: .get, template: "/api/v1/agencies", statuses: [200, 200, 200, 200, 200, 200, 200, 401]) { _ in
            nil
        },
        RouteCase(method: .post, template: "/api/v1/agencies", statuses: [403, 403, 403, 403, 403, 201, 403, 401]) {
            _ in
            ["name": "New Agency", "country": "SE", "kind": "police"]
        },
        RouteCase(method: .get, template: "/api/v1/users", statuses: [403, 403, 403, 403, 403, 200, 200, 401]) { _ in
            nil
        },
        // The platform admin may not mint an account in an agency that has some (C has), nor anyone
        // outside B an account of B.
        RouteCase(method: .post, template: "/api/v1/users", statuses: [403, 403, 403, 403, 403, 403, 201, 401]) {
            world in
            [
                "username": "new-user", "displayName": "New User", "agencyId": world.partB.id, "role": "officer",
                "password": "a long enough password",
            ]
        },
        RouteCase(
            method: .patch, template: "/api/v1/users/{userId}", statuses: [403, 403, 403, 403, 403, 403, 200, 401]
        ) { _ in ["displayName": "Renamed Officer"] },
        RouteCase(
            method: .delete, template: "/api/v1/users/{userId}/sessions",
            statuses: [403, 403, 403, 403, 403, 403, 204, 401]
        ) { _ in nil },
        RouteCase(
            method: .put, template: "/api/v1/users/{userId}/password",
            statuses: [403, 403, 403, 403, 403, 403, 204, 401]
        ) { _ in ["password": "a new one for the field team"] },
        RouteCase(
            method: .get, template: "/api/v1/account-notices", statuses: [403, 403, 403, 403, 403, 403, 200, 401]
        ) { _ in nil },
        RouteCase(
            method: .get, template: "/api/v1/crosscheck/notices", statuses: [200, 200, 200, 403, 200, 403, 403, 401]
        ) { _ in nil },
        RouteCase(method: .get, template: "/api/v1/operations", statuses: [200, 200, 200, 200, 200, 200, 200, 401]) {
            _ in
            nil
        },
        RouteCase(method: .post, template: "/api/v1/operations", statuses: [201, 403, 403, 403, 201, 403, 403, 401]) {
            _ in
            ["codeName": "NEW CASE"]
        },
        RouteCase(
            method: .get, template: "/api/v1/operations/{operationId}",
            statuses: [200, 200, 200, 200, 404, 404, 404, 401]
        ) {
            _ in nil
        },
        RouteCase(
            method: .post, template: "/api/v1/operations/{operationId}/participants",
            statuses: [201, 403, 403, 403, 404, 404, 404, 401]
        ) { world in ["agencyId": world.outsider.id, "role": "participant"] },
        RouteCase(
            method: .put, template: "/api/v1/operations/{operationId}/h-hour",
            statuses: [200, 403, 403, 403, 404, 404, 404, 401]
        ) { _ in ["hHour": "2027-01-15T04:30:00Z"] },
        RouteCase(
            method: .get, template: "/api/v1/operations/{operationId}/targets",
            statuses: [200, 200, 200, 403, 404, 404, 404, 401]
        ) { _ in nil },
        RouteCase(
            method: .post, template: "/api/v1/operations/{operationId}/targets",
            statuses: [201, 201, 201, 403, 404, 404, 404, 401], body: newTarget),
        RouteCase(
            method: .post, template: "/api/v1/operations/{operationId}/targets/import",
            statuses: [201, 201, 201, 403, 404, 404, 404, 401], bodyLimit: 16 << 20
        ) { world in ["targets": [newTarget(world)!]] },
        RouteCase(
            method: .get, template: "/api/v1/operations/{operationId}/exports/stix",
            statuses: [200, 200, 200, 403, 404, 404, 404, 401]
        ) { _ in nil },
        RouteCase(
            method: .get, template: "/api/v1/operations/{operationId}/exports/misp",
            statuses: [200, 200, 200, 403, 404, 404, 404, 401]
        ) { _ in nil },
        RouteCase(
            method: .get, template: "/api/v1/operations/{operationId}/schedule.ics",
            statuses: [200, 200, 200, 200, 404, 404, 404, 401]
        ) { _ in nil },
        RouteCase(
            method: .post, template: "/api/v1/operations/{operationId}/targets/import/preview",
            statuses: [200, 200, 200, 403, 404, 404, 404, 401], bodyLimit: 16 << 20
        ) { world in ["targets": [newTarget(world)!]] },
        RouteCase(
            method: .get, template: "/api/v1/operations/{operationId}/targets/{targetId}",
            statuses: [200, 200, 404, 403, 404, 404, 404, 401]
        ) { _ in nil },
        RouteCase(
            method: .put, template: "/api/v1/operations/{operationId}/targets/{targetId}",
            statuses: [403, 200, 404, 403, 404, 404, 404, 401], body: newTarget),
        RouteCase(
            method: .delete, template: "/api/v1/operations/{operationId}/targets/{targetId}",
            statuses: [403, 204, 404, 403, 404, 404, 404, 401]
        ) { _ in nil },
        RouteCase(
            method: .get, template: "/api/v1/operations/{operationId}/actions",
            statuses: [200, 200, 200, 200, 404, 404, 404, 401]
        ) { _ in nil },
        RouteCase(
            method: .post, template: "/api/v1/operations/{operationId}/actions",
            statuses: [201, 403, 403, 403, 404, 404, 404, 401], body: newAction),
        RouteCase(
            method: .get, template: "/api/v1/operations/{operationId}/actions/{actionId}",
            statuses: [200, 200, 200, 200, 404, 404, 404, 401]
        ) { _ in nil },
        RouteCase(
            method: .put, template: "/api/v1/operations/{operationId}/actions/{actionId}",
            statuses: [200, 403, 403, 403, 404, 404, 404, 401], body: newAction),
        RouteCase(
            method: .delete, template: "/api/v1/operations/{operationId}/actions/{actionId}",
            statuses: [204, 403, 403, 403, 404, 404, 404, 401]
        ) { _ in nil },
        RouteCase(
            method: .post, template: "/api/v1/operations/{operationId}/actions/{actionId}/status",
            statuses: [200, 200, 403, 403, 404, 404, 404, 401]
        ) { _ in ["status": "ready"] },
        RouteCase(
            method: .get, template: "/api/v1/operations/{operationId}/instruments",
            statuses: [200, 200, 200, 403, 404, 404, 404, 401]
        ) { _ in nil },
        RouteCase(
            method: .post, template: "/api/v1/operations/{operationId}/instruments",
            statuses: [201, 403, 403, 403, 404, 404, 404, 401], body: newInstrument),
        RouteCase(
            method: .get, template: "/api/v1/operations/{operationId}/instruments/{instrumentId}",
            statuses: [200, 200, 200, 403, 404, 404, 404, 401]
        ) { _ in nil },
        RouteCase(
            method: .put, template: "/api/v1/operations/{operationId}/instruments/{instrumentId}",
            statuses: [200, 403, 403, 403, 404, 404, 404, 401], body: newInstrument),
        RouteCase(
            method: .post, template: "/api/v1/operations/{operationId}/control",
            statuses: [200, 403, 403, 403, 404, 404, 404, 401]
        ) { _ in ["command": "hold", "reason": "Suspect moved"] },
        RouteCase(
            method: .post, template: "/api/v1/operations/{operationId}/actions/{actionId}/gates/{gateId}",
            statuses: [200, 200, 403, 403, 404, 404, 404, 401]
        ) { _ in ["checked": true] },
        RouteCase(
            method: .get, template: "/api/v1/operations/{operationId}/log",
            statuses: [200, 200, 200, 200, 404, 404, 404, 401]
        ) { _ in nil },
        RouteCase(
            method: .post, template: "/api/v1/operations/{operationId}/log",
            statuses: [201, 201, 201, 403, 404, 404, 404, 401]
        ) { _ in ["text": "Door opened, suspect present"] },
        RouteCase(
            method: .post, template: "/api/v1/operations/{operationId}/log/{entryId}/significant",
            statuses: [200, 403, 403, 403, 404, 404, 404, 401]
        ) { _ in ["significant": true] },
        RouteCase(
            method: .get, template: "/api/v1/operations/{operationId}/sitreps",
            statuses: [200, 200, 200, 200, 404, 404, 404, 401]
        ) { _ in nil },
        RouteCase(
            method: .post, template: "/api/v1/operations/{operationId}/sitreps",
            statuses: [201, 403, 403, 403, 404, 404, 404, 401]
        ) { _ in ["summary": "Arrests in Berlin and Dallas under way."] },
        RouteCase(
            method: .get, template: "/api/v1/operations/{operationId}/sitreps/{sitrepId}",
            statuses: [200, 200, 200, 200, 404, 404, 404, 401]
        ) { _ in nil },
        // A draft is the lead coordinator's alone: others are told it does not exist.
        RouteCase(
            method: .put, template: "/api/v1/operations/{operationId}/sitreps/{sitrepId}",
            statuses: [200, 403, 403, 403, 404, 404, 404, 401], onDraftSitrep: true
        ) { _ in ["summary": "Edited.", "openProblems": ["Suspect in Lyon not found"], "status": "draft"] },
        RouteCase(
            method: .delete, template: "/api/v1/operations/{operationId}/sitreps/{sitrepId}",
            statuses: [204, 403, 403, 403, 404, 404, 404, 401], onDraftSitrep: true
        ) { _ in nil },
        RouteCase(
            method: .get, template: "/api/v1/operations/{operationId}/sitreps/{sitrepId}/markdown",
            statuses: [200, 200, 200, 200, 404, 404, 404, 401]
        ) { _ in nil },
        RouteCase(
            method: .get, template: "/api/v1/operations/{operationId}/sitreps/{sitrepId}/html",
            statuses: [200, 200, 200, 200, 404, 404, 404, 401]
        ) { _ in nil },
        // Exhibits: B seized them for the lead agency only; C is told they do not exist, an
        // observer follows the counts, and only the holder adds to a chain.
        RouteCase(
            method: .get, template: "/api/v1/operations/{operationId}/exhibits",
            statuses: [200, 200, 200, 403, 404, 404, 404, 401]
        ) { _ in nil },
        RouteCase(
            method: .post, template: "/api/v1/operations/{operationId}/exhibits",
            statuses: [201, 201, 403, 403, 404, 404, 404, 401]
        ) { world in
            [
                "actionId": world.actionSearch.id, "kind": "storageMedium", "description": "USB stick in a drawer",
                "hashes": [["algorithm": "MD5", "value": String(repeating: "0f", count: 16)]], "handling": "H1",
                "evaluation": "B2", "distribution": "all",
            ]
        },
        RouteCase(
            method: .get, template: "/api/v1/operations/{operationId}/exhibits/counts",
            statuses: [200, 200, 200, 200, 404, 404, 404, 401]
        ) { _ in nil },
        RouteCase(
            method: .get, template: "/api/v1/operations/{operationId}/exhibits/case",
            statuses: [200, 200, 200, 403, 404, 404, 404, 401]
        ) { _ in nil },
        RouteCase(
            method: .get, template: "/api/v1/operations/{operationId}/exhibits/{exhibitId}",
            statuses: [200, 200, 404, 403, 404, 404, 404, 401]
        ) { _ in nil },
        RouteCase(
            method: .get, template: "/api/v1/operations/{operationId}/exhibits/{exhibitId}/case",
            statuses: [200, 200, 404, 403, 404, 404, 404, 401]
        ) { _ in nil },
        RouteCase(
            method: .post, template: "/api/v1/operations/{operationId}/exhibits/{exhibitId}/custody",
            statuses: [403, 201, 404, 403, 404, 404, 404, 401]
        ) { _ in ["kind": "sealed", "sealNumber": "DE-SEAL-7"] },
        RouteCase(
            method: .post, template: "/api/v1/operations/{operationId}/exhibits/{exhibitId}/custody/{entryId}/receipt",
            statuses: [201, 403, 404, 403, 404, 404, 404, 401], onTransitExhibit: true
        ) { _ in [String: Any]() },
        // Check before sharing is not about one operation: any agency holding intelligence may ask.
        RouteCase(
            method: .post, template: "/api/v1/crosscheck", statuses: [200, 200, 200, 403, 200, 403, 403, 401]
        ) { _ in ["selectors": [["kind": "ip", "value": "192.0.2.10"]]] },
        // Exclusions are each agency's own: B's is B's alone to lift.
        RouteCase(
            method: .get, template: "/api/v1/crosscheck/exclusions", statuses: [200, 200, 200, 403, 200, 403, 403, 401]
        ) { _ in nil },
        RouteCase(
            method: .post, template: "/api/v1/crosscheck/exclusions",
            statuses: [201, 201, 201, 403, 201, 403, 403, 401]
        ) { _ in ["kind": "domain", "value": "dns.quad9.example", "reason": "Public resolver"] },
        RouteCase(
            method: .delete, template: "/api/v1/crosscheck/exclusions/{exclusionId}",
            statuses: [404, 204, 404, 403, 404, 403, 403, 401]
        ) { _ in nil },
        // Hits concern the agencies on their two sides: B and the outsider, no one else.
        RouteCase(
            method: .get, template: "/api/v1/hits", statuses: [200, 200, 200, 403, 200, 403, 403, 401]
        ) { _ in nil },
        RouteCase(
            method: .post, template: "/api/v1/hits/{hitId}/review", statuses: [404, 200, 404, 403, 200, 403, 403, 401]
        ) { _ in ["reviewed": true] },
        // Messages: the restricted one is B's to the lead agency only; C is told it does not exist.
        RouteCase(
            method: .get, template: "/api/v1/operations/{operationId}/messages",
            statuses: [200, 200, 200, 403, 404, 404, 404, 401]
        ) { _ in nil },
        RouteCase(
            method: .post, template: "/api/v1/operations/{operationId}/messages",
            statuses: [201, 201, 201, 403, 404, 404, 404, 401]
        ) { _ in
            [
                "subject": "Hosting contract found", "body": "The contract names a **shell company**.",
                "handling": "H0", "evaluation": "B2", "distribution": "all",
            ]
        },
        RouteCase(
            method: .get, template: "/api/v1/operations/{operationId}/messages/{messageId}",
            statuses: [200, 200, 404, 403, 404, 404, 404, 401]
        ) { _ in nil },
        RouteCase(
            method: .get, template: "/api/v1/operations/{operationId}/messages/{messageId}/markdown",
            statuses: [200, 200, 404, 403, 404, 404, 404, 401]
        ) { _ in nil },
        RouteCase(
            method: .get, template: "/api/v1/operations/{operationId}/messages/{messageId}/attachments/{attachmentId}",
            statuses: [200, 200, 404, 403, 404, 404, 404, 401]
        ) { _ in nil },
        // Recipients acknowledge; the originator B has nothing to acknowledge.
        RouteCase(
            method: .post, template: "/api/v1/operations/{operationId}/messages/{messageId}/acknowledgements",
            statuses: [201, 409, 404, 403, 404, 404, 404, 401], takesNoBody: true
        ) { _ in nil },
        // The lead already asked to pass the H2 message to C; B, its originator, passes it on.
        RouteCase(
            method: .post, template: "/api/v1/operations/{operationId}/messages/{messageId}/forwards",
            statuses: [409, 201, 404, 403, 404, 404, 404, 401]
        ) { world in ["agencyId": world.partC.id, "reason": "C executes the search in Ashburn."] },
        RouteCase(
            method: .post,
            template: "/api/v1/operations/{operationId}/messages/{messageId}/forwards/{forwardId}/decision",
            statuses: [403, 200, 404, 403, 404, 404, 404, 401]
        ) { _ in ["grant": true] },
        // The live feed in catch-up mode (follow=false), so that the response ends.
        RouteCase(
            method: .get, template: "/api/v1/operations/{operationId}/live",
            statuses: [200, 200, 200, 200, 404, 404, 404, 401],
            query: "?since=0&follow=false"
        ) { _ in nil },
    ]

    /// What each persona must never find in any response body.
    static func secrets(for persona: Persona, in world: TestWorld) -> [String] {
        let intelligence = [
            world.sharedTarget.name, world.restrictedTarget.name, "192.0.2.10", "hidden-suspect", "Zacharias",
            world.sharedTarget.id, world.restrictedTarget.id, world.instrument.reference,
        ]
        let restrictedMessage = [
            world.restrictedMessage.subject, world.restrictedMessage.id, world.restrictedMessage.attachmentId,
            world.restrictedMessage.fileName, "payment courier",
        ]
        let sharedMessage = [
            world.sharedMessage.subject, world.sharedMessage.id, world.sharedMessage.fileName, "imaged before seizure",
        ]
        // B's exhibits are for the lead agency: their numbers, words and hashes go nowhere else.
        let exhibits = [
            world.exhibit.description, world.exhibit.exhibitNumber, world.exhibit.id, world.transitExhibit.description,
            world.transitExhibit.exhibitNumber, String(repeating: "ab", count: 32), world.handOverId,
        ]
        // A draft sitrep is the lead coordinator's working copy.
        let draft = [world.draftSitrep.summary, world.draftSitrep.id]
        // The outsider's own operation is nobody else's business, hit or not.
        let outsiders = [
            world.otherOperation.codeName, world.otherOperation.id, world.otherTarget.name, world.otherTarget.id,
            "cdn.release-mirror.example",
        ]
        switch persona {
        case .leadCoordinator:
            return outsiders
        case .participantOfficer:
            return draft + outsiders
        case .otherParticipantOfficer:
            // B's arrest concerns the restricted target: C sees its kind, country and time, not its title.
            return [
                world.restrictedTarget.name, "hidden-suspect", "Zacharias", world.restrictedTarget.id,
                world.actionB.title, world.actionSearch.title,
            ] + draft + outsiders + restrictedMessage + exhibits
        case .observer:
            // Both actions concern targets; an observer reads none, so sees neither title.
            return intelligence + draft + outsiders + restrictedMessage + sharedMessage + exhibits + [
                world.actionB.title, world.actionC.title, world.actionSearch.title,
            ]
        case .nonParticipant:
            // The outsider learns of B's hit what a hit tells (B, its contact, its selector), nothing more.
            return intelligence + draft + restrictedMessage + sharedMessage + exhibits + [
                world.operation.codeName, world.operation.id, world.actionB.title, world.actionC.title,
                "\"release-mirror.example\"",
            ]
        case .platformAdmin, .agencyAdmin, .anonymous:
            return intelligence + draft + outsiders + restrictedMessage + sharedMessage + exhibits + [
                world.operation.codeName, world.operation.id, world.actionB.title, world.actionC.title,
            ]
        }
    }
}
