import Foundation

/// The kinds of identifier a target can be pinned down by.
public enum SelectorKind: String, Codable, Sendable, CaseIterable, LenientDecodable {
    case ip
    case cidr
    case domain
    case email
    case phone
    case url
    case wallet
    case person
}

extension SelectorKind {
    /// The kind whose raw value these UTF-8 bytes spell, read without making a string (a
    /// rebuild of the cross-check index reads a million).
    public init?(utf8 bytes: UnsafeRawBufferPointer) {
        guard let kind = Self.allCases.first(where: { $0.rawValue.utf8.elementsEqual(bytes) }) else { return nil }
        self = kind
    }
}

/// A person named by a selector: a name and, when known, a date of birth.
public struct PersonIdentity: Codable, Sendable, Hashable {
    /// The name as recorded.
    public var name: String
    /// Date of birth as `YYYY-MM-DD`.
    public var dateOfBirth: String?

    /// Creates a person identity.
    public init(name: String, dateOfBirth: String? = nil) {
        self.name = name
        self.dateOfBirth = dateOfBirth
    }
}

/// A selector's value as a client writes it: a string, or a person object.
public enum SelectorValue: Codable, Sendable, Hashable {
    case text(String)
    case person(PersonIdentity)

    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        if let text = try? container.decode(String.self) {
            self = .text(text)
        } else if let person = try? container.decode(PersonIdentity.self) {
            self = .person(person)
        } else {
            throw DecodingError.dataCorruptedError(
                in: container,
                debugDescription:
                    "A selector value is a string, or for a person an object {\"name\": …, \"dateOfBirth\": \"YYYY-MM-DD\"}."
            )
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        switch self {
        case .text(let text): try container.encode(text)
        case .person(let person): try container.encode(person)
        }
    }

    /// The value as its agency wrote it, on one line: the text, or a name with its date of birth.
    public var written: String {
        switch self {
        case .text(let text): text
        case .person(let person): person.name + (person.dateOfBirth.map { " (born \($0))" } ?? "")
        }
    }
}

/// A selector as a client sends it.
public struct SelectorInput: Codable, Sendable, Hashable {
    /// What kind of identifier it is.
    public var kind: SelectorKind
    /// The identifier as written.
    public var value: SelectorValue

    /// Creates a selector input.
    public init(kind: SelectorKind, value: SelectorValue) {
        self.kind = kind
        self.value = value
    }

    /// Creates a selector input from text.
    public init(kind: SelectorKind, text: String) {
        self.init(kind: kind, value: .text(text))
    }

    /// Normalises the value into a ``Selector``, or explains why it is not valid or too wide
    /// to identify anyone (see ``Selector/checkBreadth(_:)``).
    ///
    /// - Parameters:
    ///   - defaultCountry: the country that phone numbers without a calling code belong to.
    ///   - limits: how wide a selector the installation allows.
    public func normalised(
        defaultCountry: String?, limits: SelectorLimits = .standard
    ) throws(DomainError) -> Selector {
        switch verdict(defaultCountry: defaultCountry, limits: limits) {
        case .accepted(let selector): return selector
        case .refusedByRule(let error), .invalid(let error): throw error
        }
    }

    /// What an import makes of this selector: the normalised selector; or a value that is well
    /// formed but refused by rule (a wildcard, a block wider than `limits` allow, a public
    /// suffix), which an import leaves out and lists; or a value that is not valid at all,
    /// which refuses the file.
    public func verdict(defaultCountry: String?, limits: SelectorLimits = .standard) -> SelectorVerdict {
        let selector: Selector
        do {
            try Selector.refuseWildcards(kind: kind, value: value)
        } catch {
            return .refusedByRule(DomainError(kind: error.kind, field: error.field ?? "value", message: error.message))
        }
        do {
            selector = try normalise(defaultCountry: defaultCountry)
        } catch {
            return .invalid(DomainError(kind: error.kind, field: error.field ?? "value", message: error.message))
        }
        do {
            try selector.checkWidth(limits)
        } catch {
            return .refusedByRule(DomainError(kind: error.kind, field: error.field ?? "value", message: error.message))
        }
        return .accepted(selector)
    }

    private func normalise(defaultCountry: String?) throws(DomainError) -> Selector {
        if kind == .person {
            guard case .person(let person) = value else {
                throw .invalid("A person selector's value is an object {\"name\": …, \"dateOfBirth\": \"YYYY-MM-DD\"}.")
            }
            let name = try Validation.requiredText(person.name, field: "value.name", maxLength: 300)
            let key = PersonName.matchKey(name)
            guard !key.isEmpty else {
                throw .invalid("'\(person.name)' holds no letters to match a name by.", field: "value.name")
            }
            let birth = try person.dateOfBirth.map { date throws(DomainError) in try Self.validatedDate(date) }
            return Selector(
                kind: kind, value: .person(PersonIdentity(name: name, dateOfBirth: birth)), matchKey: key,
                dateOfBirth: birth)
        }
        guard case .text(let text) = value else {
            throw .invalid("A \(kind.rawValue) selector's value is a string.")
        }
        // Counting bytes first, which a native string knows: counting characters walks them all.
        guard text.utf8.count <= 2_048 || text.count <= 2_048 else {
            throw .invalid("A selector value may have at most 2,048 characters.")
        }
        let key: String
        switch kind {
        case .ip:
            guard !text.utf8.contains(UInt8(ascii: "/")) else {
                throw .invalid("'\(text)' is a block of addresses; record it with the selector kind 'cidr'.")
            }
            guard let address = IPAddress(text.trimmingWhitespace()) else {
                throw .invalid("'\(text)' is not an IPv4 or IPv6 address.")
            }
            key = address.description
        case .cidr:
            guard let block = CIDRBlock(text.trimmingWhitespace()) else {
                throw .invalid("'\(text)' is not a CIDR block such as 10.0.0.0/24 or 2001:db8::/32.")
            }
            key = block.description
        case .domain: key = try DomainName.normalise(text)
        case .email: key = try EmailAddress.normalise(text)
        case .phone: key = try PhoneNumber.normalise(text, defaultCountry: defaultCountry)
        case .url: key = try URLNormaliser.normalise(text)
        case .wallet: key = try WalletAddress.normalise(text)
        case .person: preconditionFailure("handled above")
        }
        return Selector(kind: kind, value: .text(text.trimmingWhitespace()), matchKey: key, dateOfBirth: nil)
    }

    /// A date of birth written `YYYY-MM-DD`, a real day of the Gregorian calendar between 1900
    /// and 2100. Read byte by byte rather than through `Calendar`: a check of names with dates
    /// reads thousands a request.
    static func validatedDate(_ text: String) throws(DomainError) -> String {
        func number(_ bytes: ArraySlice<UInt8>) -> Int? {
            var value = 0
            for byte in bytes {
                guard (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte) else { return nil }
                value = value * 10 + Int(byte - UInt8(ascii: "0"))
            }
            return value
        }
        let bytes = Array(text.utf8)
        guard bytes.count == 10, bytes[4] == UInt8(ascii: "-"), bytes[7] == UInt8(ascii: "-"),
            let year = number(bytes[0..<4]), let month = number(bytes[5..<7]), let day = number(bytes[8..<10]),
            (1900...2100).contains(year), (1...12).contains(month),
            (1...Self.daysIn(month: month, of: year)).contains(day)
        else {
            throw .invalid("'\(text)' is not a date of birth written YYYY-MM-DD.", field: "value.dateOfBirth")
        }
        return text
    }

    /// The days of a month of the Gregorian calendar.
    static func daysIn(month: Int, of year: Int) -> Int {
        switch month {
        case 2: (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 ? 29 : 28
        case 4, 6, 9, 11: 30
        default: 31
        }
    }
}

/// What an import makes of a selector it reads (``SelectorInput/verdict(defaultCountry:limits:)``).
public enum SelectorVerdict: Sendable {
    /// Valid and narrow enough: the selector as it is recorded.
    case accepted(Selector)
    /// Well formed, but too wide to identify anyone by the installation's rules.
    case refusedByRule(DomainError)
    /// Not a valid identifier of its kind.
    case invalid(DomainError)
}

/// A normalised identifier of a target.
public struct Selector: Codable, Sendable, Hashable {
    /// What kind of identifier it is.
    public var kind: SelectorKind
    /// The identifier as its originator wrote it (trimmed).
    public var value: SelectorValue
    /// The normalised form that matching compares: equal for every way of writing one identifier.
    public var matchKey: String
    /// Date of birth, for person selectors.
    public var dateOfBirth: String?

    /// Creates a selector.
    public init(kind: SelectorKind, value: SelectorValue, matchKey: String, dateOfBirth: String?) {
        self.kind = kind
        self.value = value
        self.matchKey = matchKey
        self.dateOfBirth = dateOfBirth
    }
}
