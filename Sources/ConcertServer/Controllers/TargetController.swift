import ConcertCore
import ConcertInterop
import ConcertStorage
import Foundation
import Hummingbird

/// Targets and their selectors; every read of one is an audit entry.
struct TargetController {
    let store: any Store
    let guarded: OperationGuard
    /// Finds the hits of every selector recorded, changed or deleted, in the same request.
    let hits: HitRecorder
    /// Recording a selector tells its recorder whether another agency holds it, as a check
    /// does: it spends the same budget, so that imports cannot sweep what checks may not.
    let budget: CrossCheckBudget
    /// How many targets one import may hold.
    static let maximumImport = 10_000

    /// The body of an import and of its preview: `{"targets": […]}`, of targets or of rows
    /// decoded each on its own. A list longer than ``maximumImport`` is refused by its length,
    /// before any item is decoded (a 16 MiB body holds five million empty objects).
    struct ImportList<Row: Decodable>: Decodable {
        var targets: [Row]

        enum CodingKeys: String, CodingKey { case targets }

        init(from decoder: any Decoder) throws {
            var list = try decoder.container(keyedBy: CodingKeys.self).nestedUnkeyedContainer(forKey: .targets)
            if let count = list.count { try TargetController.checkImportSize(count) }
            var rows: [Row] = []
            while !list.isAtEnd { rows.append(try list.decode(Row.self)) }
            targets = rows
        }
    }

    struct ImportResult: Encodable {
        var imported: Int
        var hits: Int
    }

    /// A target of a preview, decoded on its own so that one row's bad shape is that row's
    /// problem, not the whole file's.
    struct PreviewRow: Decodable {
        var input: Result<TargetInput, ProblemDetail>

        init(from decoder: any Decoder) throws {
            do {
                input = .success(try TargetInput(from: decoder))
            } catch let error as DecodingError {
                input = .failure(ProblemDetail.describe(error))
            }
        }
    }

    /// What an import would record (`POST …/targets/import/preview`): nothing is written.
    struct ImportPreview: Encodable {
        struct Problem: Encodable {
            var detail: String
            var field: String?
        }
        struct Checked: Encodable {
            var kind: SelectorKind
            var value: String
            var hit: Bool
            var matches: [CrossCheckController.MatchView]
            var commonHolders: Int?
        }
        struct Row: Encodable {
            /// The row's place in the file's list, from 1.
            var row: Int
            var name: String?
            var kind: TargetKind?
            var problem: Problem?
            var selectors: [Checked] = []
            /// The target the row makes; not sent.
            var target: Target?

            enum CodingKeys: String, CodingKey {
                case row, name, kind, problem, selectors
            }
        }
        /// How many rows the file holds, how many would be recorded and how many are refused.
        var targets: Int
        var valid: Int
        var invalid: Int
        /// How many selectors the valid rows hold, and how many of them another agency holds.
        var selectors: Int
        var hits: Int
        var rows: [Row]

        init(rows: [Row]) {
            self.rows = rows
            targets = rows.count
            invalid = rows.filter { $0.problem != nil }.count
            valid = targets - invalid
            selectors = rows.reduce(0) { $0 + $1.selectors.count }
            hits = rows.reduce(0) { $0 + $1.selectors.filter(\.hit).count }
        }
    }

    /// Decides `permission` on a target; one the caller may not know of is answered exactly as
    /// one that does not exist, so that its answer does not tell that it exists.
    /// The text a list of targets is narrowed to: at most 200 characters.
    static func searchText(_ text: String?) throws -> String? {
        guard let text else { return nil }
        guard text.unicodeScalars.count <= 200 else {
            throw PageQuery.bad("'q' has at most 200 characters.")
        }
        return text
    }

    static func decide(_ actor: Actor, _ permission: Permission, in operation: JointOperation) throws {
        do {
            try AccessPolicy.decide(actor, permission, in: operation).get()
        } catch AccessDenial.hidden {
            throw StoreError.notFound("No such target.")
        }
    }

    /// Refuses an import (or its preview) of no target or of more than ``maximumImport``.
    static func checkImportSize(_ count: Int) throws {
        guard (1...maximumImport).contains(count) else {
            throw DomainError.invalid(
                "An import holds from 1 to \(maximumImport) targets; split a larger one.", field: "targets")
        }
    }

    /// The largest body an import or its preview takes.
    static let importBodyLimit = 16 << 20

    /// Validates the targets of an import as the caller records them, each on its own: the
    /// target it makes, or why it makes none (the field named inside the target).
    func makeTargets(
        _ inputs: [TargetInput], in operation: JointOperation, by actor: Actor
    ) async throws -> [Result<Target, DomainError>] {
        guard !inputs.isEmpty else { return [] }
        let now = ConcertJSON.now()
        let country = try await store.agency(id: actor.agencyId)?.country
        return inputs.map { input in
            Result { () throws(DomainError) -> Target in
                try input.makeTarget(
                    id: Identifier.make(), operation: operation, originatorAgencyId: actor.agencyId,
                    createdBy: actor.userId, defaultCountry: country, createdAt: now, now: now,
                    limits: hits.crossCheck.limits)
            }
        }
    }

    /// What an import would do, writing no target: each row valid or not (with the first
    /// problem of each, as the import would name it), and for each selector of a valid row
    /// whether another agency holds it and whom to contact, exactly as a check before sharing
    /// answers — which it is: it spends the same budget, is kept in the caller's audit trail
    /// and is told to the holders.
    func preview(_ rows: [PreviewRow], in operation: JointOperation, by actor: Actor) async throws -> ImportPreview {
        try Self.checkImportSize(rows.count)
        let decoded = rows.map(\.input)
        let made = try await makeTargets(decoded.compactMap { try? $0.get() }, in: operation, by: actor)
        var next = made.makeIterator()
        var previewed: [ImportPreview.Row] = []
        for (position, row) in decoded.enumerated() {
            let prefix = "targets[\(position)]"
            switch row {
            case .failure(let problem):
                previewed.append(
                    ImportPreview.Row(
                        row: position + 1, problem: ImportPreview.Problem(detail: problem.detail, field: problem.field))
                )
            case .success(let input):
                switch next.next() {
                case .success(let target):
                    previewed.append(
                        ImportPreview.Row(row: position + 1, name: target.name, kind: target.kind, target: target))
                case .failure(let error):
                    let nested = error.nested(under: prefix)
                    previewed.append(
                        ImportPreview.Row(
                            row: position + 1, name: input.name, kind: input.kind,
                            problem: ImportPreview.Problem(detail: nested.message, field: nested.field)))
                case nil:
                    preconditionFailure("one made target per decoded row")
                }
            }
        }
        let selectors = previewed.flatMap { $0.target?.selectors ?? [] }
        let checked: [CrossCheckController.ResultView] =
            selectors.isEmpty
            ? []
            : try await CrossCheckController(store: store, crossCheck: hits.crossCheck, budget: budget).check(
                selectors, by: actor)
        budget.rememberPreview(of: selectors, by: actor)
        var results = checked.makeIterator()
        for index in previewed.indices {
            guard let target = previewed[index].target else { continue }
            previewed[index].selectors = target.selectors.map { selector in
                let result = results.next()
                return ImportPreview.Checked(
                    kind: selector.kind, value: selector.value.written, hit: result?.hit ?? false,
                    matches: result?.matches ?? [], commonHolders: result?.commonHolders)
            }
        }
        return ImportPreview(rows: previewed)
    }

    func addRoutes(to router: Router<ConcertRequestContext>) {
        router.get("/api/v1/operations/:operationId/targets") { request, context in
            let actor = try context.requireActor()
            let operation = try await guarded.operation(
                try context.parameters.requireIdentifier("operationId"), for: actor, .viewIntelligence)
            let parameters = request.uri.queryParameters
            let parameter = { (name: String) in parameters.get(name).map { String($0) } }
            let paging = try PageQuery(parameter)
            let filter = TargetFilter(
                kind: try PageQuery.choice("kind", parameter, as: TargetKind.self),
                originatorAgencyId: try PageQuery.identifier("agency", parameter),
                text: try Self.searchText(parameter("q")))
            let page = try await PageQuery.resuming("the targets") {
                try await store.targetPage(
                    operationId: operation.id, filter: filter, skipping: 0, after: paging.after, limit: paging.limit
                ) { handling in
                    AccessPolicy.allows(actor, .readRecord(handling), in: operation)
                }
            }
            try await store.recordRead(
                by: actor, operationId: operation.id, what: .auditTargetsListed,
                payload: ListDelivery(ids: page.targets.map(\.id)))
            var json = Data("[".utf8)
            for (index, target) in page.targets.enumerated() {
                if index > 0 { json.append(0x2C) }
                json.append(Data(target.json.utf8))
            }
            json.append(0x5D)
            let next = page.next != nil ? page.targets.last?.id : nil
            return Response.items(jsonArray: json, next: .some(next))
        }
        router.post("/api/v1/operations/:operationId/targets") { request, context in
            let actor = try context.requireActor()
            let operation = try await guarded.operation(
                try context.parameters.requireIdentifier("operationId"), for: actor, .createRecord)
            let input = try await request.decodeJSON(as: TargetInput.self, context: context)
            let now = ConcertJSON.now()
            let target = try input.makeTarget(
                id: Identifier.make(), operation: operation, originatorAgencyId: actor.agencyId,
                createdBy: actor.userId, defaultCountry: try await store.agency(id: actor.agencyId)?.country,
                createdAt: now, now: now, limits: hits.crossCheck.limits)
            try budget.spend(target.selectors.count, by: actor)
            try await hits.createTarget(target, by: actor)
            return try Response.json(target, status: .created)
        }
        router.post("/api/v1/operations/:operationId/targets/import") { request, context in
            let actor = try context.requireActor()
            let operation = try await guarded.operation(
                try context.parameters.requireIdentifier("operationId"), for: actor, .createRecord)
            var request = request
            let dryRun =
                try PageQuery.flag("dryRun") { request.uri.queryParameters.get($0).map { String($0) } } ?? false
            let buffer: ByteBuffer
            switch try await InteropImportRoute.body(of: &request) {
            case .concert(let body): buffer = body
            case let other:
                return try await InteropImportRoute(
                    interop: InteropService(store: store, hits: hits, budget: budget)
                ).handle(other, request: request, operationId: operation.id, by: actor, dryRun: dryRun)
            }
            guard buffer.readableBytes <= Self.importBodyLimit else {
                throw ProblemDetail(
                    status: .contentTooLarge,
                    detail: "The request body is larger than the \(Self.importBodyLimit >> 20) MiB this route accepts.")
            }
            if dryRun {
                let preview = try await preview(
                    try decodeJSONDocument(as: ImportList<PreviewRow>.self, from: buffer).targets, in: operation,
                    by: actor)
                // As every import's dry run: a file with a row in error is refused, naming each.
                let refused = preview.rows.compactMap { row in
                    row.problem.map {
                        ImportNote(place: .json($0.field ?? "targets[\(row.row - 1)]"), detail: $0.detail)
                    }
                }
                if let first = refused.first {
                    var problem = ProblemDetail(
                        status: .unprocessableContent,
                        detail:
                            "The file would be refused whole: \(refused.count == 1 ? "one row" : "\(refused.count) rows") in error. The first, \(first.place): \(first.detail)",
                        field: first.place.path)
                    problem.errors = refused
                    throw problem
                }
                return try Response.json(preview)
            }
            let input = try decodeJSONDocument(as: ImportList<TargetInput>.self, from: buffer)
            try Self.checkImportSize(input.targets.count)
            var targets: [Target] = []
            for (position, made) in try await makeTargets(input.targets, in: operation, by: actor).enumerated() {
                do throws(DomainError) {
                    targets.append(try made.get())
                } catch {
                    throw error.nested(under: "targets[\(position)]")
                }
            }
            // What the caller's preview of the same file checked was spent then: a file counts once.
            try budget.spend(budget.unpreviewed(targets.flatMap(\.selectors), by: actor), by: actor)
            let hits = try await TargetImporter(store: store, hits: hits).importTargets(targets, by: actor)
            return try Response.json(ImportResult(imported: targets.count, hits: hits), status: .created)
        }
        router.post("/api/v1/operations/:operationId/targets/import/preview") { request, context in
            let actor = try context.requireActor()
            let operation = try await guarded.operation(
                try context.parameters.requireIdentifier("operationId"), for: actor, .createRecord)
            let input = try await request.decodeJSON(
                as: ImportList<PreviewRow>.self, context: context, limit: Self.importBodyLimit)
            return try Response.json(try await preview(input.targets, in: operation, by: actor))
        }
        router.get("/api/v1/operations/:operationId/targets/:targetId") { _, context in
            let actor = try context.requireActor()
            let operation = try await guarded.operation(
                try context.parameters.requireIdentifier("operationId"), for: actor, .viewIntelligence)
            let id = try context.parameters.requireIdentifier("targetId")
            guard let target = try await store.target(id: id, operationId: operation.id) else {
                throw StoreError.notFound("No such target.")
            }
            try Self.decide(actor, .readRecord(target.recordHandling), in: operation)
            try await store.recordRead(
                by: actor, operationId: operation.id, what: .auditTargetRead, payload: RecordReference(id: target.id))
            return try Response.json(target)
        }
        router.put("/api/v1/operations/:operationId/targets/:targetId") { request, context in
            let actor = try context.requireActor()
            let operation = try await guarded.operation(
                try context.parameters.requireIdentifier("operationId"), for: actor, .viewIntelligence)
            let id = try context.parameters.requireIdentifier("targetId")
            let input = try await request.decodeJSON(as: TargetInput.self, context: context)
            let defaultCountry = try await store.agency(id: actor.agencyId)?.country
            // The change and its hits are found first and written in one transaction, which
            // refuses if the target changed meanwhile.
            guard let current = try await store.target(id: id, operationId: operation.id) else {
                throw StoreError.notFound("No such target.")
            }
            try Self.decide(actor, .modifyRecord(current.recordHandling), in: operation)
            var made = try input.makeTarget(
                id: current.id, operation: operation, originatorAgencyId: current.originatorAgencyId,
                createdBy: current.createdBy, defaultCountry: defaultCountry, createdAt: current.createdAt,
                now: ConcertJSON.now(), limits: hits.crossCheck.limits)
            // Still the partner's object it was imported from: a newer version of it updates this
            // target (never loosening what is set here) rather than adding a copy.
            made.source = current.source
            let changed = made
            try budget.spend(changed.selectors.count, by: actor)
            let (updated, _) = try await hits.record([changed], replacing: [current], by: actor) {
                [store] changes in
                let updated = try await store.updateTarget(
                    id: id, operationId: operation.id, by: actor, hits: changes
                ) { latest in
                    guard latest == current else {
                        throw DomainError.conflict(
                            "Someone changed this target while you did; read it again and make your change to it.")
                    }
                    return changed
                }
                return (updated, [])
            }
            return try Response.json(updated)
        }
        router.delete("/api/v1/operations/:operationId/targets/:targetId") { _, context in
            let actor = try context.requireActor()
            let operation = try await guarded.operation(
                try context.parameters.requireIdentifier("operationId"), for: actor, .viewIntelligence)
            let id = try context.parameters.requireIdentifier("targetId")
            try await store.deleteTarget(id: id, operationId: operation.id, by: actor) { current in
                try Self.decide(actor, .modifyRecord(current.recordHandling), in: operation)
            }
            await hits.targetDeleted(id)
            return Response(status: .noContent)
        }
    }
}
