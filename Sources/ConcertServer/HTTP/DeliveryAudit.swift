import ConcertCore

/// The payload of the audit entry of a list or feed read of handled records: how many, and
/// which (their ids, in the order delivered), so that the log tells who saw what.
enum DeliveryAudit {
    /// `{"count":N,"ids":[…]}`, with `via` (such as `web`) and `query` when given.
    static func payload(ids: [String], via: String? = nil, query: String? = nil) -> String {
        var text = JSONText(capacity: 32 + ids.count * 30)
        text.beginObject()
        text.key("count")
        text.number(ids.count)
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
