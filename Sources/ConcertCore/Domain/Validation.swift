import Foundation

/// Shared checks for free-text fields.
///
/// A length is counted as the API's document states it (JSON Schema's `maxLength`): in Unicode
/// code points of the text as sent, not in the grapheme clusters Swift's `count` gives. A run of
/// combining marks or emoji modifiers is one cluster of any number of code points, so counting
/// clusters let a 240 KB summary through a limit of 20,000.
public enum Validation {
    /// A required text: trimmed, not empty, at most `maxLength` characters.
    public static func requiredText(_ text: String, field: String, maxLength: Int) throws(DomainError) -> String {
        let trimmed = text.trimmingWhitespace()
        guard !trimmed.isEmpty else { throw .invalid("The field '\(field)' must not be empty.", field: field) }
        guard text.unicodeScalars.count <= maxLength else {
            throw .invalid("The field '\(field)' may have at most \(maxLength) characters.", field: field)
        }
        return trimmed
    }

    /// Refuses control characters other than tab and line breaks, the direction marks,
    /// overrides and isolates that make printed text read otherwise than it is stored, and
    /// invisible characters: for
    /// records that are printed for a court (exhibits and their chain of custody).
    public static func refusingHiddenCharacters(_ text: String?, field: String) throws(DomainError) -> String? {
        guard let text else { return nil }
        for scalar in text.unicodeScalars {
            let value = scalar.value
            let control =
                (value < 0x20 && value != 0x09 && value != 0x0A && value != 0x0D) || (0x7F...0x9F).contains(value)
            let direction =
                (0x202A...0x202E).contains(value) || (0x2066...0x2069).contains(value)
                || [0x061C, 0x200E, 0x200F].contains(value)
            // Invisible: zero width space, line and paragraph separators, byte order mark, soft
            // hyphen, tags. (Joiners stay: scripts and emoji need them.)
            let invisible =
                [0x200B, 0x2028, 0x2029, 0xFEFF, 0x00AD].contains(value) || (0xE0000...0xE007F).contains(value)
            if control || direction || invisible {
                throw .invalid(
                    "The field '\(field)' holds an invisible control or direction character (U+\(String(value, radix: 16, uppercase: true))); type the text again without it.",
                    field: field)
            }
        }
        return text
    }

    /// An optional text: trimmed, `nil` when empty, at most `maxLength` characters.
    public static func optionalText(_ text: String?, field: String, maxLength: Int) throws(DomainError) -> String? {
        guard let text else { return nil }
        let trimmed = text.trimmingWhitespace()
        if trimmed.isEmpty { return nil }
        guard text.unicodeScalars.count <= maxLength else {
            throw .invalid("The field '\(field)' may have at most \(maxLength) characters.", field: field)
        }
        return trimmed
    }
}

extension String {
    /// The string without leading and trailing white space and new lines.
    public func trimmingWhitespace() -> String {
        // Most values start and end with a visible ASCII character: nothing to trim, and no
        // trip through Foundation (a cross-check normalises thousands of values a request).
        if let first = utf8.first, let last = utf8.last, (0x21..<0x7F).contains(first), (0x21..<0x7F).contains(last) {
            return self
        }
        return trimmingCharacters(in: .whitespacesAndNewlines)
    }
}

/// Turns the names the API uses into words people read.
public enum Wording {
    /// `Thu 10 Dec 2026 04:00`: a time in UTC as Europeans read it (24-hour clock, the day
    /// before the month, no ambiguity between 10/12 and 12/10).
    public static func utc(_ date: Date) -> String {
        let time = clock(date, in: TimeZone(identifier: "UTC")!)
        return "\(time.weekday) \(time.day) \(time.month) \(time.year) \(time.hourMinute)"
    }

    /// The parts of `date` on the clock of `zone`, named in English: written by hand, since a
    /// plan of a thousand actions made a date formatter (and its locale) for every time shown.
    public static func clock(
        _ date: Date, in zone: TimeZone
    ) -> (
        weekday: String, day: Int, month: String, year: Int, hourMinute: String
    ) {
        let parts = gregorian.dateComponents(in: zone, from: date)
        let hour = parts.hour ?? 0
        let minute = parts.minute ?? 0
        return (
            weekdays[((parts.weekday ?? 1) - 1) % 7], parts.day ?? 1, months[((parts.month ?? 1) - 1) % 12],
            parts.year ?? 1970, (hour < 10 ? "0" : "") + String(hour) + ":" + (minute < 10 ? "0" : "") + String(minute)
        )
    }

    private static let gregorian = Calendar(identifier: .gregorian)
    private static let weekdays = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"]
    private static let months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]

    /// `serverTakedown` → `server takedown`.
    public static func words(_ identifier: String) -> String {
        var result = ""
        for character in identifier {
            if character.isUppercase {
                result += " " + character.lowercased()
            } else {
                result.append(character)
            }
        }
        return result
    }
}
