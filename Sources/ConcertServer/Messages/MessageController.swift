import ConcertCore
import ConcertMultipart
import ConcertStorage
import Foundation
import Hummingbird

/// Messages between the agencies of an operation: sent with their files, read (each read of
/// a body or a file is an audit entry), acknowledged, searched, and passed on under the
/// originator's control.
struct MessageController {
    let store: any Store
    let guarded: OperationGuard
    let vault: AttachmentVault
    /// How many files one message may carry.
    static let maximumAttachments = 20

    struct ForwardInput: Decodable {
        var agencyId: String
        var reason: String?
    }

    struct ForwardDecision: Decodable {
        var grant: Bool
    }

    struct Inbox: Encodable {
        /// One page of the inbox: newest first, or best first for a search.
        var items: [MessageView]
        /// The `after` that asks for the next page, when there is one.
        var next: String?
        /// Messages the caller has not opened, in the whole inbox.
        var unread: Int
        /// Messages the caller's agency has still to acknowledge, in the whole inbox.
        var unacknowledged: Int
        /// The caller's agency's messages waiting too long for acknowledgements.
        var overdue: Int

        func encode(to encoder: any Encoder) throws {
            var container = encoder.container(keyedBy: CodingKeys.self)
            try container.encode(items, forKey: .items)
            try container.encode(next, forKey: .next)
            try container.encode(unread, forKey: .unread)
            try container.encode(unacknowledged, forKey: .unacknowledged)
            try container.encode(overdue, forKey: .overdue)
        }

        private enum CodingKeys: String, CodingKey { case items, next, unread, unacknowledged, overdue }
    }

    func addRoutes(to router: Router<ConcertRequestContext>) {
        router.get("/api/v1/operations/:operationId/messages") { request, context in
            let actor = try context.requireActor()
            let operation = try await guarded.operation(
                try context.parameters.requireIdentifier("operationId"), for: actor, .viewIntelligence)
            let query = try MessageQuery(request)
            let (desk, page, counts) = try await inbox(query, for: actor, in: operation)
            try await store.recordRead(
                by: actor, operationId: operation.id,
                what: query.filter.words.isEmpty ? .auditMessagesListed : .auditMessagesSearched,
                payload: ListDelivery(ids: desk.records.map(\.message.id), query: query.text))
            return try Response.json(
                Inbox(
                    items: desk.records.map { desk.view($0) }, next: page.next, unread: counts.unread,
                    unacknowledged: counts.unacknowledged, overdue: counts.overdue))
        }
        router.post("/api/v1/operations/:operationId/messages") { request, context in
            let actor = try context.requireActor()
            let operation = try await guarded.operation(
                try context.parameters.requireIdentifier("operationId"), for: actor, .createRecord)
            let contentType = request.headers[.contentType] ?? ""
            if let boundary = MultipartReader.boundary(ofContentType: contentType) {
                let form = try await MessageForm.receive(request, boundary: boundary, vault: vault)
                return try await send(form.input, files: form.files, in: operation, by: actor)
            }
            guard !contentType.lowercased().hasPrefix("multipart/") else {
                throw ProblemDetail(
                    status: .unsupportedMediaType,
                    detail: "Send a message as application/json, or as multipart/form-data with a boundary.")
            }
            let input = try await request.decodeJSON(as: MessageInput.self, context: context)
            return try await send(input, files: [], in: operation, by: actor)
        }
        router.get("/api/v1/operations/:operationId/messages/:messageId") { _, context in
            let actor = try context.requireActor()
            let operation = try await guarded.operation(
                try context.parameters.requireIdentifier("operationId"), for: actor, .viewIntelligence)
            var (desk, record) = try await readable(context, for: actor, in: operation)
            try await store.recordMessageRead(
                messageId: record.message.id, operationId: operation.id, by: actor, what: .auditMessageRead,
                payload: MessageReadAudit(messageId: record.message.id))
            desk.readIds.insert(record.message.id)
            return try Response.json(desk.view(record, detail: true))
        }
        router.get("/api/v1/operations/:operationId/messages/:messageId/markdown") { _, context in
            let actor = try context.requireActor()
            let operation = try await guarded.operation(
                try context.parameters.requireIdentifier("operationId"), for: actor, .viewIntelligence)
            let (desk, record) = try await readable(context, for: actor, in: operation)
            try await store.recordMessageRead(
                messageId: record.message.id, operationId: operation.id, by: actor, what: .auditMessageExported,
                payload: MessageReadAudit(messageId: record.message.id, format: "markdown"))
            let agencies = try await store.agencies()
            let document = MessageDocument.markdown(
                desk.view(record, detail: true), codeName: operation.codeName,
                agencyName: { id in agencies.first { $0.id == id }?.name ?? id })
            return Response(
                status: .ok,
                headers: [
                    .contentType: "text/markdown; charset=utf-8",
                    .contentDisposition: "attachment; filename=\"message-\(record.message.id).md\"",
                ],
                body: .init(byteBuffer: ByteBuffer(string: document)))
        }
        router.get("/api/v1/operations/:operationId/messages/:messageId/attachments/:attachmentId") { _, context in
            let actor = try context.requireActor()
            let operation = try await guarded.operation(
                try context.parameters.requireIdentifier("operationId"), for: actor, .viewIntelligence)
            let (_, record) = try await readable(context, for: actor, in: operation)
            let attachmentId = try context.parameters.requireIdentifier("attachmentId")
            guard let attachment = record.message.attachments.first(where: { $0.id == attachmentId }) else {
                throw StoreError.notFound("No such attachment.")
            }
            return try await download(attachment, of: record, in: operation, by: actor)
        }
        router.post("/api/v1/operations/:operationId/messages/:messageId/acknowledgements") { _, context in
            let actor = try context.requireActor()
            let operation = try await guarded.operation(
                try context.parameters.requireIdentifier("operationId"), for: actor, .viewIntelligence)
            let messageId = try context.parameters.requireIdentifier("messageId")
            let (record, isNew) = try await store.acknowledgeMessage(
                id: messageId, operationId: operation.id, by: actor
            ) { record in
                try AccessPolicy.decide(actor, .readRecord(record.recordHandling), in: operation).get()
                guard record.message.originatorAgencyId != actor.agencyId else {
                    throw DomainError.conflict("Your agency sent this message; its recipients acknowledge it.")
                }
            }
            let acknowledgement = record.acknowledgements.first { $0.agencyId == actor.agencyId }!
            return try Response.json(acknowledgement, status: isNew ? .created : .ok)
        }
        router.post("/api/v1/operations/:operationId/messages/:messageId/forwards") { request, context in
            let actor = try context.requireActor()
            let operation = try await guarded.operation(
                try context.parameters.requireIdentifier("operationId"), for: actor, .viewIntelligence)
            let messageId = try context.parameters.requireIdentifier("messageId")
            let input = try await request.decodeJSON(as: ForwardInput.self, context: context)
            let reason = try Validation.optionalText(input.reason, field: "reason", maxLength: 2_000)
            guard let current = try await store.message(id: messageId, operationId: operation.id) else {
                throw StoreError.notFound("No such message.")
            }
            try AccessPolicy.decide(actor, .readRecord(current.recordHandling), in: operation).get()
            // The originator passes on its own message; a recipient passes on H0 and H1 records
            // and asks the originator for H2 and H3 ones. Handling and originator never change.
            let direct = current.message.originatorAgencyId == actor.agencyId || !current.forwardingNeedsPermission
            let (_, forward) = try await store.changeForward(
                messageId: messageId, operationId: operation.id, by: actor,
                eventKind: direct ? .messageForwarded : .messageForwardRequested
            ) { record in
                try AccessPolicy.decide(actor, .readRecord(record.recordHandling), in: operation).get()
                try Self.checkForward(to: input.agencyId, of: record, in: operation, asking: !direct)
                let now = ConcertJSON.now()
                return Forward(
                    id: Identifier.make(), messageId: record.message.id, agencyId: input.agencyId,
                    requestedByAgencyId: actor.agencyId, requestedByUserId: actor.userId, reason: reason,
                    status: direct ? .granted : .requested, requestedAt: now,
                    decidedByUserId: direct ? actor.userId : nil, decidedAt: direct ? now : nil)
            }
            return try Response.json(forward, status: direct ? .created : .accepted)
        }
        router.post("/api/v1/operations/:operationId/messages/:messageId/forwards/:forwardId/decision") {
            request, context in
            let actor = try context.requireActor()
            let operation = try await guarded.operation(
                try context.parameters.requireIdentifier("operationId"), for: actor, .viewIntelligence)
            let messageId = try context.parameters.requireIdentifier("messageId")
            let forwardId = try context.parameters.requireIdentifier("forwardId")
            let input = try await request.decodeJSON(as: ForwardDecision.self, context: context)
            let (_, forward) = try await store.changeForward(
                messageId: messageId, operationId: operation.id, by: actor,
                eventKind: input.grant ? .messageForwardGranted : .messageForwardRefused
            ) { record in
                try AccessPolicy.decide(actor, .readRecord(record.recordHandling), in: operation).get()
                guard var forward = record.forwards.first(where: { $0.id == forwardId }) else {
                    throw StoreError.notFound("No such forward request.")
                }
                try AccessPolicy.decide(actor, .decideForward(record.recordHandling), in: operation).get()
                guard forward.status == .requested else {
                    throw DomainError.conflict("This request was already \(forward.status.rawValue).")
                }
                forward.status = input.grant ? .granted : .refused
                forward.decidedByUserId = actor.userId
                forward.decidedAt = ConcertJSON.now()
                return forward
            }
            return try Response.json(forward)
        }
    }

    /// A page of the caller's inbox as `query` asks for it, and the inbox's counts.
    func inbox(
        _ query: MessageQuery, for actor: Actor, in operation: JointOperation
    ) async throws -> (MessageDesk, MessagePage, MessageCounts) {
        try await Self.inbox(
            query, for: actor, in: operation, store: store, acknowledgementDue: vault.settings.acknowledgementDue)
    }

    /// A page of `actor`'s inbox as `query` asks for it, and the inbox's counts: the API's and
    /// the web page's.
    static func inbox(
        _ query: MessageQuery, for actor: Actor, in operation: JointOperation, store: any Store,
        acknowledgementDue: TimeInterval
    ) async throws -> (MessageDesk, MessagePage, MessageCounts) {
        let isVisible = MessageDesk.isVisible(to: actor, in: operation)
        if let targetId = query.filter.targetId {
            // A filter by a target the caller may not read would tell which messages concern it.
            guard let handling = try await store.targetHandlings(ids: [targetId], operationId: operation.id)[targetId],
                isVisible(handling)
            else {
                throw DomainError.invalid(
                    "No target you can read in this operation has the id '\(targetId)'.", field: "target")
            }
        }
        let reader = MessageReader(userId: actor.userId, agencyId: actor.agencyId)
        let page = try await PageQuery.resuming("the messages") {
            try await store.messagePage(
                operationId: operation.id, filter: query.filter, reader: reader, after: query.page.after,
                limit: query.page.limit, isVisible: isVisible)
        }
        let receiving = operation.participants.filter {
            $0.agencyId != actor.agencyId && AccessPolicy.mayReceiveIntelligence(agencyId: $0.agencyId, in: operation)
        }.count
        let counts = try await store.messageCounts(
            operationId: operation.id, reader: reader, receivingAgencies: receiving,
            overdueBefore: ConcertJSON.now().addingTimeInterval(-acknowledgementDue), isVisible: isVisible)
        let desk = try await MessageDesk.load(
            page.records, readIds: page.readIds, for: actor, in: operation, store: store,
            acknowledgementDue: acknowledgementDue)
        return (desk, page, counts)
    }

    /// The message a route names with its thread, if the caller may read it; "not found"
    /// otherwise, as if it did not exist.
    private func readable(
        _ context: ConcertRequestContext, for actor: Actor, in operation: JointOperation
    ) async throws -> (MessageDesk, MessageRecord) {
        guard
            let found = try await MessageDesk.thread(
                of: try context.parameters.requireIdentifier("messageId"), for: actor, in: operation, store: store,
                acknowledgementDue: vault.settings.acknowledgementDue)
        else { throw StoreError.notFound("No such message.") }
        return found
    }

    /// The words of a search, each at most 100 characters, at most 10.
    static func searchWords(_ query: String) throws -> [String] {
        let words = query.split(whereSeparator: { !$0.isLetter && !$0.isNumber }).map(String.init)
        guard query.count <= 500, words.count <= 10, words.allSatisfy({ $0.count <= 100 }) else {
            throw DomainError.invalid("A search has at most 10 words and 500 characters.", field: "q")
        }
        return words
    }

    /// Refuses a forward to an agency that cannot or need not receive the message, and a
    /// second request for one that waits for the originator's decision.
    static func checkForward(
        to agencyId: String, of record: MessageRecord, in operation: JointOperation, asking: Bool
    ) throws {
        guard case .agencies = record.audience else {
            throw DomainError.conflict("This message already goes to every participant.")
        }
        guard AccessPolicy.mayReceiveIntelligence(agencyId: agencyId, in: operation) else {
            throw DomainError.invalid(
                operation.role(of: agencyId) == nil
                    ? "Agency '\(agencyId)' does not take part in this operation."
                    : "Agency '\(agencyId)' observes this operation and receives no intelligence.",
                field: "agencyId")
        }
        if record.audience.includes(agencyId, originator: record.message.originatorAgencyId) {
            throw DomainError.conflict("Agency '\(agencyId)' already receives this message.")
        }
        if asking, record.forwards.contains(where: { $0.agencyId == agencyId && $0.status == .requested }) {
            throw DomainError.conflict(
                "A request to pass this message to agency '\(agencyId)' waits for the originator's decision.")
        }
    }

    /// Validates and stores a message with the files already received; files that were new
    /// are removed again when the message is not stored.
    private func send(
        _ input: MessageInput, files: [ReceivedFile], in operation: JointOperation, by actor: Actor
    ) async throws -> Response {
        var kept: [String] = []
        do {
            var parent: MessageRecord?
            if let parentId = try input.parentId() {
                let field = input.corrects != nil ? "corrects" : "replyTo"
                guard Identifier.isPlausible(parentId),
                    let found = try await store.message(id: parentId, operationId: operation.id),
                    AccessPolicy.allows(actor, .readRecord(found.recordHandling), in: operation)
                else {
                    throw DomainError.invalid(
                        "No message you can read in this operation has the id '\(parentId)'.", field: field)
                }
                parent = found
            }
            for (position, targetId) in (input.targets ?? []).enumerated() {
                guard Identifier.isPlausible(targetId),
                    let target = try await store.target(id: targetId, operationId: operation.id),
                    AccessPolicy.allows(actor, .readRecord(target.recordHandling), in: operation)
                else {
                    throw DomainError.invalid(
                        "No target you can read in this operation has the id '\(targetId)'.",
                        field: "targets[\(position)]")
                }
            }
            var attachments: [AttachmentInfo] = []
            let message = try input.makeMessage(
                id: Identifier.make(), operation: operation, parent: parent, by: actor, attachments: [],
                now: ConcertJSON.now())
            for file in files {
                if try vault.keep(file.staged) { kept.append(file.staged.sha256) }
                attachments.append(
                    AttachmentInfo(
                        id: Identifier.make(), fileName: file.fileName, mediaType: file.mediaType,
                        size: file.staged.size, sha256: file.staged.sha256))
            }
            var sent = message
            sent.attachments = attachments
            try await store.createMessage(sent, by: actor)
            let desk = try await MessageDesk.load(
                [MessageRecord(message: sent)], readIds: [], for: actor, in: operation, store: store,
                acknowledgementDue: vault.settings.acknowledgementDue)
            return try Response.json(desk.view(desk.record(sent.id) ?? MessageRecord(message: sent)), status: .created)
        } catch {
            for file in files { unlink(file.staged.path) }
            for sha256 in kept { vault.remove(sha256: sha256) }
            throw error
        }
    }

    /// Streams a file after checking it whole against its recorded SHA-256.
    private func download(
        _ attachment: AttachmentInfo, of record: MessageRecord, in operation: JointOperation, by actor: Actor
    ) async throws -> Response {
        do {
            try vault.verify(sha256: attachment.sha256, size: attachment.size)
        } catch let error as AttachmentError {
            try await store.recordRead(
                by: actor, operationId: operation.id, what: .auditAttachmentRefused,
                payload: AttachmentAudit(refusalOf: attachment.id, problem: "\(error)"))
            throw ProblemDetail(
                status: .conflict,
                detail:
                    "\(error) It is not served. An administrator can restore the file from a backup; its SHA-256 must be \(attachment.sha256)."
            )
        }
        try await store.recordMessageRead(
            messageId: record.message.id, operationId: operation.id, by: actor, what: .auditAttachmentRead,
            payload: AttachmentAudit(downloadOf: attachment.id, messageId: record.message.id, sha256: attachment.sha256)
        )
        let vault = vault
        var headers: HTTPFields = [
            .contentType: "application/octet-stream",
            .contentDisposition: Self.contentDisposition(fileName: attachment.fileName),
            .contentLength: String(attachment.size),
            .init("Repr-Digest")!: "sha-256=:\(Data(Self.bytes(ofHex: attachment.sha256)).base64EncodedString()):",
            .init("Concert-Handling")!: record.message.handling == .h1
                ? "H1; " + Message.notForJudicialUse : record.message.handling.rawValue,
        ]
        headers[.contentSecurityPolicy] = "sandbox; default-src 'none'"
        return Response(
            status: .ok, headers: headers,
            body: ResponseBody(contentLength: Int(attachment.size)) { writer in
                let reader = try vault.open(sha256: attachment.sha256)
                while let chunk = try reader.next() {
                    try await writer.write(ByteBuffer(bytes: chunk))
                }
                try await writer.finish(nil)
            })
    }

    /// `attachment; filename="…"; filename*=UTF-8''…`: an ASCII name for old clients and the
    /// exact name for the others.
    static func contentDisposition(fileName: String) -> String {
        let ascii = String(
            fileName.unicodeScalars.map { scalar -> Character in
                scalar.isASCII && scalar.value >= 0x20 && scalar != "\"" && scalar != "\\" ? Character(scalar) : "_"
            })
        let encoded =
            fileName.addingPercentEncoding(
                withAllowedCharacters: CharacterSet(
                    charactersIn: "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789!#$&+-.^_`|~"))
            ?? ascii
        return "attachment; filename=\"\(ascii)\"; filename*=UTF-8''\(encoded)"
    }

    static func bytes(ofHex hex: String) -> [UInt8] {
        var bytes: [UInt8] = []
        var index = hex.startIndex
        while index < hex.endIndex, let next = hex.index(index, offsetBy: 2, limitedBy: hex.endIndex) {
            bytes.append(UInt8(hex[index..<next], radix: 16) ?? 0)
            index = next
        }
        return bytes
    }
}

/// What a list of messages asks for: its page, its filters and its search.
struct MessageQuery {
    var page: PageQuery
    var filter = MessageFilter()
    /// The search as typed, trimmed; nil when there is none.
    var text: String?

    /// Reads the query of `request`.
    init(_ request: Request) throws {
        let parameters = request.uri.queryParameters
        try self.init { parameters.get($0).map { String($0) } }
    }

    /// Reads a query whose parameters `parameter` gives by name: `limit`, `after`, `unread`,
    /// `unacknowledged`, `from` (an agency), `target`, `handling` and `q`.
    init(_ parameter: (String) -> String?) throws {
        page = try PageQuery(parameter)
        filter.unread = try PageQuery.flag("unread", parameter) ?? false
        filter.unacknowledged = try PageQuery.flag("unacknowledged", parameter) ?? false
        filter.originatorAgencyId = try PageQuery.identifier("from", parameter)
        filter.targetId = try PageQuery.identifier("target", parameter)
        filter.handling = try PageQuery.choice("handling", parameter, as: HandlingCode.self)
        let raw = parameter("q")
        // The length is the text's as sent, counted as the API document counts it (in code
        // points), before white space around the words is trimmed.
        if let raw, raw.unicodeScalars.count > 500 {
            throw DomainError.invalid("A search has at most 10 words and 500 characters.", field: "q")
        }
        text = raw.map { $0.trimmingWhitespace() }.flatMap { $0.isEmpty ? nil : $0 }
        if let text { filter.words = try MessageController.searchWords(text) }
    }
}
