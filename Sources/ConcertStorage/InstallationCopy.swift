import Foundation

/// One value of a copied row.
public enum CopiedValue: Sendable, Equatable {
    case text(String)
    case integer(Int64)
    case real(Double)
    case null
}

/// A table as every backend has it, for copying a whole installation from one database to
/// another: the same columns in the same order, rows in the order they were written.
public struct CopiedTable: Sendable {
    /// The table's name (`user` is the user table whatever a backend calls it).
    public var name: String
    public var columns: [String]
    public var rows: [[CopiedValue]]
}

/// What `concert migrate-data` copies, in the order that keeps every reference valid. Sessions
/// are left behind: users sign in again on the new database.
public enum InstallationTables {
    public static let all: [(name: String, columns: [String])] = [
        ("agency", ["id", "name", "country", "kind", "contact"]),
        (
            "user",
            [
                "id", "username", "display_name", "agency_id", "role", "password_hash", "disabled_at",
                "second_factor_since",
            ]
        ),
        ("second_factor", ["user_id", "sealed_secret", "confirmed", "last_step"]),
        ("second_factor_recovery", ["user_id", "code_hash"]),
        ("second_factor_policy", ["agency_id"]),
        ("operation", ["id", "json", "created_at", "last_sequence"]),
        ("participant", ["operation_id", "agency_id", "role"]),
        (
            "target",
            ["id", "operation_id", "originator_agency_id", "handling", "distribution", "json", "selector_keys"]
        ),
        ("action", ["id", "operation_id", "offset_minutes", "json"]),
        ("legal_instrument", ["id", "operation_id", "json"]),
        ("log_entry", ["id", "operation_id", "json"]),
        ("sitrep", ["id", "operation_id", "json"]),
        (
            "exhibit",
            [
                "id", "operation_id", "exhibit_number", "kind", "seizing_agency_id", "holder_agency_id",
                "receiving_agency_id", "hash_mismatch", "access", "created_at", "json", "json_event",
            ]
        ),
        ("custody_entry", ["id", "exhibit_id", "operation_id", "step", "json", "json_event"]),
        ("hit", ["id", "pair_key", "a_target_id", "b_target_id", "a_agency_id", "b_agency_id", "found_at", "json"]),
        ("exclusion", ["id", "agency_id", "json"]),
        ("message", ["id", "operation_id", "json"]),
        ("message_forward", ["id", "message_id", "json"]),
        ("message_acknowledgement", ["message_id", "agency_id", "json"]),
        ("message_read", ["message_id", "user_id"]),
        (
            "event",
            [
                "sequence", "operation_id", "operation_sequence", "actor_user_id", "actor_agency_id", "kind", "payload",
                "recorded_at", "previous_hash", "hash",
            ]
        ),
        ("log_node", ["level", "position", "hash"]),
        ("log_checkpoint", ["size", "root", "signed_at", "note"]),
        ("chain_head", ["id", "sequence", "hash", "tree_size", "tree_frontier"]),
    ]

    /// The table's name in the database: `user` is a reserved word in PostgreSQL, and both
    /// engines name the table `app_user`.
    static func physical(_ name: String) -> String { name == "user" ? "app_user" : name }
}

/// A store that can be copied whole: read table by table, and filled when empty.
public protocol CopyableStore: Store {
    /// Every row of a table of ``InstallationTables``, in the order written.
    func copiedTable(_ name: String, columns: [String]) async throws -> CopiedTable
    /// Fills an empty installation with copied tables in one transaction, the event log and its
    /// chain head verbatim; refuses a database that holds anything.
    func restore(_ tables: [CopiedTable]) async throws
}
