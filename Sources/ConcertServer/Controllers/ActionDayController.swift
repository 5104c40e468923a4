import ConcertCore
import ConcertStorage
import Hummingbird

/// Running the action day: the coordinator's GO, HOLD, RESUME and ABORT, and the gates of actions.
struct ActionDayController {
    let store: any Store
    let guarded: OperationGuard

    struct GateCheck: Decodable {
        var checked: Bool
    }

    func addRoutes(to router: Router<ConcertRequestContext>) {
        router.post("/api/v1/operations/:operationId/control") { request, context in
            let actor = try context.requireActor()
            let operation = try await guarded.operation(
                try context.parameters.requireIdentifier("operationId"), for: actor, .controlActionDay)
            let command = try await request.decodeJSON(as: ActionDayCommand.self, context: context)
            let (updated, _) = try await store.updateActionDay(
                operationId: operation.id, by: actor, eventKind: command.command.eventKind
            ) { operation, actions in
                try AccessPolicy.decide(actor, .controlActionDay, in: operation).get()
                var operation = operation
                let changed = try command.apply(
                    to: &operation, actions: actions, by: actor.agencyId, now: ConcertJSON.now())
                return (operation, changed)
            }
            return try Response.json(updated)
        }
        router.post("/api/v1/operations/:operationId/actions/:actionId/gates/:gateId") { request, context in
            let actor = try context.requireActor()
            let operation = try await guarded.operation(
                try context.parameters.requireIdentifier("operationId"), for: actor, .viewBoard)
            let actionId = try context.parameters.requireIdentifier("actionId")
            let gateId = try context.parameters.requireIdentifier("gateId")
            let check = try await request.decodeJSON(as: GateCheck.self, context: context)
            let updated = try await store.updateAction(
                id: actionId, operationId: operation.id, by: actor, eventKind: .actionGateChecked
            ) { action, operation in
                try AccessPolicy.decide(actor, .checkGate(executingAgencyId: action.executingAgencyId), in: operation)
                    .get()
                guard
                    let changed = try action.settingGate(
                        gateId, checked: check.checked, by: actor.userId, now: ConcertJSON.now())
                else { throw StoreError.notFound("This action has no gate '\(gateId)'.") }
                return changed
            }
            return try Response.json(
                try await ActionController.boardView(of: [updated], for: actor, in: operation, store: store)[0])
        }
    }
}
