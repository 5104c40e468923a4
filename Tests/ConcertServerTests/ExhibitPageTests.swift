import ConcertCore
import ConcertStorage
import Foundation
import Hummingbird
import HummingbirdTesting
import Testing

@Suite("Exhibit pages")
struct ExhibitPageTests {
    /// The exhibit pages, in the order of ``expected(_:)``: the register, the phone B holds, the
    /// laptop on its way to the lead agency, the form, the report of what the caller's agency
    /// holds and the laptop's report.
    static func paths(in world: TestWorld) -> [String] {
        let exhibits = "/operations/\(world.operation.id)/exhibits"
        return [
            exhibits, exhibits + "/\(world.exhibit.id)", exhibits + "/\(world.transitExhibit.id)", exhibits + "/new",
            exhibits + "/report", exhibits + "/\(world.transitExhibit.id)/report",
        ]
    }

    static func expected(_ persona: Persona) -> [HTTPResponse.Status] {
        switch persona {
        case .leadCoordinator, .participantOfficer: Array(repeating: .ok, count: 6)
        // B's exhibits are for the lead agency: C is told they do not exist.
        case .otherParticipantOfficer: [.ok, .notFound, .notFound, .ok, .ok, .notFound]
        // An observer follows the counts on the register, and sees no exhibit.
        case .observer: [.ok, .forbidden, .forbidden, .forbidden, .forbidden, .forbidden]
        case .nonParticipant, .platformAdmin, .agencyAdmin: Array(repeating: .notFound, count: 6)
        case .anonymous: Array(repeating: .found, count: 6)
        }
    }

    @Test(
        "each persona gets the exhibit pages the policy allows, and nothing it may not see", arguments: Persona.allCases
    )
    func pagesFollowThePolicy(persona: Persona) async throws {
        let world = try await TestWorld.make()
        defer { world.remove() }
        let paths = Self.paths(in: world)
        let pages = try await WorkspacePageTests.visit(
            paths, as: persona, in: world, expecting: Self.expected(persona))
        let (register, phone, laptop, form, report) = (pages[0], pages[1], pages[2], pages[3], pages[4])
        switch persona {
        case .participantOfficer:
            #expect(
                register.text.contains(world.exhibit.exhibitNumber)
                    && register.text.contains("in transit to Lead Agency"))
            // B holds the phone: it adds to its chain; the laptop waits for the lead's receipt.
            #expect(phone.text.contains("Add to the chain of custody"))
            #expect(!laptop.text.contains("Confirm receipt"))
            #expect(laptop.text.contains(#"<option value="correction">"#))
            // Its own hand-over is there to call off, and only its own entries.
            #expect(laptop.text.contains(#"<option value="\#(world.handOverId)">2. Handed over</option>"#))
            #expect(!laptop.text.contains(#"<option value="sealed">"#), "in transit, only a correction may follow")
            #expect(form.text.contains("Search the courier"))
            #expect(report.text.contains(world.exhibit.exhibitNumber))
        case .leadCoordinator:
            #expect(laptop.text.contains("Confirm receipt"))
            #expect(laptop.text.contains("/custody/\(world.handOverId)/receipt"))
            #expect(!phone.text.contains("Add to the chain of custody"), "the lead does not hold it")
            #expect(report.text.contains("holds no exhibit"))
        case .otherParticipantOfficer:
            #expect(register.text.contains("0 exhibits you may see"))
            #expect(form.text.contains("No action of your agency has gone ahead yet"))
        case .observer:
            #expect(register.text.contains(#"<span id="exhibit-total">2</span>"#))
            #expect(register.text.contains("1 phone, 1 computer"))
            #expect(!register.text.contains("<table"))
        default:
            break
        }
    }
}
