import ConcertCore
import Crypto
import Foundation

/// Exhibits and their chains of custody in the CASE/UCO ontology (CASE 1.5.0), as JSON-LD
/// that `case_validate` accepts and forensic tools take in.
///
/// Each exhibit is an observable object with its hashes (`uco-types:Hash` in a
/// `ContentDataFacet`); each custody entry an `InvestigativeAction` by its agency whose result
/// is a `ProvenanceRecord` of the exhibit (its number) and whose object is the record the step
/// before left, as CASE's own examples chain custody. A seizure rests on its legal instrument
/// (`Authorization`), a hand-over names the receiving agency as participant, and a hash re-check
/// is an `Annotation`. Every node's IRI ends in a name-based UUID (version 5, RFC 9562) of the
/// record it comes from, under `urn:concert:`: UCO asks for a UUID of version 0 to 5 (Concert's
/// own ids are version 7), and two exports of the same records name the same nodes.
struct CaseDocument {
    var operation: JointOperation
    var exhibits: [(Exhibit, [CustodyEntry])]
    var agencies: [String: Agency]
    var instruments: [String: LegalInstrument]
    /// The agencies' and legal instruments' IRIs, made once for the document: every custody
    /// step names one or two.
    private let organizationIRIs: [String: String]
    private let authorizationIRIs: [String: String]

    init(
        operation: JointOperation, exhibits: [(Exhibit, [CustodyEntry])], agencies: [String: Agency],
        instruments: [String: LegalInstrument]
    ) {
        self.operation = operation
        self.exhibits = exhibits
        self.agencies = agencies
        self.instruments = instruments
        self.organizationIRIs = Dictionary(
            uniqueKeysWithValues: agencies.keys.map { ($0, Self.iri("organization", $0)) })
        self.authorizationIRIs = Dictionary(
            uniqueKeysWithValues: instruments.keys.map { ($0, Self.iri("authorization", $0)) })
    }

    static let context = """
        {"kb":"urn:concert:",\
        "case-investigation":"https://ontology.caseontology.org/case/investigation/",\
        "uco-action":"https://ontology.unifiedcyberontology.org/uco/action/",\
        "uco-core":"https://ontology.unifiedcyberontology.org/uco/core/",\
        "uco-identity":"https://ontology.unifiedcyberontology.org/uco/identity/",\
        "uco-location":"https://ontology.unifiedcyberontology.org/uco/location/",\
        "uco-observable":"https://ontology.unifiedcyberontology.org/uco/observable/",\
        "uco-tool":"https://ontology.unifiedcyberontology.org/uco/tool/",\
        "uco-types":"https://ontology.unifiedcyberontology.org/uco/types/",\
        "xsd":"http://www.w3.org/2001/XMLSchema#"}
        """

    /// The document, written straight to bytes: an agency's ten thousand exhibits make
    /// hundreds of thousands of nodes, written in parts on every core and joined in order.
    func json() async throws -> Data {
        var head = LinkedDataWriter()
        head.raw(#"{"@context":"#)
        head.raw(Self.context)
        head.raw(#","@graph":["#)
        // The agencies and legal instruments that the exhibits name, once each, first.
        var organizations: Set<String> = []
        var instrumentIds: Set<String> = []
        for (exhibit, custody) in exhibits {
            organizations.insert(exhibit.seizingAgencyId)
            for entry in custody {
                organizations.insert(entry.agencyId)
                if let to = entry.toAgencyId { organizations.insert(to) }
                if let from = entry.fromAgencyId { organizations.insert(from) }
                if let instrument = entry.legalInstrumentId { instrumentIds.insert(instrument) }
            }
            if let instrument = exhibit.legalInstrumentId { instrumentIds.insert(instrument) }
        }
        for agencyId in organizations.sorted() {
            head.node(
                organization(agencyId),
                [
                    ("@type", .string("uco-identity:Organization")),
                    ("uco-core:name", .string(agencies[agencyId]?.name ?? agencyId)),
                ])
        }
        for instrumentId in instrumentIds.sorted() {
            guard let instrument = instruments[instrumentId] else { continue }
            var node: [(String, LinkedDataValue)] = [
                ("@type", .string("case-investigation:Authorization")),
                ("case-investigation:authorizationType", .string(instrument.kind.label)),
                ("case-investigation:authorizationIdentifier", .string(instrument.reference)),
            ]
            if let authority = instrument.issuingAuthority {
                node.append(("uco-core:description", .string("Issued by \(authority)")))
            }
            head.node(authorizationIRIs[instrument.id] ?? Self.iri("authorization", instrument.id), node)
        }
        let numbers = Dictionary(exhibits.map { ($0.0.id, $0.0.exhibitNumber) }) { first, _ in first }
        let parts = max(1, min(ProcessInfo.processInfo.activeProcessorCount, exhibits.count / 500))
        let size = (exhibits.count + parts - 1) / max(parts, 1)
        let document = self
        let written = await withTaskGroup(of: (Int, [UInt8]).self) { group in
            for part in 0..<parts {
                group.addTask {
                    var writer = LinkedDataWriter()
                    for (exhibit, custody) in document.exhibits[
                        min(part * size, document.exhibits.count)..<min((part + 1) * size, document.exhibits.count)]
                    {
                        let parent = exhibit.parentExhibitId.flatMap { numbers[$0] }
                        document.writeExhibit(exhibit, parentNumber: parent, into: &writer)
                        document.writeCustody(custody, of: exhibit, parentNumber: parent, into: &writer)
                    }
                    return (part, writer.bytes)
                }
            }
            var results: [[UInt8]] = Array(repeating: [], count: parts)
            for await (part, bytes) in group { results[part] = bytes }
            return results
        }
        var bytes = head.bytes
        bytes.reserveCapacity(bytes.count + written.reduce(2) { $0 + $1.count + 1 })
        var separate = !organizations.isEmpty || !instrumentIds.isEmpty
        for part in written where !part.isEmpty {
            if separate { bytes.append(0x2C) }
            bytes.append(contentsOf: part)
            separate = true
        }
        bytes.append(contentsOf: Array("]}".utf8))
        return Data(bytes)
    }

    private func organization(_ agencyId: String) -> String {
        organizationIRIs[agencyId] ?? Self.iri("organization", agencyId)
    }

    /// The IRI of the node of `kind` made from the record `id`: `kb:action-<UUID>`, the UUID
    /// being the record's own name-based one, so that the nodes of one record differ by kind.
    static func iri(_ kind: String, _ id: String) -> String { "kb:\(kind)-\(nameBasedUUID(id))" }

    /// Concert's namespace for name-based UUIDs.
    static let namespace: [UInt8] = [
        0x6b, 0x1f, 0x4c, 0x2e, 0x9d, 0x3a, 0x4f, 0x10, 0xa8, 0x5e, 0x27, 0xc4, 0x11, 0x90, 0xd3, 0x5a,
    ]

    /// The version-5 UUID of `name` in Concert's namespace.
    static func nameBasedUUID(_ name: String) -> String {
        var hash = Insecure.SHA1()
        hash.update(data: namespace)
        hash.update(data: Array(name.utf8))
        var bytes = Array(hash.finalize().prefix(16))
        bytes[6] = (bytes[6] & 0x0F) | 0x50
        bytes[8] = (bytes[8] & 0x3F) | 0x80
        let characters = Array(Hex.string(bytes))
        return [0..<8, 8..<12, 12..<16, 16..<20, 20..<32].map { String(characters[$0]) }.joined(separator: "-")
    }

    private func writeExhibit(_ exhibit: Exhibit, parentNumber: String?, into writer: inout LinkedDataWriter) {
        let id = exhibit.id
        // One name-based UUID for the exhibit, shared by the nodes made from it.
        let uuid = Self.nameBasedUUID(id)
        writer.node(
            "kb:location-\(uuid)",
            [
                ("@type", .string("uco-location:Location")),
                (
                    "uco-core:name",
                    .string(exhibit.place.isEmpty ? exhibit.country : "\(exhibit.place), \(exhibit.country)")
                ),
            ])
        if let tool = exhibit.imagingTool {
            writer.node("kb:tool-\(uuid)", [("@type", .string("uco-tool:Tool")), ("uco-core:name", .string(tool))])
        }
        var facet: [(String, LinkedDataValue)] = [("@type", .string("uco-observable:ContentDataFacet"))]
        if let size = exhibit.sizeBytes { facet.append(("uco-observable:sizeInBytes", .integer(size))) }
        if !exhibit.hashes.isEmpty {
            facet.append(
                (
                    "uco-observable:hash",
                    .array(
                        exhibit.hashes.map { hash in
                            .object(
                                "kb:hash-\(Self.method(hash.algorithm).lowercased())-\(uuid)",
                                [
                                    ("@type", .string("uco-types:Hash")),
                                    ("uco-types:hashMethod", .string(Self.method(hash.algorithm))),
                                    ("uco-types:hashValue", .typed("xsd:hexBinary", hash.value)),
                                ])
                        })
                ))
        }
        writer.node(
            "kb:exhibit-\(uuid)",
            [
                ("@type", Self.observableType(exhibit.kind)),
                ("uco-core:name", .string(exhibit.exhibitNumber)),
                ("uco-core:description", .string("\(exhibit.kind.label): \(exhibit.description)")),
                ("uco-core:hasFacet", .array([.object("kb:content-data-facet-\(uuid)", facet)])),
            ])
        if let parentId = exhibit.parentExhibitId, parentNumber != nil {
            writer.node(
                "kb:relationship-\(uuid)",
                [
                    ("@type", .string("uco-observable:ObservableRelationship")),
                    ("uco-core:source", .reference("kb:exhibit-\(uuid)")),
                    ("uco-core:target", .reference(Self.iri("exhibit", parentId))),
                    (
                        "uco-core:kindOfRelationship",
                        .string(exhibit.kind == .diskImage ? "Copied_From" : "Contained_Within")
                    ),
                    ("uco-core:isDirectional", .bool(true)),
                ])
        }
    }

    private func writeCustody(
        _ custody: [CustodyEntry], of exhibit: Exhibit, parentNumber: String?, into writer: inout LinkedDataWriter
    ) {
        let steps = Dictionary(uniqueKeysWithValues: custody.map { ($0.id, $0.position) })
        let exhibitUUID = Self.nameBasedUUID(exhibit.id)
        let exhibitIRI = "kb:exhibit-\(exhibitUUID)"
        var previous: String?
        for entry in custody {
            // One name-based UUID for each entry, shared by the nodes made from it.
            let uuid = Self.nameBasedUUID(entry.id)
            let record = "kb:provenance-record-\(uuid)"
            var recordNode: [(String, LinkedDataValue)] = [
                ("@type", .string("case-investigation:ProvenanceRecord")),
                ("case-investigation:exhibitNumber", .string(exhibit.exhibitNumber)),
                ("uco-core:object", .reference(exhibitIRI)),
            ]
            if let parentNumber {
                recordNode.insert(("case-investigation:rootExhibitNumber", .string(parentNumber)), at: 2)
            }
            writer.node(record, recordNode)
            var results: [LinkedDataValue] = [.reference(record)]
            if let check = entry.hashCheck {
                let annotation = "kb:annotation-\(uuid)"
                writer.node(
                    annotation,
                    [
                        ("@type", .string("uco-core:Annotation")),
                        (
                            "uco-core:statement",
                            .string(
                                "Hash re-checked (\(check.algorithm.rawValue)) at step \(entry.position): \(check.value) "
                                    + (check.result == .matches
                                        ? "matches the hash recorded." : "DOES NOT MATCH the hash recorded.")
                            )
                        ),
                        ("uco-core:tag", .string(check.result == .matches ? "hash-verified" : "hash-mismatch")),
                        ("uco-core:object", .array([.reference(exhibitIRI)])),
                    ])
                results.append(.reference(annotation))
            }
            var details: [String] = []
            if let from = entry.fromAgencyId, let to = entry.toAgencyId {
                details.append(
                    "From \(agencies[from]?.name ?? from) to \(agencies[to]?.name ?? to)"
                        + (entry.toPerson.map { " (\($0))" } ?? "") + ".")
            }
            if let seal = entry.sealNumber { details.append("Seal \(seal).") }
            if let location = entry.location { details.append("Kept at \(location).") }
            if let confirmed = entry.confirms {
                details.append("Confirms the hand-over at step \(steps[confirmed] ?? 0).")
            }
            if let corrected = entry.corrects { details.append("Corrects step \(steps[corrected] ?? 0).") }
            if let note = entry.note { details.append(note) }
            var action: [(String, LinkedDataValue)] = [
                ("@type", .string("case-investigation:InvestigativeAction")),
                ("uco-core:name", .string(entry.kind.label.lowercased())),
            ]
            if !details.isEmpty { action.append(("uco-core:description", .string(details.joined(separator: " ")))) }
            action.append(
                (
                    "uco-action:startTime",
                    .typed(
                        "xsd:dateTime",
                        ConcertJSON.formatTimestamp(entry.kind == .seized ? exhibit.seizedAt : entry.recordedAt))
                ))
            // The seizure is the seizing agency's, whoever recorded it.
            let performer = entry.kind == .seized ? exhibit.seizingAgencyId : entry.agencyId
            action.append(("uco-action:performer", .reference(organization(performer))))
            let participant =
                entry.kind == .received ? entry.fromAgencyId : entry.kind.startsTransit ? entry.toAgencyId : nil
            if let participant { action.append(("uco-action:participant", .reference(organization(participant)))) }
            if entry.kind == .seized {
                action.append(("uco-action:location", .reference("kb:location-\(exhibitUUID)")))
            } else if let location = entry.location {
                writer.node(
                    "kb:location-\(uuid)",
                    [("@type", .string("uco-location:Location")), ("uco-core:name", .string(location))])
                action.append(("uco-action:location", .reference("kb:location-\(uuid)")))
            }
            if let instrument = entry.legalInstrumentId, instruments[instrument] != nil {
                action.append(
                    (
                        "uco-action:instrument",
                        .reference(authorizationIRIs[instrument] ?? Self.iri("authorization", instrument))
                    ))
            } else if entry.kind == .imaged, exhibit.imagingTool != nil {
                action.append(("uco-action:instrument", .reference("kb:tool-\(exhibitUUID)")))
            }
            if let previous { action.append(("uco-action:object", .reference(previous))) }
            action.append(("uco-action:result", .array(results)))
            writer.node("kb:action-\(uuid)", action)
            previous = record
        }
    }

    /// The name of a hash function in UCO's vocabulary.
    static func method(_ algorithm: HashAlgorithm) -> String {
        switch algorithm {
        case .sha256: "SHA256"
        case .sha1: "SHA1"
        case .md5: "MD5"
        }
    }

    /// The UCO class of an exhibit of `kind`.
    static func observableType(_ kind: ExhibitKind) -> LinkedDataValue {
        switch kind {
        case .server: .string("uco-observable:Server")
        case .computer: .string("uco-observable:Computer")
        case .phone: .string("uco-observable:MobileDevice")
        case .diskImage: .array([.string("uco-observable:File"), .string("uco-observable:Image")])
        case .disk, .storageMedium, .document, .cash, .cryptoWallet, .vehicle, .other:
            .string("uco-observable:ObservableObject")
        }
    }
}

/// A value of a JSON-LD node as ``LinkedDataWriter`` writes it.
indirect enum LinkedDataValue {
    case string(String)
    case integer(Int64)
    case bool(Bool)
    /// `{"@id": …}`.
    case reference(String)
    /// `{"@type": …, "@value": …}`.
    case typed(String, String)
    case array([LinkedDataValue])
    /// A node with its own `@id`, nested.
    case object(String, [(String, LinkedDataValue)])
}

/// Writes JSON-LD nodes into bytes, with JSON's escapes.
struct LinkedDataWriter {
    var bytes: [UInt8] = []
    private var first = true

    mutating func raw(_ text: String) { bytes.append(contentsOf: text.utf8) }

    /// A node of the graph, after a comma when it is not the first.
    mutating func node(_ id: String, _ properties: [(String, LinkedDataValue)]) {
        if !first { bytes.append(0x2C) }
        first = false
        object(id, properties)
    }

    private mutating func object(_ id: String, _ properties: [(String, LinkedDataValue)]) {
        raw(#"{"@id":"#)
        string(id)
        for (key, value) in properties {
            bytes.append(0x2C)
            string(key)
            bytes.append(0x3A)
            write(value)
        }
        bytes.append(0x7D)
    }

    private mutating func write(_ value: LinkedDataValue) {
        switch value {
        case .string(let text): string(text)
        case .integer(let number): raw(String(number))
        case .bool(let flag): raw(flag ? "true" : "false")
        case .reference(let id):
            raw(#"{"@id":"#)
            string(id)
            bytes.append(0x7D)
        case .typed(let type, let text):
            raw(#"{"@type":"#)
            string(type)
            raw(#","@value":"#)
            string(text)
            bytes.append(0x7D)
        case .array(let values):
            bytes.append(0x5B)
            for (index, element) in values.enumerated() {
                if index > 0 { bytes.append(0x2C) }
                write(element)
            }
            bytes.append(0x5D)
        case .object(let id, let properties): object(id, properties)
        }
    }

    private mutating func string(_ text: String) {
        bytes.append(0x22)
        // Most text needs no escape: copied whole.
        if !text.utf8.contains(where: { $0 < 0x20 || $0 == 0x22 || $0 == 0x5C }) {
            bytes.append(contentsOf: text.utf8)
            bytes.append(0x22)
            return
        }
        for byte in text.utf8 {
            switch byte {
            case 0x22: bytes.append(contentsOf: [0x5C, 0x22])
            case 0x5C: bytes.append(contentsOf: [0x5C, 0x5C])
            case 0x0A: bytes.append(contentsOf: [0x5C, 0x6E])
            case 0x0D: bytes.append(contentsOf: [0x5C, 0x72])
            case 0x09: bytes.append(contentsOf: [0x5C, 0x74])
            case 0x00..<0x20:
                let hex = Array("0123456789abcdef".utf8)
                bytes.append(contentsOf: [0x5C, 0x75, 0x30, 0x30, hex[Int(byte >> 4)], hex[Int(byte & 0x0F)]])
            default: bytes.append(byte)
            }
        }
        bytes.append(0x22)
    }
}
