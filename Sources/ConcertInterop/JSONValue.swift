import Foundation

/// A JSON value as the importers read it: small, `Sendable`, and cheap to build one object of a
/// bundle at a time (Foundation's `JSONSerialization` answers trees of `Any` that take many
/// times a file's size, and only whole).
public enum JSONValue: Sendable, Equatable {
    case null
    case bool(Bool)
    /// A number as the file writes it, so that `123` reads back as `123`, not `123.0`.
    case number(String)
    case string(String)
    case array([JSONValue])
    case object(JSONObject)

    /// The text of a string.
    public var string: String? {
        if case .string(let text) = self { text } else { nil }
    }

    /// The items of a list.
    public var array: [JSONValue]? {
        if case .array(let items) = self { items } else { nil }
    }

    /// The members of an object.
    public var object: JSONObject? {
        if case .object(let members) = self { members } else { nil }
    }

    /// The strings of a list, leaving out what is no string.
    public var strings: [String]? { array?.compactMap(\.string) }

    /// A number's value.
    public var number: Double? {
        if case .number(let text) = self { Double(text) } else { nil }
    }

    /// A number's text, as the file writes it.
    public var numberText: String? {
        if case .number(let text) = self { text } else { nil }
    }

    /// A `true` or `false`.
    public var bool: Bool? {
        if case .bool(let value) = self { value } else { nil }
    }

    /// What the value is, in words, for a message that says what a file holds instead.
    var kindInWords: String {
        switch self {
        case .null: "JSON null"
        case .bool: "a JSON true or false"
        case .number: "a JSON number"
        case .string: "a JSON string"
        case .array(let items): items.isEmpty ? "an empty JSON list" : "a JSON list of \(items.count) items"
        case .object(let object): object.kindInWords
        }
    }
}

/// The members of a JSON object in the order of the file.
public struct JSONObject: Sendable, Equatable {
    /// One name and its value.
    public struct Member: Sendable, Equatable {
        public var key: String
        public var value: JSONValue
    }

    /// The members, in the order of the file.
    public var members: [Member]

    /// Creates an object of `members`.
    public init(_ members: [Member] = []) {
        self.members = members
    }

    /// The value of `key`; of its last member when the file names it twice, as most readers do.
    public subscript(key: String) -> JSONValue? {
        members.last { $0.key == key }?.value
    }

    /// The object with only the members `rules` name, each in the shape its rule keeps: what an
    /// importer reads of a large file, and nothing more.
    func kept(_ rules: [String: JSONKeep]) -> JSONObject {
        JSONObject(
            members.compactMap { member in
                rules[member.key].map { JSONObject.Member(key: member.key, value: member.value.kept($0)) }
            })
    }

    var kindInWords: String {
        JSONShape(keys: members.map(\.key), type: self["type"]?.string).inWords
    }
}

/// What of a JSON value an importer keeps, so that it holds the identifiers a file names and
/// not the rest of its content (a sample's bytes, a list of a million numbers).
///
/// A value of another shape than its rule's is kept as `null`: present, so that the importer
/// still says it is not what was expected, at its place.
///
/// A struct of arrays rather than an indirect enum: the rules are held by statics for the life
/// of the process, and a leak checker cannot follow an enum's boxes through the spare bits
/// their tags use.
struct JSONKeep: Sendable {
    enum Shape: Sendable {
        case scalar, list, object, anyMembers, scalarOrObject
    }

    var shape: Shape
    /// The rule of each item (a list) or each member (`anyMembers`), as the one element.
    var each: [JSONKeep] = []
    /// The rule of each named member (`object`, `scalarOrObject`).
    var members: [String: JSONKeep] = [:]
    var atMost = Int.max

    /// A string, number, `true`, `false` or `null`.
    static let scalar = JSONKeep(shape: .scalar)

    /// A list's first `atMost` items, each in its shape.
    static func list(_ item: JSONKeep, atMost: Int) -> JSONKeep {
        JSONKeep(shape: .list, each: [item], atMost: atMost)
    }

    /// An object's named members, each in its shape.
    static func object(_ members: [String: JSONKeep]) -> JSONKeep {
        JSONKeep(shape: .object, members: members)
    }

    /// An object's first `atMost` members whatever their names, each in the same shape.
    static func anyMembers(_ member: JSONKeep, atMost: Int) -> JSONKeep {
        JSONKeep(shape: .anyMembers, each: [member], atMost: atMost)
    }

    /// A scalar, or an object's named members.
    static func scalarOrObject(_ members: [String: JSONKeep]) -> JSONKeep {
        JSONKeep(shape: .scalarOrObject, members: members)
    }
}

extension JSONValue {
    /// The value in the shape `rule` keeps.
    func kept(_ rule: JSONKeep) -> JSONValue {
        switch rule.shape {
        case .scalar:
            switch self {
            case .array, .object: return .null
            default: return self
            }
        case .list:
            guard case .array(let items) = self, let item = rule.each.first else { return .null }
            return .array(items.prefix(rule.atMost).map { $0.kept(item) })
        case .object:
            guard case .object(let object) = self else { return .null }
            return .object(object.kept(rule.members))
        case .anyMembers:
            guard case .object(let object) = self, let member = rule.each.first else { return .null }
            return .object(
                JSONObject(
                    object.members.prefix(rule.atMost).map {
                        JSONObject.Member(key: $0.key, value: $0.value.kept(member))
                    }
                ))
        case .scalarOrObject:
            switch self {
            case .array: return .null
            case .object(let object): return .object(object.kept(rule.members))
            default: return self
            }
        }
    }
}

/// What a JSON document's top level holds, in words: enough to tell a user which of the formats
/// they sent instead of the one expected, without holding the document.
struct JSONShape {
    var keys: [String]
    var type: String?
    var listItems: Int?

    var inWords: String {
        if let listItems { return listItems == 0 ? "an empty JSON list" : "a JSON list of \(listItems) items" }
        if keys.contains("Event") { return "a MISP event" }
        if type == "bundle" { return "a STIX bundle" }
        if keys.contains("targets") { return "Concert's JSON list of targets" }
        if let type { return "a single object of type '\(type)'" }
        let named = Set(keys).sorted().prefix(3).map { "'\($0)'" }.joined(separator: ", ")
        return named.isEmpty ? "an empty JSON object" : "a JSON object with the keys \(named)"
    }
}

/// Where and why a JSON text is not JSON.
struct JSONSyntaxError: Error {
    /// The offset of the byte at fault, from the start of the text read.
    var offset: Int
    var reason: String
}

/// Parses one JSON value from contiguous bytes (RFC 8259: strings must be UTF-8, no trailing
/// commas, no comments), nested at most ``maximumDepth`` deep so that a hostile file cannot
/// exhaust the stack.
struct JSONParser {
    static let maximumDepth = 256

    private let bytes: UnsafeBufferPointer<UInt8>
    private var index = 0
    private var scratch: [UInt8] = []

    /// Parses all of `bytes` as one value with nothing but white space around it.
    static func parse(_ bytes: UnsafeBufferPointer<UInt8>) throws(JSONSyntaxError) -> JSONValue {
        var parser = JSONParser(bytes: bytes)
        parser.skipSpace()
        let value = try parser.value(depth: 0)
        parser.skipSpace()
        guard parser.index == bytes.count else {
            throw JSONSyntaxError(offset: parser.index, reason: "more follows the end of the value")
        }
        return value
    }

    /// Parses `data` whole.
    static func parse(_ data: some ContiguousBytes) throws(JSONSyntaxError) -> JSONValue {
        let result = data.withUnsafeBytes { raw in
            Result { () throws(JSONSyntaxError) in try parse(raw.bindMemory(to: UInt8.self)) }
        }
        return try result.get()
    }

    private init(bytes: UnsafeBufferPointer<UInt8>) {
        self.bytes = bytes
    }

    private mutating func skipSpace() {
        while index < bytes.count {
            switch bytes[index] {
            case 0x20, 0x09, 0x0A, 0x0D: index += 1
            default: return
            }
        }
    }

    private func fail(_ reason: String) -> JSONSyntaxError { JSONSyntaxError(offset: index, reason: reason) }

    private mutating func value(depth: Int) throws(JSONSyntaxError) -> JSONValue {
        guard index < bytes.count else { throw fail("the text ends where a value was expected") }
        switch bytes[index] {
        case UInt8(ascii: "{"): return .object(try object(depth: depth + 1))
        case UInt8(ascii: "["): return .array(try array(depth: depth + 1))
        case UInt8(ascii: "\""): return .string(try string())
        case UInt8(ascii: "t"): return try literal("true", .bool(true))
        case UInt8(ascii: "f"): return try literal("false", .bool(false))
        case UInt8(ascii: "n"): return try literal("null", .null)
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"): return .number(try number())
        default: throw fail("a value was expected")
        }
    }

    private mutating func literal(_ word: StaticString, _ value: JSONValue) throws(JSONSyntaxError) -> JSONValue {
        let length = word.utf8CodeUnitCount
        guard index + length <= bytes.count else { throw fail("a value was expected") }
        for offset in 0..<length where bytes[index + offset] != word.utf8Start[offset] {
            throw fail("a value was expected")
        }
        index += length
        return value
    }

    private mutating func object(depth: Int) throws(JSONSyntaxError) -> JSONObject {
        guard depth <= Self.maximumDepth else { throw fail("the values are nested too deep") }
        index += 1
        var members: [JSONObject.Member] = []
        skipSpace()
        if index < bytes.count, bytes[index] == UInt8(ascii: "}") {
            index += 1
            return JSONObject(members)
        }
        while true {
            skipSpace()
            guard index < bytes.count, bytes[index] == UInt8(ascii: "\"") else {
                throw fail("a member's name in double quotes was expected")
            }
            let key = try string()
            skipSpace()
            guard index < bytes.count, bytes[index] == UInt8(ascii: ":") else { throw fail("':' was expected") }
            index += 1
            skipSpace()
            members.append(JSONObject.Member(key: key, value: try value(depth: depth)))
            if try endsAfterValue(UInt8(ascii: "}"), inside: "an object") { return JSONObject(members) }
        }
    }

    /// After a member or an item: a comma (more follow: false) or `closer` (the end: true).
    private mutating func endsAfterValue(_ closer: UInt8, inside container: String) throws(JSONSyntaxError) -> Bool {
        skipSpace()
        guard index < bytes.count else { throw fail("the text ends inside \(container)") }
        switch bytes[index] {
        case UInt8(ascii: ","):
            index += 1
            return false
        case closer:
            index += 1
            return true
        default: throw fail("',' or '\(Character(Unicode.Scalar(closer)))' was expected")
        }
    }

    private mutating func array(depth: Int) throws(JSONSyntaxError) -> [JSONValue] {
        guard depth <= Self.maximumDepth else { throw fail("the values are nested too deep") }
        index += 1
        var items: [JSONValue] = []
        skipSpace()
        if index < bytes.count, bytes[index] == UInt8(ascii: "]") {
            index += 1
            return items
        }
        while true {
            skipSpace()
            items.append(try value(depth: depth))
            if try endsAfterValue(UInt8(ascii: "]"), inside: "a list") { return items }
        }
    }

    private mutating func number() throws(JSONSyntaxError) -> String {
        let start = index
        func digits() -> Int {
            let first = index
            while index < bytes.count, (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(bytes[index]) { index += 1 }
            return index - first
        }
        if bytes[index] == UInt8(ascii: "-") { index += 1 }
        guard index < bytes.count else { throw fail("a digit was expected") }
        if bytes[index] == UInt8(ascii: "0") {
            index += 1
        } else if digits() == 0 {
            throw fail("a digit was expected")
        }
        if index < bytes.count, bytes[index] == UInt8(ascii: ".") {
            index += 1
            guard digits() > 0 else { throw fail("a digit was expected after '.'") }
        }
        if index < bytes.count, bytes[index] | 0x20 == UInt8(ascii: "e") {
            index += 1
            if index < bytes.count, bytes[index] == UInt8(ascii: "+") || bytes[index] == UInt8(ascii: "-") {
                index += 1
            }
            guard digits() > 0 else { throw fail("a digit was expected in the exponent") }
        }
        return String(decoding: UnsafeBufferPointer(rebasing: bytes[start..<index]), as: UTF8.self)
    }

    private mutating func string() throws(JSONSyntaxError) -> String {
        index += 1
        let start = index
        // Most strings hold no escape: they are taken as they stand.
        while index < bytes.count {
            let byte = bytes[index]
            if byte == UInt8(ascii: "\"") {
                let text = String(validating: UnsafeBufferPointer(rebasing: bytes[start..<index]), as: UTF8.self)
                guard let text else { throw JSONSyntaxError(offset: start, reason: "the string is not UTF-8") }
                index += 1
                return text
            }
            if byte == UInt8(ascii: "\\") { break }
            guard byte >= 0x20 else { throw fail("a control character must be escaped in a string") }
            index += 1
        }
        scratch.removeAll(keepingCapacity: true)
        scratch.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[start..<index]))
        while index < bytes.count {
            let byte = bytes[index]
            switch byte {
            case UInt8(ascii: "\""):
                guard let text = String(validating: scratch, as: UTF8.self) else {
                    throw JSONSyntaxError(offset: start, reason: "the string is not UTF-8")
                }
                index += 1
                return text
            case UInt8(ascii: "\\"):
                index += 1
                guard index < bytes.count else { break }
                let escaped = bytes[index]
                index += 1
                switch escaped {
                case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"): scratch.append(escaped)
                case UInt8(ascii: "b"): scratch.append(0x08)
                case UInt8(ascii: "f"): scratch.append(0x0C)
                case UInt8(ascii: "n"): scratch.append(0x0A)
                case UInt8(ascii: "r"): scratch.append(0x0D)
                case UInt8(ascii: "t"): scratch.append(0x09)
                case UInt8(ascii: "u"):
                    var scalar = try hexQuad()
                    if (0xD800...0xDBFF).contains(scalar) {
                        guard index + 1 < bytes.count, bytes[index] == UInt8(ascii: "\\"),
                            bytes[index + 1] == UInt8(ascii: "u")
                        else { throw fail("a high surrogate must be followed by a low one") }
                        index += 2
                        let low = try hexQuad()
                        guard (0xDC00...0xDFFF).contains(low) else {
                            throw fail("a high surrogate must be followed by a low one")
                        }
                        scalar = 0x10000 + ((scalar - 0xD800) << 10) + (low - 0xDC00)
                    } else if (0xDC00...0xDFFF).contains(scalar) {
                        throw fail("a low surrogate stands alone")
                    }
                    guard let character = Unicode.Scalar(scalar) else { throw fail("the escape names no character") }
                    scratch.append(contentsOf: Array(String(character).utf8))
                default:
                    index -= 1
                    throw fail("'\\\(Character(Unicode.Scalar(escaped)))' is no escape")
                }
            default:
                guard byte >= 0x20 else { throw fail("a control character must be escaped in a string") }
                scratch.append(byte)
                index += 1
            }
        }
        throw fail("the text ends inside a string")
    }

    private mutating func hexQuad() throws(JSONSyntaxError) -> UInt32 {
        guard index + 4 <= bytes.count else { throw fail("four hexadecimal digits were expected") }
        var value: UInt32 = 0
        for _ in 0..<4 {
            let byte = bytes[index]
            let digit: UInt8
            switch byte {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): digit = byte - UInt8(ascii: "0")
            case UInt8(ascii: "a")...UInt8(ascii: "f"): digit = byte - UInt8(ascii: "a") + 10
            case UInt8(ascii: "A")...UInt8(ascii: "F"): digit = byte - UInt8(ascii: "A") + 10
            default: throw fail("four hexadecimal digits were expected")
            }
            value = value << 4 | UInt32(digit)
            index += 1
        }
        return value
    }
}
