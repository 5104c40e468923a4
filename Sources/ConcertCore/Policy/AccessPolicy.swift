/// The signed-in person a decision is about.
public struct Actor: Sendable, Equatable {
    /// The user's id.
    public var userId: String
    /// The agency the user belongs to.
    public var agencyId: String
    /// The user's role.
    public var role: UserRole

    /// Creates an actor.
    public init(userId: String, agencyId: String, role: UserRole) {
        self.userId = userId
        self.agencyId = agencyId
        self.role = role
    }

    /// The actor of a user.
    public init(_ user: User) {
        self.init(userId: user.id, agencyId: user.agencyId, role: user.role)
    }
}

/// Everything that can be asked of Concert, as the access policy sees it.
public enum Permission: Sendable, Equatable {
    /// Create, list and change agencies.
    case manageAgencies
    /// Create an account of `role` in agency `agencyId`; `agencyHasAccounts` tells whether
    /// that agency has any account yet (the platform administrator makes only the first, an
    /// administrator of the agency).
    case createAccount(agencyId: String, role: UserRole, agencyHasAccounts: Bool)
    /// Change, disable or re-enable an account of agency `agencyId`, giving it `role`, or end
    /// its sessions.
    case changeAccount(agencyId: String, role: UserRole)
    /// List the accounts of agency `agencyId`.
    case viewAccounts(agencyId: String)
    /// Ask to create or manage accounts at all (asked before anything is read, so that nobody
    /// else learns whether an agency or an account exists).
    case manageAccounts
    /// Read the notices of changes to the accounts of agency `agencyId` and of failed
    /// sign-ins to them: for its own administrators only.
    case readAccountNotices(agencyId: String)
    /// List the operations the actor's agency takes part in.
    case listOperations
    /// Create a new operation (the actor's agency becomes its lead).
    case createOperation
    /// Learn that the operation exists: its code name, participants and H-hour.
    case viewOperation
    /// See the board: actions, their statuses and outcomes, and legal instruments' statuses.
    case viewBoard
    /// List the operation's intelligence (targets, selectors); each record is then checked with ``readRecord(_:)``.
    case viewIntelligence
    /// Record new intelligence in the operation.
    case createRecord
    /// Read one shared record.
    case readRecord(RecordHandling)
    /// Change or delete one shared record.
    case modifyRecord(RecordHandling)
    /// Invite an agency into the operation.
    case inviteAgency
    /// Set or move H-hour.
    case setHHour
    /// Create or change actions (the plan).
    case changePlan
    /// Create or change legal instruments.
    case manageInstruments
    /// Move an action executed by `executingAgencyId` to `status`.
    case reportStatus(executingAgencyId: String, to: ActionStatus)
    /// Give GO, HOLD, RESUME or ABORT on the action day.
    case controlActionDay
    /// Check or uncheck a gate of an action executed by `executingAgencyId`.
    case checkGate(executingAgencyId: String)
    /// Grant or refuse a request to forward a message whose record is `RecordHandling`: the
    /// sending agency's alone.
    case decideForward(RecordHandling)
    /// Post an entry to the operation's log.
    case postLogEntry
    /// Mark a log entry significant (or not).
    case markSignificant
    /// Compile, edit, approve or discard sitreps, and read drafts.
    case manageSitreps
    /// Record an exhibit seized in an action executed by `executingAgencyId`.
    case recordExhibit(executingAgencyId: String)
    /// Read one exhibit and its chain of custody: its seizing agency, the agencies in its
    /// distribution, those that held it or are to receive it, and the lead coordinators.
    case readExhibit(ExhibitAccess)
    /// Add an entry to an exhibit's chain of custody: the agency that holds it.
    case addCustody(ExhibitAccess)
    /// Confirm the receipt of an exhibit handed over to `receivingAgencyId`: that agency alone.
    case confirmReceipt(ExhibitAccess, receivingAgencyId: String)
    /// See the agency's hits, check selectors before sharing and exclude values from the
    /// cross-check: the work of an agency that holds intelligence, in no one operation.
    case useCrossCheck
}

/// Why the policy refused.
public enum AccessDenial: Error, Sendable, Equatable {
    /// The thing asked for must look as if it did not exist (404): the operation to a
    /// non-participant, a record outside its distribution.
    case hidden(String)
    /// The caller may know the thing exists but may not do this (403).
    case forbidden(String)

    /// The sentence shown to the caller.
    public var message: String {
        switch self {
        case .hidden(let message), .forbidden(let message): message
        }
    }
}

/// The one access policy of Concert: a pure function that every route and feed consults.
///
/// Rules:
/// - an agency that does not take part in an operation learns nothing about it (hidden);
/// - an observer agency, or a user whose role is observer, sees the board but no intelligence;
/// - a record with named distribution is visible only to its originator and the named agencies;
/// - only the lead agency's coordinators invite agencies, set H-hour, change the plan and
///   give GO, HOLD, RESUME or ABORT;
/// - an officer reports status only for actions of their own agency; GO and ABORT are the
///   lead coordinator's;
/// - the platform admin creates agencies and each agency's first administrator; only an
///   agency's own administrators manage its accounts after that; neither sees any operation.
public enum AccessPolicy {
    /// Decides whether `actor` may do `permission`, in `operation` when the permission concerns one.
    public static func decide(
        _ actor: Actor, _ permission: Permission, in operation: JointOperation? = nil
    ) -> Result<Void, AccessDenial> {
        let notFound = AccessDenial.hidden("No such operation.")
        let administrators: Set<UserRole> = [.admin, .agencyAdmin]
        switch permission {
        case .manageAgencies:
            return actor.role == .admin
                ? .success(()) : .failure(.forbidden("Only a platform administrator may do this."))
        case .createAccount(let agencyId, let role, let agencyHasAccounts):
            guard role != .admin else {
                return .failure(
                    .forbidden("Platform administrators are made on the server's command line (concert user add)."))
            }
            switch actor.role {
            case .admin:
                return role == .agencyAdmin && !agencyHasAccounts
                    ? .success(())
                    : .failure(
                        .forbidden(
                            "The platform administrator creates only an agency's first account, its administrator; the agency's own administrators create the others."
                        ))
            case .agencyAdmin:
                return agencyId == actor.agencyId
                    ? .success(())
                    : .failure(.forbidden("Agency administrators manage the accounts of their own agency only."))
            default:
                return .failure(.forbidden("Only an agency administrator may create accounts."))
            }
        case .changeAccount(let agencyId, let role):
            guard actor.role == .agencyAdmin else {
                return .failure(.forbidden("Only an administrator of the account's agency may change it."))
            }
            guard agencyId == actor.agencyId else {
                return .failure(.forbidden("Agency administrators manage the accounts of their own agency only."))
            }
            return role == .admin
                ? .failure(
                    .forbidden("Platform administrators are made on the server's command line (concert user add)."))
                : .success(())
        case .viewAccounts(let agencyId):
            return actor.role == .admin || (actor.role == .agencyAdmin && agencyId == actor.agencyId)
                ? .success(())
                : .failure(.forbidden("Only the agency's administrators see its accounts."))
        case .manageAccounts:
            return administrators.contains(actor.role)
                ? .success(()) : .failure(.forbidden("Only an agency administrator may create accounts."))
        case .readAccountNotices(let agencyId):
            guard actor.role == .agencyAdmin else {
                return .failure(.forbidden("Account notices are for the agency's administrators."))
            }
            return agencyId == actor.agencyId
                ? .success(())
                : .failure(.forbidden("Agency administrators read the notices of their own agency only."))
        case .listOperations:
            return administrators.contains(actor.role)
                ? .failure(.forbidden("Administrators manage accounts; they see no operation."))
                : .success(())
        case .createOperation:
            return actor.role == .coordinator
                ? .success(()) : .failure(.forbidden("Only a coordinator may create an operation."))
        case .useCrossCheck:
            return [.coordinator, .officer, .prosecutor].contains(actor.role)
                ? .success(())
                : .failure(
                    .forbidden(
                        "Hits and cross-checks are for the agencies that hold intelligence; this account holds none."))
        default:
            break
        }
        guard let operation, !administrators.contains(actor.role),
            let participation = operation.role(of: actor.agencyId)
        else {
            return .failure(notFound)
        }
        let isLeadCoordinator = participation == .lead && actor.role == .coordinator
        let seesIntelligence = participation != .observer && actor.role != .observer
        switch permission {
        case .viewOperation, .viewBoard:
            return .success(())
        case .viewIntelligence, .createRecord, .postLogEntry:
            return seesIntelligence
                ? .success(())
                : .failure(.forbidden("Observers follow the board; they do not see or record intelligence."))
        case .readRecord(let record):
            guard seesIntelligence else {
                return .failure(.forbidden("Observers follow the board; they do not see or record intelligence."))
            }
            return record.distribution.includes(actor.agencyId, originator: record.originatorAgencyId)
                ? .success(()) : .failure(.hidden("No such record."))
        case .modifyRecord(let record), .decideForward(let record):
            guard seesIntelligence else {
                return .failure(.forbidden("Observers follow the board; they do not see or record intelligence."))
            }
            guard record.distribution.includes(actor.agencyId, originator: record.originatorAgencyId) else {
                return .failure(.hidden("No such record."))
            }
            guard record.originatorAgencyId == actor.agencyId else {
                if case .decideForward = permission {
                    return .failure(.forbidden("Only the agency that sent the message decides who else receives it."))
                }
                return .failure(.forbidden("Only the agency that recorded it may change or delete this record."))
            }
            return .success(())
        case .recordExhibit(let executingAgency):
            if isLeadCoordinator { return .success(()) }
            guard seesIntelligence, actor.agencyId == executingAgency,
                actor.role == .officer || actor.role == .coordinator
            else {
                return .failure(
                    .forbidden(
                        "Exhibits are recorded by the agency that executes the action, or a coordinator of the lead agency."
                    ))
            }
            return .success(())
        case .readExhibit(let access):
            return decideExhibit(
                actor, access, isLeadCoordinator: isLeadCoordinator, seesIntelligence: seesIntelligence)
        case .addCustody(let access):
            if case .failure(let denial) = decideExhibit(
                actor, access, isLeadCoordinator: isLeadCoordinator, seesIntelligence: seesIntelligence)
            {
                return .failure(denial)
            }
            guard actor.role == .officer || actor.role == .coordinator else {
                return .failure(.forbidden("Officers and coordinators record the chain of custody."))
            }
            return actor.agencyId == access.holderAgencyId
                ? .success(())
                : .failure(.forbidden("Only the agency that holds the exhibit adds to its chain of custody."))
        case .confirmReceipt(let access, let receivingAgency):
            if case .failure(let denial) = decideExhibit(
                actor, access, isLeadCoordinator: isLeadCoordinator, seesIntelligence: seesIntelligence)
            {
                return .failure(denial)
            }
            guard actor.agencyId == receivingAgency else {
                return .failure(.forbidden("Only the agency the exhibit was handed to confirms its receipt."))
            }
            return actor.role == .officer || actor.role == .coordinator
                ? .success(()) : .failure(.forbidden("Officers and coordinators record the chain of custody."))
        case .inviteAgency, .setHHour, .changePlan, .controlActionDay, .markSignificant, .manageSitreps:
            return isLeadCoordinator
                ? .success(()) : .failure(.forbidden("Only a coordinator of the lead agency may do this."))
        case .manageInstruments:
            return isLeadCoordinator || (seesIntelligence && actor.role == .prosecutor)
                ? .success(())
                : .failure(
                    .forbidden("Only a coordinator of the lead agency or a prosecutor may manage legal instruments."))
        case .reportStatus(let executingAgency, let status):
            if isLeadCoordinator { return .success(()) }
            guard seesIntelligence else {
                return .failure(.forbidden("Observers follow the board; they do not report on actions."))
            }
            if status == .go || status == .aborted {
                return .failure(.forbidden("Only a coordinator of the lead agency gives GO or aborts an action."))
            }
            guard actor.agencyId == executingAgency, actor.role == .officer || actor.role == .coordinator else {
                return .failure(.forbidden("Officers report status only for actions of their own agency."))
            }
            return .success(())
        case .checkGate(let executingAgency):
            if isLeadCoordinator { return .success(()) }
            guard seesIntelligence, actor.agencyId == executingAgency,
                actor.role == .officer || actor.role == .coordinator
            else {
                return .failure(.forbidden("Gates are checked by the executing agency or the lead coordinator."))
            }
            return .success(())
        case .manageAgencies, .createAccount, .changeAccount, .viewAccounts, .manageAccounts, .readAccountNotices,
            .listOperations, .createOperation,
            .useCrossCheck:
            preconditionFailure("decided above")
        }
    }

    /// Whether a participant may see an exhibit: not an observer; the lead coordinators, the
    /// seizing agency, its distribution and every agency that held it or is to receive it.
    private static func decideExhibit(
        _ actor: Actor, _ access: ExhibitAccess, isLeadCoordinator: Bool, seesIntelligence: Bool
    ) -> Result<Void, AccessDenial> {
        guard seesIntelligence else {
            return .failure(.forbidden("Observers follow the exhibits as counts on the board; they do not see them."))
        }
        let record = access.record
        return isLeadCoordinator || access.custodianAgencyIds.contains(actor.agencyId)
            || record.distribution.includes(actor.agencyId, originator: record.originatorAgencyId)
            ? .success(()) : .failure(.hidden("No such exhibit."))
    }

    /// Whether `actor` may be told the other side of a hit beyond whom to contact: its value,
    /// target, operation and code name. Only where `actor` may read that side's record, as it
    /// is now (`handling` nil when the record is gone), in its own operation.
    public static func mayReadCounterpart(
        _ actor: Actor, handling: RecordHandling?, in operation: JointOperation?
    ) -> Bool {
        guard let handling, let operation else { return false }
        return allows(actor, .readRecord(handling), in: operation)
    }

    /// Whether agency `agencyId` may be sent intelligence (a message, a forward) in
    /// `operation`: it takes part in it, and not as an observer. Observers follow the board only.
    public static func mayReceiveIntelligence(agencyId: String, in operation: JointOperation) -> Bool {
        guard let role = operation.role(of: agencyId) else { return false }
        return role != .observer
    }

    /// Whether `actor` may do `permission`.
    public static func allows(_ actor: Actor, _ permission: Permission, in operation: JointOperation? = nil) -> Bool {
        if case .success = decide(actor, permission, in: operation) { return true }
        return false
    }
}
