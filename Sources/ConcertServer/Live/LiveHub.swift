import ConcertCore
import ConcertStorage
import Foundation
import Logging
import Synchronization

/// Pushes an operation's new events to every subscriber of this server that has caught up,
/// from one task per followed operation.
///
/// After a commit the operation's pump takes the new events from the shared window once and,
/// for each subscriber in turn, asks the policy what it may see and hands that to the
/// subscriber's bounded buffer: a thousand subscribers cost one wake-up and a thousand
/// filter-and-hand-over steps, not a thousand wake-ups. The hand-over never waits: a
/// subscriber whose buffer is full is detached, and its connection is cut off with the
/// sequence number to resume from.
final class LiveHub: Sendable {
    /// What a subscriber receives messages through: it must not wait, and throws to be detached.
    typealias Sink = @Sendable (FeedMessage) throws -> Void

    /// Told once when a subscriber is detached: nil when it left, else the error its sink threw
    /// (or the log's, when the pump could not read it).
    typealias Detached = @Sendable ((any Error)?) -> Void

    struct Subscriber {
        var filter: FeedFilter
        /// The last sequence number handed over (or passed over as invisible to it).
        var cursor: Int64
        let sink: Sink
        /// When it was last sent anything, for its heartbeats.
        var lastSent: ContinuousClock.Instant
        let detached: Detached
    }

    /// The subscribers of one operation and where its pump stands.
    struct Room {
        var subscribers: [UInt64: Subscriber] = [:]
        /// The last sequence number the pump handed over.
        var position: Int64
    }

    /// What came of a subscriber's asking to join.
    enum Joining: Equatable {
        /// It joined: the pump takes over from its cursor.
        case joined
        /// The pump is ahead of it: it first reads up to `position` itself, then asks again.
        case behind(position: Int64)
        /// Its task was cancelled before it could join.
        case cancelled
    }

    let store: any Store
    let window: SharedEventWindow
    let heartbeatInterval: Duration
    let logger: Logger
    private let rooms = Mutex<[String: Room]>([:])
    private let nextId = Atomic<UInt64>(0)

    init(store: any Store, window: SharedEventWindow, heartbeatInterval: Duration, logger: Logger) {
        self.store = store
        self.window = window
        self.heartbeatInterval = heartbeatInterval
        self.logger = logger
    }

    /// How many subscribers the pumps serve now, across the operations.
    var subscriberCount: Int {
        rooms.withLock { rooms in rooms.values.reduce(0) { $0 + $1.subscribers.count } }
    }

    /// A number no other subscriber of this hub has.
    func makeSubscriberId() -> UInt64 {
        nextId.add(1, ordering: .relaxed).newValue
    }

    /// Joins the operation's room at `cursor`, unless the pump is already further on or the
    /// calling task is cancelled (checked under the room's lock, so that a cancellation
    /// handler that calls ``leave(operationId:id:)`` never misses the subscriber).
    ///
    /// A joined subscriber costs no task: the pump hands it each new event through `sink`
    /// until it leaves or `sink` throws; `detached` is told either way, once.
    func join(
        operationId: String, id: UInt64, filter: FeedFilter, cursor: Int64, sink: @escaping Sink,
        detached: @escaping Detached
    ) -> Joining {
        let (joining, startPump) = rooms.withLock { rooms -> (Joining, Bool) in
            if Task.isCancelled { return (.cancelled, false) }
            var room = rooms[operationId] ?? Room(position: cursor)
            let isNew = rooms[operationId] == nil
            if room.position > cursor { return (.behind(position: room.position), false) }
            room.subscribers[id] = Subscriber(
                filter: filter, cursor: cursor, sink: sink, lastSent: .now, detached: detached)
            rooms[operationId] = room
            return (.joined, isNew)
        }
        if startPump { Task { await self.pump(operationId: operationId) } }
        return joining
    }

    /// How many subscribers the operation's pump serves now.
    func subscriberCount(of operationId: String) -> Int {
        rooms.withLock { $0[operationId]?.subscribers.count ?? 0 }
    }

    /// Detaches a subscriber that leaves (its connection closed); it is told, as `nil`.
    func leave(operationId: String, id: UInt64) {
        let subscriber = rooms.withLock { $0[operationId]?.subscribers.removeValue(forKey: id) }
        subscriber?.detached(nil)
    }

    /// Joins the operation's room at `cursor` and returns once the subscriber is detached:
    /// its task cancelled (returns nil) or its sink refusing a message (throws that error).
    ///
    /// Returns the pump's position without joining when the pump has already handed over
    /// events after `cursor`; the caller reads those itself and asks again.
    func follow(
        operationId: String, filter: FeedFilter, cursor: Int64, sink: @escaping Sink
    ) async throws -> Int64? {
        let id = makeSubscriberId()
        var behind: Int64?
        try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, any Error>) in
                let joining = join(
                    operationId: operationId, id: id, filter: filter, cursor: cursor, sink: sink
                ) { error in
                    if let error { continuation.resume(throwing: error) } else { continuation.resume() }
                }
                switch joining {
                case .joined: break
                case .cancelled: continuation.resume()
                case .behind(let position):
                    behind = position
                    continuation.resume()
                }
            }
        } onCancel: {
            leave(operationId: operationId, id: id)
        }
        return behind
    }

    /// Hands each new event of the operation to its subscribers, until the room is empty.
    private func pump(operationId: String) async {
        while true {
            let version = store.eventSignal.version(of: operationId)
            guard let position = rooms.withLock({ $0[operationId]?.position }) else { return }
            let events: [PreparedEvent]
            do {
                events = try await window.events(operationId: operationId, after: position, version: version)
            } catch {
                logger.error("The live feed of \(operationId) could not read the log: \(error)")
                detachEveryone(operationId, because: error)
                return
            }
            if !events.isEmpty {
                hand(events, in: operationId)
                continue
            }
            let woken = await store.eventSignal.wait(for: operationId, beyond: version, timeout: heartbeatInterval)
            if !woken { sendHeartbeats(in: operationId) }
            // Close the room once nobody is left; a newcomer then opens a new one.
            let empty = rooms.withLock { rooms -> Bool in
                guard rooms[operationId]?.subscribers.isEmpty ?? true else { return false }
                rooms.removeValue(forKey: operationId)
                return true
            }
            if empty { return }
        }
    }

    private func hand(_ events: [PreparedEvent], in operationId: String) {
        let now = ContinuousClock.now
        var messages = SharedMessages(events: events.count)
        serve(operationId) { subscriber in
            for (index, event) in events.enumerated() where event.sequence > subscriber.cursor {
                if let data = subscriber.filter.data(of: event) {
                    try subscriber.sink(
                        .event(sequence: event.sequence, kind: event.kind, json: messages.json(index, event, data)))
                    subscriber.lastSent = now
                }
                subscriber.cursor = event.sequence
            }
            // One who sees none of a busy stretch still learns how far it has come.
            if now - subscriber.lastSent >= heartbeatInterval {
                try subscriber.sink(.heartbeat(sequence: subscriber.cursor))
                subscriber.lastSent = now
            }
        } after: { room in
            room.position = max(room.position, events.last!.sequence)
        }
    }

    private func sendHeartbeats(in operationId: String) {
        let now = ContinuousClock.now
        serve(operationId) { subscriber in
            guard now - subscriber.lastSent >= heartbeatInterval else { return }
            try subscriber.sink(.heartbeat(sequence: subscriber.cursor))
            subscriber.lastSent = now
        }
    }

    /// Runs `step` for each subscriber of the room under its lock; one whose sink throws is
    /// detached with that error once the lock is released.
    private func serve(
        _ operationId: String, _ step: (inout Subscriber) throws -> Void, after: (inout Room) -> Void = { _ in }
    ) {
        let detached = rooms.withLock { rooms -> [(Detached, any Error)] in
            // Taken out of the dictionary and changed in place: iterating a copy while writing
            // back would copy a thousand subscribers for every event.
            guard var room = rooms.removeValue(forKey: operationId) else { return [] }
            var failed: [(UInt64, any Error)] = []
            var index = room.subscribers.startIndex
            while index != room.subscribers.endIndex {
                do {
                    try step(&room.subscribers.values[index])
                } catch {
                    failed.append((room.subscribers.keys[index], error))
                }
                room.subscribers.formIndex(after: &index)
            }
            let detached = failed.compactMap { id, error in
                room.subscribers.removeValue(forKey: id).map { ($0.detached, error) }
            }
            after(&room)
            rooms[operationId] = room
            return detached
        }
        for (tell, error) in detached { tell(error) }
    }

    private func detachEveryone(_ operationId: String, because error: any Error) {
        let subscribers = rooms.withLock { $0.removeValue(forKey: operationId)?.subscribers.values.map(\.detached) }
        for tell in subscribers ?? [] { tell(error) }
    }
}

/// The messages made so far for each event of a batch, one for each distinct view of it:
/// subscribers who may see the same of an event share one string (and so, on each event loop,
/// one encoded frame) rather than each getting a copy.
struct SharedMessages {
    /// Per event: the data each view holds, and its message JSON.
    private var made: [[(data: String, json: String)]]
    /// Views kept per event; a kind whose data differs for every agency (hits) gains nothing
    /// from more.
    private let kept = 8

    init(events: Int) {
        made = Array(repeating: [], count: events)
    }

    /// The JSON of event number `index` of the batch for a subscriber who may see `data` of it.
    mutating func json(_ index: Int, _ event: PreparedEvent, _ data: String) -> String {
        // Views are usually the very string the prepared event holds: equal at a glance.
        if let made = made[index].first(where: { $0.data == data }) { return made.json }
        let json = event.envelope(data)
        if made[index].count < kept { made[index].append((data, json)) }
        return json
    }
}
