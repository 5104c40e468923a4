import ConcertCore
import Foundation

/// Writes targets as one MISP event that PyMISP loads and ``MISPImport`` reads back whole:
/// each target a MISP object (`person`, `organization`, `coin-address` or `domain-ip`) of
/// attributes, each tagged with the TLP colour of its handling and Concert's exact handling.
public enum MISPExport {
    /// The event of `targets` of `operation`, as `exporter` exports it.
    public static func event(of targets: [Target], in operation: JointOperation, exporter: Agency?) -> Data {
        let latest = targets.map(\.updatedAt).max() ?? operation.createdAt
        var objects: [[String: Any]] = []
        for target in targets {
            var tags: [[String: Any]] = [
                ["name": "tlp:\(FileHandling.tlpColour(of: target.handling))"],
                [
                    "name": "concert:handling=\""
                        + FileHandling.statement(target.handling, restriction: target.handlingRestriction)
                        .replacingOccurrences(of: "\"", with: "'") + "\""
                ],
            ]
            // That its originator named who may see it, so that an importer keeps it to itself.
            if case .agencies = target.distribution { tags.append(["name": #"concert:distribution="named""#]) }
            let template = template(of: target)
            let stamp = seconds(target.updatedAt)
            var attributes: [[String: Any]] = []
            func add(_ relation: String, _ type: String, _ category: String, _ value: String, toIds: Bool, key: String)
            {
                attributes.append([
                    "object_relation": relation, "type": type, "category": category, "value": value,
                    "to_ids": toIds, "uuid": NameBasedUUID.make("misp:\(target.id):\(key)", in: NameBasedUUID.concert),
                    "timestamp": stamp, "distribution": "5", "disable_correlation": false, "Tag": tags,
                ])
            }
            // The name in the relation its template has for it.
            add(target.kind == .organisation ? "name" : "text", "text", "Other", target.name, toIds: false, key: "name")
            let detect = target.source?.toIds ?? true
            var aliases = false
            for selector in target.selectors {
                let key = "\(selector.kind.rawValue):\(selector.matchKey)"
                switch selector.value {
                case .person(let person):
                    add(
                        aliases ? "alias" : "full-name", aliases ? "text" : "full-name", "Person", person.name,
                        toIds: false, key: key)
                    if !aliases, let birth = person.dateOfBirth {
                        add("date-of-birth", "date-of-birth", "Person", birth, toIds: false, key: key + ":born")
                    }
                    aliases = true
                case .text(let value):
                    // The relation its object's template names for it, where the template has one.
                    let personal = [TargetKind.person, .organisation].contains(target.kind)
                    switch selector.kind {
                    case .ip, .cidr:
                        if target.kind == .person {
                            add("ip-src", "ip-src", "Network activity", value, toIds: detect, key: key)
                        } else {
                            add("ip", "ip-dst", "Network activity", value, toIds: detect, key: key)
                        }
                    case .domain: add("domain", "domain", "Network activity", value, toIds: detect, key: key)
                    case .url: add("url", "url", "Network activity", value, toIds: detect, key: key)
                    case .email:
                        if personal {
                            add("e-mail", "email-src", "Network activity", value, toIds: detect, key: key)
                        } else {
                            add("email", "email", "Network activity", value, toIds: detect, key: key)
                        }
                    case .phone:
                        add("phone-number", "phone-number", "Person", selector.matchKey, toIds: false, key: key)
                    case .wallet:
                        let (relation, type) = walletType(of: value)
                        add(relation, type, "Financial fraud", value, toIds: detect, key: key)
                    case .person: continue
                    }
                }
            }
            var object: [String: Any] = [
                "name": template.name, "meta-category": template.category, "template_uuid": template.uuid,
                "template_version": template.version, "description": "A target of the operation \(operation.codeName).",
                "uuid": NameBasedUUID.make("misp:\(target.id)", in: NameBasedUUID.concert), "timestamp": stamp,
                "distribution": "5", "Attribute": attributes,
            ]
            if let notes = target.notes { object["comment"] = notes }
            objects.append(object)
        }
        var event: [String: Any] = [
            "uuid": NameBasedUUID.make("misp-event:\(operation.id):\(exporter?.id ?? "")", in: NameBasedUUID.concert),
            "info": "Targets of the operation \(operation.codeName)"
                + (exporter.map { ", as \($0.name) may see them" } ?? ""),
            "date": String(latest.formatted(Date.ISO8601FormatStyle()).prefix(10)), "timestamp": seconds(latest),
            "published": false, "analysis": "2", "threat_level_id": "4", "distribution": "0",
            "Attribute": [[String: Any]](),
            "Object": objects,
        ]
        if let exporter {
            event["Orgc"] = [
                "name": exporter.name, "uuid": NameBasedUUID.make("agency:\(exporter.id)", in: NameBasedUUID.concert),
            ]
        }
        return
            (try? JSONSerialization.data(
                withJSONObject: ["Event": event], options: [.sortedKeys, .withoutEscapingSlashes]))
            ?? Data()
    }

    static func seconds(_ date: Date) -> String { String(Int(date.timeIntervalSince1970)) }

    /// The relation and type of a wallet: MISP has types for Bitcoin and Monero addresses.
    static func walletType(of value: String) -> (String, String) {
        let first = value.first
        if (first == "4" || first == "8"), value.count == 95 || value.count == 106 { return ("address-xmr", "xmr") }
        if value.lowercased().hasPrefix("0x") { return ("address-crypto", "text") }
        return ("address", "btc")
    }

    struct Template {
        var name: String
        var uuid: String
        var version: String
        var category: String
    }

    /// The MISP object template that fits a target (from the misp-objects repository): by its
    /// kind, and for a server or domain with URLs the `url` template, which names them.
    static func template(of target: Target) -> Template {
        if ![.person, .organisation, .cryptoWallet].contains(target.kind),
            target.selectors.contains(where: { $0.kind == .url })
        {
            return Template(
                name: "url", uuid: "60efb77b-40b5-4c46-871b-ed1ed999fce5", version: "10", category: "network")
        }
        return switch target.kind {
        case .person:
            Template(name: "person", uuid: "a15b0477-e9d1-4b9c-9546-abe78a4f4248", version: "21", category: "misc")
        case .organisation:
            Template(name: "organization", uuid: "f750e12b-127a-432c-b022-b3f9153c4e2a", version: "9", category: "misc")
        case .cryptoWallet:
            Template(
                name: "coin-address", uuid: "d0e6997e-78da-4815-a6a1-cfc1c1cb8a46", version: "7", category: "financial")
        default:
            Template(
                name: "domain-ip", uuid: "43b3b146-77eb-4931-b4cc-b66c60f28734", version: "11", category: "network")
        }
    }
}
