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
}
