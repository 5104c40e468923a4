import ConcertCore
import Foundation
import GRDB
import Logging
import PostgresNIO
import Testing

@testable import ConcertStorage

/// Databases left by the version before the two engines shared one schema and one body of
/// store code, carried to it without loss.
@Suite("Migrations to the one schema")
struct OneSchemaMigrationTests {
    @Test("a SQLite database from before keeps its users, their passwords, sessions and disabled accounts")
    func sqliteUsers() async throws {
        let path = try await oldDatabase(
            upTo: "v10: disabled accounts, events by kind", named: "users",
            """
            INSERT INTO user (id, username, display_name, agency_id, role, password_hash, disabled_at)
                VALUES ('u1', 'fr-officer', 'Officer', 'fr', 'officer', 'hash-1', NULL),
                       ('u2', 'fr-gone', 'Gone', 'fr', 'observer', 'hash-2', 1700000000);
            INSERT INTO session (token_hash, user_id, expires_at) VALUES ('t1', 'u1', 4102444800),
                ('t2', 'u2', 4102444800);
            """)
        defer { try? FileManager.default.removeItem(atPath: path) }
        let store = try SQLiteStore(path: path)
        #expect(try await store.users().map(\.username) == ["fr-gone", "fr-officer"])
        let credentials = try await store.credentials(username: "fr-officer")
        #expect(credentials?.passwordHash == "hash-1")
        #expect(credentials?.user.role == .officer)
        #expect(try await store.user(id: "u2")?.disabledAt == Date(timeIntervalSince1970: 1_700_000_000))
        #expect(try await store.sessionUser(tokenHash: "t1", now: Date())?.id == "u1")
        #expect(try await store.sessionUser(tokenHash: "t2", now: Date()) == nil, "a disabled account signs in")
        // The references follow the table: a session of a user no one has is refused.
        await #expect(throws: (any Error).self) {
            try await store.createSession(
                tokenHash: "t3",
                user: User(id: "nobody", username: "x", displayName: "x", agencyId: "fr", role: .observer),
                expiresAt: Date(timeIntervalSinceNow: 60))
        }
        try await store.createUser(
            User(id: "u3", username: "fr-new", displayName: "New", agencyId: "fr", role: .observer),
            passwordHash: "hash-3", by: nil)
        #expect(try await store.credentials(username: "fr-new")?.passwordHash == "hash-3")
    }

    @Test("a PostgreSQL database from before keeps its messages findable, and finds new ones")
    func postgresMessages() async throws {
        let old = Message(
            id: "m1", operationId: "op", threadId: "m1", replyTo: nil, corrects: nil,
            subject: "Seizure at Limassol",
            body: "The server room is sealed.", handling: .h0, handlingRestriction: nil,
            evaluation: Evaluation(code: "B2")!,
            distribution: .allParticipants, targets: [], attachments: [], originatorAgencyId: "fr",
            authorUserId: "u1", sentAt: ConcertJSON.now())
        guard
            let url = try await Self.oldPostgresDatabase(
                upTo: "v5: disabled accounts, events by kind",
                { connection, logger in
                    try await connection.execute(
                        """
                        INSERT INTO agency (id, name, country, kind) VALUES ('fr', 'OCLCTIC', 'FR', 'police');
                        """, logger: logger)
                    let operation = JointOperation(
                        id: "op", codeName: "OP", summary: nil, leadAgencyId: "fr", hHour: nil,
                        participants: [Participant(agencyId: "fr", role: .lead)], createdAt: ConcertJSON.now())
                    try await connection.execute(
                        """
                        INSERT INTO operation (id, json, created_at)
                        VALUES ('op', \(try ConcertJSON.encodeToString(operation)), 0)
                        """, logger: logger)
                    try await connection.execute(
                        """
                        INSERT INTO message (id, operation_id, json, search)
                        VALUES ('m1', 'op', \(try ConcertJSON.encodeToString(old)),
                                to_tsvector('simple', \(old.subject) || ' ' || \(old.body)))
                        """, logger: logger)
                })
        else { return }
        let store = try await PostgresStore.open(url: url)
        defer { store.close() }
        #expect(try await store.foundMessages(["limassol"], in: "op") == ["m1"])
        let new = Message(
            id: "m2", operationId: "op", threadId: "m2", replyTo: nil, corrects: nil, subject: "Second seizure",
            body: "Limassol again.", handling: .h0, handlingRestriction: nil, evaluation: Evaluation(code: "B2")!,
            distribution: .allParticipants, targets: [], attachments: [], originatorAgencyId: "fr",
            authorUserId: "u1", sentAt: ConcertJSON.now())
        try await store.createMessage(new, by: Actor(userId: "u1", agencyId: "fr", role: .officer))
        #expect(Set(try await store.foundMessages(["limassol"], in: "op")) == ["m1", "m2"])
        #expect(try await store.foundMessages(["second"], in: "op") == ["m2"])
        #expect(try await store.everyMessage(in: "op").map(\.message.id) == ["m1", "m2"])
    }

    @Test("a PostgreSQL database from before keeps its targets and their selectors in the shared layout")
    func postgresTargets() async throws {
        // A target as the previous schema kept it: its JSON in its row, a row per selector
        // (one with a date of birth, one whose match key holds a space and a letter of two UTF-8
        // bytes).
        var written = try TargetDocumentTests.target("Old front end", in: "op")
        written.selectors.append(
            Selector(kind: .person, value: .text("Ana Ivanová"), matchKey: "ana ivanová", dateOfBirth: "1990-04-01"))
        let old = written
        guard
            let url = try await Self.oldPostgresDatabase(
                upTo: "v6: messages indexed after they are stored",
                { connection, logger in
                    try await connection.execute(
                        "INSERT INTO agency (id, name, country, kind) VALUES ('fr', 'OCLCTIC', 'FR', 'police')",
                        logger: logger)
                    let operation = JointOperation(
                        id: "op", codeName: "OP", summary: nil, leadAgencyId: "fr", hHour: nil,
                        participants: [Participant(agencyId: "fr", role: .lead)], createdAt: ConcertJSON.now())
                    try await connection.execute(
                        """
                        INSERT INTO operation (id, json, created_at)
                        VALUES ('op', \(try ConcertJSON.encodeToString(operation)), 0)
                        """, logger: logger)
                    try await connection.execute(
                        """
                        INSERT INTO target (id, operation_id, originator_agency_id, handling, distribution, json)
                        VALUES (\(old.id), 'op', 'fr', 'H1', \(old.distribution.json), \(old.json))
                        """, logger: logger)
                    for selector in old.selectors {
                        try await connection.execute(
                            """
                            INSERT INTO selector (target_id, operation_id, kind, match_key, date_of_birth)
                            VALUES (\(old.id), 'op', \(selector.kind.rawValue), \(selector.matchKey),
                                    \(selector.dateOfBirth))
                            """, logger: logger)
                    }
                })
        else { return }
        let store = try await PostgresStore.open(url: url)
        defer { store.close() }
        #expect(try await store.target(id: old.id, operationId: "op") == old)
        let selectors = try await store.allSelectors()
        #expect(selectors.map(\.matchKey) == old.selectors.map(\.matchKey))
        #expect(selectors.map(\.dateOfBirth) == old.selectors.map(\.dateOfBirth))
        #expect(Set(selectors.map(\.targetId)) == [old.id])

        // Written after: the row points at its event, and the old row reads, changes and lists.
        let actor = Actor(userId: "u", agencyId: "fr", role: .coordinator)
        let new = try TargetDocumentTests.target("New front end", in: "op")
        try await store.importTargets([new], by: actor)
        let renamed = try await store.updateTarget(id: old.id, operationId: "op", by: actor) { target in
            var target = target
            target.name = "Old front end, renamed"
            return target
        }
        #expect(
            try await store.targets(ids: [old.id, new.id]).sorted { $0.id < $1.id }
                == [renamed, new].sorted { $0.id < $1.id })
        #expect(try await store.encodedTargets(operationId: "op").map(\.id) == [old.id, new.id])
        #expect(try await store.allSelectors().count == old.selectors.count + new.selectors.count)
        let stored = try await store.reading { connection in
            try connection.rows("SELECT json, json_event FROM target_row ORDER BY position")
        }
        #expect(stored.map { $0.values[0] } == [.text(""), .text("")])
        #expect(stored.allSatisfy { $0.values[1] != .null })
        #expect(try await store.verifyAuditChain().isIntact)
    }

    /// A new PostgreSQL database migrated up to the migration named `last` and filled by `fill`
    /// as that version wrote its rows; nil, with the test failed, without a test server.
    static func oldPostgresDatabase(
        upTo last: String, _ fill: @escaping @Sendable (PostgresConnection, Logger) async throws -> Void
    ) async throws -> String? {
        guard let server = ProcessInfo.processInfo.environment["CONCERT_TEST_POSTGRES_URL"] else {
            Issue.record("CONCERT_TEST_POSTGRES_URL is not set: run the tests with scripts/test.")
            return nil
        }
        let name = "concert_" + UUID().uuidString.replacingOccurrences(of: "-", with: "").lowercased()
        let url = try await PostgresStore.createDatabase(name, serverURL: server)
        let logger = Logger(label: "test")
        let client = PostgresClient(configuration: try PostgresURL.configuration(url), backgroundLogger: logger)
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { await client.run() }
            try await PostgresSchema.migrate(client, upTo: last, logger: logger)
            try await client.withConnection { connection in try await fill(connection, logger) }
            group.cancelAll()
        }
        return url
    }
}
