/// Byte strings stored once each, back to back in one buffer, and found again by their bytes
/// through an open-addressing table of 32-bit slots.
///
/// The cross-check index keeps a million keys and identifiers: as Swift strings in
/// dictionaries each would cost a heap object and a hashed slot; here a key costs its bytes,
/// one end offset and about two slots.
struct InternedBytes: Sendable {
    /// Every key's bytes, one after the other.
    private var storage: [UInt8] = []
    /// Where each key ends in `storage`; key `i` starts where key `i - 1` ends.
    private var ends: [UInt32] = []
    /// Open addressing with linear probing. A slot holds the key's hash (its low 32 bits) and
    /// its number plus one (0: empty), so that a probe compares bytes only when the hashes
    /// agree, and growing never reads the keys again.
    private var slots: [UInt64] = Array(repeating: 0, count: 64)

    /// How many distinct keys it holds.
    var count: Int { ends.count }

    /// Makes room for `keys` keys of about `bytesEach` bytes without growing.
    mutating func reserveCapacity(keys: Int, bytesEach: Int) {
        storage.reserveCapacity(keys * bytesEach)
        ends.reserveCapacity(keys)
        var size = slots.count
        while size * 7 < keys * 10 { size *= 2 }
        if size > slots.count { rehash(size: size) }
    }

    /// The number of `key`, if it is held.
    func find(_ key: UnsafeRawBufferPointer) -> UInt32? {
        find(key, hash: Self.hash(key))
    }

    private func find(_ key: UnsafeRawBufferPointer, hash: UInt64) -> UInt32? {
        let mask = slots.count - 1
        let tag = hash & 0xFFFF_FFFF
        var slot = Int(truncatingIfNeeded: hash) & mask
        return slots.withUnsafeBufferPointer { slots in
            while true {
                let value = slots[slot]
                if value == 0 { return nil }
                if value >> 32 == tag {
                    let id = UInt32(truncatingIfNeeded: value) - 1
                    if equals(id, key) { return id }
                }
                slot = (slot + 1) & mask
            }
        }
    }

    /// The number of `key`, added first when it is new.
    mutating func intern(_ key: UnsafeRawBufferPointer) -> (id: UInt32, isNew: Bool) {
        let hash = Self.hash(key)
        if let id = find(key, hash: hash) { return (id, false) }
        // At most 70% full: probes stay short, and the hashes in the slots make them cheap.
        if (ends.count + 1) * 10 > slots.count * 7 { rehash(size: slots.count * 2) }
        let id = UInt32(ends.count)
        storage.append(contentsOf: key)
        ends.append(UInt32(storage.count))
        place((hash & 0xFFFF_FFFF) << 32 | UInt64(id + 1))
        return (id, true)
    }

    /// A key's bytes.
    func withBytes<Result>(of id: UInt32, _ body: (UnsafeRawBufferPointer) -> Result) -> Result {
        let start = id == 0 ? 0 : Int(ends[Int(id) - 1])
        let end = Int(ends[Int(id)])
        return storage.withUnsafeBytes { body(UnsafeRawBufferPointer(rebasing: $0[start..<end])) }
    }

    /// A key as text, from its `dropping`th byte on.
    func string(of id: UInt32, dropping: Int = 0) -> String {
        withBytes(of: id) { String(decoding: $0.dropFirst(dropping), as: UTF8.self) }
    }

    private func equals(_ id: UInt32, _ key: UnsafeRawBufferPointer) -> Bool {
        withBytes(of: id) { held in
            held.count == key.count && (key.isEmpty || memcmp(held.baseAddress!, key.baseAddress!, key.count) == 0)
        }
    }

    /// Puts a slot value where its hash (the low 32 bits, kept in the value) points.
    private mutating func place(_ value: UInt64) {
        let mask = slots.count - 1
        var slot = Int(truncatingIfNeeded: value >> 32) & mask
        while slots[slot] != 0 { slot = (slot + 1) & mask }
        slots[slot] = value
    }

    private mutating func rehash(size: Int) {
        let old = slots
        slots = Array(repeating: 0, count: size)
        for value in old where value != 0 { place(value) }
    }

    /// A 64-bit hash of the bytes, eight at a time, mixed so that the low bits (the slot)
    /// depend on all of them.
    static func hash(_ key: UnsafeRawBufferPointer) -> UInt64 {
        var hash: UInt64 = 0x9E37_79B9_7F4A_7C15 ^ UInt64(key.count)
        var offset = 0
        while offset + 8 <= key.count {
            hash = (hash ^ key.loadUnaligned(fromByteOffset: offset, as: UInt64.self)) &* 0xFF51_AFD7_ED55_8CCD
            hash ^= hash >> 32
            offset += 8
        }
        var tail: UInt64 = 0
        var shift: UInt64 = 0
        while offset < key.count {
            tail |= UInt64(key[offset]) << shift
            shift += 8
            offset += 1
        }
        hash = (hash ^ tail) &* 0xC4CE_B9FE_1A85_EC53
        hash ^= hash >> 33
        hash = hash &* 0xFF51_AFD7_ED55_8CCD
        hash ^= hash >> 33
        return hash
    }
}

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

extension InternedBytes {
    /// Interns text.
    mutating func intern(_ text: String) -> UInt32 {
        var text = text
        return text.withUTF8 { intern(UnsafeRawBufferPointer($0)).id }
    }

    /// The number of some text, if it is held.
    func find(_ text: String) -> UInt32? {
        var text = text
        return text.withUTF8 { find(UnsafeRawBufferPointer($0)) }
    }
}

/// The last name interned into a table, so that interning it again in a row costs a comparison.
struct RecentName: Sendable {
    private var bytes: [UInt8] = []
    private var id: UInt32?

    /// Interns `name` into `table`, remembering it.
    mutating func intern(_ name: UnsafeRawBufferPointer, in table: inout InternedBytes) -> (id: UInt32, isNew: Bool) {
        if let id, bytes.count == name.count,
            bytes.withUnsafeBytes({ name.isEmpty || memcmp($0.baseAddress!, name.baseAddress!, name.count) == 0 })
        {
            return (id, false)
        }
        let interned = table.intern(name)
        bytes = Array(name)
        id = interned.id
        return interned
    }
}
