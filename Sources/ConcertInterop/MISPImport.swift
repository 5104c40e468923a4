import ConcertCore
import Foundation

/// Reads MISP events (`{"Event": …}`, a list of them as MISP's feeds write them, or a search's
/// `{"response": […]}`): each attribute Concert reads becomes a target, each object one target
/// of all its attributes; `tlp:*` tags set the handling, `to_ids` is kept.
public enum MISPImport {
    /// Reads `data`.
    public static func read(_ data: Data, defaults: ImportDefaults) throws(InteropError) -> InteropImport {
        var reader = MISPReader(defaults: defaults)
        return try reader.read(data)
    }

    static func note(_ path: String, _ detail: String, object: String? = nil) -> ImportNote {
        ImportNote(place: .json(path, object: object), detail: detail)
    }

    /// The handling the `tlp:*` tags (and Concert's own `concert:handling` tags) of `tags` say.
    static func handling(ofTags tags: JSONValue?) -> FileHandling? {
        var handling: FileHandling?
        var concert: FileHandling?
        for tag in tags?.array ?? [] {
            guard let name = tag.object?["name"]?.string ?? tag.string else { continue }
            let lower = name.lowercased()
            if lower.hasPrefix("tlp:"), let tlp = FileHandling.tlp(String(lower.dropFirst(4))) {
                handling = tlp.joined(handling)
            } else if lower.hasPrefix("concert:distribution=") {
                continue
            } else if lower.hasPrefix("concert:handling=") {
                let value = name.dropFirst("concert:handling=".count).trimmingCharacters(in: ["\""])
                concert = FileHandling.fromStatement(value).map { $0.joined(concert) } ?? concert
            }
        }
        // Concert's own tag says exactly what its TLP colour rounds.
        return concert ?? handling
    }

    /// Whether `tags` say the originator named who may see the values (Concert's export).
    static func restrictsDistribution(_ tags: JSONValue?) -> Bool {
        (tags?.array ?? []).contains { tag in
            (tag.object?["name"]?.string ?? tag.string) == #"concert:distribution="named""#
        }
    }

    /// When an attribute or object last changed: MISP writes seconds since 1970, as text.
    static func timestamp(_ value: JSONValue?) -> Date? {
        switch value {
        case .string(let text): InteropImport.plausible(Double(text).map { Date(timeIntervalSince1970: $0) })
        case .number(let text): InteropImport.plausible(Double(text).map { Date(timeIntervalSince1970: $0) })
        default: nil
        }
    }

    static func flag(_ value: JSONValue?) -> Bool? {
        switch value {
        case .bool(let bool): bool
        case .string(let text): text == "1" || text.lowercased() == "true"
        case .number(let text): (Double(text) ?? 0) != 0
        default: nil
        }
    }

    /// The selectors an attribute of `type` with `value` names; nil for a type Concert does
    /// not read.
    static func selectors(type: String, value: String) -> [SelectorInput]? {
        func address(_ text: Substring) -> SelectorInput {
            let value = String(text).trimmingCharacters(in: .whitespaces)
            return SelectorInput(kind: value.contains("/") ? .cidr : .ip, text: value)
        }
        func beforeBar(_ text: String) -> Substring { text.lastIndex(of: "|").map { text[..<$0] } ?? Substring(text) }
        switch type {
        case "ip-src", "ip-dst": return [address(Substring(value))]
        case "ip-src|port", "ip-dst|port": return [address(beforeBar(value))]
        case "domain", "hostname": return [SelectorInput(kind: .domain, text: value)]
        case "hostname|port": return [SelectorInput(kind: .domain, text: String(beforeBar(value)))]
        case "domain|ip":
            let parts = value.split(separator: "|", maxSplits: 1)
            guard parts.count == 2 else { return [SelectorInput(kind: .domain, text: value)] }
            return [SelectorInput(kind: .domain, text: String(parts[0])), address(parts[1])]
        case "url", "uri": return [SelectorInput(kind: .url, text: value)]
        case "email", "email-src", "email-dst", "target-email", "whois-registrant-email":
            return [SelectorInput(kind: .email, text: value)]
        case "phone-number", "whois-registrant-phone": return [SelectorInput(kind: .phone, text: value)]
        case "btc", "xmr": return [SelectorInput(kind: .wallet, text: value)]
        default: return nil
        }
    }

    private struct Attribute {
        var type: String
        var value: String
        var relation: String?
        var path: String
        var uuid: String?
        var comment: String?
        var toIds: Bool?
        var modified: Date?
        var handling: FileHandling?
        var restricted: Bool
    }

    /// The attributes of `list` that are not deleted, or an error at their path.
    private static func attributes(
        _ list: JSONValue?, at path: String, object: String?, into result: inout InteropImport
    ) -> [Attribute] {
        guard let list else { return [] }
        guard let items = list.array else {
            result.record(error: note(path, "'Attribute' is a list of attributes.", object: object))
            return []
        }
        var read: [Attribute] = []
        for (index, item) in items.enumerated() {
            let place = "\(path)[\(index)]"
            guard let attribute = item.object else {
                result.record(error: note(place, "An attribute is a JSON object.", object: object))
                continue
            }
            // An error names the attribute itself when it has a UUID.
            let object = attribute["uuid"]?.string ?? object
            if flag(attribute["deleted"]) == true { continue }
            guard let type = attribute["type"]?.string else {
                result.record(error: note(place + ".type", "The attribute has no type.", object: object))
                continue
            }
            guard let value = attribute["value"]?.string ?? attribute["value"]?.numberText else {
                result.record(error: note(place + ".value", "The attribute has no value as text.", object: object))
                continue
            }
            read.append(
                Attribute(
                    type: type, value: value, relation: attribute["object_relation"]?.string, path: place,
                    uuid: attribute["uuid"]?.string, comment: attribute["comment"]?.string,
                    toIds: flag(attribute["to_ids"]), modified: timestamp(attribute["timestamp"]),
                    handling: handling(ofTags: attribute["Tag"]), restricted: restrictsDistribution(attribute["Tag"])))
        }
        return read
    }

    static func read(
        event: JSONObject, at path: String, defaults: ImportDefaults, into result: inout InteropImport
    ) {
        let eventId = event["uuid"]?.string
        let eventHandling = handling(ofTags: event["Tag"])
        let eventRestricted = restrictsDistribution(event["Tag"])
        let info = event["info"]?.string.map { "From the MISP event '\($0)'." }
        func comment(_ text: String?) -> String? {
            let parts = [text, info].compactMap { $0 }.filter { !$0.isEmpty }
            return parts.isEmpty ? nil : parts.joined(separator: "\n")
        }
        for attribute in attributes(event["Attribute"], at: path + ".Attribute", object: eventId, into: &result) {
            guard let selectors = selectors(type: attribute.type, value: attribute.value) else {
                result.unknownTypes[attribute.type, default: 0] += 1
                continue
            }
            var target = ImportedTarget.make(
                kind: ImportedTarget.kind(for: selectors), name: attribute.value, notes: comment(attribute.comment),
                selectors: selectors.map { ($0, .json(attribute.path + ".value", object: attribute.uuid)) },
                place: .json(attribute.path, object: attribute.uuid),
                source: attribute.uuid.map {
                    TargetSource(format: "misp", id: $0, modified: attribute.modified, toIds: attribute.toIds)
                },
                handling: attribute.handling.map { $0.joined(eventHandling) } ?? eventHandling, defaults: defaults)
            target.restrictedDistribution = attribute.restricted || eventRestricted
            result.targets.append(target)
        }
        guard let objects = event["Object"] else { return }
        guard let list = objects.array else {
            result.record(error: note(path + ".Object", "'Object' is a list of objects.", object: eventId))
            return
        }
        for (index, item) in list.enumerated() {
            let place = "\(path).Object[\(index)]"
            guard let object = item.object else {
                result.record(error: note(place, "An object is a JSON object.", object: eventId))
                continue
            }
            if flag(object["deleted"]) == true { continue }
            readObject(
                object, at: place, comment: comment, eventHandling: eventHandling, eventRestricted: eventRestricted,
                defaults: defaults, into: &result)
        }
    }

    private static func readObject(
        _ object: JSONObject, at place: String, comment: (String?) -> String?, eventHandling: FileHandling?,
        eventRestricted: Bool, defaults: ImportDefaults, into result: inout InteropImport
    ) {
        let name = object["name"]?.string ?? "object"
        let uuid = object["uuid"]?.string
        let attributes = attributes(object["Attribute"], at: place + ".Attribute", object: uuid, into: &result)
        var selectors: [(SelectorInput, ImportPlace)] = []
        var handling = eventHandling
        var first: String?
        var last: String?
        var full: String?
        var birth: String?
        var label: String?
        var modified = timestamp(object["timestamp"])
        var toIds: Bool?
        var restricted = eventRestricted
        for attribute in attributes {
            restricted = restricted || attribute.restricted
            handling = attribute.handling.map { $0.joined(handling) } ?? handling
            if let date = attribute.modified, date > (modified ?? .distantPast) { modified = date }
            if let flag = attribute.toIds { toIds = (toIds ?? false) || flag }
            let at = ImportPlace.json(attribute.path + ".value", object: uuid)
            switch (attribute.relation, attribute.type) {
            case ("full-name", _): full = attribute.value
            case ("first-name", _): first = attribute.value
            case ("last-name", _): last = attribute.value
            case ("date-of-birth", _): birth = attribute.value
            case ("alias", _) where name == "person":
                selectors.append(
                    (SelectorInput(kind: .person, value: .person(PersonIdentity(name: attribute.value))), at))
            case ("name", "text"), ("text", "text"): label = label ?? attribute.value
            case (let relation?, _)
            where name == "coin-address" && ["address", "address-xmr", "address-crypto"].contains(relation):
                selectors.append((SelectorInput(kind: .wallet, text: attribute.value), at))
            default:
                if let read = Self.selectors(type: attribute.type, value: attribute.value) {
                    selectors += read.map { ($0, at) }
                } else {
                    result.unknownTypes[attribute.type, default: 0] += 1
                }
            }
        }
        let personName = full ?? [first, last].compactMap { $0 }.joined(separator: " ")
        if !personName.isEmpty {
            let at = ImportPlace.json(place, object: uuid)
            selectors.insert(
                (
                    SelectorInput(kind: .person, value: .person(PersonIdentity(name: personName, dateOfBirth: birth))),
                    at
                ), at: 0)
        }
        guard !selectors.isEmpty else {
            result.record(
                skipped:
                    note(place, "The '\(name)' object holds no attribute Concert reads as an identifier.", object: uuid)
            )
            return
        }
        let kind: TargetKind =
            switch name {
            case "person": .person
            case "organization": .organisation
            case "coin-address", "btc-wallet": .cryptoWallet
            case "email", "social-media", "user-account": .onlineAccount
            default: ImportedTarget.kind(for: selectors.map(\.0))
            }
        var target = ImportedTarget.make(
            kind: kind, name: label ?? (personName.isEmpty ? selectors[0].0.value.written : personName),
            notes: comment(object["comment"]?.string ?? object["description"]?.string), selectors: selectors,
            place: .json(place, object: uuid),
            source: uuid.map { TargetSource(format: "misp", id: $0, modified: modified, toIds: toIds) },
            handling: handling, defaults: defaults)
        target.restrictedDistribution = restricted
        result.targets.append(target)
    }
}

/// Reads MISP events as they arrive, a piece at a time: each attribute and object is parsed
/// alone and only what Concert reads of it is kept; an event's targets are made when it ends,
/// once its tags are known wherever the file puts them.
public struct MISPReader: InteropFileReader {
    private let defaults: ImportDefaults
    private var stream = JSONStreamReader { path, isObject in MISPReader.descends(path, isObject: isObject) }
    private var result = InteropImport(format: .misp)
    private var shape = JSONShape(keys: [])
    private var rootIsList = false
    private var items = 0
    private var itemHasEvent = false
    private var sawEvent = false
    private var sawResponse = false
    /// The event being read: its members so far, its attributes and objects as they come.
    private var event: OpenEvent?

    private struct OpenEvent {
        var path: [JSONPathComponent]
        /// The members read besides the lists; the last of a name stands, as in any JSON reader.
        var members: [String: JSONValue] = [:]
        var attributes: [JSONValue]?
        var objects: [JSONValue]?
    }

    /// What Concert reads of a tag list, an attribute, an object and an event, in the shapes it
    /// reads them; the rest of a large export (samples' bytes, sightings, galaxies) is not kept.
    static let tags = JSONKeep.list(.scalarOrObject(["name": .scalar]), atMost: 1_000)
    static let attributeKeys: [String: JSONKeep] = [
        "type": .scalar, "value": .scalar, "object_relation": .scalar, "uuid": .scalar, "comment": .scalar,
        "to_ids": .scalar, "timestamp": .scalar, "deleted": .scalar, "Tag": tags,
    ]
    static let objectKeys: [String: JSONKeep] = [
        "name": .scalar, "uuid": .scalar, "timestamp": .scalar, "comment": .scalar, "description": .scalar,
        "deleted": .scalar, "Attribute": .list(.object(attributeKeys), atMost: .max),
    ]
    static let eventKeys: [String: JSONKeep] = [
        "uuid": .scalar, "info": .scalar, "Tag": tags, "Attribute": .scalar, "Object": .scalar,
    ]

    /// The most targets the file may hold, when bounded.
    private let limit: Int?
    /// The targets the file's attributes and objects make, so far.
    private var targets = 0

    /// A reader. With a `limit`, a file of more attributes and objects Concert reads than that
    /// is refused as it is read: it could not be imported, and it would take memory and time to
    /// find that out.
    public init(defaults: ImportDefaults, limit: Int? = nil) {
        self.defaults = defaults
        self.limit = limit
    }

    /// Counts a target to be, refusing the file past the limit.
    private mutating func count(_ item: JSONValue, isObject: Bool) throws(InteropError) {
        guard let limit, let fields = item.object, MISPImport.flag(fields["deleted"]) != true else { return }
        // An attribute of a type Concert does not read makes no target.
        if !isObject {
            guard let type = fields["type"]?.string, MISPImport.selectors(type: type, value: "") != nil else { return }
        }
        targets += 1
        if targets > limit {
            throw InteropImport.tooManyTargets(limit, "more than \(InteropImport.grouped(limit)) targets")
        }
    }

    /// Whether `path` is where an event may stand: `Event`, `[N].Event`, `response[N].Event`.
    static func isEvent(_ path: some BidirectionalCollection<JSONPathComponent>) -> Bool {
        guard path.last == .key("Event") else { return false }
        let before = Array(path.dropLast())
        switch before.count {
        case 0: return true
        case 1: if case .index = before[0] { return true } else { return false }
        case 2: if before[0] == .key("response"), case .index = before[1] { return true } else { return false }
        default: return false
        }
    }

    static func descends(_ path: [JSONPathComponent], isObject: Bool) -> Bool {
        switch path.count {
        case 0: return true
        case 1:
            if case .index = path[0] { return isObject }
            return path[0] == .key("Event") ? isObject : path[0] == .key("response") && !isObject
        default:
            if isObject {
                if case .index = path[path.count - 1], path.count == 2, path[0] == .key("response") { return true }
                return isEvent(path)
            }
            let last = path[path.count - 1]
            return (last == .key("Attribute") || last == .key("Object")) && isEvent(path.dropLast())
        }
    }

    /// Reads the next piece of the file.
    public mutating func feed(_ bytes: some Collection<UInt8>) throws(InteropError) {
        for event in try stream.feed(bytes) { try take(event) }
    }

    /// Reads the end of the file and answers its targets, or refuses it.
    public mutating func finish() throws(InteropError) -> InteropImport {
        for event in try stream.finish() { try take(event) }
        return result
    }

    private func expected(_ what: String? = nil) -> InteropError {
        InteropError(
            "The file is \(what ?? shape.inWords), not a MISP event: {\"Event\": {…}} or a list of them was expected."
        )
    }

    private mutating func notAnEvent(_ path: [JSONPathComponent]) throws(InteropError) {
        if rootIsList {
            if path == [.index(0)] { throw expected("a JSON list whose first item is no {\"Event\": …}") }
            result.record(error: MISPImport.note(path.jsonPath, "This item of the list is no {\"Event\": …}."))
        } else {
            result.record(error: MISPImport.note(path.jsonPath, "This item is no {\"Event\": …}."))
        }
    }

    private mutating func take(_ item: JSONStreamEvent) throws(InteropError) {
        switch item {
        case .enter(let path, let isObject):
            if path.isEmpty {
                rootIsList = !isObject
            } else if path == [.key("response")] {
                sawResponse = true
            } else if MISPReader.isEvent(path) {
                itemHasEvent = true
                sawEvent = true
                event = OpenEvent(path: path)
            } else if isObject {
                itemHasEvent = false
            } else if let open = event, path.count == open.path.count + 1 {
                // Changed in place: a copy would copy every attribute read so far, each time.
                if path.last == .key("Attribute") { event?.attributes = open.attributes ?? [] }
                if path.last == .key("Object") { event?.objects = open.objects ?? [] }
            }
        case .member(let path):
            guard path.count == 1, case .key(let key) = path[0] else { return }
            if shape.keys.count < 100 { shape.keys.append(key) }
            // Another format's file is told at its first large member, not after reading it whole.
            if key == "objects" || key == "targets" { throw expected() }
        case .value(let path, let value):
            if path.isEmpty { throw expected(value.kindInWords) }
            if path.count == 1 {
                if path[0] == .key("type") { shape.type = value.string ?? "" }
                if case .index = path[0] {
                    items += 1
                    try notAnEvent(path)
                } else if path[0] == .key("Event") || path[0] == .key("response") {
                    throw expected()
                }
                return
            }
            if path.count == 2, path[0] == .key("response") {
                try notAnEvent(path)
                return
            }
            guard let depth = event?.path.count, path.count > depth, path.starts(with: event?.path ?? []) else {
                return
            }
            let key = path[depth]
            if path.count == depth + 2 {
                // An item that is no object is kept as null, for the reading to say so at its place.
                if key == .key("Attribute") {
                    try count(value, isObject: false)
                    event?.attributes?.append(value.kept(.object(Self.attributeKeys)))
                } else if key == .key("Object") {
                    try count(value, isObject: true)
                    event?.objects?.append(value.kept(.object(Self.objectKeys)))
                }
            } else if path.count == depth + 1, case .key(let name) = key, let rule = Self.eventKeys[name] {
                // A list of attributes or objects is read item by item; one that is no list is
                // kept as null, for the reading to say so.
                event?.members[name] = value.kept(rule)
            }
        case .leave(let path, let isObject):
            if path.isEmpty {
                if !isObject && items == 0 { throw expected("an empty JSON list") }
                if isObject && !sawEvent && !sawResponse { throw expected() }
            } else if path.count == 1, case .index = path[0] {
                items += 1
                if isObject && !itemHasEvent { try notAnEvent(path) }
            } else if path.count == 2, path[0] == .key("response") {
                if !itemHasEvent { try notAnEvent(path) }
            } else if let open = event, path == open.path {
                var members = open.members.map { JSONObject.Member(key: $0.key, value: $0.value) }
                if let attributes = open.attributes {
                    members.append(JSONObject.Member(key: "Attribute", value: .array(attributes)))
                }
                if let objects = open.objects {
                    members.append(JSONObject.Member(key: "Object", value: .array(objects)))
                }
                event = nil
                MISPImport.read(event: JSONObject(members), at: path.jsonPath, defaults: defaults, into: &result)
            }
        }
    }
}
