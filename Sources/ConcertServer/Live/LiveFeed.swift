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
/// catches up at its own pace: the replay reads the log page by page, each page only once the
/// subscriber's connection has room for it (``CatchUpOutlet``), so that one who does not read
/// costs no more than its queue's limit (``LiveFeedLimits``). Once caught up, the operation's
/// pump (``LiveHub``) hands it each new event along with every other subscriber, without ever
/// waiting for one: a slow one fills its own queue and is cut off, never holding back the
/// others. A reconnecting subscriber resumes from the last sequence number it received (events
/// and heartbeats both carry it) and loses nothing.
public struct LiveFeed: Sendable {
    let store: any Store
    /// How long a subscriber may wait without a message before a heartbeat is sent.
    let heartbeatInterval: Duration
    /// The recent events every subscriber of this feed shares.
    let window: SharedEventWindow
    /// The pumps that hand new events to the subscribers that caught up.
    let hub: LiveHub
    /// What may wait for the subscribers' sockets.
    let limits: LiveFeedLimits
    /// The figures across this feed's subscribers, and the budget that their replays share.
    let gauge: LiveGauge

    /// How many events a replay reads first, before it knows how large they are.
    static let firstPage = 16

    /// Creates a feed over a store; the routes that serve it (SSE and WebSocket) share one.
    public init(store: any Store, heartbeatInterval: Duration = .seconds(15), limits: LiveFeedLimits = .init()) {
        self.init(store: store, heartbeatInterval: heartbeatInterval, windowCapacity: 1_024, limits: limits)
    }

    /// Creates a feed that keeps `windowCapacity` recent events per operation in memory.
    init(store: any Store, heartbeatInterval: Duration, windowCapacity: Int, limits: LiveFeedLimits = .init()) {
        self.store = store
        self.heartbeatInterval = heartbeatInterval
        self.limits = limits
        self.gauge = LiveGauge(catchUpBudget: limits.catchUpBytes)
        let logger = Logger(label: "concert.live")
        self.window = SharedEventWindow(
            store: store, capacity: windowCapacity, batchSize: min(256, windowCapacity), logger: logger)
        self.hub = LiveHub(store: store, window: window, heartbeatInterval: heartbeatInterval, logger: logger)
    }

    /// Sends what `actor` may see of the operation's events after `since`; then, when
    /// `follow` is true, sends new ones until the task is cancelled or `send` throws.
    ///
    /// `send` must not wait; it gets every message, the replay as fast as the log is read:
    /// for readers in this process, which need no limit.
    public func run(
        operation: JointOperation, actor: Actor, since: Int64, follow: Bool,
        send: @escaping @Sendable (FeedMessage) throws -> Void
    ) async throws {
        try await run(
            operation: operation, actor: actor, since: since, follow: follow, outlet: ImmediateOutlet(send: send),
            send: send)
    }

    /// Sends the replay of what `actor` missed after `since` to `outlet`, page by page as it
    /// takes them; then, when `follow` is true, has the pump send new events through `send`
    /// (which must not wait) until the task is cancelled or `send` throws.
    func run(
        operation: JointOperation, actor: Actor, since: Int64, follow: Bool, outlet: some CatchUpOutlet,
        send: @escaping LiveHub.Sink
    ) async throws {
        var filter = FeedFilter(
            actor: actor, operation: operation,
            deliveries: DeliveryLog(store: store, actor: actor, operationId: operation.id))
        var cursor = max(0, since)
        while !Task.isCancelled {
            try await catchUp(operationId: operation.id, filter: &filter, cursor: &cursor, outlet: outlet)
            guard follow else {
                try await outlet.deliver(.heartbeat(sequence: cursor))
                outlet.finishReplay()
                return
            }
            outlet.finishReplay()
            // Caught up: the pump takes over, unless it is already further on; then read on.
            guard
                try await hub.follow(operationId: operation.id, filter: filter, cursor: cursor, sink: send) != nil
            else { return }
        }
    }

    /// Serves a subscriber that has no task of its own (a WebSocket connection): a short task
    /// replays what it missed since `since` to `outlet`, hands it to the operation's pump and
    /// ends; from then on the pump sends it each new event through `send` until it is cancelled
    /// or `send` throws. `ended` is told once the pump lets it go, or the catching up fails
    /// (with that error; nil when it was cancelled).
    ///
    /// `outlet` may have the replay wait for the connection to take it; `send` must not wait
    /// (it is the pump's).
    func start(
        operation: JointOperation, actor: Actor, since: Int64, outlet: some CatchUpOutlet,
        send: @escaping LiveHub.Sink, ended: @escaping LiveHub.Detached
    ) -> LiveSubscription {
        let subscription = LiveSubscription(hub: hub, operationId: operation.id)
        let task = Task {
            var filter = FeedFilter(
                actor: actor, operation: operation,
                deliveries: DeliveryLog(store: store, actor: actor, operationId: operation.id))
            var cursor = max(0, since)
            do {
                while true {
                    try await catchUp(operationId: operation.id, filter: &filter, cursor: &cursor, outlet: outlet)
                    outlet.finishReplay()
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

    /// What came of reading one page of the replay and handing it over.
    private enum Page {
        /// Nothing left to replay.
        case end
        /// Every event of the page was handed over (or passed over as invisible).
        case handedOver(bytes: Int, events: Int)
        /// The connection had no room for the next message: wait for `needs` bytes, then read on.
        case full(needs: Int, bytes: Int, events: Int)
    }

    /// Sends the subscriber the events after `cursor` that it may see, until none is left or
    /// the task is cancelled, reading the next page of the log only once `outlet` has room.
    private func catchUp(
        operationId: String, filter: inout FeedFilter, cursor: inout Int64, outlet: some CatchUpOutlet
    ) async throws {
        var pageSize = Self.firstPage
        while !Task.isCancelled {
            // Read the signal's version before the log, so a commit between the two is not missed.
            let version = store.eventSignal.version(of: operationId)
            // The page is read and handed over in a call of its own, so that it is let go of
            // before the replay waits for the socket: a subscriber that does not read holds its
            // queue, not a page of the log besides.
            let page = try await handOverPage(
                operationId: operationId, version: version, limit: pageSize, filter: &filter, cursor: &cursor,
                outlet: outlet)
            switch page {
            case .end:
                return
            case .handedOver(let bytes, let events):
                pageSize = nextPageSize(bytes: bytes, events: events)
            case .full(let needs, let bytes, let events):
                pageSize = nextPageSize(bytes: bytes, events: events)
                try await outlet.waitForRoom(needs)
            }
        }
    }

    /// How many events to read next: about what a queue takes between two waits (a quarter of
    /// it), by the size of the last page's events.
    private func nextPageSize(bytes: Int, events: Int) -> Int {
        let average = max(1, bytes / max(1, events))
        return min(window.batchSize, max(1, limits.subscriberBytes / 4 / average))
    }

    private func handOverPage(
        operationId: String, version: UInt64, limit: Int, filter: inout FeedFilter, cursor: inout Int64,
        outlet: some CatchUpOutlet
    ) async throws -> Page {
        let events = try await window.events(operationId: operationId, after: cursor, version: version, limit: limit)
        if events.isEmpty { return .end }
        var bytes = 0
        for (index, event) in events.enumerated() {
            bytes += event.bytes
            if let json = filter.view(of: event),
                case .wait(let needs) = try outlet.offer(.event(sequence: event.sequence, kind: event.kind, json: json))
            {
                // Not handed over: the next page starts with it again.
                return .full(needs: needs, bytes: bytes, events: index + 1)
            }
            cursor = event.sequence
        }
        return .handedOver(bytes: bytes, events: events.count)
    }
}

/// A subscriber served by ``LiveFeed/start(operation:actor:since:outlet:send:ended:)``: cancelling
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
