import Foundation

/// The JSON coding that the API, the store and the event log share: ISO 8601 dates in UTC,
/// sorted keys, so that one record always encodes to the same bytes.
public enum ConcertJSON {
    /// A new encoder with Concert's settings.
    public static func makeEncoder() -> JSONEncoder {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        encoder.dateEncodingStrategy = .custom { date, encoder in
            var container = encoder.singleValueContainer()
            try container.encode(formatTimestamp(date))
        }
        return encoder
    }

    /// A new decoder with Concert's settings; dates may carry fractional seconds.
    public static func makeDecoder() -> JSONDecoder {
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .custom { decoder in
            let container = try decoder.singleValueContainer()
            let text = try container.decode(String.self)
            guard let date = parseTimestamp(text) else {
                throw DecodingError.dataCorruptedError(
                    in: container,
                    debugDescription: "'\(text)' is not a time in ISO 8601 form such as 2020-08-25T04:00:00Z."
                )
            }
            return date
        }
        return decoder
    }

    /// Encodes a value to a UTF-8 string.
    public static func encodeToString(_ value: some Encodable) throws -> String {
        String(decoding: try makeEncoder().encode(value), as: UTF8.self)
    }

    /// Decodes a value from a UTF-8 string.
    public static func decode<T: Decodable>(_ type: T.Type, from text: String) throws -> T {
        try makeDecoder().decode(type, from: Data(text.utf8))
    }

    /// `2020-08-25T04:00:00Z`; milliseconds (`.123`) are added only when the time has a
    /// fraction of a second.
    ///
    /// Written by hand from the civil calendar: every event of the log carries one, and
    /// Foundation's formatter costs several microseconds a call.
    public static func formatTimestamp(_ date: Date) -> String {
        let interval = date.timeIntervalSince1970
        let whole = interval.rounded(.down)
        let hasFraction = interval != whole
        let seconds = Int64(whole)
        var days = seconds >= 0 ? seconds / 86_400 : (seconds - 86_399) / 86_400
        let secondOfDay = seconds - days * 86_400
        // Days since 1970-01-01 to year, month, day (Howard Hinnant's civil_from_days).
        days += 719_468
        let era = (days >= 0 ? days : days - 146_096) / 146_097
        let dayOfEra = days - era * 146_097
        let yearOfEra = (dayOfEra - dayOfEra / 1_460 + dayOfEra / 36_524 - dayOfEra / 146_096) / 365
        let dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100)
        let monthIndex = (5 * dayOfYear + 2) / 153
        let day = dayOfYear - (153 * monthIndex + 2) / 5 + 1
        let month = monthIndex < 10 ? monthIndex + 3 : monthIndex - 9
        let year = yearOfEra + era * 400 + (month <= 2 ? 1 : 0)
        var text: [UInt8] = []
        text.reserveCapacity(24)
        func put(_ value: Int64, digits: Int) {
            var divisor: Int64 = 1
            for _ in 1..<digits { divisor *= 10 }
            var rest = value
            while divisor > 0 {
                text.append(UInt8(48 + rest / divisor))
                rest %= divisor
                divisor /= 10
            }
        }
        put(year, digits: 4)
        text.append(45)
        put(month, digits: 2)
        text.append(45)
        put(day, digits: 2)
        text.append(84)
        put(secondOfDay / 3_600, digits: 2)
        text.append(58)
        put(secondOfDay % 3_600 / 60, digits: 2)
        text.append(58)
        put(secondOfDay % 60, digits: 2)
        if hasFraction {
            text.append(46)
            put(min(999, Int64(((interval - whole) * 1_000).rounded(.down))), digits: 3)
        }
        text.append(90)
        return String(decoding: text, as: UTF8.self)
    }

    /// Parses an ISO 8601 time with a zone, with or without fractional seconds.
    public static func parseTimestamp(_ text: String) -> Date? {
        // Foundation rolls fields over (12:99 is 13:39); a time whose fields are out of range is
        // refused instead.
        guard fieldsInRange(text) else { return nil }
        // RFC 3339 (and the API's `date-time`) allows any offset up to ±23:59; Foundation's
        // parser refuses those past ±18:00. The offset is taken off here, the rest read as UTC.
        var utc = text
        var offset = 0
        let bytes = Array(text.utf8)
        if bytes.count >= 25,
            bytes[bytes.count - 6] == UInt8(ascii: "+") || bytes[bytes.count - 6] == UInt8(ascii: "-"),
            bytes[bytes.count - 3] == UInt8(ascii: ":")
        {
            let digits = [bytes.count - 5, bytes.count - 4, bytes.count - 2, bytes.count - 1].map { bytes[$0] }
            guard digits.allSatisfy({ (48...57).contains($0) }) else { return nil }
            let hours = Int(digits[0] - 48) * 10 + Int(digits[1] - 48)
            let minutes = Int(digits[2] - 48) * 10 + Int(digits[3] - 48)
            guard hours <= 23, minutes <= 59 else { return nil }
            offset = (hours * 3_600 + minutes * 60) * (bytes[bytes.count - 6] == UInt8(ascii: "+") ? 1 : -1)
            utc = String(text.dropLast(6)) + "Z"
        }
        let date =
            (try? Date(utc, strategy: .iso8601))
            ?? (try? Date(utc, strategy: Date.ISO8601FormatStyle(includingFractionalSeconds: true)))
        return date.map { $0.addingTimeInterval(TimeInterval(-offset)) }
    }

    /// Whether month, day, hour, minute and second of `yyyy-MM-ddTHH:mm:ss…` lie in range.
    static func fieldsInRange(_ text: String) -> Bool {
        let bytes = Array(text.utf8.prefix(19))
        guard bytes.count == 19 else { return false }
        func number(_ start: Int) -> Int? {
            let digits = bytes[start..<start + 2]
            guard digits.allSatisfy({ (48...57).contains($0) }) else { return nil }
            return Int(digits[start] - 48) * 10 + Int(digits[start + 1] - 48)
        }
        guard let month = number(5), let day = number(8), let hour = number(11), let minute = number(14),
            let second = number(17)
        else { return false }
        return (1...12).contains(month) && (1...31).contains(day) && hour <= 23 && minute <= 59 && second <= 60
    }

    /// The current time, to the second, so that it survives a round trip through JSON unchanged.
    public static func now() -> Date {
        Date(timeIntervalSince1970: Date().timeIntervalSince1970.rounded(.down))
    }
}
