import ConcertCore
import ConcertStorage
import Crypto
import Foundation
import Synchronization

/// The clock a simulation runs on: the real one, or one that jumps to each moment at once (for
/// tests, which play a whole day in a second).
public final class SimulationClock: Sendable {
    /// The virtual clock's time; nil for the real clock.
    private let virtualNow: Mutex<Date?>
    /// A real pause taken at each step of a virtual clock, so that a test's readers keep pace.
    private let pause: Duration

    private init(virtualNow: Date?, pause: Duration) {
        self.virtualNow = Mutex(virtualNow)
        self.pause = pause
    }

    /// The real clock: a simulation waits for each moment.
    public static var real: SimulationClock { SimulationClock(virtualNow: nil, pause: .zero) }

    /// A clock that starts at `start` and moves to each moment asked for at once, after a real
    /// `pause`.
    public static func virtual(startingAt start: Date, pause: Duration = .zero) -> SimulationClock {
        SimulationClock(virtualNow: start, pause: pause)
    }

    /// The time now.
    public func now() -> Date {
        virtualNow.withLock { $0 } ?? Date()
    }

    /// Waits until `moment` (at once if it passed).
    public func sleep(until moment: Date) async throws {
        let isVirtual = virtualNow.withLock { now -> Bool in
            guard let current = now else { return false }
            now = max(current, moment)
            return true
        }
        if isVirtual {
            if pause > .zero { try await Task.sleep(for: pause) }
            return
        }
        let seconds = moment.timeIntervalSinceNow
        if seconds > 0 { try await Task.sleep(for: .milliseconds(Int64(seconds * 1_000))) }
    }
}

/// Plays the demo operation's action day as it would happen, so that a new user sees the board
/// live without typing: every country's teams report ready; the coordinator holds one country
/// and resumes it, and gives GO; a server seizure waits on an open gate until its team checks
/// it; actions start and finish at their planned times with their outcomes; one arrest fails
/// and one server has moved away (both marked significant in the log); one house search starts
/// late and is flagged overdue; and the day ends with an approved sitrep.
///
/// Every step goes through the store as the person who would take it (the executing agency's
/// officer, the lead coordinator), exactly as if typed on the board, so the feed, the counters,
/// the overdue watch and the audit chain see ordinary events. The plan is played from the store
/// as it stands: `concert demo --simulate` first seeds a plan squeezed by the speed around an
/// H-hour a few minutes away (``seed(_:speed:now:)``).
public struct DemoSimulator: Sendable {
    let store: any Store
    let clock: SimulationClock

    /// How much faster than real time `concert demo --simulate` plays the plan by default: the
    /// 48 hours before H-hour pass in 4 minutes.
    public static let defaultSpeed = 720.0
    /// The time the teams take to report ready, before the first action's slot.
    static let preparation: TimeInterval = 60
    /// The country held and resumed before GO.
    static let heldCountry = "KR"
    /// The country whose arrest fails.
    static let failingArrestCountry = "US"
    /// The country whose house search starts late.
    static let lateSearchCountry = "DE"

    /// Creates a simulator over the demo's store.
    public init(store: any Store, clock: SimulationClock = .real) {
        self.store = store
        self.clock = clock
    }

    /// The demo operation, if the store holds it.
    public func operation() async throws -> JointOperation? {
        guard let coordinator = try await store.users().first(where: { $0.username == "coordinator" }) else {
            return nil
        }
        return try await store.operations(participatingAgencyId: coordinator.agencyId).first {
            $0.codeName == "SPARKLER"
        }
    }

    /// Seeds an empty store with the demo, its plan played `speed` times faster than real time
    /// around an H-hour a few minutes after `now` (its first actions start once the teams had
    /// a minute to report ready); returns that H-hour. Throws when the store is not empty: the
    /// day is planned around now.
    @discardableResult
    public static func seed(_ store: any Store, speed: Double = defaultSpeed, now: Date = Date()) async throws -> Date {
        guard (1...100_000).contains(speed) else {
            throw DomainError.invalid("The speed must lie between 1 and 100,000 times real time.", field: "speed")
        }
        guard try await store.isEmpty() else {
            throw DomainError.conflict(
                "A simulation plans its day around now, so it needs an empty database.", field: "database")
        }
        // The earliest action of the plan, 48 hours before H, squeezed by the speed, after a
        // minute of preparation and a minute over which the first slot's teams set out.
        let earliest = (48 * 3_600 / speed).rounded(.up)
        let wholeMinutes = ((now.timeIntervalSince1970 + preparation + 60 + earliest) / 60).rounded(.up) * 60
        let hHour = Date(timeIntervalSince1970: wholeMinutes)
        try await DemoSeeder.seedIfEmpty(store, hHour: hHour, timeScale: speed)
        return hHour
    }

    /// One thing that happens on the day, at its moment.
    private struct Step {
        var at: Date
        /// Keeps steps at the same moment in the order they were planned.
        var order: Int
        var run: @Sendable () async throws -> Void
    }

    /// Plays the action day; returns how many steps it took (none when it was played before,
    /// or when there is nothing left to play).
    @discardableResult
    public func run() async throws -> Int {
        guard let operation = try await operation(), operation.actionDay?.goGivenAt == nil,
            let hHour = operation.hHour
        else { return 0 }
        let users = try await store.users()
        guard let coordinator = users.first(where: { $0.username == "coordinator" }).map(Actor.init) else { return 0 }
        var officersByAgency: [String: Actor] = [:]
        for user in users where user.role == .officer { officersByAgency[user.agencyId] = Actor(user) }
        let officers = officersByAgency
        let actions = try await store.actions(operationId: operation.id).filter { $0.status == .planned }
        guard !actions.isEmpty else { return 0 }
        let store = self.store
        let clock = self.clock
        let operationId = operation.id

        @Sendable func officer(of action: Action) -> Actor { officers[action.executingAgencyId] ?? coordinator }
        @Sendable func report(_ action: Action, _ change: StatusChange, by actor: Actor) async throws {
            _ = try await store.updateAction(
                id: action.id, operationId: operationId, by: actor, eventKind: .actionStatusChanged
            ) { current, operation in
                var updated = current
                try change.apply(to: &updated, actionDay: operation.actionDay, now: clock.now())
                return updated
            }
        }
        @Sendable func check(_ gate: Gate, of action: Action, by actor: Actor) async throws {
            _ = try await store.updateAction(
                id: action.id, operationId: operationId, by: actor, eventKind: .actionGateChecked
            ) { current, _ in
                guard let changed = try current.settingGate(gate.id, checked: true, by: actor.userId, now: clock.now())
                else { throw StoreError.notFound("This action has no gate '\(gate.id)'.") }
                return changed
            }
        }
        @Sendable func command(_ command: ActionDayCommand) async throws {
            _ = try await store.updateActionDay(
                operationId: operationId, by: coordinator, eventKind: command.command.eventKind
            ) {
                operation, actions in
                var operation = operation
                let changed = try command.apply(
                    to: &operation, actions: actions, by: coordinator.agencyId, now: clock.now())
                return (operation, changed)
            }
        }
        /// A log entry from the field that the coordinator marks significant, as on a real day.
        @Sendable func significant(_ text: String, by author: Actor) async throws {
            let entry = try LogEntry.make(
                id: Identifier.make(), operationId: operationId, text: text, by: author, now: clock.now())
            try await store.createLogEntry(entry, by: author)
            _ = try await store.updateLogEntry(
                id: entry.id, operationId: operationId, by: coordinator, eventKind: .logMarkedSignificant
            ) { entry in
                var entry = entry
                entry.significant = true
                return entry
            }
        }

        let countries = Dictionary(uniqueKeysWithValues: try await store.agencies().map { ($0.id, $0.country) })
        /// What the field seizes when `action` is done: a server and the image of its disks
        /// (every third image handed to the lead agency, which confirms receipt with a hash
        /// re-check), laptops and phones in a search, a wallet in a seizure.
        @Sendable func seize(_ action: Action, number: Int) async throws {
            let seized: [(ExhibitKind, String)] =
                switch action.kind {
                case .serverTakedown: [(.server, "Rack server, two disks")]
                case .houseSearch: [(.computer, "Laptop found in the study"), (.phone, "Smartphone, locked")]
                case .seizure: [(.cryptoWallet, "Hardware wallet")]
                default: []
                }
            let officer = officer(of: action)
            for (kind, description) in seized {
                let parent = try await exhibit(
                    ExhibitInput(
                        actionId: action.id, kind: kind, description: description, handling: .h0,
                        evaluation: Evaluation(source: .a, information: .one), distribution: .allParticipants),
                    action: action, by: officer)
                _ = try await store.addCustodyEntry(exhibitId: parent.id, operationId: operationId, by: officer) {
                    try $0.exhibit.recording(
                        CustodyInput(kind: .sealed, sealNumber: "\(action.country)-SEAL-\(1000 + number)"),
                        entries: $0.entries, id: Identifier.make(), by: officer, in: $0.operation,
                        instrumentExists: { _ in false }, now: clock.now())
                }
                guard kind == .server else { continue }
                let digest = Hex.string(SHA256.hash(data: Data(action.id.utf8)))
                let image = try await exhibit(
                    ExhibitInput(
                        actionId: action.id, kind: .diskImage, description: "Forensic image of the server's disks",
                        parentExhibitId: parent.id,
                        hashes: [ExhibitHash(algorithm: .sha256, value: digest)],
                        sizeBytes: 2_000_398_934_016, imagingTool: "FTK Imager 4.7", handling: .h0,
                        evaluation: Evaluation(source: .a, information: .one), distribution: .allParticipants),
                    action: action, by: officer)
                guard number % 3 == 0, officer.agencyId != coordinator.agencyId else { continue }
                let (handOver, _) = try await store.addCustodyEntry(
                    exhibitId: image.id, operationId: operationId, by: officer
                ) {
                    try $0.exhibit.recording(
                        CustodyInput(
                            kind: .handedOver, note: "Sent by courier for the joint analysis",
                            toAgencyId: coordinator.agencyId, toPerson: "Case Coordinator"),
                        entries: $0.entries, id: Identifier.make(), by: officer, in: $0.operation,
                        instrumentExists: { _ in false }, now: clock.now())
                }
                // Most images arrive before the day ends; one is still on its way.
                guard number % 9 != 0 else { continue }
                _ = try await store.addCustodyEntry(exhibitId: image.id, operationId: operationId, by: coordinator) {
                    try $0.exhibit.receiving(
                        handOverId: handOver.id, hashCheck: HashCheckInput(algorithm: .sha256, value: digest),
                        note: nil, entries: $0.entries, id: Identifier.make(), by: coordinator, now: clock.now())
                }
            }
        }
        @Sendable func exhibit(_ input: ExhibitInput, action: Action, by actor: Actor) async throws -> Exhibit {
            let operation = try await store.operation(id: operationId)!
            let now = clock.now()
            let exhibit = try input.makeExhibit(
                id: Identifier.make(), operation: operation, action: action, assignedNumber: "", by: actor, now: now)
            let year = ExhibitController.year(of: now)
            return try await store.createExhibit(
                exhibit, seizure: exhibit.seizureEntry(id: Identifier.make(), by: actor, now: now),
                numberPrefix: "\(countries[action.executingAgencyId] ?? action.country)-\(year)-", by: actor
            ) { _, _ in }
        }

        let start = clock.now()
        let slots = Dictionary(grouping: actions) { $0.plannedStart(hHour: hHour) ?? hHour }
        let firstSlot = slots.keys.min() ?? hHour
        // Teams set out over the minute before their slot; the preparation ends before the first.
        let preparationEnd = firstSlot.addingTimeInterval(-60)
        let preparation = max(preparationEnd.timeIntervalSince(start), 10)
        func during(_ fraction: Double) -> Date { start.addingTimeInterval(preparation * fraction) }

        var steps: [Step] = []
        func at(_ moment: Date, _ run: @escaping @Sendable () async throws -> Void) {
            steps.append(Step(at: moment, order: steps.count, run: run))
        }

        let held = actions.contains { $0.country == Self.heldCountry } ? Self.heldCountry : nil
        let gated = actions.first { !($0.gates ?? []).isEmpty && $0.kind == .serverTakedown }
        let failingArrest = actions.first { $0.kind == .arrest && $0.country == Self.failingArrestCountry }
        let movedServer = actions.filter { $0.kind == .serverTakedown && $0.id != gated?.id }.dropFirst(6).first
        let lateSearch = actions.first { $0.kind == .houseSearch && $0.country == Self.lateSearchCountry }

        // Every team reports ready over the first half of the preparation; the gated server's
        // team checks the first of its gates with it.
        for (index, action) in actions.enumerated() {
            at(during(0.05 + 0.45 * Double(index) / Double(actions.count))) {
                try await report(action, StatusChange(status: .ready), by: officer(of: action))
                if action.id == gated?.id, let gate = action.gates?.first {
                    try await check(gate, of: action, by: officer(of: action))
                }
            }
        }
        // One country is held before GO, which leaves its actions ready; resumed, they go too.
        if let held {
            at(during(0.55)) {
                try await command(
                    ActionDayCommand(
                        command: .hold, country: held, reason: "Seoul team waits for the prosecutor's confirmation"))
            }
        }
        at(during(0.7)) { try await command(ActionDayCommand(command: .go)) }
        if let held {
            at(during(0.9)) {
                try await command(ActionDayCommand(command: .resume, country: held))
                try await command(ActionDayCommand(command: .go))
            }
        }

        var lastFinish = start
        for (slot, inSlot) in slots {
            let ordered = inSlot.sorted { ($0.offsetMinutes, $0.title) < ($1.offsetMinutes, $1.title) }
            for (index, action) in ordered.enumerated() {
                var begins = slot.addingTimeInterval(-60 + 60 * Double(index + 1) / Double(ordered.count + 1))
                if action.id == gated?.id, let gates = action.gates, gates.count > 1 {
                    // Its second gate holds only shortly before its time; GO is given again for it.
                    let gate = gates[1]
                    at(begins.addingTimeInterval(-20)) {
                        try await check(gate, of: action, by: officer(of: action))
                        try await command(ActionDayCommand(command: .go))
                    }
                }
                if action.id == lateSearch?.id {
                    // Its team is late: the overdue watch flags it before it starts.
                    begins = slot.addingTimeInterval(75)
                    at(slot.addingTimeInterval(65)) {
                        try await OverdueWatch(store: store, now: { clock.now() }).checkOnce()
                    }
                }
                let duration = TimeInterval(action.expectedDurationMinutes * 60) / 2
                let ends = begins.addingTimeInterval(duration)
                lastFinish = max(lastFinish, ends)
                at(begins) { try await report(action, StatusChange(status: .inProgress), by: officer(of: action)) }
                let outcome = Self.outcome(
                    of: action, fails: action.id == failingArrest?.id, moved: action.id == movedServer?.id)
                let number = index + 1
                at(ends) {
                    try await report(action, outcome, by: officer(of: action))
                    if outcome.status == .done { try await seize(action, number: number) }
                    if outcome.status == .failed, let description = outcome.outcome?.description {
                        // Every participant reads the log, observers included: the action is named
                        // as they may see it, not by a title that describes its target.
                        try await significant(
                            "\(action.withoutTargetDetails.title): \(description).", by: officer(of: action))
                    }
                }
            }
        }
        // The day's sitrep, compiled and approved once the last report is in.
        at(lastFinish.addingTimeInterval(5)) {
            let sitrep = try await store.createSitrep(operationId: operationId, by: coordinator) {
                operation, actions, log, sitreps, exhibits in
                try Sitrep.compile(
                    id: Identifier.make(), operation: operation, actions: actions, log: log, sitreps: sitreps,
                    exhibits: exhibits,
                    summary: "Action day over: the network's servers are down and its administrators arrested.",
                    by: coordinator, now: clock.now())
            }
            _ = try await store.updateSitrep(id: sitrep.id, operationId: operationId, by: coordinator) {
                current, all in
                try SitrepEdit(summary: current.summary, openProblems: current.openProblems, status: .approved).apply(
                    to: current, among: all, by: coordinator, now: clock.now())
            }
        }

        for step in steps.sorted(by: { ($0.at, $0.order) < ($1.at, $1.order) }) {
            try await clock.sleep(until: step.at)
            try await step.run()
        }
        return steps.count
    }

    /// What the field reports when `action` finishes.
    static func outcome(of action: Action, fails: Bool, moved: Bool) -> StatusChange {
        if fails {
            return StatusChange(
                status: .failed, outcome: Outcome(kind: .notFound, count: 0, description: "Suspect not at the address"))
        }
        if moved {
            return StatusChange(
                status: .failed,
                outcome: Outcome(kind: .notFound, count: 0, description: "Server moved to another provider overnight"))
        }
        let outcome: Outcome
        switch action.kind {
        case .serverTakedown:
            outcome = Outcome(kind: .serversSeized, count: 1, description: "Disks imaged, host seized")
        case .arrest: outcome = Outcome(kind: .arrested, count: 1)
        case .houseSearch: outcome = Outcome(kind: .itemsSeized, count: 3, description: "2 laptops, 1 phone")
        case .domainSeizure: outcome = Outcome(kind: .domainSeized, count: 1)
        case .assetFreeze: outcome = Outcome(kind: .assetsFrozen, count: 2, description: "Two bank accounts")
        case .interview: outcome = Outcome(kind: .interviewed, count: 1)
        case .seizure: outcome = Outcome(kind: .itemsSeized, count: 1, description: "Hardware wallet")
        }
        return StatusChange(status: .done, outcome: outcome)
    }
}
