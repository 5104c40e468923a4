import ConcertCore
import Foundation
import ServiceLifecycle
import Synchronization

/// The hits a change of targets makes and those it ends, written in the change's own
/// transaction: the targets and their hits are stored together, or neither is.
///
/// They may be still to find (``pending(_:)``): SQLite then starts its transaction, writes the
/// targets, and only then waits for them, so that an import is written on one core while the
/// cross-check index finds its hits on the other. PostgreSQL waits for them before its
/// transaction: finding them reads through its connections, which writers waiting for their
/// operations' locks could all hold.
public struct HitChanges: Sendable {
    /// New hits: those whose pair is stored already are left out, as by ``Store/recordHits(_:by:)``.
    public var found: [Hit]
    /// Stored hits that no longer match.
    public var retiredIds: [String]
    /// What finds them, when they are still to find.
    private var finding: (@Sendable () async throws -> HitChanges)?

    public init(found: [Hit] = [], retiredIds: [String] = []) {
        self.found = found
        self.retiredIds = retiredIds
    }

    /// Hits that `find` finds (while the store writes the targets); if it fails, so does the
    /// transaction.
    public static func pending(_ find: @escaping @Sendable () async throws -> HitChanges) -> HitChanges {
        var changes = HitChanges()
        changes.finding = find
        return changes
    }

    /// No hit made or ended.
    public static let none = HitChanges()

    /// The hits, once found.
    func resolved() async throws -> HitChanges {
        guard let finding else { return self }
        return try await finding()
    }

    /// The hits, once found, waited for on a thread that may block (SQLite's writer, which
    /// holds the transaction open meanwhile; finding them reads only through other connections).
    func resolvedBlocking() throws -> HitChanges {
        guard let finding else { return self }
        return try waitBlocking(finding)
    }
}

/// What the store could not do, in words a caller can pass on.
public enum StoreError: Error, Equatable, Sendable {
    /// The record does not exist.
    case notFound(String)
    /// A unique value is already taken ("username 'fr-officer' is taken").
    case duplicate(String)
    /// The stored data does not hold together (an altered log): an operator must look.
    case damaged(String)
}

/// A target as stored: the facts the policy needs, and its JSON ready to send.
///
/// Lists of thousands of targets are sent without decoding and re-encoding each one.
public struct EncodedTarget: Sendable {
    /// The handling facts the policy decides on.
    public var handling: RecordHandling
    /// The target's id.
    public var id: String
    /// The target encoded with ``ConcertJSON``.
    public var json: String
}

/// An action as stored: the target it is about, and its JSON ready to send.
///
/// The plan of a large action day is sent without decoding and re-encoding each action; only
/// those the caller may not read in full are decoded to be told without their target.
public struct EncodedAction: Sendable {
    /// The action's id.
    public var id: String
    /// The target it is about, if any.
    public var targetId: String?
    /// The action encoded with ``ConcertJSON``.
    public var json: String
}

/// Decodes the distributions of a list of records, each distinct text once: a list of
/// thousands of targets has a handful of distributions.
struct DistributionDecoder {
    private var known: [String: Distribution] = [:]

    mutating func decode(_ text: String) throws -> Distribution {
        if let distribution = known[text] { return distribution }
        let distribution = try ConcertJSON.decode(Distribution.self, from: text)
        known[text] = distribution
        return distribution
    }
}

/// One entry of the event log: a change that was committed, or a read of a handled record.
public struct Event: Codable, Sendable, Equatable {
    /// Position in the whole log (and in the hash chain), from 1, without gaps.
    public var sequence: Int64
    /// The operation it concerns, if any.
    public var operationId: String?
    /// Position among the operation's events, from 1, without gaps; `nil` for reads.
    public var operationSequence: Int64?
    /// The user who caused it, if any (the command line acts as nobody).
    public var actorUserId: String?
    /// The agency of that user.
    public var actorAgencyId: String?
    /// What happened, such as `target.created` or `audit.targetRead`, as stored: a kind this
    /// version does not know (written by a newer one) stays readable and verifiable.
    public var kind: String
    /// JSON describing it (usually the new state of the record).
    public var payload: String
    /// When it was committed (ISO 8601, UTC).
    public var recordedAt: String
    /// The hash of the event before it (64 zeros for the first).
    public var previousHash: String
    /// SHA-256 over the previous hash and this event's canonical content.
    public var hash: String

    /// What happened, as one of the kinds this version writes; nil for a kind it does not know.
    public var eventKind: EventKind? { EventKind(rawValue: kind) }
}

/// The outcome of checking the event log's hash chain.
public struct ChainVerification: Sendable, Equatable {
    /// How many events were checked.
    public var eventsChecked: Int
    /// The sequence number of the first event that does not fit, when the chain is broken.
    public var brokenAt: Int64?
    /// What is wrong there, in words.
    public var problem: String?

    public init(eventsChecked: Int, brokenAt: Int64? = nil, problem: String? = nil) {
        self.eventsChecked = eventsChecked
        self.brokenAt = brokenAt
        self.problem = problem
    }

    /// Whether the whole chain is intact.
    public var isIntact: Bool { brokenAt == nil }
}

/// A selector as the cross-check index reads it from the store: where it was recorded, by
/// whom, and its match key.
public struct StoredSelector: Sendable, Equatable {
    /// The target it pins down.
    public var targetId: String
    /// The operation of that target.
    public var operationId: String
    /// The agency that recorded the target.
    public var agencyId: String
    /// What kind of identifier it is.
    public var kind: SelectorKind
    /// The normalised key.
    public var matchKey: String
    /// Date of birth, for persons.
    public var dateOfBirth: String?

    /// Creates a stored selector.
    public init(
        targetId: String, operationId: String, agencyId: String, kind: SelectorKind, matchKey: String,
        dateOfBirth: String?
    ) {
        self.targetId = targetId
        self.operationId = operationId
        self.agencyId = agencyId
        self.kind = kind
        self.matchKey = matchKey
        self.dateOfBirth = dateOfBirth
    }
}

/// A selector as the store reads it for a rebuild of the cross-check index: UTF-8 bytes that
/// are valid only during the call they are handed to, so that a million selectors are read
/// without making a million sets of strings.
public struct SelectorBytes {
    /// The target it pins down.
    public var targetId: UnsafeRawBufferPointer
    /// The operation of that target.
    public var operationId: UnsafeRawBufferPointer
    /// The agency that recorded the target.
    public var agencyId: UnsafeRawBufferPointer
    /// What kind of identifier it is.
    public var kind: SelectorKind
    /// The normalised key.
    public var matchKey: UnsafeRawBufferPointer
    /// Date of birth, for persons.
    public var dateOfBirth: UnsafeRawBufferPointer?

    /// Creates a view of a selector's bytes.
    public init(
        targetId: UnsafeRawBufferPointer, operationId: UnsafeRawBufferPointer, agencyId: UnsafeRawBufferPointer,
        kind: SelectorKind, matchKey: UnsafeRawBufferPointer, dateOfBirth: UnsafeRawBufferPointer?
    ) {
        self.targetId = targetId
        self.operationId = operationId
        self.agencyId = agencyId
        self.kind = kind
        self.matchKey = matchKey
        self.dateOfBirth = dateOfBirth
    }

    /// The selector as strings.
    public var stored: StoredSelector {
        func text(_ bytes: UnsafeRawBufferPointer) -> String { String(decoding: bytes, as: UTF8.self) }
        return StoredSelector(
            targetId: text(targetId), operationId: text(operationId), agencyId: text(agencyId), kind: kind,
            matchKey: text(matchKey), dateOfBirth: dateOfBirth.map(text))
    }
}

/// A change to record in the event log along with the state it produced: a kind and a
/// payload of the type that kind carries, or it does not compile.
public struct EventDraft: Sendable {
    /// The operation it concerns, if any.
    public var operationId: String?
    /// Who caused it.
    public var actor: Actor?
    /// What happened.
    public let kind: EventKind
    /// JSON describing it, as the kind's payload type writes it.
    public let payload: String

    /// A draft of an event of `kind` carrying `encoded`, a payload already encoded (the text
    /// a store also writes into its record's row).
    public init<Payload>(
        operationId: String?, actor: Actor?, kind: TypedEventKind<Payload>, encoded: EncodedPayload<Payload>
    ) {
        self.operationId = operationId
        self.actor = actor
        self.kind = kind.kind
        self.payload = encoded.json
    }

    /// A draft of an event of `kind` carrying `payload`.
    public init<Payload>(operationId: String?, actor: Actor?, kind: TypedEventKind<Payload>, payload: Payload) throws {
        self.init(operationId: operationId, actor: actor, kind: kind, encoded: try EncodedPayload(payload))
    }
}

/// An event's payload was asked for as a kind it is not.
public struct EventPayloadMismatch: Error, CustomStringConvertible {
    /// The event's sequence number.
    public var sequence: Int64
    /// Its kind, as stored.
    public var kind: String
    /// The kinds it was read as.
    public var expected: [EventKind]

    public var description: String {
        "Event \(sequence) is \(kind), not \(expected.map(\.rawValue).joined(separator: " or "))."
    }
}

extension Event {
    /// Reads the payload as the type `kinds` carry; refused when the event is of none of them.
    public func payload<Payload>(_ kinds: TypedEventKind<Payload>...) throws -> Payload {
        try payload(kinds)
    }

    /// Reads the payload as the type `kinds` carry; refused when the event is of none of them.
    public func payload<Payload>(_ kinds: [TypedEventKind<Payload>]) throws -> Payload {
        guard let match = kinds.first(where: { $0.kind.rawValue == kind }) else {
            throw EventPayloadMismatch(sequence: sequence, kind: kind, expected: kinds.map(\.kind))
        }
        return try match.decode(payload)
    }
}

/// Concert's storage: every method names a domain operation; each change writes its new
/// state and appends its event in one transaction, or does nothing at all.
///
/// Methods that change a record take a closure that sees the current state inside the
/// transaction and may throw (a policy denial, a broken rule) to leave everything unchanged.
///
/// A store is a service of the application (`run()`): it is open before the application starts,
/// and it closes its connections when the application shuts down, after everything that uses it.
public protocol Store: Service {
    // MARK: Agencies and users

    /// Adds an agency.
    func createAgency(_ agency: Agency, by actor: Actor?) async throws
    /// Every agency, by name.
    func agencies() async throws -> [Agency]
    /// One agency.
    func agency(id: String) async throws -> Agency?
    /// Adds a user with a bcrypt password hash; throws ``StoreError/duplicate(_:)`` for a taken username.
    func createUser(_ user: User, passwordHash: String, by actor: Actor?) async throws
    /// Every user, by username.
    func users() async throws -> [User]
    /// One user.
    func user(id: String) async throws -> User?
    /// A user and their password hash, for signing in.
    func credentials(username: String) async throws -> (user: User, passwordHash: String)?

    /// Changes a user's display name, role or disabled state with `change`, appending
    /// `eventKind` with the user's new JSON; ends every session of the user when
    /// `endingSessions` is set or the account is now disabled. Throws `notFound` for an unknown id.
    func updateUser(
        id: String, by actor: Actor?, eventKind: TypedEventKind<User>, endingSessions: Bool,
        _ change: @escaping @Sendable (User) throws -> User
    ) async throws -> User

    /// Gives a user a new bcrypt password hash and ends every session of theirs, appending
    /// `user.passwordReset` with the user's JSON (never the hash). Throws `notFound` for an
    /// unknown id.
    func resetPassword(id: String, passwordHash: String, by actor: Actor?) async throws -> User

    /// Appends events that change no record (notices, failed sign-ins) in one transaction;
    /// those of an operation count in its sequence and reach its live feed.
    func appendEvents(_ drafts: [EventDraft]) async throws

    /// The events of `kinds`, newest first, at most `limit`: of the operations named, or of
    /// any operation or none when `operationIds` is nil; only those whose payload contains the
    /// text `mentioning` when it is given (such as `"agencyId":"…"`), so that a flood of one
    /// agency's notices cannot push another's out of its list.
    func events(kinds: [EventKind], operationIds: [String]?, mentioning: String?, limit: Int) async throws -> [Event]

    /// The SHA-256 of every attachment a stored message has: what the attachment folder must
    /// keep (the rest are files of writes cut off before their message was stored).
    func attachmentDigests() async throws -> Set<String>

    // MARK: Second factor

    /// A user's second factor (confirmed or being set up), or nil.
    func secondFactor(userId: String) async throws -> StoredSecondFactor?
    /// Starts setting up a second factor with a sealed secret, replacing one being set up;
    /// throws a conflict when the user already has one.
    func beginSecondFactor(userId: String, sealedSecret: String) async throws
    /// Confirms the second factor being set up with `sealedSecret` (the one whose code of `step`
    /// matched: a setting up begun again meanwhile is not confirmed by it); keeps the
    /// recovery codes' hashes and records `user.changed`. Throws a conflict when none is being set up.
    func confirmSecondFactor(
        userId: String, sealedSecret: String, step: Int64, recoveryCodeHashes: [String], by actor: Actor
    ) async throws -> User
    /// Takes a code's time step as used when it is later than the last one used (in one
    /// statement, so that a code is accepted once whichever server sees it); false otherwise.
    func acceptSecondFactorStep(userId: String, step: Int64) async throws -> Bool
    /// Uses up a recovery code; false when the user has no such unused code.
    func useRecoveryCode(userId: String, codeHash: String) async throws -> Bool
    /// Removes a user's second factor and recovery codes, ending their sessions when asked,
    /// and records `user.changed`.
    func removeSecondFactor(userId: String, endingSessions: Bool, by actor: Actor?) async throws -> User
    /// The agencies whose users must sign in with a second factor.
    func agenciesRequiringSecondFactor() async throws -> Set<String>
    /// Makes an agency require a second factor of its users, or not.
    func requireSecondFactor(agencyId: String, _ required: Bool) async throws

    // MARK: Sessions

    /// Stores a session under the SHA-256 of its token, and records the sign-in. It lasts
    /// until `endsAt` at most, and until `expiresAt` unless it is used (``touchSession(tokenHash:now:expiresAt:)``);
    /// `address` and `client` (the browser or tool) let its user tell their sessions apart.
    func createSession(
        tokenHash: String, user: User, expiresAt: Date, endsAt: Date, address: String?, client: String?
    ) async throws
    /// Notes that a session was used now: it lasts until `expiresAt` (never past its end).
    func touchSession(tokenHash: String, now: Date, expiresAt: Date) async throws
    /// A user's unexpired sessions, most recently used first.
    func sessions(userId: String, now: Date) async throws -> [SessionInfo]
    /// Ends one session of a user; false when the user has no such session.
    func deleteSession(id: String, userId: String) async throws -> Bool
    /// The user of an unexpired session.
    func sessionUser(tokenHash: String, now: Date) async throws -> User?
    /// The user of an unexpired session and, read in the same statement, the operation a
    /// request about it names (not through the policy: the caller asks it): a request about
    /// an operation then makes one round trip to the database fewer.
    func sessionUser(
        tokenHash: String, now: Date, readingOperation operationId: String
    ) async throws -> (
        User, PrefetchedOperation
    )?
    /// Keeps `tokenHash` as the user's calendar subscription token (for polling an action-day
    /// schedule), replacing any earlier one.
    func setCalendarToken(userId: String, tokenHash: String, now: Date) async throws
    /// Ends the user's calendar subscription token; false when there was none.
    func removeCalendarToken(userId: String) async throws -> Bool
    /// The user of a calendar subscription token, unless the account is disabled.
    func calendarTokenUser(tokenHash: String) async throws -> User?
    /// Ends a session.
    func deleteSession(tokenHash: String) async throws

    // MARK: Operations

    /// Adds an operation with its participants.
    func createOperation(_ operation: JointOperation, by actor: Actor) async throws
    /// The operations an agency takes part in, newest first.
    func operations(participatingAgencyId: String) async throws -> [JointOperation]
    /// One operation.
    func operation(id: String) async throws -> JointOperation?
    /// Changes an operation inside one transaction and records `eventKind`.
    func updateOperation(
        id: String, by actor: Actor, eventKind: TypedEventKind<JointOperation>,
        _ change: @escaping @Sendable (JointOperation) throws -> JointOperation
    ) async throws -> JointOperation

    // MARK: Targets

    /// Adds a target with its selectors, and the hits it makes, in one transaction; returns
    /// the hits it stored.
    func createTarget(_ target: Target, by actor: Actor, hits: HitChanges) async throws -> [Hit]
    /// The targets of an operation in the order they were recorded, encoded.
    func encodedTargets(operationId: String) async throws -> [EncodedTarget]
    /// The actions of an operation in the order of ``actions(operationId:)``, encoded, each
    /// with the target it is about (read by the database from its JSON).
    func encodedActions(operationId: String) async throws -> [EncodedAction]
    /// One target of an operation.
    func target(id: String, operationId: String) async throws -> Target?
    /// The targets with these ids, whatever their operation, in no particular order; ids of
    /// no target are left out (for the other sides of hits, read in one go).
    func targets(ids: [String]) async throws -> [Target]
    /// The handling facts of the targets of an operation with these ids, by id, read without
    /// their JSON (what the policy decides an action's view on); ids of no target there are
    /// left out.
    func targetHandlings(ids: [String], operationId: String) async throws -> [String: RecordHandling]
    /// A page of at most `limit` of the targets of an operation that `isVisible` admits and
    /// `filter` keeps, after the first `skipping` of them, in the order they were recorded, with
    /// how many match and how many the caller may see in all. With `after`, the page begins
    /// after that target of the same list instead (``UnknownCursor`` when it is not one).
    func targetPage(
        operationId: String, filter: TargetFilter, skipping: Int, after: String?, limit: Int,
        isVisible: @escaping @Sendable (RecordHandling) -> Bool
    ) async throws -> TargetPage
    /// Replaces a target inside one transaction, with the hits it makes and ends; `change`
    /// sees the current one.
    func updateTarget(
        id: String, operationId: String, by actor: Actor, hits: HitChanges,
        _ change: @escaping @Sendable (Target) throws -> Target
    ) async throws -> Target
    /// Adds many targets, possibly of several operations, and the hits they make in one
    /// transaction: an import. Each is recorded as `target.created`, as if created one by one.
    /// Returns the hits it stored.
    func importTargets(_ targets: [Target], by actor: Actor, hits: HitChanges) async throws -> [Hit]
    /// An import that also replaces targets it imported before (a newer version of the same
    /// object of a partner's file): `targets` are added as `target.created`, each of `updating`
    /// replaces its `current` as `target.updated`, all with their hits in one transaction,
    /// which refuses if any of them changed since `current` was read.
    func importTargets(
        _ targets: [Target], updating: [(current: Target, updated: Target)], by actor: Actor, hits: HitChanges
    ) async throws -> [Hit]
    /// Hands every selector of every operation to `add`, target by target, for building the
    /// cross-check index; returns what `add` made of them.
    func readSelectors<Accumulator: Sendable>(
        into accumulator: Accumulator, _ add: @escaping @Sendable (inout Accumulator, SelectorBytes) -> Void
    ) async throws -> Accumulator
    /// Deletes a target, its selectors and its hits (recorded as `hit.retired`) in one
    /// transaction; `check` sees it first and may refuse.
    func deleteTarget(
        id: String, operationId: String, by actor: Actor, _ check: @escaping @Sendable (Target) throws -> Void
    ) async throws

    // MARK: Actions and legal instruments

    /// Adds an action.
    func createAction(_ action: Action, by actor: Actor) async throws
    /// The actions of an operation, by H-hour offset.
    func actions(operationId: String) async throws -> [Action]
    /// One action.
    func action(id: String, operationId: String) async throws -> Action?
    /// Changes an action inside one transaction and records `eventKind`; `change` sees the
    /// action and its operation as they are in that transaction.
    func updateAction(
        id: String, operationId: String, by actor: Actor, eventKind: TypedEventKind<Action>,
        _ change: @escaping @Sendable (Action, JointOperation) throws -> Action
    ) async throws -> Action
    /// Changes an operation and any of its actions in one transaction: the operation is
    /// recorded as `eventKind`, each changed action as `action.statusChanged`.
    func updateActionDay(
        operationId: String, by actor: Actor, eventKind: TypedEventKind<JointOperation>,
        _ change: @escaping @Sendable (JointOperation, [Action]) throws -> (JointOperation, [Action])
    ) async throws -> (operation: JointOperation, changed: [Action])
    /// Every operation whose H-hour is set, for the overdue watch.
    func operationsWithHHour() async throws -> [JointOperation]
    /// Adds a legal instrument.
    func createInstrument(_ instrument: LegalInstrument, by actor: Actor) async throws
    /// The legal instruments of an operation.
    func instruments(operationId: String) async throws -> [LegalInstrument]
    /// One legal instrument.
    func instrument(id: String, operationId: String) async throws -> LegalInstrument?
    /// Changes a legal instrument inside one transaction.
    func updateInstrument(
        id: String, operationId: String, by actor: Actor,
        _ change: @escaping @Sendable (LegalInstrument) throws -> LegalInstrument
    ) async throws -> LegalInstrument

    // MARK: Operation log

    /// Adds an entry to an operation's log.
    func createLogEntry(_ entry: LogEntry, by actor: Actor) async throws
    /// The operation's log, oldest first.
    func logEntries(operationId: String) async throws -> [LogEntry]
    /// Changes a log entry inside one transaction and records `eventKind`.
    func updateLogEntry(
        id: String, operationId: String, by actor: Actor, eventKind: TypedEventKind<LogEntry>,
        _ change: @escaping @Sendable (LogEntry) throws -> LogEntry
    ) async throws -> LogEntry

    // MARK: Sitreps

    /// Compiles and adds a draft sitrep: `compile` sees, inside one transaction, the operation,
    /// its actions, its log, its sitreps so far and its exhibits counted (those seized since
    /// the latest approved sitrep), and records `sitrep.compiled`.
    func createSitrep(
        operationId: String, by actor: Actor,
        _ compile: @escaping @Sendable (JointOperation, [Action], [LogEntry], [Sitrep], ExhibitTally) throws -> Sitrep
    ) async throws -> Sitrep
    /// The operation's sitreps, drafts included, in the order they were compiled.
    func sitreps(operationId: String) async throws -> [Sitrep]
    /// One sitrep of an operation.
    func sitrep(id: String, operationId: String) async throws -> Sitrep?
    /// Changes a sitrep inside one transaction; `change` sees it and all of the operation's
    /// sitreps. Records `sitrep.approved` when it turns a draft into an approved sitrep, else
    /// `sitrep.updated`.
    func updateSitrep(
        id: String, operationId: String, by actor: Actor,
        _ change: @escaping @Sendable (Sitrep, [Sitrep]) throws -> Sitrep
    ) async throws -> Sitrep
    /// Deletes an action and records `action.deleted`; `check` sees it first and may refuse.
    func deleteAction(
        id: String, operationId: String, by actor: Actor, _ check: @escaping @Sendable (Action) throws -> Void
    ) async throws
    /// Deletes a sitrep and records `sitrep.discarded`; `check` sees it first and may refuse.
    func deleteSitrep(
        id: String, operationId: String, by actor: Actor, _ check: @escaping @Sendable (Sitrep) throws -> Void
    ) async throws

    // MARK: Exhibits

    /// Records a seized exhibit and its first custody entry, `seizure`, as `exhibit.recorded`;
    /// `check` sees the action it came from and its parent exhibit first and may refuse. With a
    /// `numberPrefix` (`FR-2026-`) the exhibit is given the prefix's next number; otherwise its
    /// own, refused as ``StoreError/duplicate(_:)`` when the operation already has it.
    func createExhibit(
        _ exhibit: Exhibit, seizure: CustodyEntry, numberPrefix: String?, by actor: Actor,
        _ check: @escaping @Sendable (Action, Exhibit?) throws -> Void
    ) async throws -> Exhibit
    /// One exhibit of an operation.
    func exhibit(id: String, operationId: String) async throws -> Exhibit?
    /// An exhibit's chain of custody, in order.
    func custodyEntries(exhibitId: String, operationId: String) async throws -> [CustodyEntry]
    /// Adds an entry to an exhibit's chain inside one transaction, as `exhibit.custodyRecorded`:
    /// `record` sees the exhibit, its chain and its operation, and returns the entry and the
    /// exhibit as it stands after it (or throws to leave everything unchanged).
    func addCustodyEntry(
        exhibitId: String, operationId: String, by actor: Actor,
        _ record: @escaping @Sendable (CustodyContext) throws -> (entry: CustodyEntry, exhibit: Exhibit)
    ) async throws -> (entry: CustodyEntry, exhibit: Exhibit)
    /// A page of at most `limit` of the exhibits of an operation that `isVisible` admits and
    /// `filter` keeps, in the order recorded, after the exhibit `after` (an earlier page's
    /// `next`); throws ``UnknownCursor`` for a cursor that is no exhibit of that list.
    func exhibitPage(
        operationId: String, filter: ExhibitFilter, after: String?, limit: Int,
        isVisible: @escaping @Sendable (ExhibitAccess) -> Bool
    ) async throws -> ExhibitPage
    /// The operation's exhibits counted, for the board.
    func exhibitCounts(operationId: String) async throws -> ExhibitCounts
    /// The exhibits an agency holds in an operation (or the one `exhibitId`, whoever holds
    /// it), each with its chain of custody, in the order recorded: a custody report.
    func exhibitsWithCustody(
        operationId: String, holderAgencyId: String, exhibitId: String?
    ) async throws -> [(exhibit: Exhibit, custody: [CustodyEntry])]

    // MARK: Hits

    /// Stores the hits whose pair is not stored yet, and records `hit.found` in the log of
    /// both operations of each; returns the hits it stored.
    func recordHits(_ hits: [Hit], by actor: Actor) async throws -> [Hit]
    /// The stored hits a target is on either side of.
    func hits(targetId: String) async throws -> [Hit]
    /// The stored hits an agency is on either side of, newest first.
    func hits(agencyId: String) async throws -> [Hit]
    /// One stored hit.
    func hit(id: String) async throws -> Hit?
    /// How many hits are stored.
    func hitCount() async throws -> Int
    /// Changes a hit inside one transaction and records `hit.reviewed` in the log of the
    /// operations on the actor's agency's side.
    func updateHit(id: String, by actor: Actor, _ change: @escaping @Sendable (Hit) throws -> Hit) async throws -> Hit
    /// Removes hits whose selectors are gone and records `hit.retired` in both operations' logs.
    func retireHits(ids: [String], by actor: Actor?) async throws

    /// Adds an exclusion, recorded as `exclusion.created` (outside any operation), with the
    /// hits it ends, in one transaction.
    func createExclusion(_ exclusion: Exclusion, by actor: Actor, hits: HitChanges) async throws
    /// The exclusions of one agency, or of all when `agencyId` is nil.
    func exclusions(agencyId: String?) async throws -> [Exclusion]
    /// Deletes an exclusion of the actor's agency, recorded as `exclusion.deleted`, with the
    /// hits it held back, in one transaction.
    func deleteExclusion(id: String, by actor: Actor, hits: HitChanges) async throws -> Exclusion

    // MARK: Pages of lists

    /// A page of the operation's log, newest first; only entries marked significant when asked.
    /// Throws ``UnknownCursor`` when `after` is not an entry of this list (as every page does).
    func logEntryPage(
        operationId: String, significantOnly: Bool, after: String?, limit: Int
    ) async throws
        -> RecordPage<LogEntry>
    /// A page of the operation's plan that `filter` keeps, in time order (as ``encodedActions(operationId:)``).
    func actionPage(
        operationId: String, filter: ActionFilter, after: String?, limit: Int
    ) async throws
        -> RecordPage<EncodedAction>
    /// A page of the operation's sitreps, newest first; only approved ones when asked.
    func sitrepPage(
        operationId: String, approvedOnly: Bool, after: String?, limit: Int
    ) async throws
        -> RecordPage<Sitrep>
    /// A page of an agency's hits, newest first.
    func hitPage(agencyId: String, after: String?, limit: Int) async throws -> RecordPage<Hit>
    /// A page of an agency's exclusions, in the order made.
    func exclusionPage(agencyId: String, after: String?, limit: Int) async throws -> RecordPage<Exclusion>
    /// A page of the accounts of these agencies, by username.
    func userPage(agencyIds: [String], after: String?, limit: Int) async throws -> RecordPage<User>

    // MARK: Messages

    /// Adds a message, which never changes from then on, to its operation and to the
    /// operation's search index, and records `message.sent`.
    func createMessage(_ message: Message, by actor: Actor) async throws
    /// Adds messages sent by one actor in one transaction, each as ``createMessage(_:by:)``
    /// does: an archive brought in, or a benchmark's installation filled.
    func createMessages(_ messages: [Message], by actor: Actor) async throws
    /// One message of an operation.
    func message(id: String, operationId: String) async throws -> MessageRecord?
    /// A page of at most `limit` of the operation's messages that `isVisible` admits (asked once
    /// per distinct originator, handling and audience) and `filter` keeps: newest first, after
    /// the message `after` (an earlier page's `next`), or best first for a search. The filter is
    /// the database's work, so that a page of a reader who may read few messages is full all the
    /// same. Throws ``UnknownCursor`` when `after` is not a message of this list.
    func messagePage(
        operationId: String, filter: MessageFilter, reader: MessageReader, after: String?, limit: Int,
        isVisible: @escaping @Sendable (RecordHandling) -> Bool
    ) async throws -> MessagePage
    /// The reader's unread, to-acknowledge and overdue counts, from the counts kept as messages
    /// are sent, read, acknowledged and forwarded: `receivingAgencies` is how many agencies are
    /// to acknowledge a message of the reader's agency sent to every participant.
    func messageCounts(
        operationId: String, reader: MessageReader, receivingAgencies: Int, overdueBefore: Date,
        isVisible: @escaping @Sendable (RecordHandling) -> Bool
    ) async throws -> MessageCounts
    /// Every message of a thread, oldest first, whoever may read them.
    func messageThread(threadId: String, operationId: String) async throws -> [MessageRecord]
    /// What the policy decides on for each of these messages of the operation (those that exist).
    func messageHandlings(ids: [String], operationId: String) async throws -> [String: RecordHandling]
    /// Which of these messages a user has opened.
    func messagesRead(userId: String, messageIds: [String]) async throws -> Set<String>
    /// Records that `actor` read a message's body or one of its files: an audit entry and the
    /// user's read mark, in one transaction.
    func recordMessageRead<Payload>(
        messageId: String, operationId: String, by actor: Actor, what: TypedEventKind<Payload>, payload: Payload
    ) async throws
    /// Records the actor's agency's acknowledgement of a message once, as
    /// `message.acknowledged`; `check` sees the message first and may refuse. Returns the
    /// message as it now stands and whether the acknowledgement is new.
    func acknowledgeMessage(
        id: String, operationId: String, by actor: Actor,
        _ check: @escaping @Sendable (MessageRecord) throws -> Void
    ) async throws -> (record: MessageRecord, isNew: Bool)
    /// Adds or replaces a forward of a message inside one transaction and records `eventKind`;
    /// `change` sees the message and returns the forward to store (a new id adds one).
    func changeForward(
        messageId: String, operationId: String, by actor: Actor, eventKind: TypedEventKind<MessageNotice>,
        _ change: @escaping @Sendable (MessageRecord) throws -> Forward
    ) async throws -> (record: MessageRecord, forward: Forward)

    // MARK: Event log and audit

    /// Appends an audit entry for a read of handled records.
    func recordRead<Payload>(
        by actor: Actor, operationId: String?, what: TypedEventKind<Payload>, payload: Payload
    ) async throws
    /// The sequence number of the operation's latest event (0 when it has none).
    func latestSequence(operationId: String) async throws -> Int64
    /// The operation's events after `operationSequence`, at most `limit`.
    func events(operationId: String, after operationSequence: Int64, limit: Int) async throws -> [Event]
    /// The whole log after the global sequence number `sequence`, at most `limit`, in order:
    /// every operation's events and every audit entry, for copying and inspecting an installation.
    func events(after sequence: Int64, limit: Int) async throws -> [Event]
    /// Walks the whole hash chain and the Merkle tree over it, and reports the first event that
    /// does not fit.
    func verifyAuditChain() async throws -> ChainVerification
    /// Checks that the log still holds what signed checkpoints (already opened with the
    /// installation's key) covered: the first event that is missing or differs, or nil.
    func verifyLog(against checkpoints: [LogCheckpoint]) async throws -> ChainVerification

    // MARK: The log's Merkle tree and checkpoints

    /// The size and root of the whole tree (every event is a leaf).
    func treeHead() async throws -> (size: Int64, root: LogTree.Hash)
    /// The root of the tree of the first `size` events.
    func treeRoot(size: Int64) async throws -> LogTree.Hash
    /// The inclusion proof of event `sequence` in the tree of `treeSize` events.
    func inclusionProof(sequence: Int64, treeSize: Int64) async throws -> InclusionProof
    /// The consistency proof from the tree of `old` events to the tree of `new` events.
    func consistencyProof(from old: Int64, to new: Int64) async throws -> [LogTree.Hash]
    /// One event of the log, by its sequence number.
    func event(sequence: Int64) async throws -> Event?
    /// Keeps a signed checkpoint, and returns the one kept of its size (the first one stands).
    func storeCheckpoint(_ checkpoint: StoredCheckpoint) async throws -> StoredCheckpoint
    /// The checkpoint of the largest tree signed so far.
    func latestCheckpoint() async throws -> StoredCheckpoint?
    /// The kept checkpoints of trees larger than `size`, smallest first, at most `limit`.
    func storedCheckpoints(after size: Int64, limit: Int) async throws -> [StoredCheckpoint]
    /// Runs `body` while no other server on this database runs an `exclusively` body: for
    /// one-time set-up such as seeding the demo.
    func exclusively(_ body: @escaping @Sendable () async throws -> Void) async throws
    /// The sequence number of the last event of the whole log (0 when it is empty).
    func headSequence() async throws -> Int64
    /// Whether other servers may write to this database too (PostgreSQL), so that what a
    /// server keeps in memory must follow the log.
    var isShared: Bool { get }
    /// Whether the store holds no agency yet (a fresh installation).
    func isEmpty() async throws -> Bool
    /// Announces each committed change to an operation, so that live feeds wake up.
    var eventSignal: EventSignal { get }
}

extension Store {
    /// Stores a session that lasts until `expiresAt`, used or not (for seeding, tests and benchmarks).
    public func createSession(tokenHash: String, user: User, expiresAt: Date) async throws {
        try await createSession(
            tokenHash: tokenHash, user: user, expiresAt: expiresAt, endsAt: expiresAt, address: nil, client: nil)
    }

    /// Adds a target that makes no hit (for seeding and tests; the server finds its hits).
    public func createTarget(_ target: Target, by actor: Actor) async throws {
        _ = try await createTarget(target, by: actor, hits: .none)
    }

    /// Adds many targets without hits (for seeding and tests; the server finds their hits).
    public func importTargets(_ targets: [Target], by actor: Actor) async throws {
        _ = try await importTargets(targets, by: actor, hits: .none)
    }

    /// Adds an exclusion that ends no hit (for tests; the server retires the hits it ends).
    public func createExclusion(_ exclusion: Exclusion, by actor: Actor) async throws {
        try await createExclusion(exclusion, by: actor, hits: .none)
    }

    /// Replaces a target without changing its hits (for tests; the server finds its hits).
    public func updateTarget(
        id: String, operationId: String, by actor: Actor, _ change: @escaping @Sendable (Target) throws -> Target
    ) async throws -> Target {
        try await updateTarget(id: id, operationId: operationId, by: actor, hits: .none, change)
    }

    /// The events of `kinds`, newest first, at most `limit`, of the operations named (any when nil).
    public func events(kinds: [EventKind], operationIds: [String]?, limit: Int) async throws -> [Event] {
        try await events(kinds: kinds, operationIds: operationIds, mentioning: nil, limit: limit)
    }

    /// Every selector of every operation, as strings (for tools and tests; the index reads
    /// them with ``readSelectors(into:_:)``).
    public func allSelectors() async throws -> [StoredSelector] {
        try await readSelectors(into: [StoredSelector]()) { selectors, selector in selectors.append(selector.stored) }
    }
}
