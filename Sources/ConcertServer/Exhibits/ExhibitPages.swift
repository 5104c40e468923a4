import ConcertCore
import ConcertStorage
import Foundation
import Hummingbird

/// The exhibit register, an exhibit's page with its custody timeline, the form that records an
/// exhibit and the printable chain-of-custody reports. Forms are sent to the API (`forms.js`),
/// and every exhibit shown went through the access policy as the API's do.
extension WebController {
    func addExhibitRoutes(to router: Router<ConcertRequestContext>) {
        router.get("/operations/:operationId/exhibits") { request, context in
            try await operationPage(context, .viewBoard) { operation, actor in
                let agencies = try await agencyDirectory()
                let counts = try await store.exhibitCounts(operationId: operation.id)
                var values: [String: Any] = [
                    "operationId": operation.id, "codeName": operation.codeName,
                    "counts": [
                        "total": counts.total, "inTransit": counts.inTransit, "hashMismatches": counts.hashMismatches,
                    ],
                    "mismatchAlarm": counts.hashMismatches > 0,
                    "exhibitsWord": counts.total == 1 ? "exhibit" : "exhibits",
                    "mismatchesWord": counts.hashMismatches == 1 ? "hash mismatch" : "hash mismatches",
                    "kindsInWords": Self.kindsInWords(counts.byKind),
                ]
                guard AccessPolicy.allows(actor, .viewIntelligence, in: operation) else {
                    return ("exhibits", "\(operation.codeName) exhibits", values)
                }
                let query = try ExhibitQuery(request)
                let (page, exhibits) = try await ExhibitController.page(
                    query, for: actor, in: operation, store: store)
                let participants = operation.participants.filter {
                    AccessPolicy.mayReceiveIntelligence(agencyId: $0.agencyId, in: operation)
                }
                values["showExhibits"] = true
                values["canRecord"] = try await !seizableActions(in: operation, for: actor).isEmpty
                values["agencies"] = participants.map { participant -> [String: Any] in
                    [
                        "id": participant.agencyId,
                        "name": agencies[participant.agencyId]?.name ?? participant.agencyId,
                        "seizing": participant.agencyId == query.filter.seizingAgencyId,
                        "holding": participant.agencyId == query.filter.holderAgencyId,
                    ]
                }
                values["kinds"] = ExhibitKind.allCases.map {
                    ["value": $0.rawValue, "label": $0.label, "selected": $0 == query.filter.kind]
                }
                values["transitTrue"] = query.filter.inTransit == true
                values["transitFalse"] = query.filter.inTransit == false
                values["matching"] = page.matching
                values["oneMatching"] = page.matching == 1
                values["filtered"] = query.filter != ExhibitFilter()
                values["hasExhibits"] = !exhibits.isEmpty
                values["exhibitTable"] = Self.exhibitTable(exhibits, operationId: operation.id, agencies: agencies)
                if let next = page.next {
                    var items = [URLQueryItem(name: "after", value: next)]
                    if let agency = query.filter.seizingAgencyId { items.append(.init(name: "agency", value: agency)) }
                    if let kind = query.filter.kind { items.append(.init(name: "kind", value: kind.rawValue)) }
                    if let holder = query.filter.holderAgencyId { items.append(.init(name: "holder", value: holder)) }
                    if let transit = query.filter.inTransit {
                        items.append(.init(name: "inTransit", value: String(transit)))
                    }
                    var components = URLComponents()
                    components.path = "/operations/\(operation.id)/exhibits"
                    components.queryItems = items
                    values["next"] = components.string ?? ""
                }
                return ("exhibits", "\(operation.codeName) exhibits", values)
            }
        }
        router.get("/operations/:operationId/exhibits/new") { request, context in
            try await operationPage(context, .createRecord) { operation, actor in
                let actions = try await seizableActions(in: operation, for: actor)
                let asked = request.uri.queryParameters.get("action").map { String($0) }
                var values: [String: Any] = [
                    "operationId": operation.id, "codeName": operation.codeName, "hasActions": !actions.isEmpty,
                    "actions": actions.map { action -> [String: Any] in
                        [
                            "id": action.id, "selected": action.id == asked,
                            "label": "\(action.title) — \(action.country), \(Self.words(action.status.rawValue))",
                        ]
                    },
                    "kinds": ExhibitKind.allCases.map { ["value": $0.rawValue, "label": $0.label, "selected": false] },
                    "algorithms": HashAlgorithm.allCases.map(\.rawValue),
                ]
                if let parentId = request.uri.queryParameters.get("parent").map({ String($0) }),
                    Identifier.isPlausible(parentId),
                    let parent = try await store.exhibit(id: parentId, operationId: operation.id),
                    AccessPolicy.allows(actor, .readExhibit(parent.access), in: operation)
                {
                    values["parentNumber"] = parent.exhibitNumber
                    values["parentId"] = parent.id
                }
                values.merge(try await recordHandlingValues(nil, in: operation, actor: actor)) { _, new in new }
                return ("exhibit-form", "Record an exhibit", values)
            }
        }
        router.get("/operations/:operationId/exhibits/report") { _, context in
            try await operationPage(context, .viewIntelligence) { operation, actor in
                let held = try await store.exhibitsWithCustody(
                    operationId: operation.id, holderAgencyId: actor.agencyId, exhibitId: nil)
                let agencies = try await agencyDirectory()
                return (
                    "custody-report", "Chain of custody",
                    try await reportValues(
                        held, heading: "exhibits held by \(agencies[actor.agencyId]?.name ?? actor.agencyId)",
                        in: operation, actor: actor, context: context)
                )
            }
        }
        router.get("/operations/:operationId/exhibits/:exhibitId/report") { _, context in
            try await operationPage(context, .viewIntelligence) { operation, actor in
                let exhibit = try await readableExhibit(context, in: operation, actor: actor)
                let one = try await store.exhibitsWithCustody(
                    operationId: operation.id, holderAgencyId: actor.agencyId, exhibitId: exhibit.id)
                return (
                    "custody-report", "Chain of custody of \(exhibit.exhibitNumber)",
                    try await reportValues(
                        one, heading: "exhibit \(exhibit.exhibitNumber)", in: operation, actor: actor, context: context)
                )
            }
        }
        router.get("/operations/:operationId/exhibits/:exhibitId") { _, context in
            try await operationPage(context, .viewIntelligence) { operation, actor in
                let stored = try await readableExhibit(context, in: operation, actor: actor)
                let exhibit = try await ExhibitController.viewed([stored], by: actor, in: operation, store: store)[0]
                let entries = try await store.custodyEntries(exhibitId: exhibit.id, operationId: operation.id)
                let directory = try await exhibitDirectory(for: [exhibit], in: operation, actor: actor)
                var values = exhibitValues(
                    exhibit, entries: entries, in: operation, actor: actor, directory: directory)
                let agencies = directory.agencies
                let canAdd = AccessPolicy.allows(actor, .addCustody(stored.access), in: operation)
                values["canAdd"] = canAdd
                if canAdd {
                    // The entries the holder may correct: its own agency's, not corrections.
                    values["correctable"] = entries.filter { $0.agencyId == actor.agencyId && $0.kind != .correction }
                        .map { ["id": $0.id, "step": $0.position, "label": $0.kind.label] }
                    // Once in transit or out of custody, only a correction may follow.
                    let kinds: [CustodyKind] =
                        stored.transit != nil || stored.disposal != nil
                        ? [.correction]
                        : CustodyKind.allCases.filter { $0 != .seized && $0 != .received }
                    values["custodyKinds"] = kinds.map { ["value": $0.rawValue, "label": $0.label] }
                    values["receivers"] = operation.participants.filter {
                        $0.agencyId != stored.holderAgencyId
                            && AccessPolicy.mayReceiveIntelligence(agencyId: $0.agencyId, in: operation)
                    }.map { ["id": $0.agencyId, "name": agencies[$0.agencyId]?.name ?? $0.agencyId] }
                    values["instruments"] = directory.instruments.values.sorted { $0.createdAt < $1.createdAt }.map {
                        ["id": $0.id, "label": "\($0.kind.label) \($0.reference)"]
                    }
                }
                if let transit = stored.transit,
                    AccessPolicy.allows(
                        actor, .confirmReceipt(stored.access, receivingAgencyId: transit.toAgencyId), in: operation)
                {
                    values["canReceive"] = true
                    values["transitEntryId"] = transit.entryId
                }
                values["algorithms"] = HashAlgorithm.allCases.map(\.rawValue)
                if let action = directory.actions[exhibit.actionId] {
                    values["canDerive"] = AccessPolicy.allows(
                        actor, .recordExhibit(executingAgencyId: action.executingAgencyId), in: operation)
                }
                return ("exhibit", "Exhibit \(exhibit.exhibitNumber)", values)
            }
        }
    }

    /// The exhibit the path names, if `actor` may read it; as if it did not exist otherwise.
    private func readableExhibit(
        _ context: ConcertRequestContext, in operation: JointOperation, actor: Actor
    ) async throws -> Exhibit {
        let exhibitId = try context.parameters.requireIdentifier("exhibitId")
        guard let exhibit = try await store.exhibit(id: exhibitId, operationId: operation.id) else {
            throw AccessDenial.hidden("No such exhibit.")
        }
        try AccessPolicy.decide(actor, .readExhibit(exhibit.access), in: operation).get()
        return exhibit
    }

    /// The actions `actor` may record exhibits from: gone ahead, executed by their agency (any,
    /// for a lead coordinator), as the board shows them.
    private func seizableActions(in operation: JointOperation, for actor: Actor) async throws -> [Action] {
        let actions = try await store.actions(operationId: operation.id).filter {
            $0.maySeize
                && AccessPolicy.allows(actor, .recordExhibit(executingAgencyId: $0.executingAgencyId), in: operation)
        }
        return try await ActionController.boardView(of: actions, for: actor, in: operation, store: store)
    }

    /// What the exhibit pages name records by, read once for a page or a whole report.
    struct ExhibitDirectory {
        var agencies: [String: Agency]
        var instruments: [String: LegalInstrument]
        var users: [String: User]
        /// The actions, as the board shows them to the reader.
        var actions: [String: Action]
        /// The parents named, by id.
        var parents: [String: Exhibit]
    }

    /// Reads what the pages of `exhibits` name.
    private func exhibitDirectory(
        for exhibits: [Exhibit], in operation: JointOperation, actor: Actor
    ) async throws -> ExhibitDirectory {
        let actions = try await ActionController.boardView(
            of: try await store.actions(operationId: operation.id), for: actor, in: operation, store: store)
        var parents: [String: Exhibit] = [:]
        for parentId in Set(exhibits.compactMap(\.parentExhibitId)) {
            parents[parentId] = try await store.exhibit(id: parentId, operationId: operation.id)
        }
        return ExhibitDirectory(
            agencies: try await agencyDirectory(),
            instruments: Dictionary(
                uniqueKeysWithValues: try await store.instruments(operationId: operation.id).map { ($0.id, $0) }),
            users: Dictionary(uniqueKeysWithValues: try await store.users().map { ($0.id, $0) }),
            actions: Dictionary(uniqueKeysWithValues: actions.map { ($0.id, $0) }), parents: parents)
    }

    /// What the exhibit page and the report show of one exhibit and its chain.
    private func exhibitValues(
        _ exhibit: Exhibit, entries: [CustodyEntry], in operation: JointOperation, actor: Actor,
        directory: ExhibitDirectory
    ) -> [String: Any] {
        let (agencies, instruments, users) = (directory.agencies, directory.instruments, directory.users)
        func name(_ agencyId: String) -> String { agencies[agencyId]?.name ?? agencyId }
        let action = directory.actions[exhibit.actionId]
        var values: [String: Any] = [
            "operationId": operation.id, "codeName": operation.codeName, "id": exhibit.id,
            "number": exhibit.exhibitNumber, "kind": exhibit.kind.label, "description": exhibit.description,
            "seizingAgency": name(exhibit.seizingAgencyId),
            "seizedBy": users[exhibit.seizedByUserId]?.displayName ?? exhibit.seizedByUserId,
            "seizedUTC": Self.utc(exhibit.seizedAt),
            "seizedLocal": Self.local(exhibit.seizedAt, timeZone: exhibit.timeZone),
            "place": exhibit.place, "country": exhibit.country, "holder": name(exhibit.holderAgencyId),
            "actionTitle": action?.title ?? "—", "actionId": exhibit.actionId,
            "hashes": exhibit.hashes.map { ["algorithm": $0.algorithm.rawValue, "value": $0.value] },
            "hasHashes": !exhibit.hashes.isEmpty,
            "handling": exhibit.handling.rawValue + (exhibit.handlingRestriction.map { " (\($0))" } ?? ""),
            "evaluation": exhibit.evaluation.description,
            "distribution": {
                switch exhibit.distribution {
                case .allParticipants: "every participant"
                case .agencies(let ids): "for " + ids.map(name).joined(separator: ", ")
                }
            }(),
            "mismatch": exhibit.hashMismatchEntryId != nil,
        ]
        if let size = exhibit.sizeBytes {
            values["size"] = ByteCountFormatter.string(fromByteCount: size, countStyle: .binary) + " (\(size) bytes)"
        }
        if let tool = exhibit.imagingTool { values["tool"] = tool }
        if let instrument = exhibit.legalInstrumentId.flatMap({ instruments[$0] }) {
            values["instrument"] = "\(instrument.kind.label) \(instrument.reference)"
        }
        if let parentId = exhibit.parentExhibitId, let parent = directory.parents[parentId] {
            values["parentId"] = parent.id
            values["parent"] =
                AccessPolicy.allows(actor, .readExhibit(parent.access), in: operation)
                ? "\(parent.exhibitNumber) (\(parent.kind.label))" : "an exhibit you may not see"
        }
        if let transit = exhibit.transit {
            values["transit"] = [
                "from": name(transit.fromAgencyId), "to": name(transit.toAgencyId), "person": transit.toPerson ?? "",
                "sinceUTC": Self.utc(transit.since),
            ]
        }
        if let disposal = exhibit.disposal { values["disposal"] = disposal.label }
        let steps = Dictionary(uniqueKeysWithValues: entries.map { ($0.id, $0.position) })
        if let mismatch = exhibit.hashMismatchEntryId { values["mismatchStep"] = steps[mismatch] ?? 0 }
        values["entries"] = entries.map { entry -> [String: Any] in
            var details: [String] = []
            if entry.kind == .seized {
                let recorder = users[entry.userId]?.displayName ?? entry.userId
                details.append(
                    entry.agencyId == exhibit.seizingAgencyId
                        ? "Recorded by \(recorder)." : "Recorded by \(recorder) (\(name(entry.agencyId))).")
            }
            if let from = entry.fromAgencyId, let to = entry.toAgencyId {
                details.append(
                    "From \(name(from)) to \(name(to))" + (entry.toPerson.map { " (\($0))" } ?? "") + ".")
            }
            if let seal = entry.sealNumber { details.append("Seal \(seal).") }
            if let location = entry.location { details.append("Kept at \(location).") }
            if let instrument = entry.legalInstrumentId.flatMap({ instruments[$0] }) {
                details.append("Under \(instrument.kind.label) \(instrument.reference).")
            }
            if let confirmed = entry.confirms {
                details.append("Confirms the hand-over at entry \(steps[confirmed] ?? 0).")
            }
            if let corrected = entry.corrects { details.append("Corrects entry \(steps[corrected] ?? 0).") }
            if let note = entry.note { details.append(note) }
            var row: [String: Any] = [
                "id": entry.id, "step": entry.position, "label": entry.kind.label, "kindClass": entry.kind.rawValue,
                "recordedUTC": Self.utc(entry.recordedAt),
                // The seizure is the seizing agency's, whoever recorded it.
                "agency": name(entry.kind == .seized ? exhibit.seizingAgencyId : entry.agencyId), "details": details,
                "correctedBy": entries.filter { $0.corrects == entry.id }.map(\.position),
            ]
            if let check = entry.hashCheck {
                row["check"] = [
                    "algorithm": check.algorithm.rawValue, "bad": check.result == .mismatch,
                    "result": check.result == .matches
                        ? "matches the recorded hash" : "DOES NOT MATCH the recorded hash",
                ]
            }
            return row
        }
        return values
    }

    /// The printable report of `exhibits` with their chains.
    private func reportValues(
        _ exhibits: [(exhibit: Exhibit, custody: [CustodyEntry])], heading: String, in operation: JointOperation,
        actor: Actor, context: ConcertRequestContext
    ) async throws -> [String: Any] {
        let readable = exhibits.filter { AccessPolicy.allows(actor, .readExhibit($0.exhibit.access), in: operation) }
        let viewed = try await ExhibitController.viewed(
            readable.map(\.exhibit), by: actor, in: operation, store: store)
        let directory = try await exhibitDirectory(for: viewed, in: operation, actor: actor)
        let rows = zip(viewed, readable).map { exhibit, pair in
            exhibitValues(exhibit, entries: pair.custody, in: operation, actor: actor, directory: directory)
        }
        let agencies = directory.agencies
        return [
            "operationId": operation.id, "codeName": operation.codeName, "heading": heading, "exhibits": rows,
            "madeUTC": Self.utc(ConcertJSON.now()), "userName": context.user?.displayName ?? actor.userId,
            "agencyName": agencies[actor.agencyId]?.name ?? actor.agencyId,
        ]
    }

    /// The register's table of `exhibits`. Written by hand rather than through the template
    /// engine, as the plan is: a page of a hundred rows took the engine longer than the
    /// database took to find them. Every piece of text is escaped.
    static func exhibitTable(_ exhibits: [Exhibit], operationId: String, agencies: [String: Agency]) -> String {
        func escaped(_ text: String) -> String { SitrepDocument.escapeHTML(text) }
        func name(_ agencyId: String) -> String { escaped(agencies[agencyId]?.name ?? agencyId) }
        var html = """
            <table class="stack exhibits">
            <thead><tr><th>Number</th><th>Kind</th><th>Description</th><th>Seized</th><th>Held by</th>\
            <th>State</th></tr></thead>
            <tbody>

            """
        html.reserveCapacity(exhibits.count * 600)
        let operation = escaped(operationId)
        for exhibit in exhibits {
            let id = escaped(exhibit.id)
            html += "<tr data-exhibit=\"\(id)\"\(exhibit.hashMismatchEntryId == nil ? "" : #" class="alarm""#)>"
            html += "<td data-label=\"Number\"><a href=\"/operations/\(operation)/exhibits/\(id)\">"
            html += "\(escaped(exhibit.exhibitNumber))</a></td>"
            html += "<td data-label=\"Kind\">\(escaped(exhibit.kind.label))</td>"
            html += "<td data-label=\"Description\">\(escaped(exhibit.description))</td>"
            html +=
                "<td data-label=\"Seized\">\(name(exhibit.seizingAgencyId)) · \(Self.utc(exhibit.seizedAt)) UTC</td>"
            html += "<td data-label=\"Held by\">\(name(exhibit.holderAgencyId))</td>"
            html += "<td data-label=\"State\">\(escaped(Self.state(of: exhibit, agencies: agencies)))</td></tr>\n"
        }
        html += "</tbody>\n</table>"
        return html
    }

    /// An exhibit's state in a few words, for the register.
    static func state(of exhibit: Exhibit, agencies: [String: Agency]) -> String {
        var words: [String] = []
        if let transit = exhibit.transit {
            words.append("in transit to \(agencies[transit.toAgencyId]?.name ?? transit.toAgencyId)")
        }
        if exhibit.hashMismatchEntryId != nil { words.append("HASH MISMATCH") }
        if let disposal = exhibit.disposal { words.append(disposal.label.lowercased()) }
        return words.isEmpty ? "held" : words.joined(separator: " · ")
    }

    /// The kinds counted as people say them: `3 servers, 1 disk image`.
    static func kindsInWords(_ byKind: [String: Int]) -> String {
        let tally = ExhibitTally(totalByKind: byKind, inTransit: 0, hashMismatches: 0)
        return tally.total == 0 ? "none seized yet" : tally.seizedInWords
    }
}
