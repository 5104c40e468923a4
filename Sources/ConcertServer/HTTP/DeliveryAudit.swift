import ConcertCore
import ConcertStorage

/// The payload of the audit entry of a list or feed read of handled records: how many, and
/// which (their ids, in the order delivered), so that the log tells who saw what.
enum DeliveryAudit {
    /// The longest list whose ids an entry names one by one; a longer one is named by its
    /// count and the operation's sequence number it was read at, which the log up to that
    /// number and the access policy reproduce exactly (a list of 10,000 targets would
    /// otherwise write 370 KB to the log at every read; a digest of its ids cost a millisecond
    /// of every list read after a change, and told no more than the log does).
    static let listedIds = 1_000

    /// The entry of a target list: its ids, or for a long one its count and sequence.
    static func payload(of list: VisibleTargets, via: String? = nil) -> String {
        guard list.ids.count > listedIds else {
            return payload(ids: list.ids, asOfSequence: list.asOfSequence, via: via)
        }
        var text = JSONText(capacity: 192)
        text.beginObject()
        text.key("count")
        text.number(list.count)
        text.key("asOfSequence")
        text.number(Int(list.asOfSequence))
        if let via {
            text.key("via")
            text.string(via)
        }
        text.endObject()
        return text.string
    }

    /// `{"count":N,"ids":[…]}`, with `via` (such as `web`) and `query` when given.
    static func payload(ids: [String], asOfSequence: Int64? = nil, via: String? = nil, query: String? = nil) -> String {
        var text = JSONText(capacity: 32 + ids.count * 30)
        text.beginObject()
        text.key("count")
        text.number(ids.count)
        if let asOfSequence {
            text.key("asOfSequence")
            text.number(Int(asOfSequence))
        }
        text.key("ids")
        text.beginArray()
        for id in ids { text.string(id) }
        text.endArray()
        if let query {
            text.key("query")
            text.string(query)
        }
        if let via {
            text.key("via")
            text.string(via)
        }
        text.endObject()
        return text.string
    }
}
