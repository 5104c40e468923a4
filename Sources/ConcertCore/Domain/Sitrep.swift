import Foundation

/// Where a situation report stands: the coordinator's working copy, or approved and sent.
public enum SitrepStatus: String, Codable, Sendable, CaseIterable, LenientDecodable {
    /// Compiled, editable, seen by the lead coordinators only.
    case draft
    /// Approved by a lead coordinator: numbered, final, shown to every participant.
    case approved
}

/// What the action day has produced, counted from the actions' reported outcomes.
public struct OutcomeTally: Codable, Sendable, Equatable {
    /// Persons arrested.
    public var arrests: Int
    /// Servers seized or taken down.
    public var serversTakenDown: Int
    /// Seizures of items, domains and assets.
    public var seizures: Int

    /// Counts the outcomes of `actions`: an outcome without a count counts once.
    public init(_ actions: [Action]) {
        var arrests = 0
        var servers = 0
        var seizures = 0
        for action in actions {
            guard let outcome = action.outcome else { continue }
            let count = outcome.count ?? 1
            switch outcome.kind {
            case .arrested: arrests += count
            case .serversSeized: servers += count
            case .itemsSeized, .domainSeized, .assetsFrozen: seizures += count
            case .notFound, .interviewed, .other: break
            }
        }
        self.arrests = arrests
        self.serversTakenDown = servers
        self.seizures = seizures
    }
}

/// The state of the whole action plan when a sitrep was compiled.
public struct SitrepCounters: Codable, Sendable, Equatable {
    /// How many actions are in each status (every status is present, zero included).
    public var actionsByStatus: [String: Int]
    /// The same per country where the actions take place.
    public var actionsByCountry: [String: [String: Int]]
    /// Arrests, servers and seizures so far.
    public var outcomes: OutcomeTally

    /// Counts `actions`.
    public init(_ actions: [Action]) {
        let zero = Dictionary(uniqueKeysWithValues: ActionStatus.allCases.map { ($0.rawValue, 0) })
        var byStatus = zero
        var byCountry: [String: [String: Int]] = [:]
        for action in actions {
            byStatus[action.status.rawValue, default: 0] += 1
            byCountry[action.country, default: zero][action.status.rawValue, default: 0] += 1
        }
        self.actionsByStatus = byStatus
        self.actionsByCountry = byCountry
        self.outcomes = OutcomeTally(actions)
    }
}

/// The exhibits a sitrep reports: counts only, as every participant (observers too) reads it.
public struct ExhibitTally: Codable, Sendable, Equatable {
    /// Exhibits recorded since the previous sitrep.
    public var seizedSincePrevious: Int
    /// Of those, how many of each kind (kinds with none left out).
    public var byKind: [String: Int]
    /// Exhibits recorded in all.
    public var total: Int
    /// Of those, how many of each kind: what the next sitrep counts its new ones from.
    public var totalByKind: [String: Int]
    /// Exhibits handed over and not yet received, when compiled.
    public var inTransit: Int
    /// Exhibits whose hash re-check did not match, when compiled.
    public var hashMismatches: Int

    /// The operation's exhibits as they stand: all of them counted as new, until
    /// ``since(_:)`` takes away those a previous sitrep reported.
    public init(totalByKind: [String: Int], inTransit: Int, hashMismatches: Int) {
        let total = totalByKind.values.reduce(0, +)
        self.seizedSincePrevious = total
        self.byKind = totalByKind.filter { $0.value > 0 }
        self.total = total
        self.totalByKind = totalByKind.filter { $0.value > 0 }
        self.inTransit = inTransit
        self.hashMismatches = hashMismatches
    }

    /// No exhibit at all.
    public static let none = ExhibitTally(totalByKind: [:], inTransit: 0, hashMismatches: 0)

    /// The tally with only the exhibits recorded after `previous` counted as new: exhibits are
    /// never removed, so each kind's new ones are its total less the total reported then.
    public func since(_ previous: ExhibitTally?) -> ExhibitTally {
        guard let previous else { return self }
        var tally = self
        tally.byKind = [:]
        for (kind, count) in totalByKind {
            let new = count - (previous.totalByKind[kind] ?? 0)
            if new > 0 { tally.byKind[kind] = new }
        }
        tally.seizedSincePrevious = tally.byKind.values.reduce(0, +)
        return tally
    }

    /// The kinds seized as people say them: `3 servers, 1 disk image`.
    public var seizedInWords: String {
        guard seizedSincePrevious > 0 else { return "None." }
        return ExhibitKind.allCases.compactMap { kind in
            byKind[kind.rawValue].map { "\($0) \(kind.label)\($0 == 1 ? "" : "s")" }
        }.joined(separator: ", ")
    }
}

/// An action whose outcome a sitrep reports.
public struct SitrepOutcome: Codable, Sendable, Equatable {
    public var actionId: String
    public var title: String
    public var country: String
    public var status: ActionStatus
    public var outcome: Outcome?
}

/// A significant log entry as a sitrep quotes it.
public struct SitrepEntry: Codable, Sendable, Equatable {
    public var entryId: String
    public var text: String
    public var agencyId: String
    public var postedAt: Date
}

/// A situation report: what happened since the previous one, compiled from the action plan
/// and the operation log, edited and approved by a coordinator of the lead agency.
public struct Sitrep: Codable, Sendable, Equatable, Identifiable {
    /// Opaque identifier.
    public var id: String
    /// The operation it reports on.
    public var operationId: String
    /// Its number among the operation's approved sitreps (1, 2, …); none while a draft.
    public var number: Int?
    /// Draft or approved.
    public var status: SitrepStatus
    /// When it was compiled: the end of the period it covers.
    public var compiledAt: Date
    /// The approved sitrep it follows, whose compilation began the period; none for the first.
    public var previousSitrepId: String?
    /// When that period began (the previous sitrep's compilation).
    public var periodStart: Date?
    /// The coordinator's summary.
    public var summary: String
    /// The whole plan as it stood when compiled.
    public var counters: SitrepCounters
    /// Arrests, servers and seizures reported since the previous sitrep.
    public var sincePrevious: OutcomeTally
    /// The actions that finished since the previous sitrep, with what came of them.
    public var outcomes: [SitrepOutcome]
    /// The log entries marked significant since the previous sitrep.
    public var significantEvents: [SitrepEntry]
    /// The exhibits seized since the previous sitrep, and those in transit or flagged, counted
    /// (none in sitreps compiled before exhibits were recorded).
    public var exhibits: ExhibitTally?
    /// What still needs attention, one line each; the coordinator edits the list.
    public var openProblems: [String]
    /// Who compiled it.
    public var compiledByUserId: String
    /// Who approved it.
    public var approvedByUserId: String?
    /// When it was approved.
    public var approvedAt: Date?
    /// When it last changed.
    public var updatedAt: Date

    /// The heading people use: `SITREP 3` or `Draft sitrep`.
    public var heading: String { number.map { "SITREP \($0)" } ?? "Draft sitrep" }

    /// Compiles a draft from the operation as it stands now: the counters of the whole plan,
    /// and what is new since the latest of the `approved` sitreps — outcomes of actions that
    /// finished and significant log entries that no earlier sitrep reported. `sitreps` are the
    /// operation's sitreps so far; drafts among them are ignored.
    public static func compile(
        id: String, operation: JointOperation, actions: [Action], log: [LogEntry], sitreps: [Sitrep],
        exhibits: ExhibitTally = .none, summary: String?, by actor: Actor, now: Date
    ) throws(DomainError) -> Sitrep {
        let summary = try Validation.optionalText(summary, field: "summary", maxLength: 20_000) ?? ""
        // An approved sitrep goes to every participant, observers included, who may not read
        // the actions' targets: it names those actions by kind and country, not by the title
        // and place that describe the target (the coordinator may add what all may know).
        let actions = actions.map(\.withoutTargetDetails)
        let approved = sitreps.filter { $0.status == .approved }
        let previous = approved.max { ($0.number ?? 0) < ($1.number ?? 0) }
        let reportedActions = Set(approved.flatMap { $0.outcomes.map(\.actionId) })
        let reportedEntries = Set(approved.flatMap { $0.significantEvents.map(\.entryId) })
        let finished = actions.filter { $0.status.isFinal && !reportedActions.contains($0.id) }
        return Sitrep(
            id: id, operationId: operation.id, number: nil, status: .draft, compiledAt: now,
            previousSitrepId: previous?.id, periodStart: previous?.compiledAt, summary: summary,
            counters: SitrepCounters(actions), sincePrevious: OutcomeTally(finished),
            outcomes: finished.map {
                SitrepOutcome(
                    actionId: $0.id, title: $0.title, country: $0.country, status: $0.status, outcome: $0.outcome)
            },
            significantEvents: log.filter { $0.significant && !reportedEntries.contains($0.id) }.map {
                SitrepEntry(entryId: $0.id, text: $0.text, agencyId: $0.agencyId, postedAt: $0.createdAt)
            },
            exhibits: exhibits.since(previous?.exhibits),
            openProblems: openProblems(operation: operation, actions: actions),
            compiledByUserId: actor.userId, approvedByUserId: nil, approvedAt: nil, updatedAt: now)
    }

    /// What needs the coordinator's attention: holds and aborts in force, actions overdue and
    /// not finished, failed actions, and — once GO is given — unfinished actions with open gates.
    public static func openProblems(operation: JointOperation, actions: [Action]) -> [String] {
        var problems: [String] = []
        let day = operation.actionDay ?? ActionDayState()
        if let abortedAt = day.abortedAt {
            problems.append("The operation was aborted at \(ConcertJSON.formatTimestamp(abortedAt)).")
        }
        if let hold = day.hold {
            problems.append(
                "HOLD for the whole operation since \(ConcertJSON.formatTimestamp(hold.since))"
                    + (hold.reason.map { ": \($0)" } ?? "."))
        }
        for (country, hold) in day.countryHolds.sorted(by: { $0.key < $1.key }) {
            problems.append(
                "HOLD in \(country) since \(ConcertJSON.formatTimestamp(hold.since))"
                    + (hold.reason.map { ": \($0)" } ?? "."))
        }
        for country in day.abortedCountries.sorted() { problems.append("Actions in \(country) were aborted.") }
        for action in actions {
            let flags = action.overdueFlags ?? []
            if !action.status.isFinal, flags.contains(.notFinished) {
                problems.append("Overdue: \(action.title) (\(action.country)) is taking longer than planned.")
            } else if !action.status.isFinal, flags.contains(.notStarted) {
                problems.append("Overdue: \(action.title) (\(action.country)) has not started.")
            }
            if action.status == .failed {
                let detail = action.outcome?.description.map { ": \($0)" } ?? "."
                problems.append("Failed: \(action.title) (\(action.country))\(detail)")
            }
            if day.goGivenAt != nil, !action.status.isFinal, action.status != .inProgress, !action.openGates.isEmpty {
                let gates = action.openGates.map(\.title).joined(separator: ", ")
                problems.append("Gates open: \(action.title) (\(action.country)) waits for \(gates).")
            }
        }
        return problems
    }
}

/// A coordinator's edit of a draft sitrep: its summary and open problems, and whether it is
/// now approved.
public struct SitrepEdit: Codable, Sendable {
    public var summary: String?
    public var openProblems: [String]
    public var status: SitrepStatus

    /// Creates an edit.
    public init(summary: String?, openProblems: [String], status: SitrepStatus) {
        self.summary = summary
        self.openProblems = openProblems
        self.status = status
    }

    /// Applies the edit to `sitrep`, given every sitrep of its operation; approving numbers it.
    ///
    /// An approved sitrep is final; a draft compiled before the latest approved sitrep would
    /// report a period that one already covered, so it cannot be approved.
    public func apply(
        to sitrep: Sitrep, among all: [Sitrep], by actor: Actor, now: Date
    ) throws(DomainError)
        -> Sitrep
    {
        guard sitrep.status == .draft else {
            throw .conflict("\(sitrep.heading) is approved; an approved sitrep cannot change.", field: "status")
        }
        guard openProblems.count <= 200 else {
            throw .invalid("A sitrep lists at most 200 open problems.", field: "openProblems")
        }
        var edited = sitrep
        edited.summary = try Validation.optionalText(summary, field: "summary", maxLength: 20_000) ?? ""
        edited.openProblems = []
        for (index, problem) in openProblems.enumerated() {
            let text = try Validation.requiredText(problem, field: "openProblems[\(index)]", maxLength: 1_000)
            edited.openProblems.append(text)
        }
        edited.updatedAt = now
        if status == .approved {
            let approved = all.filter { $0.status == .approved }
            if let latest = approved.max(by: { ($0.number ?? 0) < ($1.number ?? 0) }),
                latest.id != sitrep.previousSitrepId
            {
                throw .conflict(
                    "\(latest.heading) was approved after this draft was compiled; compile a new sitrep.",
                    field: "status")
            }
            edited.status = .approved
            edited.number = approved.count + 1
            edited.approvedByUserId = actor.userId
            edited.approvedAt = now
        }
        return edited
    }
}
