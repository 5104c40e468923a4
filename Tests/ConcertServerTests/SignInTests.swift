import Dispatch
import Foundation
import HTTPTypes
import Hummingbird
import Logging
import NIOCore
import NIOEmbedded
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

@Suite("The client address sign-in throttling counts")
struct ClientAddressTests {
    static func context(peer: String) throws -> ConcertRequestContext {
        let channel = EmbeddedChannel()
        channel.remoteAddress = try SocketAddress(ipAddress: peer, port: 40_000)
        return ConcertRequestContext(
            source: ApplicationRequestContextSource(channel: channel, logger: Logger(label: "t")))
    }

    static func request(forwardedFor: String?) -> Request {
        var head = HTTPRequest(method: .post, scheme: "http", authority: "127.0.0.1", path: "/api/v1/sessions")
        if let forwardedFor { head.headerFields[HTTPField.Name("X-Forwarded-For")!] = forwardedFor }
        return Request(head: head, body: .init(buffer: ByteBuffer()))
    }

    @Test("a trusted proxy's X-Forwarded-For names the client; anyone else's header is ignored")
    func forwardedOnlyFromTrustedProxies() throws {
        let forged = Self.request(forwardedFor: "192.0.2.1, 198.51.100.7")
        let fromProxy = try Self.context(peer: "127.0.0.5")
        #expect(fromProxy.clientAddress(of: forged, trustedProxies: ["127.0.0.5"]) == "198.51.100.7")
        // A client that sends the header itself does not choose the address it is counted by.
        let direct = try Self.context(peer: "127.0.0.9")
        #expect(direct.clientAddress(of: forged, trustedProxies: ["127.0.0.5"]) == "127.0.0.9")
        #expect(
            fromProxy.clientAddress(of: Self.request(forwardedFor: nil), trustedProxies: ["127.0.0.5"]) == "127.0.0.5")
    }
}
