import ConcertCore
import Foundation
import GRDB
import Testing

@testable import ConcertStorage

/// The write-ahead log is copied back into the database file on a connection of its own, next
/// to the writer (for imports' speed).
@Suite("The SQLite log copied back next to the writer")
struct WALCheckpointTests {
    /// A fresh store at a new path, with agency `fr` leading operation `op`.
    static func store() async throws -> (store: SQLiteStore, path: String, actor: Actor) {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("log-\(UUID()).sqlite").path
        let store = try SQLiteStore(path: path)
        try await store.createAgency(Agency(id: "fr", name: "OCLCTIC", country: "FR", kind: .police), by: nil)
        let actor = Actor(userId: "u", agencyId: "fr", role: .coordinator)
        let operation = JointOperation(
            id: "op", codeName: "LOG", summary: nil, leadAgencyId: "fr", hHour: nil,
            participants: [Participant(agencyId: "fr", role: .lead)], createdAt: ConcertJSON.now())
        try await store.createOperation(operation, by: actor)
        return (store, path, actor)
    }

    static func remove(_ path: String) {
        for suffix in ["", "-wal", "-shm"] { try? FileManager.default.removeItem(atPath: path + suffix) }
    }

    static func fileSize(_ path: String) throws -> Int {
        try FileManager.default.attributesOfItem(atPath: path)[.size] as? Int ?? 0
    }

    /// A target with about 4 KB of notes.
    static func target(_ name: String) throws -> Target {
        var target = try TargetDocumentTests.target(name, in: "op")
        target.notes = String(repeating: "Seized front end, mirrors listed in the annex. ", count: 85)
        return target
    }

    @Test(
        "what an import commits reaches the database file soon, before the log is big enough for the writer to copy it")
    func logCopiedBack() async throws {
        let (store, path, actor) = try await Self.store()
        defer { Self.remove(path) }
        let sizeBefore = try Self.fileSize(path)
        // About 8 MB: past the 4 MB at which the checkpointer starts, far below the 64 MB past
        // which the writer would copy the log itself.
        for batch in 0..<4 {
            try await store.importTargets(try (0..<500).map { try Self.target("Server \(batch)-\($0)") }, by: actor)
        }
        // The checkpointer's thread copies it when the machine lets it: on CI, with every suite
        // running at once, the imports alone took 23 s. What matters is that it is copied at
        // all before the log reaches the 64 MB at which the writer would copy it, which this
        // test never writes.
        let deadline = ContinuousClock.now + .seconds(30)
        while try Self.fileSize(path) < sizeBefore + 8_000_000, ContinuousClock.now < deadline {
            try await Task.sleep(for: .milliseconds(20))
        }
        #expect(try Self.fileSize(path) >= sizeBefore + 8_000_000, "the log was not copied back into the file")
        // And all of it reads back from another store on the same file.
        let reopened = try SQLiteStore(path: path)
        #expect(try await reopened.encodedTargets(operationId: "op").count == 2_000)
    }

    @Test("small commits, as people make them, keep the log small: it starts afresh once copied back")
    func smallCommitsKeepTheLogSmall() async throws {
        let (store, path, actor) = try await Self.store()
        defer { Self.remove(path) }
        // About 12 MB, one target a commit: three times the 4 MB at which the log is copied back.
        for index in 0..<1_500 { try await store.createTarget(try Self.target("Server \(index)"), by: actor) }
        // Whatever the checkpointer managed on a busy machine, the writer copies the rest at 6 MiB.
        let log = try Self.fileSize(path + "-wal")
        #expect(log < WALCheckpointer.bytesBeforeWriterCopiesTheRest + 1_000_000, "the log holds \(log) bytes")
        #expect(try await store.encodedTargets(operationId: "op").count == 1_500)
    }
}
