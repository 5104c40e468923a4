import ConcertCore
import ConcertStorage
import Crypto
import Foundation
import Synchronization
import Testing

/// RFC 9162's Merkle tree written here from the RFC's definitions, sharing nothing with the
/// store's code: MTH, PATH and PROOF as the recursions of section 2.1, and proofs checked by
/// rebuilding the roots they claim.
enum RFC9162 {
    typealias Hash = [UInt8]

    static func leaf(_ input: [UInt8]) -> Hash { Array(SHA256.hash(data: [0x00] + input)) }
    static func node(_ left: Hash, _ right: Hash) -> Hash { Array(SHA256.hash(data: [0x01] + left + right)) }

    /// The largest power of two smaller than n.
    static func k(_ n: Int) -> Int {
        var k = 1
        while k * 2 < n { k *= 2 }
        return k
    }

    /// MTH(D[n]), remembered by range: the proofs of a thousand trees ask for the same
    /// subtrees again and again.
    static func mth(_ leaves: ArraySlice<Hash>) -> Hash {
        let key = [leaves.startIndex, leaves.count]
        if let known = memo.withLock({ $0[key] }) { return known }
        let hash = computeMTH(leaves)
        memo.withLock { $0[key] = hash }
        return hash
    }

    /// The memo of ``mth(_:)``: for one list of leaves at a time (``forget()`` between lists).
    static let memo = Mutex<[[Int]: Hash]>([:])

    static func forget() { memo.withLock { $0 = [:] } }

    static func computeMTH(_ leaves: ArraySlice<Hash>) -> Hash {
        switch leaves.count {
        case 0: return Array(SHA256.hash(data: [UInt8]()))
        case 1: return leaves.first!
        default:
            let split = leaves.startIndex + k(leaves.count)
            return node(mth(leaves[..<split]), mth(leaves[split...]))
        }
    }

    /// PATH(m, D[n]).
    static func path(_ m: Int, _ leaves: ArraySlice<Hash>) -> [Hash] {
        guard leaves.count > 1 else { return [] }
        let split = k(leaves.count)
        let middle = leaves.startIndex + split
        return m < split
            ? path(m, leaves[..<middle]) + [mth(leaves[middle...])]
            : path(m - split, leaves[middle...]) + [mth(leaves[..<middle])]
    }

    /// PROOF(m, D[n]).
    static func proof(_ m: Int, _ leaves: ArraySlice<Hash>) -> [Hash] {
        func subproof(_ m: Int, _ leaves: ArraySlice<Hash>, _ b: Bool) -> [Hash] {
            if m == leaves.count { return b ? [] : [mth(leaves)] }
            let split = k(leaves.count)
            let middle = leaves.startIndex + split
            return m <= split
                ? subproof(m, leaves[..<middle], b) + [mth(leaves[middle...])]
                : subproof(m - split, leaves[middle...], false) + [mth(leaves[..<middle])]
        }
        return subproof(m, leaves, true)
    }

    /// The root an inclusion proof of leaf `m` in a tree of `n` leaves leads to; nil when the
    /// proof has too few or too many hashes.
    static func rootFromInclusion(_ m: Int, _ n: Int, leaf: Hash, proof: ArraySlice<Hash>) -> Hash? {
        if n == 1 { return proof.isEmpty ? leaf : nil }
        guard let last = proof.last else { return nil }
        let split = k(n)
        if m < split {
            return rootFromInclusion(m, split, leaf: leaf, proof: proof.dropLast()).map { node($0, last) }
        }
        return rootFromInclusion(m - split, n - split, leaf: leaf, proof: proof.dropLast()).map { node(last, $0) }
    }

    /// The old and new roots a consistency proof from `m` to `n` leaves leads to, given the
    /// old root (which the proof leaves out when the old tree is a complete subtree).
    static func rootsFromConsistency(_ m: Int, _ n: Int, oldRoot: Hash, proof: ArraySlice<Hash>) -> (Hash, Hash)? {
        func sub(_ m: Int, _ n: Int, _ b: Bool, _ proof: ArraySlice<Hash>) -> (Hash, Hash)? {
            if m == n {
                if b { return proof.isEmpty ? (oldRoot, oldRoot) : nil }
                return proof.count == 1 ? (proof.first!, proof.first!) : nil
            }
            guard let last = proof.last else { return nil }
            let split = k(n)
            if m <= split {
                return sub(m, split, b, proof.dropLast()).map { ($0.0, node($0.1, last)) }
            }
            return sub(m - split, n - split, false, proof.dropLast()).map { (node(last, $0.0), node(last, $0.1)) }
        }
        return sub(m, n, true, proof)
    }
}

@Suite("The log's Merkle tree, checked against RFC 9162", .serialized)
struct LogTreeTests {
    /// A store whose log holds 1,000 events, and their leaf hashes.
    static func storeWithEvents(_ count: Int) async throws -> (store: SQLiteStore, leaves: [RFC9162.Hash]) {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("tree-\(UUID()).sqlite").path
        let store = try SQLiteStore(path: path)
        // Appended in batches of varied size, as imports and single writes do.
        var written = 0
        var batch = 1
        while written < count {
            let size = min(batch, count - written)
            try await store.appendEvents(
                try (0..<size).map { index in
                    try EventDraft(
                        operationId: nil, actor: nil, kind: .signInFailed,
                        payload: FailedSignIn(
                            username: "user-\(written + index)", id: nil, agencyId: nil, address: "127.0.0.1"))
                })
            written += size
            batch = batch % 7 + 1
        }
        let events = try await store.events(after: 0, limit: count + 1)
        #expect(events.count == count)
        RFC9162.forget()
        return (store, events.map { RFC9162.leaf(Array(Data(hex: $0.hash))) })
    }

    @Test("every tree from 1 to 1,000 events: its root, inclusion and consistency proofs, checked independently")
    func proofsOfEverySize() async throws {
        let (store, leaves) = try await Self.storeWithEvents(1_000)
        for size in 1...1_000 {
            let root = try await store.treeRoot(size: Int64(size))
            #expect(root == RFC9162.mth(leaves[..<size]), "root of \(size)")
            // Every leaf of the small trees; a spread of leaves of the larger ones.
            let indices = size <= 40 ? Array(0..<size) : [0, 1, size / 3, size / 2, size - 2, size - 1]
            for index in indices {
                let proof = try await store.inclusionProof(sequence: Int64(index + 1), treeSize: Int64(size))
                #expect(proof.leafHash == leaves[index])
                #expect(proof.path == RFC9162.path(index, leaves[..<size]), "PATH(\(index), D[\(size)])")
                #expect(
                    RFC9162.rootFromInclusion(index, size, leaf: leaves[index], proof: proof.path[...]) == root,
                    "inclusion of \(index) in \(size)")
            }
            let olds = size <= 40 ? Array(1...size) : [1, 2, size / 2, size - 1, size]
            for old in olds {
                let proof = try await store.consistencyProof(from: Int64(old), to: Int64(size))
                #expect(proof == RFC9162.proof(old, leaves[..<size]), "PROOF(\(old), D[\(size)])")
                let oldRoot = RFC9162.mth(leaves[..<old])
                let roots = RFC9162.rootsFromConsistency(old, size, oldRoot: oldRoot, proof: proof[...])
                #expect(roots?.0 == oldRoot && roots?.1 == root, "consistency \(old) → \(size)")
            }
        }
    }

    @Test("the verifiers the witness uses accept every true proof and refuse altered ones")
    func witnessVerifiers() async throws {
        let (store, leaves) = try await Self.storeWithEvents(300)
        for size in [1, 2, 3, 7, 8, 9, 64, 100, 255, 256, 257, 300] {
            let root = RFC9162.mth(leaves[..<size])
            for index in Set([0, size / 2, size - 1]) {
                let proof = try await store.inclusionProof(sequence: Int64(index + 1), treeSize: Int64(size)).path
                #expect(
                    LogTree.verifyInclusion(
                        leafHash: leaves[index], index: Int64(index), size: Int64(size), proof: proof, root: root))
                if !proof.isEmpty {
                    var altered = proof
                    altered[altered.count / 2][0] ^= 1
                    #expect(
                        !LogTree.verifyInclusion(
                            leafHash: leaves[index], index: Int64(index), size: Int64(size), proof: altered,
                            root: root))
                }
                #expect(
                    !LogTree.verifyInclusion(
                        leafHash: leaves[(index + 1) % size], index: Int64(index), size: Int64(size), proof: proof,
                        root: root) || size == 1)
            }
            for old in Set([1, size / 2, size - 1, size]) where old >= 1 {
                let proof = try await store.consistencyProof(from: Int64(old), to: Int64(size))
                let oldRoot = RFC9162.mth(leaves[..<old])
                #expect(
                    LogTree.verifyConsistency(
                        old: Int64(old), oldRoot: oldRoot, new: Int64(size), newRoot: root, proof: proof))
                // A tree that does not extend the old one: another old root.
                let forged = RFC9162.node(oldRoot, oldRoot)
                #expect(
                    !LogTree.verifyConsistency(
                        old: Int64(old), oldRoot: forged, new: Int64(size), newRoot: root, proof: proof))
            }
        }
    }

    @Test(
        "a checkpoint is a C2SP signed note that opens with the verifier key, and with no other",
        // A random key, and one whose verifier key's base64 holds "+" and "/" (the key text is
        // name+hash+base64: only its first two "+" separate).
        arguments: [LogSigner.newKeyText(), "BAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA="])
    func signedNote(key: String) throws {
        let signer = try LogSigner(base64: key)
        let root = RFC9162.mth([RFC9162.leaf([1, 2, 3])][...])
        let note = try signer.sign(size: 1, root: root, time: Date(timeIntervalSince1970: 1_800_000_000))
        let lines = note.split(separator: "\n", omittingEmptySubsequences: false)
        #expect(lines[0] == signer.origin)
        #expect(lines[1] == "1")
        #expect(lines[2] == Data(root).base64EncodedString())
        #expect(lines[4] == "")
        // The signature line: an em dash, the key's name, base64 of the key hash and signature.
        let signature = lines[5].split(separator: " ")
        #expect(signature[0] == "\u{2014}" && signature[1] == signer.origin)
        let bytes = try #require(Data(base64Encoded: String(signature[2])))
        #expect(bytes.count == 68)
        // The key hash: SHA-256 of the name, a new line, the Ed25519 type byte and the key.
        let verifier = try #require(LogVerifierKey(text: signer.verifierKey.text))
        let keyHash = SHA256.hash(data: Data(signer.origin.utf8) + [0x0A, 0x01] + verifier.publicKey).prefix(4)
        #expect(Array(bytes.prefix(4)) == Array(keyHash))
        let body = lines[0...3].joined(separator: "\n") + "\n"
        let publicKey = try Curve25519.Signing.PublicKey(rawRepresentation: verifier.publicKey)
        #expect(publicKey.isValidSignature(bytes.dropFirst(4), for: Data(body.utf8)))
        #expect(try verifier.open(note).size == 1)
        let other = try LogSigner(base64: LogSigner.newKeyText())
        #expect(throws: CheckpointError.self) { try other.verifierKey.open(note) }
        #expect(LogVerifierKey(text: signer.verifierKey.text) == signer.verifierKey)
    }
}

extension Data {
    init(hex: String) {
        var bytes: [UInt8] = []
        var index = hex.startIndex
        while index < hex.endIndex {
            let next = hex.index(index, offsetBy: 2)
            bytes.append(UInt8(hex[index..<next], radix: 16)!)
            index = next
        }
        self.init(bytes)
    }
}
