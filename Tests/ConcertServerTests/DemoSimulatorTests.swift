import ConcertCore
import ConcertServer
import ConcertStorage
import Foundation
import Testing

@Suite("Demo simulation")
struct DemoSimulatorTests {
    @Test("plays a whole action day around an H-hour minutes away: holds, gates, a failure, a late team, a sitrep")
    func playsTheActionDay() async throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("concert-simulate-\(UUID())")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let store = try SQLiteStore(path: folder.appendingPathComponent("simulation.sqlite").path)
        let start = Date(timeIntervalSince1970: 1_800_000_030)
        let hHour = try await DemoSimulator.seed(store, speed: 720, now: start)
        // H-hour is a whole minute a few minutes away: the 48 hours before it pass in 4.
        #expect(hHour.timeIntervalSince1970.truncatingRemainder(dividingBy: 60) == 0)
        #expect((300...480).contains(hHour.timeIntervalSince(start)), "H-hour \(hHour) after \(start)")
        await #expect(throws: DomainError.self, "a simulation needs an empty database") {
            try await DemoSimulator.seed(store, speed: 720, now: start)
        }

        let clock = SimulationClock.virtual(startingAt: start)
        let simulator = DemoSimulator(store: store, clock: clock)
        let operation = try #require(try await simulator.operation())
        #expect(operation.hHour == hHour)
        let planned = try await store.actions(operationId: operation.id)
        let agencies = try await store.agencies()
        // Every participating country acts on the day, and the squeezed plan spans minutes.
        let participating = Set(
            operation.participants.filter { $0.role == .participant }.compactMap { participant in
                agencies.first { $0.id == participant.agencyId }?.country
            })
        #expect(participating.count == 19)
        #expect(Set(planned.map(\.country)).isSuperset(of: participating))
        let starts = planned.compactMap { $0.plannedStart(hHour: hHour) }
        #expect(try #require(starts.min()) >= hHour.addingTimeInterval(-4 * 60))
        #expect(try #require(starts.max()) <= hHour.addingTimeInterval(5 * 60))

        #expect(try await simulator.run() > planned.count * 3)
        #expect(clock.now() > hHour, "the day was played past H-hour")
        let actions = try await store.actions(operationId: operation.id)
        #expect(actions.allSatisfy { $0.status == .done || $0.status == .failed })
        let failed = actions.filter { $0.status == .failed }
        #expect(failed.count == 2)
        #expect(failed.contains { $0.kind == .arrest && $0.country == "US" })
        #expect(failed.contains { $0.kind == .serverTakedown && $0.outcome?.description?.contains("moved") == true })
        // One team was late, and only that one was flagged overdue.
        let overdue = actions.filter { !($0.overdueFlags ?? []).isEmpty }
        #expect(overdue.map(\.kind) == [.houseSearch])
        #expect(overdue.first?.country == "DE")
        // The seizure that waited on its gates went ahead once both held.
        let gated = try #require(actions.first { ($0.gates ?? []).count == 2 })
        #expect(gated.kind == .serverTakedown && gated.status == .done)
        #expect(gated.gates?.allSatisfy(\.checked) == true)
        // Korea was held and resumed; GO was given; no hold is left.
        let day = try #require(try await store.operation(id: operation.id)?.actionDay)
        #expect(day.goGivenAt != nil && day.countryHolds.isEmpty && day.hold == nil)
        let holds = try await store.events(
            kinds: [.operationHold, .operationResume], operationIds: [operation.id], mentioning: nil, limit: 10)
        #expect(holds.count == 2)
        // Each failure is in the log, marked significant, and the day ends with an approved sitrep.
        let significant = try await store.logEntries(operationId: operation.id).filter(\.significant)
        #expect(significant.count == failed.count)
        let sitrep = try #require(try await store.sitreps(operationId: operation.id).last)
        #expect(sitrep.status == .approved && sitrep.number == 1)
        #expect(sitrep.counters.outcomes.arrests == actions.filter { $0.outcome?.kind == .arrested }.count)
        #expect(sitrep.significantEvents.count == failed.count)
        #expect(try await store.verifyAuditChain().isIntact)
        #expect(try await simulator.run() == 0, "a played action day is not played again")
    }

    @Test("the plain demo keeps its fixed H-hour and its plan as planned")
    func plainDemoKeepsItsDate() async throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("concert-demo-\(UUID())")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let store = try SQLiteStore(path: folder.appendingPathComponent("demo.sqlite").path)
        try await DemoSeeder.seedIfEmpty(store)
        let operation = try #require(try await DemoSimulator(store: store).operation())
        #expect(operation.hHour == DemoSeeder.defaultHHour)
        let offsets = try await store.actions(operationId: operation.id).map(\.offsetMinutes)
        #expect(offsets.min() == -48 * 60 && offsets.max() == 180)
    }
}
