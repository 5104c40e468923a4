/// URL normalisation (RFC 3986 section 6): scheme and host case, default ports, dot segments,
/// percent-encoding case, and no fragment.
public enum URLNormaliser {
    private static let defaultPorts: [String: String] = [
        "http": "80", "https": "443", "ftp": "21", "ws": "80", "wss": "443",
    ]

    /// Normalises a URL; one without a scheme is read as `http://`.
    ///
    /// `HTTP://Example.COM:80/a/./b/../c?q=1#top` → `http://example.com/a/c?q=1`.
    public static func normalise(_ text: String) throws(DomainError) -> String {
        var rest = Substring(text.trimmingWhitespace())
        guard !rest.isEmpty, !rest.contains(where: { $0.isWhitespace }) else {
            throw .invalid("'\(text)' is not a URL: a URL has no spaces.")
        }
        var scheme = "http"
        if let range = rest.range(of: "://") {
            scheme = rest[..<range.lowerBound].lowercased()
            guard let first = scheme.first, first.isLetter,
                scheme.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || "+-.".contains($0)) })
            else { throw .invalid("'\(text)' is not a URL: its scheme is not valid.") }
            rest = rest[range.upperBound...]
        }
        if let hash = rest.firstIndex(of: "#") { rest = rest[..<hash] }
        let authorityEnd = rest.firstIndex { $0 == "/" || $0 == "?" } ?? rest.endIndex
        var authority = rest[..<authorityEnd]
        var pathAndQuery = rest[authorityEnd...]
        var userInfo = ""
        if let at = authority.lastIndex(of: "@") {
            userInfo = String(authority[...at])
            authority = authority[authority.index(after: at)...]
        }
        var host = String(authority)
        var port: String?
        if host.hasPrefix("[") {
            guard let close = host.firstIndex(of: "]") else {
                throw .invalid("'\(text)' is not a URL: '[' is not closed.")
            }
            let after = host[host.index(after: close)...]
            if after.hasPrefix(":") {
                port = String(after.dropFirst())
            } else if !after.isEmpty {
                throw .invalid("'\(text)' is not a URL: unexpected characters after the IPv6 address.")
            }
            host = String(host[...close])
        } else if let colon = host.lastIndex(of: ":") {
            port = String(host[host.index(after: colon)...])
            host = String(host[..<colon])
        }
        if let given = port {
            guard given.isEmpty || (given.count <= 5 && given.allSatisfy(\.isASCIIDigit) && Int(given)! <= 65_535)
            else { throw .invalid("'\(text)' is not a URL: the port must be a number up to 65535.") }
            let trimmed = given.isEmpty ? "" : String(Int(given)!)
            port = trimmed.isEmpty || defaultPorts[scheme] == trimmed ? nil : trimmed
        }
        guard !host.isEmpty else { throw .invalid("'\(text)' is not a URL: it names no host.") }
        let normalisedHost: String
        if let address = IPAddress(host) {
            if case .v6 = address { normalisedHost = "[\(address)]" } else { normalisedHost = "\(address)" }
        } else {
            do {
                normalisedHost = try DomainName.normalise(host)
            } catch {
                throw .invalid("'\(text)' is not a URL: its host is not valid (\(error.message))")
            }
        }
        var query: Substring?
        if let questionMark = pathAndQuery.firstIndex(of: "?") {
            query = pathAndQuery[pathAndQuery.index(after: questionMark)...]
            pathAndQuery = pathAndQuery[..<questionMark]
        }
        var path = removeDotSegments(normalisePercentEncoding(String(pathAndQuery)))
        if path.isEmpty { path = "/" }
        var result = scheme + "://" + userInfo + normalisedHost
        if let port { result += ":" + port }
        result += path
        if let query { result += "?" + normalisePercentEncoding(String(query)) }
        return result
    }

    /// Upper-cases the hex digits of escapes and decodes escapes of unreserved characters.
    static func normalisePercentEncoding(_ text: String) -> String {
        var output = ""
        var scalars = Array(text.unicodeScalars)[...]
        while let scalar = scalars.popFirst() {
            if scalar == "%", scalars.count >= 2,
                let value = UInt8(String(String.UnicodeScalarView(scalars.prefix(2))), radix: 16)
            {
                scalars = scalars.dropFirst(2)
                let decoded = Unicode.Scalar(value)
                let isUnreserved =
                    (value >= 0x41 && value <= 0x5A) || (value >= 0x61 && value <= 0x7A)
                    || (value >= 0x30 && value <= 0x39) || "-._~".unicodeScalars.contains(decoded)
                if isUnreserved {
                    output.unicodeScalars.append(decoded)
                } else {
                    output += "%" + String(value, radix: 16, uppercase: true).leftPadded(to: 2)
                }
            } else {
                output.unicodeScalars.append(scalar)
            }
        }
        return output
    }

    /// RFC 3986 section 5.2.4.
    static func removeDotSegments(_ path: String) -> String {
        guard path.contains(".") else { return path }
        var output: [Substring] = []
        let segments = path.split(separator: "/", omittingEmptySubsequences: false).dropFirst()
        for (index, segment) in segments.enumerated() {
            let isLast = index == segments.count - 1
            switch segment {
            case ".":
                if isLast { output.append("") }
            case "..":
                if !output.isEmpty { output.removeLast() }
                if isLast { output.append("") }
            default:
                output.append(segment)
            }
        }
        return "/" + output.joined(separator: "/")
    }
}

extension String {
    /// The string with `0`s before it up to `length` characters.
    public func leftPadded(to length: Int) -> String {
        count >= length ? self : String(repeating: "0", count: length - count) + self
    }
}
