import ConcertCore
import Foundation

// Messages, their forwards, acknowledgements and reads, once for both engines; only their
// full-text index differs (``SQLEngineStore/indexText(of:in:)``, and each engine's search).

extension SQLEngineStore {
    public func createMessage(_ message: Message, by actor: Actor) async throws {
        try await createMessages([message], by: actor)
    }

    public func createMessages(_ messages: [Message], by actor: Actor) async throws {
        guard !messages.isEmpty else { return }
        let operationIds = Set(messages.map(\.operationId))
        // Messages to one operation change no row another write reads to change — a new
        // message is a new row, numbered apart (``SQLEngineStore/insertMessage(_:in:)``), and
        // counted in one statement (``MessageListing/count(_:on:)``) — so that the senders of
        // an operation do not wait for each other on PostgreSQL.
        let scope: WriteScope = operationIds.count == 1 ? .appendOnly : .installation
        try await writing(scope) { transaction in
            var operations: [String: JointOperation] = [:]
            var keys: [(operationId: String, access: String)] = []
            for message in messages {
                guard let position = try Self.insertMessage(message, in: transaction) else {
                    throw StoreError.notFound("No such operation.")
                }
                let record = MessageRecord(message: message)
                let key = try MessageListing.addEntry(
                    record, at: position,
                    in: {
                        if let known = operations[message.operationId] { return known }
                        let operation = try listedOperation(message.operationId, on: transaction)
                        operations[message.operationId] = operation
                        return operation
                    }, on: transaction)
                keys.append((message.operationId, key))
                try transaction.append(try EventDraft(sent: message, by: actor))
            }
            try MessageListing.count(keys, on: transaction)
        }
    }

    public func attachmentDigests() async throws -> Set<String> {
        try await reading { connection in
            var digests: Set<String> = []
            // Only messages with a file name a SHA-256; the text test keeps the others unread.
            for row in try connection.rows(
                "SELECT json FROM message WHERE \(raw: connection.dialect.position)(json, '\"sha256\"') > 0")
            {
                let message = try ConcertJSON.decode(Message.self, from: try row.string(0))
                for attachment in message.attachments { digests.insert(attachment.sha256) }
            }
            return digests
        }
    }

    public func message(id: String, operationId: String) async throws -> MessageRecord? {
        try await reading { connection in try messageRecord(id: id, operationId: operationId, in: connection) }
    }

    public func recordMessageRead<Payload>(
        messageId: String, operationId: String, by actor: Actor, what: TypedEventKind<Payload>, payload: Payload
    ) async throws {
        try await writing(.operation(operationId)) { transaction in
            try MessageListing.read(messageId: messageId, userId: actor.userId, on: transaction)
            try transaction.append(
                EventDraft(operationId: operationId, actor: actor, kind: what, payload: payload),
                countsInOperation: false)
        }
    }

    public func acknowledgeMessage(
        id: String, operationId: String, by actor: Actor,
        _ check: @escaping @Sendable (MessageRecord) throws -> Void
    ) async throws -> (record: MessageRecord, isNew: Bool) {
        try await writing(.operation(operationId)) { transaction in
            var record = try existingMessage(id: id, operationId: operationId, in: transaction)
            try check(record)
            // An agency acknowledges once; a second acknowledgement by it changes nothing.
            if record.acknowledgements.contains(where: { $0.agencyId == actor.agencyId }) { return (record, false) }
            let acknowledgement = Acknowledgement(
                agencyId: actor.agencyId, userId: actor.userId, acknowledgedAt: ConcertJSON.now())
            try transaction.execute(
                """
                INSERT INTO message_acknowledgement (message_id, agency_id, json)
                VALUES (\(id), \(actor.agencyId), \(try ConcertJSON.encodeToString(acknowledgement)))
                """)
            record.acknowledgements.append(acknowledgement)
            try MessageListing.acknowledged(messageId: id, agencyId: actor.agencyId, on: transaction)
            try transaction.append(
                EventDraft(
                    operationId: operationId, actor: actor, kind: .messageAcknowledged,
                    payload: MessageNotice(record, acknowledgement: acknowledgement)))
            return (record, true)
        }
    }

    public func changeForward(
        messageId: String, operationId: String, by actor: Actor, eventKind: TypedEventKind<MessageNotice>,
        _ change: @escaping @Sendable (MessageRecord) throws -> Forward
    ) async throws -> (record: MessageRecord, forward: Forward) {
        try await writing(.operation(operationId)) { transaction in
            var record = try existingMessage(id: messageId, operationId: operationId, in: transaction)
            let forward = try change(record)
            let json = try ConcertJSON.encodeToString(forward)
            if record.record(forward) {
                try transaction.execute(
                    "INSERT INTO message_forward (id, message_id, json) VALUES (\(forward.id), \(messageId), \(json))")
            } else {
                try transaction.execute("UPDATE message_forward SET json = \(json) WHERE id = \(forward.id)")
            }
            try MessageListing.update(
                record, in: try listedOperation(operationId, on: transaction), on: transaction)
            try transaction.append(
                EventDraft(
                    operationId: operationId, actor: actor, kind: eventKind,
                    payload: MessageNotice(forwardOf: forward, in: record)))
            return (record, forward)
        }
    }
}

/// The operation of a message being listed, read without holding its row.
private func listedOperation(_ id: String, on connection: any SQLConnection) throws -> JointOperation {
    guard let operation = try connection.document(JointOperation.self, "SELECT json FROM operation WHERE id = \(id)")
    else { throw StoreError.notFound("No such operation.") }
    return operation
}

extension EventDraft {
    /// The event of a message sent, as every engine stores it.
    init(sent message: Message, by actor: Actor) throws {
        try self.init(
            operationId: message.operationId, actor: actor, kind: .messageSent,
            payload: MessageNotice(MessageRecord(message: message)))
    }
}

/// A message with its forwards and acknowledgements, as written.
private func messageRecord(id: String, operationId: String, in connection: any SQLConnection) throws -> MessageRecord? {
    guard let message = try connection.document(Message.self, from: "message", id: id, operationId: operationId)
    else { return nil }
    let order = connection.dialect.insertionOrder
    return MessageRecord(
        message: message,
        forwards: try connection.documents(
            Forward.self, "SELECT json FROM message_forward WHERE message_id = \(id) ORDER BY \(raw: order)"),
        acknowledgements: try connection.documents(
            Acknowledgement.self,
            "SELECT json FROM message_acknowledgement WHERE message_id = \(id) ORDER BY \(raw: order)"))
}

/// Such a message, read inside a write; refused when it is not there.
private func existingMessage(
    id: String, operationId: String, in connection: any SQLConnection
) throws
    -> MessageRecord
{
    guard let record = try messageRecord(id: id, operationId: operationId, in: connection) else {
        throw StoreError.notFound("No such message.")
    }
    return record
}
