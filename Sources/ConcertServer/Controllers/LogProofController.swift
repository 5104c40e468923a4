import ConcertCore
import ConcertStorage
import Foundation
import Hummingbird
import Logging
import ServiceLifecycle
import Synchronization

/// Signs checkpoints of the log's Merkle tree with the installation's key: every half second
/// while the log grows (the service), and when a checkpoint is asked for and the newest one is
/// older than a quarter of a second. Every server of a shared database signs with the same key;
/// the first checkpoint of a size that is kept stands.
public final class LogCheckpointer: Service, Sendable {
    let store: any Store
    /// The installation's log key.
    public let signer: LogSigner
    let interval: Duration
    let logger: Logger
    /// The newest checkpoint this server signed or read, and when.
    private let newest = Mutex<(checkpoint: StoredCheckpoint, at: ContinuousClock.Instant)?>(nil)

    public init(store: any Store, signer: LogSigner, interval: Duration = .milliseconds(500), logger: Logger) {
        self.store = store
        self.signer = signer
        self.interval = interval
        self.logger = logger
    }

    /// The newest checkpoint, signed now if the tree grew since the last one and that one is
    /// older than `freshness`.
    public func latest(freshness: Duration = .milliseconds(250)) async throws -> StoredCheckpoint {
        let now = ContinuousClock.now
        if let (checkpoint, at) = newest.withLock({ $0 }), now - at < freshness { return checkpoint }
        let head = try await store.treeHead()
        if let kept = try await store.latestCheckpoint() {
            if kept.size == head.size {
                newest.withLock { $0 = (kept, now) }
                return kept
            }
            if kept.size > head.size {
                // Signed, then lost: what the log holds now is signed too, for witnesses to see.
                logger.critical(
                    "The log holds \(head.size) events, fewer than the \(kept.size) a checkpoint signed before: run `concert audit verify`."
                )
            }
        }
        let time = ConcertJSON.now()
        // Another server may have signed this size first: its checkpoint is the one kept.
        let kept = try await store.storeCheckpoint(
            StoredCheckpoint(
                size: head.size, rootHex: Hex.string(head.root), signedAt: ConcertJSON.formatTimestamp(time),
                note: try signer.sign(size: head.size, root: head.root, time: time)))
        newest.withLock { $0 = (kept, now) }
        return kept
    }

    /// Signs while the application runs.
    public func run() async throws {
        await withGracefulShutdownHandler {
            while !Task.isCancelled && !Task.isShuttingDownGracefully {
                do {
                    _ = try await latest(freshness: interval)
                } catch {
                    logger.error("Cannot sign a checkpoint of the log: \(String(reflecting: error))")
                }
                try? await Task.sleep(for: interval)
            }
        } onGracefulShutdown: {
        }
    }
}

/// The log's tree, for anyone signed in to check it: the newest signed checkpoint, consistency
/// proofs between two sizes, and inclusion proofs of single events. Every answer holds hashes and
/// numbers only, never an event's content; an inclusion proof is given only of an event the
/// caller's agency may read, as its live feed would show it (``FeedFilter``).
struct LogProofController {
    let store: any Store
    let checkpointer: LogCheckpointer
    let logger = Logger(label: "concert.log")

    struct CheckpointView: Encodable {
        var origin: String
        var size: Int64
        var rootHash: String
        var time: String
        /// The C2SP verifier key to check `note` with.
        var verifierKey: String
        /// The checkpoint as a C2SP signed note.
        var note: String
    }

    struct ConsistencyView: Encodable {
        var from: Int64
        var to: Int64
        var proof: [String]
    }

    struct InclusionView: Encodable {
        var sequence: Int64
        var leafIndex: Int64
        var treeSize: Int64
        var leafHash: String
        var proof: [String]
    }

    static func bad(_ detail: String) -> ProblemDetail { ProblemDetail(status: .badRequest, detail: detail) }

    /// A whole number parameter from 0 (or `minimum`) up to what JSON keeps exactly.
    static func number(_ request: Request, _ name: String, minimum: Int64 = 0) throws -> Int64? {
        guard let text = request.uri.queryParameters.get(name) else { return nil }
        guard let value = Int64(text), value >= minimum, value <= 9_007_199_254_740_991 else {
            throw bad("'\(name)' is a whole number from \(minimum).")
        }
        return value
    }

    /// A proof error as the caller should read it.
    static func problem(_ error: LogProofError) -> ProblemDetail {
        switch error {
        case .beyondTree(let size):
            ProblemDetail(status: .badRequest, detail: "The log's tree holds \(size) events so far.")
        case .badRange(let detail): bad(detail)
        }
    }

    /// Whether the caller's agency may read `event`: an operation's event as the caller's live
    /// feed would show it (an exhibit's only to those who may read the exhibit, not to those its
    /// feed gives counts); an event of no operation (accounts, agencies) to the platform
    /// administrator; a read kept for the audit trail to nobody.
    func mayRead(_ event: Event, actor: Actor) async throws -> Bool {
        guard let operationId = event.operationId else {
            return event.eventKind?.family != .audit && AccessPolicy.allows(actor, .manageAgencies)
        }
        guard event.operationSequence != nil, let operation = try await store.operation(id: operationId),
            AccessPolicy.allows(actor, .viewOperation, in: operation)
        else { return false }
        var filter = FeedFilter(actor: actor, operation: operation)
        guard let prepared = try await PreparedEvent.prepare([event], store: store, logger: logger).first else {
            return false
        }
        // An exhibit's events reach every participant as counts; only those who may read the
        // exhibit may read the event.
        if case .exhibit(let access, _, _, _, _, _) = prepared.content {
            return AccessPolicy.allows(actor, .readExhibit(access), in: operation)
        }
        return filter.data(of: prepared) != nil
    }

    func addRoutes(to router: Router<ConcertRequestContext>) {
        router.get("/api/v1/log/checkpoint") { _, context in
            _ = try context.requireUser()
            let checkpoint = try await checkpointer.latest()
            return try Response.json(
                CheckpointView(
                    origin: checkpointer.signer.origin, size: checkpoint.size, rootHash: checkpoint.rootHex,
                    time: checkpoint.signedAt, verifierKey: checkpointer.signer.verifierKey.text,
                    note: checkpoint.note))
        }
        router.get("/api/v1/log/consistency") { request, context in
            _ = try context.requireUser()
            guard let from = try Self.number(request, "from"), let to = try Self.number(request, "to") else {
                throw Self.bad("Give 'from' and 'to', the sizes of two trees.")
            }
            do {
                let proof = try await store.consistencyProof(from: from, to: to)
                return try Response.json(ConsistencyView(from: from, to: to, proof: proof.map { Hex.string($0) }))
            } catch let error as LogProofError {
                throw Self.problem(error)
            }
        }
        router.get("/api/v1/log/inclusion") { request, context in
            let actor = try context.requireActor()
            guard let sequence = try Self.number(request, "sequence", minimum: 1) else {
                throw Self.bad("Give 'sequence', the number of an event in the log.")
            }
            let treeSize: Int64
            if let given = try Self.number(request, "treeSize", minimum: 1) {
                treeSize = given
            } else {
                treeSize = try await checkpointer.latest().size
            }
            // The same answer for an event that does not exist and one the caller may not read.
            guard let event = try await store.event(sequence: sequence), try await mayRead(event, actor: actor) else {
                throw ProblemDetail(status: .notFound, detail: "No event #\(sequence) that you may read.")
            }
            do {
                let proof = try await store.inclusionProof(sequence: sequence, treeSize: treeSize)
                return try Response.json(
                    InclusionView(
                        sequence: sequence, leafIndex: sequence - 1, treeSize: treeSize,
                        leafHash: Hex.string(proof.leafHash), proof: proof.path.map { Hex.string($0) }))
            } catch let error as LogProofError {
                throw Self.problem(error)
            }
        }
    }
}
