import ConcertCore
import ConcertStorage
import Foundation

/// What a reader sees of a message: in lists, threads and feeds without its body; on its own
/// page with the body, the acknowledgements and the forwards that concern the reader.
struct MessageView: Encodable {
    var id: String
    var operationId: String
    var threadId: String
    /// The message it answers, when the reader may read that one too.
    var replyTo: String?
    /// The message it corrects, when the reader may read that one too.
    var corrects: String?
    var subject: String
    var handling: HandlingCode
    var handlingRestriction: String?
    /// The handling rule in words; for H1 the "not for judicial use" marking.
    var handlingNotice: String
    var notForJudicialUse: Bool
    var evaluation: Evaluation
    /// Who receives it now, forwards counted in.
    var distribution: Distribution
    var originatorAgencyId: String
    var authorUserId: String
    var sentAt: Date
    /// The targets it concerns that the reader may read.
    var targets: [String]
    var attachments: [AttachmentInfo]
    /// Whether the reader has not opened it yet.
    var unread: Bool
    /// Whether the reader's agency acknowledged it; absent for the originator's agency.
    var acknowledgedByMyAgency: Bool?
    /// For the originator's agency: the recipients that have not acknowledged it.
    var awaitingAcknowledgement: [String]?
    /// For the originator's agency: waiting for acknowledgements longer than configured.
    var overdue: Bool?
    var body: String?
    /// The body's simple Markdown as safe HTML.
    var bodyHtml: String?
    /// All acknowledgements for the originator's agency; the reader's own agency's otherwise.
    var acknowledgements: [Acknowledgement]?
    /// All forwards for the originator's agency; those the reader's agency asked for or
    /// receives otherwise.
    var forwards: [Forward]?
    /// Every message of the thread the reader may read, oldest first.
    var thread: [MessageView]?
}

/// The messages of one operation as one reader may see them: every list, search, thread and
/// count goes through the access policy here, before anything is counted.
struct MessageDesk {
    let actor: Actor
    let operation: JointOperation
    /// The operation's messages the reader may read, oldest first.
    let readable: [MessageRecord]
    var readIds: Set<String>
    let readableTargets: Set<String>
    let acknowledgementDue: TimeInterval
    let now: Date

    /// Loads the operation's messages and keeps those the policy lets `actor` read.
    static func load(
        for actor: Actor, in operation: JointOperation, store: any Store, acknowledgementDue: TimeInterval
    ) async throws -> MessageDesk {
        let readable = try await store.messages(operationId: operation.id).filter {
            AccessPolicy.allows(actor, .readRecord($0.recordHandling), in: operation)
        }
        var readableTargets: Set<String> = []
        for targetId in Set(readable.flatMap(\.message.targets)) {
            if let target = try await store.target(id: targetId, operationId: operation.id),
                AccessPolicy.allows(actor, .readRecord(target.recordHandling), in: operation)
            {
                readableTargets.insert(targetId)
            }
        }
        return MessageDesk(
            actor: actor, operation: operation, readable: readable,
            readIds: try await store.messagesRead(userId: actor.userId, operationId: operation.id),
            readableTargets: readableTargets, acknowledgementDue: acknowledgementDue, now: ConcertJSON.now())
    }

    /// The readable message with this id.
    func record(_ id: String) -> MessageRecord? { readable.first { $0.message.id == id } }

    /// Whether the reader's agency is expected to acknowledge the message and has not.
    func awaitsMyAcknowledgement(_ record: MessageRecord) -> Bool {
        record.awaitingAcknowledgement(in: operation).contains(actor.agencyId)
    }

    /// Whether the reader has not opened it (their agency's own messages count as read).
    func isUnread(_ record: MessageRecord) -> Bool {
        record.message.originatorAgencyId != actor.agencyId && !readIds.contains(record.message.id)
    }

    /// Whether it is the reader's agency's message and waits too long for acknowledgements.
    func isOverdue(_ record: MessageRecord) -> Bool {
        record.message.originatorAgencyId == actor.agencyId
            && record.isOverdue(in: operation, now: now, due: acknowledgementDue)
    }

    /// The view of a message; with `detail`, its body, thread, acknowledgements and forwards.
    func view(_ record: MessageRecord, detail: Bool = false) -> MessageView {
        let message = record.message
        let isOriginator = message.originatorAgencyId == actor.agencyId
        let readableIds = Set(readable.map(\.message.id))
        var view = MessageView(
            id: message.id, operationId: message.operationId, threadId: message.threadId,
            replyTo: message.replyTo.flatMap { readableIds.contains($0) ? $0 : nil },
            corrects: message.corrects.flatMap { readableIds.contains($0) ? $0 : nil },
            subject: message.subject, handling: message.handling, handlingRestriction: message.handlingRestriction,
            handlingNotice: message.handling == .h1 ? Message.notForJudicialUse : message.handling.meaning,
            notForJudicialUse: message.handling == .h1, evaluation: message.evaluation, distribution: record.audience,
            originatorAgencyId: message.originatorAgencyId, authorUserId: message.authorUserId,
            sentAt: message.sentAt, targets: message.targets.filter(readableTargets.contains),
            attachments: message.attachments, unread: isUnread(record),
            acknowledgedByMyAgency: isOriginator
                ? nil : record.acknowledgements.contains { $0.agencyId == actor.agencyId },
            awaitingAcknowledgement: isOriginator ? record.awaitingAcknowledgement(in: operation) : nil,
            overdue: isOriginator ? isOverdue(record) : nil)
        guard detail else { return view }
        view.body = message.body
        view.bodyHtml = SafeMarkdown.html(message.body)
        view.acknowledgements =
            isOriginator ? record.acknowledgements : record.acknowledgements.filter { $0.agencyId == actor.agencyId }
        view.forwards =
            isOriginator
            ? record.forwards
            : record.forwards.filter { $0.requestedByAgencyId == actor.agencyId || $0.agencyId == actor.agencyId }
        view.thread = readable.filter { $0.message.threadId == message.threadId }.map { self.view($0) }
        return view
    }
}
