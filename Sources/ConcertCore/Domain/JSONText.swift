import Foundation

/// JSON written by hand, byte for byte as ``ConcertJSON/makeEncoder()`` writes it (sorted
/// keys, slashes unescaped, the same escapes), for the records written by the hundred
/// thousand: Foundation's encoder spent more than half of an import's time on them.
///
/// The writer does not sort: each record writes its keys in sorted order itself, and a test
/// checks every such record against Foundation's encoder.
public struct JSONText {
    /// The UTF-8 written so far.
    public private(set) var bytes: [UInt8] = []
    private var needsComma = false

    /// An empty text.
    public init(capacity: Int = 512) {
        bytes.reserveCapacity(capacity)
    }

    /// The text as a string.
    public var string: String { String(decoding: bytes, as: UTF8.self) }

    /// Opens an object, as a value or at the top.
    public mutating func beginObject() {
        separate()
        bytes.append(UInt8(ascii: "{"))
        needsComma = false
    }

    /// Closes an object.
    public mutating func endObject() {
        bytes.append(UInt8(ascii: "}"))
        needsComma = true
    }

    /// Opens an array.
    public mutating func beginArray() {
        separate()
        bytes.append(UInt8(ascii: "["))
        needsComma = false
    }

    /// Closes an array.
    public mutating func endArray() {
        bytes.append(UInt8(ascii: "]"))
        needsComma = true
    }

    /// Writes a key; its value follows.
    public mutating func key(_ key: StaticString) {
        separate()
        bytes.append(UInt8(ascii: "\""))
        key.withUTF8Buffer { bytes.append(contentsOf: $0) }
        // Byte by byte: an array literal here would be allocated for every key written.
        bytes.append(UInt8(ascii: "\""))
        bytes.append(UInt8(ascii: ":"))
        needsComma = false
    }

    /// Writes a key that is not known in advance (a dictionary's), escaped as strings are.
    public mutating func key(_ key: String) {
        string(key)
        bytes.append(UInt8(ascii: ":"))
        needsComma = false
    }

    /// Writes a string value.
    public mutating func string(_ value: String) {
        separate()
        bytes.append(UInt8(ascii: "\""))
        var value = value
        value.withUTF8 { utf8 in
            var clean = 0
            for (offset, byte) in utf8.enumerated() where byte < 0x20 || byte == 0x22 || byte == 0x5C {
                bytes.append(contentsOf: UnsafeBufferPointer(rebasing: utf8[clean..<offset]))
                escape(byte)
                clean = offset + 1
            }
            bytes.append(contentsOf: UnsafeBufferPointer(rebasing: utf8[clean...]))
        }
        bytes.append(UInt8(ascii: "\""))
        needsComma = true
    }

    /// Writes a whole number.
    public mutating func number(_ value: Int) {
        separate()
        bytes.append(contentsOf: String(value).utf8)
        needsComma = true
    }

    /// Writes `true` or `false`.
    public mutating func bool(_ value: Bool) {
        separate()
        bytes.append(contentsOf: (value ? "true" : "false").utf8)
        needsComma = true
    }

    /// Writes a key and a string value, or nothing when the value is absent (as the encoder
    /// leaves out absent optionals).
    public mutating func field(_ key: StaticString, _ value: String?) {
        guard let value else { return }
        self.key(key)
        string(value)
    }

    /// Writes a key and a time as ``ConcertJSON/formatTimestamp(_:)`` writes it.
    public mutating func field(_ key: StaticString, _ date: Date) {
        self.key(key)
        string(ConcertJSON.formatTimestamp(date))
    }

    private mutating func separate() {
        if needsComma { bytes.append(UInt8(ascii: ",")) }
    }

    private mutating func escape(_ byte: UInt8) {
        bytes.append(UInt8(ascii: "\\"))
        switch byte {
        case 0x22: bytes.append(UInt8(ascii: "\""))
        case 0x5C: bytes.append(UInt8(ascii: "\\"))
        case 0x08: bytes.append(UInt8(ascii: "b"))
        case 0x09: bytes.append(UInt8(ascii: "t"))
        case 0x0A: bytes.append(UInt8(ascii: "n"))
        case 0x0C: bytes.append(UInt8(ascii: "f"))
        case 0x0D: bytes.append(UInt8(ascii: "r"))
        default:
            let digits = Array("0123456789abcdef".utf8)
            bytes.append(contentsOf: [
                UInt8(ascii: "u"), UInt8(ascii: "0"), UInt8(ascii: "0"), digits[Int(byte >> 4)], digits[Int(byte & 15)],
            ])
        }
    }
}

extension Target {
    /// The target's JSON, as ``ConcertJSON/encodeToString(_:)`` writes it, without Foundation.
    public var json: String {
        var text = JSONText(capacity: 256 + selectors.count * 96)
        text.beginObject()
        text.field("country", country)
        text.field("createdAt", createdAt)
        text.field("createdBy", createdBy)
        text.key("distribution")
        text.write(distribution)
        text.field("evaluation", evaluation.description)
        text.field("handling", handling.rawValue)
        text.field("handlingRestriction", handlingRestriction)
        text.field("hostingProvider", hostingProvider)
        text.field("id", id)
        text.field("kind", kind.rawValue)
        text.field("name", name)
        text.field("notes", notes)
        text.field("operationId", operationId)
        text.field("originatorAgencyId", originatorAgencyId)
        text.key("selectors")
        text.beginArray()
        for selector in selectors {
            text.beginObject()
            text.field("dateOfBirth", selector.dateOfBirth)
            text.field("kind", selector.kind.rawValue)
            text.field("matchKey", selector.matchKey)
            text.key("value")
            switch selector.value {
            case .text(let value):
                text.string(value)
            case .person(let person):
                text.beginObject()
                text.field("dateOfBirth", person.dateOfBirth)
                text.field("name", person.name)
                text.endObject()
            }
            text.endObject()
        }
        text.endArray()
        if let source {
            text.key("source")
            text.beginObject()
            text.field("format", source.format)
            text.field("id", source.id)
            if let modified = source.modified { text.field("modified", modified) }
            if let toIds = source.toIds {
                text.key("toIds")
                text.bool(toIds)
            }
            text.endObject()
        }
        text.field("updatedAt", updatedAt)
        text.endObject()
        return text.string
    }
}

extension Hit {
    /// The hit's JSON, as ``ConcertJSON/encodeToString(_:)`` writes it, without Foundation:
    /// an import can find thousands of hits, and each is written three times.
    public var json: String {
        var text = JSONText(capacity: 640)
        text.beginObject()
        text.key("a")
        text.write(a)
        text.key("b")
        text.write(b)
        text.field("foundAt", foundAt)
        text.field("id", id)
        text.field("kind", kind.rawValue)
        text.key("reviewedBy")
        text.beginObject()
        for (agencyId, date) in reviewedBy.sorted(by: { $0.key < $1.key }) {
            text.key(agencyId)
            text.string(ConcertJSON.formatTimestamp(date))
        }
        text.endObject()
        text.endObject()
        return text.string
    }
}

extension JSONText {
    /// Writes one side of a hit.
    public mutating func write(_ side: HitSide) {
        beginObject()
        field("agencyId", side.agencyId)
        field("matchKey", side.matchKey)
        field("operationId", side.operationId)
        field("selectorKind", side.selectorKind.rawValue)
        field("targetId", side.targetId)
        field("value", side.value)
        endObject()
    }

    /// Writes a distribution: `"all"` or the list of agency ids.
    public mutating func write(_ distribution: Distribution) {
        switch distribution {
        case .allParticipants:
            string("all")
        case .agencies(let agencies):
            beginArray()
            for agency in agencies { string(agency) }
            endArray()
        }
    }
}

extension Distribution {
    /// The distribution's JSON, as ``ConcertJSON/encodeToString(_:)`` writes it.
    public var json: String {
        var text = JSONText(capacity: 64)
        text.write(self)
        return text.string
    }
}
