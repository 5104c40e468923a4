import ConcertCore
import ConcertStorage
import Synchronization

/// Loads an operation for an actor through the access policy: the one door to every
/// operation-scoped route.
struct OperationGuard: Sendable {
    let store: any Store

    /// The operation, if `actor` may do `permission` in it; otherwise the policy's denial
    /// (a non-participant always gets "not found", as if the operation did not exist).
    func operation(_ id: String, for actor: Actor, _ permission: Permission) async throws -> JointOperation {
        let operation: JointOperation?
        if let prefetched = OperationPrefetch.current?.take(id) {
            operation = prefetched.operation
        } else {
            operation = try await store.operation(id: id)
        }
        guard let operation else { throw AccessDenial.hidden("No such operation.") }
        try AccessPolicy.decide(actor, permission, in: operation).get()
        return operation
    }
}

/// The operation a request names in its path (`/api/v1/operations/{id}…` or a page's
/// `/operations/{id}…`), read by ``AuthenticationMiddleware`` in the round trip that reads the
/// session, and handed to the first ``OperationGuard`` that asks for that id while the request
/// is handled. It is taken once: a handler that asks again, after a change of its own, reads
/// the operation anew. The policy is asked of it as of any operation read.
final class OperationPrefetch: Sendable {
    /// The prefetched operation of the request the current task handles.
    @TaskLocal static var current: OperationPrefetch?

    private let prefetched: Mutex<PrefetchedOperation?>

    init(_ prefetched: PrefetchedOperation) { self.prefetched = Mutex(prefetched) }

    /// The prefetched operation when it has the id `id` and was not taken yet.
    func take(_ id: String) -> PrefetchedOperation? {
        prefetched.withLock { prefetched in
            guard let found = prefetched, found.id == id else { return nil }
            prefetched = nil
            return found
        }
    }

    /// The id of the operation a request's path names; nil for any other path, or an id that
    /// could not be one.
    static func operationId(inPath path: String) -> String? {
        let parts = path.split(separator: "/", maxSplits: 4, omittingEmptySubsequences: false)
        let id: Substring
        if parts.count >= 5, parts[1] == "api", parts[2] == "v1", parts[3] == "operations" {
            id = parts[4].split(separator: "/", maxSplits: 1, omittingEmptySubsequences: false)[0]
        } else if parts.count >= 3, parts[1] == "operations" {
            id = parts[2]
        } else {
            return nil
        }
        return Identifier.isPlausible(String(id)) ? String(id) : nil
    }
}
