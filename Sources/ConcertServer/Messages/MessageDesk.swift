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

/// Some messages of one operation as one reader may see them: a page of the inbox, or one
/// message with its thread. Every list, search, thread and count goes through the access policy
/// here, or in the store with the policy's answer for each access key (``isVisible``).
struct MessageDesk {
    let actor: Actor
    let operation: JointOperation
    /// The loaded messages the reader may read, in the order loaded.
    let records: [MessageRecord]
    var readIds: Set<String>
    let readableTargets: Set<String>
    /// The loaded messages, and the messages they answer or correct, that the reader may read.
    let readableIds: Set<String>
    let acknowledgementDue: TimeInterval
    let now: Date

    /// The policy's answer for one message's facts, for the store's queries.
    static func isVisible(to actor: Actor, in operation: JointOperation) -> @Sendable (RecordHandling) -> Bool {
        { handling in AccessPolicy.allows(actor, .readRecord(handling), in: operation) }
    }

    /// Keeps the messages of `records` that the policy lets `actor` read, with what their views
    /// need: which the reader opened (`readIds`, read when not given), which of their targets
    /// and of the messages they answer the reader may read.
    static func load(
        _ records: [MessageRecord], readIds: Set<String>? = nil, for actor: Actor, in operation: JointOperation,
        store: any Store, acknowledgementDue: TimeInterval
    ) async throws -> MessageDesk {
        let readable = records.filter { AccessPolicy.allows(actor, .readRecord($0.recordHandling), in: operation) }
        let loaded = Set(readable.map(\.message.id))
        let parents = Set(readable.flatMap { [$0.message.replyTo, $0.message.corrects].compactMap { $0 } })
            .subtracting(loaded)
        var readableIds = loaded
        for (id, handling) in try await store.messageHandlings(ids: Array(parents), operationId: operation.id)
        where AccessPolicy.allows(actor, .readRecord(handling), in: operation) {
            readableIds.insert(id)
        }
        var readableTargets: Set<String> = []
        for (id, handling) in try await store.targetHandlings(
            ids: Array(Set(readable.flatMap(\.message.targets))), operationId: operation.id)
        where AccessPolicy.allows(actor, .readRecord(handling), in: operation) {
            readableTargets.insert(id)
        }
        var opened = readIds ?? []
        if readIds == nil { opened = try await store.messagesRead(userId: actor.userId, messageIds: Array(loaded)) }
        return MessageDesk(
            actor: actor, operation: operation, records: readable, readIds: opened.intersection(loaded),
            readableTargets: readableTargets, readableIds: readableIds, acknowledgementDue: acknowledgementDue,
            now: ConcertJSON.now())
    }

    /// One message with every message of its thread the reader may read, when the reader may
    /// read it; nil otherwise, as if it did not exist.
    static func thread(
        of id: String, for actor: Actor, in operation: JointOperation, store: any Store,
        acknowledgementDue: TimeInterval
    ) async throws -> (desk: MessageDesk, record: MessageRecord)? {
        guard Identifier.isPlausible(id), let found = try await store.message(id: id, operationId: operation.id),
            AccessPolicy.allows(actor, .readRecord(found.recordHandling), in: operation)
        else { return nil }
        let desk = try await load(
            try await store.messageThread(threadId: found.message.threadId, operationId: operation.id), for: actor,
            in: operation, store: store, acknowledgementDue: acknowledgementDue)
        guard let record = desk.record(id) else { return nil }
        return (desk, record)
    }

    /// The loaded, readable message with this id.
    func record(_ id: String) -> MessageRecord? { records.first { $0.message.id == id } }

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
        view.thread = records.filter { $0.message.threadId == message.threadId }.map { self.view($0) }
        return view
    }
}
