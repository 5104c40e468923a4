import ConcertCore
import Foundation
import Testing

@Suite("Timestamps and hex as the log writes them")
struct TimestampTests {
    /// What Foundation's ISO 8601 formatter writes, which the hand-written one must match.
    static func foundation(_ date: Date) -> String {
        let hasFraction = date.timeIntervalSince1970.truncatingRemainder(dividingBy: 1) != 0
        return date.formatted(Date.ISO8601FormatStyle(includingFractionalSeconds: hasFraction))
    }

    @Test("every kind of date is written exactly as Foundation writes it, and reads back")
    func matchesFoundation() {
        var generator = SystemRandomNumberGenerator()
        var dates = [
            Date(timeIntervalSince1970: 0), Date(timeIntervalSince1970: 951_782_400),  // 2000-02-29
            Date(timeIntervalSince1970: 4_107_542_399), Date(timeIntervalSince1970: 1_796_878_800.5),
            Date(timeIntervalSince1970: 1_796_878_800.999_9), Date(timeIntervalSince1970: -86_400.25),
        ]
        for _ in 0..<5_000 {
            let seconds = Double(Int64.random(in: -2_000_000_000...4_000_000_000, using: &generator))
            dates.append(Date(timeIntervalSince1970: seconds))
            dates.append(Date(timeIntervalSince1970: seconds + Double(Int.random(in: 1...999)) / 1_000))
        }
        for date in dates {
            #expect(ConcertJSON.formatTimestamp(date) == Self.foundation(date), "\(date.timeIntervalSince1970)")
        }
        let now = ConcertJSON.now()
        #expect(ConcertJSON.parseTimestamp(ConcertJSON.formatTimestamp(now)) == now)
    }

    @Test("a time with a field out of range is refused, not rolled over")
    func outOfRangeFields() {
        #expect(ConcertJSON.parseTimestamp("2024-01-01T12:59:00Z") != nil)
        #expect(ConcertJSON.parseTimestamp("2024-01-01T12:30:00.250Z") != nil)
        for text in [
            "2024-01-01T12:99:00Z", "2024-01-01T24:00:00Z", "2024-13-01T00:00:00Z", "2024-01-00T00:00:00Z",
            "2024-01-01T00:00:61Z", "2024-01-01",
        ] {
            #expect(ConcertJSON.parseTimestamp(text) == nil, "\(text)")
        }
    }

    @Test("a time with any offset RFC 3339 allows is read as the same instant in UTC")
    func offsets() throws {
        let pairs = [
            ("2024-01-01T12:00:00+05:30", "2024-01-01T06:30:00Z"),
            ("2024-01-01T12:00:00-00:00", "2024-01-01T12:00:00Z"),
            ("2024-01-01T12:00:00.250+01:00", "2024-01-01T11:00:00.250Z"),
            // Past Foundation's ±18:00, and a year of three digits: what the API fuzzer sent.
            ("0228-08-29T21:24:18-21:45", "0228-08-30T19:09:18Z"),
            ("2024-01-01T00:00:00+23:59", "2023-12-31T00:01:00Z"),
        ]
        for (text, utc) in pairs {
            let read = try #require(ConcertJSON.parseTimestamp(text), "\(text)")
            #expect(read == ConcertJSON.parseTimestamp(utc), "\(text)")
        }
        for text in ["2024-01-01T12:00:00+24:00", "2024-01-01T12:00:00+05:60", "2024-01-01T12:00:00+0a:00"] {
            #expect(ConcertJSON.parseTimestamp(text) == nil, "\(text)")
        }
    }

    @Test("hex is two lower-case digits a byte")
    func hex() {
        #expect(Hex.string([0x00, 0x0f, 0xa0, 0xff]) == "000fa0ff")
        #expect(Hex.string([UInt8]()) == "")
    }
}
