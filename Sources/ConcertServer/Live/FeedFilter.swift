import ConcertCore
import ConcertStorage
import Foundation
import Synchronization

/// One message of a live feed.
public enum FeedMessage: Sendable, Equatable {
    /// An event the subscriber may see: its operation sequence number, kind and JSON.
    case event(sequence: Int64, kind: String, json: String)
    /// Nothing new the subscriber may see; they are up to date to `sequence`.
    case heartbeat(sequence: Int64)

    /// The sequence number a subscriber resumes from after this message.
    public var sequence: Int64 {
        switch self {
        case .event(let sequence, _, _), .heartbeat(let sequence): sequence
        }
    }
}

/// What a feed says of a hit: this side's selector, the other side's agency (whom to contact)
/// and the kind of its selector; the other side's value, target, operation and code name only
/// to a subscriber who may read that record.
struct HitNotice: Encodable {
    var id: String
    var match: MatchKind
    var retired: Bool
    var targetId: String
    var selectorKind: SelectorKind
    var value: String
    var otherAgencyId: String
    var otherAgency: AgencyContact?
    var otherSelectorKind: SelectorKind
    var otherValue: String?
    var otherTargetId: String?
    var otherOperationId: String?
    var otherCodeName: String?
}

/// Decides, event by event, what one subscriber may see of an operation's log, through the
/// access policy: targets by their handling and distribution (never for observers), actions
/// with their target link only where that target is readable, instruments only for those who
/// see intelligence, sitreps once approved (drafts to the lead coordinators), messages to
/// their audience, exhibits in full to those who may read them and as counts to the others. A
/// kind it does not know is withheld.
struct FeedFilter {
    let actor: Actor
    var operation: JointOperation
    /// Where the handled records the subscriber is given are noted for the audit trail; nil
    /// for a filter whose results are not delivered to anyone.
    var deliveries: DeliveryLog? = nil

    /// The JSON to send for `event`, or nil when the subscriber must not learn of it.
    mutating func view(of event: PreparedEvent) -> String? {
        data(of: event).map(event.envelope)
    }

    /// What the subscriber may see of `event`'s data (the envelope's `data` value), or nil when
    /// it must not learn of the event. Subscribers who may see the same get the same string,
    /// which lets the pump write one message for all of them.
    mutating func data(of event: PreparedEvent) -> String? {
        let data: String
        switch event.content {
        case .operation(let updated, let json):
            operation = updated
            data = json
        case .target(let id, let handling, let json):
            guard AccessPolicy.allows(actor, .readRecord(handling), in: operation) else { return nil }
            deliveries?.delivered(id)
            data = json
        case .targetDeleted(let id, let handling):
            guard AccessPolicy.allows(actor, .readRecord(handling), in: operation) else { return nil }
            data = #"{"id":"\#(id)"}"#
        case .action(let targetHandling, let json, let withoutTarget):
            // A subscriber without intelligence, or outside the target's distribution, gets no link.
            data = targetView(json, withoutTarget: withoutTarget, targetHandling: targetHandling)
        case .everyone(let json):
            data = json
        case .sitrepDraft(let json):
            guard AccessPolicy.allows(actor, .manageSitreps, in: operation) else { return nil }
            data = json
        case .intelligence(let json):
            guard AccessPolicy.allows(actor, .viewIntelligence, in: operation) else { return nil }
            data = json
        case .hit(let hit, let retired, let sides):
            // Each operation's feed tells the agency of its own side whom to contact; what the
            // other side holds only where the policy lets the subscriber read that record.
            let isA = hit.a.operationId == operation.id
            let (mine, theirs) = isA ? (hit.a, hit.b) : (hit.b, hit.a)
            guard mine.operationId == operation.id, actor.agencyId == mine.agencyId,
                AccessPolicy.allows(actor, .viewIntelligence, in: operation)
            else { return nil }
            let otherOperation = sides.operations[theirs.operationId]
            let readable = AccessPolicy.mayReadCounterpart(
                actor, handling: sides.handling(of: theirs), in: otherOperation)
            guard
                let json = try? ConcertJSON.encodeToString(
                    HitNotice(
                        id: hit.id, match: isA ? hit.kind : hit.kind.reversed, retired: retired,
                        targetId: mine.targetId, selectorKind: mine.selectorKind, value: mine.value,
                        otherAgencyId: theirs.agencyId,
                        otherAgency: sides.agencies[theirs.agencyId].map(AgencyContact.init),
                        otherSelectorKind: theirs.selectorKind, otherValue: readable ? theirs.value : nil,
                        otherTargetId: readable ? theirs.targetId : nil,
                        otherOperationId: readable ? otherOperation?.id : nil,
                        otherCodeName: readable ? otherOperation?.codeName : nil))
            else { return nil }
            if readable { deliveries?.delivered(theirs.targetId) }
            data = json
        case .message(let notice, let json):
            guard AccessPolicy.allows(actor, .readRecord(notice.recordHandling), in: operation),
                notice.onlyAgencies?.contains(actor.agencyId) ?? true
            else { return nil }
            deliveries?.delivered(notice.messageId)
            data = json
        case .exhibit(let access, let id, let targetHandling, let json, let withoutTarget, let summary):
            if AccessPolicy.allows(actor, .readExhibit(access), in: operation) {
                deliveries?.delivered(id)
                data = targetView(json, withoutTarget: withoutTarget, targetHandling: targetHandling)
            } else {
                data = summary
            }
        case .agencyNotice(let agencyId, let json):
            guard actor.agencyId == agencyId, AccessPolicy.allows(actor, .viewIntelligence, in: operation) else {
                return nil
            }
            data = json
        case .withheld:
            return nil
        }
        return data
    }
}

extension FeedFilter {
    /// A record about a target (an action, an exhibit) as the subscriber may see it: whole where
    /// it may read that target (as the log holds it now; none when it is gone), else without it.
    func targetView(_ json: String, withoutTarget: String, targetHandling: RecordHandling?) -> String {
        if json == withoutTarget { return json }
        if let targetHandling, AccessPolicy.allows(actor, .readRecord(targetHandling), in: operation) { return json }
        return withoutTarget
    }
}

/// The handled records a live feed gave one subscriber (targets, messages, the other side of
/// a hit it may read), written to the audit trail in batches: `audit.feedDelivered` with the
/// ids, as a list read records what it delivered. What is left when the subscription ends is
/// written then.
final class DeliveryLog: Sendable {
    /// How many ids one audit entry names at most.
    static let batchSize = 500

    let store: any Store
    let actor: Actor
    let operationId: String
    private let pending = Mutex<[String]>([])

    init(store: any Store, actor: Actor, operationId: String) {
        self.store = store
        self.actor = actor
        self.operationId = operationId
    }

    /// Notes that the record `id` was given to the subscriber.
    func delivered(_ id: String) {
        let batch = pending.withLock { pending -> [String]? in
            pending.append(id)
            guard pending.count >= Self.batchSize else { return nil }
            defer { pending.removeAll(keepingCapacity: true) }
            return pending
        }
        if let batch { write(batch) }
    }

    private func write(_ ids: [String]) {
        let (store, actor, operationId) = (self.store, self.actor, self.operationId)
        // Written beside the feed, which must not wait on the store's writer for every event.
        Task {
            try? await store.recordRead(
                by: actor, operationId: operationId, what: .auditFeedDelivered,
                payload: ListDelivery(ids: ids))
        }
    }

    deinit {
        let rest = pending.withLock { $0 }
        if !rest.isEmpty { write(rest) }
    }
}
