import ConcertCore
import ConcertStorage
import Hummingbird

/// The operation log: participants post what happens, the coordinator marks what is significant.
struct LogController {
    let store: any Store
    let guarded: OperationGuard

    struct EntryInput: Decodable {
        var text: String
    }

    struct Significance: Decodable {
        var significant: Bool
    }

    func addRoutes(to router: Router<ConcertRequestContext>) {
        router.get("/api/v1/operations/:operationId/log") { request, context in
            let actor = try context.requireActor()
            let operation = try await guarded.operation(
                try context.parameters.requireIdentifier("operationId"), for: actor, .viewBoard)
            let parameters = request.uri.queryParameters
            let parameter = { (name: String) in parameters.get(name).map { String($0) } }
            let page = try PageQuery(parameter)
            let significant = try PageQuery.flag("significant", parameter) ?? false
            let entries = try await PageQuery.resuming("entries of the log") {
                try await store.logEntryPage(
                    operationId: operation.id, significantOnly: significant, after: page.after, limit: page.limit)
            }
            return try Response.page(entries.items, next: entries.next)
        }
        router.post("/api/v1/operations/:operationId/log") { request, context in
            let actor = try context.requireActor()
            let operation = try await guarded.operation(
                try context.parameters.requireIdentifier("operationId"), for: actor, .postLogEntry)
            let input = try await request.decodeJSON(as: EntryInput.self, context: context)
            let entry = try LogEntry.make(
                id: Identifier.make(), operationId: operation.id, text: input.text, by: actor, now: ConcertJSON.now())
            try await store.createLogEntry(entry, by: actor)
            return try Response.json(entry, status: .created)
        }
        router.post("/api/v1/operations/:operationId/log/:entryId/significant") { request, context in
            let actor = try context.requireActor()
            let operation = try await guarded.operation(
                try context.parameters.requireIdentifier("operationId"), for: actor, .markSignificant)
            let id = try context.parameters.requireIdentifier("entryId")
            let input = try await request.decodeJSON(as: Significance.self, context: context)
            let updated = try await store.updateLogEntry(
                id: id, operationId: operation.id, by: actor, eventKind: .logMarkedSignificant
            ) { entry in
                var entry = entry
                entry.significant = input.significant
                entry.updatedAt = ConcertJSON.now()
                return entry
            }
            return try Response.json(updated)
        }
    }
}
