import Foundation

/// The legal basis of an action across borders.
public enum LegalInstrumentKind: String, Codable, Sendable, CaseIterable, LenientDecodable {
    /// European Arrest Warrant.
    case europeanArrestWarrant
    /// European Investigation Order.
    case europeanInvestigationOrder
    /// Request for mutual legal assistance.
    case mutualLegalAssistance
    /// A warrant under the executing country's own law.
    case domesticWarrant

    /// The instrument's name as lawyers write it.
    public var label: String {
        switch self {
        case .europeanArrestWarrant: "European Arrest Warrant"
        case .europeanInvestigationOrder: "European Investigation Order"
        case .mutualLegalAssistance: "Mutual legal assistance request"
        case .domesticWarrant: "Domestic warrant"
        }
    }
}

/// Where a legal instrument stands.
public enum LegalInstrumentStatus: String, Codable, Sendable, CaseIterable, LenientDecodable {
    case drafted
    case requested
    case issued
    case executed
    case refused
}

/// A warrant, order or request that an action rests on.
public struct LegalInstrument: Codable, Sendable, Equatable, Identifiable {
    /// Opaque identifier.
    public var id: String
    /// The operation it belongs to.
    public var operationId: String
    /// What sort of instrument it is.
    public var kind: LegalInstrumentKind
    /// The issuing authority's reference.
    public var reference: String
    /// The authority that issues it.
    public var issuingAuthority: String?
    /// ISO 3166-1 alpha-2 country that executes it.
    public var executingCountry: String
    /// Where it stands.
    public var status: LegalInstrumentStatus
    /// Notes on its progress.
    public var notes: String?
    /// When it was created.
    public var createdAt: Date
    /// When it last changed.
    public var updatedAt: Date
}

/// What a client sends to create or replace a legal instrument.
public struct LegalInstrumentInput: Codable, Sendable {
    public var kind: LegalInstrumentKind
    public var reference: String
    public var issuingAuthority: String?
    public var executingCountry: String
    public var status: LegalInstrumentStatus
    public var notes: String?

    /// Creates an input.
    public init(
        kind: LegalInstrumentKind, reference: String, issuingAuthority: String? = nil, executingCountry: String,
        status: LegalInstrumentStatus, notes: String? = nil
    ) {
        self.kind = kind
        self.reference = reference
        self.issuingAuthority = issuingAuthority
        self.executingCountry = executingCountry
        self.status = status
        self.notes = notes
    }

    /// Validates the input and builds the instrument.
    public func makeInstrument(
        id: String, operationId: String, createdAt: Date, now: Date
    ) throws(DomainError)
        -> LegalInstrument
    {
        LegalInstrument(
            id: id, operationId: operationId, kind: kind,
            reference: try Validation.requiredText(reference, field: "reference", maxLength: 200),
            issuingAuthority: try Validation.optionalText(issuingAuthority, field: "issuingAuthority", maxLength: 300),
            executingCountry: try Country.validatedCode(executingCountry, field: "executingCountry"),
            status: status, notes: try Validation.optionalText(notes, field: "notes", maxLength: 5_000),
            createdAt: createdAt, updatedAt: now)
    }
}
