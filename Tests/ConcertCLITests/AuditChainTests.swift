import ConcertCore
import ConcertServer
import ConcertStorage
import Foundation
import GRDB
import Testing

@Suite("Audit chain", .serialized)
struct AuditChainTests {
    /// A demo database in a fresh folder.
    static func demoDatabase() async throws -> (folder: URL, path: String) {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("concert-audit-\(UUID())")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let path = folder.appendingPathComponent("concert.sqlite").path
        try await DemoSeeder.seedIfEmpty(try SQLiteStore(path: path))
        return (folder, path)
    }

    static func tamper(_ path: String, _ sql: String) throws {
        let queue = try DatabaseQueue(path: path)
        try queue.write { db in try db.execute(sql: sql) }
    }

    @Test("an untouched log verifies, through the store and the command line")
    func intact() async throws {
        let (folder, path) = try await Self.demoDatabase()
        defer { try? FileManager.default.removeItem(at: folder) }
        let verification = try await SQLiteStore(path: path).verifyAuditChain()
        #expect(verification.isIntact)
        #expect(verification.eventsChecked > 250)
        let result = try ConcertExecutable.run(["audit", "verify", "--database", path])
        #expect(result.status == 0, "\(result.errors)")
        #expect(result.output.contains("Audit chain intact: \(verification.eventsChecked) events checked."))
    }

    @Test(
        "altering or removing any event makes `concert audit verify` fail and name it",
        arguments: [
            ("UPDATE event SET payload = '{\"tampered\":true}' WHERE sequence = 40", "event #40", "altered"),
            ("UPDATE event SET actor_user_id = 'someone-else' WHERE sequence = 41", "event #41", "altered"),
            ("UPDATE event SET recorded_at = '2000-01-01T00:00:00Z' WHERE sequence = 7", "event #7", "altered"),
            ("DELETE FROM event WHERE sequence = 100", "event #100", "missing"),
            ("DELETE FROM event WHERE sequence BETWEEN 100 AND 102", "event #100", "missing"),
            ("DELETE FROM event WHERE sequence = (SELECT MAX(sequence) FROM event)", "event #", "removed"),
            ("UPDATE event SET previous_hash = hash WHERE sequence = 12", "event #12", "link"),
        ])
    func tampering(sql: String, named: String, problem: String) async throws {
        let (folder, path) = try await Self.demoDatabase()
        defer { try? FileManager.default.removeItem(at: folder) }
        try Self.tamper(path, sql)
        let result = try ConcertExecutable.run(["audit", "verify", "--database", path])
        #expect(result.status != 0)
        #expect(result.errors.contains("BROKEN"), "\(result.errors)")
        #expect(result.errors.contains(named), "\(result.errors)")
        #expect(result.errors.contains(problem), "\(result.errors)")
    }
}
