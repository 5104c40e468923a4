import Foundation

/// What an event carries: a record or a notice that the log keeps as JSON, under its hash
/// chain.
public protocol EventPayload: Sendable {
    /// The JSON the log keeps for it.
    func eventJSON() throws -> String
    /// Reads it back from the JSON the log keeps.
    static func decodeEventJSON(_ json: String) throws -> Self
}

extension EventPayload where Self: Codable {
    public func eventJSON() throws -> String { try ConcertJSON.encodeToString(self) }
    public static func decodeEventJSON(_ json: String) throws -> Self { try ConcertJSON.decode(Self.self, from: json) }
}

/// A kind of event with the type of what it carries: a writer hands over a payload of that
/// type or does not compile, and a reader gets that type back.
///
/// Every kind is declared once, below, next to its payload type; the initialiser is private to
/// this file, so no other code can pair a kind with another type.
public struct TypedEventKind<Payload: EventPayload>: Sendable, Hashable {
    /// The kind, as the log names it.
    public let kind: EventKind

    private init(_ kind: EventKind) { self.kind = kind }

    /// Reads the payload of an event of this kind from the JSON the log keeps.
    public func decode(_ json: String) throws -> Payload { try Payload.decodeEventJSON(json) }

    /// The kind and the type of what events of this kind carry.
    var declaration: (kind: EventKind, payloadType: any EventPayload.Type) { (kind, Payload.self) }
}

/// A payload encoded once, with the type it was encoded from: a store writes the same text
/// into its record's row and into the event.
public struct EncodedPayload<Payload: EventPayload>: Sendable {
    /// The JSON text.
    public let json: String

    /// Encodes `payload`.
    public init(_ payload: Payload) throws { json = try payload.eventJSON() }

    private init(json: String) { self.json = json }

    /// A payload as a row already keeps it, read to prove it is one, and its text kept
    /// verbatim: the event then holds exactly what was stored.
    public static func stored(_ json: String) throws -> (payload: Payload, encoded: Self) {
        (try Payload.decodeEventJSON(json), Self(json: json))
    }
}

extension EventKind {
    /// The type of what events of this kind carry.
    public var payloadType: any EventPayload.Type { declaration.payloadType }

    /// The kind's typed declaration, as the kind it names and its payload type: one exhaustive
    /// switch, so that a kind without a declaration does not compile (and a test checks that
    /// each declaration names its own kind).
    var declaration: (kind: EventKind, payloadType: any EventPayload.Type) {
        switch self {
        case .actionCreated: TypedEventKind.actionCreated.declaration
        case .actionDeleted: TypedEventKind.actionDeleted.declaration
        case .actionGateChecked: TypedEventKind.actionGateChecked.declaration
        case .actionOverdue: TypedEventKind.actionOverdue.declaration
        case .actionStatusChanged: TypedEventKind.actionStatusChanged.declaration
        case .actionUpdated: TypedEventKind.actionUpdated.declaration
        case .agencyCreated: TypedEventKind.agencyCreated.declaration
        case .auditAttachmentRead: TypedEventKind.auditAttachmentRead.declaration
        case .auditAttachmentRefused: TypedEventKind.auditAttachmentRefused.declaration
        case .auditCrossCheck: TypedEventKind.auditCrossCheck.declaration
        case .auditFeedDelivered: TypedEventKind.auditFeedDelivered.declaration
        case .auditHitsListed: TypedEventKind.auditHitsListed.declaration
        case .auditMessageExported: TypedEventKind.auditMessageExported.declaration
        case .auditMessageRead: TypedEventKind.auditMessageRead.declaration
        case .auditMessagesListed: TypedEventKind.auditMessagesListed.declaration
        case .auditMessagesSearched: TypedEventKind.auditMessagesSearched.declaration
        case .auditTargetRead: TypedEventKind.auditTargetRead.declaration
        case .auditTargetsListed: TypedEventKind.auditTargetsListed.declaration
        case .crosscheckChecked: TypedEventKind.crosscheckChecked.declaration
        case .exclusionCreated: TypedEventKind.exclusionCreated.declaration
        case .exclusionDeleted: TypedEventKind.exclusionDeleted.declaration
        case .exhibitCustodyRecorded: TypedEventKind.exhibitCustodyRecorded.declaration
        case .exhibitRecorded: TypedEventKind.exhibitRecorded.declaration
        case .hitFound: TypedEventKind.hitFound.declaration
        case .hitRetired: TypedEventKind.hitRetired.declaration
        case .hitReviewed: TypedEventKind.hitReviewed.declaration
        case .instrumentCreated: TypedEventKind.instrumentCreated.declaration
        case .instrumentUpdated: TypedEventKind.instrumentUpdated.declaration
        case .logMarkedSignificant: TypedEventKind.logMarkedSignificant.declaration
        case .logPosted: TypedEventKind.logPosted.declaration
        case .messageAcknowledged: TypedEventKind.messageAcknowledged.declaration
        case .messageForwardGranted: TypedEventKind.messageForwardGranted.declaration
        case .messageForwardRefused: TypedEventKind.messageForwardRefused.declaration
        case .messageForwardRequested: TypedEventKind.messageForwardRequested.declaration
        case .messageForwarded: TypedEventKind.messageForwarded.declaration
        case .messageSent: TypedEventKind.messageSent.declaration
        case .operationAbort: TypedEventKind.operationAbort.declaration
        case .operationAgencyInvited: TypedEventKind.operationAgencyInvited.declaration
        case .operationCreated: TypedEventKind.operationCreated.declaration
        case .operationGo: TypedEventKind.operationGo.declaration
        case .operationHHourSet: TypedEventKind.operationHHourSet.declaration
        case .operationHold: TypedEventKind.operationHold.declaration
        case .operationResume: TypedEventKind.operationResume.declaration
        case .signInFailed: TypedEventKind.signInFailed.declaration
        case .signInLocked: TypedEventKind.signInLocked.declaration
        case .sitrepApproved: TypedEventKind.sitrepApproved.declaration
        case .sitrepCompiled: TypedEventKind.sitrepCompiled.declaration
        case .sitrepDiscarded: TypedEventKind.sitrepDiscarded.declaration
        case .sitrepUpdated: TypedEventKind.sitrepUpdated.declaration
        case .targetCreated: TypedEventKind.targetCreated.declaration
        case .targetDeleted: TypedEventKind.targetDeleted.declaration
        case .targetUpdated: TypedEventKind.targetUpdated.declaration
        case .userChanged: TypedEventKind.userChanged.declaration
        case .userCreated: TypedEventKind.userCreated.declaration
        case .userDisabled: TypedEventKind.userDisabled.declaration
        case .userEnabled: TypedEventKind.userEnabled.declaration
        case .userPasswordReset: TypedEventKind.userPasswordReset.declaration
        case .userSessionsEnded: TypedEventKind.userSessionsEnded.declaration
        case .userSignedIn: TypedEventKind.userSignedIn.declaration
        }
    }
}

// MARK: - Every kind, with its payload

extension TypedEventKind where Payload == Action {
    /// An action was planned; carries the action.
    public static var actionCreated: Self { Self(.actionCreated) }
    /// One of its gates was checked or unchecked.
    public static var actionGateChecked: Self { Self(.actionGateChecked) }
    /// It passed its planned time without being done.
    public static var actionOverdue: Self { Self(.actionOverdue) }
    /// Its status (and outcome) changed.
    public static var actionStatusChanged: Self { Self(.actionStatusChanged) }
    /// Its plan changed.
    public static var actionUpdated: Self { Self(.actionUpdated) }
}

extension TypedEventKind where Payload == Agency {
    /// An agency joined the platform; carries the agency.
    public static var agencyCreated: Self { Self(.agencyCreated) }
}

extension TypedEventKind where Payload == AttachmentAudit {
    /// A message's file was downloaded.
    public static var auditAttachmentRead: Self { Self(.auditAttachmentRead) }
    /// A message's file was refused, since it no longer matches its SHA-256.
    public static var auditAttachmentRefused: Self { Self(.auditAttachmentRefused) }
}

extension TypedEventKind where Payload == CrossCheckAudit {
    /// Someone checked values before sharing; carries every value and whether it hit.
    public static var auditCrossCheck: Self { Self(.auditCrossCheck) }
}

extension TypedEventKind where Payload == ListDelivery {
    /// A live feed delivered events.
    public static var auditFeedDelivered: Self { Self(.auditFeedDelivered) }
    /// An agency's hits were listed.
    public static var auditHitsListed: Self { Self(.auditHitsListed) }
    /// An operation's messages were listed.
    public static var auditMessagesListed: Self { Self(.auditMessagesListed) }
    /// An operation's messages were searched.
    public static var auditMessagesSearched: Self { Self(.auditMessagesSearched) }
    /// An operation's targets were listed.
    public static var auditTargetsListed: Self { Self(.auditTargetsListed) }
}

extension TypedEventKind where Payload == MessageReadAudit {
    /// A message was exported.
    public static var auditMessageExported: Self { Self(.auditMessageExported) }
    /// A message was read.
    public static var auditMessageRead: Self { Self(.auditMessageRead) }
}

extension TypedEventKind where Payload == RecordReference {
    /// An action that had not gone ahead was taken off the plan.
    public static var actionDeleted: Self { Self(.actionDeleted) }
    /// A target was read.
    public static var auditTargetRead: Self { Self(.auditTargetRead) }
    /// A draft sitrep was discarded.
    public static var sitrepDiscarded: Self { Self(.sitrepDiscarded) }
}

extension TypedEventKind where Payload == CrossCheckNotice {
    /// A check by another agency hit a holder's selectors; told to the holder.
    public static var crosscheckChecked: Self { Self(.crosscheckChecked) }
}

extension TypedEventKind where Payload == Exclusion {
    /// A value was excluded from cross-checks.
    public static var exclusionCreated: Self { Self(.exclusionCreated) }
    /// An exclusion was lifted.
    public static var exclusionDeleted: Self { Self(.exclusionDeleted) }
}

extension TypedEventKind where Payload == CustodyRecord {
    /// An exhibit was seized: its first custody entry and the exhibit.
    public static var exhibitRecorded: Self { Self(.exhibitRecorded) }
    /// A step of an exhibit's chain of custody, and the exhibit as it stands after it.
    public static var exhibitCustodyRecorded: Self { Self(.exhibitCustodyRecorded) }
}

extension TypedEventKind where Payload == Hit {
    /// Two agencies were found to hold the same identifier.
    public static var hitFound: Self { Self(.hitFound) }
    /// A hit no longer holds (a target changed, was deleted or excluded).
    public static var hitRetired: Self { Self(.hitRetired) }
    /// A side reviewed a hit.
    public static var hitReviewed: Self { Self(.hitReviewed) }
}

extension TypedEventKind where Payload == LegalInstrument {
    /// A legal instrument was recorded.
    public static var instrumentCreated: Self { Self(.instrumentCreated) }
    /// It changed (its status, say).
    public static var instrumentUpdated: Self { Self(.instrumentUpdated) }
}

extension TypedEventKind where Payload == LogEntry {
    /// An entry of the operation log was marked significant (or no longer).
    public static var logMarkedSignificant: Self { Self(.logMarkedSignificant) }
    /// A participant posted to the operation log.
    public static var logPosted: Self { Self(.logPosted) }
}

extension TypedEventKind where Payload == MessageNotice {
    /// An agency acknowledged a message.
    public static var messageAcknowledged: Self { Self(.messageAcknowledged) }
    /// The originator let a message be passed on.
    public static var messageForwardGranted: Self { Self(.messageForwardGranted) }
    /// The originator refused to let it be passed on.
    public static var messageForwardRefused: Self { Self(.messageForwardRefused) }
    /// An agency asked to pass a message on.
    public static var messageForwardRequested: Self { Self(.messageForwardRequested) }
    /// A message was passed on where no permission was needed.
    public static var messageForwarded: Self { Self(.messageForwarded) }
    /// A message was sent.
    public static var messageSent: Self { Self(.messageSent) }
}

extension TypedEventKind where Payload == JointOperation {
    /// The coordinator aborted the action day (or a country's part of it).
    public static var operationAbort: Self { Self(.operationAbort) }
    /// An agency was invited to the operation.
    public static var operationAgencyInvited: Self { Self(.operationAgencyInvited) }
    /// An operation was created.
    public static var operationCreated: Self { Self(.operationCreated) }
    /// The coordinator gave GO.
    public static var operationGo: Self { Self(.operationGo) }
    /// H-hour was set or moved.
    public static var operationHHourSet: Self { Self(.operationHHourSet) }
    /// The coordinator gave HOLD.
    public static var operationHold: Self { Self(.operationHold) }
    /// The coordinator lifted a hold.
    public static var operationResume: Self { Self(.operationResume) }
}

extension TypedEventKind where Payload == FailedSignIn {
    /// A sign-in failed.
    public static var signInFailed: Self { Self(.signInFailed) }
    /// Failed sign-ins locked an account or an address.
    public static var signInLocked: Self { Self(.signInLocked) }
}

extension TypedEventKind where Payload == Sitrep {
    /// A coordinator approved a sitrep: it is final and sent to every participant.
    public static var sitrepApproved: Self { Self(.sitrepApproved) }
    /// A draft sitrep was compiled.
    public static var sitrepCompiled: Self { Self(.sitrepCompiled) }
    /// A draft sitrep was edited.
    public static var sitrepUpdated: Self { Self(.sitrepUpdated) }
}

extension TypedEventKind where Payload == Target {
    /// A target was recorded.
    public static var targetCreated: Self { Self(.targetCreated) }
    /// A target changed.
    public static var targetUpdated: Self { Self(.targetUpdated) }
}

extension TypedEventKind where Payload == DeletedTarget {
    /// A target was deleted.
    public static var targetDeleted: Self { Self(.targetDeleted) }
}

extension TypedEventKind where Payload == User {
    /// An account's name or role changed.
    public static var userChanged: Self { Self(.userChanged) }
    /// An account was created.
    public static var userCreated: Self { Self(.userCreated) }
    /// An account was disabled.
    public static var userDisabled: Self { Self(.userDisabled) }
    /// An account was enabled again.
    public static var userEnabled: Self { Self(.userEnabled) }
    /// An administrator gave an account a new password (never written in the event); its
    /// sessions ended with it.
    public static var userPasswordReset: Self { Self(.userPasswordReset) }
    /// Every session of an account was ended.
    public static var userSessionsEnded: Self { Self(.userSessionsEnded) }
}

extension TypedEventKind where Payload == SignedIn {
    /// Someone signed in.
    public static var userSignedIn: Self { Self(.userSignedIn) }
}

// The records that events carry as they are.
extension Action: EventPayload {}
extension Agency: EventPayload {}
extension Exclusion: EventPayload {}
extension Hit: EventPayload {
    /// Written by hand (``json``): an import can find thousands of hits.
    public func eventJSON() -> String { json }
}
extension JointOperation: EventPayload {}
extension LegalInstrument: EventPayload {}
extension LogEntry: EventPayload {}
extension Sitrep: EventPayload {}
extension Target: EventPayload {
    /// Written by hand (``json``): an import writes a million selectors' targets.
    public func eventJSON() -> String { json }
}
extension User: EventPayload {}
extension MessageNotice: EventPayload {}
