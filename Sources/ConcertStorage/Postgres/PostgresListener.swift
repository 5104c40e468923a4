import Logging
import PostgresNIO
import Synchronization

/// Listens for the commits of every server on a connection of its own and wakes this
/// server's live feeds. When the connection is lost it reconnects with back-off and then
/// wakes every operation's followers once, since they read the log from their own position
/// and so catch up on whatever was committed while nobody listened.
final class PostgresListener: Sendable {
    private let configuration: PostgresClient.Configuration
    private let signal: EventSignal
    private let logger: Logger
    private let task = Mutex<Task<Void, Never>?>(nil)

    init(configuration: PostgresClient.Configuration, signal: EventSignal, logger: Logger) {
        self.configuration = configuration
        self.signal = signal
        self.logger = logger
    }

    func start() {
        task.withLock { $0 = Task { await self.run() } }
    }

    func stop() {
        task.withLock { $0?.cancel() }
    }

    /// Returns once the listener's connection is closed (after ``stop()``).
    func stopped() async {
        await task.withLock { $0 }?.value
    }

    private func run() async {
        var delay = Duration.milliseconds(100)
        while !Task.isCancelled {
            let listened = Flag()
            do {
                let client = PostgresClient(configuration: configuration, backgroundLogger: logger)
                try await withThrowingTaskGroup(of: Void.self) { group in
                    group.addTask { await client.run() }
                    group.addTask {
                        try await client.withConnection { connection in
                            let notifications = try await connection.listen(PostgresStore.channel)
                            listened.set()
                            // Whatever was committed while nobody listened (before the first
                            // connection, or while reconnecting) is in the log: every follower
                            // reads on from its own position.
                            self.signal.publishToEveryWaiter()
                            for try await notification in notifications {
                                self.signal.publish(notification.payload)
                            }
                        }
                    }
                    try await group.next()
                    group.cancelAll()
                }
            } catch {
                if Task.isCancelled { return }
                logger.warning("Lost the PostgreSQL listener connection: \(error); reconnecting in \(delay)")
            }
            if listened.isSet { delay = .milliseconds(100) }
            try? await Task.sleep(for: delay)
            delay = min(delay * 2, .seconds(5))
        }
    }
}

/// A flag one task sets and another reads.
private final class Flag: Sendable {
    private let value = Mutex(false)
    func set() { value.withLock { $0 = true } }
    var isSet: Bool { value.withLock { $0 } }
}
