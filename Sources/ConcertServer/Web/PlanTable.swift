import ConcertCore
import Foundation

extension WebController {
    /// The table of an action plan as `actor` may see it (the actions already in its view):
    /// planned time in UTC, at the place and for the viewer, gates with what the actor may
    /// check, and a warning where an action goes ahead while its instrument is not issued.
    ///
    /// Written by hand rather than through the template engine: a large action day's plan has a
    /// thousand rows, which the engine took a fifth of a second to fill. Every piece of text is
    /// escaped. Its cells carry no `data-label`: on a phone the style sheet names them by their
    /// place in the row, which keeps a thousand rows a quarter lighter.
    func planTable(
        _ actions: [Action], in operation: JointOperation, actor: Actor,
        instruments instrumentsById: [String: LegalInstrument], canPlan: Bool,
        agencyName: (String) -> String
    ) -> String {
        func escaped(_ text: String) -> String { SitrepDocument.escapeHTML(text) }
        var html = """
            <table class="plan stack" data-operation="\(escaped(operation.id))">
            <thead><tr><th>H±</th><th>Planned (UTC)</th><th>Local time at the place</th><th>Your time</th>\
            <th>Action</th><th>Executing agency</th><th>Place</th><th>Legal instrument</th><th>Gates</th>\
            <th>Status</th></tr></thead>
            <tbody>

            """
        html.reserveCapacity(actions.count * 700)
        let operationId = escaped(operation.id)
        for action in actions {
            let canCheck = AccessPolicy.allows(
                actor, .checkGate(executingAgencyId: action.executingAgencyId), in: operation)
            let id = escaped(action.id)
            let title = escaped(action.title)
            html += "<tr data-action=\"\(id)\"><td class=\"offset\">\(escaped(action.offsetLabel))</td>"
            if let start = action.plannedStart(hHour: operation.hHour) {
                let utc = Self.utc(start)
                html += "<td>\(utc)</td>"
                html += "<td>\(escaped(Self.local(start, timeZone: action.timeZone)))</td>"
                html +=
                    "<td><time class=\"local\" datetime=\"\(ConcertJSON.formatTimestamp(start))\">\(utc)</time></td>"
            } else {
                html += "<td>H-hour not set</td>"
                html += "<td>\(escaped(action.timeZone))</td><td></td>"
            }
            html +=
                "<td><span class=\"tag\">\(escaped(Self.words(action.kind.rawValue)))</span> <span class=\"action-title\">\(title)</span>"
            if canPlan {
                html +=
                    " <a href=\"/operations/\(operationId)/actions/\(id)/edit\">Change</a>"
                if [.planned, .ready].contains(action.status) {
                    // A row's id and the table's operation name what it deletes (forms.js): a
                    // thousand rows carry no thousand copies of the route and the question.
                    html += " <button type=\"button\" class=\"remove-action\">Delete</button>"
                }
            }
            html += "</td><td>\(escaped(agencyName(action.executingAgencyId)))</td>"
            html += "<td>\(escaped(action.place)) (\(escaped(action.country)))</td>"
            let instrument = action.legalInstrumentId.flatMap { instrumentsById[$0] }
            html += "<td>"
            if let instrument {
                html += escaped("\(instrument.kind.label) (\(instrument.status.rawValue))")
                // An action that goes ahead without its instrument issued is flagged where it is planned.
                if [.ready, .go, .inProgress, .done].contains(action.status),
                    ![.issued, .executed].contains(instrument.status)
                {
                    html +=
                        "<br><strong class=\"warning\">\(escaped(Self.words(action.status.rawValue).capitalized)) while the instrument is \(instrument.status.rawValue), not issued</strong>"
                }
            }
            html += "</td><td><ul class=\"gates\">"
            for gate in action.gates ?? [] {
                html +=
                    "<li class=\"\(gate.checked ? "checked" : "")\">\(gate.checked ? "✔" : "○") \(escaped(gate.title))"
                if canCheck {
                    html +=
                        " <button type=\"button\" data-call=\"/api/v1/operations/\(operationId)/actions/\(id)/gates/\(escaped(gate.id))\" data-body='{\"checked\":\(!gate.checked)}' data-then=\"reload\">\(gate.checked ? "Uncheck" : "Check")</button>"
                }
                html += "</li>"
            }
            html += "</ul></td><td><span class=\"status status-\(action.status.rawValue)\">"
            html += escaped(Self.words(action.status.rawValue)) + "</span>"
            if let outcome = action.outcome {
                let words = [Self.words(outcome.kind.rawValue), outcome.count.map(String.init), outcome.description]
                    .compactMap { $0 }.joined(separator: " · ")
                html += "<br><span class=\"muted\">\(escaped(words))</span>"
            }
            html += "</td></tr>\n"
        }
        return html + "</tbody>\n</table>"
    }
}
