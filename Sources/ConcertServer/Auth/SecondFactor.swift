import ConcertCore
import ConcertStorage
import Crypto
import Foundation
import HummingbirdOTP
import Synchronization

/// Signing in with a second factor: a code from an authenticator app (TOTP, RFC 6238, on
/// hummingbird-auth's `HummingbirdOTP`), or one of ten one-time recovery codes.
///
/// `HummingbirdOTP` computes a code for a moment; this adds what a server needs around it: a
/// code is accepted within one 30-second step of now either way (clocks drift, people type
/// slowly) and never twice (the store keeps the last step used, and takes a later one in one
/// statement); the secret is sealed with AES-GCM under a key derived from the installation's
/// key, bound to its user, so that the database alone gives no one the codes; recovery codes
/// are kept as their SHA-256 and each works once.
public final class SecondFactor: Sendable {
    /// The name authenticator apps show beside the account.
    static let issuer = "Concert"
    /// How many recovery codes a user gets.
    static let recoveryCodeCount = 10

    let store: any Store
    /// Who must have one.
    let policy: SecondFactorPolicy
    /// Whether the installation requires a second factor of every user (`--require-2fa`).
    var requiredEverywhere: Bool { policy.requiredEverywhere }
    /// The sealing key's bytes (a `SymmetricKey` is not `Sendable`).
    private let keyBytes: [UInt8]
    private var key: SymmetricKey { SymmetricKey(data: keyBytes) }

    /// Creates the second factor of an installation, its secrets sealed under a key derived
    /// from `installationKey` (the attachment key: another use of it cannot open them).
    public init(store: any Store, installationKey: SymmetricKey, requiredEverywhere: Bool = false) {
        self.store = store
        self.policy = SecondFactorPolicy(store: store, requiredEverywhere: requiredEverywhere)
        keyBytes = HKDF<SHA256>.deriveKey(
            inputKeyMaterial: installationKey, info: Data("concert second factor secrets".utf8), outputByteCount: 32
        ).withUnsafeBytes { Array($0) }
    }

    /// What a user needs to set up their app: the secret to type, the address a QR code holds,
    /// and that QR code as SVG.
    public struct Enrolment: Encodable, Sendable {
        /// The secret in base32, as authenticator apps take it when typed (in groups of four).
        public var secret: String
        /// The `otpauth://totp/…` address.
        public var uri: String
        /// The address as a QR code, an SVG image drawn by the server.
        public var qrCode: String
    }

    /// Starts setting up a second factor for `user`: a new secret, kept sealed until they
    /// confirm it with a code.
    func begin(for user: User) async throws -> Enrolment {
        var generator = SystemRandomNumberGenerator()
        let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789")
        // 32 characters of 62: 190 bits, more than RFC 4226's 160.
        let secret = String((0..<32).map { _ in alphabet[Int(generator.next(upperBound: UInt64(alphabet.count)))] })
        try await store.beginSecondFactor(userId: user.id, sealedSecret: try seal(secret, userId: user.id))
        return enrolment(secret: secret, user: user)
    }

    /// The enrolment under way of `user`, shown again (a page reloaded); nil when none is.
    func pendingEnrolment(of user: User) async throws -> Enrolment? {
        guard let stored = try await store.secondFactor(userId: user.id), !stored.isConfirmed else { return nil }
        return enrolment(secret: try open(stored.sealedSecret, userId: user.id), user: user)
    }

    private func enrolment(secret: String, user: User) -> Enrolment {
        let uri = TOTP(secret: secret).createAuthenticatorURL(
            label: "\(Self.issuer):\(user.username)", issuer: Self.issuer)
        let base32 = URLComponents(string: uri)?.queryItems?.first { $0.name == "secret" }?.value ?? ""
        let grouped = stride(from: 0, to: base32.count, by: 4).map { start -> String in
            let from = base32.index(base32.startIndex, offsetBy: start)
            return String(
                base32[from..<(base32.index(from, offsetBy: 4, limitedBy: base32.endIndex) ?? base32.endIndex)])
        }.joined(separator: " ")
        let svg = QRCode(uri)?.svg(pixels: 240, label: "QR code to scan with your authenticator app") ?? ""
        return Enrolment(secret: grouped, uri: uri, qrCode: svg)
    }

    /// Confirms the enrolment under way with a code from the app; returns the user and their
    /// recovery codes, shown this once. Throws a 422 problem for a wrong code.
    func confirm(for user: User, code: String) async throws -> (User, [String]) {
        guard let stored = try await store.secondFactor(userId: user.id), !stored.isConfirmed else {
            throw DomainError.conflict("There is no second factor being set up; start again.")
        }
        let secret = try open(stored.sealedSecret, userId: user.id)
        guard let step = Self.matchingStep(of: code, secret: secret, now: Date()) else {
            throw DomainError.invalid(
                "That code does not match: check your device's clock and type the code the app shows now.",
                field: "code")
        }
        var generator = SystemRandomNumberGenerator()
        let alphabet = Array("ABCDEFGHJKLMNPQRSTUVWXYZ23456789")
        let codes = (0..<Self.recoveryCodeCount).map { _ in
            // 16 characters of 32: 80 bits, written in groups of four.
            (0..<4).map { _ in
                String((0..<4).map { _ in alphabet[Int(generator.next(upperBound: UInt64(alphabet.count)))] })
            }.joined(separator: "-")
        }
        let updated = try await store.confirmSecondFactor(
            userId: user.id, sealedSecret: stored.sealedSecret, step: step,
            recoveryCodeHashes: codes.map(Self.recoveryHash), by: Actor(user))
        return (updated, codes)
    }

    /// Whether `code` signs `user` in now: a code of their app not used before, or an unused
    /// recovery code (which is then used up).
    func verify(_ code: String, for user: User) async throws -> Bool {
        guard let stored = try await store.secondFactor(userId: user.id), stored.isConfirmed else { return false }
        let digits = code.filter { !$0.isWhitespace }
        if digits.count == 6, digits.allSatisfy(\.isASCIIDigit) {
            let secret = try open(stored.sealedSecret, userId: user.id)
            guard let step = Self.matchingStep(of: digits, secret: secret, now: Date()) else { return false }
            return try await store.acceptSecondFactorStep(userId: user.id, step: step)
        }
        let normalized = Self.normalizedRecoveryCode(code)
        guard normalized.count == 16 else { return false }
        return try await store.useRecoveryCode(userId: user.id, codeHash: Self.recoveryHash(normalized))
    }

    /// Whether `user` must sign in with a second factor.
    func isRequired(for user: User) async -> Bool { await policy.isRequired(for: user) }

    /// The time step whose code `code` is, within one step of `now` either way; nil when none.
    static func matchingStep(of code: String, secret: String, now: Date) -> Int64? {
        let typed = code.filter { !$0.isWhitespace }
        guard typed.count == 6, typed.allSatisfy(\.isASCIIDigit) else { return nil }
        let totp = TOTP(secret: secret)
        let step = Int64(now.timeIntervalSince1970 / 30)
        var found: Int64?
        // Every candidate is computed and compared alike, so that the time taken tells nothing.
        for offset in [-1, 0, 1] as [Int64] {
            let expected = String(
                format: "%06d", totp.compute(date: Date(timeIntervalSince1970: Double((step + offset) * 30))))
            if constantTimeEqual(expected, typed) { found = step + offset }
        }
        return found
    }

    static func normalizedRecoveryCode(_ code: String) -> String {
        String(code.uppercased().filter { $0.isLetter || $0.isNumber })
    }

    static func recoveryHash(_ code: String) -> String {
        Hex.string(SHA256.hash(data: Data(normalizedRecoveryCode(code).utf8)))
    }

    private static func constantTimeEqual(_ a: String, _ b: String) -> Bool {
        let left = Array(a.utf8)
        let right = Array(b.utf8)
        guard left.count == right.count else { return false }
        var difference: UInt8 = 0
        for index in left.indices { difference |= left[index] ^ right[index] }
        return difference == 0
    }

    private func seal(_ secret: String, userId: String) throws -> String {
        let box = try AES.GCM.seal(Data(secret.utf8), using: key, authenticating: Data(userId.utf8))
        return box.combined!.base64EncodedString()
    }

    private func open(_ sealed: String, userId: String) throws -> String {
        guard let data = Data(base64Encoded: sealed),
            let opened = try? AES.GCM.open(
                AES.GCM.SealedBox(combined: data), using: key, authenticating: Data(userId.utf8))
        else {
            throw StoreError.damaged(
                "A second factor's secret cannot be opened with this installation's key (was the attachment key changed?)."
            )
        }
        return String(decoding: opened, as: UTF8.self)
    }
}

extension Character {
    fileprivate var isASCIIDigit: Bool { isASCII && isNumber }
}

/// Who must sign in with a second factor: everyone when the installation says so, else the
/// users of the agencies that require it (read from the store at most every five seconds).
final class SecondFactorPolicy: Sendable {
    let store: any Store
    let requiredEverywhere: Bool
    private let cache = Mutex<(agencies: Set<String>, readAt: ContinuousClock.Instant)?>(nil)

    init(store: any Store, requiredEverywhere: Bool) {
        self.store = store
        self.requiredEverywhere = requiredEverywhere
    }

    /// Whether `user` must have a second factor. When the store cannot be read, it is
    /// required: a failure must not open what the policy closes.
    func isRequired(for user: User) async -> Bool {
        if requiredEverywhere { return true }
        let now = ContinuousClock.now
        if let cached = cache.withLock({ $0 }), now - cached.readAt < .seconds(5) {
            return cached.agencies.contains(user.agencyId)
        }
        guard let agencies = try? await store.agenciesRequiringSecondFactor() else { return true }
        cache.withLock { $0 = (agencies, now) }
        return agencies.contains(user.agencyId)
    }

    /// Whether `user` may do more than set up their second factor.
    func admits(_ user: User) async -> Bool {
        if user.secondFactorSince != nil { return true }
        return !(await isRequired(for: user))
    }
}
