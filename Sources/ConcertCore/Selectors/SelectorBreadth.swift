/// Refusing identifiers too wide to be one: a selector that covers everyone would hit every
/// other operation's selectors and tell its recorder who holds what.
extension Selector {
    /// Refuses a selector that does not identify one thing but a crowd, as `limits` set it:
    ///
    /// - a CIDR block wider than the installation allows for its family (`0.0.0.0/0`, `::/0`,
    ///   by default anything wider than /16 for IPv4 and /32 for IPv6);
    /// - a domain that is a public suffix (`co.uk`, `com.cy`, `github.io`) or the root, a URL
    ///   whose host is one, an e-mail address whose domain is one (`a@co.uk`);
    /// - a value that holds a wildcard-like character (`*`, `%`, `?`) in a domain, a URL's
    ///   host, an e-mail address or a person's name;
    /// - a person's name with fewer than two letters.
    ///
    /// - Throws: ``DomainError/invalid(_:field:)`` naming the value, for the field `value`
    ///   (`value.name` for a person's name).
    public func checkBreadth(_ limits: SelectorLimits) throws(DomainError) {
        try Self.refuseWildcards(kind: kind, value: value)
        try checkWidth(limits)
    }

    /// ``checkBreadth(_:)`` without the wildcard characters, which
    /// ``SelectorInput/normalised(defaultCountry:limits:)`` looks for before normalising.
    func checkWidth(_ limits: SelectorLimits) throws(DomainError) {
        let written = value.written
        switch kind {
        case .cidr:
            guard let block = CIDRBlock(matchKey) else { return }
            let bitWidth = block.network.bitWidth
            let minimum = limits.minimumPrefixLength(bitWidth: bitWidth)
            guard block.prefixLength < minimum else { return }
            let family = bitWidth == 32 ? "IPv4" : "IPv6"
            throw .invalid(
                "'\(written)' covers \(Self.addressCount(bitWidth - block.prefixLength)): an \(family) CIDR block "
                    + "wider than /\(minimum) covers more than \(Self.addressCount(bitWidth - minimum)) and "
                    + "identifies no one; record the narrower blocks you mean.",
                field: "value")
        case .domain:
            if matchKey.isEmpty {
                throw .invalid(
                    "'\(written)' is the root of the DNS, above every domain name, so it identifies no one; "
                        + "record the domain you mean, such as example.com.",
                    field: "value")
            }
            if limits.publicSuffixes.isPublicSuffix(matchKey) {
                throw .invalid(
                    "'\(written)' is a public suffix, a name under which anyone may register domains, so it "
                        + "identifies no one; record the registered domain you mean, such as example.\(matchKey).",
                    field: "value")
            }
        case .url:
            let host = Self.host(ofURL: matchKey)
            let name = String(host.prefix { $0 != ":" })
            guard !host.hasPrefix("["), IPAddress(name) == nil else { return }
            if limits.publicSuffixes.isPublicSuffix(name) {
                throw .invalid(
                    "'\(written)' has the host '\(name)', a public suffix under which anyone may register "
                        + "domains, so it identifies no one; record the URL on the registered domain you mean.",
                    field: "value")
            }
        case .email:
            guard let at = matchKey.lastIndex(of: "@") else { return }
            let domain = String(matchKey[matchKey.index(after: at)...])
            if limits.publicSuffixes.isPublicSuffix(domain) {
                throw .invalid(
                    "'\(written)' has the domain '\(domain)', a public suffix under which anyone may register "
                        + "domains, so it is no one's mailbox; record the address you mean in full.",
                    field: "value")
            }
        case .person:
            guard case .person(let person) = value else { return }
            var letters = 0
            for character in person.name where character.isLetter {
                letters += 1
                if letters == 2 { return }
            }
            throw .invalid(
                "'\(person.name)' has fewer than two letters, too few to tell one person from another; "
                    + "record the name in full.",
                field: "value.name")
        case .ip, .phone, .wallet:
            return
        }
    }

    /// The first of the characters that some search, export or pattern language reads as
    /// "anything" (`*`, `%`, `?`) in `text`. They are ASCII, so their bytes are looked for: a
    /// check of many selectors would spend microseconds on each comparing characters.
    private static func firstWildcard(in text: some StringProtocol) -> Character? {
        text.utf8.first { $0 == UInt8(ascii: "*") || $0 == UInt8(ascii: "%") || $0 == UInt8(ascii: "?") }
            .map { Character(Unicode.Scalar($0)) }
    }

    /// Refuses a wildcard-like character in a domain, a URL's host, an e-mail address or a
    /// person's name, as written or normalised.
    static func refuseWildcards(kind: SelectorKind, value: SelectorValue) throws(DomainError) {
        switch (kind, value) {
        case (.domain, .text(let text)), (.email, .text(let text)):
            guard let wildcard = firstWildcard(in: text) else { return }
            let noun = kind == .domain ? "domain" : "e-mail address"
            throw .invalid(
                "'\(text.trimmingWhitespace())' holds '\(wildcard)', which reads as a wildcard; a selector names "
                    + "one \(noun) exactly, so record each \(noun) you mean in full.",
                field: "value")
        case (.url, .text(let text)):
            guard let wildcard = firstWildcard(in: host(ofURL: text.trimmingWhitespace())) else {
                return
            }
            throw .invalid(
                "'\(text.trimmingWhitespace())' holds '\(wildcard)' in its host, which reads as a wildcard; a "
                    + "selector names one URL exactly, so record each URL you mean in full.",
                field: "value")
        case (.person, .person(let person)):
            guard let wildcard = firstWildcard(in: person.name) else { return }
            throw .invalid(
                "'\(person.name.trimmingWhitespace())' holds '\(wildcard)', which reads as a wildcard; a person "
                    + "selector names one person, so record the name in full as it is written.",
                field: "value.name")
        default:
            return
        }
    }

    /// The host of a URL, written or normalised, with its port: what lies after the scheme and
    /// the user information and before the path, query or fragment.
    static func host(ofURL text: String) -> Substring {
        var rest = Substring(text)
        if let range = rest.range(of: "://") { rest = rest[range.upperBound...] }
        rest = rest.prefix { $0 != "/" && $0 != "?" && $0 != "#" }
        if let at = rest.lastIndex(of: "@") { rest = rest[rest.index(after: at)...] }
        return rest
    }

    /// "65,536 addresses" for 16 bits; "2^96 addresses" when the number has too many digits to read.
    static func addressCount(_ bits: Int) -> String {
        guard bits > 0 else { return "1 address" }
        guard bits <= 48 else { return "2^\(bits) addresses" }
        var digits = String(1 << bits)
        var grouped = ""
        while digits.count > 3 {
            grouped = "," + digits.suffix(3) + grouped
            digits.removeLast(3)
        }
        return digits + grouped + " addresses"
    }
}
