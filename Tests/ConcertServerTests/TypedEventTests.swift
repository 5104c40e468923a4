import ConcertCore
import ConcertServer
import ConcertStorage
import Foundation
import Testing

@Suite("Typed events in a real log")
struct TypedEventTests {
    @Test("every event the demo and its action day write reads as the type its kind carries")
    func demoEventsReadAsTheirKinds() async throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("concert-typed-\(UUID())")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let store = try SQLiteStore(path: folder.appendingPathComponent("demo.sqlite").path)
        try await DemoSeeder.seedIfEmpty(store)
        _ = try await DemoSimulator(
            store: store, clock: .virtual(startingAt: DemoSeeder.defaultHHour.addingTimeInterval(-50 * 3_600))
        ).run()
        let events = try await store.events(after: 0, limit: 100_000)
        var kinds: Set<EventKind> = []
        for event in events {
            let kind = try #require(event.eventKind, "event \(event.sequence) has an unknown kind \(event.kind)")
            kinds.insert(kind)
            #expect(throws: Never.self, "event \(event.sequence) (\(event.kind))") {
                _ = try kind.payloadType.decodeEventJSON(event.payload)
            }
        }
        // The demo writes most families: a change that broke one would show here.
        for family: EventFamily in [
            .agency, .user, .operation, .target, .action, .instrument, .message, .hit, .log, .sitrep,
        ] {
            #expect(kinds.contains { $0.family == family }, "the demo wrote no \(family) event")
        }
        // And a reader asking for another kind's payload is refused, not handed a wrong shape.
        let target = try #require(events.first { $0.eventKind == .targetCreated })
        #expect(throws: EventPayloadMismatch.self) { _ = try target.payload(.actionCreated, .actionUpdated) }
        #expect(try target.payload(.targetCreated).id.isEmpty == false)
    }
}
