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

    /// `2020-08-25T04:00:00Z`; milliseconds are added only when the time has them.
    public static func formatTimestamp(_ date: Date) -> String {
        let hasFraction = date.timeIntervalSince1970.truncatingRemainder(dividingBy: 1) != 0
        return date.formatted(Date.ISO8601FormatStyle(includingFractionalSeconds: hasFraction))
    }

    /// Parses an ISO 8601 time with a zone, with or without fractional seconds.
    public static func parseTimestamp(_ text: String) -> Date? {
        if let date = try? Date(text, strategy: .iso8601) { return date }
        return try? Date(text, strategy: Date.ISO8601FormatStyle(includingFractionalSeconds: true))
    }

    /// The current time, to the second, so that it survives a round trip through JSON unchanged.
    public static func now() -> Date {
        Date(timeIntervalSince1970: Date().timeIntervalSince1970.rounded(.down))
    }
}
