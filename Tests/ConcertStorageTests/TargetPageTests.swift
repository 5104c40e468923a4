import ConcertCore
import Foundation
import Synchronization
import Testing

@testable import ConcertStorage

@Suite("Pages of targets: the policy's handlings in the query, or every target's read")
struct TargetPageTests {
    /// What a caller may see, as the access policy would answer for one handling.
    struct Caller: Sendable, CustomTestStringConvertible {
        let name: String
        let isVisible: @Sendable (RecordHandling) -> Bool
        var testDescription: String { name }
    }

    static let callers = [
        Caller(name: "sees all") { _ in true },
        Caller(name: "no H3") { $0.handling != .h3 },
        Caller(name: "agency x1") { $0.distribution.includes("x1", originator: $0.originatorAgencyId) },
        Caller(name: "H2 to x3 alone") { $0.handling == .h2 && $0.distribution == .agencies(["x3"]) },
        Caller(name: "sees none") { _ in false },
    ]

    @Test(
        "both ways of reading a page give the same pages, in order, each target once, none the caller may not see",
        arguments: Backend.allCases)
    func bothWaysAgree(_ backend: Backend) async throws {
        let fixture = try await StoreConformanceTests.Fixture.make(backend)
        defer { try? FileManager.default.removeItem(at: fixture.folder) }
        let store = try #require(fixture.store as? any SQLEngineStore)
        let other = Agency(id: Identifier.make(), name: "B", country: "DE", kind: .police)
        try await store.createAgency(other, by: nil)
        // 4 handlings by 8 distributions by 2 originators, each of its own: 64 distinct handlings
        // among 192 targets, one in five a domain.
        let handlings: [HandlingCode] = [.h0, .h1, .h2, .h3]
        let targets = try (0..<192).map { number in
            var target = try fixture.target("Server \(number)", ip: "192.0.2.\(number + 1)")
            target.handling = handlings[number / 8 % 4]
            target.distribution = number % 8 == 0 ? .allParticipants : .agencies(["x\(number % 8)"])
            if number / 32 % 2 == 1 { target.originatorAgencyId = other.id }
            if number % 5 == 0 { target.kind = .domain }
            return target
        }
        try await store.importTargets(targets, by: fixture.actor)
        let operationId = fixture.operation.id
        let filters = [
            TargetFilter(), TargetFilter(kind: .domain), TargetFilter(originatorAgencyId: other.id),
            TargetFilter(text: "192.0.2.1"),
        ]

        for caller in Self.callers {
            let shown = targets.filter { caller.isVisible(Self.handling(of: $0)) }
            for filter in filters {
                var pagesEachWay: [[String]] = []
                for handlingsInQuery in [SQLiteStore.handlingsInQuery, 0] {
                    func page(skipping: Int, after: String?) async throws -> TargetPage {
                        try await store.targetPage(
                            operationId: operationId, filter: filter, skipping: skipping, after: after, limit: 7,
                            handlingsInQuery: handlingsInQuery, isVisible: caller.isVisible)
                    }
                    // By count, then by cursor: the same targets, each once, every page full.
                    var bySkipping: [String] = []
                    var next: Int? = 0
                    repeat {
                        let read = try await page(skipping: next ?? 0, after: nil)
                        // A caller who may see none is answered before either way is taken.
                        #expect(
                            read.readEveryHandling == (handlingsInQuery == 0 && !shown.isEmpty),
                            "the way asked for was not taken")
                        #expect(read.before == bySkipping.count)
                        #expect(read.targets.allSatisfy { caller.isVisible($0.handling) }, "\(caller.name) saw more")
                        if read.next != nil { #expect(read.targets.count == 7) }
                        bySkipping += read.targets.map(\.id)
                        next = read.next
                    } while next != nil
                    var byCursor: [String] = []
                    var cursor: String?
                    repeat {
                        let read = try await page(skipping: 0, after: cursor)
                        #expect(read.before == byCursor.count)
                        byCursor += read.targets.map(\.id)
                        cursor = read.next != nil ? read.targets.last?.id : nil
                    } while cursor != nil
                    #expect(byCursor == bySkipping)
                    let first = try await page(skipping: 0, after: nil)
                    #expect(first.matching == bySkipping.count && first.visible == shown.count)
                    if filter.isEmpty { #expect(bySkipping == shown.map(\.id), "\(caller.name), \(handlingsInQuery)") }
                    if filter == TargetFilter(originatorAgencyId: other.id) {
                        #expect(bySkipping == shown.filter { $0.originatorAgencyId == other.id }.map(\.id))
                    }
                    pagesEachWay.append(bySkipping)
                    // Past the end: an empty page that says how many came before.
                    let past = try await page(skipping: 1_000, after: nil)
                    #expect(past.targets.isEmpty && past.next == nil && past.before == bySkipping.count)
                    // A cursor the caller may not see is refused, as are one the filter leaves out
                    // and one of another operation.
                    if let hidden = targets.first(where: { target in !shown.contains { $0.id == target.id } }) {
                        await #expect(throws: UnknownCursor.self) { try await page(skipping: 0, after: hidden.id) }
                    }
                    if let left = shown.first(where: { target in !bySkipping.contains(target.id) }) {
                        await #expect(throws: UnknownCursor.self) { try await page(skipping: 0, after: left.id) }
                    }
                    await #expect(throws: UnknownCursor.self) { try await page(skipping: 0, after: "elsewhere") }
                }
                #expect(pagesEachWay[0] == pagesEachWay[1], "\(caller.name) with \(filter)")
            }
        }
    }

    @Test(
        "a target whose handling changes while a page is read every target's way is asked about again, and left out"
    )
    func handlingChangedMeanwhile() async throws {
        // On PostgreSQL each statement of a page is a snapshot of its own; SQLite reads a page in one.
        let fixture = try await StoreConformanceTests.Fixture.make(.postgres)
        defer { try? FileManager.default.removeItem(at: fixture.folder) }
        let store = try #require(fixture.store as? any SQLEngineStore)
        let targets = try (0..<5).map { try fixture.target("Server \($0)", ip: "192.0.2.\($0 + 1)") }
        try await store.importTargets(targets, by: fixture.actor)
        let operationId = fixture.operation.id
        let asked = Mutex(0)
        // The policy is asked first about the distinct handlings, then about each target's as
        // the targets are read: the second time, the first target is made H3, which this caller
        // may not see. The page has then decided it may see it, and has yet to read it.
        let isVisible: @Sendable (RecordHandling) -> Bool = { handling in
            if asked.withLock({ count in
                count += 1
                return count == 2
            }) {
                _ = try? waitBlocking {
                    try await store.updateTarget(id: targets[0].id, operationId: operationId, by: fixture.actor) {
                        var target = $0
                        target.handling = .h3
                        return target
                    }
                }
            }
            return handling.handling != .h3
        }
        let page = try await store.targetPage(
            operationId: operationId, filter: TargetFilter(), skipping: 0, after: nil, limit: 10,
            handlingsInQuery: 0, isVisible: isVisible)
        #expect(asked.withLock { $0 } >= 2)
        #expect(try await store.target(id: targets[0].id, operationId: operationId)?.handling == .h3)
        #expect(page.targets.map(\.id) == targets.dropFirst().map(\.id), "the target made H3 was sent")
    }

    static func handling(of target: Target) -> RecordHandling {
        RecordHandling(
            originatorAgencyId: target.originatorAgencyId, handling: target.handling, distribution: target.distribution)
    }
}
