import ConcertCore
import Foundation

// The lists other than messages, targets and exhibits, read a page at a time: the operation's
// log, its plan and its sitreps, an agency's hits and exclusions, the accounts. Each page is one
// query ordered by an index, resumed after the row its cursor names (keyset paging), so that
// items arriving meanwhile neither repeat nor shift a page, and filters are in the query.

/// One page of a list, and the cursor of the page after it.
public struct RecordPage<Record: Sendable>: Sendable {
    /// The page's items.
    public var items: [Record]
    /// The id of the page's last item when more follow: the `after` that asks for them.
    public var next: String?

    public init(items: [Record], next: String?) {
        self.items = items
        self.next = next
    }
}

/// What a page of an operation's plan is narrowed to: each part that is set must hold.
public struct ActionFilter: Sendable, Equatable {
    /// Only actions in this country (ISO 3166 alpha-2).
    public var country: String?
    /// Only actions this agency executes.
    public var executingAgencyId: String?
    /// Only actions in this status.
    public var status: ActionStatus?

    public init(country: String? = nil, executingAgencyId: String? = nil, status: ActionStatus? = nil) {
        self.country = country
        self.executingAgencyId = executingAgencyId
        self.status = status
    }
}

/// A page of rows: those of `table` that `conditions` keeps, ordered by `keys` (each a column,
/// never input; the last one unique among the kept rows), after the row whose id is `after`.
/// Throws ``UnknownCursor`` when that row is not one the conditions keep.
func keysetPage(
    of columns: String, from table: String, where conditions: SQL, orderedBy keys: [String], descending: Bool,
    after: String?, limit: Int, on connection: any SQLConnection
) throws -> (rows: [SQLRow], next: String?) {
    let direction = descending ? "DESC" : "ASC"
    var statement: SQL = "SELECT id, \(raw: columns) FROM \(raw: table) WHERE "
    statement.append(conditions)
    if let after {
        var cursor: SQL = "SELECT \(raw: keys.joined(separator: ", ")) FROM \(raw: table) WHERE "
        cursor.append(conditions)
        cursor.append(" AND id = \(after)")
        guard let row = try connection.rows(cursor).first else { throw UnknownCursor() }
        statement.append(" AND (\(raw: keys.joined(separator: ", "))) \(raw: descending ? "<" : ">") (")
        for (index, value) in row.values.enumerated() {
            statement.append(index == 0 ? "\(value)" : ", \(value)")
        }
        statement.append(")")
    }
    statement.append(
        " ORDER BY \(raw: keys.map { "\($0) \(direction)" }.joined(separator: ", ")) LIMIT \(limit + 1)")
    var rows = try connection.rows(statement)
    let more = rows.count > limit
    if more { rows.removeLast() }
    return (rows, more ? try rows.last?.string(0) : nil)
}

extension SQLEngineStore {
    public func logEntryPage(
        operationId: String, significantOnly: Bool, after: String?, limit: Int
    ) async throws -> RecordPage<LogEntry> {
        try await reading { connection in
            var conditions: SQL = "operation_id = \(operationId)"
            if significantOnly {
                conditions.append(
                    " AND CAST(\(raw: connection.dialect.jsonField("json", "significant")) AS TEXT) IN ('1', 'true')")
            }
            let page = try keysetPage(
                of: "json", from: "log_entry", where: conditions, orderedBy: [connection.dialect.insertionOrder],
                descending: true, after: after, limit: limit, on: connection)
            return RecordPage(
                items: try page.rows.map { try ConcertJSON.decode(LogEntry.self, from: try $0.string(1)) },
                next: page.next)
        }
    }

    public func actionPage(
        operationId: String, filter: ActionFilter, after: String?, limit: Int
    ) async throws -> RecordPage<EncodedAction> {
        try await reading { connection in
            let dialect = connection.dialect
            var conditions: SQL = "operation_id = \(operationId)"
            if let country = filter.country {
                conditions.append(" AND \(raw: dialect.jsonField("json", "country")) = \(country)")
            }
            if let agency = filter.executingAgencyId {
                conditions.append(" AND \(raw: dialect.jsonField("json", "executingAgencyId")) = \(agency)")
            }
            if let status = filter.status {
                conditions.append(" AND \(raw: dialect.jsonField("json", "status")) = \(status.rawValue)")
            }
            let page = try keysetPage(
                of: "\(dialect.jsonField("json", "targetId")), json", from: "action", where: conditions,
                orderedBy: ["offset_minutes", dialect.insertionOrder], descending: false, after: after, limit: limit,
                on: connection)
            return RecordPage(
                items: try page.rows.map {
                    EncodedAction(id: try $0.string(0), targetId: $0.optionalString(1), json: try $0.string(2))
                }, next: page.next)
        }
    }

    public func sitrepPage(
        operationId: String, approvedOnly: Bool, after: String?, limit: Int
    ) async throws -> RecordPage<Sitrep> {
        try await reading { connection in
            var conditions: SQL = "operation_id = \(operationId)"
            if approvedOnly {
                conditions.append(
                    " AND \(raw: connection.dialect.jsonField("json", "status")) = \(SitrepStatus.approved.rawValue)")
            }
            let page = try keysetPage(
                of: "json", from: "sitrep", where: conditions, orderedBy: [connection.dialect.insertionOrder],
                descending: true, after: after, limit: limit, on: connection)
            return RecordPage(
                items: try page.rows.map { try ConcertJSON.decode(Sitrep.self, from: try $0.string(1)) },
                next: page.next)
        }
    }

    public func hitPage(agencyId: String, after: String?, limit: Int) async throws -> RecordPage<Hit> {
        try await reading { connection in
            let page = try keysetPage(
                of: "json", from: "hit", where: "(a_agency_id = \(agencyId) OR b_agency_id = \(agencyId))",
                orderedBy: ["found_at", connection.dialect.insertionOrder], descending: true, after: after,
                limit: limit, on: connection)
            return RecordPage(
                items: try page.rows.map { try ConcertJSON.decode(Hit.self, from: try $0.string(1)) }, next: page.next)
        }
    }

    public func exclusionPage(agencyId: String, after: String?, limit: Int) async throws -> RecordPage<Exclusion> {
        try await reading { connection in
            let page = try keysetPage(
                of: "json", from: "exclusion", where: "agency_id = \(agencyId)",
                orderedBy: [connection.dialect.insertionOrder], descending: false, after: after, limit: limit,
                on: connection)
            return RecordPage(
                items: try page.rows.map { try ConcertJSON.decode(Exclusion.self, from: try $0.string(1)) },
                next: page.next)
        }
    }

    public func userPage(agencyIds: [String], after: String?, limit: Int) async throws -> RecordPage<User> {
        guard !agencyIds.isEmpty else { return RecordPage(items: [], next: nil) }
        return try await reading { connection in
            let page = try keysetPage(
                of: userColumns, from: "app_user", where: "agency_id IN (\(list: agencyIds))", orderedBy: ["username"],
                descending: false, after: after, limit: limit, on: connection)
            // The row starts with the id the page is resumed by; the user's columns follow.
            return RecordPage(
                items: try page.rows.map { try storedUser(from: SQLRow(Array($0.values.dropFirst()))) },
                next: page.next)
        }
    }
}
