import ConcertCore
import ConcertStorage
import Foundation
import Hummingbird
import HummingbirdTesting
import Testing

@testable import ConcertServer

/// An action about a target that some participants may not read is shown to them by kind,
/// country, time and status: nothing the coordinator wrote about the target goes with it.
@Suite("Actions about restricted targets")
struct RestrictedActionTests {
    @Test("a gate's title and an outcome's words about a restricted target reach only those who may read it")
    func gatesAndOutcomesKeepTheTargetHidden() async throws {
        let world = try await TestWorld.make()
        defer { world.remove() }
        let coordinator = Actor(world.users[.leadCoordinator]!)
        // B's arrest concerns the target that only the lead may read; its gate and outcome name
        // the suspect, as a coordinator would write them.
        _ = try await world.store.updateAction(
            id: world.actionB.id, operationId: world.operation.id, by: coordinator, eventKind: .actionUpdated
        ) { action, _ in
            var action = action
            action.gates = [Gate(id: "g1", title: "Zacharias seen at home")]
            action.outcome = Outcome(kind: .arrested, count: 1, description: "Zacharias taken at the back door")
            return action
        }
        let operation = "/operations/\(world.operation.id)"
        let api = "/api/v1/operations/\(world.operation.id)"
        let paths = [
            operation, api + "/actions", api + "/actions/\(world.actionB.id)", api + "/live?since=0&follow=false",
        ]
        for persona in [Persona.otherParticipantOfficer, .observer, .participantOfficer, .leadCoordinator] {
            let answers = try await world.withClient { client in
                var answers: [TestResponse] = []
                for path in paths {
                    answers.append(
                        try await client.execute(
                            uri: path, method: .get, headers: TestWorld.headers(persona, json: false)))
                }
                return answers
            }
            let mayRead = persona == .participantOfficer || persona == .leadCoordinator
            for (path, answer) in zip(paths, answers) {
                #expect(answer.text.contains("Zacharias seen") == mayRead, "\(persona) at \(path)")
                #expect(answer.text.contains("back door") == mayRead, "\(persona) at \(path)")
            }
            // Those who may not read the target still learn that the arrest has a gate open.
            if persona == .otherParticipantOfficer {
                #expect(answers[1].text.contains(#""title":"Gate 1""#))
            }
        }
    }

    @Test("the plan's list sends each persona exactly the actions the board view gives it", arguments: Persona.allCases)
    func planListIsTheBoardView(persona: Persona) async throws {
        let world = try await TestWorld.make()
        defer { world.remove() }
        let answer = try await world.withClient { client in
            try await client.execute(
                uri: "/api/v1/operations/\(world.operation.id)/actions", method: .get,
                headers: TestWorld.headers(persona))
        }
        guard let user = world.users[persona] else {
            #expect(answer.status == .unauthorized)
            return
        }
        let actor = Actor(user)
        guard AccessPolicy.allows(actor, .viewBoard, in: world.operation) else {
            #expect(answer.status == .notFound || answer.status == .forbidden)
            return
        }
        struct Items: Decodable { var items: [Action] }
        let listed = try ConcertJSON.decode(Items.self, from: answer.text).items
        let expected = try await ActionController.boardView(
            of: try await world.store.actions(operationId: world.operation.id), for: actor, in: world.operation,
            store: world.store)
        #expect(listed == expected)
        #expect(listed.contains { $0.targetId != nil } || persona == .observer || persona == .otherParticipantOfficer)
    }

    @Test("a planner who may not read an action's target changes its schedule, and nothing hidden comes out")
    func plannerKeepsWhatDescribesAHiddenTarget() async throws {
        let world = try await TestWorld.make()
        defer { world.remove() }
        let coordinator = Actor(world.users[.leadCoordinator]!)
        let officerB = Actor(world.users[.participantOfficer]!)
        // B records a target for all, the lead plans an arrest about it with gates, and then B
        // restricts the target to C: the lead can no longer read it.
        let now = ConcertJSON.now()
        let target = try TargetInput(
            kind: .person, name: "Late-restricted suspect",
            selectors: [SelectorInput(kind: .email, text: "q@late.example")],
            handling: .h0, evaluation: Evaluation(code: "B2")!, distribution: .allParticipants
        ).makeTarget(
            id: Identifier.make(), operation: world.operation, originatorAgencyId: world.partB.id,
            createdBy: officerB.userId, defaultCountry: "DE", createdAt: now, now: now)
        try await world.store.createTarget(target, by: officerB)
        let action = ActionInput(
            kind: .arrest, title: "Arrest Quentin at 5 Elm St", targetId: target.id, executingAgencyId: world.partB.id,
            place: "5 Elm St", country: "DE", timeZone: "Europe/Berlin", offsetMinutes: 10,
            gates: ["Quentin seen at home", "Warrant signed"]
        ).makeAction(id: Identifier.make(), operationId: world.operation.id, createdAt: now, now: now)
        try await world.store.createAction(action, by: coordinator)
        _ = try await world.store.updateTarget(id: target.id, operationId: world.operation.id, by: officerB) {
            var target = $0
            target.distribution = .agencies([world.partC.id])
            return target
        }
        let path = "/api/v1/operations/\(world.operation.id)/actions/\(action.id)"
        let (page, changed) = try await world.withClient { client in
            let page = try await client.execute(
                uri: "/operations/\(world.operation.id)/actions/\(action.id)/edit", method: .get,
                headers: TestWorld.headers(.leadCoordinator, json: false))
            // What the form sends: the action as the lead was shown it, two hours later.
            let body = """
                {"kind":"arrest","title":"Arrest in DE","executingAgencyId":"\(world.partB.id)","place":"",
                 "country":"DE","timeZone":"Europe/Berlin","offsetMinutes":130}
                """
            let changed = try await client.execute(
                uri: path, method: .put, headers: TestWorld.headers(.leadCoordinator), body: ByteBuffer(string: body))
            return (page, changed)
        }
        #expect(page.status == .ok)
        for secret in ["Quentin", "5 Elm St", "Late-restricted"] {
            #expect(!page.text.contains(secret), "the edit page showed '\(secret)'")
            #expect(!changed.text.contains(secret), "the change's answer showed '\(secret)'")
        }
        #expect(page.text.contains("concerns a target your agency may not read"))
        #expect(changed.status == .ok, "\(changed.text)")
        // The schedule changed; the target, title, place and gates are as B and C know them.
        let stored = try #require(try await world.store.action(id: action.id, operationId: world.operation.id))
        #expect(stored.offsetMinutes == 130)
        #expect(stored.targetId == target.id && stored.title == action.title && stored.place == action.place)
        #expect(stored.gates?.map(\.title) == ["Quentin seen at home", "Warrant signed"])
        // And it is still hidden from everyone who may not read the target, the observer included;
        // B, which recorded it, and C, whom B named, read it whole.
        for persona in [Persona.observer, .leadCoordinator, .participantOfficer, .otherParticipantOfficer] {
            let answer = try await world.withClient { client in
                try await client.execute(uri: path, method: .get, headers: TestWorld.headers(persona, json: false))
            }
            let mayRead = persona == .participantOfficer || persona == .otherParticipantOfficer
            #expect(answer.text.contains("Quentin") == mayRead, "\(persona)")
        }
    }

    @Test("a target the caller may not know of answers exactly as one that does not exist")
    func hiddenTargetsAnswerAsMissingOnes() async throws {
        let world = try await TestWorld.make()
        defer { world.remove() }
        let base = "/api/v1/operations/\(world.operation.id)/targets/"
        let answers = try await world.withClient { client in
            var answers: [TestResponse] = []
            for id in [world.restrictedTarget.id, Identifier.make()] {
                for method in [HTTPRequest.Method.get, .delete] {
                    answers.append(
                        try await client.execute(
                            uri: base + id, method: method, headers: TestWorld.headers(.otherParticipantOfficer)))
                }
            }
            return answers
        }
        #expect(answers.allSatisfy { $0.status == .notFound })
        #expect(answers[0].text == answers[2].text && answers[1].text == answers[3].text, "\(answers.map(\.text))")
    }
}
