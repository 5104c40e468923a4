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
/// whom to contact. The other side's value, target, operation and code name are shown only
/// where the access policy lets the caller read that record
/// (``AccessPolicy/mayReadCounterpart(_:handling:in:)``).
struct HitController {
    let store: any Store
    /// For the common values the caller's agency holds.
    let crossCheck: CrossCheckService

    /// The hits of an agency, and the common values it holds (which produce none).
    struct HitList: Encodable {
        /// One page of the agency's hits, newest first.
        var items: [HitView]
        /// The `after` of the next page; null on the last.
        var next: String?
        var common: [CrossCheckService.CommonValue]

        func encode(to encoder: any Encoder) throws {
            var container = encoder.container(keyedBy: CodingKeys.self)
            try container.encode(items, forKey: .items)
            try container.encode(next, forKey: .next)
            try container.encode(common, forKey: .common)
        }

        private enum CodingKeys: String, CodingKey { case items, next, common }
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
        /// The rest only for a caller who may read the other side's record.
        var value: String?
        var targetId: String?
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

    /// The caller's agency, if the policy lets it see hits: agencies that hold intelligence.
    static func agency(of actor: Actor) throws -> String {
        try AccessPolicy.decide(actor, .useCrossCheck).get()
        return actor.agencyId
    }

    /// Records which hits a caller was shown, and which other sides' records it could read in
    /// them: a hit's view can carry another operation's value.
    static func audit(_ views: [HitView], by actor: Actor, store: any Store, via: String? = nil) async throws {
        let readable = views.compactMap(\.other.targetId)
        try await store.recordRead(
            by: actor, operationId: nil, what: .auditHitsListed,
            payload: ListDelivery(ids: views.map(\.id) + readable, via: via))
    }

    /// The hits of the actor's agency as the actor may see them, newest first.
    static func views(of hits: [Hit], for actor: Actor, store: any Store) async throws -> [HitView] {
        let agencyId = actor.agencyId
        let agencies = Dictionary(uniqueKeysWithValues: try await store.agencies().map { ($0.id, $0) })
        var operations: [String: JointOperation?] = [:]
        func operation(_ id: String) async throws -> JointOperation? {
            if let known = operations[id] { return known }
            let loaded = try await store.operation(id: id)
            operations[id] = loaded
            return loaded
        }
        // The other sides' records as they are now: their handling decides what the caller learns.
        let otherIds = Set(hits.compactMap { $0.sides(for: agencyId)?.theirs.targetId })
        let others = Dictionary(
            try await store.targets(ids: Array(otherIds)).map { ($0.id, $0) }, uniquingKeysWith: { first, _ in first })
        var views: [HitView] = []
        for hit in hits {
            guard let (mine, theirs, kind) = hit.sides(for: agencyId),
                let myOperation = try await operation(mine.operationId), let agency = agencies[theirs.agencyId]
            else { continue }
            let otherOperation = try await operation(theirs.operationId)
            let otherTarget = others[theirs.targetId].flatMap { $0.operationId == theirs.operationId ? $0 : nil }
            let readable = AccessPolicy.mayReadCounterpart(
                actor, handling: otherTarget?.recordHandling, in: otherOperation)
            views.append(
                HitView(
                    id: hit.id, match: kind, foundAt: hit.foundAt, reviewed: hit.reviewedBy[agencyId] != nil,
                    reviewedAt: hit.reviewedBy[agencyId],
                    mine: MySide(
                        operationId: myOperation.id, codeName: myOperation.codeName, targetId: mine.targetId,
                        selectorKind: mine.selectorKind, value: mine.value),
                    other: OtherSide(
                        agency: AgencyContact(agency), selectorKind: theirs.selectorKind,
                        value: readable ? theirs.value : nil, targetId: readable ? theirs.targetId : nil,
                        operationId: readable ? otherOperation?.id : nil,
                        codeName: readable ? otherOperation?.codeName : nil)))
        }
        return views
    }

    func addRoutes(to router: Router<ConcertRequestContext>) {
        router.get("/api/v1/hits") { request, context in
            let actor = try context.requireActor()
            let agencyId = try Self.agency(of: actor)
            let page = try PageQuery(request)
            let hits = try await PageQuery.resuming("your agency's hits") {
                try await store.hitPage(agencyId: agencyId, after: page.after, limit: page.limit)
            }
            let views = try await Self.views(of: hits.items, for: actor, store: store)
            try await Self.audit(views, by: actor, store: store)
            return try Response.json(
                HitList(
                    items: views, next: hits.next,
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
            return try Response.json(try await Self.views(of: [updated], for: actor, store: store)[0])
        }
    }
}
