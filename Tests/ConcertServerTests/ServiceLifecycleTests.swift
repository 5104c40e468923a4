import AsyncHTTPClient
import ConcertCore
import Foundation
import Logging
import PostgresNIO
import ServiceLifecycle
import Testing

@testable import ConcertServer
@testable import ConcertStorage

/// The application's services (the store's connections, the cross-check index's loading and
/// following, the overdue watch) start with it and stop with it.
@Suite("The application's services start and stop", .timeLimit(.minutes(2)))
struct ServiceLifecycleTests {
    /// Runs the application on `store` in a service group of its own until it answers, calls
    /// `whileRunning`, then shuts it down gracefully and returns once every service has returned.
    static func runAndShutDown(store: any Store, _ whileRunning: () async throws -> Void) async throws {
        let started = AsyncStream<Void>.makeStream()
        let application = buildApplication(
            store: store, configuration: ServerConfiguration(port: 0), logger: Logger(label: "test"),
            onServerRunning: { started.continuation.yield() })
        let group = ServiceGroup(
            configuration: .init(services: [application], logger: Logger(label: "test.services")))
        let running = Task { try await group.run() }
        for await _ in started.stream { break }
        try await whileRunning()
        await group.triggerGracefulShutdown()
        try await running.value
    }

    @Test("on PostgreSQL the store's connections and listener are open while it runs, and closed once it stops")
    func postgresConnectionsClose() async throws {
        guard let server = ProcessInfo.processInfo.environment["CONCERT_TEST_POSTGRES_URL"] else {
            Issue.record("CONCERT_TEST_POSTGRES_URL is not set: run the tests with scripts/test.")
            return
        }
        let name = "concert_" + UUID().uuidString.replacingOccurrences(of: "-", with: "").lowercased()
        let url = try await PostgresStore.createDatabase(name, serverURL: server)
        let applicationName = "concert-lifecycle-\(UUID().uuidString.prefix(8).lowercased())"
        var named = URLComponents(string: url)!
        named.queryItems = (named.queryItems ?? []) + [URLQueryItem(name: "application_name", value: applicationName)]
        let store = try await PostgresStore.open(url: named.string!)
        func connections() async throws -> Int {
            try await Self.count(
                "SELECT count(*) FROM pg_stat_activity WHERE application_name = '\(applicationName)'",
                serverURL: server)
        }
        try await Self.runAndShutDown(store: store) {
            // The listener holds a connection for as long as the application runs.
            let deadline = ContinuousClock.now + .seconds(10)
            while try await connections() == 0, ContinuousClock.now < deadline {
                try await Task.sleep(for: .milliseconds(50))
            }
            #expect(try await connections() >= 1, "the store opened no connection")
        }
        // Closed on the way out: the server sees none of them within a moment.
        let deadline = ContinuousClock.now + .seconds(5)
        while try await connections() > 0, ContinuousClock.now < deadline {
            try await Task.sleep(for: .milliseconds(50))
        }
        #expect(try await connections() == 0, "connections of the stopped application are still open")
    }

    @Test("on SQLite every service returns once the application is shut down")
    func sqliteServicesReturn() async throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("concert-lifecycle-\(UUID())")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let store = try SQLiteStore(path: folder.appendingPathComponent("c.sqlite").path)
        let stopped = ContinuousClock.now
        try await Self.runAndShutDown(store: store) {}
        // The group's run returns only when every service did: none outlives the application.
        #expect(ContinuousClock.now - stopped < .seconds(30))
    }

    /// A number a query returns, asked on a client of the test's own.
    static func count(_ sql: String, serverURL: String) async throws -> Int {
        let logger = Logger(label: "test")
        let client = PostgresClient(configuration: try PostgresURL.configuration(serverURL), backgroundLogger: logger)
        return try await withThrowingTaskGroup(of: Int?.self) { group in
            group.addTask {
                await client.run()
                return nil
            }
            let value = try await client.withConnection { connection in
                var value = 0
                for try await count in try await connection.query(PostgresQuery(unsafeSQL: sql), logger: logger)
                    .decode(Int.self)
                {
                    value = count
                }
                return value
            }
            group.cancelAll()
            return value
        }
    }
}
