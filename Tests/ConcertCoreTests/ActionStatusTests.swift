import Foundation
import Testing

@testable import ConcertCore

@Suite("Action status machine")
struct ActionStatusTests {
    /// The legal transitions, written out independently of the implementation.
    static let legal: Set<String> = [
        "planned>ready", "planned>aborted", "ready>planned", "ready>go", "ready>aborted", "go>ready",
        "go>inProgress", "go>aborted", "inProgress>done", "inProgress>failed", "inProgress>aborted",
    ]

    static let allPairs: [(ActionStatus, ActionStatus)] = ActionStatus.allCases.flatMap { from in
        ActionStatus.allCases.map { (from, $0) }
    }

    @Test("every pair of statuses is legal or refused with a reason", arguments: allPairs)
    func transition(from: ActionStatus, to: ActionStatus) {
        if Self.legal.contains("\(from.rawValue)>\(to.rawValue)") {
            #expect(throws: Never.self) { try from.validateTransition(to: to) }
        } else {
            let error = #expect(throws: DomainError.self) { try from.validateTransition(to: to) }
            #expect(error?.kind == .conflict)
            #expect(error?.message.contains(from.rawValue) == true)
        }
    }

    func action(_ status: ActionStatus) -> Action {
        ActionInput(
            kind: .arrest, title: "Arrest", executingAgencyId: "a", place: "Nicosia", country: "CY",
            timeZone: "Asia/Nicosia", offsetMinutes: 0
        ).makeAction(id: "x", operationId: "o", status: status, createdAt: Date(), now: Date())
    }

    @Test("done needs an outcome; an outcome only comes with an end")
    func outcomes() throws {
        var action = action(.inProgress)
        #expect(throws: DomainError.self) { try StatusChange(status: .done).apply(to: &action, now: Date()) }
        #expect(action.status == .inProgress)
        try StatusChange(status: .done, outcome: Outcome(kind: .arrested, count: 1)).apply(to: &action, now: Date())
        #expect(action.status == .done)
        #expect(action.outcome?.kind == .arrested)

        var ready = self.action(.ready)
        #expect(throws: DomainError.self) {
            try StatusChange(status: .go, outcome: Outcome(kind: .other)).apply(to: &ready, now: Date())
        }
        #expect(ready.status == .ready)
        var running = self.action(.inProgress)
        #expect(throws: DomainError.self) {
            try StatusChange(status: .failed, outcome: Outcome(kind: .notFound, count: -1)).apply(
                to: &running, now: Date())
        }
    }

    @Test("offsets read as people write them")
    func offsetLabels() {
        var action = action(.planned)
        for (minutes, label) in [(0, "H"), (-30, "H-30m"), (120, "H+2h"), (-2880, "H-48h"), (135, "H+2h15m")] {
            action.offsetMinutes = minutes
            #expect(action.offsetLabel == label)
        }
    }
}

@Suite("Gates of a changed plan")
struct GateIdentityTests {
    @Test("a gate keeps its id and check when its title stays; no two gates ever share an id")
    func gateIdsStayUnique() throws {
        let now = Date(timeIntervalSince1970: 1_800_000_000)
        func input(_ gates: [String]) -> ActionInput {
            ActionInput(
                kind: .arrest, title: "Arrest", executingAgencyId: "b", place: "Berlin", country: "DE",
                timeZone: "Europe/Berlin", offsetMinutes: 0, gates: gates)
        }
        var action = input(["A", "B"]).makeAction(id: "x", operationId: "o", createdAt: now, now: now)
        #expect(action.gates?.map(\.id) == ["g1", "g2"])
        action.gates?[0].checked = true
        // Reordered with a new gate first: A keeps g1 and its check, C takes the first free id.
        action = input(["C", "A"]).makeAction(id: "x", operationId: "o", keeping: action, createdAt: now, now: now)
        #expect(action.gates?.map(\.title) == ["C", "A"])
        #expect(action.gates?.map(\.id) == ["g2", "g1"])
        #expect(action.gates?.map(\.checked) == [false, true])
        // Two gates of one title are two gates.
        action = input(["A", "A", "D"]).makeAction(id: "x", operationId: "o", keeping: action, createdAt: now, now: now)
        #expect(Set(action.gates!.map(\.id)).count == 3)
    }
}
