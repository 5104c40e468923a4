import ConcertCore
import ConcertServer
import ConcertStorage
import Foundation
import Testing

@Suite("Demo simulation")
struct DemoSimulatorTests {
    @Test("plays GO and field reports: seizures, arrests and failures, as ordinary events, once")
    func playsTheActionDay() async throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("concert-simulate-\(UUID())")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let store = try SQLiteStore(path: folder.appendingPathComponent("demo.sqlite").path)
        try await DemoSeeder.seedIfEmpty(store)
        let simulator = DemoSimulator(store: store, step: .zero)
        let reports = try await simulator.run()
        #expect(reports == 22 * 3)
        let operation = try #require(try await simulator.operation())
        #expect(operation.actionDay?.goGivenAt != nil)
        let actions = try await store.actions(operationId: operation.id)
        let done = actions.filter { $0.status == .done }
        let failed = actions.filter { $0.status == .failed }
        #expect(done.contains { $0.outcome?.kind == .arrested })
        #expect(done.contains { $0.outcome?.kind == .serversSeized })
        #expect(failed.contains { $0.outcome?.description?.contains("moved") == true })
        // Each failure is in the log, marked significant, and the day's first sitrep awaits approval.
        let significant = try await store.logEntries(operationId: operation.id).filter(\.significant)
        #expect(significant.count == failed.count)
        let sitrep = try #require(try await store.sitreps(operationId: operation.id).last)
        #expect(sitrep.status == .draft)
        #expect(sitrep.significantEvents.count == failed.count)
        #expect(sitrep.counters.outcomes.arrests == done.filter { $0.outcome?.kind == .arrested }.count)
        #expect(sitrep.openProblems.contains { $0.hasPrefix("Failed: ") })
        #expect(try await store.verifyAuditChain().isIntact)
        #expect(try await simulator.run() == 0, "a played action day is not played again")
    }
}
