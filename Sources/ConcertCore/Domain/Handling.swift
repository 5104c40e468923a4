/// The handling code of a shared record: what the receiving agencies may do with it.
public enum HandlingCode: String, Codable, Sendable, CaseIterable, Comparable, LenientDecodable {
    /// H0: to be used only to prevent and combat crime.
    case h0 = "H0"
    /// H1: not to be disclosed in judicial proceedings without the originator's permission.
    case h1 = "H1"
    /// H2: not to be disseminated without the originator's permission.
    case h2 = "H2"
    /// H3: other restrictions, stated in text with the record.
    case h3 = "H3"

    /// The rule in words, as shown next to the record.
    public var meaning: String {
        switch self {
        case .h0: "To be used only to prevent and combat crime."
        case .h1: "Not to be disclosed in judicial proceedings without the originator's permission."
        case .h2: "Not to be disseminated without the originator's permission."
        case .h3: "Other restrictions apply, stated with the record."
        }
    }

    public static func < (lhs: HandlingCode, rhs: HandlingCode) -> Bool { lhs.rawValue < rhs.rawValue }
}

/// The reliability of the source of a piece of information.
public enum SourceReliability: String, Codable, Sendable, CaseIterable {
    /// A: no doubt about its reliability.
    case a = "A"
    /// B: reliable in most instances.
    case b = "B"
    /// C: unreliable in most instances.
    case c = "C"
    /// X: cannot be assessed.
    case x = "X"
}

/// How far the information itself can be trusted.
public enum InformationAccuracy: String, Codable, Sendable, CaseIterable {
    /// 1: accuracy not in doubt.
    case one = "1"
    /// 2: known personally to the source but not to the official passing it on.
    case two = "2"
    /// 3: not known personally to the source but corroborated.
    case three = "3"
    /// 4: not known personally to the source and not corroborated.
    case four = "4"
}

/// The evaluation of a record: source reliability and information accuracy, written `B2`.
public struct Evaluation: Codable, Sendable, Hashable, CustomStringConvertible {
    /// The source's reliability.
    public var source: SourceReliability
    /// The information's accuracy.
    public var information: InformationAccuracy

    /// Creates an evaluation.
    public init(source: SourceReliability, information: InformationAccuracy) {
        self.source = source
        self.information = information
    }

    /// Parses the two-character form `A1` … `X4`.
    public init?(code: String) {
        guard code.count == 2,
            let source = SourceReliability(rawValue: String(code.prefix(1)).uppercased()),
            let information = InformationAccuracy(rawValue: String(code.suffix(1)))
        else { return nil }
        self.init(source: source, information: information)
    }

    public var description: String { source.rawValue + information.rawValue }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        let code = try container.decode(String.self)
        guard let evaluation = Evaluation(code: code) else {
            throw DecodingError.dataCorruptedError(
                in: container,
                debugDescription:
                    "'\(code)' is not an evaluation: a source letter A, B, C or X followed by an information digit 1 to 4, such as B2."
            )
        }
        self = evaluation
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(description)
    }
}

/// Who may see a shared record besides its originator.
public enum Distribution: Codable, Sendable, Hashable {
    /// Every participating agency of the operation.
    case allParticipants
    /// Only the named agencies (by id), and the originator.
    case agencies([String])

    /// Whether an agency may see a record of this distribution that `originator` recorded.
    public func includes(_ agencyId: String, originator: String) -> Bool {
        switch self {
        case .allParticipants: true
        case .agencies(let named): agencyId == originator || named.contains(agencyId)
        }
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        if let word = try? container.decode(String.self) {
            guard word == "all" else {
                throw DecodingError.dataCorruptedError(
                    in: container,
                    debugDescription: "'\(word)' is not a distribution: use \"all\" or a list of agency ids."
                )
            }
            self = .allParticipants
        } else if let agencies = try? container.decode([String].self) {
            self = .agencies(agencies)
        } else {
            throw DecodingError.dataCorruptedError(
                in: container,
                debugDescription: "A distribution is \"all\" or a list of agency ids."
            )
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        switch self {
        case .allParticipants: try container.encode("all")
        case .agencies(let agencies): try container.encode(agencies)
        }
    }
}

/// The handling facts of one shared record that the access policy decides on.
public struct RecordHandling: Sendable, Equatable {
    /// The agency that recorded it.
    public var originatorAgencyId: String
    /// Its handling code.
    public var handling: HandlingCode
    /// Who may see it.
    public var distribution: Distribution

    /// Creates the handling facts of a record.
    public init(originatorAgencyId: String, handling: HandlingCode, distribution: Distribution) {
        self.originatorAgencyId = originatorAgencyId
        self.handling = handling
        self.distribution = distribution
    }
}
