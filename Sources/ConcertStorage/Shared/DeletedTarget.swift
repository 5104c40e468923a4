import ConcertCore

/// What the log keeps of a deleted target: enough for a feed to decide who may learn of it.
struct DeletedTarget: Encodable {
    var id: String
    var originatorAgencyId: String
    var handling: HandlingCode
    var distribution: Distribution

    init(_ target: Target) {
        id = target.id
        originatorAgencyId = target.originatorAgencyId
        handling = target.handling
        distribution = target.distribution
    }
}
