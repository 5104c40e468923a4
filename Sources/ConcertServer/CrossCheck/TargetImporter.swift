import ConcertCore
import ConcertStorage
import Foundation

/// Imports many targets at once, as `POST …/targets/import` does: all are checked first, then
/// cross-checked by the index and stored with their hits in one transaction.
public struct TargetImporter: Sendable {
    let store: any Store
    let hits: HitRecorder

    /// An importer with its own cross-check index, built from `store` (for tools and benchmarks;
    /// the server shares its index with the other routes).
    public init(store: any Store) {
        self.init(store: store, hits: HitRecorder(store: store, crossCheck: CrossCheckService(store: store)))
    }

    init(store: any Store, hits: HitRecorder) {
        self.store = store
        self.hits = hits
    }

    /// Stores `targets` and finds their hits; returns how many hits were stored.
    public func importTargets(_ targets: [Target], by actor: Actor) async throws -> Int {
        try await hits.record(targets, by: actor) { [store] changes in
            ((), try await store.importTargets(targets, by: actor, hits: changes))
        }.1.count
    }
}
