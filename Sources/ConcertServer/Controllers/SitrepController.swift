import ConcertCore
import ConcertStorage
import Foundation
import Hummingbird

/// Situation reports: the lead coordinator compiles a draft, edits and approves it; every
/// participant reads the approved ones and exports them as Markdown or HTML.
struct SitrepController {
    let store: any Store
    let guarded: OperationGuard

    struct CompileInput: Decodable {
        var summary: String?
    }

    /// A sitrep `actor` may read: approved ones for every participant, drafts for those who
    /// manage sitreps only; anything else is "not found", as if it did not exist.
    func readableSitrep(_ id: String, of operation: JointOperation, for actor: Actor) async throws -> Sitrep {
        guard let sitrep = try await store.sitrep(id: id, operationId: operation.id),
            sitrep.status == .approved || AccessPolicy.allows(actor, .manageSitreps, in: operation)
        else { throw AccessDenial.hidden("No such sitrep.") }
        return sitrep
    }

    /// The sitrep as a document, with agency names filled in.
    func document(_ sitrep: Sitrep, of operation: JointOperation) async throws -> SitrepDocument {
        let names = Dictionary(uniqueKeysWithValues: try await store.agencies().map { ($0.id, $0.name) })
        return SitrepDocument(sitrep: sitrep, codeName: operation.codeName, agencyNames: names)
    }

    func addRoutes(to router: Router<ConcertRequestContext>) {
        let sitreps = "/api/v1/operations/:operationId/sitreps"
        router.get(RouterPath(sitreps)) { request, context in
            let actor = try context.requireActor()
            let operation = try await guarded.operation(
                try context.parameters.requireIdentifier("operationId"), for: actor, .viewBoard)
            let page = try PageQuery(request)
            // Drafts are for those who manage sitreps: the others' pages hold approved ones only.
            let seesDrafts = AccessPolicy.allows(actor, .manageSitreps, in: operation)
            let found = try await PageQuery.resuming("the sitreps") {
                try await store.sitrepPage(
                    operationId: operation.id, approvedOnly: !seesDrafts, after: page.after, limit: page.limit)
            }
            return try Response.page(found.items, next: found.next)
        }
        router.post(RouterPath(sitreps)) { request, context in
            let actor = try context.requireActor()
            let operation = try await guarded.operation(
                try context.parameters.requireIdentifier("operationId"), for: actor, .manageSitreps)
            let input = try await request.decodeJSON(as: CompileInput.self, context: context)
            let id = Identifier.make()
            let now = ConcertJSON.now()
            let sitrep = try await store.createSitrep(operationId: operation.id, by: actor) {
                operation, actions, log, sitreps, exhibits in
                try Sitrep.compile(
                    id: id, operation: operation, actions: actions, log: log, sitreps: sitreps, exhibits: exhibits,
                    summary: input.summary,
                    by: actor, now: now)
            }
            return try Response.json(sitrep, status: .created)
        }
        router.get(RouterPath(sitreps + "/:sitrepId")) { _, context in
            let actor = try context.requireActor()
            let operation = try await guarded.operation(
                try context.parameters.requireIdentifier("operationId"), for: actor, .viewBoard)
            return try Response.json(
                try await readableSitrep(
                    try context.parameters.requireIdentifier("sitrepId"), of: operation, for: actor))
        }
        router.put(RouterPath(sitreps + "/:sitrepId")) { request, context in
            let actor = try context.requireActor()
            let operation = try await guarded.operation(
                try context.parameters.requireIdentifier("operationId"), for: actor, .manageSitreps)
            let id = try context.parameters.requireIdentifier("sitrepId")
            let edit = try await request.decodeJSON(as: SitrepEdit.self, context: context)
            let now = ConcertJSON.now()
            let updated = try await store.updateSitrep(id: id, operationId: operation.id, by: actor) { current, all in
                try edit.apply(to: current, among: all, by: actor, now: now)
            }
            return try Response.json(updated)
        }
        router.delete(RouterPath(sitreps + "/:sitrepId")) { _, context in
            let actor = try context.requireActor()
            let operation = try await guarded.operation(
                try context.parameters.requireIdentifier("operationId"), for: actor, .manageSitreps)
            let id = try context.parameters.requireIdentifier("sitrepId")
            try await store.deleteSitrep(id: id, operationId: operation.id, by: actor) { current in
                guard current.status == .draft else {
                    throw DomainError.conflict(
                        "\(current.heading) is approved and stays on record; only a draft can be discarded.",
                        field: nil)
                }
            }
            return Response(status: .noContent)
        }
        for (format, type, fileExtension) in [
            ("markdown", "text/markdown; charset=utf-8", "md"), ("html", "text/html; charset=utf-8", "html"),
        ] {
            router.get(RouterPath(sitreps + "/:sitrepId/" + format)) { _, context in
                let actor = try context.requireActor()
                let operation = try await guarded.operation(
                    try context.parameters.requireIdentifier("operationId"), for: actor, .viewBoard)
                let sitrep = try await readableSitrep(
                    try context.parameters.requireIdentifier("sitrepId"), of: operation, for: actor)
                let document = try await document(sitrep, of: operation)
                let text = format == "markdown" ? document.markdown : document.html
                return Response(
                    status: .ok,
                    headers: [
                        .contentType: type, .cacheControl: "no-store",
                        .contentDisposition: "attachment; filename=\"\(document.fileName(extension: fileExtension))\"",
                    ],
                    body: .init(byteBuffer: ByteBuffer(string: text)))
            }
        }
    }
}
