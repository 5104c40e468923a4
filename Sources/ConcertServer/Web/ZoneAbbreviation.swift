import Foundation
import Synchronization

/// The abbreviation the IANA time zone database gives a zone at an instant (`CET`, `CEST`,
/// `EST`), read from the system's compiled zone files (RFC 8536, TZif).
///
/// Foundation on Linux names zones through ICU, which for most locales writes `GMT+1` where
/// Europeans read `CET`; the zone files hold the database's own abbreviations. Foundation still
/// decides the offset and daylight saving time; the file only names them.
enum ZoneAbbreviation {
    /// Where the zone files are; Debian's `tzdata` puts them here.
    static let folder = "/usr/share/zoneinfo"

    /// One local time type of a zone file: its offset, whether it is daylight saving time, its name.
    struct LocalTimeType: Equatable {
        var offset: Int
        var isDaylightSaving: Bool
        var abbreviation: String
    }

    /// A zone's transitions (UTC seconds, in order) and the type each starts.
    struct Zone {
        var transitions: [(at: Int64, type: Int)]
        var types: [LocalTimeType]
    }

    private static let zones = Mutex<[String: Zone?]>([:])

    /// The abbreviation of `identifier` at `date`; Foundation's when the zone file cannot be read.
    static func abbreviation(of identifier: String, at date: Date) -> String {
        guard let timeZone = TimeZone(identifier: identifier) else { return identifier }
        // Foundation's name is asked only when the file has none: ICU builds a formatter for it,
        // which cost a plan of a thousand actions a tenth of its time.
        func fallback() -> String { timeZone.abbreviation(for: date) ?? identifier }
        guard let zone = zone(identifier) else { return fallback() }
        let offset = timeZone.secondsFromGMT(for: date)
        let daylight = timeZone.isDaylightSavingTime(for: date)
        let instant = Int64(date.timeIntervalSince1970.rounded(.down))
        // The type in force at the instant when it agrees with Foundation's offset; otherwise the
        // latest type of that offset and kind (past the file's last transition, say).
        if let current = zone.transitions.last(where: { $0.at <= instant }), zone.types.indices.contains(current.type) {
            let type = zone.types[current.type]
            if type.offset == offset { return type.abbreviation }
        }
        for transition in zone.transitions.reversed() where zone.types.indices.contains(transition.type) {
            let type = zone.types[transition.type]
            if type.offset == offset && type.isDaylightSaving == daylight { return type.abbreviation }
        }
        return zone.types.first { $0.offset == offset }?.abbreviation ?? fallback()
    }

    /// The zone file of `identifier`, read once.
    static func zone(_ identifier: String) -> Zone? {
        if let known = zones.withLock({ $0[identifier] }) { return known }
        // An identifier names a file under the folder: letters, digits and `/_+-` only.
        let allowed = identifier.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || "/_+-".contains($0)) }
        let zone =
            allowed && !identifier.contains("..")
            ? FileManager.default.contents(atPath: folder + "/" + identifier).flatMap(parse) : nil
        zones.withLock { $0[identifier] = zone }
        return zone
    }

    /// Parses a TZif file: its version 2+ block of 64-bit times when it has one, else version 1's.
    static func parse(_ data: Data) -> Zone? {
        let bytes = [UInt8](data)
        func count(_ header: Int, _ index: Int) -> Int? {
            let start = header + 20 + index * 4
            guard start + 4 <= bytes.count else { return nil }
            return Int(bytes[start..<start + 4].reduce(UInt32(0)) { $0 << 8 | UInt32($1) })
        }
        func block(at header: Int, timeSize: Int) -> (zone: Zone, end: Int)? {
            guard bytes.count >= header + 44, bytes[header..<header + 4].elementsEqual("TZif".utf8),
                let utCount = count(header, 0), let stdCount = count(header, 1), let leapCount = count(header, 2),
                let timeCount = count(header, 3), let typeCount = count(header, 4), let charCount = count(header, 5)
            else { return nil }
            var position = header + 44
            let end =
                position + timeCount * timeSize + timeCount + typeCount * 6 + charCount + leapCount * (timeSize + 4)
                + stdCount + utCount
            guard end <= bytes.count, typeCount > 0 else { return nil }
            func integer(_ start: Int, _ size: Int) -> Int64 {
                let value = bytes[start..<start + size].reduce(UInt64(0)) { $0 << 8 | UInt64($1) }
                return size == 4 ? Int64(Int32(truncatingIfNeeded: value)) : Int64(bitPattern: value)
            }
            var times: [Int64] = []
            for index in 0..<timeCount { times.append(integer(position + index * timeSize, timeSize)) }
            position += timeCount * timeSize
            let typeIndices = (0..<timeCount).map { Int(bytes[position + $0]) }
            position += timeCount
            let typesStart = position
            position += typeCount * 6
            let characters = Array(bytes[position..<position + charCount])
            let types = (0..<typeCount).map { index -> LocalTimeType in
                let start = typesStart + index * 6
                let nameStart = min(Int(bytes[start + 5]), characters.count)
                let nameEnd = characters[nameStart...].firstIndex(of: 0) ?? characters.count
                return LocalTimeType(
                    offset: Int(integer(start, 4)), isDaylightSaving: bytes[start + 4] != 0,
                    abbreviation: String(decoding: characters[nameStart..<nameEnd], as: UTF8.self))
            }
            return (Zone(transitions: Array(zip(times, typeIndices)).map { ($0, $1) }, types: types), end)
        }
        guard let first = block(at: 0, timeSize: 4) else { return nil }
        // Version 2 and later repeat the data with 64-bit times after the first block.
        if bytes[4] >= UInt8(ascii: "2"), let second = block(at: first.end, timeSize: 8) { return second.zone }
        return first.zone
    }
}
