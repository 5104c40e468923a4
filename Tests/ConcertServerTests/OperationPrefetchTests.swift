import ConcertCore
import ConcertStorage
import Foundation
import Testing

@testable import ConcertServer

@Suite("The operation read with the session: named by the path, handed out once and only for its id")
struct OperationPrefetchTests {
    @Test("the id is the one a route about an operation names, and nothing else is read as one")
    func idFromPath() {
        let named: [(String, String?)] = [
            ("/api/v1/operations/op-1/messages", "op-1"),
            ("/api/v1/operations/op-1/messages/m-2/read", "op-1"),
            ("/api/v1/operations/op-1", "op-1"),
            ("/operations/op-1/board", "op-1"),
            ("/operations/op-1", "op-1"),
            ("/api/v1/operations", nil),
            ("/api/v1/operations/", nil),
            ("/api/v1/operations//messages", nil),
            ("/api/v1/operations/OP%201/messages", nil),
            ("/api/v1/sessions", nil),
            ("/api/v2/operations/op-1", nil),
            ("/operations", nil),
            ("/", nil),
            ("", nil),
            ("/api/v1/operations/" + String(repeating: "a", count: 65), nil),
        ]
        for (path, id) in named {
            #expect(OperationPrefetch.operationId(inPath: path) == id, "\(path)")
        }
    }

    @Test("it is handed to the first guard that asks for its id, and to no other")
    func takenOnce() throws {
        let operation = JointOperation(
            id: "op-1", codeName: "OP", summary: nil, leadAgencyId: "a", hHour: nil,
            participants: [Participant(agencyId: "a", role: .lead)], createdAt: ConcertJSON.now())
        let prefetch = OperationPrefetch(PrefetchedOperation(id: "op-1", operation: operation))
        // A guard asking for another operation reads its own; this one stays for its id.
        #expect(prefetch.take("op-2") == nil)
        #expect(prefetch.take("op-1")?.operation == operation)
        // A guard asking again (after a change of the handler's own) reads the operation anew.
        #expect(prefetch.take("op-1") == nil)

        let none = OperationPrefetch(PrefetchedOperation(id: "gone", operation: nil))
        let taken = try #require(none.take("gone"))
        #expect(taken.id == "gone" && taken.operation == nil)
    }
}
