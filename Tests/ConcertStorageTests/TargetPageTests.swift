import ConcertCore
import Foundation
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
        // 4 handlings and 8 distributions: up to 32 distinct handlings among 96 targets.
        let handlings: [HandlingCode] = [.h0, .h1, .h2, .h3]
        let targets = try (0..<96).map { number in
            var target = try fixture.target("Server \(number)", ip: "192.0.2.\(number + 1)")
            target.handling = handlings[number % 4]
            target.distribution = number % 8 == 0 ? .allParticipants : .agencies(["x\(number % 8)"])
            return target
        }
        try await store.importTargets(targets, by: fixture.actor)
        let operationId = fixture.operation.id

        for caller in Self.callers {
            let shown = targets.filter {
                caller.isVisible(
                    RecordHandling(
                        originatorAgencyId: $0.originatorAgencyId, handling: $0.handling, distribution: $0.distribution)
                )
            }
            for filter in [TargetFilter(), TargetFilter(kind: .server), TargetFilter(text: "192.0.2.1")] {
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
                    pagesEachWay.append(bySkipping)
                    // A cursor the caller may not see is refused, as one of another operation is.
                    if let hidden = targets.first(where: { target in !shown.contains { $0.id == target.id } }) {
                        await #expect(throws: UnknownCursor.self) { try await page(skipping: 0, after: hidden.id) }
                    }
                    await #expect(throws: UnknownCursor.self) { try await page(skipping: 0, after: "elsewhere") }
                }
                #expect(pagesEachWay[0] == pagesEachWay[1], "\(caller.name) with \(filter)")
            }
        }
    }
}
