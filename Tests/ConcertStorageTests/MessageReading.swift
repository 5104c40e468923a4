import ConcertCore

@testable import ConcertStorage

/// The messages of an operation as a reader who may read every one of them finds them.
extension Store {
    /// The ids of the messages holding every word, best first.
    func foundMessages(_ words: [String], in operationId: String) async throws -> [String] {
        var filter = MessageFilter()
        filter.words = words
        return try await messagePage(
            operationId: operationId, filter: filter, reader: MessageReader(userId: "reader", agencyId: "reader"),
            after: nil, limit: 500, isVisible: { _ in true }
        ).records.map(\.message.id)
    }

    /// Every message of the operation, oldest first.
    func everyMessage(in operationId: String) async throws -> [MessageRecord] {
        var records: [MessageRecord] = []
        var after: String?
        repeat {
            let page = try await messagePage(
                operationId: operationId, filter: MessageFilter(),
                reader: MessageReader(userId: "reader", agencyId: "reader"), after: after, limit: 500,
                isVisible: { _ in true })
            records += page.records
            after = page.next
        } while after != nil
        return records.reversed()
    }
}
