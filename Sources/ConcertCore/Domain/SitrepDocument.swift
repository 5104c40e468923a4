import Foundation

/// A sitrep written out for people: as Markdown to paste into a report, or as a standalone
/// HTML page to print or send. Both say the same thing in the same order.
public struct SitrepDocument: Sendable {
    public let sitrep: Sitrep
    /// The operation's code name.
    public let codeName: String
    /// Agency names by id, for the significant events.
    public let agencyNames: [String: String]

    /// Creates a document.
    public init(sitrep: Sitrep, codeName: String, agencyNames: [String: String]) {
        self.sitrep = sitrep
        self.codeName = codeName
        self.agencyNames = agencyNames
    }

    /// A file name such as `SPARKLER-sitrep-3.md`.
    public func fileName(extension fileExtension: String) -> String {
        let safeCodeName = codeName.unicodeScalars.map {
            CharacterSet.alphanumerics.contains($0) && $0.isASCII ? String($0) : "-"
        }.joined()
        return "\(safeCodeName)-sitrep-\(sitrep.number.map(String.init) ?? "draft").\(fileExtension)"
    }

    /// One section of the document: a heading and its lines.
    struct Section {
        var heading: String
        var paragraphs: [String] = []
        var items: [String] = []
        var table: (header: [String], rows: [[String]])?
    }

    var title: String { "\(codeName) — \(sitrep.heading)" }

    /// The document's sections, each time written by `time`.
    func sections(time: (Date) -> String) -> [Section] {
        var sections: [Section] = []
        var period = Section(heading: "Period")
        let end = time(sitrep.compiledAt)
        period.paragraphs.append(
            sitrep.periodStart.map { "From \(time($0)) to \(end)." }
                ?? "From the start of the operation to \(end).")
        if let approvedAt = sitrep.approvedAt {
            period.paragraphs.append("Approved at \(time(approvedAt)).")
        } else {
            period.paragraphs.append("Draft: not approved yet.")
        }
        sections.append(period)
        if !sitrep.summary.isEmpty {
            sections.append(
                Section(
                    heading: "Summary",
                    paragraphs: sitrep.summary.components(separatedBy: "\n\n").map(Self.oneLine).filter {
                        !$0.isEmpty
                    }))
        }
        let total = sitrep.counters.outcomes
        let new = sitrep.sincePrevious
        sections.append(
            Section(
                heading: "Results",
                table: (
                    ["", "Since the previous sitrep", "In all"],
                    [
                        ["Arrests", "\(new.arrests)", "\(total.arrests)"],
                        ["Servers taken down", "\(new.serversTakenDown)", "\(total.serversTakenDown)"],
                        ["Seizures", "\(new.seizures)", "\(total.seizures)"],
                    ]
                )))
        let statuses = ActionStatus.allCases.map(\.rawValue)
        var rows = sitrep.counters.actionsByCountry.sorted { $0.key < $1.key }.map { country, counts in
            [country] + statuses.map { "\(counts[$0] ?? 0)" }
        }
        rows.append(["All"] + statuses.map { "\(sitrep.counters.actionsByStatus[$0] ?? 0)" })
        sections.append(
            Section(heading: "Actions by country and status", table: (["Country"] + statuses.map(Wording.words), rows)))
        sections.append(
            Section(
                heading: "Actions finished since the previous sitrep",
                items: sitrep.outcomes.isEmpty
                    ? ["None."]
                    : sitrep.outcomes.map { outcome in
                        var line =
                            "\(outcome.country) · \(Self.oneLine(outcome.title)) — \(Wording.words(outcome.status.rawValue))"
                        if let result = outcome.outcome {
                            line += ": " + Wording.words(result.kind.rawValue)
                            if let count = result.count { line += " \(count)" }
                            if let description = result.description { line += " (\(Self.oneLine(description)))" }
                        }
                        return line
                    }))
        if let exhibits = sitrep.exhibits {
            var items = ["Seized since the previous sitrep: \(exhibits.seizedInWords)"]
            items.append("Recorded in all: \(exhibits.total).")
            if exhibits.inTransit > 0 { items.append("In transit, not yet received: \(exhibits.inTransit).") }
            if exhibits.hashMismatches > 0 {
                items.append("Hash re-check did not match: \(exhibits.hashMismatches). See the exhibit register.")
            }
            sections.append(Section(heading: "Exhibits", items: items))
        }
        sections.append(
            Section(
                heading: "Significant events",
                items: sitrep.significantEvents.isEmpty
                    ? ["None."]
                    : sitrep.significantEvents.map {
                        "\(time($0.postedAt)) · \(agencyNames[$0.agencyId] ?? $0.agencyId): "
                            + Self.oneLine($0.text)
                    }))
        sections.append(
            Section(
                heading: "Open problems",
                items: sitrep.openProblems.isEmpty ? ["None."] : sitrep.openProblems.map(Self.oneLine)))
        return sections
    }

    /// A time as the document writes it: `Thu 10 Dec 2026 04:00 UTC`.
    static func utc(_ date: Date) -> String { Wording.utc(date) + " UTC" }

    /// The sitrep as Markdown. Text people wrote is escaped so that it reads as they wrote it.
    public var markdown: String {
        var lines = ["# \(Self.escapeMarkdown(title))", ""]
        for section in sections(time: Self.utc) {
            lines.append("## \(section.heading)")
            lines.append("")
            for paragraph in section.paragraphs {
                lines.append(Self.escapeMarkdown(paragraph))
                lines.append("")
            }
            if let table = section.table {
                lines.append("| " + table.header.map(Self.escapeMarkdown).joined(separator: " | ") + " |")
                lines.append("|" + table.header.map { _ in " --- |" }.joined())
                for row in table.rows {
                    lines.append("| " + row.map(Self.escapeMarkdown).joined(separator: " | ") + " |")
                }
                lines.append("")
            }
            if !section.items.isEmpty {
                lines += section.items.map { "- " + Self.escapeMarkdown($0) }
                lines.append("")
            }
        }
        return lines.joined(separator: "\n")
    }

    /// The sitrep as a standalone HTML page, every piece of text escaped.
    public var html: String {
        """
        <!DOCTYPE html>
        <html lang="en">
        <head>
        <meta charset="utf-8">
        <title>\(Self.escapeHTML(title))</title>
        <style>
        body { font-family: system-ui, sans-serif; max-width: 60rem; margin: 2rem auto; line-height: 1.4; }
        table { border-collapse: collapse; } th, td { border: 1px solid #999; padding: 0.2rem 0.5rem; }
        td { text-align: right; }
        </style>
        </head>
        <body>
        \(htmlBody)</body>
        </html>

        """
    }

    /// The sitrep's content as HTML to place inside a page, every piece of text escaped. Each
    /// time is a `<time datetime>` in UTC, which a page can show in its reader's time too.
    public var htmlBody: String {
        // Times are marked while the sections are written and turned into elements once the
        // text around them is escaped; the marks are characters of Unicode's private use area.
        var times: [Date] = []
        let sections = sections { date in
            times.append(date)
            return "\u{E000}\(times.count - 1)\u{E001}"
        }
        func escaped(_ text: String) -> String {
            var html = ""
            var rest = Substring(Self.escapeHTML(text))
            while let open = rest.firstIndex(of: "\u{E000}"), let close = rest[open...].firstIndex(of: "\u{E001}") {
                html += rest[..<open]
                if let index = Int(rest[rest.index(after: open)..<close]), times.indices.contains(index) {
                    let date = times[index]
                    html +=
                        "<time class=\"utc\" datetime=\"\(ConcertJSON.formatTimestamp(date))\">\(Self.utc(date))</time>"
                }
                rest = rest[rest.index(after: close)...]
            }
            return html + rest
        }
        var body = "<h1>\(Self.escapeHTML(title))</h1>\n"
        for section in sections {
            body += "<h2>\(Self.escapeHTML(section.heading))</h2>\n"
            for paragraph in section.paragraphs { body += "<p>\(escaped(paragraph))</p>\n" }
            if let table = section.table {
                body += "<table>\n<thead><tr>"
                body += table.header.map { "<th scope=\"col\">\(Self.escapeHTML($0))</th>" }.joined()
                body += "</tr></thead>\n<tbody>\n"
                for row in table.rows {
                    body += "<tr><th scope=\"row\">\(Self.escapeHTML(row[0]))</th>"
                    body += row.dropFirst().map { "<td>\(Self.escapeHTML($0))</td>" }.joined() + "</tr>\n"
                }
                body += "</tbody>\n</table>\n"
            }
            if !section.items.isEmpty {
                body += "<ul>\n" + section.items.map { "<li>\(escaped($0))</li>\n" }.joined() + "</ul>\n"
            }
        }
        return body
    }

    /// Text on one line, for list items and table cells.
    static func oneLine(_ text: String) -> String {
        text.split(whereSeparator: \.isNewline).map { $0.trimmingCharacters(in: .whitespaces) }.joined(
            separator: " "
        ).trimmingCharacters(in: .whitespaces)
    }

    /// Escapes the characters Markdown would read as markup.
    public static func escapeMarkdown(_ text: String) -> String {
        var escaped = ""
        for character in text {
            if "\\`*_[]<>#|~".contains(character) { escaped.append("\\") }
            escaped.append(character)
        }
        return escaped
    }

    /// Escapes text for HTML content and attribute values.
    public static func escapeHTML(_ text: String) -> String {
        // Scalar by scalar: a quote followed by a combining mark is one Character, which is not
        // a quote for Swift, and would have closed an attribute in the browser.
        var escaped = String.UnicodeScalarView()
        for scalar in text.unicodeScalars {
            switch scalar {
            case "&": escaped.append(contentsOf: "&amp;".unicodeScalars)
            case "<": escaped.append(contentsOf: "&lt;".unicodeScalars)
            case ">": escaped.append(contentsOf: "&gt;".unicodeScalars)
            case "\"": escaped.append(contentsOf: "&quot;".unicodeScalars)
            case "'": escaped.append(contentsOf: "&#39;".unicodeScalars)
            default: escaped.append(scalar)
            }
        }
        return String(escaped)
    }

}
