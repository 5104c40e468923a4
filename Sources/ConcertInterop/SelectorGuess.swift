import ConcertCore
import Foundation

/// Tells what kind of identifier a bare value is, as a person reading a spreadsheet would: an
/// address, a block, a URL, an e-mail address, a wallet, a phone number or a domain name.
public enum SelectorGuess {
    /// The kind `text` reads as, or nil when it reads as none.
    public static func kind(of text: String) -> SelectorKind? {
        let value = text.trimmingCharacters(in: .whitespacesAndNewlines)
        guard !value.isEmpty, value.utf8.count <= 2_048 else { return nil }
        if value.contains("/"), !value.contains("://"), CIDRBlock(value) != nil { return .cidr }
        if IPAddress(value) != nil { return .ip }
        if value.contains("://") { return .url }
        if value.contains("@"), (try? EmailAddress.normalise(value)) != nil { return .email }
        if !value.contains("."), !value.contains(" "), (try? WalletAddress.normalise(value)) != nil { return .wallet }
        let digits = value.filter(\.isNumber).count
        if digits >= 7, value.allSatisfy({ $0.isNumber || " +-()./".contains($0) }),
            value.hasPrefix("+") || value.hasPrefix("00") || !value.contains(".")
        {
            return .phone
        }
        if value.contains("."), !value.contains(" "), (try? DomainName.normalise(value)) != nil { return .domain }
        return nil
    }
}
