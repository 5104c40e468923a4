import ConcertCore
import ConcertCrossCheck
import ConcertStorage
import Foundation
import Hummingbird

/// Check before sharing: does any other agency hold these identifiers? Hit or no hit for
/// each, with whom to contact — never the other side's operation, target or code name —
/// storing nothing and telling nobody but the caller's own audit trail.
struct CrossCheckController {
    let store: any Store
    let crossCheck: CrossCheckService

    struct ExclusionInput: Decodable {
        var kind: SelectorKind
        var value: SelectorValue
        var reason: String?
    }
    /// How many selectors one request may check.
    static let maximumSelectors = 10_000

    struct Input: Decodable {
        var selectors: [SelectorInput]
    }

    struct Match: Encodable, Hashable {
        var match: MatchKind
        var selectorKind: SelectorKind
        var agencyId: String
    }

    struct MatchView: Encodable {
        var match: MatchKind
        var selectorKind: SelectorKind
        var agency: AgencyContact
    }

    struct ResultView: Encodable {
        var hit: Bool
        var matches: [MatchView]
        /// Set when so many operations hold the value that it is common.
        var commonHolders: Int?
    }

    struct Output: Encodable {
        var results: [ResultView]

        /// The answer as the encoder writes it, by hand: a check of 10,000 selectors answers
        /// 10,000 results (a test compares the two).
        var json: String {
            var text = JSONText(capacity: 32 + results.count * 32)
            text.beginObject()
            text.key("results")
            text.beginArray()
            for result in results {
                text.beginObject()
                if let holders = result.commonHolders {
                    text.key("commonHolders")
                    text.number(holders)
                }
                text.key("hit")
                text.bool(result.hit)
                text.key("matches")
                text.beginArray()
                for match in result.matches {
                    text.beginObject()
                    text.key("agency")
                    text.beginObject()
                    text.field("contact", match.agency.contact)
                    text.field("country", match.agency.country)
                    text.field("id", match.agency.id)
                    text.field("name", match.agency.name)
                    text.endObject()
                    text.field("match", match.match.rawValue)
                    text.field("selectorKind", match.selectorKind.rawValue)
                    text.endObject()
                }
                text.endArray()
                text.endObject()
            }
            text.endArray()
            text.endObject()
            return text.string
        }
    }

    func addRoutes(to router: Router<ConcertRequestContext>) {
        router.post("/api/v1/crosscheck") { request, context in
            let actor = try context.requireActor()
            guard actor.role != .admin, actor.role != .observer else {
                throw ProblemDetail(
                    status: .forbidden,
                    detail: "Cross-checks are for the agencies that hold intelligence; this account holds none.")
            }
            let input = try await request.decodeJSON(as: Input.self, context: context)
            guard input.selectors.count <= Self.maximumSelectors else {
                throw DomainError.invalid(
                    "A cross-check takes at most \(Self.maximumSelectors) selectors; split the list.",
                    field: "selectors")
            }
            let agencies = Dictionary(uniqueKeysWithValues: try await store.agencies().map { ($0.id, $0) })
            let country = agencies[actor.agencyId]?.country
            var probes: [CrossCheckEntry] = []
            for (position, selector) in input.selectors.enumerated() {
                let normalised: Selector
                do throws(DomainError) {
                    normalised = try selector.normalised(defaultCountry: country)
                } catch {
                    throw error.nested(under: "selectors[\(position)]")
                }
                probes.append(
                    CrossCheckEntry(
                        targetId: "", operationId: "", agencyId: actor.agencyId, selector: normalised))
            }
            let results = try await crossCheck.lookUp(probes).map { result -> ResultView in
                // The caller's own agency's records are no news; and each other agency is named
                // once per kind of match, so that the answer does not count their operations.
                var seen: Set<Match> = []
                let matches = result.matches.compactMap { match -> MatchView? in
                    guard match.entry.agencyId != actor.agencyId,
                        seen.insert(
                            Match(match: match.kind, selectorKind: match.entry.kind, agencyId: match.entry.agencyId)
                        ).inserted,
                        let agency = agencies[match.entry.agencyId]
                    else { return nil }
                    return MatchView(match: match.kind, selectorKind: match.entry.kind, agency: AgencyContact(agency))
                }
                return ResultView(
                    hit: !matches.isEmpty || result.commonHolders != nil, matches: matches,
                    commonHolders: result.commonHolders)
            }
            try await store.recordRead(
                by: actor, operationId: nil, what: "audit.crossCheck",
                payload: #"{"checked":\#(probes.count),"hits":\#(results.filter(\.hit).count)}"#)
            return Response.rawJSON(Output(results: results).json)
        }
        router.get("/api/v1/crosscheck/exclusions") { _, context in
            let agencyId = try HitController.agency(of: try context.requireActor())
            return try Response.items(try await store.exclusions(agencyId: agencyId))
        }
        router.post("/api/v1/crosscheck/exclusions") { request, context in
            let actor = try context.requireActor()
            let agencyId = try HitController.agency(of: actor)
            let input = try await request.decodeJSON(as: ExclusionInput.self, context: context)
            let exclusion = try Exclusion.make(
                id: Identifier.make(), input: SelectorInput(kind: input.kind, value: input.value), reason: input.reason,
                by: actor, defaultCountry: try await store.agency(id: agencyId)?.country, now: ConcertJSON.now())
            try await store.createExclusion(exclusion, by: actor)
            try await crossCheck.exclude(exclusion)
            // The agency's hits on that value end with it.
            let retired = try await store.hits(agencyId: agencyId).filter { hit in
                [hit.a, hit.b].contains {
                    $0.agencyId == agencyId && $0.selectorKind == exclusion.kind && $0.matchKey == exclusion.matchKey
                }
            }
            try await store.retireHits(ids: retired.map(\.id), by: actor)
            return try Response.json(exclusion, status: .created)
        }
        router.delete("/api/v1/crosscheck/exclusions/:exclusionId") { _, context in
            let actor = try context.requireActor()
            _ = try HitController.agency(of: actor)
            let exclusion = try await store.deleteExclusion(
                id: try context.parameters.requireIdentifier("exclusionId"), by: actor)
            try await crossCheck.include(exclusion)
            // The hits it held back come back: those of the agency's targets holding the value.
            let holding = try await crossCheck.targetIds(
                of: exclusion.agencyId, holding: exclusion.kind, exclusion.matchKey)
            try await HitRecorder(store: store, crossCheck: crossCheck).recordMissingHits(
                of: try await store.targets(ids: Array(holding)), by: actor)
            return Response(status: .noContent)
        }
    }
}
