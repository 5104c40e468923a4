import ConcertCore
import ConcertCrossCheck
import ConcertStorage
import Foundation

/// Turns what the index found for a target into stored hits, in the transaction that
/// records or changes the target: new pairs are stored and announced in both operations'
/// feeds, pairs that no longer match are retired.
struct HitRecorder {
    let store: any Store
    let crossCheck: CrossCheckService

    /// Records new or changed targets: the index records them and finds their matches, the
    /// other sides are read, and `storing` then writes the targets with the hits they make
    /// and end (`HitChanges`) in one transaction. Returns what `storing` returned and the hits
    /// it stored.
    ///
    /// Until `storing` is done the targets are an unsettled import of the index: a request
    /// whose targets match them waits before reading them from the store. When `storing` fails,
    /// the index forgets the new targets and takes back `previous` (the targets as they were
    /// before a change), as if nothing had been recorded.
    func record<Stored: Sendable>(
        _ targets: [Target], replacing previous: [Target] = [], by actor: Actor,
        storing: @Sendable (HitChanges) async throws -> (Stored, [Hit])
    ) async throws -> (Stored, [Hit]) {
        try await crossCheck.targetWrites.run {
            try await recordInTurn(targets, replacing: previous, by: actor, storing: storing)
        }
    }

    private func recordInTurn<Stored: Sendable>(
        _ targets: [Target], replacing previous: [Target], by actor: Actor,
        storing: @Sendable (HitChanges) async throws -> (Stored, [Hit])
    ) async throws -> (Stored, [Hit]) {
        let ids = Set(targets.map(\.id))
        let newIds = ids.subtracting(previous.map(\.id))
        let importId = try await crossCheck.beginImport(of: ids)
        // Found while the store writes the targets, which then waits for them.
        let finding = Task { [store, crossCheck] in
            let recorded = try await crossCheck.record(targets, importing: importId)
            await crossCheck.waitUntilSettled(recorded.unsettled)
            // The other sides, read in one go: an import of thousands finds thousands. This
            // import's own are at hand.
            let otherIds = Set(recorded.found.flatMap { $0.map(\.match.entry.targetId) })
            let others = try await store.targets(ids: Array(otherIds.subtracting(ids)))
            let found = Self.hits(of: Array(zip(targets, recorded.found)), others: others + targets)
            // A changed target's stored hits that it no longer makes end with the change.
            var retired: [String] = []
            let kept = Set(found.map(\.pairKey))
            for target in previous {
                retired += try await store.hits(targetId: target.id).filter { !kept.contains($0.pairKey) }.map(\.id)
            }
            return HitChanges(found: found, retiredIds: retired)
        }
        do {
            let result = try await storing(.pending { try await finding.value })
            crossCheck.settle(importId)
            return result
        } catch {
            // Once the index is done with the targets, it takes back what it held before.
            _ = try? await finding.value
            if !previous.isEmpty { _ = try? await crossCheck.record(previous, importing: importId) }
            crossCheck.settle(importId, forgetting: Array(newIds))
            throw error
        }
    }

    /// Stores a new target with the hits it makes, in one transaction; returns the hits stored.
    @discardableResult
    func createTarget(_ target: Target, by actor: Actor) async throws -> [Hit] {
        try await record([target], by: actor) { [store] changes in
            ((), try await store.createTarget(target, by: actor, hits: changes))
        }.1
    }

    /// Stores the hits that the index finds now for `targets` (which it holds already) and
    /// that are not stored yet; returns how many. They are those a server sees when it
    /// follows what another server on the same database recorded at the same moment as it
    /// did, and those an exclusion held back once it is lifted.
    @discardableResult
    func recordMissingHits(of targets: [Target], by actor: Actor) async throws -> Int {
        try await store.recordHits(try await missingHits(of: targets), by: actor).count
    }

    /// The hits that the index finds now for `targets` (which it holds already) and that are
    /// not stored yet.
    func missingHits(of targets: [Target]) async throws -> [Hit] {
        // Once each: the log can bring a target's creation and its change together.
        let matched = Set(zip(targets, try await crossCheck.matches(of: targets)).filter { !$0.1.isEmpty }.map(\.0.id))
        guard !matched.isEmpty else { return [] }
        // As the store holds them now: one deleted or changed meanwhile counts as it is.
        let current = try await store.targets(ids: Array(matched))
        let found = zip(current, try await crossCheck.matches(of: current)).map { ($0, $1) }
        var stored = Set<String>()
        for target in current { stored.formUnion(try await store.hits(targetId: target.id).map(\.pairKey)) }
        return try await hits(of: found).filter { !stored.contains($0.pairKey) }
    }

    /// The hits that what the index found for each target make.
    private func hits(of found: [(Target, [CrossCheckService.Found])]) async throws -> [Hit] {
        // The other sides, read in one go.
        let otherIds = Set(found.flatMap { $0.1.map(\.match.entry.targetId) })
        return Self.hits(of: found, others: try await store.targets(ids: Array(otherIds)))
    }

    /// The hits that what the index found for each target make, given the other sides' targets
    /// as the store holds them (a match whose target is gone makes none).
    private static func hits(of found: [(Target, [CrossCheckService.Found])], others: [Target]) -> [Hit] {
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

    /// After a target and its hits were deleted: its selectors leave the index.
    func targetDeleted(_ targetId: String) async {
        await crossCheck.forget(targetId: targetId)
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
