import Foundation

/// Writes an action-day schedule as iCalendar (RFC 5545) that calendar clients subscribe to:
/// one `VEVENT` per action with its times in UTC, its own time zone named beside them, and a
/// `UID` that stays the action's, so that a client updates an event rather than adding one.
public enum ICalendarExport {
    /// One action of the schedule.
    public struct Event: Sendable {
        public var uid: String
        public var start: Date
        public var end: Date
        public var summary: String
        public var location: String?
        public var description: String?
        /// The IANA time zone of the place of the action (`Asia/Nicosia`).
        public var timeZone: String
        /// Cancelled for an aborted action.
        public var cancelled: Bool
        /// When it last changed.
        public var modified: Date

        /// Creates an event.
        public init(
            uid: String, start: Date, end: Date, summary: String, location: String?, description: String?,
            timeZone: String, cancelled: Bool, modified: Date
        ) {
            self.uid = uid
            self.start = start
            self.end = end
            self.summary = summary
            self.location = location
            self.description = description
            self.timeZone = timeZone
            self.cancelled = cancelled
            self.modified = modified
        }
    }

    /// The calendar named `name` holding `events`.
    public static func calendar(name: String, description: String?, events: [Event]) -> String {
        var lines = [
            "BEGIN:VCALENDAR", "VERSION:2.0", "PRODID:-//Concert//Action-day schedule//EN", "CALSCALE:GREGORIAN",
            "METHOD:PUBLISH", "X-WR-CALNAME:" + text(name),
        ]
        if let description { lines.append("X-WR-CALDESC:" + text(description)) }
        for event in events {
            lines += [
                "BEGIN:VEVENT", "UID:" + text(event.uid), "DTSTAMP:" + utc(event.modified),
                "LAST-MODIFIED:" + utc(event.modified), "DTSTART:" + utc(event.start), "DTEND:" + utc(event.end),
                "SUMMARY:" + text(event.summary),
            ]
            if let location = event.location { lines.append("LOCATION:" + text(location)) }
            if let description = event.description { lines.append("DESCRIPTION:" + text(description)) }
            lines.append("X-CONCERT-TIME-ZONE:" + text(event.timeZone))
            lines.append("STATUS:" + (event.cancelled ? "CANCELLED" : "CONFIRMED"))
            lines.append("END:VEVENT")
        }
        lines.append("END:VCALENDAR")
        return lines.map(folded).joined(separator: "\r\n") + "\r\n"
    }

    /// A time in UTC, `20261207T053000Z`.
    static func utc(_ date: Date) -> String {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC")!
        let parts = calendar.dateComponents([.year, .month, .day, .hour, .minute, .second], from: date)
        return String(
            format: "%04d%02d%02dT%02d%02d%02dZ", parts.year!, parts.month!, parts.day!, parts.hour!, parts.minute!,
            parts.second!)
    }

    /// A TEXT value with its backslashes, semicolons, commas and line ends escaped.
    static func text(_ value: String) -> String {
        var escaped = ""
        for character in value {
            switch character {
            case "\\": escaped += "\\\\"
            case ";": escaped += "\\;"
            case ",": escaped += "\\,"
            case "\n", "\r\n", "\r": escaped += "\\n"
            default:
                // Other control characters have no place in a content line.
                if character.unicodeScalars.allSatisfy({ $0.value >= 0x20 && $0.value != 0x7F }) {
                    escaped.append(character)
                }
            }
        }
        return escaped
    }

    /// A content line folded at 75 octets, never inside a character.
    static func folded(_ line: String) -> String {
        guard line.utf8.count > 75 else { return line }
        var result = ""
        var width = 0
        var limit = 75
        for character in line {
            let size = String(character).utf8.count
            if width + size > limit {
                result += "\r\n "
                width = 0
                limit = 74
            }
            result.append(character)
            width += size
        }
        return result
    }
}
