import ConcertCore
import Crypto
import Foundation

/// The Merkle tree over the event log, hashed as RFC 9162 (Certificate Transparency 2.0)
/// section 2.1 says: a leaf is `SHA-256(0x00 ‖ leaf)`, a node `SHA-256(0x01 ‖ left ‖ right)`,
/// the empty tree `SHA-256()`, and a tree of `n` leaves splits at the largest power of two
/// below `n`. Event `#s` is leaf `s − 1`, and its leaf input is the 32 bytes of its chain hash,
/// which already covers every field of the event.
///
/// The store keeps the hash of every complete, aligned subtree of two leaves or more
/// (``Node``), written with the events that complete it; a proof is then a handful of lookups
/// (``ProofPlan``), and the tree of any size is rebuilt from those nodes.
public enum LogTree {
    /// A SHA-256 digest of the tree.
    public typealias Hash = [UInt8]

    /// The root of the empty tree.
    public static let emptyRoot: Hash = Array(SHA256.hash(data: Data()))

    /// The leaf hash of an event whose chain hash is `eventHash` (hex); nil when that is not
    /// a SHA-256 digest in hex.
    public static func leafHash(eventHash: String) -> Hash? {
        guard let bytes = bytes(hex: eventHash), bytes.count == 32 else { return nil }
        var hasher = SHA256()
        hasher.update(data: [0])
        hasher.update(data: bytes)
        return Array(hasher.finalize())
    }

    /// The hash of an interior node.
    public static func nodeHash(_ left: Hash, _ right: Hash) -> Hash {
        var hasher = SHA256()
        hasher.update(data: [1])
        hasher.update(data: left)
        hasher.update(data: right)
        return Array(hasher.finalize())
    }

    /// The bytes of lower- or upper-case hex text; nil when it is not hex.
    public static func bytes(hex: String) -> [UInt8]? {
        let digits = Array(hex.utf8)
        guard digits.count % 2 == 0 else { return nil }
        var bytes: [UInt8] = []
        bytes.reserveCapacity(digits.count / 2)
        func value(_ digit: UInt8) -> UInt8? {
            switch digit {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): digit - UInt8(ascii: "0")
            case UInt8(ascii: "a")...UInt8(ascii: "f"): digit - UInt8(ascii: "a") + 10
            case UInt8(ascii: "A")...UInt8(ascii: "F"): digit - UInt8(ascii: "A") + 10
            default: nil
            }
        }
        var index = 0
        while index < digits.count {
            guard let high = value(digits[index]), let low = value(digits[index + 1]) else { return nil }
            bytes.append(high << 4 | low)
            index += 2
        }
        return bytes
    }

    /// The largest power of two smaller than `n` (n ≥ 2).
    static func split(_ n: Int64) -> Int64 {
        var k: Int64 = 1
        while k << 1 < n { k <<= 1 }
        return k
    }

    /// A complete, aligned subtree: leaves `position · 2^level ..< (position + 1) · 2^level`.
    public struct Node: Hashable, Sendable {
        public var level: Int
        public var position: Int64

        public init(level: Int, position: Int64) {
            self.level = level
            self.position = position
        }

        /// The first leaf it covers.
        public var firstLeaf: Int64 { position << Int64(level) }
    }

    /// The complete subtrees whose hashes, folded from the right, give the hash of leaves
    /// `range` (as RFC 9162's MTH splits it): the largest first. `range.lowerBound` is a
    /// multiple of the largest of them, as every range a proof names is.
    public static func decomposition(of range: Range<Int64>) -> [Node] {
        var nodes: [Node] = []
        var start = range.lowerBound
        while start < range.upperBound {
            // The largest power of two that fits and keeps the subtree aligned.
            var level = 0
            while start % (Int64(1) << Int64(level + 1)) == 0
                && start + (Int64(1) << Int64(level + 1)) <= range.upperBound
            {
                level += 1
            }
            nodes.append(Node(level: level, position: start >> Int64(level)))
            start += Int64(1) << Int64(level)
        }
        return nodes
    }

    /// The hash of leaves `range` from the hashes of its ``decomposition(of:)``.
    public static func fold(_ hashes: [Hash]) -> Hash {
        guard var hash = hashes.last else { return emptyRoot }
        for left in hashes.dropLast().reversed() { hash = nodeHash(left, hash) }
        return hash
    }

    /// The ranges of leaves whose hashes make the inclusion proof of leaf `index` in the tree
    /// of `size` leaves (RFC 9162, 2.1.3.1), in the proof's order.
    public static func inclusionRanges(index: Int64, size: Int64) -> [Range<Int64>] {
        precondition(index >= 0 && index < size)
        func path(_ m: Int64, _ range: Range<Int64>) -> [Range<Int64>] {
            let n = range.count
            guard n > 1 else { return [] }
            let k = split(Int64(n))
            let middle = range.lowerBound + k
            return m < k
                ? path(m, range.lowerBound..<middle) + [middle..<range.upperBound]
                : path(m - k, middle..<range.upperBound) + [range.lowerBound..<middle]
        }
        return path(index, 0..<size)
    }

    /// The ranges of leaves whose hashes make the consistency proof from the tree of `old`
    /// leaves to the tree of `new` (RFC 9162, 2.1.4.1), in the proof's order.
    public static func consistencyRanges(old: Int64, new: Int64) -> [Range<Int64>] {
        precondition(old >= 0 && old <= new)
        guard old > 0, old < new else { return [] }
        func subproof(_ m: Int64, _ range: Range<Int64>, _ complete: Bool) -> [Range<Int64>] {
            let n = Int64(range.count)
            if m == n { return complete ? [] : [range] }
            let k = split(n)
            let middle = range.lowerBound + k
            return m <= k
                ? subproof(m, range.lowerBound..<middle, complete) + [middle..<range.upperBound]
                : subproof(m - k, middle..<range.upperBound, false) + [range.lowerBound..<middle]
        }
        return subproof(old, 0..<new, true)
    }

    /// Checks an inclusion proof (RFC 9162, 2.1.3.2).
    public static func verifyInclusion(
        leafHash: Hash, index: Int64, size: Int64, proof: [Hash], root: Hash
    ) -> Bool {
        guard index >= 0, index < size else { return false }
        var fn = index
        var sn = size - 1
        var hash = leafHash
        for sibling in proof {
            guard sn != 0 else { return false }
            if fn & 1 == 1 || fn == sn {
                hash = nodeHash(sibling, hash)
                // Up to the next level where this node is a right child, or the top.
                while fn & 1 == 0 && fn != 0 {
                    fn >>= 1
                    sn >>= 1
                }
            } else {
                hash = nodeHash(hash, sibling)
            }
            fn >>= 1
            sn >>= 1
        }
        return sn == 0 && hash == root
    }

    /// Checks a consistency proof (RFC 9162, 2.1.4.2): that the tree of `new` leaves with root
    /// `newRoot` extends the tree of `old` leaves with root `oldRoot`.
    public static func verifyConsistency(
        old: Int64, oldRoot: Hash, new: Int64, newRoot: Hash, proof: [Hash]
    ) -> Bool {
        guard old >= 0, old <= new else { return false }
        if old == new { return proof.isEmpty && oldRoot == newRoot }
        if old == 0 { return proof.isEmpty }
        guard !proof.isEmpty else { return false }
        var path = proof
        // A power of two: the old root is the first node of the proof.
        if old & (old - 1) == 0 { path.insert(oldRoot, at: 0) }
        var fn = old - 1
        var sn = new - 1
        while fn & 1 == 1 {
            fn >>= 1
            sn >>= 1
        }
        var fr = path[0]
        var sr = path[0]
        for c in path.dropFirst() {
            guard sn != 0 else { return false }
            if fn & 1 == 1 || fn == sn {
                fr = nodeHash(c, fr)
                sr = nodeHash(c, sr)
                // Up to the next level where this node is a right child, or the top.
                while fn & 1 == 0 && fn != 0 {
                    fn >>= 1
                    sn >>= 1
                }
            } else {
                sr = nodeHash(sr, c)
            }
            fn >>= 1
            sn >>= 1
        }
        return fr == oldRoot && sr == newRoot && sn == 0
    }
}

/// The right edge of the tree: the hashes of the complete subtrees that the first `size` leaves
/// divide into (one for each bit set in `size`, the largest first). Enough to append leaves and
/// to compute the root; kept with the chain's head, so that every writer continues the tree.
public struct TreeFrontier: Sendable, Equatable {
    public private(set) var size: Int64
    public private(set) var hashes: [LogTree.Hash]

    /// The frontier of the empty tree.
    public init() {
        size = 0
        hashes = []
    }

    /// Reads the frontier as ``text`` wrote it for a tree of `size` leaves; nil when the text
    /// does not fit the size.
    public init?(size: Int64, text: String) {
        guard size >= 0, text.utf8.count == size.nonzeroBitCount * 64 else { return nil }
        var hashes: [LogTree.Hash] = []
        let utf8 = Array(text.utf8)
        for start in stride(from: 0, to: utf8.count, by: 64) {
            guard let hash = LogTree.bytes(hex: String(decoding: utf8[start..<start + 64], as: UTF8.self))
            else { return nil }
            hashes.append(hash)
        }
        self.size = size
        self.hashes = hashes
    }

    /// The hashes in hex, one after the other.
    public var text: String { hashes.map { Hex.string($0) }.joined() }

    /// The root of the tree of ``size`` leaves.
    public var root: LogTree.Hash { LogTree.fold(hashes) }

    /// Appends a leaf and returns the subtrees it completes (two leaves or more), lowest first.
    @discardableResult
    public mutating func append(leafHash: LogTree.Hash) -> [(node: LogTree.Node, hash: LogTree.Hash)] {
        var completed: [(LogTree.Node, LogTree.Hash)] = []
        var hash = leafHash
        var level = 0
        // Each set low bit of the size is a complete subtree the new leaf's subtree joins.
        while (size >> Int64(level)) & 1 == 1 {
            hash = LogTree.nodeHash(hashes.removeLast(), hash)
            level += 1
            completed.append((LogTree.Node(level: level, position: ((size + 1) >> Int64(level)) - 1), hash))
        }
        hashes.append(hash)
        size += 1
        return completed
    }
}
