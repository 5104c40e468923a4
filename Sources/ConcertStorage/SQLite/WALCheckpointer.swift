import Foundation
import GRDB
import GRDBSQLite
import Synchronization

/// Copies the write-ahead log back into the database file on a connection and a thread of its
/// own, instead of on the writer after its commits, as SQLite does by default.
///
/// An import of 10,000 selectors writes a few megabytes, and copying them back into the file
/// took up to a fifth of the writer's time in a large import. A passive checkpoint needs no write
/// lock, so SQLite lets it run next to the writer, which now only asks for one: after each
/// commit that leaves at least ``bytesBeforeCheckpoint`` in the log, the checkpointer copies
/// what readers allow. Should the log still grow past ``bytesBeforeWriterCheckpoints`` (the
/// checkpointer behind, or gone), the writer copies the rest itself as before, which lets the
/// next write start the log afresh: the log stays bounded.
final class WALCheckpointer: Sendable {
    /// What a commit leaves in the log before the checkpointer starts: SQLite's own default
    /// (1,000 pages of 4 KiB).
    static let bytesBeforeCheckpoint = 4 << 20
    /// What the log may hold before the writer checkpoints itself.
    static let bytesBeforeWriterCheckpoints = 64 << 20

    private let path: String
    private let queue = DispatchQueue(label: "concert.sqlite.checkpoint", qos: .utility)
    /// Whether a checkpoint waits on the queue: the writer's hook only reads and sets it.
    private let isScheduled = Atomic<Bool>(false)
    /// The checkpointer's own connection, used on its queue only.
    private let connection = Mutex<OpaquePointer?>(nil)
    /// What the writer's hook is handed.
    private let hookContext: HookContext

    /// A checkpointer of the database at `path`; its connection opens with the first checkpoint.
    init(path: String) {
        self.path = path
        hookContext = HookContext()
        // Kept for good: it is all the hook holds, and the writer's connection may outlive this.
        _ = Unmanaged.passRetained(hookContext)
        hookContext.checkpointer = self
    }

    deinit {
        connection.withLock { connection in
            if let connection { sqlite3_close_v2(connection) }
        }
    }

    /// Makes the writer connection `db` ask this checkpointer after its commits, in place of
    /// SQLite's automatic checkpoints on that connection.
    func install(on db: Database) throws {
        let pageSize = max(512, try Int.fetchOne(db, sql: "PRAGMA page_size") ?? 4_096)
        hookContext.pagesBeforeCheckpoint = Int32(Self.bytesBeforeCheckpoint / pageSize)
        hookContext.pagesBeforeWriterCheckpoints = Int32(Self.bytesBeforeWriterCheckpoints / pageSize)
        sqlite3_wal_hook(db.sqliteConnection, walHook, Unmanaged.passUnretained(hookContext).toOpaque())
    }

    /// Runs a checkpoint soon on the checkpointer's thread, unless one is already waiting.
    fileprivate func schedule() {
        guard !isScheduled.exchange(true, ordering: .acquiringAndReleasing) else { return }
        queue.async { self.checkpoint() }
    }

    /// Copies as much of the log as readers allow into the file (a passive checkpoint: it
    /// waits for no one, and the writer goes on meanwhile).
    private func checkpoint() {
        // Cleared first: a commit made while this one copies schedules the next.
        isScheduled.store(false, ordering: .releasing)
        connection.withLock { connection in
            if connection == nil {
                let flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX
                // A first read opens the log: until then, the connection checkpoints nothing.
                guard sqlite3_open_v2(path, &connection, flags, nil) == SQLITE_OK,
                    sqlite3_exec(connection, "SELECT count(*) FROM sqlite_schema", nil, nil, nil) == SQLITE_OK
                else {
                    sqlite3_close_v2(connection)
                    connection = nil
                    return
                }
            }
            sqlite3_wal_checkpoint_v2(connection, nil, SQLITE_CHECKPOINT_PASSIVE, nil, nil)
        }
    }
}

/// What the writer's WAL hook is handed: set before the hook is installed, then only read.
private final class HookContext: @unchecked Sendable {
    weak var checkpointer: WALCheckpointer?
    var pagesBeforeCheckpoint: Int32 = 1_000
    var pagesBeforeWriterCheckpoints: Int32 = 16_000
}

/// Called by SQLite on the writer's thread after each commit, with the pages now in the log.
private func walHook(
    _ context: UnsafeMutableRawPointer?, _ db: OpaquePointer?, _ name: UnsafePointer<CChar>?, _ pages: Int32
) -> Int32 {
    guard let context else { return SQLITE_OK }
    let hook = Unmanaged<HookContext>.fromOpaque(context).takeUnretainedValue()
    guard pages >= hook.pagesBeforeCheckpoint else { return SQLITE_OK }
    if let checkpointer = hook.checkpointer, pages < hook.pagesBeforeWriterCheckpoints {
        checkpointer.schedule()
    } else {
        // As SQLite's automatic checkpoint does.
        sqlite3_wal_checkpoint_v2(db, name, SQLITE_CHECKPOINT_PASSIVE, nil, nil)
    }
    return SQLITE_OK
}
