import ConcertCore
import ConcertStorage
import Foundation
import Hummingbird

/// The paging of every list route: `?limit=` (1 to 500, 100 when absent) and `?after=` (the
/// `next` of the page before: an id of the list). Bad values are a 400 that says what is
/// expected, before anything is read.
struct PageQuery {
    static let defaultLimit = 100
    static let maximumLimit = 500

    var limit = PageQuery.defaultLimit
    var after: String?

    /// The first page, of the usual size.
    init() {}

    /// Reads the paging of `request`, or the first page when it cannot be read (for the web
    /// pages, which show the newest items rather than an error).
    static func lenient(_ request: Request) -> PageQuery {
        (try? PageQuery(request)) ?? PageQuery()
    }

    /// Reads the paging of `request`.
    init(_ request: Request) throws {
        let parameters = request.uri.queryParameters
        try self.init { parameters.get($0).map { String($0) } }
    }

    /// Reads the paging from parameters given by name.
    init(_ parameter: (String) -> String?) throws {
        after = try Self.identifier("after", parameter)
        if let text = parameter("limit") {
            guard let limit = Int(text), (1...Self.maximumLimit).contains(limit) else {
                throw Self.bad("'limit' is a whole number from 1 to \(Self.maximumLimit).")
            }
            self.limit = limit
        }
    }

    /// An id given as a query parameter, or nil when absent or empty; a 400 when it cannot be one.
    static func identifier(_ name: String, _ parameter: (String) -> String?) throws -> String? {
        guard let value = parameter(name), !value.isEmpty else { return nil }
        guard Identifier.isPlausible(value) else { throw bad("'\(name)' is not an id.") }
        return value
    }

    /// `true` or `false` given as a query parameter, or nil when absent (empty is neither).
    static func flag(_ name: String, _ parameter: (String) -> String?) throws -> Bool? {
        guard let value = parameter(name) else { return nil }
        guard let flag = Bool(value) else { throw bad("'\(name)' is true or false.") }
        return flag
    }

    /// One of a set of values given as a query parameter, or nil when absent (empty is none).
    static func choice<Value: RawRepresentable & CaseIterable>(
        _ name: String, _ parameter: (String) -> String?, as type: Value.Type
    ) throws -> Value? where Value.RawValue == String {
        guard let value = parameter(name) else { return nil }
        guard let known = Value(rawValue: value) else {
            throw bad("'\(name)' is one of: \(Value.allCases.map(\.rawValue).joined(separator: ", ")).")
        }
        return known
    }

    /// Reads a page; a cursor the store does not find in the list is a 400 naming `list`.
    static func resuming<Page>(_ list: String, _ read: () async throws -> Page) async throws -> Page {
        do {
            return try await read()
        } catch is UnknownCursor {
            throw unknownCursor(of: list)
        }
    }

    /// The refusal of a cursor that is not an item of the list it is used on.
    static func unknownCursor(of list: String) -> ProblemDetail {
        bad("'after' is not one of \(list) you can see in this list: pass the 'next' of the page before.")
    }

    static func bad(_ detail: String) -> ProblemDetail { ProblemDetail(status: .badRequest, detail: detail) }
}

/// `{"items": […], "next": …}`: one page of a list; `next` asks for the page after as `after`.
struct Page<Item: Encodable>: Encodable {
    var items: [Item]
    var next: String?

    func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(items, forKey: .items)
        try container.encode(next, forKey: .next)
    }

    private enum CodingKeys: String, CodingKey { case items, next }
}
