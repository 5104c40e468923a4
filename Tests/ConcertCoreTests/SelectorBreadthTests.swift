import Foundation
import Testing

@testable import ConcertCore

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
