import ConcertCore
import Foundation
import Hummingbird
import HummingbirdTesting
import NIOCore
import Testing

@Suite("Bad input gets a clear 4xx and changes nothing")
struct BadInputTests {
    /// The routes that take a body, each called as the first persona it succeeds for.
    /// The write routes that some persona can use in the test world (a second factor's
    /// confirmation needs one being set up first: its bad bodies are the fuzzer's).
    static let writeRoutes = RouteTable.cases.filter {
        $0.method != .get && $0.method != .delete && $0.key != "POST /api/v1/sessions" && !$0.takesNoBody
            && $0.statuses.contains { (200..<300).contains($0) }
    }

    /// Fields that may be left out of a route's body.
    static let optionalFields: Set<String> = [
        "targetId", "legalInstrumentId", "expectedDurationMinutes", "reason", "summary", "hashes",
    ]

    /// Bodies that are wrong in every way a client can get them wrong, made from the valid one.
    static func badBodies(from valid: [String: Any]) -> [(String, ByteBuffer)] {
        var bodies: [(String, ByteBuffer)] = [
            ("malformed JSON", ByteBuffer(string: #"{"kind": "#)),
            ("a list instead of an object", ByteBuffer(string: "[1, 2, 3]")),
            ("a bare string", ByteBuffer(string: #""hello""#)),
            ("an empty body", ByteBuffer()),
            ("null", ByteBuffer(string: "null")),
        ]
        for (key, value) in valid {
            var wrongType = valid
            wrongType[key] = value is String ? 42 : "not the right type"
            bodies.append(("'\(key)' of the wrong type", .json(wrongType)))
            var nulled = valid
            nulled[key] = NSNull()
            if !optionalFields.contains(key) {
                bodies.append(("'\(key)' null", .json(nulled)))
                var missing = valid
                missing.removeValue(forKey: key)
                bodies.append(("'\(key)' missing", .json(missing)))
            }
            if value is String,
                [
                    "kind", "handling", "evaluation", "role", "status", "distribution", "country",
                    "timeZone", "executingCountry", "hHour", "agencyId", "executingAgencyId", "targetId",
                ].contains(key)
            {
                var unknown = valid
                unknown[key] = "BOGUS-VALUE"
                bodies.append(("'\(key)' an unknown value", .json(unknown)))
            }
        }
        return bodies
    }

    @Test("every write route refuses every malformed body", arguments: writeRoutes)
    func malformedBodies(route: RouteCase) async throws {
        let world = try await TestWorld.make()
        defer { world.remove() }
        let persona = Persona.allCases.first { (200..<300).contains(route.expected(for: $0)) }!
        let valid = try #require(route.body(world) as? [String: Any])
        let before = try await world.eventCount()
        let badBodies = Self.badBodies(from: valid)
        let validBody = ByteBuffer.json(valid)
        try await world.withClient { client in
            for (description, body) in badBodies {
                let response = try await client.execute(
                    uri: route.path(in: world), method: route.method, headers: TestWorld.headers(persona), body: body)
                #expect(
                    (400..<500).contains(response.status.code), "\(description): \(response.status) \(response.text)")
                #expect(response.headers[.contentType] == "application/problem+json", "\(description)")
                #expect((response.object["detail"] as? String)?.isEmpty == false, "\(description)")
            }
            let oversize = ByteBuffer(
                string: #"{"name": ""# + String(repeating: "x", count: route.bodyLimit + (1 << 20)) + #""}"#)
            let tooLarge = try await client.execute(
                uri: route.path(in: world), method: route.method, headers: TestWorld.headers(persona), body: oversize)
            #expect(tooLarge.status == .contentTooLarge, "\(tooLarge.text)")
            var plainText = TestWorld.headers(persona)
            plainText[.contentType] = "text/plain"
            let wrongType = try await client.execute(
                uri: route.path(in: world), method: route.method, headers: plainText, body: validBody)
            #expect(wrongType.status == .unsupportedMediaType)
        }
        #expect(try await world.eventCount() == before, "a refused request wrote to the store")
    }

    /// Requests that are well formed but break a rule, with the status and field expected.
    static func ruleBreakers(
        _ world: TestWorld
    ) -> [(String, HTTPRequest.Method, String, Persona, [String: Any], Int, String?)] {
        let operation = "/api/v1/operations/\(world.operation.id)"
        let baseTarget = RouteTable.newTarget(world) as! [String: Any]
        func target(_ change: (inout [String: Any]) -> Void) -> [String: Any] {
            var copy = baseTarget
            change(&copy)
            return copy
        }
        let baseAction = RouteTable.newAction(world) as! [String: Any]
        func action(_ change: (inout [String: Any]) -> Void) -> [String: Any] {
            var copy = baseAction
            change(&copy)
            return copy
        }
        let targets = operation + "/targets"
        let actions = operation + "/actions"
        return [
            (
                "an invalid IP", .post, targets, .participantOfficer,
                target { $0["selectors"] = [["kind": "ip", "value": "300.1.2.3"]] }, 422, "selectors[0].value"
            ),
            (
                "an unknown selector kind", .post, targets, .participantOfficer,
                target { $0["selectors"] = [["kind": "fax", "value": "1"]] }, 422, "selectors[0].kind"
            ),
            (
                "a person selector given a string", .post, targets, .participantOfficer,
                target { $0["selectors"] = [["kind": "person", "value": "John"]] }, 422, "selectors[0].value"
            ),
            (
                "an impossible date of birth", .post, targets, .participantOfficer,
                target {
                    $0["selectors"] = [["kind": "person", "value": ["name": "A B", "dateOfBirth": "1990-02-31"]]]
                }, 422,
                "selectors[0].value.dateOfBirth"
            ),
            (
                "H3 without its restriction", .post, targets, .participantOfficer, target { $0["handling"] = "H3" },
                422,
                "handlingRestriction"
            ),
            (
                "a distribution naming a non-participant", .post, targets, .participantOfficer,
                target { $0["distribution"] = [world.outsider.id] }, 422, "distribution"
            ),
            (
                "an empty named distribution", .post, targets, .participantOfficer,
                target { $0["distribution"] = [String]() },
                422, "distribution"
            ),
            ("an empty name", .post, targets, .participantOfficer, target { $0["name"] = "   " }, 422, "name"),
            (
                "an unknown time zone", .post, actions, .leadCoordinator, action { $0["timeZone"] = "Mars/Olympus" },
                422,
                "timeZone"
            ),
            (
                "an observer as executing agency", .post, actions, .leadCoordinator,
                action { $0["executingAgencyId"] = world.observerAgency.id }, 422, "executingAgencyId"
            ),
            (
                "a target of no operation", .post, actions, .leadCoordinator,
                action { $0["targetId"] = "00000000-0000-0000-0000-000000000000" }, 422, "targetId"
            ),
            (
                "an offset beyond a month", .post, actions, .leadCoordinator, action { $0["offsetMinutes"] = 100_000 },
                422,
                "offsetMinutes"
            ),
            (
                "an illegal transition", .post, actions + "/\(world.actionB.id)/status", .leadCoordinator,
                ["status": "done", "outcome": ["kind": "arrested", "count": 1]], 409, "status"
            ),
            (
                "an outcome with go", .post, actions + "/\(world.actionB.id)/status", .leadCoordinator,
                ["status": "ready", "outcome": ["kind": "arrested"]], 422, "outcome"
            ),
            (
                "a second lead", .post, operation + "/participants", .leadCoordinator,
                ["agencyId": world.outsider.id, "role": "lead"], 422, "role"
            ),
            (
                "inviting a participant twice", .post, operation + "/participants", .leadCoordinator,
                ["agencyId": world.partB.id, "role": "participant"], 409, "agencyId"
            ),
            (
                "an H-hour without a zone", .put, operation + "/h-hour", .leadCoordinator,
                ["hHour": "2027-01-15 04:30"], 422,
                "hHour"
            ),
            (
                "a country that does not exist", .post, "/api/v1/agencies", .platformAdmin,
                ["name": "X", "country": "XX", "kind": "police"], 422, "country"
            ),
            (
                "a short password", .post, "/api/v1/users", .agencyAdmin,
                [
                    "username": "short-pass", "displayName": "S", "agencyId": world.partB.id, "role": "officer",
                    "password": "short",
                ],
                422, "password"
            ),
            (
                "a taken username", .post, "/api/v1/users", .agencyAdmin,
                [
                    "username": "participantofficer", "displayName": "S", "agencyId": world.partB.id, "role": "officer",
                    "password": "long enough password",
                ], 409, nil
            ),
            (
                "a common password", .post, "/api/v1/users", .agencyAdmin,
                [
                    "username": "common-pass", "displayName": "C", "agencyId": world.partB.id, "role": "officer",
                    "password": "password1234",
                ],
                422, "password"
            ),
            (
                "twelve spaces as a password", .post, "/api/v1/users", .agencyAdmin,
                [
                    "username": "space-pass", "displayName": "C", "agencyId": world.partB.id, "role": "officer",
                    "password": "            ",
                ],
                422, "password"
            ),
            (
                "a bad username", .post, "/api/v1/users", .agencyAdmin,
                [
                    "username": "Bad Name!", "displayName": "S", "agencyId": world.partB.id, "role": "officer",
                    "password": "long enough password",
                ], 422, "username"
            ),
        ]
    }

    @Test("rule-breaking requests name the field and change nothing")
    func ruleBreakers() async throws {
        let world = try await TestWorld.make()
        defer { world.remove() }
        let before = try await world.eventCount()
        let cases = Self.ruleBreakers(world).map { ($0.0, $0.1, $0.2, $0.3, ByteBuffer.json($0.4), $0.5, $0.6) }
        try await world.withClient { client in
            for (description, method, path, persona, body, status, field) in cases {
                let response = try await client.execute(
                    uri: path, method: method, headers: TestWorld.headers(persona), body: body)
                #expect(Int(response.status.code) == status, "\(description): \(response.text)")
                #expect(response.object["field"] as? String == field, "\(description): \(response.text)")
                #expect(response.headers[.contentType] == "application/problem+json")
            }
            let unknownId = try await client.execute(
                uri: "/api/v1/operations/\(world.operation.id)/targets/not-an-id%00", method: .get,
                headers: TestWorld.headers(.participantOfficer))
            #expect(unknownId.status == .notFound)
            let wrongPassword = try await client.execute(
                uri: "/api/v1/sessions", method: .post, headers: TestWorld.headers(.anonymous),
                body: .json(["username": "participantofficer", "password": "wrong password!"]))
            #expect(wrongPassword.status == .unauthorized)
            let unknownRoute = try await client.execute(
                uri: "/api/v1/nowhere", method: .get, headers: TestWorld.headers(.anonymous))
            #expect(unknownRoute.status == .notFound)
            #expect(unknownRoute.headers[.contentType] == "application/problem+json")
            let badToken = try await client.execute(
                uri: "/api/v1/me", method: .get, headers: [.authorization: "Bearer forged"])
            #expect(badToken.status == .unauthorized)
        }
        // Nothing was written but the audit entry of the wrong password, which must be there.
        #expect(try await world.eventCount() == before + 1, "a refused request wrote to the store")
        let failed = try await world.store.events(kinds: [.signInFailed], operationIds: nil, limit: 5)
        #expect(failed.count == 1)
    }
}
