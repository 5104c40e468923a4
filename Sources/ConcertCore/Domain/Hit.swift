import Foundation

/// How two selectors match, seen from the one that was looked up.
public enum MatchKind: String, Sendable, Codable, CaseIterable, LenientDecodable {
    /// The same identifier, however each side wrote it.
    case exact
    /// This address lies inside the other side's CIDR block.
    case insideBlock
    /// This CIDR block contains the other side's address.
    case containsAddress
    /// The two CIDR blocks share addresses.
    case overlappingBlocks
    /// This domain lies under the other side's (`cdn.example.com` under `example.com`).
    case subdomain
    /// The other side's domain lies under this one.
    case parentDomain
    /// The same name and the same date of birth.
    case samePerson
    /// The same name; one side recorded no date of birth.
    case possiblePerson

    /// The same match seen from the other side.
    public var reversed: MatchKind {
        switch self {
        case .insideBlock: .containsAddress
        case .containsAddress: .insideBlock
        case .subdomain: .parentDomain
        case .parentDomain: .subdomain
        case .exact, .overlappingBlocks, .samePerson, .possiblePerson: self
        }
    }
}

/// One side of a hit: a selector of a target, as its agency recorded it.
public struct HitSide: Codable, Sendable, Equatable {
    /// The target the selector pins down.
    public var targetId: String
    /// The operation of that target.
    public var operationId: String
    /// The agency that recorded it.
    public var agencyId: String
    /// What kind of identifier it is.
    public var selectorKind: SelectorKind
    /// The selector as that agency wrote it.
    public var value: String
    /// Its match key, which names the side within the hit.
    public var matchKey: String

    /// Creates a side.
    public init(
        targetId: String, operationId: String, agencyId: String, selectorKind: SelectorKind, value: String,
        matchKey: String
    ) {
        self.targetId = targetId
        self.operationId = operationId
        self.agencyId = agencyId
        self.selectorKind = selectorKind
        self.value = value
        self.matchKey = matchKey
    }
}

/// Two operations hold matching selectors: the moment to tell both agencies whom to call.
public struct Hit: Codable, Sendable, Equatable, Identifiable {
    /// Opaque identifier.
    public var id: String
    /// How the selectors match, seen from side `a`.
    public var kind: MatchKind
    /// The side whose recording found the hit.
    public var a: HitSide
    /// The side that held its selector already.
    public var b: HitSide
    /// When it was found.
    public var foundAt: Date
    /// The agencies that marked it reviewed, and when.
    public var reviewedBy: [String: Date]

    /// Creates a hit.
    public init(id: String, kind: MatchKind, a: HitSide, b: HitSide, foundAt: Date, reviewedBy: [String: Date] = [:]) {
        self.id = id
        self.kind = kind
        self.a = a
        self.b = b
        self.foundAt = foundAt
        self.reviewedBy = reviewedBy
    }

    /// What identifies the pair, whichever side found it: the same pair is one hit.
    public var pairKey: String {
        let first = "\(a.targetId)|\(a.selectorKind.rawValue)|\(a.matchKey)"
        let second = "\(b.targetId)|\(b.selectorKind.rawValue)|\(b.matchKey)"
        return first < second ? first + "~" + second : second + "~" + first
    }

    /// The sides as seen by `agencyId`: its own first, or nil when it is on neither side.
    /// An agency on both sides (two of its operations) sees side `a` as its own.
    public func sides(for agencyId: String) -> (mine: HitSide, theirs: HitSide, kind: MatchKind)? {
        if a.agencyId == agencyId { return (a, b, kind) }
        if b.agencyId == agencyId { return (b, a, kind.reversed) }
        return nil
    }
}

/// A value an agency told the cross-check to leave alone (a public resolver, its own
/// infrastructure): its selectors with that value produce no hits.
public struct Exclusion: Codable, Sendable, Equatable, Identifiable {
    /// Opaque identifier.
    public var id: String
    /// The agency that excluded it.
    public var agencyId: String
    /// What kind of identifier it is.
    public var kind: SelectorKind
    /// The value as written.
    public var value: String
    /// Its normalised key.
    public var matchKey: String
    /// Why, in the agency's words.
    public var reason: String?
    /// Who excluded it.
    public var createdBy: String
    /// When.
    public var createdAt: Date

    /// A new exclusion of `input` by `actor`, after normalising it like a target's selector,
    /// within the same `limits`.
    public static func make(
        id: String, input: SelectorInput, reason: String?, by actor: Actor, defaultCountry: String?, now: Date,
        limits: SelectorLimits = .standard
    ) throws(DomainError) -> Exclusion {
        let selector = try input.normalised(defaultCountry: defaultCountry, limits: limits)
        return Exclusion(
            id: id, agencyId: actor.agencyId, kind: selector.kind, value: selector.value.written,
            matchKey: selector.matchKey,
            reason: try Validation.optionalText(reason, field: "reason", maxLength: 500), createdBy: actor.userId,
            createdAt: now)
    }
}
