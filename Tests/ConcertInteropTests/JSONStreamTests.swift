import ConcertCore
import Foundation
import Testing

@testable import ConcertInterop

/// The JSON reader the importers stream files through: it must read what JSON is exactly as
/// Foundation does, refuse what is not with its place, and read a file in pieces of any size as
/// it reads it whole.
@Suite("Streaming JSON")
struct JSONStreamTests {
    static let defaults = InteropTests.defaults

    @Test("every kind of value, escape and number reads as JSON says, strings as Foundation reads them")
    func parsesAsFoundation() throws {
        func member(_ key: String, _ value: JSONValue) -> JSONObject.Member {
            JSONObject.Member(key: key, value: value)
        }
        let document =
            #"  {"a": [1, -2.5, 3e2, 0.1E-3], "b": {"c": null, "d": true, "e": false}, "f": "", "g": [[[{}]]]}  "#
        #expect(
            try JSONParser.parse(Data(document.utf8))
                == .object(
                    JSONObject([
                        member("a", .array([.number("1"), .number("-2.5"), .number("3e2"), .number("0.1E-3")])),
                        member(
                            "b",
                            .object(
                                JSONObject([member("c", .null), member("d", .bool(true)), member("e", .bool(false))]))),
                        member("f", .string("")), member("g", .array([.array([.array([.object(JSONObject())])])])),
                    ])))
        let strings = #"["\"\\\/\b\f\n\r\t", "\u00e9\u20AC\ud83d\ude00", "καλημέρα", "tab\there", "a\u0000b"]"#
        let expected = try #require(try JSONSerialization.jsonObject(with: Data(strings.utf8)) as? [String])
        #expect(try JSONParser.parse(Data(strings.utf8)) == .array(expected.map { .string($0) }))
        #expect(try JSONParser.parse(Data("12345678901234567890".utf8)) == .number("12345678901234567890"))
        #expect(try JSONParser.parse(Data(#""just a string""#.utf8)) == .string("just a string"))
    }

    @Test("what is not JSON is refused with the place of its fault, never read in part")
    func refusesWhatIsNotJSON() {
        let broken: [(String, String)] = [
            (#"{"a": 1,}"#, "a member's name"),
            (#"[1, 2,]"#, "a value was expected"),
            (#"{"a" 1}"#, "':' was expected"),
            (#"["\ud83d"]"#, "surrogate"),
            (#"["\udc00"]"#, "surrogate"),
            ("[\"a\u{01}b\"]", "control character"),
            (#"[01]"#, "',' or ']' was expected"),
            (#"[1.]"#, "a digit"),
            (#"[-]"#, "a digit"),
            (#"[tru]"#, "a value was expected"),
            (#"["\x"]"#, "no escape"),
            (#"{"a": 1} {"b": 2}"#, "more follows"),
            (#"{"a": [1, 2"#, "ends inside"),
            ("", "empty"),
            (String(repeating: "[", count: 300) + String(repeating: "]", count: 300), "nested too deep"),
        ]
        for (document, reason) in broken {
            var stream = JSONStreamReader { _, _ in false }
            do {
                _ = try stream.feed(Data(document.utf8))
                _ = try stream.finish()
                Issue.record("\(document) was read")
            } catch {
                #expect(error.message.contains(reason), "\(document): \(error.message)")
                #expect(error.message.hasPrefix("The file is not JSON"))
            }
        }
        // Bytes that are not UTF-8 in a string.
        var stream = JSONStreamReader { _, _ in false }
        #expect(throws: InteropError.self) {
            _ = try stream.feed([0x5B, 0x22, 0xC3, 0x28, 0x22, 0x5D])
            _ = try stream.finish()
        }
    }

    @Test("an error names its line, its column and the object it is in")
    func errorsHaveTheirPlace() throws {
        let bundle = """
            {"type": "bundle",
             "objects": [
              {"type": "ipv4-addr", "id": "ipv4-addr--00000000-0000-4000-8000-000000000001", "value": "192.0.2.1"},
              {"type": "ipv4-addr",
               "id": "ipv4-addr--00000000-0000-4000-8000-000000000002" "value": "192.0.2.2"}
             ]}
            """
        for size in [1, 5, 64, 1 << 20] {
            var reader = STIXReader(defaults: Self.defaults)
            do {
                for start in stride(from: 0, to: bundle.utf8.count, by: size) {
                    try reader.feed(Array(bundle.utf8)[start..<min(start + size, bundle.utf8.count)])
                }
                _ = try reader.finish()
                Issue.record("a broken bundle was read")
            } catch {
                #expect(error.place?.line == 5, "pieces of \(size): \(error)")
                #expect(error.place?.column == 60, "pieces of \(size): \(error)")
                #expect(error.place?.path == "objects[1]", "pieces of \(size): \(error)")
                #expect(error.message.contains("',' or '}' was expected"))
            }
        }
    }

    /// A bundle of targets, with markings, relationships before their objects, a second version
    /// of an object and an object of a type Concert does not read.
    static let bundle = """
        \u{FEFF}{"type": "bundle", "id": "bundle--00000000-0000-4000-8000-00000000000a", "objects": [
          {"type": "relationship", "id": "relationship--00000000-0000-4000-8000-000000000001", "relationship_type": "related-to",
           "source_ref": "indicator--00000000-0000-4000-8000-000000000002", "target_ref": "infrastructure--00000000-0000-4000-8000-000000000003"},
          {"type": "relationship", "id": "relationship--00000000-0000-4000-8000-000000000004", "relationship_type": "uses",
           "source_ref": "malware--00000000-0000-4000-8000-000000000005", "target_ref": "infrastructure--00000000-0000-4000-8000-000000000003"},
          {"type": "indicator", "id": "indicator--00000000-0000-4000-8000-000000000002", "pattern_type": "stix",
           "pattern": "[ipv4-addr:value = '198.51.100.1'] OR [domain-name:value = 'films\\u002dcdn.example.com']",
           "object_marking_refs": ["marking-definition--f88d31f6-486f-44da-b317-01333bde0b82"]},
          {"type": "infrastructure", "id": "infrastructure--00000000-0000-4000-8000-000000000003", "name": "Old name",
           "modified": "2026-01-01T00:00:00Z"},
          {"type": "infrastructure", "id": "infrastructure--00000000-0000-4000-8000-000000000003", "name": "Release server",
           "modified": "2026-02-01T00:00:00Z", "description": "Seen \\"live\\"\\nin March"},
          {"type": "malware", "id": "malware--00000000-0000-4000-8000-000000000005", "name": "Not read", "is_family": false},
          {"type": "url", "id": "url--00000000-0000-4000-8000-000000000006", "value": "https://films.example.org/x?a=1&b=2"}
        ]}
        """

    @Test("a bundle read in pieces of any size reads as it reads whole")
    func piecesReadAsWhole() throws {
        let whole = try STIXImport.read(Data(Self.bundle.utf8), defaults: Self.defaults)
        #expect(whole.errors.isEmpty)
        #expect(whole.unresolved.isEmpty, "a relationship to an object of a type not read resolves")
        #expect(whole.unknownTypes == ["malware": 1])
        #expect(whole.targets.map(\.input.name) == ["Release server", "https://films.example.org/x?a=1&b=2"])
        #expect(whole.targets[0].input.notes == "Seen \"live\"\nin March")
        #expect(whole.targets[0].input.handling == .h2, "TLP:AMBER")
        #expect(
            whole.targets[0].input.selectors.map(\.value.written) == ["198.51.100.1", "films-cdn.example.com"])
        let bytes = Array(Self.bundle.utf8)
        for size in [1, 2, 3, 7, 100] {
            var reader = STIXReader(defaults: Self.defaults)
            for start in stride(from: 0, to: bytes.count, by: size) {
                try reader.feed(bytes[start..<min(start + size, bytes.count)])
            }
            let read = try reader.finish()
            #expect(read.targets.map(\.input) == whole.targets.map(\.input), "pieces of \(size)")
            #expect(read.unknownTypes == whole.unknownTypes)
        }
    }

    @Test("a MISP event's tags apply to its attributes wherever the file puts them")
    func mispTagsAfterAttributes() throws {
        let event = """
            {"Event": {"Attribute": [{"type": "ip-dst", "value": "192.0.2.9", "uuid": "aaaaaaaa-0000-4000-8000-000000000001"}],
             "Object": [{"name": "domain-ip", "uuid": "aaaaaaaa-0000-4000-8000-000000000002",
               "Attribute": [{"object_relation": "domain", "type": "domain", "value": "seed.example.net"}]}],
             "uuid": "aaaaaaaa-0000-4000-8000-000000000000", "info": "Late tags", "Tag": [{"name": "tlp:red"}]}}
            """
        let bytes = Array(event.utf8)
        for size in [1, 13, bytes.count] {
            var reader = MISPReader(defaults: Self.defaults)
            for start in stride(from: 0, to: bytes.count, by: size) {
                try reader.feed(bytes[start..<min(start + size, bytes.count)])
            }
            let read = try reader.finish()
            #expect(read.targets.map(\.input.handling) == [.h3, .h3], "pieces of \(size)")
            #expect(
                read.targets.map(\.input.notes) == [
                    "From the MISP event 'Late tags'.", "From the MISP event 'Late tags'.",
                ])
        }
    }

    @Test("a body's format is told from its first members, without reading the rest")
    func sniffsTheFormat() throws {
        func guess(_ text: String, whole: Bool = true) throws -> JSONFormatSniffer.Guess {
            var sniffer = JSONFormatSniffer()
            let first = try sniffer.feed(Data(text.utf8))
            return whole && first == .undecided ? try sniffer.finish() : first
        }
        #expect(try guess(#"{"targets": [{"kind": "server"}]}"#) == .concert)
        #expect(try guess(#"{"info": "first", "Event": {"#, whole: false) == .format(.misp))
        #expect(try guess(#"[{"Event": {"Attribute": ["#, whole: false) == .format(.misp))
        #expect(try guess(#"{"response": [{"Event": {}}]}"#) == .format(.misp))
        #expect(try guess(#"{"type": "bundle", "objects": [{"#, whole: false) == .format(.stix))
        #expect(try guess(#"{"id": "bundle--x", "objects": ["#, whole: false) == .format(.stix))
        #expect(try guess(#"{"type": "bundle", "objec"#, whole: false) == .format(.stix))
        guard case .other(let words) = try guess(#"{"name": "x", "kind": "server"}"#) else {
            Issue.record("a lone object was taken for a file")
            return
        }
        #expect(words.contains("a JSON object with the keys 'kind', 'name'"))
        guard case .other(let list) = try guess(#"[1, 2]"#) else {
            Issue.record("a list of numbers was taken for a file")
            return
        }
        #expect(list.contains("JSON list"))
        #expect(throws: InteropError.self) { try guess(#"{"targets" [}"#) }
    }

    @Test("a value larger than the reader holds whole is refused, not gathered without end")
    func boundsAValue() throws {
        var reader = STIXReader(defaults: Self.defaults)
        try reader.feed(Data(#"{"type": "bundle", "objects": [{"type": "note", "content": ""#.utf8))
        let piece = Data(repeating: UInt8(ascii: "a"), count: 1 << 20)
        do {
            for _ in 0..<20 { try reader.feed(piece) }
            Issue.record("a 20 MiB object was gathered")
        } catch {
            #expect(error.message.contains("larger than the 16 MiB"))
            #expect(error.place?.path == "objects[0]")
        }
    }

    @Test("a value over the bound is refused whether the file is read whole or in pieces")
    func boundsAValueWhole() throws {
        let description = String(repeating: "a", count: 17 << 20)
        let bundle =
            #"{"type": "bundle", "objects": [{"type": "infrastructure", "id": "infrastructure--00000000-0000-4000-8000-000000000001", "description": ""#
            + description + #""}]}"#
        do {
            _ = try STIXImport.read(Data(bundle.utf8), defaults: Self.defaults)
            Issue.record("a 17 MiB object was read whole")
        } catch {
            #expect(error.message.contains("larger than the 16 MiB"))
            #expect(error.place?.line == 1)
            #expect(error.place?.column == 32)
        }
    }

    @Test("only the shape an importer reads is kept of a value: a list of numbers where names are read is not")
    func keepsTheShapeRead() {
        let aliases = JSONValue.array([.string("Kestrel"), .number("1"), .object(JSONObject()), .string("K2")])
        #expect(aliases.kept(.list(.scalar, atMost: 3)) == .array([.string("Kestrel"), .number("1"), .null]))
        let tag = JSONValue.object(
            JSONObject([
                JSONObject.Member(key: "name", value: .string("tlp:red")),
                JSONObject.Member(key: "Galaxy", value: .array(Array(repeating: .number("7"), count: 1_000))),
            ]))
        #expect(
            tag.kept(.scalarOrObject(["name": .scalar]))
                == .object(JSONObject([JSONObject.Member(key: "name", value: .string("tlp:red"))])))
        #expect(JSONValue.array([]).kept(.object([:])) == .null, "a list where an object is read is kept as null")
    }

    @Test("a MISP file with many members before its event is read, not refused")
    func manyMembersBeforeTheEvent() throws {
        let members = (0..<150).map { #""k\#($0)": \#($0)"# }.joined(separator: ", ")
        let file =
            "{\(members), " + #""Event": {"Attribute": [{"type": "ip-dst", "value": "192.0.2.44"}]}}"#
        let read = try MISPImport.read(Data(file.utf8), defaults: Self.defaults)
        #expect(read.targets.map(\.input.name) == ["192.0.2.44"])
    }

    @Test("a file of more targets than an import takes is refused as it is read, not once read whole")
    func refusesPastTheLimitEarly() throws {
        // MISP: the 4th attribute Concert reads is one too many; the file never ends.
        var misp = MISPReader(defaults: Self.defaults, limit: 3)
        let attribute = #"{"type": "ip-dst", "value": "192.0.2.1"}"#
        let unread = #"{"type": "md5", "value": "d41d8cd98f00b204e9800998ecf8427e"}"#
        try misp.feed(
            Data((#"{"Event": {"Attribute": ["# + Array(repeating: unread, count: 10).joined(separator: ",")).utf8))
        do {
            for _ in 0..<4 { try misp.feed(Data(("," + attribute).utf8)) }
            Issue.record("a fourth target was read")
        } catch {
            #expect(error.message.contains("more than 3 targets"))
        }
        // STIX: a fourth infrastructure, or more objects than three targets could hold.
        func object(_ type: String, _ n: Int) -> String {
            #"{"type": "\#(type)", "id": "\#(type)--00000000-0000-4000-8000-\#(String(format: "%012d", n))", "value": "192.0.2.\#(n % 250)"}"#
        }
        // Feeds a bundle of `count` objects of `type` one at a time; answers the refusal, if any.
        func refusal(_ type: String, count: Int) throws -> InteropError? {
            var reader = STIXReader(defaults: Self.defaults, limit: 3)
            try reader.feed(Data(#"{"type": "bundle", "objects": ["#.utf8))
            do {
                for n in 0..<count { try reader.feed(Data(((n == 0 ? "" : ",") + object(type, n)).utf8)) }
                return nil
            } catch {
                return error
            }
        }
        let anchors = try refusal("infrastructure", count: 4)
        #expect(anchors?.message.contains("more than 3 infrastructures") == true, "a fourth infrastructure was read")
        let leaves = try refusal("ipv4-addr", count: 151)
        #expect(leaves?.message.contains("more than 150 objects") == true, "151 observables were read for 3 targets")
        #expect(try refusal("ipv4-addr", count: 150) == nil, "150 observables are within 3 targets' bound")
        // Without a limit (the command line's --in-parts), the same file is read.
        var unbounded = STIXReader(defaults: Self.defaults)
        try unbounded.feed(
            Data(
                (#"{"type": "bundle", "objects": ["# + (0..<151).map { object("ipv4-addr", $0) }.joined(separator: ",")
                    + "]}").utf8))
        #expect(try unbounded.finish().targets.count == 151)
    }

    @Test("a table's rows of thousands of fields, and its overlong cells, are bounded and said to be")
    func boundsATable() throws {
        let wide = "name,ip\n" + "Box,192.0.2.1" + String(repeating: ",", count: 5_000) + "\n"
        #expect(
            try CSVImport.read(Data(wide.utf8), defaults: Self.defaults).errors.isEmpty,
            "empty fields past the header are nothing")
        let written = "name,ip\n" + "Box,192.0.2.1" + String(repeating: ",", count: 5_000) + "x\n"
        let refused = try CSVImport.read(Data(written.utf8), defaults: Self.defaults)
        #expect(refused.errors.first?.detail == "The row has 5002 fields but the header names 2 columns.")
        let header = String(repeating: "c,", count: 3_000) + "c\n1\n"
        do {
            _ = try CSVImport.read(Data(header.utf8), defaults: Self.defaults)
            Issue.record("a header of 3,001 columns was read")
        } catch {
            #expect(error.message.contains("3001 columns"))
        }
        let long = "name,notes,ip\nBox,\(String(repeating: "n", count: (1 << 20) + 10)),192.0.2.1\n"
        let cut = try CSVImport.read(Data(long.utf8), defaults: Self.defaults)
        #expect(cut.errors.first?.detail.contains("longer than the 1 MiB") == true)
        #expect(cut.errors.first?.place.column == 2)
    }

    @Test("a file of another format is refused at its first member, with what it is")
    func otherFormatsEarly() throws {
        var stix = STIXReader(defaults: Self.defaults)
        do {
            // The rest of the event never comes: the first member says enough.
            try stix.feed(Data(#"{"Event": {"Attribute": [{"type": "ip-dst", "#.utf8))
            Issue.record("an event was read as a bundle")
        } catch {
            #expect(error.message.contains("a MISP event, not a STIX bundle"))
        }
        var misp = MISPReader(defaults: Self.defaults)
        do {
            try misp.feed(Data(#"{"type": "bundle", "objects": [{"type": "#.utf8))
            Issue.record("a bundle was read as MISP")
        } catch {
            #expect(error.message.contains("a STIX bundle, not a MISP event"))
        }
        for text in ["[]", "[1]", #"[{"info": "x"}]"#, "{}", #""text""#] {
            #expect(throws: InteropError.self, "\(text)") {
                try MISPImport.read(Data(text.utf8), defaults: Self.defaults)
            }
            #expect(throws: InteropError.self, "\(text)") {
                try STIXImport.read(Data(text.utf8), defaults: Self.defaults)
            }
        }
        let partly = try MISPImport.read(
            Data(#"[{"Event": {"Attribute": []}}, 7, {"other": 1}]"#.utf8), defaults: Self.defaults)
        #expect(partly.errors.map(\.place.path) == ["[1]", "[2]"])
    }
}
