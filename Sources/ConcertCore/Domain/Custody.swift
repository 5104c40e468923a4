import Foundation

/// A step in an exhibit's chain of custody.
public enum CustodyKind: String, Codable, Sendable, CaseIterable, LenientDecodable {
    /// Taken in the action (the first entry, written when the exhibit is recorded).
    case seized
    /// Sealed in a bag or box with a numbered seal.
    case sealed
    /// Handed over to another agency; complete once that agency confirms receipt.
    case handedOver
    /// The receiving agency confirms a hand-over (written by the receipt route).
    case received
    /// Examined: by whom and what was done.
    case examined
    /// A forensic image was made of it.
    case imaged
    /// Put in storage: where.
    case stored
    /// Sent to an agency abroad under a legal instrument; complete once received.
    case sentAbroad
    /// Given back to its owner: it leaves custody.
    case returned
    /// Destroyed: it leaves custody.
    case destroyed
    /// Corrects an earlier entry, which stays as written; corrects a hand-over by calling it off.
    case correction

    /// The step in words, as a timeline shows it.
    public var label: String {
        switch self {
        case .seized: "Seized"
        case .sealed: "Sealed"
        case .handedOver: "Handed over"
        case .received: "Received"
        case .examined: "Examined"
        case .imaged: "Imaged"
        case .stored: "Stored"
        case .sentAbroad: "Sent abroad"
        case .returned: "Returned to its owner"
        case .destroyed: "Destroyed"
        case .correction: "Correction"
        }
    }

    /// Whether the step puts the exhibit in transit to another agency.
    public var startsTransit: Bool { self == .handedOver || self == .sentAbroad }

    /// Whether the step ends custody.
    public var endsCustody: Bool { self == .returned || self == .destroyed }

    /// The steps at which a hash may be computed again.
    public var mayCheckHash: Bool { [.handedOver, .received, .examined, .imaged, .stored, .sentAbroad].contains(self) }
}

/// One entry of an exhibit's chain of custody. Entries are never changed or removed: a
/// mistake is corrected by a later entry that names it.
public struct CustodyEntry: Codable, Sendable, Equatable, Identifiable {
    /// Opaque identifier.
    public var id: String
    /// The exhibit it belongs to.
    public var exhibitId: String
    /// The operation of that exhibit.
    public var operationId: String
    /// Its place in the chain, from 1.
    public var position: Int
    /// What happened.
    public var kind: CustodyKind
    /// The agency that recorded it (the holder; for a receipt, the receiver).
    public var agencyId: String
    /// The person who recorded it.
    public var userId: String
    /// When it was recorded.
    public var recordedAt: Date
    /// What was done, in words.
    public var note: String?
    /// The seal's number, for a sealing.
    public var sealNumber: String?
    /// Where it is kept, for storage.
    public var location: String?
    /// The agency it went from, for a hand-over or receipt.
    public var fromAgencyId: String?
    /// The agency it goes to, for a hand-over or sending abroad.
    public var toAgencyId: String?
    /// The person it is handed to, when named.
    public var toPerson: String?
    /// The legal instrument it was sent abroad under.
    public var legalInstrumentId: String?
    /// The hand-over a receipt confirms.
    public var confirms: String?
    /// The entry a correction corrects.
    public var corrects: String?
    /// A hash computed again at this step, and what it showed.
    public var hashCheck: HashCheck?
}

/// The hash a client computed again, before Concert compares it.
public struct HashCheckInput: Codable, Sendable {
    public var algorithm: HashAlgorithm
    public var value: String

    /// Creates a hash to check.
    public init(algorithm: HashAlgorithm, value: String) {
        self.algorithm = algorithm
        self.value = value
    }
}

/// What a client sends to add an entry to an exhibit's chain of custody.
public struct CustodyInput: Codable, Sendable {
    public var kind: CustodyKind
    public var note: String?
    public var sealNumber: String?
    public var location: String?
    public var toAgencyId: String?
    public var toPerson: String?
    public var legalInstrumentId: String?
    public var corrects: String?
    public var hashCheck: HashCheckInput?

    /// Creates an input.
    public init(
        kind: CustodyKind, note: String? = nil, sealNumber: String? = nil, location: String? = nil,
        toAgencyId: String? = nil, toPerson: String? = nil, legalInstrumentId: String? = nil, corrects: String? = nil,
        hashCheck: HashCheckInput? = nil
    ) {
        self.kind = kind
        self.note = note
        self.sealNumber = sealNumber
        self.location = location
        self.toAgencyId = toAgencyId
        self.toPerson = toPerson
        self.legalInstrumentId = legalInstrumentId
        self.corrects = corrects
        self.hashCheck = hashCheck
    }
}

/// The custody rules: what entry may follow an exhibit's chain so far, and what it makes of
/// the exhibit. Pure functions; the store runs them inside the transaction that writes the entry.
extension Exhibit {
    /// The first entry of a new exhibit's chain, by the officer who recorded the seizure.
    public func seizureEntry(id: String, by actor: Actor, now: Date) -> CustodyEntry {
        CustodyEntry(
            id: id, exhibitId: self.id, operationId: operationId, position: 1, kind: .seized,
            agencyId: actor.agencyId, userId: actor.userId, recordedAt: now, note: nil, sealNumber: nil,
            location: nil, fromAgencyId: nil, toAgencyId: nil, toPerson: nil, legalInstrumentId: legalInstrumentId,
            confirms: nil, corrects: nil, hashCheck: nil)
    }

    /// The entry `input` describes, checked against the chain so far (`entries`, in order),
    /// and the exhibit as it stands after it. The caller has checked, through the access
    /// policy, that the actor's agency holds the exhibit; that a receiving agency and an
    /// instrument exist is checked here against `operation` and `instrumentExists`.
    public func recording(
        _ input: CustodyInput, entries: [CustodyEntry], id: String, by actor: Actor, in operation: JointOperation,
        instrumentExists: (String) -> Bool, now: Date
    ) throws(DomainError) -> (entry: CustodyEntry, exhibit: Exhibit) {
        switch input.kind {
        case .seized:
            throw .invalid("An exhibit's seizure is its first entry, written when it is recorded.", field: "kind")
        case .received:
            throw .invalid(
                "A receipt confirms a hand-over: POST it to …/custody/{entryId}/receipt of that hand-over.",
                field: "kind")
        default: break
        }
        if let disposal, input.kind != .correction {
            throw .conflict(
                "Exhibit \(exhibitNumber) has left custody (\(disposal.label.lowercased())); only a correction may follow.",
                field: "kind")
        }
        if let transit, input.kind != .correction {
            throw .conflict(
                "Exhibit \(exhibitNumber) is in transit to \(transit.toAgencyId); it changes hands again once they confirm receipt, or the hand-over is corrected.",
                field: "kind")
        }
        func text(_ value: String?, _ field: String, _ maxLength: Int) throws(DomainError) -> String? {
            try Validation.refusingHiddenCharacters(
                try Validation.optionalText(value, field: field, maxLength: maxLength), field: field)
        }
        var entry = CustodyEntry(
            id: id, exhibitId: self.id, operationId: operationId, position: entries.count + 1, kind: input.kind,
            agencyId: actor.agencyId, userId: actor.userId, recordedAt: now, note: try text(input.note, "note", 4_000),
            sealNumber: try text(input.sealNumber, "sealNumber", 100),
            location: try text(input.location, "location", 300),
            fromAgencyId: nil, toAgencyId: nil, toPerson: try text(input.toPerson, "toPerson", 200),
            legalInstrumentId: nil, confirms: nil, corrects: nil, hashCheck: nil)
        var updated = self
        switch input.kind {
        case .sealed:
            guard entry.sealNumber != nil else {
                throw .invalid("A sealing names its seal's number.", field: "sealNumber")
            }
        case .stored:
            guard entry.location != nil else { throw .invalid("A storage names where it is kept.", field: "location") }
        case .examined, .imaged, .returned, .destroyed:
            guard entry.note != nil else {
                throw .invalid("Say in 'note' what was done and by whom.", field: "note")
            }
        case .handedOver, .sentAbroad:
            guard let to = input.toAgencyId?.trimmingWhitespace(), !to.isEmpty else {
                throw .invalid("A hand-over names the agency it goes to in 'toAgencyId'.", field: "toAgencyId")
            }
            guard AccessPolicy.mayReceiveIntelligence(agencyId: to, in: operation) else {
                throw .invalid(
                    "Agency '\(to.prefix(80))' does not take part in this operation (observers cannot hold exhibits).",
                    field: "toAgencyId")
            }
            guard to != holderAgencyId else {
                throw .invalid("The exhibit is already held by agency '\(to)'.", field: "toAgencyId")
            }
            if input.kind == .sentAbroad {
                guard let instrument = input.legalInstrumentId, instrumentExists(instrument) else {
                    throw .invalid(
                        "Sending an exhibit abroad names the legal instrument of this operation it goes under.",
                        field: "legalInstrumentId")
                }
                entry.legalInstrumentId = instrument
            }
            entry.fromAgencyId = holderAgencyId
            entry.toAgencyId = to
            updated.transit = ExhibitTransit(
                entryId: id, fromAgencyId: holderAgencyId, toAgencyId: to, toPerson: entry.toPerson, since: now)
            if !updated.custodianAgencyIds.contains(to) { updated.custodianAgencyIds.append(to) }
        case .correction:
            guard let corrected = input.corrects, let target = entries.first(where: { $0.id == corrected }) else {
                throw .invalid(
                    "A correction names the entry of this exhibit it corrects in 'corrects'.", field: "corrects")
            }
            guard entry.note != nil else { throw .invalid("Say in 'note' what was wrong.", field: "note") }
            // A correction says what was wrong; it records no seal, place or receiver of its own,
            // which would read as a step of the chain.
            let extras: [(String, Bool)] = [
                ("sealNumber", entry.sealNumber != nil), ("location", entry.location != nil),
                ("toPerson", entry.toPerson != nil), ("toAgencyId", input.toAgencyId != nil),
                ("legalInstrumentId", input.legalInstrumentId != nil), ("hashCheck", input.hashCheck != nil),
            ]
            if let (field, _) = extras.first(where: { $0.1 }) {
                throw .invalid("A correction says in 'note' what was wrong, and nothing else.", field: field)
            }
            guard target.kind != .correction else {
                throw .invalid("Correct the original entry, not a correction of it.", field: "corrects")
            }
            // The holder corrects only its own entries: another agency's (a hash check that
            // flagged the exhibit, say) stands until that agency holds the exhibit again and
            // corrects it.
            guard target.agencyId == actor.agencyId else {
                throw .invalid(
                    "Entry \(target.position) was written by another agency; only that agency corrects it.",
                    field: "corrects")
            }
            entry.corrects = corrected
            // Calling off a hand-over not yet received puts the exhibit back with its sender,
            // and the agency it was meant for no longer sees it (unless it held it before).
            if transit?.entryId == corrected {
                updated.transit = nil
                updated.custodianAgencyIds = Self.holders(seizedBy: seizingAgencyId, entries: entries)
            }

            // A return or destruction recorded by mistake is undone by correcting it.
            if let disposal, target.kind == disposal,
                entries.last(where: { $0.kind.endsCustody })?.id == corrected
            {
                updated.disposal = nil
            }
        case .seized, .received:
            break
        }
        if input.kind.endsCustody { updated.disposal = input.kind }
        if let check = input.hashCheck {
            guard input.kind.mayCheckHash else {
                throw .invalid(
                    "A hash is checked at a hand-over, receipt, examination, imaging or storage.", field: "hashCheck")
            }
            entry.hashCheck = try updated.checking(check)
        }
        // Flagged while any check that did not match stands uncorrected by the agency that made
        // it: a later check, or a correction of a later one, does not clear an earlier.
        updated.hashMismatchEntryId = Self.openMismatch(in: entries + [entry])
        updated.custodyCount = entry.position
        updated.updatedAt = now
        return (entry, updated)
    }

    /// The latest hash check of `entries` that did not match and that no correction names.
    static func openMismatch(in entries: [CustodyEntry]) -> String? {
        let corrected = Set(entries.compactMap(\.corrects))
        return entries.last { $0.hashCheck?.result == .mismatch && !corrected.contains($0.id) }?.id
    }

    /// The agencies that have held an exhibit: the one that seized it and each that
    /// confirmed a receipt, in order, each once.
    static func holders(seizedBy seizing: String, entries: [CustodyEntry]) -> [String] {
        var holders = [seizing]
        for entry in entries where entry.kind == .received {
            if let to = entry.toAgencyId, !holders.contains(to) { holders.append(to) }
        }
        return holders
    }

    /// The receipt of the hand-over under way, by the receiving agency: the exhibit changes hands.
    public func receiving(
        handOverId: String, hashCheck: HashCheckInput?, note: String?, entries: [CustodyEntry], id: String,
        by actor: Actor, now: Date
    ) throws(DomainError) -> (entry: CustodyEntry, exhibit: Exhibit) {
        guard let transit, transit.entryId == handOverId else {
            throw .conflict(
                "Entry \(handOverId) is not a hand-over of exhibit \(exhibitNumber) waiting for its receipt.")
        }
        var updated = self
        var entry = CustodyEntry(
            id: id, exhibitId: self.id, operationId: operationId, position: custodyCount + 1, kind: .received,
            agencyId: actor.agencyId, userId: actor.userId, recordedAt: now,
            note: try Validation.refusingHiddenCharacters(
                try Validation.optionalText(note, field: "note", maxLength: 4_000), field: "note"),
            sealNumber: nil, location: nil,
            fromAgencyId: transit.fromAgencyId, toAgencyId: transit.toAgencyId, toPerson: transit.toPerson,
            legalInstrumentId: nil, confirms: handOverId, corrects: nil, hashCheck: nil)
        if let hashCheck { entry.hashCheck = try checking(hashCheck) }
        updated.hashMismatchEntryId = Self.openMismatch(in: entries + [entry])
        updated.holderAgencyId = transit.toAgencyId
        updated.transit = nil
        updated.custodyCount = entry.position
        updated.updatedAt = now
        return (entry, updated)
    }

    /// A hash computed again, compared with the one recorded.
    func checking(_ input: HashCheckInput) throws(DomainError) -> HashCheck {
        let computed = try ExhibitHash(algorithm: input.algorithm, value: input.value).validated(field: "hashCheck")
        guard let recorded = hash(input.algorithm) else {
            throw .invalid(
                "Exhibit \(exhibitNumber) has no \(input.algorithm.rawValue) hash recorded to check against.",
                field: "hashCheck.algorithm")
        }
        return HashCheck(
            algorithm: input.algorithm, value: computed.value,
            result: computed.value == recorded.value ? .matches : .mismatch)
    }
}

/// What the log records of one custody entry: the entry, and the exhibit as it stands after it.
public struct CustodyRecord: Codable, Sendable, Equatable, EventPayload {
    public var entry: CustodyEntry
    public var exhibit: Exhibit

    /// Creates a record.
    public init(entry: CustodyEntry, exhibit: Exhibit) {
        self.entry = entry
        self.exhibit = exhibit
    }
}
