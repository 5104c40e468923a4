import Dispatch
import Synchronization

/// Runs asynchronous work and waits for it on the calling thread, which must be one that may
/// block (a database's own thread, or one of ``BlockingThreads``), never one of the
/// concurrency pool's: the work itself runs there.
func waitBlocking<T: Sendable>(_ work: @escaping @Sendable () async throws -> T) throws -> T {
    let outcome = Mutex<Result<T, any Error>?>(nil)
    let done = DispatchSemaphore(value: 0)
    Task {
        let result: Result<T, any Error>
        do { result = .success(try await work()) } catch { result = .failure(error) }
        outcome.withLock { $0 = result }
        done.signal()
    }
    done.wait()
    return try outcome.withLock { $0! }.get()
}

/// Threads that may block, for code that waits on a database server statement by statement.
enum BlockingThreads {
    /// A queue of its own: its threads are made as others wait, so that waiting bodies never
    /// take the concurrency pool's few threads. The number waiting at once is bounded by the
    /// connections they wait on.
    private static let queue = DispatchQueue(label: "concert.storage.blocking", attributes: .concurrent)

    /// Runs `body` on such a thread and returns what it returns.
    static func run<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
        try await withCheckedThrowingContinuation { continuation in
            queue.async { continuation.resume(with: Result { try body() }) }
        }
    }
}
