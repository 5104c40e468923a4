import ConcertCore
import ConcertStorage
import Foundation
import Hummingbird

/// Operations: create, list the visible ones, read one, invite an agency, set H-hour.
struct OperationController {
    let store: any Store
    let guarded: OperationGuard

    struct OperationInput: Decodable {
        var codeName: String
        var summary: String?
        var hHour: Date?
        var participants: [Participant]?
    }

    struct Invitation: Decodable {
        var agencyId: String
        var role: ParticipantRole
    }

    struct HHourInput: Decodable {
        var hHour: Date
    }

    func addRoutes(to router: Router<ConcertRequestContext>) {
        router.get("/api/v1/operations") { _, context in
            let actor = try context.requireActor()
            // Administrators take part in nothing: their list is empty, as the policy decides.
            guard AccessPolicy.allows(actor, .listOperations) else { return try Response.items([JointOperation]()) }
            return try Response.items(try await store.operations(participatingAgencyId: actor.agencyId))
        }
        router.post("/api/v1/operations") { request, context in
            let actor = try context.requireActor()
            try AccessPolicy.decide(actor, .createOperation).get()
            let input = try await request.decodeJSON(as: OperationInput.self, context: context)
            var participants = [Participant(agencyId: actor.agencyId, role: .lead)]
            for (index, participant) in (input.participants ?? []).enumerated() {
                let field = "participants[\(index)]"
                guard participant.role != .lead else {
                    throw DomainError.invalid("An operation has one lead: the creating agency.", field: field)
                }
                guard participants.allSatisfy({ $0.agencyId != participant.agencyId }) else {
                    throw DomainError.invalid("Agency '\(participant.agencyId)' is listed twice.", field: field)
                }
                guard try await store.agency(id: participant.agencyId) != nil else {
                    throw DomainError.invalid("No agency has the id '\(participant.agencyId)'.", field: field)
                }
                participants.append(participant)
            }
            let now = ConcertJSON.now()
            let operation = JointOperation(
                id: Identifier.make(),
                codeName: try Validation.requiredText(input.codeName, field: "codeName", maxLength: 100),
                summary: try Validation.optionalText(input.summary, field: "summary", maxLength: 5_000),
                leadAgencyId: actor.agencyId, hHour: input.hHour, participants: participants, createdAt: now)
            try await store.createOperation(operation, by: actor)
            return try Response.json(operation, status: .created)
        }
        router.get("/api/v1/operations/:operationId") { _, context in
            let actor = try context.requireActor()
            let id = try context.parameters.requireIdentifier("operationId")
            return try Response.json(try await guarded.operation(id, for: actor, .viewOperation))
        }
        router.post("/api/v1/operations/:operationId/participants") { request, context in
            let actor = try context.requireActor()
            let id = try context.parameters.requireIdentifier("operationId")
            _ = try await guarded.operation(id, for: actor, .inviteAgency)
            let invitation = try await request.decodeJSON(as: Invitation.self, context: context)
            guard invitation.role != .lead else {
                throw DomainError.invalid(
                    "An operation has one lead; invite as participant or observer.", field: "role")
            }
            guard try await store.agency(id: invitation.agencyId) != nil else {
                throw DomainError.invalid("No agency has the id '\(invitation.agencyId)'.", field: "agencyId")
            }
            let updated = try await store.updateOperation(id: id, by: actor, eventKind: .operationAgencyInvited) {
                operation in
                try AccessPolicy.decide(actor, .inviteAgency, in: operation).get()
                guard operation.role(of: invitation.agencyId) == nil else {
                    throw DomainError.conflict("That agency already takes part in the operation.", field: "agencyId")
                }
                var operation = operation
                operation.participants.append(Participant(agencyId: invitation.agencyId, role: invitation.role))
                return operation
            }
            return try Response.json(updated, status: .created)
        }
        router.put("/api/v1/operations/:operationId/h-hour") { request, context in
            let actor = try context.requireActor()
            let id = try context.parameters.requireIdentifier("operationId")
            _ = try await guarded.operation(id, for: actor, .setHHour)
            let input = try await request.decodeJSON(as: HHourInput.self, context: context)
            let updated = try await store.updateOperation(id: id, by: actor, eventKind: .operationHHourSet) {
                operation in
                try AccessPolicy.decide(actor, .setHHour, in: operation).get()
                var operation = operation
                operation.hHour = input.hHour
                return operation
            }
            return try Response.json(updated)
        }
    }
}
