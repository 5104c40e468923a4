import ConcertCore
import ConcertStorage
import Foundation
import Hummingbird

/// The action plan: create, list, read and change actions, and move them through their statuses.
struct ActionController {
    let store: any Store
    let guarded: OperationGuard

    /// The actions as `actor` may see them: the target link only where the actor may read that
    /// target (never for observers), so the board leaks no intelligence.
    static func boardView(
        of actions: [Action], for actor: Actor, in operation: JointOperation, store: any Store
    ) async throws -> [Action] {
        let referenced = Set(actions.compactMap(\.targetId))
        guard !referenced.isEmpty else { return actions }
        let readable = try await readableTargets(referenced, for: actor, in: operation, store: store)
        return actions.map { action in
            var action = action
            if let targetId = action.targetId, !readable.contains(targetId) { action = action.withoutTargetDetails }
            return action
        }
    }

    /// Of the targets `ids`, those `actor` may read: an action about any other is shown
    /// without its target's details.
    static func readableTargets(
        _ ids: Set<String>, for actor: Actor, in operation: JointOperation, store: any Store
    ) async throws -> Set<String> {
        guard !ids.isEmpty, AccessPolicy.allows(actor, .viewIntelligence, in: operation) else { return [] }
        // The handling columns of the referenced targets alone: a target of 1,000 selectors is
        // not read and decoded to learn who may read it.
        var readable: Set<String> = []
        for (id, handling) in try await store.targetHandlings(ids: Array(ids), operationId: operation.id)
        where AccessPolicy.allows(actor, .readRecord(handling), in: operation) {
            readable.insert(id)
        }
        return readable
    }

    /// The plan as `actor` may see it, as one JSON array: each action's stored JSON as it is,
    /// but an action about a target the actor may not read decoded and told without it. The
    /// same view as ``boardView(of:for:in:store:)``, without decoding and encoding a large
    /// day's thousand actions.
    static func boardViewJSON(
        of encoded: [EncodedAction], for actor: Actor, in operation: JointOperation, store: any Store
    ) async throws -> Data {
        let readable = try await readableTargets(
            Set(encoded.compactMap(\.targetId)), for: actor, in: operation, store: store)
        var json = Data("[".utf8)
        json.reserveCapacity(encoded.reduce(2) { $0 + $1.json.utf8.count + 1 })
        for (index, action) in encoded.enumerated() {
            if index > 0 { json.append(0x2C) }
            if let targetId = action.targetId, !readable.contains(targetId) {
                let decoded = try ConcertJSON.decode(Action.self, from: action.json)
                json.append(Data(try ConcertJSON.encodeToString(decoded.withoutTargetDetails).utf8))
            } else {
                json.append(Data(action.json.utf8))
            }
        }
        json.append(0x5D)
        return json
    }

    /// Checks that the target and legal instrument an action names exist in its operation
    /// and, for the target, that the planner may read it.
    func validateReferences(_ input: ActionInput, actor: Actor, operation: JointOperation) async throws {
        try input.validate(in: operation)
        if let targetId = input.targetId {
            guard Identifier.isPlausible(targetId),
                let target = try await store.target(id: targetId, operationId: operation.id),
                AccessPolicy.allows(actor, .readRecord(target.recordHandling), in: operation)
            else { throw DomainError.invalid("This operation has no target '\(targetId)'.", field: "targetId") }
        }
        if let instrumentId = input.legalInstrumentId {
            guard Identifier.isPlausible(instrumentId),
                try await store.instrument(id: instrumentId, operationId: operation.id) != nil
            else {
                throw DomainError.invalid(
                    "This operation has no legal instrument '\(instrumentId)'.", field: "legalInstrumentId")
            }
        }
    }

    func addRoutes(to router: Router<ConcertRequestContext>) {
        router.get("/api/v1/operations/:operationId/actions") { request, context in
            let actor = try context.requireActor()
            let operation = try await guarded.operation(
                try context.parameters.requireIdentifier("operationId"), for: actor, .viewBoard)
            let parameters = request.uri.queryParameters
            let parameter = { (name: String) in parameters.get(name).map { String($0) } }
            let page = try PageQuery(parameter)
            var filter = ActionFilter()
            filter.executingAgencyId = try PageQuery.identifier("agency", parameter)
            filter.status = try PageQuery.choice("status", parameter, as: ActionStatus.self)
            if let country = parameter("country") {
                guard country.count == 2, country.allSatisfy({ $0.isASCII && $0.isUppercase }) else {
                    throw PageQuery.bad("'country' is an ISO 3166 alpha-2 code in capitals, such as CY.")
                }
                filter.country = country
            }
            let actions = try await PageQuery.resuming("the actions") {
                try await store.actionPage(
                    operationId: operation.id, filter: filter, after: page.after, limit: page.limit)
            }
            return Response.items(
                jsonArray: try await Self.boardViewJSON(of: actions.items, for: actor, in: operation, store: store),
                next: .some(actions.next))
        }
        router.post("/api/v1/operations/:operationId/actions") { request, context in
            let actor = try context.requireActor()
            let operation = try await guarded.operation(
                try context.parameters.requireIdentifier("operationId"), for: actor, .changePlan)
            let input = try await request.decodeJSON(as: ActionInput.self, context: context)
            try await validateReferences(input, actor: actor, operation: operation)
            let now = ConcertJSON.now()
            let action = input.makeAction(id: Identifier.make(), operationId: operation.id, createdAt: now, now: now)
            try await store.createAction(action, by: actor)
            return try Response.json(action, status: .created)
        }
        router.get("/api/v1/operations/:operationId/actions/:actionId") { _, context in
            let actor = try context.requireActor()
            let operation = try await guarded.operation(
                try context.parameters.requireIdentifier("operationId"), for: actor, .viewBoard)
            let id = try context.parameters.requireIdentifier("actionId")
            guard let action = try await store.action(id: id, operationId: operation.id) else {
                throw StoreError.notFound("No such action.")
            }
            return try Response.json(try await Self.boardView(of: [action], for: actor, in: operation, store: store)[0])
        }
        router.delete("/api/v1/operations/:operationId/actions/:actionId") { _, context in
            let actor = try context.requireActor()
            let operation = try await guarded.operation(
                try context.parameters.requireIdentifier("operationId"), for: actor, .changePlan)
            try await store.deleteAction(
                id: try context.parameters.requireIdentifier("actionId"), operationId: operation.id, by: actor
            ) { action in
                // What went ahead is part of the day's record: it is aborted, not removed.
                guard [.planned, .ready].contains(action.status) else {
                    throw DomainError.conflict(
                        "The action is \(action.status.rawValue): what went ahead stays on the record; abort it instead.",
                        field: "status")
                }
            }
            return Response(status: .noContent)
        }
        router.put("/api/v1/operations/:operationId/actions/:actionId") { request, context in
            let actor = try context.requireActor()
            let operation = try await guarded.operation(
                try context.parameters.requireIdentifier("operationId"), for: actor, .changePlan)
            let id = try context.parameters.requireIdentifier("actionId")
            var input = try await request.decodeJSON(as: ActionInput.self, context: context)
            guard let existing = try await store.action(id: id, operationId: operation.id) else {
                throw StoreError.notFound("No such action.")
            }
            // A planner who may not read the action's target sees it without what describes that
            // target; a change keeps those as they are (the target, title, place and gates), and
            // changes only its time, agency and instrument, so that nothing hidden is unlinked
            // and shown to everyone, nor overwritten by what the planner was shown instead.
            let keepsTarget =
                try await Self.boardView(of: [existing], for: actor, in: operation, store: store)[0]
                != existing
            if keepsTarget {
                input.targetId = nil
                input.title = existing.title
                input.place = existing.place
                input.gates = nil
            }
            try await validateReferences(input, actor: actor, operation: operation)
            let change = input
            let updated = try await store.updateAction(
                id: id, operationId: operation.id, by: actor, eventKind: .actionUpdated
            ) { current, _ in
                var input = change
                if keepsTarget {
                    input.targetId = current.targetId
                    input.title = current.title
                    input.place = current.place
                }
                return input.makeAction(
                    id: current.id, operationId: current.operationId, status: current.status,
                    outcome: current.outcome, keeping: current, createdAt: current.createdAt, now: ConcertJSON.now())
            }
            return try Response.json(
                try await Self.boardView(of: [updated], for: actor, in: operation, store: store)[0])
        }
        router.post("/api/v1/operations/:operationId/actions/:actionId/status") { request, context in
            let actor = try context.requireActor()
            let operation = try await guarded.operation(
                try context.parameters.requireIdentifier("operationId"), for: actor, .viewBoard)
            let id = try context.parameters.requireIdentifier("actionId")
            let change = try await request.decodeJSON(as: StatusChange.self, context: context)
            let updated = try await store.updateAction(
                id: id, operationId: operation.id, by: actor, eventKind: .actionStatusChanged
            ) { current, operation in
                try AccessPolicy.decide(
                    actor, .reportStatus(executingAgencyId: current.executingAgencyId, to: change.status),
                    in: operation
                ).get()
                var action = current
                try change.apply(to: &action, actionDay: operation.actionDay, now: ConcertJSON.now())
                return action
            }
            return try Response.json(
                try await Self.boardView(of: [updated], for: actor, in: operation, store: store)[0])
        }
    }
}
