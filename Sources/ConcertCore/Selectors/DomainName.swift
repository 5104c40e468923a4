import Foundation

/// Domain-name normalisation: case, trailing dot, Unicode (IDNA) labels to their `xn--` form.
public enum DomainName {
    /// The dots that IDNA treats as label separators (full stop, ideographic and full-width ones).
    private static let dotVariants: [Character] = ["\u{3002}", "\u{FF0E}", "\u{FF61}"]

    /// Normalises a domain name to lower-case ASCII (A-labels), without a trailing dot.
    ///
    /// `Example.COM.` → `example.com`; `Bücher.de` → `xn--bcher-kva.de`. Needs at least two labels.
    public static func normalise(_ text: String) throws(DomainError) -> String {
        var name = text.trimmingWhitespace()
        if name.contains("/" as Character) {
            throw .invalid("'\(text)' looks like a URL; record it with the selector kind 'url'.")
        }
        if name.contains("@" as Character) {
            throw .invalid("'\(text)' looks like an e-mail address; record it with the selector kind 'email'.")
        }
        // ASCII has no dot variants and is its own compatibility form.
        let isASCII = name.utf8.allSatisfy { $0 < 0x80 }
        if !isASCII {
            for variant in dotVariants { name = name.replacingOccurrences(of: String(variant), with: ".") }
        }
        if name.hasSuffix(".") { name.removeLast() }
        name = folded(name, isASCII: isASCII)
        guard !name.isEmpty, name.utf8.count <= 253 * 4 else {
            throw .invalid("'\(text)' is not a domain name.")
        }
        let labels = name.split(separator: ".", omittingEmptySubsequences: false)
        guard labels.count >= 2 else {
            throw .invalid("'\(text)' is not a full domain name; it needs at least two labels, such as example.com.")
        }
        var asciiLabels: [String] = []
        for label in labels {
            asciiLabels.append(try asciiLabel(String(label), in: text))
        }
        let result = asciiLabels.joined(separator: ".")
        guard result.utf8.count <= 253 else {
            throw .invalid("'\(text)' is longer than the 253 characters a domain name may have.")
        }
        if IPAddress(result) != nil || labels.last!.allSatisfy(\.isASCIIDigit) {
            throw .invalid("'\(text)' is an IP address; record it with the selector kind 'ip'.")
        }
        return result
    }

    /// Lower case in Unicode compatibility form (NFKC), as IDNA maps a name before encoding it.
    static func folded(_ name: String, isASCII: Bool) -> String {
        (isASCII ? name : name.precomposedStringWithCompatibilityMapping).lowercased()
    }

    /// One folded label as an A-label (`bücher` → `xn--bcher-kva`), checked for the characters a
    /// label may hold; `text` is the whole name, for the message.
    static func asciiLabel(_ label: String, in text: String) throws(DomainError) -> String {
        guard !label.isEmpty else { throw .invalid("'\(text)' has an empty label (two dots in a row).") }
        var ascii = label
        if !label.unicodeScalars.allSatisfy(\.isASCII) {
            guard
                label.unicodeScalars.allSatisfy({
                    $0.properties.isAlphabetic || $0.properties.numericType != nil
                        || $0 == "-" || $0.properties.generalCategory == .nonspacingMark
                        || $0.properties.generalCategory == .spacingMark
                })
            else { throw .invalid("'\(text)' has characters that a domain name cannot hold.") }
            guard let encoded = Punycode.encode(label) else { throw .invalid("'\(text)' cannot be encoded as IDNA.") }
            ascii = "xn--" + encoded
        } else if label.hasPrefix("xn--") {
            guard let decoded = Punycode.decode(String(label.dropFirst(4))), !decoded.isEmpty,
                Punycode.encode(decoded.lowercased()) == String(label.dropFirst(4))
            else { throw .invalid("'\(text)' has a label '\(label)' that is not valid Punycode.") }
        }
        guard ascii.utf8.count <= 63 else {
            throw .invalid("'\(text)' has a label longer than the 63 characters a label may have.")
        }
        let allowed = ascii.unicodeScalars.allSatisfy { scalar in
            ("a"..."z").contains(scalar) || ("0"..."9").contains(scalar) || scalar == "-" || scalar == "_"
        }
        guard allowed else { throw .invalid("'\(text)' has characters that a domain name cannot hold.") }
        guard !ascii.hasPrefix("-"), !ascii.hasSuffix("-") else {
            throw .invalid("'\(text)' has a label that starts or ends with a hyphen.")
        }
        return ascii
    }

    /// Whether `name` lies under `parent` (`cdn.example.com` under `example.com`); both normalised.
    public static func isSubdomain(_ name: String, of parent: String) -> Bool {
        name.count > parent.count && name.hasSuffix("." + parent)
    }
}
