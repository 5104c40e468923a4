import Logging
import PostgresNIO

/// The PostgreSQL schema, as numbered migrations that are never edited once they ship. They
/// run under an advisory lock, so that servers starting together take turns and each
/// migration runs once.
enum PostgresSchema {
    /// An arbitrary, fixed key for `pg_advisory_lock`.
    static let lockKey: Int64 = 0x434F_4E43_4552_54

    static let migrations: [(name: String, sql: [String])] = [
        (
            "v1: foundation",
            [
                """
                CREATE TABLE agency (
                    id TEXT PRIMARY KEY, name TEXT NOT NULL, country TEXT NOT NULL, kind TEXT NOT NULL, contact TEXT
                )
                """,
                """
                CREATE TABLE app_user (
                    id TEXT PRIMARY KEY, username TEXT NOT NULL UNIQUE, display_name TEXT NOT NULL,
                    agency_id TEXT NOT NULL REFERENCES agency(id), role TEXT NOT NULL, password_hash TEXT NOT NULL
                )
                """,
                """
                CREATE TABLE session (
                    token_hash TEXT PRIMARY KEY, user_id TEXT NOT NULL REFERENCES app_user(id) ON DELETE CASCADE,
                    expires_at DOUBLE PRECISION NOT NULL
                )
                """,
                """
                CREATE TABLE operation (
                    id TEXT PRIMARY KEY, json TEXT NOT NULL, created_at DOUBLE PRECISION NOT NULL,
                    last_sequence BIGINT NOT NULL DEFAULT 0
                )
                """,
                """
                CREATE TABLE participant (
                    operation_id TEXT NOT NULL REFERENCES operation(id), agency_id TEXT NOT NULL REFERENCES agency(id),
                    role TEXT NOT NULL, PRIMARY KEY (operation_id, agency_id)
                )
                """,
                "CREATE INDEX participant_by_agency ON participant(agency_id)",
                """
                CREATE TABLE target (
                    id TEXT PRIMARY KEY, operation_id TEXT NOT NULL REFERENCES operation(id),
                    originator_agency_id TEXT NOT NULL, handling TEXT NOT NULL, distribution TEXT NOT NULL,
                    json TEXT NOT NULL, position BIGSERIAL
                )
                """,
                "CREATE INDEX target_by_operation ON target(operation_id, position)",
                """
                CREATE TABLE selector (
                    target_id TEXT NOT NULL REFERENCES target(id) ON DELETE CASCADE, operation_id TEXT NOT NULL,
                    kind TEXT NOT NULL, match_key TEXT NOT NULL, date_of_birth TEXT
                )
                """,
                "CREATE INDEX selector_by_target ON selector(target_id)",
                "CREATE INDEX selector_by_key ON selector(kind, match_key)",
                """
                CREATE TABLE action (
                    id TEXT PRIMARY KEY, operation_id TEXT NOT NULL REFERENCES operation(id),
                    offset_minutes INTEGER NOT NULL, json TEXT NOT NULL, position BIGSERIAL
                )
                """,
                "CREATE INDEX action_by_operation ON action(operation_id, offset_minutes, position)",
                """
                CREATE TABLE legal_instrument (
                    id TEXT PRIMARY KEY, operation_id TEXT NOT NULL REFERENCES operation(id), json TEXT NOT NULL,
                    position BIGSERIAL
                )
                """,
                "CREATE INDEX legal_instrument_by_operation ON legal_instrument(operation_id, position)",
                """
                CREATE TABLE event (
                    sequence BIGINT PRIMARY KEY, operation_id TEXT, operation_sequence BIGINT, actor_user_id TEXT,
                    actor_agency_id TEXT, kind TEXT NOT NULL, payload TEXT NOT NULL, recorded_at TEXT NOT NULL,
                    previous_hash TEXT NOT NULL, hash TEXT NOT NULL
                )
                """,
                "CREATE UNIQUE INDEX event_by_operation ON event(operation_id, operation_sequence)",
                """
                CREATE TABLE chain_head (
                    id INTEGER PRIMARY KEY CHECK (id = 1), sequence BIGINT NOT NULL, hash TEXT NOT NULL
                )
                """,
                "INSERT INTO chain_head (id, sequence, hash) VALUES (1, 0, '\(EventChain.genesisHash)')",
            ]
        ),
        (
            "v2: operation log, sitreps, hits, exclusions",
            ["log_entry", "sitrep"].flatMap { table in
                [
                    """
                    CREATE TABLE \(table) (
                        id TEXT PRIMARY KEY, operation_id TEXT NOT NULL REFERENCES operation(id), json TEXT NOT NULL,
                        position BIGSERIAL
                    )
                    """,
                    "CREATE INDEX \(table)_by_operation ON \(table)(operation_id, position)",
                ]
            } + [
                """
                CREATE TABLE hit (
                    id TEXT PRIMARY KEY, pair_key TEXT NOT NULL UNIQUE, a_target_id TEXT NOT NULL,
                    b_target_id TEXT NOT NULL, a_agency_id TEXT NOT NULL, b_agency_id TEXT NOT NULL,
                    found_at TEXT NOT NULL, json TEXT NOT NULL, position BIGSERIAL
                )
                """,
                "CREATE INDEX hit_by_a_target ON hit(a_target_id)",
                "CREATE INDEX hit_by_b_target ON hit(b_target_id)",
                "CREATE INDEX hit_by_a_agency ON hit(a_agency_id, found_at)",
                "CREATE INDEX hit_by_b_agency ON hit(b_agency_id, found_at)",
                """
                CREATE TABLE exclusion (
                    id TEXT PRIMARY KEY, agency_id TEXT NOT NULL REFERENCES agency(id), json TEXT NOT NULL,
                    position BIGSERIAL
                )
                """,
                "CREATE INDEX exclusion_by_agency ON exclusion(agency_id)",
            ]
        ),
        (
            "v3: messages",
            [
                """
                CREATE TABLE message (
                    id TEXT PRIMARY KEY, operation_id TEXT NOT NULL REFERENCES operation(id), json TEXT NOT NULL,
                    search TSVECTOR NOT NULL, position BIGSERIAL
                )
                """,
                "CREATE INDEX message_by_operation ON message(operation_id, position)",
                "CREATE INDEX message_search ON message USING GIN (search)",
                """
                CREATE TABLE message_forward (
                    id TEXT PRIMARY KEY, message_id TEXT NOT NULL REFERENCES message(id), json TEXT NOT NULL,
                    position BIGSERIAL
                )
                """,
                "CREATE INDEX message_forward_by_message ON message_forward(message_id)",
                """
                CREATE TABLE message_acknowledgement (
                    message_id TEXT NOT NULL REFERENCES message(id), agency_id TEXT NOT NULL, json TEXT NOT NULL,
                    position BIGSERIAL, PRIMARY KEY (message_id, agency_id)
                )
                """,
                """
                CREATE TABLE message_read (
                    message_id TEXT NOT NULL REFERENCES message(id), user_id TEXT NOT NULL,
                    PRIMARY KEY (user_id, message_id)
                )
                """,
            ]
        ),
        (
            // Matching is the in-memory index's work: nothing reads selectors by key.
            "v4: selectors without a key index",
            ["DROP INDEX IF EXISTS selector_by_key"]
        ),
        (
            // Agency administrators disable accounts; notices (account changes, checks of a
            // holder's selectors) are listed by kind without reading the whole log.
            "v5: disabled accounts, events by kind",
            [
                "ALTER TABLE app_user ADD COLUMN disabled_at DOUBLE PRECISION",
                "CREATE INDEX event_by_kind ON event(kind, sequence)",
            ]
        ),
        (
            // A message is stored by the code both engines share, and then indexed for search
            // by a statement of this engine's own.
            "v6: messages indexed after they are stored",
            ["ALTER TABLE message ALTER COLUMN search SET DEFAULT ''::tsvector"]
        ),
        (
            // One schema for targets, as SQLite keeps them (its migrations v8 and v9): a row
            // holds what finds and filters a target, its selectors packed into one column (see
            // `PackedSelectors`), and points at the event that last wrote its JSON; `target` is
            // the view that reads the JSON from there, or from the row for rows written before.
            // The lengths are of the key's UTF-8, as the packer counts them, whatever the
            // database's encoding; a kind this version does not know is left out, as SQLite's
            // v8 left it out (the reader stops at one).
            "v7: targets kept as one row each, their JSON in their event",
            [
                "ALTER TABLE target RENAME TO target_row",
                "ALTER INDEX target_by_operation RENAME TO target_row_by_operation",
                "ALTER TABLE target_row ADD COLUMN selector_keys TEXT NOT NULL DEFAULT ''",
                "ALTER TABLE target_row ADD COLUMN json_event BIGINT",
                """
                UPDATE target_row SET selector_keys = packed.keys
                FROM (
                    SELECT target_id,
                           string_agg(kind || ' ' || octet_length(convert_to(match_key, 'UTF8')) || ' ' || match_key || ' '
                                      || coalesce(date_of_birth, '-') || E'\\n', '' ORDER BY ctid) AS keys
                    FROM selector
                    WHERE kind IN ('ip', 'cidr', 'domain', 'email', 'phone', 'url', 'wallet', 'person')
                    GROUP BY target_id
                ) AS packed
                WHERE target_row.id = packed.target_id
                """,
                "DROP TABLE selector",
                """
                CREATE VIEW target AS
                    SELECT stored.position AS position, stored.id AS id, stored.operation_id AS operation_id,
                           stored.originator_agency_id AS originator_agency_id, stored.handling AS handling,
                           stored.distribution AS distribution, stored.selector_keys AS selector_keys,
                           CASE WHEN stored.json_event IS NULL THEN stored.json
                                ELSE (SELECT payload FROM event WHERE sequence = stored.json_event) END AS json
                    FROM target_row AS stored
                """,
            ]
        ),
        (
            // SQLite's v12: exhibits and their chain of custody, each row pointing at the event
            // that last wrote it.
            "v8: exhibits and their chain of custody",
            [
                """
                CREATE TABLE exhibit (
                    id TEXT PRIMARY KEY, operation_id TEXT NOT NULL REFERENCES operation(id),
                    exhibit_number TEXT NOT NULL, kind TEXT NOT NULL, seizing_agency_id TEXT NOT NULL,
                    holder_agency_id TEXT NOT NULL, receiving_agency_id TEXT, hash_mismatch INTEGER NOT NULL,
                    access TEXT NOT NULL, created_at DOUBLE PRECISION NOT NULL, json TEXT NOT NULL,
                    json_event BIGINT NOT NULL, position BIGSERIAL
                )
                """,
                "CREATE UNIQUE INDEX exhibit_by_number ON exhibit(operation_id, exhibit_number)",
                "CREATE INDEX exhibit_by_operation ON exhibit(operation_id, position)",
                "CREATE INDEX exhibit_by_access ON exhibit(operation_id, access)",
                """
                CREATE TABLE custody_entry (
                    id TEXT PRIMARY KEY, exhibit_id TEXT NOT NULL REFERENCES exhibit(id), operation_id TEXT NOT NULL,
                    step INTEGER NOT NULL, json TEXT NOT NULL, json_event BIGINT NOT NULL, position BIGSERIAL
                )
                """,
                "CREATE UNIQUE INDEX custody_entry_by_exhibit ON custody_entry(exhibit_id, step)",
            ]
        ),
        (
            // SQLite's v13: the log's Merkle tree and its signed checkpoints; the events already
            // stored are put in the tree when the store opens.
            "v9: the log's Merkle tree and signed checkpoints",
            [
                """
                CREATE TABLE log_node (
                    level INTEGER NOT NULL, position BIGINT NOT NULL, hash TEXT NOT NULL, PRIMARY KEY (level, position)
                )
                """,
                "ALTER TABLE chain_head ADD COLUMN tree_size BIGINT NOT NULL DEFAULT 0",
                "ALTER TABLE chain_head ADD COLUMN tree_frontier TEXT NOT NULL DEFAULT ''",
                """
                CREATE TABLE log_checkpoint (
                    size BIGINT PRIMARY KEY, root TEXT NOT NULL, signed_at TEXT NOT NULL, note TEXT NOT NULL
                )
                """,
            ]
        ),
        (
            // Writes of different operations no longer take turns on the chain's head: each
            // commits its events to `event_queue`, in the order its last statement ran
            // (`position`), and the sequencer (`PostgresSequencer`) moves them into the log in
            // that order, numbering and hashing them. Ids come in blocks of 1,024 per server.
            // Until then a row whose JSON is a queued event points at it as minus its id; the
            // sequencer points it at the event's sequence number. `operation.last_sequence` is no
            // longer kept: an operation's last number is read from its events, so that the
            // sequencer never waits for a write that holds an operation's row.
            "v10: events queued by their writes, put in the log by the sequencer",
            [
                "CREATE SEQUENCE event_queue_id INCREMENT BY 1024",
                """
                CREATE TABLE event_queue (
                    id BIGINT PRIMARY KEY, position BIGSERIAL, operation_id TEXT,
                    counts_in_operation BOOLEAN NOT NULL, actor_user_id TEXT, actor_agency_id TEXT,
                    kind TEXT NOT NULL, payload TEXT NOT NULL
                )
                """,
                "CREATE INDEX event_queue_by_position ON event_queue(position)",
                "CREATE INDEX target_row_queued ON target_row(json_event) WHERE json_event < 0",
                "CREATE INDEX exhibit_queued ON exhibit(json_event) WHERE json_event < 0",
                "CREATE INDEX custody_entry_queued ON custody_entry(json_event) WHERE json_event < 0",
                """
                CREATE OR REPLACE VIEW target AS
                    SELECT stored.position AS position, stored.id AS id, stored.operation_id AS operation_id,
                           stored.originator_agency_id AS originator_agency_id, stored.handling AS handling,
                           stored.distribution AS distribution, stored.selector_keys AS selector_keys,
                           CASE WHEN stored.json_event IS NULL THEN stored.json
                                WHEN stored.json_event < 0
                                THEN (SELECT payload FROM event_queue WHERE id = -stored.json_event)
                                ELSE (SELECT payload FROM event WHERE sequence = stored.json_event) END AS json
                    FROM target_row AS stored
                """,
            ]
        ),
        (
            // As SQLite's v14: an inbox read a page at a time, counts kept as messages come and
            // go (see `MessageListing`), and a search that reads one operation's messages (the
            // operation leads the index) and folds accents as SQLite's does. The messages
            // already stored are listed and indexed again when the store opens.
            "v11: messages listed by page, counted as they come and go",
            [
                "CREATE EXTENSION IF NOT EXISTS unaccent",
                "CREATE EXTENSION IF NOT EXISTS btree_gin",
                "CREATE TEXT SEARCH CONFIGURATION concert_search (COPY = simple)",
                """
                ALTER TEXT SEARCH CONFIGURATION concert_search
                    ALTER MAPPING FOR word, hword, hword_part WITH unaccent, simple
                """,
                """
                CREATE TABLE message_entry (
                    operation_id TEXT NOT NULL, position BIGINT NOT NULL,
                    message_id TEXT NOT NULL UNIQUE REFERENCES message(id), thread_id TEXT NOT NULL,
                    access TEXT NOT NULL, originator_agency_id TEXT NOT NULL, handling TEXT NOT NULL,
                    sent_ms BIGINT NOT NULL, to_all INTEGER NOT NULL, recipients INTEGER NOT NULL,
                    acknowledgements INTEGER NOT NULL, PRIMARY KEY (operation_id, position)
                )
                """,
                "CREATE INDEX message_entry_by_thread ON message_entry(operation_id, thread_id)",
                """
                CREATE INDEX message_entry_sent_by ON message_entry(
                    operation_id, originator_agency_id, sent_ms, to_all, recipients, acknowledgements)
                """,
                """
                CREATE TABLE message_target (
                    target_id TEXT NOT NULL, message_id TEXT NOT NULL REFERENCES message(id),
                    PRIMARY KEY (target_id, message_id)
                )
                """,
                """
                CREATE TABLE message_access (
                    operation_id TEXT NOT NULL, access TEXT NOT NULL, messages BIGINT NOT NULL,
                    PRIMARY KEY (operation_id, access)
                )
                """,
                """
                CREATE TABLE message_read_tally (
                    user_id TEXT NOT NULL, operation_id TEXT NOT NULL, access TEXT NOT NULL, messages BIGINT NOT NULL,
                    PRIMARY KEY (user_id, operation_id, access)
                )
                """,
                """
                CREATE TABLE message_acknowledgement_tally (
                    agency_id TEXT NOT NULL, operation_id TEXT NOT NULL, access TEXT NOT NULL,
                    messages BIGINT NOT NULL, PRIMARY KEY (agency_id, operation_id, access)
                )
                """,
                "DROP INDEX message_search",
                "CREATE INDEX message_search ON message USING GIN (operation_id, search)",
            ]
        ),
        (
            // As SQLite's v15: a second factor (TOTP) for signing in; sessions one can see.
            "v12: a second factor (TOTP) for signing in; sessions one can see",
            [
                "ALTER TABLE app_user ADD COLUMN second_factor_since DOUBLE PRECISION",
                """
                CREATE TABLE second_factor (
                    user_id TEXT PRIMARY KEY REFERENCES app_user(id), sealed_secret TEXT NOT NULL,
                    confirmed INTEGER NOT NULL, last_step BIGINT NOT NULL
                )
                """,
                """
                CREATE TABLE second_factor_recovery (
                    user_id TEXT NOT NULL REFERENCES app_user(id), code_hash TEXT NOT NULL,
                    PRIMARY KEY (user_id, code_hash)
                )
                """,
                "CREATE TABLE second_factor_policy (agency_id TEXT PRIMARY KEY REFERENCES agency(id))",
                "ALTER TABLE session ADD COLUMN id TEXT",
                "ALTER TABLE session ADD COLUMN created_at DOUBLE PRECISION",
                "ALTER TABLE session ADD COLUMN last_seen DOUBLE PRECISION",
                "ALTER TABLE session ADD COLUMN address TEXT",
                "ALTER TABLE session ADD COLUMN client TEXT",
                "ALTER TABLE session ADD COLUMN ends_at DOUBLE PRECISION",
                """
                UPDATE session SET id = md5(random()::text || token_hash), created_at = expires_at - 43200,
                    last_seen = expires_at - 43200, ends_at = expires_at
                """,
                "CREATE UNIQUE INDEX session_by_id ON session(id)",
                "CREATE INDEX session_by_user ON session(user_id)",
            ]
        ),
        (
            // As SQLite's v16: calendar subscriptions.
            "v13: calendar subscriptions",
            [
                """
                CREATE TABLE calendar_token (
                    user_id TEXT PRIMARY KEY REFERENCES app_user(id) ON DELETE CASCADE,
                    token_hash TEXT NOT NULL UNIQUE, created_at DOUBLE PRECISION NOT NULL
                )
                """
            ]
        ),
        (
            // A GIN index gathers new entries in a pending list by default and merges them in
            // when the list is full (4 MB), in the write that fills it: one message in a few
            // thousand then waited tens of milliseconds. Each message now adds its words to the
            // index itself, which costs every send a little and none a lot; the list gathered so
            // far is merged now.
            "v14: every message's words indexed as it is sent",
            [
                "ALTER INDEX message_search SET (fastupdate = off)",
                "SELECT gin_clean_pending_list('message_search'::regclass)",
            ]
        ),
    ]

    /// Runs the migrations not run yet, each in its own transaction, holding the advisory lock;
    /// up to the one named `last` (for tests of migrations), or all of them.
    static func migrate(_ client: PostgresClient, upTo last: String? = nil, logger: Logger) async throws {
        let wanted =
            last.flatMap { name in migrations.firstIndex { $0.name == name } }.map { migrations[...$0] }
            ?? migrations[...]
        try await client.withConnection { connection in
            try await connection.execute("SELECT pg_advisory_lock(\(lockKey))", logger: logger)
            do {
                try await connection.execute(
                    "CREATE TABLE IF NOT EXISTS schema_migration (name TEXT PRIMARY KEY, applied_at TIMESTAMPTZ NOT NULL DEFAULT now())",
                    logger: logger)
                var applied: Set<String> = []
                for try await name in try await connection.query("SELECT name FROM schema_migration", logger: logger)
                    .decode(String.self)
                {
                    applied.insert(name)
                }
                for migration in wanted where !applied.contains(migration.name) {
                    try await connection.execute("BEGIN", logger: logger)
                    do {
                        for statement in migration.sql {
                            try await connection.execute(PostgresQuery(unsafeSQL: statement), logger: logger)
                        }
                        try await connection.execute(
                            "INSERT INTO schema_migration (name) VALUES (\(migration.name))", logger: logger)
                        try await connection.execute("COMMIT", logger: logger)
                    } catch {
                        _ = try? await connection.execute("ROLLBACK", logger: logger)
                        throw error
                    }
                }
            } catch {
                _ = try? await connection.execute("SELECT pg_advisory_unlock(\(lockKey))", logger: logger)
                throw error
            }
            try await connection.execute("SELECT pg_advisory_unlock(\(lockKey))", logger: logger)
        }
    }
}
