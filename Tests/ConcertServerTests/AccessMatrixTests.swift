import ConcertCore
import ConcertServer
import ConcertStorage
import Foundation
import Hummingbird
import HummingbirdTesting
import Testing

@Suite("Every API route against every relationship")
struct AccessMatrixTests {
    /// The API routes the router really has, written as the OpenAPI document writes them.
    static func routerRoutes() async throws -> Set<String> {
        let world = try await TestWorld.make()
        defer { world.remove() }
        return Set(
            buildRouter(store: world.store).routes.map { route in
                let path = route.path.description.split(separator: "/").map { segment in
                    segment.hasPrefix(":") ? "{\(segment.dropFirst())}" : String(segment)
                }
                return "\(route.method.rawValue) /" + path.joined(separator: "/")
            }.filter { $0.contains(" /api/v1/") })
    }

    @Test("the table covers every API route and names no route that does not exist")
    func tableCoversEveryRoute() async throws {
        let table = Set(RouteTable.cases.map(\.key))
        let routes = try await Self.routerRoutes()
        #expect(routes.subtracting(table).isEmpty, "routes without access expectations: \(routes.subtracting(table))")
        #expect(
            table.subtracting(routes).isEmpty, "expectations for routes that do not exist: \(table.subtracting(routes))"
        )
    }

    @Test("status and leaks", arguments: RouteTable.cases, Persona.allCases)
    func route(_ route: RouteCase, persona: Persona) async throws {
        let world = try await TestWorld.make()
        defer { world.remove() }
        let body = route.body(world).map(ByteBuffer.json)
        let response = try await world.withClient { client in
            try await client.execute(
                uri: route.path(in: world), method: route.method, headers: TestWorld.headers(persona), body: body)
        }
        #expect(
            Int(response.status.code) == route.expected(for: persona),
            "\(persona) got \(response.status.code): \(response.text)")
        if response.status.code >= 400 {
            #expect(response.headers[.contentType] == "application/problem+json")
            #expect((response.object["detail"] as? String)?.isEmpty == false)
        }
        for secret in RouteTable.secrets(for: persona, in: world) {
            #expect(!response.text.contains(secret), "\(persona) saw '\(secret)' in \(response.text)")
        }
    }

    @Test("lists hold only what the caller may see")
    func listsAreFiltered() async throws {
        let world = try await TestWorld.make()
        defer { world.remove() }
        let path = "/api/v1/operations/\(world.operation.id)"
        try await world.withClient { client in
            let forB = try await client.execute(
                uri: path + "/targets", method: .get, headers: TestWorld.headers(.participantOfficer))
            #expect((forB.object["items"] as? [Any])?.count == 2)
            let forC = try await client.execute(
                uri: path + "/targets", method: .get, headers: TestWorld.headers(.otherParticipantOfficer))
            let itemsForC = try #require(forC.object["items"] as? [[String: Any]])
            #expect(itemsForC.map { $0["id"] as? String } == [world.sharedTarget.id])
            let actionsForC = try await client.execute(
                uri: path + "/actions", method: .get, headers: TestWorld.headers(.otherParticipantOfficer))
            let actions = try #require(actionsForC.object["items"] as? [[String: Any]])
            #expect(actions.count == 3)
            #expect(actions.first { $0["id"] as? String == world.actionSearch.id }?["targetId"] == nil)
            #expect(
                actions.first { $0["id"] as? String == world.actionC.id }?["targetId"] as? String
                    == world.sharedTarget.id)
            #expect(actions.first { $0["id"] as? String == world.actionB.id }?["targetId"] == nil)
            for persona in [Persona.nonParticipant, .platformAdmin] {
                let list = try await client.execute(
                    uri: "/api/v1/operations", method: .get, headers: TestWorld.headers(persona))
                let ids = (list.object["items"] as? [[String: Any]])?.compactMap { $0["id"] as? String }
                #expect(ids == (persona == .nonParticipant ? [world.otherOperation.id] : []))
            }
        }
    }

    @Test("every read of a target is in the audit chain")
    func readsAreAudited() async throws {
        let world = try await TestWorld.make()
        defer { world.remove() }
        let before = try await world.eventCount()
        try await world.withClient { client in
            _ = try await client.execute(
                uri: "/api/v1/operations/\(world.operation.id)/targets/\(world.sharedTarget.id)", method: .get,
                headers: TestWorld.headers(.otherParticipantOfficer))
        }
        let verification = try await world.store.verifyAuditChain()
        #expect(verification.isIntact)
        #expect(verification.eventsChecked == before + 1)
    }
}
