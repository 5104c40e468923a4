/// How wide an identifier the installation lets an agency record as one selector.
///
/// A selector that covers everyone (`0.0.0.0/0`, `::/0`, the domain `co.uk`) would hit every
/// other operation's selectors and so reveal who holds what; ``Selector/checkBreadth(_:)``
/// refuses such values against these limits.
public struct SelectorLimits: Sendable {
    /// The shortest prefix length an IPv4 CIDR block may have: 16 allows `10.1.0.0/16` (65,536
    /// addresses) and narrower, and refuses `10.0.0.0/8`.
    ///
    /// Meaningful from 0 (every block allowed) to 32; a larger value allows only single
    /// addresses, as 32 does.
    public var minimumIPv4PrefixLength: Int
    /// The shortest prefix length an IPv6 CIDR block may have: 32 allows `2001:db8::/32` and
    /// narrower, and refuses `2001::/16`.
    ///
    /// Meaningful from 0 (every block allowed) to 128; a larger value allows only single
    /// addresses, as 128 does.
    public var minimumIPv6PrefixLength: Int
    /// The names under which anyone may register a domain; domains, URL hosts and e-mail
    /// domains that are one of them are refused. The shipped list unless the installation
    /// names another.
    public var publicSuffixes: PublicSuffixList {
        get { namedSuffixes ?? .shipped }
        set { namedSuffixes = newValue }
    }
    /// The list the installation named; nil for the shipped one, which is read only when first
    /// needed, so that a server starts without parsing it (it takes tens of milliseconds).
    private var namedSuffixes: PublicSuffixList?

    /// Creates limits; each one left out takes its default (nil: the shipped list).
    public init(
        minimumIPv4PrefixLength: Int = 16, minimumIPv6PrefixLength: Int = 32,
        publicSuffixes: PublicSuffixList? = nil
    ) {
        self.minimumIPv4PrefixLength = minimumIPv4PrefixLength
        self.minimumIPv6PrefixLength = minimumIPv6PrefixLength
        self.namedSuffixes = publicSuffixes
    }

    /// The defaults: IPv4 blocks up to /16, IPv6 blocks up to /32, the Public Suffix List
    /// shipped with Concert.
    public static let standard = SelectorLimits()

    /// The shortest prefix length allowed for addresses of `bitWidth` bits (32 or 128), within 0…bitWidth.
    func minimumPrefixLength(bitWidth: Int) -> Int {
        min(max(bitWidth == 32 ? minimumIPv4PrefixLength : minimumIPv6PrefixLength, 0), bitWidth)
    }
}
