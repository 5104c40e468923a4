/// A request that breaks a rule of the domain, explained in a sentence a person understands.
///
/// The server turns it into a 422 problem detail (409 for ``Kind/conflict``); nothing is
/// written when it is thrown.
public struct DomainError: Error, Equatable, Sendable, CustomStringConvertible {
    /// What sort of rule was broken; decides the HTTP status.
    public enum Kind: Sendable, Equatable {
        /// The input is well formed but not acceptable (422).
        case invalid
        /// The input conflicts with the current state, e.g. an illegal status transition (409).
        case conflict
    }

    /// What sort of rule was broken.
    public let kind: Kind
    /// The field the error concerns, as a JSON path (`selectors[2].value`), when there is one.
    public let field: String?
    /// A sentence that says what is wrong and, where possible, how to fix it.
    public let message: String

    /// Creates an error for invalid input.
    public static func invalid(_ message: String, field: String? = nil) -> DomainError {
        DomainError(kind: .invalid, field: field, message: message)
    }

    /// Creates an error for input that conflicts with the current state.
    public static func conflict(_ message: String, field: String? = nil) -> DomainError {
        DomainError(kind: .conflict, field: field, message: message)
    }

    /// The same error, reported against a field nested under `prefix`.
    public func nested(under prefix: String) -> DomainError {
        DomainError(kind: kind, field: field.map { "\(prefix).\($0)" } ?? prefix, message: message)
    }

    public var description: String { message }
}
