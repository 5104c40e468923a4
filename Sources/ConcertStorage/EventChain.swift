import ConcertCore
import Crypto
import Foundation

/// The hash chain of the event log, shared by every backend so that a copy verifies anywhere.
public enum EventChain {
    private static let newline = Data("\n".utf8)

    /// The previous hash of the first event.
    public static let genesisHash = String(repeating: "0", count: 64)

    /// SHA-256, hex, over the previous hash and the event's canonical content.
    ///
    /// The content is the event's fields joined by new lines in a fixed order; the payload is
    /// hashed as stored, so no re-encoding can change the result.
    public static func hash(
        previousHash: String, sequence: Int64, operationId: String?, operationSequence: Int64?,
        actorUserId: String?, actorAgencyId: String?, kind: String, payload: String, recordedAt: String
    ) -> String {
        // Fed to the hash piece by piece, which is the same as hashing the joined text without
        // copying a payload of kilobytes twice for every event.
        var hasher = SHA256()
        let fields = [
            previousHash, String(sequence), operationId ?? "", operationSequence.map(String.init) ?? "",
            actorUserId ?? "", actorAgencyId ?? "", kind, recordedAt, payload,
        ]
        for (index, field) in fields.enumerated() {
            if index > 0 { hasher.update(data: newline) }
            var field = field
            field.withUTF8 { hasher.update(bufferPointer: UnsafeRawBufferPointer($0)) }
        }
        return hasher.finalize().withUnsafeBytes { Hex.string($0) }
    }

    /// The hash an event should have.
    public static func expectedHash(of event: Event) -> String {
        hash(
            previousHash: event.previousHash, sequence: event.sequence, operationId: event.operationId,
            operationSequence: event.operationSequence, actorUserId: event.actorUserId,
            actorAgencyId: event.actorAgencyId, kind: event.kind, payload: event.payload,
            recordedAt: event.recordedAt)
    }

    /// Checks events in sequence order, one at a time, so that a chain of millions needs no memory.
    public struct Verifier {
        private var previousSequence: Int64 = 0
        private var previousHash = EventChain.genesisHash
        /// How many events were checked so far.
        public private(set) var checked = 0
        /// The first problem found.
        public private(set) var failure: (sequence: Int64, problem: String)?

        /// Creates a verifier at the start of the chain.
        public init() {}

        /// Checks the next event; returns false once a problem is found.
        public mutating func check(_ event: Event) -> Bool {
            guard failure == nil else { return false }
            checked += 1
            if event.sequence != previousSequence + 1 {
                let missing = previousSequence + 1
                failure = (
                    missing,
                    event.sequence - missing == 1
                        ? "event #\(missing) is missing (removed from the log)"
                        : "events #\(missing) to #\(event.sequence - 1) are missing (removed from the log)"
                )
                return false
            }
            if event.previousHash != previousHash {
                failure = (event.sequence, "event #\(event.sequence) does not link to the event before it")
                return false
            }
            if EventChain.expectedHash(of: event) != event.hash {
                failure = (event.sequence, "event #\(event.sequence) was altered: its content does not match its hash")
                return false
            }
            previousSequence = event.sequence
            previousHash = event.hash
            return true
        }

        /// Compares the end of the chain with the recorded head (the last sequence and hash written).
        public mutating func finish(headSequence: Int64, headHash: String) -> ChainVerification {
            if failure == nil && (headSequence != previousSequence || headHash != previousHash) {
                failure = (
                    previousSequence + 1,
                    headSequence > previousSequence
                        ? "the log ends at event #\(previousSequence) but #\(headSequence) was written: the latest events were removed"
                        : "the recorded head of the chain does not match event #\(previousSequence)"
                )
            }
            return ChainVerification(eventsChecked: checked, brokenAt: failure?.sequence, problem: failure?.problem)
        }
    }
}
