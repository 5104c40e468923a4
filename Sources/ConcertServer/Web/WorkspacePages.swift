import ConcertCore
import ConcertStorage
import Foundation
import Hummingbird

/// The pages that prepare an operation and administer the platform. They only draw forms:
/// each form is sent to the API route that does the same thing (`forms.js`), so the access
/// policy, the validation and the transaction are the API's own. A page that a role may not
/// use is refused with the API's words (403, or 404 for an operation the agency is not in).
extension WebController {
    func addWorkspaceRoutes(to router: Router<ConcertRequestContext>) {
        router.get("/static/forms.js") { _, _ in
            Self.asset(StaticAssets.formsScript, type: "text/javascript; charset=utf-8")
        }
        router.get("/static/check.js") { _, _ in
            Self.asset(StaticAssets.checkScript, type: "text/javascript; charset=utf-8")
        }
        router.get("/static/import.js") { _, _ in
            Self.asset(StaticAssets.importScript, type: "text/javascript; charset=utf-8")
        }
        router.get("/static/calendar.js") { _, _ in
            Self.asset(StaticAssets.calendarScript, type: "text/javascript; charset=utf-8")
        }
        router.get("/operations/:operationId/targets/import") { _, context in
            try await operationPage(context, .createRecord) { operation, _ in
                ("import", "Import targets", ["operationId": operation.id, "codeName": operation.codeName])
            }
        }
        router.get("/operations/new") { _, context in
            guard context.user != nil else { return Response.redirect(to: "/login") }
            let actor = try context.requireActor()
            guard AccessPolicy.allows(actor, .createOperation) else {
                return try await refused("Only coordinators create operations.", context: context)
            }
            return try await page("operation-new", title: "New operation", values: [:], context: context)
        }
        router.get("/operations/:operationId/targets/new") { _, context in
            try await operationPage(context, .createRecord) { operation, actor in
                let values = try await targetFormValues(nil, in: operation, actor: actor)
                return Self.form(
                    "target-form", title: "Record a target", heading: "Record a target",
                    api: "/api/v1/operations/\(operation.id)/targets", method: "POST", submit: "Record the target",
                    values)
            }
        }
        router.get("/operations/:operationId/targets/:targetId/edit") { _, context in
            try await operationPage(context, .viewIntelligence) { operation, actor in
                let targetId = try context.parameters.requireIdentifier("targetId")
                guard let target = try await store.target(id: targetId, operationId: operation.id),
                    AccessPolicy.allows(actor, .readRecord(target.recordHandling), in: operation)
                else { throw AccessDenial.hidden("No such target.") }
                try AccessPolicy.decide(actor, .modifyRecord(target.recordHandling), in: operation).get()
                let values = try await targetFormValues(target, in: operation, actor: actor)
                return Self.form(
                    "target-form", title: "Change a target", heading: "Change \(target.name)",
                    api: "/api/v1/operations/\(operation.id)/targets/\(target.id)", method: "PUT",
                    submit: "Save the target", values)
            }
        }
        router.get("/operations/:operationId/actions/new") { _, context in
            try await operationPage(context, .changePlan) { operation, actor in
                let values = try await actionFormValues(nil, in: operation, actor: actor)
                return Self.form(
                    "action-form", title: "Plan an action", heading: "Plan an action",
                    api: "/api/v1/operations/\(operation.id)/actions", method: "POST", submit: "Add to the plan", values
                )
            }
        }
        router.get("/operations/:operationId/actions/:actionId/edit") { _, context in
            try await operationPage(context, .changePlan) { operation, actor in
                let actionId = try context.parameters.requireIdentifier("actionId")
                guard let stored = try await store.action(id: actionId, operationId: operation.id) else {
                    throw AccessDenial.hidden("No such action.")
                }
                // As the API shows it to this planner: without what describes a target it may
                // not read, which a change then keeps as it is.
                let action = try await ActionController.boardView(
                    of: [stored], for: actor, in: operation, store: store)[0]
                var values = try await actionFormValues(action, in: operation, actor: actor)
                values["redacted"] = action != stored
                return Self.form(
                    "action-form", title: "Change an action", heading: "Change \(action.title)",
                    api: "/api/v1/operations/\(operation.id)/actions/\(action.id)", method: "PUT",
                    submit: "Save the action", values)
            }
        }
        router.get("/operations/:operationId/instruments/new") { _, context in
            try await operationPage(context, .manageInstruments) { operation, _ in
                let values = Self.instrumentFormValues(nil, in: operation)
                return Self.form(
                    "instrument-form", title: "Record a legal instrument", heading: "Record a legal instrument",
                    api: "/api/v1/operations/\(operation.id)/instruments", method: "POST",
                    submit: "Record the instrument", values)
            }
        }
        router.get("/operations/:operationId/instruments/:instrumentId/edit") { _, context in
            try await operationPage(context, .manageInstruments) { operation, _ in
                let instrumentId = try context.parameters.requireIdentifier("instrumentId")
                guard let instrument = try await store.instrument(id: instrumentId, operationId: operation.id) else {
                    throw AccessDenial.hidden("No such legal instrument.")
                }
                let values = Self.instrumentFormValues(instrument, in: operation)
                return Self.form(
                    "instrument-form", title: "Change a legal instrument",
                    heading: "Change \(instrument.kind.label) \(instrument.reference)",
                    api: "/api/v1/operations/\(operation.id)/instruments/\(instrument.id)", method: "PUT",
                    submit: "Save the instrument", values)
            }
        }
        router.get("/operations/:operationId/log") { request, context in
            try await operationPage(context, .viewBoard) { operation, actor in
                let agencies = try await agencyDirectory()
                let canMark = AccessPolicy.allows(actor, .markSignificant, in: operation)
                // The API's pages, newest first; a cursor the page cannot use shows the newest.
                let parameters = request.uri.queryParameters
                let parameter = { (name: String) in parameters.get(name).map { String($0) } }
                let significant = (try? PageQuery.flag("significant", parameter)) == true
                let asked = PageQuery.lenient(request)
                let page: RecordPage<LogEntry>
                do {
                    page = try await store.logEntryPage(
                        operationId: operation.id, significantOnly: significant, after: asked.after,
                        limit: asked.limit)
                } catch is UnknownCursor {
                    page = try await store.logEntryPage(
                        operationId: operation.id, significantOnly: significant, after: nil, limit: asked.limit)
                }
                func link(after: String?) -> String {
                    var items: [URLQueryItem] = []
                    if significant { items.append(.init(name: "significant", value: "true")) }
                    if let after { items.append(.init(name: "after", value: after)) }
                    var components = URLComponents()
                    components.path = "/operations/\(operation.id)/log"
                    components.queryItems = items.isEmpty ? nil : items
                    return components.string ?? components.path
                }
                let entries = page.items.map {
                    entry -> [String: Any] in
                    [
                        "id": entry.id, "text": entry.text, "significant": entry.significant,
                        "agency": agencies[entry.agencyId]?.name ?? entry.agencyId,
                        "postedUTC": Self.utc(entry.createdAt),
                        "postedISO": ConcertJSON.formatTimestamp(entry.createdAt),
                        "canMark": canMark, "operationId": operation.id,
                    ]
                }
                var values: [String: Any] = [
                    "operationId": operation.id, "codeName": operation.codeName, "entries": entries,
                    "hasEntries": !entries.isEmpty, "significantOnly": significant,
                    "canPost": AccessPolicy.allows(actor, .postLogEntry, in: operation),
                    "allLink": link(after: nil),
                ]
                if let next = page.next { values["older"] = link(after: next) }
                if asked.after != nil { values["newest"] = link(after: nil) }
                if !significant {
                    var components = URLComponents()
                    components.path = "/operations/\(operation.id)/log"
                    components.queryItems = [.init(name: "significant", value: "true")]
                    values["significantLink"] = components.string ?? ""
                }
                return ("log", "\(operation.codeName) log", values)
            }
        }
        router.get("/operations/:operationId/day") { request, context in
            try await operationPage(context, .viewBoard) { operation, actor in
                let agencies = try await agencyDirectory()
                let all = try await ActionController.boardView(
                    of: try await store.actions(operationId: operation.id), for: actor, in: operation, store: store)
                let countries = Set(all.map(\.country)).sorted()
                let asked = request.uri.queryParameters.get("country").map { String($0) }
                let country = asked.flatMap { countries.contains($0) ? $0 : nil }
                let chosen = all.filter {
                    country == nil ? $0.executingAgencyId == actor.agencyId : $0.country == country
                }
                var instruments: [String: LegalInstrument] = [:]
                if AccessPolicy.allows(actor, .viewIntelligence, in: operation) {
                    for instrument in try await store.instruments(operationId: operation.id) {
                        instruments[instrument.id] = instrument
                    }
                }
                let ownName = agencies[actor.agencyId]?.name ?? "Your agency"
                var values: [String: Any] = [
                    "operationId": operation.id, "codeName": operation.codeName,
                    "heading": country.map { "\(operation.codeName): every action in \($0)" }
                        ?? "\(operation.codeName): \(ownName)'s day",
                    "countries": countries.map { ["code": $0, "selected": $0 == country] },
                    "planTable": planTable(
                        chosen, in: operation, actor: actor, instruments: instruments, canPlan: false,
                        agencyName: { agencies[$0]?.name ?? $0 }),
                    "hasActions": !chosen.isEmpty,
                ]
                if let hHour = operation.hHour {
                    values["hasHHour"] = true
                    values["hHourUTC"] = Self.utc(hHour)
                    values["hHourISO"] = ConcertJSON.formatTimestamp(hHour)
                }
                return ("day", "\(operation.codeName) day", values)
            }
        }
        router.get("/check") { _, context in
            guard context.user != nil else { return Response.redirect(to: "/login") }
            let actor = try context.requireActor()
            guard AccessPolicy.allows(actor, .useCrossCheck) else {
                return try await refused(
                    "Checks before sharing are for the agencies that hold intelligence.", context: context)
            }
            return try await page(
                "check", title: "Check before sharing", values: ["kinds": SelectorKind.allCases.map(\.rawValue)],
                context: context)
        }
        router.get("/admin") { _, context in
            guard let user = context.user else { return Response.redirect(to: "/login") }
            let actor = Actor(user)
            guard AccessPolicy.allows(actor, .manageAccounts) else {
                return try await refused(
                    "Administration is for the platform's and the agencies' administrators.", context: context)
            }
            return try await page(
                "admin", title: "Administration", values: try await adminValues(actor), context: context)
        }
    }

    /// A form page: `values` with the heading, the API route the form is sent to, its method and
    /// the words of its button.
    static func form(
        _ template: String, title: String, heading: String, api: String, method: String, submit: String,
        _ values: [String: Any]
    ) -> (template: String, title: String, values: [String: Any]) {
        var values = values
        values["heading"] = heading
        values["apiPath"] = api
        values["method"] = method
        values["submitLabel"] = submit
        return (template, title, values)
    }

    /// A page of an operation that the caller's agency takes part in and may do `permission`
    /// in; any other answers as the API would, in words.
    func operationPage(
        _ context: ConcertRequestContext, _ permission: Permission,
        _ values: (JointOperation, Actor) async throws -> (template: String, title: String, values: [String: Any])
    ) async throws -> Response {
        guard context.user != nil else { return Response.redirect(to: "/login") }
        let actor = try context.requireActor()
        let operation: JointOperation
        do {
            operation = try await guarded.operation(
                try context.parameters.requireIdentifier("operationId"), for: actor, .viewOperation)
        } catch {
            return try await operationNotFound(context: context)
        }
        do {
            try AccessPolicy.decide(actor, permission, in: operation).get()
            let (template, title, values) = try await values(operation, actor)
            return try await page(template, title: title, values: values, context: context)
        } catch let denial as AccessDenial {
            switch denial {
            case .hidden: return try await operationNotFound(context: context)
            case .forbidden(let message): return try await refused(message, context: context)
            }
        }
    }

    /// The page of something the caller's role may not do, in the API's words.
    func refused(_ detail: String, context: ConcertRequestContext) async throws -> Response {
        var response = try await page(
            "error", title: "Not for your role", values: ["title": "Not for your role", "detail": detail],
            context: context)
        response.status = .forbidden
        return response
    }

    /// The values of the lead coordinator's preparation forms on the operation page; nil for
    /// anyone else.
    func prepareValues(_ operation: JointOperation, actor: Actor) async throws -> [String: Any]? {
        guard AccessPolicy.allows(actor, .inviteAgency, in: operation) else { return nil }
        let taking = Set(operation.participants.map(\.agencyId))
        let invitable = try await store.agencies().filter { !taking.contains($0.id) }.map {
            ["id": $0.id, "name": $0.name, "country": $0.country]
        }
        return [
            "operationId": operation.id, "invitable": invitable,
            "hHourField": Self.zonedTimeField(
                name: "hHour", legend: "H-hour: one instant for every country", operation.hHour),
        ]
    }

    /// The date, time and zone inputs of an instant, shown in UTC until changed.
    static func zonedTimeField(name: String, legend: String, _ date: Date?) -> [String: Any] {
        var field: [String: Any] = ["name": name, "legend": legend, "zones": zoneOptions(selected: "UTC")]
        if let date {
            let text = ConcertJSON.formatTimestamp(date)
            field["date"] = String(text.prefix(10))
            field["time"] = String(text.dropFirst(11).prefix(5))
        }
        return field
    }

    /// Every IANA zone a place can be in, `selected` marked.
    static func zoneOptions(selected: String) -> [[String: Any]] {
        let zones =
            ["UTC"] + TimeZone.knownTimeZoneIdentifiers.filter { $0.contains("/") && !$0.hasPrefix("Etc/") }.sorted()
        return zones.map { ["name": $0, "selected": $0 == selected] }
    }

    func targetFormValues(_ target: Target?, in operation: JointOperation, actor: Actor) async throws -> [String: Any] {
        let agencies = try await agencyDirectory()
        func selectorRow(_ selector: Selector?) -> [String: Any] {
            var row: [String: Any] = [
                "kinds": SelectorKind.allCases.map {
                    ["value": $0.rawValue, "selected": $0 == (selector?.kind ?? .ip)]
                }
            ]
            switch selector?.value {
            case .text(let text): row["text"] = text
            case .person(let person):
                row["personName"] = person.name
                row["dateOfBirth"] = person.dateOfBirth ?? ""
            case nil: break
            }
            return row
        }
        var values: [String: Any] = [
            "operationId": operation.id, "codeName": operation.codeName,
            "targetKinds": TargetKind.allCases.map {
                ["value": $0.rawValue, "label": Self.words($0.rawValue), "selected": $0 == target?.kind]
            },
            "selectors": target.map { $0.selectors.map(selectorRow) } ?? [selectorRow(nil)],
            "newSelector": selectorRow(nil),
        ]
        values.merge(
            try await recordHandlingValues(
                target?.recordHandling, evaluation: target?.evaluation, in: operation, actor: actor)
        ) { _, new in new }
        if let target {
            values["name"] = target.name
            values["hostingProvider"] = target.hostingProvider ?? ""
            values["country"] = target.country ?? ""
            values["notes"] = target.notes ?? ""
            values["handlingRestriction"] = target.handlingRestriction ?? ""
        }
        return values
    }

    /// What the `record-handling` partial shows: the handling codes, evaluations and the
    /// participants a record may be distributed to, with `record`'s own chosen.
    func recordHandlingValues(
        _ record: RecordHandling?, evaluation: Evaluation? = nil, in operation: JointOperation, actor: Actor
    ) async throws -> [String: Any] {
        let agencies = try await agencyDirectory()
        var named: Set<String> = []
        if case .agencies(let ids) = record?.distribution { named = Set(ids) }
        let recipients = operation.participants.filter {
            $0.agencyId != actor.agencyId && AccessPolicy.mayReceiveIntelligence(agencyId: $0.agencyId, in: operation)
        }.map { participant -> [String: Any] in
            let agency = agencies[participant.agencyId]
            return [
                "id": participant.agencyId, "name": agency?.name ?? participant.agencyId,
                "country": agency?.country ?? "", "selected": named.contains(participant.agencyId),
            ]
        }
        var values: [String: Any] = [
            "recipients": recipients, "distributionAll": record.map { $0.distribution == .allParticipants } ?? true,
        ]
        values.merge(Self.handlingValues(record.flatMap { record in evaluation.map { (record.handling, $0) } })) {
            _, new in new
        }
        return values
    }

    /// The handling codes, source reliabilities and information accuracies to choose from.
    static func handlingValues(_ current: (HandlingCode, Evaluation)?) -> [String: Any] {
        [
            "handlings": HandlingCode.allCases.map {
                ["code": $0.rawValue, "meaning": $0.meaning, "selected": $0 == current?.0]
            },
            "sources": SourceReliability.allCases.map {
                ["value": $0.rawValue, "label": sourceLabel($0), "selected": $0 == current?.1.source]
            },
            "accuracies": InformationAccuracy.allCases.map {
                ["value": $0.rawValue, "label": accuracyLabel($0), "selected": $0 == current?.1.information]
            },
        ]
    }

    static func sourceLabel(_ source: SourceReliability) -> String {
        switch source {
        case .a: "A: no doubt about its reliability"
        case .b: "B: reliable in most instances"
        case .c: "C: unreliable in most instances"
        case .x: "X: cannot be assessed"
        }
    }

    static func accuracyLabel(_ accuracy: InformationAccuracy) -> String {
        switch accuracy {
        case .one: "1: accuracy not in doubt"
        case .two: "2: known personally to the source, not to the official"
        case .three: "3: not known personally to the source, corroborated"
        case .four: "4: not known personally to the source, not corroborated"
        }
    }

    func actionFormValues(_ action: Action?, in operation: JointOperation, actor: Actor) async throws -> [String: Any] {
        let agencies = try await agencyDirectory()
        let targets = try await store.encodedTargets(operationId: operation.id).filter {
            AccessPolicy.allows(actor, .readRecord($0.handling), in: operation)
        }.map { try ConcertJSON.decode(Target.self, from: $0.json) }
        let instruments = try await store.instruments(operationId: operation.id)
        let executing = operation.participants.filter { $0.role != .observer }.map {
            participant -> [String: Any] in
            let agency = agencies[participant.agencyId]
            return [
                "id": participant.agencyId, "name": agency?.name ?? participant.agencyId,
                "country": agency?.country ?? "", "selected": participant.agencyId == action?.executingAgencyId,
            ]
        }
        var values: [String: Any] = [
            "operationId": operation.id, "codeName": operation.codeName,
            "actionKinds": ActionKind.allCases.map {
                ["value": $0.rawValue, "label": Self.words($0.rawValue), "selected": $0 == action?.kind]
            },
            "targets": targets.map { ["id": $0.id, "name": $0.name, "selected": $0.id == action?.targetId] },
            "agencies": executing,
            "instruments": instruments.map {
                [
                    "id": $0.id,
                    "label": "\($0.kind.label) \($0.reference) (\($0.executingCountry), \($0.status.rawValue))",
                    "selected": $0.id == action?.legalInstrumentId,
                ]
            },
            "zones": Self.zoneOptions(selected: action?.timeZone ?? "UTC"),
            "offsetMinutes": action?.offsetMinutes ?? 0,
        ]
        if let action {
            values["title"] = action.title
            values["place"] = action.place
            values["country"] = action.country
            values["expectedDurationMinutes"] = action.expectedDurationMinutes
            values["gates"] = (action.gates ?? []).map(\.title).joined(separator: "\n")
        }
        return values
    }

    static func instrumentFormValues(_ instrument: LegalInstrument?, in operation: JointOperation) -> [String: Any] {
        var values: [String: Any] = [
            "operationId": operation.id, "codeName": operation.codeName,
            "instrumentKinds": LegalInstrumentKind.allCases.map {
                ["value": $0.rawValue, "label": $0.label, "selected": $0 == instrument?.kind]
            },
            "statuses": LegalInstrumentStatus.allCases.map {
                ["value": $0.rawValue, "selected": $0 == (instrument?.status ?? .requested)]
            },
        ]
        if let instrument {
            values["reference"] = instrument.reference
            values["issuingAuthority"] = instrument.issuingAuthority ?? ""
            values["executingCountry"] = instrument.executingCountry
            values["notes"] = instrument.notes ?? ""
        }
        return values
    }

    func adminValues(_ actor: Actor) async throws -> [String: Any] {
        let agencies = try await store.agencies()
        let users = try await store.users()
        if AccessPolicy.allows(actor, .manageAgencies) {
            let accounts = Dictionary(grouping: users, by: \.agencyId).mapValues(\.count)
            let rows = agencies.map { agency -> [String: Any] in
                [
                    "id": agency.id, "name": agency.name, "country": agency.country,
                    "kind": Self.words(agency.kind.rawValue), "contact": agency.contact ?? "",
                    "accounts": accounts[agency.id] ?? 0,
                ]
            }
            return [
                "platform": [
                    "agencies": rows, "agencyCount": rows.count,
                    "withoutAccounts": rows.filter { ($0["accounts"] as? Int) == 0 },
                    "agencyKinds": AgencyKind.allCases.map {
                        ["value": $0.rawValue, "label": Self.words($0.rawValue)]
                    },
                ]
            ]
        }
        // An agency's administrator: its own accounts only, as the policy lets it see them.
        let own = users.filter { AccessPolicy.allows(actor, .viewAccounts(agencyId: $0.agencyId)) }
        let rows = own.map { user -> [String: Any] in
            [
                "id": user.id, "username": user.username, "displayName": user.displayName, "role": user.role.rawValue,
                "disabled": user.isDisabled,
                // An administrator keeps its own account; platform administrators are the server's.
                "canChange": user.id != actor.userId
                    && AccessPolicy.allows(actor, .changeAccount(agencyId: user.agencyId, role: user.role)),
            ]
        }
        let creatable = UserRole.allCases.filter {
            AccessPolicy.allows(actor, .createAccount(agencyId: actor.agencyId, role: $0, agencyHasAccounts: true))
        }
        return [
            "agencyAdmin": [
                "agencyId": actor.agencyId, "agencyName": agencies.first { $0.id == actor.agencyId }?.name ?? "",
                "users": rows, "userCount": rows.count,
                "roles": creatable.map {
                    ["value": $0.rawValue, "label": Self.words($0.rawValue), "selected": $0 == .officer]
                },
            ]
        ]
    }
}
