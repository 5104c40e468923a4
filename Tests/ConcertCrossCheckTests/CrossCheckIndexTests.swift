import ConcertCore
import Testing

@testable import ConcertCrossCheck

/// Builds index entries from selectors as a client writes them, through the same
/// normalisation as targets.
struct Recorder {
    var index = CrossCheckIndex()
    private var counter = 0

    init(index: CrossCheckIndex = CrossCheckIndex()) {
        self.index = index
    }

    /// Records a selector in `operation` by `agency` and returns its entry.
    @discardableResult
    mutating func record(
        _ kind: SelectorKind, _ text: String, in operation: String, by agency: String = "agency",
        country: String? = nil
    ) throws -> CrossCheckEntry {
        let entry = try Self.entry(kind, text, in: operation, by: agency, country: country, targetId: "s\(counter)")
        counter += 1
        index.insert(entry)
        return entry
    }

    @discardableResult
    mutating func recordPerson(
        _ name: String, born: String? = nil, in operation: String, by agency: String = "agency"
    ) throws -> CrossCheckEntry {
        let selector = try SelectorInput(kind: .person, value: .person(PersonIdentity(name: name, dateOfBirth: born)))
            .normalised(defaultCountry: nil, limits: Self.anyWidth)
        let entry = CrossCheckEntry(
            targetId: "s\(counter)", operationId: operation, agencyId: agency, selector: selector)
        counter += 1
        index.insert(entry)
        return entry
    }

    /// The index matches blocks of any width; the limits on recording them are the API's.
    static let anyWidth = SelectorLimits(minimumIPv4PrefixLength: 0, minimumIPv6PrefixLength: 0)

    static func entry(
        _ kind: SelectorKind, _ text: String, in operation: String, by agency: String = "agency",
        country: String? = nil, targetId: String = "probe"
    ) throws -> CrossCheckEntry {
        let selector = try SelectorInput(kind: kind, text: text).normalised(defaultCountry: country, limits: anyWidth)
        return CrossCheckEntry(targetId: targetId, operationId: operation, agencyId: agency, selector: selector)
    }

    /// The match kinds found for `entry`, by the other side's operation.
    func kinds(for entry: CrossCheckEntry) -> [String: MatchKind] {
        Dictionary(uniqueKeysWithValues: index.lookUp(entry).matches.map { ($0.entry.operationId, $0.kind) })
    }
}

@Suite("Cross-check index: every match kind, both directions")
struct CrossCheckIndexTests {
    @Test("the same IP, e-mail, URL and wallet match exactly however each side wrote them")
    func exactMatches() throws {
        var recorder = Recorder()
        let pairs: [(SelectorKind, String, String)] = [
            (.ip, "192.0.2.7", "::ffff:192.0.2.7"),
            (.ip, "2001:DB8::1", "2001:0db8:0000:0000:0000:0000:0000:0001"),
            (.email, "John.Doe@Example.COM", "mailto:<John.Doe@example.com>"),
            (.url, "HTTP://Example.com:80/films/", "http://example.com/films/"),
            (.wallet, "0x52908400098527886E0F7030069857D2E4169EE7", "0x52908400098527886e0f7030069857d2e4169ee7"),
        ]
        for (kind, first, second) in pairs {
            let mine = try recorder.record(kind, first, in: "op-\(kind)-A")
            let theirs = try recorder.record(kind, second, in: "op-\(kind)-B")
            #expect(recorder.kinds(for: mine) == ["op-\(kind)-B": .exact], "\(kind) \(first)")
            #expect(recorder.kinds(for: theirs) == ["op-\(kind)-A": .exact], "\(kind) \(second)")
        }
        // The local part of an address keeps its case: only the receiving server may equate them.
        let unrelated = try Recorder.entry(.email, "john.doe@example.com", in: "op-other")
        #expect(!recorder.index.lookUp(unrelated).isHit)
    }

    @Test("an E.164 phone number written five ways is one number")
    func phones() throws {
        var recorder = Recorder()
        let writings: [(String, String?)] = [
            ("+33 6 12 34 56 78", nil), ("0033612345678", nil), ("06 12 34 56 78", "FR"), ("+33 (0)6-12-34-56-78", nil),
            ("(+33) 612.345.678", nil),
        ]
        let entries = try writings.enumerated().map { index, writing in
            try recorder.record(.phone, writing.0, in: "op-\(index)", country: writing.1)
        }
        for entry in entries {
            let kinds = recorder.kinds(for: entry)
            #expect(kinds.count == 4, "\(entry.matchKey): \(kinds)")
            #expect(kinds.values.allSatisfy { $0 == .exact })
        }
    }

    @Test("an IPv4 address inside a recorded block, and the block containing it")
    func ipv4InsideBlock() throws {
        var recorder = Recorder()
        let block = try recorder.record(.cidr, "198.51.100.0/24", in: "op-block")
        let address = try recorder.record(.ip, "198.51.100.77", in: "op-address")
        let outside = try recorder.record(.ip, "198.51.101.1", in: "op-outside")
        #expect(recorder.kinds(for: address) == ["op-block": .insideBlock])
        #expect(recorder.kinds(for: block) == ["op-address": .containsAddress])
        #expect(recorder.kinds(for: outside).isEmpty)
        // A large block finds addresses across many buckets.
        let wide = try Recorder.entry(.cidr, "198.0.0.0/8", in: "op-wide")
        #expect(
            recorder.kinds(for: wide) == [
                "op-block": .overlappingBlocks, "op-address": .containsAddress, "op-outside": .containsAddress,
            ])
    }

    @Test("IPv6 blocks that overlap, both directions, and an IPv6 address inside one")
    func ipv6Overlap() throws {
        var recorder = Recorder()
        let wide = try recorder.record(.cidr, "2001:db8::/32", in: "op-wide")
        let narrow = try recorder.record(.cidr, "2001:DB8:0:42::/64", in: "op-narrow")
        let elsewhere = try recorder.record(.cidr, "2001:db9::/32", in: "op-elsewhere")
        #expect(recorder.kinds(for: wide) == ["op-narrow": .overlappingBlocks])
        #expect(recorder.kinds(for: narrow) == ["op-wide": .overlappingBlocks])
        #expect(recorder.kinds(for: elsewhere).isEmpty)
        let address = try Recorder.entry(.ip, "2001:db8:0:42::17", in: "op-probe")
        #expect(recorder.kinds(for: address) == ["op-wide": .insideBlock, "op-narrow": .insideBlock])
        // IPv4 and IPv6 never match each other.
        let ipv4 = try Recorder.entry(.cidr, "32.1.13.0/24", in: "op-probe")
        #expect(recorder.kinds(for: ipv4).isEmpty)
    }

    @Test("a domain under a recorded domain is flagged as such, both directions; IDNA forms are one domain")
    func domains() throws {
        var recorder = Recorder()
        let parent = try recorder.record(.domain, "Example.COM.", in: "op-parent")
        let child = try recorder.record(.domain, "cdn.example.com", in: "op-child")
        let idna = try recorder.record(.domain, "bücher.example", in: "op-unicode")
        let punycode = try recorder.record(.domain, "xn--bcher-kva.example", in: "op-ascii")
        let deep = try recorder.record(.domain, "a.b.xn--bcher-kva.example", in: "op-deep")
        #expect(recorder.kinds(for: child) == ["op-parent": .subdomain])
        #expect(recorder.kinds(for: parent) == ["op-child": .parentDomain])
        #expect(recorder.kinds(for: idna) == ["op-ascii": .exact, "op-deep": .parentDomain])
        #expect(recorder.kinds(for: punycode) == ["op-unicode": .exact, "op-deep": .parentDomain])
        #expect(recorder.kinds(for: deep) == ["op-unicode": .subdomain, "op-ascii": .subdomain])
        // A shared top-level domain is no match.
        let other = try Recorder.entry(.domain, "other.com", in: "op-probe")
        #expect(recorder.kinds(for: other).isEmpty)
    }

    @Test(
        "names in Latin, Cyrillic and Greek script match by their folded key, strengthened or weakened by the date of birth"
    )
    func persons() throws {
        var recorder = Recorder()
        let latin = try recorder.recordPerson("Dmitri Ivanov", born: "1980-04-12", in: "op-latin")
        let cyrillic = try recorder.recordPerson("Дмитрий Иванов", born: "1980-04-12", in: "op-cyrillic")
        let undated = try recorder.recordPerson("IVANOV, Dmitri", in: "op-undated")
        let otherBirth = try recorder.recordPerson("Dmitri Ivanov", born: "1975-01-01", in: "op-other-birth")
        let greekA = try recorder.recordPerson("Νίκος Σάββας", born: "1970-02-03", in: "op-greek")
        let greekB = try recorder.recordPerson("SAVVAS, Nikos", born: "1970-02-03", in: "op-greek-latin")
        #expect(
            recorder.kinds(for: latin) == [
                "op-cyrillic": .samePerson, "op-undated": .possiblePerson,
            ])
        #expect(recorder.kinds(for: cyrillic) == ["op-latin": .samePerson, "op-undated": .possiblePerson])
        #expect(
            recorder.kinds(for: undated) == [
                "op-latin": .possiblePerson, "op-cyrillic": .possiblePerson, "op-other-birth": .possiblePerson,
            ])
        #expect(recorder.kinds(for: otherBirth) == ["op-undated": .possiblePerson])
        #expect(recorder.kinds(for: greekA) == ["op-greek-latin": .samePerson])
        #expect(recorder.kinds(for: greekB) == ["op-greek": .samePerson])
    }

    @Test("a value held by 200 operations becomes common and reports its holder count, not 199 matches")
    func commonValues() throws {
        var recorder = Recorder()
        for operation in 0..<200 { try recorder.record(.ip, "9.9.9.9", in: "op-\(operation)") }
        let probe = try Recorder.entry(.ip, "9.9.9.9", in: "op-new")
        let result = recorder.index.lookUp(probe)
        #expect(result.commonHolders == 200)
        #expect(result.matches.isEmpty)
        #expect(result.isHit)
        var rare = Recorder(index: CrossCheckIndex(commonThreshold: 50))
        for operation in 0..<3 { try rare.record(.ip, "9.9.9.9", in: "op-\(operation)") }
        #expect(rare.index.lookUp(probe).matches.count == 3)
    }

    @Test("matches within one operation are not hits, and a removed selector matches nothing")
    func sameOperationAndRemoval() throws {
        var recorder = Recorder()
        try recorder.record(.email, "a@example.com", in: "op-A")
        let other = try recorder.record(.email, "a@example.com", in: "op-B")
        let probe = try Recorder.entry(.email, "a@example.com", in: "op-A")
        #expect(recorder.kinds(for: probe) == ["op-B": .exact])
        recorder.index.remove(targetId: other.targetId)
        #expect(recorder.kinds(for: probe).isEmpty)
        let block = try recorder.record(.cidr, "203.0.113.0/24", in: "op-C")
        recorder.index.remove(targetId: block.targetId)
        #expect(recorder.kinds(for: try Recorder.entry(.ip, "203.0.113.9", in: "op-D")).isEmpty)
        #expect(recorder.index.count == 1)
    }

    @Test("an agency's common values come and go with the holders")
    func commonValuesFollowHolders() {
        var index = CrossCheckIndex(commonThreshold: 3)
        for operation in 0..<3 {
            index.insert(
                CrossCheckEntry(
                    targetId: "r\(operation)", operationId: "op\(operation)",
                    agencyId: operation == 0 ? "mine" : "other",
                    kind: .ip, matchKey: "9.9.9.9"))
        }
        #expect(index.commonValues(heldBy: "mine").map(\.holders) == [3])
        #expect(index.commonValues(heldBy: "nobody").isEmpty)
        index.remove(targetId: "r2")
        #expect(index.commonValues(heldBy: "mine").isEmpty)
    }

    @Test("blocks wider than every bucket find, and are found by, what lies inside them")
    func blocksWiderThanBuckets() throws {
        var recorder = Recorder()
        try recorder.record(.cidr, "10.0.0.0/6", in: "op-slash6")
        try recorder.record(.cidr, "10.20.0.0/16", in: "op-slash16")
        try recorder.record(.ip, "11.1.2.3", in: "op-address")
        try recorder.record(.ip, "12.0.0.1", in: "op-beyond")
        let slash4 = try Recorder.entry(.cidr, "0.0.0.0/4", in: "op-probe")
        #expect(
            recorder.kinds(for: slash4) == [
                "op-slash6": .overlappingBlocks, "op-slash16": .overlappingBlocks, "op-address": .containsAddress,
                "op-beyond": .containsAddress,
            ])
        let slash7 = try Recorder.entry(.cidr, "10.0.0.0/7", in: "op-probe")
        #expect(
            recorder.kinds(for: slash7) == [
                "op-slash6": .overlappingBlocks, "op-slash16": .overlappingBlocks, "op-address": .containsAddress,
            ])
        #expect(recorder.kinds(for: try Recorder.entry(.ip, "7.255.255.255", in: "op-probe")).isEmpty)
        #expect(recorder.kinds(for: try Recorder.entry(.ip, "8.0.0.1", in: "op-probe")) == ["op-slash6": .insideBlock])
    }

    @Test("after thousands of removals the index compacts itself and still finds exactly what stays")
    func removalsAndCompaction() {
        var index = CrossCheckIndex()
        func entry(_ number: Int, operation: String) -> CrossCheckEntry {
            CrossCheckEntry(
                targetId: "t\(number)-\(operation)", operationId: operation, agencyId: "agency", kind: .ip,
                matchKey: "10.0.\(number / 256).\(number % 256)")
        }
        for number in 0..<10_000 {
            index.insert(entry(number, operation: "kept"))
            index.insert(entry(number, operation: "dropped-a"))
            index.insert(entry(number, operation: "dropped-b"))
        }
        // The same selector twice in one target is one entry.
        index.insert(entry(0, operation: "kept"))
        #expect(index.count == 30_000)
        let before = index
        for number in 0..<10_000 {
            index.remove(targetId: "t\(number)-dropped-a")
            index.remove(targetId: "t\(number)-dropped-b")
        }
        #expect(index.count == 10_000)
        #expect(index.removedEntries < 20_000, "once removed entries outnumbered live ones, it compacted")
        #expect(before.count == 30_000, "a copy keeps its own selectors")
        let probe = CrossCheckEntry(
            targetId: "probe", operationId: "probe", agencyId: "other", kind: .cidr, matchKey: "10.0.0.0/16")
        #expect(index.lookUp(probe).matches.count == 10_000)
        #expect(
            index.lookUp(probe).matches.allSatisfy { $0.entry.operationId == "kept" && $0.kind == .containsAddress })
        #expect(before.lookUp(probe).matches.count == 30_000)
        var single = probe
        single.kind = .ip
        single.matchKey = "10.0.39.15"
        #expect(index.lookUp(single).matches.map(\.entry.targetId) == ["t9999-kept"])
    }
}

@Suite("The index's own address reading agrees with IPAddress")
struct IndexAddressParsingTests {
    /// What the index reads from the text, as an IPAddress, or nil when it leaves it to IPAddress.
    static func fast(_ text: String) -> IPAddress? {
        var text = text
        return text.withUTF8 { utf8 in
            let bytes = UnsafeRawBufferPointer(utf8)
            if let value = CrossCheckStorage.ipv4(bytes) { return .v4(value) }
            return CrossCheckStorage.ipv6(bytes).map { .v6(high: $0.high, low: $0.low) }
        }
    }

    @Test("on canonical, unusual and broken forms, whatever it reads is what IPAddress reads")
    func agreesWithIPAddress() {
        var random = SystemRandomNumberGenerator()
        var samples = [
            "::", "::1", "1::", "2001:db8::", "2001:db8::1", "1:2:3:4:5:6:7:8", "1:2:3:4:5:6:7:8:", ":1:2:3:4:5:6:7",
            "1::2::3", "1:::2", "a::b:", "::ffff:1.2.3.4", "::ffff:102:304", "12345::", "::1:2:3:4:5:6:7",
            "1:2:3:4:5:6:7::8", "1:2:3:4:5:6:7", "0.0.0.0", "255.255.255.255", "256.1.1.1", "1.2.3", "1.2.3.4.5",
            "01.2.3.4", "1..2.3", "", ":", "g::1", "2001:DB8::A",
        ]
        for _ in 0..<2_000 {
            let groups = (0..<8).map { _ in UInt16.random(in: 0...UInt16.max, using: &random) }
            let zeros = Int.random(in: 0..<8, using: &random)
            let shaped = groups.enumerated().map { $0.offset >= zeros && $0.offset < zeros + 3 ? 0 : $0.element }
            let address = IPAddress.v6(
                high: shaped[0..<4].reduce(0) { $0 << 16 | UInt64($1) },
                low: shaped[4..<8].reduce(0) { $0 << 16 | UInt64($1) })
            samples.append(address.description)
            samples.append(shaped.map { String($0, radix: 16) }.joined(separator: ":"))
        }
        for sample in samples {
            guard let read = Self.fast(sample) else { continue }
            #expect(read == IPAddress(sample), "\(sample)")
        }
        #expect(Self.fast("2001:db8::1") != nil && Self.fast("10.1.2.3") != nil, "the usual forms are read here")
    }
}
