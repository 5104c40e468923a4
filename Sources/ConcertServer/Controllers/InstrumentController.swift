import ConcertCore
import ConcertStorage
import Hummingbird

/// Legal instruments: European Arrest Warrants, European Investigation Orders, mutual legal
/// assistance requests and domestic warrants, with their status.
struct InstrumentController {
    let store: any Store
    let guarded: OperationGuard

    func addRoutes(to router: Router<ConcertRequestContext>) {
        router.get("/api/v1/operations/:operationId/instruments") { _, context in
            let actor = try context.requireActor()
            let operation = try await guarded.operation(
                try context.parameters.requireIdentifier("operationId"), for: actor, .viewIntelligence)
            return try Response.items(try await store.instruments(operationId: operation.id))
        }
        router.post("/api/v1/operations/:operationId/instruments") { request, context in
            let actor = try context.requireActor()
            let operation = try await guarded.operation(
                try context.parameters.requireIdentifier("operationId"), for: actor, .manageInstruments)
            let input = try await request.decodeJSON(as: LegalInstrumentInput.self, context: context)
            let now = ConcertJSON.now()
            let instrument = try input.makeInstrument(
                id: Identifier.make(), operationId: operation.id, createdAt: now, now: now)
            try await store.createInstrument(instrument, by: actor)
            return try Response.json(instrument, status: .created)
        }
        router.get("/api/v1/operations/:operationId/instruments/:instrumentId") { _, context in
            let actor = try context.requireActor()
            let operation = try await guarded.operation(
                try context.parameters.requireIdentifier("operationId"), for: actor, .viewIntelligence)
            let id = try context.parameters.requireIdentifier("instrumentId")
            guard let instrument = try await store.instrument(id: id, operationId: operation.id) else {
                throw StoreError.notFound("No such legal instrument.")
            }
            return try Response.json(instrument)
        }
        router.put("/api/v1/operations/:operationId/instruments/:instrumentId") { request, context in
            let actor = try context.requireActor()
            let operation = try await guarded.operation(
                try context.parameters.requireIdentifier("operationId"), for: actor, .manageInstruments)
            let id = try context.parameters.requireIdentifier("instrumentId")
            let input = try await request.decodeJSON(as: LegalInstrumentInput.self, context: context)
            let updated = try await store.updateInstrument(id: id, operationId: operation.id, by: actor) { current in
                try input.makeInstrument(
                    id: current.id, operationId: current.operationId, createdAt: current.createdAt,
                    now: ConcertJSON.now())
            }
            return try Response.json(updated)
        }
    }
}
