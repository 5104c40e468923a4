import ConcertCore
import ConcertStorage
import Foundation
import Hummingbird
import HummingbirdTesting
import Testing

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
}
