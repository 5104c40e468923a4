import ConcertCore
import Foundation

/// Reads a STIX 2.1 bundle into targets.
///
/// An `infrastructure`, an `identity` of an individual or a `threat-actor` is a target; the
/// indicators and observables related to it (by `relationship` objects, in any order in the
/// bundle) are its selectors, and are never merged into another such target. Indicators and
/// observables related to none are targets of their own. Markings set the handling: TLP 1.0
/// and 2.0 by their colour, Concert's own statements exactly, any other as H3 with its terms.
public enum STIXImport {
    /// The types whose objects become targets.
    static let anchorTypes: Set<String> = ["infrastructure", "identity", "threat-actor"]
    /// The types whose objects hold identifiers.
    static let leafTypes: Set<String> = [
        "indicator", "ipv4-addr", "ipv6-addr", "domain-name", "url", "email-addr", "x509-certificate",
    ]
    /// The TLP 1.0 marking definitions by their fixed ids, which bundles often name without
    /// holding them.
    static let tlpIds: [String: String] = [
        "marking-definition--613f2e26-407d-48c7-9eca-b8e91df99dc9": "white",
        "marking-definition--34098fce-860f-48ae-8e50-ebd3cc5e41da": "green",
        "marking-definition--f88d31f6-486f-44da-b317-01333bde0b82": "amber",
        "marking-definition--5e57c739-391a-4eb3-b6be-7d15ca92d5ed": "red",
    ]

    /// The members Concert reads of each sort of object, in the shapes it reads them; the rest of
    /// a large bundle is not kept.
    static let anchorKeys: [String: JSONKeep] = [
        "name": .scalar, "description": .scalar, "identity_class": .scalar, "x_concert_kind": .scalar,
        "aliases": .list(.scalar, atMost: 1_000), "object_marking_refs": .list(.scalar, atMost: 1_000),
        "x_concert_persons": .list(.object(["name": .scalar, "dateOfBirth": .scalar]), atMost: 1_000),
        "x_concert_selectors": .list(.object(["kind": .scalar, "value": .scalar]), atMost: 1_000),
    ]
    /// A leaf may stand as a target of its own: it keeps what an anchor keeps too.
    static let leafKeys: [String: JSONKeep] = anchorKeys.merging([
        "pattern_type": .scalar, "pattern": .scalar, "value": .scalar, "subject": .scalar,
        "x509_v3_extensions": .object(["subject_alternative_name": .scalar]),
    ]) { first, _ in first }
    static let relationshipKeys: [String: JSONKeep] = ["source_ref": .scalar, "target_ref": .scalar]
    static let markingKeys: [String: JSONKeep] = [
        "definition_type": .scalar, "name": .scalar, "definition": .object(["tlp": .scalar, "statement": .scalar]),
        "extensions": .anyMembers(.object(["tlp_2_0": .scalar]), atMost: 100),
    ]

    struct Object {
        var json: JSONObject
        var index: Int
        var type: String
        var id: String
        var modified: Date?
        var path: String { "objects[\(index)]" }
    }

    /// Reads `data`; `known` holds the STIX ids already imported, which references may name.
    public static func read(
        _ data: Data, defaults: ImportDefaults, known: Set<String> = []
    ) throws(InteropError) -> InteropImport {
        var reader = STIXReader(defaults: defaults, known: known)
        return try reader.read(data)
    }

    /// The targets of the objects read, joined by their relationships. `objects` are in the order
    /// of the file (each id once, at its newest version); `indexOf` finds one by its id. Every
    /// pass works on positions in `objects`, not on ids: a bundle of a hundred thousand objects
    /// would otherwise hash their ids a million times.
    static func resolve(
        objects: [Object], indexOf: [String: Int], elsewhere: Set<String>, known: Set<String>,
        defaults: ImportDefaults, into result: inout InteropImport
    ) {
        let markings = readMarkings(objects)
        let distributionMarkings = Set(
            objects.lazy.filter {
                $0.type == "marking-definition"
                    && $0.json["definition"]?.object?["statement"]?.string == FileHandling.namedDistribution
            }.map(\.id))
        var relations = [[Int]](repeating: [], count: objects.count)
        for object in objects where object.type == "relationship" {
            guard let source = object.json["source_ref"]?.string, let target = object.json["target_ref"]?.string
            else {
                result.record(
                    error:
                        ImportNote(
                            place: .json(object.path, object: object.id),
                            detail: "A relationship names its source_ref and target_ref."))
                continue
            }
            let ends = (indexOf[source], indexOf[target])
            var resolved = true
            for (end, index) in [(source, ends.0), (target, ends.1)]
            where index == nil && !elsewhere.contains(end) && !known.contains(end) {
                resolved = false
                result.record(
                    unresolved:
                        ImportNote(
                            place: .json(object.path, object: object.id),
                            detail:
                                "The relationship names '\(end)', which is neither in the file nor imported before.",
                            reference: end))
            }
            // Only relationships between objects of the file join them into targets.
            guard resolved, let from = ends.0, let to = ends.1 else { continue }
            relations[from].append(to)
            relations[to].append(from)
        }
        // Observables and indicators related to each other read as one; each such group joins
        // every target it is related to, or stands alone.
        // Union-find with path halving and the earlier object as root: linear whatever the shape
        // of the relationships (a chain of ten thousand observables included). -1: not a leaf.
        var groupOf = objects.indices.map { leafTypes.contains(objects[$0].type) ? $0 : -1 }
        func root(_ index: Int) -> Int {
            var current = index
            while groupOf[current] != current {
                let grandparent = groupOf[groupOf[current]]
                groupOf[current] = grandparent
                current = grandparent
            }
            return current
        }
        let leaves = objects.indices.filter { groupOf[$0] >= 0 }
        for leaf in leaves {
            for other in relations[leaf] where groupOf[other] >= 0 {
                let (a, b) = (root(leaf), root(other))
                if a != b { groupOf[max(a, b)] = min(a, b) }
            }
        }
        var members = [[Int]](repeating: [], count: objects.count)
        for leaf in leaves { members[root(leaf)].append(leaf) }
        var selectorsOf = [[(SelectorInput, ImportPlace)]](repeating: [], count: objects.count)
        for leaf in leaves { selectorsOf[leaf] = selectors(of: objects[leaf], into: &result) }
        var attached = [Bool](repeating: false, count: objects.count)
        for (index, anchor) in objects.enumerated() where anchorTypes.contains(anchor.type) {
            guard isTarget(anchor, into: &result) else { continue }
            var groups: [Int] = []
            for other in relations[index] where groupOf[other] >= 0 {
                let group = root(other)
                if !groups.contains(group) { groups.append(group) }
            }
            let parts = [index] + groups.flatMap { members[$0] }
            for group in groups { attached[group] = true }
            result.targets.append(
                target(
                    anchor: anchor, parts: parts.map { objects[$0] }, selectors: parts.flatMap { selectorsOf[$0] },
                    markings: markings, distributionMarkings: distributionMarkings, defaults: defaults,
                    into: &result))
        }
        for leaf in leaves where root(leaf) == leaf && !attached[leaf] {
            let all = members[leaf].flatMap { selectorsOf[$0] }
            guard !all.isEmpty else { continue }
            let parts = members[leaf].map { objects[$0] }
            // An indicator names its target rather than an observable it was based on.
            let anchor = parts.first { $0.type == "indicator" } ?? parts[0]
            result.targets.append(
                target(
                    anchor: anchor, parts: parts, selectors: all, markings: markings,
                    distributionMarkings: distributionMarkings, defaults: defaults, into: &result))
        }
        // In the order of the file, so that the first is the first a reader meets.
        result.errors = result.errors.enumerated().sorted {
            (Self.objectIndex($0.element.place.path), $0.offset) < (Self.objectIndex($1.element.place.path), $1.offset)
        }.map(\.element)
    }

    /// The index of the object a path `objects[N]…` is in.
    static func objectIndex(_ path: String?) -> Int {
        guard let path, path.hasPrefix("objects[") else { return .max }
        return Int(path.dropFirst(8).prefix { $0.isNumber }) ?? .max
    }

    static func isBundleId(_ id: String) -> Bool {
        id.hasPrefix("bundle--") && isUUID(id.utf8.dropFirst(8))
    }

    /// Whether `text` is a UUID as RFC 9562 writes it (`8-4-4-4-12` hexadecimal digits, of
    /// either case), told byte by byte: Foundation's parser goes through `sscanf`, a cost a
    /// bundle of a hundred thousand objects notices.
    static func isUUID(_ text: Substring.UTF8View) -> Bool {
        guard text.count == 36 else { return false }
        for (offset, byte) in text.enumerated() {
            switch offset {
            case 8, 13, 18, 23: guard byte == UInt8(ascii: "-") else { return false }
            default:
                switch byte {
                case UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "a")...UInt8(ascii: "f"),
                    UInt8(ascii: "A")...UInt8(ascii: "F"):
                    continue
                default: return false
                }
            }
        }
        return true
    }

    /// Whether an identity or threat actor is a target: an identity of an organisation or a
    /// system is who wrote the bundle, not whom it is about.
    private static func isTarget(_ anchor: Object, into result: inout InteropImport) -> Bool {
        guard anchor.type == "identity" else { return true }
        let kind = anchor.json["identity_class"]?.string ?? "unknown"
        guard kind == "individual" else {
            result.record(
                skipped:
                    ImportNote(
                        place: .json(anchor.path, object: anchor.id),
                        detail:
                            "An identity of the class '\(kind)' is an author, not a target: only individuals are read.")
            )
            return false
        }
        return true
    }

    /// The identifiers an indicator or observable holds, each with its place.
    private static func selectors(of object: Object, into result: inout InteropImport) -> [(SelectorInput, ImportPlace)]
    {
        let place = { (field: String) in ImportPlace.json("\(object.path).\(field)", object: object.id) }
        switch object.type {
        case "indicator":
            let type = object.json["pattern_type"]?.string ?? "stix"
            guard type == "stix" else {
                result.record(
                    skipped:
                        ImportNote(
                            place: place("pattern_type"),
                            detail:
                                "A pattern of the type '\(type)' is not read; only STIX patterns name identifiers Concert records."
                        ))
                return []
            }
            guard let pattern = object.json["pattern"]?.string else {
                result.record(error: ImportNote(place: place("pattern"), detail: "The indicator has no pattern."))
                return []
            }
            do {
                let reading = try STIXPattern.read(pattern)
                if reading.selectors.isEmpty {
                    result.record(
                        skipped:
                            ImportNote(
                                place: place("pattern"),
                                detail: "The pattern names no address, domain, URL or e-mail address compared with '='."
                            ))
                }
                return reading.selectors.map { ($0, place("pattern")) }
            } catch {
                result.record(error: ImportNote(place: place("pattern"), detail: error.message))
                return []
            }
        case "x509-certificate":
            var names: [String] = []
            if let subject = object.json["subject"]?.string {
                for part in subject.split(separator: ",") {
                    let pair = part.trimmingCharacters(in: .whitespaces)
                    if pair.uppercased().hasPrefix("CN=") { names.append(String(pair.dropFirst(3))) }
                }
            }
            let extensions = object.json["x509_v3_extensions"]?.object
            if let alternatives = extensions?["subject_alternative_name"]?.string {
                for part in alternatives.split(separator: ",") {
                    let pair = part.trimmingCharacters(in: .whitespaces)
                    if pair.uppercased().hasPrefix("DNS:") { names.append(String(pair.dropFirst(4))) }
                }
            }
            let domains = names.filter { SelectorGuess.kind(of: $0) == .domain }
            if domains.isEmpty {
                result.record(
                    skipped:
                        ImportNote(
                            place: .json(object.path, object: object.id), detail: "The certificate names no domain.")
                )
            }
            return domains.map { (SelectorInput(kind: .domain, text: $0), place("subject")) }
        default:
            guard let value = object.json["value"]?.string else {
                result.record(error: ImportNote(place: place("value"), detail: "The \(object.type) has no value."))
                return []
            }
            let kind: SelectorKind =
                switch object.type {
                case "ipv4-addr", "ipv6-addr": value.contains("/") ? .cidr : .ip
                case "domain-name": .domain
                case "url": .url
                default: .email
                }
            return [(SelectorInput(kind: kind, text: value), place("value"))]
        }
    }

    private static func target(
        anchor: Object, parts: [Object], selectors: [(SelectorInput, ImportPlace)],
        markings: [String: (handling: FileHandling, exact: Bool)], distributionMarkings: Set<String>,
        defaults: ImportDefaults,
        into result: inout InteropImport
    ) -> ImportedTarget {
        var all = selectors
        var handling: FileHandling?
        // Concert's own statements say exactly what their TLP colour rounds: when a part
        // carries one, the statements alone decide.
        var exact: FileHandling?
        var modified = anchor.modified
        var references: Set<String> = []
        var restricted = false
        for part in parts {
            for reference in part.json["object_marking_refs"]?.strings ?? []
            where references.insert(reference).inserted {
                if distributionMarkings.contains(reference) {
                    restricted = true
                } else if let marking = markings[reference] {
                    if marking.exact {
                        exact = marking.handling.joined(exact)
                    } else {
                        handling = marking.handling.joined(handling)
                    }
                } else {
                    result.record(
                        unresolved:
                            ImportNote(
                                place: .json("\(part.path).object_marking_refs", object: part.id),
                                detail:
                                    "The marking '\(reference)' is not in the file; its terms are unknown, so the target is held as H3."
                            ))
                    handling = FileHandling(
                        code: .h3, restriction: "Marked '\(reference)' by the file, whose terms were not given."
                    ).joined(handling)
                }
            }
            if let date = part.modified, date > (modified ?? .distantPast) { modified = date }
        }
        if let exact { handling = exact }
        let name = anchor.json["name"]?.string
        let kind: TargetKind
        switch anchor.type {
        case "infrastructure": kind = .server
        case "threat-actor": kind = .organisation
        case "identity":
            kind = .person
            let persons = anchor.json["x_concert_persons"]?.array?.compactMap(\.object)
            let identities =
                persons?.compactMap { person -> PersonIdentity? in
                    guard let name = person["name"]?.string else { return nil }
                    return PersonIdentity(name: name, dateOfBirth: person["dateOfBirth"]?.string)
                } ?? [PersonIdentity(name: name ?? "")]
            let place = ImportPlace.json("\(anchor.path).name", object: anchor.id)
            all.insert(contentsOf: identities.map { (SelectorInput(kind: .person, value: .person($0)), place) }, at: 0)
        default:
            kind = ImportedTarget.kind(for: all.map(\.0))
        }
        // Concert's own export says the kind that STIX's types round.
        let exactKind = anchor.json["x_concert_kind"]?.string.flatMap(TargetKind.init(rawValue:))
        // What STIX has no observable for (phone numbers, wallets), as Concert's export keeps it.
        for (index, extra) in (anchor.json["x_concert_selectors"]?.array?.compactMap(\.object) ?? []).enumerated() {
            guard let raw = extra["kind"]?.string, let selectorKind = SelectorKind(rawValue: raw),
                let value = extra["value"]?.string
            else { continue }
            all.append(
                (
                    SelectorInput(kind: selectorKind, text: value),
                    .json("\(anchor.path).x_concert_selectors[\(index)]", object: anchor.id)
                ))
        }
        var notes = anchor.json["description"]?.string
        if let aliases = anchor.json["aliases"]?.strings, !aliases.isEmpty {
            notes = [notes, "Also known as " + aliases.joined(separator: ", ") + "."].compactMap { $0 }.joined(
                separator: "\n")
        }
        var target = ImportedTarget.make(
            kind: exactKind ?? kind, name: name ?? all.first.map { $0.0.value.written } ?? anchor.id, notes: notes,
            selectors: all,
            place: .json(anchor.path, object: anchor.id),
            source: TargetSource(format: "stix", id: anchor.id, modified: modified), handling: handling,
            defaults: defaults)
        target.restrictedDistribution = restricted
        return target
    }

    /// The handling each marking definition of the bundle says, and the TLP 1.0 ones by id.
    private static func readMarkings(_ objects: [Object]) -> [String: (handling: FileHandling, exact: Bool)] {
        var markings: [String: (handling: FileHandling, exact: Bool)] = [:]
        for (id, colour) in tlpIds { markings[id] = FileHandling.tlp(colour).map { ($0, false) } }
        for object in objects where object.type == "marking-definition" {
            let id = object.id
            let json = object.json
            let definition = json["definition"]?.object
            if json["definition_type"]?.string == "tlp", let colour = definition?["tlp"]?.string,
                let handling = FileHandling.tlp(colour)
            {
                markings[id] = (handling, false)
            } else if let name = json["name"]?.string, name.uppercased().hasPrefix("TLP:"),
                let handling = FileHandling.tlp(String(name.dropFirst(4)))
            {
                markings[id] = (handling, false)
            } else if let extensions = json["extensions"]?.object,
                let colour = extensions.members.lazy.compactMap({ $0.value.object?["tlp_2_0"]?.string }).first,
                let handling = FileHandling.tlp(colour)
            {
                markings[id] = (handling, false)
            } else if let statement = definition?["statement"]?.string {
                if let exact = FileHandling.fromStatement(statement) {
                    markings[id] = (exact, true)
                } else {
                    markings[id] = (FileHandling(code: .h3, restriction: "Marked by the file: \(statement)"), false)
                }
            } else {
                let name = json["name"]?.string ?? id
                markings[id] = (
                    FileHandling(
                        code: .h3, restriction: "Marked '\(name)' by the file, whose terms Concert does not know."),
                    false
                )
            }
        }
        return markings
    }

    /// A STIX timestamp (RFC 3339 in UTC, with or without fractions of a second).
    static func date(_ value: JSONValue?) -> Date? {
        value?.string.flatMap(date)
    }

    /// A STIX timestamp's text as a date.
    static func date(_ text: String) -> Date? {
        guard text.utf8.count <= 40 else { return nil }
        return InteropImport.plausible(timestamp(text))
    }

    /// Reads `YYYY-MM-DDTHH:MM:SS[.fraction]Z` byte by byte, as STIX writes every time: a bundle
    /// of a hundred thousand objects holds twice as many, and Foundation's parser takes
    /// microseconds each.
    static func timestamp(_ text: String) -> Date? {
        text.utf8.withContiguousStorageIfAvailable { bytes -> Date? in
            func number(_ range: Range<Int>) -> Int? {
                var value = 0
                for index in range {
                    let digit = Int(bytes[index]) - 48
                    guard (0...9).contains(digit) else { return nil }
                    value = value * 10 + digit
                }
                return value
            }
            guard bytes.count >= 20, bytes[4] == UInt8(ascii: "-"), bytes[7] == UInt8(ascii: "-"),
                bytes[10] == UInt8(ascii: "T") || bytes[10] == UInt8(ascii: "t"), bytes[13] == UInt8(ascii: ":"),
                bytes[16] == UInt8(ascii: ":"),
                bytes[bytes.count - 1] == UInt8(ascii: "Z")
                    || bytes[bytes.count - 1] == UInt8(ascii: "z"),
                let year = number(0..<4), let month = number(5..<7), let day = number(8..<10),
                let hour = number(11..<13), let minute = number(14..<16), let second = number(17..<19),
                (1...12).contains(month), (1...31).contains(day), hour < 24, minute < 60, second < 61
            else { return nil }
            var fraction = 0.0
            if bytes.count > 20 {
                // At most nine digits, counted before they are read: more would overflow.
                guard bytes[19] == UInt8(ascii: "."), bytes.count > 21, bytes.count - 21 <= 9,
                    let digits = number(20..<(bytes.count - 1))
                else { return nil }
                fraction = Double(digits) / pow(10, Double(bytes.count - 21))
            } else if bytes[19] != UInt8(ascii: "Z") && bytes[19] != UInt8(ascii: "z") {
                return nil
            }
            // Days since 1970-01-01 of a date of the proleptic Gregorian calendar (Howard
            // Hinnant's days_from_civil).
            let y = month <= 2 ? year - 1 : year
            let era = (y >= 0 ? y : y - 399) / 400
            let yearOfEra = y - era * 400
            let dayOfYear = (153 * (month > 2 ? month - 3 : month + 9) + 2) / 5 + day - 1
            let dayOfEra = yearOfEra * 365 + yearOfEra / 4 - yearOfEra / 100 + dayOfYear
            let days = era * 146_097 + dayOfEra - 719_468
            let seconds = Double(days * 86_400 + hour * 3_600 + minute * 60 + second) + fraction
            return Date(timeIntervalSince1970: seconds)
        } ?? nil
    }
}

/// Reads a STIX 2.1 bundle as it arrives, a piece at a time: each object is parsed alone and
/// only what Concert reads of it is kept, so a bundle takes a small part of its size in memory
/// and is never held whole. The targets are made at ``finish()``, once every relationship is
/// known, whatever the order of the bundle.
public struct STIXReader: InteropFileReader {
    private let defaults: ImportDefaults
    private let known: Set<String>
    private var stream = JSONStreamReader { path, isObject in
        (path.isEmpty && isObject) || (!isObject && path == [.key("objects")])
    }
    private var result = InteropImport(format: .stix)
    /// The objects read, in the order of the file, each id once at its newest version.
    private var objects: [STIXImport.Object] = []
    private var indexOf: [String: Int] = [:]
    /// The ids of the objects of other types, which relationships may name.
    private var elsewhere: Set<String> = []
    private var shape = JSONShape(keys: [])
    private var objectsNotAList = false
    private var bundleId: JSONValue?

    /// The most targets the file may hold, when bounded.
    private let limit: Int?
    private var anchors = 0

    /// A reader; `known` holds the STIX ids already imported, which references may name. With a
    /// `limit`, a bundle of more anchors (infrastructures, individuals, threat actors) than that,
    /// or of more than fifty objects Concert reads for each target it may hold, is refused as it
    /// is read: it could not be imported, and it would take memory and time to find that out.
    public init(defaults: ImportDefaults, known: Set<String> = [], limit: Int? = nil) {
        self.defaults = defaults
        self.known = known
        self.limit = limit
    }

    /// Reads the next piece of the file.
    public mutating func feed(_ bytes: some Collection<UInt8>) throws(InteropError) {
        for event in try stream.feed(bytes) { try take(event) }
    }

    /// Reads the end of the file and answers its targets, or refuses it.
    public mutating func finish() throws(InteropError) -> InteropImport {
        for event in try stream.finish() { try take(event) }
        guard shape.type == "bundle" else { throw notABundle() }
        if let bundleId, !(bundleId.string.map(STIXImport.isBundleId) ?? false) {
            throw InteropError(
                "The bundle's id is not 'bundle--' and a UUID, such as bundle--5e57c739-391a-4eb3-b6be-7d15ca92d5ed.",
                place: .json("id"))
        }
        if objectsNotAList { throw InteropError("The bundle's 'objects' is not a list.", place: .json("objects")) }
        STIXImport.resolve(
            objects: objects, indexOf: indexOf, elsewhere: elsewhere, known: known, defaults: defaults, into: &result)
        return result
    }

    private func notABundle(_ what: String? = nil) -> InteropError {
        InteropError(
            "The file is \(what ?? shape.inWords), not a STIX bundle: {\"type\": \"bundle\", \"objects\": […]} was expected."
        )
    }

    private mutating func take(_ event: JSONStreamEvent) throws(InteropError) {
        switch event {
        case .enter(let path, let isObject):
            if path.isEmpty && !isObject { throw notABundle("a JSON list") }
        case .member(let path):
            guard path.count == 1, case .key(let key) = path[0] else { return }
            if shape.keys.count < 100 { shape.keys.append(key) }
            // Another format's file is told at its first member, not after reading it whole.
            if ["Event", "response", "targets"].contains(key) { throw notABundle() }
        case .value(let path, let value):
            switch path.count {
            case 0: throw notABundle(value.kindInWords)
            case 1:
                if path[0] == .key("type") { shape.type = value.string ?? "" }
                if path[0] == .key("id") { bundleId = value }
                if path[0] == .key("objects") { objectsNotAList = true }
            default:
                if case .index(let index) = path[1] { try add(value, at: index) }
            }
        case .leave: break
        }
    }

    private mutating func add(_ item: JSONValue, at index: Int) throws(InteropError) {
        let path = "objects[\(index)]"
        guard let object = item.object else {
            result.record(error: ImportNote(place: .json(path), detail: "A STIX object is a JSON object."))
            return
        }
        guard let type = object["type"]?.string, !type.isEmpty else {
            result.record(error: ImportNote(place: .json(path + ".type"), detail: "The object has no type."))
            return
        }
        guard let id = object["id"]?.string, id.hasPrefix(type + "--"),
            STIXImport.isUUID(id.utf8.dropFirst(type.utf8.count + 2))
        else {
            result.record(
                error:
                    ImportNote(
                        place: .json(path + ".id"),
                        detail:
                            "The \(type) has no valid id: its type, two hyphens and a UUID, such as \(type)--5e57c739-391a-4eb3-b6be-7d15ca92d5ed."
                    ))
            return
        }
        let keys: [String: JSONKeep]
        switch type {
        case _ where STIXImport.anchorTypes.contains(type): keys = STIXImport.anchorKeys
        case _ where STIXImport.leafTypes.contains(type): keys = STIXImport.leafKeys
        case "relationship": keys = STIXImport.relationshipKeys
        case "marking-definition": keys = STIXImport.markingKeys
        default:
            // Counted once, and remembered only by its id, which relationships may name.
            if elsewhere.insert(id).inserted && type != "extension-definition" {
                result.unknownTypes[type, default: 0] += 1
            }
            return
        }
        let modified = STIXImport.date(object["modified"]) ?? STIXImport.date(object["created"])
        let read = STIXImport.Object(
            json: object.kept(keys), index: index, type: type, id: id, modified: modified)
        if let earlier = indexOf[id] {
            // Two versions of one object: the newer stands, where the first stood.
            if (modified ?? .distantPast) > (objects[earlier].modified ?? .distantPast) { objects[earlier] = read }
            return
        }
        indexOf[id] = objects.count
        objects.append(read)
        guard let limit else { return }
        if STIXImport.anchorTypes.contains(type)
            && (type != "identity" || object["identity_class"]?.string == "individual")
        {
            anchors += 1
            if anchors > limit {
                throw InteropImport.tooManyTargets(
                    limit, "more than \(InteropImport.grouped(limit)) infrastructures, individuals and threat actors")
            }
        }
        if objects.count > limit * 50 {
            throw InteropImport.tooManyTargets(
                limit,
                "more than \(InteropImport.grouped(limit * 50)) objects Concert reads, more than \(InteropImport.grouped(limit)) targets could hold"
            )
        }
    }
}
