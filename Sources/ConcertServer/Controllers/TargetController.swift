import ConcertCore
import ConcertStorage
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

    struct ImportInput: Decodable {
        var targets: [TargetInput]
    }

    struct ImportResult: Encodable {
        var imported: Int
        var hits: Int
    }

    /// Decides `permission` on a target; one the caller may not know of is answered exactly as
    /// one that does not exist, so that its answer does not tell that it exists.
    static func decide(_ actor: Actor, _ permission: Permission, in operation: JointOperation) throws {
        do {
            try AccessPolicy.decide(actor, permission, in: operation).get()
        } catch AccessDenial.hidden {
            throw StoreError.notFound("No such target.")
        }
    }

    func addRoutes(to router: Router<ConcertRequestContext>) {
        router.get("/api/v1/operations/:operationId/targets") { _, context in
            let actor = try context.requireActor()
            let operation = try await guarded.operation(
                try context.parameters.requireIdentifier("operationId"), for: actor, .viewIntelligence)
            let visible = try await store.visibleTargetsJSON(operationId: operation.id) { handling in
                AccessPolicy.allows(actor, .readRecord(handling), in: operation)
            }
            try await store.recordRead(
                by: actor, operationId: operation.id, what: .auditTargetsListed,
                payload: ListDelivery(listOf: visible.ids, asOfSequence: visible.asOfSequence))
            return Response.items(jsonArray: visible.json)
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
            let input = try await request.decodeJSON(as: ImportInput.self, context: context, limit: 16 << 20)
            guard (1...Self.maximumImport).contains(input.targets.count) else {
                throw DomainError.invalid(
                    "An import holds from 1 to \(Self.maximumImport) targets; split a larger one.", field: "targets")
            }
            let now = ConcertJSON.now()
            let country = try await store.agency(id: actor.agencyId)?.country
            var targets: [Target] = []
            for (position, target) in input.targets.enumerated() {
                do throws(DomainError) {
                    targets.append(
                        try target.makeTarget(
                            id: Identifier.make(), operation: operation, originatorAgencyId: actor.agencyId,
                            createdBy: actor.userId, defaultCountry: country, createdAt: now, now: now,
                            limits: hits.crossCheck.limits))
                } catch {
                    throw error.nested(under: "targets[\(position)]")
                }
            }
            try budget.spend(targets.reduce(0) { $0 + $1.selectors.count }, by: actor)
            let hits = try await TargetImporter(store: store, hits: hits).importTargets(targets, by: actor)
            return try Response.json(ImportResult(imported: targets.count, hits: hits), status: .created)
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
            let changed = try input.makeTarget(
                id: current.id, operation: operation, originatorAgencyId: current.originatorAgencyId,
                createdBy: current.createdBy, defaultCountry: defaultCountry, createdAt: current.createdAt,
                now: ConcertJSON.now(), limits: hits.crossCheck.limits)
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
