import ConcertCore
import ConcertStorage
import Foundation
import Hummingbird

/// What a hit or a cross-check tells of the other side's agency: who it is and how to reach it.
struct AgencyContact: Encodable {
    var id: String
    var name: String
    var country: String
    var contact: String?

    init(_ agency: Agency) {
        id = agency.id
        name = agency.name
        country = agency.country
        contact = agency.contact
    }
}

/// The hits of the caller's agency: where another operation holds a matching selector, and
/// whom to contact. The other operation's code name and id are shown only to an agency that
/// takes part in it too.
struct HitController {
    let store: any Store
    /// For the common values the caller's agency holds.
    let crossCheck: CrossCheckService

    /// The hits of an agency, and the common values it holds (which produce none).
    struct HitList: Encodable {
        var items: [HitView]
        var common: [CrossCheckService.CommonValue]
    }

    struct Review: Decodable {
        var reviewed: Bool
    }

    struct MySide: Encodable {
        var operationId: String
        var codeName: String
        var targetId: String
        var selectorKind: SelectorKind
        var value: String
    }

    struct OtherSide: Encodable {
        var agency: AgencyContact
        var selectorKind: SelectorKind
        var value: String
        /// Only for an agency that takes part in that operation too.
        var operationId: String?
        var codeName: String?
    }

    struct HitView: Encodable {
        var id: String
        var match: MatchKind
        var foundAt: Date
        var reviewed: Bool
        var reviewedAt: Date?
        var mine: MySide
        var other: OtherSide
    }

    /// The caller's agency, if it may see hits: agencies that hold intelligence.
    static func agency(of actor: Actor) throws -> String {
        guard actor.role != .admin, actor.role != .observer else {
            throw ProblemDetail(
                status: .forbidden, detail: "Hits are for the agencies that hold intelligence; this account holds none."
            )
        }
        return actor.agencyId
    }

    /// The hits of an agency as it sees them, newest first.
    static func views(of hits: [Hit], for agencyId: String, store: any Store) async throws -> [HitView] {
        let agencies = Dictionary(uniqueKeysWithValues: try await store.agencies().map { ($0.id, $0) })
        var operations: [String: JointOperation?] = [:]
        func operation(_ id: String) async throws -> JointOperation? {
            if let known = operations[id] { return known }
            let loaded = try await store.operation(id: id)
            operations[id] = loaded
            return loaded
        }
        var views: [HitView] = []
        for hit in hits {
            guard let (mine, theirs, kind) = hit.sides(for: agencyId),
                let myOperation = try await operation(mine.operationId), let agency = agencies[theirs.agencyId]
            else { continue }
            let otherOperation = try await operation(theirs.operationId)
            let participates = otherOperation?.role(of: agencyId) != nil
            views.append(
                HitView(
                    id: hit.id, match: kind, foundAt: hit.foundAt, reviewed: hit.reviewedBy[agencyId] != nil,
                    reviewedAt: hit.reviewedBy[agencyId],
                    mine: MySide(
                        operationId: myOperation.id, codeName: myOperation.codeName, targetId: mine.targetId,
                        selectorKind: mine.selectorKind, value: mine.value),
                    other: OtherSide(
                        agency: AgencyContact(agency),
                        selectorKind: theirs.selectorKind, value: theirs.value,
                        operationId: participates ? otherOperation?.id : nil,
                        codeName: participates ? otherOperation?.codeName : nil)))
        }
        return views
    }

    func addRoutes(to router: Router<ConcertRequestContext>) {
        router.get("/api/v1/hits") { _, context in
            let agencyId = try Self.agency(of: try context.requireActor())
            return try Response.json(
                HitList(
                    items: try await Self.views(
                        of: try await store.hits(agencyId: agencyId), for: agencyId, store: store),
                    common: try await crossCheck.commonValues(agencyId: agencyId)))
        }
        router.post("/api/v1/hits/:hitId/review") { request, context in
            let actor = try context.requireActor()
            let agencyId = try Self.agency(of: actor)
            let id = try context.parameters.requireIdentifier("hitId")
            guard let hit = try await store.hit(id: id), hit.sides(for: agencyId) != nil else {
                throw StoreError.notFound("No such hit.")
            }
            let review = try await request.decodeJSON(as: Review.self, context: context)
            let now = ConcertJSON.now()
            let updated = try await store.updateHit(id: hit.id, by: actor) { hit in
                var hit = hit
                hit.reviewedBy[agencyId] = review.reviewed ? now : nil
                return hit
            }
            return try Response.json(try await Self.views(of: [updated], for: agencyId, store: store)[0])
        }
    }
}
