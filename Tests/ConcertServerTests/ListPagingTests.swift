import ConcertCore
import ConcertStorage
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Testing

@testable import ConcertServer

/// Every list route answers a page at a time, with its filters done by the database: tried as
/// each persona with each filter for leaks, and with bad values, which change nothing.
@Suite("Lists a page at a time")
struct ListPagingTests {
    /// A list with one of its filters, and what no persona but the lead may find in it.
    struct FilteredList: Sendable, CustomTestStringConvertible {
        let path: @Sendable (TestWorld) -> String
        let name: String
        /// Ids that only the lead coordinator (and B, their originator) may see.
        let hidden: @Sendable (TestWorld) -> [String]

        var testDescription: String { name }
    }

    static let filteredLists: [FilteredList] = [
        FilteredList(
            path: { "/api/v1/operations/\($0.operation.id)/messages?from=\($0.partB.id)&handling=H2&limit=1" },
            name: "messages from B of H2", hidden: { [$0.restrictedMessage.id, $0.restrictedMessage.subject] }),
        FilteredList(
            path: { "/api/v1/operations/\($0.operation.id)/messages?unread=true&unacknowledged=true" },
            name: "unread messages to acknowledge", hidden: { [$0.restrictedMessage.id] }),
        FilteredList(
            path: { "/api/v1/operations/\($0.operation.id)/messages?q=courier" }, name: "messages found",
            hidden: { [$0.restrictedMessage.id, $0.restrictedMessage.subject] }),
        FilteredList(
            path: { "/api/v1/operations/\($0.operation.id)/targets?agency=\($0.partB.id)&limit=1" },
            name: "targets of B", hidden: { [$0.restrictedTarget.id, $0.restrictedTarget.name] }),
        FilteredList(
            path: { "/api/v1/operations/\($0.operation.id)/targets?q=\($0.restrictedTarget.name.prefix(6))" },
            name: "targets by text", hidden: { [$0.restrictedTarget.id] }),
        FilteredList(
            path: { "/api/v1/operations/\($0.operation.id)/actions?agency=\($0.partB.id)&status=planned" },
            name: "actions of B", hidden: { [$0.restrictedTarget.id] }),
        FilteredList(
            path: { "/api/v1/operations/\($0.operation.id)/sitreps?limit=1" }, name: "sitreps",
            hidden: { [$0.draftSitrep.id] }),
    ]

    @Test("no filter of a list lets a persona find what it may not see", arguments: filteredLists)
    func filtersLeakNothing(_ list: FilteredList) async throws {
        let world = try await TestWorld.make()
        defer { world.remove() }
        try await world.withClient { client in
            for persona in Persona.allCases {
                let answer = try await client.execute(
                    uri: list.path(world), method: .get, headers: TestWorld.headers(persona))
                for hidden in list.hidden(world) where persona != .leadCoordinator && persona != .participantOfficer {
                    #expect(!answer.text.contains(hidden), "\(persona) finds \(hidden) in \(list.name)")
                }
                if answer.status == .ok {
                    #expect(answer.object["items"] is [Any] && answer.object.keys.contains("next"), "\(persona)")
                }
            }
        }
    }

    @Test("a filter by a target the caller may not read is refused, and names nothing")
    func targetFilterNeedsAReadableTarget() async throws {
        let world = try await TestWorld.make()
        defer { world.remove() }
        try await world.withClient { client in
            let path = "/api/v1/operations/\(world.operation.id)/messages?target=\(world.restrictedTarget.id)"
            let forC = try await client.execute(
                uri: path, method: .get, headers: TestWorld.headers(.otherParticipantOfficer))
            #expect(forC.status == .unprocessableContent)
            #expect(!forC.text.contains(world.restrictedTarget.name))
            let forLead = try await client.execute(
                uri: path, method: .get, headers: TestWorld.headers(.leadCoordinator))
            #expect(forLead.status == .ok)
        }
    }

    @Test("bad limits, cursors and filters get a 4xx that says what is expected, and change nothing")
    func badValuesChangeNothing() async throws {
        let world = try await TestWorld.make()
        defer { world.remove() }
        let operation = "/api/v1/operations/\(world.operation.id)"
        let lists = [
            operation + "/messages", operation + "/targets", operation + "/actions", operation + "/log",
            operation + "/sitreps", operation + "/exhibits",
        ]
        let badPaging = [
            "limit=0", "limit=501", "limit=ten", "limit=-1", "after=NOT-AN-ID", "after=\(world.otherTarget.id)",
            "after=\(Identifier.make())",
        ]
        let badFilters = [
            operation + "/messages?unread=maybe", operation + "/messages?handling=H9",
            operation + "/messages?from=Agency%20B", operation + "/messages?target=\(Identifier.make())",
            operation + "/targets?kind=boat", operation + "/targets?agency=B%20B",
            operation + "/actions?status=flying", operation + "/actions?country=cyprus",
            operation + "/actions?country=", operation + "/actions?status=", operation + "/messages?handling=",
            operation + "/messages?unread=", operation + "/targets?kind=", operation + "/log?significant=yes",
        ]
        let before = try await world.eventCount()
        try await world.withClient { client in
            for path in lists.flatMap({ list in badPaging.map { list + "?" + $0 } }) + badFilters {
                let answer = try await client.execute(
                    uri: path, method: .get, headers: TestWorld.headers(.leadCoordinator))
                #expect([400, 422].contains(answer.status.code), "\(path): \(answer.status)")
                #expect(answer.headers[.contentType]?.hasPrefix("application/problem+json") == true, "\(path)")
                #expect((answer.object["detail"] as? String)?.isEmpty == false, "\(path)")
            }
            for path in ["/api/v1/hits", "/api/v1/crosscheck/exclusions"] {
                for query in badPaging {
                    let answer = try await client.execute(
                        uri: path + "?" + query, method: .get, headers: TestWorld.headers(.participantOfficer))
                    #expect(answer.status == .badRequest, "\(path)?\(query)")
                }
            }
            for query in badPaging {
                let answer = try await client.execute(
                    uri: "/api/v1/users?" + query, method: .get, headers: TestWorld.headers(.platformAdmin))
                #expect(answer.status == .badRequest, "users?\(query)")
            }
        }
        #expect(try await world.eventCount() == before, "a refused list reads nothing into the audit chain")
    }

    @Test("a cursor of another operation, or of a record the caller may not see, is refused")
    func foreignCursorsAreRefused() async throws {
        let world = try await TestWorld.make()
        defer { world.remove() }
        let operation = "/api/v1/operations/\(world.operation.id)"
        try await world.withClient { client in
            let cases: [(String, Persona, Bool)] = [
                (operation + "/messages?after=\(world.restrictedMessage.id)", .otherParticipantOfficer, false),
                (operation + "/messages?after=\(world.restrictedMessage.id)", .leadCoordinator, true),
                (operation + "/targets?after=\(world.restrictedTarget.id)", .otherParticipantOfficer, false),
                (operation + "/targets?after=\(world.restrictedTarget.id)", .leadCoordinator, true),
                (operation + "/targets?after=\(world.otherTarget.id)", .leadCoordinator, false),
                (operation + "/sitreps?after=\(world.draftSitrep.id)", .otherParticipantOfficer, false),
                (operation + "/sitreps?after=\(world.draftSitrep.id)", .leadCoordinator, true),
                (operation + "/log?after=\(world.sharedTarget.id)", .leadCoordinator, false),
                (operation + "/actions?after=\(world.actionB.id)&agency=\(world.partC.id)", .leadCoordinator, false),
                (operation + "/actions?after=\(world.actionB.id)", .otherParticipantOfficer, true),
                ("/api/v1/hits?after=\(world.hit.id)", .otherParticipantOfficer, false),
                ("/api/v1/hits?after=\(world.hit.id)", .participantOfficer, true),
                ("/api/v1/crosscheck/exclusions?after=\(world.exclusion.id)", .leadCoordinator, false),
                ("/api/v1/users?after=\(world.users[.leadCoordinator]!.id)", .agencyAdmin, false),
            ]
            for (path, persona, accepted) in cases {
                let answer = try await client.execute(uri: path, method: .get, headers: TestWorld.headers(persona))
                #expect(answer.status == (accepted ? .ok : .badRequest), "\(persona) \(path): \(answer.text)")
            }
        }
    }

    @Test("following next through a list gives every item once, for every list")
    func pagesCoverTheList() async throws {
        let world = try await TestWorld.make()
        defer { world.remove() }
        let operation = "/api/v1/operations/\(world.operation.id)"
        try await world.withClient { client in
            for number in 0..<4 {
                _ = try await client.execute(
                    uri: operation + "/log", method: .post, headers: TestWorld.headers(.participantOfficer),
                    body: .json(["text": "Entry \(number)"]))
            }
            for (path, persona) in [
                (operation + "/messages", Persona.leadCoordinator), (operation + "/targets", .leadCoordinator),
                (operation + "/actions", .observer), (operation + "/log", .observer),
                (operation + "/sitreps", .leadCoordinator), ("/api/v1/users", .platformAdmin),
            ] {
                let whole = try await client.execute(
                    uri: path + "?limit=500", method: .get, headers: TestWorld.headers(persona))
                let all = try #require(whole.object["items"] as? [[String: Any]]).compactMap { $0["id"] as? String }
                #expect(all.count >= 2, "\(path)")
                #expect(whole.object["next"] is NSNull, "\(path): the last page says so")
                var paged: [String] = []
                var after: String?
                repeat {
                    let page = try await client.execute(
                        uri: path + "?limit=1" + (after.map { "&after=\($0)" } ?? ""), method: .get,
                        headers: TestWorld.headers(persona))
                    paged += try #require(page.object["items"] as? [[String: Any]]).compactMap { $0["id"] as? String }
                    after = page.object["next"] as? String
                } while after != nil && paged.count <= all.count
                #expect(paged == all, "\(path)")
            }
        }
    }
}
