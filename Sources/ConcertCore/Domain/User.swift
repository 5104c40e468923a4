import Foundation

/// What a user may do in Concert, independent of the operations their agency joins.
public enum UserRole: String, Codable, Sendable, CaseIterable, LenientDecodable {
    /// Platform administrator: creates agencies and each agency's first administrator; sees no
    /// operation content, and cannot make an account that would.
    case admin
    /// Agency administrator: creates, changes, disables and re-enables the accounts of their own
    /// agency only, and ends their sessions; sees no operation content by this role.
    case agencyAdmin
    /// Case coordinator: creates operations; in the lead agency, plans and runs the action day.
    case coordinator
    /// National investigator: records targets, reports the outcomes of their agency's actions.
    case officer
    /// Prosecutor or judicial liaison: tracks the legal instruments of actions.
    case prosecutor
    /// Observer: follows the board of the operations of their agency, never their intelligence.
    case observer
}

/// A person who signs in to Concert.
public struct User: Codable, Sendable, Equatable, Identifiable {
    /// Opaque identifier.
    public var id: String
    /// The name they sign in with: lower-case letters, digits, `-`, `_` and `.`.
    public var username: String
    /// Their name as shown to others.
    public var displayName: String
    /// The agency they belong to.
    public var agencyId: String
    /// What they may do.
    public var role: UserRole
    /// When an agency administrator disabled the account; nil while it may sign in.
    public var disabledAt: Date?
    /// Since when signing in takes a code from their authenticator app too (TOTP); nil without.
    public var secondFactorSince: Date?

    /// Creates a user.
    public init(
        id: String, username: String, displayName: String, agencyId: String, role: UserRole, disabledAt: Date? = nil,
        secondFactorSince: Date? = nil
    ) {
        self.id = id
        self.username = username
        self.displayName = displayName
        self.agencyId = agencyId
        self.role = role
        self.disabledAt = disabledAt
        self.secondFactorSince = secondFactorSince
    }

    /// Whether the account is disabled: it cannot sign in, and its sessions are over.
    public var isDisabled: Bool { disabledAt != nil }

    /// Checks a username: 2 to 64 characters of `a-z`, `0-9`, `-`, `_`, `.`.
    public static func validatedUsername(_ username: String) throws(DomainError) -> String {
        let trimmed = username.trimmingWhitespace()
        let allowed = trimmed.unicodeScalars.allSatisfy { scalar in
            ("a"..."z").contains(scalar) || ("0"..."9").contains(scalar) || "-_.".unicodeScalars.contains(scalar)
        }
        guard (2...64).contains(trimmed.count), allowed else {
            throw .invalid(
                "A username has 2 to 64 characters, using only lower-case letters, digits, '-', '_' and '.'.",
                field: "username"
            )
        }
        return trimmed
    }

    /// Checks a new password against ``PasswordPolicy``: at least 12 characters, at most 72 bytes
    /// (the bcrypt limit), and none that attackers guess first (common passwords, repeats,
    /// sequences, the username or display name, the name of the service).
    public static func validatePassword(
        _ password: String, username: String? = nil, displayName: String? = nil
    ) throws(DomainError) {
        try PasswordPolicy.validate(password, username: username, displayName: displayName)
    }
}
