/// Bytes written as lower-case hexadecimal, as `sha256sum` prints a digest.
public enum Hex {
    private static let digits = Array("0123456789abcdef".utf8)

    /// The hex text of `bytes`.
    public static func string<Bytes: Sequence>(_ bytes: Bytes) -> String where Bytes.Element == UInt8 {
        var text: [UInt8] = []
        text.reserveCapacity(bytes.underestimatedCount * 2)
        for byte in bytes {
            text.append(digits[Int(byte >> 4)])
            text.append(digits[Int(byte & 0x0f)])
        }
        return String(decoding: text, as: UTF8.self)
    }

    /// The hex text of bytes in memory, written straight into the string: every event's
    /// hash is written this way, and the generic path cost as much as hashing it.
    public static func string(_ bytes: UnsafeRawBufferPointer) -> String {
        String(unsafeUninitializedCapacity: bytes.count * 2) { text in
            for (offset, byte) in bytes.enumerated() {
                text[2 * offset] = digits[Int(byte >> 4)]
                text[2 * offset + 1] = digits[Int(byte & 0x0f)]
            }
            return bytes.count * 2
        }
    }

    /// Whether `byte` is a lower-case hexadecimal digit.
    public static func isDigit(_ byte: UInt8) -> Bool { digits.contains(byte) }

    /// Whether `text` is a SHA-256 digest as `sha256sum` prints it: 64 lower-case hex digits.
    public static func isSHA256(_ text: String) -> Bool {
        text.utf8.count == 64 && text.utf8.allSatisfy(isDigit)
    }
}
