import Foundation
import NIOCore

/// A part of a `multipart/form-data` body, as its headers describe it.
public struct MultipartPartHeaders: Equatable, Sendable {
    /// The form field's name (`name=` of `Content-Disposition`).
    public var name: String
    /// The file's name, for a file part.
    public var fileName: String?
    /// The part's `Content-Type`, if given.
    public var contentType: String?

    public init(name: String, fileName: String? = nil, contentType: String? = nil) {
        self.name = name
        self.fileName = fileName
        self.contentType = contentType
    }
}

/// What a multipart body is made of, in the order it arrives.
public enum MultipartEvent {
    /// A part begins.
    case partBegan(MultipartPartHeaders)
    /// Bytes of the current part's content.
    case content(ByteBuffer)
    /// The current part ended.
    case partEnded
}

/// Reads a `multipart/form-data` body as it streams in, whatever the sizes of the pieces it
/// arrives in, holding no more than one piece plus a boundary's length of it.
public struct MultipartReader {
    private enum State {
        case preamble, headers, content, afterDelimiter, finished
    }

    /// `\r\n--boundary`: what ends a part's content.
    private let delimiter: [UInt8]
    private var pending = ByteBuffer()
    private var state = State.preamble
    /// The most header bytes one part may have.
    static let maximumHeaderSize = 16 << 10

    /// A reader for the boundary given in the request's `Content-Type`.
    public init(boundary: String) {
        delimiter = Array("\r\n--\(boundary)".utf8)
        // The first boundary may come without the line break before it.
        pending.writeString("\r\n")
    }

    /// The boundary of a `multipart/form-data` content type, or nil when it is something else.
    public static func boundary(ofContentType contentType: String) -> String? {
        let parts = contentType.split(separator: ";").map { $0.trimmingCharacters(in: .whitespaces) }
        guard parts.first?.lowercased() == "multipart/form-data" else { return nil }
        for parameter in parts.dropFirst() {
            let pair = parameter.split(separator: "=", maxSplits: 1).map(String.init)
            guard pair.count == 2, pair[0].trimmingCharacters(in: .whitespaces).lowercased() == "boundary" else {
                continue
            }
            var value = pair[1].trimmingCharacters(in: .whitespaces)
            if value.hasPrefix("\""), value.hasSuffix("\""), value.count >= 2 {
                value = String(value.dropFirst().dropLast())
            }
            return (1...70).contains(value.utf8.count) ? value : nil
        }
        return nil
    }

    /// Reads the next piece of the body, telling `handle` what it holds.
    public mutating func read(_ piece: ByteBuffer, _ handle: (MultipartEvent) throws -> Void) throws {
        var piece = piece
        pending.writeBuffer(&piece)
        try process(handle)
        pending.discardReadBytes()
    }

    /// Checks that the body ended with its closing boundary.
    public func finish() throws {
        guard case .finished = state else {
            throw MultipartError("The form ended before its closing boundary: the upload was cut off.")
        }
    }

    private mutating func process(_ handle: (MultipartEvent) throws -> Void) throws {
        while true {
            switch state {
            case .preamble:
                guard let at = find(delimiter) else {
                    // Keep what could be the start of the first boundary.
                    pending.moveReaderIndex(forwardBy: max(0, pending.readableBytes - delimiter.count))
                    return
                }
                pending.moveReaderIndex(forwardBy: at + delimiter.count)
                state = .afterDelimiter
            case .afterDelimiter:
                guard pending.readableBytes >= 2 else { return }
                let next = pending.readString(length: 2)
                if next == "--" {
                    state = .finished
                } else if next == "\r\n" {
                    state = .headers
                } else {
                    throw MultipartError("The form has a malformed boundary line.")
                }
            case .headers:
                guard let end = find(Array("\r\n\r\n".utf8)) else {
                    guard pending.readableBytes <= Self.maximumHeaderSize else {
                        throw MultipartError("A part of the form has too many headers.")
                    }
                    return
                }
                guard end <= Self.maximumHeaderSize else {
                    throw MultipartError("A part of the form has too many headers.")
                }
                let text = pending.readString(length: end) ?? ""
                pending.moveReaderIndex(forwardBy: 4)
                try handle(.partBegan(try Self.parseHeaders(text)))
                state = .content
            case .content:
                if let at = find(delimiter) {
                    if at > 0 { try handle(.content(pending.readSlice(length: at)!)) }
                    pending.moveReaderIndex(forwardBy: delimiter.count)
                    try handle(.partEnded)
                    state = .afterDelimiter
                } else {
                    // Everything except what could be the start of the delimiter is content.
                    let safe = pending.readableBytes - (delimiter.count - 1)
                    if safe > 0 { try handle(.content(pending.readSlice(length: safe)!)) }
                    return
                }
            case .finished:
                // The epilogue after the closing boundary is ignored.
                pending.moveReaderIndex(forwardBy: pending.readableBytes)
                return
            }
        }
    }

    /// The offset of `needle` in the unread bytes, found by scanning for its first byte.
    private func find(_ needle: [UInt8]) -> Int? {
        pending.withUnsafeReadableBytes { haystack -> Int? in
            guard haystack.count >= needle.count, let base = haystack.baseAddress else { return nil }
            let first = needle[0]
            var offset = 0
            let last = haystack.count - needle.count
            while offset <= last {
                guard let hit = memchr(base + offset, Int32(first), last - offset + 1) else { return nil }
                let at = base.distance(to: UnsafeRawPointer(hit))
                if memcmp(base + at, needle, needle.count) == 0 { return at }
                offset = at + 1
            }
            return nil
        }
    }

    /// Reads a part's `Content-Disposition` and `Content-Type`.
    public static func parseHeaders(_ text: String) throws -> MultipartPartHeaders {
        var disposition: String?
        var contentType: String?
        for line in text.components(separatedBy: "\r\n") where !line.isEmpty {
            guard let colon = line.firstIndex(of: ":") else {
                throw MultipartError("A part of the form has a malformed header line.")
            }
            let name = line[..<colon].trimmingCharacters(in: .whitespaces).lowercased()
            let value = line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
            if name == "content-disposition" { disposition = value }
            if name == "content-type" { contentType = value }
        }
        guard let disposition, let parameters = Self.dispositionParameters(disposition),
            let name = parameters["name"]
        else {
            throw MultipartError("Each part of the form needs a Content-Disposition with its name.")
        }
        return MultipartPartHeaders(
            name: name, fileName: parameters["filename*"] ?? parameters["filename"], contentType: contentType)
    }

    /// `form-data; name="file"; filename="a.pdf"` → its parameters (a `filename*` in
    /// RFC 5987 form decoded).
    public static func dispositionParameters(_ value: String) -> [String: String]? {
        var parameters: [String: String] = [:]
        var rest = Substring(value)
        let semicolon = rest.firstIndex(of: ";") ?? rest.endIndex
        guard rest[..<semicolon].trimmingCharacters(in: .whitespaces).lowercased() == "form-data" else { return nil }
        rest = rest[semicolon...]
        while let start = rest.firstIndex(of: ";") {
            rest = rest[rest.index(after: start)...].drop(while: { $0 == " " })
            guard let equals = rest.firstIndex(of: "=") else { break }
            let key = rest[..<equals].trimmingCharacters(in: .whitespaces).lowercased()
            rest = rest[rest.index(after: equals)...]
            var parsed = ""
            if rest.first == "\"" {
                rest = rest.dropFirst()
                var escaped = false
                while let character = rest.first {
                    rest = rest.dropFirst()
                    if escaped {
                        parsed.append(character)
                        escaped = false
                    } else if character == "\\" {
                        escaped = true
                    } else if character == "\"" {
                        break
                    } else {
                        parsed.append(character)
                    }
                }
            } else {
                let end = rest.firstIndex(of: ";") ?? rest.endIndex
                parsed = rest[..<end].trimmingCharacters(in: .whitespaces)
                rest = rest[end...]
            }
            if key == "filename*" {
                // UTF-8''percent-encoded
                let encoded = parsed.split(separator: "'", maxSplits: 2, omittingEmptySubsequences: false)
                if encoded.count == 3, let decoded = String(encoded[2]).removingPercentEncoding {
                    parsed = decoded
                }
            }
            parameters[key] = parsed
        }
        return parameters
    }
}

/// What is wrong with a form that cannot be read, in words for its sender (a 400 problem).
public struct MultipartError: Error, Equatable, Sendable {
    public let detail: String

    public init(_ detail: String) {
        self.detail = detail
    }
}
