/// An IPv4 or IPv6 address held as numbers, so that every textual form of one address is equal.
public enum IPAddress: Hashable, Sendable, CustomStringConvertible {
    /// An IPv4 address.
    case v4(UInt32)
    /// An IPv6 address as its high and low 64 bits.
    case v6(high: UInt64, low: UInt64)

    /// The number of bits in the address: 32 or 128.
    public var bitWidth: Int {
        switch self {
        case .v4: 32
        case .v6: 128
        }
    }

    /// Parses any textual form: dotted decimal (leading zeros read as decimal), IPv6 with or
    /// without `::`, upper or lower case, with an embedded IPv4 tail, in brackets. An
    /// IPv4-mapped IPv6 address (`::ffff:192.0.2.7`) is the IPv4 address it maps.
    public init?(_ text: some StringProtocol) {
        var text = Substring(text)
        if text.hasPrefix("[") && text.hasSuffix("]") {
            text = text.dropFirst().dropLast()
        }
        if text.contains(":" as Character) {
            guard let (high, low) = IPAddress.parseIPv6(text) else { return nil }
            if high == 0 && (low >> 32) == 0xFFFF {
                self = .v4(UInt32(truncatingIfNeeded: low))
            } else {
                self = .v6(high: high, low: low)
            }
        } else {
            guard let value = IPAddress.parseIPv4(text) else { return nil }
            self = .v4(value)
        }
    }

    /// Four decimal octets of one to three digits each, read byte by byte: a check before sharing
    /// parses thousands of addresses a request, and splitting them into characters took most of it.
    static func parseIPv4(_ text: Substring) -> UInt32? {
        var value: UInt32 = 0
        var octet: UInt32 = 0
        var digits = 0
        var octets = 0
        for byte in text.utf8 {
            if byte == UInt8(ascii: ".") {
                guard digits > 0, octets < 3 else { return nil }
                value = value << 8 | octet
                octets += 1
                octet = 0
                digits = 0
            } else {
                guard (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte), digits < 3 else { return nil }
                octet = octet * 10 + UInt32(byte - UInt8(ascii: "0"))
                digits += 1
                guard octet <= 255 else { return nil }
            }
        }
        guard digits > 0, octets == 3 else { return nil }
        return value << 8 | octet
    }

    static func parseIPv6(_ text: Substring) -> (UInt64, UInt64)? {
        guard !text.isEmpty, !text.contains("%" as Character) else { return nil }
        // Split at each "::", left to right, without Foundation (this runs for every stored
        // IPv6 address when the cross-check index is rebuilt).
        var halves: [Substring] = []
        let utf8 = text.utf8
        var start = text.startIndex
        var index = text.startIndex
        while index < text.endIndex {
            let next = utf8.index(after: index)
            if utf8[index] == UInt8(ascii: ":"), next < text.endIndex, utf8[next] == UInt8(ascii: ":") {
                halves.append(text[start..<index])
                start = utf8.index(after: next)
                index = start
            } else {
                index = next
            }
        }
        halves.append(text[start...])
        guard halves.count <= 2 else { return nil }
        func groups(_ part: Substring, allowIPv4Tail: Bool) -> [UInt16]? {
            if part.isEmpty { return [] }
            var result: [UInt16] = []
            let pieces = part.split(separator: ":", omittingEmptySubsequences: false)
            for (index, piece) in pieces.enumerated() {
                if index == pieces.count - 1, allowIPv4Tail, piece.contains("." as Character) {
                    guard let v4 = parseIPv4(piece) else { return nil }
                    result.append(UInt16(v4 >> 16))
                    result.append(UInt16(v4 & 0xFFFF))
                    continue
                }
                guard (1...4).contains(piece.count), piece.allSatisfy(\.isHexDigit),
                    let group = UInt16(piece, radix: 16)
                else { return nil }
                result.append(group)
            }
            return result
        }
        var all: [UInt16]
        if halves.count == 2 {
            guard let head = groups(halves[0], allowIPv4Tail: false),
                let tail = groups(halves[1], allowIPv4Tail: true),
                head.count + tail.count <= 7
            else { return nil }
            all = head + Array(repeating: 0, count: 8 - head.count - tail.count) + tail
        } else {
            guard let only = groups(halves[0], allowIPv4Tail: true), only.count == 8 else { return nil }
            all = only
        }
        var high: UInt64 = 0
        var low: UInt64 = 0
        for index in 0..<4 { high = high << 16 | UInt64(all[index]) }
        for index in 4..<8 { low = low << 16 | UInt64(all[index]) }
        return (high, low)
    }

    /// The canonical text: dotted decimal for IPv4, RFC 5952 for IPv6.
    public var description: String {
        switch self {
        case .v4(let value):
            return [24, 16, 8, 0].map { String((value >> UInt32($0)) & 0xFF) }.joined(separator: ".")
        case .v6(let high, let low):
            let groups = (0..<8).map { index -> UInt16 in
                let word = index < 4 ? high : low
                return UInt16(truncatingIfNeeded: word >> UInt64(48 - 16 * (index % 4)))
            }
            // RFC 5952: compress the longest run of two or more zero groups, the first on a tie.
            var bestStart = -1
            var bestLength = 1
            var index = 0
            while index < 8 {
                if groups[index] == 0 {
                    var end = index
                    while end < 8 && groups[end] == 0 { end += 1 }
                    if end - index > bestLength {
                        bestStart = index
                        bestLength = end - index
                    }
                    index = end
                } else {
                    index += 1
                }
            }
            let hex = groups.map { String($0, radix: 16) }
            guard bestStart >= 0 else { return hex.joined(separator: ":") }
            let head = hex[..<bestStart].joined(separator: ":")
            let tail = hex[(bestStart + bestLength)...].joined(separator: ":")
            return head + "::" + tail
        }
    }

    /// The address with all bits after the first `prefixLength` cleared.
    public func masked(to prefixLength: Int) -> IPAddress {
        switch self {
        case .v4(let value):
            let mask: UInt32 = prefixLength == 0 ? 0 : ~UInt32(0) << UInt32(32 - prefixLength)
            return .v4(value & mask)
        case .v6(let high, let low):
            let highMask: UInt64 =
                prefixLength >= 64 ? ~0 : (prefixLength == 0 ? 0 : ~UInt64(0) << UInt64(64 - prefixLength))
            let lowMask: UInt64 =
                prefixLength <= 64 ? 0 : (prefixLength == 128 ? ~0 : ~UInt64(0) << UInt64(128 - prefixLength))
            return .v6(high: high & highMask, low: low & lowMask)
        }
    }
}

/// A block of addresses written in CIDR notation, such as `10.0.0.0/24` or `2001:db8::/32`.
public struct CIDRBlock: Hashable, Sendable, CustomStringConvertible {
    /// The first address of the block (host bits cleared).
    public let network: IPAddress
    /// How many leading bits are fixed.
    public let prefixLength: Int

    /// Parses `address/length`; a bare address is the block of that one address. Host bits
    /// set in the address are cleared, so `10.0.0.7/24` is `10.0.0.0/24`.
    public init?(_ text: some StringProtocol) {
        let parts = text.split(separator: "/", omittingEmptySubsequences: false)
        guard (1...2).contains(parts.count), let address = IPAddress(parts[0]) else { return nil }
        var length = address.bitWidth
        if parts.count == 2 {
            // An IPv4-mapped IPv6 block is written with a 128-bit prefix length.
            let writtenWidth = parts[0].contains(":" as Character) ? 128 : 32
            guard (1...3).contains(parts[1].count), parts[1].allSatisfy(\.isASCIIDigit),
                let parsed = Int(parts[1]), parsed <= writtenWidth
            else { return nil }
            length = parsed - (writtenWidth - address.bitWidth)
            guard length >= 0 else { return nil }
        }
        self.network = address.masked(to: length)
        self.prefixLength = length
    }

    /// Whether `address` lies inside the block.
    public func contains(_ address: IPAddress) -> Bool {
        guard address.bitWidth == network.bitWidth else { return false }
        return address.masked(to: prefixLength) == network
    }

    /// Whether the two blocks share at least one address.
    public func overlaps(_ other: CIDRBlock) -> Bool {
        let shorter = min(prefixLength, other.prefixLength)
        guard network.bitWidth == other.network.bitWidth else { return false }
        return network.masked(to: shorter) == other.network.masked(to: shorter)
    }

    public var description: String { "\(network)/\(prefixLength)" }
}

extension Character {
    var isASCIIDigit: Bool { isASCII && isNumber }
}
