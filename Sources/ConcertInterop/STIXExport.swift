import ConcertCore
import Foundation

/// Writes targets as a STIX 2.1 bundle that `stix2-validator --strict` accepts and
/// ``STIXImport`` reads back whole.
///
/// A person is an `identity` of an individual, an organisation a `threat-actor`, every other
/// target an `infrastructure`; each of its addresses, blocks, domains, URLs and e-mail
/// addresses is an observable with an `indicator` whose pattern names it. Phone numbers and
/// wallets, which STIX has no observable for, and the person selectors' dates of birth travel
/// in properties of Concert's own extension. The originator agency is the `identity` that
/// created each object; the handling is a TLP marking and a statement that says it exactly.
///
/// Ids are derived from the targets' ids, so that exporting twice gives the same ids:
/// observables by UUIDv5 over their value as STIX prescribes, the other objects by a hash
/// marked as version 4, which the validator requires of them.
public enum STIXExport {
    static let extensionProperties = ["x_concert_kind", "x_concert_persons", "x_concert_selectors"]

    /// The bundle of `targets` of `operation`, created by the agencies of `agencies`.
    public static func bundle(of targets: [Target], in operation: JointOperation, agencies: [String: Agency]) -> Data {
        var writer = Writer()
        let epoch = Date(timeIntervalSince1970: 1_577_836_800)  // 2020-01-01, for what has no date of its own
        let originators = Set(targets.map(\.originatorAgencyId)).sorted()
        for agencyId in originators {
            let agency = agencies[agencyId]
            writer.add([
                "type": "identity", "id": id("identity", "agency:\(agencyId)"),
                "created": time(epoch), "modified": time(epoch),
                "name": agency?.name ?? agencyId, "identity_class": "organization",
                "description": "The agency that recorded the targets"
                    + (agency.map { " (\($0.country))" } ?? "") + ", as Concert exported them.",
            ])
        }
        let extensionId = id("extension-definition", "concert-selectors")
        if let first = originators.first {
            writer.add([
                "type": "extension-definition", "id": extensionId, "created_by_ref": id("identity", "agency:\(first)"),
                "created": time(epoch), "modified": time(epoch), "name": "Concert target properties",
                "description": "What a Concert target holds that STIX 2.1 has no property for.",
                "schema":
                    "x_concert_kind: the target's kind; x_concert_persons: [{name, dateOfBirth}] of a person; x_concert_selectors: [{kind, value}] of phone numbers and wallets.",
                "version": "1.0.0", "extension_types": ["toplevel-property-extension"],
                "extension_properties": extensionProperties,
            ])
        }
        var markings: Set<String> = []
        for target in targets {
            let agency = id("identity", "agency:\(target.originatorAgencyId)")
            let tlp = tlpMarking(target.handling)
            let statement = FileHandling.statement(target.handling, restriction: target.handlingRestriction)
            let statementId = id("marking-definition", "statement:" + statement)
            if markings.insert(tlp.id).inserted { writer.add(tlp.json) }
            if markings.insert(statementId).inserted {
                writer.add([
                    "type": "marking-definition", "id": statementId, "created": time(epoch),
                    "name": "Concert handling \(target.handling.rawValue)", "definition_type": "statement",
                    "definition": ["statement": statement],
                ])
            }
            var markingRefs = [tlp.id, statementId]
            if case .agencies = target.distribution {
                // Whom its originator named is not said; that there were some is, so that an
                // importer keeps the target to itself rather than sharing it with everyone.
                let distributionId = id("marking-definition", "statement:" + FileHandling.namedDistribution)
                if markings.insert(distributionId).inserted {
                    writer.add([
                        "type": "marking-definition", "id": distributionId, "created": time(epoch),
                        "name": "Concert named distribution", "definition_type": "statement",
                        "definition": ["statement": FileHandling.namedDistribution],
                    ])
                }
                markingRefs.append(distributionId)
            }
            let common: [String: Any] = [
                "created": time(target.createdAt), "modified": time(target.updatedAt), "created_by_ref": agency,
                "object_marking_refs": markingRefs,
            ]
            let anchorType =
                switch target.kind {
                case .person: "identity"
                case .organisation: "threat-actor"
                default: "infrastructure"
                }
            let anchorId = id(anchorType, "target:\(target.id)")
            var anchor = common.merging([
                "type": anchorType, "id": anchorId, "name": target.name,
                "description": target.notes ?? "A target of the operation \(operation.codeName).",
                "x_concert_kind": target.kind.rawValue,
                "extensions": [extensionId: ["extension_type": "toplevel-property-extension"]],
            ]) { $1 }
            switch target.kind {
            case .person: anchor["identity_class"] = "individual"
            case .organisation: anchor["threat_actor_types"] = ["criminal"]
            default: break
            }
            let persons = target.selectors.compactMap { selector -> [String: Any]? in
                guard case .person(let person) = selector.value else { return nil }
                var entry: [String: Any] = ["name": person.name]
                if let birth = person.dateOfBirth { entry["dateOfBirth"] = birth }
                return entry
            }
            if !persons.isEmpty { anchor["x_concert_persons"] = persons }
            let others = target.selectors.filter { [.phone, .wallet].contains($0.kind) }
            if !others.isEmpty {
                anchor["x_concert_selectors"] = others.map { ["kind": $0.kind.rawValue, "value": exported($0)] }
            }
            if target.kind == .person && persons.isEmpty {
                // An identity of an individual is read back as a person of its name.
                anchor["x_concert_persons"] = [[String: Any]]()
            }
            writer.add(anchor)
            for selector in target.selectors {
                guard let observable = observableType(of: selector), case .text(let value) = selector.value else {
                    continue
                }
                let observableId =
                    "\(observable)--" + NameBasedUUID.make(canonicalValue(value), in: NameBasedUUID.stixObservables)
                // One observable however many targets hold it; it carries the first one's markings.
                writer.add([
                    "type": observable, "id": observableId, "value": value,
                    "object_marking_refs": [tlp.id, statementId],
                ])
                let key = "target:\(target.id):\(selector.kind.rawValue):\(selector.matchKey)"
                let indicatorId = id("indicator", key)
                writer.add(
                    common.merging([
                        "type": "indicator", "id": indicatorId, "name": "\(selector.kind.rawValue) \(value)",
                        "description": "An identifier of the target '\(target.name)'.",
                        "pattern": "[\(observable):value = '\(escaped(value))']", "pattern_type": "stix",
                        "valid_from": time(target.createdAt),
                    ]) { $1 })
                let indicates = anchorType == "identity" ? "related-to" : "indicates"
                writer.add(
                    common.merging([
                        "type": "relationship", "id": id("relationship", key + ":anchor"),
                        "relationship_type": indicates,
                        "source_ref": indicatorId, "target_ref": anchorId,
                    ]) { $1 })
                writer.add(
                    common.merging([
                        "type": "relationship", "id": id("relationship", key + ":observable"),
                        "relationship_type": "related-to", "source_ref": indicatorId, "target_ref": observableId,
                    ]) { $1 })
            }
        }
        let bundleId = "bundle--" + hashedV4("bundle:\(operation.id):" + targets.map(\.id).joined(separator: ","))
        return writer.bundle(id: bundleId)
    }

    /// A selector's value as a partner's tool reads it: a phone number in full (E.164), since
    /// the importer would read a number written nationally as one of its own country; any other
    /// as its originator wrote it.
    static func exported(_ selector: Selector) -> String {
        selector.kind == .phone ? selector.matchKey : selector.value.written
    }

    /// The STIX id of a type and a name, derived as the export's ids are.
    static func id(_ type: String, _ name: String) -> String { "\(type)--" + hashedV4("\(type):\(name)") }

    /// A UUID derived from `name`, marked as version 4.
    static func hashedV4(_ name: String) -> String {
        var uuid = Array(NameBasedUUID.make(name, in: NameBasedUUID.concert))
        uuid[14] = "4"
        return String(uuid)
    }

    static func observableType(of selector: Selector) -> String? {
        switch selector.kind {
        case .ip, .cidr: selector.matchKey.contains(":") ? "ipv6-addr" : "ipv4-addr"
        case .domain: "domain-name"
        case .url: "url"
        case .email: "email-addr"
        case .phone, .wallet, .person: nil
        }
    }

    /// The JSON of an observable's id-contributing property, as STIX canonicalises it.
    static func canonicalValue(_ value: String) -> String {
        let data = try? JSONSerialization.data(
            withJSONObject: ["value": value], options: [.sortedKeys, .withoutEscapingSlashes])
        return data.map { String(decoding: $0, as: UTF8.self) } ?? ""
    }

    static func escaped(_ value: String) -> String {
        value.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "'", with: "\\'")
    }

    static func tlpMarking(_ code: HandlingCode) -> (id: String, json: [String: Any]) {
        let colour = FileHandling.tlpColour(of: code)
        let id = STIXImport.tlpIds.first { $0.value == colour }!.key
        return (
            id,
            [
                "type": "marking-definition", "id": id, "created": "2017-01-20T00:00:00.000Z", "definition_type": "tlp",
                "name": "TLP:\(colour.uppercased())", "definition": ["tlp": colour],
            ]
        )
    }

    static func time(_ date: Date) -> String {
        date.formatted(Date.ISO8601FormatStyle(includingFractionalSeconds: true))
    }

    /// Writes objects into a bundle, each once, with keys sorted so that two exports are equal.
    struct Writer {
        var objects: [Data] = []
        var seen: Set<String> = []

        mutating func add(_ object: [String: Any]) {
            guard let id = object["id"] as? String, seen.insert(id).inserted else { return }
            var object = object
            object["spec_version"] = "2.1"
            if let data = try? JSONSerialization.data(
                withJSONObject: object, options: [.sortedKeys, .withoutEscapingSlashes])
            {
                objects.append(data)
            }
        }

        func bundle(id: String) -> Data {
            var data = Data(#"{"id":"\#(id)","objects":["#.utf8)
            for (index, object) in objects.enumerated() {
                if index > 0 { data.append(UInt8(ascii: ",")) }
                data.append(object)
            }
            data.append(contentsOf: Array(#"],"type":"bundle"}"#.utf8))
            return data
        }
    }
}
