import Foundation

/// Every kind of event Concert writes to its log, as one type: a writer names a case, and a
/// reader that switches over them is told by the compiler of a kind it does not handle.
///
/// The raw values are the `kind` column of the log and are covered by its hash chain: they
/// never change for the events already stored.
public enum EventKind: String, CaseIterable, Codable, Sendable {
    // A planned action.
    case actionCreated = "action.created"
    case actionDeleted = "action.deleted"
    case actionGateChecked = "action.gateChecked"
    case actionOverdue = "action.overdue"
    case actionStatusChanged = "action.statusChanged"
    case actionUpdated = "action.updated"
    // An agency joined the platform.
    case agencyCreated = "agency.created"
    // A read, kept for the audit trail (never in a feed).
    case auditAttachmentRead = "audit.attachmentRead"
    case auditAttachmentRefused = "audit.attachmentRefused"
    case auditCrossCheck = "audit.crossCheck"
    case auditFeedDelivered = "audit.feedDelivered"
    case auditHitsListed = "audit.hitsListed"
    case auditMessageExported = "audit.messageExported"
    case auditMessageRead = "audit.messageRead"
    case auditMessagesListed = "audit.messagesListed"
    case auditMessagesSearched = "audit.messagesSearched"
    case auditTargetRead = "audit.targetRead"
    case auditTargetsListed = "audit.targetsListed"
    // A value of a holder's was checked by another agency.
    case crosscheckChecked = "crosscheck.checked"
    // An exhibit was seized, or a step of its chain of custody recorded.
    case exhibitCustodyRecorded = "exhibit.custodyRecorded"
    case exhibitRecorded = "exhibit.recorded"
    // An exclusion from cross-checks.
    case exclusionCreated = "exclusion.created"
    case exclusionDeleted = "exclusion.deleted"
    // A cross-check hit.
    case hitFound = "hit.found"
    case hitRetired = "hit.retired"
    case hitReviewed = "hit.reviewed"
    // A legal instrument.
    case instrumentCreated = "instrument.created"
    case instrumentUpdated = "instrument.updated"
    // The operation log.
    case logMarkedSignificant = "log.markedSignificant"
    case logPosted = "log.posted"
    // A message or its bookkeeping.
    case messageAcknowledged = "message.acknowledged"
    case messageForwardGranted = "message.forwardGranted"
    case messageForwardRefused = "message.forwardRefused"
    case messageForwardRequested = "message.forwardRequested"
    case messageForwarded = "message.forwarded"
    case messageSent = "message.sent"
    // An operation was created or its action day commanded.
    case operationAbort = "operation.abort"
    case operationAgencyInvited = "operation.agencyInvited"
    case operationCreated = "operation.created"
    case operationGo = "operation.go"
    case operationHHourSet = "operation.hHourSet"
    case operationHold = "operation.hold"
    case operationResume = "operation.resume"
    // A sign-in failed or an account was locked.
    case signInFailed = "signIn.failed"
    case signInLocked = "signIn.locked"
    // A situation report.
    case sitrepApproved = "sitrep.approved"
    case sitrepCompiled = "sitrep.compiled"
    case sitrepDiscarded = "sitrep.discarded"
    case sitrepUpdated = "sitrep.updated"
    // A target was recorded, changed or deleted.
    case targetCreated = "target.created"
    case targetDeleted = "target.deleted"
    case targetUpdated = "target.updated"
    // An account was created, changed or used.
    case userChanged = "user.changed"
    case userCreated = "user.created"
    case userDisabled = "user.disabled"
    case userEnabled = "user.enabled"
    case userPasswordReset = "user.passwordReset"
    case userSessionsEnded = "user.sessionsEnded"
    case userSignedIn = "user.signedIn"

    /// The family of kinds it belongs to, the part of its name before the dot.
    public var family: EventFamily {
        switch self {
        case .actionCreated, .actionDeleted, .actionGateChecked, .actionOverdue, .actionStatusChanged,
            .actionUpdated:
            .action
        case .agencyCreated:
            .agency
        case .auditAttachmentRead, .auditAttachmentRefused, .auditCrossCheck, .auditFeedDelivered, .auditHitsListed,
            .auditMessageExported, .auditMessageRead, .auditMessagesListed, .auditMessagesSearched, .auditTargetRead,
            .auditTargetsListed:
            .audit
        case .crosscheckChecked:
            .crosscheck
        case .exclusionCreated, .exclusionDeleted:
            .exclusion
        case .exhibitCustodyRecorded, .exhibitRecorded:
            .exhibit
        case .hitFound, .hitRetired, .hitReviewed:
            .hit
        case .instrumentCreated, .instrumentUpdated:
            .instrument
        case .logMarkedSignificant, .logPosted:
            .log
        case .messageAcknowledged, .messageForwardGranted, .messageForwardRefused, .messageForwardRequested,
            .messageForwarded, .messageSent:
            .message
        case .operationAbort, .operationAgencyInvited, .operationCreated, .operationGo, .operationHHourSet,
            .operationHold, .operationResume:
            .operation
        case .signInFailed, .signInLocked:
            .signIn
        case .sitrepApproved, .sitrepCompiled, .sitrepDiscarded, .sitrepUpdated:
            .sitrep
        case .targetCreated, .targetDeleted, .targetUpdated:
            .target
        case .userChanged, .userCreated, .userDisabled, .userEnabled, .userPasswordReset, .userSessionsEnded,
            .userSignedIn:
            .user
        }
    }
}

/// The families of event kinds.
public enum EventFamily: String, CaseIterable, Sendable {
    case action
    case agency
    case audit
    case crosscheck
    case exclusion
    case exhibit
    case hit
    case instrument
    case log
    case message
    case operation
    case signIn
    case sitrep
    case target
    case user
}
