import ConcertCore
import ConcertStorage
import Foundation
import Hummingbird

/// Agencies and user accounts.
///
/// The platform administrator creates agencies and each agency's first account, its
/// administrator; after that only the agency's own administrators create, change, disable and
/// re-enable its accounts and end their sessions, and each such change is a notice that the
/// agency's administrators read (`GET /api/v1/account-notices`). The access policy decides every
/// step (``Permission/createAccount(agencyId:role:agencyHasAccounts:)``).
struct AdminController {
    let store: any Store

    struct AgencyInput: Decodable {
        var name: String
        var country: String
        var kind: AgencyKind
        var contact: String?
    }

    struct PasswordInput: Decodable {
        var password: String
    }

    struct UserInput: Decodable {
        var username: String
        var displayName: String
        var agencyId: String
        var role: UserRole
        var password: String
    }

    /// A change to an account: each field left out stays as it is.
    struct UserChange: Decodable {
        var displayName: String?
        var role: UserRole?
        var disabled: Bool?
    }

    /// One change to an account of the agency, or a failed sign-in or lock of one, as its
    /// administrators are told.
    struct AccountNotice: Encodable {
        var sequence: Int64
        var kind: String
        var recordedAt: String
        /// Who did it: nil for a sign-in attempt.
        var actorUserId: String?
        var actorAgencyId: String?
        var user: User?
        /// For sign-in notices: the name tried and the client address.
        var username: String?
        var address: String?
        var lockedUntil: Date?
    }

    /// The event kinds that are account notices.
    static let noticeKinds: [EventKind] = [
        .userCreated, .userChanged, .userDisabled, .userEnabled, .userPasswordReset, .userSessionsEnded,
        .signInFailed, .signInLocked,
    ]

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
        router.get("/api/v1/users") { request, context in
            let actor = try context.requireActor()
            try AccessPolicy.decide(actor, .viewAccounts(agencyId: actor.agencyId)).get()
            let page = try PageQuery(request)
            // The policy decides per agency; the page holds the accounts of those it allows.
            let agencies = try await store.agencies().map(\.id).filter {
                AccessPolicy.allows(actor, .viewAccounts(agencyId: $0))
            }
            let found = try await PageQuery.resuming("the accounts you can see") {
                try await store.userPage(agencyIds: agencies, after: page.after, limit: page.limit)
            }
            return try Response.page(found.items, next: found.next)
        }
        router.post("/api/v1/users") { request, context in
            let actor = try context.requireActor()
            // Only administrators go further: nobody else learns whether an agency has accounts.
            try AccessPolicy.decide(actor, .manageAccounts).get()
            let input = try await request.decodeJSON(as: UserInput.self, context: context)
            guard try await store.agency(id: input.agencyId) != nil else {
                throw DomainError.invalid("No agency has the id '\(input.agencyId)'.", field: "agencyId")
            }
            let hasAccounts = try await store.users().contains { $0.agencyId == input.agencyId }
            try AccessPolicy.decide(
                actor, .createAccount(agencyId: input.agencyId, role: input.role, agencyHasAccounts: hasAccounts)
            ).get()
            let username = try User.validatedUsername(input.username)
            let displayName = try Validation.requiredText(input.displayName, field: "displayName", maxLength: 200)
            try User.validatePassword(input.password, username: username, displayName: displayName)
            let user = User(
                id: Identifier.make(), username: username, displayName: displayName, agencyId: input.agencyId,
                role: input.role)
            try await store.createUser(user, passwordHash: await Authenticator.hashPassword(input.password), by: actor)
            return try Response.json(user, status: .created)
        }
        router.patch("/api/v1/users/:userId") { request, context in
            let actor = try context.requireActor()
            // Only administrators look an account up: nobody else learns which ids exist.
            try AccessPolicy.decide(actor, .manageAccounts).get()
            let current = try await account(try context.parameters.requireIdentifier("userId"))
            try AccessPolicy.decide(actor, .changeAccount(agencyId: current.agencyId, role: current.role)).get()
            let change = try await request.decodeJSON(as: UserChange.self, context: context)
            guard change.displayName != nil || change.role != nil || change.disabled != nil else {
                throw DomainError.invalid(
                    "Say what to change: 'displayName', 'role' or 'disabled'.", field: "displayName")
            }
            let role = change.role ?? current.role
            try AccessPolicy.decide(actor, .changeAccount(agencyId: current.agencyId, role: role)).get()
            let displayName = try change.displayName.map {
                try Validation.requiredText($0, field: "displayName", maxLength: 200)
            }
            if current.id == actor.userId, change.disabled == true || role != current.role {
                // An agency keeps an administrator who can undo a mistake.
                throw ProblemDetail(
                    status: .forbidden,
                    detail: "An administrator cannot disable their own account or change its role; ask another.")
            }
            let now = ConcertJSON.now()
            let kind: TypedEventKind<User>
            switch (current.isDisabled, change.disabled) {
            case (false, true?): kind = .userDisabled
            case (true, false?): kind = .userEnabled
            default: kind = .userChanged
            }
            let updated = try await store.updateUser(id: current.id, by: actor, eventKind: kind, endingSessions: false)
            {
                user in
                var user = user
                if let displayName { user.displayName = displayName }
                user.role = role
                if let disabled = change.disabled { user.disabledAt = disabled ? (user.disabledAt ?? now) : nil }
                return user
            }
            return try Response.json(updated)
        }
        router.delete("/api/v1/users/:userId/sessions") { _, context in
            let actor = try context.requireActor()
            try AccessPolicy.decide(actor, .manageAccounts).get()
            let current = try await account(try context.parameters.requireIdentifier("userId"))
            try AccessPolicy.decide(actor, .changeAccount(agencyId: current.agencyId, role: current.role)).get()
            _ = try await store.updateUser(
                id: current.id, by: actor, eventKind: .userSessionsEnded, endingSessions: true
            ) { $0 }
            return Response(status: .noContent)
        }
        router.put("/api/v1/users/:userId/password") { request, context in
            let actor = try context.requireActor()
            try AccessPolicy.decide(actor, .manageAccounts).get()
            let current = try await account(try context.parameters.requireIdentifier("userId"))
            try AccessPolicy.decide(actor, .changeAccount(agencyId: current.agencyId, role: current.role)).get()
            let input = try await request.decodeJSON(as: PasswordInput.self, context: context)
            if current.id == actor.userId {
                // A reset does not ask for the old password: an administrator's own is reset by another.
                throw ProblemDetail(
                    status: .forbidden,
                    detail: "An administrator cannot reset their own password; ask another administrator.")
            }
            try User.validatePassword(input.password, username: current.username, displayName: current.displayName)
            _ = try await store.resetPassword(
                id: current.id, passwordHash: await Authenticator.hashPassword(input.password), by: actor)
            return Response(status: .noContent)
        }
        router.get("/api/v1/account-notices") { _, context in
            let actor = try context.requireActor()
            try AccessPolicy.decide(actor, .readAccountNotices(agencyId: actor.agencyId)).get()
            return try Response.items(try await notices(of: actor.agencyId))
        }
    }

    /// The account with `id`, or a 404.
    private func account(_ id: String) async throws -> User {
        guard let user = try await store.user(id: id) else { throw StoreError.notFound("No such user.") }
        return user
    }

    /// The newest account notices of an agency (at most 200).
    func notices(of agencyId: String) async throws -> [AccountNotice] {
        var notices: [AccountNotice] = []
        // Only this agency's notices are read: another agency's flood cannot push them out.
        let mentioning = #""agencyId":"\#(agencyId)""#
        for event in try await store.events(
            kinds: Self.noticeKinds, operationIds: nil, mentioning: mentioning, limit: 400)
        {
            // A sign-in's actor is the account tried, not someone who acted on it.
            if let attempt = try? event.payload(.signInFailed, .signInLocked) {
                guard attempt.agencyId == agencyId else { continue }
                notices.append(
                    AccountNotice(
                        sequence: event.sequence, kind: event.kind, recordedAt: event.recordedAt,
                        actorUserId: nil, actorAgencyId: nil, user: nil, username: attempt.username,
                        address: attempt.address, lockedUntil: attempt.lockedUntil))
            } else if let user = try? event.payload(
                .userCreated, .userChanged, .userDisabled, .userEnabled, .userPasswordReset, .userSessionsEnded),
                user.agencyId == agencyId
            {
                notices.append(
                    AccountNotice(
                        sequence: event.sequence, kind: event.kind, recordedAt: event.recordedAt,
                        actorUserId: event.actorUserId, actorAgencyId: event.actorAgencyId, user: user,
                        username: nil, address: nil, lockedUntil: nil))
            } else {
                continue
            }
            if notices.count == 200 { break }
        }
        return notices
    }
}
