import ConcertCore
import Foundation

/// What a list of targets is narrowed to: each part that is set must hold.
public struct TargetFilter: Sendable, Equatable {
    /// Only targets of this kind.
    public var kind: TargetKind?
    /// Only targets this agency recorded.
    public var originatorAgencyId: String?
    /// Only targets whose name or one of whose selectors (as matched: `Example.COM` is
    /// `example.com`) contains this text, whatever its case.
    public var text: String?

    /// Creates a filter; an empty text filters nothing.
    public init(kind: TargetKind? = nil, originatorAgencyId: String? = nil, text: String? = nil) {
        self.kind = kind
        self.originatorAgencyId = originatorAgencyId
        let trimmed = text?.trimmingCharacters(in: .whitespacesAndNewlines).lowercased()
        self.text = trimmed?.isEmpty == false ? trimmed : nil
    }

    /// Whether it narrows anything.
    public var isEmpty: Bool { kind == nil && originatorAgencyId == nil && text == nil }
}

/// One page of an operation's targets as a caller may see them.
public struct TargetPage: Sendable {
    /// The page's targets, in the order they were recorded.
    public var targets: [EncodedTarget]
    /// How many targets the caller may see match the filter, on every page.
    public var matching: Int
    /// How many targets the caller may see, filter or not.
    public var visible: Int
    /// How many matching targets come before this page.
    public var before: Int
    /// How many matching targets come before the next page, when there is one: the `skipping`
    /// that asks for it. A count among what the caller may see, so that it tells nothing of
    /// the rows around them.
    public var next: Int?
    /// Whether the page was read by asking the policy of every target's handling (more
    /// distinct handlings admitted than a query names), for tests.
    var readEveryHandling = false
}

extension SQLEngineStore {
    /// A page of at most `limit` of the targets of an operation that `isVisible` admits and
    /// `filter` keeps, after the first `skipping` of them (an earlier page's `next`), or after the
    /// target `after` (a cursor, which must be one of them), in the order they were recorded.
    /// The policy is asked once per distinct handling; what it admits and the filter are the
    /// database's work, so a page of a caller who may see few targets is full all the same, and
    /// only the page's targets are read.
    public func targetPage(
        operationId: String, filter: TargetFilter, skipping: Int, after: String?, limit: Int,
        isVisible: @escaping @Sendable (RecordHandling) -> Bool
    ) async throws -> TargetPage {
        try await targetPage(
            operationId: operationId, filter: filter, skipping: skipping, after: after, limit: limit,
            handlingsInQuery: Self.handlingsInQuery, isVisible: isVisible)
    }

    /// The most distinct handlings admitted that a page's queries name; past them the page reads
    /// every target's handling instead.
    static var handlingsInQuery: Int { 200 }

    func targetPage(
        operationId: String, filter: TargetFilter, skipping: Int, after: String?, limit: Int, handlingsInQuery: Int,
        isVisible: @escaping @Sendable (RecordHandling) -> Bool
    ) async throws -> TargetPage {
        try await reading { connection in
            let dialect = connection.dialect
            let order = dialect.insertionOrder
            func filtered(_ filter: TargetFilter) -> SQL {
                var clause: SQL = ""
                if let kind = filter.kind {
                    clause.append(" AND \(raw: dialect.jsonField("json", "kind")) = \(kind.rawValue)")
                }
                if let agency = filter.originatorAgencyId {
                    clause.append(" AND originator_agency_id = \(agency)")
                }
                if let text = filter.text {
                    let name = dialect.jsonField("json", "name")
                    clause.append(
                        """
                         AND (\(raw: dialect.position)(lower(\(raw: name)), \(text)) > 0
                              OR \(raw: dialect.position)(lower(selector_keys), \(text)) > 0)
                        """)
                }
                return clause
            }
            // The handlings the policy admits among the operation's targets. The page's queries
            // name them all, even when it admits every one: each statement is a snapshot of its
            // own on PostgreSQL, and a target of a handling first seen after this read must not
            // pass unasked.
            var distributions = DistributionDecoder()
            var visibleClause: SQL = " AND ("
            // Its text changes with every set of handlings: no engine should keep it prepared.
            visibleClause.varies = true
            var admitted: Set<String> = []
            for row in try connection.rows(
                """
                SELECT DISTINCT originator_agency_id, handling, distribution FROM target
                WHERE operation_id = \(operationId)
                """)
            {
                let (originator, handling, distribution) = (try row.string(0), try row.string(1), try row.string(2))
                guard
                    isVisible(
                        RecordHandling(
                            originatorAgencyId: originator, handling: HandlingCode(rawValue: handling) ?? .h3,
                            distribution: try distributions.decode(distribution)))
                else { continue }
                if !admitted.isEmpty { visibleClause.append(" OR ") }
                visibleClause.append(
                    "(originator_agency_id = \(originator) AND handling = \(handling) AND distribution = \(distribution))"
                )
                admitted.insert(Self.handlingKey(originator, handling, distribution))
            }
            visibleClause.append(")")
            if admitted.isEmpty {
                guard after == nil else { throw UnknownCursor() }
                return TargetPage(targets: [], matching: 0, visible: 0, before: 0, next: nil)
            }
            guard admitted.count <= handlingsInQuery else {
                return try Self.scannedTargetPage(
                    connection, operationId: operationId, filtered: filtered, filter: filter, skipping: skipping,
                    after: after, limit: limit, isVisible: isVisible)
            }
            func count(_ filter: TargetFilter, upTo last: Int64? = nil) throws -> Int {
                var statement: SQL = "SELECT COUNT(*) FROM target WHERE operation_id = \(operationId)"
                statement.append(visibleClause)
                statement.append(filtered(filter))
                if let last { statement.append(" AND \(raw: order) <= \(last)") }
                return Int(try connection.rows(statement).first?.int64(0) ?? 0)
            }
            // On PostgreSQL each statement below is a snapshot of its own: a target written
            // meanwhile can make the counts and the page disagree by one, never show what the
            // policy did not admit.
            let matching = try count(filter)
            let visible = filter.isEmpty ? matching : try count(TargetFilter())
            var statement: SQL =
                "SELECT id, originator_agency_id, handling, distribution, json FROM target WHERE operation_id = \(operationId)"
            statement.append(visibleClause)
            statement.append(filtered(filter))
            var before = min(max(0, skipping), matching)
            if let after {
                // A cursor is a target of this very list; anything else is refused.
                var cursor: SQL =
                    "SELECT \(raw: order) FROM target WHERE operation_id = \(operationId) AND id = \(after)"
                cursor.append(visibleClause)
                cursor.append(filtered(filter))
                guard let last = try connection.rows(cursor).first?.int64(0) else { throw UnknownCursor() }
                before = try count(filter, upTo: last)
                statement.append(" AND \(raw: order) > \(last) ORDER BY \(raw: order) LIMIT \(limit)")
            } else {
                statement.append(" ORDER BY \(raw: order) LIMIT \(limit) OFFSET \(before)")
            }
            var targets: [EncodedTarget] = []
            for row in try connection.rows(statement) {
                let (originator, handling, distribution) = (try row.string(1), try row.string(2), try row.string(3))
                // The query admitted only these handlings; checked again all the same.
                guard admitted.contains(Self.handlingKey(originator, handling, distribution)) else { continue }
                targets.append(
                    EncodedTarget(
                        handling: RecordHandling(
                            originatorAgencyId: originator, handling: HandlingCode(rawValue: handling) ?? .h3,
                            distribution: try distributions.decode(distribution)),
                        id: try row.string(0), json: try row.string(4)))
            }
            return TargetPage(
                targets: targets, matching: matching, visible: visible, before: before,
                next: before + targets.count < matching ? before + targets.count : nil)
        }
    }

    /// A page as ``targetPage(operationId:filter:skipping:after:limit:isVisible:)`` answers it,
    /// read by asking the policy of every target's handling: for an operation whose targets
    /// have more distinct handlings than a query should name.
    private static func scannedTargetPage(
        _ connection: any SQLConnection, operationId: String, filtered: (TargetFilter) -> SQL, filter: TargetFilter,
        skipping: Int, after: String?, limit: Int, isVisible: @Sendable (RecordHandling) -> Bool
    ) throws -> TargetPage {
        let order = connection.dialect.insertionOrder
        func visibleRows(_ filter: TargetFilter, _ decided: inout [String: Bool]) throws -> [String] {
            var statement: SQL =
                "SELECT id, originator_agency_id, handling, distribution, \(raw: order) FROM target WHERE operation_id = \(operationId)"
            statement.append(filtered(filter))
            statement.append(" ORDER BY \(raw: order)")
            var distributions = DistributionDecoder()
            var kept: [String] = []
            for row in try connection.rows(statement) {
                let originator = try row.string(1)
                let handling = try row.string(2)
                let distribution = try row.string(3)
                let key = handlingKey(originator, handling, distribution)
                let visible: Bool
                if let known = decided[key] {
                    visible = known
                } else {
                    visible = isVisible(
                        RecordHandling(
                            originatorAgencyId: originator, handling: HandlingCode(rawValue: handling) ?? .h3,
                            distribution: try distributions.decode(distribution)))
                    decided[key] = visible
                }
                if visible { kept.append(try row.string(0)) }
            }
            return kept
        }
        var decided: [String: Bool] = [:]
        let matching = try visibleRows(filter, &decided)
        let visible = filter.isEmpty ? matching.count : try visibleRows(TargetFilter(), &decided).count
        var before = min(max(0, skipping), matching.count)
        if let after {
            // A cursor is a target of this very list; anything else is refused.
            guard let index = matching.firstIndex(of: after) else { throw UnknownCursor() }
            before = index + 1
        }
        let page = Array(matching.dropFirst(before).prefix(limit))
        var json: [String: EncodedTarget] = [:]
        if !page.isEmpty {
            var distributions = DistributionDecoder()
            for row in try connection.rows(
                """
                SELECT id, originator_agency_id, handling, distribution, json FROM target
                WHERE operation_id = \(operationId) AND id IN (\(list: page))
                """)
            {
                let id = try row.string(0)
                let (originator, handling, distribution) = (try row.string(1), try row.string(2), try row.string(3))
                let recordHandling = RecordHandling(
                    originatorAgencyId: originator, handling: HandlingCode(rawValue: handling) ?? .h3,
                    distribution: try distributions.decode(distribution))
                // Read again in a statement of its own: a target whose handling changed since is
                // asked about again, and left out when the policy no longer admits it.
                let key = handlingKey(originator, handling, distribution)
                let visible = decided[key] ?? isVisible(recordHandling)
                decided[key] = visible
                guard visible else { continue }
                json[id] = EncodedTarget(handling: recordHandling, id: id, json: try row.string(4))
            }
        }
        return TargetPage(
            targets: page.compactMap { json[$0] }, matching: matching.count, visible: visible, before: before,
            next: before + page.count < matching.count ? before + page.count : nil, readEveryHandling: true)
    }

    /// One text for a target's originator, handling code and distribution.
    private static func handlingKey(_ originator: String, _ handling: String, _ distribution: String) -> String {
        originator + "\u{1F}" + handling + "\u{1F}" + distribution
    }
}
