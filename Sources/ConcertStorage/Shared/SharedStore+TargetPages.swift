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
}

extension SQLEngineStore {
    /// A page of at most `limit` of the targets of an operation that `isVisible` admits and
    /// `filter` keeps, after the first `skipping` of them (an earlier page's `next`), in the
    /// order they were recorded. The filter is the database's work and the policy is asked once per
    /// distinct handling, so a page of a caller who may see few targets is full all the same;
    /// only the page's targets are read whole.
    public func targetPage(
        operationId: String, filter: TargetFilter, skipping: Int, after: String?, limit: Int,
        isVisible: @escaping @Sendable (RecordHandling) -> Bool
    ) async throws -> TargetPage {
        try await reading { connection in
            let dialect = connection.dialect
            let order = dialect.insertionOrder
            func visibleRows(_ filter: TargetFilter) throws -> [String] {
                var statement: SQL =
                    "SELECT id, originator_agency_id, handling, distribution, \(raw: order) FROM target WHERE operation_id = \(operationId)"
                if let kind = filter.kind {
                    statement.append(" AND \(raw: dialect.jsonField("json", "kind")) = \(kind.rawValue)")
                }
                if let agency = filter.originatorAgencyId {
                    statement.append(" AND originator_agency_id = \(agency)")
                }
                if let text = filter.text {
                    let name = dialect.jsonField("json", "name")
                    statement.append(
                        """
                         AND (\(raw: dialect.position)(lower(\(raw: name)), \(text)) > 0
                              OR \(raw: dialect.position)(lower(selector_keys), \(text)) > 0)
                        """)
                }
                statement.append(" ORDER BY \(raw: order)")
                var distributions = DistributionDecoder()
                var decided: [String: Bool] = [:]
                var kept: [String] = []
                for row in try connection.rows(statement) {
                    let originator = try row.string(1)
                    let handling = try row.string(2)
                    let distribution = try row.string(3)
                    let key = originator + "\u{1F}" + handling + "\u{1F}" + distribution
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
            let matching = try visibleRows(filter)
            let visible = filter.isEmpty ? matching.count : try visibleRows(TargetFilter()).count
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
                    json[id] = EncodedTarget(
                        handling: RecordHandling(
                            originatorAgencyId: try row.string(1),
                            handling: HandlingCode(rawValue: try row.string(2)) ?? .h3,
                            distribution: try distributions.decode(try row.string(3))),
                        id: id, json: try row.string(4))
                }
            }
            return TargetPage(
                targets: page.compactMap { json[$0] }, matching: matching.count, visible: visible, before: before,
                next: before + page.count < matching.count ? before + page.count : nil)
        }
    }
}
