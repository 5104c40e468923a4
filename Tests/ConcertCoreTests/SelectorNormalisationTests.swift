import Foundation
import Testing

@testable import ConcertCore

/// Normalises a value of `kind` and returns its match key; the default country is France.
private func key(_ kind: SelectorKind, _ text: String, country: String? = "FR") throws -> String {
    try SelectorInput(kind: kind, text: text).normalised(defaultCountry: country).matchKey
}

private func personKey(_ name: String) throws -> String {
    try SelectorInput(kind: .person, value: .person(PersonIdentity(name: name))).normalised(defaultCountry: nil)
        .matchKey
}

@Suite("IP addresses")
struct IPAddressTests {
    @Test(
        "every textual form of one address has one key",
        arguments: [
            ("192.0.2.7", "192.0.2.7"),
            (" 192.0.2.7 ", "192.0.2.7"),
            ("192.000.002.007", "192.0.2.7"),
            ("::ffff:192.0.2.7", "192.0.2.7"),
            ("::FFFF:C000:0207", "192.0.2.7"),
            ("2001:DB8::1", "2001:db8::1"),
            ("2001:0db8:0000:0000:0000:0000:0000:0001", "2001:db8::1"),
            ("[2001:db8::1]", "2001:db8::1"),
            ("2001:db8:0:0:1:0:0:1", "2001:db8::1:0:0:1"),
            ("2001:db8::0:1", "2001:db8::1"),
            ("::", "::"),
            ("0:0:0:0:0:0:0:1", "::1"),
            ("2001:db8:0:1:1:1:1:1", "2001:db8:0:1:1:1:1:1"),
            ("fe80::1:2:3:4", "fe80::1:2:3:4"),
        ])
    func equalForms(input: String, expected: String) throws {
        #expect(try key(.ip, input) == expected)
    }

    @Test(
        "malformed addresses are refused",
        arguments: [
            "192.0.2", "192.0.2.256", "192.0.2.7.1", "1.2.3.-4", "2001:db8:::1", "2001:db8::1::2", "12345::",
            "1:2:3:4:5:6:7:8:9", "example.com", "", "fe80::1%eth0", "192.0.2.0/24", "192.0.2.7.", ".192.0.2.7",
            "192.0.2.1000", "192.0.2.\u{664}", "192.0.2.+7", "192.0.2..7",
        ])
    func refused(input: String) {
        #expect(throws: DomainError.self) { try key(.ip, input) }
    }

    @Test("different addresses have different keys")
    func unequal() throws {
        #expect(try key(.ip, "192.0.2.7") != key(.ip, "192.0.2.70"))
        #expect(try key(.ip, "2001:db8::1") != key(.ip, "2001:db8::10"))
        #expect(try key(.ip, "::1") != key(.ip, "0.0.0.1"))
    }

    @Test("CIDR blocks are normalised to their network and contain their addresses")
    func cidr() throws {
        #expect(try key(.cidr, "10.0.0.7/24") == "10.0.0.0/24")
        #expect(try key(.cidr, "10.0.0.0/24") == "10.0.0.0/24")
        #expect(try key(.cidr, "2001:DB8:0:0::/32") == "2001:db8::/32")
        #expect(try key(.cidr, "192.0.2.7") == "192.0.2.7/32")
        #expect(try key(.cidr, "::ffff:10.0.0.0/120") == "10.0.0.0/24")
        let block = try #require(CIDRBlock("10.0.0.0/24"))
        #expect(block.contains(try #require(IPAddress("10.0.0.7"))))
        #expect(!block.contains(try #require(IPAddress("10.0.1.7"))))
        #expect(!block.contains(try #require(IPAddress("::a00:7"))))
        let v6 = try #require(CIDRBlock("2001:db8::/32"))
        #expect(v6.contains(try #require(IPAddress("2001:db8:ffff::1"))))
        #expect(v6.overlaps(try #require(CIDRBlock("2001:db8:1::/48"))))
        #expect(!v6.overlaps(try #require(CIDRBlock("2001:db9::/32"))))
        for bad in ["10.0.0.0/33", "10.0.0.0/-1", "10.0.0.0/", "2001:db8::/129", "10.0.0.0/24/1", "/24"] {
            #expect(throws: DomainError.self) { try key(.cidr, bad) }
        }
    }
}

@Suite("Domains")
struct DomainTests {
    @Test(
        "case, trailing dot, IDNA and full-width dots fold to one key",
        arguments: [
            ("Example.COM.", "example.com"),
            ("example.com", "example.com"),
            ("  WWW.Example.com  ", "www.example.com"),
            ("bücher.de", "xn--bcher-kva.de"),
            ("BÜCHER.DE", "xn--bcher-kva.de"),
            ("xn--bcher-kva.de", "xn--bcher-kva.de"),
            ("XN--BCHER-KVA.DE.", "xn--bcher-kva.de"),
            ("例え.テスト", "xn--r8jz45g.xn--zckzah"),
            ("例え。テスト", "xn--r8jz45g.xn--zckzah"),
            ("пример.рф", "xn--e1afmkfd.xn--p1ai"),
            ("münchen.example", "xn--mnchen-3ya.example"),
            ("_dmarc.example.com", "_dmarc.example.com"),
        ])
    func equalForms(input: String, expected: String) throws {
        #expect(try key(.domain, input) == expected)
    }

    @Test(
        "non-domains are refused with a reason",
        arguments: [
            "example", "", ".", "exa mple.com", "-example.com", "example-.com", "a..b.com", "http://example.com",
            "user@example.com", "192.0.2.7", "xn--zz.com", String(repeating: "a", count: 64) + ".com",
        ])
    func refused(input: String) {
        #expect(throws: DomainError.self) { try key(.domain, input) }
    }

    @Test("different domains differ; subdomains are recognised")
    func unequal() throws {
        #expect(try key(.domain, "example.com") != key(.domain, "example.org"))
        #expect(try key(.domain, "buecher.de") != key(.domain, "bücher.de"))
        #expect(DomainName.isSubdomain("cdn.example.com", of: "example.com"))
        #expect(!DomainName.isSubdomain("badexample.com", of: "example.com"))
        #expect(!DomainName.isSubdomain("example.com", of: "example.com"))
    }

    @Test("Punycode round-trips RFC 3492 samples")
    func punycode() {
        #expect(Punycode.encode("bücher") == "bcher-kva")
        #expect(Punycode.decode("bcher-kva") == "bücher")
        #expect(Punycode.encode("他们为什么不说中文") == "ihqwcrb4cv8a8dqg056pqjye")
        #expect(Punycode.decode("ihqwcrb4cv8a8dqg056pqjye") == "他们为什么不说中文")
        #expect(Punycode.encode("почемужеонинеговорятпорусски") == "b1abfaaepdrnnbgefbadotcwatmq2g4l")
    }
}

@Suite("E-mail addresses")
struct EmailTests {
    @Test(
        "the domain part folds, the local part keeps its case",
        arguments: [
            ("a.georgiou@release-team.example", "a.georgiou@release-team.example"),
            ("a.georgiou@RELEASE-TEAM.EXAMPLE", "a.georgiou@release-team.example"),
            ("  a.georgiou@release-team.example.  ", "a.georgiou@release-team.example"),
            ("mailto:a.georgiou@release-team.example", "a.georgiou@release-team.example"),
            ("MAILTO:a.georgiou@Release-Team.Example", "a.georgiou@release-team.example"),
            ("<a.georgiou@release-team.example>", "a.georgiou@release-team.example"),
            ("jörg@bücher.de", "jörg@xn--bcher-kva.de"),
            ("user+tag@example.com", "user+tag@example.com"),
            ("\"odd@local\"@example.com", "\"odd@local\"@example.com"),
            ("Name.Surname@Example.COM", "Name.Surname@example.com"),
        ])
    func equalForms(input: String, expected: String) throws {
        #expect(try key(.email, input) == expected)
    }

    @Test(
        "non-addresses are refused",
        arguments: [
            "no-at-sign", "@example.com", "user@", "user@localhost", "us er@example.com", ".user@example.com",
            "user.@example.com", "us..er@example.com", "user@exa mple.com",
            String(repeating: "a", count: 65) + "@example.com",
        ])
    func refused(input: String) {
        #expect(throws: DomainError.self) { try key(.email, input) }
    }

    @Test("local parts that differ in case are different keys")
    func unequal() throws {
        #expect(try key(.email, "Name@example.com") != key(.email, "name@example.com"))
        #expect(try key(.email, "name@example.com") != key(.email, "name@example.org"))
    }
}

@Suite("Phone numbers")
struct PhoneTests {
    @Test(
        "E.164 from every common way of writing",
        arguments: [
            ("+33 6 12 34 56 78", "FR", "+33612345678"),
            ("0033612345678", "FR", "+33612345678"),
            ("06 12 34 56 78", "FR", "+33612345678"),
            ("06.12.34.56.78", "FR", "+33612345678"),
            ("+33 (0)6 12-34-56-78", "FR", "+33612345678"),
            ("tel:+33-6-12-34-56-78", "DE", "+33612345678"),
            ("(212) 555-0147", "US", "+12125550147"),
            ("1-212-555-0147", "US", "+12125550147"),
            ("011 33 6 12 34 56 78", "US", "+33612345678"),
            ("06 12 34 56 78", "IT", "+390612345678"),
            ("0171 2345678", "DE", "+491712345678"),
            ("+357 99 123456", nil, "+35799123456"),
            ("07700 900123", "GB", "+447700900123"),
        ])
    func equalForms(input: String, country: String?, expected: String) throws {
        #expect(try key(.phone, input, country: country) == expected)
    }

    @Test(
        "non-numbers are refused",
        arguments: [
            ("12", "FR"), ("+33 6 12 34 56 78 90 12 34", "FR"), ("call me", "FR"), ("06 12 34 56 78", nil),
            ("+0 123 456 789", "FR"), ("06 12 34 56 78 ext 5", "FR"), ("", "FR"), ("++33612345678", "FR"),
            ("06 12 34 56 78", "ZZ"), ("+33 6 12 34 56 7a", "FR"),
        ])
    func refused(input: String, country: String?) {
        #expect(throws: DomainError.self) { try key(.phone, input, country: country) }
    }

    @Test("the default country decides a national number")
    func unequal() throws {
        #expect(try key(.phone, "06 12 34 56 78", country: "FR") != key(.phone, "06 12 34 56 78", country: "BE"))
        #expect(try key(.phone, "+33612345678") != key(.phone, "+33612345679"))
    }
}

@Suite("URLs")
struct URLTests {
    @Test(
        "scheme and host case, default ports, dot segments, escapes and fragments fold",
        arguments: [
            ("HTTP://Example.COM:80/a/./b/../c?q=1#top", "http://example.com/a/c?q=1"),
            ("http://example.com", "http://example.com/"),
            ("example.com/film", "http://example.com/film"),
            ("https://example.com:443/", "https://example.com/"),
            ("https://example.com:8443/", "https://example.com:8443/"),
            ("http://example.com/%7Euser/%2f", "http://example.com/~user/%2F"),
            ("http://BÜCHER.de/Buch", "http://xn--bcher-kva.de/Buch"),
            ("http://[2001:DB8::1]:80/x", "http://[2001:db8::1]/x"),
            ("http://192.000.2.7/x", "http://192.0.2.7/x"),
            ("ftp://user@files.example.com:21/pub/", "ftp://user@files.example.com/pub/"),
            ("http://example.com/a/b/..", "http://example.com/a/"),
        ])
    func equalForms(input: String, expected: String) throws {
        #expect(try key(.url, input) == expected)
    }

    @Test(
        "non-URLs are refused",
        arguments: [
            "", "http://", "http://exa mple.com/", "http://example.com:99999/", "http://example.com:ab/",
            "1http://example.com", "http://[2001:db8::1/", "http://-bad-.com/", "http://localhost/",
            "ht tp://example.com",
        ])
    func refused(input: String) {
        #expect(throws: DomainError.self) { try key(.url, input) }
    }

    @Test("path and query case and scheme matter")
    func unequal() throws {
        #expect(try key(.url, "http://example.com/Film") != key(.url, "http://example.com/film"))
        #expect(try key(.url, "http://example.com/") != key(.url, "https://example.com/"))
        #expect(try key(.url, "http://example.com/?a=1") != key(.url, "http://example.com/?a=2"))
    }
}

@Suite("Wallet addresses")
struct WalletTests {
    @Test(
        "hex and Bech32 fold case; Base58 is kept",
        arguments: [
            ("0x52908400098527886E0F7030069857D2E4169EE7", "0x52908400098527886e0f7030069857d2e4169ee7"),
            ("0x52908400098527886e0f7030069857d2e4169ee7", "0x52908400098527886e0f7030069857d2e4169ee7"),
            ("ethereum:0x52908400098527886E0F7030069857D2E4169EE7", "0x52908400098527886e0f7030069857d2e4169ee7"),
            ("bc1qw508d6qejxtdg4y5r3zarvary0c5xw7kv8f3t4", "bc1qw508d6qejxtdg4y5r3zarvary0c5xw7kv8f3t4"),
            ("BC1QW508D6QEJXTDG4Y5R3ZARVARY0C5XW7KV8F3T4", "bc1qw508d6qejxtdg4y5r3zarvary0c5xw7kv8f3t4"),
            (
                "bitcoin:bc1qw508d6qejxtdg4y5r3zarvary0c5xw7kv8f3t4?amount=1",
                "bc1qw508d6qejxtdg4y5r3zarvary0c5xw7kv8f3t4"
            ),
            ("1BvBMSEYstWetqTFn5Au4m4GFg7xJaNVN2", "1BvBMSEYstWetqTFn5Au4m4GFg7xJaNVN2"),
            (" 3J98t1WpEZ73CNmQviecrnyiWrnqRhWNLy ", "3J98t1WpEZ73CNmQviecrnyiWrnqRhWNLy"),
            ("bitcoin:1BvBMSEYstWetqTFn5Au4m4GFg7xJaNVN2", "1BvBMSEYstWetqTFn5Au4m4GFg7xJaNVN2"),
            ("ltc1qg82tvlyhq8wtfugrtmutzl2g5ljcd8f3u0xkyh", "ltc1qg82tvlyhq8wtfugrtmutzl2g5ljcd8f3u0xkyh"),
        ])
    func equalForms(input: String, expected: String) throws {
        #expect(try key(.wallet, input) == expected)
    }

    @Test(
        "non-addresses are refused",
        arguments: [
            "", "0x1234", "0xZZ908400098527886E0F7030069857D2E4169EE7", "1BvBMSEYstWetqTFn5Au4m4GFg7xJaNVN0",
            "short", "bc1QW508d6qejxtdg4y5r3zarvary0c5xw7kv8f3t4O", "1BvBMSEY stWetqTFn5Au4m4GFg7xJaNVN2",
            "O0O0O0O0O0O0O0O0O0O0O0O0O0O0O0", "http://x:1BvBMSEYstWetqTFn5Au4m4GFg7xJaNVN2",
            "lIlIlIlIlIlIlIlIlIlIlIlIlI",
        ])
    func refused(input: String) {
        #expect(throws: DomainError.self) { try key(.wallet, input) }
    }

    @Test("Base58 addresses are case-sensitive")
    func unequal() throws {
        #expect(
            try key(.wallet, "1BvBMSEYstWetqTFn5Au4m4GFg7xJaNVN2") != key(.wallet, "1bvBMSEYstWetqTFn5Au4m4GFg7xJaNVN2")
        )
    }
}

@Suite("Person names")
struct PersonNameTests {
    @Test(
        "case, diacritics, umlaut spellings, scripts and word order fold to one key",
        arguments: [
            ("Müller", "muller"), ("MULLER", "muller"), ("Mueller", "muller"), ("Мюллер", "muller"),
            ("müller", "muller"), ("Hans Müller", "hans muller"), ("MÜLLER, Hans", "hans muller"),
            ("Lefèvre", "lefevre"), ("LEFEVRE", "lefevre"), ("Søren Kierkegaard", "kierkegaard soren"),
            ("Straße", "strasse"), ("Юрий", "yuri"), ("Yuriy", "yuri"), ("Yury", "yuri"),
            ("Νίκος", "nikos"), ("Γεώργιου", "georgiu"), ("Łukasz", "lukasz"), ("Dvořák", "dvorak"),
            ("Jean-Luc Picard", "jean luc picard"),
        ])
    func equalForms(input: String, expected: String) throws {
        #expect(try personKey(input) == expected)
    }

    @Test("different names keep different keys")
    func unequal() throws {
        #expect(try personKey("Müller") != personKey("Miller"))
        #expect(try personKey("Hans Müller") != personKey("Hans Möller"))
        #expect(try personKey("Anna Novak") != personKey("Anna Nowak"))
    }

    @Test("a name needs letters, a date of birth must be a real date")
    func refused() {
        for bad in ["", "   ", "123", "---"] {
            #expect(throws: DomainError.self) { try personKey(bad) }
        }
        for date in [
            "1980-02-30", "1980-13-01", "80-01-01", "1980/01/01", "1800-01-01", "yesterday", "1900-02-29",
            "1981-02-29", "1980-04-31", "1980-00-10", "1980-01-00", "2101-01-01", "1980-1-01", "1980-01-1",
            "\u{FF11}980-01-01", "1980-01-01 ", "1980-01-01T00:00",
        ] {
            #expect(throws: DomainError.self) {
                try SelectorInput(kind: .person, value: .person(PersonIdentity(name: "A B", dateOfBirth: date)))
                    .normalised(defaultCountry: nil)
            }
        }
    }

    @Test("the days of the Gregorian calendar are dates of birth, leap days included")
    func realDates() throws {
        for date in ["1980-02-29", "2000-02-29", "1900-02-28", "1980-12-31", "1980-04-30", "2100-12-31", "1900-01-01"] {
            let selector = try SelectorInput(
                kind: .person, value: .person(PersonIdentity(name: "A B", dateOfBirth: date))
            )
            .normalised(defaultCountry: nil)
            #expect(selector.dateOfBirth == date)
        }
    }

    @Test("a date of birth is kept beside the name key")
    func dateOfBirth() throws {
        let selector = try SelectorInput(
            kind: .person, value: .person(PersonIdentity(name: "Jörg Müller", dateOfBirth: "1977-05-09"))
        ).normalised(defaultCountry: nil)
        #expect(selector.matchKey == "jorg muller")
        #expect(selector.dateOfBirth == "1977-05-09")
    }
}

@Suite("Normalisation without Foundation on the common path")
struct NormalisationFastPathTests {
    /// The umlaut folding as it was written with Foundation: each pair replaced in one pass,
    /// one kind after the other.
    static func foldedWithFoundation(_ word: String) -> String {
        var word = word
        for (long, short) in [("ae", "a"), ("oe", "o"), ("ue", "u")] {
            word = word.replacingOccurrences(of: long, with: short)
        }
        return word
    }

    @Test("written-out umlauts fold exactly as the pairwise replacement did, on 20,000 random words")
    func umlautFolding() {
        var random = SystemRandomNumberGenerator()
        let letters = Array("aeoux")
        for _ in 0..<20_000 {
            let word = String(
                (0..<Int.random(in: 0...9, using: &random)).map { _ in letters.randomElement(using: &random)! })
            let folded = PersonName.simplify(word)
            var expected = Self.foldedWithFoundation(word)
            for ending in ["iy", "ij", "ii", "yi", "y"]
            where expected.count > ending.count + 1 && expected.hasSuffix(ending) {
                expected = String(expected.dropLast(ending.count)) + "i"
                break
            }
            #expect(folded == expected, "\(word)")
        }
    }

    @Test("ASCII names, domains and addresses get the same keys as through Foundation's forms")
    func asciiAgreesWithUnicodePath() throws {
        #expect(PersonName.matchKey("  MUELLER, Hans-Peter ") == PersonName.matchKey("Müller, Hans Peter"))
        #expect(PersonName.matchKey("Kabeto Rinusa") == "kabeto rinusa")
        #expect(try DomainName.normalise("CDN.Example.COM.") == "cdn.example.com")
        #expect(try DomainName.normalise("cdn\u{3002}example\u{FF0E}com") == "cdn.example.com")
        #expect(throws: DomainError.self) { try DomainName.normalise("example.com/films") }
        #expect(try EmailAddress.normalise(" John.Doe@Example.COM ") == "John.Doe@example.com")
        #expect(throws: DomainError.self) { try EmailAddress.normalise("john..doe@example.com") }
        #expect("\u{00A0}x\u{2003}".trimmingWhitespace() == "x")
        #expect("x".trimmingWhitespace() == "x")
    }
}
