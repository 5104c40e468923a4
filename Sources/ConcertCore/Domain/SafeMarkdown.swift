/// Renders the simple Markdown of message bodies as HTML that cannot carry markup of its own.
///
/// Safe by construction: every character of the text is escaped before any tag is added, and
/// the only tags are the renderer's own (`p`, `br`, `h3`–`h5`, `ul`, `ol`, `li`, `pre`, `code`,
/// `strong`, `em`, `a`). Links are kept only for `https:`, `http:` and `mailto:` addresses and
/// open as plain links without the page's context. Raw HTML in a body is shown as text.
public enum SafeMarkdown {
    /// The HTML of `text`.
    public static func html(_ text: String) -> String {
        var output = ""
        var paragraph: [String] = []
        var list: (ordered: Bool, items: [String])?
        var code: [String]?

        func flushParagraph() {
            guard !paragraph.isEmpty else { return }
            output += "<p>" + paragraph.map(inline).joined(separator: "<br>") + "</p>\n"
            paragraph = []
        }
        func flushList() {
            guard let current = list else { return }
            let tag = current.ordered ? "ol" : "ul"
            output += "<\(tag)>" + current.items.map { "<li>" + inline($0) + "</li>" }.joined() + "</\(tag)>\n"
            list = nil
        }

        for rawLine in text.split(separator: "\n", omittingEmptySubsequences: false) {
            let line = rawLine.hasSuffix("\r") ? String(rawLine.dropLast()) : String(rawLine)
            let trimmed = line.trimmingWhitespace()
            if var lines = code {
                if trimmed.hasPrefix("```") {
                    output +=
                        "<pre><code>" + SitrepDocument.escapeHTML(lines.joined(separator: "\n")) + "</code></pre>\n"
                    code = nil
                } else {
                    lines.append(line)
                    code = lines
                }
                continue
            }
            if trimmed.hasPrefix("```") {
                flushParagraph()
                flushList()
                code = []
            } else if trimmed.isEmpty {
                flushParagraph()
                flushList()
            } else if let level = headingLevel(trimmed) {
                flushParagraph()
                flushList()
                let title = String(trimmed.drop(while: { $0 == "#" })).trimmingWhitespace()
                output += "<h\(level + 2)>" + inline(title) + "</h\(level + 2)>\n"
            } else if let item = listItem(trimmed) {
                flushParagraph()
                if let current = list, current.ordered != item.ordered { flushList() }
                list = (item.ordered, (list?.items ?? []) + [item.text])
            } else {
                flushList()
                paragraph.append(trimmed)
            }
        }
        if let lines = code {
            output += "<pre><code>" + SitrepDocument.escapeHTML(lines.joined(separator: "\n")) + "</code></pre>\n"
        }
        flushParagraph()
        flushList()
        return output
    }

    /// `#`, `##` or `###` followed by a space: the heading's level.
    private static func headingLevel(_ line: String) -> Int? {
        let hashes = line.prefix(while: { $0 == "#" }).count
        guard (1...3).contains(hashes), line.dropFirst(hashes).first == " " else { return nil }
        return hashes
    }

    /// `- item`, `* item` or `1. item`.
    private static func listItem(_ line: String) -> (ordered: Bool, text: String)? {
        if line.hasPrefix("- ") || line.hasPrefix("* ") { return (false, String(line.dropFirst(2))) }
        let digits = line.prefix(while: \.isASCIIDigit)
        if !digits.isEmpty, digits.count <= 3, line.dropFirst(digits.count).hasPrefix(". ") {
            return (true, String(line.dropFirst(digits.count + 2)))
        }
        return nil
    }

    /// Inline markup of one line: `code`, **strong**, *emphasis*, [text](address).
    static func inline(_ line: String) -> String {
        var output = ""
        var rest = Substring(line)
        while let character = rest.first {
            if character == "`", let end = rest.dropFirst().firstIndex(of: "`") {
                output +=
                    "<code>" + SitrepDocument.escapeHTML(String(rest[rest.index(after: rest.startIndex)..<end]))
                    + "</code>"
                rest = rest[rest.index(after: end)...]
            } else if rest.hasPrefix("**"), let end = rest.dropFirst(2).range(of: "**"),
                end.lowerBound > rest.index(rest.startIndex, offsetBy: 2)
            {
                output +=
                    "<strong>" + inline(String(rest[rest.index(rest.startIndex, offsetBy: 2)..<end.lowerBound]))
                    + "</strong>"
                rest = rest[end.upperBound...]
            } else if character == "*", let end = rest.dropFirst().firstIndex(of: "*"),
                end > rest.index(after: rest.startIndex)
            {
                output += "<em>" + inline(String(rest[rest.index(after: rest.startIndex)..<end])) + "</em>"
                rest = rest[rest.index(after: end)...]
            } else if character == "[", let link = link(at: rest) {
                output += link.html
                rest = link.rest
            } else {
                output += SitrepDocument.escapeHTML(String(character))
                rest = rest.dropFirst()
            }
        }
        return output
    }

    /// `[text](address)` at the start of `text`, when the address is a web or mail address.
    private static func link(at text: Substring) -> (html: String, rest: Substring)? {
        guard let closing = text.firstIndex(of: "]"), text[text.index(after: closing)...].hasPrefix("("),
            let end = text[closing...].firstIndex(of: ")")
        else { return nil }
        let label = text[text.index(after: text.startIndex)..<closing]
        let address = String(text[text.index(closing, offsetBy: 2)..<end]).trimmingWhitespace()
        let lowered = address.lowercased()
        guard !label.isEmpty,
            lowered.hasPrefix("https://") || lowered.hasPrefix("http://") || lowered.hasPrefix("mailto:"),
            !address.contains(where: { $0.isWhitespace || $0 == "\"" || $0 == "<" || $0 == ">" })
        else { return nil }
        let html =
            "<a href=\"\(SitrepDocument.escapeHTML(address))\" rel=\"noopener noreferrer nofollow\">"
            + inline(String(label)) + "</a>"
        return (html, text[text.index(after: end)...])
    }
}
