import Foundation
import Synchronization

/// Encoded target lists kept while their operation does not change.
///
/// Every change to an operation's targets appends an event that advances the operation's
/// sequence number in the same transaction, so a list is valid exactly as long as that number
/// stays the same: an entry is used only when its sequence matches the one read in the same
/// read transaction, and is never served stale. Entries are also keyed by which handlings the
/// caller may see, since callers of different agencies get different lists.
final class TargetListCache: Sendable {
    struct Handlings: Sendable {
        var sequence: Int64
        /// (originator agency, handling code, distribution JSON) of the operation's targets.
        var rows: [[String]]
    }

    struct List: Sendable {
        var sequence: Int64
        var json: Data
        var count: Int
    }

    private struct State {
        var handlings: [String: Handlings] = [:]
        var lists: [String: List] = [:]
        var order: [String] = []
        var bytes = 0
    }

    private let state = Mutex(State())
    /// The most bytes of encoded lists kept at once; the oldest go first.
    let capacity: Int

    init(capacity: Int = 128 << 20) {
        self.capacity = capacity
    }

    func handlings(operationId: String, sequence: Int64) -> [[String]]? {
        state.withLock { state in
            guard let entry = state.handlings[operationId], entry.sequence == sequence else { return nil }
            return entry.rows
        }
    }

    func storeHandlings(_ rows: [[String]], operationId: String, sequence: Int64) {
        state.withLock { $0.handlings[operationId] = Handlings(sequence: sequence, rows: rows) }
    }

    func list(key: String, sequence: Int64) -> List? {
        state.withLock { state in
            guard let entry = state.lists[key], entry.sequence == sequence else { return nil }
            return entry
        }
    }

    func storeList(_ list: List, key: String) {
        guard list.json.count <= capacity else { return }
        state.withLock { state in
            if let old = state.lists[key] {
                state.bytes -= old.json.count
                state.order.removeAll { $0 == key }
            }
            state.lists[key] = list
            state.order.append(key)
            state.bytes += list.json.count
            while state.bytes > capacity, let oldest = state.order.first {
                state.order.removeFirst()
                state.bytes -= state.lists.removeValue(forKey: oldest)?.json.count ?? 0
            }
        }
    }
}
