import ConcertCore
import Foundation

// The inbox at the scale of a four-year case: pages of an operation's messages read by the
// database, filtered in the query, and counts kept as messages are sent, read, acknowledged and
// forwarded, so that nothing reads the whole list. Once for both engines; only the full-text
// query differs (``SQLEngineStore/messageSearch(words:operationId:conditions:limit:)``).
//
// Each message has a row in `message_entry` — its place in its operation (`position`: from 1
// on SQLite, the message's number in the installation on PostgreSQL; only the order counts),
// its access key (originator, handling and audience: what the access policy decides on), and
// the columns the filters and the overdue count read. `message_access` counts an operation's
// messages by access key; `message_read_tally` and `message_acknowledgement_tally` count those a
// user has read and an agency has acknowledged, by key. The policy is asked once per key, never
// per message, and the database keeps the messages of the keys it admits.

/// What a list of messages is narrowed to: each part that is set must hold.
public struct MessageFilter: Sendable, Equatable {
    /// Only messages the reader has not opened (their agency's own count as read).
    public var unread = false
    /// Only messages the reader's agency has still to acknowledge.
    public var unacknowledged = false
    /// Only messages this agency sent.
    public var originatorAgencyId: String?
    /// Only messages that concern this target.
    public var targetId: String?
    /// Only messages of this handling code.
    public var handling: HandlingCode?
    /// Only messages whose subject or body holds every one of these words (each as a prefix,
    /// accents folded); the page is then ranked: those whose subject holds them first.
    public var words: [String] = []

    public init() {}

    /// Whether it narrows anything.
    public var isEmpty: Bool { self == MessageFilter() }
}

/// Who reads a list of messages: their account and agency.
public struct MessageReader: Sendable, Equatable {
    public var userId: String
    public var agencyId: String

    public init(userId: String, agencyId: String) {
        self.userId = userId
        self.agencyId = agencyId
    }
}

/// One page of an operation's messages as a reader may see them.
public struct MessagePage: Sendable {
    /// The page's messages: newest first, or best first for a search.
    public var records: [MessageRecord]
    /// The id that asks for the next page as `after`, when there is one.
    public var next: String?
    /// Which of the page's messages the reader has opened.
    public var readIds: Set<String>
}

/// The counts of a reader's inbox, read from the counts kept as messages come and go.
public struct MessageCounts: Sendable, Equatable {
    /// Messages the reader may read and has not opened (their agency's own count as read).
    public var unread: Int
    /// Messages the reader's agency has still to acknowledge.
    public var unacknowledged: Int
    /// The reader's agency's messages waiting for an acknowledgement since before the cut-off.
    public var overdue: Int

    public init(unread: Int, unacknowledged: Int, overdue: Int) {
        self.unread = unread
        self.unacknowledged = unacknowledged
        self.overdue = overdue
    }
}

/// The rows that list, count and find a message, written with it and kept as it changes.
enum MessageListing {
    static let separator: Character = "\u{1F}"

    /// The access key of a message as it stands: what the access policy decides on. Its
    /// audience is a set (named agencies sorted, each once), so that messages the policy
    /// treats alike share a key whatever the order their agencies were named or forwarded in.
    static func accessKey(of record: MessageRecord) throws -> String {
        let message = record.message
        var audience = record.audience
        if case .agencies(let named) = audience { audience = .agencies(Array(Set(named)).sorted()) }
        return message.originatorAgencyId + String(separator) + message.handling.rawValue + String(separator)
            + (try ConcertJSON.encodeToString(audience))
    }

    /// The facts the policy decides on, from an access key.
    static func recordHandling(fromKey key: String, distributions: inout DistributionDecoder) throws -> RecordHandling {
        let parts = key.split(separator: separator, maxSplits: 2, omittingEmptySubsequences: false)
        guard parts.count == 3, let handling = HandlingCode(rawValue: String(parts[1])) else {
            throw StoreError.notFound("A message's access key is damaged.")
        }
        return RecordHandling(
            originatorAgencyId: String(parts[0]), handling: handling,
            distribution: try distributions.decode(String(parts[2])))
    }

    /// The originator of an access key.
    static func originator(ofKey key: String) -> Substring {
        key.prefix { $0 != separator }
    }

    /// How many agencies are expected to acknowledge a message sent to named agencies (for one
    /// sent to every participant the count is the operation's, read when counting).
    static func namedRecipients(of record: MessageRecord, in operation: () throws -> JointOperation?) rethrows -> Int {
        guard case .agencies(let named) = record.audience else { return 0 }
        guard let operation = try operation() else {
            return Set(named).subtracting([record.message.originatorAgencyId]).count
        }
        return record.recipients(in: operation).count
    }

    /// Counts new messages by operation and access key: one change of each count, however many
    /// messages share it (PostgreSQL walks every version a transaction left of a row it changes
    /// again, so a batch that changed one count once a message slowed with its size).
    static func count(_ keys: [(operationId: String, access: String)], on connection: any SQLConnection) throws {
        var counts: [String: (operationId: String, access: String, messages: Int64)] = [:]
        for (operationId, access) in keys {
            counts[operationId + String(separator) + access, default: (operationId, access, 0)].messages += 1
        }
        for (_, entry) in counts.sorted(by: { $0.key < $1.key }) {
            try tally(
                "message_access", keyedBy: [], operationId: entry.operationId, access: entry.access,
                by: entry.messages, on: connection)
        }
    }

    /// The place after the last of an operation's messages.
    static func nextPosition(in operationId: String, on connection: any SQLConnection) throws -> Int64 {
        (try connection.rows(
            "SELECT COALESCE(MAX(position), 0) FROM message_entry WHERE operation_id = \(operationId)"
        ).first?.int64(0) ?? 0) + 1
    }

    /// The columns of a message's entry that it is listed, counted and filtered by.
    struct EntryColumns {
        /// The access key (``accessKey(of:)``).
        var access: String
        /// 1 for a message to every participant, else 0.
        var toAll: Int64
        /// How many agencies are expected to acknowledge it (``namedRecipients(of:in:)``).
        var recipients: Int64
        /// When it was sent, in milliseconds since 1970.
        var sentMilliseconds: Int64

        /// The columns of `record`; `operation` is read only for a message to named agencies.
        init(_ record: MessageRecord, in operation: () throws -> JointOperation?) throws {
            access = try accessKey(of: record)
            toAll = if case .allParticipants = record.audience { 1 } else { 0 }
            recipients = Int64(try namedRecipients(of: record, in: operation))
            sentMilliseconds = Int64((record.message.sentAt.timeIntervalSince1970 * 1_000).rounded(.down))
        }
    }

    /// Lists a new message at `position` (after the last when nil): its entry and its targets;
    /// returns its access key, which the caller counts (``count(_:on:)``) with the others of
    /// its transaction. An operation is read only for a message to named agencies.
    static func addEntry(
        _ record: MessageRecord, at position: Int64? = nil, in operation: () throws -> JointOperation?,
        on connection: any SQLConnection
    ) throws -> String {
        let message = record.message
        let columns = try EntryColumns(record, in: operation)
        let position = try position ?? nextPosition(in: message.operationId, on: connection)
        try connection.execute(
            """
            INSERT INTO message_entry (
                operation_id, position, message_id, thread_id, access, originator_agency_id, handling, sent_ms,
                to_all, recipients, acknowledgements)
            VALUES (
                \(message.operationId), \(position), \(message.id), \(message.threadId), \(columns.access),
                \(message.originatorAgencyId), \(message.handling.rawValue), \(columns.sentMilliseconds),
                \(columns.toAll), \(columns.recipients), \(record.acknowledgements.count))
            """)
        for targetId in Set(message.targets) {
            try connection.execute(
                "INSERT INTO message_target (target_id, message_id) VALUES (\(targetId), \(message.id))")
        }
        return columns.access
    }

    /// Moves a message to the access key of its audience now (a forward was granted): its
    /// entry, and every count it is in.
    static func update(
        _ record: MessageRecord, in operation: JointOperation, on connection: any SQLConnection
    ) throws {
        let message = record.message
        let key = try accessKey(of: record)
        guard
            let old = try connection.rows(
                "SELECT access FROM message_entry WHERE message_id = \(message.id)"
            ).first?.string(0)
        else { throw StoreError.notFound("No such message.") }
        try connection.execute(
            """
            UPDATE message_entry SET access = \(key), recipients = \(namedRecipients(of: record, in: { operation }))
            WHERE message_id = \(message.id)
            """)
        guard old != key else { return }
        let operationId = message.operationId
        try tally("message_access", keyedBy: [], operationId: operationId, access: old, by: -1, on: connection)
        try tally("message_access", keyedBy: [], operationId: operationId, access: key, by: 1, on: connection)
        for user in try connection.strings("SELECT user_id FROM message_read WHERE message_id = \(message.id)") {
            try tally(
                "message_read_tally", keyedBy: [("user_id", user)], operationId: operationId, access: old, by: -1,
                on: connection)
            try tally(
                "message_read_tally", keyedBy: [("user_id", user)], operationId: operationId, access: key, by: 1,
                on: connection)
        }
        for agency in record.acknowledgements.map(\.agencyId) {
            try tally(
                "message_acknowledgement_tally", keyedBy: [("agency_id", agency)], operationId: operationId,
                access: old, by: -1, on: connection)
            try tally(
                "message_acknowledgement_tally", keyedBy: [("agency_id", agency)], operationId: operationId,
                access: key, by: 1, on: connection)
        }
    }

    /// Records that a user opened a message; counts it the first time only.
    static func read(messageId: String, userId: String, on connection: any SQLConnection) throws {
        guard
            try connection.rows(
                "SELECT 1 FROM message_read WHERE user_id = \(userId) AND message_id = \(messageId)"
            ).isEmpty
        else { return }
        try connection.execute("INSERT INTO message_read (message_id, user_id) VALUES (\(messageId), \(userId))")
        guard
            let row = try connection.rows(
                "SELECT operation_id, access FROM message_entry WHERE message_id = \(messageId)"
            ).first
        else { throw StoreError.notFound("No such message.") }
        try tally(
            "message_read_tally", keyedBy: [("user_id", userId)], operationId: try row.string(0),
            access: try row.string(1), by: 1, on: connection)
    }

    /// Counts an agency's acknowledgement of a message (written once per agency).
    static func acknowledged(messageId: String, agencyId: String, on connection: any SQLConnection) throws {
        guard
            let row = try connection.rows(
                "SELECT operation_id, access FROM message_entry WHERE message_id = \(messageId)"
            ).first
        else { throw StoreError.notFound("No such message.") }
        try connection.execute(
            "UPDATE message_entry SET acknowledgements = acknowledgements + 1 WHERE message_id = \(messageId)")
        try tally(
            "message_acknowledgement_tally", keyedBy: [("agency_id", agencyId)], operationId: try row.string(0),
            access: try row.string(1), by: 1, on: connection)
    }

    /// Adds `delta` to a count (the table and column names are never taken from input).
    private static func tally(
        _ table: String, keyedBy keys: [(column: String, value: String)], operationId: String, access: String,
        by delta: Int64, on connection: any SQLConnection
    ) throws {
        var statement: SQL = "INSERT INTO \(raw: table) ("
        for key in keys { statement.append("\(raw: key.column), ") }
        statement.append("operation_id, access, messages) VALUES (")
        for key in keys { statement.append("\(key.value), ") }
        statement.append("\(operationId), \(access), \(delta)) ON CONFLICT (")
        for key in keys { statement.append("\(raw: key.column), ") }
        statement.append(
            "operation_id, access) DO UPDATE SET messages = \(raw: table).messages + excluded.messages")
        try connection.execute(statement)
    }

    /// Lists every message that has no entry yet, oldest first, with the counts of the reads
    /// and acknowledgements already stored: messages of a database from before the inbox was
    /// paged, or copied from another database. `indexText` makes each findable as its engine
    /// does. Cheap when there is nothing to do: the newest message is then listed.
    static func addUnlisted(
        on connection: any SQLConnection, indexText: (Message, any SQLConnection) throws -> Void
    ) throws {
        let order = connection.dialect.insertionOrder
        guard
            let newest = try connection.rows("SELECT id FROM message ORDER BY \(raw: order) DESC LIMIT 1").first?
                .string(0),
            try connection.rows("SELECT 1 FROM message_entry WHERE message_id = \(newest)").isEmpty
        else { return }
        // An operation that cannot be read (none of Concert's own) counts the agencies named.
        var operations: [String: JointOperation?] = [:]
        var keys: [(operationId: String, access: String)] = []
        var reads: [[String]: Int64] = [:]
        var acknowledgements: [[String]: Int64] = [:]
        let unlisted = try connection.rows(
            """
            SELECT m.json FROM message m
            WHERE NOT EXISTS (SELECT 1 FROM message_entry e WHERE e.message_id = m.id) ORDER BY m.\(raw: order)
            """)
        for row in unlisted {
            let message = try ConcertJSON.decode(Message.self, from: try row.string(0))
            let operation =
                operations[message.operationId]
                ?? (try? connection.document(
                    JointOperation.self, "SELECT json FROM operation WHERE id = \(message.operationId)"))
            operations[message.operationId] = operation
            let record = MessageRecord(
                message: message,
                forwards: try connection.documents(
                    Forward.self,
                    "SELECT json FROM message_forward WHERE message_id = \(message.id) ORDER BY \(raw: order)"),
                acknowledgements: try connection.documents(
                    Acknowledgement.self,
                    "SELECT json FROM message_acknowledgement WHERE message_id = \(message.id) ORDER BY \(raw: order)"
                ))
            let key = try addEntry(record, in: { operation }, on: connection)
            keys.append((message.operationId, key))
            for user in try connection.strings("SELECT user_id FROM message_read WHERE message_id = \(message.id)") {
                reads[[user, message.operationId, key], default: 0] += 1
            }
            for agency in record.acknowledgements.map(\.agencyId) {
                acknowledgements[[agency, message.operationId, key], default: 0] += 1
            }
            try indexText(message, connection)
        }
        // Each count changed once, with all it gathered (see ``count(_:on:)``).
        try count(keys, on: connection)
        for (row, messages) in reads.sorted(by: { $0.key.joined() < $1.key.joined() }) {
            try tally(
                "message_read_tally", keyedBy: [("user_id", row[0])], operationId: row[1], access: row[2],
                by: messages, on: connection)
        }
        for (row, messages) in acknowledgements.sorted(by: { $0.key.joined() < $1.key.joined() }) {
            try tally(
                "message_acknowledgement_tally", keyedBy: [("agency_id", row[0])], operationId: row[1],
                access: row[2], by: messages, on: connection)
        }
    }
}

extension SQLEngineStore {
    public func messagePage(
        operationId: String, filter: MessageFilter, reader: MessageReader, after: String?, limit: Int,
        isVisible: @escaping @Sendable (RecordHandling) -> Bool
    ) async throws -> MessagePage {
        try await reading { connection in
            let visible = try visibleMessageKeys(operationId: operationId, isVisible: isVisible, on: connection)
            guard !visible.isEmpty else { return MessagePage(records: [], next: nil, readIds: []) }
            var conditions: SQL = "e.operation_id = \(operationId) AND e.access IN (\(list: visible))"
            if let agency = filter.originatorAgencyId { conditions.append(" AND e.originator_agency_id = \(agency)") }
            if let handling = filter.handling { conditions.append(" AND e.handling = \(handling.rawValue)") }
            if let target = filter.targetId {
                conditions.append(
                    " AND EXISTS (SELECT 1 FROM message_target t WHERE t.target_id = \(target) AND t.message_id = e.message_id)"
                )
            }
            if filter.unread {
                conditions.append(
                    """
                     AND e.originator_agency_id <> \(reader.agencyId) AND NOT EXISTS (
                        SELECT 1 FROM message_read r WHERE r.user_id = \(reader.userId) AND r.message_id = e.message_id)
                    """)
            }
            if filter.unacknowledged {
                conditions.append(
                    """
                     AND e.originator_agency_id <> \(reader.agencyId) AND NOT EXISTS (
                        SELECT 1 FROM message_acknowledgement a
                        WHERE a.message_id = e.message_id AND a.agency_id = \(reader.agencyId))
                    """)
            }
            var ids: [String]
            var more = false
            if !filter.words.isEmpty {
                // Best match first — the messages whose subject holds every word, then the
                // others — and newest first within each: a rank that depends on the message
                // alone (not on how often a word occurs elsewhere in the installation, which
                // would tell what hidden messages hold), so pages resume after their cursor.
                guard
                    let found = Self.messageSearch(
                        words: filter.words, operationId: operationId, conditions: conditions)
                else { return MessagePage(records: [], next: nil, readIds: []) }
                var statement: SQL = "SELECT message_id FROM ("
                statement.append(found)
                statement.append(") AS found")
                if let after {
                    var cursor: SQL = "SELECT tier, position FROM ("
                    cursor.append(found)
                    cursor.append(") AS found WHERE message_id = \(after)")
                    guard let row = try connection.rows(cursor).first else { throw UnknownCursor() }
                    statement.append(" WHERE (tier, position) < (\(try row.int64(0)), \(try row.int64(1)))")
                }
                statement.append(" ORDER BY tier DESC, position DESC LIMIT \(limit + 1)")
                ids = try connection.strings(statement)
                more = ids.count > limit
                if more { ids.removeLast() }
            } else {
                var statement: SQL = "SELECT e.message_id FROM message_entry e WHERE "
                statement.append(conditions)
                if let after {
                    // A cursor is a message of this operation the reader may read; anything
                    // else (another operation's, another reader's) is refused.
                    guard
                        let position = try connection.rows(
                            """
                            SELECT position FROM message_entry
                            WHERE operation_id = \(operationId) AND message_id = \(after) AND access IN (\(list: visible))
                            """
                        ).first?.int64(0)
                    else { throw UnknownCursor() }
                    statement.append(" AND e.position < \(position)")
                }
                statement.append(" ORDER BY e.position DESC LIMIT \(limit + 1)")
                ids = try connection.strings(statement)
                more = ids.count > limit
                if more { ids.removeLast() }
            }
            let records = try messageRecords(ids: ids, operationId: operationId, on: connection)
            let read = Set(
                ids.isEmpty
                    ? []
                    : try connection.strings(
                        """
                        SELECT message_id FROM message_read WHERE user_id = \(reader.userId) AND message_id IN (\(list: ids))
                        """))
            return MessagePage(records: records, next: more ? ids.last : nil, readIds: read)
        }
    }

    public func messageCounts(
        operationId: String, reader: MessageReader, receivingAgencies: Int, overdueBefore: Date,
        isVisible: @escaping @Sendable (RecordHandling) -> Bool
    ) async throws -> MessageCounts {
        try await reading { connection in
            var distributions = DistributionDecoder()
            var sent: [String: Int64] = [:]
            for row in try connection.rows(
                "SELECT access, messages FROM message_access WHERE operation_id = \(operationId) AND messages > 0")
            {
                let key = try row.string(0)
                // The reader's agency's own messages are neither unread nor to acknowledge.
                guard MessageListing.originator(ofKey: key) != reader.agencyId,
                    isVisible(try MessageListing.recordHandling(fromKey: key, distributions: &distributions))
                else { continue }
                sent[key] = try row.int64(1)
            }
            func counted(_ table: String, _ column: String, _ value: String) throws -> Int64 {
                var total: Int64 = 0
                for row in try connection.rows(
                    """
                    SELECT access, messages FROM \(raw: table)
                    WHERE \(raw: column) = \(value) AND operation_id = \(operationId)
                    """) where sent[try row.string(0)] != nil
                {
                    total += try row.int64(1)
                }
                return total
            }
            let total = sent.values.reduce(0, +)
            let unread = total - (try counted("message_read_tally", "user_id", reader.userId))
            let unacknowledged = total - (try counted("message_acknowledgement_tally", "agency_id", reader.agencyId))
            // The agency's messages sent before the cut-off that fewer agencies acknowledged
            // than are expected to: the participants who receive intelligence for one sent to
            // all, those named and forwarded to for the others.
            let cutoff = Int64((overdueBefore.timeIntervalSince1970 * 1_000).rounded(.down))
            let overdue =
                try connection.rows(
                    """
                    SELECT COUNT(*) FROM message_entry
                    WHERE operation_id = \(operationId) AND originator_agency_id = \(reader.agencyId)
                      AND sent_ms <= \(cutoff)
                      AND acknowledgements < CASE WHEN to_all = 1 THEN \(receivingAgencies) ELSE recipients END
                    """
                ).first?.int64(0) ?? 0
            // On PostgreSQL the counts are read statement by statement: a read or a forward
            // committed between them may make a difference briefly negative.
            return MessageCounts(
                unread: Int(max(0, unread)), unacknowledged: Int(max(0, unacknowledged)), overdue: Int(overdue))
        }
    }

    public func messageThread(threadId: String, operationId: String) async throws -> [MessageRecord] {
        try await reading { connection in
            let ids = try connection.strings(
                """
                SELECT message_id FROM message_entry WHERE operation_id = \(operationId) AND thread_id = \(threadId)
                ORDER BY position
                """)
            return try messageRecords(ids: ids, operationId: operationId, on: connection)
        }
    }

    public func messageHandlings(ids: [String], operationId: String) async throws -> [String: RecordHandling] {
        guard !ids.isEmpty else { return [:] }
        return try await reading { connection in
            var distributions = DistributionDecoder()
            var handlings: [String: RecordHandling] = [:]
            // By id alone, the operation checked here: given both, SQLite may walk the
            // operation's hundred thousand entries instead of looking the ids up.
            for row in try connection.rows(
                "SELECT message_id, access, operation_id FROM message_entry WHERE message_id IN (\(list: ids))")
            where try row.string(2) == operationId {
                handlings[try row.string(0)] = try MessageListing.recordHandling(
                    fromKey: try row.string(1), distributions: &distributions)
            }
            return handlings
        }
    }

    public func messagesRead(userId: String, messageIds: [String]) async throws -> Set<String> {
        guard !messageIds.isEmpty else { return [] }
        return try await reading { connection in
            Set(
                try connection.strings(
                    """
                    SELECT message_id FROM message_read WHERE user_id = \(userId) AND message_id IN (\(list: messageIds))
                    """))
        }
    }
}

/// The access keys of an operation's messages that the policy lets the reader read.
private func visibleMessageKeys(
    operationId: String, isVisible: (RecordHandling) -> Bool, on connection: any SQLConnection
) throws -> [String] {
    var distributions = DistributionDecoder()
    return try connection.strings(
        "SELECT access FROM message_access WHERE operation_id = \(operationId) AND messages > 0"
    ).filter { isVisible(try MessageListing.recordHandling(fromKey: $0, distributions: &distributions)) }
}

/// The messages with these ids, whole (forwards and acknowledgements), in the order of `ids`.
func messageRecords(ids: [String], operationId: String, on connection: any SQLConnection) throws -> [MessageRecord] {
    guard !ids.isEmpty else { return [] }
    let order = connection.dialect.insertionOrder
    var messages: [String: Message] = [:]
    // By id alone, the operation checked here: given both, SQLite may walk the operation's
    // index, a hundred thousand messages, instead of looking the page's ids up.
    for message in try connection.documents(Message.self, "SELECT json FROM message WHERE id IN (\(list: ids))")
    where message.operationId == operationId {
        messages[message.id] = message
    }
    let forwards = Dictionary(
        grouping: try connection.documents(
            Forward.self,
            "SELECT json FROM message_forward WHERE message_id IN (\(list: ids)) ORDER BY \(raw: order)"),
        by: \.messageId)
    var acknowledgements: [String: [Acknowledgement]] = [:]
    for row in try connection.rows(
        """
        SELECT message_id, json FROM message_acknowledgement WHERE message_id IN (\(list: ids)) ORDER BY \(raw: order)
        """)
    {
        acknowledgements[try row.string(0), default: []].append(
            try ConcertJSON.decode(Acknowledgement.self, from: try row.string(1)))
    }
    return ids.compactMap { id in
        messages[id].map {
            MessageRecord(message: $0, forwards: forwards[id] ?? [], acknowledgements: acknowledgements[id] ?? [])
        }
    }
}
