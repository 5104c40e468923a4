import Foundation

/// Identifiers of records: random, opaque, lower-case UUID strings.
public enum Identifier {
    /// A new random identifier.
    public static func make() -> String {
        UUID().uuidString.lowercased()
    }

    /// Whether `text` could be an identifier Concert made (guards lookups against junk).
    public static func isPlausible(_ text: String) -> Bool {
        (1...64).contains(text.utf8.count)
            && text.utf8.allSatisfy { ($0 >= 0x30 && $0 <= 0x39) || ($0 >= 0x61 && $0 <= 0x7A) || $0 == 0x2D }
    }
}
