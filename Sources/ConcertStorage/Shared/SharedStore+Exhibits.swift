import ConcertCore
import Foundation
import Synchronization

/// What a register of exhibits is narrowed to: each part that is set must hold.
public struct ExhibitFilter: Sendable, Equatable {
    /// Only exhibits this agency seized.
    public var seizingAgencyId: String?
    /// Only exhibits of this kind.
    public var kind: ExhibitKind?
    /// Only exhibits this agency holds now.
    public var holderAgencyId: String?
    /// Only exhibits in transit (true) or not (false).
    public var inTransit: Bool?

    /// Creates a filter.
    public init(
        seizingAgencyId: String? = nil, kind: ExhibitKind? = nil, holderAgencyId: String? = nil, inTransit: Bool? = nil
    ) {
        self.seizingAgencyId = seizingAgencyId
        self.kind = kind
        self.holderAgencyId = holderAgencyId
        self.inTransit = inTransit
    }
}

/// One page of an operation's exhibits as a caller may see them.
public struct ExhibitPage: Sendable {
    /// The exhibits, in the order they were recorded.
    public var exhibits: [Exhibit]
    /// How many exhibits the caller may see match the filter, on every page.
    public var matching: Int
    /// The id of the page's last exhibit, when more follow: the `after` of the next page.
    public var next: String?
}

/// An operation's exhibits counted, as the board shows them to every participant.
public struct ExhibitCounts: Codable, Sendable, Equatable {
    /// How many exhibits are recorded.
    public var total: Int
    /// How many of each kind (every kind is present, zero included).
    public var byKind: [String: Int]
    /// How many are being handed over, not yet received.
    public var inTransit: Int
    /// How many have a hash re-check that did not match.
    public var hashMismatches: Int

    /// Creates counts.
    public init(total: Int, byKind: [String: Int], inTransit: Int, hashMismatches: Int) {
        self.total = total
        self.byKind = byKind
        self.inTransit = inTransit
        self.hashMismatches = hashMismatches
    }
}

/// An exhibit as a write sees it: the exhibit, its chain so far and its operation.
public struct CustodyContext: Sendable {
    public var exhibit: Exhibit
    public var entries: [CustodyEntry]
    public var operation: JointOperation
    /// The ids of the operation's legal instruments.
    public var instrumentIds: Set<String>
}

/// A cursor that is not one of this list (another operation's, or an exhibit the caller may
/// not see).
public struct UnknownCursor: Error, Sendable {}

extension SQLEngineStore {
    public func createExhibit(
        _ exhibit: Exhibit, seizure: CustodyEntry, numberPrefix: String?, by actor: Actor,
        _ check: @escaping @Sendable (Action, Exhibit?) throws -> Void
    ) async throws -> Exhibit {
        try await writing(.operation(exhibit.operationId)) { transaction in
            let operationId = exhibit.operationId
            _ = try existingOperation(id: operationId, in: transaction)
            let action = try transaction.existing(
                Action.self, in: "action", id: exhibit.actionId, operationId: operationId,
                notFound: "No such action.")
            let parent = try exhibit.parentExhibitId.map { parentId in
                try transaction.existing(
                    Exhibit.self, in: "exhibit", id: parentId, operationId: operationId,
                    notFound: "No such parent exhibit.")
            }
            try check(action, parent)
            var exhibit = exhibit
            if let numberPrefix {
                // One more than the highest number of the prefix so far. Numbers of this form are
                // given by Concert alone (an agency's own are refused in it); one too long to be a
                // count is skipped rather than trusted.
                let taken = try transaction.strings(
                    """
                    SELECT exhibit_number FROM exhibit
                    WHERE operation_id = \(operationId) AND \(raw: transaction.dialect.position)(exhibit_number, \(numberPrefix)) = 1
                    """)
                let highest =
                    taken.compactMap { number -> Int? in
                        let sequence = number.dropFirst(numberPrefix.count)
                        return sequence.count <= 18 ? Int(sequence) : nil
                    }.max() ?? 0
                exhibit.exhibitNumber = numberPrefix + Self.sequenceNumber(highest + 1)
            }
            guard
                try !transaction.exists(
                    """
                    SELECT 1 FROM exhibit
                    WHERE operation_id = \(operationId) AND lower(exhibit_number) = lower(\(exhibit.exhibitNumber))
                    """)
            else {
                throw StoreError.duplicate(
                    "Exhibit number \(exhibit.exhibitNumber) is already taken in this operation; give another or leave it to Concert."
                )
            }
            exhibit.custodyCount = 1
            let record = CustodyRecord(entry: seizure, exhibit: exhibit)
            try writeCustody(record, kind: .exhibitRecorded, newExhibit: true, by: actor, in: transaction)
            return exhibit
        }
    }

    /// A sequence number of at least four digits: `0007`, `12345`.
    static func sequenceNumber(_ number: Int) -> String {
        let digits = String(number)
        return String(repeating: "0", count: max(0, 4 - digits.count)) + digits
    }

    public func exhibit(id: String, operationId: String) async throws -> Exhibit? {
        try await readDocument(Exhibit.self, from: "exhibit", id: id, operationId: operationId)
    }

    public func custodyEntries(exhibitId: String, operationId: String) async throws -> [CustodyEntry] {
        try await reading { connection in try custodyOf(exhibitId, operationId: operationId, in: connection) }
    }

    public func addCustodyEntry(
        exhibitId: String, operationId: String, by actor: Actor,
        _ record: @escaping @Sendable (CustodyContext) throws -> (entry: CustodyEntry, exhibit: Exhibit)
    ) async throws -> (entry: CustodyEntry, exhibit: Exhibit) {
        try await writing(.operation(operationId)) { transaction in
            let operation = try existingOperation(id: operationId, in: transaction)
            let exhibit = try transaction.existing(
                Exhibit.self, in: "exhibit", id: exhibitId, operationId: operationId, notFound: "No such exhibit.")
            let context = CustodyContext(
                exhibit: exhibit, entries: try custodyOf(exhibitId, operationId: operationId, in: transaction),
                operation: operation,
                instrumentIds: Set(
                    try transaction.strings("SELECT id FROM legal_instrument WHERE operation_id = \(operationId)")))
            let (entry, updated) = try record(context)
            try writeCustody(
                CustodyRecord(entry: entry, exhibit: updated), kind: .exhibitCustodyRecorded, newExhibit: false,
                by: actor, in: transaction)
            return (entry, updated)
        }
    }

    public func exhibitPage(
        operationId: String, filter: ExhibitFilter, after: String?, limit: Int,
        isVisible: @escaping @Sendable (ExhibitAccess) -> Bool
    ) async throws -> ExhibitPage {
        try await reading { connection in
            let order = connection.dialect.insertionOrder
            // The policy decides each distinct access once (seizing agency, handling,
            // distribution, custodians: a handful in a register of thousands); the database
            // then keeps the rows of the visible ones, so that a caller who may see few
            // exhibits still gets full pages. The holder does not change who may read.
            var visible: [String] = []
            for key in try connection.strings(
                "SELECT DISTINCT access FROM exhibit WHERE operation_id = \(operationId)")
            where isVisible(try ExhibitAccessKey.access(from: key, holder: "")) {
                visible.append(key)
            }
            guard !visible.isEmpty else { return ExhibitPage(exhibits: [], matching: 0, next: nil) }
            var conditions: SQL = "operation_id = \(operationId) AND access IN (\(list: visible))"
            if let agency = filter.seizingAgencyId { conditions.append(" AND seizing_agency_id = \(agency)") }
            if let kind = filter.kind { conditions.append(" AND kind = \(kind.rawValue)") }
            if let holder = filter.holderAgencyId { conditions.append(" AND holder_agency_id = \(holder)") }
            if let inTransit = filter.inTransit {
                conditions.append(
                    inTransit ? " AND receiving_agency_id IS NOT NULL" : " AND receiving_agency_id IS NULL")
            }
            var count: SQL = "SELECT COUNT(*) FROM exhibit WHERE "
            count.append(conditions)
            let matching = Int(try connection.rows(count).first?.int64(0) ?? 0)
            var statement: SQL = "SELECT json FROM exhibit WHERE "
            statement.append(conditions)
            if let after {
                // A cursor is an exhibit of this very list; anything else is refused.
                var cursor: SQL = "SELECT \(raw: order) FROM exhibit WHERE "
                cursor.append(conditions)
                cursor.append(" AND id = \(after)")
                guard let position = try connection.rows(cursor).first?.int64(0) else { throw UnknownCursor() }
                statement.append(" AND \(raw: order) > \(position)")
            }
            statement.append(" ORDER BY \(raw: order) LIMIT \(limit + 1)")
            var exhibits = try connection.documents(Exhibit.self, statement)
            let more = exhibits.count > limit
            if more { exhibits.removeLast() }
            return ExhibitPage(exhibits: exhibits, matching: matching, next: more ? exhibits.last?.id : nil)
        }
    }

    public func exhibitCounts(operationId: String) async throws -> ExhibitCounts {
        try await reading { connection in
            let tally = try exhibitTally(operationId: operationId, in: connection)
            var byKind = Dictionary(uniqueKeysWithValues: ExhibitKind.allCases.map { ($0.rawValue, 0) })
            byKind.merge(tally.totalByKind) { $1 }
            return ExhibitCounts(
                total: tally.total, byKind: byKind, inTransit: tally.inTransit, hashMismatches: tally.hashMismatches)
        }
    }

    public func exhibitsWithCustody(
        operationId: String, holderAgencyId: String, exhibitId: String?
    ) async throws -> [(exhibit: Exhibit, custody: [CustodyEntry])] {
        try await reading { connection in
            let order = connection.dialect.insertionOrder
            var statement: SQL =
                "SELECT json FROM exhibit WHERE operation_id = \(operationId) AND holder_agency_id = \(holderAgencyId)"
            if let exhibitId {
                statement = "SELECT json FROM exhibit WHERE operation_id = \(operationId) AND id = \(exhibitId)"
            }
            statement.append(" ORDER BY \(raw: order)")
            let exhibitTexts = try connection.strings(statement)
            let exhibits = try decodedInParallel(Exhibit.self, exhibitTexts)
            // The chains in pages of exhibits, each page one query; decoded on every core at
            // the end (an agency's ten thousand exhibits have a hundred thousand entries).
            var entryTexts: [String] = []
            for start in stride(from: 0, to: exhibits.count, by: 500) {
                let ids = exhibits[start..<min(start + 500, exhibits.count)].map(\.id)
                entryTexts += try connection.strings(
                    "SELECT json FROM custody_entry WHERE exhibit_id IN (\(list: ids)) ORDER BY exhibit_id, step")
            }
            var custody: [String: [CustodyEntry]] = [:]
            for entry in try decodedInParallel(CustodyEntry.self, entryTexts) {
                custody[entry.exhibitId, default: []].append(entry)
            }
            return exhibits.map { ($0, custody[$0.id] ?? []) }
        }
    }
}

/// JSON texts decoded in order, a part on each core, each part with its own decoder.
func decodedInParallel<Record: Decodable & Sendable>(_ type: Record.Type, _ texts: [String]) throws -> [Record] {
    let parts = max(1, min(ProcessInfo.processInfo.activeProcessorCount, texts.count / 1_000))
    let size = (texts.count + parts - 1) / parts
    let results = Mutex<[Int: Result<[Record], any Error>]>([:])
    DispatchQueue.concurrentPerform(iterations: parts) { part in
        let slice = texts[min(part * size, texts.count)..<min((part + 1) * size, texts.count)]
        let decoder = ConcertJSON.makeDecoder()
        let decoded = Result { try slice.map { try decoder.decode(type, from: Data($0.utf8)) } }
        results.withLock { $0[part] = decoded }
    }
    return try results.withLock { results in try (0..<parts).flatMap { try results[$0]!.get() } }
}

/// The text of a custody event: the entry's and the exhibit's JSON as their rows keep them,
/// in the order of the keys of ``CustodyRecord``'s encoding.
enum CustodyRecordText {
    static let entryPrefix = #"{"entry":"#
    static let exhibitPrefix = #","exhibit":"#

    static func payload(entry: String, exhibit: String) -> String {
        entryPrefix + entry + exhibitPrefix + exhibit + "}"
    }
}

/// The text an exhibit's row keeps of what the policy decides it on (all but its holder),
/// so that the register decides each distinct one once.
enum ExhibitAccessKey {
    static let separator = "\u{1F}"

    static func key(of exhibit: Exhibit) throws -> String {
        [
            exhibit.seizingAgencyId, exhibit.handling.rawValue, try ConcertJSON.encodeToString(exhibit.distribution),
            exhibit.custodianAgencyIds.sorted().joined(separator: ","),
        ].joined(separator: separator)
    }

    static func access(from key: String, holder: String) throws -> ExhibitAccess {
        let parts = key.components(separatedBy: separator)
        guard parts.count == 4 else { throw StoreError.notFound("An exhibit's access is unreadable.") }
        return ExhibitAccess(
            record: RecordHandling(
                originatorAgencyId: parts[0], handling: HandlingCode(rawValue: parts[1]) ?? .h3,
                distribution: try ConcertJSON.decode(Distribution.self, from: parts[2])),
            custodianAgencyIds: parts[3].split(separator: ",").map(String.init), holderAgencyId: holder)
    }
}

/// The exhibits of an operation counted: how many of each kind, and how many are in transit
/// or flagged now.
func exhibitTally(operationId: String, in connection: any SQLConnection) throws -> ExhibitTally {
    // One pass over the operation's exhibits: each kind with how many of it are in transit
    // and flagged.
    var byKind: [String: Int] = [:]
    var inTransit = 0
    var mismatches = 0
    for row in try connection.rows(
        """
        SELECT kind, COUNT(*), COUNT(receiving_agency_id), SUM(hash_mismatch) FROM exhibit
        WHERE operation_id = \(operationId) GROUP BY kind
        """)
    {
        byKind[try row.string(0)] = Int(try row.int64(1))
        inTransit += Int(try row.int64(2))
        mismatches += Int(try row.int64(3))
    }
    return ExhibitTally(totalByKind: byKind, inTransit: inTransit, hashMismatches: mismatches)
}

/// An exhibit's chain of custody, in order.
private func custodyOf(
    _ exhibitId: String, operationId: String, in connection: any SQLConnection
) throws
    -> [CustodyEntry]
{
    try connection.documents(
        CustodyEntry.self,
        "SELECT json FROM custody_entry WHERE exhibit_id = \(exhibitId) AND operation_id = \(operationId) ORDER BY step"
    )
}

/// Appends a custody entry's event and writes the entry and the exhibit as it left them; the
/// rows point at the event, which `audit verify` compares them with.
private func writeCustody(
    _ record: CustodyRecord, kind: TypedEventKind<CustodyRecord>, newExhibit: Bool, by actor: Actor,
    in transaction: any SQLTransaction
) throws {
    let exhibit = record.exhibit
    let entry = record.entry
    // The event holds the rows' very text, so that `audit verify` compares text with text:
    // a date read back and written again may differ in its last digit.
    let entryJSON = try ConcertJSON.encodeToString(entry)
    let json = try ConcertJSON.encodeToString(exhibit)
    let (_, encoded) = try EncodedPayload<CustodyRecord>.stored(
        CustodyRecordText.payload(entry: entryJSON, exhibit: json))
    let event = try transaction.append(
        EventDraft(operationId: exhibit.operationId, actor: actor, kind: kind, encoded: encoded))
    let access = try ExhibitAccessKey.key(of: exhibit)
    let receiving = exhibit.transit?.toAgencyId
    let mismatch = exhibit.hashMismatchEntryId == nil ? 0 : 1
    if newExhibit {
        try transaction.execute(
            """
            INSERT INTO exhibit (id, operation_id, exhibit_number, kind, seizing_agency_id, holder_agency_id,
                receiving_agency_id, hash_mismatch, access, created_at, json, json_event)
            VALUES (\(exhibit.id), \(exhibit.operationId), \(exhibit.exhibitNumber), \(exhibit.kind.rawValue),
                \(exhibit.seizingAgencyId), \(exhibit.holderAgencyId), \(receiving), \(mismatch), \(access),
                \(exhibit.createdAt.timeIntervalSince1970), \(json), \(event.sequence))
            """)
    } else {
        try transaction.execute(
            """
            UPDATE exhibit SET holder_agency_id = \(exhibit.holderAgencyId), receiving_agency_id = \(receiving),
                hash_mismatch = \(mismatch), access = \(access), json = \(json), json_event = \(event.sequence)
            WHERE id = \(exhibit.id)
            """)
    }
    try transaction.execute(
        """
        INSERT INTO custody_entry (id, exhibit_id, operation_id, step, json, json_event)
        VALUES (\(entry.id), \(exhibit.id), \(exhibit.operationId), \(entry.position),
            \(entryJSON), \(event.sequence))
        """)
}

// MARK: Verification

/// Compares every exhibit's and custody entry's row with the event that wrote it, as
/// `audit verify` does once the chain holds: a row changed in the database (a hash, a holder,
/// who may see it) no longer matches an event the chain vouches for. The first difference,
/// as the event's sequence number and words naming the exhibit and entry; nil when all match.
func verifyExhibitRows(in connection: any SQLConnection) throws -> (Int64, String)? {
    let kinds = [EventKind.exhibitRecorded.rawValue, EventKind.exhibitCustodyRecorded.rawValue]
    if let problem = try verifyQueuedPointers(in: connection) { return problem }
    func recorded(_ row: SQLRow, kindColumn: Int) -> String? {
        guard let kind = row.optionalString(kindColumn), kinds.contains(kind) else { return nil }
        return row.optionalString(kindColumn + 1)
    }
    var after: Int64 = -1
    while true {
        let rows = try connection.rows(
            """
            SELECT entry.id, entry.json, entry.json_event, entry.step, exhibit.exhibit_number, event.kind, event.payload
            FROM custody_entry AS entry
            LEFT JOIN exhibit ON exhibit.id = entry.exhibit_id
            LEFT JOIN event ON event.sequence = entry.json_event
            WHERE entry.json_event > \(after) ORDER BY entry.json_event LIMIT 5000
            """)
        guard let last = rows.last else { break }
        for row in rows {
            let sequence = try row.int64(2)
            let name =
                "Custody entry \(try row.int64(3)) of exhibit \(row.optionalString(4) ?? "?") (\(try row.string(0)))"
            guard let payload = recorded(row, kindColumn: 5) else {
                return (sequence, "\(name) points at event \(sequence), which did not record it")
            }
            guard
                payload.hasPrefix(CustodyRecordText.entryPrefix + (try row.string(1)) + CustodyRecordText.exhibitPrefix)
            else {
                return (
                    sequence, "\(name) was changed in the database: it differs from event \(sequence) that recorded it"
                )
            }
        }
        after = try last.int64(2)
    }
    var afterExhibit: Int64 = -1
    while true {
        let rows = try connection.rows(
            """
            SELECT exhibit.id, exhibit.json, exhibit.json_event, exhibit.exhibit_number, event.kind, event.payload,
                   exhibit.kind, exhibit.seizing_agency_id, exhibit.holder_agency_id, exhibit.receiving_agency_id,
                   exhibit.hash_mismatch, exhibit.access,
                   (SELECT MAX(json_event) FROM custody_entry WHERE custody_entry.exhibit_id = exhibit.id)
            FROM exhibit LEFT JOIN event ON event.sequence = exhibit.json_event
            WHERE exhibit.json_event > \(afterExhibit) ORDER BY exhibit.json_event LIMIT 5000
            """)
        guard let last = rows.last else { break }
        for row in rows {
            let sequence = try row.int64(2)
            let name = "Exhibit \(try row.string(3)) (\(try row.string(0)))"
            guard let payload = recorded(row, kindColumn: 4),
                let exhibit = try? ConcertJSON.decode(CustodyRecord.self, from: payload).exhibit,
                exhibit.id == (try row.string(0))
            else {
                return (sequence, "\(name) points at event \(sequence), which did not record it")
            }
            guard row.optionalInt64(12) == sequence else {
                return (
                    sequence,
                    "\(name) points at event \(sequence), not at the event of its latest custody entry: it was set back"
                )
            }
            let columns = [
                try row.string(3), try row.string(6), try row.string(7), try row.string(8),
                row.optionalString(9) ?? "", String(try row.int64(10)), try row.string(11),
            ]
            let expected = [
                exhibit.exhibitNumber, exhibit.kind.rawValue, exhibit.seizingAgencyId, exhibit.holderAgencyId,
                exhibit.transit?.toAgencyId ?? "", exhibit.hashMismatchEntryId == nil ? "0" : "1",
                try ExhibitAccessKey.key(of: exhibit),
            ]
            guard columns == expected,
                payload.hasSuffix(CustodyRecordText.exhibitPrefix + (try row.string(1)) + "}")
            else {
                return (
                    sequence,
                    "\(name) was changed in the database: it differs from event \(sequence) that last wrote it"
                )
            }
        }
        afterExhibit = try last.int64(2)
    }
    return nil
}

/// Checks the rows that point at an event still queued (minus its id; PostgreSQL, for the
/// moment a write waits for its pass): the event must be in the queue, of a kind that writes
/// such a row; they are compared with it once it is in the log. Anywhere else, a row pointing
/// below zero points at nothing, and hides what it holds from the comparison above.
func verifyQueuedPointers(in connection: any SQLConnection) throws -> (Int64, String)? {
    let targetKinds = [EventKind.targetCreated.rawValue, EventKind.targetUpdated.rawValue]
    let exhibitKinds = [EventKind.exhibitRecorded.rawValue, EventKind.exhibitCustodyRecorded.rawValue]
    for (table, name, kinds) in [
        ("target_row", "Target", targetKinds), ("exhibit", "Exhibit", exhibitKinds),
        ("custody_entry", "Custody entry", exhibitKinds),
    ] {
        for row in try connection.rows("SELECT id, json_event FROM \(raw: table) WHERE json_event < 0") {
            let (id, pointer) = (try row.string(0), try row.int64(1))
            if connection.dialect.queuesEvents,
                let kind = try connection.rows("SELECT kind FROM event_queue WHERE id = \(-pointer)").first,
                kinds.contains(try kind.string(0))
            {
                continue
            }
            // Put in the log since it was read: it is compared with its event from there.
            if let now = try connection.rows("SELECT json_event FROM \(raw: table) WHERE id = \(id)").first,
                try now.int64(0) >= 0
            {
                continue
            }
            let next = (try connection.rows("SELECT sequence FROM chain_head WHERE id = 1").first?.int64(0) ?? 0) + 1
            return (next, "\(name) \(id) points at no event (\(pointer)): it was changed in the database")
        }
    }
    return nil
}

/// Words naming the exhibit and custody entry an event recorded, when the chain breaks there.
func describeCustodyEvent(_ sequence: Int64, in connection: any SQLConnection) throws -> String? {
    guard
        let row = try connection.rows(
            """
            SELECT entry.step, entry.id, exhibit.exhibit_number FROM custody_entry AS entry
            JOIN exhibit ON exhibit.id = entry.exhibit_id WHERE entry.json_event = \(sequence)
            """
        ).first
    else { return nil }
    return "; it recorded custody entry \(try row.int64(0)) (\(try row.string(1))) of exhibit \(try row.string(2))"
}
