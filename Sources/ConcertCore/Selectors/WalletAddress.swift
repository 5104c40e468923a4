/// Crypto-wallet address normalisation.
public enum WalletAddress {
    private static let base58Alphabet = Set("123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz")
    private static let bech32Alphabet = Set("qpzry9x8gf2tvdw0s3jn54khce6mua7l")

    /// Normalises a wallet address.
    ///
    /// Hex (Ethereum-style `0x…`) and Bech32 (`bc1…`, `ltc1…`) addresses are case-insensitive and
    /// become lower case; Base58 addresses (Bitcoin legacy, Monero, Tron…) are case-sensitive and
    /// are kept as written. A payment-URI prefix (`bitcoin:`) and its query are removed.
    public static func normalise(_ text: String) throws(DomainError) -> String {
        var address = text.trimmingWhitespace()
        if let question = address.firstIndex(of: "?") { address = String(address[..<question]) }
        if let colon = address.firstIndex(of: ":") {
            let scheme = address[..<colon]
            guard scheme.allSatisfy({ $0.isASCII && $0.isLetter }) else {
                throw .invalid("'\(text)' is not a wallet address.")
            }
            address = String(address[address.index(after: colon)...])
        }
        let lower = address.lowercased()
        if lower.hasPrefix("0x") {
            let hex = lower.dropFirst(2)
            guard hex.count == 40 || hex.count == 64, hex.allSatisfy(\.isHexDigit), hex.allSatisfy(\.isASCII) else {
                throw .invalid("'\(text)' is not a wallet address: after 0x come 40 hexadecimal digits.")
            }
            return lower
        }
        if let separator = lower.lastIndex(of: "1"), address == lower || address == address.uppercased() {
            let prefix = lower[..<separator]
            let data = lower[lower.index(after: separator)...]
            if (1...83).contains(prefix.count), prefix.allSatisfy({ $0.isASCII && $0.isLetter }),
                (6...90).contains(data.count), data.allSatisfy(bech32Alphabet.contains),
                ["bc", "tb", "ltc", "tltc", "bcrt", "cosmos", "addr", "bnb", "terra"].contains(String(prefix))
            {
                return lower
            }
        }
        guard (25...110).contains(address.count), address.allSatisfy(base58Alphabet.contains) else {
            throw .invalid(
                "'\(text)' is not a wallet address: expected 0x and hex digits, a Bech32 address (bc1…) or a Base58 address."
            )
        }
        return address
    }
}
