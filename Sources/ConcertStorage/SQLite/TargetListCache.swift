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
        /// The list, with its targets' ids and their digest: a list's audit entry names what it
        /// delivered, and a list answered again is not hashed again.
        var visible: VisibleTargets
        var json: Data { visible.json }
    }

    /// An operation's targets as its list shows them, in order, current at `sequence`: a
    /// change to the operation patches them from its events instead of reading every target
    /// again.
    struct Rows: Sendable {
        struct Row: Sendable {
            var id: String
            /// Its position in `handlings`.
            var handling: Int
            var json: Data
        }

        var sequence: Int64
        private(set) var rows: [Row] = []
        /// (originator agency, handling code, distribution JSON) of the rows, each once.
        private(set) var handlings: [[String]] = []
        /// The rows' JSON bytes, kept as they change (the cache's budget counts them).
        private(set) var bytes = 0

        init(sequence: Int64) {
            self.sequence = sequence
        }

        mutating func append(_ row: Row) {
            rows.append(row)
            bytes += row.json.count
        }

        mutating func replace(at position: Int, with row: Row) {
            bytes += row.json.count - rows[position].json.count
            rows[position] = row
        }

        mutating func remove(at position: Int) {
            bytes -= rows.remove(at: position).json.count
        }

        /// Forgets the handlings no row has any more, so that callers' lists stay keyed alike.
        mutating func forgetUnusedHandlings() {
            var used = [Bool](repeating: false, count: handlings.count)
            for row in rows { used[row.handling] = true }
            guard used.contains(false) else { return }
            var renumbered = [Int](repeating: -1, count: used.count)
            var kept: [[String]] = []
            for (index, handling) in handlings.enumerated() where used[index] {
                renumbered[index] = kept.count
                kept.append(handling)
            }
            handlings = kept
            for index in rows.indices { rows[index].handling = renumbered[rows[index].handling] }
        }

        /// The position of a handling in `handlings`, added when new.
        mutating func handlingIndex(_ handling: [String]) -> Int {
            if let index = handlings.firstIndex(of: handling) { return index }
            handlings.append(handling)
            return handlings.count - 1
        }
    }

    private struct State {
        var handlings: [String: Handlings] = [:]
        var lists: [String: List] = [:]
        var order: [String] = []
        var bytes = 0
        var rows: [String: Rows] = [:]
        var rowsOrder: [String] = []
        var rowsBytes = 0
    }

    /// The operation's rows as last kept, whatever their sequence (the caller brings them up to date).
    func rows(operationId: String) -> Rows? {
        state.withLock { $0.rows[operationId] }
    }

    /// Keeps an operation's rows, dropping the longest unused operations' past the capacity.
    func storeRows(_ rows: Rows, operationId: String) {
        let bytes = rows.bytes
        guard bytes <= capacity else { return }
        state.withLock { state in
            if let old = state.rows[operationId] {
                state.rowsBytes -= old.bytes
                state.rowsOrder.removeAll { $0 == operationId }
            }
            state.rows[operationId] = rows
            state.rowsOrder.append(operationId)
            state.rowsBytes += bytes
            while state.rowsBytes > capacity, let oldest = state.rowsOrder.first {
                state.rowsOrder.removeFirst()
                state.rowsBytes -= state.rows.removeValue(forKey: oldest)?.bytes ?? 0
            }
        }
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
