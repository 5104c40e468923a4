import ConcertCore
import ConcertStorage
import Crypto
import Foundation
import Hummingbird
import HummingbirdTesting
import NIOCore
import Testing

@testable import ConcertServer

/// The second factor tried as an attacker would — wrong codes, a code used twice, a recovery
/// code used twice, the session route without the code, a session of a user who must set it up
/// — and as the investigator who has one goes about an action day.
@Suite("Second factor")
struct SecondFactorTests {
    /// RFC 6238's code of a base32 secret at a step, computed here from the RFC, not by Concert.
    static func code(base32 secret: String, step: Int64) -> String {
        let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZ234567")
        var bits = 0
        var value = 0
        var key: [UInt8] = []
        for character in secret where character != " " {
            value = value << 5 | alphabet.firstIndex(of: character)!
            bits += 5
            if bits >= 8 {
                key.append(UInt8((value >> (bits - 8)) & 0xFF))
                bits -= 8
            }
        }
        var counter = UInt64(step).bigEndian
        let message = withUnsafeBytes(of: &counter) { Data($0) }
        let mac = Array(HMAC<Insecure.SHA1>.authenticationCode(for: message, using: SymmetricKey(data: key)))
        let offset = Int(mac[mac.count - 1] & 0x0F)
        let number =
            (Int(mac[offset]) & 0x7F) << 24 | Int(mac[offset + 1]) << 16 | Int(mac[offset + 2]) << 8
            | Int(mac[offset + 3])
        return String(format: "%06d", number % 1_000_000)
    }

    static var step: Int64 { Int64(Date().timeIntervalSince1970 / 30) }

    static func json(_ object: Any) -> ByteBuffer { ByteBuffer.json(object) }

    static func signIn(
        _ persona: Persona, code: String? = nil, client: any TestClientProtocol
    ) async throws -> TestResponse {
        var body: [String: Any] = ["username": persona.rawValue.lowercased(), "password": TestWorld.password]
        if let code { body["code"] = code }
        return try await client.execute(
            uri: "/api/v1/sessions", method: .post, headers: [.contentType: "application/json"], body: json(body))
    }

    /// Sets up a second factor for `persona` through the API; returns its base32 secret and
    /// recovery codes. Confirms with the code of the step before now, so that now's is unused.
    static func enrol(_ persona: Persona, client: any TestClientProtocol) async throws -> (String, [String]) {
        let begun = try await client.execute(
            uri: "/api/v1/me/second-factor", method: .post, headers: TestWorld.headers(persona))
        #expect(begun.status == .created, "\(begun.text)")
        let secret = try #require(begun.object["secret"] as? String)
        let uri = try #require(begun.object["uri"] as? String)
        #expect(uri.hasPrefix("otpauth://totp/Concert:\(persona.rawValue.lowercased())?secret="))
        #expect((begun.object["qrCode"] as? String)?.hasPrefix("<svg") == true)
        // Not in a step's last seconds: on a loaded machine the server may check the code in the
        // next step, where the step before this one is two away and refused.
        let into = Date().timeIntervalSince1970.truncatingRemainder(dividingBy: 30)
        if into > 24 { try await Task.sleep(for: .milliseconds(Int((30.5 - into) * 1_000))) }
        let confirmed = try await client.execute(
            uri: "/api/v1/me/second-factor/confirm", method: .post, headers: TestWorld.headers(persona),
            body: json(["code": code(base32: secret, step: step - 1)]))
        #expect(confirmed.status == .ok, "\(confirmed.text)")
        let codes = try #require(confirmed.object["recoveryCodes"] as? [String])
        return (secret, codes)
    }

    @Test("setting up takes a right code; then sign-in wants one, takes it once, and never a wrong one")
    func enrolAndSignIn() async throws {
        let world = try await TestWorld.make()
        defer { world.remove() }
        try await world.withClient { client in
            let begun = try await client.execute(
                uri: "/api/v1/me/second-factor", method: .post, headers: TestWorld.headers(.participantOfficer))
            let abandoned = try #require(begun.object["secret"] as? String)
            // A wrong code sets up nothing: signing in still takes the password alone.
            let wrong = try await client.execute(
                uri: "/api/v1/me/second-factor/confirm", method: .post, headers: TestWorld.headers(.participantOfficer),
                body: Self.json(["code": Self.code(base32: abandoned, step: Self.step + 5)]))
            #expect(wrong.status == .unprocessableContent)
            #expect(try await Self.signIn(.participantOfficer, client: client).status == .created)

            // Setting up again gives a new secret: the abandoned one's codes are worth nothing.
            let (secret, codes) = try await Self.enrol(.participantOfficer, client: client)
            #expect(secret != abandoned)
            let abandonedCode = try await Self.signIn(
                .participantOfficer, code: Self.code(base32: abandoned, step: Self.step), client: client)
            #expect(abandonedCode.status == .unauthorized)
            #expect(codes.count == 10 && Set(codes).count == 10)
            let status = try await client.execute(
                uri: "/api/v1/me/second-factor", method: .get, headers: TestWorld.headers(.participantOfficer))
            #expect(status.object["enabled"] as? Bool == true)
            #expect(status.object["recoveryCodesLeft"] as? Int == 10)

            // The session route without the code: refused, and it names what is missing.
            let withoutCode = try await Self.signIn(.participantOfficer, client: client)
            #expect(withoutCode.status == .unauthorized)
            #expect(withoutCode.object["field"] as? String == "code")
            #expect(withoutCode.object["token"] == nil)
            // The right code once; the same code again (a shoulder surfer, a replay) never.
            let now = Self.code(base32: secret, step: Self.step)
            let first = try await Self.signIn(.participantOfficer, code: now, client: client)
            #expect(first.status == .created, "\(first.text)")
            let again = try await Self.signIn(.participantOfficer, code: now, client: client)
            #expect(again.status == .unauthorized)
            #expect(again.object["token"] == nil)
            // The code of the step already used for setting up is as used.
            let earlier = try await Self.signIn(
                .participantOfficer, code: Self.code(base32: secret, step: Self.step - 1), client: client)
            #expect(earlier.status == .unauthorized)
        }
    }

    /// The installation's rules, but a first delay of a minute rather than a second: on a
    /// machine busy with every other suite, the store's write of a failure's audit entry can
    /// take longer than a second, and the next attempt would then come after the delay.
    static let patientRules = SignInThrottle.Rules(
        account: SignInThrottle.Limits(
            freeFailures: 3, firstDelay: 60, maximumDelay: 600, lockAfter: 10, lockDuration: 15 * 60, window: 15 * 60))

    @Test("many wrong codes are held back like wrong passwords, the right code then too")
    func wrongCodesAreThrottled() async throws {
        let world = try await TestWorld.make()
        defer { world.remove() }
        try await world.withClient(configured: { $0.signInRules = Self.patientRules }) { client in
            let (secret, _) = try await Self.enrol(.observer, client: client)
            var statuses: [Int] = []
            // Three failures are free, as for passwords; from the fourth, each next attempt waits.
            for guess in ["000000", "111111", "222222", "333333", "444444"] {
                statuses.append(try await Self.signIn(.observer, code: guess, client: client).status.code)
            }
            #expect(statuses.prefix(4).allSatisfy { $0 == 401 })
            #expect(statuses.last == 429, "\(statuses)")
            // Held back: not even the right code is checked until the delay passes.
            let right = try await Self.signIn(
                .observer, code: Self.code(base32: secret, step: Self.step), client: client)
            #expect(right.status == .tooManyRequests)
        }
        // Every wrong code is in the audit trail the agency's administrators read.
        let failures = try await world.store.events(
            kinds: [.signInFailed], operationIds: nil, mentioning: nil, limit: 100)
        #expect(failures.count >= 3)
    }

    @Test("a stolen session guessing codes to turn the factor off is held back like a sign-in")
    func disableGuessesAreThrottled() async throws {
        let world = try await TestWorld.make()
        defer { world.remove() }
        try await world.withClient(configured: { $0.signInRules = Self.patientRules }) { client in
            _ = try await Self.enrol(.observer, client: client)
            var statuses: [Int] = []
            for guess in ["000000", "111111", "222222", "333333", "444444"] {
                let response = try await client.execute(
                    uri: "/api/v1/me/second-factor/disable", method: .post, headers: TestWorld.headers(.observer),
                    body: Self.json(["password": TestWorld.password, "code": guess]))
                statuses.append(Int(response.status.code))
            }
            #expect(statuses.prefix(4).allSatisfy { $0 == 422 }, "\(statuses)")
            #expect(statuses.last == 429, "\(statuses)")
        }
        #expect(try await world.store.user(id: world.users[.observer]!.id)?.secondFactorSince != nil)
    }

    @Test("a recovery code signs in once, and only its own account")
    func recoveryCodesWorkOnce() async throws {
        let world = try await TestWorld.make()
        defer { world.remove() }
        try await world.withClient { client in
            let (_, codes) = try await Self.enrol(.leadCoordinator, client: client)
            let (_, otherCodes) = try await Self.enrol(.participantOfficer, client: client)
            let foreign = try await Self.signIn(.leadCoordinator, code: otherCodes[0], client: client)
            #expect(foreign.status == .unauthorized)
            // Typed as a person would: lower case, spaces for dashes.
            let typed = codes[3].lowercased().replacingOccurrences(of: "-", with: " ")
            #expect(try await Self.signIn(.leadCoordinator, code: typed, client: client).status == .created)
            #expect(try await Self.signIn(.leadCoordinator, code: codes[3], client: client).status == .unauthorized)
        }
        let stored = try #require(try await world.store.secondFactor(userId: world.users[.leadCoordinator]!.id))
        #expect(stored.recoveryCodesLeft == 9)
    }

    @Test("the secret is kept sealed: the database alone gives no one the codes")
    func secretIsSealed() async throws {
        let world = try await TestWorld.make()
        defer { world.remove() }
        let secret = try await world.withClient { client in try await Self.enrol(.observer, client: client).0 }
        let stored = try #require(try await world.store.secondFactor(userId: world.users[.observer]!.id))
        let base32 = secret.replacingOccurrences(of: " ", with: "")
        #expect(!stored.sealedSecret.contains(base32))
        #expect(!stored.sealedSecret.contains(String(base32.prefix(8))))
        // Another installation's key opens nothing.
        let elsewhere = SecondFactor(store: world.store, installationKey: SymmetricKey(size: .bits256))
        await #expect(throws: StoreError.self) {
            _ = try await elsewhere.verify(Self.code(base32: secret, step: Self.step), for: world.users[.observer]!)
        }
    }

    @Test("one step either way is accepted, two are not")
    func window() {
        let secret = "12345678901234567890"
        let totp = { (step: Int64) in
            String(
                format: "%06d",
                Int(SecondFactorTests.code(base32: Self.base32(secret), step: step)) ?? -1)
        }
        let now = Date(timeIntervalSince1970: 59 + 30 * 1000)
        let step = Int64(now.timeIntervalSince1970 / 30)
        for offset in [-1, 0, 1] as [Int64] {
            #expect(SecondFactor.matchingStep(of: totp(step + offset), secret: secret, now: now) == step + offset)
        }
        for offset in [-3, -2, 2, 3] as [Int64] where totp(step + offset) != totp(step) {
            #expect(SecondFactor.matchingStep(of: totp(step + offset), secret: secret, now: now) == nil)
        }
        #expect(SecondFactor.matchingStep(of: "12345", secret: secret, now: now) == nil)
        #expect(SecondFactor.matchingStep(of: "abcdef", secret: secret, now: now) == nil)
        // RFC 6238's own test vector (SHA-1, 59 s: 94287082, of which the last six digits).
        #expect(Self.code(base32: Self.base32(secret), step: 1) == "287082")
    }

    static func base32(_ text: String) -> String {
        let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZ234567")
        var bits = 0
        var value = 0
        var output = ""
        for byte in text.utf8 {
            value = value << 8 | Int(byte)
            bits += 8
            while bits >= 5 {
                output.append(alphabet[(value >> (bits - 5)) & 31])
                bits -= 5
            }
        }
        if bits > 0 { output.append(alphabet[(value << (5 - bits)) & 31]) }
        return output
    }

    @Test("turning it off takes the password and a code, and is refused where it is required")
    func disabling() async throws {
        let world = try await TestWorld.make()
        defer { world.remove() }
        try await world.withClient { client in
            let (secret, _) = try await Self.enrol(.participantOfficer, client: client)
            // A session taken over (a browser left open) cannot strip the account of it.
            let noCode = try await client.execute(
                uri: "/api/v1/me/second-factor/disable", method: .post, headers: TestWorld.headers(.participantOfficer),
                body: Self.json(["password": TestWorld.password, "code": "123456"]))
            #expect(noCode.status == .unprocessableContent)
            // The right code without the password is no proof either.
            let noPassword = try await client.execute(
                uri: "/api/v1/me/second-factor/disable", method: .post, headers: TestWorld.headers(.participantOfficer),
                body: Self.json(["password": "not the password", "code": Self.code(base32: secret, step: Self.step)]))
            #expect(noPassword.status == .unprocessableContent)
            let off = try await client.execute(
                uri: "/api/v1/me/second-factor/disable", method: .post, headers: TestWorld.headers(.participantOfficer),
                body: Self.json([
                    "password": TestWorld.password, "code": Self.code(base32: secret, step: Self.step + 1),
                ]))
            #expect(off.status == .noContent, "\(off.text)")
            #expect(try await Self.signIn(.participantOfficer, client: client).status == .created)
        }
        try await world.store.requireSecondFactor(agencyId: world.users[.participantOfficer]!.agencyId, true)
        try await world.withClient { client in
            let (secret, _) = try await Self.enrol(.participantOfficer, client: client)
            let refused = try await client.execute(
                uri: "/api/v1/me/second-factor/disable", method: .post, headers: TestWorld.headers(.participantOfficer),
                body: Self.json(["password": TestWorld.password, "code": Self.code(base32: secret, step: Self.step)]))
            #expect(refused.status == .forbidden)
        }
        // The administrator's reset removes it and ends the user's sessions.
        let reset = try await world.store.removeSecondFactor(
            userId: world.users[.participantOfficer]!.id, endingSessions: true, by: nil)
        #expect(reset.secondFactorSince == nil)
        #expect(
            try await world.store.sessionUser(
                tokenHash: Authenticator.tokenHash(TestWorld.token(for: .participantOfficer)), now: Date()) == nil)
    }

    @Test("a user who must have it and has not reaches nothing but setting it up, by API, page or live feed")
    func requiredBeforeAnything() async throws {
        let world = try await TestWorld.make()
        defer { world.remove() }
        try await world.store.requireSecondFactor(agencyId: world.users[.leadCoordinator]!.agencyId, true)
        let operationPath = "/api/v1/operations/\(world.operation.id)"
        try await world.withClient { client in
            // Signing in works (the password is all they have yet) …
            #expect(try await Self.signIn(.leadCoordinator, client: client).status == .created)
            // … but the session opens nothing of the operation.
            for path in ["/api/v1/operations", operationPath, operationPath + "/targets", operationPath + "/live"] {
                let response = try await client.execute(
                    uri: path, method: .get, headers: TestWorld.headers(.leadCoordinator))
                #expect(response.status == .forbidden, "\(path): \(response.status)")
                #expect(!response.text.contains(world.operation.codeName))
            }
            let page = try await client.execute(
                uri: "/operations", method: .get, headers: TestWorld.headers(.leadCoordinator))
            #expect(page.status == .seeOther || page.status == .found)
            #expect(page.headers[.location] == "/account/second-factor")
            let me = try await client.execute(
                uri: "/api/v1/me", method: .get, headers: TestWorld.headers(.leadCoordinator))
            #expect(me.status == .ok)
            // Other agencies' users are not held.
            let other = try await client.execute(
                uri: "/api/v1/operations", method: .get, headers: TestWorld.headers(.participantOfficer))
            #expect(other.status == .ok)
            _ = try await Self.enrol(.leadCoordinator, client: client)
            let after = try await client.execute(
                uri: operationPath, method: .get, headers: TestWorld.headers(.leadCoordinator))
            #expect(after.status == .ok)
        }
        // The WebSocket of the live feed, which passes no router middleware, admits no such user.
        try await world.store.requireSecondFactor(agencyId: world.users[.participantOfficer]!.agencyId, true)
        let admission = LiveSocketAdmission(
            store: world.store, authenticator: Authenticator(store: world.store), feed: LiveFeed(store: world.store),
            secondFactor: SecondFactorPolicy(store: world.store, requiredEverywhere: false))
        var head = HTTPRequest(method: .get, scheme: nil, authority: "127.0.0.1", path: operationPath + "/live")
        head.headerFields[.authorization] = "Bearer \(TestWorld.token(for: .participantOfficer))"
        #expect(await admission.admit(head) == nil)
        head.headerFields[.authorization] = "Bearer \(TestWorld.token(for: .leadCoordinator))"
        #expect(await admission.admit(head) != nil)
    }

    @Test("with the factor, an action day goes on without another prompt")
    func noFrictionAfterSignIn() async throws {
        let world = try await TestWorld.make()
        defer { world.remove() }
        try await world.withClient { client in
            let (secret, _) = try await Self.enrol(.leadCoordinator, client: client)
            let signedIn = try await Self.signIn(
                .leadCoordinator, code: Self.code(base32: secret, step: Self.step), client: client)
            let token = try #require(signedIn.object["token"] as? String)
            let operationPath = "/api/v1/operations/\(world.operation.id)"
            for path in [
                operationPath, operationPath + "/targets", operationPath + "/actions", operationPath + "/log",
                operationPath + "/messages", operationPath + "/live?follow=false",
            ] {
                let response = try await client.execute(
                    uri: path, method: .get, headers: [.authorization: "Bearer \(token)"])
                #expect(response.status == .ok, "\(path): \(response.status) \(response.text)")
            }
        }
    }
}
