import ConcertCore
import ConcertServer
import ConcertStorage
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Testing

@Suite("Proofs of the log")
struct LogProofTests {
    static func get(_ uri: String, as persona: Persona, client: any TestClientProtocol) async throws -> TestResponse {
        try await client.execute(uri: uri, method: .get, headers: TestWorld.headers(persona))
    }

    static func hashes(_ value: Any?) -> [LogTree.Hash] {
        ((value as? [String]) ?? []).compactMap(LogTree.bytes(hex:))
    }

    @Test("a participant checks the signed checkpoint, an event's inclusion in it and its growth")
    func participantChecks() async throws {
        let world = try await TestWorld.make()
        defer { world.remove() }
        try await world.withClient { client in
            let first = try await Self.get("/api/v1/log/checkpoint", as: .participantOfficer, client: client).object
            let keyText = try #require(first["verifierKey"] as? String)
            let key = try #require(LogVerifierKey(text: keyText))
            let firstNote = try #require(first["note"] as? String)
            let checkpoint = try key.open(firstNote)
            #expect(checkpoint.size == first["size"] as? Int64 ?? Int64(first["size"] as? Int ?? -1))
            #expect(checkpoint.rootHex == first["rootHash"] as? String)

            let inclusion = try await Self.get(
                "/api/v1/log/inclusion?sequence=\(world.actionEvent)", as: .participantOfficer, client: client)
            #expect(inclusion.status == .ok, "\(inclusion.text)")
            let event = try #require(try await world.store.event(sequence: world.actionEvent))
            let leaf = try #require(LogTree.leafHash(eventHash: event.hash))
            #expect(inclusion.object["leafHash"] as? String == Hex.string(leaf))
            #expect(
                LogTree.verifyInclusion(
                    leafHash: leaf, index: world.actionEvent - 1, size: checkpoint.size,
                    proof: Self.hashes(inclusion.object["proof"]), root: checkpoint.root))

            // The log grows; the next checkpoint extends the first.
            try await world.store.createLogEntry(
                try LogEntry.make(
                    id: Identifier.make(), operationId: world.operation.id, text: "Door open",
                    by: Actor(world.users[.leadCoordinator]!), now: ConcertJSON.now()),
                by: Actor(world.users[.leadCoordinator]!))
            try await Task.sleep(for: .milliseconds(300))
            let secondAnswer = try await Self.get("/api/v1/log/checkpoint", as: .observer, client: client).object
            let secondNote = try #require(secondAnswer["note"] as? String)
            let second = try key.open(secondNote)
            #expect(second.size > checkpoint.size)
            let consistency = try await Self.get(
                "/api/v1/log/consistency?from=\(checkpoint.size)&to=\(second.size)", as: .observer, client: client)
            #expect(
                LogTree.verifyConsistency(
                    old: checkpoint.size, oldRoot: checkpoint.root, new: second.size, newRoot: second.root,
                    proof: Self.hashes(consistency.object["proof"])))
        }
    }

    @Test("an agency outside the operation gets no inclusion proof of any of its events, and no content from any route")
    func outsiderLearnsNothing() async throws {
        let world = try await TestWorld.make()
        defer { world.remove() }
        let log = try await world.store.events(after: 0, limit: 100_000)
        try await world.withClient { client in
            var bodies: [String] = []
            for event in log where event.operationId == world.operation.id {
                let response = try await Self.get(
                    "/api/v1/log/inclusion?sequence=\(event.sequence)", as: .nonParticipant, client: client)
                #expect(response.status == .notFound, "event #\(event.sequence) (\(event.kind)): \(response.text)")
                bodies.append(response.text)
            }
            let checkpoint = try await Self.get("/api/v1/log/checkpoint", as: .nonParticipant, client: client)
            #expect(Set(checkpoint.object.keys) == ["origin", "size", "rootHash", "time", "verifierKey", "note"])
            let consistency = try await Self.get(
                "/api/v1/log/consistency?from=1&to=\(log.count)", as: .nonParticipant, client: client)
            #expect(Set(consistency.object.keys) == ["from", "to", "proof"])
            bodies += [checkpoint.text, consistency.text]
            // Nothing of the operation: not its code name, its targets, its agencies or its events' hashes.
            let secrets =
                [world.operation.codeName, world.restrictedTarget.name, world.sharedTarget.name, world.partB.id]
                + log.filter { $0.operationId == world.operation.id }.map(\.hash)
            for body in bodies {
                for secret in secrets { #expect(!body.contains(secret), "\(secret) in \(body)") }
            }
        }
    }

    @Test("bad sizes and sequence numbers get a 400 that says why, and sign nothing new")
    func badInput() async throws {
        let world = try await TestWorld.make()
        defer { world.remove() }
        let size = try await world.store.treeHead().size
        try await world.withClient { client in
            for query in [
                "consistency?from=5&to=3", "consistency?from=1", "consistency?from=-1&to=2",
                "consistency?from=1&to=\(size + 1)", "consistency?from=a&to=2",
                "inclusion?sequence=0", "inclusion?sequence=\(world.actionEvent)&treeSize=\(size + 5)", "inclusion",
                "consistency?from=1&to=99999999999999999999",
            ] {
                let response = try await Self.get("/api/v1/log/\(query)", as: .leadCoordinator, client: client)
                #expect(response.status == .badRequest, "\(query): \(response.text)")
                #expect((response.object["detail"] as? String)?.isEmpty == false)
            }
        }
        #expect(try await world.store.treeHead().size == size)
    }
}
