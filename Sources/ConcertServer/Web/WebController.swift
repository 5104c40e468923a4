import ConcertCore
import ConcertStorage
import Foundation
import Hummingbird
import Mustache

/// The web pages: sign in, the operations you can see, and one operation with its
/// participants, targets and action plan. They read through the same access policy as the API.
struct WebController {
    let store: any Store
    let guarded: OperationGuard
    let authenticator: Authenticator
    let secureCookies: Bool
    /// How long a message may wait for acknowledgements before the pages flag it.
    let acknowledgementDue: TimeInterval
    /// The largest attachment accepted, shown on the compose page.
    let attachmentLimit: Int64
    /// For the common values shown on the hits page.
    let crossCheck: CrossCheckService
    /// Proxies whose `X-Forwarded-For` names the client signing in.
    var trustedProxies: Set<String> = []
    /// The second factor users set up on their account page.
    let secondFactor: SecondFactor

    struct SignInForm: Decodable {
        var username: String
        var password: String
        var code: String?
    }

    func addRoutes(to router: Router<ConcertRequestContext>) {
        addMessageRoutes(to: router)
        addWorkspaceRoutes(to: router)
        addExhibitRoutes(to: router)
        addSecondFactorRoutes(to: router)
        addSessionRoutes(to: router)
        router.get("/static/concert.css") { _, _ in
            Self.asset(StaticAssets.stylesheet, type: "text/css; charset=utf-8")
        }
        router.get("/static/concert.js") { _, _ in
            Self.asset(StaticAssets.script, type: "text/javascript; charset=utf-8")
        }
        router.get("/favicon.ico") { _, _ in
            Response(status: .noContent)
        }
        router.get("/static/board.js") { _, _ in
            Self.asset(StaticAssets.boardScript, type: "text/javascript; charset=utf-8")
        }
        router.get("/static/log-witness.js") { _, _ in
            Self.asset(StaticAssets.logWitnessScript, type: "text/javascript; charset=utf-8")
        }
        router.get("/operations/:operationId/board") { _, context in
            guard context.user != nil else { return Response.redirect(to: "/login") }
            let actor = try context.requireActor()
            guard let operation = await boardOperation(context, for: actor) else {
                return try await operationNotFound(context: context)
            }
            // The board loads the plan after this, then follows the feed from here: events in
            // between are replayed and applied again, which changes nothing.
            var values: [String: Any] = [
                "operationId": operation.id, "codeName": operation.codeName, "agencyId": actor.agencyId,
                "since": try await store.latestSequence(operationId: operation.id),
                "isLeadCoordinator": AccessPolicy.allows(actor, .controlActionDay, in: operation),
                "outcomeKinds": OutcomeKind.allCases.map { ["value": $0.rawValue, "label": Self.words($0.rawValue)] },
            ]
            if let hHour = operation.hHour {
                values["hHourISO"] = ConcertJSON.formatTimestamp(hHour)
                values["hHourUTC"] = Self.utc(hHour)
            }
            return try await page("board", title: "\(operation.codeName) board", values: values, context: context)
        }
        router.get("/static/hits.js") { _, _ in
            Self.asset(StaticAssets.hitsScript, type: "text/javascript; charset=utf-8")
        }
        router.get("/hits") { request, context in
            guard context.user != nil else { return Response.redirect(to: "/login") }
            let actor = try context.requireActor()
            guard let agencyId = try? HitController.agency(of: actor) else {
                var response = try await page(
                    "error", title: "No hits",
                    values: ["title": "No hits", "detail": "Hits are for the agencies that hold intelligence."],
                    context: context)
                response.status = .forbidden
                return response
            }
            // The API's pages, newest first; a cursor the page cannot use shows the newest.
            let asked = PageQuery.lenient(request)
            let hits: RecordPage<Hit>
            do {
                hits = try await store.hitPage(agencyId: agencyId, after: asked.after, limit: asked.limit)
            } catch is UnknownCursor {
                hits = try await store.hitPage(agencyId: agencyId, after: nil, limit: asked.limit)
            }
            let views = try await HitController.views(of: hits.items, for: actor, store: store)
            try await HitController.audit(views, by: actor, store: store, via: "web")
            let rows: [[String: Any]] = views.map { view in
                var row: [String: Any] = [
                    "id": view.id, "foundUTC": Self.utc(view.foundAt),
                    "foundISO": ConcertJSON.formatTimestamp(view.foundAt), "match": Self.words(view.match.rawValue),
                    "mineKind": view.mine.selectorKind.rawValue, "mineValue": view.mine.value,
                    "mineCodeName": view.mine.codeName, "otherKind": view.other.selectorKind.rawValue,
                    "otherAgency": view.other.agency.name,
                    "otherCountry": view.other.agency.country, "reviewed": view.reviewed,
                ]
                if let contact = view.other.agency.contact { row["otherContact"] = contact }
                if let value = view.other.value { row["otherValue"] = value }
                if let codeName = view.other.codeName { row["otherCodeName"] = codeName }
                return row
            }
            let common: [[String: Any]] = try await crossCheck.commonValues(agencyId: agencyId).map {
                ["kind": $0.selectorKind.rawValue, "value": $0.value, "holders": $0.holders]
            }
            let checks: [[String: Any]] = try await CrossCheckController.notices(for: actor, store: store).map {
                notice in
                var row: [String: Any] = [
                    "checkedUTC": Self.utc(notice.checkedAt),
                    "checkedISO": ConcertJSON.formatTimestamp(notice.checkedAt), "agency": notice.checkedBy.agencyName,
                    "country": notice.checkedBy.agencyCountry,
                    "selectors": notice.selectors.map {
                        ["kind": $0.selectorKind.rawValue, "value": $0.value, "match": Self.words($0.match.rawValue)]
                    },
                ]
                if let contact = notice.checkedBy.agencyContact { row["contact"] = contact }
                return row
            }
            var values: [String: Any] = [
                "hits": rows, "hasHits": !rows.isEmpty, "common": common, "hasCommon": !common.isEmpty,
                "checks": checks, "hasChecks": !checks.isEmpty,
            ]
            if let next = hits.next { values["older"] = "/hits?after=\(next)" }
            if asked.after != nil { values["newest"] = "/hits" }
            return try await page("hits", title: "Hits", values: values, context: context)
        }
        router.get("/static/sitrep.js") { _, _ in
            Self.asset(StaticAssets.sitrepScript, type: "text/javascript; charset=utf-8")
        }
        router.get("/operations/:operationId/sitreps") { _, context in
            guard context.user != nil else { return Response.redirect(to: "/login") }
            let actor = try context.requireActor()
            guard let operation = await boardOperation(context, for: actor) else {
                return try await operationNotFound(context: context)
            }
            let canManage = AccessPolicy.allows(actor, .manageSitreps, in: operation)
            let rows: [[String: Any]] = try await store.sitreps(operationId: operation.id).reversed()
                .filter { canManage || $0.status == .approved }
                .map { sitrep in
                    [
                        "id": sitrep.id, "heading": sitrep.heading, "status": sitrep.status.rawValue,
                        "compiledUTC": Self.utc(sitrep.compiledAt),
                        "compiledISO": ConcertJSON.formatTimestamp(sitrep.compiledAt),
                        "arrests": sitrep.sincePrevious.arrests,
                        "servers": sitrep.sincePrevious.serversTakenDown, "seizures": sitrep.sincePrevious.seizures,
                    ]
                }
            return try await page(
                "sitreps", title: "\(operation.codeName) sitreps",
                values: [
                    "operationId": operation.id, "codeName": operation.codeName, "canManage": canManage,
                    "sitreps": rows, "hasSitreps": !rows.isEmpty,
                ], context: context)
        }
        router.get("/operations/:operationId/sitreps/:sitrepId") { _, context in
            guard context.user != nil else { return Response.redirect(to: "/login") }
            let actor = try context.requireActor()
            let sitreps = SitrepController(store: store, guarded: guarded)
            let found: (JointOperation, Sitrep)? = try? await {
                guard let operation = await boardOperation(context, for: actor) else {
                    throw AccessDenial.hidden("No such operation.")
                }
                let sitrep = try await sitreps.readableSitrep(
                    try context.parameters.requireIdentifier("sitrepId"), of: operation, for: actor)
                return (operation, sitrep)
            }()
            guard let (operation, sitrep) = found else { return try await operationNotFound(context: context) }
            let document = try await sitreps.document(sitrep, of: operation)
            return try await page(
                "sitrep", title: "\(operation.codeName) \(sitrep.heading)",
                values: [
                    "operationId": operation.id, "codeName": operation.codeName, "sitrepId": sitrep.id,
                    "editable": sitrep.status == .draft && AccessPolicy.allows(actor, .manageSitreps, in: operation),
                    "summary": sitrep.summary, "openProblems": sitrep.openProblems.joined(separator: "\n"),
                    "document": document.htmlBody,
                ], context: context)
        }
        router.get("/") { _, context in
            Response.redirect(to: context.user == nil ? "/login" : "/operations")
        }
        router.get("/login") { _, context in
            if context.user != nil { return Response.redirect(to: "/operations") }
            return try await page("login", title: "Sign in", values: [:], context: context)
        }
        router.post("/login") { request, context in
            // A sign-in form posted from another site would sign the browser in to an account
            // of the attacker's choosing (login CSRF).
            guard AuthenticationMiddleware<ConcertRequestContext>.isSameOrigin(request) else {
                throw ProblemDetail(status: .forbidden, detail: "The sign-in form came from another site.")
            }
            let buffer = try await request.body.collect(upTo: 16 * 1024)
            let form = try? URLEncodedFormDecoder().decode(SignInForm.self, from: String(buffer: buffer))
            let outcome: Authenticator.SignInOutcome =
                if let form {
                    try await authenticator.signIn(
                        username: form.username, password: form.password, code: form.code,
                        address: context.clientAddress(of: request, trustedProxies: trustedProxies),
                        client: request.headers[.userAgent])
                } else {
                    .refused
                }
            switch outcome {
            case .signedIn(let token, _, _):
                var response = Response.redirect(to: "/operations", type: .found)
                response.setCookie(
                    Cookie(
                        name: sessionCookieName, value: token, maxAge: Int(authenticator.sessionLifetime),
                        path: "/", secure: secureCookies, httpOnly: true, sameSite: .strict))
                return response
            case .refused, .throttled, .codeNeeded:
                var error = "The username, password or code is wrong."
                var status = HTTPResponse.Status.unauthorized
                if case .throttled(let retryAfter, let reason) = outcome {
                    error = reason + " Try again in \(max(1, Int(retryAfter.rounded(.up)))) seconds."
                    status = .tooManyRequests
                }
                var codeNeeded = false
                if case .codeNeeded = outcome {
                    error =
                        "Your account signs in with a second factor: type your password again with the code your authenticator app shows."
                    codeNeeded = true
                }
                var response = try await page(
                    "login", title: "Sign in",
                    values: ["error": error, "username": form?.username ?? "", "codeNeeded": codeNeeded],
                    context: context)
                response.status = status
                return response
            }
        }
        router.post("/logout") { request, context in
            if let token = request.cookies[sessionCookieName]?.value { try await authenticator.signOut(token: token) }
            var response = Response.redirect(to: "/login", type: .found)
            response.setCookie(
                Cookie(
                    name: sessionCookieName, value: "", maxAge: 0, path: "/", secure: secureCookies, httpOnly: true,
                    sameSite: .strict))
            return response
        }
        router.get("/operations") { _, context in
            guard let user = context.user else { return Response.redirect(to: "/login") }
            let agencies = try await agencyDirectory()
            let operations =
                AccessPolicy.allows(Actor(user), .listOperations)
                ? try await store.operations(participatingAgencyId: user.agencyId) : []
            let rows: [[String: Any]] = operations.map { operation in
                [
                    "id": operation.id, "codeName": operation.codeName,
                    "leadAgency": agencies[operation.leadAgencyId]?.name ?? operation.leadAgencyId,
                    "yourRole": operation.role(of: user.agencyId)?.rawValue ?? "",
                    "participantCount": operation.participants.count,
                    "hHourUTC": operation.hHour.map(Self.utc) ?? "not set",
                    "hasHHour": operation.hHour != nil,
                    "hHourISO": operation.hHour.map(ConcertJSON.formatTimestamp) ?? "",
                    // An officer's first view is its agency's day; a coordinator's, the whole operation.
                    "path": user.role == .officer ? "/operations/\(operation.id)/day" : "/operations/\(operation.id)",
                ]
            }
            return try await page(
                "operations", title: "Operations",
                values: [
                    "operations": rows, "hasOperations": !rows.isEmpty,
                    "canCreate": AccessPolicy.allows(Actor(user), .createOperation),
                ], context: context)
        }
        router.get("/operations/:operationId") { request, context in
            let parameters = request.uri.queryParameters
            let list = TargetListQuery(
                kind: parameters.get("kind").flatMap { TargetKind(rawValue: String($0)) },
                agency: parameters.get("agency").map { String($0) }.flatMap { $0.isEmpty ? nil : $0 },
                text: parameters.get("q").map { TargetListQuery.searchText(String($0)) },
                after: parameters.get("after").flatMap { Int(String($0)) }.map { max(0, $0) },
                planFrom: parameters.get("plan").flatMap { Int(String($0)) }.map { max(0, $0) })
            return try await operationPage(context, .viewOperation) { operation, actor in
                ("operation", operation.codeName, try await operationValues(operation, actor: actor, list: list))
            }
        }
    }

    /// What the operation page's list of targets is asked for: a filter and a page.
    struct TargetListQuery {
        var kind: TargetKind?
        var agency: String?
        var text: String?
        /// How many matching targets the page skips.
        var after: Int?
        /// How many actions of the plan, in time order, the page skips.
        var planFrom: Int? = nil

        var filter: TargetFilter { TargetFilter(kind: kind, originatorAgencyId: agency, text: text) }

        /// What a person typed to search, without control characters (a NUL matched every
        /// target, and would be written back into the page), at most 200 characters of it.
        static func searchText(_ typed: String) -> String {
            var scalars = String.UnicodeScalarView()
            scalars.append(contentsOf: typed.unicodeScalars.filter { !CharacterSet.controlCharacters.contains($0) })
            return String(String(scalars).prefix(200))
        }

        /// The page's address with this filter and the cursor `after`.
        func path(operationId: String, after cursor: Int?) -> String {
            var items: [URLQueryItem] = []
            if let kind { items.append(URLQueryItem(name: "kind", value: kind.rawValue)) }
            if let agency { items.append(URLQueryItem(name: "agency", value: agency)) }
            if let text = filter.text { items.append(URLQueryItem(name: "q", value: text)) }
            if let cursor { items.append(URLQueryItem(name: "after", value: String(cursor))) }
            var components = URLComponents()
            components.path = "/operations/\(operationId)"
            components.queryItems = items.isEmpty ? nil : items
            return (components.string ?? components.path) + "#targets"
        }
    }

    /// A target as a list shows it: its facts and its first selectors, decoded without the rest
    /// (a target may hold thousands, and a page of them was most of the page's time).
    struct TargetListing: Decodable {
        var id: String
        var kind: TargetKind
        var name: String
        var hostingProvider: String?
        var country: String?
        var handling: HandlingCode
        var handlingRestriction: String?
        var evaluation: Evaluation
        var distribution: Distribution
        var originatorAgencyId: String
        /// The first ``WebController/selectorsShown`` selectors.
        var selectors: [Selector]
        /// How many selectors it holds.
        var selectorCount: Int

        var recordHandling: RecordHandling {
            RecordHandling(originatorAgencyId: originatorAgencyId, handling: handling, distribution: distribution)
        }

        enum CodingKeys: String, CodingKey {
            case id, kind, name, hostingProvider, country, handling, handlingRestriction, evaluation, distribution
            case originatorAgencyId, selectors
        }

        /// A list item read and let go.
        private struct Skipped: Decodable {
            init(from decoder: any Decoder) throws {}
        }

        init(from decoder: any Decoder) throws {
            let container = try decoder.container(keyedBy: CodingKeys.self)
            id = try container.decode(String.self, forKey: .id)
            kind = try container.decode(TargetKind.self, forKey: .kind)
            name = try container.decode(String.self, forKey: .name)
            hostingProvider = try container.decodeIfPresent(String.self, forKey: .hostingProvider)
            country = try container.decodeIfPresent(String.self, forKey: .country)
            handling = try container.decode(HandlingCode.self, forKey: .handling)
            handlingRestriction = try container.decodeIfPresent(String.self, forKey: .handlingRestriction)
            evaluation = try container.decode(Evaluation.self, forKey: .evaluation)
            distribution = try container.decode(Distribution.self, forKey: .distribution)
            originatorAgencyId = try container.decode(String.self, forKey: .originatorAgencyId)
            var list = try container.nestedUnkeyedContainer(forKey: .selectors)
            var shown: [Selector] = []
            var count = 0
            while !list.isAtEnd {
                if shown.count < WebController.selectorsShown {
                    shown.append(try list.decode(Selector.self))
                } else {
                    _ = try list.decode(Skipped.self)
                }
                count += 1
            }
            selectors = shown
            selectorCount = count
        }
    }

    /// How many targets one page of the operation page lists, and how many selectors of each.
    static let targetsPerPage = 100
    /// How many actions one page of the operation page's plan lists.
    static let actionsPerPage = 250
    static let selectorsShown = 10

    /// The values of the operation page, each section filtered by the access policy.
    func operationValues(
        _ operation: JointOperation, actor: Actor, list: TargetListQuery = TargetListQuery()
    ) async throws -> [String: Any] {
        let agencies = try await agencyDirectory()
        func agencyName(_ id: String) -> String { agencies[id]?.name ?? id }
        var values: [String: Any] = [
            "operationId": operation.id, "codeName": operation.codeName,
            "leadAgency": agencyName(operation.leadAgencyId),
            "yourRole": operation.role(of: actor.agencyId)?.rawValue ?? "",
            "participantCount": operation.participants.count,
            "participants": operation.participants.map { participant -> [String: Any] in
                [
                    "name": agencyName(participant.agencyId),
                    "country": agencies[participant.agencyId]?.country ?? "", "role": participant.role.rawValue,
                ]
            },
        ]
        if let summary = operation.summary { values["summary"] = summary }
        if let prepare = try await prepareValues(operation, actor: actor) { values["prepare"] = prepare }
        values["canRecord"] = AccessPolicy.allows(actor, .createRecord, in: operation)
        values["canPlan"] = AccessPolicy.allows(actor, .changePlan, in: operation)
        values["canManageInstruments"] = AccessPolicy.allows(actor, .manageInstruments, in: operation)
        if let hHour = operation.hHour {
            values["hasHHour"] = true
            values["hHourUTC"] = Self.utc(hHour)
            values["hHourISO"] = ConcertJSON.formatTimestamp(hHour)
        }
        let showIntelligence = AccessPolicy.allows(actor, .viewIntelligence, in: operation)
        values["showIntelligence"] = showIntelligence
        var instrumentsById: [String: LegalInstrument] = [:]
        if showIntelligence {
            // One page at a time, filtered by the database: an operation of ten thousand targets
            // is not sent whole to be filtered in the browser.
            let page = try await store.targetPage(
                operationId: operation.id, filter: list.filter, skipping: list.after ?? 0, after: nil,
                limit: Self.targetsPerPage
            ) { handling in
                AccessPolicy.allows(actor, .readRecord(handling), in: operation)
            }
            try await store.recordRead(
                by: actor, operationId: operation.id, what: .auditTargetsListed,
                payload: ListDelivery(ids: page.targets.map(\.id), via: "web"))
            let targets = try page.targets.map { try ConcertJSON.decode(TargetListing.self, from: $0.json) }
            values["targetCount"] = page.visible
            values["matchingCount"] = page.matching
            values["filtered"] = !list.filter.isEmpty
            if page.matching > targets.count && !targets.isEmpty {
                values["paged"] = [
                    "from": page.before + (targets.isEmpty ? 0 : 1), "to": page.before + targets.count,
                    "next": page.next.map { list.path(operationId: operation.id, after: $0) } ?? "",
                    "hasNext": page.next != nil,
                    "first": page.before > 0 ? list.path(operationId: operation.id, after: nil) : "",
                    "hasFirst": page.before > 0,
                ]
            }
            values["targetQuery"] = list.filter.text ?? ""
            values["targetKindOptions"] = TargetKind.allCases.map {
                ["value": $0.rawValue, "label": Self.words($0.rawValue), "selected": $0 == list.kind]
            }
            values["originatorOptions"] = operation.participants.map { participant -> [String: Any] in
                [
                    "value": participant.agencyId, "label": agencyName(participant.agencyId),
                    "selected": participant.agencyId == list.agency,
                ]
            }.sorted { ($0["label"] as? String ?? "") < ($1["label"] as? String ?? "") }
            values["targets"] = targets.map { target -> [String: Any] in
                var row: [String: Any] = [
                    "id": target.id,
                    "canModify": AccessPolicy.allows(actor, .modifyRecord(target.recordHandling), in: operation),
                    "name": target.name, "kind": Self.words(target.kind.rawValue), "handling": target.handling.rawValue,
                    "handlingMeaning": target.handling.meaning, "evaluation": target.evaluation.description,
                    "evaluationMeaning": Self.evaluationMeaning(target.evaluation),
                    "originator": agencyName(target.originatorAgencyId),
                    "selectors": target.selectors.prefix(Self.selectorsShown).map { selector -> [String: Any] in
                        ["kind": selector.kind.rawValue, "value": Self.display(selector)]
                    },
                ]
                if target.selectorCount > Self.selectorsShown {
                    row["moreSelectors"] = target.selectorCount - Self.selectorsShown
                }
                switch target.distribution {
                case .allParticipants: row["distribution"] = "all participants"
                case .agencies(let named): row["distribution"] = named.map(agencyName).joined(separator: ", ")
                }
                if let restriction = target.handlingRestriction { row["restriction"] = restriction }
                let place = [target.hostingProvider, target.country].compactMap { $0 }.joined(separator: " · ")
                if !place.isEmpty { row["place"] = place }
                return row
            }
            let instruments = try await store.instruments(operationId: operation.id)
            for instrument in instruments { instrumentsById[instrument.id] = instrument }
            values["instrumentCount"] = instruments.count
            values["instruments"] = instruments.map { instrument -> [String: Any] in
                [
                    "id": instrument.id, "canManage": AccessPolicy.allows(actor, .manageInstruments, in: operation),
                    "kind": instrument.kind.label, "reference": instrument.reference,
                    "authority": instrument.issuingAuthority ?? "", "country": instrument.executingCountry,
                    "status": instrument.status.rawValue,
                ]
            }
        }
        let actions = try await ActionController.boardView(
            of: try await store.actions(operationId: operation.id), for: actor, in: operation, store: store)
        values["actionCount"] = actions.count
        // A large day's plan a few hundred actions at a time, in time order: a thousand rows
        // took Chromium more than a second to lay out. An agency's day (`…/day`) shows its own.
        let first = min(max(0, list.planFrom ?? 0), max(0, actions.count - 1))
        let shown = actions.dropFirst(first).prefix(Self.actionsPerPage)
        if actions.count > Self.actionsPerPage {
            var links: [String: Any] = ["from": first + 1, "to": first + shown.count]
            if first + shown.count < actions.count {
                links["next"] = "/operations/\(operation.id)?plan=\(first + shown.count)#plan"
            }
            if first > 0 {
                links["previous"] = "/operations/\(operation.id)?plan=\(max(0, first - Self.actionsPerPage))#plan"
            }
            values["planPaged"] = links
        }
        values["planTable"] = planTable(
            Array(shown), in: operation, actor: actor, instruments: instrumentsById,
            canPlan: AccessPolicy.allows(actor, .changePlan, in: operation), agencyName: agencyName)
        return values
    }

    /// The operation of the page's path if the user's agency follows its board; nil for one
    /// that does not exist or that it does not take part in, which pages answer alike.
    func boardOperation(_ context: ConcertRequestContext, for actor: Actor) async -> JointOperation? {
        guard let id = try? context.parameters.requireIdentifier("operationId") else { return nil }
        return try? await guarded.operation(id, for: actor, .viewBoard)
    }

    /// The page for an operation that does not exist or that the user's agency does not take
    /// part in: the same words for both, so that the page does not tell them apart.
    func operationNotFound(context: ConcertRequestContext) async throws -> Response {
        var response = try await page(
            "error", title: "Not found",
            values: ["title": "Not found", "detail": "There is no operation here that your agency takes part in."],
            context: context)
        response.status = .notFound
        return response
    }

    func agencyDirectory() async throws -> [String: Agency] {
        Dictionary(uniqueKeysWithValues: try await store.agencies().map { ($0.id, $0) })
    }

    func page(
        _ template: String, title: String, values: [String: Any], context: ConcertRequestContext
    ) async throws
        -> Response
    {
        var layout: [String: Any] = ["title": title]
        if let user = context.user {
            layout["signedIn"] = true
            layout["userName"] = user.displayName
            layout["role"] = user.role.rawValue
            let agency = try await store.agency(id: user.agencyId)
            layout["agencyName"] = agency?.name ?? ""
            layout["mayCheck"] = AccessPolicy.allows(Actor(user), .useCrossCheck)
            layout["mayAdminister"] = AccessPolicy.allows(Actor(user), .manageAccounts)
            layout["agencyCountry"] = agency?.country ?? ""
        }
        layout["content"] = Templates.library.render(values, withTemplate: template) ?? ""
        let html = Templates.library.render(layout, withTemplate: "layout") ?? ""
        return Response(
            status: .ok, headers: [.contentType: "text/html; charset=utf-8"],
            body: .init(byteBuffer: ByteBuffer(string: html)))
    }

    static func asset(_ text: String, type: String) -> Response {
        Response(
            status: .ok, headers: [.contentType: type, .cacheControl: "max-age=300"],
            body: .init(byteBuffer: ByteBuffer(string: text)))
    }

    static func display(_ selector: Selector) -> String {
        switch selector.value {
        case .text(let text): return text == selector.matchKey ? text : "\(text) → \(selector.matchKey)"
        case .person: return selector.value.written
        }
    }

    static func evaluationMeaning(_ evaluation: Evaluation) -> String {
        let source =
            switch evaluation.source {
            case .a: "source: no doubt about its reliability"
            case .b: "source: reliable in most instances"
            case .c: "source: unreliable in most instances"
            case .x: "source: reliability cannot be assessed"
            }
        let information =
            switch evaluation.information {
            case .one: "information: accuracy not in doubt"
            case .two: "information: known personally to the source, not to the official"
            case .three: "information: not known personally to the source, corroborated"
            case .four: "information: not known personally to the source, not corroborated"
            }
        return "\(source); \(information)"
    }

    /// `serverTakedown` → `server takedown`.
    static func words(_ identifier: String) -> String { Wording.words(identifier) }

    static func utc(_ date: Date) -> String { Wording.utc(date) }

    /// `Thu 05:00 CET (Europe/Paris)`: the zone's abbreviation from the IANA database, which
    /// the formatter's `zzz` replaces by `GMT+1` for zones its locale does not name.
    static func local(_ date: Date, timeZone identifier: String) -> String {
        let zone = TimeZone(identifier: identifier) ?? TimeZone(identifier: "UTC")!
        let time = Wording.clock(date, in: zone)
        return
            "\(time.weekday) \(time.hourMinute) \(ZoneAbbreviation.abbreviation(of: identifier, at: date)) (\(identifier))"
    }
}
