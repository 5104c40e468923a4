import ConcertCore
import ConcertStorage
import Foundation
import Logging
import Synchronization

/// Streams an operation's events to one subscriber: first what they missed since a sequence
/// number, read from the event log, then each new event as it is committed, in order, with no
/// gap and no duplicate, each filtered by the access policy for that subscriber.
///
/// The log is read once per commit for all subscribers (``SharedEventWindow``). A subscriber
/// catches up at its own pace; once caught up, the operation's pump (``LiveHub``) hands it
/// each new event along with every other subscriber, without ever waiting for one: a slow one
/// fills its own bounded buffer and is cut off, never holding back the others. A reconnecting
/// subscriber resumes from the last sequence number it received (events and heartbeats both
/// carry it) and loses nothing.
public struct LiveFeed: Sendable {
    let store: any Store
    /// How long a subscriber may wait without a message before a heartbeat is sent.
    let heartbeatInterval: Duration
    /// The recent events every subscriber of this feed shares.
    let window: SharedEventWindow
    /// The pumps that hand new events to the subscribers that caught up.
    let hub: LiveHub

    /// Creates a feed over a store; the routes that serve it (SSE and WebSocket) share one.
    public init(store: any Store, heartbeatInterval: Duration = .seconds(15)) {
        self.init(store: store, heartbeatInterval: heartbeatInterval, windowCapacity: 1_024)
    }

    /// Creates a feed that keeps `windowCapacity` recent events per operation in memory.
    init(store: any Store, heartbeatInterval: Duration, windowCapacity: Int) {
        self.store = store
        self.heartbeatInterval = heartbeatInterval
        let logger = Logger(label: "concert.live")
        self.window = SharedEventWindow(
            store: store, capacity: windowCapacity, batchSize: min(256, windowCapacity), logger: logger)
        self.hub = LiveHub(store: store, window: window, heartbeatInterval: heartbeatInterval, logger: logger)
    }

    /// Sends what `actor` may see of the operation's events after `since`; then, when
    /// `follow` is true, sends new ones until the task is cancelled or `send` throws.
    ///
    /// `send` must not wait (it hands the message to a bounded buffer): once caught up, the
    /// subscriber is served by the operation's pump along with every other one.
    public func run(
        operation: JointOperation, actor: Actor, since: Int64, follow: Bool,
        send: @escaping @Sendable (FeedMessage) throws -> Void
    ) async throws {
        var filter = FeedFilter(
            actor: actor, operation: operation,
            deliveries: DeliveryLog(store: store, actor: actor, operationId: operation.id))
        var cursor = max(0, since)
        while !Task.isCancelled {
            try await catchUp(operationId: operation.id, filter: &filter, cursor: &cursor) { try send($0) }
            guard follow else {
                try send(.heartbeat(sequence: cursor))
                return
            }
            // Caught up: the pump takes over, unless it is already further on; then read on.
            guard
                try await hub.follow(operationId: operation.id, filter: filter, cursor: cursor, sink: send) != nil
            else { return }
        }
    }

    /// Serves a subscriber that has no task of its own (a WebSocket connection): a short task
    /// sends what it missed since `since`, hands it to the operation's pump and ends; from then
    /// on the pump sends it each new event through `send` until it is cancelled or `send`
    /// throws. `ended` is told once the pump lets it go, or the catching up fails (with that
    /// error; nil when it was cancelled).
    ///
    /// `catchUpSend` sends what it missed and may wait for the connection to take it; `send`
    /// must not wait (it is the pump's).
    func start(
        operation: JointOperation, actor: Actor, since: Int64,
        catchUpSend: @escaping @Sendable (FeedMessage) async throws -> Void,
        send: @escaping @Sendable (FeedMessage) throws -> Void, ended: @escaping LiveHub.Detached
    ) -> LiveSubscription {
        let subscription = LiveSubscription(hub: hub, operationId: operation.id)
        let task = Task {
            var filter = FeedFilter(
                actor: actor, operation: operation,
                deliveries: DeliveryLog(store: store, actor: actor, operationId: operation.id))
            var cursor = max(0, since)
            do {
                while true {
                    try await catchUp(
                        operationId: operation.id, filter: &filter, cursor: &cursor, send: catchUpSend)
                    switch hub.join(
                        operationId: operation.id, id: subscription.id, filter: filter, cursor: cursor, sink: send,
                        detached: ended)
                    {
                    case .joined: return
                    case .cancelled: throw CancellationError()
                    case .behind: continue
                    }
                }
            } catch is CancellationError {
                ended(nil)
            } catch {
                ended(error)
            }
        }
        subscription.started(task)
        return subscription
    }

    /// Sends the subscriber the events after `cursor` that it may see, until none is left or
    /// the task is cancelled.
    private func catchUp(
        operationId: String, filter: inout FeedFilter, cursor: inout Int64,
        send: @Sendable (FeedMessage) async throws -> Void
    ) async throws {
        while !Task.isCancelled {
            // Read the signal's version before the log, so a commit between the two is not missed.
            let version = store.eventSignal.version(of: operationId)
            let events = try await window.events(operationId: operationId, after: cursor, version: version)
            if events.isEmpty { return }
            for event in events {
                if let json = filter.view(of: event) {
                    try await send(.event(sequence: event.sequence, kind: event.kind, json: json))
                }
                cursor = event.sequence
            }
        }
    }
}

/// A subscriber served by ``LiveFeed/start(operation:actor:since:catchUpSend:send:ended:)``: cancelling
/// it stops its catching up, or takes it out of the pump's room.
final class LiveSubscription: Sendable {
    let id: UInt64
    let operationId: String
    private let hub: LiveHub
    private let task = Mutex<Task<Void, Never>?>(nil)

    init(hub: LiveHub, operationId: String) {
        self.hub = hub
        self.operationId = operationId
        self.id = hub.makeSubscriberId()
    }

    fileprivate func started(_ task: Task<Void, Never>) {
        self.task.withLock { $0 = task }
    }

    /// Ends the subscription; its `ended` is told nil (unless it had already ended).
    func cancel() {
        // Cancelling first means a catching-up task that has not joined yet never will.
        task.withLock { $0 }?.cancel()
        hub.leave(operationId: operationId, id: id)
    }
}
