import Foundation
import GRDB
import GRDBSQLite
import Synchronization

/// Copies the write-ahead log back into the database file on a connection and a thread of its
/// own after large commits, instead of on the writer, as SQLite does by default.
///
/// An import of 10,000 selectors writes a few megabytes, and copying them back into the file
/// took up to a fifth of the writer's time in a large import. A passive checkpoint needs no
/// write lock, so SQLite lets it run next to the writer. After each commit, once the log holds
/// ``bytesBeforeCheckpoint``, the writer's hook looks at what of it is not copied yet:
/// - that much again, left by a commit of at least ``bytesOfALargeCommit`` (or with the
///   checkpointer at work already): the checkpointer copies it, next to the writer;
/// - that much, left by small commits: the writer copies it, as SQLite would. Small commits
///   are those of people at work, and the copy then costs the commit that fills the log,
///   not the readers and live feeds that run next to it;
/// - a little (at most ``bytesTheWriterCopies``), the checkpointer idle: the writer copies it
///   at once, which is quick and lets the next write start the log afresh (it only can once
///   all of it is copied);
/// - a log past ``bytesBeforeWriterCheckpoints``, or no checkpointer: the writer copies all
///   of it itself, so the log stays bounded.
final class WALCheckpointer: Sendable {
    /// What the log holds, and what of it is not copied yet, before anything is copied:
    /// SQLite's own default (1,000 pages of 4 KiB).
    static let bytesBeforeCheckpoint = 4 << 20
    /// What a commit writes to count as large, as an import's does.
    static let bytesOfALargeCommit = 1 << 20
    /// What the writer copies itself when the checkpointer is idle.
    static let bytesTheWriterCopies = 1 << 20
    /// What the log may hold before the writer copies all of it itself.
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
        hookContext.pagesOfALargeCommit = Int32(Self.bytesOfALargeCommit / pageSize)
        hookContext.pagesTheWriterCopies = Int32(Self.bytesTheWriterCopies / pageSize)
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
    /// Whether a checkpoint is being made.
    private let isRunning = Atomic<Bool>(false)
    /// How many frames of the log the last checkpoint left copied.
    private let framesCopied = Atomic<Int32>(0)
    private let connection = Mutex(Connection())

    init(path: String) {
        self.path = path
    }

    /// Whether a checkpoint waits or is being made.
    var isBusy: Bool { isScheduled.load(ordering: .acquiring) || isRunning.load(ordering: .acquiring) }

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
        isRunning.store(true, ordering: .releasing)
        defer { isRunning.store(false, ordering: .releasing) }
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
    var pagesOfALargeCommit: Int32 = 250
    var pagesTheWriterCopies: Int32 = 250
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
    let restarted = pages < hook.pagesAfterLastCommit
    if restarted { hook.checkpoints.noteCopied(0) }
    let written = restarted ? pages : pages - hook.pagesAfterLastCommit
    hook.pagesAfterLastCommit = pages
    guard pages >= hook.pagesBeforeCheckpoint else { return SQLITE_OK }
    let waiting = pages - hook.checkpoints.copied(of: pages)
    let copyHere: Bool
    if let checkpointer = hook.checkpointer, pages < hook.pagesBeforeWriterCheckpoints {
        let isBusy = hook.checkpoints.isBusy
        if waiting >= hook.pagesBeforeCheckpoint && (isBusy || written >= hook.pagesOfALargeCommit) {
            checkpointer.schedule()
            return SQLITE_OK
        }
        copyHere = !isBusy && (waiting >= hook.pagesBeforeCheckpoint || waiting <= hook.pagesTheWriterCopies)
    } else {
        copyHere = true
    }
    guard copyHere else { return SQLITE_OK }
    // As SQLite's automatic checkpoint does.
    var frames: Int32 = 0
    var copied: Int32 = 0
    if sqlite3_wal_checkpoint_v2(db, name, SQLITE_CHECKPOINT_PASSIVE, &frames, &copied) == SQLITE_OK {
        hook.checkpoints.noteCopied(copied)
    }
    return SQLITE_OK
}
