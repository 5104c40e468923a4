import Foundation

/// What an action does on the action day.
public enum ActionKind: String, Codable, Sendable, CaseIterable, LenientDecodable {
    case arrest
    case houseSearch
    case serverTakedown
    case seizure
    case domainSeizure
    case interview
    case assetFreeze
}

/// Where an action stands: `planned → ready → go → inProgress → done | failed | aborted`.
public enum ActionStatus: String, Codable, Sendable, CaseIterable, LenientDecodable {
    /// Planned, preconditions not yet confirmed.
    case planned
    /// Its team is ready and its gates hold.
    case ready
    /// The coordinator gave GO.
    case go
    /// Under way in the field.
    case inProgress
    /// Finished as intended.
    case done
    /// Attempted and failed.
    case failed
    /// Called off.
    case aborted

    /// Whether no transition leaves this status.
    public var isFinal: Bool { self == .done || self == .failed || self == .aborted }

    /// The statuses that may follow this one.
    public var successors: Set<ActionStatus> {
        switch self {
        case .planned: [.ready, .aborted]
        case .ready: [.planned, .go, .aborted]
        case .go: [.ready, .inProgress, .aborted]
        case .inProgress: [.done, .failed, .aborted]
        case .done, .failed, .aborted: []
        }
    }

    /// Checks a transition, explaining why it is illegal when it is.
    public func validateTransition(to next: ActionStatus) throws(DomainError) {
        if isFinal {
            throw .conflict(
                "The action is already \(rawValue); a finished action cannot change status.", field: "status")
        }
        guard successors.contains(next) else {
            let allowed = successors.map(\.rawValue).sorted().joined(separator: ", ")
            throw .conflict(
                "An action that is \(rawValue) cannot become \(next.rawValue); it can become: \(allowed).",
                field: "status")
        }
    }
}

/// What came of an action.
public enum OutcomeKind: String, Codable, Sendable, CaseIterable, LenientDecodable {
    case arrested
    case notFound
    case serversSeized
    case itemsSeized
    case domainSeized
    case assetsFrozen
    case interviewed
    case other
}

/// The reported result of an action.
public struct Outcome: Codable, Sendable, Equatable {
    /// What happened.
    public var kind: OutcomeKind
    /// How many (persons arrested, servers seized…), when it counts.
    public var count: Int?
    /// A short description ("3 disks, 1 phone").
    public var description: String?

    /// Creates an outcome.
    public init(kind: OutcomeKind, count: Int? = nil, description: String? = nil) {
        self.kind = kind
        self.count = count
        self.description = description
    }

    /// Checks the count and description.
    public func validated() throws(DomainError) -> Outcome {
        if let count, !(0...1_000_000).contains(count) {
            throw .invalid("An outcome's count is a whole number from 0 to 1,000,000.", field: "outcome.count")
        }
        var outcome = self
        outcome.description = try Validation.optionalText(
            description, field: "outcome.description", maxLength: 2_000)
        return outcome
    }
}

/// One thing to do on the action day.
public struct Action: Codable, Sendable, Equatable, Identifiable {
    /// Opaque identifier.
    public var id: String
    /// The operation it belongs to.
    public var operationId: String
    /// What it does.
    public var kind: ActionKind
    /// A short title for the board.
    public var title: String
    /// The target it concerns, when there is one.
    public var targetId: String?
    /// The agency that executes it.
    public var executingAgencyId: String
    /// Where it happens (a town, an address, a data centre).
    public var place: String
    /// ISO 3166-1 alpha-2 country where it happens.
    public var country: String
    /// IANA time zone of the place, such as `Europe/Paris`.
    public var timeZone: String
    /// Planned start relative to H-hour, in minutes (−30 is H-30 min).
    public var offsetMinutes: Int
    /// Expected duration in minutes.
    public var expectedDurationMinutes: Int
    /// The legal instrument it rests on, when there is one.
    public var legalInstrumentId: String?
    /// Where it stands.
    public var status: ActionStatus
    /// What came of it, once reported.
    public var outcome: Outcome?
    /// Its preconditions; all must be checked before it may go.
    public var gates: [Gate]?
    /// When it went in progress.
    public var startedAt: Date?
    /// The overdue flags already raised, so that each is raised once.
    public var overdueFlags: [OverdueReason]?
    /// When it was created.
    public var createdAt: Date
    /// When it last changed.
    public var updatedAt: Date

    /// The planned start, when H-hour is set.
    public func plannedStart(hHour: Date?) -> Date? {
        hHour.map { $0.addingTimeInterval(TimeInterval(offsetMinutes * 60)) }
    }

    /// The planned start relative to H-hour as people write it: `H-30m`, `H+2h`, `H-48h`, `H`.
    public var offsetLabel: String {
        guard offsetMinutes != 0 else { return "H" }
        let sign = offsetMinutes < 0 ? "-" : "+"
        let minutes = abs(offsetMinutes)
        let hours = minutes / 60
        let rest = minutes % 60
        if hours == 0 { return "H\(sign)\(rest)m" }
        return rest == 0 ? "H\(sign)\(hours)h" : "H\(sign)\(hours)h\(rest)m"
    }
}

/// What a client sends to create or replace an action.
public struct ActionInput: Codable, Sendable {
    public var kind: ActionKind
    public var title: String
    public var targetId: String?
    public var executingAgencyId: String
    public var place: String
    public var country: String
    public var timeZone: String
    public var offsetMinutes: Int
    public var expectedDurationMinutes: Int?
    public var legalInstrumentId: String?
    /// The titles of its gates; gates already checked keep their check when their title stays.
    public var gates: [String]?

    /// Creates an input.
    public init(
        kind: ActionKind, title: String, targetId: String? = nil, executingAgencyId: String, place: String,
        country: String, timeZone: String, offsetMinutes: Int, expectedDurationMinutes: Int? = nil,
        legalInstrumentId: String? = nil, gates: [String]? = nil
    ) {
        self.gates = gates
        self.kind = kind
        self.title = title
        self.targetId = targetId
        self.executingAgencyId = executingAgencyId
        self.place = place
        self.country = country
        self.timeZone = timeZone
        self.offsetMinutes = offsetMinutes
        self.expectedDurationMinutes = expectedDurationMinutes
        self.legalInstrumentId = legalInstrumentId
    }

    /// Validates the fields that need no lookup; the caller checks that the referenced
    /// target and instrument exist in the same operation.
    public func validate(in operation: JointOperation) throws(DomainError) {
        _ = try Validation.requiredText(title, field: "title", maxLength: 300)
        _ = try Validation.requiredText(place, field: "place", maxLength: 300)
        _ = try Country.validatedCode(country, field: "country")
        guard TimeZone(identifier: timeZone) != nil, timeZone.contains("/") || timeZone == "UTC" else {
            throw .invalid(
                "'\(timeZone)' is not an IANA time zone such as Europe/Paris or America/New_York.",
                field: "timeZone")
        }
        // Action days run from days before H-hour to a day or two after it; a month either way is generous.
        guard (-43_200...43_200).contains(offsetMinutes) else {
            throw .invalid("The offset from H-hour must lie within 30 days either way.", field: "offsetMinutes")
        }
        if let expectedDurationMinutes, !(1...10_080).contains(expectedDurationMinutes) {
            throw .invalid(
                "The expected duration is between 1 minute and 7 days.", field: "expectedDurationMinutes")
        }
        if let gates {
            guard gates.count <= 20 else { throw .invalid("An action may have at most 20 gates.", field: "gates") }
            for (index, gate) in gates.enumerated() {
                _ = try Validation.requiredText(gate, field: "gates[\(index)]", maxLength: 200)
            }
        }
        guard let role = operation.role(of: executingAgencyId), role != .observer else {
            throw .invalid(
                "The executing agency must be a participant (not an observer) of this operation.",
                field: "executingAgencyId")
        }
    }
}

extension ActionInput {
    /// Builds the action this input describes, keeping the status and outcome it already has.
    public func makeAction(
        id: String, operationId: String, status: ActionStatus = .planned, outcome: Outcome? = nil,
        keeping previous: Action? = nil, createdAt: Date, now: Date
    ) -> Action {
        var action = Action(
            id: id, operationId: operationId, kind: kind, title: title.trimmingWhitespace(), targetId: targetId,
            executingAgencyId: executingAgencyId, place: place.trimmingWhitespace(), country: country.uppercased(),
            timeZone: timeZone, offsetMinutes: offsetMinutes, expectedDurationMinutes: expectedDurationMinutes ?? 60,
            legalInstrumentId: legalInstrumentId, status: status, outcome: outcome, gates: nil,
            startedAt: previous?.startedAt, overdueFlags: previous?.overdueFlags, createdAt: createdAt, updatedAt: now)
        if let titles = gates {
            // A gate whose title stays keeps its id and its check, each previous gate once; a new
            // one gets the first id no kept gate has, so that no two gates share an id.
            var unmatched = previous?.gates ?? []
            let kept = titles.map { title -> Gate? in
                let title = title.trimmingWhitespace()
                guard let index = unmatched.firstIndex(where: { $0.title == title }) else { return nil }
                return unmatched.remove(at: index)
            }
            var used = Set(kept.compactMap { $0?.id })
            var next = 1
            action.gates = zip(titles, kept).map { title, kept in
                if let kept { return kept }
                while used.contains("g\(next)") { next += 1 }
                used.insert("g\(next)")
                return Gate(id: "g\(next)", title: title.trimmingWhitespace())
            }
        } else {
            action.gates = previous?.gates
        }
        return action
    }
}

/// A request to move an action to another status.
public struct StatusChange: Codable, Sendable {
    /// The status to move to.
    public var status: ActionStatus
    /// What came of it; required with `done`, allowed with `failed` and `aborted`.
    public var outcome: Outcome?

    /// Creates a status change.
    public init(status: ActionStatus, outcome: Outcome? = nil) {
        self.status = status
        self.outcome = outcome
    }

    /// Applies the change to `action`, or explains why it cannot be made.
    ///
    /// - Parameter actionDay: the operation's action-day state: a hold stops actions from
    ///   starting, and unchecked gates stop an action from going.
    public func apply(to action: inout Action, actionDay: ActionDayState? = nil, now: Date) throws(DomainError) {
        try action.status.validateTransition(to: status)
        if status == .go, let gate = action.openGates.first {
            throw .conflict("The gate '\(gate.title)' is not checked; every gate must hold before GO.", field: "status")
        }
        if status == .inProgress || status == .go, let actionDay {
            if actionDay.isHeld(country: action.country) {
                throw .conflict(
                    "The action day is on hold\(actionDay.hold == nil ? " in \(action.country)" : ""); no action may start until it is resumed.",
                    field: "status")
            }
        }
        if status == .inProgress { action.startedAt = now }
        switch status {
        case .done:
            guard let outcome else {
                throw .invalid("Reporting an action as done needs its outcome.", field: "outcome")
            }
            action.outcome = try outcome.validated()
        case .failed, .aborted:
            action.outcome = try outcome?.validated()
        default:
            guard outcome == nil else {
                throw .invalid(
                    "An outcome is reported only with done, failed or aborted.", field: "outcome")
            }
        }
        action.status = status
        action.updatedAt = now
    }
}

extension Action {
    /// The action as shown to someone who may not read its target: its kind, country, time,
    /// status, the kind and count of its outcome and whether its gates hold, but neither the
    /// target link nor the title, place, outcome description or gate titles, which describe the
    /// target (an address, a suspect's name). An action without a target is shown whole.
    public var withoutTargetDetails: Action {
        guard targetId != nil else { return self }
        var action = self
        action.targetId = nil
        action.title = "\(Self.words(kind.rawValue)) in \(country)"
        action.place = ""
        // An outcome's words and a gate's title may name the target ("Zacharias seen at home"):
        // only what kind of outcome, how many, and whether each gate holds go.
        action.outcome?.description = nil
        action.gates = gates?.enumerated().map { index, gate in
            var gate = gate
            gate.title = "Gate \(index + 1)"
            return gate
        }
        return action
    }

    /// `serverTakedown` as `Server takedown`.
    static func words(_ camelCase: String) -> String {
        var text = ""
        for character in camelCase {
            if character.isUppercase, !text.isEmpty {
                text.append(" ")
                text.append(contentsOf: character.lowercased())
            } else {
                text.append(character)
            }
        }
        return text.prefix(1).uppercased() + text.dropFirst()
    }
}
