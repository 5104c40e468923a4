import ConcertCore
import ConcertServer
import ConcertStorage
import Foundation
import Testing

/// The administrator's commands for the second factor: an agency requires it, a user who lost
/// device and recovery codes gets it reset (and signed out).
@Suite("Second factor commands")
struct SecondFactorCommandTests {
    @Test("require-2fa sets and lifts an agency's rule; reset-2fa removes a user's factor and ends their sessions")
    func requireAndReset() async throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("concert-2fa-\(UUID())")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let path = folder.appendingPathComponent("concert.sqlite").path
        var store: SQLiteStore? = try SQLiteStore(path: path)
        let agency = Agency(id: Identifier.make(), name: "Test Police", country: "FR", kind: .police)
        try await store!.createAgency(agency, by: nil)
        let user = User(
            id: Identifier.make(), username: "tp-officer", displayName: "T P", agencyId: agency.id, role: .officer)
        try await store!.createUser(user, passwordHash: "unused", by: nil)
        try await store!.beginSecondFactor(userId: user.id, sealedSecret: "sealed")
        _ = try await store!.confirmSecondFactor(
            userId: user.id, sealedSecret: "sealed", step: 1, recoveryCodeHashes: ["h"], by: Actor(user))
        try await store!.createSession(tokenHash: "t", user: user, expiresAt: Date().addingTimeInterval(600))
        store = nil

        let required = try ConcertExecutable.run(
            ["agency", "require-2fa", "--agency", "Test Police", "--database", path])
        #expect(required.status == 0, "\(required.errors)")
        #expect(try await SQLiteStore(path: path).agenciesRequiringSecondFactor() == [agency.id])
        let unknown = try ConcertExecutable.run(["agency", "require-2fa", "--agency", "Nobody", "--database", path])
        #expect(unknown.status != 0)
        #expect(unknown.errors.contains("No agency has the id or name 'Nobody'"))

        let reset = try ConcertExecutable.run(["user", "reset-2fa", "--username", "tp-officer", "--database", path])
        #expect(reset.status == 0, "\(reset.errors)")
        let after = try SQLiteStore(path: path)
        #expect(try await after.secondFactor(userId: user.id) == nil)
        #expect(try await after.user(id: user.id)?.secondFactorSince == nil)
        #expect(try await after.sessionUser(tokenHash: "t", now: Date()) == nil, "the user is still signed in")
        let again = try ConcertExecutable.run(["user", "reset-2fa", "--username", "tp-officer", "--database", path])
        #expect(again.status != 0)
        #expect(again.errors.contains("has no second factor to reset"))

        let lifted = try ConcertExecutable.run(
            ["agency", "require-2fa", "--agency", agency.id, "--off", "--database", path])
        #expect(lifted.status == 0)
        #expect(try await after.agenciesRequiringSecondFactor().isEmpty)
    }
}
