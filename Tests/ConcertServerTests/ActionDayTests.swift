import ConcertCore
import ConcertServer
import ConcertStorage
import Foundation
import Hummingbird
import HummingbirdTesting
import NIOCore
import Synchronization
import Testing

@Suite("Running the action day")
struct ActionDayTests {
    static func post(
        _ client: some TestClientProtocol, _ path: String, as persona: Persona, _ body: [String: Any]
    ) async throws -> TestResponse {
        try await client.execute(uri: path, method: .post, headers: TestWorld.headers(persona), body: .json(body))
    }

    @Test("gates block GO for their action; GO starts only ready actions whose gates hold")
    func gatesBlockGo() async throws {
        let world = try await TestWorld.make()
        defer { world.remove() }
        let operation = "/api/v1/operations/\(world.operation.id)"
        try await world.withClient { client in
            for action in [world.actionB, world.actionC] {
                let ready = try await Self.post(
                    client, operation + "/actions/\(action.id)/status", as: .leadCoordinator, ["status": "ready"])
                #expect(ready.status == .ok)
            }
            let blocked = try await Self.post(
                client, operation + "/actions/\(world.actionB.id)/status", as: .leadCoordinator, ["status": "go"])
            #expect(blocked.status == .conflict)
            #expect((blocked.object["detail"] as? String)?.contains("Team in position") == true)

            let go = try await Self.post(client, operation + "/control", as: .leadCoordinator, ["command": "go"])
            #expect(go.status == .ok)
            let actions = try await client.execute(
                uri: operation + "/actions", method: .get, headers: TestWorld.headers(.leadCoordinator))
            let statuses = Dictionary(
                uniqueKeysWithValues: (actions.object["items"] as! [[String: Any]]).map {
                    ($0["id"] as! String, $0["status"] as! String)
                })
            #expect(statuses[world.actionC.id] == "go", "C's action has no gate and was ready")
            #expect(statuses[world.actionB.id] == "ready", "B's action has an open gate")

            let gate = try await Self.post(
                client, operation + "/actions/\(world.actionB.id)/gates/g1", as: .participantOfficer, ["checked": true])
            #expect(gate.status == .ok)
            let gates = gate.object["gates"] as? [[String: Any]]
            #expect(gates?.first?["checked"] as? Bool == true)
            let nowGo = try await Self.post(
                client, operation + "/actions/\(world.actionB.id)/status", as: .leadCoordinator, ["status": "go"])
            #expect(nowGo.status == .ok)
        }
    }

    @Test("an action not yet under way leaves the plan; one that went ahead stays on the record")
    func deletingActions() async throws {
        let world = try await TestWorld.make()
        defer { world.remove() }
        let operation = "/api/v1/operations/\(world.operation.id)"
        try await world.withClient { client in
            func delete(_ action: Action, as persona: Persona) async throws -> TestResponse {
                try await client.execute(
                    uri: operation + "/actions/\(action.id)", method: .delete, headers: TestWorld.headers(persona))
            }
            let head = world.head
            // Only those who change the plan delete from it; nothing is written otherwise.
            let before = try await world.eventCount()
            #expect(try await delete(world.actionC, as: .otherParticipantOfficer).status == .forbidden)
            #expect(try await delete(world.actionC, as: .observer).status == .forbidden)
            #expect(try await delete(world.actionC, as: .nonParticipant).status == .notFound)
            #expect(try await world.eventCount() == before)
            // C's action goes ahead: it stays on the record.
            for status in ["ready", "go", "inProgress"] {
                let moved = try await Self.post(
                    client, operation + "/actions/\(world.actionC.id)/status", as: .leadCoordinator,
                    ["status": status])
                #expect(moved.status == .ok || status == "go", "\(status): \(moved.text)")
                if status == "ready" {
                    _ = try await Self.post(client, operation + "/control", as: .leadCoordinator, ["command": "go"])
                }
            }
            let kept = try await delete(world.actionC, as: .leadCoordinator)
            #expect(kept.status == .conflict, "\(kept.text)")
            #expect(try await world.store.action(id: world.actionC.id, operationId: world.operation.id) != nil)
            // B's planned arrest leaves the plan, and the board of every participant hears of it.
            #expect(try await delete(world.actionB, as: .leadCoordinator).status == .noContent)
            #expect(try await world.store.action(id: world.actionB.id, operationId: world.operation.id) == nil)
            #expect(try await delete(world.actionB, as: .leadCoordinator).status == .notFound)
            let feed = try await client.execute(
                uri: operation + "/live?since=\(head)&follow=false", method: .get, headers: TestWorld.headers(.observer)
            )
            #expect(feed.text.contains("event: action.deleted"))
            #expect(feed.text.contains(world.actionB.id) && !feed.text.contains(world.actionB.title))
        }
    }

    @Test("HOLD blocks starting; RESUME lifts it; a country hold stops only that country")
    func holdBlocksStart() async throws {
        let world = try await TestWorld.make()
        defer { world.remove() }
        let operation = "/api/v1/operations/\(world.operation.id)"
        try await world.withClient { client in
            _ = try await Self.post(
                client, operation + "/actions/\(world.actionC.id)/status", as: .leadCoordinator, ["status": "ready"])
            _ = try await Self.post(client, operation + "/control", as: .leadCoordinator, ["command": "go"])
            let hold = try await Self.post(
                client, operation + "/control", as: .leadCoordinator, ["command": "hold", "reason": "Target moved"])
            #expect(hold.status == .ok)
            #expect((hold.object["actionDay"] as? [String: Any])?["hold"] != nil)
            let again = try await Self.post(client, operation + "/control", as: .leadCoordinator, ["command": "hold"])
            #expect(again.status == .conflict)

            let start = operation + "/actions/\(world.actionC.id)/status"
            let held = try await Self.post(client, start, as: .otherParticipantOfficer, ["status": "inProgress"])
            #expect(held.status == .conflict)
            #expect((held.object["detail"] as? String)?.contains("on hold") == true)

            #expect(
                try await Self.post(client, operation + "/control", as: .leadCoordinator, ["command": "resume"]).status
                    == .ok)
            let countryHold = try await Self.post(
                client, operation + "/control", as: .leadCoordinator, ["command": "hold", "country": "US"])
            #expect(countryHold.status == .ok)
            #expect(
                try await Self.post(client, start, as: .otherParticipantOfficer, ["status": "inProgress"]).status
                    == .conflict)
            #expect(
                try await Self.post(
                    client, operation + "/control", as: .leadCoordinator, ["command": "resume", "country": "US"]
                )
                .status == .ok)
            let started = try await Self.post(client, start, as: .otherParticipantOfficer, ["status": "inProgress"])
            #expect(started.status == .ok)
            #expect(started.object["startedAt"] != nil)
        }
    }

    @Test("only the lead coordinator controls; ABORT ends every unfinished action in scope")
    func onlyLeadControlsAndAbort() async throws {
        let world = try await TestWorld.make()
        defer { world.remove() }
        let operation = "/api/v1/operations/\(world.operation.id)"
        try await world.withClient { client in
            for persona in [Persona.participantOfficer, .otherParticipantOfficer, .observer] {
                let refused = try await Self.post(client, operation + "/control", as: persona, ["command": "hold"])
                #expect(refused.status == .forbidden)
            }
            let before = try await world.eventCount()
            let abortDE = try await Self.post(
                client, operation + "/control", as: .leadCoordinator, ["command": "abort", "country": "DE"])
            #expect(abortDE.status == .ok)
            // One event for the operation, one for each of B's actions in Germany: the arrest and the search.
            #expect(try await world.eventCount() == before + 3)
            let b = try await client.execute(
                uri: operation + "/actions/\(world.actionB.id)", method: .get,
                headers: TestWorld.headers(.leadCoordinator))
            #expect(b.object["status"] as? String == "aborted")
            let c = try await client.execute(
                uri: operation + "/actions/\(world.actionC.id)", method: .get,
                headers: TestWorld.headers(.leadCoordinator))
            #expect(c.object["status"] as? String == "planned")
            #expect(
                try await Self.post(client, operation + "/control", as: .leadCoordinator, ["command": "abort"]).status
                    == .ok)
            let afterAbort = try await Self.post(
                client, operation + "/control", as: .leadCoordinator, ["command": "go"])
            #expect(afterAbort.status == .conflict)
        }
    }

    @Test("overdue actions are flagged once each, as events")
    func overdueOnce() async throws {
        let world = try await TestWorld.make()
        defer { world.remove() }
        // H-hour of the test world is 2027-01-15 08:00 UTC; B's arrest is at H, C's takedown at H-2h.
        let hHour = try #require(world.operation.hHour)
        let clock = MutableClock(hHour.addingTimeInterval(-3 * 3600))
        let watch = OverdueWatch(store: world.store, now: { clock.now })
        #expect(try await watch.checkOnce() == 0)
        clock.now = hHour.addingTimeInterval(-90 * 60)
        #expect(try await watch.checkOnce() == 1, "C's takedown should have started 30 minutes ago")
        #expect(try await watch.checkOnce() == 0, "flagged once only")
        clock.now = hHour.addingTimeInterval(60)
        #expect(try await watch.checkOnce() == 1, "B's arrest is now late too")
        let events = try await world.store.events(operationId: world.operation.id, after: 0, limit: 100)
        #expect(events.filter { $0.kind == "action.overdue" }.count == 2)
        let late = try #require(try await world.store.action(id: world.actionC.id, operationId: world.operation.id))
        #expect(late.overdueFlags == [.notStarted])
    }
}

/// A clock a test moves by hand.
final class MutableClock: Sendable {
    private let state: Mutex<Date>

    init(_ now: Date) { state = Mutex(now) }

    var now: Date {
        get { state.withLock { $0 } }
        set { state.withLock { $0 = newValue } }
    }
}
