import ConcertCore
import Crypto
import Foundation

/// A checkpoint of the log's Merkle tree: how many events it holds, its root, and when it
/// was signed. Written and signed as C2SP's `tlog-checkpoint` in a C2SP `signed-note` with an
/// Ed25519 key, the format of Go's sumdb, Sigstore's Rekor v2 and the witness network:
///
///     concert/log/4f1c2a9b03d7e6a1
///     1234
///     t0yW4Q6L…base64 root…=
///     time 2026-12-06T21:30:00.123Z
///
///     — concert/log/4f1c2a9b03d7e6a1 AbCd…base64(key hash ‖ signature)…
///
/// The fourth line is an extension line the format allows; it is signed with the rest.
public struct LogCheckpoint: Sendable, Equatable {
    /// The log's name, the same in every checkpoint of one installation.
    public var origin: String
    /// How many events the tree holds: events #1 to #size.
    public var size: Int64
    /// The tree's root hash.
    public var root: LogTree.Hash
    /// When it was signed.
    public var time: Date

    public init(origin: String, size: Int64, root: LogTree.Hash, time: Date) {
        self.origin = origin
        self.size = size
        self.root = root
        self.time = time
    }

    /// The root hash as the API and the witness state write it.
    public var rootHex: String { Hex.string(root) }

    /// The signed text: the lines above the blank line.
    public var body: String {
        "\(origin)\n\(size)\n\(Data(root).base64EncodedString())\ntime \(ConcertJSON.formatTimestamp(time))\n"
    }

    /// Reads a checkpoint's body; nil when it is not one.
    init?(body: String) {
        let lines = body.split(separator: "\n", omittingEmptySubsequences: false)
        // Three lines, an extension line with the time, and the final new line.
        guard lines.count == 5, lines[4].isEmpty, !lines[0].isEmpty,
            let size = Int64(lines[1]), size >= 0, String(size) == lines[1],
            let root = Data(base64Encoded: String(lines[2])), root.count == 32,
            lines[3].hasPrefix("time "), let time = ConcertJSON.parseTimestamp(String(lines[3].dropFirst(5)))
        else { return nil }
        self.init(origin: String(lines[0]), size: size, root: Array(root), time: time)
    }
}

/// Why a signed checkpoint is not accepted.
public struct CheckpointError: Error, CustomStringConvertible, Equatable {
    public var description: String
}

/// The public half of the installation's log key, as a C2SP verifier key
/// (`name+keyhash+base64(0x01 ‖ public key)`): what a witness keeps to check checkpoints.
public struct LogVerifierKey: Sendable, Equatable {
    public let name: String
    /// The Ed25519 public key's 32 bytes.
    public let publicKey: Data
    /// The first four bytes of SHA-256(name ‖ "\n" ‖ 0x01 ‖ public key), which names the key
    /// in a signature line.
    public let keyHash: [UInt8]

    public init(name: String, publicKey: Data) {
        self.name = name
        self.publicKey = publicKey
        var hasher = SHA256()
        hasher.update(data: Data(name.utf8) + [0x0A, 0x01] + publicKey)
        keyHash = Array(hasher.finalize().prefix(4))
    }

    /// Reads a verifier key; nil when it is not an Ed25519 one.
    public init?(text: String) {
        let parts = text.trimmingCharacters(in: .whitespacesAndNewlines).split(separator: "+", maxSplits: 2)
        guard parts.count == 3, !parts[0].isEmpty, let keyBytes = Data(base64Encoded: String(parts[2])),
            keyBytes.count == 33, keyBytes.first == 0x01,
            (try? Curve25519.Signing.PublicKey(rawRepresentation: keyBytes.dropFirst())) != nil
        else { return nil }
        self.init(name: String(parts[0]), publicKey: Data(keyBytes.dropFirst()))
        guard Hex.string(keyHash) == parts[1].lowercased() else { return nil }
    }

    /// The verifier key's text.
    public var text: String {
        "\(name)+\(Hex.string(keyHash))+\(Data([0x01] + publicKey).base64EncodedString())"
    }

    /// The checkpoint a signed note holds, once its signature by this key is checked.
    public func open(_ note: String) throws -> LogCheckpoint {
        // The signed text ends at the first blank line; signature lines follow it.
        guard let blank = note.range(of: "\n\n") else {
            throw CheckpointError(description: "The checkpoint is not a signed note: it has no signature lines.")
        }
        let body = String(note[..<blank.lowerBound]) + "\n"
        let signatures = note[blank.upperBound...].split(separator: "\n")
        var signed = false
        for line in signatures {
            let fields = line.split(separator: " ")
            guard fields.count == 3, fields[0] == "\u{2014}", fields[1] == name,
                let bytes = Data(base64Encoded: String(fields[2])), bytes.count == 68,
                Array(bytes.prefix(4)) == keyHash
            else { continue }
            guard let key = try? Curve25519.Signing.PublicKey(rawRepresentation: publicKey),
                key.isValidSignature(bytes.dropFirst(4), for: Data(body.utf8))
            else {
                throw CheckpointError(
                    description: "The checkpoint's signature by \(name) is not valid: it was altered.")
            }
            signed = true
        }
        guard signed else {
            throw CheckpointError(
                description: "The checkpoint carries no signature by the key \(name) that was expected.")
        }
        guard let checkpoint = LogCheckpoint(body: body) else {
            throw CheckpointError(description: "The signed note is not a checkpoint of a log.")
        }
        guard checkpoint.origin == name else {
            throw CheckpointError(
                description: "The checkpoint is of the log '\(checkpoint.origin)', not of '\(name)'.")
        }
        return checkpoint
    }
}

/// The installation's log key, which signs its checkpoints.
public struct LogSigner: Sendable {
    /// The Ed25519 private key's 32-byte seed.
    private let seed: Data
    /// The key others check its checkpoints with.
    public let verifierKey: LogVerifierKey

    /// The log's name: `concert/log/` and the start of the public key's SHA-256, so that two
    /// installations never share one.
    public var origin: String { verifierKey.name }

    /// A signer with the 32-byte Ed25519 seed `seed`.
    public init(seed: Data) throws {
        let privateKey = try Curve25519.Signing.PrivateKey(rawRepresentation: seed)
        self.seed = seed
        let publicBytes = privateKey.publicKey.rawRepresentation
        let name = "concert/log/" + Hex.string(SHA256.hash(data: publicBytes).prefix(8))
        verifierKey = LogVerifierKey(name: name, publicKey: publicBytes)
    }

    /// A signer with a key written as 32 bytes in base64 (44 characters).
    public init(base64 text: String) throws {
        guard let seed = Data(base64Encoded: text.trimmingCharacters(in: .whitespacesAndNewlines)),
            seed.count == 32
        else { throw CheckpointError(description: "The log key must be 32 bytes written in base64 (44 characters).") }
        try self.init(seed: seed)
    }

    /// A new random key, in base64, for a key file.
    public static func newKeyText() -> String {
        Curve25519.Signing.PrivateKey().rawRepresentation.base64EncodedString()
    }

    /// The signed note of a checkpoint of this log.
    public func sign(size: Int64, root: LogTree.Hash, time: Date) throws -> String {
        let checkpoint = LogCheckpoint(origin: origin, size: size, root: root, time: time)
        let body = checkpoint.body
        let signature = try Curve25519.Signing.PrivateKey(rawRepresentation: seed).signature(for: Data(body.utf8))
        let line = Data(verifierKey.keyHash + signature).base64EncodedString()
        return body + "\n\u{2014} \(origin) \(line)\n"
    }
}
