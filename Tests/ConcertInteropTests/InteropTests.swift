import ConcertCore
import Foundation
import Testing

@testable import ConcertInterop

/// The readers and writers of partners' formats, as pure functions.
@Suite("STIX, MISP, CSV and iCalendar")
struct InteropTests {
    static let defaults = ImportDefaults(handling: .h1, evaluation: Evaluation(code: "B2")!)
    static let operation = JointOperation(
        id: "op1", codeName: "Curtain", summary: nil, leadAgencyId: "agency-a", hHour: nil,
        participants: [Participant(agencyId: "agency-a", role: .lead)],
        createdAt: Date(timeIntervalSince1970: 1_700_000_000))
    static let agency = Agency(id: "agency-a", name: "Cyprus Police", country: "CY", kind: .police)

    static func target(
        _ id: String, kind: TargetKind, name: String, handling: HandlingCode = .h2, _ selectors: [SelectorInput]
    )
        throws -> Target
    {
        let input = TargetInput(
            kind: kind, name: name, notes: "Notes of \(name)", selectors: selectors, handling: handling,
            handlingRestriction: handling == .h3 ? "Only the Cypriot prosecutor." : nil,
            evaluation: Evaluation(code: "A1")!, distribution: .allParticipants)
        let date = Date(timeIntervalSince1970: 1_700_000_000)
        return try input.makeTarget(
            id: id, operation: operation, originatorAgencyId: "agency-a", createdBy: "user", defaultCountry: "CY",
            createdAt: date, now: date)
    }

    static func sample() throws -> [Target] {
        [
            try target(
                "t1", kind: .server, name: "Release server 12",
                [
                    SelectorInput(kind: .ip, text: "198.51.100.7"), SelectorInput(kind: .cidr, text: "203.0.113.0/24"),
                    SelectorInput(kind: .ip, text: "2001:db8::7"),
                    SelectorInput(kind: .url, text: "https://films.example.com/new"),
                ]),
            try target(
                "t2", kind: .person, name: "Suspect A", handling: .h3,
                [
                    SelectorInput(
                        kind: .person, value: .person(PersonIdentity(name: "Andreas Demo", dateOfBirth: "1980-02-29"))),
                    SelectorInput(kind: .email, text: "andreas@example.org"),
                    SelectorInput(kind: .phone, text: "+357 99 123456"),
                ]),
            try target(
                "t3", kind: .cryptoWallet, name: "Payout wallet", handling: .h0,
                [SelectorInput(kind: .wallet, text: "1BoatSLRHtKNngkdXEeobR76b53LETtpyT")]),
            try target(
                "t4", kind: .organisation, name: "The network",
                [SelectorInput(kind: .domain, text: "films.example.com")]),
        ]
    }

    static func keys(_ targets: [Target]) -> [String] {
        targets.flatMap { $0.selectors.map { "\($0.kind.rawValue) \($0.matchKey) \($0.dateOfBirth ?? "")" } }.sorted()
    }

    static func made(_ read: InteropImport) throws -> [Target] {
        try read.targets.map {
            let date = Date()
            return try $0.input.makeTarget(
                id: UUID().uuidString, operation: operation, originatorAgencyId: "agency-a", createdBy: "user",
                defaultCountry: "CY", createdAt: date, now: date)
        }
    }

    @Test(
        "Concert → STIX → Concert keeps every selector, kind, name and handling; exporting twice gives the same bundle")
    func stixRoundTrip() throws {
        let targets = try Self.sample()
        let bundle = STIXExport.bundle(of: targets, in: Self.operation, agencies: ["agency-a": Self.agency])
        #expect(bundle == STIXExport.bundle(of: targets, in: Self.operation, agencies: ["agency-a": Self.agency]))
        let read = try STIXImport.read(bundle, defaults: Self.defaults)
        #expect(read.errors.isEmpty)
        #expect(read.unresolved.isEmpty)
        let back = try Self.made(read)
        #expect(Self.keys(back) == Self.keys(targets))
        #expect(back.map(\.kind) == targets.map(\.kind))
        #expect(back.map(\.name) == targets.map(\.name))
        #expect(back.map(\.handling) == targets.map(\.handling))
        #expect(back[1].handlingRestriction == "Only the Cypriot prosecutor.")
        #expect(read.targets.allSatisfy { $0.handlingFromFile })
        #expect(
            read.targets.map { $0.source?.id.hasPrefix("infrastructure--") ?? false } == [true, false, true, false])
    }

    @Test("Concert → MISP → Concert keeps every selector, kind, name and handling")
    func mispRoundTrip() throws {
        let targets = try Self.sample()
        let event = MISPExport.event(of: targets, in: Self.operation, exporter: Self.agency)
        let read = try MISPImport.read(event, defaults: Self.defaults)
        #expect(read.errors.isEmpty)
        let back = try Self.made(read)
        #expect(Self.keys(back) == Self.keys(targets))
        #expect(back.map(\.kind) == targets.map(\.kind))
        #expect(back.map(\.name) == targets.map(\.name))
        #expect(back.map(\.handling) == targets.map(\.handling))
        #expect(read.targets.allSatisfy { $0.source?.format == "misp" && $0.source?.modified != nil })
    }

    @Test(
        "a bundle whose relationships and markings come before their objects imports whole; unknown types are counted")
    func stixInAnyOrder() throws {
        let bundle = """
            {"type": "bundle", "id": "bundle--6f1c2a4e-0000-4000-8000-000000000001", "objects": [
              {"type": "relationship", "id": "relationship--6f1c2a4e-0000-4000-8000-000000000002",
               "relationship_type": "indicates", "source_ref": "indicator--6f1c2a4e-0000-4000-8000-000000000003",
               "target_ref": "infrastructure--6f1c2a4e-0000-4000-8000-000000000004"},
              {"type": "relationship", "id": "relationship--6f1c2a4e-0000-4000-8000-000000000005",
               "relationship_type": "uses", "source_ref": "threat-actor--6f1c2a4e-0000-4000-8000-000000000006",
               "target_ref": "infrastructure--6f1c2a4e-0000-4000-8000-000000000004"},
              {"type": "relationship", "id": "relationship--6f1c2a4e-0000-4000-8000-000000000007",
               "relationship_type": "related-to", "source_ref": "indicator--6f1c2a4e-0000-4000-8000-000000000003",
               "target_ref": "malware--6f1c2a4e-0000-4000-8000-000000000099"},
              {"type": "indicator", "id": "indicator--6f1c2a4e-0000-4000-8000-000000000003", "pattern_type": "stix",
               "pattern": "[ipv4-addr:value = '198.51.100.9'] OR ([domain-name:value = 'cdn.example.net'] AND [url:value = 'http://cdn.example.net/x']) WITHIN 300 SECONDS",
               "object_marking_refs": ["marking-definition--6f1c2a4e-0000-4000-8000-000000000008"],
               "modified": "2026-01-02T03:04:05.678Z"},
              {"type": "infrastructure", "id": "infrastructure--6f1c2a4e-0000-4000-8000-000000000004", "name": "CDN node"},
              {"type": "threat-actor", "id": "threat-actor--6f1c2a4e-0000-4000-8000-000000000006", "name": "Release group",
               "aliases": ["RG"]},
              {"type": "marking-definition", "id": "marking-definition--6f1c2a4e-0000-4000-8000-000000000008",
               "name": "TLP:AMBER+STRICT", "extensions": {"extension-definition--60a3c5c5-0d10-413e-aab3-9e08dde9e88d":
               {"extension_type": "property-extension", "tlp_2_0": "amber+strict"}}},
              {"type": "attack-pattern", "id": "attack-pattern--6f1c2a4e-0000-4000-8000-000000000010", "name": "x"},
              {"type": "attack-pattern", "id": "attack-pattern--6f1c2a4e-0000-4000-8000-000000000011", "name": "y"},
              {"type": "identity", "id": "identity--6f1c2a4e-0000-4000-8000-000000000012", "name": "A CERT",
               "identity_class": "organization"},
              {"type": "ipv4-addr", "id": "ipv4-addr--6f1c2a4e-0000-4000-8000-000000000013", "value": "192.0.2.44"}
            ]}
            """
        let read = try STIXImport.read(Data(bundle.utf8), defaults: Self.defaults)
        #expect(read.errors.isEmpty)
        #expect(read.unknownTypes == ["attack-pattern": 2])
        #expect(read.unresolved.count == 1)
        #expect(read.unresolved.first?.detail.contains("malware--6f1c2a4e-0000-4000-8000-000000000099") == true)
        #expect(read.skipped.contains { $0.detail.contains("organization") })
        let names = read.targets.map(\.input.name)
        #expect(names == ["CDN node", "Release group", "192.0.2.44"])
        let node = read.targets[0]
        #expect(
            node.input.selectors.map(\.value.written) == [
                "198.51.100.9", "cdn.example.net", "http://cdn.example.net/x",
            ])
        #expect(node.input.handling == .h3)
        #expect(node.input.handlingRestriction?.contains("AMBER+STRICT") == true)
        #expect(node.source?.modified == STIXImport.date("2026-01-02T03:04:05.678Z"))
        // The threat actor uses the node but does not take its selectors: unrelated targets stay apart.
        #expect(read.targets[1].input.selectors.isEmpty)
        #expect(read.targets[1].input.kind == .organisation)
        #expect(read.targets[1].input.handling == .h1, "a target the file marks not takes the importer's handling")
        #expect(read.targets[2].input.kind == .server)
    }

    @Test(
        "a malformed STIX file is refused with the place of its first error, and a JSON file that is no bundle says what it is"
    )
    func stixErrors() throws {
        let bad = """
            {"type": "bundle", "objects": [
              {"type": "indicator", "id": "indicator--6f1c2a4e-0000-4000-8000-000000000003", "pattern": "[ipv4-addr:value = '1.2.3.4'"},
              {"type": "url", "id": "not-an-id"}
            ]}
            """
        let read = try STIXImport.read(Data(bad.utf8), defaults: Self.defaults)
        #expect(read.errors.map(\.place.path) == ["objects[0].pattern", "objects[1].id"])
        #expect(read.errors[0].place.object == "indicator--6f1c2a4e-0000-4000-8000-000000000003")
        #expect(throws: InteropError.self) {
            try STIXImport.read(Data("{\"Event\": {}}".utf8), defaults: Self.defaults)
        }
        for id in ["{}", "1", "\"bundle--x\"", "\"indicator--6f1c2a4e-0000-4000-8000-000000000003\""] {
            let bundle = "{\"type\": \"bundle\", \"id\": \(id), \"objects\": []}"
            #expect(throws: InteropError.self, "id \(id)") {
                try STIXImport.read(Data(bundle.utf8), defaults: Self.defaults)
            }
        }
        do {
            _ = try STIXImport.read(Data("{\"Event\": {}}".utf8), defaults: Self.defaults)
        } catch {
            #expect(error.message.contains("a MISP event"))
            #expect(error.message.contains("not a STIX bundle"))
        }
        do {
            _ = try STIXImport.read(Data("{\"type\": \"bundle\", \"objects\": [".utf8), defaults: Self.defaults)
            Issue.record("a cut-off file was read")
        } catch {
            #expect(error.message.contains("not JSON"))
        }
    }

    @Test(
        "STIX patterns: comparisons of the kinds Concert records, joined by OR and AND; others counted, broken ones refused"
    )
    func patterns() throws {
        let reading = try STIXPattern.read(
            "([ipv6-addr:value = '2001:db8::1' AND email-addr:value = 'a\\'b@example.org'] FOLLOWEDBY [ipv4-addr:value ISSUBSET '10.1.0.0/16']) OR [file:hashes.'SHA-256' = 'abc'] OR [email-message:to_refs[*].value = 'x@example.org'] REPEATS 2 TIMES"
        )
        #expect(reading.selectors.map(\.kind) == [.ip, .email, .cidr])
        #expect(reading.selectors.map(\.value.written) == ["2001:db8::1", "a'b@example.org", "10.1.0.0/16"])
        #expect(reading.ignored == 2)
        #expect(throws: InteropError.self) { try STIXPattern.read("ipv4-addr:value = '1.2.3.4'") }
        #expect(throws: InteropError.self) { try STIXPattern.read("[ipv4-addr:value = '1.2.3.4]") }
        #expect(throws: InteropError.self) { try STIXPattern.read("[[ipv4-addr:value = '1.2.3.4']]") }
    }

    @Test("MISP: attributes by type, objects as one target, tlp tags, to_ids, a feed's list; the rest counted")
    func misp() throws {
        let feed = """
            [{"Event": {"uuid": "5a1e0000-0000-4000-8000-000000000001", "info": "Piracy CDN",
              "Tag": [{"name": "tlp:green"}],
              "Attribute": [
                {"type": "ip-dst|port", "value": "198.51.100.20|8443", "uuid": "5a1e0000-0000-4000-8000-000000000002", "to_ids": true, "timestamp": "1700000000"},
                {"type": "domain|ip", "value": "stream.example.com|198.51.100.21", "uuid": "5a1e0000-0000-4000-8000-000000000003", "Tag": [{"name": "tlp:red"}]},
                {"type": "md5", "value": "d41d8cd98f00b204e9800998ecf8427e"},
                {"type": "md5", "value": "d41d8cd98f00b204e9800998ecf8427f"},
                {"type": "btc", "value": "1BoatSLRHtKNngkdXEeobR76b53LETtpyT", "deleted": true}
              ],
              "Object": [{"name": "person", "uuid": "5a1e0000-0000-4000-8000-000000000004", "timestamp": "1700000100",
                "Attribute": [
                  {"object_relation": "first-name", "type": "first-name", "value": "Eleni"},
                  {"object_relation": "last-name", "type": "last-name", "value": "Demou"},
                  {"object_relation": "date-of-birth", "type": "date-of-birth", "value": "1975-06-01"},
                  {"object_relation": "phone-number", "type": "phone-number", "value": "+357 99 765432", "to_ids": "1"}
                ]}]}},
             {"Event": {"info": "Second", "Attribute": [{"type": "xmr", "value": "44AFFq5kSiGBoZ4NMDwYtN18obc8AemS33DBLWs3H7otXft3XjrpDtQGv7SqSsaBYBb98uNbr2VBBEt7f2wfn3RVGQBEP3A"}]}}]
            """
        let read = try MISPImport.read(Data(feed.utf8), defaults: Self.defaults)
        #expect(read.errors.isEmpty)
        #expect(read.unknownTypes == ["md5": 2])
        #expect(read.targets.count == 4)
        #expect(read.targets[0].input.selectors == [SelectorInput(kind: .ip, text: "198.51.100.20")])
        #expect(read.targets[0].input.handling == .h0)
        #expect(read.targets[0].source?.toIds == true)
        #expect(read.targets[1].input.selectors.map(\.kind) == [.domain, .ip])
        #expect(read.targets[1].input.handling == .h3)
        let person = read.targets[2]
        #expect(person.input.kind == .person)
        #expect(person.input.name == "Eleni Demou")
        #expect(
            person.input.selectors == [
                SelectorInput(
                    kind: .person, value: .person(PersonIdentity(name: "Eleni Demou", dateOfBirth: "1975-06-01"))),
                SelectorInput(kind: .phone, text: "+357 99 765432"),
            ])
        #expect(person.source?.id == "5a1e0000-0000-4000-8000-000000000004")
        #expect(read.targets[3].input.kind == .cryptoWallet)
        #expect(read.targets[3].input.handling == .h1, "the importer's handling where the file has none")
        do {
            _ = try MISPImport.read(Data(#"{"type": "bundle", "objects": []}"#.utf8), defaults: Self.defaults)
            Issue.record("a bundle was read as MISP")
        } catch {
            #expect(error.message.contains("a STIX bundle, not a MISP event"))
        }
        let broken = try MISPImport.read(
            Data(#"{"Event": {"Attribute": [{"type": "url"}, {"value": "x"}]}}"#.utf8), defaults: Self.defaults)
        #expect(broken.errors.map(\.place.path) == ["Event.Attribute[0].value", "Event.Attribute[1].type"])
    }

    @Test(
        "CSV: separators, BOM, quotes across lines, several selectors a row, columns by header, by flag or by their values"
    )
    func csv() throws {
        let table =
            "\u{FEFF}Name;Server IP;Domains;Whatever;Handling;notes\r\n"
            + "Release server;198.51.100.30;\"films.example.com | cdn.example.com\";bc1qar0srrr7xfkvy5l643lydnw9re59gtzzwf5mdq;TLP:AMBER;\"two\nlines\"\r\n"
            + "\r\n"
            + ";203.0.113.9;;;H0;\r\n"
        let read = try CSVImport.read(Data(table.utf8), defaults: Self.defaults)
        #expect(read.errors.isEmpty)
        #expect(read.targets.count == 2)
        let first = read.targets[0]
        #expect(first.input.name == "Release server")
        #expect(first.input.selectors.map(\.kind) == [.ip, .domain, .domain, .wallet])
        #expect(first.input.handling == .h2)
        #expect(first.input.notes == "two\nlines")
        #expect(first.place == .cell(line: 2))
        #expect(first.selectorPlaces[1] == .cell(line: 2, column: 3, header: "Domains"))
        #expect(read.targets[1].place == .cell(line: 5), "the quoted line break counts as a line")
        #expect(read.targets[1].input.name == "203.0.113.9")
        let tabbed = try CSVImport.read(
            Data("target\tcol\nA\tX-1\n".utf8),
            options: CSVOptions(columns: ["col": .selector(.phone)]), defaults: Self.defaults)
        #expect(tabbed.targets.first?.input.selectors == [SelectorInput(kind: .phone, text: "X-1")])
        let errors = try CSVImport.read(
            Data("name,kind,selector,evaluation\nA,boat,198.51.100.1,B2\nB,server,not an identifier,Z9\n".utf8),
            defaults: Self.defaults)
        #expect(
            errors.errors.map(\.place) == [
                .cell(line: 2, column: 2, header: "kind"), .cell(line: 3, column: 3, header: "selector"),
                .cell(line: 3, column: 4, header: "evaluation"),
            ])
        #expect(throws: InteropError.self) {
            try CSVImport.read(Data("name,notes\nA,b\n".utf8), defaults: Self.defaults)
        }
        #expect(throws: InteropError.self) {
            try CSVImport.read(Data(#"{"targets": []}"#.utf8), defaults: Self.defaults)
        }
    }

    @Test("the API's and the command line's table options: a separator by name, columns as HEADER:ROLE")
    func tableOptions() throws {
        let options = try CSVOptions(separatorName: "semicolon", columns: ["Server IP:ip", "3:selector", "a:b:name"])
        #expect(options.separator == UInt8(ascii: ";"))
        #expect(options.columns == ["Server IP": .selector(.ip), "3": .anySelector, "a:b": .name])
        #expect(try CSVOptions(separatorName: nil, columns: []).separator == nil)
        for (separator, columns) in [("pipe", [String]()), ("tab", ["ip"]), ("tab", ["ip:boat"])] {
            #expect(throws: InteropError.self) { try CSVOptions(separatorName: separator, columns: columns) }
        }
    }

    @Test("a table read in pieces of any size reads the same as whole")
    func csvInPieces() throws {
        var text = "name,ip,url\n"
        for row in 0..<200 {
            text += "\"Server, \(row)\",198.51.100.\(row % 250),\"https://e\(row).example.com/a\"\"b\"\n"
        }
        let whole = try CSVImport.read(Data(text.utf8), defaults: Self.defaults)
        for size in [1, 7, 64, 4096] {
            var table = CSVImport(defaults: Self.defaults)
            let bytes = Array(text.utf8)
            for start in stride(from: 0, to: bytes.count, by: size) {
                try table.feed(bytes[start..<min(start + size, bytes.count)])
            }
            let pieces = try table.finish()
            #expect(pieces.targets.map(\.input.name) == whole.targets.map(\.input.name))
            #expect(pieces.targets.map(\.input.selectors) == whole.targets.map(\.input.selectors))
        }
        #expect(whole.targets.count == 200)
        #expect(whole.targets[3].input.name == "Server, 3")
        #expect(whole.targets[3].input.selectors.last?.value.written == "https://e3.example.com/a\"b")
    }

    @Test("iCalendar: UTC times, escaped text, lines folded at 75 octets")
    func calendar() {
        let start = Date(timeIntervalSince1970: 1_796_000_000)
        let text = ICalendarExport.calendar(
            name: "Curtain, action day", description: nil,
            events: [
                ICalendarExport.Event(
                    uid: "a1@concert", start: start, end: start.addingTimeInterval(5_400),
                    summary: "Search; seize servers, \"Limassol\" — " + String(repeating: "é", count: 60),
                    location: "Limassol\nCY", description: nil, timeZone: "Asia/Nicosia", cancelled: false,
                    modified: start)
            ])
        #expect(text.contains("DTSTART:20261130T005320Z\r\n"))
        #expect(text.contains("DTEND:20261130T022320Z\r\n"))
        #expect(text.contains("SUMMARY:Search\\; seize servers\\, \"Limassol\""))
        #expect(text.contains("LOCATION:Limassol\\nCY\r\n"))
        #expect(text.components(separatedBy: "\r\n").allSatisfy { $0.utf8.count <= 75 })
        #expect(text.hasSuffix("END:VCALENDAR\r\n"))
    }

    @Test("name-based UUIDs are RFC 9562's version 5")
    func uuid() {
        // The RFC's example: www.example.com in the DNS namespace.
        let dns = UUID(uuidString: "6ba7b810-9dad-11d1-80b4-00c04fd430c8")!
        #expect(NameBasedUUID.make("www.example.com", in: dns) == "2ed6657d-e927-568b-95e1-2665a8aea6a2")
    }
}

/// What an attack review found: hostile files answered in bounded time and size, times out of
/// range taken as none, and a named distribution kept through an export and an import.
@Suite("Hostile files")
struct HostileFileTests {
    static let defaults = InteropTests.defaults

    @Test("a MISP time that is NaN, infinite or out of range is as none, never a crash")
    func times() throws {
        for stamp in ["nan", "inf", "-inf", "1e300", "1e18", "-1e12", "253402300800"] {
            let event =
                #"{"Event": {"Attribute": [{"type": "ip-dst", "value": "192.0.2.1", "uuid": "aaaaaaaa-2222-4000-8000-000000000002", "timestamp": "\#(stamp)"}]}}"#
            let read = try MISPImport.read(Data(event.utf8), defaults: Self.defaults)
            #expect(read.targets.first?.source?.modified == nil, "\(stamp)")
        }
        #expect(STIXImport.date("0001-01-01T00:00:00Z") == nil)
        // Every time STIX writes reads as Foundation's parser reads it; anything else as none.
        let foundation = Date.ISO8601FormatStyle(includingFractionalSeconds: true)
        for text in [
            "2026-01-01T00:00:00.000Z", "1970-01-01T00:00:00.5Z", "2024-02-29T23:59:59.999Z",
            "2100-03-01T12:34:56.789Z",
            "2000-12-31T01:02:03.123456Z",
        ] {
            let expected = try foundation.parse(text).timeIntervalSince1970
            let read = try #require(STIXImport.date(text)).timeIntervalSince1970
            #expect(abs(read - expected) < 0.001, "\(text)")
        }
        #expect(STIXImport.date("2026-01-01T00:00:00Z")?.timeIntervalSince1970 == 1_767_225_600)
        for text in [
            "2026-13-01T00:00:00Z", "2026-01-01 00:00:00Z", "2026-01-01T00:00:00", "2026-01-01T00:00:00.Z", "x",
            // Nineteen digits of a fraction would overflow if they were read before being counted.
            "2020-01-01T00:00:00.9999999999999999999Z",
        ] {
            #expect(STIXImport.date(text) == nil, "\(text)")
        }
    }

    @Test("deep brackets, long chains and wide stars of relationships are read, not stalled on")
    func shapes() throws {
        let deep = "[a" + String(repeating: "[", count: 20_000) + String(repeating: "]", count: 20_000) + "]"
        _ = try? STIXPattern.read(deep)
        var objects: [String] = [
            #"{"type": "infrastructure", "id": "infrastructure--00000000-0000-4000-8000-000000000000", "name": "Hub"}"#
        ]
        func observable(_ n: Int) -> String { "ipv4-addr--00000000-0000-4000-8000-\(String(format: "%012d", n + 1))" }
        for n in 0..<5_000 {
            objects.append(
                #"{"type": "ipv4-addr", "id": "\#(observable(n))", "value": "10.9.\#(n / 256).\#(n % 256)"}"#)
            // A chain of observables, ids falling, and every one of them related to the hub too.
            if n > 0 {
                objects.append(
                    #"{"type": "relationship", "id": "relationship--00000000-0000-4000-8000-\#(String(format: "%012d", n))", "source_ref": "\#(observable(n))", "target_ref": "\#(observable(n - 1))"}"#
                )
            }
            objects.append(
                #"{"type": "relationship", "id": "relationship--00000000-0000-4000-9000-\#(String(format: "%012d", n))", "source_ref": "\#(observable(n))", "target_ref": "infrastructure--00000000-0000-4000-8000-000000000000"}"#
            )
        }
        let bundle = #"{"type": "bundle", "objects": ["# + objects.joined(separator: ",") + "]}"
        let read = try STIXImport.read(Data(bundle.utf8), defaults: Self.defaults)
        #expect(read.errors.isEmpty)
        #expect(read.targets.count == 1)
        #expect(read.targets.first?.input.selectors.count == 5_000)
    }

    @Test("a file of a million bad rows lists the first thousand and counts the rest")
    func manyErrors() throws {
        let table = "selector\n" + String(repeating: "x\n", count: 5_000)
        let read = try CSVImport.read(Data(table.utf8), defaults: Self.defaults)
        #expect(read.errors.count == InteropImport.listed)
        #expect(read.errorsNotListed == 5_000 - InteropImport.listed)
        let wide = String(repeating: "a,", count: 2_000) + "ip\n"
        #expect(throws: InteropError.self) { try CSVImport.read(Data(wide.utf8), defaults: Self.defaults) }
        let long = "selector\n\"" + String(repeating: "y", count: 100_000) + "\"\n"
        let echoed = try CSVImport.read(Data(long.utf8), defaults: Self.defaults)
        #expect((echoed.errors.first?.detail.count ?? .max) < 300, "the error echoes the whole value")
    }

    @Test("a target of named distribution is exported so, and imported for the importer alone")
    func namedDistribution() throws {
        var targets = try InteropTests.sample()
        targets[0].distribution = .agencies(["agency-a"])
        let operation = InteropTests.operation
        let bundle = STIXExport.bundle(of: targets, in: operation, agencies: ["agency-a": InteropTests.agency])
        let stix = try STIXImport.read(bundle, defaults: Self.defaults)
        #expect(stix.targets.map(\.restrictedDistribution) == [true, false, false, false])
        #expect(stix.targets[0].input.handling == targets[0].handling, "the distribution marking is no handling")
        let event = MISPExport.event(of: targets, in: operation, exporter: InteropTests.agency)
        let misp = try MISPImport.read(event, defaults: Self.defaults)
        #expect(misp.targets.map(\.restrictedDistribution) == [true, false, false, false])
    }
}
