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

    /// The newest notices (at most 200) of checks by other agencies that hit the selectors of
    /// `actor`'s agency, in the operations where the actor sees intelligence.
    static func notices(for actor: Actor, store: any Store) async throws -> [CrossCheckNotice] {
        let operations = try await store.operations(participatingAgencyId: actor.agencyId).filter {
            AccessPolicy.allows(actor, .viewIntelligence, in: $0)
        }
        // Only notices to this agency are read: checks hitting others cannot push them out.
        let events = try await store.events(
            kinds: [.crosscheckChecked], operationIds: operations.map(\.id),
            mentioning: #""holderAgencyId":"\#(actor.agencyId)""#, limit: 200)
        var notices = Array(
            events.compactMap { try? $0.payload(.crosscheckChecked) }
                .filter { $0.holderAgencyId == actor.agencyId }.prefix(200))
        // A notice is written with each check, from the index alone; the values are read here,
        // as the holder's own agency wrote them, from those of its targets that are still there
        // and that the policy lets the caller read.
        let targetIds = Set(notices.flatMap { $0.selectors.map(\.targetId) })
        let operationsById = Dictionary(operations.map { ($0.id, $0) }, uniquingKeysWith: { first, _ in first })
        var written: [String: String] = [:]
        for target in try await store.targets(ids: Array(targetIds)) {
            guard target.originatorAgencyId == actor.agencyId, let operation = operationsById[target.operationId],
                AccessPolicy.allows(actor, .readRecord(target.recordHandling), in: operation)
            else { continue }
            for selector in target.selectors {
                written["\(target.id)|\(selector.kind.rawValue)|\(selector.matchKey)|\(selector.dateOfBirth ?? "")"] =
                    selector.value.written
            }
        }
        for index in notices.indices {
            for (position, holding) in notices[index].selectors.enumerated() {
                let key =
                    "\(holding.targetId)|\(holding.selectorKind.rawValue)|\(holding.value)|\(holding.dateOfBirth ?? "")"
                if let value = written[key] { notices[index].selectors[position].value = value }
            }
        }
        return notices
    }

    /// One notice per holding agency and operation for the selectors a check hit, made from the
    /// index's entries alone: a check reads no target to tell their holders.
    private func notices(
        of matches: [CrossCheckMatch], checkedBy actor: Actor, agencies: [String: Agency]
    ) throws -> [EventDraft] {
        guard !matches.isEmpty, let checker = agencies[actor.agencyId] else { return [] }
        struct Holder: Hashable, Comparable {
            var agencyId: String
            var operationId: String
            static func < (left: Holder, right: Holder) -> Bool {
                (left.agencyId, left.operationId) < (right.agencyId, right.operationId)
            }
        }
        var byHolder: [Holder: [CrossCheckNotice.Holding]] = [:]
        var seen: Set<CrossCheckEntry> = []
        seen.reserveCapacity(matches.count)
        for match in matches where seen.insert(match.entry).inserted {
            let entry = match.entry
            byHolder[Holder(agencyId: entry.agencyId, operationId: entry.operationId), default: []].append(
                CrossCheckNotice.Holding(
                    targetId: entry.targetId, selectorKind: entry.kind, value: entry.matchKey,
                    dateOfBirth: entry.dateOfBirth, match: match.kind.reversed))
        }
        let now = ConcertJSON.now()
        return try byHolder.sorted { $0.key < $1.key }.map { holder, holdings in
            let notice = CrossCheckNotice(
                id: Identifier.make(), holderAgencyId: holder.agencyId, operationId: holder.operationId, checkedAt: now,
                checkedBy: CrossCheckNotice.Checker(
                    userId: actor.userId, agencyId: checker.id, agencyName: checker.name,
                    agencyCountry: checker.country, agencyContact: checker.contact),
                selectors: holdings)
            return try EventDraft(
                operationId: holder.operationId, actor: actor, kind: .crosscheckChecked, payload: notice)
        }
    }

    /// Checks `selectors` (normalised already) as `actor`: spends their budget (or throws the
    /// 429 to answer, spending nothing), looks them up, keeps what was checked in the caller's
    /// audit trail and tells each holder whose selector was hit. The answer to the check route,
    /// and to an import's preview, which tells the same.
    func check(_ checked: [Selector], by actor: Actor) async throws -> [ResultView] {
        let agencies = Dictionary(uniqueKeysWithValues: try await store.agencies().map { ($0.id, $0) })
        let probes = checked.map {
            CrossCheckEntry(targetId: "", operationId: "", agencyId: actor.agencyId, selector: $0)
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
            try EventDraft(
                operationId: nil, actor: actor, kind: .auditCrossCheck,
                payload: CrossCheckAudit(
                    checked: probes.count, hits: results.filter(\.hit).count,
                    selectors: zip(checked, results).map {
                        CrossCheckAudit.Checked(kind: $0.kind, value: $0.value.written, hit: $1.hit)
                    }
                ))
        ]
        drafts += try notices(of: announced, checkedBy: actor, agencies: agencies)
        try await store.appendEvents(drafts)
        return results
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
            let country = try await store.agency(id: actor.agencyId)?.country
            var checked: [Selector] = []
            for (position, selector) in input.selectors.enumerated() {
                do throws(DomainError) {
                    checked.append(try selector.normalised(defaultCountry: country, limits: crossCheck.limits))
                } catch {
                    throw error.nested(under: "selectors[\(position)]")
                }
            }
            let results = try await check(checked, by: actor)
            return Response.rawJSON(Output(results: results).json)
        }
        router.get("/api/v1/crosscheck/notices") { _, context in
            let actor = try context.requireActor()
            _ = try HitController.agency(of: actor)
            return try Response.items(try await Self.notices(for: actor, store: store))
        }
        router.get("/api/v1/crosscheck/exclusions") { request, context in
            let agencyId = try HitController.agency(of: try context.requireActor())
            let page = try PageQuery(request)
            let found = try await PageQuery.resuming("your agency's exclusions") {
                try await store.exclusionPage(agencyId: agencyId, after: page.after, limit: page.limit)
            }
            return try Response.page(found.items, next: found.next)
        }
        router.post("/api/v1/crosscheck/exclusions") { request, context in
            let actor = try context.requireActor()
            let agencyId = try HitController.agency(of: actor)
            let input = try await request.decodeJSON(as: ExclusionInput.self, context: context)
            let exclusion = try Exclusion.make(
                id: Identifier.make(), input: SelectorInput(kind: input.kind, value: input.value), reason: input.reason,
                by: actor, defaultCountry: try await store.agency(id: agencyId)?.country, now: ConcertJSON.now(),
                limits: crossCheck.limits)
            // The agency's hits on that value end with it, in its transaction; target changes
            // wait meanwhile, so that none makes a hit on the value between the two.
            try await crossCheck.targetWrites.run {
                let retired = try await store.hits(agencyId: agencyId).filter { hit in
                    [hit.a, hit.b].contains {
                        $0.agencyId == agencyId && $0.selectorKind == exclusion.kind
                            && $0.matchKey == exclusion.matchKey
                    }
                }
                try await store.createExclusion(exclusion, by: actor, hits: HitChanges(retiredIds: retired.map(\.id)))
                await crossCheck.exclude(exclusion)
            }
            return try Response.json(exclusion, status: .created)
        }
        router.delete("/api/v1/crosscheck/exclusions/:exclusionId") { _, context in
            let actor = try context.requireActor()
            _ = try HitController.agency(of: actor)
            let id = try context.parameters.requireIdentifier("exclusionId")
            // The hits it held back come back in its transaction: those of the agency's targets
            // holding the value, found with the exclusion lifted in the index (and put back if
            // the transaction fails).
            try await crossCheck.targetWrites.run {
                guard let exclusion = try await store.exclusions(agencyId: actor.agencyId).first(where: { $0.id == id })
                else { throw StoreError.notFound("No such exclusion.") }
                await crossCheck.include(exclusion)
                do {
                    let holding = try await crossCheck.targetIds(
                        of: exclusion.agencyId, holding: exclusion.kind, exclusion.matchKey)
                    let restored = try await HitRecorder(store: store, crossCheck: crossCheck).missingHits(
                        of: try await store.targets(ids: Array(holding)))
                    _ = try await store.deleteExclusion(id: id, by: actor, hits: HitChanges(found: restored))
                } catch {
                    await crossCheck.exclude(exclusion)
                    throw error
                }
            }
            return Response(status: .noContent)
        }
    }
}
