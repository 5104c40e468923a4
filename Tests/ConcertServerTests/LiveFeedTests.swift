import AsyncHTTPClient
import ConcertCore
import ConcertStorage
import Foundation
import Hummingbird
import HummingbirdTesting
import HummingbirdWSClient
import Logging
import Synchronization
import Testing

@testable import ConcertServer

/// Collects what a feed sends, from whichever task runs it.
final class Received: Sendable {
    private let messages = Mutex<[FeedMessage]>([])

    func append(_ message: FeedMessage) { messages.withLock { $0.append(message) } }
    var all: [FeedMessage] { messages.withLock { $0 } }
    var events: [FeedMessage] {
        all.filter {
            if case .event = $0 { return true }
            return false
        }
    }
    var lastSequence: Int64 { all.last?.sequence ?? 0 }
}

@Suite("Live feed", .timeLimit(.minutes(2)))
struct LiveFeedTests {
    /// Records `count` new targets as agency B, one transaction each.
    static func burst(_ world: TestWorld, count: Int, from start: Int = 0) async throws {
        let actor = Actor(world.users[.participantOfficer]!)
        for index in start..<(start + count) {
            let target = try TargetInput(
                kind: .server, name: "Burst server \(index)",
                selectors: [SelectorInput(kind: .ip, text: "203.0.113.\(index % 250)")],
                handling: .h0, evaluation: Evaluation(code: "B2")!, distribution: .allParticipants
            ).makeTarget(
                id: Identifier.make(), operation: world.operation, originatorAgencyId: world.partB.id,
                createdBy: actor.userId, defaultCountry: "DE", createdAt: ConcertJSON.now(), now: ConcertJSON.now())
            try await world.store.createTarget(target, by: actor)
        }
    }

    /// Waits until `condition` holds, for at most `seconds`.
    /// Thirty seconds by default: the whole suite on two cores can hold one task back for seconds.
    static func eventually(seconds: Double = 30, _ condition: () -> Bool) async throws -> Bool {
        let deadline = Date().addingTimeInterval(seconds)
        while !condition() {
            if Date() > deadline { return false }
            try await Task.sleep(for: .milliseconds(10))
        }
        return true
    }

    @Test("replays from any sequence number, then streams live, in order, without gap or duplicate")
    func replayThenLive() async throws {
        let world = try await TestWorld.make()
        defer { world.remove() }
        let feed = LiveFeed(store: world.store, heartbeatInterval: .milliseconds(200))
        let coordinator = Actor(world.users[.leadCoordinator]!)
        let head = try await world.store.latestSequence(operationId: world.operation.id)
        for since in [0, 3, head] {
            let received = Received()
            let subscriber = Task {
                try await feed.run(operation: world.operation, actor: coordinator, since: since, follow: true) {
                    received.append($0)
                }
            }
            let before = try await world.store.latestSequence(operationId: world.operation.id)
            try await Self.burst(world, count: 25, from: Int(since))
            let end = before + 25
            #expect(try await Self.eventually { received.events.last?.sequence == end })
            subscriber.cancel()
            #expect(received.events.map(\.sequence) == world.seenByLead((since + 1)...end))
        }
    }

    @Test(
        "many subscribers sharing one read of the log each get every event once, in order, however far back they start",
        arguments: [1_024, 8])
    func sharedWindow(capacity: Int) async throws {
        let world = try await TestWorld.make()
        defer { world.remove() }
        // A window of 8 events forces the subscribers that start further back to read the log themselves.
        let feed = LiveFeed(store: world.store, heartbeatInterval: .milliseconds(200), windowCapacity: capacity)
        let coordinator = Actor(world.users[.leadCoordinator]!)
        let starts = (0..<40).map { Int64($0) % (world.head + 1) }
        let received = starts.map { _ in Received() }
        let subscribers = zip(starts, received).map { since, sink in
            Task {
                try await feed.run(operation: world.operation, actor: coordinator, since: since, follow: true) {
                    sink.append($0)
                }
            }
        }
        try await Self.burst(world, count: 60)
        let end = world.head + 60
        #expect(try await Self.eventually { received.allSatisfy { $0.events.last?.sequence == end } })
        for subscriber in subscribers { subscriber.cancel() }
        for (since, sink) in zip(starts, received) {
            #expect(sink.events.map(\.sequence) == world.seenByLead((since + 1)...end), "subscriber from \(since)")
        }
    }

    @Test("a server started on an existing log replays it: events committed before it started are not lost")
    func replayAfterRestart() async throws {
        let world = try await TestWorld.make()
        defer { world.remove() }
        // A new store on the same file, as after a restart: its signal has seen no commit.
        let restarted = try SQLiteStore(path: world.directory.appendingPathComponent("test.sqlite").path)
        let received = Received()
        try await LiveFeed(store: restarted).run(
            operation: world.operation, actor: Actor(world.users[.leadCoordinator]!), since: 0, follow: false
        ) { received.append($0) }
        #expect(received.events.map(\.sequence) == world.seenByLead(1...world.head))
    }

    @Test("a subscriber that asks to join the pump behind it is sent back to read what it missed first")
    func joinBehindThePump() async throws {
        let world = try await TestWorld.make()
        defer { world.remove() }
        let feed = LiveFeed(store: world.store, heartbeatInterval: .milliseconds(200))
        let coordinator = Actor(world.users[.leadCoordinator]!)
        let first = Received()
        let following = Task {
            try await feed.run(operation: world.operation, actor: coordinator, since: world.head, follow: true) {
                first.append($0)
            }
        }
        try await Self.burst(world, count: 5)
        #expect(try await Self.eventually { first.events.last?.sequence == world.head + 5 })
        // The first subscriber may have read all five itself: wait until the pump serves it.
        #expect(try await Self.eventually { feed.hub.subscriberCount(of: world.operation.id) == 1 })
        // The pump stands at head + 5; joining at head would lose five events.
        let asking = Task {
            try await feed.hub.follow(
                operationId: world.operation.id, filter: FeedFilter(actor: coordinator, operation: world.operation),
                cursor: world.head, sink: { _ in })
        }
        let answered = Task {
            try await Task.sleep(for: .seconds(2))
            asking.cancel()
        }
        #expect(try await asking.value == world.head + 5)
        answered.cancel()
        following.cancel()
    }

    @Test("a reconnect in the middle of a burst loses nothing")
    func reconnectDuringBurst() async throws {
        let world = try await TestWorld.make()
        defer { world.remove() }
        let feed = LiveFeed(store: world.store, heartbeatInterval: .milliseconds(200))
        let coordinator = Actor(world.users[.leadCoordinator]!)
        let first = Received()
        let writer = Task { try await Self.burst(world, count: 60) }
        // The first connection drops after a dozen events, whatever the burst is doing.
        let dropped = Task {
            try await feed.run(operation: world.operation, actor: coordinator, since: 0, follow: true) { message in
                first.append(message)
                if first.events.count == 12 { throw CancellationError() }
            }
        }
        _ = await dropped.result
        let second = Received()
        let resumed = Task {
            try await feed.run(operation: world.operation, actor: coordinator, since: first.lastSequence, follow: true)
            {
                second.append($0)
            }
        }
        try await writer.value
        let end = try await world.store.latestSequence(operationId: world.operation.id)
        #expect(try await Self.eventually { second.events.last?.sequence == end })
        resumed.cancel()
        let all = (first.events + second.events).map(\.sequence)
        #expect(all == world.seenByLead(1...end))
    }

    @Test("an observer's stream carries statuses and no target details; C never learns of B's restricted target")
    func filtering() async throws {
        let world = try await TestWorld.make()
        defer { world.remove() }
        let feed = LiveFeed(store: world.store)
        for persona in [Persona.observer, .otherParticipantOfficer] {
            let received = Received()
            try await feed.run(
                operation: world.operation, actor: Actor(world.users[persona]!), since: 0, follow: false
            ) { received.append($0) }
            let kinds = received.events.compactMap { message -> String? in
                if case .event(_, let kind, _) = message { return kind }
                return nil
            }
            #expect(kinds.contains("action.created"))
            let text = received.all.map { "\($0)" }.joined()
            for secret in RouteTable.secrets(for: persona, in: world) {
                #expect(!text.contains(secret), "\(persona) saw \(secret)")
            }
            if persona == .observer {
                #expect(!kinds.contains { $0.hasPrefix("target.") || $0.hasPrefix("instrument.") })
            } else {
                #expect(text.contains(world.sharedTarget.name))
            }
            #expect(received.all.last == .heartbeat(sequence: world.head), "catch-up ends with the sequence reached")
        }
    }

    @Test("subscribers served together by the pump each get only their own view, though views are shared")
    func pumpKeepsViewsApart() async throws {
        let world = try await TestWorld.make()
        defer { world.remove() }
        let feed = LiveFeed(store: world.store)
        let personas: [Persona] = [.leadCoordinator, .participantOfficer, .otherParticipantOfficer, .observer]
        var received: [Persona: Received] = [:]
        var subscriptions: [LiveSubscription] = []
        for persona in personas {
            let messages = Received()
            received[persona] = messages
            subscriptions.append(
                feed.start(
                    operation: world.operation, actor: Actor(world.users[persona]!), since: world.head,
                    outlet: ImmediateOutlet { messages.append($0) }, send: { messages.append($0) }, ended: { _ in }))
        }
        defer { for subscription in subscriptions { subscription.cancel() } }
        #expect(try await Self.eventually { feed.hub.subscriberCount(of: world.operation.id) == personas.count })
        // Three changes in a row: an action on B's restricted target, then both targets.
        let coordinator = Actor(world.users[.leadCoordinator]!)
        let officerB = Actor(world.users[.participantOfficer]!)
        _ = try await world.store.updateAction(
            id: world.actionB.id, operationId: world.operation.id, by: coordinator, eventKind: .actionStatusChanged
        ) { action, _ in
            var action = action
            try StatusChange(status: .ready).apply(to: &action, now: ConcertJSON.now())
            return action
        }
        for target in [world.restrictedTarget, world.sharedTarget] {
            _ = try await world.store.updateTarget(id: target.id, operationId: world.operation.id, by: officerB) {
                var changed = $0
                changed.notes = "checked again"
                return changed
            }
        }
        func kinds(_ persona: Persona) -> [String] {
            received[persona]!.events.compactMap { message -> String? in
                guard case .event(_, let kind, _) = message else { return nil }
                return kind
            }
        }
        #expect(
            try await Self.eventually { kinds(.leadCoordinator).count == 3 && kinds(.participantOfficer).count == 3 })
        #expect(
            try await Self.eventually {
                kinds(.otherParticipantOfficer).count >= 2 && !kinds(.observer).isEmpty
            })
        // Give anything that should not come the time to come.
        try await Task.sleep(for: .milliseconds(200))
        #expect(kinds(.otherParticipantOfficer) == ["action.statusChanged", "target.updated"])
        #expect(kinds(.observer) == ["action.statusChanged"])
        for persona in [Persona.otherParticipantOfficer, .observer] {
            let text = received[persona]!.all.map { "\($0)" }.joined()
            for secret in RouteTable.secrets(for: persona, in: world) {
                #expect(!text.contains(secret), "\(persona) saw \(secret)")
            }
        }
        // Those who may read the restricted target get the action with its link.
        for persona in [Persona.leadCoordinator, .participantOfficer] {
            #expect("\(received[persona]!.events[0])".contains(world.restrictedTarget.id))
        }
    }

    @Test("a deleted target is announced to those who could read it, and to no one else")
    func deletionsReachReaders() async throws {
        let world = try await TestWorld.make()
        defer { world.remove() }
        let officerB = Actor(world.users[.participantOfficer]!)
        for target in [world.sharedTarget, world.restrictedTarget] {
            try await world.store.deleteTarget(id: target.id, operationId: world.operation.id, by: officerB) { _ in }
        }
        let feed = LiveFeed(store: world.store)
        func deletions(_ persona: Persona) async throws -> [String] {
            let received = Received()
            try await feed.run(
                operation: world.operation, actor: Actor(world.users[persona]!), since: world.head, follow: false
            ) { received.append($0) }
            return received.events.compactMap { message -> String? in
                guard case .event(_, "target.deleted", let json) = message else { return nil }
                return json
            }
        }
        let forLead = try await deletions(.leadCoordinator)
        #expect(forLead.count == 2 && forLead[1].contains(world.restrictedTarget.id))
        let forC = try await deletions(.otherParticipantOfficer)
        #expect(forC.count == 1 && forC[0].contains(world.sharedTarget.id))
        #expect(try await deletions(.observer).isEmpty)
    }

    @Test("a slow subscriber does not delay a fast one")
    func slowConsumer() async throws {
        let world = try await TestWorld.make()
        defer { world.remove() }
        let feed = LiveFeed(store: world.store)
        let coordinator = Actor(world.users[.leadCoordinator]!)
        let start = try await world.store.latestSequence(operationId: world.operation.id)
        let fast = Received()
        let slow = Received()
        let cutOff = Received()
        // Both are served as connections are: through a queue bounded in bytes, the slow one's
        // connection taking 500 ms per message.
        let fastTask = Task {
            try await BoundedDelivery().run(since: start) { queue in
                try await feed.run(
                    operation: world.operation, actor: coordinator, since: start, follow: true, outlet: queue,
                    send: queue.send)
            } deliver: {
                fast.append($0)
            } cutOff: { _ in
            }
        }
        // Room for two or three of the burst's events (under 1 KB each).
        let slowTask = Task {
            try await BoundedDelivery(limits: LiveFeedLimits(subscriberBytes: 1_500)).run(since: start) { queue in
                try await feed.run(
                    operation: world.operation, actor: coordinator, since: start, follow: true, outlet: queue,
                    send: queue.send)
            } deliver: {
                slow.append($0)
                try await Task.sleep(for: .milliseconds(500))
            } cutOff: {
                cutOff.append(.heartbeat(sequence: $0))
            }
        }
        // Both in the pump's room: one that starts behind the pump replays what it missed at its
        // socket's pace instead, and is not cut off while its socket takes something.
        #expect(try await Self.eventually { feed.hub.subscriberCount(of: world.operation.id) == 2 })
        try await Self.burst(world, count: 20)
        #expect(try await Self.eventually(seconds: 3) { fast.events.count == 20 })
        #expect(slow.events.count < 15, "the slow subscriber should still be behind")
        // Past its buffer the slow one is cut off, told the last sequence it received.
        #expect(try await Self.eventually(seconds: 5) { !cutOff.all.isEmpty })
        #expect(cutOff.all.first?.sequence == slow.all.last?.sequence)
        fastTask.cancel()
        slowTask.cancel()
    }

    @Test(
        "Server-Sent Events over a real socket: live events arrive; refused without a session; shutdown ends the stream"
    )
    func serverSentEvents() async throws {
        let world = try await TestWorld.make()
        defer { world.remove() }
        let application = Application(
            router: buildRouter(store: world.store), configuration: .init(address: .hostname("127.0.0.1", port: 0)))
        try await application.test(.live) { client in
            let port = try #require(client.port)
            let base = "http://127.0.0.1:\(port)/api/v1/operations/\(world.operation.id)/live"
            let anonymous = try await HTTPClient.shared.execute(HTTPClientRequest(url: base), timeout: .seconds(10))
            #expect(anonymous.status == .unauthorized)

            var request = HTTPClientRequest(url: base + "?since=\(world.head)")
            request.headers.add(
                name: "Authorization", value: "Bearer \(TestWorld.token(for: .otherParticipantOfficer))")
            let response = try await HTTPClient.shared.execute(request, timeout: .seconds(30))
            #expect(response.status == .ok)
            #expect(response.headers.first(name: "Content-Type") == "text/event-stream")
            let writer = Task {
                try await Task.sleep(for: .milliseconds(200))
                try await Self.burst(world, count: 1)
            }
            var text = ""
            for try await chunk in response.body {
                text += String(buffer: chunk)
                if text.contains("Burst server 0") { break }
            }
            try await writer.value
            #expect(text.hasPrefix("id: \(world.head + 1)\nevent: target.created\ndata: {"))
        }
    }

    @Test("WebSocket on the same path: live events as text frames, and no upgrade without a session")
    func webSocket() async throws {
        let world = try await TestWorld.make()
        defer { world.remove() }
        try await world.liveApplication().test(.live) { client in
            let port = try #require(client.port)
            let url = "ws://127.0.0.1:\(port)/api/v1/operations/\(world.operation.id)/live?since=\(world.head)"
            let logger = Logger(label: "test")
            await #expect(throws: (any Error).self) {
                try await WebSocketClient.connect(url: url, logger: logger) { _, _, _ in }
            }
            let frames = Mutex<[String]>([])
            let writer = Task {
                try await Task.sleep(for: .milliseconds(300))
                try await Self.burst(world, count: 3)
                _ = try await world.store.updateAction(
                    id: world.actionC.id, operationId: world.operation.id, by: Actor(world.users[.leadCoordinator]!),
                    eventKind: .actionStatusChanged
                ) { action, _ in
                    var action = action
                    try StatusChange(status: .ready).apply(to: &action, now: ConcertJSON.now())
                    return action
                }
            }
            var configuration = WebSocketClientConfiguration()
            configuration.additionalHeaders[.authorization] = "Bearer \(TestWorld.token(for: .observer))"
            try await WebSocketClient.connect(url: url, configuration: configuration, logger: logger) {
                inbound, outbound, _ in
                for try await message in inbound.messages(maxSize: 1 << 20) {
                    guard case .text(let text) = message else { continue }
                    frames.withLock { $0.append(text) }
                    if text.contains("action.statusChanged") { break }
                }
                try await outbound.close(.normalClosure, reason: nil)
            }
            try await writer.value
            let texts = frames.withLock { $0 }
            // The three after the head are targets, which never reach an observer; then the status change.
            #expect(texts.count == 1, "\(texts)")
            #expect(texts.first?.contains(#""sequence":\#(world.head + 4)"#) == true)
            #expect(texts.first?.contains(#""status":"ready""#) == true)
            #expect(!texts.joined().contains("Burst server"))
            #expect(!texts.joined().contains(world.sharedTarget.id))
        }
    }

    struct LogUnreadable: Error {}

    @Test("a feed that fails ends its delivery instead of leaving the connection waiting")
    func failingFeedEnds() async throws {
        let delivered = Received()
        let cutOff = Received()
        try await BoundedDelivery().run(since: 0) { queue in
            try queue.send(.heartbeat(sequence: 1))
            try queue.send(.heartbeat(sequence: 2))
            throw LogUnreadable()
        } deliver: { message in
            delivered.append(message)
        } cutOff: { sequence in
            cutOff.append(.heartbeat(sequence: sequence))
        }
        #expect(delivered.all == [.heartbeat(sequence: 1), .heartbeat(sequence: 2)])
        #expect(cutOff.all.isEmpty)
    }

    @Test("a subscriber whose queue would pass its limit in bytes is cut off with the sequence to resume from")
    func overflowCutsOff() async throws {
        let delivered = Received()
        let cutOff = Received()
        let heartbeat = FeedMessage.heartbeat(sequence: 10).serverSentEventBytes
        try await BoundedDelivery(limits: LiveFeedLimits(subscriberBytes: 4 * heartbeat)).run(since: 0) { queue in
            for sequence in 1...100 { try queue.send(.heartbeat(sequence: Int64(sequence))) }
        } deliver: { message in
            try await Task.sleep(for: .milliseconds(20))
            delivered.append(message)
        } cutOff: { sequence in
            cutOff.append(.heartbeat(sequence: sequence))
        }
        #expect(delivered.all.count < 100)
        #expect(cutOff.all == [.heartbeat(sequence: delivered.lastSequence)])
    }
}
