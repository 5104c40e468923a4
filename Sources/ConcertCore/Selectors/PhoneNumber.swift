/// Phone-number normalisation to E.164 (`+33612345678`).
public enum PhoneNumber {
    /// Countries of the North American Numbering Plan dial `011` to leave the country.
    private static let northAmericanCountries: Set<String> = [
        "US", "CA", "AG", "AI", "AS", "BB", "BM", "BS", "DM", "DO", "GD", "GU", "JM", "KN", "KY", "LC", "MP",
        "MS", "PR", "SX", "TC", "TT", "UM", "VC", "VG", "VI",
    ]

    /// Normalises a phone number written in any common way to E.164.
    ///
    /// `+33 6 12 34 56 78`, `0033612345678`, `+33 (0)6 12-34-56-78`, `tel:+33-6-12-34-56-78`
    /// and, with default country `FR`, `06 12 34 56 78` all become `+33612345678`.
    ///
    /// - Parameter defaultCountry: ISO 3166-1 alpha-2 country of numbers written without a calling code.
    public static func normalise(_ text: String, defaultCountry: String?) throws(DomainError) -> String {
        var raw = text.trimmingWhitespace()
        if raw.lowercased().hasPrefix("tel:") { raw.removeFirst(4) }
        // The "(0)" after a calling code marks a trunk prefix that is not dialled from abroad.
        raw = raw.replacingOccurrences(of: "(0)", with: "")
        let separators: Set<Character> = [" ", "-", ".", "(", ")", "/", "\u{00A0}", "\u{2011}", "\u{2013}"]
        var digits = ""
        var international = false
        for (index, character) in raw.enumerated() {
            if separators.contains(character) { continue }
            if character == "+" && index == 0 || character == "+" && digits.isEmpty && !international {
                international = true
                continue
            }
            guard character.isASCII, character.isNumber else {
                throw .invalid(
                    "'\(text)' is not a phone number: only digits, '+', spaces, '-', '.', '/' and brackets are allowed."
                )
            }
            digits.append(character)
        }
        let country = defaultCountry?.uppercased()
        if !international {
            if northAmericanCountries.contains(country ?? ""), digits.hasPrefix("011") {
                digits.removeFirst(3)
                international = true
            } else if digits.hasPrefix("00") {
                digits.removeFirst(2)
                international = true
            }
        }
        if !international {
            guard let country, let callingCode = Country.callingCode(of: country) else {
                throw .invalid(
                    "'\(text)' has no calling code; write it as +CC… or record it in an agency with a known country.")
            }
            if callingCode == "1" {
                if digits.count == 11 && digits.hasPrefix("1") { digits.removeFirst() }
            } else if digits.hasPrefix("0") && !Country.keepsLeadingZero.contains(country) {
                digits.removeFirst()
            }
            digits = callingCode + digits
        } else if digits.hasPrefix("0") {
            throw .invalid("'\(text)' is not a phone number: a calling code never starts with 0.")
        }
        guard (8...15).contains(digits.count) else {
            throw .invalid("'\(text)' is not a phone number: an international number has 8 to 15 digits.")
        }
        return "+" + digits
    }
}
