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
            guard let operation = try await messagesOperation(context, for: actor) else {
                return try await messagesRefused(context: context)
            }
            // The page reads what the API's inbox reads; a query or a cursor it cannot read shows
            // the newest page.
            let newest = try MessageQuery { _ in nil }
            var query = (try? MessageQuery(request)) ?? newest
            let found: (MessageDesk, MessagePage, MessageCounts)
            do {
                found = try await MessageController.inbox(
                    query, for: actor, in: operation, store: store, acknowledgementDue: acknowledgementDue)
            } catch is ProblemDetail, is DomainError {
                query = newest
                found = try await MessageController.inbox(
                    query, for: actor, in: operation, store: store, acknowledgementDue: acknowledgementDue)
            }
            let (inbox, listed, counts) = found
            let agencies = try await agencyNames()
            let text = query.text ?? ""
            try await store.recordRead(
                by: actor, operationId: operation.id,
                what: text.isEmpty ? .auditMessagesListed : .auditMessagesSearched,
                payload: ListDelivery(
                    ids: inbox.records.map(\.message.id), via: "web", query: text.isEmpty ? nil : text))
            let rows: [[String: Any]] = inbox.records.map { record in
                let message = record.message
                return [
                    "id": message.id, "subject": message.subject,
                    "from": agencies[message.originatorAgencyId] ?? message.originatorAgencyId,
                    "sentUTC": Self.utc(message.sentAt), "sentISO": ConcertJSON.formatTimestamp(message.sentAt),
                    "handling": message.handling.rawValue,
                    "handlingMeaning": message.handling.meaning, "notForJudicialUse": message.handling == .h1,
                    "evaluation": message.evaluation.description, "attachments": message.attachments.count,
                    "isReply": message.replyTo != nil, "unread": inbox.isUnread(record),
                    "toAcknowledge": inbox.awaitsMyAcknowledgement(record), "overdue": inbox.isOverdue(record),
                ]
            }
            // The links keep the search and the filters; "older" goes on from the page's last.
            let filter = query.filter
            // The counts are the whole inbox's: their links and "all messages" drop the filters.
            func link(
                after: String? = nil, unread: Bool = false, unacknowledged: Bool = false, keepingFilters: Bool = true
            ) -> String {
                var items: [URLQueryItem] = []
                if !text.isEmpty { items.append(.init(name: "q", value: text)) }
                if unread { items.append(.init(name: "unread", value: "true")) }
                if unacknowledged { items.append(.init(name: "unacknowledged", value: "true")) }
                if keepingFilters, let agency = filter.originatorAgencyId {
                    items.append(.init(name: "from", value: agency))
                }
                if keepingFilters, let target = filter.targetId { items.append(.init(name: "target", value: target)) }
                if keepingFilters, let handling = filter.handling {
                    items.append(.init(name: "handling", value: handling.rawValue))
                }
                if let after { items.append(.init(name: "after", value: after)) }
                var components = URLComponents()
                components.path = "/operations/\(operation.id)/messages"
                components.queryItems = items.isEmpty ? nil : items
                return components.string ?? components.path
            }
            var values: [String: Any] = [
                "operationId": operation.id, "codeName": operation.codeName, "messages": rows,
                "hasMessages": !rows.isEmpty, "query": text, "searching": !text.isEmpty,
                "unread": counts.unread, "unacknowledged": counts.unacknowledged, "overdue": counts.overdue,
                "filtered": filter.unread || filter.unacknowledged || filter.originatorAgencyId != nil
                    || filter.targetId != nil || filter.handling != nil,
                "onlyUnread": filter.unread,
                "onlyUnacknowledged": filter.unacknowledged, "allLink": link(keepingFilters: false),
                "unreadLink": link(unread: true, keepingFilters: false),
                "unacknowledgedLink": link(unacknowledged: true, keepingFilters: false),
            ]
            if let next = listed.next {
                values["older"] = link(after: next, unread: filter.unread, unacknowledged: filter.unacknowledged)
            }
            if query.page.after != nil {
                values["newest"] = link(unread: filter.unread, unacknowledged: filter.unacknowledged)
            }
            return try await page("messages", title: "\(operation.codeName) messages", values: values, context: context)
        }
        router.get("/operations/:operationId/messages/new") { request, context in
            guard context.user != nil else { return Response.redirect(to: "/login") }
            let actor = try context.requireActor()
            guard let operation = try await messagesOperation(context, for: actor) else {
                return try await messagesRefused(context: context)
            }
            let agencies = try await agencyNames()
            // A reply or a correction starts from the message it answers, which the writer must
            // be able to read, and may reach only the agencies that one reached.
            let parentId = request.uri.queryParameters.get("corrects") ?? request.uri.queryParameters.get("replyTo")
            var parent: MessageRecord?
            if let parentId {
                parent = try await MessageDesk.thread(
                    of: String(parentId), for: actor, in: operation, store: store,
                    acknowledgementDue: acknowledgementDue)?.record
            }
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
            guard let operation = try await messagesOperation(context, for: actor),
                let id = try? context.parameters.requireIdentifier("messageId"),
                let (desk, record) = try await MessageDesk.thread(
                    of: id, for: actor, in: operation, store: store, acknowledgementDue: acknowledgementDue)
            else { return try await operationNotFound(context: context) }
            let agencies = try await agencyNames()
            let thread = desk.records.filter { $0.message.threadId == record.message.threadId }
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

    /// The operation of a message page, when the caller sees its intelligence.
    private func messagesOperation(_ context: ConcertRequestContext, for actor: Actor) async throws -> JointOperation? {
        guard let id = try? context.parameters.requireIdentifier("operationId") else { return nil }
        return try? await guarded.operation(id, for: actor, .viewIntelligence)
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
