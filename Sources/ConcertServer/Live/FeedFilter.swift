import ConcertCore
import ConcertStorage
import Foundation

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

/// Decides, event by event, what one subscriber may see of an operation's log, through the
/// access policy: targets by their handling and distribution (never for observers), actions
/// with their target link only where that target is readable, instruments only for those who
/// see intelligence, sitreps once approved (drafts to the lead coordinators). A kind it does
/// not know is withheld.
struct FeedFilter {
    let actor: Actor
    var operation: JointOperation
    /// The targets of the operation this subscriber may read, kept current as events pass.
    var readableTargets: Set<String>

    struct Envelope: Encodable {
        var sequence: Int64
        var kind: String
        var recordedAt: String
        var actorAgencyId: String?
    }

    struct DeletedTarget: Decodable {
        var id: String
        var originatorAgencyId: String
        var handling: HandlingCode
        var distribution: Distribution
    }

    /// The JSON to send for `event`, or nil when the subscriber must not learn of it.
    mutating func view(of event: Event) throws -> String? {
        let data: String
        switch event.kind {
        case let kind where kind.hasPrefix("operation."):
            operation = try ConcertJSON.decode(JointOperation.self, from: event.payload)
            data = event.payload
        case "target.created", "target.updated":
            let target = try ConcertJSON.decode(Target.self, from: event.payload)
            guard AccessPolicy.allows(actor, .readRecord(target.recordHandling), in: operation) else {
                readableTargets.remove(target.id)
                return nil
            }
            readableTargets.insert(target.id)
            data = event.payload
        case "target.deleted":
            let deleted = try ConcertJSON.decode(DeletedTarget.self, from: event.payload)
            let handling = RecordHandling(
                originatorAgencyId: deleted.originatorAgencyId, handling: deleted.handling,
                distribution: deleted.distribution)
            guard AccessPolicy.allows(actor, .readRecord(handling), in: operation) else { return nil }
            readableTargets.remove(deleted.id)
            data = #"{"id":"\#(deleted.id)"}"#
        case let kind where kind.hasPrefix("action."):
            var action = try ConcertJSON.decode(Action.self, from: event.payload)
            if let targetId = action.targetId, !readableTargets.contains(targetId) { action.targetId = nil }
            data = try ConcertJSON.encodeToString(action)
        case let kind where kind.hasPrefix("log."):
            // The log is part of the board: every participant follows it.
            data = event.payload
        case "sitrep.approved":
            // An approved sitrep goes to every participant; it holds no target details.
            data = event.payload
        case let kind where kind.hasPrefix("sitrep."):
            // Drafts are the lead coordinators' working copies.
            guard AccessPolicy.allows(actor, .manageSitreps, in: operation) else { return nil }
            data = event.payload
        case let kind where kind.hasPrefix("instrument."):
            guard AccessPolicy.allows(actor, .viewIntelligence, in: operation) else { return nil }
            data = event.payload
        default:
            return nil
        }
        guard let sequence = event.operationSequence else { return nil }
        var envelope = try ConcertJSON.encodeToString(
            Envelope(
                sequence: sequence, kind: event.kind, recordedAt: event.recordedAt, actorAgencyId: event.actorAgencyId))
        envelope.removeLast()
        return envelope + #","data":"# + data + "}"
    }
}
