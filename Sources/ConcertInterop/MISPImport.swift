import ConcertCore
import Foundation

/// Reads MISP events (`{"Event": …}`, a list of them as MISP's feeds write them, or a search's
/// `{"response": […]}`): each attribute Concert reads becomes a target, each object one target
/// of all its attributes; `tlp:*` tags set the handling, `to_ids` is kept.
public enum MISPImport {
    /// Reads `data`.
    public static func read(_ data: Data, defaults: ImportDefaults) throws(InteropError) -> InteropImport {
        let json = try InteropImport.json(data, expected: "MISP event")
        var events: [(event: [String: Any], path: String)] = []
        var result = InteropImport(format: .misp)
        func expected() -> InteropError {
            InteropError(
                "The file is \(InteropImport.describe(json)), not a MISP event: {\"Event\": {…}} or a list of them was expected."
            )
        }
        switch json {
        case let object as [String: Any]:
            if let event = object["Event"] as? [String: Any] {
                events = [(event, "Event")]
            } else if let response = object["response"] as? [Any] {
                for (index, item) in response.enumerated() {
                    guard let event = (item as? [String: Any])?["Event"] as? [String: Any] else {
                        result.record(error: note("response[\(index)]", "This item is no {\"Event\": …}."))
                        continue
                    }
                    events.append((event, "response[\(index)].Event"))
                }
            } else {
                throw expected()
            }
        case let list as [Any] where !list.isEmpty:
            for (index, item) in list.enumerated() {
                guard let event = (item as? [String: Any])?["Event"] as? [String: Any] else {
                    if index == 0 { throw expected() }
                    result.record(error: note("[\(index)]", "This item of the list is no {\"Event\": …}."))
                    continue
                }
                events.append((event, "[\(index)].Event"))
            }
        default:
            throw expected()
        }
        for (event, path) in events { read(event: event, at: path, defaults: defaults, into: &result) }
        return result
    }

    static func note(_ path: String, _ detail: String, object: String? = nil) -> ImportNote {
        ImportNote(place: .json(path, object: object), detail: detail)
    }

    /// The handling the `tlp:*` tags (and Concert's own `concert:handling` tags) of `tags` say.
    static func handling(ofTags tags: Any?) -> FileHandling? {
        var handling: FileHandling?
        var concert: FileHandling?
        for tag in tags as? [Any] ?? [] {
            guard let name = (tag as? [String: Any])?["name"] as? String ?? tag as? String else { continue }
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
    static func restrictsDistribution(_ tags: Any?) -> Bool {
        (tags as? [Any] ?? []).contains { tag in
            ((tag as? [String: Any])?["name"] as? String ?? tag as? String) == #"concert:distribution="named""#
        }
    }

    /// When an attribute or object last changed: MISP writes seconds since 1970, as text.
    static func timestamp(_ value: Any?) -> Date? {
        switch value {
        case let text as String: InteropImport.plausible(Double(text).map { Date(timeIntervalSince1970: $0) })
        case let number as NSNumber: InteropImport.plausible(Date(timeIntervalSince1970: number.doubleValue))
        default: nil
        }
    }

    static func flag(_ value: Any?) -> Bool? {
        switch value {
        case let bool as Bool: bool
        case let text as String: text == "1" || text.lowercased() == "true"
        case let number as NSNumber: number.intValue != 0
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
        _ list: Any?, at path: String, object: String?, into result: inout InteropImport
    ) -> [Attribute] {
        guard let list else { return [] }
        guard let items = list as? [Any] else {
            result.record(error: note(path, "'Attribute' is a list of attributes.", object: object))
            return []
        }
        var read: [Attribute] = []
        for (index, item) in items.enumerated() {
            let place = "\(path)[\(index)]"
            guard let attribute = item as? [String: Any] else {
                result.record(error: note(place, "An attribute is a JSON object.", object: object))
                continue
            }
            // An error names the attribute itself when it has a UUID.
            let object = attribute["uuid"] as? String ?? object
            if flag(attribute["deleted"]) == true { continue }
            guard let type = attribute["type"] as? String else {
                result.record(error: note(place + ".type", "The attribute has no type.", object: object))
                continue
            }
            guard let value = attribute["value"] as? String ?? (attribute["value"] as? NSNumber)?.stringValue else {
                result.record(error: note(place + ".value", "The attribute has no value as text.", object: object))
                continue
            }
            read.append(
                Attribute(
                    type: type, value: value, relation: attribute["object_relation"] as? String, path: place,
                    uuid: attribute["uuid"] as? String, comment: attribute["comment"] as? String,
                    toIds: flag(attribute["to_ids"]), modified: timestamp(attribute["timestamp"]),
                    handling: handling(ofTags: attribute["Tag"]), restricted: restrictsDistribution(attribute["Tag"])))
        }
        return read
    }

    private static func read(
        event: [String: Any], at path: String, defaults: ImportDefaults, into result: inout InteropImport
    ) {
        let eventId = event["uuid"] as? String
        let eventHandling = handling(ofTags: event["Tag"])
        let eventRestricted = restrictsDistribution(event["Tag"])
        let info = (event["info"] as? String).map { "From the MISP event '\($0)'." }
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
        guard let list = objects as? [Any] else {
            result.record(error: note(path + ".Object", "'Object' is a list of objects.", object: eventId))
            return
        }
        for (index, item) in list.enumerated() {
            let place = "\(path).Object[\(index)]"
            guard let object = item as? [String: Any] else {
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
        _ object: [String: Any], at place: String, comment: (String?) -> String?, eventHandling: FileHandling?,
        eventRestricted: Bool, defaults: ImportDefaults, into result: inout InteropImport
    ) {
        let name = object["name"] as? String ?? "object"
        let uuid = object["uuid"] as? String
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
            notes: comment(object["comment"] as? String ?? object["description"] as? String), selectors: selectors,
            place: .json(place, object: uuid),
            source: uuid.map { TargetSource(format: "misp", id: $0, modified: modified, toIds: toIds) },
            handling: handling, defaults: defaults)
        target.restrictedDistribution = restricted
        result.targets.append(target)
    }
}
