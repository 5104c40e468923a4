import ConcertCore
import ConcertInterop
import ConcertStorage
import Foundation
import Hummingbird

/// What partners' tools read, of what the caller may see and nothing else: the targets as a
/// STIX 2.1 bundle and as a MISP event, the action-day schedule as iCalendar.
struct ExportController {
    let store: any Store
    let guarded: OperationGuard

    /// The targets of `operation` that `actor` may read, in the order they were recorded; the
    /// delivery is kept in the audit trail as a list read is.
    static func readableTargets(
        of operation: JointOperation, by actor: Actor, store: any Store
    ) async throws -> [Target] {
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

    /// The agencies that recorded `targets`, by id.
    static func originators(of targets: [Target], store: any Store) async throws -> [String: Agency] {
        var agencies: [String: Agency] = [:]
        for id in Set(targets.map(\.originatorAgencyId)) {
            if let agency = try await store.agency(id: id) { agencies[id] = agency }
        }
        return agencies
    }

    /// The schedule of the actions `agencyId` executes, as `actor` sees the board.
    static func schedule(
        of agencyId: String, in operation: JointOperation, by actor: Actor, store: any Store
    ) async throws -> String {
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
        return ICalendarExport.calendar(
            name: "\(operation.codeName): \(agency?.name ?? agencyId)",
            description: operation.hHour == nil ? "H-hour is not set yet; the actions appear once it is." : nil,
            events: events)
    }

    static func file(_ data: Data, type: String, name: String) -> Response {
        Response(
            status: .ok,
            headers: [
                .contentType: type, .contentDisposition: "attachment; filename=\"\(name)\"", .cacheControl: "no-store",
            ],
            body: .init(byteBuffer: ByteBuffer(data: data)))
    }

    func addRoutes(to router: Router<ConcertRequestContext>) {
        router.get("/api/v1/operations/:operationId/exports/stix") { _, context in
            let actor = try context.requireActor()
            let operation = try await guarded.operation(
                try context.parameters.requireIdentifier("operationId"), for: actor, .viewIntelligence)
            let targets = try await Self.readableTargets(of: operation, by: actor, store: store)
            let bundle = STIXExport.bundle(
                of: targets, in: operation, agencies: try await Self.originators(of: targets, store: store))
            return Self.file(bundle, type: "application/stix+json;version=2.1", name: "\(operation.codeName).stix.json")
        }
        router.get("/api/v1/operations/:operationId/exports/misp") { _, context in
            let actor = try context.requireActor()
            let operation = try await guarded.operation(
                try context.parameters.requireIdentifier("operationId"), for: actor, .viewIntelligence)
            let targets = try await Self.readableTargets(of: operation, by: actor, store: store)
            let event = MISPExport.event(
                of: targets, in: operation, exporter: try await store.agency(id: actor.agencyId))
            return Self.file(event, type: "application/json", name: "\(operation.codeName).misp.json")
        }
        router.get("/api/v1/operations/:operationId/schedule.ics") { request, context in
            let actor = try context.requireActor()
            let operation = try await guarded.operation(
                try context.parameters.requireIdentifier("operationId"), for: actor, .viewBoard)
            var agencyId = actor.agencyId
            if let asked = try PageQuery.identifier(
                "agency", { request.uri.queryParameters.get($0).map { String($0) } }),
                asked != actor.agencyId
            {
                guard AccessPolicy.allows(actor, .controlActionDay, in: operation) else {
                    throw ProblemDetail(
                        status: .forbidden, detail: "Only the lead coordinators read another agency's schedule.")
                }
                guard operation.role(of: asked) != nil else {
                    throw ProblemDetail(status: .notFound, detail: "No such agency takes part in the operation.")
                }
                agencyId = asked
            }
            let calendar = try await Self.schedule(of: agencyId, in: operation, by: actor, store: store)
            return Self.file(
                Data(calendar.utf8), type: "text/calendar; charset=utf-8", name: "\(operation.codeName).ics")
        }
    }
}
