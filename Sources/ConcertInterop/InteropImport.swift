import ConcertCore
import Foundation

/// The formats Concert reads targets from besides its own JSON.
public enum InteropFormat: String, Sendable, CaseIterable, Codable {
    /// A STIX 2.1 bundle (`application/stix+json`).
    case stix
    /// A MISP event, or a list of them as MISP's feeds write them (`application/json`).
    case misp
    /// A table of targets with a header row (`text/csv`).
    case csv
}

/// A reader of one format that takes a file a piece at a time, as it arrives, and never needs
/// it whole.
public protocol InteropFileReader {
    /// Reads the next piece of the file.
    mutating func feed(_ bytes: some Collection<UInt8>) throws(InteropError)
    /// Reads the end of the file and answers what it holds, or refuses it.
    mutating func finish() throws(InteropError) -> InteropImport
}

extension InteropFileReader {
    /// Reads a whole file, in pieces of 1 MiB as if it streamed, so that what a piece completes
    /// is taken before the next is read.
    public mutating func read(_ data: Data) throws(InteropError) -> InteropImport {
        var start = data.startIndex
        while start < data.endIndex {
            let end = data.index(start, offsetBy: 1 << 20, limitedBy: data.endIndex) ?? data.endIndex
            try feed(data[start..<end])
            start = end
        }
        return try finish()
    }
}

/// Where in a file something is: a line and column of a table, or an object and a JSON path.
public struct ImportPlace: Sendable, Hashable, Codable, CustomStringConvertible {
    /// The line of a table, from 1.
    public var line: Int?
    /// The column of a table, from 1.
    public var column: Int?
    /// The column's header, when the table has one there.
    public var header: String?
    /// The object's identifier (a STIX id, a MISP UUID).
    public var object: String?
    /// The JSON path of the value in the file (`objects[3].pattern`).
    public var path: String?

    /// A place in a table.
    public static func cell(line: Int, column: Int? = nil, header: String? = nil) -> ImportPlace {
        ImportPlace(line: line, column: column, header: header)
    }

    /// A place in a JSON file.
    public static func json(_ path: String, object: String? = nil) -> ImportPlace {
        ImportPlace(object: object, path: path)
    }

    public var description: String {
        var parts: [String] = []
        if let line { parts.append("line \(line)") }
        if let column { parts.append("column \(column)" + (header.map { " (\($0))" } ?? "")) }
        if let object { parts.append(object) }
        if let path { parts.append("at \(path)") }
        return parts.joined(separator: ", ")
    }
}

/// Something an import noticed, with its place: an error that refuses the file, a selector
/// left out by rule, an object skipped, a reference to nothing.
public struct ImportNote: Sendable, Hashable, Codable {
    /// Where it is.
    public var place: ImportPlace
    /// What it is, in a sentence.
    public var detail: String
    /// The id of the object a reference names, when the note is of a reference to nothing.
    public var reference: String?

    /// Creates a note.
    public init(place: ImportPlace, detail: String, reference: String? = nil) {
        self.place = place
        self.detail = detail
        self.reference = reference
    }
}

/// A target read from a file, before the importer's account checks and stores it.
public struct ImportedTarget: Sendable {
    /// The target as a client would send it.
    public var input: TargetInput
    /// Where the target is in the file.
    public var place: ImportPlace
    /// Where each of `input.selectors` is in the file, in the same order.
    public var selectorPlaces: [ImportPlace]
    /// The object it came from, for updating it when a newer version is imported.
    public var source: TargetSource?
    /// Whether the file said the handling (a TLP marking or tag); if not the importer's applies.
    public var handlingFromFile: Bool
    /// Whether the file says its originator named who may see it (Concert's own export of a
    /// target of named distribution): the importer then keeps it to its own agency.
    public var restrictedDistribution = false

    /// Creates an imported target.
    public init(
        input: TargetInput, place: ImportPlace, selectorPlaces: [ImportPlace], source: TargetSource?,
        handlingFromFile: Bool
    ) {
        self.input = input
        self.place = place
        self.selectorPlaces = selectorPlaces
        self.source = source
        self.handlingFromFile = handlingFromFile
    }
}

/// What a file held, read into targets: nothing is checked against the installation or the
/// store yet.
public struct InteropImport: Sendable {
    /// The format read.
    public var format: InteropFormat
    /// The targets, in the order of the file.
    public var targets: [ImportedTarget] = []
    /// Objects, attributes or rows not taken, each with why.
    public var skipped: [ImportNote] = []
    /// Objects of types Concert does not read, by type, with how many.
    public var unknownTypes: [String: Int] = [:]
    /// References to objects that are neither in the file nor known.
    public var unresolved: [ImportNote] = []
    /// What makes the file wrong: when any, it is refused whole.
    public var errors: [ImportNote] = []
    /// How many errors, skipped items and unresolved references there were past the first
    /// ``listed`` of each, counted but not kept: a hostile file of millions of bad rows is
    /// answered in a page, not in megabytes.
    public var errorsNotListed = 0
    public var skippedNotListed = 0
    public var unresolvedNotListed = 0
    /// How many notes of each sort are kept.
    public static let listed = 1_000

    /// An empty import of `format`.
    public init(format: InteropFormat) {
        self.format = format
    }
}

/// What the importer's account says for what a file does not: its handling, evaluation and
/// distribution, and the country of phone numbers without a calling code.
public struct ImportDefaults: Sendable {
    /// The handling code of targets whose file carries no marking.
    public var handling: HandlingCode
    /// The restriction in words, with H3.
    public var handlingRestriction: String?
    /// The evaluation of every target (no format here carries the 4×4 grading).
    public var evaluation: Evaluation
    /// Who besides the originator may see the targets.
    public var distribution: Distribution

    /// Creates defaults.
    public init(
        handling: HandlingCode, handlingRestriction: String? = nil, evaluation: Evaluation,
        distribution: Distribution = .allParticipants
    ) {
        self.handling = handling
        self.handlingRestriction = handlingRestriction
        self.evaluation = evaluation
        self.distribution = distribution
    }
}

/// A file that is not what its format expects as a whole (not JSON, JSON but no bundle):
/// refused with a sentence that says what it is and what was expected.
public struct InteropError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The sentence.
    public var message: String
    /// Where, when a place can be named.
    public var place: ImportPlace?

    /// Creates an error.
    public init(_ message: String, place: ImportPlace? = nil) {
        self.message = message
        self.place = place
    }

    public var description: String { message + (place.map { " (\($0))" } ?? "") }
}

extension InteropImport {
    /// Keeps an error, or counts it past the first ``listed``.
    mutating func record(error note: ImportNote) {
        if errors.count < Self.listed { errors.append(note) } else { errorsNotListed += 1 }
    }

    /// Keeps a skipped item, or counts it past the first ``listed``.
    mutating func record(skipped note: ImportNote) {
        if skipped.count < Self.listed { skipped.append(note) } else { skippedNotListed += 1 }
    }

    /// Keeps an unresolved reference, or counts it past the first ``listed``.
    mutating func record(unresolved note: ImportNote) {
        if unresolved.count < Self.listed { unresolved.append(note) } else { unresolvedNotListed += 1 }
    }

    /// A time a file gives, if it is one Concert can keep: from 1970 to 9999. Others (NaN,
    /// infinities, years out of range) are as if the file gave none.
    static func plausible(_ date: Date?) -> Date? {
        guard let date, date.timeIntervalSince1970.isFinite, (0...253_402_300_799).contains(date.timeIntervalSince1970)
        else { return nil }
        return date
    }

    /// A value of a file as a message shows it: at most 100 characters.
    static func shown(_ value: some StringProtocol) -> String {
        value.count <= 100 ? String(value) : value.prefix(100) + "…"
    }

    /// Reads `data` as `format`.
    public static func read(
        _ data: Data, as format: InteropFormat, defaults: ImportDefaults, csv: CSVOptions = CSVOptions()
    ) throws(InteropError) -> InteropImport {
        var reader = reader(for: format, defaults: defaults, csv: csv)
        return try reader.read(data)
    }

    /// A reader of `format` that takes a file a piece at a time. With a `limit`, a STIX or MISP
    /// file that holds more targets than that is refused as soon as it is read to tell so, not
    /// once it has been read whole (a table's targets are taken as they come: its reader's
    /// caller counts them).
    public static func reader(
        for format: InteropFormat, defaults: ImportDefaults, csv: CSVOptions = CSVOptions(), limit: Int? = nil
    ) -> any InteropFileReader {
        switch format {
        case .stix: STIXReader(defaults: defaults, limit: limit)
        case .misp: MISPReader(defaults: defaults, limit: limit)
        case .csv: CSVImport(options: csv, defaults: defaults)
        }
    }

    /// A count as English writes it, with a comma between thousands (`10,000`), whatever the
    /// server's locale.
    public static func grouped(_ count: Int) -> String {
        let digits = String(count.magnitude)
        var text = ""
        for (offset, digit) in digits.enumerated() {
            if offset > 0 && (digits.count - offset) % 3 == 0 { text.append(",") }
            text.append(digit)
        }
        return (count < 0 ? "-" : "") + text
    }

    /// The refusal of a file that holds more targets than an import takes.
    static func tooManyTargets(_ limit: Int, _ what: String) -> InteropError {
        InteropError(
            "The file holds \(what); an import holds at most \(grouped(limit)) targets: split it, or import it in parts with `concert import --in-parts`."
        )
    }
}

extension HandlingCode {
    /// The strictest of two codes.
    static func strictest(_ first: HandlingCode?, _ second: HandlingCode?) -> HandlingCode? {
        switch (first, second) {
        case (nil, let code), (let code, nil): code
        case (let a?, let b?): max(a, b)
        }
    }
}

/// A handling a file carries (a TLP marking, a statement), with its restriction for H3.
struct FileHandling: Sendable, Equatable {
    var code: HandlingCode
    var restriction: String?

    /// The statement Concert's exports add to a target whose originator named the agencies
    /// that may see it; an import keeps such a target to the importer's own agency.
    static let namedDistribution =
        "Concert distribution: the originator named the agencies that may see this; it is not to be passed on."

    /// The stricter of two; restrictions of equal H3 are joined.
    func joined(_ other: FileHandling?) -> FileHandling {
        guard let other else { return self }
        if other.code > code { return other }
        if code > other.code { return self }
        guard code == .h3, let mine = restriction, let theirs = other.restriction, !mine.contains(theirs) else {
            return self
        }
        if theirs.contains(mine) { return other }
        // A restriction is at most 2,000 characters: past that, the first ones stand.
        guard mine.utf8.count + theirs.utf8.count < 1_900 else { return self }
        return FileHandling(code: .h3, restriction: mine + " " + theirs)
    }

    /// The handling of a Traffic Light Protocol colour (1.0 or 2.0), nil for none known.
    static func tlp(_ colour: String) -> FileHandling? {
        switch colour.lowercased().trimmingCharacters(in: .whitespaces) {
        case "white", "clear", "green": FileHandling(code: .h0)
        case "amber": FileHandling(code: .h2)
        case "amber+strict":
            FileHandling(
                code: .h3, restriction: "TLP:AMBER+STRICT: only within the recipient's own organisation.")
        case "red":
            FileHandling(
                code: .h3, restriction: "TLP:RED: for the named recipients only; no further disclosure.")
        default: nil
        }
    }

    /// The TLP colour that says no less than `code`, for the exports.
    static func tlpColour(of code: HandlingCode) -> String {
        switch code {
        case .h0: "green"
        case .h1, .h2: "amber"
        case .h3: "red"
        }
    }

    /// The statement an export writes for `code`, which an import reads back exactly.
    static func statement(_ code: HandlingCode, restriction: String?) -> String {
        "Concert handling \(code.rawValue): " + (code == .h3 ? (restriction ?? code.meaning) : code.meaning)
    }

    /// The handling a statement written by ``statement(_:restriction:)`` says; nil for another.
    static func fromStatement(_ text: String) -> FileHandling? {
        let prefix = "Concert handling "
        guard text.hasPrefix(prefix) else { return nil }
        let rest = text.dropFirst(prefix.count)
        guard let code = HandlingCode(rawValue: String(rest.prefix(2))), rest.dropFirst(2).hasPrefix(": ") else {
            return nil
        }
        let words = String(rest.dropFirst(4))
        return FileHandling(code: code, restriction: code == .h3 ? words : nil)
    }
}

extension ImportedTarget {
    /// A target of `selectors` read from a file, with the handling the file carries or the
    /// importer's.
    static func make(
        kind: TargetKind, name: String, notes: String?, selectors: [(SelectorInput, ImportPlace)],
        place: ImportPlace, source: TargetSource?, handling: FileHandling?, defaults: ImportDefaults
    ) -> ImportedTarget {
        // Each value once: a file names one server in its indicator and its observable.
        var seen: Set<SelectorInput> = []
        var kept: [(SelectorInput, ImportPlace)] = []
        for pair in selectors where seen.insert(pair.0).inserted { kept.append(pair) }
        let code = handling?.code ?? defaults.handling
        let restriction = handling.map(\.restriction) ?? defaults.handlingRestriction
        return ImportedTarget(
            input: TargetInput(
                kind: kind, name: String(name.prefix(300)), notes: notes.map { String($0.prefix(20_000)) },
                selectors: kept.map(\.0), handling: code,
                handlingRestriction: code == .h3 ? (restriction ?? defaults.handlingRestriction) : nil,
                evaluation: defaults.evaluation, distribution: defaults.distribution),
            place: place, selectorPlaces: kept.map(\.1), source: source, handlingFromFile: handling != nil)
    }

    /// The kind of target that its selectors suggest, when the file does not say.
    static func kind(for selectors: [SelectorInput]) -> TargetKind {
        let kinds = Set(selectors.map(\.kind))
        if kinds.contains(.person) { return .person }
        if !kinds.isDisjoint(with: [.ip, .cidr, .url]) { return .server }
        if kinds.contains(.domain) { return .domain }
        if kinds.contains(.wallet) { return .cryptoWallet }
        if kinds.contains(.email) { return .onlineAccount }
        if kinds.contains(.phone) { return .person }
        return .server
    }
}
