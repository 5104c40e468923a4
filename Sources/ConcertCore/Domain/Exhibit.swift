import Foundation

/// What sort of item an exhibit is.
public enum ExhibitKind: String, Codable, Sendable, CaseIterable, LenientDecodable {
    case server
    case disk
    case diskImage
    case phone
    case computer
    case storageMedium
    case document
    case cash
    case cryptoWallet
    case vehicle
    case other

    /// The kind in words, as a register lists it ("disk image").
    public var label: String {
        switch self {
        case .server: "server"
        case .disk: "disk"
        case .diskImage: "disk image"
        case .phone: "phone"
        case .computer: "computer"
        case .storageMedium: "storage medium"
        case .document: "document"
        case .cash: "cash"
        case .cryptoWallet: "crypto wallet"
        case .vehicle: "vehicle"
        case .other: "other item"
        }
    }
}

/// A hash function forensic tools record for data.
public enum HashAlgorithm: String, Codable, Sendable, CaseIterable, LenientDecodable {
    case sha256 = "SHA-256"
    case sha1 = "SHA-1"
    case md5 = "MD5"

    /// How many hexadecimal digits a hash of this function has.
    public var hexLength: Int {
        switch self {
        case .sha256: 64
        case .sha1: 40
        case .md5: 32
        }
    }
}

/// A hash of an exhibit's data: the function and its value in lower-case hexadecimal.
public struct ExhibitHash: Codable, Sendable, Hashable {
    /// The hash function.
    public var algorithm: HashAlgorithm
    /// The value, lower-case hexadecimal of the function's length.
    public var value: String

    /// Creates a hash.
    public init(algorithm: HashAlgorithm, value: String) {
        self.algorithm = algorithm
        self.value = value
    }

    /// The hash with its value checked for length and alphabet, and lower-cased.
    public func validated(field: String) throws(DomainError) -> ExhibitHash {
        let value = value.trimmingWhitespace().lowercased()
        guard value.utf8.count == algorithm.hexLength, value.utf8.allSatisfy(Hex.isDigit) else {
            throw .invalid(
                "A \(algorithm.rawValue) hash is \(algorithm.hexLength) hexadecimal digits (0-9, a-f); '\(value.prefix(80))' is not.",
                field: "\(field).value")
        }
        return ExhibitHash(algorithm: algorithm, value: value)
    }
}

/// What a hash re-check at a custody step found.
public enum HashCheckResult: String, Codable, Sendable {
    /// The data still hashes to the value recorded when it was seized or imaged.
    case matches
    /// It does not: the exhibit is flagged wherever it appears.
    case mismatch
}

/// A hash computed again at a hand-over, receipt or examination, with what it showed.
public struct HashCheck: Codable, Sendable, Equatable {
    /// The function used.
    public var algorithm: HashAlgorithm
    /// The value computed.
    public var value: String
    /// Whether it equals the exhibit's recorded hash of that function.
    public var result: HashCheckResult
}

/// The exhibit on its way from one agency to another: sent, not yet confirmed received.
public struct ExhibitTransit: Codable, Sendable, Equatable {
    /// The hand-over (or sending abroad) that started it.
    public var entryId: String
    /// The agency that sent it, which still answers for it.
    public var fromAgencyId: String
    /// The agency that is to confirm receipt.
    public var toAgencyId: String
    /// The person it is meant for, when named.
    public var toPerson: String?
    /// When it was sent.
    public var since: Date
}

/// An item seized in an action, with where it stands in its chain of custody.
///
/// The chain itself is the ordered list of ``CustodyEntry``s; the exhibit carries what they
/// add up to (holder, transit, a hash mismatch), so that a register reads no chain.
public struct Exhibit: Codable, Sendable, Equatable, Identifiable {
    /// Opaque identifier.
    public var id: String
    /// The operation it belongs to.
    public var operationId: String
    /// Its number, unique in the operation: `FR-2026-0007` (the seizing agency's country, the
    /// year and a sequence), or the number the seizing agency gave it.
    public var exhibitNumber: String
    /// What sort of item it is.
    public var kind: ExhibitKind
    /// The item in words.
    public var description: String
    /// The action it was seized in.
    public var actionId: String
    /// The target that action concerns, if any.
    public var targetId: String?
    /// The exhibit it was derived from (the disk an image was made of), if any.
    public var parentExhibitId: String?
    /// The agency that seized it (the action's executing agency).
    public var seizingAgencyId: String
    /// The officer who recorded the seizure.
    public var seizedByUserId: String
    /// When it was seized.
    public var seizedAt: Date
    /// Where it was seized (the action's place).
    public var place: String
    /// ISO 3166-1 alpha-2 country where it was seized.
    public var country: String
    /// IANA time zone of that place.
    public var timeZone: String
    /// The legal instrument the seizure rests on (the action's), if any.
    public var legalInstrumentId: String?
    /// Handling code, as for every shared record.
    public var handling: HandlingCode
    /// The restriction in words, for H3.
    public var handlingRestriction: String?
    /// Evaluation of the record.
    public var evaluation: Evaluation
    /// Who besides the seizing agency, its holders and the lead coordinators may see it.
    public var distribution: Distribution
    /// Hashes of its data, as recorded when it was seized or imaged.
    public var hashes: [ExhibitHash]
    /// Size of its data in bytes.
    public var sizeBytes: Int64?
    /// The tool that made the image, for data.
    public var imagingTool: String?
    /// The agency that holds it now (the sender, while it is in transit).
    public var holderAgencyId: String
    /// Every agency that has held it or is to receive it: they may see it.
    public var custodianAgencyIds: [String]
    /// The hand-over under way, until the receiver confirms it.
    public var transit: ExhibitTransit?
    /// The custody entry whose hash re-check did not match, while not corrected.
    public var hashMismatchEntryId: String?
    /// How it left custody (returned or destroyed), when it has.
    public var disposal: CustodyKind?
    /// How many custody entries it has.
    public var custodyCount: Int
    /// When it was recorded.
    public var createdAt: Date
    /// When it last changed.
    public var updatedAt: Date

    /// Whether a hand-over is waiting for its receipt.
    public var isInTransit: Bool { transit != nil }

    /// The handling facts of the record: the seizing agency is its originator.
    public var recordHandling: RecordHandling {
        RecordHandling(originatorAgencyId: seizingAgencyId, handling: handling, distribution: distribution)
    }

    /// What the access policy decides the exhibit on.
    public var access: ExhibitAccess {
        ExhibitAccess(record: recordHandling, custodianAgencyIds: custodianAgencyIds, holderAgencyId: holderAgencyId)
    }

    /// Its hash of `algorithm`, if recorded.
    public func hash(_ algorithm: HashAlgorithm) -> ExhibitHash? { hashes.first { $0.algorithm == algorithm } }

    /// The count-level view that every participant of the board may see: no number,
    /// description or hash.
    public var summary: ExhibitSummary {
        ExhibitSummary(
            kind: kind, actionId: actionId, inTransit: isInTransit, hashMismatch: hashMismatchEntryId != nil,
            disposed: disposal != nil)
    }
}

/// What the access policy decides an exhibit on.
public struct ExhibitAccess: Sendable, Equatable, Hashable {
    /// Its handling as a shared record, the seizing agency as originator.
    public var record: RecordHandling
    /// The agencies that held it or are to receive it.
    public var custodianAgencyIds: [String]
    /// The agency that holds it now.
    public var holderAgencyId: String

    /// Creates the access facts of an exhibit.
    public init(record: RecordHandling, custodianAgencyIds: [String], holderAgencyId: String) {
        self.record = record
        self.custodianAgencyIds = custodianAgencyIds
        self.holderAgencyId = holderAgencyId
    }
}

extension RecordHandling: Hashable {
    public func hash(into hasher: inout Hasher) {
        hasher.combine(originatorAgencyId)
        hasher.combine(handling)
        hasher.combine(distribution)
    }
}

/// An exhibit as an observer, or a participant outside its distribution, sees it on the
/// board: enough to count it, and not even its id.
public struct ExhibitSummary: Codable, Sendable, Equatable {
    public var kind: ExhibitKind
    public var actionId: String
    public var inTransit: Bool
    public var hashMismatch: Bool
    public var disposed: Bool
}

/// What a client sends to record a seized exhibit.
public struct ExhibitInput: Codable, Sendable {
    public var actionId: String
    public var kind: ExhibitKind
    public var description: String
    public var exhibitNumber: String?
    public var parentExhibitId: String?
    public var seizedAt: Date?
    public var hashes: [ExhibitHash]?
    public var sizeBytes: Int64?
    public var imagingTool: String?
    public var handling: HandlingCode
    public var handlingRestriction: String?
    public var evaluation: Evaluation
    public var distribution: Distribution

    /// Creates an input.
    public init(
        actionId: String, kind: ExhibitKind, description: String, exhibitNumber: String? = nil,
        parentExhibitId: String? = nil, seizedAt: Date? = nil, hashes: [ExhibitHash]? = nil, sizeBytes: Int64? = nil,
        imagingTool: String? = nil, handling: HandlingCode, handlingRestriction: String? = nil,
        evaluation: Evaluation, distribution: Distribution
    ) {
        self.actionId = actionId
        self.kind = kind
        self.description = description
        self.exhibitNumber = exhibitNumber
        self.parentExhibitId = parentExhibitId
        self.seizedAt = seizedAt
        self.hashes = hashes
        self.sizeBytes = sizeBytes
        self.imagingTool = imagingTool
        self.handling = handling
        self.handlingRestriction = handlingRestriction
        self.evaluation = evaluation
        self.distribution = distribution
    }

    /// Whether `number` has the form of the numbers Concert gives (`FR-2026-0007`): two
    /// letters, a year and digits. Those are Concert's alone, so that no agency can take or
    /// crowd out another's next number.
    public static func isConcertNumber(_ number: String) -> Bool {
        let parts = number.split(separator: "-", omittingEmptySubsequences: false)
        return parts.count == 3 && parts[0].count == 2 && parts[0].allSatisfy(\.isLetter)
            && parts[1].count == 4 && parts[1].allSatisfy(\.isASCIIDigit) && !parts[2].isEmpty
            && parts[2].allSatisfy(\.isASCIIDigit)
    }

    /// The characters an exhibit number given by the seizing agency may use.
    static let numberAlphabet = Set("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-/._")

    /// The exhibit this input describes, seized in `action` by `actor`; its number is the one
    /// given, or `assignedNumber` (Concert's next). Checks everything that needs no look-up;
    /// the caller checks that the action and the parent exist in the operation.
    public func makeExhibit(
        id: String, operation: JointOperation, action: Action, assignedNumber: String, by actor: Actor, now: Date
    ) throws(DomainError) -> Exhibit {
        let description = try Validation.requiredText(description, field: "description", maxLength: 2_000)
        _ = try Validation.refusingHiddenCharacters(description, field: "description")
        var number = assignedNumber
        if let given = exhibitNumber {
            let given = given.trimmingWhitespace()
            // Checked scalar by scalar: a character such as the Kelvin sign is equal to K for
            // Swift, not for the database that keeps the numbers unique.
            guard (1...40).contains(given.unicodeScalars.count),
                given.unicodeScalars.allSatisfy({ $0.isASCII && Self.numberAlphabet.contains(Character($0)) })
            else {
                throw .invalid(
                    "An exhibit number is 1 to 40 letters, digits and - / . _, such as BKA-77-2026.",
                    field: "exhibitNumber")
            }
            guard !Self.isConcertNumber(given) else {
                throw .invalid(
                    "Numbers of the form FR-2026-0007 are Concert's own: leave 'exhibitNumber' out to be given the next one, or give your agency's own reference.",
                    field: "exhibitNumber")
            }
            number = given
        }
        if let seizedAt, seizedAt > now.addingTimeInterval(300) {
            throw .invalid("An exhibit cannot be seized in the future.", field: "seizedAt")
        }
        if let seizedAt, seizedAt < now.addingTimeInterval(-366 * 86_400) {
            throw .invalid("An exhibit seized more than a year ago is recorded in its own case.", field: "seizedAt")
        }
        let given = hashes ?? []
        guard given.count <= HashAlgorithm.allCases.count else {
            throw .invalid("An exhibit has at most one hash of each function.", field: "hashes")
        }
        var checked: [ExhibitHash] = []
        for (index, hash) in given.enumerated() {
            let hash = try hash.validated(field: "hashes[\(index)]")
            guard !checked.contains(where: { $0.algorithm == hash.algorithm }) else {
                throw .invalid(
                    "Two \(hash.algorithm.rawValue) hashes: an exhibit has one of each function.",
                    field: "hashes[\(index)]")
            }
            checked.append(hash)
        }
        // Up to 2^53 - 1 (8 PiB), which every JSON reader keeps exactly.
        if let sizeBytes, !(0...9_007_199_254_740_991).contains(sizeBytes) {
            throw .invalid("A size in bytes is a whole number from 0 to 9,007,199,254,740,991.", field: "sizeBytes")
        }
        let tool = try Validation.refusingHiddenCharacters(
            try Validation.optionalText(imagingTool, field: "imagingTool", maxLength: 300), field: "imagingTool")
        let restriction = try Validation.refusingHiddenCharacters(
            try handling.validatedRestriction(handlingRestriction), field: "handlingRestriction")
        try distribution.validate(in: operation)
        return Exhibit(
            id: id, operationId: operation.id, exhibitNumber: number, kind: kind, description: description,
            actionId: action.id, targetId: action.targetId, parentExhibitId: parentExhibitId,
            seizingAgencyId: action.executingAgencyId, seizedByUserId: actor.userId, seizedAt: seizedAt ?? now,
            place: action.place, country: action.country, timeZone: action.timeZone,
            legalInstrumentId: action.legalInstrumentId, handling: handling, handlingRestriction: restriction,
            evaluation: evaluation, distribution: distribution, hashes: checked, sizeBytes: sizeBytes,
            imagingTool: tool, holderAgencyId: action.executingAgencyId,
            custodianAgencyIds: [action.executingAgencyId], transit: nil, hashMismatchEntryId: nil, disposal: nil,
            custodyCount: 0, createdAt: now, updatedAt: now)
    }
}

extension Action {
    /// Whether exhibits may be recorded from this action: it went ahead.
    public var maySeize: Bool { [.go, .inProgress, .done, .failed].contains(status) }
}

extension HandlingCode {
    /// The restriction of a record of this code, checked: H3 needs one in words.
    public func validatedRestriction(_ restriction: String?) throws(DomainError) -> String? {
        let restriction = try Validation.optionalText(restriction, field: "handlingRestriction", maxLength: 2_000)
        if self == .h3 && restriction == nil {
            throw .invalid(
                "Handling code H3 needs its restriction stated in 'handlingRestriction'.",
                field: "handlingRestriction")
        }
        return restriction
    }
}

extension Distribution {
    /// Checks that a named distribution names participants of `operation`, at least one, each once.
    public func validate(in operation: JointOperation) throws(DomainError) {
        guard case .agencies(let named) = self else { return }
        guard !named.isEmpty else {
            throw .invalid(
                "A named distribution lists at least one agency; use \"all\" to share with every participant.",
                field: "distribution")
        }
        guard Set(named).count == named.count else {
            throw .invalid("A named distribution names each agency once.", field: "distribution")
        }
        for agency in named where operation.role(of: agency) == nil {
            throw .invalid(
                "Agency '\(agency)' does not take part in this operation, so it cannot be named in the distribution.",
                field: "distribution")
        }
    }
}
