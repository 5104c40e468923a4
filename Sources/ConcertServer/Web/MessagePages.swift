import ConcertCore
import ConcertStorage
import Foundation
import Hummingbird

/// The message pages: the inbox with its counts and search, the compose form, and the thread
/// view. They read through ``MessageDesk``, as the API does; showing a body is a read that
/// goes into the audit chain.
extension WebController {
    func addMessageRoutes(to router: Router<ConcertRequestContext>) {
        router.get("/static/messages.js") { _, _ in
            Self.asset(StaticAssets.messagesScript, type: "text/javascript; charset=utf-8")
        }
        router.get("/operations/:operationId/messages") { request, context in
            guard context.user != nil else { return Response.redirect(to: "/login") }
            let actor = try context.requireActor()
            guard let (operation, desk) = try await messageDesk(context, for: actor) else {
                return try await messagesRefused(context: context)
            }
            let agencies = try await agencyNames()
            var records = Array(desk.readable.reversed())
            let query = request.uri.queryParameters.get("q").map { $0.trimmingWhitespace() } ?? ""
            if !query.isEmpty {
                let words = (try? MessageController.searchWords(query)) ?? []
                records = try await store.searchMessages(operationId: operation.id, words: words).compactMap(
                    desk.record)
            }
            try await store.recordRead(
                by: actor, operationId: operation.id,
                what: query.isEmpty ? .auditMessagesListed : .auditMessagesSearched,
                payload: ListDelivery(
                    ids: records.map(\.message.id), via: "web", query: query.isEmpty ? nil : query))
            let rows: [[String: Any]] = records.map { record in
                let message = record.message
                return [
                    "id": message.id, "subject": message.subject,
                    "from": agencies[message.originatorAgencyId] ?? message.originatorAgencyId,
                    "sentUTC": Self.utc(message.sentAt), "sentISO": ConcertJSON.formatTimestamp(message.sentAt),
                    "handling": message.handling.rawValue,
                    "handlingMeaning": message.handling.meaning, "notForJudicialUse": message.handling == .h1,
                    "evaluation": message.evaluation.description, "attachments": message.attachments.count,
                    "isReply": message.replyTo != nil, "unread": desk.isUnread(record),
                    "toAcknowledge": desk.awaitsMyAcknowledgement(record), "overdue": desk.isOverdue(record),
                ]
            }
            return try await page(
                "messages", title: "\(operation.codeName) messages",
                values: [
                    "operationId": operation.id, "codeName": operation.codeName, "messages": rows,
                    "hasMessages": !rows.isEmpty, "query": query, "searching": !query.isEmpty,
                    "unread": records.filter(desk.isUnread).count,
                    "unacknowledged": records.filter(desk.awaitsMyAcknowledgement).count,
                    "overdue": records.filter(desk.isOverdue).count,
                ], context: context)
        }
        router.get("/operations/:operationId/messages/new") { request, context in
            guard context.user != nil else { return Response.redirect(to: "/login") }
            let actor = try context.requireActor()
            guard let (operation, desk) = try await messageDesk(context, for: actor) else {
                return try await messagesRefused(context: context)
            }
            let agencies = try await agencyNames()
            // A reply or a correction starts from the message it answers, which the writer must
            // be able to read, and may reach only the agencies that one reached.
            let parentId = request.uri.queryParameters.get("corrects") ?? request.uri.queryParameters.get("replyTo")
            let parent = parentId.flatMap(desk.record)
            var recipients = operation.participants.map(\.agencyId).filter {
                $0 != actor.agencyId && AccessPolicy.mayReceiveIntelligence(agencyId: $0, in: operation)
            }
            var allowAll = true
            if let parent, case .agencies(let reached) = parent.audience {
                let within = Set(reached + [parent.message.originatorAgencyId])
                recipients = recipients.filter(within.contains)
                allowAll = false
            }
            var values: [String: Any] = [
                "operationId": operation.id, "codeName": operation.codeName, "allowAll": allowAll,
                "recipients": recipients.map { ["id": $0, "name": agencies[$0] ?? $0] },
                "handlings": HandlingCode.allCases.map { ["code": $0.rawValue, "meaning": $0.meaning] },
                "sources": SourceReliability.allCases.map(\.rawValue),
                "accuracies": InformationAccuracy.allCases.map(\.rawValue),
                "sizeLimitMiB": attachmentLimit >> 20,
            ]
            if let parent {
                let correcting = request.uri.queryParameters.get("corrects") != nil
                values["parentId"] = parent.message.id
                values["parentSubject"] = parent.message.subject
                values["correcting"] = correcting
                values["subject"] = (correcting ? "Correction: " : "Re: ") + parent.message.subject
            }
            return try await page("message-compose", title: "Write a message", values: values, context: context)
        }
        router.get("/operations/:operationId/messages/:messageId") { _, context in
            guard context.user != nil else { return Response.redirect(to: "/login") }
            let actor = try context.requireActor()
            guard let (operation, desk) = try await messageDesk(context, for: actor),
                let id = try? context.parameters.requireIdentifier("messageId"), let record = desk.record(id)
            else { return try await operationNotFound(context: context) }
            let agencies = try await agencyNames()
            let thread = desk.readable.filter { $0.message.threadId == record.message.threadId }
            var items: [[String: Any]] = []
            for entry in thread {
                try await store.recordMessageRead(
                    messageId: entry.message.id, operationId: operation.id, by: actor, what: .auditMessageRead,
                    payload: MessageReadAudit(messageId: entry.message.id))
                items.append(threadItem(entry, desk: desk, operation: operation, agencies: agencies, current: id))
            }
            return try await page(
                "message-thread", title: record.message.subject,
                values: [
                    "operationId": operation.id, "codeName": operation.codeName, "subject": record.message.subject,
                    "items": items,
                ], context: context)
        }
    }

    /// One message of a thread as the page shows it.
    private func threadItem(
        _ record: MessageRecord, desk: MessageDesk, operation: JointOperation, agencies: [String: String],
        current: String
    ) -> [String: Any] {
        let message = record.message
        let isOriginator = message.originatorAgencyId == desk.actor.agencyId
        let name = { (id: String) in agencies[id] ?? id }
        var item: [String: Any] = [
            "id": message.id, "subject": message.subject, "from": name(message.originatorAgencyId),
            "sentUTC": Self.utc(message.sentAt), "sentISO": ConcertJSON.formatTimestamp(message.sentAt),
            "handling": message.handling.rawValue, "handlingMeaning": message.handling.meaning,
            "notForJudicialUse": message.handling == .h1, "evaluation": message.evaluation.description,
            "bodyHtml": SafeMarkdown.html(message.body), "isCurrent": message.id == current,
            "distribution": {
                switch record.audience {
                case .allParticipants: "all participants"
                case .agencies(let ids): ids.map(name).joined(separator: ", ")
                }
            }(),
            "attachments": message.attachments.map { attachment in
                [
                    "messageId": message.id, "id": attachment.id, "fileName": attachment.fileName,
                    "size": Self.size(attachment.size),
                    "sha256": attachment.sha256, "mediaType": attachment.mediaType,
                ]
            },
            "hasAttachments": !message.attachments.isEmpty,
            "canAcknowledge": desk.awaitsMyAcknowledgement(record),
            "acknowledged": !isOriginator && record.acknowledgements.contains { $0.agencyId == desk.actor.agencyId },
            "isOriginator": isOriginator,
        ]
        if let restriction = message.handlingRestriction { item["restriction"] = restriction }
        if isOriginator {
            let acknowledged = Set(record.acknowledgements.map(\.agencyId))
            item["receipts"] = record.recipients(in: operation).map { agency in
                ["agency": name(agency), "acknowledged": acknowledged.contains(agency)]
            }
            item["overdue"] = desk.isOverdue(record)
            item["pendingForwards"] = record.forwards.filter { $0.status == .requested }.map { forward in
                [
                    "messageId": message.id, "id": forward.id, "agency": name(forward.agencyId),
                    "askedBy": name(forward.requestedByAgencyId),
                    "reason": forward.reason ?? "",
                ]
            }
        }
        let forwardable = operation.participants.filter {
            AccessPolicy.mayReceiveIntelligence(agencyId: $0.agencyId, in: operation)
                && !record.audience.includes($0.agencyId, originator: message.originatorAgencyId)
        }
        if case .agencies = record.audience, !forwardable.isEmpty {
            item["canForward"] = true
            item["forwardTo"] = forwardable.map { ["id": $0.agencyId, "name": name($0.agencyId)] }
            item["forwardNeedsPermission"] = !isOriginator && record.forwardingNeedsPermission
        }
        item["forwards"] = record.forwards.filter {
            isOriginator || $0.requestedByAgencyId == desk.actor.agencyId || $0.agencyId == desk.actor.agencyId
        }.map { ["agency": name($0.agencyId), "status": $0.status.rawValue] }
        return item
    }

    /// The operation and the caller's messages in it, when the caller sees its intelligence.
    private func messageDesk(
        _ context: ConcertRequestContext, for actor: Actor
    ) async throws -> (JointOperation, MessageDesk)? {
        guard let id = try? context.parameters.requireIdentifier("operationId"),
            let operation = try? await guarded.operation(id, for: actor, .viewIntelligence)
        else { return nil }
        return (
            operation,
            try await MessageDesk.load(
                for: actor, in: operation, store: store, acknowledgementDue: acknowledgementDue)
        )
    }

    /// The page for a caller who may not read the operation's messages: "not found" to an
    /// outsider, a plain refusal to an observer who knows the operation.
    private func messagesRefused(context: ConcertRequestContext) async throws -> Response {
        let actor = try context.requireActor()
        guard await boardOperation(context, for: actor) != nil else {
            return try await operationNotFound(context: context)
        }
        var response = try await page(
            "error", title: "No messages",
            values: ["title": "No messages", "detail": "Observers follow the board; messages carry intelligence."],
            context: context)
        response.status = .forbidden
        return response
    }

    private func agencyNames() async throws -> [String: String] {
        Dictionary(uniqueKeysWithValues: try await store.agencies().map { ($0.id, $0.name) })
    }

    /// `1.4 MiB`, `12 KiB`, `80 bytes`.
    static func size(_ bytes: Int64) -> String {
        if bytes >= 1 << 20 { return String(format: "%.1f MiB", Double(bytes) / Double(1 << 20)) }
        if bytes >= 1 << 10 { return String(format: "%.0f KiB", Double(bytes) / Double(1 << 10)) }
        return "\(bytes) bytes"
    }
}
