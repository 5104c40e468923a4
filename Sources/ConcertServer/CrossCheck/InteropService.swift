import ConcertCore
import ConcertInterop
import ConcertStorage
import Foundation

/// Imports and exports in partners' formats, for the API and for `concert import` and
/// `concert export`: one path, so that a file imported at the command line goes through the
/// policy, the validation, the transaction and the cross-check exactly as one sent to the API.
public struct InteropService: Sendable {
    let store: any Store
    let hits: HitRecorder
    /// The server's budget of checks; nil at the command line, where the operator acts.
    let budget: CrossCheckBudget?

    /// A service with its own cross-check index, built from `store` (for the command line).
    public init(store: any Store) {
        self.init(
            store: store, hits: HitRecorder(store: store, crossCheck: CrossCheckService(store: store)), budget: nil)
    }

    init(store: any Store, hits: HitRecorder, budget: CrossCheckBudget?) {
        self.store = store
        self.hits = hits
        self.budget = budget
    }

    /// The operation, if `actor` may do `permission` in it; one it does not take part in is
    /// not found, as if it did not exist.
    func operation(_ id: String, for actor: Actor, _ permission: Permission) async throws -> JointOperation {
        try await OperationGuard(store: store).operation(id, for: actor, permission)
    }

    /// What a file read by ``InteropImport`` does in an operation, or would do with `dryRun`.
    ///
    /// - Throws: a problem (422) naming every error of the file with its place, when there is
    ///   one, in a dry run too; nothing is then written.
    /// The most targets one import takes.
    public static let importLimit = TargetController.maximumImport

    public func importFile(
        _ read: InteropImport, into operationId: String, by actor: Actor, dryRun: Bool
    ) async throws -> InteropImportPlan {
        let operation = try await operation(operationId, for: actor, .createRecord)
        var plan = try await InteropImportPlanner(store: store, limits: hits.crossCheck.limits).plan(
            read, in: operation, by: actor, dryRun: dryRun)
        // A file with an error is refused whole, in a dry run too: the answer names every error.
        if let first = plan.errors.first {
            let problems = plan.errors.count + plan.errorsNotListed
            var problem = ProblemDetail(
                status: .unprocessableContent,
                detail:
                    "The file was refused whole and nothing was recorded: \(problems == 1 ? "one problem" : "\(InteropImport.grouped(problems)) problems"). The first, \(first.place): \(first.detail)"
            )
            problem.errors = plan.errors
            throw problem
        }
        if dryRun { return plan }
        guard !plan.targets.isEmpty else {
            let unknown = plan.unknownTypes.map { "\($0.value) \($0.key)" }.sorted().joined(separator: ", ")
            throw ProblemDetail(
                status: .unprocessableContent,
                detail: "The file holds no target Concert reads" + (unknown.isEmpty ? "." : " (it holds \(unknown)).")
            )
        }
        let written = plan.creating + plan.updating.map(\.updated)
        // A file imported before and not changed since writes nothing, and says so.
        guard !written.isEmpty else {
            plan.hits = 0
            return plan
        }
        try TargetController.checkImportSize(written.count)
        if let budget { try budget.spend(budget.unpreviewed(written.flatMap(\.selectors), by: actor), by: actor) }
        let (creating, updating) = (plan.creating, plan.updating)
        let stored = try await hits.record(written, replacing: updating.map(\.current), by: actor) { [store] changes in
            ((), try await store.importTargets(creating, updating: updating, by: actor, hits: changes))
        }
        plan.hits = stored.1.count
        return plan
    }

    /// The targets of an operation that `actor` may read, in the order they were recorded;
    /// the delivery is kept in the audit trail as a list read is.
    func readableTargets(of operation: JointOperation, by actor: Actor) async throws -> [Target] {
        let decoder = ConcertJSON.makeDecoder()
        var targets: [Target] = []
        for encoded in try await store.encodedTargets(operationId: operation.id)
        where AccessPolicy.allows(actor, .readRecord(encoded.handling), in: operation) {
            targets.append(try decoder.decode(Target.self, from: Data(encoded.json.utf8)))
        }
        try await store.recordRead(
            by: actor, operationId: operation.id, what: .auditTargetsListed,
            payload: ListDelivery(ids: targets.map(\.id)))
        return targets
    }

    /// The STIX 2.1 bundle of the targets of an operation that `actor` may read.
    public func stixExport(of operationId: String, by actor: Actor) async throws -> (JointOperation, Data) {
        let operation = try await operation(operationId, for: actor, .viewIntelligence)
        let targets = try await readableTargets(of: operation, by: actor)
        var agencies: [String: Agency] = [:]
        for id in Set(targets.map(\.originatorAgencyId)) {
            if let agency = try await store.agency(id: id) { agencies[id] = agency }
        }
        return (operation, STIXExport.bundle(of: targets, in: operation, agencies: agencies))
    }

    /// The MISP event of the targets of an operation that `actor` may read.
    public func mispExport(of operationId: String, by actor: Actor) async throws -> (JointOperation, Data) {
        let operation = try await operation(operationId, for: actor, .viewIntelligence)
        let targets = try await readableTargets(of: operation, by: actor)
        return (
            operation,
            MISPExport.event(of: targets, in: operation, exporter: try await store.agency(id: actor.agencyId))
        )
    }

    /// The iCalendar schedule of the actions an agency executes (the caller's own unless a lead
    /// coordinator asks for another participant's), as the caller sees the board.
    public func schedule(
        of operationId: String, agency asked: String?, by actor: Actor
    ) async throws -> (JointOperation, String) {
        let operation = try await operation(operationId, for: actor, .viewBoard)
        var agencyId = actor.agencyId
        if let asked, asked != actor.agencyId {
            guard AccessPolicy.allows(actor, .controlActionDay, in: operation) else {
                throw ProblemDetail(
                    status: .forbidden, detail: "Only the lead coordinators read another agency's schedule.")
            }
            guard operation.role(of: asked) != nil else {
                throw ProblemDetail(status: .notFound, detail: "No such agency takes part in the operation.")
            }
            agencyId = asked
        }
        let actions = try await ActionController.boardView(
            of: try await store.actions(operationId: operation.id).filter { $0.executingAgencyId == agencyId },
            for: actor, in: operation, store: store)
        let agency = try await store.agency(id: agencyId)
        let events = actions.compactMap { action -> ICalendarExport.Event? in
            guard let hHour = operation.hHour else { return nil }
            let start = hHour.addingTimeInterval(TimeInterval(action.offsetMinutes * 60))
            let local = TimeZone(identifier: action.timeZone).map { zone in
                var calendar = Calendar(identifier: .gregorian)
                calendar.timeZone = zone
                let parts = calendar.dateComponents([.hour, .minute], from: start)
                return String(format: "%02d:%02d", parts.hour ?? 0, parts.minute ?? 0) + " " + action.timeZone
            }
            let description = [
                "\(action.kind.rawValue) at \(action.offsetLabel), \(action.status.rawValue).",
                local.map { "Local time: \($0)." },
                "Operation \(operation.codeName).",
            ].compactMap { $0 }.joined(separator: "\n")
            return ICalendarExport.Event(
                uid: "\(action.id)@concert", start: start,
                end: start.addingTimeInterval(TimeInterval(max(1, action.expectedDurationMinutes) * 60)),
                summary: action.title, location: "\(action.place), \(action.country)", description: description,
                timeZone: action.timeZone, cancelled: action.status == .aborted, modified: action.updatedAt)
        }
        let calendar = ICalendarExport.calendar(
            name: "\(operation.codeName): \(agency?.name ?? agencyId)",
            description: operation.hHour == nil ? "H-hour is not set yet; the actions appear once it is." : nil,
            events: events)
        return (operation, calendar)
    }
}
