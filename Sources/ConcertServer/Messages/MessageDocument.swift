import ConcertCore
import Foundation

/// A message exported as Markdown, with its handling stated first and, for H1 records, the
/// "not for judicial use" marking at the top and the bottom.
enum MessageDocument {
    static func markdown(_ view: MessageView, codeName: String, agencyName: (String) -> String) -> String {
        let escape = SitrepDocument.escapeMarkdown
        var lines: [String] = []
        if view.notForJudicialUse { lines += ["**\(Message.notForJudicialUse)**", ""] }
        lines += [
            "# \(escape(view.subject))",
            "",
            "- Operation: \(escape(codeName))",
            "- From: \(escape(agencyName(view.originatorAgencyId)))",
            "- Sent: \(ConcertJSON.formatTimestamp(view.sentAt))",
            "- Handling: \(view.handling.rawValue): \(escape(view.handlingNotice))"
                + (view.handlingRestriction.map { " Restriction: \(escape($0))" } ?? ""),
            "- Evaluation: \(view.evaluation)",
            "- Distribution: "
                + {
                    switch view.distribution {
                    case .allParticipants: "all participants"
                    case .agencies(let ids): ids.map { escape(agencyName($0)) }.joined(separator: ", ")
                    }
                }(),
        ]
        if !view.attachments.isEmpty {
            lines.append("- Attachments:")
            for attachment in view.attachments {
                lines.append(
                    "  - \(escape(attachment.fileName)) (\(attachment.size) bytes, SHA-256 \(attachment.sha256))")
            }
        }
        // The body is the sender's own Markdown; it is exported as written.
        lines += ["", view.body ?? "", ""]
        if view.notForJudicialUse { lines += ["**\(Message.notForJudicialUse)**", ""] }
        return lines.joined(separator: "\n")
    }
}
