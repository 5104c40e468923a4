import ConcertCore
import ConcertServer
import ConcertStorage
import Foundation
import Logging

// 8. The log's Merkle tree at 10,000,000 events (SQLite): an inclusion proof served, and a
//    consistency proof served and checked by the witness's verifier; how far the checkpoint
//    trails the newest event while events are written as fast as one writer can; and
//    `audit verify` of the whole log, chain and tree, in events a second. Targets: proofs under
//    1 ms, the checkpoint at most 1 s behind.

/// Fills a log with `events` small events, in transactions of 20,000 as an import would.
func fillLog(_ store: any Store, events: Int, from: Int = 0, report: Bool) async throws {
    let start = Date()
    var written = from
    while written < from + events {
        let count = min(20_000, from + events - written)
        try await store.appendEvents(
            try (0..<count).map { index in
                try EventDraft(
                    operationId: nil, actor: nil, kind: .signInFailed,
                    payload: FailedSignIn(
                        username: "user-\(written + index)", id: nil, agencyId: nil, address: "127.0.0.1"))
            })
        written += count
        if report && written % 1_000_000 == 0 {
            show(
                String(
                    format: "   %d events written (%.0f a second)", written,
                    Double(written - from) / Date().timeIntervalSince(start)))
        }
    }
}

func milliseconds(_ duration: Duration) -> Double {
    Double(duration.components.seconds) * 1_000 + Double(duration.components.attoseconds) / 1e15
}

func benchmarkLogProofs(events: Int) async throws {
    show("8. The log's Merkle tree at \(events) events (SQLite)")
    let folder = try scratchFolder("log")
    defer { try? FileManager.default.removeItem(at: folder) }
    let store = try SQLiteStore(path: folder.appendingPathComponent("log.sqlite").path)
    try await fillLog(store, events: events, report: true)
    let size = try await store.treeHead().size
    let clock = ContinuousClock()

    // Inclusion proofs of random events in the whole tree, one at a time.
    var inclusion: [Double] = []
    for _ in 0..<2_000 {
        let sequence = Int64.random(in: 1...size)
        let elapsed = try await clock.measure { _ = try await store.inclusionProof(sequence: sequence, treeSize: size) }
        inclusion.append(milliseconds(elapsed))
    }
    inclusion.sort()
    show(
        String(
            format: "   inclusion proof served: median %.3f ms, p99 %.3f ms (target: under 1 ms)",
            percentile(inclusion, 0.5), percentile(inclusion, 0.99)))

    // Consistency proofs from random older sizes to the whole tree, served, then checked.
    var served: [Double] = []
    var checked: [Double] = []
    let root = try await store.treeHead().root
    for _ in 0..<500 {
        let old = Int64.random(in: 1..<size)
        let oldRoot = try await store.treeRoot(size: old)
        var proof: [LogTree.Hash] = []
        served.append(
            milliseconds(try await clock.measure { proof = try await store.consistencyProof(from: old, to: size) }))
        var valid = false
        checked.append(
            milliseconds(
                clock.measure {
                    valid = LogTree.verifyConsistency(
                        old: old, oldRoot: oldRoot, new: size, newRoot: root, proof: proof)
                }))
        precondition(valid, "a consistency proof from \(old) did not check")
    }
    served.sort()
    checked.sort()
    show(
        String(
            format:
                "   consistency proof served: median %.3f ms, p99 %.3f ms; checked: median %.3f ms, p99 %.3f ms (target: under 1 ms)",
            percentile(served, 0.5), percentile(served, 0.99), percentile(checked, 0.5), percentile(checked, 0.99)))

    // The checkpointer signs while one writer appends as fast as it can: how long each size the
    // log reached waited for a checkpoint that covers it.
    let checkpointer = LogCheckpointer(
        store: store, signer: try LogSigner(base64: LogSigner.newKeyText()), logger: Logger(label: "bench"))
    let signing = Task { try await checkpointer.run() }
    let writing = Task { try await fillLog(store, events: 200_000, from: events, report: false) }
    var waiting: [(size: Int64, since: ContinuousClock.Instant)] = []
    var lags: [Double] = []
    while !writing.isCancelled {
        let now = clock.now
        let head = try await store.treeHead().size
        waiting.append((head, now))
        let covered = try await store.latestCheckpoint()?.size ?? 0
        while let first = waiting.first, first.size <= covered {
            lags.append(milliseconds(now - first.since))
            waiting.removeFirst()
        }
        if head >= Int64(events + 200_000) && waiting.isEmpty { break }
        try await Task.sleep(for: .milliseconds(20))
    }
    try await writing.value
    signing.cancel()
    lags.sort()
    show(
        String(
            format:
                "   checkpoint behind the newest event while 200,000 more are written: median %.0f ms, max %.0f ms (target: at most 1 s)",
            percentile(lags, 0.5), lags.last ?? 0))

    // The whole log checked: every event's hash computed again, the chain and every tree node.
    let start = Date()
    let verification = try await store.verifyAuditChain()
    let seconds = Date().timeIntervalSince(start)
    precondition(verification.isIntact, "the benchmark's log does not verify: \(verification.problem ?? "")")
    show(
        String(
            format: "   audit verify of %d events: %.1f s, %.0f events a second", verification.eventsChecked, seconds,
            Double(verification.eventsChecked) / seconds))
}
