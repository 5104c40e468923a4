import Foundation

// The payloads of the events that carry no record of their own: reads kept for the audit
// trail, notices and references. Records (targets, actions, …) are payloads as they are.

/// A record named by its id: a target read, a draft sitrep discarded.
public struct RecordReference: Codable, Sendable, Equatable, EventPayload {
    /// The record's id.
    public var id: String

    /// Names the record with `id`.
    public init(id: String) { self.id = id }
}

/// Someone signed in.
public struct SignedIn: Codable, Sendable, Equatable, EventPayload {
    /// The account.
    public var userId: String

    /// The sign-in of `userId`.
    public init(userId: String) { self.userId = userId }
}

/// What the audit trail and the agency's administrators learn of a failed sign-in, or of the
/// lock it caused.
public struct FailedSignIn: Codable, Sendable, Equatable, EventPayload {
    /// The username tried, as typed.
    public var username: String
    /// The account's id, when the username names one.
    public var id: String?
    /// The account's agency, when the username names one.
    public var agencyId: String?
    /// The client's address.
    public var address: String
    /// Until when the account or the address is locked (a lock only).
    public var lockedUntil: Date?

    /// Creates the record of a failed attempt (with `lockedUntil`, of the lock it caused).
    public init(username: String, id: String?, agencyId: String?, address: String, lockedUntil: Date? = nil) {
        self.username = username
        self.id = id
        self.agencyId = agencyId
        self.address = address
        self.lockedUntil = lockedUntil
    }
}

/// A message read or exported.
public struct MessageReadAudit: Codable, Sendable, Equatable, EventPayload {
    /// The message.
    public var messageId: String
    /// The format of an export, such as `markdown`.
    public var format: String?

    /// The read (or, with `format`, the export) of `messageId`.
    public init(messageId: String, format: String? = nil) {
        self.messageId = messageId
        self.format = format
    }
}

/// A message's file downloaded, or refused because it no longer matches its SHA-256.
public struct AttachmentAudit: Codable, Sendable, Equatable, EventPayload {
    /// The file.
    public var attachmentId: String
    /// The message it belongs to (a download).
    public var messageId: String?
    /// The SHA-256 it was served with (a download).
    public var sha256: String?
    /// What was wrong with it (a refusal).
    public var problem: String?

    /// A download of `attachmentId` of `messageId`, checked against `sha256`.
    public init(downloadOf attachmentId: String, messageId: String, sha256: String) {
        self.attachmentId = attachmentId
        self.messageId = messageId
        self.sha256 = sha256
    }

    /// A download of `attachmentId` refused for `problem`.
    public init(refusalOf attachmentId: String, problem: String) {
        self.attachmentId = attachmentId
        self.problem = problem
    }
}

/// The records a list's page or a feed delivered: how many and which (their ids, in the order
/// delivered).
public struct ListDelivery: Codable, Sendable, Equatable, EventPayload {
    /// How many records.
    public var count: Int
    /// The operation's sequence number the list was current at.
    public var asOfSequence: Int64?
    /// Their ids, in order; nil in entries written before lists came a page at a time, which
    /// named a list of more than 1,000 targets by its count and sequence.
    public var ids: [String]?
    /// The search that found them.
    public var query: String?
    /// Where they were shown, such as `web`, when not through the API.
    public var via: String?

    /// The delivery of `ids`, with the sequence the list was current at, where it was shown
    /// and the search that found it, when given.
    public init(ids: [String], asOfSequence: Int64? = nil, via: String? = nil, query: String? = nil) {
        self.count = ids.count
        self.asOfSequence = asOfSequence
        self.ids = ids
        self.query = query
        self.via = via
    }

    /// Written by hand: a list read writes one with every request.
    public func eventJSON() -> String {
        var text = JSONText(capacity: 48 + (ids?.count ?? 0) * 30)
        text.beginObject()
        text.key("count")
        text.number(count)
        if let asOfSequence {
            text.key("asOfSequence")
            text.number(Int(asOfSequence))
        }
        if let ids {
            text.key("ids")
            text.beginArray()
            for id in ids { text.string(id) }
            text.endArray()
        }
        if let query {
            text.key("query")
            text.string(query)
        }
        if let via {
            text.key("via")
            text.string(via)
        }
        text.endObject()
        return text.string
    }
}

/// What the log keeps of a deleted target: enough for a feed to decide who may learn of it.
public struct DeletedTarget: Codable, Sendable, Equatable, EventPayload {
    /// The target's id.
    public var id: String
    /// The agency that recorded it.
    public var originatorAgencyId: String
    /// Its handling code.
    public var handling: HandlingCode
    /// Who could read it.
    public var distribution: Distribution

    /// What is kept of `target` once it is deleted.
    public init(_ target: Target) {
        id = target.id
        originatorAgencyId = target.originatorAgencyId
        handling = target.handling
        distribution = target.distribution
    }

    /// The facts the access policy decides on.
    public var recordHandling: RecordHandling {
        RecordHandling(originatorAgencyId: originatorAgencyId, handling: handling, distribution: distribution)
    }
}

/// What the caller's audit trail keeps of a check before sharing: every value checked.
public struct CrossCheckAudit: Codable, Sendable, Equatable, EventPayload {
    /// One value checked.
    public struct Checked: Codable, Sendable, Equatable {
        /// Its kind.
        public var kind: SelectorKind
        /// The value, as normalised.
        public var value: String
        /// Whether it hit.
        public var hit: Bool

        /// Creates the record of one value checked.
        public init(kind: SelectorKind, value: String, hit: Bool) {
            self.kind = kind
            self.value = value
            self.hit = hit
        }
    }
    /// How many values were checked.
    public var checked: Int
    /// How many hit.
    public var hits: Int
    /// Each value.
    public var selectors: [Checked]

    /// Creates the audit of a check.
    public init(checked: Int, hits: Int, selectors: [Checked]) {
        self.checked = checked
        self.hits = hits
        self.selectors = selectors
    }

    /// Written by hand: it is written with every check, and a check of 100 selectors would
    /// spend a third of a millisecond in the encoder (a test compares the two).
    public func eventJSON() -> String {
        var text = JSONText(capacity: 32 + selectors.count * 48)
        text.beginObject()
        text.key("checked")
        text.number(checked)
        text.key("hits")
        text.number(hits)
        text.key("selectors")
        text.beginArray()
        for selector in selectors {
            text.beginObject()
            text.key("hit")
            text.bool(selector.hit)
            text.field("kind", selector.kind.rawValue)
            text.field("value", selector.value)
            text.endObject()
        }
        text.endArray()
        text.endObject()
        return text.string
    }
}

/// What a holder is told when a check hits its selectors: who checked, when, which of its
/// selectors and how they matched; never the value the checker sent.
public struct CrossCheckNotice: Codable, Sendable, Equatable, EventPayload {
    /// Who checked.
    public struct Checker: Codable, Sendable, Equatable {
        /// The user.
        public var userId: String
        /// Their agency.
        public var agencyId: String
        /// Its name.
        public var agencyName: String
        /// Its country.
        public var agencyCountry: String
        /// Whom to contact there.
        public var agencyContact: String?

        /// Creates a checker.
        public init(userId: String, agencyId: String, agencyName: String, agencyCountry: String, agencyContact: String?)
        {
            self.userId = userId
            self.agencyId = agencyId
            self.agencyName = agencyName
            self.agencyCountry = agencyCountry
            self.agencyContact = agencyContact
        }
    }
    /// One of the holder's selectors that the check hit.
    public struct Holding: Codable, Sendable, Equatable {
        /// The holder's target.
        public var targetId: String
        /// The selector's kind.
        public var selectorKind: SelectorKind
        /// The holder's selector: in the feed, its match key (the normalised value by which it
        /// matched); in the notices list, as the holder wrote it.
        public var value: String
        /// The date of birth of a person selector.
        public var dateOfBirth: String?
        /// How it matched.
        public var match: MatchKind

        /// Creates a holding.
        public init(targetId: String, selectorKind: SelectorKind, value: String, dateOfBirth: String?, match: MatchKind)
        {
            self.targetId = targetId
            self.selectorKind = selectorKind
            self.value = value
            self.dateOfBirth = dateOfBirth
            self.match = match
        }
    }
    /// The notice's id.
    public var id: String
    /// The agency told.
    public var holderAgencyId: String
    /// The holder's operation.
    public var operationId: String
    /// When the check was made.
    public var checkedAt: Date
    /// Who checked.
    public var checkedBy: Checker
    /// Which of the holder's selectors it hit.
    public var selectors: [Holding]

    /// Creates a notice.
    public init(
        id: String, holderAgencyId: String, operationId: String, checkedAt: Date, checkedBy: Checker,
        selectors: [Holding]
    ) {
        self.id = id
        self.holderAgencyId = holderAgencyId
        self.operationId = operationId
        self.checkedAt = checkedAt
        self.checkedBy = checkedBy
        self.selectors = selectors
    }

    /// Written by hand: a check writes one for each holder it hits (a test compares the two).
    public func eventJSON() -> String {
        var text = JSONText(capacity: 384 + selectors.count * 128)
        text.beginObject()
        text.field("checkedAt", checkedAt)
        text.key("checkedBy")
        text.beginObject()
        text.field("agencyContact", checkedBy.agencyContact)
        text.field("agencyCountry", checkedBy.agencyCountry)
        text.field("agencyId", checkedBy.agencyId)
        text.field("agencyName", checkedBy.agencyName)
        text.field("userId", checkedBy.userId)
        text.endObject()
        text.field("holderAgencyId", holderAgencyId)
        text.field("id", id)
        text.field("operationId", operationId)
        text.key("selectors")
        text.beginArray()
        for holding in selectors {
            text.beginObject()
            text.field("dateOfBirth", holding.dateOfBirth)
            text.field("match", holding.match.rawValue)
            text.field("selectorKind", holding.selectorKind.rawValue)
            text.field("targetId", holding.targetId)
            text.field("value", holding.value)
            text.endObject()
        }
        text.endArray()
        text.endObject()
        return text.string
    }
}
