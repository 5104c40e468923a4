import ConcertCore
import ConcertStorage
import Hummingbird

/// Agencies and user accounts: the platform administrator's routes.
struct AdminController {
    let store: any Store

    struct AgencyInput: Decodable {
        var name: String
        var country: String
        var kind: AgencyKind
        var contact: String?
    }

    struct UserInput: Decodable {
        var username: String
        var displayName: String
        var agencyId: String
        var role: UserRole
        var password: String
    }

    func addRoutes(to router: Router<ConcertRequestContext>) {
        // Any signed-in user may read the directory of agencies: inviting and naming a
        // distribution need it, and it holds no operation content.
        router.get("/api/v1/agencies") { _, context in
            _ = try context.requireUser()
            return try Response.items(try await store.agencies())
        }
        router.post("/api/v1/agencies") { request, context in
            let actor = try context.requireActor()
            try AccessPolicy.decide(actor, .manageAgencies).get()
            let input = try await request.decodeJSON(as: AgencyInput.self, context: context)
            let agency = try Agency(
                id: Identifier.make(), name: input.name, country: input.country, kind: input.kind,
                contact: input.contact
            ).validated()
            try await store.createAgency(agency, by: actor)
            return try Response.json(agency, status: .created)
        }
        router.get("/api/v1/users") { _, context in
            try AccessPolicy.decide(try context.requireActor(), .manageUsers).get()
            return try Response.items(try await store.users())
        }
        router.post("/api/v1/users") { request, context in
            let actor = try context.requireActor()
            try AccessPolicy.decide(actor, .manageUsers).get()
            let input = try await request.decodeJSON(as: UserInput.self, context: context)
            let username = try User.validatedUsername(input.username)
            let displayName = try Validation.requiredText(input.displayName, field: "displayName", maxLength: 200)
            try User.validatePassword(input.password)
            guard try await store.agency(id: input.agencyId) != nil else {
                throw DomainError.invalid("No agency has the id '\(input.agencyId)'.", field: "agencyId")
            }
            let user = User(
                id: Identifier.make(), username: username, displayName: displayName, agencyId: input.agencyId,
                role: input.role)
            try await store.createUser(user, passwordHash: await Authenticator.hashPassword(input.password), by: actor)
            return try Response.json(user, status: .created)
        }
    }
}
