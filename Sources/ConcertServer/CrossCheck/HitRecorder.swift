import ConcertCore
import ConcertCrossCheck
import ConcertStorage
import Foundation

/// Turns what the index found for a target into stored hits, in the same request that
/// recorded, changed or deleted the target: new pairs are stored and announced in both
/// operations' feeds, pairs that no longer match are retired.
struct HitRecorder {
    let store: any Store
    let crossCheck: CrossCheckService

    /// After a target was created or changed: its hits are exactly what matches it now.
    func targetRecorded(_ target: Target, by actor: Actor) async throws {
        let recorded = try await crossCheck.record(target)
        await crossCheck.waitUntilSettled(recorded.unsettled)
        let hits = try await hits(of: [(target, recorded.found[0])])
        let keep = Set(hits.map(\.pairKey))
        let stale = try await store.hits(targetId: target.id).filter { !keep.contains($0.pairKey) }
        try await store.retireHits(ids: stale.map(\.id), by: actor)
        _ = try await store.recordHits(hits, by: actor)
    }

    /// Imports new targets: `storing` stores them while the index records them and looks up
    /// their matches, on the other core, and the matched targets already in the store are read
    /// meanwhile; once all is done, their hits are stored in one go. Returns how many hits the
    /// import made (another server following this one's log may have stored some of them
    /// first). When storing fails, the index forgets the targets again.
    @discardableResult
    func targetsImported(
        _ targets: [Target], by actor: Actor, storing: @escaping @Sendable () async throws -> Void
    ) async throws -> Int {
        let importedIds = Set(targets.map(\.id))
        let importId = try await crossCheck.beginImport(of: importedIds)
        async let stored: Void = storing()
        let recorded: CrossCheckService.Recorded
        do {
            recorded = try await crossCheck.record(targets, importing: importId)
        } catch {
            try? await stored
            crossCheck.settle(importId, forgetting: targets.map(\.id))
            throw error
        }
        // The other sides in the store already are read while this import is written; those
        // of other unsettled imports once they are in the store. This import's own are at hand.
        let otherIds = Set(recorded.found.flatMap { $0.map(\.match.entry.targetId) })
        let later = otherIds.intersection(crossCheck.unsettledTargets(of: recorded.unsettled))
            .subtracting(importedIds)
        async let readNow = store.targets(ids: Array(otherIds.subtracting(later).subtracting(importedIds)))
        do {
            try await stored
        } catch {
            _ = try? await readNow
            crossCheck.settle(importId, forgetting: targets.map(\.id))
            throw error
        }
        crossCheck.settle(importId)
        await crossCheck.waitUntilSettled(recorded.unsettled)
        let own = targets.filter { otherIds.contains($0.id) }
        let others = try await readNow + (later.isEmpty ? [] : store.targets(ids: Array(later))) + own
        let found = zip(targets, recorded.found).map { ($0, $1) }
        let made = hits(of: found, others: others)
        _ = try await store.recordHits(made, by: actor)
        return made.count
    }

    /// Stores the hits that the index finds now for `targets` (which it holds already) and
    /// that are not stored yet; returns how many. They are those a server sees when it
    /// follows what another server on the same database recorded at the same moment as it
    /// did, and those an exclusion held back once it is lifted.
    @discardableResult
    func recordMissingHits(of targets: [Target], by actor: Actor) async throws -> Int {
        // Once each: the log can bring a target's creation and its change together.
        let matched = Set(zip(targets, try await crossCheck.matches(of: targets)).filter { !$0.1.isEmpty }.map(\.0.id))
        guard !matched.isEmpty else { return 0 }
        // As the store holds them now: one deleted or changed meanwhile counts as it is.
        let current = try await store.targets(ids: Array(matched))
        let found = zip(current, try await crossCheck.matches(of: current)).map { ($0, $1) }
        var stored = Set<String>()
        for target in current { stored.formUnion(try await store.hits(targetId: target.id).map(\.pairKey)) }
        let missing = try await hits(of: found).filter { !stored.contains($0.pairKey) }
        return try await store.recordHits(missing, by: actor).count
    }

    /// The hits that what the index found for each target make.
    private func hits(of found: [(Target, [CrossCheckService.Found])]) async throws -> [Hit] {
        // The other sides, read in one go: an import of thousands finds thousands.
        let otherIds = Set(found.flatMap { $0.1.map(\.match.entry.targetId) })
        return hits(of: found, others: try await store.targets(ids: Array(otherIds)))
    }

    /// The hits that what the index found for each target make, given the other sides' targets
    /// as the store holds them (a match whose target is gone makes none).
    private func hits(of found: [(Target, [CrossCheckService.Found])], others: [Target]) -> [Hit] {
        let others = Dictionary(others.map { ($0.id, $0) }, uniquingKeysWith: { first, _ in first })
        var hits: [Hit] = []
        let now = ConcertJSON.now()
        for (target, items) in found {
            for item in items {
                let entry = item.match.entry
                guard let other = others[entry.targetId], other.operationId == entry.operationId,
                    let theirs = other.selectors.first(where: { $0.kind == entry.kind && $0.matchKey == entry.matchKey }
                    )
                else { continue }
                hits.append(
                    Hit(
                        id: Identifier.make(), kind: item.match.kind,
                        a: HitSide(target: target, selector: item.selector),
                        b: HitSide(target: other, selector: theirs),
                        foundAt: now))
            }
        }
        return hits
    }

    /// After a target was deleted: its selectors and hits are gone everywhere.
    func targetDeleted(_ targetId: String, by actor: Actor) async throws {
        try await crossCheck.forget(targetId: targetId)
        try await store.retireHits(ids: try await store.hits(targetId: targetId).map(\.id), by: actor)
    }
}

extension HitSide {
    /// The side of a hit that a selector of a target is.
    init(target: Target, selector: Selector) {
        self.init(
            targetId: target.id, operationId: target.operationId, agencyId: target.originatorAgencyId,
            selectorKind: selector.kind, value: selector.value.written, matchKey: selector.matchKey)
    }
}
