import ConcertCore
import ConcertStorage
import Foundation
import Hummingbird

/// What partners' tools read, of what the caller may see and nothing else: the targets as a
/// STIX 2.1 bundle and as a MISP event, the action-day schedule as iCalendar.
struct ExportController {
    let interop: InteropService
    let store: any Store

    /// A new calendar token, and the address of an operation's schedule with it.
    struct CalendarSubscription: Encodable {
        var token: String
        /// The schedule's path with the token, `{operationId}` to be replaced by an operation's id.
        var path: String
    }

    static func file(_ data: Data, type: String, name: String) -> Response {
        Response(
            status: .ok,
            headers: [
                .contentType: type, .contentDisposition: "attachment; filename=\"\(name)\"", .cacheControl: "no-store",
            ],
            body: .init(byteBuffer: ByteBuffer(data: data)))
    }

    /// A file name of an operation's code name, in letters, digits and hyphens.
    static func fileName(_ operation: JointOperation, _ suffix: String) -> String {
        String(operation.codeName.map { $0.isASCII && ($0.isLetter || $0.isNumber) ? $0 : "-" }) + suffix
    }

    func addRoutes(to router: Router<ConcertRequestContext>) {
        router.get("/api/v1/operations/:operationId/exports/stix") { _, context in
            let (operation, bundle) = try await interop.stixExport(
                of: try context.parameters.requireIdentifier("operationId"), by: try context.requireActor())
            return Self.file(
                bundle, type: "application/stix+json;version=2.1", name: Self.fileName(operation, ".stix.json"))
        }
        router.get("/api/v1/operations/:operationId/exports/misp") { _, context in
            let (operation, event) = try await interop.mispExport(
                of: try context.parameters.requireIdentifier("operationId"), by: try context.requireActor())
            return Self.file(event, type: "application/json", name: Self.fileName(operation, ".misp.json"))
        }
        // A calendar client cannot sign in: it polls the schedule with a token of the user's
        // that opens schedules alone. A new one ends the one before; DELETE ends it.
        router.post("/api/v1/me/calendar-token") { _, context in
            let user = try context.requireUser()
            let token = Authenticator.newToken()
            try await store.setCalendarToken(userId: user.id, tokenHash: Authenticator.tokenHash(token), now: Date())
            return try Response.json(
                CalendarSubscription(
                    token: token, path: "/api/v1/operations/{operationId}/schedule.ics?token=\(token)"),
                status: .created)
        }
        router.delete("/api/v1/me/calendar-token") { _, context in
            let user = try context.requireUser()
            guard try await store.removeCalendarToken(userId: user.id) else {
                throw ProblemDetail(status: .notFound, detail: "You have no calendar subscription to end.")
            }
            return Response(status: .noContent)
        }
        router.get("/api/v1/operations/:operationId/schedule.ics") { request, context in
            let asked = try PageQuery.identifier("agency") { request.uri.queryParameters.get($0).map { String($0) } }
            let (operation, calendar) = try await interop.schedule(
                of: try context.parameters.requireIdentifier("operationId"), agency: asked,
                by: try context.requireActor())
            return Self.file(
                Data(calendar.utf8), type: "text/calendar; charset=utf-8", name: Self.fileName(operation, ".ics"))
        }
    }
}
