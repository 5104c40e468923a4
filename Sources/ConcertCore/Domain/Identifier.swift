import Foundation

/// Identifiers of records: opaque, lower-case UUID strings, in the time-ordered layout of
/// UUID version 7 (RFC 9562): 48 bits of Unix time in milliseconds, then 74 random bits.
///
/// Records made one after the other get identifiers that sort one after the other, so the
/// indexes a store keeps of them grow at their end. With random identifiers every new record
/// lands on a page of its own in each index: an import of 200,000 targets rewrote about as
/// many index pages as it wrote targets.
public enum Identifier {
    /// A new identifier, later in order than those made in earlier milliseconds.
    public static func make() -> String {
        make(milliseconds: UInt64(max(0, Date().timeIntervalSince1970 * 1_000)))
    }

    /// A new identifier for the instant `milliseconds` after the Unix epoch.
    static func make(milliseconds: UInt64) -> String {
        var random = SystemRandomNumberGenerator()
        let high = random.next()
        let low = random.next()
        func byte(_ value: UInt64, _ shift: UInt64) -> UInt8 { UInt8(truncatingIfNeeded: value >> shift) }
        let uuid = UUID(
            uuid: (
                byte(milliseconds, 40), byte(milliseconds, 32), byte(milliseconds, 24), byte(milliseconds, 16),
                byte(milliseconds, 8), byte(milliseconds, 0),
                0x70 | (byte(high, 0) & 0x0F), byte(high, 8),  // version 7
                0x80 | (byte(high, 16) & 0x3F), byte(high, 24),  // the RFC 9562 variant
                byte(low, 0), byte(low, 8), byte(low, 16), byte(low, 24), byte(low, 32), byte(low, 40)
            ))
        return uuid.uuidString.lowercased()
    }

    /// Whether `text` could be an identifier Concert made (guards lookups against junk).
    public static func isPlausible(_ text: String) -> Bool {
        (1...64).contains(text.utf8.count)
            && text.utf8.allSatisfy { ($0 >= 0x30 && $0 <= 0x39) || ($0 >= 0x61 && $0 <= 0x7A) || $0 == 0x2D }
    }
}
