import ConcertCore
import Crypto
import Foundation
import Testing

@testable import ConcertStorage

@Suite("The event log's hash chain")
struct EventChainTests {
    @Test("an event's hash is SHA-256 of its fields joined by new lines, in the documented order")
    func canonicalHash() {
        let payload = #"{"name":"Front end ☂","note":"line\nbreak"}"# + String(repeating: "x", count: 3_000)
        let fields = [
            EventChain.genesisHash, "42", "op-1", "7", "user-1", "agency-1", "target.created", "2026-12-01T17:00:00Z",
            payload,
        ]
        let expected = Hex.string(SHA256.hash(data: Data(fields.joined(separator: "\n").utf8)))
        #expect(
            EventChain.hash(
                previousHash: EventChain.genesisHash, sequence: 42, operationId: "op-1", operationSequence: 7,
                actorUserId: "user-1", actorAgencyId: "agency-1", kind: "target.created", payload: payload,
                recordedAt: "2026-12-01T17:00:00Z") == expected)
        // Absent fields are empty lines.
        let empty = Hex.string(
            SHA256.hash(
                data: Data(
                    [EventChain.genesisHash, "1", "", "", "", "", "agency.created", "t", "{}"].joined(separator: "\n")
                        .utf8)))
        #expect(
            EventChain.hash(
                previousHash: EventChain.genesisHash, sequence: 1, operationId: nil, operationSequence: nil,
                actorUserId: nil, actorAgencyId: nil, kind: "agency.created", payload: "{}", recordedAt: "t") == empty)
    }
}
