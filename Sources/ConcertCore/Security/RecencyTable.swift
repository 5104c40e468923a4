/// A dictionary of at most ``capacity`` entries that, when full, forgets the entry written
/// least recently, so that a flood of distinct keys cannot grow it without bound.
///
/// Every write stamps its entry with a rising counter and appends (key, stamp) to a queue;
/// the queue's front is the least recently written entry (records whose entry was written
/// again since, or removed, are skipped and compacted away), so eviction is O(1) amortised.
/// Memory: the dictionary holds at most `capacity` entries and the queue at most about twice as
/// many records.
struct RecencyTable<Value: Sendable>: Sendable {
    private struct Slot: Sendable {
        var value: Value
        var stamp: UInt64
    }

    private struct Record: Sendable {
        var key: String
        var stamp: UInt64
    }

    /// The most entries kept.
    let capacity: Int
    private var slots: [String: Slot] = [:]
    private var queue: [Record] = []
    private var head = 0
    private var clock: UInt64 = 0

    /// A table that keeps at most `capacity` (at least 1) entries.
    init(capacity: Int) {
        self.capacity = Swift.max(1, capacity)
    }

    /// How many entries are kept.
    var count: Int { slots.count }

    /// How many records the recency queue holds (for tests of its bound).
    var queuedRecords: Int { queue.count - head }

    /// The value kept for `key`.
    subscript(key: String) -> Value? { slots[key]?.value }

    /// Keeps `value` for `key` as the most recently written entry (or, for `nil`, forgets
    /// `key`), then forgets the least recently written entries beyond ``capacity``.
    mutating func set(_ value: Value?, for key: String) {
        if let value {
            clock += 1
            slots[key] = Slot(value: value, stamp: clock)
            queue.append(Record(key: key, stamp: clock))
            while slots.count > capacity { evictOldest() }
        } else {
            slots[key] = nil
        }
        compactIfNeeded()
    }

    /// Forgets, from the least recently written on, the entries for which `isExpired` holds,
    /// stopping at the first that does not or after looking at `limit` records: a bounded
    /// amount of work that a caller can do on every write.
    mutating func forgetOldest(limit: Int, where isExpired: (Value) -> Bool) {
        var looked = 0
        while head < queue.count && looked < limit {
            looked += 1
            let record = queue[head]
            if let slot = slots[record.key], slot.stamp == record.stamp {
                guard isExpired(slot.value) else { break }
                slots[record.key] = nil
            }
            head += 1
        }
        compactIfNeeded()
    }

    /// Forgets every entry for which `isExpired` holds (O(count)).
    mutating func forgetAll(where isExpired: (Value) -> Bool) {
        slots = slots.filter { !isExpired($0.value.value) }
        compact()
    }

    private mutating func evictOldest() {
        while head < queue.count {
            let record = queue[head]
            head += 1
            if let slot = slots[record.key], slot.stamp == record.stamp {
                slots[record.key] = nil
                return
            }
        }
    }

    private mutating func compactIfNeeded() {
        let live = queue.count - head
        if live > 2 * slots.count + 64 || (head > 1_024 && head * 2 > queue.count) { compact() }
    }

    private mutating func compact() {
        queue = queue[head...].filter { slots[$0.key]?.stamp == $0.stamp }
        head = 0
    }
}
