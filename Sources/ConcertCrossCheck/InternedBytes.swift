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
    /// Open addressing with linear probing: 0 is empty, otherwise the key's number plus one.
    private var slots: [UInt32] = Array(repeating: 0, count: 64)

    /// How many distinct keys it holds.
    var count: Int { ends.count }

    /// Makes room for `keys` keys of about `bytesEach` bytes without growing.
    mutating func reserveCapacity(keys: Int, bytesEach: Int) {
        storage.reserveCapacity(keys * bytesEach)
        ends.reserveCapacity(keys)
        var size = slots.count
        while size < keys * 2 { size *= 2 }
        if size > slots.count { rehash(size: size) }
    }

    /// The number of `key`, if it is held.
    func find(_ key: UnsafeRawBufferPointer) -> UInt32? {
        let mask = slots.count - 1
        var slot = Self.hash(key) & mask
        return slots.withUnsafeBufferPointer { slots in
            while true {
                let value = slots[slot]
                if value == 0 { return nil }
                if equals(value - 1, key) { return value - 1 }
                slot = (slot + 1) & mask
            }
        }
    }

    /// The number of `key`, added first when it is new.
    mutating func intern(_ key: UnsafeRawBufferPointer) -> (id: UInt32, isNew: Bool) {
        if let id = find(key) { return (id, false) }
        if (ends.count + 1) * 2 > slots.count { rehash(size: slots.count * 2) }
        let id = UInt32(ends.count)
        storage.append(contentsOf: key)
        ends.append(UInt32(storage.count))
        place(id, hash: Self.hash(key))
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

    private mutating func place(_ id: UInt32, hash: Int) {
        let mask = slots.count - 1
        var slot = hash & mask
        while slots[slot] != 0 { slot = (slot + 1) & mask }
        slots[slot] = id + 1
    }

    private mutating func rehash(size: Int) {
        slots = Array(repeating: 0, count: size)
        for id in 0..<UInt32(ends.count) {
            let hash = withBytes(of: id) { Self.hash($0) }
            place(id, hash: hash)
        }
    }

    /// FNV-1a over the bytes, then mixed so that the low bits (the slot) depend on all of them.
    static func hash(_ key: UnsafeRawBufferPointer) -> Int {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in key { hash = (hash ^ UInt64(byte)) &* 0x100_0000_01b3 }
        hash ^= hash >> 33
        hash = hash &* 0xff51_afd7_ed55_8ccd
        hash ^= hash >> 33
        return Int(truncatingIfNeeded: hash)
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
