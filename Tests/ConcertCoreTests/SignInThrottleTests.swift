import Foundation
import Testing

@testable import ConcertCore

@Suite("Sign-in throttle")
struct SignInThrottleTests {
    let start = Date(timeIntervalSince1970: 1_796_000_000)
    let address = "203.0.113.9"

    @Test("an address that signed in before goes first until it fails; a new one waits its turn")
    func knownAddressesGoFirst() {
        var throttle = SignInThrottle()
        #expect(!throttle.goesFirst(account: "fr-officer", address: address, now: start))
        throttle.recordSuccess(account: "fr-officer", address: address, now: start)
        #expect(throttle.goesFirst(account: "fr-officer", address: address, now: start.addingTimeInterval(60)))
        // A fresh address guessing is no investigator's: it waits, as does any other new client.
        #expect(!throttle.goesFirst(account: "fr-officer", address: "198.51.100.4", now: start.addingTimeInterval(60)))
        // A failure from the known address ends its precedence; so does the passing of 12 hours.
        throttle.recordFailure(account: "someone", address: address, now: start.addingTimeInterval(61))
        #expect(!throttle.goesFirst(account: "fr-officer", address: address, now: start.addingTimeInterval(62)))
        var later = SignInThrottle()
        later.recordSuccess(account: "fr-officer", address: address, now: start)
        #expect(!later.goesFirst(account: "fr-officer", address: address, now: start.addingTimeInterval(13 * 3600)))
    }

    @Test("a guessing loop of 50 wrong passwords then the right one is held back, as fast as it goes")
    func greedyGuessing() {
        var throttle = SignInThrottle()
        // Ten guesses a second: without a throttle, the right password would be tried at 5.0 s.
        var checked = 0
        for guess in 0..<50 {
            let now = start.addingTimeInterval(Double(guess) / 10)
            if throttle.admit(account: "coordinator", address: address, now: now) == .proceed {
                checked += 1
                throttle.recordFailure(account: "coordinator", address: address, now: now)
            }
        }
        let right = throttle.admit(account: "coordinator", address: address, now: start.addingTimeInterval(5))
        #expect(right != .proceed)
        // 3 free failures and a 4th at once (0.0 to 0.3 s), then 1 s and 2 s of delay (1.3 s,
        // 3.3 s); the next is allowed at 7.3 s.
        #expect(checked == 6)
    }

    @Test("a guesser trying ten times a second for an hour gets 10 guesses per lock, 40 in all")
    func hourOfGuessing() {
        var throttle = SignInThrottle()
        var checked = 0
        var locks = 0
        for step in 0..<36_000 {
            let now = start.addingTimeInterval(Double(step) / 10)
            guard throttle.admit(account: "coordinator", address: address, now: now) == .proceed else { continue }
            checked += 1
            locks += throttle.recordFailure(account: "coordinator", address: address, now: now).count
        }
        // Each cycle: 10 guesses in about a minute, then 15 minutes locked.
        #expect(checked == 40)
        #expect(locks == 4)
    }

    @Test("delays double after the free failures, then the account locks for 15 minutes")
    func delaysThenLock() {
        var throttle = SignInThrottle()
        var now = start
        var waits: [TimeInterval] = []
        var events: [SignInThrottle.Event] = []
        for _ in 0..<10 {
            let admission = throttle.admit(account: "fr-officer", address: address, now: now)
            if case .wait(let until, let reason) = admission {
                #expect(reason == .account)
                waits.append(until.timeIntervalSince(now))
                #expect(
                    throttle.admit(account: "fr-officer", address: address, now: until.addingTimeInterval(-0.01))
                        != .proceed)
                now = until
                #expect(throttle.admit(account: "fr-officer", address: address, now: now) == .proceed)
            } else {
                #expect(admission == .proceed)
            }
            events += throttle.recordFailure(account: "fr-officer", address: address, now: now)
        }
        #expect(waits == [1, 2, 4, 8, 16, 32])
        let lockEnd = now.addingTimeInterval(15 * 60)
        #expect(events == [.accountLocked(account: "fr-officer", until: lockEnd)])
        #expect(
            throttle.admission(account: "fr-officer", address: address, now: now)
                == .locked(until: lockEnd, reason: .account))
        // The right password, a minute before the lock ends: still not checked.
        #expect(
            throttle.admission(account: "fr-officer", address: address, now: lockEnd.addingTimeInterval(-60))
                != .proceed)
        #expect(
            throttle.admission(account: "fr-officer", address: address, now: now).retryAfterSeconds(from: now) == 900)
    }

    @Test("the lock lifts after its time, and the failures behind it are forgotten")
    func lockLifts() throws {
        var throttle = SignInThrottle()
        var now = start
        for _ in 0..<10 {
            if let until = throttle.admit(account: "admin", address: address, now: now).until { now = until }
            throttle.recordFailure(account: "admin", address: address, now: now)
        }
        let lockEnd = try #require(throttle.admission(account: "admin", address: address, now: now).until)
        #expect(throttle.admission(account: "admin", address: address, now: lockEnd) == .proceed)
        // Three free failures again, then the delays start over.
        for offset in 0..<3 {
            let later = lockEnd.addingTimeInterval(Double(offset))
            #expect(throttle.admit(account: "admin", address: "198.51.100.1", now: later) == .proceed)
            throttle.recordFailure(account: "admin", address: "198.51.100.1", now: later)
        }
        #expect(
            throttle.admission(account: "admin", address: "198.51.100.1", now: lockEnd.addingTimeInterval(2))
                == .proceed)
        throttle.recordSuccess(account: "admin", address: "198.51.100.1", now: lockEnd.addingTimeInterval(3))
        #expect(
            throttle.admission(account: "admin", address: "198.51.100.1", now: lockEnd.addingTimeInterval(3))
                == .proceed)
    }

    @Test("an address spraying 40 accounts with one guess each gets locked")
    func spraying() throws {
        var throttle = SignInThrottle()
        var now = start
        var events: [SignInThrottle.Event] = []
        var checked = 0
        for victim in 0..<40 {
            let account = "officer-\(victim)"
            var admission = throttle.admit(account: account, address: address, now: now)
            if case .wait(let until, let reason) = admission {
                #expect(reason == .address)
                now = until
                admission = throttle.admit(account: account, address: address, now: now)
            }
            guard admission == .proceed else {
                #expect(admission == .locked(until: try #require(events.first?.until), reason: .address))
                continue
            }
            checked += 1
            events += throttle.recordFailure(account: account, address: address, now: now)
        }
        #expect(checked == 30)
        #expect(events.count == 1)
        guard case .addressLocked(let locked, let until) = events.first else {
            Issue.record("no address lock in \(events)")
            return
        }
        #expect(locked == address)
        #expect(now.timeIntervalSince(start) < 10 * 60, "the lock comes within the address's window")
        #expect(until == now.addingTimeInterval(15 * 60))
        // A fresh account from that address is refused too; the same account elsewhere is not.
        #expect(
            throttle.admission(account: "fresh", address: address, now: now) == .locked(until: until, reason: .address))
        #expect(throttle.admission(account: "officer-3", address: "198.51.100.7", now: now) == .proceed)
    }

    @Test("a user who mistypes twice and then signs in is never delayed, however often")
    func legitimateUser() {
        var throttle = SignInThrottle()
        var now = start
        for _ in 0..<4 {
            for _ in 0..<2 {
                #expect(throttle.admit(account: "de-officer", address: address, now: now) == .proceed)
                throttle.recordFailure(account: "de-officer", address: address, now: now)
                now.addTimeInterval(2)
            }
            #expect(throttle.admit(account: "de-officer", address: address, now: now) == .proceed)
            throttle.recordSuccess(account: "de-officer", address: address, now: now)
            now.addTimeInterval(60)
        }
        #expect(throttle.trackedAccounts == 0, "a success forgets the account's failures")
        #expect(throttle.trackedAddresses == 1, "but not the address's")
    }

    @Test("a burst of simultaneous attempts passes only the free ones")
    func burst() {
        var throttle = SignInThrottle()
        let oneAccount = (0..<100).filter { _ in
            throttle.admit(account: "coordinator", address: "192.0.2.\(Int.random(in: 1...200))", now: start)
                == .proceed
        }
        #expect(oneAccount.count == 3)
        let oneAddress = (0..<100).filter {
            throttle.admit(account: "account-\($0)", address: "198.51.100.4", now: start) == .proceed
        }
        #expect(oneAddress.count == 10)
        // An attempt admitted but never recorded stops counting after the attempt timeout.
        #expect(
            throttle.admission(account: "coordinator", address: "192.0.2.250", now: start.addingTimeInterval(9))
                != .proceed)
        #expect(
            throttle.admission(account: "coordinator", address: "192.0.2.250", now: start.addingTimeInterval(10))
                == .proceed)
    }

    @Test("an unknown account is answered exactly like a known one, whatever the case")
    func unknownAccounts() {
        var known = SignInThrottle()
        var unknown = SignInThrottle()
        var now = start
        for _ in 0..<12 {
            let a = known.admit(account: "Coordinator", address: address, now: now)
            let b = unknown.admit(account: "no-such-user", address: address, now: now)
            #expect(a == b)
            #expect(
                known.recordFailure(account: "coordinator", address: address, now: now).count
                    == unknown.recordFailure(account: "NO-SUCH-USER", address: address, now: now).count)
            now.addTimeInterval(70)
        }
        #expect(known.admission(account: "COORDINATOR", address: address, now: now) != .proceed)
    }

    @Test("IPv6 clients are keyed by their /64, IPv4 by their address in any spelling")
    func addressKeys() {
        #expect(SignInThrottle.addressKey("2001:db8:1:2::1") == "2001:db8:1:2::/64")
        #expect(SignInThrottle.addressKey("2001:DB8:1:2:ffff:ffff:ffff:9") == "2001:db8:1:2::/64")
        #expect(SignInThrottle.addressKey("[2001:db8:1:3::1]") == "2001:db8:1:3::/64")
        #expect(SignInThrottle.addressKey("::ffff:192.0.2.7") == "192.0.2.7")
        #expect(SignInThrottle.addressKey("192.0.2.7") == "192.0.2.7")
        #expect(SignInThrottle.addressKey("Unix-Socket") == "unix-socket")
        #expect(SignInThrottle.addressKey("192.000.2.007") == "192.0.2.7")
        for canonical in ["0.0.0.0", "10.0.0.1", "255.255.255.255", "192.0.2.10"] {
            #expect(SignInThrottle.isCanonicalIPv4(canonical))
        }
        for other in ["", "1.2.3", "1.2.3.4.5", "01.2.3.4", "256.0.0.1", "1..2.3", "1.2.3.", "1.2.3.4a", "::1"] {
            #expect(!SignInThrottle.isCanonicalIPv4(other), "\(other)")
        }
        var throttle = SignInThrottle()
        for host in 0..<30 {
            throttle.recordFailure(account: "a\(host)", address: "2001:db8:1:2::\(String(host, radix: 16))", now: start)
        }
        #expect(throttle.admission(account: "b", address: "2001:db8:1:2:abcd::1", now: start) != .proceed)
        #expect(throttle.trackedAddresses == 1)
    }

    @Test("memory stays bounded under 1,000,000 distinct usernames from distinct addresses")
    func flood() {
        var throttle = SignInThrottle()
        for index in 0..<1_000_000 {
            let now = start.addingTimeInterval(Double(index) / 1_000)
            let address = "10.\(index >> 16 & 255).\(index >> 8 & 255).\(index & 255)"
            throttle.recordFailure(account: "user\(index)", address: address, now: now)
        }
        #expect(throttle.trackedAccounts <= SignInThrottle.Rules.standard.maximumEntries)
        #expect(throttle.trackedAddresses <= SignInThrottle.Rules.standard.maximumEntries)
        #expect(throttle.accountTable.queuedRecords <= 2 * SignInThrottle.Rules.standard.maximumEntries + 64)
        #expect(throttle.addressTable.queuedRecords <= 2 * SignInThrottle.Rules.standard.maximumEntries + 64)
        // The newest are still remembered.
        #expect(throttle.accountTable["user999999"] != nil)
        // Once every window is over, nothing is left.
        throttle.removeExpired(now: start.addingTimeInterval(1_000 + 15 * 60))
        #expect(throttle.trackedAccounts == 0)
        #expect(throttle.trackedAddresses == 0)
    }

    @Test("entries whose window is over are forgotten as new ones arrive")
    func expiry() {
        var throttle = SignInThrottle()
        for index in 0..<1_000 {
            throttle.recordFailure(account: "old\(index)", address: "192.0.2.1", now: start)
        }
        #expect(throttle.trackedAccounts == 1_000)
        let later = start.addingTimeInterval(16 * 60)
        for index in 0..<1_000 {
            throttle.recordFailure(account: "new\(index)", address: "198.51.100.\(index % 250)", now: later)
        }
        #expect(throttle.trackedAccounts == 1_000, "the old accounts gave way to the new")
        #expect(throttle.accountTable["old0"] == nil)
    }

    @Test("the default rules are the documented ones")
    func defaults() {
        let rules = SignInThrottle.Rules.standard
        #expect(rules.account.freeFailures == 3)
        #expect(rules.account.lockAfter == 10)
        #expect(rules.account.lockDuration == 900)
        #expect(rules.account.window == 900)
        #expect((1...12).map(rules.account.delay(afterFailures:)) == [0, 0, 0, 1, 2, 4, 8, 16, 32, 60, 60, 60])
        #expect(rules.address.freeFailures == 10)
        #expect(rules.address.lockAfter == 30)
        #expect(rules.address.window == 600)
        #expect(rules.address.lockDuration == 900)
        #expect(rules.maximumEntries == 100_000)
    }
}

extension SignInThrottle.Event {
    var until: Date {
        switch self {
        case .accountLocked(_, let until), .addressLocked(_, let until): until
        }
    }
}
