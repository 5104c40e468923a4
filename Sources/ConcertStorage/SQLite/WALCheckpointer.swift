import Foundation
import GRDB
import GRDBSQLite
import Synchronization

/// Copies the write-ahead log back into the database file on a connection and a thread of its
/// own, instead of on the writer, as SQLite does by default.
///
/// SQLite's automatic checkpoint makes the commit that fills the log to 4 MB copy it back and
/// sync the file before it returns: an import of 10,000 selectors spent up to a fifth of its
/// time there, and a check before sharing that happened to fill the log answered in 12 ms
/// rather than 4 (its p99 doubled). A passive checkpoint needs no write lock, so SQLite lets it
/// run next to the writer. After each commit, once the log holds ``bytesBeforeCheckpoint``
/// and some of it is not copied yet, the writer's hook hands the copy to the checkpointer and
/// returns at once; the next write starts the log afresh once all of it is copied.
///
/// Under commits that never pause, each copy ends with newer commits still to copy, so the log
/// would never start afresh: past ``bytesBeforeWriterCopiesTheRest``, a commit of less than
/// 1 MiB schedules no more copies, waits for the checkpointer's copy under way, if any, and
/// copies what is left itself (a few frames, usually; an import's large commits leave it to the
/// checkpointer still). The log so stays near 6 MiB however busy the machine (a test
/// of 1,500 commits in a row on a loaded machine found it at 9 MB when the writer only stepped in
/// at 64 MiB).
///
/// Earlier, small commits left the copy to the writer, because one fan-out run in three had its
/// p99 over target with the checkpointer at work next to the live feed; with the copy off the
/// writer, the fan-out p99 measured 13.2 ms against 13.8 before, Redis 10.6.
final class WALCheckpointer: Sendable {
    /// What the log holds before anything is copied: SQLite's own default (1,000 pages of 4 KiB).
    static let bytesBeforeCheckpoint = 4 << 20
    /// What the log may hold before the writer copies what the checkpointer has not.
    static let bytesBeforeWriterCopiesTheRest = 6 << 20
    /// What the log may hold before the writer copies it, without a checkpointer.
    static let bytesBeforeWriterCheckpoints = 64 << 20

    /// The connection the checkpoints run on, with what schedules them.
    private let checkpoints: Checkpoints
    private let queue = DispatchQueue(label: "concert.sqlite.checkpoint", qos: .utility)
    /// What the writer's hook is handed.
    private let hookContext: HookContext

    /// A checkpointer of the database at `path`; its connection opens with the first checkpoint.
    init(path: String) {
        checkpoints = Checkpoints(path: path)
        hookContext = HookContext(checkpoints: checkpoints)
        // Kept for good: it is all the hook holds, and the writer's connection may outlive this.
        _ = Unmanaged.passRetained(hookContext)
        hookContext.checkpointer = self
    }

    /// Closes the connection once a checkpoint under way is done.
    deinit {
        checkpoints.close()
    }

    /// Makes the writer connection `db` ask this checkpointer after its commits, in place of
    /// SQLite's automatic checkpoints on that connection.
    func install(on db: Database) throws {
        let pageSize = max(512, try Int.fetchOne(db, sql: "PRAGMA page_size") ?? 4_096)
        hookContext.pagesBeforeCheckpoint = Int32(Self.bytesBeforeCheckpoint / pageSize)
        hookContext.pagesBeforeWriterCopiesTheRest = Int32(Self.bytesBeforeWriterCopiesTheRest / pageSize)
        hookContext.pagesBeforeWriterCheckpoints = Int32(Self.bytesBeforeWriterCheckpoints / pageSize)
        sqlite3_wal_hook(db.sqliteConnection, walHook, Unmanaged.passUnretained(hookContext).toOpaque())
    }

    /// Runs a checkpoint soon on the checkpointer's thread, unless one is already waiting.
    fileprivate func schedule() {
        guard checkpoints.markScheduled() else { return }
        // Not the checkpointer itself: it goes with its store, and the checkpoint then does nothing.
        queue.async { [checkpoints] in checkpoints.run() }
    }
}

/// The checkpointer's own connection, used on its queue, and what the writer's hook needs to
/// know of its work.
private final class Checkpoints: Sendable {
    private struct Connection {
        var handle: OpaquePointer?
        var isClosed = false
    }

    private let path: String
    /// Whether a checkpoint waits on the queue.
    private let isScheduled = Atomic<Bool>(false)
    /// How many frames of the log the last checkpoint left copied.
    private let framesCopied = Atomic<Int32>(0)
    private let connection = Mutex(Connection())

    init(path: String) {
        self.path = path
    }

    /// Returns once a checkpoint under way, if any, is done.
    func waitForCopyUnderWay() {
        connection.withLock { _ in }
    }

    /// Marks a checkpoint as scheduled; false when one already is.
    func markScheduled() -> Bool {
        !isScheduled.exchange(true, ordering: .acquiringAndReleasing)
    }

    /// What of a log of `frames` frames the last checkpoint left copied.
    func copied(of frames: Int32) -> Int32 {
        min(frames, framesCopied.load(ordering: .acquiring))
    }

    /// Notes what a checkpoint left copied.
    func noteCopied(_ frames: Int32) {
        framesCopied.store(max(0, frames), ordering: .releasing)
    }

    /// Copies as much of the log as readers allow into the file (a passive checkpoint: it
    /// waits for no one, and the writer goes on meanwhile).
    func run() {
        // Cleared first: a commit made while this one copies may schedule the next.
        isScheduled.store(false, ordering: .releasing)
        connection.withLock { connection in
            guard !connection.isClosed else { return }
            if connection.handle == nil {
                var handle: OpaquePointer?
                let flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX
                // A first read opens the log: until then, the connection checkpoints nothing.
                guard sqlite3_open_v2(path, &handle, flags, nil) == SQLITE_OK,
                    sqlite3_exec(handle, "SELECT count(*) FROM sqlite_schema", nil, nil, nil) == SQLITE_OK
                else {
                    sqlite3_close_v2(handle)
                    return
                }
                connection.handle = handle
            }
            var frames: Int32 = 0
            var copied: Int32 = 0
            if sqlite3_wal_checkpoint_v2(connection.handle, nil, SQLITE_CHECKPOINT_PASSIVE, &frames, &copied)
                == SQLITE_OK
            {
                noteCopied(copied)
            }
        }
    }

    /// Closes the connection for good, waiting for a checkpoint under way.
    func close() {
        connection.withLock { connection in
            connection.isClosed = true
            if let handle = connection.handle { sqlite3_close_v2(handle) }
            connection.handle = nil
        }
    }
}

/// What the writer's WAL hook is handed: set before the hook is installed, then only read.
private final class HookContext: @unchecked Sendable {
    weak var checkpointer: WALCheckpointer?
    let checkpoints: Checkpoints
    var pagesBeforeCheckpoint: Int32 = 1_000
    var pagesBeforeWriterCopiesTheRest: Int32 = 1_500
    var pagesBeforeWriterCheckpoints: Int32 = 16_000
    /// The pages in the log after the last commit: fewer after the next means the log started afresh.
    var pagesAfterLastCommit: Int32 = 0

    init(checkpoints: Checkpoints) {
        self.checkpoints = checkpoints
    }
}

/// Called by SQLite on the writer's thread after each commit, with the pages now in the log.
private func walHook(
    _ context: UnsafeMutableRawPointer?, _ db: OpaquePointer?, _ name: UnsafePointer<CChar>?, _ pages: Int32
) -> Int32 {
    guard let context else { return SQLITE_OK }
    let hook = Unmanaged<HookContext>.fromOpaque(context).takeUnretainedValue()
    let isFreshLog = pages < hook.pagesAfterLastCommit
    if isFreshLog { hook.checkpoints.noteCopied(0) }
    let pagesOfThisCommit = isFreshLog ? pages : pages - hook.pagesAfterLastCommit
    hook.pagesAfterLastCommit = pages
    guard pages >= hook.pagesBeforeCheckpoint else { return SQLITE_OK }
    if let checkpointer = hook.checkpointer, pages < hook.pagesBeforeWriterCheckpoints {
        guard pages > hook.checkpoints.copied(of: pages) else { return SQLITE_OK }
        // A large commit (an import) leaves even a long log to the checkpointer, for its speed.
        if pages < hook.pagesBeforeWriterCopiesTheRest || pagesOfThisCommit >= hook.pagesBeforeCheckpoint / 4 {
            // The checkpointer copies, so that no commit waits for the copy and its sync to disk.
            checkpointer.schedule()
            return SQLITE_OK
        }
        // The rest is the writer's, once the copy under way is done (two would only collide):
        // a wait that commits which never pause meet once per 6 MiB, for a bounded log.
        hook.checkpoints.waitForCopyUnderWay()
    }
    // As SQLite's automatic checkpoint does.
    var frames: Int32 = 0
    var copied: Int32 = 0
    if sqlite3_wal_checkpoint_v2(db, name, SQLITE_CHECKPOINT_PASSIVE, &frames, &copied) == SQLITE_OK {
        hook.checkpoints.noteCopied(copied)
    }
    return SQLITE_OK
}
