import ConcertCore
import Foundation
import Testing

@Suite("Hand-written JSON equals Foundation's, byte for byte")
struct JSONTextTests {
    /// Every control character, quotes, backslashes, slashes, accents, emoji and the line
    /// separators that some encoders escape.
    static let awkward: String = {
        var text = (0..<0x20).map { String(Character(Unicode.Scalar(UInt8($0)))) }.joined()
        text += #""quoted" \back\slash/ // é ñ 😀 \#u{7f} \#u{2028}\#u{2029} </script>"#
        return text
    }()

    static func target(_ variant: Int) throws -> Target {
        let operation = JointOperation(
            id: "op-1", codeName: "ONE", summary: nil, leadAgencyId: "fr", hHour: nil,
            participants: [Participant(agencyId: "fr", role: .lead)], createdAt: Date(timeIntervalSince1970: 0))
        let selectors: [SelectorInput] = [
            SelectorInput(kind: .ip, text: "192.0.2.\(variant)"),
            SelectorInput(kind: .domain, text: "cdn.example.com"),
            SelectorInput(kind: .url, text: "https://example.com/a/b?c=\"d\"&e=\\f"),
            SelectorInput(kind: .person, value: .person(PersonIdentity(name: "Ива́н \(awkward)", dateOfBirth: nil))),
            SelectorInput(
                kind: .person, value: .person(PersonIdentity(name: "Jean Dupont", dateOfBirth: "1980-02-29"))),
        ]
        let even = variant % 2 == 0
        var target = try TargetInput(
            kind: .server, name: "Release server \(variant)", selectors: Array(selectors.prefix(1 + variant % 5)),
            handling: .h0, evaluation: Evaluation(code: "B2")!, distribution: .allParticipants
        ).makeTarget(
            id: "target-\(variant)", operation: operation, originatorAgencyId: "fr", createdBy: "user-1",
            defaultCountry: "FR", createdAt: Date(timeIntervalSince1970: 1_600_000_000.125 + Double(variant)),
            now: Date(timeIntervalSince1970: 1_600_000_001 + Double(variant)))
        // Set directly: the input's checks would refuse some of this text, the writer must not.
        if even {
            target.name = awkward
            target.notes = "notes\n\(awkward)"
            target.hostingProvider = "OVH/Kimsufi"
            target.country = "CY"
            target.handling = .h3
            target.handlingRestriction = "Only for \"the\" lead"
            target.distribution = .agencies(["de", "us/\(awkward)"])
            target.source = TargetSource(
                format: "stix", id: "indicator--\(awkward)", modified: variant % 4 == 0 ? nil : target.updatedAt,
                toIds: variant % 4 == 2 ? true : nil)
        }
        return target
    }

    @Test("a target, with and without every optional field, and with awkward text everywhere")
    func targets() throws {
        for variant in 0..<10 {
            let target = try Self.target(variant)
            #expect(target.json == (try ConcertJSON.encodeToString(target)), "variant \(variant)")
            #expect(try ConcertJSON.decode(Target.self, from: target.json) == target)
        }
    }

    @Test("a hit, reviewed by none, one or several agencies, with awkward values on both sides")
    func hits() throws {
        for reviewers in 0..<4 {
            let side = { (agency: String, value: String) in
                HitSide(
                    targetId: "target-\(agency)", operationId: "op-\(agency)", agencyId: agency, selectorKind: .domain,
                    value: value, matchKey: "cdn.example.com")
            }
            let hit = Hit(
                id: "hit-\(reviewers)", kind: MatchKind.allCases[reviewers], a: side("fr", Self.awkward),
                b: side("us", "CDN.Example.com."), foundAt: Date(timeIntervalSince1970: 1_600_000_000.5),
                reviewedBy: Dictionary(
                    uniqueKeysWithValues: ["us", "fr", "de-bka", "cy"].prefix(reviewers).enumerated().map {
                        ($1, Date(timeIntervalSince1970: 1_700_000_000 + Double($0)))
                    }))
            #expect(hit.json == (try ConcertJSON.encodeToString(hit)), "\(reviewers) reviewers")
        }
    }

    @Test("a distribution, either form")
    func distributions() throws {
        for distribution in [Distribution.allParticipants, .agencies([]), .agencies(["a", Self.awkward])] {
            #expect(distribution.json == (try ConcertJSON.encodeToString(distribution)))
        }
    }
}
