import ConcertCore
import GRDB

/// The SQLite schema, as migrations that are never edited once they ship.
enum SQLiteSchema {
    static var migrator: DatabaseMigrator {
        var migrator = DatabaseMigrator()
        migrator.registerMigration("v1: foundation") { db in
            try db.execute(
                sql: """
                    CREATE TABLE agency (
                        id TEXT PRIMARY KEY NOT NULL,
                        name TEXT NOT NULL,
                        country TEXT NOT NULL,
                        kind TEXT NOT NULL,
                        contact TEXT
                    );
                    CREATE TABLE user (
                        id TEXT PRIMARY KEY NOT NULL,
                        username TEXT NOT NULL UNIQUE,
                        display_name TEXT NOT NULL,
                        agency_id TEXT NOT NULL REFERENCES agency(id),
                        role TEXT NOT NULL,
                        password_hash TEXT NOT NULL
                    );
                    CREATE TABLE session (
                        token_hash TEXT PRIMARY KEY NOT NULL,
                        user_id TEXT NOT NULL REFERENCES user(id) ON DELETE CASCADE,
                        expires_at REAL NOT NULL
                    );
                    CREATE TABLE operation (
                        id TEXT PRIMARY KEY NOT NULL,
                        json TEXT NOT NULL,
                        created_at REAL NOT NULL,
                        last_sequence INTEGER NOT NULL DEFAULT 0
                    );
                    CREATE TABLE participant (
                        operation_id TEXT NOT NULL REFERENCES operation(id),
                        agency_id TEXT NOT NULL REFERENCES agency(id),
                        role TEXT NOT NULL,
                        PRIMARY KEY (operation_id, agency_id)
                    );
                    CREATE INDEX participant_by_agency ON participant(agency_id);
                    CREATE TABLE target (
                        id TEXT PRIMARY KEY NOT NULL,
                        operation_id TEXT NOT NULL REFERENCES operation(id),
                        originator_agency_id TEXT NOT NULL,
                        handling TEXT NOT NULL,
                        distribution TEXT NOT NULL,
                        json TEXT NOT NULL
                    );
                    CREATE INDEX target_by_operation ON target(operation_id);
                    CREATE TABLE selector (
                        target_id TEXT NOT NULL REFERENCES target(id) ON DELETE CASCADE,
                        operation_id TEXT NOT NULL,
                        kind TEXT NOT NULL,
                        match_key TEXT NOT NULL,
                        date_of_birth TEXT
                    );
                    CREATE INDEX selector_by_target ON selector(target_id);
                    CREATE INDEX selector_by_key ON selector(kind, match_key);
                    CREATE TABLE action (
                        id TEXT PRIMARY KEY NOT NULL,
                        operation_id TEXT NOT NULL REFERENCES operation(id),
                        offset_minutes INTEGER NOT NULL,
                        json TEXT NOT NULL
                    );
                    CREATE INDEX action_by_operation ON action(operation_id, offset_minutes);
                    CREATE TABLE legal_instrument (
                        id TEXT PRIMARY KEY NOT NULL,
                        operation_id TEXT NOT NULL REFERENCES operation(id),
                        json TEXT NOT NULL
                    );
                    CREATE INDEX legal_instrument_by_operation ON legal_instrument(operation_id);
                    CREATE TABLE event (
                        sequence INTEGER PRIMARY KEY NOT NULL,
                        operation_id TEXT,
                        operation_sequence INTEGER,
                        actor_user_id TEXT,
                        actor_agency_id TEXT,
                        kind TEXT NOT NULL,
                        payload TEXT NOT NULL,
                        recorded_at TEXT NOT NULL,
                        previous_hash TEXT NOT NULL,
                        hash TEXT NOT NULL
                    );
                    CREATE UNIQUE INDEX event_by_operation ON event(operation_id, operation_sequence);
                    CREATE TABLE chain_head (
                        id INTEGER PRIMARY KEY CHECK (id = 1),
                        sequence INTEGER NOT NULL,
                        hash TEXT NOT NULL
                    );
                    INSERT INTO chain_head (id, sequence, hash) VALUES (1, 0, '\(EventChain.genesisHash)');
                    """)
        }
        migrator.registerMigration("v2: covering index of target handling") { db in
            // Listing targets asks the policy once per distinct handling; this index answers
            // that question without reading the targets themselves.
            try db.execute(
                sql: """
                    CREATE INDEX target_handling ON target(operation_id, originator_agency_id, handling, distribution)
                    """)
        }
        migrator.registerMigration("v3: operation log") { db in
            try db.execute(
                sql: """
                    CREATE TABLE log_entry (
                        id TEXT PRIMARY KEY NOT NULL,
                        operation_id TEXT NOT NULL REFERENCES operation(id),
                        json TEXT NOT NULL
                    );
                    CREATE INDEX log_entry_by_operation ON log_entry(operation_id);
                    """)
        }
        migrator.registerMigration("v4: sitreps") { db in
            try db.execute(
                sql: """
                    CREATE TABLE sitrep (
                        id TEXT PRIMARY KEY NOT NULL,
                        operation_id TEXT NOT NULL REFERENCES operation(id),
                        json TEXT NOT NULL
                    );
                    CREATE INDEX sitrep_by_operation ON sitrep(operation_id);
                    """)
        }
        migrator.registerMigration("v5: cross-check hits") { db in
            try db.execute(
                sql: """
                    CREATE TABLE hit (
                        id TEXT PRIMARY KEY NOT NULL,
                        pair_key TEXT NOT NULL UNIQUE,
                        a_target_id TEXT NOT NULL,
                        b_target_id TEXT NOT NULL,
                        a_agency_id TEXT NOT NULL,
                        b_agency_id TEXT NOT NULL,
                        found_at TEXT NOT NULL,
                        json TEXT NOT NULL
                    );
                    CREATE INDEX hit_by_a_target ON hit(a_target_id);
                    CREATE INDEX hit_by_b_target ON hit(b_target_id);
                    CREATE INDEX hit_by_a_agency ON hit(a_agency_id, found_at);
                    CREATE INDEX hit_by_b_agency ON hit(b_agency_id, found_at);
                    """)
        }
        migrator.registerMigration("v6: cross-check exclusions") { db in
            try db.execute(
                sql: """
                    CREATE TABLE exclusion (
                        id TEXT PRIMARY KEY NOT NULL,
                        agency_id TEXT NOT NULL REFERENCES agency(id),
                        json TEXT NOT NULL
                    );
                    CREATE INDEX exclusion_by_agency ON exclusion(agency_id);
                    """)
        }
        migrator.registerMigration("v7: messages") { db in
            try db.execute(
                sql: """
                    CREATE TABLE message (
                        id TEXT PRIMARY KEY NOT NULL,
                        operation_id TEXT NOT NULL REFERENCES operation(id),
                        json TEXT NOT NULL
                    );
                    CREATE INDEX message_by_operation ON message(operation_id);
                    CREATE TABLE message_forward (
                        id TEXT PRIMARY KEY NOT NULL,
                        message_id TEXT NOT NULL REFERENCES message(id),
                        json TEXT NOT NULL
                    );
                    CREATE INDEX message_forward_by_message ON message_forward(message_id);
                    CREATE TABLE message_acknowledgement (
                        message_id TEXT NOT NULL REFERENCES message(id),
                        agency_id TEXT NOT NULL,
                        json TEXT NOT NULL,
                        PRIMARY KEY (message_id, agency_id)
                    );
                    CREATE TABLE message_read (
                        message_id TEXT NOT NULL REFERENCES message(id),
                        user_id TEXT NOT NULL,
                        PRIMARY KEY (user_id, message_id)
                    ) WITHOUT ROWID;
                    CREATE VIRTUAL TABLE message_text USING fts5(
                        subject, body, operation_id UNINDEXED, message_id UNINDEXED,
                        tokenize = 'unicode61 remove_diacritics 2'
                    );
                    """)
        }
        migrator.registerMigration("v8: selectors packed into their target") { db in
            // Matching is the in-memory index's work: nothing reads selectors by key, and an
            // import paid for a row per selector in two indexes keyed by random identifiers.
            try db.execute(sql: "ALTER TABLE target ADD COLUMN selector_keys TEXT NOT NULL DEFAULT ''")
            let rows = try Row.fetchCursor(
                db, sql: "SELECT target_id, kind, match_key, date_of_birth FROM selector ORDER BY target_id, rowid")
            var packed: [String: String] = [:]
            while let row = try rows.next() {
                guard let kind = SelectorKind(rawValue: row[1]) else { continue }
                packed[row[0], default: ""] += PackedSelectors.pack([
                    Selector(kind: kind, value: .text(row[2]), matchKey: row[2], dateOfBirth: row[3])
                ])
            }
            for (targetId, keys) in packed {
                try db.execute(sql: "UPDATE target SET selector_keys = ? WHERE id = ?", arguments: [keys, targetId])
            }
            try db.execute(sql: "DROP TABLE selector")
        }
        migrator.registerMigration("v9: a target's JSON kept once, in its event") { db in
            // Every change to a target writes its whole JSON into the log, and the row kept a
            // second copy: half of what an import wrote. The row now points at the event that
            // last wrote the target, and `target` is a view that reads the JSON from there (or
            // from the row, for rows written before, and rows a copy restores). The index of
            // targets by operation goes: `target_handling` starts with the operation, and
            // serves the same look-ups.
            try db.execute(
                sql: """
                    ALTER TABLE target RENAME TO target_row;
                    ALTER TABLE target_row ADD COLUMN json_event INTEGER;
                    CREATE VIEW target AS
                        SELECT row.rowid AS rowid, row.id AS id, row.operation_id AS operation_id,
                               row.originator_agency_id AS originator_agency_id, row.handling AS handling,
                               row.distribution AS distribution, row.selector_keys AS selector_keys,
                               CASE WHEN row.json_event IS NULL THEN row.json
                                    ELSE (SELECT payload FROM event WHERE sequence = row.json_event) END AS json
                        FROM target_row AS row;
                    DROP INDEX target_by_operation;
                    """)
        }
        migrator.registerMigration("v10: disabled accounts, events by kind") { db in
            // Agency administrators disable accounts; notices (account changes, checks of a
            // holder's selectors) are listed by kind without reading the whole log.
            try db.execute(
                sql: """
                    ALTER TABLE user ADD COLUMN disabled_at REAL;
                    CREATE INDEX event_by_kind ON event(kind, sequence);
                    """)
        }
        migrator.registerMigration("v11: the user table named as in PostgreSQL") { db in
            // One schema for both engines: `user` is a reserved word in PostgreSQL, so the
            // table is `app_user` in both. SQLite renames the references to it as well.
            try db.execute(sql: "ALTER TABLE user RENAME TO app_user")
        }
        migrator.registerMigration("v12: exhibits and their chain of custody") { db in
            // An exhibit's row holds what its register filters on and its JSON as it stands;
            // each custody entry's row its JSON. Both point at the event that last wrote them,
            // which `audit verify` compares them with.
            try db.execute(
                sql: """
                    CREATE TABLE exhibit (
                        id TEXT PRIMARY KEY NOT NULL,
                        operation_id TEXT NOT NULL REFERENCES operation(id),
                        exhibit_number TEXT NOT NULL,
                        kind TEXT NOT NULL,
                        seizing_agency_id TEXT NOT NULL,
                        holder_agency_id TEXT NOT NULL,
                        receiving_agency_id TEXT,
                        hash_mismatch INTEGER NOT NULL,
                        access TEXT NOT NULL,
                        created_at REAL NOT NULL,
                        json TEXT NOT NULL,
                        json_event INTEGER NOT NULL
                    );
                    CREATE UNIQUE INDEX exhibit_by_number ON exhibit(operation_id, exhibit_number);
                    CREATE INDEX exhibit_by_access ON exhibit(operation_id, access);
                    CREATE TABLE custody_entry (
                        id TEXT PRIMARY KEY NOT NULL,
                        exhibit_id TEXT NOT NULL REFERENCES exhibit(id),
                        operation_id TEXT NOT NULL,
                        step INTEGER NOT NULL,
                        json TEXT NOT NULL,
                        json_event INTEGER NOT NULL
                    );
                    CREATE UNIQUE INDEX custody_entry_by_exhibit ON custody_entry(exhibit_id, step);
                    """)
        }
        migrator.registerMigration("v13: the log's Merkle tree and signed checkpoints") { db in
            // The hash of every complete subtree of two events or more (RFC 9162's tree), and
            // the tree's right edge with the chain's head; the events already stored are put in
            // the tree when the store opens (``LogTreeStorage/extend(in:)``).
            try db.execute(
                sql: """
                    CREATE TABLE log_node (
                        level INTEGER NOT NULL,
                        position INTEGER NOT NULL,
                        hash TEXT NOT NULL,
                        PRIMARY KEY (level, position)
                    ) WITHOUT ROWID;
                    ALTER TABLE chain_head ADD COLUMN tree_size INTEGER NOT NULL DEFAULT 0;
                    ALTER TABLE chain_head ADD COLUMN tree_frontier TEXT NOT NULL DEFAULT '';
                    CREATE TABLE log_checkpoint (
                        size INTEGER PRIMARY KEY NOT NULL,
                        root TEXT NOT NULL,
                        signed_at TEXT NOT NULL,
                        note TEXT NOT NULL
                    );
                    """)
        }
        migrator.registerMigration("v14: messages listed by page, counted as they come and go") { db in
            // An inbox of a hundred thousand messages is read a page at a time (see
            // `MessageListing`): an entry per message in its operation's order with what the
            // filters read, the counts kept by access key, and a search index whose words are
            // each an operation's (`SQLiteStore.indexText`), so that a search reads one
            // operation's messages. The messages already stored are listed and indexed when the
            // store opens.
            try db.execute(
                sql: """
                    CREATE TABLE message_entry (
                        operation_id TEXT NOT NULL,
                        position INTEGER NOT NULL,
                        message_id TEXT NOT NULL UNIQUE REFERENCES message(id),
                        thread_id TEXT NOT NULL,
                        access TEXT NOT NULL,
                        originator_agency_id TEXT NOT NULL,
                        handling TEXT NOT NULL,
                        sent_ms INTEGER NOT NULL,
                        to_all INTEGER NOT NULL,
                        recipients INTEGER NOT NULL,
                        acknowledgements INTEGER NOT NULL,
                        PRIMARY KEY (operation_id, position)
                    ) WITHOUT ROWID;
                    CREATE INDEX message_entry_by_thread ON message_entry(operation_id, thread_id);
                    CREATE INDEX message_entry_sent_by ON message_entry(
                        operation_id, originator_agency_id, sent_ms, to_all, recipients, acknowledgements);
                    CREATE TABLE message_target (
                        target_id TEXT NOT NULL,
                        message_id TEXT NOT NULL REFERENCES message(id),
                        PRIMARY KEY (target_id, message_id)
                    ) WITHOUT ROWID;
                    CREATE TABLE message_access (
                        operation_id TEXT NOT NULL,
                        access TEXT NOT NULL,
                        messages INTEGER NOT NULL,
                        PRIMARY KEY (operation_id, access)
                    ) WITHOUT ROWID;
                    CREATE TABLE message_read_tally (
                        user_id TEXT NOT NULL,
                        operation_id TEXT NOT NULL,
                        access TEXT NOT NULL,
                        messages INTEGER NOT NULL,
                        PRIMARY KEY (user_id, operation_id, access)
                    ) WITHOUT ROWID;
                    CREATE TABLE message_acknowledgement_tally (
                        agency_id TEXT NOT NULL,
                        operation_id TEXT NOT NULL,
                        access TEXT NOT NULL,
                        messages INTEGER NOT NULL,
                        PRIMARY KEY (agency_id, operation_id, access)
                    ) WITHOUT ROWID;
                    CREATE TABLE message_search_row (
                        id INTEGER PRIMARY KEY,
                        message_id TEXT NOT NULL UNIQUE REFERENCES message(id)
                    );
                    CREATE VIRTUAL TABLE message_search USING fts5(
                        subject, body, content = '', tokenize = "unicode61 remove_diacritics 2 tokenchars '_'"
                    );
                    DROP TABLE message_text;
                    """)
        }
        migrator.registerMigration("v15: a second factor (TOTP) for signing in; sessions one can see") { db in
            // The secret is sealed by the server (AES-GCM under a key of the installation's);
            // the last time step used keeps a code from being accepted twice; recovery codes
            // are kept as their SHA-256 alone. An agency listed in `second_factor_policy`
            // requires a second factor of its users. A session has an id a user can name to
            // end it, when it began and was last used (for the idle time), and where from.
            try db.execute(
                sql: """
                    ALTER TABLE app_user ADD COLUMN second_factor_since REAL;
                    CREATE TABLE second_factor (
                        user_id TEXT PRIMARY KEY REFERENCES app_user(id),
                        sealed_secret TEXT NOT NULL,
                        confirmed INTEGER NOT NULL,
                        last_step INTEGER NOT NULL
                    );
                    CREATE TABLE second_factor_recovery (
                        user_id TEXT NOT NULL REFERENCES app_user(id),
                        code_hash TEXT NOT NULL,
                        PRIMARY KEY (user_id, code_hash)
                    );
                    CREATE TABLE second_factor_policy (
                        agency_id TEXT PRIMARY KEY REFERENCES agency(id)
                    );
                    ALTER TABLE session ADD COLUMN id TEXT;
                    ALTER TABLE session ADD COLUMN created_at REAL;
                    ALTER TABLE session ADD COLUMN last_seen REAL;
                    ALTER TABLE session ADD COLUMN address TEXT;
                    ALTER TABLE session ADD COLUMN client TEXT;
                    ALTER TABLE session ADD COLUMN ends_at REAL;
                    UPDATE session SET id = lower(hex(randomblob(16))), created_at = expires_at - 43200,
                        last_seen = expires_at - 43200, ends_at = expires_at;
                    CREATE UNIQUE INDEX session_by_id ON session(id);
                    CREATE INDEX session_by_user ON session(user_id);
                    """)
        }
        migrator.registerMigration("v16: calendar subscriptions") { db in
            // One token a user for polling action-day schedules, kept as its SHA-256.
            try db.execute(
                sql: """
                    CREATE TABLE calendar_token (
                        user_id TEXT PRIMARY KEY REFERENCES app_user(id) ON DELETE CASCADE,
                        token_hash TEXT NOT NULL UNIQUE,
                        created_at REAL NOT NULL
                    );
                    """)
        }
        return migrator
    }
}
