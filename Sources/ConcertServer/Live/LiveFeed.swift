import ConcertCore
import ConcertStorage
import Foundation
import Logging

/// Streams an operation's events to one subscriber: first what they missed since a sequence
/// number, read from the event log, then each new event as it is committed, in order, with no
/// gap and no duplicate, each filtered by the access policy for that subscriber.
///
/// The log is read once per commit for all subscribers (``SharedEventWindow``); each takes
/// the events at its own pace, so a slow one never holds back the others, and a reconnecting
/// one resumes from the last sequence number it received (events and heartbeats both carry
/// it) and loses nothing.
public struct LiveFeed: Sendable {
    let store: any Store
    /// How long a subscriber may wait without a message before a heartbeat is sent.
    let heartbeatInterval: Duration
    /// The recent events every subscriber of this feed shares.
    let window: SharedEventWindow

    /// Creates a feed over a store; the routes that serve it (SSE and WebSocket) share one.
    public init(store: any Store, heartbeatInterval: Duration = .seconds(15)) {
        self.init(store: store, heartbeatInterval: heartbeatInterval, windowCapacity: 1_024)
    }

    /// Creates a feed that keeps `windowCapacity` recent events per operation in memory.
    init(store: any Store, heartbeatInterval: Duration, windowCapacity: Int) {
        self.store = store
        self.heartbeatInterval = heartbeatInterval
        self.window = SharedEventWindow(
            store: store, capacity: windowCapacity, batchSize: min(256, windowCapacity),
            logger: Logger(label: "concert.live"))
    }

    /// Sends what `actor` may see of the operation's events after `since`; then, when
    /// `follow` is true, waits for and sends new ones until the task is cancelled.
    public func run(
        operation: JointOperation, actor: Actor, since: Int64, follow: Bool,
        send: (FeedMessage) async throws -> Void
    ) async throws {
        var filter = FeedFilter(actor: actor, operation: operation)
        var cursor = max(0, since)
        while !Task.isCancelled {
            // Read the signal's version before the log, so a commit between the two wakes us.
            let version = store.eventSignal.version(of: operation.id)
            let events = try await window.events(operationId: operation.id, after: cursor, version: version)
            for event in events {
                if let json = filter.view(of: event) {
                    try await send(.event(sequence: event.sequence, kind: event.kind, json: json))
                }
                cursor = event.sequence
            }
            if !events.isEmpty { continue }
            guard follow else {
                try await send(.heartbeat(sequence: cursor))
                return
            }
            let woken = await store.eventSignal.wait(for: operation.id, beyond: version, timeout: heartbeatInterval)
            if !woken && !Task.isCancelled { try await send(.heartbeat(sequence: cursor)) }
        }
    }
}
