import ConcertCore
import ConcertCrossCheck
import ConcertStorage
import Foundation
import Hummingbird

/// Check before sharing: does any other agency hold these identifiers? Hit or no hit for
/// each, with whom to contact — never the other side's operation, target or code name.
///
/// Each check is bounded by a budget of selectors per user and per agency in a sliding window
/// (429 with `Retry-After` past it), every value checked is kept in the caller's audit trail,
/// and each hit on a holder's selector is announced to the holder: who checked, when, which of
/// its selectors (`crosscheck.checked` in the holder's operation feed, and
/// `GET /api/v1/crosscheck/notices`), as the EU's information system does to deter fishing.
struct CrossCheckController {
    let store: any Store
    let crossCheck: CrossCheckService
    let budget: CrossCheckBudget

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

    /// The event kind of a notice to a holder that someone checked its selectors.
    static let noticeKind = "crosscheck.checked"

    /// What the caller's audit trail keeps of a check: every value checked.
    struct CheckAudit: Encodable {
        struct Checked: Encodable {
            var kind: SelectorKind
            var value: String
            var hit: Bool
        }
        var checked: Int
        var hits: Int
        var selectors: [Checked]
    }

    /// What a holder is told when a check hits its selectors: who checked, when, which of its
    /// selectors and how they matched; never the value the checker sent.
    struct CheckNotice: Codable {
        struct Checker: Codable {
            var userId: String
            var agencyId: String
            var agencyName: String
            var agencyCountry: String
            var agencyContact: String?
        }
        struct Holding: Codable {
            var targetId: String
            var selectorKind: SelectorKind
            var value: String
            var match: MatchKind
        }
        var id: String
        var holderAgencyId: String
        var operationId: String
        var checkedAt: Date
        var checkedBy: Checker
        var selectors: [Holding]
    }

    /// The newest notices (at most 200) of checks by other agencies that hit the selectors of
    /// `actor`'s agency, in the operations where the actor sees intelligence.
    static func notices(for actor: Actor, store: any Store) async throws -> [CheckNotice] {
        let operations = try await store.operations(participatingAgencyId: actor.agencyId).filter {
            AccessPolicy.allows(actor, .viewIntelligence, in: $0)
        }
        // Only notices to this agency are read: checks hitting others cannot push them out.
        let events = try await store.events(
            kinds: [noticeKind], operationIds: operations.map(\.id),
            mentioning: #""holderAgencyId":"\#(actor.agencyId)""#, limit: 200)
        return Array(
            events.compactMap { try? ConcertJSON.decode(CheckNotice.self, from: $0.payload) }
                .filter { $0.holderAgencyId == actor.agencyId }.prefix(200))
    }

    /// One notice per holding agency and operation for the selectors a check hit.
    private func notices(
        of matches: [CrossCheckMatch], checkedBy actor: Actor, agencies: [String: Agency]
    ) async throws -> [EventDraft] {
        guard !matches.isEmpty, let checker = agencies[actor.agencyId] else { return [] }
        let targets = Dictionary(
            try await store.targets(ids: Array(Set(matches.map(\.entry.targetId)))).map { ($0.id, $0) },
            uniquingKeysWith: { first, _ in first })
        var byHolder: [String: [CheckNotice.Holding]] = [:]
        var seen: Set<String> = []
        for match in matches {
            let entry = match.entry
            guard seen.insert("\(entry.targetId)|\(entry.kind.rawValue)|\(entry.matchKey)").inserted,
                let target = targets[entry.targetId],
                let selector = target.selectors.first(where: { $0.kind == entry.kind && $0.matchKey == entry.matchKey })
            else { continue }
            byHolder["\(entry.agencyId)|\(entry.operationId)", default: []].append(
                CheckNotice.Holding(
                    targetId: target.id, selectorKind: entry.kind, value: selector.value.written,
                    match: match.kind.reversed
                ))
        }
        let now = ConcertJSON.now()
        return try byHolder.sorted { $0.key < $1.key }.map { key, holdings in
            let parts = key.split(separator: "|").map(String.init)
            let notice = CheckNotice(
                id: Identifier.make(), holderAgencyId: parts[0], operationId: parts[1], checkedAt: now,
                checkedBy: CheckNotice.Checker(
                    userId: actor.userId, agencyId: checker.id, agencyName: checker.name,
                    agencyCountry: checker.country, agencyContact: checker.contact),
                selectors: holdings)
            return EventDraft(
                operationId: parts[1], actor: actor, kind: Self.noticeKind,
                payload: try ConcertJSON.encodeToString(notice))
        }
    }

    func addRoutes(to router: Router<ConcertRequestContext>) {
        router.post("/api/v1/crosscheck") { request, context in
            let actor = try context.requireActor()
            try AccessPolicy.decide(actor, .useCrossCheck).get()
            let input = try await request.decodeJSON(as: Input.self, context: context)
            guard input.selectors.count <= Self.maximumSelectors else {
                throw DomainError.invalid(
                    "A cross-check takes at most \(Self.maximumSelectors) selectors; split the list.",
                    field: "selectors")
            }
            let agencies = Dictionary(uniqueKeysWithValues: try await store.agencies().map { ($0.id, $0) })
            let country = agencies[actor.agencyId]?.country
            var probes: [CrossCheckEntry] = []
            var checked: [Selector] = []
            for (position, selector) in input.selectors.enumerated() {
                let normalised: Selector
                do throws(DomainError) {
                    normalised = try selector.normalised(defaultCountry: country, limits: crossCheck.limits)
                } catch {
                    throw error.nested(under: "selectors[\(position)]")
                }
                checked.append(normalised)
                probes.append(
                    CrossCheckEntry(
                        targetId: "", operationId: "", agencyId: actor.agencyId, selector: normalised))
            }
            // Only a valid request spends the budget; one over it spends nothing.
            try budget.spend(probes.count, by: actor)
            var announced: [CrossCheckMatch] = []
            let results = try await crossCheck.lookUp(probes).map { result -> ResultView in
                // The caller's own agency's records are no news; and each other agency is named
                // once per kind of match, so that the answer does not count their operations.
                var seen: Set<Match> = []
                let others = result.matches.filter { $0.entry.agencyId != actor.agencyId }
                announced += others
                let matches = others.compactMap { match -> MatchView? in
                    guard
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
            var drafts = [
                EventDraft(
                    operationId: nil, actor: actor, kind: "audit.crossCheck",
                    payload: try ConcertJSON.encodeToString(
                        CheckAudit(
                            checked: probes.count, hits: results.filter(\.hit).count,
                            selectors: zip(checked, results).map {
                                CheckAudit.Checked(kind: $0.kind, value: $0.value.written, hit: $1.hit)
                            })))
            ]
            drafts += try await notices(of: announced, checkedBy: actor, agencies: agencies)
            try await store.appendEvents(drafts)
            return Response.rawJSON(Output(results: results).json)
        }
        router.get("/api/v1/crosscheck/notices") { _, context in
            let actor = try context.requireActor()
            _ = try HitController.agency(of: actor)
            return try Response.items(try await Self.notices(for: actor, store: store))
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
                by: actor, defaultCountry: try await store.agency(id: agencyId)?.country, now: ConcertJSON.now(),
                limits: crossCheck.limits)
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
