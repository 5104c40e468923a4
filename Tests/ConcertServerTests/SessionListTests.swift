import ConcertCore
import ConcertStorage
import Foundation
import Hummingbird
import HummingbirdTesting
import NIOCore
import Testing

@testable import ConcertServer

/// A user sees where they are signed in and ends any of it; a session unused for the idle
/// time is over.
@Suite("Sessions")
struct SessionListTests {
    static func signIn(
        _ persona: Persona, client: any TestClientProtocol, userAgent: String
    ) async throws -> String {
        let response = try await client.execute(
            uri: "/api/v1/sessions", method: .post,
            headers: [.contentType: "application/json", .userAgent: userAgent],
            body: .json(["username": persona.rawValue.lowercased(), "password": TestWorld.password]))
        return try #require(response.object["token"] as? String, "\(response.text)")
    }

    @Test("a user lists their own sessions, ends one, and cannot touch anyone else's")
    func listAndEnd() async throws {
        let world = try await TestWorld.make()
        defer { world.remove() }
        try await world.withClient { client in
            let laptop = try await Self.signIn(.participantOfficer, client: client, userAgent: "Laptop browser")
            let phone = try await Self.signIn(.participantOfficer, client: client, userAgent: "Phone browser")
            let theirs = try await Self.signIn(.observer, client: client, userAgent: "Observer's browser")
            let listed = try await client.execute(
                uri: "/api/v1/me/sessions", method: .get, headers: [.authorization: "Bearer \(laptop)"])
            #expect(listed.status == .ok)
            let items = try #require(listed.object["items"] as? [[String: Any]])
            let clients = Set(items.compactMap { $0["client"] as? String })
            #expect(clients.isSuperset(of: ["Laptop browser", "Phone browser"]))
            #expect(!clients.contains("Observer's browser"), "another user's session is listed")
            #expect(items.filter { $0["current"] as? Bool == true }.count == 1)
            #expect(!listed.text.contains(laptop) && !listed.text.contains(Authenticator.tokenHash(laptop)))
            let phoneId = try #require(items.first { $0["client"] as? String == "Phone browser" }?["id"] as? String)

            // Another user's session id is answered as one that does not exist, and lives on.
            let observerList = try await client.execute(
                uri: "/api/v1/me/sessions", method: .get, headers: [.authorization: "Bearer \(theirs)"])
            let observerId = try #require(
                (observerList.object["items"] as? [[String: Any]])?.first?["id"] as? String)
            let foreign = try await client.execute(
                uri: "/api/v1/me/sessions/\(observerId)", method: .delete, headers: [.authorization: "Bearer \(laptop)"]
            )
            #expect(foreign.status == .notFound)
            let stillThere = try await client.execute(
                uri: "/api/v1/me", method: .get, headers: [.authorization: "Bearer \(theirs)"])
            #expect(stillThere.status == .ok)

            // Ending the phone's session signs the phone out at once, and the laptop not.
            let ended = try await client.execute(
                uri: "/api/v1/me/sessions/\(phoneId)", method: .delete, headers: [.authorization: "Bearer \(laptop)"])
            #expect(ended.status == .noContent)
            let phoneAfter = try await client.execute(
                uri: "/api/v1/me", method: .get, headers: [.authorization: "Bearer \(phone)"])
            #expect(phoneAfter.status == .unauthorized)
            let laptopAfter = try await client.execute(
                uri: "/api/v1/me", method: .get, headers: [.authorization: "Bearer \(laptop)"])
            #expect(laptopAfter.status == .ok)
        }
    }

    @Test("a session unused for the idle time is over; one in use lasts")
    func idleSessionsEnd() async throws {
        let world = try await TestWorld.make()
        defer { world.remove() }
        try await world.withClient(configured: { $0.sessionIdleTimeout = 3 }) { client in
            let idle = try await Self.signIn(.observer, client: client, userAgent: "Left open")
            let used = try await Self.signIn(.participantOfficer, client: client, userAgent: "Busy")
            // The busy one is used every half second for four and a half seconds: past its idle time.
            for _ in 0..<10 {
                let response = try await client.execute(
                    uri: "/api/v1/me", method: .get, headers: [.authorization: "Bearer \(used)"])
                #expect(response.status == .ok)
                try await Task.sleep(for: .milliseconds(500))
            }
            let left = try await client.execute(
                uri: "/api/v1/me", method: .get, headers: [.authorization: "Bearer \(idle)"])
            #expect(left.status == .unauthorized)
            #expect((left.object["detail"] as? String)?.contains("sign in again") == true)
        }
    }
}
