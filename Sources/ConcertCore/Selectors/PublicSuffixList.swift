import Foundation

/// Why a file could not be used as the Public Suffix List, in a sentence an operator understands.
public struct PublicSuffixListError: Error, Equatable, Sendable, CustomStringConvertible {
    /// What is wrong and how to fix it.
    public let message: String

    /// Creates an error.
    public init(_ message: String) {
        self.message = message
    }

    public var description: String { message }
}

/// The Public Suffix List (<https://publicsuffix.org/list/>): the names under which anyone may
/// register a domain (`com`, `co.uk`, `com.cy`, `github.io`), which therefore identify no one.
///
/// Rules are kept in a tree of labels read from the right, so a lookup costs one dictionary
/// access per label of the name, whatever the size of the list. Rules written in Unicode
/// (`公司.cn`) are held as the A-labels ``DomainName/normalise(_:)`` produces
/// (`xn--55qx5d.cn`), so they match normalised names. The ICANN and the PRIVATE sections
/// both count.
public struct PublicSuffixList: Sendable {
    /// One label of the tree: the rules that end here, and the labels to its left.
    private struct Node: Sendable {
        /// The labels that may stand left of this one; `*` is a wildcard rule's label.
        var children: [String: Int] = [:]
        /// A normal or wildcard rule ends at this label.
        var isRule = false
        /// An exception rule (`!www.ck`) ends at this label.
        var isException = false
    }

    /// `nodes[0]` is the root, right of the top-level labels.
    private let nodes: [Node]

    /// How many rules the list holds (normal, wildcard and exception rules).
    public let ruleCount: Int

    /// The list that ships with Concert (Debian's `publicsuffix` package), read once on first use.
    public static let shipped: PublicSuffixList = {
        guard let url = shippedURL else {
            fatalError("ConcertCore's resources hold no public_suffix_list.dat; the build is incomplete.")
        }
        do throws(PublicSuffixListError) {
            return try PublicSuffixList(contentsOf: url)
        } catch {
            fatalError("The Public Suffix List shipped with Concert cannot be used: \(error.message)")
        }
    }()

    /// Where ConcertCore's resources hold the shipped list.
    static var shippedURL: URL? { Bundle.module.url(forResource: "public_suffix_list", withExtension: "dat") }

    /// Reads a list in the Public Suffix List format from a file, such as a newer copy of
    /// <https://publicsuffix.org/list/public_suffix_list.dat> that the installation names.
    ///
    /// - Throws: when the file cannot be read, is not UTF-8 text, has a line that is not a rule,
    ///   or holds no rules.
    public init(contentsOf url: URL) throws(PublicSuffixListError) {
        let data: Data
        do {
            data = try Data(contentsOf: url)
        } catch {
            throw PublicSuffixListError(
                "The public suffix list '\(url.path)' cannot be read: \(error.localizedDescription)")
        }
        guard let text = String(data: data, encoding: .utf8) else {
            throw PublicSuffixListError(
                "'\(url.path)' is not a Public Suffix List: it is not UTF-8 text. "
                    + "Use a copy of https://publicsuffix.org/list/public_suffix_list.dat.")
        }
        try self.init(parsing: text, source: "'\(url.path)'")
    }

    /// Parses text in the Public Suffix List format.
    ///
    /// Each line is read up to its first whitespace; lines starting with `//` are comments and
    /// empty lines are skipped. A rule is a domain name (`co.uk`), a wildcard rule (`*.ck`: every
    /// name one label below `ck`) or an exception rule (`!www.ck`: not a suffix despite a wildcard).
    ///
    /// - Parameter source: how to name the text in an error, such as the path of its file.
    /// - Throws: when a line is not a rule, or when there are no rules.
    public init(parsing text: String, source: String = "The text") throws(PublicSuffixListError) {
        var nodes = [Node()]
        var ruleCount = 0
        var lineNumber = 0
        // Any line ending (`\r\n` is one character); a byte order mark before the first line is no rule.
        for rawLine in text.split(omittingEmptySubsequences: false, whereSeparator: \.isNewline) {
            lineNumber += 1
            let line = rawLine.drop { $0.isWhitespace || $0 == "\u{FEFF}" }.prefix { !$0.isWhitespace }
            if line.isEmpty || line.hasPrefix("//") { continue }
            guard let (labels, isException) = Self.ruleLabels(line) else {
                throw PublicSuffixListError(
                    "\(source) is not a Public Suffix List: line \(lineNumber), '\(line)', is not a rule "
                        + "such as 'co.uk', '*.ck' or '!www.ck'.")
            }
            var index = 0
            for label in labels.reversed() {
                if let child = nodes[index].children[label] {
                    index = child
                } else {
                    nodes.append(Node())
                    nodes[index].children[label] = nodes.count - 1
                    index = nodes.count - 1
                }
            }
            if isException { nodes[index].isException = true } else { nodes[index].isRule = true }
            ruleCount += 1
        }
        guard ruleCount > 0 else {
            throw PublicSuffixListError(
                "\(source) is not a Public Suffix List: it holds no rules. "
                    + "Use a copy of https://publicsuffix.org/list/public_suffix_list.dat.")
        }
        self.nodes = nodes
        self.ruleCount = ruleCount
    }

    /// The labels of one rule in normalised form, and whether it is an exception; nil when the
    /// line is not a rule.
    private static func ruleLabels(_ line: Substring) -> (labels: [String], isException: Bool)? {
        let isException = line.hasPrefix("!")
        let body = String(isException ? line.dropFirst() : line)
        let isASCII = body.utf8.allSatisfy { $0 < 0x80 }
        let name = DomainName.folded(body, isASCII: isASCII)
        var labels: [String] = []
        for label in name.split(separator: ".", omittingEmptySubsequences: false) {
            if label == "*" && !isException {
                labels.append("*")
                continue
            }
            guard !label.isEmpty, let ascii = try? DomainName.asciiLabel(String(label), in: body) else { return nil }
            labels.append(ascii)
        }
        return (labels, isException)
    }

    /// Whether `domain` is itself a public suffix: a name under which anyone may register one.
    ///
    /// `com`, `co.uk`, `com.cy`, `github.io` and `anything.ck` (wildcard `*.ck`) are; `example.co.uk`
    /// and `www.ck` (exception `!www.ck`) are not. As the list's algorithm has it, a single label
    /// that no rule names is a suffix too (the implicit rule `*`), and so is the root (an empty name).
    ///
    /// - Parameter domain: a name normalised by ``DomainName/normalise(_:)``: lower case,
    ///   A-labels, no trailing dot.
    public func isPublicSuffix(_ domain: String) -> Bool {
        guard !domain.isEmpty else { return true }
        // The name is a suffix when a rule covers all its labels (for a single label, the
        // implicit rule `*` does) and no exception rule matches it: an exception takes
        // precedence and leaves a shorter suffix.
        var match = Match()
        walk(domain, upTo: domain.endIndex, node: 0, into: &match)
        let isSingleLabel = !domain.utf8.contains(UInt8(ascii: "."))
        return (match.coversAll || isSingleLabel) && !match.exception
    }

    /// What the rules matching one name say.
    private struct Match {
        /// A normal or wildcard rule matches every label of the name.
        var coversAll = false
        /// An exception rule matches the name or a suffix of it.
        var exception = false
    }

    /// Follows the rules that match the label of `domain` that ends at `end`, and the labels
    /// left of it, below `node`. Reads the name's bytes in place: no array of labels is made.
    private func walk(_ domain: String, upTo end: String.Index, node: Int, into match: inout Match) {
        let utf8 = domain.utf8
        var start = end
        while start > utf8.startIndex {
            let before = utf8.index(before: start)
            if utf8[before] == UInt8(ascii: ".") { break }
            start = before
        }
        let label = domain[start..<end]
        let next: String.Index? = start > utf8.startIndex ? utf8.index(before: start) : nil
        let children = nodes[node].children
        if let child = children[String(label)] {
            visit(child, domain, next, &match)
        }
        if label != "*", let child = children["*"] {
            visit(child, domain, next, &match)
        }
    }

    /// Notes what the rule ending at `child` says, and goes on to the label ending at `next`
    /// (the dot before it), if there is one.
    private func visit(_ child: Int, _ domain: String, _ next: String.Index?, _ match: inout Match) {
        if nodes[child].isException { match.exception = true }
        if let next {
            walk(domain, upTo: next, node: child, into: &match)
        } else if nodes[child].isRule {
            match.coversAll = true
        }
    }
}
