import ConcertCore
import Foundation

// Appending to the event log, once for both engines; reading it (the live feeds' hot path) is
// each engine's own.

extension SQLEngineStore {
    public func appendEvents(_ drafts: [EventDraft]) async throws {
        guard !drafts.isEmpty else { return }
        try await writing { transaction in _ = try transaction.append(contentsOf: drafts) }
    }

    public func recordRead(by actor: Actor, operationId: String?, what: String, payload: String) async throws {
        try await writing { transaction in
            // A read is kept for the audit trail, outside the operation's numbering and feed.
            _ = try transaction.append(
                EventDraft(operationId: operationId, actor: actor, kind: what, payload: payload),
                countsInOperation: false)
        }
    }
}
