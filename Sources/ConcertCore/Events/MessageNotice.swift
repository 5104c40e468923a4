import Foundation

/// What the event log records of a message and of what happens to it: everything a recipient
/// may see in a list or a feed, never the body itself (reading that is an audit entry of its
/// own). The body's SHA-256 puts the body under the hash chain all the same.
public struct MessageNotice: Codable, Sendable, Equatable {
    /// The message.
    public var messageId: String
    /// Its thread.
    public var threadId: String
    /// What it is about.
    public var subject: String
    /// The agency that sent it.
    public var originatorAgencyId: String
    /// The user who wrote it.
    public var authorUserId: String
    /// Its handling code.
    public var handling: HandlingCode
    /// Who receives it now, forwards counted in.
    public var audience: Distribution
    /// When it was sent.
    public var sentAt: Date
    /// How many files it carries.
    public var attachmentCount: Int
    /// SHA-256 of the body, hex.
    public var bodySha256: String
    /// When set, only these agencies learn of the event (a request to pass the message on
    /// concerns the originator and the asker).
    public var onlyAgencies: [String]?
    /// The forward the event is about.
    public var forward: Forward?
    /// The acknowledgement the event is about.
    public var acknowledgement: Acknowledgement?

    /// The notice of a message as it stands; `bodySha256` is the SHA-256 of its body, hex
    /// (computed by the store, which has the hash function).
    public init(
        _ record: MessageRecord, bodySha256: String, onlyAgencies: [String]? = nil, forward: Forward? = nil,
        acknowledgement: Acknowledgement? = nil
    ) {
        let message = record.message
        self.messageId = message.id
        self.threadId = message.threadId
        self.subject = message.subject
        self.originatorAgencyId = message.originatorAgencyId
        self.authorUserId = message.authorUserId
        self.handling = message.handling
        self.audience = record.audience
        self.sentAt = message.sentAt
        self.attachmentCount = message.attachments.count
        self.bodySha256 = bodySha256
        self.onlyAgencies = onlyAgencies
        self.forward = forward
        self.acknowledgement = acknowledgement
    }

    /// The agencies a forward concerns: the originator, the asker and the agency it names
    /// (which reads the message once it is granted).
    public static func agenciesConcerned(by forward: Forward, in record: MessageRecord) -> [String] {
        Array(Set([record.message.originatorAgencyId, forward.requestedByAgencyId, forward.agencyId])).sorted()
    }

    /// The facts the access policy decides on.
    public var recordHandling: RecordHandling {
        RecordHandling(originatorAgencyId: originatorAgencyId, handling: handling, distribution: audience)
    }
}
