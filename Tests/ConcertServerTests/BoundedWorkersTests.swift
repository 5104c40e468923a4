import Dispatch
import Foundation
import Synchronization
import Testing

@testable import ConcertServer

@Suite("Bounded workers for bcrypt")
struct BoundedWorkersTests {
    /// What ran, in order, and whether the first job started; shared with the workers' threads.
    final class Log: Sendable {
        let order = Mutex<[String]>([])
        let started = Mutex(false)

        init() {}

        func append(_ job: String) { order.withLock { $0.append(job) } }
    }

    /// Waits until `condition` holds, checking every millisecond, for at most five seconds.
    static func eventually(_ condition: () -> Bool) async throws {
        for _ in 0..<5_000 where !condition() { try await Task.sleep(for: .milliseconds(1)) }
    }

    @Test("urgent work goes before queued work, and work past the queue's bound is turned away")
    func urgentFirstAndBounded() async throws {
        let workers = BoundedWorkers(workers: 1, queueLimit: 2)
        let gate = DispatchSemaphore(value: 0)
        let log = Log()
        async let blocker: String? = workers.run {
            log.started.withLock { $0 = true }
            gate.wait()
            return "blocker"
        }
        try await Self.eventually { log.started.withLock { $0 } }
        async let first: Void? = workers.run { log.append("guess 1") }
        async let second: Void? = workers.run { log.append("guess 2") }
        try await Task.sleep(for: .milliseconds(50))
        // The queue of guesses is full: a third is refused at once, without waiting.
        #expect(await workers.run { log.append("guess 3") } == nil)
        async let urgent: Void? = workers.run(urgent: true) { log.append("investigator") }
        try await Task.sleep(for: .milliseconds(50))
        gate.signal()
        _ = await (blocker, first, second, urgent)
        #expect(log.order.withLock { $0 } == ["investigator", "guess 1", "guess 2"])
    }
}
