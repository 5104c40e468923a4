import ConcertCore
import Foundation
import GRDB
import Testing

@testable import ConcertStorage

/// A log written before events were typed reads and verifies as it did: the kinds it holds are
/// the raw values of `EventKind`, byte for byte, and the chain over them is intact.
@Suite("A stored chain from before typed events")
struct StoredChainTests {
    /// Every kind Concert wrote before events were typed, as it wrote them.
    static let storedKinds = [
        "action.created",
        "action.deleted",
        "action.gateChecked",
        "action.overdue",
        "action.statusChanged",
        "action.updated",
        "agency.created",
        "audit.attachmentRead",
        "audit.attachmentRefused",
        "audit.crossCheck",
        "audit.feedDelivered",
        "audit.hitsListed",
        "audit.messageExported",
        "audit.messageRead",
        "audit.messagesListed",
        "audit.messagesSearched",
        "audit.targetRead",
        "audit.targetsListed",
        "crosscheck.checked",
        "exclusion.created",
        "exclusion.deleted",
        "exhibit.custodyRecorded",
        "exhibit.recorded",
        "hit.found",
        "hit.retired",
        "hit.reviewed",
        "instrument.created",
        "instrument.updated",
        "log.markedSignificant",
        "log.posted",
        "message.acknowledged",
        "message.forwardGranted",
        "message.forwardRefused",
        "message.forwardRequested",
        "message.forwarded",
        "message.sent",
        "operation.abort",
        "operation.agencyInvited",
        "operation.created",
        "operation.go",
        "operation.hHourSet",
        "operation.hold",
        "operation.resume",
        "signIn.failed",
        "signIn.locked",
        "sitrep.approved",
        "sitrep.compiled",
        "sitrep.discarded",
        "sitrep.updated",
        "target.created",
        "target.deleted",
        "target.updated",
        "user.changed",
        "user.created",
        "user.disabled",
        "user.enabled",
        "user.passwordReset",
        "user.sessionsEnded",
        "user.signedIn",
    ]

    @Test("every kind stored before is a kind of EventKind, and EventKind has no other")
    func kindsAreTheStoredOnes() {
        #expect(Set(Self.storedKinds.compactMap(EventKind.init(rawValue:)).map(\.rawValue)) == Set(Self.storedKinds))
        #expect(Set(EventKind.allCases.map(\.rawValue)) == Set(Self.storedKinds))
    }

    @Test("a chain of every stored kind, written as before, verifies after migration and goes on")
    func storedChainReplays() async throws {
        // The chain as the earlier version computed it, from the kinds' text.
        var values: [String] = []
        var previous = EventChain.genesisHash
        for (index, kind) in Self.storedKinds.enumerated() {
            let sequence = Int64(index + 1)
            let payload = #"{"n":\#(index)}"#
            let recordedAt = "2026-11-30T12:00:00Z"
            let hash = EventChain.hash(
                previousHash: previous, sequence: sequence, operationId: nil, operationSequence: nil,
                actorUserId: nil, actorAgencyId: "fr", kind: kind, payload: payload, recordedAt: recordedAt)
            values.append(
                "(\(sequence), NULL, NULL, NULL, 'fr', '\(kind)', '\(payload)', '\(recordedAt)', '\(previous)', '\(hash)')"
            )
            previous = hash
        }
        let path = try await oldDatabase(
            upTo: "v10: disabled accounts, events by kind", named: "chain",
            """
            INSERT INTO event (sequence, operation_id, operation_sequence, actor_user_id, actor_agency_id, kind,
                               payload, recorded_at, previous_hash, hash)
            VALUES \(values.joined(separator: ",\n"));
            UPDATE chain_head SET sequence = \(Self.storedKinds.count), hash = '\(previous)' WHERE id = 1;
            """)
        defer { try? FileManager.default.removeItem(atPath: path) }
        let store = try SQLiteStore(path: path)
        let verification = try await store.verifyAuditChain()
        #expect(verification.isIntact, "\(verification)")
        #expect(verification.eventsChecked == Self.storedKinds.count)
        let stored = try await store.events(after: 0, limit: 1_000)
        #expect(stored.map(\.kind) == Self.storedKinds)
        #expect(stored.allSatisfy { $0.eventKind != nil })
        // The next event links on.
        try await store.recordRead(
            by: Actor(userId: "u", agencyId: "fr", role: .officer), operationId: nil, what: .auditTargetRead,
            payload: RecordReference(id: "t"))
        #expect(try await store.verifyAuditChain().isIntact)
    }
}
