import Foundation

/// What a target is.
public enum TargetKind: String, Codable, Sendable, CaseIterable, LenientDecodable {
    case person
    case server
    case domain
    case organisation
    case onlineAccount
    case cryptoWallet
    case location
}

/// Something an operation is after, with the identifiers (selectors) that pin it down.
public struct Target: Codable, Sendable, Equatable, Identifiable {
    /// Opaque identifier.
    public var id: String
    /// The operation it belongs to.
    public var operationId: String
    /// What it is.
    public var kind: TargetKind
    /// A name a person recognises ("Release server 12", "Suspect A").
    public var name: String
    /// Free notes.
    public var notes: String?
    /// Hosting provider, for servers.
    public var hostingProvider: String?
    /// ISO 3166-1 alpha-2 country where it is located, when known.
    public var country: String?
    /// Its normalised identifiers.
    public var selectors: [Selector]
    /// Handling code.
    public var handling: HandlingCode
    /// The restriction in words, required with H3.
    public var handlingRestriction: String?
    /// Evaluation, such as `B2`.
    public var evaluation: Evaluation
    /// Who may see it besides the originator.
    public var distribution: Distribution
    /// The agency that recorded it.
    public var originatorAgencyId: String
    /// The user who recorded it.
    public var createdBy: String
    /// When it was recorded.
    public var createdAt: Date
    /// When it last changed.
    public var updatedAt: Date
    /// The object of a partner's file it was imported from, when it was: an import of a newer
    /// version of the same object updates this target rather than adding another.
    public var source: TargetSource? = nil

    /// The facts the access policy decides on.
    public var recordHandling: RecordHandling {
        RecordHandling(originatorAgencyId: originatorAgencyId, handling: handling, distribution: distribution)
    }
}

/// The object of a file in a partner's format that a target was imported from.
public struct TargetSource: Codable, Sendable, Equatable {
    /// The format: `stix`, `misp` or `csv`.
    public var format: String
    /// The object's identifier in its format (a STIX id, a MISP object's or attribute's UUID).
    public var id: String
    /// When the object last changed, as the file said; a newer one replaces the target.
    public var modified: Date?
    /// MISP's `to_ids`: whether the originator marked the values for automatic detection.
    public var toIds: Bool?

    /// Creates a source.
    public init(format: String, id: String, modified: Date? = nil, toIds: Bool? = nil) {
        self.format = format
        self.id = id
        self.modified = modified
        self.toIds = toIds
    }
}

/// What a client sends to create or replace a target.
public struct TargetInput: Codable, Sendable, Hashable {
    public var kind: TargetKind
    public var name: String
    public var notes: String?
    public var hostingProvider: String?
    public var country: String?
    public var selectors: [SelectorInput]
    public var handling: HandlingCode
    public var handlingRestriction: String?
    public var evaluation: Evaluation
    public var distribution: Distribution

    /// Creates an input.
    public init(
        kind: TargetKind, name: String, notes: String? = nil, hostingProvider: String? = nil,
        country: String? = nil, selectors: [SelectorInput], handling: HandlingCode,
        handlingRestriction: String? = nil, evaluation: Evaluation, distribution: Distribution
    ) {
        self.kind = kind
        self.name = name
        self.notes = notes
        self.hostingProvider = hostingProvider
        self.country = country
        self.selectors = selectors
        self.handling = handling
        self.handlingRestriction = handlingRestriction
        self.evaluation = evaluation
        self.distribution = distribution
    }

    /// Validates the input and builds the target it describes.
    ///
    /// - Parameters:
    ///   - operation: the operation it is recorded in; named distribution must list its participants.
    ///   - defaultCountry: the country that phone numbers without a calling code belong to.
    ///   - limits: how wide a selector the installation allows.
    public func makeTarget(
        id: String, operation: JointOperation, originatorAgencyId: String, createdBy: String,
        defaultCountry: String?, createdAt: Date, now: Date, limits: SelectorLimits = .standard
    ) throws(DomainError) -> Target {
        let name = try Validation.requiredText(name, field: "name", maxLength: 300)
        let notes = try Validation.optionalText(notes, field: "notes", maxLength: 20_000)
        let provider = try Validation.optionalText(hostingProvider, field: "hostingProvider", maxLength: 300)
        let country = try country.map { code throws(DomainError) in try Country.validatedCode(code, field: "country") }
        guard selectors.count <= 1_000 else {
            throw .invalid("A target may have at most 1,000 selectors.", field: "selectors")
        }
        var normalised: [Selector] = []
        for (index, input) in selectors.enumerated() {
            do {
                normalised.append(try input.normalised(defaultCountry: defaultCountry, limits: limits))
            } catch {
                throw error.nested(under: "selectors[\(index)]")
            }
        }
        let restriction = try handling.validatedRestriction(handlingRestriction)
        try distribution.validate(in: operation)
        return Target(
            id: id, operationId: operation.id, kind: kind, name: name, notes: notes, hostingProvider: provider,
            country: country, selectors: normalised, handling: handling,
            handlingRestriction: restriction, evaluation: evaluation,
            distribution: distribution, originatorAgencyId: originatorAgencyId, createdBy: createdBy,
            createdAt: createdAt, updatedAt: now)
    }
}
