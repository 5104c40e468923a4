/// The kind of authority an agency is.
public enum AgencyKind: String, Codable, Sendable, CaseIterable, LenientDecodable {
    /// A national police or law-enforcement service.
    case police
    /// A prosecution service or investigating judge.
    case prosecution
    /// An agency of the European Union (for example the one that coordinates the operation).
    case euAgency
    /// A computer emergency response team.
    case cert
    /// A private partner, such as a rights holder that referred the case.
    case privatePartner
}

/// One authority taking part in Concert: users belong to exactly one agency.
public struct Agency: Codable, Sendable, Equatable, Identifiable {
    /// Opaque identifier.
    public var id: String
    /// The agency's name as its staff write it.
    public var name: String
    /// ISO 3166-1 alpha-2 country code (upper case).
    public var country: String
    /// What kind of authority it is.
    public var kind: AgencyKind
    /// Whom other agencies contact about this agency's records (a desk, a phone, an address).
    public var contact: String?

    /// Creates an agency.
    public init(id: String, name: String, country: String, kind: AgencyKind, contact: String? = nil) {
        self.id = id
        self.name = name
        self.country = country
        self.kind = kind
        self.contact = contact
    }

    /// Checks the fields a client supplies and returns the agency with its country upper-cased.
    public func validated() throws(DomainError) -> Agency {
        var agency = self
        agency.name = try Validation.requiredText(name, field: "name", maxLength: 200)
        agency.country = try Country.validatedCode(country, field: "country")
        agency.contact = try Validation.optionalText(contact, field: "contact", maxLength: 500)
        return agency
    }
}
