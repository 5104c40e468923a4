import Foundation

/// A pause of the action day, for the whole operation or one country.
public struct Hold: Codable, Sendable, Equatable {
    /// Why, as the coordinator said it.
    public var reason: String?
    /// Since when.
    public var since: Date

    /// Creates a hold.
    public init(reason: String?, since: Date) {
        self.reason = reason
        self.since = since
    }
}

/// Where the action day stands: GO given or not, holds, aborts.
public struct ActionDayState: Codable, Sendable, Equatable {
    /// When the coordinator gave GO, if they did.
    public var goGivenAt: Date?
    /// The agency whose coordinator gave GO.
    public var goGivenByAgencyId: String?
    /// A hold of the whole operation.
    public var hold: Hold?
    /// Holds of single countries (ISO 3166-1 alpha-2).
    public var countryHolds: [String: Hold]
    /// When the whole operation was aborted, if it was.
    public var abortedAt: Date?
    /// Why it was aborted, as the coordinator said it.
    public var abortReason: String?
    /// Countries whose actions were aborted.
    public var abortedCountries: [String]

    /// The state of an action day that has not begun.
    public init() {
        self.goGivenAt = nil
        self.hold = nil
        self.countryHolds = [:]
        self.abortedAt = nil
        self.abortedCountries = []
    }

    /// Whether actions in `country` are paused.
    public func isHeld(country: String) -> Bool {
        hold != nil || countryHolds[country] != nil
    }
}

/// What the lead coordinator can say on the action day.
public enum ActionDayCommandKind: String, Codable, Sendable, CaseIterable, LenientDecodable {
    /// All ready actions whose gates hold may start.
    case go
    /// Everything (or one country) pauses: no action may start.
    case hold
    /// The pause ends.
    case resume
    /// Every unfinished action (or one country's) is called off.
    case abort

    /// The event the command writes to the log.
    public var eventKind: TypedEventKind<JointOperation> {
        switch self {
        case .go: .operationGo
        case .hold: .operationHold
        case .resume: .operationResume
        case .abort: .operationAbort
        }
    }
}

/// A command of the coordinator, for the whole operation or one country.
public struct ActionDayCommand: Codable, Sendable {
    /// What to do.
    public var command: ActionDayCommandKind
    /// The country it concerns; absent for the whole operation. GO is always for the whole operation.
    public var country: String?
    /// Why, shown to every field team.
    public var reason: String?

    /// Creates a command.
    public init(command: ActionDayCommandKind, country: String? = nil, reason: String? = nil) {
        self.command = command
        self.country = country
        self.reason = reason
    }

    /// Applies the command, given by a coordinator of `agencyId`, to the operation and its
    /// actions, or explains why it cannot be given.
    ///
    /// Returns the actions it changed. GO moves each ready action whose gates are all checked,
    /// outside held countries, to `go`; ABORT moves every unfinished action in scope to `aborted`.
    public func apply(
        to operation: inout JointOperation, actions: [Action], by agencyId: String? = nil, now: Date
    ) throws(DomainError) -> [Action] {
        let country = try self.country.map { code throws(DomainError) in
            try Country.validatedCode(code, field: "country")
        }
        let reason = try Validation.optionalText(reason, field: "reason", maxLength: 1_000)
        var state = operation.actionDay ?? ActionDayState()
        if state.abortedAt != nil {
            throw .conflict("The operation was aborted; the action day is over.", field: "command")
        }
        var changed: [Action] = []
        switch command {
        case .go:
            guard country == nil else {
                throw .invalid(
                    "GO is given for the whole operation; hold or abort single countries instead.", field: "country")
            }
            guard operation.hHour != nil else { throw .conflict("Set H-hour before giving GO.", field: "command") }
            guard state.hold == nil else {
                throw .conflict("The operation is on hold; resume it first.", field: "command")
            }
            if state.goGivenAt == nil {
                state.goGivenAt = now
                state.goGivenByAgencyId = agencyId
            }
            for var action in actions
            where action.status == .ready && action.openGates.isEmpty
                && !state.isHeld(country: action.country)
            {
                action.status = .go
                action.updatedAt = now
                changed.append(action)
            }
        case .hold:
            let hold = Hold(reason: reason, since: now)
            if let country {
                guard state.countryHolds[country] == nil else {
                    throw .conflict("\(country) is already on hold.", field: "country")
                }
                state.countryHolds[country] = hold
            } else {
                guard state.hold == nil else { throw .conflict("The operation is already on hold.", field: "command") }
                state.hold = hold
            }
        case .resume:
            if let country {
                guard state.countryHolds.removeValue(forKey: country) != nil else {
                    throw .conflict("\(country) is not on hold.", field: "country")
                }
            } else {
                guard state.hold != nil else { throw .conflict("The operation is not on hold.", field: "command") }
                state.hold = nil
            }
        case .abort:
            if let country {
                guard !state.abortedCountries.contains(country) else {
                    throw .conflict("\(country) was already aborted.", field: "country")
                }
                state.abortedCountries.append(country)
            } else {
                state.abortedAt = now
                state.abortReason = reason
            }
            for var action in actions where !action.status.isFinal && (country == nil || action.country == country) {
                action.status = .aborted
                action.updatedAt = now
                changed.append(action)
            }
        }
        operation.actionDay = state
        return changed
    }
}

/// A precondition that must hold before an action may go ("legal instrument issued",
/// "team in position", "target confirmed located").
public struct Gate: Codable, Sendable, Equatable, Identifiable {
    /// Position-independent identifier within the action.
    public var id: String
    /// What must hold.
    public var title: String
    /// Whether someone confirmed it.
    public var checked: Bool
    /// Who confirmed it.
    public var checkedBy: String?
    /// When.
    public var checkedAt: Date?

    /// Creates an unchecked gate.
    public init(id: String, title: String) {
        self.id = id
        self.title = title
        self.checked = false
        self.checkedBy = nil
        self.checkedAt = nil
    }
}

/// Why an action was flagged overdue.
public enum OverdueReason: String, Codable, Sendable {
    /// Its planned start passed and it has not started.
    case notStarted
    /// It started and did not finish within its expected duration.
    case notFinished
}

extension Action {
    /// The gates not yet checked.
    public var openGates: [Gate] { (gates ?? []).filter { !$0.checked } }

    /// The action with its gate `gateId` checked (or unchecked) by `userId` at `now`; nil when
    /// it has no such gate. A finished action's gates no longer change.
    public func settingGate(
        _ gateId: String, checked: Bool, by userId: String, now: Date
    ) throws(DomainError)
        -> Action?
    {
        guard var gates, let index = gates.firstIndex(where: { $0.id == gateId }) else { return nil }
        guard !status.isFinal else {
            throw .conflict("The action is \(status.rawValue); its gates no longer matter.")
        }
        gates[index].checked = checked
        gates[index].checkedBy = checked ? userId : nil
        gates[index].checkedAt = checked ? now : nil
        var action = self
        action.gates = gates
        action.updatedAt = now
        return action
    }

    /// Whether the action is overdue at `now`, and why; `nil` when it is not or was flagged already.
    public func overdue(hHour: Date?, startedAt: Date?, now: Date) -> OverdueReason? {
        guard let start = plannedStart(hHour: hHour) else { return nil }
        let flagged = overdueFlags ?? []
        switch status {
        case .planned, .ready, .go:
            return now > start && !flagged.contains(.notStarted) ? .notStarted : nil
        case .inProgress:
            let began = startedAt ?? start
            let expectedEnd = began.addingTimeInterval(TimeInterval(expectedDurationMinutes * 60))
            return now > expectedEnd && !flagged.contains(.notFinished) ? .notFinished : nil
        case .done, .failed, .aborted:
            return nil
        }
    }
}
