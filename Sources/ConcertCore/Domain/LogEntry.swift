import Foundation

/// An entry of an operation's log: what a participant reports during the action day.
/// The coordinator marks the ones that matter as significant; sitreps compile those.
public struct LogEntry: Codable, Sendable, Equatable, Identifiable {
    /// Opaque identifier.
    public var id: String
    /// The operation it belongs to.
    public var operationId: String
    /// What happened, in the author's words.
    public var text: String
    /// The author.
    public var authorUserId: String
    /// The author's agency.
    public var agencyId: String
    /// Whether the coordinator marked it significant.
    public var significant: Bool
    /// When it was posted.
    public var createdAt: Date
    /// When it last changed.
    public var updatedAt: Date

    /// A new entry by `actor`, after checking its text.
    public static func make(
        id: String, operationId: String, text: String, by actor: Actor, now: Date
    ) throws(DomainError) -> LogEntry {
        LogEntry(
            id: id, operationId: operationId, text: try Validation.requiredText(text, field: "text", maxLength: 4_000),
            authorUserId: actor.userId, agencyId: actor.agencyId, significant: false, createdAt: now, updatedAt: now)
    }
}
