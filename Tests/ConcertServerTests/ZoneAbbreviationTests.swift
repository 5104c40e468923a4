import Foundation
import Testing

@testable import ConcertServer

@Suite("Time zone abbreviations from the IANA database")
struct ZoneAbbreviationTests {
    static let winter = Date(timeIntervalSince1970: 1_796_875_200)  // Thu 10 Dec 2026 04:00 UTC
    static let summer = Date(timeIntervalSince1970: 1_783_656_000)  // Fri 10 Jul 2026 04:00 UTC

    @Test(
        "each zone is named as the database names it, in winter and in summer",
        arguments: [
            ("Europe/Paris", "CET", "CEST"), ("Europe/London", "GMT", "BST"), ("Europe/Bucharest", "EET", "EEST"),
            ("America/New_York", "EST", "EDT"), ("America/Los_Angeles", "PST", "PDT"), ("Asia/Kolkata", "IST", "IST"),
            ("UTC", "UTC", "UTC"),
        ])
    func namesZones(zone: String, winter: String, summer: String) {
        #expect(ZoneAbbreviation.abbreviation(of: zone, at: Self.winter) == winter)
        #expect(ZoneAbbreviation.abbreviation(of: zone, at: Self.summer) == summer)
    }

    @Test("a plan shows the local time with the zone's own abbreviation")
    func localTime() {
        #expect(WebController.local(Self.winter, timeZone: "Europe/Paris") == "Thu 05:00 CET (Europe/Paris)")
        #expect(WebController.local(Self.summer, timeZone: "America/New_York") == "Fri 00:00 EDT (America/New_York)")
        #expect(WebController.local(Self.winter, timeZone: "Asia/Kolkata") == "Thu 09:30 IST (Asia/Kolkata)")
    }

    @Test("a time in UTC reads as Europeans read it, day before month, on a 24-hour clock")
    func utcTime() {
        #expect(WebController.utc(Self.winter) == "Thu 10 Dec 2026 04:00")
        #expect(WebController.utc(Self.summer.addingTimeInterval(19 * 3_600 + 5 * 60)) == "Fri 10 Jul 2026 23:05")
        #expect(WebController.utc(Date(timeIntervalSince1970: 0)) == "Thu 1 Jan 1970 00:00")
    }

    @Test("a name that is not a zone file is not read, and falls back to Foundation's")
    func refusesPaths() {
        #expect(ZoneAbbreviation.zone("../../etc/passwd") == nil)
        #expect(ZoneAbbreviation.zone("Europe/Nowhere") == nil)
        #expect(ZoneAbbreviation.parse(Data("not a zone".utf8)) == nil)
    }
}
