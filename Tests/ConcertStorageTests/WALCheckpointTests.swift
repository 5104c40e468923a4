import ConcertCore
import Foundation
import GRDB
import Testing

@testable import ConcertStorage

/// The write-ahead log is copied back into the database file on a connection of its own, next
/// to the writer (for imports' speed).
@Suite("The SQLite log copied back next to the writer")
struct WALCheckpointTests {
    @Test(
        "what an import commits reaches the database file soon, before the log is big enough for the writer to copy it")
    func logCopiedBack() async throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("log-\(UUID()).sqlite").path
        defer {
            for suffix in ["", "-wal", "-shm"] { try? FileManager.default.removeItem(atPath: path + suffix) }
        }
        let store = try SQLiteStore(path: path)
        try await store.createAgency(Agency(id: "fr", name: "OCLCTIC", country: "FR", kind: .police), by: nil)
        let actor = Actor(userId: "u", agencyId: "fr", role: .coordinator)
        let operation = JointOperation(
            id: "op", codeName: "LOG", summary: nil, leadAgencyId: "fr", hHour: nil,
            participants: [Participant(agencyId: "fr", role: .lead)], createdAt: ConcertJSON.now())
        try await store.createOperation(operation, by: actor)
        func fileSize() throws -> Int {
            try FileManager.default.attributesOfItem(atPath: path)[.size] as? Int ?? 0
        }
        let sizeBefore = try fileSize()
        // About 8 MB: past the 4 MB at which the checkpointer starts, far below the 64 MB past
        // which the writer would copy the log itself.
        let notes = String(repeating: "Seized front end, mirrors listed in the annex. ", count: 85)
        for batch in 0..<4 {
            let targets = try (0..<500).map { index in
                var target = try TargetDocumentTests.target("Server \(batch)-\(index)", in: "op")
                target.notes = notes
                return target
            }
            try await store.importTargets(targets, by: actor)
        }
        let deadline = ContinuousClock.now + .seconds(10)
        while try fileSize() < sizeBefore + 8_000_000, ContinuousClock.now < deadline {
            try await Task.sleep(for: .milliseconds(20))
        }
        #expect(try fileSize() >= sizeBefore + 8_000_000, "the log was not copied back into the file")
        // And all of it reads back from another store on the same file.
        let reopened = try SQLiteStore(path: path)
        #expect(try await reopened.encodedTargets(operationId: "op").count == 2_000)
    }
}
