import ConcertCore
import ConcertStorage
import Foundation
import Logging

/// An event of the log made ready for every subscriber at once: decoded once, with the JSON
/// each kind of subscriber may receive already written, so that serving a thousand
/// subscribers costs a thousand policy checks and string joins, not a thousand decodings.
final class PreparedEvent: Sendable {
    /// What the event carries, as far as the access policy needs to know.
    enum Content: Sendable {
        /// The operation's new state, for everyone who follows the board.
        case operation(JointOperation, json: String)
        /// A target created or changed: readable by those its handling admits.
        case target(id: String, handling: RecordHandling, json: String)
        /// A target deleted: told to those who could read it.
        case targetDeleted(id: String, handling: RecordHandling)
        /// An action, with its target link and without it: the link goes to those who may read
        /// the target (its handling as the log holds it now; none when it is gone).
        case action(targetHandling: RecordHandling?, json: String, withoutTarget: String)
        /// Shown to every participant (log entries, approved sitreps).
        case everyone(json: String)
        /// Shown to those who manage sitreps (drafts).
        case sitrepDraft(json: String)
        /// Shown to those who see intelligence (legal instruments).
        case intelligence(json: String)
        /// A hit found, reviewed or retired: shown in each side's operation to that side's agency,
        /// with each side's record as it is now, so that the other side's value goes only to
        /// those who may read it.
        case hit(Hit, retired: Bool, sides: HitCounterparts)
        /// A message sent, acknowledged or passed on: shown to those who may read the message
        /// (and, for a forward, only to the agencies it concerns). Never the body.
        case message(MessageNotice, json: String)
        /// An exhibit recorded or a step of its custody: in full to those who may read the
        /// exhibit, as a summary to count (no number, description or hash) to every other
        /// participant.
        case exhibit(
            ExhibitAccess, id: String, targetHandling: RecordHandling?, json: String, withoutTarget: String,
            summary: String)
        /// A notice to one agency about its own records (a check hit its selectors): shown to
        /// that agency's members who see intelligence.
        case agencyNotice(agencyId: String, json: String)
        /// Never sent: a kind the feed does not know, or one it cannot read.
        case withheld
    }

    /// The operation sequence number.
    let sequence: Int64
    /// The event's kind, such as `action.statusChanged`.
    let kind: String
    /// The JSON envelope up to its `data` value: `{"actorAgencyId":…,"sequence":N,"data":`.
    let envelopePrefix: String
    let content: Content
    /// About how many bytes the event's message takes: what a replay reckons its pages by.
    let bytes: Int

    /// The envelope without the agency that caused the event, for those told only a summary
    /// (who handles an exhibit they may not see is not theirs to know).
    let anonymousPrefix: String

    /// The event's JSON around `data`, as a subscriber receives it.
    func envelope(_ data: String) -> String {
        var prefix = envelopePrefix
        if case .exhibit(_, _, _, _, _, let summary) = content, data == summary { prefix = anonymousPrefix }
        // Made at its size: `prefix + data + "}"` would double the storage of a large event's
        // string to append the brace, and a replay's queue holds these strings.
        var json = String()
        json.reserveCapacity(prefix.utf8.count + data.utf8.count + 1)
        json += prefix
        json += data
        json += "}"
        return json
    }

    struct Envelope: Encodable {
        var sequence: Int64
        var kind: String
        var recordedAt: String
        var actorAgencyId: String?
    }

    /// The events of a batch, prepared: the targets their actions refer to, and the records and
    /// agencies on both sides of their hits, are read once for the batch (usually one or none).
    static func prepare(_ events: [Event], store: any Store, logger: Logger) async throws -> [PreparedEvent] {
        var handlings: [String: RecordHandling] = [:]
        var looked: Set<String> = []
        for event in events where [.action, .exhibit].contains(event.eventKind?.family) {
            let targetId =
                event.eventKind?.family == .action
                ? (try? event.payload(Self.actionKinds))?.targetId
                : (try? event.payload(.exhibitRecorded, .exhibitCustodyRecorded))?.exhibit.targetId
            guard let operationId = event.operationId, let targetId, looked.insert(targetId).inserted else { continue }
            handlings[targetId] = try await store.target(id: targetId, operationId: operationId)?.recordHandling
        }
        var counterparts = HitCounterparts()
        let hits = events.compactMap { try? $0.payload(.hitFound, .hitReviewed, .hitRetired) }
        if !hits.isEmpty {
            try await counterparts.load(for: hits, from: store)
        }
        // An exhibit's events go to those who may see it now, not when they were written: the
        // agency a hand-over was meant for no longer reads it once the hand-over is called off.
        var exhibitAccess: [String: ExhibitAccess] = [:]
        for event in events where event.eventKind?.family == .exhibit {
            guard let operationId = event.operationId,
                let exhibitId = (try? event.payload(.exhibitRecorded, .exhibitCustodyRecorded))?.exhibit.id,
                exhibitAccess[exhibitId] == nil
            else { continue }
            exhibitAccess[exhibitId] = try await store.exhibit(id: exhibitId, operationId: operationId)?.access
        }
        return events.compactMap {
            PreparedEvent(
                $0, targetHandlings: handlings, counterparts: counterparts, exhibitAccess: exhibitAccess, logger: logger
            )
        }
    }

    /// The kinds that carry an action.
    static let actionKinds: [TypedEventKind<Action>] = [
        .actionCreated, .actionUpdated, .actionStatusChanged, .actionGateChecked, .actionOverdue,
    ]

    /// Prepares an event of an operation; nil for an event outside any operation's sequence.
    /// `targetHandlings` holds the handling of each target the actions of the batch refer to.
    init?(
        _ event: Event, targetHandlings: [String: RecordHandling], counterparts: HitCounterparts = .init(),
        exhibitAccess: [String: ExhibitAccess] = [:], logger: Logger
    ) {
        guard let sequence = event.operationSequence else { return nil }
        self.sequence = sequence
        self.kind = event.kind
        func envelopePrefix(actor: String?) -> String {
            var envelope =
                (try? ConcertJSON.encodeToString(
                    Envelope(sequence: sequence, kind: event.kind, recordedAt: event.recordedAt, actorAgencyId: actor)))
                ?? "{"
            envelope.removeLast()
            return envelope + #","data":"#
        }
        let prefix = envelopePrefix(actor: event.actorAgencyId)
        self.envelopePrefix = prefix
        self.anonymousPrefix = event.eventKind?.family == .exhibit ? envelopePrefix(actor: nil) : prefix
        self.bytes = prefix.utf8.count + event.payload.utf8.count + 1
        do {
            self.content = try Self.content(
                of: event, targetHandlings: targetHandlings, counterparts: counterparts, exhibitAccess: exhibitAccess)
        } catch {
            // An event this server cannot read is withheld, like any kind it does not know.
            logger.error("Withheld event \(sequence) (\(event.kind)) of \(event.operationId ?? "-"): \(error)")
            self.content = .withheld
        }
    }

    static func content(
        of event: Event, targetHandlings: [String: RecordHandling], counterparts: HitCounterparts,
        exhibitAccess: [String: ExhibitAccess] = [:]
    ) throws -> Content {
        // Every kind is decided here: a kind added to `EventKind` does not compile until it
        // is. A kind this version does not know (written by a newer one) is withheld.
        guard let kind = event.eventKind else { return .withheld }
        switch kind {
        case .operationCreated, .operationAgencyInvited, .operationHHourSet, .operationGo, .operationHold,
            .operationResume, .operationAbort:
            let operation = try event.payload(
                .operationCreated, .operationAgencyInvited, .operationHHourSet, .operationGo, .operationHold,
                .operationResume, .operationAbort)
            return .operation(operation, json: event.payload)
        case .targetCreated, .targetUpdated:
            let target = try event.payload(.targetCreated, .targetUpdated)
            return .target(id: target.id, handling: target.recordHandling, json: event.payload)
        case .targetDeleted:
            let deleted = try event.payload(.targetDeleted)
            return .targetDeleted(id: deleted.id, handling: deleted.recordHandling)
        case .actionCreated, .actionUpdated, .actionStatusChanged, .actionGateChecked, .actionOverdue:
            var action = try event.payload(actionKinds)
            let json = try ConcertJSON.encodeToString(action)
            guard let targetId = action.targetId else {
                return .action(targetHandling: nil, json: json, withoutTarget: json)
            }
            action = action.withoutTargetDetails
            return .action(
                targetHandling: targetHandlings[targetId], json: json,
                withoutTarget: try ConcertJSON.encodeToString(action))
        case .actionDeleted:
            // Which action left the plan, and nothing of it: every participant follows the board.
            _ = try event.payload(.actionDeleted)
            return .everyone(json: event.payload)
        case .logPosted, .logMarkedSignificant:
            // The log is part of the board: every participant follows it. The payload is read
            // all the same, so that an event of the wrong shape is withheld, not sent.
            _ = try event.payload(.logPosted, .logMarkedSignificant)
            return .everyone(json: event.payload)
        case .sitrepApproved:
            // An approved sitrep goes to every participant; it holds no target details.
            _ = try event.payload(.sitrepApproved)
            return .everyone(json: event.payload)
        case .sitrepCompiled, .sitrepUpdated:
            _ = try event.payload(.sitrepCompiled, .sitrepUpdated)
            return .sitrepDraft(json: event.payload)
        case .sitrepDiscarded:
            _ = try event.payload(.sitrepDiscarded)
            return .sitrepDraft(json: event.payload)
        case .instrumentCreated, .instrumentUpdated:
            _ = try event.payload(.instrumentCreated, .instrumentUpdated)
            return .intelligence(json: event.payload)
        case .hitFound, .hitReviewed, .hitRetired:
            return .hit(
                try event.payload(.hitFound, .hitReviewed, .hitRetired), retired: kind == .hitRetired,
                sides: counterparts)
        case .exhibitRecorded, .exhibitCustodyRecorded:
            var record = try event.payload(.exhibitRecorded, .exhibitCustodyRecorded)
            let access = exhibitAccess[record.exhibit.id] ?? record.exhibit.access
            let id = record.exhibit.id
            let targetHandling = record.exhibit.targetId.flatMap { targetHandlings[$0] }
            var withoutTarget = event.payload
            if record.exhibit.targetId != nil {
                // The target it came from, and the place that may name it, only to those who may
                // read that target.
                record.exhibit = record.exhibit.withoutTargetDetails
                withoutTarget = try ConcertJSON.encodeToString(record)
            }
            return .exhibit(
                access, id: id, targetHandling: targetHandling, json: event.payload, withoutTarget: withoutTarget,
                summary: try ConcertJSON.encodeToString(["exhibit": record.exhibit.summary]))
        case .crosscheckChecked:
            let notice = try event.payload(.crosscheckChecked)
            return .agencyNotice(agencyId: notice.holderAgencyId, json: event.payload)
        case .messageSent, .messageAcknowledged, .messageForwarded, .messageForwardRequested,
            .messageForwardGranted, .messageForwardRefused:
            let notice = try event.payload(
                .messageSent, .messageAcknowledged, .messageForwarded, .messageForwardRequested,
                .messageForwardGranted, .messageForwardRefused)
            return .message(notice, json: event.payload)
        case .agencyCreated, .userCreated, .userChanged, .userDisabled, .userEnabled, .userPasswordReset,
            .userSessionsEnded,
            .userSignedIn, .signInFailed, .signInLocked, .exclusionCreated, .exclusionDeleted:
            // The platform's and agencies' own business: never in an operation's feed.
            return .withheld
        case .auditAttachmentRead, .auditAttachmentRefused, .auditCrossCheck, .auditFeedDelivered, .auditHitsListed,
            .auditMessageExported, .auditMessageRead, .auditMessagesListed, .auditMessagesSearched, .auditTargetRead,
            .auditTargetsListed:
            // The audit trail is read by `audit verify` and the agencies' notices, not by feeds.
            return .withheld
        }
    }
}

/// The records, operations and agencies on the sides of a batch's hits, as the store holds
/// them when the batch is prepared: what the feed needs to tell each side whom to contact and,
/// only to those who may read it, what the other side holds.
struct HitCounterparts: Sendable {
    /// Each side's target, by id; a target that is gone is missing.
    var targets: [String: Target] = [:]
    /// Each side's operation, by id.
    var operations: [String: JointOperation] = [:]
    /// Each side's agency, by id.
    var agencies: [String: Agency] = [:]

    /// Reads the sides of `hits`.
    mutating func load(for hits: [Hit], from store: any Store) async throws {
        let targetIds = Set(hits.flatMap { [$0.a.targetId, $0.b.targetId] })
        for target in try await store.targets(ids: Array(targetIds)) { targets[target.id] = target }
        for operationId in Set(hits.flatMap { [$0.a.operationId, $0.b.operationId] }) {
            operations[operationId] = try await store.operation(id: operationId)
        }
        let agencyIds = Set(hits.flatMap { [$0.a.agencyId, $0.b.agencyId] })
        for agency in try await store.agencies() where agencyIds.contains(agency.id) { agencies[agency.id] = agency }
    }

    /// The handling of a side's record as it is now; nil when it is gone.
    func handling(of side: HitSide) -> RecordHandling? {
        targets[side.targetId].flatMap { $0.operationId == side.operationId ? $0.recordHandling : nil }
    }
}
