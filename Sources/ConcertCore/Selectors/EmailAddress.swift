/// E-mail normalisation: the domain part folded like a domain name, the local part kept as written.
public enum EmailAddress {
    /// Normalises `Name.Surname@Example.COM` to `Name.Surname@example.com`.
    ///
    /// Accepts a `mailto:` prefix and angle brackets; the local part keeps its case, since
    /// only the receiving server may decide that two local parts are the same mailbox.
    public static func normalise(_ text: String) throws(DomainError) -> String {
        var address = text.trimmingWhitespace()
        if address.lowercased().hasPrefix("mailto:") { address.removeFirst(7) }
        if address.hasPrefix("<") && address.hasSuffix(">") { address = String(address.dropFirst().dropLast()) }
        guard let at = address.lastIndex(of: "@") else {
            throw .invalid("'\(text)' is not an e-mail address: it has no '@'.")
        }
        let local = address[..<at]
        let domainPart = String(address[address.index(after: at)...])
        guard !local.isEmpty, local.utf8.count <= 64 else {
            throw .invalid("'\(text)' is not an e-mail address: the part before '@' must have 1 to 64 characters.")
        }
        guard !local.contains(where: { $0.isWhitespace || $0 == "<" || $0 == ">" || $0 == "," || $0 == ";" }),
            !local.hasPrefix("."), !local.hasSuffix("."),
            !zip(local.utf8, local.utf8.dropFirst()).contains(where: {
                $0 == UInt8(ascii: ".") && $1 == UInt8(ascii: ".")
            })
        else {
            throw .invalid("'\(text)' is not an e-mail address: the part before '@' has characters it cannot hold.")
        }
        let domain: String
        do {
            domain = try DomainName.normalise(domainPart)
        } catch {
            throw .invalid("'\(text)' is not an e-mail address: \(error.message)")
        }
        return local + "@" + domain
    }
}
