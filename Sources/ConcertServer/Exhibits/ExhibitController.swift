import ConcertCore
import ConcertStorage
import Foundation
import Hummingbird
import Synchronization

/// The exhibit register and chains of custody: exhibits recorded as they are seized, their
/// custody entries, receipts of hand-overs, the board's counts and the CASE/UCO export.
struct ExhibitController {
    let store: any Store
    let guarded: OperationGuard
    /// The CASE exports being written at once: one of everything an agency holds is tens of
    /// megabytes in memory, so a client that asks for many and never reads them is held back.
    let exports = ExportGate(limit: 2)

    /// The most exhibits one page answers.
    static let maximumPageSize = 500
    /// The page size when none is asked.
    static let defaultPageSize = 100

    struct ReceiptInput: Decodable {
        var note: String?
        var hashCheck: HashCheckInput?
    }

    /// One exhibit with its chain, as `GET …/exhibits/{id}` answers it.
    struct ExhibitWithCustody: Encodable {
        var exhibit: Exhibit
        var custody: [CustodyEntry]

        func encode(to encoder: any Encoder) throws {
            try exhibit.encode(to: encoder)
            var container = encoder.container(keyedBy: Key.self)
            try container.encode(custody, forKey: .custody)
        }

        enum Key: String, CodingKey { case custody }
    }

    struct Page: Encodable {
        var items: [Exhibit]
        var next: String?
        var matching: Int
    }

    func addRoutes(to router: Router<ConcertRequestContext>) {
        let exhibits = "/api/v1/operations/:operationId/exhibits"
        router.get(RouterPath(exhibits)) { request, context in
            let actor = try context.requireActor()
            let operation = try await guarded.operation(
                try context.parameters.requireIdentifier("operationId"), for: actor, .viewIntelligence)
            let (page, items) = try await Self.page(
                try ExhibitQuery(request), for: actor, in: operation, store: store)
            return try Response.json(Page(items: items, next: page.next, matching: page.matching))
        }
        router.post(RouterPath(exhibits)) { request, context in
            let actor = try context.requireActor()
            let operation = try await guarded.operation(
                try context.parameters.requireIdentifier("operationId"), for: actor, .createRecord)
            let input = try await request.decodeJSON(as: ExhibitInput.self, context: context)
            guard Identifier.isPlausible(input.actionId),
                let action = try await store.action(id: input.actionId, operationId: operation.id)
            else {
                throw DomainError.invalid("This operation has no action '\(input.actionId)'.", field: "actionId")
            }
            try AccessPolicy.decide(actor, .recordExhibit(executingAgencyId: action.executingAgencyId), in: operation)
                .get()
            try Self.checkSeizable(action)
            if let parentId = input.parentExhibitId {
                guard Identifier.isPlausible(parentId),
                    let parent = try await store.exhibit(id: parentId, operationId: operation.id),
                    AccessPolicy.allows(actor, .readExhibit(parent.access), in: operation)
                else {
                    throw DomainError.invalid("This operation has no exhibit '\(parentId)'.", field: "parentExhibitId")
                }
            }
            let now = ConcertJSON.now()
            var exhibit = try input.makeExhibit(
                id: Identifier.make(), operation: operation, action: action, assignedNumber: "", by: actor, now: now)
            // Concert's number: the seizing agency's country, the year of the seizure, a sequence.
            let country = try await store.agency(id: action.executingAgencyId)?.country ?? action.country
            let prefix = input.exhibitNumber == nil ? "\(country)-\(Self.year(of: exhibit.seizedAt))-" : nil
            exhibit = try await store.createExhibit(
                exhibit, seizure: exhibit.seizureEntry(id: Identifier.make(), by: actor, now: now),
                numberPrefix: prefix,
                by: actor
            ) { current, parent in
                // Checked again where it is written: the action may have moved meanwhile.
                try Self.checkSeizable(current)
                if input.parentExhibitId != nil, parent == nil {
                    throw DomainError.invalid("The parent exhibit is gone.", field: "parentExhibitId")
                }
            }
            // Answered as the recorder may read it: the action's target may not be theirs to see.
            let viewed = try await Self.viewed([exhibit], by: actor, in: operation, store: store)
            return try Response.json(viewed[0], status: .created)
        }
        router.get(RouterPath(exhibits + "/counts")) { _, context in
            let actor = try context.requireActor()
            let operation = try await guarded.operation(
                try context.parameters.requireIdentifier("operationId"), for: actor, .viewBoard)
            return try Response.json(try await store.exhibitCounts(operationId: operation.id))
        }
        router.get(RouterPath(exhibits + "/case")) { _, context in
            let actor = try context.requireActor()
            let operation = try await guarded.operation(
                try context.parameters.requireIdentifier("operationId"), for: actor, .viewIntelligence)
            let held = try await store.exhibitsWithCustody(
                operationId: operation.id, holderAgencyId: actor.agencyId, exhibitId: nil)
            return try await caseResponse(held, actor: actor, operation: operation)
        }
        router.get(RouterPath(exhibits + "/:exhibitId")) { _, context in
            let (actor, operation, exhibit) = try await readable(context)
            let custody = try await store.custodyEntries(exhibitId: exhibit.id, operationId: operation.id)
            let viewed = try await Self.viewed([exhibit], by: actor, in: operation, store: store)
            return try Response.json(ExhibitWithCustody(exhibit: viewed[0], custody: custody))
        }
        router.get(RouterPath(exhibits + "/:exhibitId/case")) { _, context in
            let (actor, operation, exhibit) = try await readable(context)
            let one = try await store.exhibitsWithCustody(
                operationId: operation.id, holderAgencyId: actor.agencyId, exhibitId: exhibit.id)
            return try await caseResponse(one, actor: actor, operation: operation)
        }
        router.post(RouterPath(exhibits + "/:exhibitId/custody")) { request, context in
            let actor = try context.requireActor()
            let operation = try await guarded.operation(
                try context.parameters.requireIdentifier("operationId"), for: actor, .createRecord)
            let exhibitId = try context.parameters.requireIdentifier("exhibitId")
            let input = try await request.decodeJSON(as: CustodyInput.self, context: context)
            guard let exhibit = try await store.exhibit(id: exhibitId, operationId: operation.id) else {
                throw AccessDenial.hidden("No such exhibit.")
            }
            // Every step is the holder's, a correction too (of the holder's own entries: the
            // custody rules).
            try AccessPolicy.decide(actor, .addCustody(exhibit.access), in: operation).get()
            let id = Identifier.make()
            let (entry, _) = try await store.addCustodyEntry(
                exhibitId: exhibit.id, operationId: operation.id, by: actor
            ) { current in
                // The holder may have changed since the check above: decided again on the exhibit
                // as it stands in the transaction.
                try AccessPolicy.decide(actor, .addCustody(current.exhibit.access), in: current.operation).get()
                return try current.exhibit.recording(
                    input, entries: current.entries, id: id, by: actor, in: current.operation,
                    instrumentExists: current.instrumentIds.contains, now: ConcertJSON.now())
            }
            return try Response.json(entry, status: .created)
        }
        router.post(RouterPath(exhibits + "/:exhibitId/custody/:entryId/receipt")) { request, context in
            let actor = try context.requireActor()
            let operation = try await guarded.operation(
                try context.parameters.requireIdentifier("operationId"), for: actor, .createRecord)
            let exhibitId = try context.parameters.requireIdentifier("exhibitId")
            let entryId = try context.parameters.requireIdentifier("entryId")
            let input = try await request.decodeJSON(as: ReceiptInput.self, context: context)
            guard let exhibit = try await store.exhibit(id: exhibitId, operationId: operation.id) else {
                throw AccessDenial.hidden("No such exhibit.")
            }
            try AccessPolicy.decide(actor, .readExhibit(exhibit.access), in: operation).get()
            let id = Identifier.make()
            let (entry, _) = try await store.addCustodyEntry(
                exhibitId: exhibit.id, operationId: operation.id, by: actor
            ) { current in
                let exhibit = current.exhibit
                guard let transit = exhibit.transit, transit.entryId == entryId else {
                    throw DomainError.conflict(
                        "Entry \(entryId) is not a hand-over of exhibit \(exhibit.exhibitNumber) waiting for its receipt."
                    )
                }
                try AccessPolicy.decide(
                    actor, .confirmReceipt(exhibit.access, receivingAgencyId: transit.toAgencyId),
                    in: current.operation
                ).get()
                return try exhibit.receiving(
                    handOverId: entryId, hashCheck: input.hashCheck, note: input.note, entries: current.entries,
                    id: id, by: actor, now: ConcertJSON.now())
            }
            return try Response.json(entry, status: .created)
        }
    }

    /// A page of the register as `actor` may see it: the exhibits they may read that the query's
    /// filter keeps, each as ``viewed(_:by:in:store:)`` shows it.
    static func page(
        _ query: ExhibitQuery, for actor: Actor, in operation: JointOperation, store: any Store
    ) async throws -> (ExhibitPage, [Exhibit]) {
        let page: ExhibitPage
        do {
            page = try await store.exhibitPage(
                operationId: operation.id, filter: query.filter, after: query.after, limit: query.limit
            ) { access in AccessPolicy.allows(actor, .readExhibit(access), in: operation) }
        } catch is UnknownCursor {
            throw ProblemDetail(
                status: .badRequest,
                detail: "'after' is not an exhibit of this list: pass the 'next' of the page before.")
        }
        return (page, try await viewed(page.exhibits, by: actor, in: operation, store: store))
    }

    /// The exhibit a route names, if the caller may read it (404 otherwise, as if it did not
    /// exist; observers 403).
    private func readable(_ context: ConcertRequestContext) async throws -> (Actor, JointOperation, Exhibit) {
        let actor = try context.requireActor()
        let operation = try await guarded.operation(
            try context.parameters.requireIdentifier("operationId"), for: actor, .viewIntelligence)
        let exhibitId = try context.parameters.requireIdentifier("exhibitId")
        guard let exhibit = try await store.exhibit(id: exhibitId, operationId: operation.id) else {
            throw AccessDenial.hidden("No such exhibit.")
        }
        try AccessPolicy.decide(actor, .readExhibit(exhibit.access), in: operation).get()
        return (actor, operation, exhibit)
    }

    /// The CASE/UCO JSON-LD of exhibits the caller may read, with their chains.
    private func caseResponse(
        _ exhibits: [(exhibit: Exhibit, custody: [CustodyEntry])], actor: Actor, operation: JointOperation
    ) async throws -> Response {
        guard exports.enter() else {
            throw ProblemDetail.tooManyRequests(
                "Other chain-of-custody exports are being written; ask again in a moment.", retryAfter: 2)
        }
        defer { exports.leave() }
        let readable = exhibits.filter { AccessPolicy.allows(actor, .readExhibit($0.exhibit.access), in: operation) }
        let viewed = try await Self.viewed(readable.map(\.exhibit), by: actor, in: operation, store: store)
        let agencies = Dictionary(uniqueKeysWithValues: try await store.agencies().map { ($0.id, $0) })
        let instruments = Dictionary(
            uniqueKeysWithValues: try await store.instruments(operationId: operation.id).map { ($0.id, $0) })
        let document = CaseDocument(
            operation: operation, exhibits: zip(viewed, readable).map { ($0, $1.custody) }, agencies: agencies,
            instruments: instruments)
        return Response(
            status: .ok, headers: [.contentType: "application/ld+json"],
            body: .init(byteBuffer: ByteBuffer(data: try await document.json())))
    }

    /// Refuses an action that did not go ahead: exhibits come from actions under way or over.
    static func checkSeizable(_ action: Action) throws(DomainError) {
        guard action.maySeize else {
            throw .conflict(
                "Action '\(action.title)' is \(action.status.rawValue): exhibits are recorded from an action in progress or finished.",
                field: "actionId")
        }
    }

    /// The year of a date in UTC.
    static func year(of date: Date) -> Int {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC")!
        return calendar.component(.year, from: date)
    }

    /// The exhibits as `actor` may see them: the target they came from, and the place of the
    /// seizure (which may name it), only where the actor may read that target.
    static func viewed(
        _ exhibits: [Exhibit], by actor: Actor, in operation: JointOperation, store: any Store
    ) async throws -> [Exhibit] {
        let readable = try await ActionController.readableTargets(
            Set(exhibits.compactMap(\.targetId)), for: actor, in: operation, store: store)
        return exhibits.map { exhibit in
            guard let targetId = exhibit.targetId, !readable.contains(targetId) else { return exhibit }
            return exhibit.withoutTargetDetails
        }
    }
}

/// The filter, cursor and size of a register page, read from the query.
struct ExhibitQuery {
    var filter = ExhibitFilter()
    var after: String?
    var limit = ExhibitController.defaultPageSize

    /// Reads the query of `request`.
    init(_ request: Request) throws {
        let parameters = request.uri.queryParameters
        try self.init { name in parameters.get(name).map { String($0) } }
    }

    /// Reads a query whose parameters `parameter` gives by name.
    init(_ parameter: (String) -> String?) throws {
        func bad(_ detail: String) -> ProblemDetail { ProblemDetail(status: .badRequest, detail: detail) }
        func identifier(_ name: String) throws -> String? {
            guard let value = parameter(name), !value.isEmpty else { return nil }
            guard Identifier.isPlausible(value) else { throw bad("'\(name)' is not an id.") }
            return value
        }
        filter.seizingAgencyId = try identifier("agency")
        filter.holderAgencyId = try identifier("holder")
        after = try identifier("after")
        if let kind = parameter("kind"), !kind.isEmpty {
            guard let known = ExhibitKind(rawValue: kind) else {
                throw bad(
                    "'kind' is one of: \(ExhibitKind.allCases.map(\.rawValue).joined(separator: ", ")).")
            }
            filter.kind = known
        }
        if let transit = parameter("inTransit"), !transit.isEmpty {
            guard let flag = Bool(transit) else { throw bad("'inTransit' is true or false.") }
            filter.inTransit = flag
        }
        if let text = parameter("limit") {
            guard let limit = Int(text), (1...ExhibitController.maximumPageSize).contains(limit) else {
                throw bad("'limit' is a whole number from 1 to \(ExhibitController.maximumPageSize).")
            }
            self.limit = limit
        }
    }
}

extension Exhibit {
    /// The exhibit without what may name its action's target: the target and the place.
    var withoutTargetDetails: Exhibit {
        var exhibit = self
        exhibit.targetId = nil
        exhibit.place = ""
        return exhibit
    }
}

/// At most `limit` pieces of heavy work at once; the others are turned away, not queued.
public final class ExportGate: Sendable {
    private let running = Mutex(0)
    public let limit: Int

    public init(limit: Int) { self.limit = limit }

    /// Takes a place; false when all are taken.
    public func enter() -> Bool {
        running.withLock { running in
            guard running < limit else { return false }
            running += 1
            return true
        }
    }

    /// Gives a place back.
    public func leave() { running.withLock { $0 -= 1 } }
}
