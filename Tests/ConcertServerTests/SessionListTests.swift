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

    @Test("a session unused for the idle time is over, one in use lasts, none past its end or back from the dead")
    func idleSessionsEnd() async throws {
        let world = try await TestWorld.make()
        defer { world.remove() }
        let store = world.store
        let user = world.users[.observer]!
        let start = Date()
        func at(_ seconds: TimeInterval) -> Date { start.addingTimeInterval(seconds) }
        // Ten seconds of idle time, a hundred of life.
        try await store.createSession(
            tokenHash: "busy", user: user, expiresAt: at(10), endsAt: at(100), address: "192.0.2.1", client: "Busy")
        try await store.createSession(
            tokenHash: "idle", user: user, expiresAt: at(10), endsAt: at(100), address: "192.0.2.2", client: "Left open"
        )
        try await store.touchSession(tokenHash: "busy", now: at(5), expiresAt: at(15))
        #expect(try await store.sessionUser(tokenHash: "busy", now: at(11)) == user)
        #expect(try await store.sessionUser(tokenHash: "idle", now: at(11)) == nil, "an idle session lives on")
        // Used every nine seconds to the end, it still ends there.
        for second in stride(from: 14, through: 95, by: 9) {
            try await store.touchSession(
                tokenHash: "busy", now: at(TimeInterval(second)), expiresAt: at(TimeInterval(second + 10)))
        }
        #expect(try await store.sessionUser(tokenHash: "busy", now: at(99)) == user)
        #expect(try await store.sessionUser(tokenHash: "busy", now: at(101)) == nil, "a session outlives its end")
        // A use noted after a session ended does not bring it back.
        try await store.touchSession(tokenHash: "idle", now: at(12), expiresAt: at(22))
        #expect(try await store.sessionUser(tokenHash: "idle", now: at(13)) == nil, "an ended session came back")
    }

    @Test("a sign-in lasts the idle time unless used, and its user's list says so")
    func signInLastsTheIdleTime() async throws {
        let world = try await TestWorld.make()
        defer { world.remove() }
        try await world.withClient(configured: { $0.sessionIdleTimeout = 600 }) { client in
            let token = try await Self.signIn(.participantOfficer, client: client, userAgent: "Laptop")
            let listed = try await client.execute(
                uri: "/api/v1/me/sessions", method: .get, headers: [.authorization: "Bearer \(token)"])
            let mine = try #require(
                (listed.object["items"] as? [[String: Any]])?.first { $0["current"] as? Bool == true })
            let expires = try #require(
                (mine["expiresAt"] as? String).flatMap { try? Date($0, strategy: .iso8601) })
            // Ten minutes from now, give or take the test's own time; not the twelve hours of its life.
            #expect(abs(expires.timeIntervalSinceNow - 600) < 60, "expires at \(expires)")
        }
    }
}
