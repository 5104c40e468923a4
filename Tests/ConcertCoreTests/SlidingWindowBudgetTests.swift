import Foundation
import Testing

@testable import ConcertCore

@Suite("Sliding-window budget")
struct SlidingWindowBudgetTests {
    /// The start of a one-second bucket of a one-minute window.
    let start = Date(timeIntervalSince1970: 1_796_000_000)

    func at(_ seconds: TimeInterval) -> Date { start.addingTimeInterval(seconds) }

    @Test("past the limit a request is refused with the seconds until it fits, and granted as the window slides")
    func refusesThenGrants() {
        var budget = SlidingWindowBudget(window: 60)
        #expect(budget.spend(60, key: "user:1", limit: 100, now: at(0)) == .granted(remaining: 40))
        #expect(budget.spend(30, key: "user:1", limit: 100, now: at(10)) == .granted(remaining: 10))
        // 20 more do not fit until the 60 of second 0 leave the window, at 61 s (a unit counts
        // for at least a whole window).
        let refused = budget.spend(20, key: "user:1", limit: 100, now: at(20))
        #expect(refused == .refused(retryAfter: 41, neverFits: false))
        #expect(refused.retryAfterSeconds == 41)
        #expect(!budget.spend(20, key: "user:1", limit: 100, now: at(60.999)).isGranted)
        #expect(budget.spend(20, key: "user:1", limit: 100, now: at(20 + 41)) == .granted(remaining: 50))
        // And the 30 of second 10 leave at 71 s.
        #expect(budget.spent(key: "user:1", now: at(70.5)) == 50)
        #expect(budget.spent(key: "user:1", now: at(71)) == 20)
        #expect(budget.spent(key: "user:1", now: at(122)) == 0)
    }

    @Test("Retry-After is exact when it takes several buckets to leave")
    func retryAcrossBuckets() {
        var budget = SlidingWindowBudget(window: 60)
        for second in 0..<10 {
            #expect(budget.spend(10, key: "k", limit: 100, now: at(Double(second) + 0.5)).isGranted)
        }
        // 35 need four buckets (seconds 0 to 3) to leave: at 64 s.
        let decision = budget.wouldGrant(35, key: "k", limit: 100, now: at(30.25))
        #expect(decision == .refused(retryAfter: 64 - 30.25, neverFits: false))
        #expect(decision.retryAfterSeconds == 34)
        #expect(!budget.spend(35, key: "k", limit: 100, now: at(63.9)).isGranted)
        #expect(budget.spend(35, key: "k", limit: 100, now: at(64)) == .granted(remaining: 5))
    }

    @Test("a refused spend spends nothing, and wouldGrant never spends")
    func refusedSpendsNothing() {
        var budget = SlidingWindowBudget(window: 3_600)
        #expect(budget.spend(90, key: "user:1", limit: 100, now: start).isGranted)
        for _ in 0..<1_000 {
            #expect(!budget.spend(11, key: "user:1", limit: 100, now: start).isGranted)
        }
        #expect(budget.spent(key: "user:1", now: start) == 90)
        #expect(budget.wouldGrant(10, key: "user:1", limit: 100, now: start) == .granted(remaining: 0))
        #expect(budget.spent(key: "user:1", now: start) == 90)
        #expect(budget.spend(10, key: "user:1", limit: 100, now: start) == .granted(remaining: 0))
    }

    @Test("a request larger than the limit can never fit, and says so")
    func neverFits() {
        var budget = SlidingWindowBudget(window: 60)
        let decision = budget.spend(101, key: "user:1", limit: 100, now: start)
        #expect(decision == .refused(retryAfter: 60, neverFits: true))
        #expect(decision.retryAfterSeconds == 60)
        #expect(budget.spent(key: "user:1", now: start) == 0)
        #expect(budget.spend(100, key: "user:1", limit: 100, now: start) == .granted(remaining: 0))
        #expect(budget.spend(1, key: "user:1", limit: 100, now: start) == .refused(retryAfter: 61, neverFits: false))
    }

    @Test("a request must fit the user's and the agency's budgets, and spends from both or neither")
    func severalQuotas() {
        var budget = SlidingWindowBudget(window: 60)
        let alice = [
            SlidingWindowBudget.Quota(key: "user:alice", limit: 100),
            SlidingWindowBudget.Quota(key: "agency:fr", limit: 150),
        ]
        let bob = [
            SlidingWindowBudget.Quota(key: "user:bob", limit: 100),
            SlidingWindowBudget.Quota(key: "agency:fr", limit: 150),
        ]
        #expect(budget.spend(80, from: alice, now: at(0)) == .granted(remaining: 20))
        #expect(budget.spend(60, from: bob, now: at(5)) == .granted(remaining: 10))
        // Bob's own budget has 40 left but the agency's only 10: refused, nothing spent.
        #expect(budget.spend(30, from: bob, now: at(6)) == .refused(retryAfter: 55, neverFits: false))
        #expect(budget.spent(key: "user:bob", now: at(6)) == 60)
        #expect(budget.spent(key: "agency:fr", now: at(6)) == 140)
        #expect(budget.spend(10, from: bob, now: at(6)) == .granted(remaining: 0))
        // Refused by both: the later time is the one at which both have room.
        #expect(budget.spend(45, from: alice, now: at(7)) == .refused(retryAfter: 54, neverFits: false))
        #expect(budget.spend(200, from: bob, now: at(7)) == .refused(retryAfter: 60, neverFits: true))
        // A key named twice is spent from once, within its smaller limit.
        var other = SlidingWindowBudget(window: 60)
        let twice = [
            SlidingWindowBudget.Quota(key: "user:carol", limit: 50),
            SlidingWindowBudget.Quota(key: "user:carol", limit: 30),
        ]
        #expect(other.spend(20, from: twice, now: start) == .granted(remaining: 10))
        #expect(other.spent(key: "user:carol", now: start) == 20)
    }

    @Test("nothing and negative counts spend nothing; keys do not share units")
    func edges() {
        var budget = SlidingWindowBudget(window: 60)
        #expect(budget.spend(0, key: "a", limit: 10, now: start) == .granted(remaining: 10))
        #expect(budget.spend(-5, key: "a", limit: 10, now: start) == .granted(remaining: 10))
        #expect(budget.trackedKeys == 0)
        #expect(budget.spend(10, key: "a", limit: 10, now: start).isGranted)
        #expect(budget.spend(10, key: "b", limit: 10, now: start).isGranted)
        // A clock that steps back a little still counts the units in their own bucket.
        #expect(budget.spend(5, key: "c", limit: 10, now: at(5)).isGranted)
        #expect(budget.spend(5, key: "c", limit: 10, now: at(3)).isGranted)
        #expect(budget.spent(key: "c", now: at(63.5)) == 10)
        #expect(budget.spent(key: "c", now: at(64)) == 5)
        #expect(budget.spent(key: "c", now: at(66)) == 0)
    }

    @Test("memory stays bounded under a flood of distinct keys, and spent keys are forgotten")
    func bounded() {
        var budget = SlidingWindowBudget(window: 60, maximumKeys: 10_000)
        for index in 0..<200_000 {
            _ = budget.spend(1, key: "user:\(index)", limit: 100, now: at(Double(index) / 10_000))
        }
        #expect(budget.trackedKeys == 10_000)
        #expect(budget.usageTable.queuedRecords <= 2 * 10_000 + 64)
        #expect(budget.spent(key: "user:199999", now: at(20)) == 1)
        // Keys whose units have left are forgotten as others spend…
        for index in 0..<3_000 {
            _ = budget.spend(1, key: "late:\(index)", limit: 100, now: at(200))
        }
        #expect(budget.trackedKeys == 3_000)
        // …or all at once.
        budget.removeExpired(now: at(300))
        #expect(budget.trackedKeys == 0)
    }
}
