import ConcertCore
import ConcertServer
import ConcertStorage
import Foundation
import Logging
import NIOCore
import NIOPosix
import Synchronization

// The live fan-out of an operation's events to 1,000 WebSocket subscribers, next to Redis
// pub/sub fanning out the same number of messages of the same size to 1,000 subscribers, and
// the server's memory per idle subscriber.

/// When each subscriber received each message, and a way to wait until all have one.
final class Arrivals: Sendable {
    private struct State {
        var times: [Int64: [ContinuousClock.Instant]] = [:]
        var waiting: (sequence: Int64, count: Int, continuation: CheckedContinuation<Void, Never>)?
        var frameBytes = 0
    }
    private let state = Mutex(State())

    /// Records that a subscriber received message `sequence` of `bytes` bytes now.
    func record(_ sequence: Int64, bytes: Int) {
        let now = ContinuousClock.now
        let ready = state.withLock { state -> CheckedContinuation<Void, Never>? in
            state.times[sequence, default: []].append(now)
            state.frameBytes = max(state.frameBytes, bytes)
            guard let waiting = state.waiting, waiting.sequence == sequence,
                state.times[sequence]!.count >= waiting.count
            else { return nil }
            state.waiting = nil
            return waiting.continuation
        }
        ready?.resume()
    }

    /// Returns once `count` subscribers have message `sequence`, or after `timeout`; says which.
    func waitForAll(_ sequence: Int64, count: Int, timeout: Duration = .seconds(10)) async -> Bool {
        await withTaskGroup(of: Bool.self) { group in
            group.addTask {
                await withCheckedContinuation { continuation in
                    let done = self.state.withLock { state -> Bool in
                        if (state.times[sequence]?.count ?? 0) >= count { return true }
                        state.waiting = (sequence, count, continuation)
                        return false
                    }
                    if done { continuation.resume() }
                }
                return true
            }
            group.addTask {
                try? await Task.sleep(for: timeout)
                return false
            }
            let first = await group.next()!
            if !first {
                // Release the waiter so that its task ends.
                let waiting = state.withLock { state in
                    defer { state.waiting = nil }
                    return state.waiting?.continuation
                }
                waiting?.resume()
            }
            group.cancelAll()
            return first
        }
    }

    /// Every delivery latency in milliseconds, from each message's start instant.
    func latencies(from starts: [Int64: ContinuousClock.Instant]) -> [Double] {
        state.withLock { state in
            starts.flatMap { sequence, start in
                (state.times[sequence] ?? []).map { arrival in
                    let elapsed = arrival - start
                    return Double(elapsed.components.seconds) * 1000 + Double(elapsed.components.attoseconds) / 1e15
                }
            }
        }
    }

    var frameBytes: Int { state.withLock { $0.frameBytes } }
}

/// A benchmark operation: four agencies, some restricted targets, one action to flip.
struct FanOutWorld {
    let store: SQLiteStore
    let path: String
    let operation: JointOperation
    let action: Action
    let coordinator: Actor
    /// Tokens of a lead coordinator, two officers of other agencies and an observer.
    let tokens: [String]

    static func make(in folder: URL) async throws -> FanOutWorld {
        let path = folder.appendingPathComponent("fanout.sqlite").path
        let store = try SQLiteStore(path: path)
        let agencies = [("EU", "EU"), ("FR", "FR"), ("US", "US"), ("EJ", "BE")].map { name, country in
            Agency(id: Identifier.make(), name: "Agency \(name)", country: country, kind: .police)
        }
        for agency in agencies { try await store.createAgency(agency, by: nil) }
        var users: [User] = []
        var tokens: [String] = []
        for (index, role) in [UserRole.coordinator, .officer, .officer, .observer].enumerated() {
            let user = User(
                id: Identifier.make(), username: "fanout-\(index)", displayName: "Fan-out \(index)",
                agencyId: agencies[index].id, role: role)
            try await store.createUser(user, passwordHash: "unused", by: nil)
            let token = "fanout-token-\(index)"
            try await store.createSession(
                tokenHash: Authenticator.tokenHash(token), user: user, expiresAt: Date().addingTimeInterval(3600))
            users.append(user)
            tokens.append(token)
        }
        let coordinator = Actor(users[0])
        let now = ConcertJSON.now()
        let operation = JointOperation(
            id: Identifier.make(), codeName: "FANOUT", summary: nil, leadAgencyId: agencies[0].id, hHour: nil,
            participants: [
                Participant(agencyId: agencies[0].id, role: .lead),
                Participant(agencyId: agencies[1].id, role: .participant),
                Participant(agencyId: agencies[2].id, role: .participant),
                Participant(agencyId: agencies[3].id, role: .observer),
            ], createdAt: now)
        try await store.createOperation(operation, by: coordinator)
        var targetIds: [String] = []
        for index in 0..<50 {
            let originator = index % 2 == 0 ? agencies[1] : agencies[2]
            let target = try TargetInput(
                kind: .server, name: "Server \(index)", country: "NL",
                selectors: [SelectorInput(kind: .ip, text: "198.51.100.\(index)")],
                handling: .h2, evaluation: Evaluation(code: "B2")!,
                distribution: index % 5 == 0 ? .agencies([agencies[0].id]) : .allParticipants
            ).makeTarget(
                id: Identifier.make(), operation: operation, originatorAgencyId: originator.id,
                createdBy: users[index % 2 == 0 ? 1 : 2].id, defaultCountry: "NL", createdAt: now, now: now)
            try await store.createTarget(target, by: Actor(users[index % 2 == 0 ? 1 : 2]))
            targetIds.append(target.id)
        }
        // The action concerns a restricted target: the officers and the observer get it without the link.
        let action = ActionInput(
            kind: .serverTakedown, title: "Take down server 0", targetId: targetIds[0],
            executingAgencyId: agencies[1].id, place: "Amsterdam", country: "NL", timeZone: "Europe/Amsterdam",
            offsetMinutes: -60, gates: nil
        ).makeAction(id: Identifier.make(), operationId: operation.id, createdAt: now, now: now)
        try await store.createAction(action, by: coordinator)
        return FanOutWorld(
            store: store, path: path, operation: operation, action: action, coordinator: coordinator, tokens: tokens)
    }

    /// Flips the action between planned and ready: one status change, one event.
    func flip(_ index: Int) async throws {
        _ = try await store.updateAction(
            id: action.id, operationId: operation.id, by: coordinator, eventKind: .actionStatusChanged
        ) { current, _ in
            var current = current
            try StatusChange(status: index % 2 == 0 ? .ready : .planned).apply(to: &current, now: ConcertJSON.now())
            return current
        }
    }
}

/// The event loops of the benchmark's own clients (subscribers and publisher), apart from the
/// loops of the Concert server that runs in this process: a server's writes must not queue
/// behind its own clients' reads, as Redis's, in a process of its own, never do. Both fan-outs
/// use these same client loops.
let clientLoops = MultiThreadedEventLoopGroup(numberOfThreads: 2)

/// Connects `count` WebSocket subscribers to the operation's live feed from its head, in
/// batches, and returns once all are upgraded; each records what it receives in `arrivals`.
///
/// The subscribers are plain NIO handlers that read WebSocket frames, as light as the Redis
/// subscribers below, so that both fan-outs are measured with clients of the same cost.
func connectLiveSubscribers(
    count: Int, port: Int, world: FanOutWorld, arrivals: Arrivals
) async throws -> [any Channel] {
    let head = try await world.store.latestSequence(operationId: world.operation.id)
    let path = "/api/v1/operations/\(world.operation.id)/live?since=\(head)"
    let upgraded = Counter()
    var channels: [any Channel] = []
    for index in 0..<count {
        channels.append(
            try await WebSocketSubscriber.connect(
                port: port, path: path, token: world.tokens[index % world.tokens.count],
                group: clientLoops
            ) { sequence, bytes in
                if sequence < 0 { upgraded.increment() } else { arrivals.record(sequence, bytes: bytes) }
            })
        // Connect in steps so that the listen backlog never overflows.
        if index % 50 == 49 || index == count - 1 {
            let deadline = ContinuousClock.now + .seconds(30)
            while upgraded.value < index + 1 {
                guard ContinuousClock.now < deadline else {
                    throw BenchmarkError("only \(upgraded.value) of \(index + 1) subscribers were upgraded")
                }
                try await Task.sleep(for: .milliseconds(2))
            }
        }
    }
    return channels
}

/// A WebSocket subscriber on a bare NIO channel: sends the upgrade request, then reads the
/// server's (unmasked) frames and reports each event's sequence number, and -1 once upgraded.
final class WebSocketSubscriber: ChannelInboundHandler, @unchecked Sendable {
    typealias InboundIn = ByteBuffer
    private var buffer = ByteBuffer()
    private var upgraded = false
    private let onMessage: @Sendable (Int64, Int) -> Void

    init(onMessage: @escaping @Sendable (Int64, Int) -> Void) { self.onMessage = onMessage }

    static func connect(
        port: Int, path: String, token: String, group: MultiThreadedEventLoopGroup,
        onMessage: @escaping @Sendable (Int64, Int) -> Void
    ) async throws -> any Channel {
        let channel = try await ClientBootstrap(group: group).channelInitializer { channel in
            channel.eventLoop.makeCompletedFuture {
                try channel.pipeline.syncOperations.addHandler(WebSocketSubscriber(onMessage: onMessage))
            }
        }.connect(host: "127.0.0.1", port: port).get()
        let request =
            "GET \(path) HTTP/1.1\r\nHost: 127.0.0.1:\(port)\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
            + "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n"
            + "Authorization: Bearer \(token)\r\n\r\n"
        try await channel.writeAndFlush(ByteBuffer(string: request))
        return channel
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        var incoming = unwrapInboundIn(data)
        buffer.writeBuffer(&incoming)
        if !upgraded {
            let view = buffer.readableBytesView
            guard let end = view.firstRange(of: Array("\r\n\r\n".utf8)) else { return }
            let head = String(decoding: view[view.startIndex..<end.lowerBound], as: UTF8.self)
            guard head.hasPrefix("HTTP/1.1 101") else {
                context.close(promise: nil)
                return
            }
            buffer.moveReaderIndex(forwardBy: end.upperBound - view.startIndex)
            upgraded = true
            onMessage(-1, 0)
        }
        while let (opcode, payload) = nextFrame() {
            guard opcode == 1 else { continue }
            if let sequence = Self.sequence(in: payload) { onMessage(sequence, payload.readableBytes) }
        }
        buffer.discardReadBytes()
    }

    /// The next whole frame: its opcode and payload.
    private func nextFrame() -> (UInt8, ByteBuffer)? {
        guard let first = buffer.getInteger(at: buffer.readerIndex, as: UInt8.self),
            let second = buffer.getInteger(at: buffer.readerIndex + 1, as: UInt8.self)
        else { return nil }
        var headerLength = 2
        var length = Int(second & 0x7F)
        if length == 126 {
            guard let extended = buffer.getInteger(at: buffer.readerIndex + 2, as: UInt16.self) else { return nil }
            length = Int(extended)
            headerLength = 4
        } else if length == 127 {
            guard let extended = buffer.getInteger(at: buffer.readerIndex + 2, as: UInt64.self) else { return nil }
            length = Int(extended)
            headerLength = 10
        }
        guard buffer.readableBytes >= headerLength + length else { return nil }
        buffer.moveReaderIndex(forwardBy: headerLength)
        let payload = buffer.readSlice(length: length)!
        return (first & 0x0F, payload)
    }

    /// The number after `"sequence":` in an event (heartbeats start with `{"kind":"heartbeat"`).
    /// A plain byte scan: the client must cost little next to the server it measures.
    static func sequence(in payload: ByteBuffer) -> Int64? {
        let key = Array(#""sequence":"#.utf8)
        return payload.withUnsafeReadableBytes { bytes -> Int64? in
            if bytes.count > 9 && bytes[2] == UInt8(ascii: "k") && bytes[9] == UInt8(ascii: "h") { return nil }
            var index = 0
            while index + key.count < bytes.count {
                if bytes[index] == key[0] && bytes[index + 1] == key[1] && bytes[index + 2] == key[2] {
                    var matched = true
                    for offset in 3..<key.count where bytes[index + offset] != key[offset] {
                        matched = false
                        break
                    }
                    if matched {
                        var value: Int64 = 0
                        var digit = index + key.count
                        while digit < bytes.count, bytes[digit] >= 48, bytes[digit] <= 57 {
                            value = value * 10 + Int64(bytes[digit] - 48)
                            digit += 1
                        }
                        return value
                    }
                }
                index += 1
            }
            return nil
        }
    }
}

struct BenchmarkError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}

final class Counter: Sendable {
    private let state = Mutex(0)
    func increment() { state.withLock { $0 += 1 } }
    var value: Int { state.withLock { $0 } }
}

func printLatencies(_ name: String, _ latencies: [Double]) -> Double {
    let sorted = latencies.sorted()
    let p99 = percentile(sorted, 0.99)
    show(
        String(
            format: "   %@: %d deliveries: p50 %.2f ms, p90 %.2f ms, p99 %.2f ms, max %.2f ms", name, sorted.count,
            percentile(sorted, 0.5), percentile(sorted, 0.9), p99, sorted.last ?? 0))
    return p99
}

func benchmarkFanOut(subscribers: Int, changes: Int) async throws {
    show(
        "== Live fan-out: \(subscribers) WebSocket subscribers, \(changes) status changes one at a time,"
            + " next to Redis pub/sub (target: p99 < 25 ms and at most 2x Redis)")
    let folder = try scratchFolder("fanout")
    defer { try? FileManager.default.removeItem(at: folder) }
    let world = try await FanOutWorld.make(in: folder)

    // Concert, in this process: the writer commits through the store; the server and the
    // subscribers share the two cores with it, as Redis and its subscribers do below.
    let port = freePort()
    var quiet = Logger(label: "concert")
    quiet.logLevel = .critical
    let app = buildApplication(store: world.store, configuration: ServerConfiguration(port: port), logger: quiet)
    let server = Task { try await app.run() }
    while (try? await get("http://127.0.0.1:\(port)/api/v1/health")) == nil {
        try await Task.sleep(for: .milliseconds(20))
    }
    let arrivals = Arrivals()
    let clients = try await connectLiveSubscribers(count: subscribers, port: port, world: world, arrivals: arrivals)
    var commits: [Int64: ContinuousClock.Instant] = [:]
    var sequence = try await world.store.latestSequence(operationId: world.operation.id)
    let warmUp = 50
    for index in 0..<(warmUp + changes) {
        try await world.flip(index)
        sequence += 1
        let committed = world.store.eventSignal.lastPublished(of: world.operation.id)!
        if index >= warmUp { commits[sequence] = committed }
        guard await arrivals.waitForAll(sequence, count: subscribers) else {
            throw BenchmarkError("event \(sequence) did not reach every subscriber within 10 s")
        }
    }
    let frameBytes = arrivals.frameBytes
    let concertP99 = printLatencies(
        "Concert, commit to each subscriber (frames up to \(frameBytes) bytes)", arrivals.latencies(from: commits))
    for client in clients { try? await client.close() }
    server.cancel()

    // Redis: the same number of subscribers and messages of the same size.
    let redis = try RedisServer.start(in: folder)
    defer { redis.stop() }
    try await redis.waitUntilListening(group: clientLoops)
    let redisArrivals = Arrivals()
    let group = clientLoops
    var channels: [any Channel] = []
    let subscribed = Counter()
    for _ in 0..<subscribers {
        channels.append(
            try await RedisSubscriber.connect(port: redis.port, group: group) { sequence, bytes in
                if sequence < 0 { subscribed.increment() } else { redisArrivals.record(sequence, bytes: bytes) }
            })
    }
    while subscribed.value < subscribers { try await Task.sleep(for: .milliseconds(5)) }
    let publisher = try await RedisPublisher.connect(port: redis.port, group: group)
    var publishes: [Int64: ContinuousClock.Instant] = [:]
    for index in 0..<(warmUp + changes) {
        let message = Int64(index + 1)
        var payload = "\(message)|"
        payload += String(repeating: "x", count: max(0, frameBytes - payload.utf8.count))
        let sent = ContinuousClock.now
        let receivers = try await publisher.publish(channel: "fanout", message: payload)
        precondition(receivers == subscribers, "Redis delivered to \(receivers) subscribers")
        if index >= warmUp { publishes[message] = sent }
        guard await redisArrivals.waitForAll(message, count: subscribers) else {
            throw BenchmarkError("Redis message \(message) did not reach every subscriber within 10 s")
        }
    }
    let redisP99 = printLatencies(
        "Redis \(redis.version) pub/sub, PUBLISH sent to each subscriber", redisArrivals.latencies(from: publishes))
    show(String(format: "   p99 ratio Concert / Redis: %.2f", concertP99 / redisP99))
    for channel in channels { try? await channel.close() }
    try? await publisher.channel.close()
}

/// The server's resident memory per idle subscriber: `concert serve` in its own process,
/// measured with none and with `subscribers` WebSocket subscribers connected.
func benchmarkIdleSubscriberMemory(subscribers: Int) async throws {
    show("== Resident memory per idle live subscriber (\(subscribers) connected minus none; target < 30 KB)")
    let folder = try scratchFolder("idle")
    defer { try? FileManager.default.removeItem(at: folder) }
    let world = try await FanOutWorld.make(in: folder)
    let (process, port) = try await launchConcert(["serve", "--database", world.path])
    defer { stopProcess(process) }
    // Warm up the code paths with a few subscribers that come and go.
    let warm = try await connectLiveSubscribers(count: 50, port: port, world: world, arrivals: Arrivals())
    try await world.flip(0)
    for client in warm { try? await client.close() }
    try await Task.sleep(for: .seconds(1))
    let before = try residentKiB(of: process.processIdentifier)
    let clients = try await connectLiveSubscribers(
        count: subscribers, port: port, world: world, arrivals: Arrivals())
    try await Task.sleep(for: .seconds(2))
    let after = try residentKiB(of: process.processIdentifier)
    show(
        String(
            format: "   resident memory: %.1f MiB with none, %.1f MiB with %d: %.1f KB per idle subscriber",
            Double(before) / 1024, Double(after) / 1024, subscribers,
            Double(after - before) * 1024 / 1000 / Double(subscribers)))
    for client in clients { try? await client.close() }
}

/// Starts the release `concert` next to this binary with `arguments` and a free loopback
/// port, in `folder` if given, and returns once it answers its health check.
/// `executable` names another build of `concert` to start instead, such as a reference build.
func launchConcert(
    _ arguments: [String], in folder: URL? = nil, executable: URL? = nil
) async throws -> (Process, port: Int) {
    let port = freePort()
    let process = Process()
    process.executableURL =
        executable
        ?? URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().appendingPathComponent("concert")
    process.arguments = arguments + ["--listen", "127.0.0.1:\(port)"]
    if let folder { process.currentDirectoryURL = folder }
    process.standardOutput = FileHandle.nullDevice
    process.standardError = FileHandle.nullDevice
    try process.run()
    let start = ContinuousClock.now
    while (try? await get("http://127.0.0.1:\(port)/api/v1/health")) == nil {
        guard ContinuousClock.now - start < .seconds(60), process.isRunning else {
            stopProcess(process)
            throw BenchmarkError("concert \(arguments.joined(separator: " ")) did not start")
        }
        try await Task.sleep(for: .milliseconds(20))
    }
    return (process, port)
}

/// Ends a process: SIGTERM, then SIGKILL if it is still running after 5 s. It does not use
/// Foundation's `waitUntilExit`, which was seen spinning for ever on Linux.
func stopProcess(_ process: Process) {
    guard process.isRunning else { return }
    process.terminate()
    for _ in 0..<500 where process.isRunning { usleep(10_000) }
    if process.isRunning { kill(process.processIdentifier, SIGKILL) }
}

/// VmRSS of a process, in KiB.
func residentKiB(of pid: Int32) throws -> Int {
    let status = try String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8)
    guard let line = status.split(separator: "\n").first(where: { $0.hasPrefix("VmRSS:") }),
        let kib = Int(line.split(separator: " ", omittingEmptySubsequences: true)[1])
    else { throw BenchmarkError("no VmRSS for process \(pid)") }
    return kib
}

// MARK: Redis

/// A throwaway `redis-server` (Debian's package) on a free loopback port, saving nothing.
struct RedisServer {
    let process: Process
    let port: Int
    let version: String

    static func start(in folder: URL) throws -> RedisServer {
        guard
            let binary = ["/usr/bin/redis-server", "/usr/local/bin/redis-server"].first(where: {
                FileManager.default.isExecutableFile(atPath: $0)
            })
        else {
            throw BenchmarkError("redis-server is missing: apt-get install redis-server (scripts/bench does)")
        }
        let port = freePort()
        let process = Process()
        process.executableURL = URL(fileURLWithPath: binary)
        process.arguments = [
            "--port", "\(port)", "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--dir", folder.path,
            "--maxclients", "10000",
        ]
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        let version = Process()
        version.executableURL = URL(fileURLWithPath: binary)
        version.arguments = ["--version"]
        let pipe = Pipe()
        version.standardOutput = pipe
        try version.run()
        version.waitUntilExit()
        let text = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        let number = text.split(separator: " ").first { $0.hasPrefix("v=") }.map { String($0.dropFirst(2)) } ?? "?"
        return RedisServer(process: process, port: port, version: number)
    }

    func stop() { stopProcess(process) }

    /// Returns once the server accepts connections: it listens a moment after it starts, and a
    /// subscriber that connected sooner was refused.
    func waitUntilListening(group: MultiThreadedEventLoopGroup) async throws {
        let deadline = ContinuousClock.now + .seconds(10)
        while true {
            do {
                let probe = try await ClientBootstrap(group: group).connect(host: "127.0.0.1", port: port).get()
                try await probe.close()
                return
            } catch {
                guard ContinuousClock.now < deadline, process.isRunning else {
                    throw BenchmarkError("redis-server did not start listening on port \(port): \(error)")
                }
                try await Task.sleep(for: .milliseconds(20))
            }
        }
    }
}

/// Reads RESP replies: arrays of bulk strings and integers, enough for pub/sub.
struct RESPReader {
    enum Value {
        case integer(Int)
        case bulk([UInt8])
        case array([Value])
        case simple(String)
    }

    var buffer: [UInt8] = []
    var offset = 0

    mutating func append(_ bytes: ByteBuffer) {
        if offset > 0 && offset == buffer.count {
            buffer.removeAll(keepingCapacity: true)
            offset = 0
        }
        buffer += bytes.readableBytesView
    }

    /// The next complete value, if the buffer holds one.
    mutating func next() -> Value? {
        var position = offset
        guard let value = parse(&position) else { return nil }
        offset = position
        return value
    }

    private func line(_ position: inout Int) -> ArraySlice<UInt8>? {
        var index = position
        while index + 1 < buffer.count {
            if buffer[index] == 13 && buffer[index + 1] == 10 {
                let line = buffer[position..<index]
                position = index + 2
                return line
            }
            index += 1
        }
        return nil
    }

    private func parse(_ position: inout Int) -> Value? {
        guard position < buffer.count else { return nil }
        let type = buffer[position]
        var cursor = position + 1
        guard let header = line(&cursor) else { return nil }
        let text = String(decoding: header, as: UTF8.self)
        switch type {
        case UInt8(ascii: ":"):
            position = cursor
            return .integer(Int(text) ?? 0)
        case UInt8(ascii: "+"), UInt8(ascii: "-"):
            position = cursor
            return .simple(text)
        case UInt8(ascii: "$"):
            let length = Int(text) ?? -1
            guard length >= 0 else {
                position = cursor
                return .bulk([])
            }
            guard cursor + length + 2 <= buffer.count else { return nil }
            let bytes = Array(buffer[cursor..<cursor + length])
            position = cursor + length + 2
            return .bulk(bytes)
        case UInt8(ascii: "*"):
            let count = Int(text) ?? 0
            var items: [Value] = []
            for _ in 0..<max(0, count) {
                guard let item = parse(&cursor) else { return nil }
                items.append(item)
            }
            position = cursor
            return .array(items)
        default:
            return nil
        }
    }
}

func respCommand(_ parts: [String]) -> String {
    "*\(parts.count)\r\n" + parts.map { "$\($0.utf8.count)\r\n\($0)\r\n" }.joined()
}

/// A Redis subscriber: reports each message's number (the payload up to `|`) and -1 once subscribed.
final class RedisSubscriber: ChannelInboundHandler, @unchecked Sendable {
    typealias InboundIn = ByteBuffer
    private var reader = RESPReader()
    private let onMessage: @Sendable (Int64, Int) -> Void

    init(onMessage: @escaping @Sendable (Int64, Int) -> Void) { self.onMessage = onMessage }

    static func connect(
        port: Int, group: MultiThreadedEventLoopGroup, onMessage: @escaping @Sendable (Int64, Int) -> Void
    ) async throws -> any Channel {
        let channel = try await ClientBootstrap(group: group).channelInitializer { channel in
            channel.eventLoop.makeCompletedFuture {
                try channel.pipeline.syncOperations.addHandler(RedisSubscriber(onMessage: onMessage))
            }
        }.connect(host: "127.0.0.1", port: port).get()
        try await channel.writeAndFlush(ByteBuffer(string: respCommand(["SUBSCRIBE", "fanout"])))
        return channel
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        reader.append(unwrapInboundIn(data))
        while let value = reader.next() {
            guard case .array(let items) = value, items.count == 3, case .bulk(let kind) = items[0] else { continue }
            if kind == Array("subscribe".utf8) {
                onMessage(-1, 0)
            } else if kind == Array("message".utf8), case .bulk(let payload) = items[2],
                let bar = payload.firstIndex(of: UInt8(ascii: "|")),
                let number = Int64(String(decoding: payload[..<bar], as: UTF8.self))
            {
                onMessage(number, payload.count)
            }
        }
    }
}

/// Publishes one message at a time and returns how many subscribers Redis delivered it to.
final class RedisPublisher: ChannelInboundHandler, @unchecked Sendable {
    typealias InboundIn = ByteBuffer
    private var reader = RESPReader()
    private var pending: EventLoopPromise<Int>?
    private(set) var channel: any Channel

    private init(channel: any Channel) { self.channel = channel }

    static func connect(port: Int, group: MultiThreadedEventLoopGroup) async throws -> RedisPublisherHandle {
        let handler = RedisPublisherBox()
        let channel = try await ClientBootstrap(group: group).channelInitializer { channel in
            channel.eventLoop.makeCompletedFuture {
                let publisher = RedisPublisher(channel: channel)
                handler.publisher = publisher
                try channel.pipeline.syncOperations.addHandler(publisher)
            }
        }.connect(host: "127.0.0.1", port: port).get()
        return RedisPublisherHandle(channel: channel, publisher: handler.publisher!)
    }

    func send(_ command: String) -> EventLoopFuture<Int> {
        let promise = channel.eventLoop.makePromise(of: Int.self)
        channel.eventLoop.execute {
            self.pending = promise
            self.channel.writeAndFlush(ByteBuffer(string: command), promise: nil)
        }
        return promise.futureResult
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        reader.append(unwrapInboundIn(data))
        while let value = reader.next() {
            if case .integer(let count) = value {
                pending?.succeed(count)
                pending = nil
            }
        }
    }
}

final class RedisPublisherBox: @unchecked Sendable {
    var publisher: RedisPublisher?
}

struct RedisPublisherHandle: Sendable {
    let channel: any Channel
    let publisher: RedisPublisher

    func publish(channel name: String, message: String) async throws -> Int {
        try await publisher.send(respCommand(["PUBLISH", name, message])).get()
    }
}
