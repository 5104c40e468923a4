import Foundation

/// A file sent with a message, as the message records it: the content itself is kept
/// encrypted outside the database, under its SHA-256.
public struct AttachmentInfo: Codable, Sendable, Equatable, Identifiable {
    /// Opaque identifier.
    public var id: String
    /// The file's name as the sender gave it (without any folder).
    public var fileName: String
    /// The media type the sender declared; downloads are always served as a plain download.
    public var mediaType: String
    /// Its size in bytes.
    public var size: Int64
    /// The SHA-256 of its content, in lower-case hex, as `sha256sum` prints it.
    public var sha256: String

    /// Creates an attachment record.
    public init(id: String, fileName: String, mediaType: String, size: Int64, sha256: String) {
        self.id = id
        self.fileName = fileName
        self.mediaType = mediaType
        self.size = size
        self.sha256 = sha256
    }
}

/// A message between the agencies of one operation. It never changes once sent: a correction
/// is a new message that refers to it.
public struct Message: Codable, Sendable, Equatable, Identifiable {
    /// Opaque identifier.
    public var id: String
    /// The operation it belongs to.
    public var operationId: String
    /// The first message of its thread (itself when it starts one).
    public var threadId: String
    /// The message it answers, if any.
    public var replyTo: String?
    /// The message it corrects, if any (a correction also answers it).
    public var corrects: String?
    /// One line saying what it is about.
    public var subject: String
    /// Plain text with simple Markdown.
    public var body: String
    /// Handling code.
    public var handling: HandlingCode
    /// The restriction in words, required with H3.
    public var handlingRestriction: String?
    /// Evaluation, such as `B2`.
    public var evaluation: Evaluation
    /// Who receives it besides the originator.
    public var distribution: Distribution
    /// The targets it concerns.
    public var targets: [String]
    /// The files sent with it.
    public var attachments: [AttachmentInfo]
    /// The agency that sent it.
    public var originatorAgencyId: String
    /// The user who wrote it.
    public var authorUserId: String
    /// When it was sent.
    public var sentAt: Date

    /// Creates a message.
    public init(
        id: String, operationId: String, threadId: String, replyTo: String?, corrects: String?, subject: String,
        body: String, handling: HandlingCode, handlingRestriction: String?, evaluation: Evaluation,
        distribution: Distribution, targets: [String], attachments: [AttachmentInfo], originatorAgencyId: String,
        authorUserId: String, sentAt: Date
    ) {
        self.id = id
        self.operationId = operationId
        self.threadId = threadId
        self.replyTo = replyTo
        self.corrects = corrects
        self.subject = subject
        self.body = body
        self.handling = handling
        self.handlingRestriction = handlingRestriction
        self.evaluation = evaluation
        self.distribution = distribution
        self.targets = targets
        self.attachments = attachments
        self.originatorAgencyId = originatorAgencyId
        self.authorUserId = authorUserId
        self.sentAt = sentAt
    }

    /// The words that go with an H1 record wherever it is shown or exported.
    public static let notForJudicialUse = "NOT FOR JUDICIAL USE without the originator's permission (H1)."
}

/// Where a request to pass a message on to another agency stands.
public enum ForwardStatus: String, Codable, Sendable, CaseIterable {
    /// Asked of the originator, not decided yet.
    case requested
    /// The agency receives the message.
    case granted
    /// The originator said no.
    case refused
}

/// A message passed on to an agency outside its distribution: asked for by a recipient and,
/// for H2 and H3 records, decided by the originator.
public struct Forward: Codable, Sendable, Equatable, Identifiable {
    /// Opaque identifier.
    public var id: String
    /// The message passed on.
    public var messageId: String
    /// The agency that is to receive it.
    public var agencyId: String
    /// The agency that asked.
    public var requestedByAgencyId: String
    /// The user who asked.
    public var requestedByUserId: String
    /// Why, in the asker's words.
    public var reason: String?
    /// Where it stands.
    public var status: ForwardStatus
    /// When it was asked.
    public var requestedAt: Date
    /// The originator's user who decided, when decided.
    public var decidedByUserId: String?
    /// When it was decided.
    public var decidedAt: Date?

    /// Creates a forward.
    public init(
        id: String, messageId: String, agencyId: String, requestedByAgencyId: String, requestedByUserId: String,
        reason: String?, status: ForwardStatus, requestedAt: Date, decidedByUserId: String? = nil,
        decidedAt: Date? = nil
    ) {
        self.id = id
        self.messageId = messageId
        self.agencyId = agencyId
        self.requestedByAgencyId = requestedByAgencyId
        self.requestedByUserId = requestedByUserId
        self.reason = reason
        self.status = status
        self.requestedAt = requestedAt
        self.decidedByUserId = decidedByUserId
        self.decidedAt = decidedAt
    }
}

/// A recipient agency's confirmation that it received a message.
public struct Acknowledgement: Codable, Sendable, Equatable {
    /// The agency that confirmed.
    public var agencyId: String
    /// The user who clicked.
    public var userId: String
    /// When.
    public var acknowledgedAt: Date

    /// Creates an acknowledgement.
    public init(agencyId: String, userId: String, acknowledgedAt: Date) {
        self.agencyId = agencyId
        self.userId = userId
        self.acknowledgedAt = acknowledgedAt
    }
}

/// A message with what happened to it since: forwards and acknowledgements.
public struct MessageRecord: Sendable, Equatable {
    /// The message as sent.
    public var message: Message
    /// Requests to pass it on, in the order asked.
    public var forwards: [Forward]
    /// The recipient agencies' acknowledgements, in the order given.
    public var acknowledgements: [Acknowledgement]

    /// Creates a record.
    public init(message: Message, forwards: [Forward] = [], acknowledgements: [Acknowledgement] = []) {
        self.message = message
        self.forwards = forwards
        self.acknowledgements = acknowledgements
    }

    /// Who receives it now: its distribution and every agency it was forwarded to.
    public var audience: Distribution {
        switch message.distribution {
        case .allParticipants: return .allParticipants
        case .agencies(let named):
            var agencies = named
            for forward in forwards where forward.status == .granted && !agencies.contains(forward.agencyId) {
                agencies.append(forward.agencyId)
            }
            return .agencies(agencies)
        }
    }

    /// The facts the access policy decides on, with forwards counted in.
    public var recordHandling: RecordHandling {
        RecordHandling(
            originatorAgencyId: message.originatorAgencyId, handling: message.handling, distribution: audience)
    }

    /// The agencies expected to acknowledge: every agency of the audience that sees
    /// intelligence in the operation, except the originator.
    public func recipients(in operation: JointOperation) -> [String] {
        operation.participants.compactMap { participant in
            guard AccessPolicy.mayReceiveIntelligence(agencyId: participant.agencyId, in: operation),
                participant.agencyId != message.originatorAgencyId,
                audience.includes(participant.agencyId, originator: message.originatorAgencyId)
            else { return nil }
            return participant.agencyId
        }
    }

    /// Recipients that have not acknowledged yet.
    public func awaitingAcknowledgement(in operation: JointOperation) -> [String] {
        let acknowledged = Set(acknowledgements.map(\.agencyId))
        return recipients(in: operation).filter { !acknowledged.contains($0) }
    }

    /// Whether it has waited `due` or longer for an acknowledgement.
    public func isOverdue(in operation: JointOperation, now: Date, due: TimeInterval) -> Bool {
        now.timeIntervalSince(message.sentAt) >= due && !awaitingAcknowledgement(in: operation).isEmpty
    }

    /// Adds a forward, or replaces the one with its id; returns whether it is new.
    public mutating func record(_ forward: Forward) -> Bool {
        if let index = forwards.firstIndex(where: { $0.id == forward.id }) {
            forwards[index] = forward
            return false
        }
        forwards.append(forward)
        return true
    }

    /// Whether the handling code needs the originator's permission to pass the message on.
    public var forwardingNeedsPermission: Bool { message.handling == .h2 || message.handling == .h3 }
}

/// What a client sends to write a message.
public struct MessageInput: Codable, Sendable {
    public var subject: String
    public var body: String
    public var handling: HandlingCode
    public var handlingRestriction: String?
    public var evaluation: Evaluation
    public var distribution: Distribution
    public var targets: [String]?
    public var replyTo: String?
    public var corrects: String?

    /// Creates an input.
    public init(
        subject: String, body: String, handling: HandlingCode, handlingRestriction: String? = nil,
        evaluation: Evaluation, distribution: Distribution, targets: [String]? = nil, replyTo: String? = nil,
        corrects: String? = nil
    ) {
        self.subject = subject
        self.body = body
        self.handling = handling
        self.handlingRestriction = handlingRestriction
        self.evaluation = evaluation
        self.distribution = distribution
        self.targets = targets
        self.replyTo = replyTo
        self.corrects = corrects
    }

    /// The message it answers or corrects, when it names one (both must then agree).
    public func parentId() throws(DomainError) -> String? {
        if let replyTo, let corrects, replyTo != corrects {
            throw .invalid(
                "A correction answers the message it corrects: leave out 'replyTo' or give the same id as 'corrects'.",
                field: "replyTo")
        }
        return corrects ?? replyTo
    }

    /// Validates the input and builds the message it describes.
    ///
    /// - Parameters:
    ///   - parent: the message it answers or corrects, already checked readable by the author.
    ///   - attachments: the files already received and stored.
    public func makeMessage(
        id: String, operation: JointOperation, parent: MessageRecord?, by actor: Actor,
        attachments: [AttachmentInfo], now: Date
    ) throws(DomainError) -> Message {
        let subject = try Validation.requiredText(subject, field: "subject", maxLength: 300)
        guard body.utf8.count <= 200_000 else {
            throw .invalid("A message body holds at most 200,000 bytes; attach longer texts as files.", field: "body")
        }
        let body = try Validation.requiredText(body, field: "body", maxLength: 200_000)
        let restriction = try Validation.optionalText(
            handlingRestriction, field: "handlingRestriction", maxLength: 2_000)
        if handling == .h3 && restriction == nil {
            throw .invalid(
                "Handling code H3 needs its restriction stated in 'handlingRestriction'.", field: "handlingRestriction")
        }
        if case .agencies(let named) = distribution {
            guard !named.isEmpty else {
                throw .invalid(
                    "A named distribution lists at least one agency; use \"all\" to send to every participant.",
                    field: "distribution")
            }
            for agency in named where !AccessPolicy.mayReceiveIntelligence(agencyId: agency, in: operation) {
                throw .invalid(
                    operation.role(of: agency) == nil
                        ? "Agency '\(agency)' does not take part in this operation, so it cannot receive the message."
                        : "Agency '\(agency)' observes this operation and receives no intelligence.",
                    field: "distribution")
            }
        }
        let targets = targets ?? []
        guard targets.count <= 100 else {
            throw .invalid("A message concerns at most 100 targets.", field: "targets")
        }
        if let parent {
            try Self.checkReply(distribution, by: actor.agencyId, within: parent)
            if corrects != nil && parent.message.originatorAgencyId != actor.agencyId {
                throw .invalid("Only the agency that sent a message may correct it.", field: "corrects")
            }
        }
        var seen = Set<String>()
        let uniqueTargets = targets.filter { seen.insert($0).inserted }
        // An agency named twice receives the message once.
        var distribution = distribution
        if case .agencies(let named) = distribution {
            var listed = Set<String>()
            distribution = .agencies(named.filter { listed.insert($0).inserted })
        }
        return Message(
            id: id, operationId: operation.id, threadId: parent?.message.threadId ?? id,
            replyTo: parent?.message.id, corrects: corrects, subject: subject, body: body, handling: handling,
            handlingRestriction: restriction, evaluation: evaluation, distribution: distribution,
            targets: uniqueTargets, attachments: attachments,
            originatorAgencyId: actor.agencyId, authorUserId: actor.userId, sentAt: now)
    }

    /// A reply reaches no agency that the message it answers did not reach, so that whoever
    /// reads a reply can also read what it answers, and a thread never leaks its start.
    static func checkReply(
        _ distribution: Distribution, by agencyId: String, within parent: MessageRecord
    ) throws(DomainError) {
        guard case .agencies(let parentAudience) = parent.audience else { return }
        let reached = Set(parentAudience + [parent.message.originatorAgencyId])
        let asked: [String]
        switch distribution {
        case .allParticipants:
            throw .invalid(
                "The message this answers went to named agencies only, so the reply must name its recipients among them.",
                field: "distribution")
        case .agencies(let named): asked = named + [agencyId]
        }
        for agency in asked where !reached.contains(agency) {
            throw .invalid(
                "Agency '\(agency)' did not receive the message this answers, so the reply cannot go to it.",
                field: "distribution")
        }
    }
}
