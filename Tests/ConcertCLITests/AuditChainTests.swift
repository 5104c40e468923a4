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

    /// A demo database in which France's first server was seized: the server, sealed, handed
    /// over to the lead agency; returns the exhibit's number and the event of the hand-over.
    static func databaseWithExhibit() async throws -> (folder: URL, path: String, number: String, handOver: Int64) {
        let (folder, path) = try await demoDatabase()
        let store = try SQLiteStore(path: path)
        let users = try await store.users()
        let officer = Actor(try #require(users.first { $0.username == "fr-officer" }))
        let coordinator = Actor(try #require(users.first { $0.username == "coordinator" }))
        let operation = try #require(try await store.operations(participatingAgencyId: officer.agencyId).first)
        let planned = try #require(
            try await store.actions(operationId: operation.id).first {
                $0.executingAgencyId == officer.agencyId && $0.kind == .serverTakedown
            })
        let action = try await store.updateAction(
            id: planned.id, operationId: operation.id, by: officer, eventKind: .actionStatusChanged
        ) { action, _ in
            var action = action
            action.status = .inProgress
            return action
        }
        let now = ConcertJSON.now()
        let draft = try ExhibitInput(
            actionId: action.id, kind: .server, description: "Rack server",
            hashes: [ExhibitHash(algorithm: .sha256, value: String(repeating: "1f", count: 32))], handling: .h0,
            evaluation: Evaluation(code: "A1")!, distribution: .allParticipants
        ).makeExhibit(
            id: Identifier.make(), operation: operation, action: action, assignedNumber: "", by: officer, now: now)
        let exhibit = try await store.createExhibit(
            draft, seizure: draft.seizureEntry(id: Identifier.make(), by: officer, now: now), numberPrefix: "FR-2026-",
            by: officer
        ) { _, _ in }
        for input in [
            CustodyInput(kind: .sealed, sealNumber: "FR-SEAL-1"),
            CustodyInput(kind: .handedOver, toAgencyId: coordinator.agencyId),
        ] {
            _ = try await store.addCustodyEntry(exhibitId: exhibit.id, operationId: operation.id, by: officer) {
                try $0.exhibit.recording(
                    input, entries: $0.entries, id: Identifier.make(), by: officer, in: $0.operation,
                    instrumentExists: { _ in false }, now: now)
            }
        }
        let handOver = try #require(
            try await store.events(kinds: [.exhibitCustodyRecorded], operationIds: [operation.id], limit: 1).first)
        return (folder, path, exhibit.exhibitNumber, handOver.sequence)
    }

    @Test("a chain of custody verifies, and a custody entry or exhibit changed in the database is named")
    func custodyTampering() async throws {
        let (folder, path, number, handOver) = try await Self.databaseWithExhibit()
        defer { try? FileManager.default.removeItem(at: folder) }
        #expect(number == "FR-2026-0001")
        let intact = try ConcertExecutable.run(["audit", "verify", "--database", path])
        #expect(intact.status == 0, "\(intact.errors)")
        let attacks = [
            // The seal number rewritten in the entry's row.
            (
                "UPDATE custody_entry SET json = replace(json, 'FR-SEAL-1', 'FR-SEAL-9') WHERE step = 2",
                "Custody entry 2 of exhibit \(number)", "was changed in the database"
            ),
            // The hand-over's receiver rewritten in its event: the chain breaks there, and says what it held.
            (
                "UPDATE event SET payload = replace(payload, 'handedOver', 'examined') WHERE sequence = \(handOver)",
                "event #\(handOver)", "custody entry 3"
            ),
            // The exhibit given to another holder, so that other agencies would see it.
            (
                "UPDATE exhibit SET holder_agency_id = 'someone-else'", "Exhibit \(number)",
                "was changed in the database"
            ),
            // The hash the court will compare with, rewritten in the exhibit's row.
            (
                "UPDATE exhibit SET json = replace(json, '1f1f1f', '2f1f1f')", "Exhibit \(number)",
                "was changed in the database"
            ),
            // The exhibit set back to an earlier state, before its hand-over.
            (
                "UPDATE exhibit SET json_event = json_event - 1", "Exhibit \(number)", "points at event"
            ),
        ]
        for (sql, named, problem) in attacks {
            let copy = folder.appendingPathComponent("tampered-\(UUID()).sqlite").path
            // The database with its write-ahead log, as the store left them.
            for suffix in ["", "-wal", "-shm"] where FileManager.default.fileExists(atPath: path + suffix) {
                try FileManager.default.copyItem(atPath: path + suffix, toPath: copy + suffix)
            }
            try Self.tamper(copy, sql)
            let result = try ConcertExecutable.run(["audit", "verify", "--database", copy])
            #expect(result.status != 0, "\(sql)")
            #expect(result.errors.contains(named), "\(sql): \(result.errors)")
            #expect(result.errors.contains(problem), "\(sql): \(result.errors)")
        }
    }
}
