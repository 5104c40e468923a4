import ConcertCore
import Foundation
import Hummingbird
import HummingbirdTesting
import NIOCore
import Testing

@Suite("Operation log")
struct OperationLogTests {
    @Test("participants post, the lead coordinator marks significant, observers read, entries reach the feed")
    func postAndMark() async throws {
        let world = try await TestWorld.make()
        defer { world.remove() }
        let log = "/api/v1/operations/\(world.operation.id)/log"
        try await world.withClient { client in
            let posted = try await client.execute(
                uri: log, method: .post, headers: TestWorld.headers(.otherParticipantOfficer),
                body: .json(["text": "Servers in Ashburn powered down"]))
            #expect(posted.status == .created)
            let id = try #require(posted.object["id"] as? String)
            #expect(posted.object["agencyId"] as? String == world.partC.id)
            #expect(posted.object["significant"] as? Bool == false)

            let observerPost = try await client.execute(
                uri: log, method: .post, headers: TestWorld.headers(.observer), body: .json(["text": "hello"]))
            #expect(observerPost.status == .forbidden)
            let notLead = try await client.execute(
                uri: log + "/\(id)/significant", method: .post, headers: TestWorld.headers(.participantOfficer),
                body: .json(["significant": true]))
            #expect(notLead.status == .forbidden)
            let marked = try await client.execute(
                uri: log + "/\(id)/significant", method: .post, headers: TestWorld.headers(.leadCoordinator),
                body: .json(["significant": true]))
            #expect(marked.object["significant"] as? Bool == true)

            let read = try await client.execute(uri: log, method: .get, headers: TestWorld.headers(.observer))
            let entries = try #require(read.object["items"] as? [[String: Any]])
            #expect(
                entries.map { $0["text"] as? String } == [
                    "Servers in Ashburn powered down", "Team in position in Berlin",
                ], "newest first")
            #expect(entries.first?["significant"] as? Bool == true)
            let significant = try await client.execute(
                uri: log + "?significant=true", method: .get, headers: TestWorld.headers(.observer))
            #expect(
                (significant.object["items"] as? [[String: Any]])?.map { $0["text"] as? String } == [
                    "Servers in Ashburn powered down"
                ])

            let feed = try await client.execute(
                uri: "/api/v1/operations/\(world.operation.id)/live?since=\(world.head)&follow=false", method: .get,
                headers: TestWorld.headers(.observer))
            #expect(feed.text.contains("event: log.posted"))
            #expect(feed.text.contains("event: log.markedSignificant"))
        }
    }
}
