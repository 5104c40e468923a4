import ConcertCore
import ConcertCrossCheck
import ConcertStorage
import Logging
import ServiceLifecycle
import Synchronization

/// The cross-check index of this server: built from the store when the server starts, kept
/// current as targets are recorded, changed and deleted, and asked by the cross-check API.
///
/// As a service of the application (``run()``), it loads the index when the server starts
/// and, on a database that several servers share, follows the others' changes until the
/// application shuts down. The server answers other requests while the index loads; a
/// cross-check, and a change of selectors, waits until it is ready. Used outside an
/// application (tools, the demo's seeding), the first request that needs the index loads it.
final class CrossCheckService: Service, Sendable {
    private struct State {
        var index: CrossCheckIndex
        /// Values agencies excluded, as `agencyId|kind|matchKey`.
        var exclusions: Set<String> = []
        /// Whether someone started loading the index.
        var isLoading = false
        /// Whether it runs as an application's service (which loads the index as it starts).
        var isServed = false
        var isReady = false
        /// The log's head sequence number read before the selectors were loaded.
        var loadedAt: Int64?
        /// Who waits for the index to be ready.
        var waiting: [CheckedContinuation<Void, any Error>] = []
        var loadError: String?
        /// Imports whose targets are in the index before they are committed, by number.
        var unsettled: [UInt64: Unsettled] = [:]
        var nextImport: UInt64 = 0
    }

    /// An import whose targets are in the index before they are committed: its targets, and
    /// the requests that wait for them to be committed (or forgotten).
    struct Unsettled {
        var targetIds: Set<String>
        var waiting: [CheckedContinuation<Void, Never>] = []
    }

    /// What recording targets found: for each target, what of other operations matches it;
    /// and the imports not yet settled when it looked whose targets it matched (see
    /// ``waitUntilSettled(_:)``).
    struct Recorded: Sendable {
        var found: [[Found]]
        var unsettled: Set<UInt64>
    }

    /// A selector of a recorded target and a selector of another operation that matches it.
    struct Found: Sendable {
        var selector: Selector
        var match: CrossCheckMatch
    }

    private let state: Mutex<State>
    let logger = Logger(label: "concert.crosscheck")
    /// How wide an identifier may be, for targets and checks alike: the installation's setting.
    let limits: SelectorLimits
    /// The turns of the requests that record targets (see ``TargetWriteTurns``).
    let targetWrites = TargetWriteTurns()
    /// The store the index is built from.
    private let store: any Store

    /// Creates the service; the index is loaded from `store` by ``run()``, or by the first
    /// request that needs it.
    init(
        store: any Store, commonThreshold: Int = 50, limits: SelectorLimits = .standard, metrics: ServerMetrics? = nil
    ) {
        self.limits = limits
        self.metrics = metrics
        self.store = store
        state = Mutex(State(index: CrossCheckIndex(commonThreshold: commonThreshold)))
    }

    /// What the operator's metrics and the readiness check read of the index.
    struct Status: Sendable {
        /// Whether it is loaded and answers checks.
        var isReady: Bool
        /// Why it could not be loaded, when it could not.
        var failure: String?
        /// How many selectors it holds.
        var selectors: Int
        /// Whether an application runs it; if not, the first request that needs the index loads it.
        var isServed: Bool
    }

    /// The index's state now.
    var status: Status {
        state.withLock {
            Status(isReady: $0.isReady, failure: $0.loadError, selectors: $0.index.count, isServed: $0.isServed)
        }
    }

    /// Notes that an application runs the service, which loads the index as it starts: from
    /// then on, the readiness check says "loading" until it is loaded.
    func markServed() {
        state.withLock { $0.isServed = true }
    }

    /// Waits until the index is loaded, loading it if no one has started to; throws when it
    /// cannot be loaded.
    func waitUntilReady() async throws { try await ready() }

    /// Counts the look-ups of the cross-check API, for the operator's metrics; nil counts nothing.
    let metrics: ServerMetrics?

    /// Loads the index, then follows the other servers' changes on a shared database, until
    /// the application shuts down.
    func run() async throws {
        // Read the suffix list now, beside the index, rather than in the first request that
        // records a domain.
        _ = limits.publicSuffixes.ruleCount
        markServed()
        await loadUnlessLoading()
        // Loaded here or by a request that came first: either way, followed from where it was.
        try? await ready()
        if store.isShared, let loadedAt = state.withLock({ $0.loadedAt }) {
            await cancelWhenGracefulShutdown { await self.follow(self.store, from: loadedAt) }
        } else {
            try? await gracefulShutdown()
        }
    }

    /// Loads the index unless someone else started to.
    private func loadUnlessLoading() async {
        let isFirst = state.withLock { state in
            defer { state.isLoading = true }
            return !state.isLoading
        }
        if isFirst { await load(from: store) }
    }

    /// Loads the index, noting the log's head sequence number read before the selectors.
    private func load(from store: any Store) async {
        do {
            let head = try await store.headSequence()
            let threshold = state.withLock { $0.index.commonThreshold }
            // Built on the store's reading thread, straight from the rows, then swapped in.
            let loaded = try await store.readSelectors(into: CrossCheckIndex(commonThreshold: threshold)) {
                index, selector in
                index.insert(
                    targetId: selector.targetId, operationId: selector.operationId, agencyId: selector.agencyId,
                    kind: selector.kind, matchKey: selector.matchKey, dateOfBirth: selector.dateOfBirth)
            }
            let exclusions = try await store.exclusions(agencyId: nil)
            let waiting = state.withLock { state -> [CheckedContinuation<Void, any Error>] in
                state.exclusions = Set(exclusions.map { Self.exclusionKey($0.agencyId, $0.kind, $0.matchKey) })
                state.index = loaded
                state.loadedAt = head
                state.isReady = true
                defer { state.waiting = [] }
                return state.waiting
            }
            logger.info("Cross-check index ready: \(loaded.count) selectors")
            for continuation in waiting { continuation.resume() }
        } catch {
            logger.error("The cross-check index could not be loaded: \(error)")
            let waiting = state.withLock { state -> [CheckedContinuation<Void, any Error>] in
                // A load cancelled with the request that started it is started again by the
                // next one; any other failure stays, and every cross-check says so.
                if error is CancellationError {
                    state.isLoading = false
                } else {
                    state.loadError = "\(error)"
                }
                defer { state.waiting = [] }
                return state.waiting
            }
            for continuation in waiting { continuation.resume(throwing: error) }
        }
    }

    /// Follows the log for the targets and exclusions that other servers on the same
    /// database record, so that this server's hits see them too. Its own changes come by
    /// again and change nothing. Exclusions belong to no operation and wake no one: they are
    /// picked up with the next change, or within five seconds.
    ///
    /// The targets that come by are checked for hits not stored yet: two servers that record
    /// matching selectors at the same moment each look before the other's is in its index,
    /// and neither would find their hit.
    private func follow(_ store: any Store, from start: Int64) async {
        let recorder = HitRecorder(store: store, crossCheck: self)
        var cursor = start
        while !Task.isCancelled {
            let version = store.eventSignal.version(of: EventSignal.anyOperation)
            do {
                let events = try await store.events(after: cursor, limit: 1_000)
                await apply(events, recordingHitsWith: recorder)
                cursor = events.last?.sequence ?? cursor
                if !events.isEmpty { continue }
            } catch {
                logger.warning("The cross-check index could not read the log: \(error)")
            }
            _ = await store.eventSignal.wait(for: EventSignal.anyOperation, beyond: version, timeout: .seconds(5))
            // Gather a busy moment's changes into one read instead of one read per commit.
            try? await Task.sleep(for: .milliseconds(50))
        }
    }

    /// Applies events of the log, some of them other servers' changes, to the index, then
    /// stores the hits not stored yet that the targets they created or changed make.
    func apply(_ events: [Event], recordingHitsWith recorder: HitRecorder) async {
        var changed: [(Target, Actor)] = []
        for event in events {
            if let target = apply(event) { changed.append((target, Self.actor(of: event, changing: target))) }
        }
        // Grouped by who changed them, who then is the one who found the hits.
        for (_, targets) in Dictionary(grouping: changed, by: { [$0.1.userId, $0.1.agencyId] }) {
            do {
                try await recorder.recordMissingHits(of: targets.map(\.0), by: targets[0].1)
            } catch {
                logger.warning("The hits of targets another server recorded could not be stored: \(error)")
            }
        }
    }

    /// The actor of a change in the log. The log keeps no role, and none is needed: the
    /// actor only signs the hits the change made.
    private static func actor(of event: Event, changing target: Target) -> Actor {
        Actor(
            userId: event.actorUserId ?? target.createdBy, agencyId: event.actorAgencyId ?? target.originatorAgencyId,
            role: .officer)
    }

    /// Applies a target or exclusion change from the log to the index; returns the target
    /// the event created or changed.
    @discardableResult
    func apply(_ event: Event) -> Target? {
        switch event.eventKind {
        case .targetCreated, .targetUpdated:
            guard let target = try? event.payload(.targetCreated, .targetUpdated) else { return nil }
            state.withLock { state in _ = Self.replace(target, in: &state.index) }
            return target
        case .targetDeleted:
            guard let deleted = try? event.payload(.targetDeleted) else { return nil }
            state.withLock { $0.index.remove(targetId: deleted.id) }
        case .exclusionCreated, .exclusionDeleted:
            guard let exclusion = try? event.payload(.exclusionCreated, .exclusionDeleted) else { return nil }
            let key = Self.exclusionKey(exclusion.agencyId, exclusion.kind, exclusion.matchKey)
            state.withLock { state in
                if event.eventKind == .exclusionCreated {
                    state.exclusions.insert(key)
                } else {
                    state.exclusions.remove(key)
                }
            }
        default:
            break
        }
        return nil
    }

    /// Records a target's selectors, replacing what the index held for it, and returns what
    /// of other operations now matches them (a common value matches nothing one by one).
    ///
    /// It waits for the index to be ready: a change made while it loads is applied after the
    /// loaded state, and applying one the load already saw changes nothing.
    func record(_ target: Target) async throws -> Recorded {
        try await record([target])
    }

    /// Records many targets at once, as ``record(_:)-(Target)`` does one by one, taking the
    /// lock once for each stretch of 256 targets: an import records thousands, and look-ups
    /// of other requests wait for one stretch at most (about a millisecond). `importing` is the
    /// caller's own unsettled import, if it is one.
    func record(_ targets: [Target], importing: UInt64? = nil) async throws -> Recorded {
        try await ready()
        var recorded = Recorded(found: [], unsettled: [])
        recorded.found.reserveCapacity(targets.count)
        for start in stride(from: 0, to: targets.count, by: 256) {
            let stretch = targets[start..<min(targets.count, start + 256)]
            recorded.found += state.withLock { state in
                let found = stretch.map { target in
                    Self.replace(target, in: &state.index).flatMap { selector, entry in
                        Self.unexcluded(state.index.lookUp(entry), for: entry, in: state).matches.map {
                            Found(selector: selector, match: $0)
                        }
                    }
                }
                // Only the imports one of whose targets matched: a change that matched none
                // of them does not wait for them.
                for (importId, unsettled) in state.unsettled where importId != importing {
                    if found.joined().contains(where: { unsettled.targetIds.contains($0.match.entry.targetId) }) {
                        recorded.unsettled.insert(importId)
                    }
                }
                return found
            }
        }
        return recorded
    }

    /// Opens an import whose new targets the index records while the store is still writing
    /// them, so that an import uses both cores; ``settle(_:forgetting:)`` closes it. Until
    /// then, a request that matched one of its targets waits before reading it from the store.
    func beginImport(of targetIds: Set<String>) async throws -> UInt64 {
        try await ready()
        return state.withLock { state in
            state.nextImport += 1
            state.unsettled[state.nextImport] = Unsettled(targetIds: targetIds)
            return state.nextImport
        }
    }

    /// The targets of those of `imports` that are not settled yet: the ones that may not be in
    /// the store.
    func unsettledTargets(of imports: Set<UInt64>) -> Set<String> {
        state.withLock { state in
            imports.reduce(into: Set<String>()) { $0.formUnion(state.unsettled[$1]?.targetIds ?? []) }
        }
    }

    /// Closes an import once the store has committed its targets, or failed to: then its
    /// targets (`forgetting`) leave the index again, as if never recorded.
    func settle(_ importId: UInt64, forgetting targetIds: [String] = []) {
        let waiting = state.withLock { state in
            for targetId in targetIds { state.index.remove(targetId: targetId) }
            return state.unsettled.removeValue(forKey: importId)?.waiting ?? []
        }
        for continuation in waiting { continuation.resume() }
    }

    /// Returns once each of `imports` is settled: its targets are in the store or forgotten.
    func waitUntilSettled(_ imports: Set<UInt64>) async {
        for importId in imports {
            await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
                let settled = state.withLock { state -> Bool in
                    guard state.unsettled[importId] != nil else { return true }
                    state.unsettled[importId]!.waiting.append(continuation)
                    return false
                }
                if settled { continuation.resume() }
            }
        }
    }

    /// Puts a target's selectors in the index in place of what it held for it.
    private static func replace(_ target: Target, in index: inout CrossCheckIndex) -> [(Selector, CrossCheckEntry)] {
        index.remove(targetId: target.id)
        return target.selectors.map { selector in
            let entry = CrossCheckEntry(
                targetId: target.id, operationId: target.operationId, agencyId: target.originatorAgencyId,
                selector: selector)
            index.insert(entry)
            return (selector, entry)
        }
    }

    /// Excludes a value for an agency: its selectors with it produce no more hits. Like
    /// ``forget(targetId:)``, it cannot fail: the store holds the exclusion already.
    func exclude(_ exclusion: Exclusion) async {
        try? await ready()
        _ = state.withLock {
            $0.exclusions.insert(Self.exclusionKey(exclusion.agencyId, exclusion.kind, exclusion.matchKey))
        }
    }

    /// Lifts an exclusion.
    func include(_ exclusion: Exclusion) async {
        try? await ready()
        _ = state.withLock {
            $0.exclusions.remove(Self.exclusionKey(exclusion.agencyId, exclusion.kind, exclusion.matchKey))
        }
    }

    /// A result without the matches an exclusion rules out: the probe's agency excluded the
    /// value, or the other side's agency excluded its own.
    private static func unexcluded(
        _ result: CrossCheckResult, for probe: CrossCheckEntry, in state: State
    )
        -> CrossCheckResult
    {
        guard !state.exclusions.isEmpty else { return result }
        if state.exclusions.contains(exclusionKey(probe.agencyId, probe.kind, probe.matchKey)) {
            return CrossCheckResult(matches: [], commonHolders: nil)
        }
        var filtered = result
        filtered.matches.removeAll {
            state.exclusions.contains(exclusionKey($0.entry.agencyId, $0.entry.kind, $0.entry.matchKey))
        }
        return filtered
    }

    static func exclusionKey(_ agencyId: String, _ kind: SelectorKind, _ matchKey: String) -> String {
        "\(agencyId)|\(kind.rawValue)|\(matchKey)"
    }

    /// Removes a deleted target's selectors, once the index is loaded. It cannot fail: the
    /// target is gone from the store already, and an index that failed to load answers nothing.
    func forget(targetId: String) async {
        try? await ready()
        state.withLock { $0.index.remove(targetId: targetId) }
    }

    /// The common values an agency holds, with their holder counts.
    func commonValues(agencyId: String) async throws -> [CommonValue] {
        try await ready()
        return state.withLock { state in
            state.index.commonValues(heldBy: agencyId).map {
                CommonValue(selectorKind: $0.kind, value: $0.matchKey, holders: $0.holders)
            }
        }
    }

    /// A value so many operations hold that it produces no hits one by one.
    struct CommonValue: Encodable, Sendable {
        var selectorKind: SelectorKind
        var value: String
        var holders: Int
    }

    /// What of other operations matches each of `targets` as the index holds it now, as
    /// ``record(_:importing:)`` finds, without changing the index. Like it, it takes the lock
    /// once for each stretch of 256 targets: a server following the log looks up a thousand
    /// targets at a time, and other requests' look-ups wait for one stretch at most.
    func matches(of targets: [Target]) async throws -> [[Found]] {
        try await ready()
        var found: [[Found]] = []
        found.reserveCapacity(targets.count)
        for start in stride(from: 0, to: targets.count, by: 256) {
            let stretch = targets[start..<min(targets.count, start + 256)]
            found += state.withLock { state in
                stretch.map { target in
                    target.selectors.flatMap { selector in
                        let entry = CrossCheckEntry(
                            targetId: target.id, operationId: target.operationId,
                            agencyId: target.originatorAgencyId, selector: selector)
                        return Self.unexcluded(state.index.lookUp(entry), for: entry, in: state).matches.map {
                            Found(selector: selector, match: $0)
                        }
                    }
                }
            }
        }
        return found
    }

    /// The targets of `agencyId` that hold exactly this value.
    func targetIds(of agencyId: String, holding kind: SelectorKind, _ matchKey: String) async throws -> Set<String> {
        try await ready()
        let probe = CrossCheckEntry(targetId: "", operationId: "", agencyId: "", kind: kind, matchKey: matchKey)
        return state.withLock { state in
            Set(
                state.index.lookUp(probe).matches.filter {
                    $0.entry.agencyId == agencyId && $0.entry.kind == kind && $0.entry.matchKey == matchKey
                }.map(\.entry.targetId))
        }
    }

    /// Looks each probe up once the index is ready, in order.
    /// The most matches one probe of a check keeps: enough to name every agency that holds it,
    /// not so many that a name recorded thousands of times makes a check hold thousands each.
    static let matchesPerProbe = 256

    func lookUp(_ probes: [CrossCheckEntry]) async throws -> [CrossCheckResult] {
        try await ready()
        metrics?.countLookUps(probes.count)
        var results: [CrossCheckResult] = []
        results.reserveCapacity(probes.count)
        // The same value asked twice is looked up once.
        struct Asked: Hashable {
            var kind: SelectorKind
            var matchKey: String
            var dateOfBirth: String?
        }
        var asked: [Asked: Int] = [:]
        asked.reserveCapacity(probes.count)
        for probe in probes {
            let key = Asked(kind: probe.kind, matchKey: probe.matchKey, dateOfBirth: probe.dateOfBirth)
            if let earlier = asked[key] {
                results.append(results[earlier])
                continue
            }
            // One probe at a time under the lock: a check of many probes that each match much
            // (a name without a date of birth) lets every other request in between.
            var result = state.withLock { Self.unexcluded($0.index.lookUp(probe), for: probe, in: $0) }
            if result.matches.count > Self.matchesPerProbe {
                result.matches.removeSubrange(Self.matchesPerProbe...)
            }
            asked[key] = results.count
            results.append(result)
        }
        return results
    }

    private func ready() async throws {
        // Without an application to run the service, the first request loads the index.
        if !state.withLock({ $0.isLoading }) { await loadUnlessLoading() }
        try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, any Error>) in
            let outcome = state.withLock { state -> Result<Void, any Error>? in
                if let failure = state.loadError { return .failure(IndexUnavailable(reason: failure)) }
                if state.isReady { return .success(()) }
                state.waiting.append(continuation)
                return nil
            }
            if let outcome { continuation.resume(with: outcome) }
        }
    }

    struct IndexUnavailable: Error {
        var reason: String
    }
}
