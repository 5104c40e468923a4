import Foundation
import Testing

@testable import ConcertCore

/// What recording `text` as a selector of `kind` is refused with, or nil when it is accepted.
private func refusal(
    _ kind: SelectorKind, _ text: String, limits: SelectorLimits = .standard
) -> DomainError? {
    refusal(SelectorInput(kind: kind, text: text), limits: limits)
}

private func refusal(_ input: SelectorInput, limits: SelectorLimits = .standard) -> DomainError? {
    do {
        _ = try input.normalised(defaultCountry: "FR", limits: limits)
        return nil
    } catch {
        return error
    }
}

private func person(_ name: String, born: String? = nil) -> SelectorInput {
    SelectorInput(kind: .person, value: .person(PersonIdentity(name: name, dateOfBirth: born)))
}

/// A list in the Public Suffix List format with a wildcard, an exception and both sections.
private let sampleList = """
    // This Source Code Form is subject to the terms of the Mozilla Public License, v. 2.0.

    // ===BEGIN ICANN DOMAINS===
    com
    uk
    co.uk
    \t*.ck
    !www.ck
    *.kobe.jp
    !city.kobe.jp
    公司.cn
    // ===END ICANN DOMAINS===
    // ===BEGIN PRIVATE DOMAINS===
    github.io   everything after the first whitespace is ignored
    // ===END PRIVATE DOMAINS===

    """

@Suite("Selectors too wide to identify anyone: IP blocks")
struct CIDRBreadthTests {
    @Test(
        "blocks wider than /16 (IPv4) or /32 (IPv6) are refused by default, naming the value",
        arguments: [
            "0.0.0.0/0", "::/0", "10.0.0.0/8", "10.0.0.0/15", "::ffff:0.0.0.0/96", "2001::/16", "2001:db8::/31",
        ])
    func wideBlocks(block: String) throws {
        let error = try #require(refusal(.cidr, block))
        #expect(error.field == "value")
        #expect(error.message.hasPrefix("'\(block)' covers "))
        #expect(error.message.contains("identifies no one"))
    }

    @Test("the sentence gives the numbers of the family and the limit")
    func sentences() throws {
        #expect(
            refusal(.cidr, "10.0.0.0/8")?.message
                == "'10.0.0.0/8' covers 16,777,216 addresses: an IPv4 CIDR block wider than /16 covers more than "
                + "65,536 addresses and identifies no one; record the narrower blocks you mean.")
        #expect(
            refusal(.cidr, "0.0.0.0/0")?.message
                == "'0.0.0.0/0' covers 4,294,967,296 addresses: an IPv4 CIDR block wider than /16 covers more "
                + "than 65,536 addresses and identifies no one; record the narrower blocks you mean.")
        #expect(
            refusal(.cidr, "::/0")?.message
                == "'::/0' covers 2^128 addresses: an IPv6 CIDR block wider than /32 covers more than 2^96 "
                + "addresses and identifies no one; record the narrower blocks you mean.")
    }

    @Test(
        "blocks at the limit or narrower, and single addresses, are accepted",
        arguments: ["10.1.0.0/16", "10.1.2.0/24", "192.0.2.7", "::ffff:10.1.0.0/112", "2001:db8::/32", "2001:db8::/48"])
    func narrowBlocks(block: String) {
        #expect(refusal(.cidr, block) == nil)
    }

    @Test("an installation that allows /8 accepts 10.0.0.0/8 and still refuses wider")
    func installationLimit() throws {
        let limits = SelectorLimits(minimumIPv4PrefixLength: 8)
        #expect(refusal(.cidr, "10.0.0.0/8", limits: limits) == nil)
        #expect(refusal(.cidr, "10.0.0.0/8") != nil)
        let error = try #require(refusal(.cidr, "0.0.0.0/0", limits: limits))
        #expect(error.message.contains("wider than /8 covers more than 16,777,216 addresses"))
        // The IPv6 limit is its own.
        #expect(refusal(.cidr, "2001::/16", limits: limits) != nil)
        #expect(refusal(.cidr, "2001::/16", limits: SelectorLimits(minimumIPv6PrefixLength: 16)) == nil)
        // A limit beyond the family's width leaves single addresses allowed.
        let strict = SelectorLimits(minimumIPv4PrefixLength: 40)
        #expect(refusal(.cidr, "192.0.2.7/32", limits: strict) == nil)
        #expect(refusal(.cidr, "192.0.2.6/31", limits: strict)?.message.contains("wider than /32") == true)
    }
}

@Suite("Selectors too wide to identify anyone: public suffixes")
struct PublicSuffixBreadthTests {
    @Test(
        "a domain that is a public suffix is refused, in the ICANN and the PRIVATE section, written in any form",
        arguments: [
            "co.uk", "CO.UK.", "com.cy", "github.io", "blogspot.com", "anything.ck", "公司.cn", "xn--55qx5d.cn",
            "пример.kobe.jp",
        ])
    func suffixDomains(domain: String) throws {
        let error = try #require(refusal(.domain, domain))
        #expect(error.field == "value")
        #expect(error.message.hasPrefix("'\(domain)' is a public suffix"), "\(error.message)")
    }

    @Test("the sentence names the value and what to record instead")
    func sentence() {
        #expect(
            refusal(.domain, "co.uk")?.message
                == "'co.uk' is a public suffix, a name under which anyone may register domains, so it identifies "
                + "no one; record the registered domain you mean, such as example.co.uk.")
    }

    @Test("a top-level domain and the root are refused")
    func topLevel() throws {
        #expect(refusal(.domain, "COM.") != nil)
        #expect(refusal(.domain, ".") != nil)
        // However a selector came to hold them, the check refuses them too.
        let com = Selector(kind: .domain, value: .text("COM."), matchKey: "com", dateOfBirth: nil)
        #expect(throws: DomainError.self) { try com.checkBreadth(.standard) }
        let root = Selector(kind: .domain, value: .text("."), matchKey: "", dateOfBirth: nil)
        let error = try #require(throws: DomainError.self) { try root.checkBreadth(.standard) }
        #expect(error.message.contains("root of the DNS"))
    }

    @Test(
        "a registered domain under a public suffix is accepted",
        arguments: [
            "example.co.uk", "www.ck", "city.kobe.jp", "release-team.github.io", "example.com", "bücher.de",
            "例え.公司.cn", "cdn.example.com.cy",
        ])
    func registeredDomains(domain: String) {
        #expect(refusal(.domain, domain) == nil)
    }

    @Test("a URL whose host is a public suffix is refused; one on a registered domain or an address is not")
    func urls() throws {
        let error = try #require(refusal(.url, "http://co.uk/x"))
        #expect(error.field == "value")
        #expect(
            error.message
                == "'http://co.uk/x' has the host 'co.uk', a public suffix under which anyone may register domains, "
                + "so it identifies no one; record the URL on the registered domain you mean.")
        #expect(refusal(.url, "https://user@GitHub.io:8443/") != nil)
        #expect(refusal(.url, "com.cy/films") != nil)
        #expect(refusal(.url, "http://example.co.uk/x") == nil)
        #expect(refusal(.url, "https://release-team.github.io:8443/") == nil)
        #expect(refusal(.url, "http://192.0.2.7:8080/x") == nil)
        #expect(refusal(.url, "http://[2001:db8::1]/x") == nil)
    }

    @Test("an e-mail address is refused only when its domain is itself a public suffix")
    func emails() throws {
        let error = try #require(refusal(.email, "a@co.uk"))
        #expect(error.field == "value")
        #expect(error.message.hasPrefix("'a@co.uk' has the domain 'co.uk', a public suffix"))
        #expect(refusal(.email, "a@com") != nil)
        #expect(refusal(.email, "x@gmail.com") == nil)
        #expect(refusal(.email, "a.georgiou@release-team.co.uk") == nil)
    }
}

@Suite("Selectors too wide to identify anyone: wildcards and names")
struct WildcardBreadthTests {
    @Test(
        "a wildcard-like character in a domain, a URL's host or an e-mail address is refused as a wildcard",
        arguments: [
            (SelectorKind.domain, "*.example.com"), (.domain, "%"), (.domain, "exa?mple.com"), (.domain, "%.com"),
            (.email, "*@example.com"), (.email, "a%b@example.com"), (.email, "admin@*.example.com"),
            (.url, "http://*.example.com/"), (.url, "https://%2A.example.com/x"), (.url, "*.example.com/x"),
        ])
    func wildcards(kind: SelectorKind, text: String) throws {
        let error = try #require(refusal(kind, text))
        #expect(error.field == "value")
        #expect(error.message.hasPrefix("'\(text)' holds '"), "\(error.message)")
        #expect(error.message.contains("wildcard"), "\(error.message)")
    }

    @Test("the sentence names the value and the character")
    func sentence() {
        #expect(
            refusal(.domain, "*.example.com")?.message
                == "'*.example.com' holds '*', which reads as a wildcard; a selector names one domain exactly, so "
                + "record each domain you mean in full.")
    }

    @Test("escapes and wildcards in a URL's path or query are part of the URL, not a wildcard")
    func urlPaths() {
        #expect(refusal(.url, "http://example.com/a%20b?q=*&r=%25") == nil)
        #expect(refusal(.url, "http://example.com?x") == nil)
    }

    @Test("a person named by a wildcard or by fewer than two letters is refused")
    func persons() throws {
        for name in ["*", "Mül*", "%", "M?ller"] {
            let error = try #require(refusal(person(name)), "\(name)")
            #expect(error.field == "value.name")
            #expect(error.message.contains("wildcard"), "\(error.message)")
        }
        for name in ["A", "A.", " x ", "Ж 1"] {
            let error = try #require(refusal(person(name, born: "1980-01-01")), "\(name)")
            #expect(error.field == "value.name")
            #expect(error.message.contains("fewer than two letters"), "\(error.message)")
        }
        #expect(
            refusal(person("A"))?.message
                == "'A' has fewer than two letters, too few to tell one person from another; record the name in full.")
    }

    @Test("a person with a real name and a date of birth is accepted")
    func realPerson() throws {
        #expect(refusal(person("Müller", born: "1977-05-09")) == nil)
        #expect(refusal(person("Li")) == nil)
        #expect(refusal(person("O'Brien-Smith, Seán")) == nil)
    }

    @Test("phone numbers, wallets and single addresses are not affected")
    func others() {
        #expect(refusal(.phone, "+33 6 12 34 56 78") == nil)
        #expect(refusal(.ip, "0.0.0.0") == nil)
        #expect(refusal(.wallet, "1BvBMSEYstWetqTFn5Au4m4GFg7xJaNVN2") == nil)
    }

    @Test("a target and an exclusion are refused a wide selector, and take the installation's limits")
    func targetsAndExclusions() throws {
        let operation = JointOperation(
            id: "op-1", codeName: "ONE", summary: nil, leadAgencyId: "fr", hHour: nil,
            participants: [Participant(agencyId: "fr", role: .lead)], createdAt: Date(timeIntervalSince1970: 0))
        let input = TargetInput(
            kind: .server, name: "Release server", selectors: [SelectorInput(kind: .cidr, text: "10.0.0.0/8")],
            handling: .h0, evaluation: Evaluation(code: "B2")!, distribution: .allParticipants)
        let make = { (limits: SelectorLimits) throws(DomainError) -> Target in
            try input.makeTarget(
                id: "t-1", operation: operation, originatorAgencyId: "fr", createdBy: "u-1", defaultCountry: "FR",
                createdAt: Date(timeIntervalSince1970: 0), now: Date(timeIntervalSince1970: 0), limits: limits)
        }
        let error = try #require(throws: DomainError.self) { try make(.standard) }
        #expect(error.field == "selectors[0].value")
        #expect(try make(SelectorLimits(minimumIPv4PrefixLength: 8)).selectors.first?.matchKey == "10.0.0.0/8")

        let actor = Actor(userId: "u-1", agencyId: "fr", role: .officer)
        let exclude = { (limits: SelectorLimits) throws(DomainError) -> Exclusion in
            try Exclusion.make(
                id: "x-1", input: SelectorInput(kind: .domain, text: "co.uk"), reason: nil, by: actor,
                defaultCountry: "FR", now: Date(timeIntervalSince1970: 0), limits: limits)
        }
        #expect(throws: DomainError.self) { try exclude(.standard) }
        let permissive = SelectorLimits(publicSuffixes: try PublicSuffixList(parsing: "com"))
        #expect(try exclude(permissive).matchKey == "co.uk")
    }
}

@Suite("The Public Suffix List")
struct PublicSuffixListTests {
    @Test("normal, wildcard and exception rules, in both sections, and Unicode rules as A-labels")
    func rules() throws {
        let list = try PublicSuffixList(parsing: sampleList)
        #expect(list.ruleCount == 9)
        #expect(list.isPublicSuffix("com"))
        #expect(list.isPublicSuffix("co.uk"))
        #expect(!list.isPublicSuffix("example.co.uk"))
        #expect(!list.isPublicSuffix("example.com"))
        #expect(list.isPublicSuffix("github.io"), "the PRIVATE section counts")
        #expect(!list.isPublicSuffix("release-team.github.io"))
        #expect(list.isPublicSuffix("xn--55qx5d.cn"), "公司.cn is held as the normaliser writes it")
        #expect(!list.isPublicSuffix("公司.cn"))
        // Wildcard: every name one label below; exception: not that one.
        #expect(list.isPublicSuffix("anything.ck"))
        #expect(!list.isPublicSuffix("www.ck"))
        #expect(!list.isPublicSuffix("a.www.ck"))
        #expect(!list.isPublicSuffix("b.anything.ck"))
        #expect(list.isPublicSuffix("x.kobe.jp"))
        #expect(!list.isPublicSuffix("city.kobe.jp"))
        #expect(!list.isPublicSuffix("kobe.jp"))
        // The implicit rule `*`: a single label, and the root.
        #expect(list.isPublicSuffix("ck"))
        #expect(list.isPublicSuffix("io"))
        #expect(list.isPublicSuffix(""))
        #expect(!list.isPublicSuffix(".."))
    }

    @Test("a list with Windows line endings and a byte order mark reads the same")
    func lineEndings() throws {
        let windows = "\u{FEFF}" + sampleList.replacingOccurrences(of: "\n", with: "\r\n")
        let list = try PublicSuffixList(parsing: windows)
        #expect(list.ruleCount == 9)
        #expect(list.isPublicSuffix("co.uk"))
        #expect(!list.isPublicSuffix("www.ck"))
        #expect(list.isPublicSuffix("github.io"))
    }

    @Test("text or a file with no rules is refused, saying so")
    func noRules() throws {
        let error = try #require(throws: PublicSuffixListError.self) {
            try PublicSuffixList(parsing: "// only a comment\n\n   \n// ===BEGIN ICANN DOMAINS===\n")
        }
        #expect(error.message.contains("is not a Public Suffix List: it holds no rules"))

        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("psl-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let empty = folder.appendingPathComponent("empty.dat")
        try Data().write(to: empty)
        let fileError = try #require(throws: PublicSuffixListError.self) { try PublicSuffixList(contentsOf: empty) }
        #expect(
            fileError.message == "'\(empty.path)' is not a Public Suffix List: it holds no rules. "
                + "Use a copy of https://publicsuffix.org/list/public_suffix_list.dat.")
    }

    @Test("a file that is not a list, or cannot be read, is refused with the reason")
    func notAList() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("psl-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let html = folder.appendingPathComponent("page.html")
        try Data("<!DOCTYPE html>\n<html><body>Not found</body></html>\n".utf8).write(to: html)
        let htmlError = try #require(throws: PublicSuffixListError.self) { try PublicSuffixList(contentsOf: html) }
        #expect(htmlError.message.contains("line 1, '<!DOCTYPE', is not a rule"), "\(htmlError.message)")
        let binary = folder.appendingPathComponent("list.dafsa")
        try Data([0xFF, 0xFE, 0x00, 0x81]).write(to: binary)
        let binaryError = try #require(throws: PublicSuffixListError.self) {
            try PublicSuffixList(contentsOf: binary)
        }
        #expect(binaryError.message.contains("it is not UTF-8 text"))
        let missing = folder.appendingPathComponent("missing.dat")
        let missingError = try #require(throws: PublicSuffixListError.self) {
            try PublicSuffixList(contentsOf: missing)
        }
        #expect(missingError.message.hasPrefix("The public suffix list '\(missing.path)' cannot be read"))
        let bad = folder.appendingPathComponent("bad.dat")
        try Data("com\nco..uk\n".utf8).write(to: bad)
        #expect(throws: PublicSuffixListError.self) { try PublicSuffixList(contentsOf: bad) }
        #expect(throws: PublicSuffixListError.self) { try PublicSuffixList(parsing: "!*.ck") }
    }

    @Test("the shipped list reads every rule of Debian's file and answers from it")
    func shipped() throws {
        let list = PublicSuffixList.shipped
        #expect(list.ruleCount > 9_000)
        for suffix in ["com", "co.uk", "com.cy", "github.io", "xn--55qx5d.cn", "x.kobe.jp", "anything.ck"] {
            #expect(list.isPublicSuffix(suffix), "\(suffix)")
        }
        for name in ["example.co.uk", "www.ck", "city.kobe.jp", "europol.europa.eu"] {
            #expect(!list.isPublicSuffix(name), "\(name)")
        }
        // Every rule line of the file is a rule of the list, and loading the file again gives the same.
        let url = try #require(PublicSuffixList.shippedURL)
        let lines = try String(contentsOf: url, encoding: .utf8).split(separator: "\n")
        #expect(list.ruleCount == lines.filter { !$0.hasPrefix("//") && !$0.allSatisfy(\.isWhitespace) }.count)
        #expect(try PublicSuffixList(contentsOf: url).ruleCount == list.ruleCount)
    }

    @Test("10,000 look-ups, as one check before sharing makes, take a fraction of a second")
    func fast() {
        let list = PublicSuffixList.shipped
        let names = (0..<10_000).map { "host-\($0).cdn.example\($0 % 97).co.uk" }
        let clock = ContinuousClock()
        var suffixes = 0
        let elapsed = clock.measure {
            for name in names where list.isPublicSuffix(name) { suffixes += 1 }
        }
        #expect(suffixes == 0)
        #expect(elapsed < .milliseconds(500), "\(elapsed)")
    }
}
