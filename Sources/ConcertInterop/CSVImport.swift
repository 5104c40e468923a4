import ConcertCore
import Foundation

/// What a column of a table of targets holds.
public enum CSVColumnRole: Sendable, Hashable {
    case name
    case kind
    case notes
    case country
    case hostingProvider
    case handling
    case handlingRestriction
    case evaluation
    case dateOfBirth
    /// Identifiers of one kind (for `person`, names).
    case selector(SelectorKind)
    /// Identifiers of any kind, each told by what it looks like.
    case anySelector
    /// Not read.
    case ignored

    /// The role a flag names: `name`, `kind`, `notes`, `country`, `hostingProvider`,
    /// `handling`, `handlingRestriction`, `evaluation`, `dateOfBirth`, a selector kind (`ip`,
    /// `domain`…), `selector` for any kind, or `ignore`.
    public init?(flag: String) {
        switch flag.trimmingCharacters(in: .whitespaces) {
        case "name": self = .name
        case "kind": self = .kind
        case "notes": self = .notes
        case "country": self = .country
        case "hostingProvider": self = .hostingProvider
        case "handling": self = .handling
        case "handlingRestriction": self = .handlingRestriction
        case "evaluation": self = .evaluation
        case "dateOfBirth": self = .dateOfBirth
        case "selector": self = .anySelector
        case "ignore": self = .ignored
        case let other:
            guard let kind = SelectorKind(rawValue: other) else { return nil }
            self = .selector(kind)
        }
    }

    /// The role a header names, by the words people put there; nil for a header it does not know.
    static func guess(header: String) -> CSVColumnRole? {
        var key = header.lowercased().filter { $0.isLetter || $0.isNumber }
        while let last = key.last, last.isNumber, key.count > 1 { key.removeLast() }
        switch key {
        case "name", "target", "targetname", "title", "label", "alias": return .name
        case "kind", "type", "targetkind", "category": return .kind
        case "notes", "note", "comment", "comments", "description", "remarks": return .notes
        case "country", "countrycode", "location", "cc": return .country
        case "hostingprovider", "provider", "hoster", "hosting", "isp", "asname": return .hostingProvider
        case "handling", "handlingcode", "tlp", "marking": return .handling
        case "handlingrestriction", "restriction": return .handlingRestriction
        case "evaluation", "grading", "reliability": return .evaluation
        case "dateofbirth", "dob", "birthdate", "born": return .dateOfBirth
        case "ip", "ipaddress", "ipv", "ipaddr", "serverip", "address": return .selector(.ip)
        case "cidr", "block", "range", "netblock", "subnet", "network": return .selector(.cidr)
        case "domain", "domainname", "hostname", "host", "fqdn", "site", "website": return .selector(.domain)
        case "url", "link", "uri", "infringingurl": return .selector(.url)
        case "email", "emailaddress", "mail", "mailbox": return .selector(.email)
        case "phone", "phonenumber", "telephone", "tel", "mobile", "msisdn": return .selector(.phone)
        case "wallet", "walletaddress", "btc", "bitcoin", "xmr", "monero", "cryptowallet", "crypto":
            return .selector(.wallet)
        case "person", "personname", "fullname", "suspect": return .selector(.person)
        case "selector", "selectors", "value", "indicator", "identifier", "ioc", "observable": return .anySelector
        default: return nil
        }
    }
}

/// How a table is read: its separator and the roles of its columns, when the flags say them.
public struct CSVOptions: Sendable {
    /// `,`, `;` or a tab; nil to tell from the header row.
    public var separator: UInt8?
    /// Roles by header (as written) or by column number from 1 (`"3"`); the others are told
    /// from their header and first rows.
    public var columns: [String: CSVColumnRole]

    /// Creates options.
    public init(separator: UInt8? = nil, columns: [String: CSVColumnRole] = [:]) {
        self.separator = separator
        self.columns = columns
    }

    /// Options as the API's query and the command line's flags say them: `separator` one of
    /// `comma`, `semicolon` or `tab` (nil: told from the header), each column `HEADER:ROLE`
    /// (or `NUMBER:ROLE`).
    public init(separatorName: String?, columns flags: [String]) throws(InteropError) {
        switch separatorName {
        case nil: separator = nil
        case "comma": separator = UInt8(ascii: ",")
        case "semicolon": separator = UInt8(ascii: ";")
        case "tab": separator = 0x09
        default: throw InteropError("The separator is comma, semicolon or tab.")
        }
        columns = [:]
        for flag in flags {
            guard let colon = flag.lastIndex(of: ":"),
                let role = CSVColumnRole(flag: String(flag[flag.index(after: colon)...]))
            else {
                throw InteropError(
                    "A column is HEADER:ROLE, the role one of name, kind, notes, country, hostingProvider, handling, handlingRestriction, evaluation, dateOfBirth, a selector kind, selector or ignore; '\(InteropImport.shown(flag))' is not."
                )
            }
            columns[String(flag[..<colon])] = role
        }
    }
}

/// Splits CSV text into records as it arrives (RFC 4180 with `,`, `;` or tab, quoted fields
/// across lines, CRLF or LF), each with the line it starts on; never holds more than one
/// record, so a file of any size is read in pieces.
public struct CSVRecordReader: Sendable {
    /// One record of a table.
    public struct Record: Sendable {
        /// The line it starts on, from 1.
        public var line: Int
        /// Its fields, the first ``CSVRecordReader/maximumFields`` of them.
        public var fields: [String]
        /// How many fields it has, those not kept included.
        public var fieldCount: Int
        /// Whether a field past those kept holds anything but white space.
        public var droppedText = false
        /// The column (from 0) of the first field longer than ``CSVRecordReader/maximumFieldBytes``,
        /// which is kept cut short.
        public var overlongField: Int?
    }

    /// The most fields a record keeps: a table of targets has at most 1,000 columns, and a row
    /// of millions of separators must not take millions of strings.
    public static let maximumFields = 1_001
    /// The longest field kept whole; a longer one is cut and said to be.
    public static let maximumFieldBytes = 1 << 20
    /// The longest first line kept to tell the separator from: a header with no line end is
    /// told from its first MiB.
    static let maximumFirstLine = 1 << 20

    /// The separator, once known.
    public private(set) var separator: UInt8?
    private var field: [UInt8] = []
    private var fields: [String] = []
    private var fieldCount = 0
    private var droppedText = false
    private var overlongField: Int?
    private var inQuotes = false
    private var quoteClosed = false
    private var line = 1
    private var recordLine = 1
    private var started = false
    private var afterCR = false
    /// Bytes of the first line, kept until its separator is told from it.
    private var firstLine: [UInt8] = []
    /// A field whose quote opened on a line that never closed it.
    public private(set) var unclosedQuoteLine: Int?

    /// A reader; `separator` nil tells it from the first line.
    public init(separator: UInt8? = nil) {
        self.separator = separator
    }

    /// Reads `bytes`, handing every record it completes to `emit`.
    public mutating func feed(_ bytes: some Sequence<UInt8>, _ emit: (Record) throws -> Void) rethrows {
        for byte in bytes {
            if separator == nil {
                firstLine.append(byte)
                if byte == 0x0A || firstLine.count >= Self.maximumFirstLine { try settleSeparator(emit) }
                continue
            }
            try consume(byte, emit)
        }
    }

    /// Ends the text: the last record, if it had no line end.
    public mutating func finish(_ emit: (Record) throws -> Void) rethrows {
        if separator == nil { try settleSeparator(emit) }
        if inQuotes { unclosedQuoteLine = recordLine }
        if started || !field.isEmpty || !fields.isEmpty { try endRecord(emit) }
    }

    private mutating func settleSeparator(_ emit: (Record) throws -> Void) rethrows {
        var bytes = firstLine
        if bytes.starts(with: [0xEF, 0xBB, 0xBF]) { bytes.removeFirst(3) }
        var counts: [UInt8: Int] = [0x2C: 0, 0x3B: 0, 0x09: 0]
        var quoted = false
        for byte in bytes {
            if byte == 0x22 { quoted.toggle() } else if !quoted, counts[byte] != nil { counts[byte]! += 1 }
        }
        // The most frequent outside quotes; a tie (a one-column file) is a comma.
        var best: UInt8 = 0x2C
        for candidate: UInt8 in [0x3B, 0x09] where counts[candidate]! > counts[best]! { best = candidate }
        separator = best
        firstLine = []
        for byte in bytes { try consume(byte, emit) }
    }

    private mutating func consume(_ byte: UInt8, _ emit: (Record) throws -> Void) rethrows {
        if afterCR {
            afterCR = false
            if byte == 0x0A { return }
        }
        if inQuotes {
            if byte == 0x22 {
                inQuotes = false
                quoteClosed = true
            } else {
                if byte == 0x0A { line += 1 }
                append(byte)
            }
            return
        }
        switch byte {
        case 0x22:
            if quoteClosed {
                // "" inside a quoted field is one quote.
                append(0x22)
                inQuotes = true
                quoteClosed = false
            } else if field.isEmpty {
                inQuotes = true
            } else {
                append(byte)
            }
            started = true
        case separator:
            endField()
            started = true
        case 0x0D, 0x0A:
            try endRecord(emit)
            afterCR = byte == 0x0D
            line += 1
            recordLine = line
        default:
            quoteClosed = false
            append(byte)
            started = true
        }
    }

    /// Adds a byte to the field, up to the longest kept.
    private mutating func append(_ byte: UInt8) {
        if field.count < Self.maximumFieldBytes {
            field.append(byte)
        } else if overlongField == nil {
            overlongField = fieldCount
        }
    }

    private mutating func endField() {
        if fields.count < Self.maximumFields {
            fields.append(String(decoding: field, as: UTF8.self))
        } else if !droppedText && field.contains(where: { $0 != 0x20 && $0 != 0x09 }) {
            droppedText = true
        }
        fieldCount += 1
        field.removeAll(keepingCapacity: true)
        quoteClosed = false
    }

    private mutating func endRecord(_ emit: (Record) throws -> Void) rethrows {
        endField()
        var record = Record(line: recordLine, fields: fields, fieldCount: fieldCount)
        record.droppedText = droppedText
        record.overlongField = overlongField
        fields.removeAll(keepingCapacity: true)
        fieldCount = 0
        droppedText = false
        overlongField = nil
        started = false
        // A blank line is no record.
        if record.fields.count > 1 || !(record.fields.first ?? "").trimmingCharacters(in: .whitespaces).isEmpty {
            try emit(record)
        }
    }
}

/// Reads a table of targets with a header row: one target a row, its selectors from every
/// column of identifiers (several in a cell when separated by `|` or a line break).
public struct CSVImport: Sendable, InteropFileReader {
    private let options: CSVOptions
    private let defaults: ImportDefaults
    private var reader: CSVRecordReader
    private var header: [String]?
    private var roles: [CSVColumnRole] = []
    /// Rows read before the roles of unnamed columns are told from them.
    private var waiting: [CSVRecordReader.Record] = []
    private var result = InteropImport(format: .csv)
    /// How many rows the roles of columns without a known header are told from.
    static let guessRows = 50

    /// A reader of a table, fed in pieces (``feed(_:)``) and ended with ``finish()``.
    public init(options: CSVOptions = CSVOptions(), defaults: ImportDefaults) {
        self.options = options
        self.defaults = defaults
        reader = CSVRecordReader(separator: options.separator)
    }

    /// Reads a whole table.
    public static func read(
        _ data: Data, options: CSVOptions = CSVOptions(), defaults: ImportDefaults
    ) throws(InteropError) -> InteropImport {
        var table = CSVImport(options: options, defaults: defaults)
        try table.feed(data)
        return try table.finish()
    }

    /// How many targets the rows read so far make.
    public var targetCount: Int { result.targets.count }

    /// How many errors the rows read so far hold.
    public var errorCount: Int { result.errors.count + result.errorsNotListed }

    /// Hands over the targets read so far and forgets them, so that a table of any size is
    /// imported in batches without holding it whole; the notes stay until ``finish()``.
    public mutating func takeTargets() -> [ImportedTarget] {
        defer { result.targets.removeAll(keepingCapacity: true) }
        return result.targets
    }

    /// Reads the next piece of the file.
    public mutating func feed(_ bytes: some Sequence<UInt8>) throws(InteropError) {
        var records: [CSVRecordReader.Record] = []
        reader.feed(bytes) { records.append($0) }
        for record in records { try take(record) }
    }

    /// Ends the file and answers what it held.
    public mutating func finish() throws(InteropError) -> InteropImport {
        var records: [CSVRecordReader.Record] = []
        reader.finish { records.append($0) }
        for record in records { try take(record) }
        if let line = reader.unclosedQuoteLine {
            result.record(
                error:
                    ImportNote(place: .cell(line: line), detail: "A quoted field opened here is never closed."))
        }
        guard header != nil else {
            throw InteropError("The file holds no table: a header row naming its columns was expected.")
        }
        guard rows > 0 || !waiting.isEmpty else {
            throw InteropError("The table has a header row and no rows of targets under it.", place: .cell(line: 2))
        }
        if roles.count < (header?.count ?? 0) { settleRoles() }
        return result
    }

    private mutating func take(_ record: CSVRecordReader.Record) throws(InteropError) {
        guard header != nil else {
            try readHeader(record)
            return
        }
        if roles.count < (header?.count ?? 0) {
            waiting.append(record)
            if waiting.count >= Self.guessRows { settleRoles() }
            return
        }
        row(record)
    }

    private mutating func readHeader(_ record: CSVRecordReader.Record) throws(InteropError) {
        var names = record.fields.map { $0.trimmingCharacters(in: .whitespaces) }
        if let first = names.first, first.hasPrefix("\u{FEFF}") { names[0] = String(first.dropFirst()) }
        if names.first?.first == "{" || names.first?.first == "[" {
            throw InteropError(
                "The file looks like JSON, not a table: send it as application/json (a MISP event) or application/stix+json (a STIX bundle)."
            )
        }
        guard record.fieldCount <= 1_000 else {
            throw InteropError(
                "The header names \(record.fieldCount) columns; a table of targets has at most 1,000.",
                place: .cell(line: record.line))
        }
        header = names
        // Flags first; then the headers people write; the rest waits for the first rows.
        var known: [CSVColumnRole?] = names.enumerated().map { index, name in
            options.columns[name] ?? options.columns[String(index + 1)] ?? CSVColumnRole.guess(header: name)
        }
        if known.allSatisfy({ $0 != nil }) {
            roles = known.map { $0! }
            try checkRoles()
        } else {
            for index in known.indices where known[index] == nil && names[index].isEmpty { known[index] = .ignored }
            pendingRoles = known
        }
    }

    private var pendingRoles: [CSVColumnRole?] = []
    /// How many rows under the header were read.
    private var rows = 0

    /// Tells the role of each column without a known header from its first values: a column
    /// whose every value reads as identifiers of one kind holds that kind; others are not read.
    private mutating func settleRoles() {
        let names = header ?? []
        roles = pendingRoles.enumerated().map { index, role in
            if let role { return role }
            let values = waiting.compactMap { record -> String? in
                guard index < record.fields.count else { return nil }
                let value = record.fields[index].trimmingCharacters(in: .whitespacesAndNewlines)
                return value.isEmpty ? nil : value
            }
            let kinds = Set(values.flatMap { Self.values(in: $0) }.map { SelectorGuess.kind(of: $0) })
            if !values.isEmpty, !kinds.contains(nil) {
                return kinds.count == 1 ? .selector(kinds.first!!) : .anySelector
            }
            result.record(
                skipped:
                    ImportNote(
                        place: .cell(line: 1, column: index + 1, header: names[index]),
                        detail:
                            "The column '\(names[index])' was not read: its header names nothing Concert knows and its values are not all identifiers; name its role to read it."
                    ))
            return .ignored
        }
        pendingRoles = []
        do {
            try checkRoles()
        } catch {
            result.record(error: ImportNote(place: .cell(line: 1), detail: error.message))
        }
        let rows = waiting
        waiting = []
        for record in rows { row(record) }
    }

    private func checkRoles() throws(InteropError) {
        guard roles.contains(where: { if case .selector = $0 { true } else { $0 == .anySelector } }) else {
            let names = (header ?? []).map { "'\($0)'" }.joined(separator: ", ")
            throw InteropError(
                "No column of the header (\(names)) holds identifiers: name one ip, cidr, domain, url, email, phone, wallet, person or selector, or say its role with a flag.",
                place: .cell(line: 1))
        }
    }

    /// The values of a cell: several when separated by `|` or a line break.
    /// At most 1,001 of them: a target has at most 1,000 selectors, and a cell of millions of
    /// bars must not take millions of strings.
    static func values(in cell: String) -> [String] {
        cell.split(
            maxSplits: 1_000, omittingEmptySubsequences: true,
            whereSeparator: { $0 == "|" || $0 == "\n" || $0 == "\r\n" }
        )
        .map { $0.trimmingCharacters(in: .whitespacesAndNewlines) }.filter { !$0.isEmpty }
    }

    private mutating func row(_ record: CSVRecordReader.Record) {
        rows += 1
        let names = header ?? []
        var name: String?
        var kind: TargetKind?
        var notes: String?
        var country: String?
        var provider: String?
        var handling: FileHandling?
        var restriction: String?
        var evaluation: Evaluation?
        var birth: String?
        var selectors: [(SelectorInput, ImportPlace)] = []
        var failed = false
        func fail(_ column: Int, _ detail: String) {
            result.record(
                error:
                    ImportNote(
                        place: .cell(
                            line: record.line, column: column + 1,
                            header: names.indices.contains(column) ? names[column] : nil),
                        detail: detail))
            failed = true
        }
        if record.fieldCount > names.count,
            record.droppedText
                || record.fields.dropFirst(names.count).contains(where: {
                    !$0.trimmingCharacters(in: .whitespaces).isEmpty
                })
        {
            fail(names.count, "The row has \(record.fieldCount) fields but the header names \(names.count) columns.")
        }
        if let column = record.overlongField {
            fail(column, "The cell is longer than the 1 MiB a cell of a table of targets may hold.")
        }
        for (column, raw) in record.fields.prefix(roles.count).enumerated() {
            let cell = raw.trimmingCharacters(in: .whitespacesAndNewlines)
            guard !cell.isEmpty else { continue }
            let place = ImportPlace.cell(line: record.line, column: column + 1, header: names[column])
            switch roles[column] {
            case .ignored: continue
            case .name: name = cell
            case .notes: notes = cell
            case .country: country = cell.uppercased()
            case .hostingProvider: provider = cell
            case .handlingRestriction: restriction = cell
            case .dateOfBirth: birth = cell
            case .kind:
                let key = cell.lowercased().filter(\.isLetter)
                if let match = TargetKind.allCases.first(where: { $0.rawValue.lowercased() == key }) {
                    kind = match
                } else if key == "organization" {
                    kind = .organisation
                } else if key == "wallet" {
                    kind = .cryptoWallet
                } else if key == "account" {
                    kind = .onlineAccount
                } else {
                    let kinds = TargetKind.allCases.map(\.rawValue).joined(separator: ", ")
                    fail(column, "'\(InteropImport.shown(cell))' is not a kind of target: one of \(kinds).")
                }
            case .handling:
                let upper = cell.uppercased()
                if let code = HandlingCode(rawValue: upper) {
                    handling = FileHandling(code: code)
                } else if let tlp = FileHandling.tlp(upper.hasPrefix("TLP:") ? String(upper.dropFirst(4)) : upper) {
                    handling = tlp
                } else {
                    fail(
                        column,
                        "'\(InteropImport.shown(cell))' is not a handling code: H0, H1, H2 or H3, or a TLP colour.")
                }
            case .evaluation:
                if let grade = Evaluation(code: cell) {
                    evaluation = grade
                } else {
                    fail(
                        column,
                        "'\(InteropImport.shown(cell))' is not an evaluation: a letter A, B, C or X and a digit 1 to 4, such as B2."
                    )
                }
            case .selector(let selectorKind):
                for value in Self.values(in: cell) {
                    // An address column holds blocks too, as spreadsheets write them.
                    let kind = selectorKind == .ip && value.contains("/") ? SelectorKind.cidr : selectorKind
                    let input =
                        kind == .person
                        ? SelectorInput(kind: .person, value: .person(PersonIdentity(name: value)))
                        : SelectorInput(kind: kind, text: value)
                    selectors.append((input, place))
                }
            case .anySelector:
                for value in Self.values(in: cell) {
                    guard let guessed = SelectorGuess.kind(of: value) else {
                        fail(
                            column,
                            "'\(InteropImport.shown(value))' is not an identifier Concert can tell the kind of; put it in a column named for its kind."
                        )
                        continue
                    }
                    selectors.append((SelectorInput(kind: guessed, text: value), place))
                }
            }
        }
        if let birth {
            for index in selectors.indices where selectors[index].0.kind == .person {
                if case .person(var person) = selectors[index].0.value {
                    person.dateOfBirth = birth
                    selectors[index].0.value = .person(person)
                }
            }
        }
        guard !failed else { return }
        guard !selectors.isEmpty || name != nil else {
            result.record(
                skipped:
                    ImportNote(place: .cell(line: record.line), detail: "The row holds no name and no identifier."))
            return
        }
        if handling?.code == .h3, let restriction { handling?.restriction = restriction }
        if handling == nil, let restriction { handling = FileHandling(code: .h3, restriction: restriction) }
        var target = ImportedTarget.make(
            kind: kind ?? ImportedTarget.kind(for: selectors.map(\.0)),
            name: name ?? selectors.first.map { $0.0.value.written } ?? "Row \(record.line)", notes: notes,
            selectors: selectors, place: .cell(line: record.line), source: nil, handling: handling,
            defaults: defaults)
        target.input.country = country
        target.input.hostingProvider = provider
        if let evaluation { target.input.evaluation = evaluation }
        result.targets.append(target)
    }
}
