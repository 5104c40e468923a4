import ConcertCore
import ConcertStorage

/// Loads an operation for an actor through the access policy: the one door to every
/// operation-scoped route.
struct OperationGuard: Sendable {
    let store: any Store

    /// The operation, if `actor` may do `permission` in it; otherwise the policy's denial
    /// (a non-participant always gets "not found", as if the operation did not exist).
    func operation(_ id: String, for actor: Actor, _ permission: Permission) async throws -> JointOperation {
        guard let operation = try await store.operation(id: id) else {
            throw AccessDenial.hidden("No such operation.")
        }
        try AccessPolicy.decide(actor, permission, in: operation).get()
        return operation
    }
}
