import Foundation

/// The part an agency plays in an operation.
public enum ParticipantRole: String, Codable, Sendable, CaseIterable, LenientDecodable {
    /// The lead agency: its coordinators invite agencies and plan the action day.
    case lead
    /// A participating agency: shares intelligence and executes actions.
    case participant
    /// An observing agency: follows the board, never the intelligence.
    case observer
}

/// One agency's participation in an operation.
public struct Participant: Codable, Sendable, Equatable {
    /// The participating agency.
    public var agencyId: String
    /// Its part in the operation.
    public var role: ParticipantRole

    /// Creates a participation.
    public init(agencyId: String, role: ParticipantRole) {
        self.agencyId = agencyId
        self.role = role
    }
}

/// An operation: a joint case of several agencies; only its participants learn that it exists.
public struct JointOperation: Codable, Sendable, Equatable, Identifiable {
    /// Opaque identifier.
    public var id: String
    /// The operation's code name.
    public var codeName: String
    /// A short statement of what the operation is about.
    public var summary: String?
    /// The agency that leads it.
    public var leadAgencyId: String
    /// H-hour: the one instant (UTC) that every action's planned time is relative to.
    public var hHour: Date?
    /// The participating agencies, the lead among them.
    public var participants: [Participant]
    /// When it was created.
    public var createdAt: Date
    /// Where the action day stands; `nil` before anything was said on it.
    public var actionDay: ActionDayState?

    /// Creates an operation.
    public init(
        id: String, codeName: String, summary: String?, leadAgencyId: String, hHour: Date?,
        participants: [Participant], createdAt: Date
    ) {
        self.id = id
        self.codeName = codeName
        self.summary = summary
        self.leadAgencyId = leadAgencyId
        self.hHour = hHour
        self.participants = participants
        self.createdAt = createdAt
        self.actionDay = nil
    }

    /// The part `agencyId` plays, or `nil` when it does not take part.
    public func role(of agencyId: String) -> ParticipantRole? {
        participants.first { $0.agencyId == agencyId }?.role
    }
}
